//! Looks for the received message in the user's message center: a record on the
//! same channel whose 6-digit code, or whole body, appears in the received text, and
//! (when the user gave the time of reception) that arrived within 15 minutes after
//! the shop sent it. This is the only evidence that the shop really sent a message;
//! a forged sender can pass `sender`, it cannot put a record here.

use super::{Reason, Received, SentRecord};
use crate::types::{Channel, UnixMillis};

/// How long after sending a received message can still be that record.
const WINDOW_SECS: i64 = 15 * 60;
const CODE_LEN: usize = 6;

pub(super) fn find<'a>(received: &Received, records: &'a [SentRecord]) -> Option<&'a SentRecord> {
    let text = normalise(&received.text);
    let codes = six_digit_runs(&text);
    records
        .iter()
        .filter(|r| r.channel == received.channel && in_window(received.received_at, r.sent_at))
        .find(|r| matches_content(r, &text, &codes))
}

pub(super) fn reason(matched: Option<&SentRecord>, received_at: Option<UnixMillis>) -> Reason {
    match (matched, received_at) {
        (Some(r), Some(at)) => Reason::new(
            "record.match",
            format!(
                "It matches the {} message the shop sent you {} before you received it (see your message center).",
                channel_name(r.channel),
                minutes(at.0.saturating_sub(r.sent_at.0))
            ),
        ),
        (Some(r), None) => Reason::new(
            "record.match",
            format!("It matches a {} message the shop sent you (see your message center).", channel_name(r.channel)),
        ),
        (None, _) => Reason::new(
            "record.none",
            "Your message center has no message from the shop that matches it (same channel, same code or text, received within 15 minutes of sending).",
        ),
    }
}

fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "SMS",
        Channel::Voice => "voice",
        Channel::Email => "e-mail",
    }
}

fn minutes(ms: i64) -> String {
    match ms / 60_000 {
        0 => "less than a minute".to_string(),
        1 => "1 minute".to_string(),
        m => format!("{m} minutes"),
    }
}

fn in_window(received_at: Option<UnixMillis>, sent_at: UnixMillis) -> bool {
    received_at.is_none_or(|at| (0..=WINDOW_SECS * 1000).contains(&at.0.saturating_sub(sent_at.0)))
}

fn matches_content(record: &SentRecord, text: &str, codes: &[&str]) -> bool {
    let body = normalise(&record.body);
    let record_codes = six_digit_runs(&body);
    let by_code = !record_codes.is_empty() && record_codes.iter().any(|c| codes.contains(c));
    let by_body = !body.is_empty() && text.contains(&body);
    by_code || by_body
}

/// Runs of exactly six ASCII digits: `#123456` yes, `1234567` or `12345` no.
fn six_digit_runs(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_ascii_digit()).filter(|run| run.len() == CODE_LEN).collect()
}

/// Fullwidth digits and letters folded, whitespace runs collapsed to one space.
fn normalise(text: &str) -> String {
    let folded: String = text
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    const NOTICE: &str = "Shop: your password was changed. If this wasn't you, open https://shop.example/help";

    #[test]
    fn f_msg_3_record_matches_by_code() {
        let records = [sent(Channel::Sms, GENUINE_EN, 60)];
        let pasted = sms("+815053704545", "Shop: １２３４５６ sign-in code.");
        assert!(find(&pasted, &records).is_some());
    }

    #[test]
    fn f_msg_3_record_matches_by_whole_body_with_other_whitespace() {
        let records = [sent(Channel::Sms, NOTICE, 60)];
        let pasted = sms("+815053704545", &format!("  {}\n", NOTICE.replace(' ', "  ")));
        assert!(find(&pasted, &records).is_some());
    }

    #[test]
    fn f_msg_3_record_needs_the_same_code() {
        let records = [sent(Channel::Sms, GENUINE_EN, 60)];
        assert!(find(&sms("+815053704545", &GENUINE_EN.replace("123456", "654321")), &records).is_none());
        assert!(find(&sms("+815053704545", "Shop: 1234567"), &records).is_none());
    }

    #[test]
    fn f_msg_3_record_window_is_fifteen_minutes_after_sending() {
        let pasted = sms("+815053704545", GENUINE_EN);
        assert!(find(&pasted, &[sent(Channel::Sms, GENUINE_EN, 15 * 60)]).is_some());
        assert!(find(&pasted, &[sent(Channel::Sms, GENUINE_EN, 15 * 60 + 1)]).is_none());
        assert!(find(&pasted, &[sent(Channel::Sms, GENUINE_EN, -30)]).is_none(), "received before it was sent");
        let undated = Received { received_at: None, ..pasted };
        assert!(find(&undated, &[sent(Channel::Sms, GENUINE_EN, 24 * 3600)]).is_some());
    }

    #[test]
    fn f_msg_3_record_reasons_explain_themselves() {
        let r = sent(Channel::Email, GENUINE_EN, 150);
        assert_eq!(reason(Some(&r), Some(NOW)).detail, "It matches the e-mail message the shop sent you 2 minutes before you received it (see your message center).");
        assert_eq!(reason(None, None).code, "record.none");
    }
}
