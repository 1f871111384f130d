//! What the use cases count, through the `metrics` facade (F-OPS-4): the server
//! installs a Prometheus recorder; without one every call here costs next to nothing.
//!
//! Every label value is a `&'static str` from our own types — a method kind, an
//! outcome, an error code, a quota's kind — never an address, a number, a token or an
//! id: those would leak personal data into dashboards and give each series its own
//! label set without bound.

use crate::error::Error;

pub const SIGN_INS: &str = "ninsho_sign_ins_total";
pub const CODE_SENDS: &str = "ninsho_code_sends_total";
pub const VERIFICATIONS: &str = "ninsho_verifications_total";
pub const QUOTA_REFUSALS: &str = "ninsho_quota_refusals_total";
pub const THROTTLE_REFUSALS: &str = "ninsho_throttle_refusals_total";
pub const HASH_WAIT: &str = "ninsho_password_hash_wait_seconds";
pub const HASH_SHED: &str = "ninsho_password_hash_shed_total";
pub const UNSOLICITED_WARNINGS: &str = "ninsho_unsolicited_code_warnings_total";
pub const SMS_PAUSES: &str = "ninsho_sms_destinations_paused_total";
pub const SMS_BUDGET_SPENT: &str = "ninsho_sms_budget_spent_total";

/// The outcome of a use case that failed: its stable error code.
pub fn outcome_of_error(e: &Error) -> &'static str {
    e.code()
}

/// A sign-in (`method`: `password`, or `device` for the password with the code
/// appended) and how it ended.
pub fn sign_in(method: &'static str, outcome: &'static str) {
    metrics::counter!(SIGN_INS, "method" => method, "outcome" => outcome).increment(1);
}

/// A code sent (or refused) through `channel`.
pub fn code_send(channel: &'static str, outcome: &'static str) {
    metrics::counter!(CODE_SENDS, "channel" => channel, "outcome" => outcome).increment(1);
}

/// A code checked, by the kind of method it came from.
pub fn verification(method: &'static str, outcome: &'static str) {
    metrics::counter!(VERIFICATIONS, "method" => method, "outcome" => outcome).increment(1);
}

/// A send refused by its quota. `key` is the quota's key (`acct:…`, `dest:…`, …):
/// only its kind, before the colon, is a label.
pub fn quota_refused(key: &str) {
    metrics::counter!(QUOTA_REFUSALS, "kind" => quota_kind(key)).increment(1);
}

/// Every kind `quota_refused` and `throttled` count.
pub const QUOTA_KINDS: [&str; 7] = ["account", "destination", "address", "reset_link", "reset_request", "feedback", "other"];
pub const THROTTLE_KINDS: [&str; 2] = ["account", "address"];

/// Lists every refusal kind at zero, so a dashboard tells "none yet" from "not counted".
pub fn register_refusals() {
    for kind in QUOTA_KINDS {
        metrics::counter!(QUOTA_REFUSALS, "kind" => kind).increment(0);
    }
    for kind in THROTTLE_KINDS {
        metrics::counter!(THROTTLE_REFUSALS, "kind" => kind).increment(0);
    }
    metrics::counter!(HASH_SHED).increment(0);
    metrics::counter!(UNSOLICITED_WARNINGS).increment(0);
    metrics::counter!(SMS_BUDGET_SPENT).increment(0);
}

/// F-LIMIT-4: a number prefix or a country was paused (labelled by the country, an
/// ISO 3166 code: a bounded set, never a number), or the hour's budget was spent.
pub fn sms_paused(kind: crate::types::EventKind, country: &str) {
    match kind {
        crate::types::EventKind::SmsBudgetSpent => metrics::counter!(SMS_BUDGET_SPENT).increment(1),
        _ => metrics::counter!(SMS_PAUSES, "country" => country.to_string()).increment(1),
    }
}

/// F-LIMIT-3: an owner was told that codes keep coming without a sign-in.
pub fn unsolicited_warning() {
    metrics::counter!(UNSOLICITED_WARNINGS).increment(1);
}

fn quota_kind(key: &str) -> &'static str {
    match key.split(':').next() {
        Some("acct") => "account",
        Some("dest") => "destination",
        Some("addr") => "address",
        Some("reset-link") => "reset_link",
        Some("reset") => "reset_request",
        Some("feedback") => "feedback",
        _ => "other",
    }
}

/// A password try refused because its key (`account` or `address`) must still wait.
pub fn throttled(kind: &'static str) {
    metrics::counter!(THROTTLE_REFUSALS, "kind" => kind).increment(1);
}

/// How long a password hash waited for a hashing thread.
pub fn hash_waited(wait: std::time::Duration) {
    metrics::histogram!(HASH_WAIT).record(wait.as_secs_f64());
}

/// A password hash refused at the door because the queue was too long.
pub fn hash_shed() {
    metrics::counter!(HASH_SHED).increment(1);
}

#[cfg(test)]
mod tests {
    #[test]
    fn f_ops_4_a_quota_is_counted_by_its_kind_never_its_key() {
        for (key, kind) in [
            ("acct:0190f1e4-0000-7000-8000-000000000000", "account"),
            ("dest:+819012345678", "destination"),
            ("addr:203.0.113.9", "address"),
            ("reset-link:a@b.example", "reset_link"),
            ("reset:addr:203.0.113.9", "reset_request"),
            ("feedback:0190f1e4", "feedback"),
            ("someone@example.com", "other"),
        ] {
            assert_eq!(super::quota_kind(key), kind);
            assert!(super::QUOTA_KINDS.contains(&kind));
        }
    }
}
