//! What a running instance works with: the loaded settings (`crate::settings`) checked
//! and turned into live objects (providers, the clock, the policy). `ninsho serve` with
//! no settings at all runs on an SQLite file under `./ninsho-data/` with a generated
//! master key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use ninsho_delivery::providers::{kannel::KannelProvider, smtp::SmtpProvider, webhook::WebhookProvider};
use ninsho_delivery::Provider;
use ninsho_delivery::DispatchConfig;
use ninsho_domain::config::Quota;
use ninsho_domain::crypto::{KeyRing, generate_master_key};
use ninsho_domain::ports::{Clock, SystemClock};
use ninsho_domain::Policy;
use ninsho_domain::zone::TimeZoneName;
use secrecy::{ExposeSecret, SecretString};

pub use crate::settings::{DEFAULT_MAIL_FROM, DEFAULT_SMS_FROM};
use crate::settings::{ConfigError, ConfigErrors, Loaded, Secret};

#[derive(Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// Where `/metrics` is served (Prometheus text), apart from the public listener so
    /// it is never exposed by accident; `None` (the default) serves no metrics.
    pub metrics_listen: Option<SocketAddr>,
    /// `/health/ready` fails once the oldest due, undelivered outbox message has waited
    /// longer than this: no dispatcher is sending.
    pub outbox_stuck_after: std::time::Duration,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub master_key: Option<SecretString>,
    pub policy: Policy,
    pub default_region: String,
    /// Which provider sends each channel; the development inbox by default.
    pub providers: ninsho_delivery::Providers,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded: bool,
    pub hash_parallelism: usize,
    /// A sign-in whose password hash would wait longer than this is refused at once (503).
    pub hash_max_wait: std::time::Duration,
    pub max_body_bytes: usize,
    /// Past this difference from the database's clock the instance issues and checks
    /// no code (F-OPS-7); the clocks are compared at start and every `clock_check_every`.
    pub max_clock_skew: std::time::Duration,
    pub clock_check_every: std::time::Duration,
    /// How often an instance looks for account locks (F-OFF-5) and pauses of 2SV
    /// (F-OFF-2) whose time has come, to tell their owners and record the end. Both end
    /// on time anyway.
    pub lock_sweep_every: std::time::Duration,
    /// A request head must arrive within this (F-OPS-7: slow-header clients).
    pub header_timeout: std::time::Duration,
    /// A request body may pause at most this long between two pieces.
    pub body_timeout: std::time::Duration,
    pub clock: Arc<dyn Clock>,
    pub dispatch: DispatchConfig,
    /// The shop's official senders and sites, for "is this message from us?" (F-MSG-3).
    pub official: ninsho_domain::authenticity::OfficialSenders,
    /// A MaxMind DB file (City or Country) that names the place of client addresses in
    /// the device list and history; without one, places are left out.
    pub geoip_db: Option<PathBuf>,
    /// How often the security log's head is signed into it (F-OPS-6); an instance skips
    /// its turn when another wrote a checkpoint within the period.
    pub audit_checkpoint_every: std::time::Duration,
    /// F-INT-4: retries, timeout and lease of event webhook deliveries.
    pub webhooks: ninsho_delivery::WebhookConfig,
}

impl Config {
    /// Everything at its default, for a given address and database.
    pub fn new(listen: SocketAddr, database_url: Option<String>, data_dir: PathBuf) -> Config {
        let database_url = database_url.unwrap_or_else(|| format!("sqlite://{}", data_dir.join("ninsho.db").display()));
        let policy = Policy::default();
        let official = ninsho_domain::authenticity::OfficialSenders::derived(&policy.public_url, DEFAULT_MAIL_FROM, DEFAULT_SMS_FROM);
        Config {
            listen,
            metrics_listen: None,
            outbox_stuck_after: std::time::Duration::from_secs(10 * 60),
            database_url,
            data_dir: data_dir.clone(),
            master_key: None,
            policy,
            default_region: "JP".into(),
            providers: ninsho_delivery::Providers { dev_voice_dir: Some(data_dir.join("dev-voice")), ..ninsho_delivery::Providers::dev() },
            trust_forwarded: false,
            hash_parallelism: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            hash_max_wait: std::time::Duration::from_secs(1),
            max_body_bytes: 16 * 1024,
            header_timeout: std::time::Duration::from_secs(10),
            max_clock_skew: std::time::Duration::from_secs(2),
            clock_check_every: std::time::Duration::from_secs(60),
            lock_sweep_every: std::time::Duration::from_secs(30),
            body_timeout: std::time::Duration::from_secs(10),
            clock: Arc::new(SystemClock),
            dispatch: DispatchConfig::default(),
            official,
            geoip_db: None,
            audit_checkpoint_every: std::time::Duration::from_secs(3600),
            webhooks: ninsho_delivery::WebhookConfig::default(),
        }
    }

