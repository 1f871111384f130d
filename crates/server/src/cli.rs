//! The command line: `serve`, `migrate`, `config check`, `admin …`, `bench`. Each reads
//! the settings the same way (`SettingsArgs`). Every failure is one line on stderr (a
//! configuration wrong in several places: one line each) and a non-zero exit.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use ninsho_domain::oidc::{ClientKind, OidcScope, SigningAlg};
use ninsho_domain::service::LimitTarget;
use ninsho_domain::staff::StaffRole;
use ninsho_domain::types::Scope;

use crate::config::Config;
use crate::settings::{self, ConfigErrors, Flag, Loaded};

/// What an admin command logs: its warnings, but not the database driver's notices
/// of slow statements or of a slow wait for a connection (a loaded machine makes
/// them), so that a failure stays one line.
const ADMIN_LOG: &str = "warn,sqlx::query=error,sqlx::pool=error";

#[derive(Parser)]
#[command(name = "ninsho", version, about = "Account security: sign-in with two-step verification, one-time codes, devices")]
struct Cli {
    #[command(flatten)]
    settings: SettingsArgs,
    #[command(subcommand)]
    command: Command,
}

/// Where the settings come from; every command reads them the same way. Flags
/// override the variables, which override the file, which overrides the defaults.
#[derive(Args, Clone, Default)]
pub struct SettingsArgs {
    /// The configuration file (TOML; every key is in config/ninsho.example.toml).
    /// Also NINSHO_CONFIG.
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Listen address (the `listen` setting).
    #[arg(long, global = true)]
    listen: Option<String>,
    /// sqlite://FILE or postgres://… (the `database_url` setting).
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Where the SQLite file and the generated master key live (the `data_dir` setting).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
}

