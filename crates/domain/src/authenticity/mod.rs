//! F-MSG-3: decides whether an SMS or e-mail a user received really came from the shop.
//!
//! Pure and offline: it looks only at what the user pasted, the operator's list of
//! official senders and the user's message-center records (already decrypted by the
//! caller). It answers with a verdict and the reasons behind it, each with a stable
//! code and a plain-language detail.
//!
//! Loading the records, decrypting them, finding the request a code was sent for and
//! showing the verdict belong to `service` and the adapters. Each signal lives in its
//! own file: `input` (what cannot be judged at all), `sender` (who sent it),
//! `extract` (which links it carries), `links` and `lookalike` (where they lead),
//! `text` (what it asks for), `language` (which language it is in), `record` and
//! `diff` (whether the shop really sent it, word for word) and `advice` (what to do).

mod advice;
mod diff;
mod extract;
mod input;
mod language;
mod links;
mod lookalike;
mod reason;
mod record;
mod sender;
mod text;

#[cfg(test)]
mod eval;

pub use advice::{NextStep, RequestFacts, RequestState};
pub use diff::Difference;
pub use input::{MAX_LINKS, MAX_SENDER_CHARS, MAX_TEXT_CHARS, validate};
pub use reason::{Reason, ReasonCode};

use crate::messages::Template;
use crate::types::{Channel, ChallengeId, DeliveryId, Locale, UnixMillis};
use serde::Serialize;

/// Where the shop's genuine messages come from and link to (operator configuration).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OfficialSenders {
    /// Numbers the shop sends SMS (and calls) from, E.164 such as "+815053704545".
    /// Alphanumeric sender IDs may be listed too; they compare case-insensitively.
    pub sms_numbers: Vec<String>,
    /// Domains the shop sends e-mail from, such as "shop.example"; subdomains count.
    pub email_domains: Vec<String>,
    /// Registrable domains of the shop's own sites; every link must lead to one. An
    /// IP address (`127.0.0.1`, `[::1]`) counts for links to exactly that address.
    pub link_domains: Vec<String>,
}

impl OfficialSenders {
    /// What a server that names no official senders uses: the number it sends SMS
    /// from, the domain of its mail sender and the host of its public URL — so the
    /// messages of a server left at its defaults (`http://127.0.0.1:8080`,
    /// `no-reply@localhost`) are not called phishing by the same server.
    pub fn derived(public_url: &str, mail_from: &str, sms_from: &str) -> Self {
        let host = url::Url::parse(public_url).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase));
        OfficialSenders {
            sms_numbers: vec![sms_from.trim().to_string()].into_iter().filter(|n| !n.is_empty()).collect(),
            email_domains: sender::email_domain(mail_from).into_iter().collect(),
            link_domains: host.into_iter().collect(),
        }
    }
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
    pub kind: Template,
    pub body: String,
    pub sent_at: UnixMillis,
    /// The request (challenge) a code or approval message was sent for.
    pub challenge: Option<ChallengeId>,
    /// The delivery a delivery code was sent for.
    pub delivery: Option<DeliveryId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The shop sent it, word for word (a message-center record matches) and nothing
    /// about it is off.
    Genuine,
    /// At least one red flag: treat it as phishing.
    Suspicious,
    /// No red flag, but no record matches it whole either.
    Unknown,
}

/// The message-center record a paste carries the code or text of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SentFacts {
    pub kind: Template,
    pub channel: Channel,
    pub sent_at: UnixMillis,
    /// Read by `service` to find the request; never shown.
    #[serde(skip)]
    pub challenge: Option<ChallengeId>,
    #[serde(skip)]
    pub delivery: Option<DeliveryId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub verdict: Verdict,
    pub reasons: Vec<Reason>,
    pub next_steps: Vec<NextStep>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<SentFacts>,
    /// How the paste differs from `message`, when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub difference: Option<Difference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestFacts>,
}

impl Assessment {
    /// Adds the request `message` was sent for, and the advice that goes with it.
    pub fn with_request(mut self, request: RequestFacts) -> Self {
        self.next_steps = advice::next_steps(self.verdict, self.matched(), Some(&request));
        self.request = Some(request);
        self
    }

    fn matched(&self) -> advice::Matched {
        match (&self.message, self.reasons.iter().any(|r| r.code == ReasonCode::RecordIncomplete)) {
            (None, _) => advice::Matched::Nothing,
            (Some(_), true) => advice::Matched::Part,
            (Some(_), false) => advice::Matched::Whole,
        }
    }
}

/// Judges one received message (which `validate` accepted). Red flags come first in
/// `reasons`, then the message-center finding (`record.*`).
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
    reasons.push(record::reason(matched.as_ref(), received.received_at));
    let exact = matched.as_ref().is_some_and(|m| matches!(m.fit, record::Fit::Exact));
    let verdict = verdict(reasons.iter().any(Reason::is_red_flag), exact);
    let (message, difference) = match matched {
        Some(m) => {
            let facts = SentFacts { kind: m.record.kind, channel: m.record.channel, sent_at: m.record.sent_at, challenge: m.record.challenge, delivery: m.record.delivery };
            let difference = match m.fit {
                record::Fit::Exact => None,
                record::Fit::Altered(d) | record::Fit::Incomplete(d) => Some(d),
            };
            (Some(facts), difference)
        }
        None => (None, None),
    };
    let mut a = Assessment { verdict, reasons, next_steps: vec![], message, difference, request: None };
    a.next_steps = advice::next_steps(a.verdict, a.matched(), None);
    a
}

