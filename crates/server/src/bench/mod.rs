//! `ninsho bench`: throughput on this machine, each figure next to its baseline from the
//! same run (raw argon2id hashes, `GET /health`, raw durable commits, event writes
//! without the chain). A benchmark, not a test: it prints figures, asserts no speed,
//! and fails (non-zero exit) only when an answer did not do what was asked — those are
//! counted apart and never in a rate.

pub mod import;
pub mod row;
pub mod workload;

use std::net::SocketAddr;

use ninsho_domain::config::Quota;

pub use row::Tally;
pub use workload::{Overload, Round, RowKind, Workload, measure};

use crate::{App, Config};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Concurrent clients.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Requests per measured operation (sign-ins use a quarter).
    #[arg(long, default_value_t = 1000)]
    requests: usize,
    /// Rounds; each ratio is the median over them.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// PostgreSQL server to create a scratch database on; "none" to skip.
    #[arg(long, env = "NINSHO_BENCH_POSTGRES", default_value = "postgres://postgres@127.0.0.1:5432/test")]
    postgres: String,
    /// Skip the SQLite run (to measure or profile PostgreSQL alone).
    #[arg(long)]
    no_sqlite: bool,
    /// Leave the PostgreSQL scratch database in place (to inspect plans afterwards).
    #[arg(long)]
    keep_database: bool,
    /// Shipments the bulk-import row registers, all needing a code (F-DLV-6).
    #[arg(long, default_value_t = 20_000)]
    shipments: usize,
    /// Only the bulk-import row (e.g. with --shipments 1000000).
    #[arg(long)]
    import_only: bool,
}

/// The bench sends thousands of codes to a handful of accounts, and tries thousands of
/// unknown addresses, from one client address: the send quotas and the password
/// throttle would measure the refusal, not the work. (Their statements still run.)
pub fn lift_quotas(config: &mut Config) {
    let unlimited = Quota { limit: i64::MAX / 4, window_secs: 86_400 };
    config.policy.quotas.per_account = unlimited;
    config.policy.quotas.per_destination = unlimited;
    config.policy.quotas.per_address = unlimited;
    config.policy.throttle.account_free = i64::MAX / 4;
    config.policy.throttle.address_free = i64::MAX / 4;
    // F-LIMIT-4: a run's codes all go to one prefix.
    config.policy.sms.prefix_floor = i64::MAX / 4;
    config.policy.sms.country_floor = i64::MAX / 4;
    config.policy.sms.budget_per_hour = i64::MAX / 4;
}

/// A ratio the summary prints: `num / den`, medians over the rounds.
struct Ratio {
    name: &'static str,
    num: RowKind,
    den: RowKind,
    note: &'static str,
}

