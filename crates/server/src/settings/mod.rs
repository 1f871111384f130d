//! The configuration (F-OPS-5): one typed struct, loaded by figment from layers, each
//! overriding the one before:
//!
//! defaults < the TOML file (`--config PATH` or `NINSHO_CONFIG`) < `NINSHO_…`
//! variables < `NINSHO_…_FILE` variables (secrets) < command-line flags.
//!
//! Every command (`serve`, `migrate`, `admin …`, `bench`) loads it the same way, and
//! `ninsho config check` prints what was loaded and where each value came from. Live
//! objects (providers, the clock) are built from it in `crate::config`, not kept in it.

pub mod keys;
mod layers;
mod print;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

pub use layers::{Flag, load};
pub use print::effective;

#[derive(Deserialize, Serialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub listen: SocketAddr,
    pub public_url: Option<String>,
    pub issuer: String,
    /// Where shoppers reach support (a URL, an address or a phone number), named in the
    /// notice and the message of a locked account (F-OFF-5). Unset: `public_url`.
    pub support_contact: Option<String>,
    pub data_dir: PathBuf,
    pub database_url: Option<Secret>,
    pub master_key: Option<Secret>,
    pub default_region: String,
    pub default_time_zone: Option<String>,
    pub geoip_db: Option<PathBuf>,
    pub trust_forwarded: bool,
    pub log: Log,
    pub metrics: Metrics,
    pub health: Health,
    pub codes: Codes,
    pub quotas: Quotas,
    pub throttle: Throttle,
    pub limits: Limits,
    pub smtp: Smtp,
    pub kannel: Kannel,
    pub sms: Sms,
    pub voice: Voice,
    pub webhook: Webhook,
    pub official: Official,
    pub audit: Audit,
    pub event_webhooks: EventWebhooks,
    pub deliveries: Deliveries,
    pub oidc: Oidc,
}

#[derive(Deserialize, Serialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct Log {
    pub format: LogFormat,
    pub filter: String,
}

#[derive(Deserialize, Serialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Text,
}

#[derive(Deserialize, Serialize, Clone, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Metrics {
    /// Off unless set: metrics are never served on the public listener.
    pub listen: Option<SocketAddr>,
}

#[derive(Deserialize, Serialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct Health {
    pub outbox_stuck_secs: u64,
}

#[derive(Deserialize, Serialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct Codes {
    pub ttl_secs: i64,
    pub max_attempts: i64,
    pub method_failure_ceiling: i64,
}

#[derive(Deserialize, Serialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct Quotas {
    pub account: String,
    pub destination: String,
    pub address: String,
    /// F-LIMIT-3: sign-in codes without a sign-in before the owner is told, per window.
    pub unsolicited: String,
}

#[derive(Deserialize, Serialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct Throttle {
    pub account_free: i64,
    pub address_free: i64,
}

#[derive(Deserialize, Serialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    pub hash_max_wait_ms: u64,
    pub max_clock_skew_ms: u64,
    pub request_timeout_secs: u64,
}

#[derive(Deserialize, Serialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct Smtp {
    pub url: Option<Secret>,
    pub from: String,
    pub username: Option<String>,
    pub password: Option<Secret>,
}

#[derive(Deserialize, Serialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct Kannel {
    pub url: Option<String>,
    pub username: String,
    pub password: Option<Secret>,
}

#[derive(Deserialize, Serialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct Sms {
    pub from: String,
    pub webhook_url: Option<String>,
    /// F-LIMIT-4: ISO 3166 codes SMS and voice codes may go to. Unset: `default_region`.
    pub allowed_countries: Option<Vec<String>>,
    pub prefix_digits: i64,
    pub prefix_floor_per_hour: i64,
    pub country_floor_per_hour: i64,
    pub baseline_multiplier: i64,
    pub baseline_hours: i64,
    pub pause_secs: i64,
    pub budget_per_hour: i64,
}

#[derive(Deserialize, Serialize, Clone, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Voice {
    pub webhook_url: Option<String>,
}

#[derive(Deserialize, Serialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct Webhook {
    pub secret: Option<Secret>,
    pub timeout_secs: u64,
}

#[derive(Deserialize, Serialize, Clone, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Official {
    /// Unset: the domain of `smtp.from`.
    pub email_domains: Option<Vec<String>>,
    /// Unset: the host of `public_url`.
    pub link_domains: Option<Vec<String>>,
}

#[derive(Deserialize, Serialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct Audit {
    pub checkpoint_every_secs: u64,
}

/// F-INT-4: how event webhooks are retried (the endpoints are in the database).
#[derive(Deserialize, Serialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct EventWebhooks {
    pub retry_base_secs: u64,
    pub retry_max_secs: u64,
    pub give_up_after_secs: u64,
    pub timeout_secs: u64,
    pub lease_secs: u64,
}

/// F-INT-5: the OpenID Connect provider's tokens (its clients are in the database).
#[derive(Deserialize, Serialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct Oidc {
    /// ES256 or EdDSA: the algorithm of a key made on first start or rotated without `--alg`.
    pub signing_alg: String,
    pub id_token_secs: i64,
    pub access_token_secs: i64,
}

impl Default for Oidc {
    fn default() -> Oidc {
        let p = ninsho_domain::config::OidcPolicy::default();
        Oidc { signing_alg: p.signing_alg.as_str().into(), id_token_secs: p.id_token_secs, access_token_secs: p.access_token_secs }
    }
}

/// F-DLV-1: the rules that decide whether a shipment needs a delivery code.
#[derive(Deserialize, Serialize, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct Deliveries {
    /// "100000 JPY": at most one per currency.
    pub amount_thresholds: Vec<String>,
    pub categories: Vec<String>,
    pub code_categories: Vec<String>,
    pub exempt_categories: Vec<String>,
    pub address_change_days: i64,
    pub code_countries: Vec<String>,
    pub max_attempts: i64,
}

