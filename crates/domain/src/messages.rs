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
}

impl Template {
    pub const ALL: [Template; 25] = [
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
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.id() == s)
    }
    /// Sent by e-mail only: it proves the address (a reset link, an approval).
    pub fn email_only(self) -> bool {
        matches!(self, Template::PasswordResetLink | Template::ApprovalRequest | Template::AccountExists | Template::EmailChangeCode | Template::EmailChangeRequested | Template::EmailChangeTaken)
    }
    pub fn carries_code(self) -> bool {
        matches!(self, Template::VerifyEmailCode | Template::SignInCode | Template::StepUpCode | Template::EnrollCode | Template::DeliveryCode | Template::PasswordResetCode | Template::EmailChangeCode)
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
}

impl Intent {
    pub fn new(template: Template, channel: Channel, destination: impl Into<String>, locale: Locale) -> Self {
        Intent { account: None, template, channel, destination: destination.into(), locale, vars: BTreeMap::new(), quota_keys: vec![], challenge: None }
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
    pub fn var(mut self, k: &'static str, v: impl Into<String>) -> Self {
        self.vars.insert(k, v.into());
        self
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