const RATIOS: &[Ratio] = &[
    Ratio { name: "sign-in / raw argon2id", num: RowKind::SignIn, den: RowKind::RawArgon, note: "target >= 0.9" },
    Ratio { name: "unknown-address / known sign-in", num: RowKind::UnknownSignIn, den: RowKind::SignIn, note: "1.0 = no timing difference" },
    Ratio { name: "sent-code verification / raw commit", num: RowKind::SentCodeVerify, den: RowKind::RawCommit, note: "target >= 0.8" },
    Ratio { name: "sent-code verification / health", num: RowKind::SentCodeVerify, den: RowKind::Health, note: "" },
    Ratio { name: "TOTP verification / raw commit", num: RowKind::TotpVerify, den: RowKind::RawCommit, note: "target >= 0.8" },
    Ratio { name: "TOTP verification / health", num: RowKind::TotpVerify, den: RowKind::Health, note: "" },
    Ratio { name: "code issuance / raw commit", num: RowKind::CodeIssue, den: RowKind::RawCommit, note: "" },
    Ratio { name: "SMS / e-mail code issuance", num: RowKind::SmsCodeIssue, den: RowKind::CodeIssue, note: "SMS with F-LIMIT-4's counting" },
    Ratio { name: "sign-in page / health", num: RowKind::SignInPage, den: RowKind::Health, note: "target >= 0.5" },
    Ratio { name: "session introspection / health", num: RowKind::Introspect, den: RowKind::Health, note: "target >= 0.5" },
    Ratio { name: "OIDC code exchange / health", num: RowKind::CodeExchange, den: RowKind::Health, note: "" },
    Ratio { name: "ID-token validation (JWKS) / health", num: RowKind::IdTokenValidation, den: RowKind::Health, note: "" },
    Ratio { name: "step-up start / health", num: RowKind::StepUpStart, den: RowKind::Health, note: "" },
    Ratio { name: "step-up start / code issuance", num: RowKind::StepUpStart, den: RowKind::CodeIssue, note: "the step-up's own cost" },
    Ratio { name: "handover at the door / health", num: RowKind::Handover, den: RowKind::Health, note: "" },
    Ratio { name: "chained / plain event writes", num: RowKind::ChainedEvent, den: RowKind::PlainEvent, note: "the chain's cost (F-OPS-6)" },
];

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// The table and the ratios of one backend's rounds, as printed.
pub fn summary(label: &str, rounds: &[Round]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "\n[{label}] accepted answers per second, one column per round; `failed` counts answers that did not do what was asked (never in a rate)");
    let heads: Vec<String> = (1..=rounds.len()).map(|i| format!("{:>9}", format!("round {i}"))).collect();
    let _ = writeln!(s, "  {:<46}{:>8} {} {:>8}", "row", "clients", heads.join(" "), "failed");
    for kind in RowKind::ALL {
        let cells: Vec<String> = rounds.iter().map(|r| format!("{:9.1}", r.get(kind).per_sec())).collect();
        let failed: usize = rounds.iter().map(|r| r.get(kind).failed).sum();
        let clients = rounds.first().map(|r| r.get(kind).concurrency).unwrap_or(0);
        let _ = writeln!(s, "  {:<46}{:>8} {} {:>8}", kind.label(), clients, cells.join(" "), failed);
    }
    let _ = writeln!(s, "  overload: sign-ins offered at 8x the raw argon2id rate, open loop (one column per round)");
    let over = |name: &str, f: &dyn Fn(&Overload) -> f64| {
        let cells: Vec<String> = rounds.iter().map(|r| format!("{:9.1}", f(&r.overload))).collect();
        format!("  {name:<46}{:>8} {}", "", cells.join(" "))
    };
    let _ = writeln!(s, "{}", over("offered sign-ins per second", &|o| o.offered_per_sec));
    let _ = writeln!(s, "{}", over("accepted per second", &|o| o.accepted_per_sec));
    let _ = writeln!(s, "{}", over("shed at once (503 overloaded) per second", &|o| o.shed_per_sec));
    let failed: usize = rounds.iter().map(|r| r.overload.failed).sum();
    let _ = writeln!(s, "{} {:>8}", over("p99 of accepted sign-ins (ms)", &|o| o.p99_accepted_ms), failed);
    let _ = writeln!(s, "  ratios (median over rounds), with the median absolute rates they divide:");
    for r in RATIOS {
        let ratio = median(rounds.iter().map(|x| ratio_of(x.get(r.num).per_sec(), x.get(r.den).per_sec())).collect());
        let num = median(rounds.iter().map(|x| x.get(r.num).per_sec()).collect());
        let den = median(rounds.iter().map(|x| x.get(r.den).per_sec()).collect());
        let (cn, cd) = rounds.first().map(|x| (x.get(r.num).concurrency, x.get(r.den).concurrency)).unwrap_or_default();
        let note = if r.note.is_empty() { String::new() } else { format!("  ({})", r.note) };
        let _ = writeln!(s, "  {:<38}{ratio:6.2} = {num:9.1}/s at {cn} clients ÷ {den:9.1}/s at {cd}{note}", format!("{}:", r.name));
    }
    s
}

fn ratio_of(num: f64, den: f64) -> f64 {
    if den > 0.0 { num / den } else { 0.0 }
}

