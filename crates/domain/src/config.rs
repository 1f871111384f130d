//! Every number the rules use, with the defaults of SPEC.md. Operators change them in
//! configuration; nothing else in `domain` hard-codes a limit.

use crate::risk::RiskPolicy;

#[derive(Clone, Debug)]
pub struct Policy {
    /// Shown in messages and in the otpauth URI ("ninsho" unless configured).
    pub issuer: String,
    /// Where shoppers reach support, named to the owner of a locked account (F-OFF-5).
    pub support_contact: String,
    /// The host of the origin-bound SMS line `@host #code` (F-OTP-7).
    pub origin_host: String,
    /// Public base URL, for links in messages.
    pub public_url: String,
    pub codes: CodePolicy,
    pub quotas: QuotaPolicy,
    /// F-LIMIT-4: where SMS and voice codes may go, and how fast.
    pub sms: SmsPolicy,
    pub risk: RiskPolicy,
    pub password: PasswordPolicy,
    /// Wrong passwords per account and per client address (F-SIGNIN-5, F-OPS-7).
    pub throttle: ThrottlePolicy,
    /// How long a step-up lasts before the next sensitive change needs a fresh code.
    pub step_up_secs: i64,
    pub session_secs: i64,
    pub trusted_browser_secs: i64,
    /// How long a sign-in challenge stays open (the code inside expires sooner).
    pub challenge_secs: i64,
    pub max_phones: usize,
    pub backup_code_count: usize,
    /// The zone of accounts that chose none; `None` follows each account's language.
    pub default_time_zone: Option<crate::zone::TimeZoneName>,
    /// F-DLV-1: when a shipment needs a delivery code.
    pub deliveries: crate::delivery_rules::DeliveryRules,
    /// F-INT-5: the OpenID Connect provider's tokens.
    pub oidc: OidcPolicy,
}

/// F-INT-5: what ID and access tokens are signed with and how long they live.
#[derive(Clone, Debug)]
pub struct OidcPolicy {
    /// The algorithm of a key made on first start or by a rotation without `--alg`.
    pub signing_alg: crate::oidc::SigningAlg,
    pub id_token_secs: i64,
    pub access_token_secs: i64,
}

impl Default for OidcPolicy {
    fn default() -> Self {
        OidcPolicy { signing_alg: crate::oidc::SigningAlg::Es256, id_token_secs: 600, access_token_secs: 600 }
    }
}

#[derive(Clone, Debug)]
pub struct CodePolicy {
    /// F-OTP-1: a sent code is valid this long.
    pub sent_code_ttl_secs: i64,
    /// F-OTP-3: wrong entries before the challenge is dead.
    pub max_attempts_per_challenge: i64,
    /// F-OTP-6: consecutive failures before a method is disabled (at most 100).
    pub method_failure_ceiling: i64,
    /// F-OTP-5: accepted TOTP clock skew, in 30-second steps either side.
    pub totp_skew_steps: i64,
}

/// F-LIMIT-1: send quotas, each a fixed window. Failed sends are given back.
#[derive(Clone, Debug)]
pub struct QuotaPolicy {
    pub per_account: Quota,
    pub per_destination: Quota,
    pub per_address: Quota,
    /// F-LIMIT-3: this many sign-in codes within the window without a sign-in make
    /// ninsho tell the owner, at most once a window. Not a refusal: a warning.
    pub unsolicited: Quota,
}

/// F-LIMIT-4 (ADR 0006): SMS toll-fraud defence. Codes by SMS or voice go only to
/// numbers of `allowed_countries`; per clock hour, a number's prefix (its country
/// code and the first `prefix_digits` digits after it) and its country may each have
/// at most the larger of their floor and `multiplier` times their mean hourly sends
/// over the `baseline_hours` before; past it the prefix or country is paused for
/// `pause_secs`. All of them together have at most `budget_per_hour`.
#[derive(Clone, Debug)]
pub struct SmsPolicy {
    /// ISO 3166 codes (`JP`); by default the operator's region.
    pub allowed_countries: Vec<String>,
    pub prefix_digits: usize,
    pub prefix_floor: i64,
    pub country_floor: i64,
    pub multiplier: i64,
    pub baseline_hours: i64,
    pub pause_secs: i64,
    pub budget_per_hour: i64,
}

impl Default for SmsPolicy {
    fn default() -> Self {
        SmsPolicy {
            allowed_countries: vec!["JP".into()],
            prefix_digits: 3,
            prefix_floor: 30,
            country_floor: 300,
            multiplier: 3,
            baseline_hours: 24,
            pause_secs: 3600,
            budget_per_hour: 2000,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Quota {
    pub limit: i64,
    pub window_secs: i64,
}

/// Password guessing: each key (an e-mail address as typed, a client address) gets
/// `free` tries; every try past them must wait, `base_delay_ms` doubled with each
/// further try up to `max_delay_ms`. The count starts again after `window_secs`
/// without a try, or with a right password. A try is counted before the password
/// is hashed, by the statement that checks the wait, so a burst gets no more tries
/// than a patient attacker.
#[derive(Clone, Copy, Debug)]
pub struct ThrottlePolicy {
    pub window_secs: i64,
    pub account_free: i64,
    pub address_free: i64,
    pub base_delay_ms: i64,
    pub max_delay_ms: i64,
}

#[derive(Clone, Debug)]
pub struct PasswordPolicy {
    pub min_chars: usize,
    /// Refused before hashing: argon2 work is bounded by this.
    pub max_bytes: usize,
    /// The least zxcvbn score (0…4) a new password needs: 3 is "safely unguessable",
    /// about 10^10 guesses, against an offline attack on a slow hash (argon2id).
    pub min_score: u8,
    pub argon2_m_kib: u32,
    pub argon2_t: u32,
    pub argon2_p: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            issuer: "ninsho".into(),
            support_contact: "http://127.0.0.1:8080".into(),
            origin_host: "localhost".into(),
            public_url: "http://127.0.0.1:8080".into(),
            codes: CodePolicy {
                sent_code_ttl_secs: 600,
                max_attempts_per_challenge: 5,
                method_failure_ceiling: 100,
                totp_skew_steps: 1,
            },
            quotas: QuotaPolicy {
                per_account: Quota { limit: 10, window_secs: 24 * 3600 },
                per_destination: Quota { limit: 10, window_secs: 24 * 3600 },
                per_address: Quota { limit: 50, window_secs: 3600 },
                unsolicited: Quota { limit: 3, window_secs: 86_400 },
            },
            sms: SmsPolicy::default(),
            risk: RiskPolicy::default(),
            throttle: ThrottlePolicy { window_secs: 3600, account_free: 5, address_free: 30, base_delay_ms: 1000, max_delay_ms: 15 * 60 * 1000 },
            password: PasswordPolicy {
                min_chars: 12,
                max_bytes: 1024,
                min_score: 3,
                argon2_m_kib: 19456,
                argon2_t: 2,
                argon2_p: 1,
            },
            step_up_secs: 600,
            session_secs: 30 * 24 * 3600,
            trusted_browser_secs: 180 * 24 * 3600,
            challenge_secs: 1800,
            max_phones: 2,
            backup_code_count: 10,
            default_time_zone: None,
            deliveries: crate::delivery_rules::DeliveryRules::default(),
            oidc: OidcPolicy::default(),
        }
    }
}
