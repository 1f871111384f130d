//! `ninsho bench`: throughput on this machine, each figure next to its baseline from the
//! same run (raw argon2id hashes, `GET /health`, raw durable commits). A benchmark, not
//! a test: it asserts nothing and prints ratios.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use ninsho_domain::config::Quota;
use ninsho_domain::crypto::KeyRing;
use ninsho_domain::email::Email;
use ninsho_domain::otp::{sent_code, totp};
use ninsho_domain::ports::{Account, Challenge, Factor, Store, Write};
use ninsho_domain::service::challenges::totp_aad;
use ninsho_domain::types::*;
use secrecy::SecretString;
use serde_json::json;

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
}

const PASSWORD: &str = "correct horse battery staple";

/// Runs `n` jobs over `c` workers; returns jobs per second.
async fn rate<F, Fut>(n: usize, c: usize, job: F) -> f64
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let job = Arc::new(job);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..c {
        let (job, next) = (job.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                job(i).await;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn account(now: UnixMillis, hash: &str) -> Account {
    Account {
        id: AccountId::new(),
        email: Email::from_stored(format!("bench-{}@example.com", uuid::Uuid::new_v4().simple())),
        password_hash: hash.to_string(),
        locale: Locale::En,
        created_at: now,
        email_verified_at: Some(now),
        last_sign_in_at: Some(now),
        credentials_changed_at: None,
        twosv_enabled_at: None,
        preferred_factor: None,
        signin_alerts: false,
    }
}

fn challenge(account: AccountId, now: UnixMillis, factor: Option<FactorId>, code_hash: Option<Vec<u8>>, id: ChallengeId) -> Challenge {
    Challenge {
        factor_id: factor,
        code_hash,
        code_expires_at: Some(now.plus_secs(3600)),
        ..Challenge::open(id, account, Purpose::SignIn, now, now.plus_secs(3600))
    }
}

pub async fn run(a: BenchArgs) -> anyhow::Result<()> {
    ninsho_delivery::install_tls_provider();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    println!("ninsho bench: {cores} cores, {} clients, {} requests per operation", a.concurrency, a.requests);
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
    for (label, pg) in targets {
        let dir = std::env::temp_dir().join(format!("ninsho-bench-{}", uuid::Uuid::new_v4().simple()));
        let url = pg.as_ref().map(|(u, _, _)| u.clone());
        let mut config = Config::new(SocketAddr::from(([127, 0, 0, 1], 0)), url, dir.clone());
        let unlimited = Quota { limit: i64::MAX / 4, window_secs: 86_400 };
        config.policy.quotas.per_account = unlimited;
        config.policy.quotas.per_destination = unlimited;
        config.policy.quotas.per_address = unlimited;
        let running = App::start(config).await?;
        // The machine is noisy: each ratio is taken within one round, baseline and
        // measurement back to back, and the median of the rounds is reported.
        let mut rounds = Vec::new();
        for _ in 0..a.rounds.max(1) {
            match measure(&running, &a, cores).await {
                Ok(r) => rounds.push(r),
                Err(e) => {
                    running.shutdown().await;
                    return Err(e);
                }
            }
        }
        running.shutdown().await;
        let _ = std::fs::remove_dir_all(&dir);
        if let Some((_, pool, name)) = pg {
            if a.keep_database {
                println!("kept database {name}");
            } else {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!("drop database if exists {name} with (force)"))).execute(&pool).await;
            }
        }
        println!("\n[{label}] per second, one column per round; ratios are medians of the rounds");
        let row = |name: &str, f: &dyn Fn(&Report) -> f64| {
            let cells: Vec<String> = rounds.iter().map(|r| format!("{:9.1}", f(r))).collect();
            println!("  {name:<46}{}", cells.join(" "));
        };
        row("raw argon2id hashes (m=19456 KiB, t=2, p=1)", &|r| r.argon);
        row("sign-ins over HTTP", &|r| r.signin);
        row("sign-ins of unknown addresses over HTTP", &|r| r.unknown);
        row("GET /health", &|r| r.health);
        row("GET /sign-in (page)", &|r| r.page);
        row("raw durable commits", &|r| r.commits);
        row("raw round trips (select 1)", &|r| r.trips);
        row("sent-code verifications over HTTP", &|r| r.sent);
        row("TOTP verifications over HTTP", &|r| r.totp);
        row("code issuances over HTTP", &|r| r.issue);
        let med = |f: &dyn Fn(&Report) -> f64| {
            let mut v: Vec<f64> = rounds.iter().map(f).collect();
            v.sort_by(|a, b| a.total_cmp(b));
            v[v.len() / 2]
        };
        println!("  sign-in / raw argon2id:              {:.2}  (target >= 0.9)", med(&|r| r.signin / r.argon));
        println!("  unknown-address / known sign-in:     {:.2}  (1.0 = no timing difference)", med(&|r| r.unknown / r.signin));
        println!("  sent-code verification / raw commit: {:.2}  (target >= 0.8); / health {:.3}", med(&|r| r.sent / r.commits), med(&|r| r.sent / r.health));
        println!("  TOTP verification / raw commit:      {:.2}  (target >= 0.8); / health {:.3}", med(&|r| r.totp / r.commits), med(&|r| r.totp / r.health));
        println!("  code issuance / raw commit:          {:.2}", med(&|r| r.issue / r.commits));
        println!("  sign-in page / health:               {:.2}  (target >= 0.5)", med(&|r| r.page / r.health));
    }
    Ok(())
}

