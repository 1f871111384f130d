//! Small value types shared by every crate. Identifiers are UUID v7 (time-ordered, so
//! they index well); times are milliseconds since the Unix epoch, one integer column on
//! every database.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($($name:ident),*) => {$(
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);
        impl $name {
            pub fn new() -> Self { Self(uuid::Uuid::now_v7()) }
            pub fn parse(s: &str) -> Option<Self> { uuid::Uuid::parse_str(s).ok().map(Self) }
        }
        impl Default for $name { fn default() -> Self { Self::new() } }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { self.0.fmt(f) }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { write!(f, "{}({})", stringify!($name), self.0) }
        }
    )*};
}
id_type!(AccountId, FactorId, ChallengeId, SessionId, TrustedBrowserId, EventId, MessageId, ResetRequestId, FeedbackId, ServiceClientId, ServiceStepUpId, DeliveryId, AccountLockId);

/// Milliseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixMillis(pub i64);

impl UnixMillis {
    pub fn plus_secs(self, secs: i64) -> Self {
        Self(self.0.saturating_add(secs.saturating_mul(1000)))
    }
    pub fn minus_secs(self, secs: i64) -> Self {
        Self(self.0.saturating_sub(secs.saturating_mul(1000)))
    }
    pub fn as_secs(self) -> i64 {
        self.0.div_euclid(1000)
    }
}

/// The languages every message and page exists in (F-ACC-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    Ja,
    Zh,
    Fr,
}

impl Locale {
    pub const ALL: [Locale; 4] = [Locale::En, Locale::Ja, Locale::Zh, Locale::Fr];
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ja => "ja",
            Locale::Zh => "zh",
            Locale::Fr => "fr",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        // Accept tags such as "ja-JP" or "zh-Hans": the primary subtag decides.
        let primary = s.split(['-', '_']).next()?.to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.as_str() == primary)
    }
}

/// How a code reaches a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Sms,
    Voice,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Voice => "voice",
            Channel::Email => "email",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sms" => Some(Channel::Sms),
            "voice" => Some(Channel::Voice),
            "email" => Some(Channel::Email),
            _ => None,
        }
    }
}

/// How a session was authenticated or stepped up, by the RFC 8176 `amr` value where
/// one fits. A session keeps what signed it in and what last stepped it up, so that a
/// sensitive change can ask for the strength it needs (F-SIGNIN-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// The password (`pwd`).
    Password,
    /// A code sent by e-mail: a delivery channel, never a second factor (SECURITY.md).
    EmailCode,
    /// An authenticator app (`otp`).
    Totp,
    /// A code by SMS (`sms`).
    Sms,
    /// A code read out by a voice call (`tel`).
    Voice,
    /// A one-time backup code (`kba`-like; RFC 8176 has none better).
    BackupCode,
    /// A trusted browser's mark, at sign-in only.
    TrustedBrowser,
}

impl AuthMethod {
    pub const ALL: [AuthMethod; 7] =
        [AuthMethod::Password, AuthMethod::EmailCode, AuthMethod::Totp, AuthMethod::Sms, AuthMethod::Voice, AuthMethod::BackupCode, AuthMethod::TrustedBrowser];

    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Password => "pwd",
            AuthMethod::EmailCode => "email",
            AuthMethod::Totp => "otp",
            AuthMethod::Sms => "sms",
            AuthMethod::Voice => "tel",
            AuthMethod::BackupCode => "backup_code",
            AuthMethod::TrustedBrowser => "trusted_browser",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// The method behind a code check: the factor it came through (none: the account's
    /// e-mail address).
    pub fn of_code(kind: Option<FactorKind>, channel: Option<Channel>) -> Self {
        match kind {
            None | Some(FactorKind::Email) => AuthMethod::EmailCode,
            Some(FactorKind::Totp) => AuthMethod::Totp,
            Some(FactorKind::BackupCodes) => AuthMethod::BackupCode,
            Some(FactorKind::Phone) if channel == Some(Channel::Voice) => AuthMethod::Voice,
            Some(FactorKind::Phone) => AuthMethod::Sms,
        }
    }

