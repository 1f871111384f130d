use super::*;
use ninsho_domain::ports::OutboxStore;
use ninsho_domain::types::UnixMillis;

/// Opens a sign-in challenge from a new browser (its first code is sent, charging 1).
async fn open_challenge(app: &TestApp, email: &str) -> String {
    let s = sign_in(app, &browser(UA_B), email, json!({})).await;
    s.body["challenge_id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn f_limit_1_quota_answers_429_with_retry_after_and_holds_under_200_parallel_sends() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let acct = two_sv_account(&app).await;
        // two_sv_account sent one code (enrolment); the sign-in sends a second.
        let cid = open_challenge(&app, &acct.email).await;
        let mut tasks = Vec::new();
        for _ in 0..200 {
            let (http, url, path) = (app.http.clone(), app.url.clone(), format!("/api/v1/challenges/{cid}/resend"));
            tasks.push(tokio::spawn(async move { call(&http, &url, "POST", &path, None, None).await }));
        }
        let (mut sent, mut limited) = (0, 0);
        for t in tasks {
            let r = t.await.unwrap();
            match r.status {
                200 => sent += 1,
                429 => {
                    limited += 1;
                    assert_eq!(r.body["code"], "limit.account");
                    let retry: i64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
                    assert!(retry > 0 && retry <= 86_400, "{retry}");
                }
                s => panic!("{s}: {:?}", r.body),
            }
        }
        // 10 per day; the sign-up e-mail, the phone enrolment and the sign-in used 3. A
        // resend that replaced a code still waiting in the outbox was not charged (it
        // withdrew that code instead): exactly 7 were.
        // (One withdrawn while a dispatcher held it is charged all the same: it may
        // still go out.) So at most 7 sends were charged, and then the quota was full.
        let superseded = app.running.db.count_outbox("superseded").await.unwrap() as usize;
        assert!(sent >= 7 && sent - superseded <= 7, "{b:?}: {sent} sent, {superseded} of them replacing an earlier code");
        assert_eq!(sent + limited, 200);
        // Wait for the dispatcher, then count what really went out to the phone: no
        // more than was sent, and every code not withdrawn.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let codes = inbox(&app.http, &app.url, "+819012345678").await.unwrap().iter().filter(|m| m.contains(" #")).count();
        assert!((2 + sent - superseded..=2 + sent).contains(&codes), "{b:?}: {codes} codes went out for {sent} sends, {superseded} withdrawn");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_limit_1_failed_sends_do_not_use_the_quota() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let acct = two_sv_account(&app).await;
        app.running.pause_delivery(true);
        // New sign-ins (a new challenge, a new send each) until the account's quota is
        // used up. (Resends of one challenge would not do: while its code waits in the
        // outbox, a resend replaces it at no charge.)
        let sign_in_send = async || sign_in(&app, &browser(UA_B), &acct.email, json!({})).await;
        let mut last = None;
        for i in 0.. {
            let s = sign_in_send().await;
            assert_eq!(s.status, 200, "{b:?}: {:?}", s.body);
            if s.body["send_error"] == "limit.account" {
                last = Some(s.body["challenge_id"].as_str().unwrap().to_string());
                break;
            }
            assert!(i < 20, "{b:?}: the quota never ran out");
        }
        let cid = last.unwrap();
        // The provider gives up on a message still in the outbox: its send is given back.
        let db = &app.running.db;
        let now = UnixMillis(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64);
        let claimed = db.claim_outbox(now, 1_000, 100).await.unwrap();
        if let Some(m) = claimed.iter().find(|m| !m.quota_keys.is_empty()) {
            db.mark_failed(m.id, now, "provider timed out").await.unwrap();
            let r = app.call("POST", &format!("/api/v1/challenges/{cid}/resend"), None, None).await;
            assert_eq!(r.status, 200, "{b:?} {:?}", r.body);
            assert_eq!(sign_in_send().await.body["send_error"], "limit.account", "{b:?}: the one given back is used again");
        } else {
            panic!("no pending message to fail");
        }
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_limit_2_support_lifts_a_limit_from_the_command_line() {
    let app = spawn_app(Backend::Sqlite).await;
    let acct = two_sv_account(&app).await;
    let cid = open_challenge(&app, &acct.email).await;
    for _ in 0..8 {
        app.call("POST", &format!("/api/v1/challenges/{cid}/resend"), None, None).await;
    }
    assert_eq!(app.call("POST", &format!("/api/v1/challenges/{cid}/resend"), None, None).await.status, 429);
    let data = TempDir::new().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_ninsho"))
        .args(["admin", "limits", "release", "--account", &acct.email, "--database-url", &app.db.url, "--data-dir"])
        .arg(&data.path)
        .env("NINSHO_MASTER_KEY", TEST_MASTER_KEY)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("released 1 limit"));
    assert_eq!(app.call("POST", &format!("/api/v1/challenges/{cid}/resend"), None, None).await.status, 200);
    // A bad argument is one line and a non-zero exit.
    let bad = tokio::process::Command::new(env!("CARGO_BIN_EXE_ninsho"))
        .args(["admin", "limits", "release", "--address", "not-an-ip", "--database-url", &app.db.url, "--data-dir"])
        .arg(&data.path)
        .env("NINSHO_MASTER_KEY", TEST_MASTER_KEY)
        .output()
        .await
        .unwrap();
    assert!(!bad.status.success());
    assert_eq!(String::from_utf8_lossy(&bad.stderr).trim().lines().filter(|l| l.starts_with("ninsho:")).count(), 1);
    app.shutdown().await;
}
