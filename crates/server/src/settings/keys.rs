//! Every setting by its key in the file, the variable that overrides it, the type a
//! variable's text is read as, and whether its value is shown by `config check`.
//! The table is the one list of names: the file's unknown-key check, the variables,
//! the `*_FILE` variables and the printout all read it, and a test holds it equal to
//! the keys of `Settings`.

/// How a variable's text becomes a value (a file has its own types).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Text,
    /// A whole number.
    Number,
    /// true/false (also 1/0, yes/no, on/off).
    Flag,
    /// Comma-separated in a variable, an array in the file.
    List,
}

/// Whether `config check` may print the value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Secrecy {
    Public,
    /// Never printed; may also come from a file named by `NAME_FILE`.
    Secret,
    /// A URL that may carry a password: printed with the password masked; may also
    /// come from `NAME_FILE`.
    UrlWithPassword,
}

pub struct Key {
    pub path: &'static str,
    pub env: &'static str,
    pub kind: Kind,
    pub secrecy: Secrecy,
}

const fn key(path: &'static str, env: &'static str, kind: Kind) -> Key {
    Key { path, env, kind, secrecy: Secrecy::Public }
}

const fn secret(path: &'static str, env: &'static str, secrecy: Secrecy) -> Key {
    Key { path, env, kind: Kind::Text, secrecy }
}

use Kind::{Flag, List, Number, Text};

/// In the order `config check` prints them and the example file documents them.
pub const KEYS: &[Key] = &[
    key("listen", "NINSHO_LISTEN", Text),
    key("public_url", "NINSHO_PUBLIC_URL", Text),
    key("issuer", "NINSHO_ISSUER", Text),
    key("support_contact", "NINSHO_SUPPORT_CONTACT", Text),
    key("data_dir", "NINSHO_DATA_DIR", Text),
    secret("database_url", "NINSHO_DATABASE_URL", Secrecy::UrlWithPassword),
    secret("master_key", "NINSHO_MASTER_KEY", Secrecy::Secret),
    key("default_region", "NINSHO_DEFAULT_REGION", Text),
    key("default_time_zone", "NINSHO_DEFAULT_TIME_ZONE", Text),
    key("geoip_db", "NINSHO_GEOIP_DB", Text),
    key("trust_forwarded", "NINSHO_TRUST_FORWARDED", Flag),
    key("log.format", "NINSHO_LOG_FORMAT", Text),
    key("log.filter", "NINSHO_LOG", Text),
    key("metrics.listen", "NINSHO_METRICS_LISTEN", Text),
    key("health.outbox_stuck_secs", "NINSHO_HEALTH_OUTBOX_STUCK_SECS", Number),
    key("codes.ttl_secs", "NINSHO_CODE_TTL_SECS", Number),
    key("codes.max_attempts", "NINSHO_MAX_ATTEMPTS", Number),
    key("codes.method_failure_ceiling", "NINSHO_METHOD_FAILURE_CEILING", Number),
    key("quotas.account", "NINSHO_QUOTA_ACCOUNT", Text),
    key("quotas.destination", "NINSHO_QUOTA_DESTINATION", Text),
    key("quotas.address", "NINSHO_QUOTA_ADDRESS", Text),
    key("quotas.unsolicited", "NINSHO_QUOTA_UNSOLICITED", Text),
    key("throttle.account_free", "NINSHO_THROTTLE_ACCOUNT_FREE", Number),
    key("throttle.address_free", "NINSHO_THROTTLE_ADDRESS_FREE", Number),
    key("limits.hash_max_wait_ms", "NINSHO_HASH_MAX_WAIT_MS", Number),
    key("limits.max_clock_skew_ms", "NINSHO_MAX_CLOCK_SKEW_MS", Number),
    key("limits.request_timeout_secs", "NINSHO_REQUEST_TIMEOUT_SECS", Number),
    secret("smtp.url", "NINSHO_SMTP_URL", Secrecy::UrlWithPassword),
    key("smtp.from", "NINSHO_SMTP_FROM", Text),
    key("smtp.username", "NINSHO_SMTP_USERNAME", Text),
    secret("smtp.password", "NINSHO_SMTP_PASSWORD", Secrecy::Secret),
    key("kannel.url", "NINSHO_KANNEL_URL", Text),
    key("kannel.username", "NINSHO_KANNEL_USERNAME", Text),
    secret("kannel.password", "NINSHO_KANNEL_PASSWORD", Secrecy::Secret),
    key("sms.from", "NINSHO_SMS_FROM", Text),
    key("sms.webhook_url", "NINSHO_SMS_WEBHOOK_URL", Text),
    key("sms.allowed_countries", "NINSHO_SMS_ALLOWED_COUNTRIES", List),
    key("sms.prefix_digits", "NINSHO_SMS_PREFIX_DIGITS", Number),
    key("sms.prefix_floor_per_hour", "NINSHO_SMS_PREFIX_FLOOR_PER_HOUR", Number),
    key("sms.country_floor_per_hour", "NINSHO_SMS_COUNTRY_FLOOR_PER_HOUR", Number),
    key("sms.baseline_multiplier", "NINSHO_SMS_BASELINE_MULTIPLIER", Number),
    key("sms.baseline_hours", "NINSHO_SMS_BASELINE_HOURS", Number),
    key("sms.pause_secs", "NINSHO_SMS_PAUSE_SECS", Number),
    key("sms.budget_per_hour", "NINSHO_SMS_BUDGET_PER_HOUR", Number),
    key("voice.webhook_url", "NINSHO_VOICE_WEBHOOK_URL", Text),
    secret("webhook.secret", "NINSHO_WEBHOOK_SECRET", Secrecy::Secret),
    key("webhook.timeout_secs", "NINSHO_WEBHOOK_TIMEOUT_SECS", Number),
    key("official.email_domains", "NINSHO_OFFICIAL_EMAIL_DOMAINS", List),
    key("official.link_domains", "NINSHO_OFFICIAL_LINK_DOMAINS", List),
    key("audit.checkpoint_every_secs", "NINSHO_AUDIT_CHECKPOINT_EVERY_SECS", Number),
    key("event_webhooks.retry_base_secs", "NINSHO_EVENT_WEBHOOKS_RETRY_BASE_SECS", Number),
    key("event_webhooks.retry_max_secs", "NINSHO_EVENT_WEBHOOKS_RETRY_MAX_SECS", Number),
    key("event_webhooks.give_up_after_secs", "NINSHO_EVENT_WEBHOOKS_GIVE_UP_AFTER_SECS", Number),
    key("event_webhooks.timeout_secs", "NINSHO_EVENT_WEBHOOKS_TIMEOUT_SECS", Number),
    key("event_webhooks.lease_secs", "NINSHO_EVENT_WEBHOOKS_LEASE_SECS", Number),
    key("deliveries.amount_thresholds", "NINSHO_DELIVERIES_AMOUNT_THRESHOLDS", List),
    key("deliveries.categories", "NINSHO_DELIVERIES_CATEGORIES", List),
    key("deliveries.code_categories", "NINSHO_DELIVERIES_CODE_CATEGORIES", List),
    key("deliveries.exempt_categories", "NINSHO_DELIVERIES_EXEMPT_CATEGORIES", List),
    key("deliveries.address_change_days", "NINSHO_DELIVERIES_ADDRESS_CHANGE_DAYS", Number),
    key("deliveries.code_countries", "NINSHO_DELIVERIES_CODE_COUNTRIES", List),
    key("deliveries.max_attempts", "NINSHO_DELIVERIES_MAX_ATTEMPTS", Number),
    key("oidc.signing_alg", "NINSHO_OIDC_SIGNING_ALG", Text),
    key("oidc.id_token_secs", "NINSHO_OIDC_ID_TOKEN_SECS", Number),
    key("oidc.access_token_secs", "NINSHO_OIDC_ACCESS_TOKEN_SECS", Number),
];

