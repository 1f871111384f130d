//! Message intents: what the domain wants said, to whom, in which language. The
//! `delivery` crate renders and sends them; here they are sealed into an outbox row
//! in the same transaction as the change they announce.

use crate::crypto::KeyRing;
use crate::error::{Error, Result};
use crate::ports::{OutboxMessage, Write};
use crate::types::*;
use std::collections::BTreeMap;
use zeroize::Zeroizing;

/// Every kind of message ninsho sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    VerifyEmailCode,
    SignInCode,
    StepUpCode,
    EnrollCode,
    /// Someone tried to sign up with an address that already has an account.
    AccountExists,
    PasswordChanged,
    MethodAdded,
    MethodRemoved,
    TwoSvEnabled,
    TwoSvDisabled,
    /// F-MSG-1: a sign-in from a browser or device not seen before.
    NewSignIn,
    /// F-MSG-4: the owner followed a deny link.
    DenyConfirmation,
    /// F-2SV-1: approve (or deny) turning on or changing 2SV.
    ApprovalRequest,
    /// F-LIMIT-3: codes requested again and again without a sign-in.
    RepeatedCodeWarning,
    /// F-DLV-2: the code to tell the courier at the door.
    DeliveryCode,
    /// F-OFF-3/4: a 2SV reset request was received, approved or rejected.
    ResetReceived,
    ResetApproved,
    ResetRejected,
    /// F-ACC-5: the link that opens a password reset.
    PasswordResetLink,
    /// F-ACC-5: the 2SV code a reset asks for, with 2SV on.
    PasswordResetCode,
    /// F-ACC-5: the password was reset; every session and trusted browser has ended.
    PasswordWasReset,
    /// F-ACC-6: the code that proves a new address, sent to it.
    EmailChangeCode,
    /// F-ACC-6: to the old address, with the deny link that cancels the change.
    EmailChangeRequested,
    /// F-ACC-6: the address was changed (every address on file, the old one included).
    EmailChanged,
    /// F-ACC-6: someone asked to move their account to an address that has one; sent
    /// to that address in place of a code (F-SIGNIN-5).
    EmailChangeTaken,
    /// F-2SV-6: a phone number was replaced by another — one change, not an added and
    /// a removed method (a shopper told "a method was removed" fears an intruder).
    PhoneChanged,
    /// F-INT-3: a shop service asks for a code to confirm something; the message says what.
    ServiceStepUpCode,
    /// F-DLV-3: the parcel was handed over with its delivery code.
    DeliveryHandedOver,
    /// F-OFF-5: support locked the account while it investigates; until when, and
    /// where to reach support.
    AccountLocked,
    /// F-OFF-5: the lock ended; signing in works again.
    AccountUnlocked,
    /// F-OFF-2: the owner paused 2SV; until when, how to switch it back on, and what
    /// to do if it was not them.
    TwoSvSuspended,
    /// F-OFF-2: 2SV is back on, at the pause's time or early.
    TwoSvResumed,
    /// F-ORG-1: an invitation to join an organisation, with its single-use link.
    OrgInvitation,
}

