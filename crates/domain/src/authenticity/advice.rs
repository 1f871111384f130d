//! What the user should do next, for every verdict, and the request a real code
//! message belongs to (seeds 001 and 003: a code the owner did not ask for means
//! someone entered the owner's password; deny it and change the password).
//!
//! Which request a record belongs to, and whether its deny link may be offered, is
//! read by `service`; here it is only turned into advice.

use serde::Serialize;

use super::Verdict;
use crate::ports::{Challenge, Delivery, DeliveryStatus};
use crate::types::{Purpose, UnixMillis};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NextStep {
    /// Do not tap its links, do not reply, tell no one a code it carries.
    DontTapOrReply,
    /// If a page it led to took your password, change the password now.
    ChangePasswordIfEntered,
    /// Only part of a real message was pasted: paste all of it.
    PasteWholeMessage,
    /// The request is still open: if you started it, enter the code on the shop's own
    /// site or app only.
    UseCodeOnlySelf,
    /// The request is over; the code no longer opens anything.
    RequestOver,
    /// A sign-in asked for it: a code is sent only after the right password, so if you
    /// did not start it, someone knows your password.
    NotYouPasswordKnown,
    /// A signed-in session asked for it (step-up, a new method, e-mail change): if you
    /// did not start it, someone is signed in as you.
    NotYouSignedIn,
    /// A password reset asked for it: its code is sent only from the link e-mailed to
    /// the account, so if you did not start it, someone can read your e-mail.
    NotYouEmailRead,
    /// Follow the deny link (`request.deny_url`) to stop the request.
    DenyRequest,
    ChangePassword,
    /// A genuine notice about a change: if you did not make it, change your password.
    NoticeOnly,
}

impl NextStep {
    pub const ALL: [NextStep; 11] = [
        NextStep::DontTapOrReply,
        NextStep::ChangePasswordIfEntered,
        NextStep::PasteWholeMessage,
        NextStep::UseCodeOnlySelf,
        NextStep::RequestOver,
        NextStep::NotYouPasswordKnown,
        NextStep::NotYouSignedIn,
        NextStep::NotYouEmailRead,
        NextStep::DenyRequest,
        NextStep::ChangePassword,
        NextStep::NoticeOnly,
    ];
}

/// Where the request stands now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Waiting for its code.
    Open,
    /// Its code was entered: the sign-in or change went through.
    Completed,
    /// Denied or cancelled.
    Cancelled,
    /// Timed out, or too many wrong codes.
    Expired,
}

impl RequestState {
    pub const ALL: [RequestState; 4] = [RequestState::Open, RequestState::Completed, RequestState::Cancelled, RequestState::Expired];
}

/// The request (challenge) a real code message was sent for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestFacts {
    pub purpose: Purpose,
    pub started_at: UnixMillis,
    /// The device's name, else its browser (user agent), as the request gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// The network address it came from: the only "place" ninsho knows (no
    /// geolocation database ships with it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub state: RequestState,
    /// The message's own deny link, offered back only when the paste carried it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deny_url: Option<String>,
}

impl RequestFacts {
    pub fn of(c: &Challenge, now: UnixMillis, max_attempts: i64, deny_url: Option<String>) -> Self {
        let state = if c.cancelled_at.is_some() {
            RequestState::Cancelled
        } else if c.consumed_at.is_some() {
            RequestState::Completed
        } else if c.expires_at <= now || c.attempts >= max_attempts {
            RequestState::Expired
        } else {
            RequestState::Open
        };
        RequestFacts {
            purpose: c.purpose,
            started_at: c.created_at,
            device: c.device_name.clone().or_else(|| c.user_agent.clone()),
            address: c.ip.clone(),
            state,
            deny_url,
        }
    }
}

impl RequestFacts {
    /// A delivery's code as a request (F-DLV-2): open while a courier can still be
    /// told it; completed once handed over; cancelled by its deny link.
    pub fn of_delivery(d: &Delivery, now: UnixMillis, max_attempts: i64, deny_url: Option<String>) -> Self {
        let code = d.code.as_ref();
        let state = if code.is_some_and(|c| c.denied_at.is_some()) {
            RequestState::Cancelled
        } else if d.status == DeliveryStatus::HandedOver {
            RequestState::Completed
        } else if d.status != DeliveryStatus::Pending || code.is_none_or(|c| c.valid_until <= now || c.attempts >= max_attempts) {
            RequestState::Expired
        } else {
            RequestState::Open
        };
        RequestFacts { purpose: Purpose::Delivery, started_at: d.created_at, device: None, address: None, state, deny_url }
    }
}

/// How much of a message the shop sent the paste is, as far as advice cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Matched {
    Nothing,
    Part,
    /// The whole message, perhaps with words added.
    Whole,
}

pub(super) fn next_steps(verdict: Verdict, matched: Matched, request: Option<&RequestFacts>) -> Vec<NextStep> {
    let mut steps = Vec::new();
    if verdict != Verdict::Genuine {
        steps.extend([NextStep::DontTapOrReply, NextStep::ChangePasswordIfEntered]);
    }
    if matched == Matched::Part {
        steps.push(NextStep::PasteWholeMessage);
    }
    match request {
        Some(r) => steps.extend(about_request(verdict, r)),
        None if verdict == Verdict::Genuine => steps.push(NextStep::NoticeOnly),
        None => {}
    }
    steps
}

