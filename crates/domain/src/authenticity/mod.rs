//! F-MSG-3: decides whether an SMS or e-mail a user received really came from the shop.
//!
//! Pure and offline: it looks only at what the user pasted, the operator's list of
//! official senders and the user's message-center records (already decrypted by the
//! caller). It answers with a verdict and the reasons behind it, each with a stable
//! code and a plain-language detail.
//!
//! Loading the records, decrypting them and showing the verdict belong to `service`
//! and the adapters. Each signal lives in its own file: `sender` (who sent it),
//! `extract` (which links it carries), `links` and `lookalike` (where they lead),
//! `text` (what it asks for), `language` (which language it is in) and `record`
//! (whether the shop really sent it).

mod extract;
mod language;
mod links;
mod lookalike;
mod record;
mod sender;
mod text;

#[cfg(test)]
mod eval;

use crate::types::{Channel, Locale, UnixMillis};
use serde::Serialize;

/// Where the shop's genuine messages come from and link to (operator configuration).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OfficialSenders {
    /// Numbers the shop sends SMS (and calls) from, E.164 such as "+815053704545".
    /// Alphanumeric sender IDs may be listed too; they compare case-insensitively.
    pub sms_numbers: Vec<String>,
    /// Domains the shop sends e-mail from, such as "shop.example"; subdomains count.
    pub email_domains: Vec<String>,
    /// Registrable domains of the shop's own sites; every link must lead to one.
    pub link_domains: Vec<String>,
}

/// A message as the user pasted it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// `Sms` or `Email` (a voice call's transcript is judged like an SMS).
    pub channel: Channel,
    /// The sender's number or sender ID, or the e-mail `From` (with or without a name).
    pub sender: String,
    pub text: String,
    /// Links the user pasted separately; links written in `text` are found as well.
    pub links: Vec<String>,
    pub received_at: Option<UnixMillis>,
}

/// A record of a message the shop really sent to this user (message center), body already decrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentRecord {
    pub channel: Channel,
    pub body: String,
    pub sent_at: UnixMillis,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The shop sent it (a message-center record matches) and nothing about it is off.
    Genuine,
    /// At least one red flag: treat it as phishing.
    Suspicious,
    /// No red flag, but no record matches either.
    Unknown,
}

/// One finding. `code` is stable (clients may translate it); `detail` is plain English.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub code: &'static str,
    pub detail: String,
}

impl Reason {
    pub(crate) fn new(code: &'static str, detail: impl Into<String>) -> Self {
        Reason { code, detail: detail.into() }
    }

    /// Every finding except the message-center ones (`record.*`) is a red flag.
    pub fn is_red_flag(&self) -> bool {
        !self.code.starts_with("record.")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub verdict: Verdict,
    pub reasons: Vec<Reason>,
}

/// Judges one received message. Red flags come first in `reasons`, then the
/// message-center finding (`record.match` or `record.none`).
pub fn check(received: &Received, official: &OfficialSenders, records: &[SentRecord], account_locale: Locale) -> Assessment {
    let found = extract::extract(&received.text, &received.links);
    let mut reasons: Vec<Reason> = Vec::new();
    reasons.extend(sender::check(received.channel, &received.sender, official));
    for link in &found.links {
        reasons.extend(links::check(link, &official.link_domains));
    }
    reasons.extend(text::check(&found.prose));
    reasons.extend(language::check(&found.prose, account_locale));
    dedupe(&mut reasons);

    let matched = record::find(received, records);
    let verdict = verdict(reasons.iter().any(Reason::is_red_flag), matched.is_some());
    reasons.push(record::reason(matched, received.received_at));
    Assessment { verdict, reasons }
}

fn verdict(red_flag: bool, matched: bool) -> Verdict {
    match (red_flag, matched) {
        (true, _) => Verdict::Suspicious,
        (false, true) => Verdict::Genuine,
        (false, false) => Verdict::Unknown,
    }
}

/// The same link pasted twice should not be reported twice.
fn dedupe(reasons: &mut Vec<Reason>) {
    let mut seen: Vec<Reason> = Vec::with_capacity(reasons.len());
    reasons.retain(|r| {
        if seen.contains(r) {
            false
        } else {
            seen.push(r.clone());
            true
        }
    });
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Shared by the tests of every file: the shop of the corpus and its real messages.
    use super::*;

    pub const NOW: UnixMillis = UnixMillis(1_750_000_000_000);
    pub const GENUINE_EN: &str = "Shop: 123456 sign-in code. Don't share it with anyone. Didn't request this? Deny: https://shop.example/deny/abc\n\n@shop.example #123456";

    pub fn official() -> OfficialSenders {
        OfficialSenders {
            sms_numbers: vec!["+815053704545".into()],
            email_domains: vec!["shop.example".into()],
            link_domains: vec!["shop.example".into()],
        }
    }

    pub fn sms(sender: &str, text: &str) -> Received {
        Received { channel: Channel::Sms, sender: sender.into(), text: text.into(), links: vec![], received_at: Some(NOW) }
    }

    pub fn sent(channel: Channel, body: &str, secs_before: i64) -> SentRecord {
        SentRecord { channel, body: body.into(), sent_at: NOW.minus_secs(secs_before) }
    }

    pub fn codes(a: &Assessment) -> Vec<&'static str> {
        a.reasons.iter().map(|r| r.code).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn f_msg_3_genuine_when_record_matches_and_no_red_flag() {
        let records = [sent(Channel::Sms, GENUINE_EN, 20)];
        let a = check(&sms("+815053704545", GENUINE_EN), &official(), &records, Locale::En);
        assert_eq!(a.verdict, Verdict::Genuine, "{:?}", a.reasons);
        assert_eq!(codes(&a), vec!["record.match"]);
    }

    #[test]
    fn f_msg_3_unknown_without_record() {
        let a = check(&sms("+815053704545", GENUINE_EN), &official(), &[], Locale::En);
        assert_eq!(a.verdict, Verdict::Unknown);
        assert_eq!(codes(&a), vec!["record.none"]);
    }

    #[test]
    fn f_msg_3_red_flag_beats_a_matching_record() {
        let records = [sent(Channel::Sms, GENUINE_EN, 20)];
        let a = check(&sms("+12025550143", GENUINE_EN), &official(), &records, Locale::En);
        assert_eq!(a.verdict, Verdict::Suspicious);
        assert_eq!(codes(&a), vec!["sender.not_official", "record.match"]);
    }

    #[test]
    fn f_msg_3_record_on_another_channel_does_not_count() {
        let records = [sent(Channel::Email, GENUINE_EN, 20)];
        let a = check(&sms("+815053704545", GENUINE_EN), &official(), &records, Locale::En);
        assert_eq!(a.verdict, Verdict::Unknown);
    }

    #[test]
    fn f_msg_3_same_link_twice_is_reported_once() {
        let text = "Verify at https://bit.ly/3abc now https://bit.ly/3abc";
        let a = check(&sms("+815053704545", text), &official(), &[], Locale::En);
        let shorteners = a.reasons.iter().filter(|r| r.code == "link.shortener").count();
        assert_eq!(shorteners, 1);
    }

    #[test]
    fn f_msg_3_assessment_serialises_with_snake_case_verdict() {
        let a = check(&sms("+815053704545", GENUINE_EN), &official(), &[], Locale::En);
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["verdict"], "unknown");
        assert_eq!(json["reasons"][0]["code"], "record.none");
        assert!(json["reasons"][0]["detail"].as_str().unwrap().len() > 10);
    }
}
