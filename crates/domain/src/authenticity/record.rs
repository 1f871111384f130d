//! Looks for the received message in the user's message center: a record on the
//! same channel whose 6-digit code, or whole body, appears in the received text, and
//! (when the user gave the time of reception) that arrived within 15 minutes after
//! the shop sent it. This is the only evidence that the shop really sent a message;
//! a forged sender can pass `sender`, it cannot put a record here. A paste that
//! carries a record's code but not its words is that record altered (`diff`).

use super::diff::{self, Difference};
use super::{Reason, ReasonCode, Received, SentRecord};
use crate::types::{Channel, UnixMillis};

/// How long after sending a received message can still be that record.
const WINDOW_SECS: i64 = 15 * 60;
const CODE_LEN: usize = 6;

/// The record a paste carries the code (or whole text) of, and how well it fits.
pub(super) struct Found<'a> {
    pub record: &'a SentRecord,
    pub fit: Fit,
}

pub(super) enum Fit {
    /// Word for word the message the shop sent.
    Exact,
    /// It says something the shop's message did not (and may leave things out).
    Altered(Difference),
    /// Only part of the shop's message, nothing added.
    Incomplete(Difference),
}

pub(super) fn find<'a>(received: &Received, records: &'a [SentRecord]) -> Option<Found<'a>> {
    let text = normalise(&received.text);
    let codes = six_digit_runs(&text);
    records
        .iter()
        .filter(|r| r.channel == received.channel && in_window(received.received_at, r.sent_at))
        .filter(|r| matches_content(r, &text, &codes))
        .map(|r| (r, difference(received, r)))
        .min_by_key(|(_, d)| d.size())
        .map(|(record, d)| {
            let fit = if d.is_empty() {
                Fit::Exact
            } else if d.added.is_empty() {
                Fit::Incomplete(d)
            } else {
                Fit::Altered(d)
            };
            Found { record, fit }
        })
}

/// How a record may have been pasted whole: as sent, or — for an e-mail, which is its
/// subject, a blank line and its body — as the body alone, which is what a mail app
/// lets the user copy.
fn wholes(record: &SentRecord) -> impl Iterator<Item = &str> {
    let body = match record.channel {
        Channel::Email => record.body.split_once("\n\n").map(|(_, body)| body),
        Channel::Sms | Channel::Voice => None,
    };
    std::iter::once(record.body.as_str()).chain(body)
}

fn difference(received: &Received, record: &SentRecord) -> Difference {
    wholes(record).map(|whole| diff::compare(&received.text, whole)).min_by_key(Difference::size).unwrap_or_default()
}

pub(super) fn reason(found: Option<&Found<'_>>, received_at: Option<UnixMillis>) -> Reason {
    let Some(found) = found else {
        return Reason::new(
            ReasonCode::RecordNone,
            "Your message center has no message from the shop that matches it (same channel, same code or text, received within 15 minutes of sending).",
        );
    };
    let r = found.record;
    let which = match received_at {
        Some(at) => format!("the {} message the shop sent you {} before you received it", channel_name(r.channel), minutes(at.0.saturating_sub(r.sent_at.0))),
        None => format!("a {} message the shop sent you", channel_name(r.channel)),
    };
    match &found.fit {
        Fit::Exact => Reason::new(ReasonCode::RecordMatch, format!("It matches {which} (see your message center).")),
        Fit::Altered(d) => Reason::new(
            ReasonCode::RecordAltered,
            format!("It carries what {which} carried, but its words were changed: it adds {}{}.", quoted(&d.added), left_out(&d.missing)),
        ),
        Fit::Incomplete(d) => Reason::new(
            ReasonCode::RecordIncomplete,
            format!("It carries what {which} carried, but only part of it{}. Paste the whole message to check it.", left_out(&d.missing)),
        ),
    }
}

fn quoted(runs: &[String]) -> String {
    runs.iter().map(|r| format!("\"{r}\"")).collect::<Vec<_>>().join(", ")
}

fn left_out(missing: &[String]) -> String {
    if missing.is_empty() { String::new() } else { format!(" and leaves out {}", quoted(missing)) }
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
    let by_body = wholes(record).map(normalise).any(|whole| !whole.is_empty() && text.contains(&whole));
    by_code || by_body
}

/// Runs of exactly six ASCII digits: `#123456` yes, `1234567` or `12345` no.
fn six_digit_runs(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_ascii_digit()).filter(|run| run.len() == CODE_LEN).collect()
}

/// Fullwidth digits and letters folded, whitespace runs collapsed to one space.
pub(super) fn normalise(text: &str) -> String {
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
        assert!(matches!(find(&pasted, &records).map(|f| f.fit), Some(Fit::Incomplete(_))));
        let whole = sms("+815053704545", &GENUINE_EN.replace("123456", "１２３４５６"));
        assert!(matches!(find(&whole, &records).map(|f| f.fit), Some(Fit::Exact)));
    }

    #[test]
    fn f_msg_3_a_real_code_in_other_words_is_altered() {
        let records = [sent(Channel::Sms, GENUINE_EN, 60)];
        let relayed = sms("+815053704545", "Shop: 123456 sign-in code. Our agent will call: read him the code.");
        let found = find(&relayed, &records).unwrap();
        let Fit::Altered(d) = &found.fit else { panic!("not altered") };
        assert_eq!(d.added, vec!["Our agent will call: read him the code."]);
        let r = reason(Some(&found), Some(NOW));
        assert_eq!(r.code, ReasonCode::RecordAltered);
        assert!(r.detail.contains("adds \"Our agent will call: read him the code.\" and leaves out \"Don't share it"), "{}", r.detail);
    }

    #[test]
    fn f_msg_3_an_email_pasted_without_its_subject_is_whole() {
        let mail = format!("Shop: your sign-in code\n\n{GENUINE_EN}");
        let records = [sent(Channel::Email, &mail, 60)];
        let pasted = Received { channel: Channel::Email, ..sms("no-reply@shop.example", GENUINE_EN) };
        assert!(matches!(find(&pasted, &records).map(|f| f.fit), Some(Fit::Exact)));
        let cut = Received { text: GENUINE_EN.replace("Don't share it with anyone.", ""), ..pasted };
        assert!(matches!(find(&cut, &records).map(|f| f.fit), Some(Fit::Incomplete(_))));
        // A notice carries no code: its body alone is found too.
        let notice = [sent(Channel::Email, "Shop: 2SV is on\n\nTwo-step verification is now on for your account.", 60)];
        let pasted = Received { channel: Channel::Email, ..sms("no-reply@shop.example", "Two-step verification is now on for your account.") };
        assert!(matches!(find(&pasted, &notice).map(|f| f.fit), Some(Fit::Exact)));
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
        let found = Found { record: &r, fit: Fit::Exact };
        assert_eq!(reason(Some(&found), Some(NOW)).detail, "It matches the e-mail message the shop sent you 2 minutes before you received it (see your message center).");
        assert_eq!(reason(None, None).code, ReasonCode::RecordNone);
    }
}