/// Variables of ours that are not settings: the file's own name.
pub const CONFIG_ENV: &str = "NINSHO_CONFIG";

pub fn by_path(path: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.path == path)
}

/// The sections of the file (`[log]`, `[smtp]`, …).
pub fn is_section(name: &str) -> bool {
    KEYS.iter().any(|k| k.path.split_once('.').is_some_and(|(s, _)| s == name))
}

impl Key {
    pub fn file_env(&self) -> Option<String> {
        (self.secrecy != Secrecy::Public).then(|| format!("{}_FILE", self.env))
    }
}

/// The closest of `candidates` to `word`, if it is close enough to be a typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    let limit = (word.chars().count() / 3).max(2);
    candidates.into_iter().map(|c| (edit_distance(&word, &c.to_ascii_lowercase()), c)).filter(|(d, _)| *d <= limit).min_by_key(|(d, _)| *d).map(|(_, c)| c)
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_variables_are_ours() {
        let mut paths: Vec<_> = KEYS.iter().map(|k| k.path).collect();
        let mut envs: Vec<_> = KEYS.iter().map(|k| k.env).collect();
        paths.sort();
        paths.dedup();
        envs.sort();
        envs.dedup();
        assert_eq!((paths.len(), envs.len()), (KEYS.len(), KEYS.len()));
        assert!(KEYS.iter().all(|k| k.env.starts_with("NINSHO_") && k.env != CONFIG_ENV));
    }

    #[test]
    fn typos_find_their_key() {
        let paths = || KEYS.iter().map(|k| k.path);
        assert_eq!(did_you_mean("lisen", paths()), Some("listen"));
        assert_eq!(did_you_mean("log.fromat", paths()), Some("log.format"));
        assert_eq!(did_you_mean("smtp.pasword", paths()), Some("smtp.password"));
        assert_eq!(did_you_mean("colour", paths()), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
