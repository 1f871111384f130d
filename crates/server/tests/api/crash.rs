//! F-OPS-3: killing the server with `kill -9` after a message was committed and before
//! it was sent loses nothing: after a restart it goes out, once.

use super::*;
use ninsho_testkit::process::ServerProcess;
use ninsho_testkit::smtp::{SmtpSink, free_port};
use std::time::Duration;

#[tokio::test]
async fn f_ops_3_kill_9_before_the_send_loses_nothing_and_sends_once() {
    for b in backends().await {
        let db = fresh_db(b).await.unwrap();
        let dir = TempDir::new().unwrap();
        let port = free_port().unwrap();
        let smtp = format!("smtp://127.0.0.1:{port}");
        let env = [
            ("NINSHO_DATABASE_URL", db.url.as_str()),
            ("NINSHO_MASTER_KEY", TEST_MASTER_KEY),
            ("NINSHO_SMTP_URL", smtp.as_str()),
            ("NINSHO_SMTP_FROM", "Shop <no-reply@shop.example>"),
        ];
        let bin = env!("CARGO_BIN_EXE_ninsho");
        let server = ServerProcess::spawn(bin, &dir.path, &[], &env).unwrap();
        let http = client();
        let email = unique_email();
        let r = call(&http, &server.url, "POST", "/api/v1/sign-up", None, Some(json!({"email": email, "password": PASSWORD}))).await;
        assert_eq!(r.status, 202, "{:?}", r.body);
        let cid = r.body["challenge_id"].as_str().unwrap().to_string();
        // Committed; the SMTP server is down, so the send failed and awaits a retry.
        let pool_url = db.url.clone();
        let mut failed_once = false;
        for _ in 0..100 {
            if last_error(&pool_url, &email).await.is_some() {
                failed_once = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(failed_once, "{b:?}: the first send should have failed");
        server.kill9();

        let sink = SmtpSink::start_on(port).unwrap();
        let server = ServerProcess::spawn(bin, &dir.path, &[], &env).unwrap();
        let mail = sink.wait_for(&email, 0, Duration::from_secs(30)).await.unwrap();
        let code = code_in(&mail.body);
        let v = call(&http, &server.url, "POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code}))).await;
        assert_eq!(v.status, 200, "{b:?} {:?}", v.body);
        // Give a second delivery every chance to happen, then count.
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(sink.messages_to(&email).len(), 1, "{b:?}: sent once");
        server.stop();
    }
}

async fn last_error(url: &str, to: &str) -> Option<String> {
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.ok()?;
        let r: Option<Option<String>> = sqlx::query_scalar("select last_error from outbox where destination = $1").bind(to).fetch_optional(&pool).await.ok()?;
        pool.close().await;
        r.flatten()
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.ok()?;
        let r: Option<Option<String>> = sqlx::query_scalar("select last_error from outbox where destination = $1").bind(to).fetch_optional(&pool).await.ok()?;
        pool.close().await;
        r.flatten()
    }
}