    /// Whether it proves the second factor of 2SV: only these satisfy a sensitive change
    /// once 2SV is on — never the password, never an e-mailed code.
    pub fn is_second_factor(self) -> bool {
        match self {
            AuthMethod::Totp | AuthMethod::Sms | AuthMethod::Voice | AuthMethod::BackupCode => true,
            AuthMethod::Password | AuthMethod::EmailCode | AuthMethod::TrustedBrowser => false,
        }
    }
}

/// What a line of the security log records. Stored by its name (`as_str`), which the
/// history page and the API show; a new kind is a new variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    SignIn,
    WrongPassword,
    WrongCode,
    CodeSent,
    Denied,
    DeniedAfterUse,
    StepUp,
    MethodDisabled,
    SignUp,
    SignUpExisting,
    ResetRequested,
    ResetDocumentViewed,
    ResetApproved,
    ResetRejected,
    /// The owner cancelled a pending reset request by its notice's link.
    ResetCancelled,
    MethodAdded,
    MethodRemoved,
    MethodEnrolmentStarted,
    TwosvEnabled,
    TwosvDisabled,
    TrustedBrowserRemoved,
    SigninAlertsChanged,
    SignedOutAll,
    SignedOut,
    PreferredMethodChanged,
    PasswordThrottled,
    PasswordChanged,
    LimitsReleased,
    BackupCodesGenerated,
    ApprovalRequested,
    ApprovalGranted,
    /// F-ACC-5: a reset link was asked for (recorded for known addresses only).
    PasswordResetRequested,
    PasswordReset,
    /// F-ACC-6: a code went to a new address; the old one got a notice with a deny link.
    EmailChangeRequested,
    /// F-ACC-6: the new address was confirmed and is now the account's.
    EmailChanged,
    /// F-INT-1: the operator registered, re-keyed or revoked a service client.
    ServiceClientAdded,
    ServiceClientRotated,
    ServiceClientRevoked,
    /// F-OPS-6: the chain's head (seq and hash) signed with the audit key; its detail
    /// is an `audit::Checkpoint`.
    AuditCheckpoint,
    /// F-INT-3: a shop service asked the owner to confirm something with a code; its
    /// detail names the step-up (`step_up <id>`).
    ServiceStepUpStarted,
    /// F-INT-3: the owner confirmed it.
    ServiceStepUpCompleted,
    /// F-DLV-3: the courier entered the right code; the detail names the delivery and courier.
    DeliveryHandedOver,
    /// F-DLV-3: too many wrong codes at the door; the delivery waits for the shop.
    DeliveryHeld,
    /// F-DLV-3: the operator created a courier's account for a carrier's client.
    CourierAdded,
    /// F-INT-4: the operator registered or removed an event webhook endpoint; the
    /// detail names it (`webhook <id>`).
    WebhookEndpointAdded,
    WebhookEndpointRemoved,
    /// F-OFF-5: support locked the account while it investigates; the detail says until when.
    AccountLocked,
    /// F-OFF-5: the lock ended, early by support or at its time.
    AccountUnlocked,
    /// F-LIMIT-3: the owner was told that sign-in codes kept coming without a sign-in;
    /// the detail says how many.
    UnsolicitedCodesWarned,
    /// F-INT-5: the operator registered or removed an OpenID Connect client; the detail
    /// names it (`oidc_client <id>`).
    OidcClientAdded,
    OidcClientRemoved,
    /// F-INT-5: a new key signs ID tokens; the detail names both (`kid <new> retired <old>`).
    OidcKeyRotated,
    /// F-INT-5: an application exchanged an authorization code for the owner's tokens.
    OidcCodeExchanged,
    /// F-INT-5: a used code was presented again: refused, and the tokens it gave revoked.
    OidcCodeReplayed,
    OidcTokenRefreshed,
    OidcRefreshReplayed,
    OidcTokenRevoked,
    /// F-LIMIT-4: SMS and voice codes to a number prefix or a country jumped above its
    /// baseline and are paused; the detail names the prefix or country and until when.
    SmsDestinationPaused,
    /// F-LIMIT-4: the hour's SMS and voice budget is spent; the detail says until when.
    SmsBudgetSpent,
    /// F-OFF-5: the right password was given while the account was locked: refused,
    /// and recorded, since whoever gave it knows the password.
    SignInRefusedLocked,
    /// F-LIMIT-4: the operator lifted an SMS pause early; the detail names the
    /// destination and who lifted it.
    SmsPauseLifted,
    /// F-SUP-1: the account became a staff member; the detail names the role, the
    /// client who added it.
    StaffAdded,
    /// F-SUP-1: a staff member's role changed (`role agent to admin`).
    StaffRoleChanged,
    /// F-SUP-1: a staff member was removed; their sessions ended.
    StaffRemoved,
    /// F-SUP-1: a staff member read the account at `/support`; the detail names them.
    StaffViewedAccount,
    /// F-SUP-1: what a staff member did, recorded on the member's own account: the
    /// detail is the action (`StaffAction::as_str`) and the account acted on.
    StaffActed,
    /// F-OFF-2: 2SV was paused, by the owner after a step-up or by support; the detail
    /// says until when, and who.
    TwosvSuspended,
    /// F-OFF-2: the pause ended, early by the owner or at its time; the detail says which.
    TwosvResumed,
    /// F-ORG-1: an organisation was created; its creator is its first owner; recorded for the member who acted and for the one concerned.
    OrgCreated,
    /// F-ORG-1: a member invited someone by e-mail, with a role; recorded for the member who acted and for the one concerned.
    OrgMemberInvited,
    /// F-ORG-1: an invitation was accepted; the account joined; recorded for the member who acted and for the one concerned.
    OrgMemberJoined,
    /// F-ORG-1: a member's role changed (`role admin to staff`); recorded for the member who acted and for the one concerned.
    OrgRoleChanged,
    /// F-ORG-1: a member was removed by another; recorded for the member who acted and for the one concerned.
    OrgMemberRemoved,
    /// F-ORG-1: a member left the organisation; recorded for the member who acted and for the one concerned.
    OrgMemberLeft,
}