impl Template {
    pub const ALL: [Template; 33] = [
        Template::VerifyEmailCode,
        Template::SignInCode,
        Template::StepUpCode,
        Template::EnrollCode,
        Template::AccountExists,
        Template::PasswordChanged,
        Template::MethodAdded,
        Template::MethodRemoved,
        Template::TwoSvEnabled,
        Template::TwoSvDisabled,
        Template::NewSignIn,
        Template::DenyConfirmation,
        Template::ApprovalRequest,
        Template::RepeatedCodeWarning,
        Template::DeliveryCode,
        Template::ResetReceived,
        Template::ResetApproved,
        Template::ResetRejected,
        Template::PasswordResetLink,
        Template::PasswordResetCode,
        Template::PasswordWasReset,
        Template::EmailChangeCode,
        Template::EmailChangeRequested,
        Template::EmailChanged,
        Template::EmailChangeTaken,
        Template::PhoneChanged,
        Template::ServiceStepUpCode,
        Template::DeliveryHandedOver,
        Template::AccountLocked,
        Template::AccountUnlocked,
        Template::TwoSvSuspended,
        Template::TwoSvResumed,
        Template::OrgInvitation,
    ];
    pub fn id(self) -> &'static str {
        match self {
            Template::VerifyEmailCode => "verify-email-code",
            Template::SignInCode => "sign-in-code",
            Template::StepUpCode => "step-up-code",
            Template::EnrollCode => "enroll-code",
            Template::AccountExists => "account-exists",
            Template::PasswordChanged => "password-changed",
            Template::MethodAdded => "method-added",
            Template::MethodRemoved => "method-removed",
            Template::TwoSvEnabled => "twosv-enabled",
            Template::TwoSvDisabled => "twosv-disabled",
            Template::NewSignIn => "new-sign-in",
            Template::DenyConfirmation => "deny-confirmation",
            Template::ApprovalRequest => "approval-request",
            Template::RepeatedCodeWarning => "repeated-code-warning",
            Template::DeliveryCode => "delivery-code",
            Template::ResetReceived => "reset-received",
            Template::ResetApproved => "reset-approved",
            Template::ResetRejected => "reset-rejected",
            Template::PasswordResetLink => "password-reset-link",
            Template::PasswordResetCode => "password-reset-code",
            Template::PasswordWasReset => "password-was-reset",
            Template::EmailChangeCode => "email-change-code",
            Template::EmailChangeRequested => "email-change-requested",
            Template::EmailChanged => "email-changed",
            Template::EmailChangeTaken => "email-change-taken",
            Template::PhoneChanged => "phone-changed",
            Template::ServiceStepUpCode => "service-step-up-code",
            Template::DeliveryHandedOver => "delivery-handed-over",
            Template::AccountLocked => "account-locked",
            Template::AccountUnlocked => "account-unlocked",
            Template::TwoSvSuspended => "twosv-suspended",
            Template::TwoSvResumed => "twosv-resumed",
            Template::OrgInvitation => "org-invitation",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.id() == s)
    }
    /// Sent by e-mail only: it proves the address (a reset link, an approval), or it
    /// needs the room and the links of an e-mail (the warning of codes without a sign-in).
    pub fn email_only(self) -> bool {
        matches!(
            self,
            Template::PasswordResetLink
                | Template::ApprovalRequest
                | Template::AccountExists
                | Template::EmailChangeCode
                | Template::EmailChangeRequested
                | Template::EmailChangeTaken
                | Template::RepeatedCodeWarning
                | Template::OrgInvitation
        )
    }
    pub fn carries_code(self) -> bool {
        matches!(self, Template::VerifyEmailCode | Template::SignInCode | Template::StepUpCode | Template::ServiceStepUpCode | Template::EnrollCode | Template::DeliveryCode | Template::PasswordResetCode | Template::EmailChangeCode)
    }
}

/// What a notice is about. It travels as typed variables (`detail_kind`, `method`,
/// `tail`…) and `delivery` words it in the account's language: a raw key such as
/// `backup_codes` in a message reads like a phishing template's placeholder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detail {
    /// A method; a phone is named by its last four digits.
    Method { kind: FactorKind, tail: Option<String> },
    /// A method disabled after too many wrong codes in a row (F-OTP-6).
    LockedOut { kind: FactorKind, tail: Option<String> },
    /// F-2SV-6: the last four digits of the number replaced and of its replacement.
    PhoneChanged { from: String, to: String },
    /// Support's own words (a rejected reset's reason), shown as written.
    Reason(String),
    /// F-ACC-6: an e-mail address, masked (`t•••@example.com`), the same in every language.
    Address(String),
}

impl Detail {
    /// A phone factor's detail carries its last digits, never the whole number.
    pub fn method_of(kind: FactorKind, phone: Option<&crate::phone::PhoneE164>) -> Self {
        Detail::Method { kind, tail: phone.map(|p| p.tail().to_string()) }
    }

    /// The kind of detail as its variable says it; `delivery` matches on this.
    pub const KIND_METHOD: &'static str = "method";
    pub const KIND_LOCKED_OUT: &'static str = "locked_out";
    pub const KIND_PHONE_CHANGED: &'static str = "phone_changed";
    pub const KIND_REASON: &'static str = "reason";
    pub const KIND_ADDRESS: &'static str = "address";

    fn vars(&self) -> Vec<(&'static str, String)> {
        match self {
            Detail::Method { kind, tail } | Detail::LockedOut { kind, tail } => {
                let k = if matches!(self, Detail::Method { .. }) { Self::KIND_METHOD } else { Self::KIND_LOCKED_OUT };
                let mut v = vec![("detail_kind", k.to_string()), ("method", kind.as_str().to_string())];
                v.extend(tail.iter().map(|t| ("tail", t.clone())));
                v
            }
            Detail::PhoneChanged { from, to } => vec![("detail_kind", Self::KIND_PHONE_CHANGED.to_string()), ("from_tail", from.clone()), ("to_tail", to.clone())],
            Detail::Reason(r) => vec![("detail_kind", Self::KIND_REASON.to_string()), ("reason", r.clone())],
            Detail::Address(a) => vec![("detail_kind", Self::KIND_ADDRESS.to_string()), ("address", a.clone())],
        }
    }
}

/// A length of time as a person reads it (F-LIMIT-1, F-OTP-1): whole hours or days
/// where they fit ("24時間", never "1440分"), rounded up so a wait never reads
/// "0 minutes", and under two minutes that are not whole, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span {
    Seconds(i64),
    Minutes(i64),
    Hours(i64),
    Days(i64),
}

