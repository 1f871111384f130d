use super::*;

const PHONE: &str = "+819012345678";

/// Signs in from `ua` with the SMS code, ticking "don't require codes" if `trust`.
async fn sign_in_with_code(app: &TestApp, ua: &str, email: &str, trust: bool) -> Value {
    let before = app.inbox_count(PHONE).await;
    let s = sign_in(app, &browser(ua), email, json!({})).await;
    assert_eq!(s.body["status"], "code_required", "{:?}", s.body);
    let code = app.code_after(PHONE, before).await;
    let cid = s.body["challenge_id"].as_str().unwrap();
    let v = call(&browser(ua), &app.url, "POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code, "trust_browser": trust}))).await;
    assert_eq!(v.status, 200, "{:?}", v.body);
    v.body
}

#[tokio::test]
async fn f_signin_2_trusted_browser_skips_the_code_until_a_credential_change() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let acct = two_sv_account(&app).await;
        let v = sign_in_with_code(&app, UA_A, &acct.email, true).await;
        let tb = v["trusted_browser_token"].as_str().unwrap().to_string();
        let s = sign_in(&app, &browser(UA_A), &acct.email, json!({"trusted_browser_token": tb})).await;
        assert_eq!(s.body["status"], "signed_in", "{b:?} {:?}", s.body);
        // The token copied to another browser does not count.
        let other = sign_in(&app, &browser(UA_B), &acct.email, json!({"trusted_browser_token": tb})).await;
        assert_eq!(other.body["status"], "code_required");
        let list = app.call("GET", "/api/v1/trusted-browsers", Some(&acct.token), None).await;
        assert_eq!(list.body["trusted_browsers"].as_array().unwrap().len(), 1);
        // Any credential change revokes every trusted browser.
        super::codes::step_up_sms(&app, &acct.token).await;
        assert_eq!(app.call("POST", "/api/v1/methods/backup-codes", Some(&acct.token), None).await.status, 201);
        let s = sign_in(&app, &browser(UA_A), &acct.email, json!({"trusted_browser_token": tb})).await;
        assert_eq!(s.body["status"], "code_required", "{b:?}");
        assert_eq!(app.call("GET", "/api/v1/trusted-browsers", Some(&acct.token), None).await.body["trusted_browsers"].as_array().unwrap().len(), 0);
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_dev_2_trusted_browsers_listed_and_removed() {
    let app = spawn_app(Backend::Sqlite).await;
    let acct = two_sv_account(&app).await;
    let tb = sign_in_with_code(&app, UA_A, &acct.email, true).await["trusted_browser_token"].as_str().unwrap().to_string();
    let list = app.call("GET", "/api/v1/trusted-browsers", Some(&acct.token), None).await;
    let entry = &list.body["trusted_browsers"][0];
    assert_eq!(entry["user_agent"], UA_A);
    // F-DEV-1: named from the user agent for people.
    assert_eq!(entry["os"], "Linux", "{entry}");
    assert!(entry.get("token_hash").is_none());
    let id = entry["id"].as_str().unwrap();
    assert_eq!(app.call("DELETE", &format!("/api/v1/trusted-browsers/{id}"), Some(&acct.token), None).await.status, 204);
    assert_eq!(app.call("DELETE", &format!("/api/v1/trusted-browsers/{id}"), Some(&acct.token), None).await.status, 404);
    let s = sign_in(&app, &browser(UA_A), &acct.email, json!({"trusted_browser_token": tb})).await;
    assert_eq!(s.body["status"], "code_required");
    app.shutdown().await;
}

#[tokio::test]
async fn f_dev_1_sessions_listed_signed_out_one_and_all() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let email = unique_email();
        let t1 = app.signed_up(&email, PASSWORD).await;
        let t2 = sign_in(&app, &app.http, &email, json!({})).await.body["session_token"].as_str().unwrap().to_string();
        let t3 = sign_in(&app, &app.http, &email, json!({})).await.body["session_token"].as_str().unwrap().to_string();
        let list = app.call("GET", "/api/v1/sessions", Some(&t1), None).await;
        let sessions = list.body["sessions"].as_array().unwrap();
        assert_eq!(sessions.len(), 3);
        assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
        assert!(sessions.iter().all(|s| s["ip"] == "127.0.0.1" && s.get("token_hash").is_none()));
        let me2 = app.call("GET", "/api/v1/sessions", Some(&t2), None).await;
        let id2 = me2.body["sessions"].as_array().unwrap().iter().find(|s| s["current"] == true).unwrap()["id"].as_str().unwrap().to_string();
        assert_eq!(app.call("DELETE", &format!("/api/v1/sessions/{id2}"), Some(&t1), None).await.status, 204);
        assert_eq!(app.call("GET", "/api/v1/account", Some(&t2), None).await.status, 401);
        assert_eq!(app.call("POST", "/api/v1/sessions/sign-out-all", Some(&t1), Some(json!({"keep_current": true}))).await.status, 204);
        assert_eq!(app.call("GET", "/api/v1/account", Some(&t3), None).await.status, 401);
        assert_eq!(app.call("GET", "/api/v1/account", Some(&t1), None).await.status, 200);
        assert_eq!(app.call("POST", "/api/v1/sign-out", Some(&t1), None).await.status, 204);
        assert_eq!(app.call("GET", "/api/v1/account", Some(&t1), None).await.status, 401);
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_dev_3_history_shows_attempts_and_flags_unfamiliar_devices() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let acct = two_sv_account(&app).await;
        let bad = call(&browser(UA_B), &app.url, "POST", "/api/v1/sign-in", None, Some(json!({"email": acct.email, "password": "wrong wrong wrong wrong"}))).await;
        assert_eq!(bad.status, 401);
        sign_in_with_code(&app, UA_B, &acct.email, false).await;
        let h = app.call("GET", "/api/v1/history", Some(&acct.token), None).await;
        let entries = h.body["history"].as_array().unwrap();
        let kinds: Vec<&str> = entries.iter().map(|e| e["kind"].as_str().unwrap()).collect();
        for k in ["sign_in", "wrong_password", "code_sent"] {
            assert!(kinds.contains(&k), "{k} in {kinds:?}");
        }
        let new_device = entries.iter().find(|e| e["kind"] == "sign_in" && e["user_agent"] == UA_B).unwrap();
        assert_eq!(new_device["unfamiliar"], true);
        // The second sign-in from the same device is familiar.
        sign_in_with_code(&app, UA_B, &acct.email, false).await;
        let h = app.call("GET", "/api/v1/history", Some(&acct.token), None).await;
        let latest = h.body["history"].as_array().unwrap().iter().find(|e| e["kind"] == "sign_in").unwrap().clone();
        assert_eq!(latest["unfamiliar"], false);
        assert!(h.body.to_string().find(PASSWORD).is_none());
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_2sv_4_dont_require_codes_ticked_when_turning_2sv_on_is_honoured() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let email = unique_email();
        let token = app.signed_up(&email, PASSWORD).await;
        step_up_password(&app, &token).await;
        add_phone(&app, &token, "090-1234-5678", PHONE).await;
        assert_eq!(app.call("POST", "/api/v1/methods/backup-codes", Some(&token), None).await.status, 201);
        let e = app.call("POST", "/api/v1/two-step/enable", Some(&token), Some(json!({"trust_browser": true}))).await;
        let tb = e.body["trusted_browser_token"].as_str().unwrap().to_string();
        let s = sign_in(&app, &app.http, &email, json!({"trusted_browser_token": tb})).await;
        assert_eq!(s.body["status"], "signed_in", "{b:?}: {:?}", s.body);
        app.shutdown().await;
    }
}