impl EventKind {
    pub const ALL: [EventKind; 74] = [EventKind::SignIn, EventKind::WrongPassword, EventKind::WrongCode, EventKind::CodeSent, EventKind::Denied, EventKind::DeniedAfterUse, EventKind::StepUp, EventKind::MethodDisabled, EventKind::SignUp, EventKind::SignUpExisting, EventKind::ResetRequested, EventKind::ResetDocumentViewed, EventKind::ResetApproved, EventKind::ResetRejected, EventKind::ResetCancelled, EventKind::MethodAdded, EventKind::MethodRemoved, EventKind::MethodEnrolmentStarted, EventKind::TwosvEnabled, EventKind::TwosvDisabled, EventKind::TrustedBrowserRemoved, EventKind::SigninAlertsChanged, EventKind::SignedOutAll, EventKind::SignedOut, EventKind::PreferredMethodChanged, EventKind::PasswordThrottled, EventKind::PasswordChanged, EventKind::LimitsReleased, EventKind::BackupCodesGenerated, EventKind::ApprovalRequested, EventKind::ApprovalGranted, EventKind::PasswordResetRequested, EventKind::PasswordReset, EventKind::EmailChangeRequested, EventKind::EmailChanged, EventKind::ServiceClientAdded, EventKind::ServiceClientRotated, EventKind::ServiceClientRevoked, EventKind::AuditCheckpoint, EventKind::ServiceStepUpStarted, EventKind::ServiceStepUpCompleted, EventKind::WebhookEndpointAdded, EventKind::WebhookEndpointRemoved, EventKind::DeliveryHandedOver, EventKind::DeliveryHeld, EventKind::CourierAdded, EventKind::OidcClientAdded, EventKind::OidcClientRemoved, EventKind::OidcKeyRotated, EventKind::OidcCodeExchanged, EventKind::OidcCodeReplayed, EventKind::OidcTokenRefreshed, EventKind::OidcRefreshReplayed, EventKind::OidcTokenRevoked, EventKind::AccountLocked, EventKind::AccountUnlocked, EventKind::UnsolicitedCodesWarned, EventKind::SmsDestinationPaused, EventKind::SmsBudgetSpent, EventKind::SignInRefusedLocked, EventKind::SmsPauseLifted, EventKind::StaffAdded, EventKind::StaffRoleChanged, EventKind::StaffRemoved, EventKind::TwosvSuspended, EventKind::TwosvResumed, EventKind::StaffViewedAccount, EventKind::StaffActed, EventKind::OrgCreated, EventKind::OrgMemberInvited, EventKind::OrgMemberJoined, EventKind::OrgRoleChanged, EventKind::OrgMemberRemoved, EventKind::OrgMemberLeft];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::SignIn => "sign_in",
            EventKind::WrongPassword => "wrong_password",
            EventKind::WrongCode => "wrong_code",
            EventKind::CodeSent => "code_sent",
            EventKind::Denied => "denied",
            EventKind::DeniedAfterUse => "denied_after_use",
            EventKind::StepUp => "step_up",
            EventKind::MethodDisabled => "method_disabled",
            EventKind::SignUp => "sign_up",
            EventKind::SignUpExisting => "sign_up_existing",
            EventKind::ResetRequested => "reset_requested",
            EventKind::ResetDocumentViewed => "reset_document_viewed",
            EventKind::ResetApproved => "reset_approved",
            EventKind::ResetRejected => "reset_rejected",
            EventKind::ResetCancelled => "reset_cancelled",
            EventKind::MethodAdded => "method_added",
            EventKind::MethodRemoved => "method_removed",
            EventKind::MethodEnrolmentStarted => "method_enrolment_started",
            EventKind::TwosvEnabled => "twosv_enabled",
            EventKind::TwosvDisabled => "twosv_disabled",
            EventKind::TrustedBrowserRemoved => "trusted_browser_removed",
            EventKind::SigninAlertsChanged => "signin_alerts_changed",
            EventKind::SignedOutAll => "signed_out_all",
            EventKind::SignedOut => "signed_out",
            EventKind::PreferredMethodChanged => "preferred_method_changed",
            EventKind::PasswordThrottled => "password_throttled",
            EventKind::PasswordChanged => "password_changed",
            EventKind::LimitsReleased => "limits_released",
            EventKind::BackupCodesGenerated => "backup_codes_generated",
            EventKind::ApprovalRequested => "approval_requested",
            EventKind::ApprovalGranted => "approval_granted",
            EventKind::PasswordResetRequested => "password_reset_requested",
            EventKind::PasswordReset => "password_reset",
            EventKind::EmailChangeRequested => "email_change_requested",
            EventKind::EmailChanged => "email_changed",
            EventKind::ServiceClientAdded => "service_client_added",
            EventKind::ServiceClientRotated => "service_client_rotated",
            EventKind::ServiceClientRevoked => "service_client_revoked",
            EventKind::AuditCheckpoint => "audit_checkpoint",
            EventKind::ServiceStepUpStarted => "service_step_up_started",
            EventKind::ServiceStepUpCompleted => "service_step_up_completed",
            EventKind::DeliveryHandedOver => "delivery_handed_over",
            EventKind::DeliveryHeld => "delivery_held",
            EventKind::CourierAdded => "courier_added",
            EventKind::WebhookEndpointAdded => "webhook_endpoint_added",
            EventKind::WebhookEndpointRemoved => "webhook_endpoint_removed",
            EventKind::AccountLocked => "account_locked",
            EventKind::AccountUnlocked => "account_unlocked",
            EventKind::UnsolicitedCodesWarned => "unsolicited_codes_warned",
            EventKind::OidcClientAdded => "oidc_client_added",
            EventKind::OidcClientRemoved => "oidc_client_removed",
            EventKind::OidcKeyRotated => "oidc_key_rotated",
            EventKind::OidcCodeExchanged => "oidc_code_exchanged",
            EventKind::OidcCodeReplayed => "oidc_code_replayed",
            EventKind::OidcTokenRefreshed => "oidc_token_refreshed",
            EventKind::OidcRefreshReplayed => "oidc_refresh_replayed",
            EventKind::OidcTokenRevoked => "oidc_token_revoked",
            EventKind::SmsDestinationPaused => "sms_destination_paused",
            EventKind::SmsBudgetSpent => "sms_budget_spent",
            EventKind::SignInRefusedLocked => "sign_in_refused_locked",
            EventKind::SmsPauseLifted => "sms_pause_lifted",
            EventKind::StaffAdded => "staff_added",
            EventKind::StaffRoleChanged => "staff_role_changed",
            EventKind::StaffRemoved => "staff_removed",
            EventKind::StaffViewedAccount => "staff_viewed_account",
            EventKind::StaffActed => "staff_acted",
            EventKind::TwosvSuspended => "twosv_suspended",
            EventKind::TwosvResumed => "twosv_resumed",
            EventKind::OrgCreated => "org_created",
            EventKind::OrgMemberInvited => "org_member_invited",
            EventKind::OrgMemberJoined => "org_member_joined",
            EventKind::OrgRoleChanged => "org_role_changed",
            EventKind::OrgMemberRemoved => "org_member_removed",
            EventKind::OrgMemberLeft => "org_member_left",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Shown to the account's owner in the sign-in history (F-DEV-3). Every kind is
    /// named: a new kind does not compile until someone decides.
    pub fn in_history(self) -> bool {
        match self {
            EventKind::SignIn | EventKind::WrongPassword | EventKind::WrongCode | EventKind::CodeSent | EventKind::Denied | EventKind::DeniedAfterUse | EventKind::StepUp | EventKind::MethodDisabled | EventKind::SignUp | EventKind::ResetRequested | EventKind::ResetDocumentViewed | EventKind::ResetApproved | EventKind::ResetRejected | EventKind::ResetCancelled | EventKind::PasswordResetRequested | EventKind::PasswordReset | EventKind::PasswordChanged | EventKind::EmailChangeRequested | EventKind::EmailChanged | EventKind::ServiceStepUpStarted | EventKind::ServiceStepUpCompleted | EventKind::DeliveryHandedOver | EventKind::DeliveryHeld | EventKind::AccountLocked | EventKind::AccountUnlocked | EventKind::UnsolicitedCodesWarned | EventKind::SignInRefusedLocked | EventKind::TwosvSuspended | EventKind::TwosvResumed
            // F-ORG-1: every organisation action is in the history of each person it concerns.
            | EventKind::OrgCreated | EventKind::OrgMemberInvited | EventKind::OrgMemberJoined | EventKind::OrgRoleChanged | EventKind::OrgMemberRemoved | EventKind::OrgMemberLeft => true,
            // Not sign-in history: changes to the settings (told by their own notices),
            // the operator's work and the log's bookkeeping.
            EventKind::SignUpExisting | EventKind::MethodAdded | EventKind::MethodRemoved | EventKind::MethodEnrolmentStarted | EventKind::TwosvEnabled | EventKind::TwosvDisabled | EventKind::TrustedBrowserRemoved | EventKind::SigninAlertsChanged | EventKind::SignedOutAll | EventKind::SignedOut | EventKind::PreferredMethodChanged | EventKind::PasswordThrottled | EventKind::LimitsReleased | EventKind::BackupCodesGenerated | EventKind::ApprovalRequested | EventKind::ApprovalGranted | EventKind::ServiceClientAdded | EventKind::ServiceClientRotated | EventKind::ServiceClientRevoked | EventKind::AuditCheckpoint | EventKind::WebhookEndpointAdded | EventKind::WebhookEndpointRemoved | EventKind::CourierAdded | EventKind::OidcClientAdded | EventKind::OidcClientRemoved | EventKind::OidcKeyRotated | EventKind::OidcCodeExchanged | EventKind::OidcCodeReplayed | EventKind::OidcTokenRefreshed | EventKind::OidcRefreshReplayed | EventKind::OidcTokenRevoked | EventKind::SmsDestinationPaused | EventKind::SmsBudgetSpent | EventKind::SmsPauseLifted | EventKind::StaffAdded | EventKind::StaffRoleChanged | EventKind::StaffRemoved | EventKind::StaffViewedAccount | EventKind::StaffActed => false,
        }
    }
}

