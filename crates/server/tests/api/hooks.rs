//! F-INT-4: security events reach the shop's receivers as Standard Webhooks, each
//! checked by PyPI's `standardwebhooks` library (testkit::hooks): every event, at
//! least once, under a stable id, through a receiver's downtime and a `kill -9` of the
//! server; never a code, token, password, address or number; never from a change that
//! rolled back.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::*;
use ninsho_domain::email::Email;
use ninsho_domain::ports::{Clock, Event, Store, Write};
use ninsho_server::Config;
use ninsho_domain::types::{AccountId, EventId, EventKind, FactorId, UnixMillis};
use ninsho_testkit::hooks::{self, Receiver};
use ninsho_testkit::process::ServerProcess;
use secrecy::ExposeSecret;

const PHONE: &str = "+819012345678";
const NEW_PASSWORD: &str = "a brand new passphrase for webhooks 42";

/// The Python with `standardwebhooks`, or `None` when the test may be skipped.
fn python() -> Option<std::path::PathBuf> {
    let p = hooks::python();
    if p.is_none() {
        assert!(!hooks::required(), "NINSHO_TEST_MMDB=1 but NINSHO_MMDB_PYTHON names no Python with standardwebhooks");
        println!("skipped: no standardwebhooks (set NINSHO_MMDB_PYTHON to a Python with `pip install standardwebhooks`)");
    }
    p
}

/// Quick retries and a short lease, so a test sees several tries within seconds.
fn fast(c: &mut Config) {
    c.webhooks.poll_ms = 50;
    c.webhooks.retry_base_ms = 200;
    c.webhooks.retry_max_ms = 600;
    c.webhooks.lease_ms = 3_000;
    c.webhooks.timeout = Duration::from_secs(2);
}

async fn endpoint(app: &TestApp, name: &str, url: &str, events: &str) -> String {
    let (_, secret) = app.running.services.add_webhook_endpoint(name, url, events).await.unwrap();
    secret.expose_secret().to_string()
}

/// Every delivery row: (webhook-id, status).
async fn deliveries(db_url: &str) -> Vec<(String, String)> {
    const Q: &str = "select webhook_id, status from webhook_deliveries order by id";
    if db_url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(db_url).await.unwrap();
        let rows = sqlx::query_as(Q).fetch_all(&pool).await.unwrap();
        pool.close().await;
        rows
    } else {
        let pool = sqlx::SqlitePool::connect(db_url).await.unwrap();
        let rows = sqlx::query_as(Q).fetch_all(&pool).await.unwrap();
        pool.close().await;
        rows
    }
}

async fn deliveries_of(db_url: &str, event: EventId) -> i64 {
    const Q: &str = "select count(*) from webhook_deliveries where event_id = $1";
    if db_url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(db_url).await.unwrap();
        let n = sqlx::query_scalar(Q).bind(event.0).fetch_one(&pool).await.unwrap();
        pool.close().await;
        n
    } else {
        let pool = sqlx::SqlitePool::connect(db_url).await.unwrap();
        let n = sqlx::query_scalar(Q).bind(event.0).fetch_one(&pool).await.unwrap();
        pool.close().await;
        n
    }
}