    /// Checks the loaded settings and builds what they describe. Every problem is
    /// reported, one line each, naming the key and where its value came from.
    pub fn from_settings(loaded: &Loaded) -> Result<Config, ConfigErrors> {
        let s = &loaded.settings;
        let mut errors = Vec::new();
        let mut bad = |key: &str, message: String| errors.push(ConfigError::new(key, message, Some(loaded.origin(key))));
        let mut c = Config::new(s.listen, s.database_url.as_ref().map(|u| u.0.expose_secret().to_string()), s.data_dir.clone());
        c.master_key = s.master_key.as_ref().map(|k| k.0.clone());
        c.policy.public_url = s.public_url.clone().unwrap_or_else(|| format!("http://{}", s.listen));
        c.policy.origin_host = url_host(&c.policy.public_url);
        c.policy.issuer = s.issuer.clone();
        c.policy.support_contact = s.support_contact.clone().filter(|v| !v.trim().is_empty()).unwrap_or_else(|| c.policy.public_url.clone());
        c.default_region = s.default_region.clone();
        c.trust_forwarded = s.trust_forwarded;
        if let Err(e) = crate::logging::check_filter(&s.log.filter) {
            bad("log.filter", e);
        }

        let codes = &s.codes;
        if codes.ttl_secs < 30 {
            bad("codes.ttl_secs", "must be at least 30 (seconds)".into());
        }
        if codes.max_attempts < 1 {
            bad("codes.max_attempts", "must be at least 1".into());
        }
        if !(1..=100).contains(&codes.method_failure_ceiling) {
            bad("codes.method_failure_ceiling", "must be from 1 to 100".into());
        }
        c.policy.codes.sent_code_ttl_secs = codes.ttl_secs;
        c.policy.codes.max_attempts_per_challenge = codes.max_attempts;
        c.policy.codes.method_failure_ceiling = codes.method_failure_ceiling;
        for (key, text, slot) in [
            ("quotas.account", &s.quotas.account, &mut c.policy.quotas.per_account),
            ("quotas.destination", &s.quotas.destination, &mut c.policy.quotas.per_destination),
            ("quotas.address", &s.quotas.address, &mut c.policy.quotas.per_address),
            ("quotas.unsolicited", &s.quotas.unsolicited, &mut c.policy.quotas.unsolicited),
        ] {
            match parse_quota(text) {
                Ok(q) => *slot = q,
                Err(e) => bad(key, e.to_string()),
            }
        }
        for (key, value) in [("throttle.account_free", s.throttle.account_free), ("throttle.address_free", s.throttle.address_free)] {
            if value < 1 {
                bad(key, "must be at least 1".into());
            }
        }
        c.policy.throttle.account_free = s.throttle.account_free;
        match sms_policy(&s.sms, &s.default_region) {
            Ok(p) => c.policy.sms = p,
            Err(errs) => {
                for (key, why) in errs {
                    bad(key, why);
                }
            }
        }
        c.policy.throttle.address_free = s.throttle.address_free;
        if s.limits.request_timeout_secs < 1 {
            bad("limits.request_timeout_secs", "must be at least 1".into());
        }
        c.hash_max_wait = std::time::Duration::from_millis(s.limits.hash_max_wait_ms);
        c.max_clock_skew = std::time::Duration::from_millis(s.limits.max_clock_skew_ms);
        c.header_timeout = std::time::Duration::from_secs(s.limits.request_timeout_secs);
        c.body_timeout = std::time::Duration::from_secs(s.limits.request_timeout_secs);
        if let Some(z) = &s.default_time_zone {
            match TimeZoneName::parse(z) {
                Ok(z) => c.policy.default_time_zone = Some(z),
                Err(_) => bad("default_time_zone", format!("{z:?} is not a time zone of the IANA database, e.g. Asia/Tokyo")),
            }
        }
        if let Some(path) = &s.geoip_db {
            // Read whole at start (`App::services`); here only whether it can be opened.
            if let Err(e) = std::fs::File::open(path) {
                bad("geoip_db", format!("cannot read {}: {e}", path.display()));
            }
            c.geoip_db = Some(path.clone());
        }
        c.metrics_listen = s.metrics.listen;
        if s.health.outbox_stuck_secs < 1 {
            bad("health.outbox_stuck_secs", "must be at least 1".into());
        }
        c.outbox_stuck_after = std::time::Duration::from_secs(s.health.outbox_stuck_secs);
        if s.audit.checkpoint_every_secs < 60 {
            bad("audit.checkpoint_every_secs", "must be at least 60".into());
        }
        c.audit_checkpoint_every = std::time::Duration::from_secs(s.audit.checkpoint_every_secs);
        match delivery_rules(&s.deliveries) {
            Ok(r) => c.policy.deliveries = r,
            Err(errs) => {
                for (key, why) in errs {
                    bad(key, why);
                }
            }
        }
        match ninsho_domain::oidc::SigningAlg::parse(&s.oidc.signing_alg) {
            Some(alg) => c.policy.oidc.signing_alg = alg,
            None => bad("oidc.signing_alg", "must be ES256 or EdDSA".into()),
        }
        for (key, value) in [("oidc.id_token_secs", s.oidc.id_token_secs), ("oidc.access_token_secs", s.oidc.access_token_secs)] {
            if !(60..=86_400).contains(&value) {
                bad(key, "must be 60 to 86400 seconds".into());
            }
        }
        c.policy.oidc.id_token_secs = s.oidc.id_token_secs;
        c.policy.oidc.access_token_secs = s.oidc.access_token_secs;
        let hooks = &s.event_webhooks;
        for (key, value) in [("event_webhooks.retry_base_secs", hooks.retry_base_secs), ("event_webhooks.give_up_after_secs", hooks.give_up_after_secs), ("event_webhooks.timeout_secs", hooks.timeout_secs)] {
            if value < 1 {
                bad(key, "must be at least 1".into());
            }
        }
        if hooks.retry_max_secs < hooks.retry_base_secs {
            bad("event_webhooks.retry_max_secs", "must be at least event_webhooks.retry_base_secs".into());
        }
        if hooks.lease_secs <= hooks.timeout_secs {
            bad("event_webhooks.lease_secs", "must be more than event_webhooks.timeout_secs: a delivery still being sent must not be taken again".into());
        }
        let ms = |secs: u64| i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        c.webhooks.retry_base_ms = ms(hooks.retry_base_secs);
        c.webhooks.retry_max_ms = ms(hooks.retry_max_secs);
        c.webhooks.give_up_after_ms = ms(hooks.give_up_after_secs);
        c.webhooks.timeout = std::time::Duration::from_secs(hooks.timeout_secs);
        c.webhooks.lease_ms = ms(hooks.lease_secs);
        if let Err((key, e)) = providers(s, &mut c) {
            bad(key, e);
        }
        if errors.is_empty() { Ok(c) } else { Err(ConfigErrors(errors)) }
    }

