//! Reads the wording of a message for the two tricks of code phishing, in English,
//! Japanese, Chinese and French: asking the user to reply with or pass on the code,
//! and pressing them to act at once ("your account will be suspended").
//!
//! The shop's own messages say the opposite ("don't share it with anyone", "tell it
//! only to the courier"), so a phrase preceded or followed by a negation, or about
//! the courier at handover (F-DLV-2), does not count; nor does "right away" in the
//! shop's "if this wasn't you, reset your password right away" advice. Threats and
//! deadlines always count. Phrases are matched on lowercased text with fullwidth
//! characters folded. Links are removed from the text before it gets here
//! (`extract`); the language itself is `language`'s concern.

use super::{Reason, ReasonCode};

/// Phrases that ask for the code to be sent back or told to someone.
const SHARE: &[&str] = &[
    // en
    "reply with", "reply to this message with", "reply to this text with", "reply back with", "respond with the code", "respond with your code",
    "text back", "text us the code", "text us your code", "send us the code", "send us your code", "send the code", "send your code",
    "send me the code", "forward this code", "forward the code", "forward this message", "forward this text", "share the code with",
    "share this code with", "share your code with", "tell us the code", "tell us your code", "tell our", "give us the code", "give the code",
    "give your code", "read the code", "read out the code", "read us the code", "provide the code", "provide your code",
    "provide the verification", "provide your verification", "confirm the code by replying", "say the code",
    // ja
    "コードを返信", "番号を返信", "数字を返信", "返信してください", "ご返信ください", "返信をお願い", "返信にて", "教えてください",
    "お教えください", "お知らせください", "お伝えください", "伝えてください", "転送してください", "転送をお願い", "送ってください",
    "送信してください", "読み上げ", "ご提供ください",
    // zh
    "回复验证码", "回复此短信", "回复本短信", "回复短信", "回复您的验证码", "将验证码回复", "把验证码发", "验证码发给", "发送验证码给",
    "告诉我们", "告知我们", "告诉客服", "告知客服", "提供验证码", "提供您的验证码", "报给", "念给", "转发", "将验证码告诉",
    "把验证码告诉",
    // fr
    "répondez avec", "répondez à ce message avec", "répondez à ce sms avec", "répondez en indiquant", "repondez avec", "renvoyez le code",
    "renvoyez-nous", "transférez", "transferez", "communiquez-nous", "communiquez le code", "communiquez votre code", "donnez-nous",
    "donnez le code", "donnez votre code", "envoyez-nous", "envoyez le code", "envoyez votre code", "indiquez le code", "indiquez-nous",
    "transmettez le code", "transmettez-nous", "transmettez votre code", "dites-nous", "lisez le code", "fournissez le code",
    "nous communiquer le code", "nous transmettre", "donner le code", "communiquer le code", "transmettre le code", "lui donner",
    "lui communiquer", "lui transmettre", "lui lire",
];

/// Threats and deadlines: always a red flag.
const URGENCY: &[&str] = &[
    // en
    "urgent", "act now", "final notice", "final warning", "last warning", "will be suspended", "will be locked", "will be closed",
    "will be terminated", "will be deleted", "will be disabled", "will be restricted", "has been suspended", "has been locked",
    "has been restricted", "has been disabled", "account suspended", "account locked", "account is suspended", "account is locked",
    "expires today",
    // ja
    "至急", "緊急", "時間以内", "本日中", "停止され", "停止します", "停止いたします", "停止となります", "アカウントが停止", "凍結",
    "ロックされ", "利用制限", "閉鎖", "削除されます", "無効になります", "最終警告", "最終通知",
    // zh
    "紧急", "冻结", "停用", "封停", "封号", "暂停使用", "将被关闭", "将被删除", "小时内", "今日内", "今天内", "否则", "最后通知", "逾期",
    // fr
    "urgent", "dernier avertissement", "dernier rappel", "suspendu", "suspendue", "bloqué", "bloquée", "sera fermé", "sera supprimé",
    "sera désactivé", "dans les 24", "dans les 48", "sous 24", "sous 48", "d'ici 24", "d'ici 48",
];

/// "Act at once" adverbs. The shop itself says "if this wasn't you, reset your
/// password right away" (ja すぐに, zh 立即 in its password-changed notice), so they
/// count only in a sentence that is not such "if it wasn't you" advice.
const URGENCY_ADVERBS: &[&str] = &[
    "immediately", "right away", "as soon as possible", "今すぐ", "すぐに", "直ちに", "ただちに", "立即", "立刻", "马上", "尽快",
    "immédiatement", "sans délai", "au plus vite", "dès maintenant",
];

