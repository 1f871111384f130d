//! Every error a use case can return, each with a stable dotted code that clients may
//! match on. Internals (database messages, key material) never reach `Display`.

use crate::types::UnixMillis;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `reason`, when there is one, says which of several causes refused the value (a
    /// weak password: `common`, `keyboard`, `personal`, …): a stable word beside the
    /// stable code, for clients and for the page text next to the field.
    #[error("{message}")]
    Invalid { code: &'static str, field: &'static str, message: String, reason: Option<&'static str> },
    #[error("the e-mail address or password is not right")]
    InvalidCredentials,
    #[error("this code is not right, or it has expired")]
    InvalidCode,
    #[error("this challenge can no longer be used; start again")]
    ChallengeClosed,
    #[error("you need to sign in")]
    Unauthenticated,
    #[error("confirm it is you with a fresh code first")]
    StepUpRequired,
    #[error("not found")]
    NotFound,
    /// A service client without the scope a route needs (F-INT-1).
    #[error("this client may not do this: it lacks the scope {}", .0.as_str())]
    ScopeMissing(crate::types::Scope),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{}", rate_limited_message(code))]
    RateLimited { code: &'static str, retry_at: UnixMillis, now: UnixMillis },
    #[error("this method is disabled after too many failed codes; set it up again")]
    MethodDisabled,
    /// F-OFF-5: support locked the account while it investigates suspected access.
    /// Said only to someone who proved the password or holds a session: never to a
    /// stranger guessing addresses.
    #[error("this account is locked while support investigates it")]
    AccountLocked { until: UnixMillis, support: String },
    /// F-SUP-1: a staff member whose role does not permit the action, or an account
    /// that is not staff at all.
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    #[error("the server is busy; try again")]
    Busy,
    #[error("{}", .0.message())]
    Unavailable(Outage),
    #[error("internal error")]
    Internal(String),
}

/// Why the server cannot serve for a while (F-OPS-7). Each fails closed — nothing is
/// issued, verified or stored — answers 503 with `Retry-After`, and clears by itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outage {
    /// The database cannot grow: the disk (or its quota) is full.
    DiskFull,
    /// The database does not answer, or refuses connections.
    DatabaseDown,
    /// This instance's clock disagrees with the database's beyond the allowed skew.
    ClockSkew,
    /// More work is waiting than can be done in time (password hashing).
    Overloaded,
}

impl Outage {
    pub fn as_str(self) -> &'static str {
        match self {
            Outage::DiskFull => "disk_full",
            Outage::DatabaseDown => "database_down",
            Outage::ClockSkew => "clock_skew",
            Outage::Overloaded => "overloaded",
        }
    }

    /// When a client should try again.
    pub fn retry_after_secs(self) -> u32 {
        match self {
            Outage::DiskFull | Outage::ClockSkew => 30,
            Outage::DatabaseDown => 5,
            Outage::Overloaded => 1,
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Outage::DiskFull => "the server cannot store anything right now; try again shortly",
            Outage::DatabaseDown => "the server cannot reach its database right now; try again shortly",
            Outage::ClockSkew => "the server's clock is out of step; codes are paused until it is fixed",
            Outage::Overloaded => "the server is busy; try again in a moment",
        }
    }
}

/// What a refused send says: SMS toll-fraud refusals (F-LIMIT-4) point to the ways
/// that still work; every other limit is a request limit.
fn rate_limited_message(code: &str) -> &'static str {
    match code {
        SMS_DESTINATION_PAUSED => "codes to numbers like this one are paused for now; try again later, or use e-mail or an authenticator app",
        SMS_BUDGET_SPENT => "text message codes are paused for now; try again later, or use e-mail or an authenticator app",
        _ => "request limit reached; try again later",
    }
}

/// F-LIMIT-4: the codes of a refused SMS or voice send.
pub const SMS_DESTINATION_PAUSED: &str = "sms.destination_paused";
pub const SMS_BUDGET_SPENT: &str = "sms.budget_spent";
pub const PHONE_COUNTRY_NOT_ALLOWED: &str = "phone.country_not_allowed";

impl Error {
    pub fn invalid(code: &'static str, field: &'static str, message: impl Into<String>) -> Self {
        Error::Invalid { code, field, message: message.into(), reason: None }
    }
    /// An `invalid` refusal with its reason (see `Error::Invalid`).
    pub fn invalid_because(code: &'static str, field: &'static str, reason: &'static str, message: impl Into<String>) -> Self {
        Error::Invalid { code, field, message: message.into(), reason: Some(reason) }
    }
    /// The same refusal about the field the caller names `to` (a use case whose form
    /// calls the new password `new_password`); other errors unchanged.
    pub fn on_field(self, from: &'static str, to: &'static str) -> Self {
        match self {
            Error::Invalid { code, field, message, reason } if field == from => Error::Invalid { code, field: to, message, reason },
            e => e,
        }
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Error::Conflict { code, message: message.into() }
    }
    pub fn internal(what: impl std::fmt::Display) -> Self {
        Error::Internal(what.to_string())
    }

    /// Why an `Invalid` value was refused, when the code has several causes.
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            Error::Invalid { reason, .. } => *reason,
            _ => None,
        }
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid { code, .. } => code,
            Error::InvalidCredentials => "auth.invalid_credentials",
            Error::InvalidCode => "code.invalid",
            Error::ChallengeClosed => "challenge.closed",
            Error::Unauthenticated => "auth.required",
            Error::StepUpRequired => "auth.step_up_required",
            Error::NotFound => "not_found",
            Error::ScopeMissing(_) => "client.scope_missing",
            Error::Conflict { code, .. } => code,
            Error::RateLimited { code, .. } => code,
            Error::MethodDisabled => "method.disabled",
            Error::AccountLocked { .. } => "account.locked",
            Error::Forbidden { code, .. } => code,
            Error::Busy => "server.busy",
            Error::Unavailable(_) => "server.unavailable",
            Error::Internal(_) => "server.internal",
        }
    }
}