    /// The key ring from the configured master key, or from `data_dir/master.key`,
    /// generated there (mode 0600) on first run.
    pub fn key_ring(&self) -> anyhow::Result<KeyRing> {
        if let Some(k) = &self.master_key {
            return KeyRing::from_hex(k.expose_secret().trim()).map_err(|e| anyhow::anyhow!("master_key: {e}"));
        }
        let path = self.data_dir.join("master.key");
        if path.exists() {
            let hex = SecretString::from(std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?);
            return KeyRing::from_hex(hex.expose_secret()).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()));
        }
        let key = generate_master_key()?;
        write_private(&path, data_encoding::HEXLOWER.encode(key.as_slice()))?;
        tracing::warn!(path = %path.display(), "generated a new master key; back it up: without it, stored secrets cannot be read");
        Ok(KeyRing::new(*key))
    }
}

/// The providers the settings name; a channel with none goes to the dev inbox.
fn providers(s: &crate::settings::Settings, c: &mut Config) -> Result<(), (&'static str, String)> {
    let expose = |x: &Secret| x.0.clone();
    if let Some(url) = &s.smtp.url {
        let login = match (&s.smtp.username, &s.smtp.password) {
            (Some(u), Some(p)) => Some((u.as_str(), &p.0)),
            (None, None) => None,
            (Some(_), None) => return Err(("smtp.password", "smtp.username is set, its password is not".into())),
            (None, Some(_)) => return Err(("smtp.username", "smtp.password is set, the user name is not".into())),
        };
        c.providers.email = Provider::Smtp(SmtpProvider::from_url_and_login(url.0.expose_secret(), &s.smtp.from, login).map_err(|e| ("smtp.url", e))?);
    }
    let timeout = std::time::Duration::from_secs(s.webhook.timeout_secs.max(1));
    let webhook_secret = || s.webhook.secret.as_ref().map(expose).ok_or(("webhook.secret", "an SMS or voice webhook is configured: it needs a secret to sign its requests".to_string()));
    if let Some(url) = &s.kannel.url {
        let pw = s.kannel.password.as_ref().map(expose).ok_or(("kannel.password", "kannel.url is set: Kannel needs its password".to_string()))?;
        c.providers.sms = Provider::Kannel(KannelProvider::new(url, &s.kannel.username, pw, &s.sms.from).map_err(|e| ("kannel.url", e.to_string()))?);
    } else if let Some(url) = &s.sms.webhook_url {
        c.providers.sms = Provider::Webhook(WebhookProvider::new(url, webhook_secret()?, &s.sms.from, timeout).map_err(|e| ("sms.webhook_url", e.to_string()))?);
    }
    if let Some(url) = &s.voice.webhook_url {
        c.providers.voice = Provider::Webhook(WebhookProvider::new(url, webhook_secret()?, &s.sms.from, timeout).map_err(|e| ("voice.webhook_url", e.to_string()))?);
    }
    // Unless named, the official senders are the ones this server sends from and links
    // to, so its own messages are genuine to it (F-MSG-3).
    c.official = ninsho_domain::authenticity::OfficialSenders::derived(&c.policy.public_url, &s.smtp.from, &s.sms.from);
    let lower = |v: &Vec<String>| v.iter().map(|x| x.trim().to_lowercase()).filter(|x| !x.is_empty()).collect();
    if let Some(d) = &s.official.email_domains {
        c.official.email_domains = lower(d);
    }
    if let Some(d) = &s.official.link_domains {
        c.official.link_domains = lower(d);
    }
    Ok(())
}