/// The start of the shop's "if this wasn't you, …" advice.
const IF_NOT_YOU: &[&str] = &[
    "if this wasn't you", "if it wasn't you", "if this was not you", "if it was not you", "心当たりがない", "身に覚えがない",
    "如果不是您本人", "如非本人", "若非本人", "不是您本人操作", "si ce n'est pas vous", "si ce n'était pas vous",
];

/// Words that, just before a phrase, turn it around ("don't share the code with").
const NEGATION_BEFORE: &[&str] = &[
    "don't", "do not", "never", "not ", "no one", "nobody", "won't", "will not", "不要", "切勿", "请勿", "勿", "别把", "别将", "别告诉", "不会", "绝不", "ne ", "n'", "jamais",
];

/// Japanese puts the negation after the verb ("コードを返信しないでください").
const NEGATION_AFTER: &[&str] = &["しないで", "ないで", "しません", "禁止"];

/// The shop's delivery code is meant for the courier at the door (F-DLV-2).
const COURIER: &[&str] = &["courier", "delivery driver", "配達員", "ドライバー", "快递员", "配送员", "派送员", "livreur"];
const ONLY: &[&str] = &["only", "のみ", "だけ", "仅", "只", "uniquement", "seulement", "qu'au"];

/// Words that show the message is about a code at all.
const CODE_WORDS: &[&str] = &[
    "code", "otp", "pin", "password", "digit", "コード", "番号", "認証", "パスワード", "暗証", "数字", "桁", "验证码", "校验码", "动态码", "密码", "mot de passe",
    "chiffres",
];

/// How far before a phrase a negation still counts, in characters.
const NEGATION_WINDOW: usize = 24;

pub(super) fn check(prose: &str) -> Vec<Reason> {
    let text = normalise(prose);
    let mut reasons = Vec::new();
    if let Some(phrase) = asks_to_share_code(&text) {
        reasons.push(Reason::new(ReasonCode::TextAsksToShareCode,
            format!("It asks you to reply with or pass on your code (\"{phrase}\"). The shop never asks anyone to send or tell it a code."),
        ));
    }
    if let Some(phrase) = urgency(&text) {
        reasons.push(Reason::new(ReasonCode::TextUrgency,
            format!("It pressures you to act at once (\"{phrase}\"); the shop's messages never threaten or set deadlines."),
        ));
    }
    reasons
}

fn asks_to_share_code(text: &str) -> Option<&'static str> {
    if !mentions_code(text) {
        return None;
    }
    clauses(text).find_map(|clause| {
        if is_about_courier(clause) {
            return None;
        }
        SHARE.iter().copied().find(|p| occurs_affirmatively(clause, p))
    })
}

fn urgency(text: &str) -> Option<String> {
    if let Some(p) = URGENCY.iter().find(|p| text.contains(**p)) {
        return Some((*p).to_string());
    }
    within_hours(text).or_else(|| urgent_adverb(text))
}

fn urgent_adverb(text: &str) -> Option<String> {
    sentences(text)
        .filter(|s| !IF_NOT_YOU.iter().any(|m| s.contains(m)))
        .find_map(|s| URGENCY_ADVERBS.iter().find(|a| s.contains(**a)))
        .map(|a| (*a).to_string())
}

/// "within 24 hours", "within 2 hrs": a deadline counted in hours.
fn within_hours(text: &str) -> Option<String> {
    text.match_indices("within ").find_map(|(i, _)| {
        let rest = text.get(i + "within ".len()..)?;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let after = rest.get(digits.len()..)?.trim_start();
        (!digits.is_empty() && (after.starts_with("hour") || after.starts_with("hr") || after.starts_with('h'))).then(|| format!("within {digits} hours"))
    })
}

/// True when `phrase` occurs in `clause` without a negation around it.
fn occurs_affirmatively(clause: &str, phrase: &str) -> bool {
    clause.match_indices(phrase).any(|(i, _)| {
        let before = clause.get(..i).unwrap_or_default();
        let before = before.char_indices().rev().nth(NEGATION_WINDOW - 1).and_then(|(j, _)| before.get(j..)).unwrap_or(before);
        let after: String = clause.get(i + phrase.len()..).unwrap_or_default().chars().take(8).collect();
        !NEGATION_BEFORE.iter().any(|n| before.contains(n)) && !NEGATION_AFTER.iter().any(|n| after.contains(n))
    })
}

fn is_about_courier(clause: &str) -> bool {
    COURIER.iter().any(|c| clause.contains(c)) && ONLY.iter().any(|o| clause.contains(o))
}