/// Waits until no delivery is pending; returns the rows.
async fn all_settled(db_url: &str, within: Duration) -> Vec<(String, String)> {
    let until = std::time::Instant::now() + within;
    loop {
        let rows = deliveries(db_url).await;
        if rows.iter().all(|(_, s)| s != "pending") || std::time::Instant::now() >= until {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn ids(records: &[Value], status: i64) -> BTreeSet<String> {
    records.iter().filter(|r| r["status"] == status).map(|r| r["id"].as_str().unwrap().to_string()).collect()
}

/// Every accepted body: no secret of the script anywhere in it.
fn assert_nothing_secret(records: &[Value], secrets: &[&str]) {
    for r in records {
        let body = r["body"].as_str().unwrap();
        for s in secrets.iter().filter(|s| !s.is_empty()) {
            assert!(!body.contains(s), "a delivery carries {s:?}: {body}");
        }
    }
}

#[tokio::test]
async fn f_int_4_every_scripted_event_arrives_verified_and_carries_no_secret() {
    let Some(python) = python() else { return };
    for b in backends().await {
        let app = spawn_app_with(b, fast).await;
        let mut all = Receiver::new(&python, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &app.data.path).unwrap();
        let mut sign_ins = Receiver::new(&python, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &app.data.path).unwrap();
        let secret = endpoint(&app, "security-desk", &all.url(), "all").await;
        all.set_secret(&secret);
        all.up().unwrap();
        let secret = endpoint(&app, "fraud", &sign_ins.url(), "sign_in.succeeded").await;
        sign_ins.set_secret(&secret);
        sign_ins.up().unwrap();

        // Sign-up, a phone, backup codes, 2SV on.
        let acct = two_sv_account(&app).await;
        // A sign-in with an SMS code from another browser (a new device).
        let before = app.inbox_count(PHONE).await;
        let s = sign_in(&app, &browser(UA_B), &acct.email, json!({})).await;
        assert_eq!(s.body["status"], "code_required", "{:?}", s.body);
        let sms = app.code_after(PHONE, before).await;
        let v = app.call("POST", &format!("/api/v1/challenges/{}/verify", s.body["challenge_id"].as_str().unwrap()), None, Some(json!({"code": sms}))).await;
        assert_eq!(v.status, 200, "{:?}", v.body);
        let t2 = v.body["session_token"].as_str().unwrap().to_string();
        let r = app.call("POST", "/api/v1/account/password", Some(&t2), Some(json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "sign_out_others": false}))).await;
        assert_eq!(r.status, 204, "{b:?} {:?}", r.body);
        let r = app.call("POST", "/api/v1/sessions/sign-out-all", Some(&t2), Some(json!({"keep_current": false}))).await;
        assert_eq!(r.status, 204, "{b:?} {:?}", r.body);

        let wanted = ["sign_in.succeeded", "device.new", "method.added", "two_step.enabled", "password.changed", "sessions.ended"];
        let types = |records: &[Value]| records.iter().filter_map(|r| r["payload"]["type"].as_str().map(str::to_string)).collect::<BTreeSet<_>>();
        let records = all.wait_for(Duration::from_secs(15), |r| wanted.iter().all(|w| types(r).contains(*w))).await;
        assert!(wanted.iter().all(|w| types(&records).contains(*w)), "{b:?}: {:?}", types(&records));
        let rows = all_settled(&app.db.url, Duration::from_secs(10)).await;
        assert!(rows.iter().all(|(_, s)| s == "delivered"), "{b:?}: {rows:?}");
        let records = all.records();
        // Each delivery verified by the library at its first try, each id once.
        assert!(records.iter().all(|r| r["status"] == 204 && r.get("payload").is_some()), "{b:?}: {records:?}");
        assert_eq!(ids(&records, 204).len(), records.len(), "{b:?}: each id once");

        let account = app.running.db.account_by_email(&Email::parse(&acct.email).unwrap()).await.unwrap().unwrap().id.to_string();
        for r in &records {
            let p = &r["payload"];
            assert_eq!(p["data"]["sub"], account.as_str(), "{b:?}: {p}");
            assert!(EventId::parse(p["data"]["event_id"].as_str().unwrap()).is_some(), "{p}");
            assert!(p["timestamp"].as_str().unwrap().ends_with('Z'), "{p}");
            assert!(r["id"].as_str().unwrap().ends_with(p["type"].as_str().unwrap()), "the id names its topic: {r}");
        }
        let kinds: BTreeSet<&str> = records.iter().filter(|r| r["payload"]["type"] == "method.added").filter_map(|r| r["payload"]["data"]["method"].as_str()).collect();
        assert!(kinds.contains("phone"), "{kinds:?}");
        let local = acct.email.split('@').next().unwrap();
        let mut secrets = vec![PASSWORD, NEW_PASSWORD, acct.email.as_str(), local, "12345678", acct.token.as_str(), t2.as_str(), sms.as_str()];
        secrets.extend(acct.backup_codes.iter().map(String::as_str));
        assert_nothing_secret(&records, &secrets);

        // The filtered endpoint heard sign-ins only.
        let heard = sign_ins.wait_for(Duration::from_secs(5), |r| r.len() >= 2).await;
        assert!(heard.len() >= 2 && heard.iter().all(|r| r["payload"]["type"] == "sign_in.succeeded" && r["status"] == 204), "{b:?}: {heard:?}");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_int_4_a_receiver_down_then_up_gets_every_event_and_redeliveries_keep_their_id() {
    let Some(python) = python() else { return };
    for b in backends().await {
        let app = spawn_app_with(b, fast).await;
        let mut rx = Receiver::new(&python, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &app.data.path).unwrap();
        let secret = endpoint(&app, "desk", &rx.url(), "all").await;
        rx.set_secret(&secret);
        rx.up().unwrap();
        let email = unique_email();
        let token = app.signed_up(&email, PASSWORD).await;

        // 503 for a while: the sender keeps trying.
        rx.mode("unavailable").await.unwrap();
        for _ in 0..2 {
            assert_eq!(sign_in(&app, &browser(UA_A), &email, json!({})).await.status, 200);
        }
        let seen = rx.wait_for(Duration::from_secs(10), |r| r.iter().filter(|r| r["status"] == 503).count() >= 4).await;
        assert!(seen.iter().filter(|r| r["status"] == 503).count() >= 4, "{b:?}: {seen:?}");
        // Then not there at all: connections refused.
        rx.down();
        assert_eq!(sign_in(&app, &browser(UA_B), &email, json!({})).await.status, 200);
        assert_eq!(app.call("POST", "/api/v1/sign-out", Some(&token), None).await.status, 204);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(deliveries(&app.db.url).await.iter().any(|(_, s)| s == "pending"), "{b:?}: waiting while the receiver is away");

        rx.up().unwrap();
        let rows = all_settled(&app.db.url, Duration::from_secs(15)).await;
        assert!(rows.iter().all(|(_, s)| s == "delivered"), "{b:?}: {rows:?}");
        let records = rx.records();
        let accepted = ids(&records, 204);
        let expected: BTreeSet<String> = rows.iter().map(|(id, _)| id.clone()).collect();
        assert_eq!(accepted, expected, "{b:?}: every event arrived");
        let refused = ids(&records, 503);
        assert!(!refused.is_empty() && refused.is_subset(&accepted), "{b:?}: a retry keeps its id: {refused:?} {accepted:?}");
        // The same id always carried the same body.
        let mut bodies: BTreeMap<&str, &str> = BTreeMap::new();
        for r in &records {
            let before = bodies.insert(r["id"].as_str().unwrap(), r["body"].as_str().unwrap());
            assert!(before.is_none_or(|x| x == r["body"].as_str().unwrap()), "{b:?}: {r}");
        }
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_int_4_a_receiver_with_the_wrong_secret_never_accepts_and_is_tried_again() {
    let Some(python) = python() else { return };
    for b in backends().await {
        let app = spawn_app_with(b, fast).await;
        // Not the secret ninsho gave: a receiver that cannot tell ninsho's deliveries.
        let rx = Receiver::new(&python, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &app.data.path).unwrap();
        let _ = endpoint(&app, "desk", &rx.url(), "sign_in.succeeded").await;
        let mut rx = rx;
        rx.up().unwrap();
        app.signed_up(&unique_email(), PASSWORD).await;
        let records = rx
            .wait_for(Duration::from_secs(10), |r| {
                let mut n: BTreeMap<&str, usize> = BTreeMap::new();
                r.iter().for_each(|r| *n.entry(r["id"].as_str().unwrap_or("")).or_default() += 1);
                n.values().any(|c| *c >= 3)
            })
            .await;
        assert!(!records.is_empty(), "{b:?}");
        assert!(records.iter().all(|r| r["status"] == 401 && r["rejected"].as_str().is_some_and(|e| e.contains("signature"))), "{b:?}: {records:?}");
        assert!(rx.accepted().is_empty());
        assert!(ids(&records, 401).len() < records.len(), "{b:?}: the same delivery was tried again: {records:?}");
        assert!(deliveries(&app.db.url).await.iter().all(|(_, s)| s == "pending"), "{b:?}: still waiting for a receiver that accepts");
        app.shutdown().await;
    }
}

fn event(kind: EventKind, account: Option<AccountId>) -> (EventId, Write) {
    let id = EventId::new();
    let e = Event { id, account_id: account, at: UnixMillis(ninsho_domain::ports::SystemClock.now().0), kind, ip: None, user_agent: None, device_hash: None, detail: String::new(), unfamiliar: true };
    (id, Write::InsertEvent(e))
}

/// The fan-out is part of the event's own commit: a list refused by a guard leaves
/// neither the event nor a delivery — as a transaction (SQLite, and PostgreSQL for
/// rare writes) and as PostgreSQL's one statement of the hot paths.
#[tokio::test]
async fn f_int_4_a_change_that_rolls_back_leaves_no_delivery() {
    for b in backends().await {
        let app = spawn_app_with(b, fast).await;
        endpoint(&app, "desk", "http://127.0.0.1:9/hooks", "all").await;
        let email = unique_email();
        app.signed_up(&email, PASSWORD).await;
        let account = app.running.db.account_by_email(&Email::parse(&email).unwrap()).await.unwrap().unwrap().id;
        let db = &app.running.db;
        let now = UnixMillis(ninsho_domain::ports::SystemClock.now().0);

        // Committed: a sign-in from a new device is two deliveries.
        let (kept, w) = event(EventKind::SignIn, Some(account));
        db.commit(vec![w, Write::TouchSignIn { account, now }]).await.unwrap();
        assert_eq!(deliveries_of(&app.db.url, kept).await, 2, "{b:?}");
        // Refused by a guard: the hot-path shape (one statement on PostgreSQL)…
        let (lost, w) = event(EventKind::SignIn, Some(account));
        let r = db.commit(vec![w, Write::ConsumeChallenge { challenge: ninsho_domain::types::ChallengeId::new(), now, max_attempts: 5 }]).await;
        assert!(matches!(r, Err(ninsho_domain::ports::CommitError::Guard(1))), "{b:?}: {r:?}");
        assert_eq!(deliveries_of(&app.db.url, lost).await, 0, "{b:?}");
        // …and a transaction of rare writes.
        let (lost, w) = event(EventKind::TwosvEnabled, Some(account));
        let r = db.commit(vec![w, Write::VerifyFactor { factor: FactorId::new(), now }]).await;
        assert!(matches!(r, Err(ninsho_domain::ports::CommitError::Guard(1))), "{b:?}: {r:?}");
        assert_eq!(deliveries_of(&app.db.url, lost).await, 0, "{b:?}");
        // A removed endpoint hears nothing more; what it had waiting is dropped.
        app.running.services.remove_webhook_endpoint("desk").await.unwrap();
        let (after, w) = event(EventKind::SignIn, Some(account));
        db.commit(vec![w]).await.unwrap();
        assert_eq!(deliveries_of(&app.db.url, after).await, 0, "{b:?}");
        assert!(deliveries(&app.db.url).await.iter().all(|(_, s)| s == "dropped" || s == "delivered"), "{b:?}");
        app.shutdown().await;
    }
}

fn admin(bin: &str, dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> (bool, String, String) {
    let mut cmd = std::process::Command::new(bin);
    cmd.arg("admin").arg("webhooks").args(args).current_dir(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The operator's commands, against the real binary; then `kill -9` of the server
/// while a delivery is in flight loses nothing: the restarted server sends it again
/// once the dead one's lease has run out, under the same id.
#[tokio::test]
async fn f_int_4_kill_9_mid_delivery_loses_none() {
    let Some(python) = python() else { return };
    for b in backends().await {
        let db = fresh_db(b).await.unwrap();
        let dir = TempDir::new().unwrap();
        let env = [
            ("NINSHO_DATABASE_URL", db.url.as_str()),
            ("NINSHO_MASTER_KEY", TEST_MASTER_KEY),
            ("NINSHO_EVENT_WEBHOOKS_RETRY_BASE_SECS", "1"),
            ("NINSHO_EVENT_WEBHOOKS_RETRY_MAX_SECS", "1"),
            ("NINSHO_EVENT_WEBHOOKS_TIMEOUT_SECS", "1"),
            ("NINSHO_EVENT_WEBHOOKS_LEASE_SECS", "2"),
        ];
        let bin = env!("CARGO_BIN_EXE_ninsho");
        let mut rx = Receiver::new(&python, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &dir.path).unwrap();
        let url = rx.url();

        // Unknown events, and plain http off this machine: one line each, non-zero.
        let (ok, _, err) = admin(bin, &dir.path, &env, &["add", "desk", "--url", &url, "--events", "sign_in.succeeded,sign_in.sucseeded"]);
        assert!(!ok && err.lines().count() == 1 && err.contains("sign_in.sucseeded"), "{b:?}: {err}");
        let (ok, _, err) = admin(bin, &dir.path, &env, &["add", "desk", "--url", "http://hooks.shop.example/x", "--events", "all"]);
        assert!(!ok && err.lines().count() == 1 && err.contains("https"), "{b:?}: {err}");
        let (ok, out, err) = admin(bin, &dir.path, &env, &["add", "desk", "--url", &url, "--events", "all"]);
        assert!(ok, "{b:?}: {err}");
        let secret = out.lines().find_map(|l| l.strip_prefix("secret: ")).unwrap().to_string();
        assert!(secret.starts_with("whsec_"), "{out}");
        let (ok, _, err) = admin(bin, &dir.path, &env, &["add", "desk", "--url", &url, "--events", "all"]);
        assert!(!ok && err.contains("desk"), "{b:?}: a name is taken once: {err}");
        let (_, listed, _) = admin(bin, &dir.path, &env, &["list"]);
        assert!(listed.contains("\tdesk\t") && listed.contains(&url) && !listed.contains(&secret[6..]), "{listed}");
        assert!(admin(bin, &dir.path, &env, &["add", "gone", "--url", &url, "--events", "device.new"]).0);
        let (ok, out, _) = admin(bin, &dir.path, &env, &["remove", "gone"]);
        assert!(ok && out.contains("removed"), "{out}");
        assert!(!admin(bin, &dir.path, &env, &["list"]).1.contains("gone"));

        rx.set_secret(&secret);
        rx.up().unwrap();
        rx.mode("hold").await.unwrap();
        let server = ServerProcess::spawn(bin, &dir.path, &[], &env).unwrap();
        let http = client();
        let email = unique_email();
        let r = call(&http, &server.url, "POST", "/api/v1/sign-up", None, Some(json!({"email": email, "password": PASSWORD}))).await;
        assert_eq!(r.status, 202, "{:?}", r.body);
        let code = code_in(&inbox_wait(&http, &server.url, &email, 0).await.unwrap());
        let v = call(&http, &server.url, "POST", &format!("/api/v1/challenges/{}/verify", r.body["challenge_id"].as_str().unwrap()), None, Some(json!({"code": code}))).await;
        assert_eq!(v.status, 200, "{:?}", v.body);
        // A delivery is in flight (the receiver holds it): kill the server now.
        let held = rx.wait_for(Duration::from_secs(10), |r| r.iter().any(|r| r["held"] == true)).await;
        assert!(held.iter().any(|r| r["held"] == true), "{b:?}: {held:?}");
        server.kill9();
        rx.mode("up").await.unwrap();

        let server = ServerProcess::spawn(bin, &dir.path, &[], &env).unwrap();
        let rows = all_settled(&db.url, Duration::from_secs(20)).await;
        assert!(!rows.is_empty() && rows.iter().all(|(_, s)| s == "delivered"), "{b:?}: {rows:?}");
        let records = rx.records();
        let expected: BTreeSet<String> = rows.iter().map(|(id, _)| id.clone()).collect();
        assert_eq!(ids(&records, 204), expected, "{b:?}: every event arrived, verified");
        let held: BTreeSet<String> = records.iter().filter(|r| r["held"] == true).map(|r| r["id"].as_str().unwrap().to_string()).collect();
        assert!(held.is_subset(&expected), "{b:?}: the interrupted delivery came again under its id");
        let log = server.stop();
        assert!(!log.contains(&secret[6..]), "no secret in the log");
    }
}