/// Raw argon2id hashes per second, one thread per core.
fn raw_argon(hasher: &ninsho_domain::password::Hasher, cores: usize, hashes: usize) -> f64 {
    let start = Instant::now();
    let threads: Vec<_> = (0..cores)
        .map(|_| {
            let h = hasher.clone();
            let per = hashes / cores;
            std::thread::spawn(move || (0..per).all(|_| h.hash_blocking(PASSWORD).is_ok()))
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
    (hashes / cores * cores) as f64 / start.elapsed().as_secs_f64()
}

struct Report {
    argon: f64,
    signin: f64,
    unknown: f64,
    health: f64,
    page: f64,
    commits: f64,
    trips: f64,
    sent: f64,
    totp: f64,
    issue: f64,
}

async fn measure(running: &crate::Running, a: &BenchArgs, cores: usize) -> anyhow::Result<Report> {
    let svc = running.services.clone();
    let keys: Arc<KeyRing> = svc.keys.clone();
    let db = running.db.clone();
    let base = running.url();
    let http = reqwest::Client::new();
    let n = a.requests;
    let c = a.concurrency;
    let e = crate::config::operator_error;

    // Baseline: raw argon2id on every core, same parameters; taken before and after
    // the sign-ins and averaged, because the machine's speed drifts within a round.
    let hashes = (n / 4).max(cores * 4);
    let argon_before = raw_argon(&svc.hasher, cores, hashes);

    let now = svc.clock.now();
    let phc = svc.hasher.hash(&SecretString::from(PASSWORD.to_string())).await.map_err(e)?;
    let acct = account(now, &phc);
    svc.store.commit(vec![Write::InsertAccount(acct.clone())]).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;

    let (h, b, em) = (http.clone(), base.clone(), acct.email.as_str().to_string());
    let signin = rate(hashes, c, move |_| {
        let (h, b, em) = (h.clone(), b.clone(), em.clone());
        async move {
            let _ = h.post(format!("{b}/api/v1/sign-in")).json(&json!({"email": em, "password": PASSWORD})).send().await;
        }
    })
    .await;

    // F-SIGNIN-5: an unknown address costs the same argon2id work (the dummy hash).
    let (h, b) = (http.clone(), base.clone());
    let unknown = rate(hashes, c, move |i| {
        let (h, b) = (h.clone(), b.clone());
        async move {
            let em = format!("nobody-{i}@example.com");
            let _ = h.post(format!("{b}/api/v1/sign-in")).json(&json!({"email": em, "password": PASSWORD})).send().await;
        }
    })
    .await;

    let argon = (argon_before + raw_argon(&svc.hasher, cores, hashes)) / 2.0;

    let (h, b) = (http.clone(), base.clone());
    let health = rate(n * 5, c, move |_| {
        let (h, b) = (h.clone(), b.clone());
        async move {
            if let Ok(r) = h.get(format!("{b}/health")).send().await {
                let _ = r.bytes().await;
            }
        }
    })
    .await;

    // A first visit: no cookie, so each request also mints a CSRF secret.
    let (h, b) = (http.clone(), base.clone());
    let page = rate(n * 5, c, move |_| {
        let (h, b) = (h.clone(), b.clone());
        async move {
            if let Ok(r) = h.get(format!("{b}/sign-in")).header("accept-language", "ja").send().await {
                let _ = r.bytes().await;
            }
        }
    })
    .await;

    let d = db.clone();
    let trips = rate(n * 5, c, move |_| {
        let d = d.clone();
        async move {
            let _ = d.ping().await;
        }
    })
    .await;

    let d = db.clone();
    let commits = rate(n, c, move |i| {
        let d = d.clone();
        async move {
            let _ = d.raw_commit(UnixMillis(i as i64)).await;
        }
    })
    .await;

    // Sent codes: challenges whose code we know, verified over HTTP.
    let mut ids = Vec::with_capacity(n);
    let mut writes = Vec::new();
    for _ in 0..n {
        let id = ChallengeId::new();
        writes.push(Write::InsertChallenge(challenge(acct.id, now, None, Some(sent_code::hash(&keys, id, "123456")), id)));
        ids.push(id);
    }
    svc.store.commit(writes).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let (h, b, ids2) = (http.clone(), base.clone(), Arc::new(ids));
    let sent = rate(n, c, move |i| {
        let (h, b, id) = (h.clone(), b.clone(), ids2[i]);
        async move {
            let _ = h.post(format!("{b}/api/v1/challenges/{id}/verify")).json(&json!({"code": "123456"})).send().await;
        }
    })
    .await;

    // TOTP: each account's app can be used once per step, so one account per request.
    let mut items = Vec::with_capacity(n);
    let mut writes = Vec::new();
    let unix = now.as_secs();
    for _ in 0..n {
        let mut acc = account(now, &phc);
        acc.twosv_enabled_at = Some(now);
        let fid = FactorId::new();
        let seed = [7u8; 20];
        acc.preferred_factor = Some(fid);
        writes.push(Write::InsertAccount(acc.clone()));
        writes.push(Write::InsertFactor(Factor {
            id: fid,
            account_id: acc.id,
            kind: FactorKind::Totp,
            phone: None,
            channel: None,
            secret: Some(keys.seal(&totp_aad(fid), &seed).map_err(e)?),
            created_at: now,
            verified_at: Some(now),
            last_used_step: None,
            failed_count: 0,
            disabled_at: None,
            replaces: None,
        }));
        let cid = ChallengeId::new();
        writes.push(Write::InsertChallenge(challenge(acc.id, now, Some(fid), None, cid)));
        items.push((cid, totp::code_at(&totp::APP_DEFAULT, &seed, unix)));
    }
    svc.store.commit(writes).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let (h, b, items) = (http.clone(), base.clone(), Arc::new(items));
    let totp_rate = rate(n, c, move |i| {
        let (h, b) = (h.clone(), b.clone());
        let (id, code) = items[i].clone();
        async move {
            let _ = h.post(format!("{b}/api/v1/challenges/{id}/verify")).json(&json!({"code": code})).send().await;
        }
    })
    .await;

    // Issuance: resend on open challenges of an account without 2SV (e-mail).
    let mut ids = Vec::with_capacity(n);
    let mut writes = Vec::new();
    for _ in 0..n {
        let id = ChallengeId::new();
        writes.push(Write::InsertChallenge(challenge(acct.id, now, None, None, id)));
        ids.push(id);
    }
    svc.store.commit(writes).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let (h, b, ids) = (http.clone(), base.clone(), Arc::new(ids));
    let issue = rate(n, c, move |i| {
        let (h, b, id) = (h.clone(), b.clone(), ids[i]);
        async move {
            let _ = h.post(format!("{b}/api/v1/challenges/{id}/resend")).send().await;
        }
    })
    .await;

    // The codes just issued are being delivered in the background: let that finish so
    // it does not weigh on the next round.
    let drained = Instant::now();
    while db.count_outbox("pending").await.map_err(e)? > 0 && drained.elapsed().as_secs() < 120 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    Ok(Report { argon, signin, unknown, health, page, commits, trips, sent, totp: totp_rate, issue })
}