fn mentions_code(text: &str) -> bool {
    CODE_WORDS.iter().any(|w| text.contains(w)) || has_digit_run(text, 4)
}

fn has_digit_run(text: &str, min: usize) -> bool {
    text.split(|c: char| !c.is_ascii_digit()).any(|run| run.len() >= min)
}

fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.split(['.', '!', '?', '\n', '。', '！', '？']).filter(|c| !c.trim().is_empty())
}

/// Clauses end at sentence punctuation and commas, so that "If you did not request
/// this, reply with the code" is not read as negated.
fn clauses(text: &str) -> impl Iterator<Item = &str> {
    text.split(['.', '!', '?', '\n', ',', ';', '。', '！', '？', '、', '，', '；']).filter(|c| !c.trim().is_empty())
}

/// Lowercase, fullwidth ASCII folded, curly apostrophes straightened, spaces single.
fn normalise(text: &str) -> String {
    let folded: String = text
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '’' | '‘' | '`' => '\'',
            '\u{3000}' => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect();
    let mut out = String::with_capacity(folded.len());
    for (i, word) in folded.split(' ').filter(|w| !w.is_empty()).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<&'static str> {
        check(text).iter().map(|r| r.code.as_str()).collect()
    }

    #[test]
    fn f_msg_3_genuine_wording_raises_nothing() {
        let genuine = [
            "Shop: 123456 sign-in code. Don't share it with anyone. Didn't request this? Deny:",
            "Shop：123456 はサインイン用のコードです。誰にも教えないでください。心当たりがない場合は拒否：",
            "Shop：123456 是您的登录验证码。请勿将验证码告诉任何人。如非本人操作，请拒绝：",
            "Shop : 123456 est votre code de connexion. Ne le communiquez à personne. Vous n'êtes pas à l'origine de cette demande ? Refuser :",
            "Shop: delivery code 482913 for order 123. Tell it only to the courier at handover.",
            "Shop：お届けコード 482913。受け取り時に配達員にのみお伝えください。",
            "Shop：您的取件验证码为 482913。请仅在收货时将验证码告诉快递员。",
            "Shop: Never share this code. We will never ask you to send the code to anyone.",
            "このメッセージには返信できません。コードを返信しないでください。",
            // The password-changed notices of `delivery`'s renderer.
            "Shop: Your password was changed. If this wasn't you, reset it now.",
            "Shop: パスワードが変更されました。お心当たりがない場合は、すぐに再設定してください。",
            "Shop: 您的密码已更改。如果不是您本人操作,请立即重置。",
            "Shop: Votre mot de passe a été modifié. Si ce n'est pas vous, réinitialisez-le maintenant.",
        ];
        for text in genuine {
            assert!(codes(text).is_empty(), "{text}: {:?}", check(text));
        }
    }

    #[test]
    fn f_msg_3_asks_to_share_code_in_four_languages() {
        let fraud = [
            "Shop security: reply with the code we just sent to confirm your identity.",
            "If you did not request this, reply with the 6-digit code to cancel.",
            "Our agent will call you. Please read the code to him.",
            "【Shop】本人確認のため、届いた認証コードを返信してください。",
            "担当者に6桁のコードを教えてください。",
            "【Shop】请回复验证码以完成身份验证。",
            "请把验证码告诉客服人员。",
            "Shop : répondez avec le code reçu pour confirmer votre identité.",
            "Merci de nous transmettre le code à 6 chiffres.",
        ];
        for text in fraud {
            assert_eq!(codes(text), vec!["text.asks_to_share_code"], "{text}");
        }
    }

    #[test]
    fn f_msg_3_urgency_in_four_languages() {
        let fraud = [
            "Unusual activity: within 24 hours your account will be suspended.",
            "Verify within 12 hrs or lose access.",
            "【至急】ご確認ください。",
            "お客様のアカウントが停止されました。",
            "您的账户将被冻结，请立即处理。",
            "Votre compte sera suspendu, connectez-vous immédiatement.",
            "Shop：ログインに問題があります。今すぐ確認してください。",
            "Security alert: sign in immediately to keep your account.",
        ];
        for text in fraud {
            assert_eq!(codes(text), vec!["text.urgency"], "{text}");
        }
    }

    #[test]
    fn f_msg_3_share_request_without_any_code_is_not_flagged() {
        assert!(codes("Reply with STOP to unsubscribe").is_empty());
    }

    #[test]
    fn f_msg_3_fullwidth_and_case_are_normalised() {
        assert_eq!(codes("ＲＥＰＬＹ ＷＩＴＨ the CODE"), vec!["text.asks_to_share_code"]);
    }
}
