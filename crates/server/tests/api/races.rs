//! "Every single-use consumption is one atomic statement": 100 concurrent redemptions
//! of one valid code give exactly one success and one session, on every backend.

use super::*;
use ninsho_domain::types::AccountId;

async fn race(app: &TestApp, cid: &str, body: Value) -> (usize, usize) {
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let http = app.http.clone();
        let url = app.url.clone();
        let path = format!("/api/v1/challenges/{cid}/verify");
        let body = body.clone();
        tasks.push(tokio::spawn(async move { call(&http, &url, "POST", &path, None, Some(body)).await }));
    }
    let mut ok = 0;
    let mut closed = 0;
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            200 => ok += 1,
            410 | 401 => closed += 1,
            s => panic!("unexpected {s}: {:?}", r.body),
        }
    }
    (ok, closed)
}

async fn account_id(app: &TestApp, token: &str) -> AccountId {
    let me = app.call("GET", "/api/v1/account", Some(token), None).await;
    AccountId::parse(me.body["id"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn f_otp_1_race_100_verifications_of_one_sent_code() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let acct = two_sv_account(&app).await;
        let id = account_id(&app, &acct.token).await;
        let before = app.inbox_count("+819012345678").await;
        let s = sign_in(&app, &browser(UA_B), &acct.email, json!({})).await;
        let code = app.code_after("+819012345678", before).await;
        let sessions = app.running.db.count_sessions(id).await.unwrap();
        let (ok, _) = race(&app, s.body["challenge_id"].as_str().unwrap(), json!({"code": code})).await;
        assert_eq!(ok, 1, "{b:?}");
        assert_eq!(app.running.db.count_sessions(id).await.unwrap(), sessions + 1, "{b:?}");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_otp_5_race_100_verifications_of_one_totp_code() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let email = unique_email();
        let token = app.signed_up(&email, PASSWORD).await;
        step_up_password(&app, &token).await;
        let r = app.call("POST", "/api/v1/methods/totp", Some(&token), None).await;
        let key = r.body["setup_key"].as_str().unwrap().to_string();
        totp_margin(8).await;
        let cid = r.body["challenge_id"].as_str().unwrap();
        let code = oathtool(&key);
        let enrolled = totp_step();
        assert_eq!(app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), Some(&token), Some(json!({"code": code}))).await.status, 200);
        assert_eq!(app.call("POST", "/api/v1/two-step/enable", Some(&token), None).await.status, 200);
        let id = account_id(&app, &token).await;
        // A fresh step, so the enrolment's code is behind us (it is not accepted twice),
        // with time left in it for the race.
        totp_step_after(enrolled).await;
        totp_margin(8).await;
        let s = sign_in(&app, &browser(UA_B), &email, json!({})).await;
        let sessions = app.running.db.count_sessions(id).await.unwrap();
        let (ok, _) = race(&app, s.body["challenge_id"].as_str().unwrap(), json!({"code": oathtool(&key)})).await;
        assert_eq!(ok, 1, "{b:?}");
        assert_eq!(app.running.db.count_sessions(id).await.unwrap(), sessions + 1);
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_2sv_5_race_100_redemptions_of_one_backup_code() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let acct = two_sv_account(&app).await;
        let id = account_id(&app, &acct.token).await;
        let methods = app.call("GET", "/api/v1/methods", Some(&acct.token), None).await;
        let bid = super::codes::backup_id(&methods.body);
        let s = sign_in(&app, &browser(UA_B), &acct.email, json!({})).await;
        let sessions = app.running.db.count_sessions(id).await.unwrap();
        let (ok, _) = race(&app, s.body["challenge_id"].as_str().unwrap(), json!({"code": acct.backup_codes[0], "method_id": bid})).await;
        assert_eq!(ok, 1, "{b:?}");
        assert_eq!(app.running.db.count_sessions(id).await.unwrap(), sessions + 1);
        app.shutdown().await;
    }
}
