//! The command line: `serve`, `migrate`, `admin limits release`, `bench`. Every
//! failure is one line on stderr and a non-zero exit.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use ninsho_domain::service::LimitTarget;
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
    Serve(ServeArgs),
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
    common: CommonArgs,
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
            crate::logging::init(&r.common.log_format, "warn");
            let c = r.common.config(SocketAddr::from(([127, 0, 0, 1], 0)))?;
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
        Command::Bench(a) => crate::bench::run(a).await,
    }
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
