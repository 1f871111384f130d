//! F-OPS-7: `/health/live` says the process answers; `/health/ready` (and `/health`)
//! says whether this instance can do its work, naming every check and the ones that
//! failed: the database, the migrations, the clock against the database's, the outbox
//! and the providers.

use std::time::{Duration, Instant};

use super::*;
use ninsho_domain::ports::FakeClock;
use ninsho_domain::types::UnixMillis;

const CHECKS: [&str; 5] = ["database", "migrations", "clock", "outbox", "providers"];

async fn eventually(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < limit, "{what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A not-ready answer: 503, a problem document naming `failed` (only) and `reason`.
fn assert_not_ready(r: &Resp, failed: &str, reason: &str) {
    assert_eq!(r.status, 503, "{:?}", r.body);
    assert_eq!(r.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    assert!(r.headers.get("retry-after").is_some(), "Retry-After");
    assert_eq!(r.body["code"], "server.unavailable", "{:?}", r.body);
    assert_eq!(r.body["reason"], reason, "{:?}", r.body);
    assert_eq!(r.body["failed"], json!([failed]), "{:?}", r.body);
    for name in CHECKS {
        assert_eq!(r.body["checks"][name]["ok"], name != failed, "{name}: {:?}", r.body);
    }
    assert_eq!(r.body["checks"][failed]["reason"], reason);
}

#[tokio::test]
async fn f_ops_7_live_answers_and_ready_names_every_check() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let live = app.call("GET", "/health/live", None, None).await;
        assert_eq!((live.status, live.body.clone()), (200, json!({"status": "ok"})));
        for path in ["/health/ready", "/health"] {
            let r = app.call("GET", path, None, None).await;
            assert_eq!(r.status, 200, "{path}: {:?}", r.body);
            assert_eq!(r.body["status"], "ok");
            for name in CHECKS {
                assert_eq!(r.body["checks"][name]["ok"], true, "{path} {name}: {:?}", r.body);
            }
            let known = r.body["checks"]["migrations"]["known"].as_u64().unwrap();
            assert!(known >= 13, "{:?}", r.body);
            assert_eq!(r.body["checks"]["migrations"]["applied"], known);
            // The test configuration sends everything to the development inbox: the check
            // passes, and says so.
            let providers = &r.body["checks"]["providers"];
            assert_eq!((providers["email"].as_str(), providers["sms"].as_str(), providers["voice"].as_str()), (Some("dev-inbox"), Some("dev-inbox"), Some("dev-inbox")));
            assert!(providers["note"].as_str().unwrap().contains("development inbox"), "{providers}");
        }
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_ops_7_ready_fails_and_names_the_clock_when_it_is_skewed() {
    for b in backends().await {
        let clock = OffsetClock::default();
        let c2 = clock.clone();
        let app = spawn_app_with(b, move |c| {
            c.clock = std::sync::Arc::new(c2);
            c.clock_check_every = Duration::from_millis(100);
        })
        .await;
        assert_eq!(app.call("GET", "/health/ready", None, None).await.status, 200);
        clock.set_offset_secs(-60);
        eventually("ready reports the skew", Duration::from_secs(5), async || app.call("GET", "/health/ready", None, None).await.status == 503).await;
        let r = app.call("GET", "/health/ready", None, None).await;
        assert_not_ready(&r, "clock", "clock_skew");
        assert!(r.body["checks"]["clock"]["skew_ms"].as_i64().unwrap() > 50_000, "{:?}", r.body);
        // Alive all the same: restarting it would not fix the host's clock.
        assert_eq!(app.call("GET", "/health/live", None, None).await.status, 200);
        clock.set_offset_secs(0);
        eventually("ready again", Duration::from_secs(5), async || app.call("GET", "/health/ready", None, None).await.status == 200).await;
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_ops_7_ready_fails_and_names_the_outbox_when_delivery_is_stuck() {
    for b in backends().await {
        let clock = FakeClock::at(UnixMillis(1_900_000_000_000));
        let c2 = clock.clone();
        let app = spawn_app_with(b, move |c| use_fake_clock(c, c2)).await;
        // No dispatcher sends: the sign-up's code waits in the outbox.
        app.running.pause_delivery(true);
        let r = app.call("POST", "/api/v1/sign-up", None, Some(json!({"email": unique_email(), "password": PASSWORD, "locale": "en"}))).await;
        assert_eq!(r.status, 202, "{:?}", r.body);
        clock.advance_secs(60);
        let r = app.call("GET", "/health/ready", None, None).await;
        assert_eq!(r.status, 200, "a minute late is not stuck: {:?}", r.body);
        assert_eq!(r.body["checks"]["outbox"]["overdue_seconds"], 60, "{:?}", r.body);
        // Past the threshold (ten minutes by default).
        clock.advance_secs(10 * 60);
        let r = app.call("GET", "/health/ready", None, None).await;
        assert_not_ready(&r, "outbox", "outbox_stuck");
        assert_eq!(r.body["checks"]["outbox"]["pending"], 1, "{:?}", r.body);
        assert_eq!(r.body["checks"]["outbox"]["overdue_seconds"], 660, "{:?}", r.body);
        assert_eq!(r.body["checks"]["outbox"]["stuck_after_seconds"], 600, "{:?}", r.body);
        assert_not_ready(&app.call("GET", "/health", None, None).await, "outbox", "outbox_stuck");
        assert_eq!(app.call("GET", "/health/live", None, None).await.status, 200);
        // Delivery resumes: the message goes out and the instance is ready again.
        app.running.pause_delivery(false);
        eventually("ready once the outbox drains", Duration::from_secs(10), async || app.call("GET", "/health/ready", None, None).await.status == 200).await;
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_ops_7_ready_fails_and_names_the_migrations_when_one_is_missing() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let r = app.call("GET", "/health/ready", None, None).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let latest = ninsho_storage::migrate::SQLITE.iter().map(|m| m.version).max().unwrap();
        // The database as an older release left it: the last migration not applied.
        let forget = format!("delete from ninsho_migrations where version = {latest}");
        match b {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&app.db.url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(forget)).execute(&pool).await.unwrap();
                pool.close().await;
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(forget)).execute(&pool).await.unwrap();
                pool.close().await;
            }
        }
        let r = app.call("GET", "/health/ready", None, None).await;
        assert_not_ready(&r, "migrations", "migrations_pending");
        assert_eq!(r.body["checks"]["migrations"]["missing"], json!([latest]), "{:?}", r.body);
        assert_eq!(app.call("GET", "/health/live", None, None).await.status, 200);
        app.shutdown().await;
    }
}