fn about_request(verdict: Verdict, r: &RequestFacts) -> Vec<NextStep> {
    let mut steps = Vec::new();
    // Only a genuine message's code may be entered; an altered one is a relay.
    match (verdict, r.state) {
        (Verdict::Genuine, RequestState::Open) => steps.push(NextStep::UseCodeOnlySelf),
        (_, RequestState::Open) => {}
        _ => steps.push(NextStep::RequestOver),
    }
    steps.push(match r.purpose {
        // A service asks for a confirmation only of someone signed in to the shop.
        Purpose::SignIn | Purpose::DeviceSignIn | Purpose::ServiceStepUp | Purpose::Delivery => NextStep::NotYouPasswordKnown,
        Purpose::StepUp | Purpose::Enroll | Purpose::VerifyEmail | Purpose::Approve | Purpose::Decoy | Purpose::ChangeEmail => NextStep::NotYouSignedIn,
        Purpose::ResetPassword => NextStep::NotYouEmailRead,
    });
    // A cancelled request cannot be denied again; a completed one can (F-MSG-4 records it).
    if r.deny_url.is_some() && r.state != RequestState::Cancelled {
        steps.push(NextStep::DenyRequest);
    }
    steps.push(NextStep::ChangePassword);
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{AccountId, ChallengeId};

    fn challenge(purpose: Purpose) -> Challenge {
        let mut c = Challenge::open(ChallengeId::new(), AccountId::new(), purpose, UnixMillis(1_000), UnixMillis(601_000));
        c.ip = Some("203.0.113.9".into());
        c.user_agent = Some("Mozilla/5.0 (Windows NT 10.0)".into());
        c
    }

    #[test]
    fn f_msg_3_request_facts_say_when_where_and_whether_still_open() {
        let mut c = challenge(Purpose::SignIn);
        let open = RequestFacts::of(&c, UnixMillis(2_000), 5, None);
        assert_eq!((open.state, open.started_at, open.address.as_deref()), (RequestState::Open, UnixMillis(1_000), Some("203.0.113.9")));
        assert_eq!(open.device.as_deref(), Some("Mozilla/5.0 (Windows NT 10.0)"));
        c.device_name = Some("Living-room TV".into());
        assert_eq!(RequestFacts::of(&c, UnixMillis(2_000), 5, None).device.as_deref(), Some("Living-room TV"));
        assert_eq!(RequestFacts::of(&c, UnixMillis(601_000), 5, None).state, RequestState::Expired);
        c.attempts = 5;
        assert_eq!(RequestFacts::of(&c, UnixMillis(2_000), 5, None).state, RequestState::Expired);
        c.consumed_at = Some(UnixMillis(3_000));
        assert_eq!(RequestFacts::of(&c, UnixMillis(4_000), 5, None).state, RequestState::Completed);
        c.cancelled_at = Some(UnixMillis(5_000));
        assert_eq!(RequestFacts::of(&c, UnixMillis(6_000), 5, None).state, RequestState::Cancelled);
    }

    #[test]
    fn f_msg_3_a_genuine_sign_in_code_says_the_password_is_known_if_it_was_not_you() {
        let r = RequestFacts::of(&challenge(Purpose::SignIn), UnixMillis(2_000), 5, Some("https://shop.example/deny/x.y".into()));
        let steps = next_steps(Verdict::Genuine, Matched::Whole, Some(&r));
        assert_eq!(steps, vec![NextStep::UseCodeOnlySelf, NextStep::NotYouPasswordKnown, NextStep::DenyRequest, NextStep::ChangePassword]);
        let step_up = RequestFacts::of(&challenge(Purpose::StepUp), UnixMillis(700_000), 5, None);
        let steps = next_steps(Verdict::Genuine, Matched::Whole, Some(&step_up));
        assert_eq!(steps, vec![NextStep::RequestOver, NextStep::NotYouSignedIn, NextStep::ChangePassword]);
    }

    #[test]
    fn f_msg_3_suspicious_and_unknown_say_do_not_tap_and_change_the_password_if_entered() {
        assert_eq!(next_steps(Verdict::Suspicious, Matched::Nothing, None), vec![NextStep::DontTapOrReply, NextStep::ChangePasswordIfEntered]);
        assert_eq!(next_steps(Verdict::Unknown, Matched::Part, None), vec![NextStep::DontTapOrReply, NextStep::ChangePasswordIfEntered, NextStep::PasteWholeMessage]);
        assert_eq!(next_steps(Verdict::Genuine, Matched::Whole, None), vec![NextStep::NoticeOnly]);
    }

    #[test]
    fn f_msg_3_a_relayed_real_code_is_never_to_be_entered_and_points_to_the_request() {
        let r = RequestFacts::of(&challenge(Purpose::SignIn), UnixMillis(2_000), 5, None);
        let steps = next_steps(Verdict::Suspicious, Matched::Whole, Some(&r));
        assert!(!steps.contains(&NextStep::UseCodeOnlySelf), "{steps:?}");
        assert!(steps.contains(&NextStep::NotYouPasswordKnown) && steps.contains(&NextStep::ChangePasswordIfEntered), "{steps:?}");
        assert!(!steps.contains(&NextStep::DenyRequest), "no deny link was pasted");
    }
}
