//! Refuses, field by field, what cannot be judged: no verdict is better than a verdict
//! on nothing. An empty paste would come back "unknown", which reads like "probably
//! fine"; a sender with no number or address in it could only be called "not official".

use super::{Received, extract, sender};
use crate::error::{Error, Result};
use crate::types::Channel;

/// What the API document allows, counted in characters as its `maxLength` counts.
pub const MAX_TEXT_CHARS: usize = 10_000;
pub const MAX_SENDER_CHARS: usize = 320;
pub const MAX_LINKS: usize = 50;

/// Alphanumeric SMS sender IDs have at most 11 characters (GSM 03.40); some gateways
/// show a few more.
const MAX_SENDER_ID_CHARS: usize = 16;

pub fn validate(m: &Received) -> Result<()> {
    if m.text.chars().count() > MAX_TEXT_CHARS || m.sender.chars().count() > MAX_SENDER_CHARS || m.links.len() > MAX_LINKS {
        return Err(Error::invalid("message.too_long", "text", "paste at most 10 000 characters and 50 links"));
    }
    if m.text.trim().is_empty() {
        return Err(Error::invalid("message.text_empty", "text", "paste the message you received"));
    }
    if !m.text.chars().any(char::is_alphanumeric) {
        return Err(Error::invalid("message.text_unusable", "text", "there is nothing to check in this text; paste the words of the message"));
    }
    let sender = m.sender.trim();
    if !sender.is_empty() && !usable_sender(m.channel, sender) {
        let hint = match m.channel {
            Channel::Email => "give the address the e-mail came from (name@domain), or leave it empty",
            Channel::Sms | Channel::Voice => "give the number or sender name the message came from, or leave it empty",
        };
        return Err(Error::invalid("message.sender_unusable", "sender", hint));
    }
    if m.links.iter().any(|l| !l.trim().is_empty() && extract::with_scheme(l).and_then(|l| url::Url::parse(&l).ok()).is_none()) {
        return Err(Error::invalid("message.link_unusable", "links", "a link cannot be read as an address; paste it as it is written"));
    }
    Ok(())
}

fn usable_sender(channel: Channel, sender: &str) -> bool {
    match channel {
        Channel::Email => sender::email_domain(sender).is_some(),
        Channel::Sms | Channel::Voice => {
            let n = sender::normalise_number(sender);
            let digits = n.strip_prefix('+').unwrap_or(&n);
            if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
                (3..=15).contains(&digits.len())
            } else {
                n.chars().count() <= MAX_SENDER_ID_CHARS && n.chars().any(char::is_alphanumeric) && n.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '&' | '+'))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    fn code_of(m: &Received) -> Option<&'static str> {
        validate(m).err().map(|e| e.code())
    }

    fn field_of(m: &Received) -> Option<&'static str> {
        match validate(m) {
            Err(Error::Invalid { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn f_msg_3_empty_or_blank_text_is_a_field_error() {
        for text in ["", "   \n\t", "\u{3000}"] {
            let m = sms("+815053704545", text);
            assert_eq!((code_of(&m), field_of(&m)), (Some("message.text_empty"), Some("text")), "{text:?}");
        }
        let m = sms("", "!!! ... ???");
        assert_eq!((code_of(&m), field_of(&m)), (Some("message.text_unusable"), Some("text")));
    }

    #[test]
    fn f_msg_3_an_unusable_sender_is_a_field_error() {
        for bad in ["!!!", "+81", "a sender name far too long for sms", "12"] {
            let m = sms(bad, GENUINE_EN);
            assert_eq!((code_of(&m), field_of(&m)), (Some("message.sender_unusable"), Some("sender")), "{bad}");
        }
        let mail = Received { channel: Channel::Email, ..sms("Shop Security", GENUINE_EN) };
        assert_eq!(code_of(&mail), Some("message.sender_unusable"));
        for good in ["", "+81 50-5370-4545", "SHOP", "Shop-Info", "０５０５３７０４５４５"] {
            assert_eq!(code_of(&sms(good, GENUINE_EN)), None, "{good}");
        }
        assert_eq!(code_of(&Received { channel: Channel::Email, ..sms("ninsho <no-reply@localhost>", GENUINE_EN) }), None);
    }

    #[test]
    fn f_msg_3_an_unreadable_pasted_link_is_a_field_error() {
        let m = Received { links: vec!["https://exa mple.test/\u{0}".into()], ..sms("", GENUINE_EN) };
        assert_eq!((code_of(&m), field_of(&m)), (Some("message.link_unusable"), Some("links")));
        let ok = Received { links: vec!["bit.ly/x".into(), " ".into(), "sms:+15550100?body=123456".into()], ..sms("", GENUINE_EN) };
        assert_eq!(code_of(&ok), None);
    }

    #[test]
    fn f_msg_3_too_much_text_is_refused() {
        let m = sms("", &"a".repeat(MAX_TEXT_CHARS + 1));
        assert_eq!(code_of(&m), Some("message.too_long"));
    }
}