impl SettingsArgs {
    /// The settings from the file, this process's environment and the flags.
    pub fn load(&self) -> Result<Loaded, ConfigErrors> {
        let env: Vec<(String, String)> = std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))).collect();
        let mut flags = Vec::new();
        if let Some(l) = &self.listen {
            flags.push(Flag { path: "listen", name: "--listen", value: l.clone() });
        }
        if let Some(u) = &self.database_url {
            flags.push(Flag { path: "database_url", name: "--database-url", value: u.clone() });
        }
        if let Some(d) = &self.data_dir {
            flags.push(Flag { path: "data_dir", name: "--data-dir", value: d.display().to_string() });
        }
        settings::load(self.config.as_deref(), &env, &flags)
    }

    /// Loaded and checked: what every command starts from.
    pub fn config(&self) -> anyhow::Result<(Loaded, Config)> {
        let loaded = self.load()?;
        let config = Config::from_settings(&loaded)?;
        Ok((loaded, config))
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// The configuration.
    Config {
        #[command(subcommand)]
        what: ConfigCommand,
    },
    /// Support and operator tasks.
    Admin {
        #[command(subcommand)]
        what: Admin,
    },
    /// Measure throughput on this machine (SQLite, and PostgreSQL if reachable).
    Bench(crate::bench::BenchArgs),
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Check the settings and print them, secrets masked, each with where it came from.
    Check,
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
    /// Service clients: the shop's services that call ninsho (F-INT-1).
    Clients {
        #[command(subcommand)]
        what: Clients,
    },
    /// Lock an account while support investigates suspected access, or unlock it (F-OFF-5).
    Accounts {
        #[command(subcommand)]
        what: Accounts,
    },
    /// Support staff (F-SUP-1): accounts of their own, with a role, working at /support.
    Staff {
        #[command(subcommand)]
        what: Staff,
    },
    /// SMS toll-fraud pauses (F-LIMIT-4): which destinations are paused, and lifting one early.
    Sms {
        #[command(subcommand)]
        what: Sms,
    },
    /// Couriers of carriers without an app: accounts that take codes at the door on /courier (F-DLV-3).
    Couriers {
        #[command(subcommand)]
        what: Couriers,
    },
    /// Event webhooks: where security events are POSTed, signed (F-INT-4).
    Webhooks {
        #[command(subcommand)]
        what: Webhooks,
    },
    /// What shoppers wrote after turning 2SV off, newest first (one JSON object a line).
    Feedback {
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Delivery codes (F-DLV): shipments registered from a file.
    Deliveries {
        #[command(subcommand)]
        what: Deliveries,
    },
    /// The tamper-evident security log (F-OPS-6): verify, checkpoint, public-key.
    Audit {
        #[command(subcommand)]
        what: crate::audit::AuditCommand,
    },
    /// OpenID Connect (F-INT-5): the applications that sign their users in with ninsho,
    /// and the keys their ID tokens are signed with.
    Oidc {
        #[command(subcommand)]
        what: Oidc,
    },
}

#[derive(Subcommand)]
enum Oidc {
    /// Applications registered to sign users in.
    Clients {
        #[command(subcommand)]
        what: OidcClients,
    },
    /// A new key signs ID tokens from now on; the old one stays in the JWKS until the
    /// last token it signed has expired.
    RotateKey {
        /// ES256 or EdDSA; the configured oidc.signing_alg if not given.
        #[arg(long, value_parser = parse_alg)]
        alg: Option<SigningAlg>,
    },
    /// The published keys, one a line: kid, algorithm, state.
    Keys,
}

#[derive(Subcommand)]
enum OidcClients {
    /// Register an application; prints its client_id, and a confidential client's
    /// secret once (ninsho keeps a keyed hash).
    Add {
        /// A name for people: letters, digits, '-', '_', '.'.
        name: String,
        /// Where the user may be sent back with a code (repeat the flag); compared exactly.
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// A mobile or single-page app: no secret, PKCE (S256) instead.
        #[arg(long)]
        public: bool,
        /// Where the user may be sent after signing out (repeat the flag).
        #[arg(long = "post-logout-uri")]
        post_logout_uris: Vec<String>,
        /// Scopes it may ask for besides openid (repeat the flag): email, profile,
        /// offline_access. Default: email and profile.
        #[arg(long = "scope", value_parser = parse_oidc_scope)]
        scopes: Vec<OidcScope>,
    },
    /// Every application, one a line: client_id, name, kind, scopes, redirect URIs.
    List,
    /// Remove an application (by name or client_id): its tokens stop working now.
    Remove { client: String },
}

fn parse_alg(s: &str) -> Result<SigningAlg, String> {
    SigningAlg::parse(s).ok_or_else(|| format!("one of {}", SigningAlg::ALL.map(SigningAlg::as_str).join(", ")))
}

fn parse_oidc_scope(s: &str) -> Result<OidcScope, String> {
    OidcScope::parse(s).ok_or_else(|| format!("not a scope; one of {}", OidcScope::ALL.map(OidcScope::as_str).join(", ")))
}

#[derive(Subcommand)]
enum Deliveries {
    /// Register the shipments of a CSV file (columns in README, "Delivery codes"), as
    /// the batch call would; prints what each line became, refused lines by number.
    Import {
        file: PathBuf,
        /// The shop's service client (name or id), with the scope deliveries:write.
        #[arg(long)]
        client: String,
    },
}

#[derive(Subcommand)]
enum Clients {
    /// Register a client; prints its id and its secret, once (ninsho keeps a keyed hash).
    Add {
        /// A name for people: letters, digits, '-', '_', '.'.
        name: String,
        /// What it may do (repeat the flag): sessions:read, step-up, deliveries:write,
        /// deliveries:verify, accounts:read.
        #[arg(long = "scope", required = true, value_parser = parse_scope)]
        scopes: Vec<Scope>,
        /// Requests a minute it may make, per instance.
        #[arg(long, default_value_t = 6000)]
        rate: i64,
        /// Where a step-up's hosted page may send the shopper back to (repeat the flag):
        /// an origin such as https://shop.example.
        #[arg(long = "origin")]
        origins: Vec<String>,
    },
    /// Replace the origins a client's step-ups may return to (none: no return URL).
    Origins {
        client: String,
        #[arg(long = "origin")]
        origins: Vec<String>,
    },
    /// Every client, one a line: id, name, scopes, rate, state, origins.
    List,
    /// A new secret for the client (by name or id); the old one works for --grace seconds.
    Rotate {
        client: String,
        #[arg(long, default_value_t = 86_400)]
        grace: i64,
    },
    /// Every secret of the client (by name or id) stops working now.
    Revoke { client: String },
}

#[derive(Subcommand)]
enum Accounts {
    /// Locks the account: every session ends, no code is sent, sign-in is refused
    /// with the support contact, the owner is told. It ends by itself at its time.
    Lock {
        email: String,
        /// Why, for support (never shown to the owner).
        #[arg(long)]
        reason: String,
        /// How long: a number with m, h or d (e.g. 90m, 24h, 2d); at most 30 days.
        #[arg(long = "for", default_value = "24h", value_parser = parse_duration)]
        duration: i64,
        /// Who locks it, as the security log records it.
        #[arg(long, default_value = "operator")]
        by: String,
    },
    /// Ends the account's lock now; the owner is told.
    Unlock {
        email: String,
        #[arg(long, default_value = "operator")]
        by: String,
    },
    /// Whether the account is locked, until when, by whom and why.
    LockStatus { email: String },
}

#[derive(Subcommand)]
enum Staff {
    /// Create a staff member's account with a role; prints a first password, once.
    /// The member signs in, turns on two-step verification, then works at /support.
    Add {
        email: String,
        /// viewer (reads), agent (limits, locks, 2SV pauses), reviewer (reset
        /// requests and their documents) or admin (everything, and the staff list).
        #[arg(long, value_parser = parse_role)]
        role: StaffRole,
        /// Who adds the member, as the security log records it.
        #[arg(long, default_value = "operator")]
        by: String,
    },
    /// Every staff member: address, role, who added them and when.
    List,
    /// Give a member another role.
    Role {
        email: String,
        #[arg(value_parser = parse_role)]
        role: StaffRole,
        #[arg(long, default_value = "operator")]
        by: String,
    },
    /// Remove a member; their sessions end now.
    Remove {
        email: String,
        #[arg(long, default_value = "operator")]
        by: String,
    },
}

fn parse_role(s: &str) -> Result<StaffRole, String> {
    StaffRole::parse(s).ok_or_else(|| format!("{s:?} is not a role: viewer, agent, reviewer or admin"))
}

#[derive(Subcommand)]
enum Sms {
    /// The destinations whose SMS and voice codes are paused now, until when.
    Paused,
    /// Ends a pause now: `+44740` (a number prefix), `GB` (a country) or `global`
    /// (the hour's budget). Its count for this hour starts again from zero.
    Lift {
        destination: String,
        /// Who lifts it, as the security log records it.
        #[arg(long, default_value = "operator")]
        by: String,
    },
}

/// `90m`, `24h`, `2d` as seconds.
fn parse_duration(s: &str) -> Result<i64, String> {
    let bad = || format!("{s:?} is not a duration: a number with m, h or d, such as 24h");
    let (n, unit) = s.trim().split_at_checked(s.trim().len().saturating_sub(1)).ok_or_else(bad)?;
    let n: i64 = n.parse().map_err(|_| bad())?;
    let per = match unit {
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(per).filter(|v| *v > 0).ok_or_else(bad)
}

#[derive(Subcommand)]
enum Couriers {
    /// Create a courier's account for a carrier's service client (with the
    /// deliveries:verify scope); prints a first password, once. The courier signs in,
    /// turns on two-step verification, then uses /courier.
    Add {
        email: String,
        /// The carrier's service client, by name or id.
        #[arg(long)]
        carrier: String,
    },
}

#[derive(Subcommand)]
enum Webhooks {
    /// Register an endpoint; prints its signing secret (whsec_…), once.
    Add {
        /// A name for people: letters, digits, '-', '_', '.'.
        name: String,
        /// https://…, or http:// to this machine only.
        #[arg(long)]
        url: String,
        /// The events it hears, comma-separated (sign_in.succeeded,step_up.completed),
        /// or all.
        #[arg(long)]
        events: String,
    },
    /// Every endpoint, one a line: id, name, URL, events.
    List,
    /// Stop every delivery to the endpoint (by name or id), waiting ones included.
    Remove { endpoint: String },
}

fn parse_scope(s: &str) -> Result<Scope, String> {
    Scope::parse(s).ok_or_else(|| format!("not a scope; one of {}", Scope::ALL.map(|s| s.as_str()).join(", ")))
}

#[derive(Subcommand)]
enum Resets {
    /// The review queue (pending by default).
    List {
        #[arg(long, default_value = "pending")]
        status: String,
    },
    /// Writes a pending request's identity document to a file only you can read, by
    /// default `DATA_DIR/review/ID.EXT`; the decision deletes that file.
    Document {
        id: String,
        #[arg(long)]
        reviewer: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Approve: two-step verification goes off and the password alone signs in.
    Approve {
        id: String,
        #[arg(long)]
        reviewer: String,
    },
    /// Reject, with the reason the user is told.
    Reject {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        reviewer: String,
    },
}

#[derive(Subcommand)]
enum Limits {
    /// Lift a send limit after checking the person's identity.
    Release(ReleaseTarget),
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
            // A configuration may be wrong in several places: each is a line of its own.
            match e.downcast_ref::<ConfigErrors>() {
                Some(errors) => errors.0.iter().for_each(|e| eprintln!("ninsho: {e}")),
                None => eprintln!("ninsho: {}", format!("{e:#}").lines().next().unwrap_or("error")),
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let (loaded, c) = cli.settings.config()?;
    let log = &loaded.settings.log;
    match cli.command {
        Command::Serve => {
            crate::logging::init(log.format, &log.filter);
            let running = crate::App::start(c).await?;
            shutdown_signal().await;
            tracing::info!("shutting down");
            running.shutdown().await;
            Ok(())
        }
        Command::Migrate => {
            crate::logging::init(log.format, &log.filter);
            let db = ninsho_storage::Db::connect(&c.database_url).await.map_err(crate::config::operator_error)?;
            db.close().await;
            println!("migrations applied ({})", db.backend());
            Ok(())
        }
        Command::Config { what: ConfigCommand::Check } => {
            for line in settings::effective(&loaded) {
                println!("{line}");
            }
            println!("# the configuration is valid");
            Ok(())
        }
        Command::Admin { what: Admin::Limits { what: Limits::Release(t) } } => {
            crate::logging::init(log.format, ADMIN_LOG);
            let services = crate::App::services(&c).await?;
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
        Command::Admin { what: Admin::Resets { what } } => {
            crate::logging::init(log.format, ADMIN_LOG);
            resets(what, &c).await
        }
        Command::Admin { what: Admin::Clients { what } } => {
            crate::logging::init(log.format, ADMIN_LOG);
            let services = crate::App::services(&c).await?;
            let result = clients(&services, what).await;
            services.store.close().await;
            result
        }
        Command::Admin { what: Admin::Accounts { what } } => {
            crate::logging::init(log.format, ADMIN_LOG);
            let services = crate::App::services(&c).await?;
            let result = accounts(&services, what).await;
            services.store.close().await;
            result
        }
        Command::Admin { what: Admin::Staff { what } } => {
            crate::logging::init(log.format, ADMIN_LOG);
            let services = crate::App::services(&c).await?;
            let result = staff(&services, what).await;
            services.store.close().await;
            result
        }
        Command::Admin { what: Admin::Sms { what } } => {
            crate::logging::init(log.format, ADMIN_LOG);
            let services = crate::App::services(&c).await?;
            let result = sms(&services, what).await;
            services.store.close().await;
            result
        }
        Command::Admin { what: Admin::Couriers { what: Couriers::Add { email, carrier } } } => {
            crate::logging::init(log.format, ADMIN_LOG);
            let services = crate::App::services(&c).await?;
            let result = services.add_courier(&email, &carrier).await.map_err(crate::config::operator_error);
            services.store.close().await;
            let added = result?;
            println!(
                "account: {}\ncarrier: {}\npassword: {}\n# shown once: the courier signs in with it at /sign-in, turns on two-step verification, then uses /courier",
                added.account.id,
                added.client.name,
                secrecy::ExposeSecret::expose_secret(&added.password)
            );
            Ok(())
        }
        Command::Admin { what: Admin::Webhooks { what } } => {
            crate::logging::init(log.format, ADMIN_LOG);
            let services = crate::App::services(&c).await?;
            let result = webhooks(&services, what).await;
            services.store.close().await;
            result
        }
        Command::Admin { what: Admin::Feedback { limit } } => {
            crate::logging::init(log.format, ADMIN_LOG);
            let services = crate::App::services(&c).await?;
            let result = services.feedback(limit).await;
            services.store.close().await;
            for (f, email) in result.map_err(crate::config::operator_error)? {
                let line = serde_json::json!({"at": crate::web::time::when_utc(f.at), "email": email, "topic": f.topic.as_str(), "text": f.text});
                println!("{line}");
            }
            Ok(())
        }
        Command::Admin { what: Admin::Deliveries { what: Deliveries::Import { file, client } } } => {
            crate::logging::init(log.format, ADMIN_LOG);
            let services = crate::App::services(&c).await?;
            let result = crate::import::import_file(&services, &client, &file).await;
            services.store.close().await;
            print!("{}", result?.report());
            Ok(())
        }
        Command::Admin { what: Admin::Audit { what } } => {
            crate::logging::init(log.format, ADMIN_LOG);
            crate::audit::run(what, &c).await
        }
        Command::Admin { what: Admin::Oidc { what } } => {
            crate::logging::init(log.format, ADMIN_LOG);
            let services = crate::App::services(&c).await?;
            let result = oidc(&services, what).await;
            services.store.close().await;
            result
        }
        Command::Bench(a) => {
            // The overload row sheds hundreds of sign-ins a second on purpose: their
            // warnings would bury the table. The bench reports its own failures.
            crate::logging::init(log.format, "error");
            crate::bench::run(a, &c).await
        }
    }
}

async fn accounts(services: &ninsho_domain::Services<ninsho_storage::Db>, what: Accounts) -> anyhow::Result<()> {
    let e = crate::config::operator_error;
    let utc = crate::web::time::when_utc;
    match what {
        Accounts::Lock { email, reason, duration, by } => {
            let lock = services.lock_account(&email, &reason, duration, &by).await.map_err(e)?;
            println!("locked {email} until {} (lock {}); its sessions ended and its owner was told", utc(lock.until), lock.id);
        }
        Accounts::Unlock { email, by } => {
            let lock = services.unlock_account(&email, &by).await.map_err(e)?;
            println!("unlocked {email} (lock {}); its owner was told", lock.id);
        }
        Accounts::LockStatus { email } => match services.account_lock(&email).await.map_err(e)? {
            Some(l) => println!("{email}: locked until {} by {} at {}: {}", utc(l.until), l.locked_by, utc(l.locked_at), l.reason),
            None => println!("{email}: not locked"),
        },
    }
    Ok(())
}

async fn staff(services: &ninsho_domain::Services<ninsho_storage::Db>, what: Staff) -> anyhow::Result<()> {
    let e = crate::config::operator_error;
    let utc = crate::web::time::when_utc;
    match what {
        Staff::Add { email, role, by } => {
            let added = services.add_staff(&email, role, &by).await.map_err(e)?;
            println!(
                "account: {}\nrole: {}\npassword: {}\n# shown once: the member signs in with it at /sign-in, turns on two-step verification, then works at /support",
                added.account.id,
                added.role.as_str(),
                secrecy::ExposeSecret::expose_secret(&added.password)
            );
        }
        Staff::List => {
            for m in services.staff_members().await.map_err(e)? {
                println!("{} {} (added by {} at {})", m.email, m.role.as_str(), m.added_by, utc(m.added_at));
            }
        }
        Staff::Role { email, role, by } => {
            let m = services.set_staff_role(&email, role, &by).await.map_err(e)?;
            println!("{} is now {}", m.email, m.role.as_str());
        }
        Staff::Remove { email, by } => {
            let m = services.remove_staff(&email, &by).await.map_err(e)?;
            println!("removed {} ({}); their sessions ended", m.email, m.role.as_str());
        }
    }
    Ok(())
}

async fn sms(services: &ninsho_domain::Services<ninsho_storage::Db>, what: Sms) -> anyhow::Result<()> {
    let e = crate::config::operator_error;
    let utc = crate::web::time::when_utc;
    match what {
        Sms::Paused => {
            let pauses = services.sms_pauses().await.map_err(e)?;
            if pauses.is_empty() {
                println!("no SMS destination is paused");
            }
            for p in pauses {
                println!("{} paused until {} (since {})", p.destination, utc(p.until), utc(p.paused_at));
            }
        }
        Sms::Lift { destination, by } => {
            let p = services.lift_sms_pause(&destination, &by).await.map_err(e)?;
            println!("lifted the pause of {} (it ran until {}); codes are sent to it again", p.destination, utc(p.until));
        }
    }
    Ok(())
}

async fn clients(services: &ninsho_domain::Services<ninsho_storage::Db>, what: Clients) -> anyhow::Result<()> {
    use secrecy::ExposeSecret;
    let e = crate::config::operator_error;
    match what {
        Clients::Add { name, scopes, rate, origins } => {
            // Checked before the client exists, so a typo leaves nothing behind.
            for o in &origins {
                ninsho_domain::service::check_origin(o).map_err(e)?;
            }
            let (c, secret) = services.add_service_client(&name, &scopes, rate).await.map_err(e)?;
            if !origins.is_empty() {
                services.set_service_client_origins(&c.id.to_string(), &origins).await.map_err(e)?;
            }
            println!("client_id: {}\nclient_secret: {}\n# shown once: ninsho keeps only a keyed hash of the secret", c.id, secret.expose_secret());
        }
        Clients::List => {
            let now = services.now();
            for c in services.service_clients().await.map_err(e)? {
                let state = match (c.revoked_at, c.previous_valid_until) {
                    (Some(t), _) => format!("revoked {}", crate::web::time::when_utc(t)),
                    (None, Some(t)) if t > now => format!("active; previous secret valid until {}", crate::web::time::when_utc(t)),
                    (None, _) => "active".to_string(),
                };
                let scopes: Vec<&str> = c.scopes.iter().map(|s| s.as_str()).collect();
                println!("{}\t{}\t{}\t{}/min\t{state}\t{}", c.id, c.name, scopes.join(" "), c.rate_per_minute, c.origins.join(" "));
            }
        }
        Clients::Origins { client, origins } => {
            let c = services.set_service_client_origins(&client, &origins).await.map_err(e)?;
            println!("{} ({}) origins: {}", c.id, c.name, if c.origins.is_empty() { "none".to_string() } else { c.origins.join(" ") });
        }
        Clients::Rotate { client, grace } => {
            let (c, secret) = services.rotate_service_client(&client, grace).await.map_err(e)?;
            println!("client_id: {}\nclient_secret: {}\n# shown once; the previous secret works for {grace} more seconds", c.id, secret.expose_secret());
        }
        Clients::Revoke { client } => {
            let c = services.revoke_service_client(&client).await.map_err(e)?;
            println!("{} ({}) revoked", c.id, c.name);
        }
    }
    Ok(())
}

async fn oidc(services: &ninsho_domain::Services<ninsho_storage::Db>, what: Oidc) -> anyhow::Result<()> {
    use secrecy::ExposeSecret;
    let e = crate::config::operator_error;
    match what {
        Oidc::Clients { what: OidcClients::Add { name, redirect_uris, public, post_logout_uris, mut scopes } } => {
            if scopes.is_empty() {
                scopes = vec![OidcScope::Email, OidcScope::Profile];
            }
            let kind = if public { ClientKind::Public } else { ClientKind::Confidential };
            let (c, secret) = services.add_oidc_client(&name, kind, &redirect_uris, &post_logout_uris, &scopes).await.map_err(e)?;
            println!("client_id: {}\nkind: {}\nscopes: {}", c.id, kind.as_str(), OidcScope::join(&c.scopes));
            match secret {
                Some(s) => println!("client_secret: {}\n# shown once: ninsho keeps only a keyed hash of the secret", s.expose_secret()),
                None => println!("# a public client has no secret: it must use PKCE with S256"),
            }
        }
        Oidc::Clients { what: OidcClients::List } => {
            for c in services.oidc_clients().await.map_err(e)? {
                println!("{}\t{}\t{}\t{}\t{}", c.id, c.name, c.kind.as_str(), OidcScope::join(&c.scopes), c.redirect_uris.join(" "));
            }
        }
        Oidc::Clients { what: OidcClients::Remove { client } } => {
            let c = services.remove_oidc_client(&client).await.map_err(e)?;
            println!("{} ({}) removed; its tokens no longer work", c.id, c.name);
        }
        Oidc::RotateKey { alg } => {
            let (new, old) = services.rotate_signing_key(alg).await.map_err(e)?;
            println!("signing with {} ({})", new.kid, new.alg.as_str());
            if let Some(old) = old {
                println!("{} stays published for the tokens it signed, then leaves the JWKS", old.kid);
            }
        }
        Oidc::Keys => {
            for k in services.key_set().await.map_err(e)?.published {
                let state = match k.published_until {
                    Some(t) => format!("retired; published until {}", crate::web::time::when_utc(t)),
                    None => "signing".to_string(),
                };
                println!("{}\t{}\t{state}", k.kid, k.alg.as_str());
            }
        }
    }
    Ok(())
}

async fn webhooks(services: &ninsho_domain::Services<ninsho_storage::Db>, what: Webhooks) -> anyhow::Result<()> {
    use secrecy::ExposeSecret;
    let e = crate::config::operator_error;
    match what {
        Webhooks::Add { name, url, events } => {
            let (w, secret) = services.add_webhook_endpoint(&name, &url, &events).await.map_err(e)?;
            println!("id: {}\nevents: {}\nsecret: {}\n# shown once: give it to the receiver, which checks every delivery with it (Standard Webhooks)", w.id, w.topics, secret.expose_secret());
        }
        Webhooks::List => {
            for w in services.webhook_endpoints().await.map_err(e)? {
                println!("{}\t{}\t{}\t{}\tadded {}", w.id, w.name, w.url, w.topics, crate::web::time::when_utc(w.created_at));
            }
        }
        Webhooks::Remove { endpoint } => {
            let w = services.remove_webhook_endpoint(&endpoint).await.map_err(e)?;
            println!("{} ({}) removed", w.id, w.name);
        }
    }
    Ok(())
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

async fn resets(what: Resets, c: &Config) -> anyhow::Result<()> {
    let services = crate::App::services(c).await?;
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
                let path = out.clone().unwrap_or_else(|| review_dir(c).join(format!("{}.{}", view.id, view.doc_kind)));
                crate::config::write_private(&path, &doc)?;
                println!("wrote {} ({}, {} bytes); it is deleted with the decision", path.display(), view.doc_kind, doc.len());
            }
            Resets::Approve { id, reviewer, .. } => {
                let v = services.decide_reset(reset_id(id)?, true, "", reviewer).await.map_err(e)?;
                remove_review_copies(c, &v.id.to_string());
                println!("{} approved: two-step verification is off for the account", v.id);
            }
            Resets::Reject { id, reason, reviewer, .. } => {
                let v = services.decide_reset(reset_id(id)?, false, reason, reviewer).await.map_err(e)?;
                remove_review_copies(c, &v.id.to_string());
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
        assert_eq!(crate::config::url_host("https://shop.example/x"), "shop.example");
        assert_eq!(crate::config::url_host("http://127.0.0.1:8080"), "127.0.0.1");
    }

    /// An admin command's failure is one line on stderr: the driver's notices of a slow
    /// statement or a slow wait for a connection are not printed beside it, and the
    /// command's own warnings are.
    #[test]
    fn admin_commands_log_their_warnings_but_not_the_drivers_slow_notices() {
        use std::sync::{Arc, Mutex};
        let lines = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(super::ADMIN_LOG))
            .with_writer(move || Sink(sink.clone()))
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(target: "sqlx::pool::acquire", "acquired connection, but time to acquire exceeded slow threshold");
            tracing::warn!(target: "sqlx::query", "slow statement");
            tracing::warn!(target: "ninsho_server::cli", "the command's own warning");
        });
        let text = String::from_utf8(lines.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("the command's own warning"), "{text}");
    }

    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}
