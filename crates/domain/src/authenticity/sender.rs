//! Checks who a message says it is from: an SMS number (or sender ID) against the
//! shop's numbers, an e-mail address's domain against the shop's mail domains.
//!
//! Phone numbers are compared after a light normalisation (spaces, dashes and
//! brackets dropped, `00` → `+`, a Japanese national `0` → `+81`), so
//! `050-5370-4545` and `+81 50 5370 4545` are the same sender. A sender can be
//! forged, so a match here is never enough on its own; that is `record`'s job.

use super::{OfficialSenders, Reason, ReasonCode, links, lookalike};
use crate::types::Channel;

/// `None` when the sender is official, or when the user did not paste one.
pub(super) fn check(channel: Channel, sender: &str, official: &OfficialSenders) -> Option<Reason> {
    let sender = sender.trim();
    if sender.is_empty() {
        return None;
    }
    match channel {
        Channel::Sms | Channel::Voice => check_number(sender, &official.sms_numbers),
        Channel::Email => check_email(sender, &official.email_domains),
    }
}

fn check_number(sender: &str, official: &[String]) -> Option<Reason> {
    let normalised = normalise_number(sender);
    if official.iter().any(|o| normalise_number(o) == normalised) {
        return None;
    }
    let kind = if is_number(&normalised) { "number" } else { "sender name" };
    Some(Reason::new(ReasonCode::SenderNotOfficial,
        format!("It came from the {kind} {sender}, which is not one the shop sends from ({}).", official.join(", ")),
    ))
}

/// `050-5370-4545` → `+815053704545`; sender names (`SHOP-INFO`) are only uppercased.
pub(super) fn normalise_number(raw: &str) -> String {
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '‐' | '−' | '(' | ')' | '.' | '/'))
        .map(fold_fullwidth)
        .collect::<String>()
        .to_uppercase();
    if !is_number(&compact) {
        return compact;
    }
    if let Some(rest) = compact.strip_prefix("00") {
        format!("+{rest}")
    } else if let Some(rest) = compact.strip_prefix('0') {
        format!("+81{rest}")
    } else {
        compact
    }
}

fn is_number(s: &str) -> bool {
    let digits = s.strip_prefix('+').unwrap_or(s);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

/// `０９０` (fullwidth, as Japanese phones may show them) → `090`.
fn fold_fullwidth(c: char) -> char {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

fn check_email(sender: &str, official: &[String]) -> Option<Reason> {
    let Some(domain) = email_domain(sender) else {
        return Some(Reason::new(ReasonCode::SenderNotOfficial, format!("\"{sender}\" is not an e-mail address, so it cannot be the shop's.")));
    };
    let is_official = official.iter().map(|o| o.trim().trim_end_matches('.').to_ascii_lowercase()).any(|o| {
        domain == o || domain.strip_suffix(o.as_str()).is_some_and(|head| head.ends_with('.'))
    });
    if is_official {
        return None;
    }
    let imitation = lookalike::imitates(&links::to_unicode(&domain), official)
        .map(|o| format!(", made to look like the shop's {o}"))
        .unwrap_or_default();
    Some(Reason::new(ReasonCode::SenderNotOfficial,
        format!("It was sent from the domain {domain}{imitation}; the shop's e-mail comes only from {}.", official.join(", ")),
    ))
}

/// `"Shop" <no-reply@Shop.Example>` → `shop.example`. The name shown before the
/// address is ignored: it is free text anyone can set.
pub(super) fn email_domain(sender: &str) -> Option<String> {
    let address = match (sender.rfind('<'), sender.rfind('>')) {
        (Some(open), Some(close)) if open < close => sender.get(open + 1..close)?,
        _ => sender,
    };
    let (_, domain) = address.trim().rsplit_once('@')?;
    let domain = domain.trim().trim_end_matches('.').to_lowercase();
    // A single label counts: the default sender is `no-reply@localhost`.
    let valid = !domain.is_empty() && !domain.contains(char::is_whitespace);
    valid.then_some(domain)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::official;
    use super::*;

    fn sms_flag(sender: &str) -> bool {
        check(Channel::Sms, sender, &official()).is_some()
    }

    fn email_flag(sender: &str) -> bool {
        check(Channel::Email, sender, &official()).is_some()
    }

    #[test]
    fn f_msg_3_official_number_in_any_notation() {
        for s in ["+815053704545", "+81 50-5370-4545", "05053704545", "050-5370-4545", "00815053704545", "０５０５３７０４５４５"] {
            assert!(!sms_flag(s), "{s}");
        }
    }

    #[test]
    fn f_msg_3_other_numbers_and_sender_names_are_not_official() {
        for s in ["+815053704546", "090-1234-5678", "+12025550143", "SHOP", "Shop-Info"] {
            let reason = check(Channel::Sms, s, &official()).unwrap();
            assert_eq!(reason.code, ReasonCode::SenderNotOfficial, "{s}");
        }
    }

    #[test]
    fn f_msg_3_configured_sender_name_is_official() {
        let mut o = official();
        o.sms_numbers.push("SHOP".into());
        assert!(check(Channel::Sms, "Shop", &o).is_none());
    }

    #[test]
    fn f_msg_3_email_domain_checks() {
        assert!(!email_flag("no-reply@shop.example"));
        assert!(!email_flag("Shop <No-Reply@Shop.Example>"));
        assert!(!email_flag("alerts@mail.shop.example"));
        assert!(email_flag("no-reply@shop.example.evil.top"));
        assert!(email_flag("\"no-reply@shop.example\" <security@evil.test>"));
        assert!(email_flag("support@myshop.example"));
        assert!(email_flag("Shop Security"));
    }

    #[test]
    fn f_msg_3_the_default_sender_address_is_official_by_default() {
        let local = OfficialSenders { email_domains: vec!["localhost".into()], ..official() };
        assert!(check(Channel::Email, "ninsho <no-reply@localhost>", &local).is_none());
        assert!(check(Channel::Email, "no-reply@localhost.evil.test", &local).is_some());
    }

    #[test]
    fn f_msg_3_email_lookalike_is_named_in_the_detail() {
        let reason = check(Channel::Email, "no-reply@sh0p.example", &official()).unwrap();
        assert!(reason.detail.contains("look like the shop's shop.example"), "{}", reason.detail);
    }

    #[test]
    fn f_msg_3_missing_sender_is_not_judged() {
        assert!(!sms_flag("  "));
    }
}