// F-INT-4: a receiver of event webhooks.
id_type!(WebhookEndpointId);

// F-ORG-1: an organisation (business account) and an invitation to join one.
id_type!(OrgId, OrgInvitationId);

// F-INT-5: an application that signs its users in with OpenID Connect, and a sign-in
// it asked for that waits for the user to finish on ninsho's pages.
id_type!(OidcClientId, OidcRequestId);

/// What a service client may do (F-INT-1), checked per route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// Check shoppers' sessions (introspection).
    #[serde(rename = "sessions:read")]
    SessionsRead,
    /// Ask a shopper to confirm something with a code.
    #[serde(rename = "step-up")]
    StepUp,
    /// Register shipments that need a delivery code.
    #[serde(rename = "deliveries:write")]
    DeliveriesWrite,
    /// Check a delivery code at the door.
    #[serde(rename = "deliveries:verify")]
    DeliveriesVerify,
    /// Read an account's public facts.
    #[serde(rename = "accounts:read")]
    AccountsRead,
}

impl Scope {
    pub const ALL: [Scope; 5] = [Scope::SessionsRead, Scope::StepUp, Scope::DeliveriesWrite, Scope::DeliveriesVerify, Scope::AccountsRead];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::SessionsRead => "sessions:read",
            Scope::StepUp => "step-up",
            Scope::DeliveriesWrite => "deliveries:write",
            Scope::DeliveriesVerify => "deliveries:verify",
            Scope::AccountsRead => "accounts:read",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The kinds of second-step method an account can register (F-2SV-2…5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorKind {
    /// A phone number: SMS for mobiles, a voice call for landlines.
    Phone,
    /// An authenticator app (TOTP, RFC 6238).
    Totp,
    /// The account's e-mail address as a delivery channel.
    Email,
    /// A set of one-time recovery codes.
    BackupCodes,
}

impl FactorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FactorKind::Phone => "phone",
            FactorKind::Totp => "totp",
            FactorKind::Email => "email",
            FactorKind::BackupCodes => "backup_codes",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "phone" => Some(FactorKind::Phone),
            "totp" => Some(FactorKind::Totp),
            "email" => Some(FactorKind::Email),
            "backup_codes" => Some(FactorKind::BackupCodes),
            _ => None,
        }
    }
}

