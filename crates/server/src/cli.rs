//! The command line: `serve`, `migrate`, `admin limits release`, `admin resets …`,
//! `bench`. Every
//! failure is one line on stderr and a non-zero exit.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use ninsho_domain::service::LimitTarget;
use ninsho_domain::zone::TimeZoneName;
use secrecy::SecretString;

use crate::config::{Config, parse_quota};

#[derive(Parser)]
#[command(name = "ninsho", version, about = "Account security: sign-in with two-step verification, one-time codes, devices")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(Box<ServeArgs>),
    /// Apply database migrations and exit.
    Migrate(CommonArgs),
    /// Support and operator tasks.
    Admin {
        #[command(subcommand)]
        what: Admin,
    },
    /// Measure throughput on this machine (SQLite, and PostgreSQL if reachable).
    Bench(crate::bench::BenchArgs),
}

#[derive(Subcommand)]
enum Admin {
    /// Send limits (F-LIMIT-2).
    Limits {
        #[command(subcommand)]
        what: Limits,
    },
    /// 2SV reset requests of locked-out users (F-OFF-3/4).
    Resets {
        #[command(subcommand)]
        what: Resets,
    },
    /// What shoppers wrote after turning 2SV off, newest first (one JSON object a line).
    Feedback {
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// The tamper-evident security log (F-OPS-6): verify, checkpoint, public-key.
    Audit {
        #[command(subcommand)]
        what: crate::audit::AuditCommand,
    },
}

#[derive(Subcommand)]
enum Resets {
    /// The review queue (pending by default).
    List {
        #[arg(long, default_value = "pending")]
        status: String,
        #[command(flatten)]
        settings: Box<ServeArgs>,
    },
    /// Writes a pending request's identity document to a file only you can read, by
    /// default `DATA_DIR/review/ID.EXT`; the decision deletes that file.
    Document {
        id: String,
        #[arg(long)]
        reviewer: String,
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        settings: Box<ServeArgs>,
    },
    /// Approve: two-step verification goes off and the password alone signs in.
    Approve {
        id: String,
        #[arg(long)]
        reviewer: String,
        #[command(flatten)]
        settings: Box<ServeArgs>,
    },
    /// Reject, with the reason the user is told.
    Reject {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        reviewer: String,
        #[command(flatten)]
        settings: Box<ServeArgs>,
    },
}

#[derive(Subcommand)]
enum Limits {
    /// Lift a send limit after checking the person's identity.
    Release(ReleaseArgs),
}

#[derive(Args)]
#[group(required = true, multiple = false)]
struct ReleaseTarget {
    /// The account's e-mail address.
    #[arg(long)]
    account: Option<String>,
    /// A phone number or e-mail address codes are sent to.
    #[arg(long)]
    destination: Option<String>,
    /// A client IP address.
    #[arg(long)]
    address: Option<String>,
    /// Every limit.
    #[arg(long)]
    all: bool,
}

#[derive(Args)]
struct ReleaseArgs {
    #[command(flatten)]
    target: ReleaseTarget,
    #[command(flatten)]
    settings: Box<ServeArgs>,
}

#[derive(Args, Clone)]
pub struct CommonArgs {
    /// sqlite://FILE or postgres://… (default: an SQLite file in the data directory).
    #[arg(long, env = "NINSHO_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Where the SQLite file and the generated master key live.
    #[arg(long, env = "NINSHO_DATA_DIR", default_value = "./ninsho-data")]
    pub data_dir: PathBuf,
    /// 64 hex digits; generated into the data directory when absent.
    #[arg(long, env = "NINSHO_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<String>,
    /// A file holding the master key.
    #[arg(long, env = "NINSHO_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
    /// Log format: json (default) or text.
    #[arg(long, env = "NINSHO_LOG_FORMAT", default_value = "json")]
    pub log_format: String,
    /// Log filter, e.g. info or ninsho=debug.
    #[arg(long, env = "NINSHO_LOG", default_value = "info")]
    pub log: String,
}

/// What `serve` reads. Every `admin` command reads it too: the messages an admin
/// command triggers (a reset approved, a limit lifted) must link to the same public
/// URL and name the same shop as those the server sends itself.
#[derive(Args)]
struct ServeArgs {
    #[arg(long, env = "NINSHO_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[command(flatten)]
    common: CommonArgs,
    /// The public base URL, for links in messages.
    #[arg(long, env = "NINSHO_PUBLIC_URL")]
    public_url: Option<String>,
    /// The name messages and authenticator apps show.
    #[arg(long, env = "NINSHO_ISSUER", default_value = "ninsho")]
    issuer: String,
    /// Region for phone numbers typed without a country code.
    #[arg(long, env = "NINSHO_DEFAULT_REGION", default_value = "JP")]
    default_region: String,
    /// Trust X-Forwarded-For (only behind your own proxy).
    #[arg(long, env = "NINSHO_TRUST_FORWARDED")]
    trust_forwarded: bool,
    /// Sent code validity, seconds.
    #[arg(long, env = "NINSHO_CODE_TTL_SECS", default_value_t = 600)]
    code_ttl_secs: i64,
    /// Wrong codes before a challenge is dead.
    #[arg(long, env = "NINSHO_MAX_ATTEMPTS", default_value_t = 5)]
    max_attempts: i64,
    /// Consecutive failures before a method is disabled (at most 100).
    #[arg(long, env = "NINSHO_METHOD_FAILURE_CEILING", default_value_t = 100)]
    method_failure_ceiling: i64,
    /// Sends per account: LIMIT/WINDOW_SECONDS.
    #[arg(long, env = "NINSHO_QUOTA_ACCOUNT", default_value = "10/86400")]
    quota_account: String,
    /// Sends per destination: LIMIT/WINDOW_SECONDS.
    #[arg(long, env = "NINSHO_QUOTA_DESTINATION", default_value = "10/86400")]
    quota_destination: String,
    /// Sends per client address: LIMIT/WINDOW_SECONDS.
    #[arg(long, env = "NINSHO_QUOTA_ADDRESS", default_value = "50/3600")]
    quota_address: String,
    /// Free wrong passwords per e-mail address, then delays doubling from 1 s to 15 min.
    #[arg(long, env = "NINSHO_THROTTLE_ACCOUNT_FREE", default_value_t = 5)]
    throttle_account_free: i64,
    /// Free wrong passwords per client address, then the same delays.
    #[arg(long, env = "NINSHO_THROTTLE_ADDRESS_FREE", default_value_t = 30)]
    throttle_address_free: i64,
    /// A sign-in whose password hash would wait longer than this is refused at once (503).
    #[arg(long, env = "NINSHO_HASH_MAX_WAIT_MS", default_value_t = 1000)]
    hash_max_wait_ms: u64,
    /// Past this difference from the database's clock no code is issued or checked.
    #[arg(long, env = "NINSHO_MAX_CLOCK_SKEW_MS", default_value_t = 2000)]
    max_clock_skew_ms: u64,
    /// A request head must arrive within this, a body may pause at most this long.
    #[arg(long, env = "NINSHO_REQUEST_TIMEOUT_SECS", default_value_t = 10)]
    request_timeout_secs: u64,
    /// The time zone (IANA name, e.g. Asia/Tokyo) of accounts that chose none; unset,
    /// each account's language decides (ja: Asia/Tokyo, zh: Asia/Shanghai, fr:
    /// Europe/Paris, en: UTC).
    #[arg(long, env = "NINSHO_DEFAULT_TIME_ZONE")]
    default_time_zone: Option<String>,
    /// A MaxMind DB file (GeoIP2/GeoLite2 City or Country) naming where client
    /// addresses are; without it, places are left out.
    #[arg(long, env = "NINSHO_GEOIP_DB")]
    geoip_db: Option<PathBuf>,
    #[command(flatten)]
    delivery: DeliveryArgs,
}

/// Providers: a channel whose provider is not configured goes to the dev inbox.
#[derive(Args)]
struct DeliveryArgs {
    /// E-mail through SMTP: smtp://[user:pass@]host[:port], smtp+starttls://…, smtps://…
    #[arg(long, env = "NINSHO_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The From of e-mail, e.g. "Shop <no-reply@shop.example>".
    #[arg(long, env = "NINSHO_SMTP_FROM", default_value = crate::config::DEFAULT_MAIL_FROM)]
    smtp_from: String,
    /// SMS through a Kannel gateway's sendsms URL, e.g. http://127.0.0.1:13013/cgi-bin/sendsms
    #[arg(long, env = "NINSHO_KANNEL_URL")]
    kannel_url: Option<String>,
    #[arg(long, env = "NINSHO_KANNEL_USERNAME", default_value = "ninsho")]
    kannel_username: String,
    #[arg(long, env = "NINSHO_KANNEL_PASSWORD", hide_env_values = true)]
    kannel_password: Option<String>,
    /// The official sender number of SMS (and calls).
    #[arg(long, env = "NINSHO_SMS_FROM", default_value = crate::config::DEFAULT_SMS_FROM)]
    sms_from: String,
    /// SMS through an HTTP gateway webhook (when no Kannel URL is set).
    #[arg(long, env = "NINSHO_SMS_WEBHOOK_URL")]
    sms_webhook_url: Option<String>,
    /// Voice calls through an HTTP gateway webhook.
    #[arg(long, env = "NINSHO_VOICE_WEBHOOK_URL")]
    voice_webhook_url: Option<String>,
    /// The HMAC key webhook requests are signed with.
    #[arg(long, env = "NINSHO_WEBHOOK_SECRET", hide_env_values = true)]
    webhook_secret: Option<String>,
    /// Webhook timeout, seconds.
    #[arg(long, env = "NINSHO_WEBHOOK_TIMEOUT_SECS", default_value_t = 10)]
    webhook_timeout_secs: u64,
    /// Official e-mail domains, comma-separated (default: the SMTP From's domain).
    #[arg(long, env = "NINSHO_OFFICIAL_EMAIL_DOMAINS")]
    official_email_domains: Option<String>,
    /// Official link domains, comma-separated (default: the public URL's host).
    #[arg(long, env = "NINSHO_OFFICIAL_LINK_DOMAINS")]
    official_link_domains: Option<String>,
}

fn list(s: &str) -> Vec<String> {
    s.split(',').map(|x| x.trim().to_lowercase()).filter(|x| !x.is_empty()).collect()
}

impl DeliveryArgs {
    fn apply(&self, c: &mut Config) -> anyhow::Result<()> {
        use ninsho_delivery::Provider;
        use ninsho_delivery::providers::{kannel::KannelProvider, smtp::SmtpProvider, webhook::WebhookProvider};
        if let Some(url) = &self.smtp_url {
            c.providers.email = Provider::Smtp(SmtpProvider::from_url(url, &self.smtp_from).map_err(|e| anyhow::anyhow!("SMTP: {e}"))?);
        }
        let secret = || -> anyhow::Result<SecretString> {
            self.webhook_secret.clone().map(SecretString::from).ok_or_else(|| anyhow::anyhow!("a webhook needs NINSHO_WEBHOOK_SECRET"))
        };
        let timeout = std::time::Duration::from_secs(self.webhook_timeout_secs.max(1));
        if let Some(url) = &self.kannel_url {
            let pw = SecretString::from(self.kannel_password.clone().ok_or_else(|| anyhow::anyhow!("Kannel needs NINSHO_KANNEL_PASSWORD"))?);
            c.providers.sms = Provider::Kannel(KannelProvider::new(url, &self.kannel_username, pw, &self.sms_from).map_err(|e| anyhow::anyhow!("Kannel: {e}"))?);
        } else if let Some(url) = &self.sms_webhook_url {
            c.providers.sms = Provider::Webhook(WebhookProvider::new(url, secret()?, &self.sms_from, timeout).map_err(|e| anyhow::anyhow!("SMS webhook: {e}"))?);
        }
        if let Some(url) = &self.voice_webhook_url {
            c.providers.voice = Provider::Webhook(WebhookProvider::new(url, secret()?, &self.sms_from, timeout).map_err(|e| anyhow::anyhow!("voice webhook: {e}"))?);
        }
        // Unless named, the official senders are the ones this server sends from and
        // links to, so its own messages are genuine to it (F-MSG-3).
        c.official = ninsho_domain::authenticity::OfficialSenders::derived(&c.policy.public_url, &self.smtp_from, &self.sms_from);
        if let Some(d) = &self.official_email_domains {
            c.official.email_domains = list(d);
        }
        if let Some(d) = &self.official_link_domains {
            c.official.link_domains = list(d);
        }
        Ok(())
    }
}

impl CommonArgs {
    pub fn config(&self, listen: SocketAddr) -> anyhow::Result<Config> {
        let mut c = Config::new(listen, self.database_url.clone(), self.data_dir.clone());
        c.master_key = match (&self.master_key, &self.master_key_file) {
            (Some(k), _) => Some(SecretString::from(k.clone())),
            (None, Some(f)) => Some(SecretString::from(std::fs::read_to_string(f).map_err(|e| anyhow::anyhow!("reading {}: {e}", f.display()))?)),
            (None, None) => None,
        };
        Ok(c)
    }
}

fn serve_config(a: &ServeArgs) -> anyhow::Result<Config> {
    let mut c = a.common.config(a.listen)?;
    c.policy.public_url = a.public_url.clone().unwrap_or_else(|| format!("http://{}", a.listen));
    c.policy.origin_host = url_host(&c.policy.public_url);
    c.policy.issuer = a.issuer.clone();
    c.default_region = a.default_region.clone();
    c.trust_forwarded = a.trust_forwarded;
    if a.code_ttl_secs < 30 || a.max_attempts < 1 || !(1..=100).contains(&a.method_failure_ceiling) {
        anyhow::bail!("code TTL must be at least 30 s, attempts at least 1, the failure ceiling 1 to 100");
    }
    c.policy.codes.sent_code_ttl_secs = a.code_ttl_secs;
    c.policy.codes.max_attempts_per_challenge = a.max_attempts;
    c.policy.codes.method_failure_ceiling = a.method_failure_ceiling;
    c.policy.quotas.per_account = parse_quota(&a.quota_account)?;
    c.policy.quotas.per_destination = parse_quota(&a.quota_destination)?;
    c.policy.quotas.per_address = parse_quota(&a.quota_address)?;
    if a.throttle_account_free < 1 || a.throttle_address_free < 1 || a.request_timeout_secs < 1 {
        anyhow::bail!("the free password tries and the request timeout must be at least 1");
    }
    c.policy.throttle.account_free = a.throttle_account_free;
    c.policy.throttle.address_free = a.throttle_address_free;
    c.hash_max_wait = std::time::Duration::from_millis(a.hash_max_wait_ms);
    c.max_clock_skew = std::time::Duration::from_millis(a.max_clock_skew_ms);
    c.header_timeout = std::time::Duration::from_secs(a.request_timeout_secs);
    c.body_timeout = std::time::Duration::from_secs(a.request_timeout_secs);
    c.policy.default_time_zone = match &a.default_time_zone {
        Some(z) => Some(TimeZoneName::parse(z).map_err(|_| anyhow::anyhow!("NINSHO_DEFAULT_TIME_ZONE: {z:?} is not a time zone of the IANA database, e.g. Asia/Tokyo"))?),
        None => None,
    };
    c.geoip_db = a.geoip_db.clone();
    a.delivery.apply(&mut c)?;
    Ok(c)
}

fn url_host(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let host_port = rest.split('/').next().unwrap_or(rest);
    host_port.rsplit_once(':').filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit())).map(|(h, _)| h).unwrap_or(host_port).to_string()
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ninsho: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ninsho: {}", format!("{e:#}").lines().next().unwrap_or("error"));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(a) => {
            crate::logging::init(&a.common.log_format, &a.common.log);
            let running = crate::App::start(serve_config(&a)?).await?;
            shutdown_signal().await;
            tracing::info!("shutting down");
            running.shutdown().await;
            Ok(())
        }
        Command::Migrate(a) => {
            crate::logging::init(&a.log_format, &a.log);
            let c = a.config(SocketAddr::from(([127, 0, 0, 1], 0)))?;
            let db = ninsho_storage::Db::connect(&c.database_url).await.map_err(crate::config::operator_error)?;
            db.close().await;
            println!("migrations applied ({})", db.backend());
            Ok(())
        }
        Command::Admin { what: Admin::Limits { what: Limits::Release(r) } } => {
            crate::logging::init(&r.settings.common.log_format, "warn");
            let c = serve_config(&r.settings)?;
            let services = crate::App::services(&c).await?;
            let t = &r.target;
            let target = if let Some(a) = &t.account {
                LimitTarget::Account(a)
            } else if let Some(d) = &t.destination {
                LimitTarget::Destination(d)
            } else if let Some(a) = &t.address {
                LimitTarget::Address(a)
            } else {
                LimitTarget::All
            };
            let result = services.release_limits(target).await;
            services.store.close().await;
            let n = result.map_err(crate::config::operator_error)?;
            println!("released {n} limit(s)");
            Ok(())
        }
        Command::Admin { what: Admin::Resets { what } } => resets(what).await,
        Command::Admin { what: Admin::Feedback { limit, common } } => {
            crate::logging::init(&common.log_format, "warn");
            let c = common.config(SocketAddr::from(([127, 0, 0, 1], 0)))?;
            let services = crate::App::services(&c).await?;
            let result = services.feedback(limit).await;
            services.store.close().await;
            for (f, email) in result.map_err(crate::config::operator_error)? {
                let line = serde_json::json!({"at": crate::web::time::when_utc(f.at), "email": email, "topic": f.topic.as_str(), "text": f.text});
                println!("{line}");
            }
            Ok(())
        }
        Command::Admin { what: Admin::Audit { what } } => crate::audit::run(what).await,
        Command::Bench(a) => crate::bench::run(a).await,
    }
}