/// The host of a URL, without its port.
pub fn url_host(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let host_port = rest.split('/').next().unwrap_or(rest);
    host_port.rsplit_once(':').filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit())).map(|(h, _)| h).unwrap_or(host_port).to_string()
}

/// Creates a file only its owner can read; refuses to overwrite one.
pub(crate) fn write_private(path: &Path, contents: impl AsRef<[u8]>) -> anyhow::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).with_context(|| format!("creating {}", path.display()))?;
    f.write_all(contents.as_ref())?;
    f.sync_all()?;
    Ok(())
}

/// For operators (CLI, start-up): a domain error with its internal detail, which the
/// HTTP API never shows.
pub fn operator_error(e: ninsho_domain::Error) -> anyhow::Error {
    match e {
        ninsho_domain::Error::Internal(detail) => anyhow::anyhow!(detail),
        other => anyhow::anyhow!("{other}"),
    }
}

/// Parses `LIMIT/WINDOW_SECS`, e.g. `10/86400`.
pub fn parse_quota(s: &str) -> anyhow::Result<Quota> {
    let (l, w) = s.split_once('/').with_context(|| format!("{s:?}: a quota is LIMIT/WINDOW_SECONDS, e.g. 10/86400"))?;
    let limit: i64 = l.trim().parse().context("quota limit is not a number")?;
    let window_secs: i64 = w.trim().parse().context("quota window is not a number of seconds")?;
    if limit < 1 || window_secs < 1 {
        bail!("quota limit and window must be at least 1");
    }
    Ok(Quota { limit, window_secs })
}