/// What a challenge, once passed, unlocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Proves the e-mail address given at sign-up.
    VerifyEmail,
    /// The second step of a sign-in.
    SignIn,
    /// A fresh code before a sensitive change (F-SIGNIN-4).
    StepUp,
    /// Proves a newly added method before it counts (F-2SV-2, F-2SV-3).
    Enroll,
    /// A device without a second screen: the code is appended to the password (F-SIGNIN-6).
    DeviceSignIn,
    /// F-2SV-1: the owner approves turning 2SV on, by a link in an e-mail.
    Approve,
    /// Handed out by sign-up for an address that is taken: it behaves like a real
    /// e-mail verification (resends, wrong codes, closing) but nothing can pass it.
    Decoy,
    /// F-ACC-5: a forgotten password. The e-mailed link opens it; with 2SV on, a code
    /// from a 2SV method must answer it too.
    ResetPassword,
    /// F-ACC-6: proves a new e-mail address (stored on the challenge) before it
    /// becomes the account's.
    ChangeEmail,
    /// F-INT-3: a shop service asks the owner to confirm something (an order, a
    /// payment change) with a code; the result is the service's to read.
    ServiceStepUp,
    /// F-DLV-2…4: a parcel's delivery code, told to the courier at the door. No
    /// challenge has this purpose: the code is kept on its delivery (`DeliveryCode`) and
    /// answered only by a handover. It names what a delivery code message was for.
    Delivery,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::SignIn => "sign_in",
            Purpose::StepUp => "step_up",
            Purpose::Enroll => "enroll",
            Purpose::DeviceSignIn => "device_sign_in",
            Purpose::Approve => "approve",
            Purpose::Decoy => "decoy",
            Purpose::ResetPassword => "reset_password",
            Purpose::ChangeEmail => "change_email",
            Purpose::ServiceStepUp => "service_step_up",
            Purpose::Delivery => "delivery",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "verify_email" => Some(Purpose::VerifyEmail),
            "sign_in" => Some(Purpose::SignIn),
            "step_up" => Some(Purpose::StepUp),
            "enroll" => Some(Purpose::Enroll),
            "device_sign_in" => Some(Purpose::DeviceSignIn),
            "approve" => Some(Purpose::Approve),
            "decoy" => Some(Purpose::Decoy),
            "reset_password" => Some(Purpose::ResetPassword),
            "change_email" => Some(Purpose::ChangeEmail),
            "service_step_up" => Some(Purpose::ServiceStepUp),
            "delivery" => Some(Purpose::Delivery),
            _ => None,
        }
    }
}

/// Where a request came from, as the adapter saw it.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// A name the user or the app gave the device ("Living-room TV").
    pub device_name: Option<String>,
}

/// What a shopper's optional feedback is about: the destructive action it followed
/// (seed 004: after turning 2SV off, "feedback, or skip").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackTopic {
    TwoStepOff,
}

impl FeedbackTopic {
    pub const ALL: [FeedbackTopic; 1] = [FeedbackTopic::TwoStepOff];
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackTopic::TwoStepOff => "two_step_off",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}