fn reset_id(s: &str) -> anyhow::Result<ninsho_domain::types::ResetRequestId> {
    uuid::Uuid::try_parse(s.trim()).map(ninsho_domain::types::ResetRequestId).map_err(|_| anyhow::anyhow!("not a request id: {s}"))
}

fn review_dir(c: &Config) -> PathBuf {
    c.data_dir.join("review")
}

/// The copies `resets document` wrote for this request: the document does not outlive
/// the decision.
fn remove_review_copies(c: &Config, id: &str) {
    if let Ok(entries) = std::fs::read_dir(review_dir(c)) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(id) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

async fn resets(what: Resets) -> anyhow::Result<()> {
    let settings = match &what {
        Resets::List { settings, .. } | Resets::Document { settings, .. } | Resets::Approve { settings, .. } | Resets::Reject { settings, .. } => settings,
    };
    crate::logging::init(&settings.common.log_format, "warn");
    let c = serve_config(settings)?;
    let services = crate::App::services(&c).await?;
    let result = async {
        let e = crate::config::operator_error;
        match &what {
            Resets::List { status, .. } => {
                let status = (status != "all").then_some(status.as_str());
                for (r, email) in services.reset_queue(status, 1000).await.map_err(e)? {
                    println!("{}\t{}\t{}\t{email}\t{}\t{} ({} bytes)", r.id, r.status, crate::web::time::when_utc(r.created_at), r.doc_type, r.doc_kind, r.doc_bytes);
                }
            }
            Resets::Document { id, reviewer, out, .. } => {
                let (view, doc) = services.reset_document(reset_id(id)?, reviewer).await.map_err(e)?;
                let path = out.clone().unwrap_or_else(|| review_dir(&c).join(format!("{}.{}", view.id, view.doc_kind)));
                crate::config::write_private(&path, &doc)?;
                println!("wrote {} ({}, {} bytes); it is deleted with the decision", path.display(), view.doc_kind, doc.len());
            }
            Resets::Approve { id, reviewer, .. } => {
                let v = services.decide_reset(reset_id(id)?, true, "", reviewer).await.map_err(e)?;
                remove_review_copies(&c, &v.id.to_string());
                println!("{} approved: two-step verification is off for the account", v.id);
            }
            Resets::Reject { id, reason, reviewer, .. } => {
                let v = services.decide_reset(reset_id(id)?, false, reason, reviewer).await.map_err(e)?;
                remove_review_copies(&c, &v.id.to_string());
                println!("{} rejected", v.id);
            }
        }
        anyhow::Ok(())
    }
    .await;
    services.store.close().await;
    result
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

#[cfg(test)]
mod tests {
    #[test]
    fn origin_host_from_public_url() {
        assert_eq!(super::url_host("https://shop.example/x"), "shop.example");
        assert_eq!(super::url_host("http://127.0.0.1:8080"), "127.0.0.1");
    }
}
