//! F-OPS-7: faults fail closed and recover by themselves. A full disk (SQLite on a
//! small tmpfs) and a database that refuses connections (PostgreSQL) answer 503
//! `server.unavailable` with `Retry-After`, `/health` says so, nothing partial is
//! stored, and service resumes without a restart once the fault is gone.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::*;
use ninsho_domain::types::AccountId;

/// A tmpfs of a few MiB, unmounted when dropped.
struct SmallDisk {
    path: PathBuf,
}

impl SmallDisk {
    fn mount(mib: u32) -> SmallDisk {
        let path = std::env::temp_dir().join(format!("ninsho-smalldisk-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).unwrap();
        let st = std::process::Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"]).arg(&path).status().expect("mount runs");
        assert!(st.success(), "mounting a tmpfs needs root (CI runs as root)");
        SmallDisk { path }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.path).status();
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Writes a file until the disk refuses more; returns it.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 4096];
    while f.write_all(&chunk).is_ok() {}
    let _ = f.sync_all();
    path
}

fn assert_unavailable(r: &Resp, reason: &str, what: &str) {
    assert_eq!(r.status, 503, "{what}: {:?}", r.body);
    assert_eq!(r.body["code"], "server.unavailable", "{what}: {:?}", r.body);
    assert_eq!(r.body["reason"], reason, "{what}: {:?}", r.body);
}

async fn retry_after(app: &TestApp, path: &str, body: Value) -> Option<String> {
    let r = app.http.post(format!("{}{path}", app.url)).json(&body).send().await.unwrap();
    r.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned)
}

async fn eventually(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < limit, "{what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn f_ops_7_a_full_disk_answers_503_stores_nothing_partial_and_recovers_by_itself() {
    let disk = SmallDisk::mount(6);
    let db_url = format!("sqlite://{}", disk.path.join("ninsho.db").display());
    let app = spawn_app_with(Backend::Sqlite, |c| c.database_url = db_url.clone()).await;
    let email = unique_email();
    let token = app.signed_up(&email, PASSWORD).await;
    let id = AccountId::parse(app.call("GET", "/api/v1/account", Some(&token), None).await.body["id"].as_str().unwrap()).unwrap();
    let filler = fill(&disk.path);

    // Sign in until the database cannot grow: the WAL may still have room for a few.
    let (mut signed_in, mut refused) = (0, None);
    for _ in 0..2000 {
        let r = sign_in(&app, &app.http, &email, json!({})).await;
        match r.status {
            200 => signed_in += 1,
            _ => {
                refused = Some(r);
                break;
            }
        }
    }
    let refused = refused.expect("the disk filled up");
    assert_unavailable(&refused, "disk_full", "a sign-in on a full disk");
    // Nothing partial: exactly the sessions that were answered 200, plus sign-up's.
    assert_eq!(app.running.db.count_sessions(id).await.unwrap(), signed_in + 1, "a refused sign-in left a session");

    // Still full: every write is refused, with a time to come back; readiness says why.
    let again = sign_in(&app, &app.http, &email, json!({})).await;
    assert_unavailable(&again, "disk_full", "the next sign-in");
    assert!(retry_after(&app, "/api/v1/sign-in", json!({"email": email, "password": PASSWORD})).await.is_some_and(|s| s.parse::<u32>().is_ok_and(|n| n > 0)));
    let health = app.call("GET", "/health", None, None).await;
    assert_unavailable(&health, "disk_full", "/health");
    // Reads still work: the account's own pages do not need to write.
    assert_eq!(app.call("GET", "/api/v1/history", Some(&token), None).await.status, 200);

    // Space comes back: no restart, the next writes succeed.
    std::fs::remove_file(&filler).unwrap();
    eventually("/health ok again", Duration::from_secs(10), async || app.call("GET", "/health", None, None).await.status == 200).await;
    let r = sign_in(&app, &app.http, &email, json!({})).await;
    assert_eq!(r.status, 200, "a write after space is back: {:?}", r.body);
    assert_eq!(app.running.db.count_sessions(id).await.unwrap(), signed_in + 2);
    app.shutdown().await;
    drop(disk);
}