impl Span {
    pub fn round_up(secs: i64) -> Span {
        let secs = secs.max(1);
        if secs < 120 && secs % 60 != 0 {
            return Span::Seconds(secs);
        }
        let minutes = secs.saturating_add(59) / 60;
        if minutes < 120 {
            return Span::Minutes(minutes);
        }
        let hours = minutes.saturating_add(59) / 60;
        // A day reads as "24 hours"; whole days from the second one.
        if hours >= 48 && hours % 24 == 0 { Span::Days(hours / 24) } else { Span::Hours(hours) }
    }

    /// The message id of the unit (`span-minutes`) and the number it counts.
    pub fn id_and_count(self) -> (&'static str, i64) {
        match self {
            Span::Seconds(n) => ("span-seconds", n),
            Span::Minutes(n) => ("span-minutes", n),
            Span::Hours(n) => ("span-hours", n),
            Span::Days(n) => ("span-days", n),
        }
    }
}

pub struct Intent {
    pub account: Option<AccountId>,
    pub template: Template,
    pub channel: Channel,
    pub destination: String,
    pub locale: Locale,
    pub vars: BTreeMap<&'static str, String>,
    pub quota_keys: Vec<String>,
    pub challenge: Option<ChallengeId>,
    pub delivery: Option<DeliveryId>,
}

impl Intent {
    pub fn new(template: Template, channel: Channel, destination: impl Into<String>, locale: Locale) -> Self {
        Intent { account: None, template, channel, destination: destination.into(), locale, vars: BTreeMap::new(), quota_keys: vec![], challenge: None, delivery: None }
    }
    pub fn account(mut self, a: AccountId) -> Self {
        self.account = Some(a);
        self
    }
    /// The request this message was sent for (its deny link cancels it).
    pub fn challenge(mut self, c: ChallengeId) -> Self {
        self.challenge = Some(c);
        self
    }
    /// The delivery whose code this message carries (its deny link holds it).
    pub fn delivery(mut self, d: DeliveryId) -> Self {
        self.delivery = Some(d);
        self
    }
    pub fn var(mut self, k: &'static str, v: impl Into<String>) -> Self {
        self.vars.insert(k, v.into());
        self
    }
    /// What the notice is about, typed (see `Detail`).
    pub fn detail(mut self, d: Option<&Detail>) -> Self {
        for (k, v) in d.map(Detail::vars).unwrap_or_default() {
            self.vars.insert(k, v);
        }
        self
    }
    /// How long the code or link stays valid, in seconds; worded by `delivery` with
    /// `Span` so it never reads "0 minutes".
    pub fn valid_for(self, secs: i64) -> Self {
        self.var("valid_secs", secs.to_string())
    }

    /// Seals the variables (they may hold a code) into an outbox write.
    pub fn into_write(self, keys: &KeyRing, now: UnixMillis) -> Result<Write> {
        let id = MessageId::new();
        let json = Zeroizing::new(serde_json::to_vec(&self.vars).map_err(Error::internal)?);
        let payload = keys.seal(&payload_aad(id), &json)?;
        Ok(Write::InsertOutbox(OutboxMessage {
            id,
            account_id: self.account,
            template: self.template.id().to_string(),
            channel: self.channel,
            destination: self.destination,
            locale: self.locale,
            payload,
            created_at: now,
            quota_keys: self.quota_keys,
            attempts: 0,
            challenge: self.challenge,
            delivery: self.delivery,
        }))
    }
}

impl serde::Serialize for Template {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

/// AAD of the sent text kept for the message center.
pub fn body_aad(id: MessageId) -> String {
    format!("outbox|{id}|body")
}

pub fn payload_aad(id: MessageId) -> String {
    format!("outbox|{id}|payload")
}

/// Opens a message's variables for rendering.
pub fn open_vars(keys: &KeyRing, m: &OutboxMessage) -> Result<BTreeMap<String, String>> {
    let json = keys.open(&payload_aad(m.id), &m.payload)?;
    serde_json::from_slice(&json).map_err(Error::internal)
}

#[cfg(test)]
mod tests {
    use super::Span;

    #[test]
    fn f_limit_1_spans_read_in_whole_units_and_never_zero() {
        assert_eq!(Span::round_up(86_400), Span::Hours(24), "24時間, never 1440分");
        assert_eq!(Span::round_up(86_399), Span::Hours(24));
        assert_eq!(Span::round_up(3 * 86_400), Span::Days(3));
        assert_eq!(Span::round_up(600), Span::Minutes(10));
        assert_eq!(Span::round_up(601), Span::Minutes(11), "rounded up");
        assert_eq!(Span::round_up(45), Span::Seconds(45), "a code valid under a minute");
        assert_eq!(Span::round_up(60), Span::Minutes(1));
        assert_eq!(Span::round_up(0), Span::Seconds(1), "never zero");
        assert_eq!(Span::round_up(-5), Span::Seconds(1));
        assert_eq!(Span::round_up(7200), Span::Hours(2));
    }
}