/// F-LIMIT-4: the toll-fraud limits from `[sms]`, or what is wrong with them.
fn sms_policy(s: &crate::settings::Sms, default_region: &str) -> Result<ninsho_domain::config::SmsPolicy, Vec<(&'static str, String)>> {
    let mut errs = Vec::new();
    let countries = s.allowed_countries.clone().unwrap_or_else(|| vec![default_region.to_string()]);
    let countries: Vec<String> = countries.iter().map(|c| c.trim().to_ascii_uppercase()).filter(|c| !c.is_empty()).collect();
    if let Some(c) = countries.iter().find(|c| !ninsho_domain::phone::is_region(c)) {
        errs.push(("sms.allowed_countries", format!("{c:?} is not an ISO 3166 two-letter code such as JP")));
    }
    if !(1..=6).contains(&s.prefix_digits) {
        errs.push(("sms.prefix_digits", "must be 1 to 6".into()));
    }
    for (key, value) in [
        ("sms.prefix_floor_per_hour", s.prefix_floor_per_hour),
        ("sms.country_floor_per_hour", s.country_floor_per_hour),
        ("sms.baseline_hours", s.baseline_hours),
        ("sms.pause_secs", s.pause_secs),
        ("sms.budget_per_hour", s.budget_per_hour),
    ] {
        if value < 1 {
            errs.push((key, "must be at least 1".into()));
        }
    }
    if s.baseline_multiplier < 0 {
        errs.push(("sms.baseline_multiplier", "must be 0 or more".into()));
    }
    if s.baseline_hours > 24 * 28 {
        errs.push(("sms.baseline_hours", "must be at most 672 (four weeks)".into()));
    }
    let policy = ninsho_domain::config::SmsPolicy {
        allowed_countries: countries,
        prefix_digits: usize::try_from(s.prefix_digits).unwrap_or(1),
        prefix_floor: s.prefix_floor_per_hour,
        country_floor: s.country_floor_per_hour,
        multiplier: s.baseline_multiplier,
        baseline_hours: s.baseline_hours,
        pause_secs: s.pause_secs,
        budget_per_hour: s.budget_per_hour,
    };
    if errs.is_empty() { Ok(policy) } else { Err(errs) }
}

/// F-DLV-1: the delivery-code rules from `[deliveries]`, or what is wrong with them.
fn delivery_rules(d: &crate::settings::Deliveries) -> Result<ninsho_domain::delivery_rules::DeliveryRules, Vec<(&'static str, String)>> {
    use ninsho_domain::money::{Currency, Money};
    let mut errs = Vec::new();
    let mut thresholds = Vec::new();
    for t in &d.amount_thresholds {
        let parsed = t.trim().split_once(' ').and_then(|(amount, code)| Currency::parse(code.trim()).and_then(|c| Money::parse(amount, c).ok()));
        match parsed {
            Some(m) => thresholds.push(m),
            None => errs.push(("deliveries.amount_thresholds", format!("{t:?} is not an amount and a currency such as \"100000 JPY\""))),
        }
    }
    let country_ok = |c: &String| c.len() == 2 && c.chars().all(|x| x.is_ascii_uppercase());
    if let Some(c) = d.code_countries.iter().find(|c| !country_ok(c)) {
        errs.push(("deliveries.code_countries", format!("{c:?} is not an ISO 3166 two-letter code such as CN")));
    }
    if !(1..=100).contains(&d.max_attempts) {
        errs.push(("deliveries.max_attempts", "must be 1 to 100".into()));
    }
    if d.address_change_days < 0 {
        errs.push(("deliveries.address_change_days", "must be 0 or more".into()));
    }
    let rules = ninsho_domain::delivery_rules::DeliveryRules {
        thresholds,
        categories: d.categories.clone(),
        code_categories: d.code_categories.clone(),
        exempt_categories: d.exempt_categories.clone(),
        address_change_days: d.address_change_days,
        code_countries: d.code_countries.clone(),
        max_attempts: d.max_attempts,
    };
    errs.extend(rules.problems().into_iter().map(|p| ("deliveries.categories", p)));
    if errs.is_empty() { Ok(rules) } else { Err(errs) }
}