#[tokio::test]
async fn f_ops_7_a_lost_database_answers_503_and_service_resumes_by_itself() {
    if !backends().await.contains(&Backend::Postgres) {
        return;
    }
    let app = spawn_app(Backend::Postgres).await;
    let email = unique_email();
    let token = app.signed_up(&email, PASSWORD).await;
    let name = app.db.url.rsplit('/').next().unwrap().to_string();
    let admin = sqlx::PgPool::connect(PG_ADMIN_URL).await.unwrap();
    let q = |sql: String| sqlx::query(sqlx::AssertSqlSafe(sql));

    // The database refuses new connections, and the open ones are cut.
    q(format!("alter database {name} allow_connections false")).execute(&admin).await.unwrap();
    q(format!("select pg_terminate_backend(pid) from pg_stat_activity where datname = '{name}'")).execute(&admin).await.unwrap();

    let start = Instant::now();
    let r = sign_in(&app, &app.http, &email, json!({})).await;
    assert_eq!(r.status, 503, "{:?}", r.body);
    assert!(start.elapsed() < Duration::from_secs(15), "answered in {:?}", start.elapsed());
    assert!(matches!(r.body["code"].as_str(), Some("server.unavailable" | "server.busy")), "{:?}", r.body);
    assert!(retry_after(&app, "/api/v1/sign-in", json!({"email": email, "password": PASSWORD})).await.is_some());
    let health = app.call("GET", "/health", None, None).await;
    assert_unavailable(&health, "database_down", "/health");
    let me = app.call("GET", "/api/v1/account", Some(&token), None).await;
    assert_eq!(me.status, 503, "an authenticated read fails closed, not as 401: {:?}", me.body);

    // Allowed again: service resumes without a restart.
    q(format!("alter database {name} allow_connections true")).execute(&admin).await.unwrap();
    eventually("/health ok again", Duration::from_secs(20), async || app.call("GET", "/health", None, None).await.status == 200).await;
    let r = sign_in(&app, &app.http, &email, json!({})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(app.call("GET", "/api/v1/account", Some(&token), None).await.status, 200);
    admin.close().await;
    app.shutdown().await;
}

#[tokio::test]
async fn f_ops_7_more_sign_ins_than_the_machine_can_hash_are_shed_at_once() {
    let app = std::sync::Arc::new(
        spawn_app_with(Backend::Sqlite, |c| {
            ninsho_server::bench::lift_quotas(c);
            // The real parameters: tens of milliseconds a hash.
            c.policy.password = ninsho_domain::Policy::default().password;
            c.hash_parallelism = 2;
            c.hash_max_wait = Duration::from_millis(200);
        })
        .await,
    );
    let email = unique_email();
    app.signed_up(&email, PASSWORD).await;
    let gate = std::sync::Arc::new(tokio::sync::Barrier::new(61));
    let mut tasks = Vec::new();
    for _ in 0..60 {
        let (app, gate, email) = (app.clone(), gate.clone(), email.clone());
        tasks.push(tokio::spawn(async move {
            gate.wait().await;
            let start = Instant::now();
            let r = app.http.post(format!("{}/api/v1/sign-in", app.url)).json(&json!({"email": email, "password": PASSWORD})).send().await.unwrap();
            let retry = r.headers().get("retry-after").is_some();
            (r.status().as_u16(), retry, r.json::<Value>().await.unwrap(), start.elapsed())
        }));
    }
    gate.wait().await;
    // The server keeps answering what needs no hash while the burst is on.
    let t = Instant::now();
    assert_eq!(app.call("GET", "/health", None, None).await.status, 200);
    let health = t.elapsed();
    let (mut accepted, mut shed) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            (200, _, body, _) if body["status"] == "signed_in" => accepted += 1,
            (503, true, body, took) if body["reason"] == "overloaded" => {
                shed += 1;
                assert!(took < Duration::from_millis(500), "shed at once, not after {took:?}");
            }
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert!(accepted >= 2 && shed > 0, "accepted {accepted}, shed {shed}");
    assert!(health < Duration::from_millis(300), "/health took {health:?} during the burst");
    std::sync::Arc::try_unwrap(app).ok().unwrap().shutdown().await;
}

#[tokio::test]
async fn f_ops_7_an_instance_whose_clock_is_off_issues_and_checks_no_code() {
    for b in backends().await {
        let clock = OffsetClock::default();
        let c2 = clock.clone();
        let app = spawn_app_with(b, move |c| {
            c.clock = std::sync::Arc::new(c2);
            c.clock_check_every = Duration::from_millis(100);
        })
        .await;
        let acct = two_sv_account(&app).await;
        let before = app.inbox_count("+819012345678").await;
        let s = sign_in(&app, &browser(UA_B), &acct.email, json!({})).await;
        let cid = s.body["challenge_id"].as_str().unwrap().to_string();
        let code = app.code_after("+819012345678", before).await;

        // A minute behind the database: the code would look 60 s younger than it is.
        clock.set_offset_secs(-60);
        eventually("/health reports the skew", Duration::from_secs(5), async || app.call("GET", "/health", None, None).await.body["reason"] == "clock_skew").await;
        assert_eq!(app.call("GET", "/health", None, None).await.status, 503);
        let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code}))).await;
        assert_unavailable(&v, "clock_skew", "a code checked on a skewed instance");
        let s2 = sign_in(&app, &browser(UA_B), &acct.email, json!({})).await;
        assert_unavailable(&s2, "clock_skew", "a code issued on a skewed instance");

        // The clock is put right: codes flow again without a restart.
        clock.set_offset_secs(0);
        eventually("/health ok again", Duration::from_secs(5), async || app.call("GET", "/health", None, None).await.status == 200).await;
        let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code}))).await;
        assert_eq!(v.status, 200, "{b:?}: {:?}", v.body);
        app.shutdown().await;
    }
}
