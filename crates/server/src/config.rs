//! Settings: defaults, overridden by `NINSHO_…` environment variables or flags (clap
//! reads both), secrets also from `*_FILE`. `ninsho serve` with none of them runs on
//! an SQLite file under `./ninsho-data/` with a generated master key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use ninsho_delivery::DispatchConfig;
use ninsho_domain::config::Quota;
use ninsho_domain::crypto::{KeyRing, generate_master_key};
use ninsho_domain::ports::{Clock, SystemClock};
use ninsho_domain::Policy;
use secrecy::{ExposeSecret, SecretString};

/// The sender of e-mail and the number of SMS when the operator names none.
pub const DEFAULT_MAIL_FROM: &str = "ninsho <no-reply@localhost>";
pub const DEFAULT_SMS_FROM: &str = "+815053704545";

#[derive(Clone)]
pub struct Config {
    pub listen: SocketAddr,
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
}

impl Config {
    /// Everything at its default, for a given address and database.
    pub fn new(listen: SocketAddr, database_url: Option<String>, data_dir: PathBuf) -> Config {
        let database_url = database_url.unwrap_or_else(|| format!("sqlite://{}", data_dir.join("ninsho.db").display()));
        let policy = Policy::default();
        let official = ninsho_domain::authenticity::OfficialSenders::derived(&policy.public_url, DEFAULT_MAIL_FROM, DEFAULT_SMS_FROM);
        Config {
            listen,
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
            body_timeout: std::time::Duration::from_secs(10),
            clock: Arc::new(SystemClock),
            dispatch: DispatchConfig::default(),
            official,
            geoip_db: None,
            audit_checkpoint_every: std::time::Duration::from_secs(3600),
        }
    }

    /// The key ring from the configured master key, or from `data_dir/master.key`,
    /// generated there (mode 0600) on first run.
    pub fn key_ring(&self) -> anyhow::Result<KeyRing> {
        if let Some(k) = &self.master_key {
            return KeyRing::from_hex(k.expose_secret()).map_err(|e| anyhow::anyhow!("NINSHO_MASTER_KEY: {e}"));
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
    let (l, w) = s.split_once('/').context("a quota is LIMIT/WINDOW_SECONDS, e.g. 10/86400")?;
    let limit: i64 = l.trim().parse().context("quota limit is not a number")?;
    let window_secs: i64 = w.trim().parse().context("quota window is not a number of seconds")?;
    if limit < 1 || window_secs < 1 {
        bail!("quota limit and window must be at least 1");
    }
    Ok(Quota { limit, window_secs })
}