fn verdict(red_flag: bool, exact: bool) -> Verdict {
    match (red_flag, exact) {
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
        SentRecord { channel, kind: Template::SignInCode, body: body.into(), sent_at: NOW.minus_secs(secs_before), challenge: Some(challenge()), delivery: None }
    }

    /// The request every fixture record belongs to.
    pub fn challenge() -> ChallengeId {
        ChallengeId(uuid::Uuid::from_u128(0x0190_f1e4_0000_7000_8000_0000_0000_000a))
    }

    pub fn codes(a: &Assessment) -> Vec<&'static str> {
        a.reasons.iter().map(|r| r.code.as_str()).collect()
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
        assert_eq!(a.next_steps, vec![NextStep::DontTapOrReply, NextStep::ChangePasswordIfEntered]);
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
        let shorteners = a.reasons.iter().filter(|r| r.code == ReasonCode::LinkShortener).count();
        assert_eq!(shorteners, 1);
    }

    #[test]
    fn f_msg_3_assessment_serialises_with_snake_case_verdict() {
        let a = check(&sms("+815053704545", GENUINE_EN), &official(), &[], Locale::En);
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["verdict"], "unknown");
        assert_eq!(json["reasons"][0]["code"], "record.none");
        assert!(json["reasons"][0]["detail"].as_str().unwrap().len() > 10);
        assert_eq!(json["next_steps"], serde_json::json!(["dont_tap_or_reply", "change_password_if_entered"]));
        assert!(json.get("message").is_none() && json.get("request").is_none() && json.get("difference").is_none());
        let records = [sent(Channel::Sms, GENUINE_EN, 20)];
        let json = serde_json::to_value(check(&sms("+815053704545", GENUINE_EN), &official(), &records, Locale::En)).unwrap();
        assert_eq!(json["message"], serde_json::json!({"kind": "sign-in-code", "channel": "sms", "sent_at": NOW.minus_secs(20).0}));
    }

    #[test]
    fn f_msg_3_a_real_code_in_a_changed_message_is_suspicious_and_explained() {
        let records = [sent(Channel::Sms, GENUINE_EN, 20)];
        // Nothing else gives it away: official sender, no link, no share request.
        let text = "Shop: 123456 sign-in code. Our staff will confirm it with you by phone.";
        let a = check(&sms("+815053704545", text), &official(), &records, Locale::En);
        assert_eq!(a.verdict, Verdict::Suspicious, "{:?}", a.reasons);
        assert_eq!(codes(&a), vec!["record.altered"]);
        let d = a.difference.as_ref().unwrap();
        assert_eq!(d.added, vec!["Our staff will confirm it with you by phone."]);
        assert!(d.missing[0].starts_with("Don't share it with anyone.") && d.missing[0].contains("[link]") && !d.missing[0].contains("/deny/"), "{d:?}");
        assert_eq!(a.message.as_ref().and_then(|m| m.challenge), Some(challenge()));
        assert_eq!(a.next_steps, vec![NextStep::DontTapOrReply, NextStep::ChangePasswordIfEntered]);
    }

    #[test]
    fn f_msg_3_part_of_a_real_message_is_not_genuine() {
        let records = [sent(Channel::Sms, GENUINE_EN, 20)];
        let a = check(&sms("+815053704545", "Shop: 123456 sign-in code."), &official(), &records, Locale::En);
        assert_eq!(a.verdict, Verdict::Unknown);
        assert_eq!(codes(&a), vec!["record.incomplete"]);
        assert!(a.next_steps.contains(&NextStep::PasteWholeMessage));
    }

    #[test]
    fn f_msg_3_with_request_ties_a_genuine_code_to_its_request() {
        let records = [sent(Channel::Sms, GENUINE_EN, 20)];
        let a = check(&sms("+815053704545", GENUINE_EN), &official(), &records, Locale::En);
        assert_eq!(a.next_steps, vec![NextStep::NoticeOnly]);
        let mut c = crate::ports::Challenge::open(challenge(), crate::types::AccountId::new(), crate::types::Purpose::SignIn, NOW.minus_secs(30), NOW.plus_secs(570));
        c.ip = Some("198.51.100.7".into());
        let a = a.with_request(RequestFacts::of(&c, NOW, 5, Some("https://shop.example/deny/abc".into())));
        assert_eq!(a.verdict, Verdict::Genuine);
        assert_eq!(a.next_steps, vec![NextStep::UseCodeOnlySelf, NextStep::NotYouPasswordKnown, NextStep::DenyRequest, NextStep::ChangePassword]);
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["request"]["state"], "open");
        assert_eq!(json["request"]["purpose"], "sign_in");
        assert_eq!(json["request"]["address"], "198.51.100.7");
        assert_eq!(json["request"]["deny_url"], "https://shop.example/deny/abc");
    }

    #[test]
    fn f_msg_3_official_senders_derived_from_the_default_configuration() {
        let o = OfficialSenders::derived("http://127.0.0.1:8080", "ninsho <no-reply@localhost>", "+815053704545");
        assert_eq!(o, OfficialSenders { sms_numbers: vec!["+815053704545".into()], email_domains: vec!["localhost".into()], link_domains: vec!["127.0.0.1".into()] });
        assert_eq!(OfficialSenders::derived("http://[::1]:8080/", "x@Shop.Example", "").link_domains, vec!["[::1]"]);
        assert!(OfficialSenders::derived("http://[::1]:8080/", "x@Shop.Example", "").sms_numbers.is_empty());
        let text = "ninsho: 123456 is your sign-in code. Don't share it with anyone. Didn't request this? Deny: http://127.0.0.1:8080/deny/0190f1e4.AbC\n\n@127.0.0.1 #123456";
        let records = [sent(Channel::Sms, text, 20)];
        let a = check(&sms("+81 50-5370-4545", text), &o, &records, Locale::En);
        assert_eq!(a.verdict, Verdict::Genuine, "{:?}", a.reasons);
    }
}