/// Every row's failures over the rounds; an error naming them when there are any.
pub fn verdict(label: &str, rounds: &[Round]) -> anyhow::Result<()> {
    let mut bad = Vec::new();
    for kind in RowKind::ALL {
        let failed: usize = rounds.iter().map(|r| r.get(kind).failed).sum();
        if failed > 0 {
            let why = rounds.iter().find_map(|r| r.get(kind).first_failure.clone()).unwrap_or_default();
            bad.push(format!("{}: {failed} failed (first: {why})", kind.label()));
        }
    }
    let failed: usize = rounds.iter().map(|r| r.overload.failed).sum();
    if failed > 0 {
        let why = rounds.iter().find_map(|r| r.overload.first_failure.clone()).unwrap_or_default();
        bad.push(format!("overload: {failed} failed (first: {why})"));
    }
    if bad.is_empty() { Ok(()) } else { anyhow::bail!("[{label}] answers that did not do what was asked: {}", bad.join("; ")) }
}

/// Runs on scratch databases with `base`'s policy and limits; messages always go to the
/// dev inbox, whatever providers `base` names.
pub async fn run(a: BenchArgs, base: &Config) -> anyhow::Result<()> {
    ninsho_delivery::install_tls_provider();
    let work = Workload { requests: a.requests.max(1), concurrency: a.concurrency.max(1), overload_secs: 3.0, overload_max_rate: 2000.0 };
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    println!("ninsho bench: {cores} cores, {} clients, {} requests per operation", work.concurrency, work.requests);
    let mut targets = if a.no_sqlite { vec![] } else { vec![("sqlite", None)] };
    if a.postgres != "none" {
        match sqlx::PgPool::connect(&a.postgres).await {
            Ok(pool) => {
                let name = format!("ninsho_bench_{}", uuid::Uuid::new_v4().simple());
                sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}"))).execute(&pool).await?;
                let base = a.postgres.rsplit_once('/').map(|(b, _)| b).unwrap_or(&a.postgres);
                targets.push(("postgres", Some((format!("{base}/{name}"), pool, name))));
            }
            Err(e) => println!("postgres: skipped ({e})"),
        }
    }
    let mut verdicts = Vec::new();
    for (label, pg) in targets {
        let dir = std::env::temp_dir().join(format!("ninsho-bench-{}", uuid::Uuid::new_v4().simple()));
        let url = pg.as_ref().map(|(u, _, _)| u.clone());
        let mut config = base.clone();
        let scratch = Config::new(SocketAddr::from(([127, 0, 0, 1], 0)), url, dir.clone());
        (config.listen, config.database_url, config.data_dir, config.providers) = (scratch.listen, scratch.database_url, scratch.data_dir, scratch.providers);
        config.metrics_listen = None;
        lift_quotas(&mut config);
        let running = App::start(config).await?;
        // The machine is noisy: each ratio is taken within one round, baseline and
        // measurement back to back, and the median of the rounds is reported.
        let mut rounds = Vec::new();
        let mut error = None;
        let rounds_wanted = if a.import_only { 0 } else { a.rounds.max(1) };
        for _ in 0..rounds_wanted {
            match measure(&running, &work).await {
                Ok(r) => rounds.push(r),
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        // Last: its held messages are never sent, and the scratch database goes.
        let imported = if error.is_none() && a.shipments > 0 { Some(import::measure_import(&running, a.shipments, work.concurrency).await) } else { None };
        running.shutdown().await;
        let _ = std::fs::remove_dir_all(&dir);
        if let Some((_, pool, name)) = pg {
            if a.keep_database {
                println!("kept database {name}");
            } else {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!("drop database if exists {name} with (force)"))).execute(&pool).await;
            }
        }
        if let Some(e) = error {
            return Err(e);
        }
        if !rounds.is_empty() {
            print!("{}", summary(label, &rounds));
            verdicts.push(verdict(label, &rounds));
        }
        match imported {
            Some(Ok(f)) => {
                println!("{}", f.line(label));
                if f.failed > 0 {
                    verdicts.push(Err(anyhow::anyhow!("[{label}] bulk import: {} failed", f.failed)));
                }
            }
            Some(Err(e)) => return Err(e),
            None => {}
        }
    }
    let failures: Vec<String> = verdicts.into_iter().filter_map(|v| v.err().map(|e| e.to_string())).collect();
    if failures.is_empty() {
        println!("\nevery answer did what was asked");
        Ok(())
    } else {
        // The figures above are printed either way; the exit status says they are not
        // to be trusted.
        println!("\nFAILED: {}", failures.join(" | "));
        anyhow::bail!("{}", failures.join(" | "))
    }
}
