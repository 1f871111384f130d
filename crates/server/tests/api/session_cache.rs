//! F-INT-2 answered from memory: a shop checks a session on every request, so each
//! instance caches clients and sessions. These tests hold the cache to what the
//! database says: a change made anywhere — this instance, another one, another
//! process, or behind a cut connection — is seen within the lease (one second).

use std::time::{Duration, Instant};

use super::*;
use ninsho_domain::types::Scope;
use secrecy::ExposeSecret;

const INTROSPECT: &str = "/api/v1/service/sessions/introspect";
/// The cache's lease, and the time a test allows for a change to be seen: the lease
/// plus room for a loaded machine.
const WITHIN: Duration = Duration::from_millis(2500);

async fn introspect(http: &reqwest::Client, base: &str, secret: &str, token: &str) -> (u16, Value) {
    let r = http.post(format!("{base}{INTROSPECT}")).bearer_auth(secret).json(&json!({"token": token})).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Asks until the instance answers from memory; panics if it never does.
async fn warm(http: &reqwest::Client, base: &str, db: &ninsho_storage::Db, secret: &str, token: &str) {
    let start = db.session_cache().hits;
    for _ in 0..300 {
        let (status, body) = introspect(http, base, secret, token).await;
        assert_eq!((status, &body["active"]), (200, &json!(true)), "{body:?}");
        if db.session_cache().hits > start {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the cache never answered: {:?}", db.session_cache());
}

/// How long until `check` holds, asking every 5 ms; panics past `WITHIN`.
async fn seen_within(what: &str, mut check: impl AsyncFnMut() -> bool) -> Duration {
    let start = Instant::now();
    while start.elapsed() < WITHIN {
        if check().await {
            return start.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("{what}: not seen within {WITHIN:?}");
}

#[tokio::test]
async fn f_int_2_a_session_ended_anywhere_is_inactive_on_every_instance_within_the_lease() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let (second, _data) = spawn_second(&app).await;
        let other = second.url();
        let (_, secret) = app.running.services.add_service_client("checkout", &[Scope::SessionsRead], 100_000).await.unwrap();
        let secret = secret.expose_secret().to_string();

        // Ended on this instance: inactive here at once (the commit drops it first).
        let token = app.signed_up(&unique_email(), PASSWORD).await;
        warm(&app.http, &app.url, &app.running.db, &secret, &token).await;
        assert_eq!(app.call("POST", "/api/v1/sign-out", Some(&token), None).await.status, 204);
        let (_, body) = introspect(&app.http, &app.url, &secret, &token).await;
        assert_eq!(body, json!({"active": false}), "{b:?}: the instance that ended it still says active");

        // Ended on the other instance: inactive here within the lease.
        let token = app.signed_up(&unique_email(), PASSWORD).await;
        warm(&app.http, &app.url, &app.running.db, &secret, &token).await;
        let ended = call(&app.http, &other, "POST", "/api/v1/sign-out", Some(&token), None).await;
        assert_eq!(ended.status, 204, "{:?}", ended.body);
        let took = seen_within("a sign-out on the other instance", async || introspect(&app.http, &app.url, &secret, &token).await.1 == json!({"active": false})).await;
        println!("{b:?}: a sign-out on another instance was seen after {took:?}");

        // A step-up on the other instance shows here too.
        let token = app.signed_up(&unique_email(), PASSWORD).await;
        warm(&app.http, &app.url, &app.running.db, &secret, &token).await;
        let confirmed = call(&app.http, &other, "POST", "/api/v1/step-up", Some(&token), Some(json!({"password": PASSWORD}))).await;
        assert_eq!(confirmed.status, 200, "{:?}", confirmed.body);
        seen_within("a step-up on the other instance", async || !introspect(&app.http, &app.url, &secret, &token).await.1["step_up"].is_null()).await;
        second.shutdown().await;
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_int_2_a_client_revoked_by_the_cli_stops_working_on_the_running_server_within_the_lease() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let (client, secret) = app.running.services.add_service_client("checkout", &[Scope::SessionsRead], 100_000).await.unwrap();
        let secret = secret.expose_secret().to_string();
        let token = app.signed_up(&unique_email(), PASSWORD).await;
        warm(&app.http, &app.url, &app.running.db, &secret, &token).await;
        // Another process, with its own connections to the same database.
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_ninsho"))
            .args(["admin", "clients", "revoke", &client.id.to_string(), "--database-url", &app.db.url, "--data-dir"])
            .arg(&app.data.path)
            .env("NINSHO_MASTER_KEY", TEST_MASTER_KEY)
            .output()
            .await
            .unwrap();
        assert!(out.status.success(), "{b:?}: {}", String::from_utf8_lossy(&out.stderr));
        let took = seen_within("a revocation by another process", async || introspect(&app.http, &app.url, &secret, &token).await.0 == 401).await;
        println!("{b:?}: a client revoked by the CLI was refused after {took:?}");
        app.shutdown().await;
    }
}

/// A change the instance was never told of (here: made with SQL behind ninsho's back
/// while its listening connection is cut) is not answered from memory for longer
/// than the lease: the cut empties the cache, and until a heartbeat comes back
/// through the new connection every check reads the database.
#[tokio::test]
async fn f_int_2_a_cut_listening_connection_sends_every_check_to_the_database() {
    if !backends().await.contains(&Backend::Postgres) {
        return;
    }
    let app = spawn_app(Backend::Postgres).await;
    let (_, secret) = app.running.services.add_service_client("checkout", &[Scope::SessionsRead], 100_000).await.unwrap();
    let secret = secret.expose_secret().to_string();
    let token = app.signed_up(&unique_email(), PASSWORD).await;
    warm(&app.http, &app.url, &app.running.db, &secret, &token).await;

    let admin = sqlx::PgPool::connect(&app.db.url).await.unwrap();
    let cut: Vec<bool> = sqlx::query_scalar("select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen%'")
        .fetch_all(&admin)
        .await
        .unwrap();
    assert_eq!(cut, vec![true], "one listening connection, cut");
    sqlx::query("update sessions set revoked_at = 1").execute(&admin).await.unwrap();
    let took = seen_within("a change nobody was told of, after the cut", async || introspect(&app.http, &app.url, &secret, &token).await.1 == json!({"active": false})).await;
    println!("a change behind a cut connection was seen after {took:?}");
    // The cache comes back by itself once the new connection hears.
    let token = app.signed_up(&unique_email(), PASSWORD).await;
    warm(&app.http, &app.url, &app.running.db, &secret, &token).await;
    admin.close().await;
    app.shutdown().await;
}