impl Default for Deliveries {
    fn default() -> Deliveries {
        let r = ninsho_domain::delivery_rules::DeliveryRules::default();
        Deliveries {
            amount_thresholds: r.thresholds.iter().map(|m| format!("{} {}", m.decimal(), m.currency.code())).collect(),
            categories: r.categories,
            code_categories: r.code_categories,
            exempt_categories: r.exempt_categories,
            address_change_days: r.address_change_days,
            code_countries: r.code_countries,
            max_attempts: r.max_attempts,
        }
    }
}

/// The sender of e-mail and the number of SMS when the operator names none.
pub const DEFAULT_MAIL_FROM: &str = "ninsho <no-reply@localhost>";
pub const DEFAULT_SMS_FROM: &str = "+815053704545";

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            issuer: "ninsho".into(),
            support_contact: None,
            data_dir: PathBuf::from("./ninsho-data"),
            database_url: None,
            master_key: None,
            default_region: "JP".into(),
            default_time_zone: None,
            geoip_db: None,
            trust_forwarded: false,
            log: Log::default(),
            metrics: Metrics::default(),
            health: Health::default(),
            codes: Codes::default(),
            quotas: Quotas::default(),
            throttle: Throttle::default(),
            limits: Limits::default(),
            smtp: Smtp::default(),
            kannel: Kannel::default(),
            sms: Sms::default(),
            voice: Voice::default(),
            webhook: Webhook::default(),
            official: Official::default(),
            audit: Audit::default(),
            event_webhooks: EventWebhooks::default(),
            deliveries: Deliveries::default(),
            oidc: Oidc::default(),
        }
    }
}

impl Default for Log {
    fn default() -> Log {
        Log { format: LogFormat::Json, filter: "info".into() }
    }
}

impl Default for Health {
    fn default() -> Health {
        Health { outbox_stuck_secs: 600 }
    }
}

impl Default for Codes {
    fn default() -> Codes {
        Codes { ttl_secs: 600, max_attempts: 5, method_failure_ceiling: 100 }
    }
}

impl Default for Quotas {
    fn default() -> Quotas {
        Quotas { account: "10/86400".into(), destination: "10/86400".into(), address: "50/3600".into(), unsolicited: "3/86400".into() }
    }
}

impl Default for Throttle {
    fn default() -> Throttle {
        Throttle { account_free: 5, address_free: 30 }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { hash_max_wait_ms: 1000, max_clock_skew_ms: 2000, request_timeout_secs: 10 }
    }
}

impl Default for Smtp {
    fn default() -> Smtp {
        Smtp { url: None, from: DEFAULT_MAIL_FROM.into(), username: None, password: None }
    }
}

impl Default for Kannel {
    fn default() -> Kannel {
        Kannel { url: None, username: "ninsho".into(), password: None }
    }
}

impl Default for Sms {
    fn default() -> Sms {
        let p = ninsho_domain::config::SmsPolicy::default();
        Sms {
            from: DEFAULT_SMS_FROM.into(),
            webhook_url: None,
            allowed_countries: None,
            prefix_digits: p.prefix_digits as i64,
            prefix_floor_per_hour: p.prefix_floor,
            country_floor_per_hour: p.country_floor,
            baseline_multiplier: p.multiplier,
            baseline_hours: p.baseline_hours,
            pause_secs: p.pause_secs,
            budget_per_hour: p.budget_per_hour,
        }
    }
}

impl Default for Webhook {
    fn default() -> Webhook {
        Webhook { secret: None, timeout_secs: 10 }
    }
}

impl Default for Audit {
    fn default() -> Audit {
        Audit { checkpoint_every_secs: 3600 }
    }
}

impl Default for EventWebhooks {
    /// Standard Webhooks suggests retrying for about three days.
    fn default() -> EventWebhooks {
        EventWebhooks { retry_base_secs: 5, retry_max_secs: 3600, give_up_after_secs: 3 * 86_400, timeout_secs: 10, lease_secs: 60 }
    }
}

/// A secret setting: zeroized when dropped, never printed. It serializes as a mask,
/// so that no path from a `Settings` to text can carry it.
#[derive(Clone)]
pub struct Secret(pub SecretString);

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        String::deserialize(d).map(|s| Secret(SecretString::from(s)))
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(print::MASK)
    }
}

/// The loaded settings and the layers they came from (for `config check`).
pub struct Loaded {
    pub settings: Settings,
    figment: Figment,
}

impl Loaded {
    /// Where the value of `path` came from: "default", "file PATH", a variable's name…
    pub fn origin(&self, path: &str) -> String {
        self.figment.find_metadata(path).map(layers::describe).unwrap_or_else(|| "default".into())
    }
}

/// One thing wrong with the configuration: one line for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The key (`codes.ttl_secs`), the variable or the flag at fault.
    pub what: String,
    pub message: String,
    /// Where the bad value came from, if known.
    pub origin: Option<String>,
}

impl ConfigError {
    pub fn new(what: impl Into<String>, message: impl Into<String>, origin: Option<String>) -> ConfigError {
        ConfigError { what: what.into(), message: message.into(), origin }
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.what, self.message)?;
        match &self.origin {
            Some(o) if o != &self.what => write!(f, " (from {o})"),
            _ => Ok(()),
        }
    }
}

/// Everything wrong at once, one line each, so a start-up is not a guessing game.
#[derive(Debug)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl std::fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let lines: Vec<String> = self.0.iter().map(|e| e.to_string()).collect();
        f.write_str(&lines.join("\n"))
    }
}

impl std::error::Error for ConfigErrors {}
