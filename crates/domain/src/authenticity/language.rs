//! Guesses which of the shop's languages a message is written in, from its script
//! and a few very common words: kana → Japanese, Han without kana → Chinese, Latin
//! with French accents or words → French, other Latin → English.
//!
//! The shop writes to every account in the account's language (F-ACC-4), so a
//! message in another language is a red flag. When the guess is not confident
//! (too little text, a mix) nothing is reported. Links are removed before (`extract`).

use super::{Reason, ReasonCode};
use crate::types::Locale;

const FRENCH_WORDS: &[&str] = &[
    "le", "la", "les", "des", "du", "de", "un", "une", "est", "et", "vous", "votre", "vos", "pour", "avec", "ce", "cette", "ne", "pas",
    "à", "sur", "dans", "compte", "code", "connexion", "personne", "veuillez", "êtes", "merci", "demande", "refuser", "sera", "nous",
];
const ENGLISH_WORDS: &[&str] = &[
    "the", "and", "you", "your", "this", "with", "it", "is", "to", "of", "for", "anyone", "don't", "didn't", "please", "will", "has",
    "have", "be", "been", "account", "request", "sign-in", "code", "we", "our", "now", "if",
];
const FRENCH_ACCENTS: &[char] = &['é', 'è', 'ê', 'ë', 'à', 'â', 'ù', 'û', 'ç', 'ô', 'î', 'ï', 'œ'];

/// Minimum evidence before a guess counts.
const MIN_KANA: usize = 3;
const MIN_HAN: usize = 6;
const MIN_WORDS: usize = 5;

pub(super) fn check(prose: &str, account: Locale) -> Option<Reason> {
    let found = detect(prose)?;
    (found != account).then(|| {
        Reason::new(ReasonCode::TextWrongLanguage,
            format!(
                "It is written in {}, but your account's language is {}; the shop always writes to you in your account's language.",
                name(found),
                name(account)
            ),
        )
    })
}

/// The language of the text, or `None` when unsure.
pub(super) fn detect(text: &str) -> Option<Locale> {
    let kana = text.chars().filter(|c| is_kana(*c)).count();
    let han = text.chars().filter(|c| is_han(*c)).count();
    if kana >= MIN_KANA {
        return Some(Locale::Ja);
    }
    if kana == 0 && han >= MIN_HAN {
        return Some(Locale::Zh);
    }
    if kana + han > 0 {
        return None;
    }
    latin(text)
}

/// English or French, judged by common words (a word counts once per occurrence)
/// and accents. The word that scores clearly higher wins.
fn latin(text: &str) -> Option<Locale> {
    let lower = text.to_lowercase().replace('’', "'");
    let words: Vec<&str> = lower.split(|c: char| !(c.is_alphabetic() || c == '\'' || c == '-')).filter(|w| !w.is_empty()).collect();
    if words.len() < MIN_WORDS {
        return None;
    }
    let french = words.iter().filter(|w| FRENCH_WORDS.contains(w) || w.starts_with("n'") || w.starts_with("l'") || w.starts_with("d'")).count()
        + usize::from(lower.chars().any(|c| FRENCH_ACCENTS.contains(&c))) * 2;
    let english = words.iter().filter(|w| ENGLISH_WORDS.contains(w)).count();
    match (french, english) {
        (f, e) if f >= 3 && f > e * 2 => Some(Locale::Fr),
        (f, e) if e >= 3 && e > f * 2 => Some(Locale::En),
        _ => None,
    }
}

fn is_kana(c: char) -> bool {
    matches!(c as u32, 0x3041..=0x309F | 0x30A1..=0x30FA | 0x30FD..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9D)
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn name(locale: Locale) -> &'static str {
    match locale {
        Locale::En => "English",
        Locale::Ja => "Japanese",
        Locale::Zh => "Chinese",
        Locale::Fr => "French",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_msg_3_detects_the_four_languages() {
        assert_eq!(detect("Shop: 123456 sign-in code. Don't share it with anyone. Didn't request this? Deny:"), Some(Locale::En));
        assert_eq!(detect("Shop：123456 はサインイン用のコードです。誰にも教えないでください。"), Some(Locale::Ja));
        assert_eq!(detect("Shop：123456 是您的登录验证码。请勿将验证码告诉任何人。"), Some(Locale::Zh));
        assert_eq!(
            detect("Shop : 123456 est votre code de connexion. Ne le communiquez à personne. Vous n'êtes pas à l'origine de cette demande ?"),
            Some(Locale::Fr)
        );
    }

    #[test]
    fn f_msg_3_not_confident_on_little_text() {
        assert_eq!(detect("Shop: 123456"), None);
        assert_eq!(detect("至急"), None);
        assert_eq!(detect("OK"), None);
    }

    #[test]
    fn f_msg_3_flags_a_language_other_than_the_account() {
        let zh = "【Shop】您的账户存在异常，请点击链接验证身份。";
        assert_eq!(check(zh, Locale::Ja).map(|r| r.code), Some(ReasonCode::TextWrongLanguage));
        assert!(check(zh, Locale::Zh).is_none());
        assert!(check("Shop: 123456", Locale::Fr).is_none());
    }
}
