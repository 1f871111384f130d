use super::*;

#[tokio::test]
async fn f_acc_1_sign_up_verify_email_then_sign_in() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let email = unique_email();
        let token = app.signed_up(&email, PASSWORD).await;
        let me = app.call("GET", "/api/v1/account", Some(&token), None).await;
        assert_eq!(me.status, 200);
        assert_eq!(me.body["email"], email.as_str());
        assert_eq!(me.body["email_verified"], true);
        // Same browser, no 2SV, calm risk: the password alone signs in.
        let r = sign_in(&app, &app.http, &email, json!({})).await;
        assert_eq!(r.status, 200, "{b:?} {:?}", r.body);
        assert_eq!(r.body["status"], "signed_in");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_signin_5_unknown_account_and_wrong_password_answer_alike() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let email = unique_email();
        app.signed_up(&email, PASSWORD).await;
        let wrong = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": "not the password at all"}))).await;
        let unknown = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": unique_email(), "password": PASSWORD}))).await;
        let malformed = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": "not-an-email", "password": PASSWORD}))).await;
        for r in [&wrong, &unknown, &malformed] {
            assert_eq!(r.status, 401);
            assert_eq!(r.body["code"], "auth.invalid_credentials");
            assert_eq!(r.body["detail"], wrong.body["detail"]);
        }
        // Sign-up of a taken address answers exactly like a new one; the owner is told.
        let before = app.inbox_count(&email).await;
        let taken = app.call("POST", "/api/v1/sign-up", None, Some(json!({"email": email, "password": "another long passphrase 42"}))).await;
        let fresh = app.call("POST", "/api/v1/sign-up", None, Some(json!({"email": unique_email(), "password": "another long passphrase 42"}))).await;
        assert_eq!(taken.status, 202);
        assert_eq!(fresh.status, 202);
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&taken.body), keys(&fresh.body));
        let notice = app.inbox_latest(&email, before).await;
        assert!(notice.contains("tried to create an account"), "{notice}");
        // The handed-out id behaves like a real one: resends answer alike, wrong codes
        // count, and after five the challenge is closed — but nothing can pass it.
        let cid = taken.body["challenge_id"].as_str().unwrap();
        let fid = fresh.body["challenge_id"].as_str().unwrap();
        let rt = app.call("POST", &format!("/api/v1/challenges/{cid}/resend"), None, None).await;
        let rf = app.call("POST", &format!("/api/v1/challenges/{fid}/resend"), None, None).await;
        assert_eq!((rt.status, rf.status), (200, 200));
        assert_eq!(rt.body["sent"]["channel"], rf.body["sent"]["channel"]);
        // Probes that are not a code answer alike too: a named method, an overlong
        // code, a resend through some method.
        let probe = |id: &str, path: &str, body: Value| {
            let (app, id, path) = (&app, id.to_string(), path.to_string());
            async move {
                let r = app.call("POST", &format!("/api/v1/challenges/{id}/{path}"), None, Some(body)).await;
                (r.status, r.body["code"].clone())
            }
        };
        let random = uuid::Uuid::new_v4().to_string();
        for (path, body) in [
            ("verify", json!({"code": "123456", "method_id": random})),
            ("verify", json!({"code": "1".repeat(65)})),
            ("resend", json!({"method_id": random})),
        ] {
            assert_eq!(probe(cid, path, body.clone()).await, probe(fid, path, body.clone()).await, "{path} {body}");
        }
        for id in [cid, fid] {
            for _ in 0..5 {
                let v = app.call("POST", &format!("/api/v1/challenges/{id}/verify"), None, Some(json!({"code": "000000"}))).await;
                assert_eq!((v.status, v.body["code"].as_str()), (401, Some("code.invalid")));
            }
            let v = app.call("POST", &format!("/api/v1/challenges/{id}/verify"), None, Some(json!({"code": "000000"}))).await;
            assert_eq!(v.body["code"], "challenge.closed");
        }
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_acc_2_weak_and_oversized_passwords_refused_before_hashing() {
    let app = spawn_app(Backend::Sqlite).await;
    for (pw, code) in [("short", "password.weak"), ("password12345", "password.weak"), ("123456789012345", "password.weak")] {
        let r = app.call("POST", "/api/v1/sign-up", None, Some(json!({"email": unique_email(), "password": pw}))).await;
        assert_eq!((r.status, r.body["code"].as_str()), (422, Some(code)), "{pw}: {:?}", r.body);
        assert_eq!(r.headers["content-type"], "application/problem+json");
    }
    let r = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": unique_email(), "password": "x".repeat(4000)}))).await;
    assert_eq!(r.body["code"], "password.too_long");
    let r = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": unique_email(), "password": "x".repeat(40_000)}))).await;
    assert_eq!(r.status, 413, "{:?}", r.body);
    app.shutdown().await;
}

#[tokio::test]
async fn f_acc_3_password_change_needs_step_up_signs_out_others_and_notifies() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let email = unique_email();
        let token = app.signed_up(&email, PASSWORD).await;
        let other = sign_in(&app, &app.http, &email, json!({})).await.body["session_token"].as_str().unwrap().to_string();
        let change = json!({"current_password": PASSWORD, "new_password": "a brand new passphrase 2026", "sign_out_others": true});
        let r = app.call("POST", "/api/v1/account/password", Some(&token), Some(change.clone())).await;
        assert_eq!(r.body["code"], "auth.step_up_required", "sign-up's e-mail code is no step-up");
        step_up_password(&app, &token).await;
        let before = app.inbox_count(&email).await;
        let r = app.call("POST", "/api/v1/account/password", Some(&token), Some(change)).await;
        assert_eq!(r.status, 204, "{:?}", r.body);
        assert!(app.inbox_latest(&email, before).await.contains("password was changed"));
        assert_eq!(app.call("GET", "/api/v1/account", Some(&other), None).await.status, 401);
        assert_eq!(app.call("GET", "/api/v1/account", Some(&token), None).await.status, 200);
        let old = sign_in(&app, &app.http, &email, json!({})).await;
        assert_eq!(old.status, 401);
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_acc_4_messages_use_the_account_language() {
    let app = spawn_app(Backend::Sqlite).await;
    let email = unique_email();
    let token = app.signed_up(&email, PASSWORD).await;
    let r = app.call("PATCH", "/api/v1/account", Some(&token), Some(json!({"locale": "ja"}))).await;
    assert_eq!(r.status, 204);
    let bad = app.call("PATCH", "/api/v1/account", Some(&token), Some(json!({"locale": "xx"}))).await;
    assert_eq!(bad.body["code"], "locale.unsupported");
    step_up_password(&app, &token).await;
    let before = app.inbox_count("+819012345678").await;
    app.call("POST", "/api/v1/methods/phone", Some(&token), Some(json!({"phone": "09012345678"}))).await;
    let sms = app.code_message_after("+819012345678", before).await;
    assert!(sms.contains("誰にも教えないでください"), "{sms}");
    assert!(sms.ends_with(&format!("@shop.example #{}", code_in(&sms))), "{sms}");
    app.shutdown().await;
}

#[tokio::test]
async fn f_signin_6_device_without_second_screen_appends_the_code() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let acct = two_sv_account(&app).await;
        let tv = browser("SmartTV/3.0");
        let before = app.inbox_count("+819012345678").await;
        let r = call(&tv, &app.url, "POST", "/api/v1/sign-in/device", None, Some(json!({"email": acct.email, "password": PASSWORD}))).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body["status"], "append_code");
        let sms = app.code_message_after("+819012345678", before).await;
        let code = code_in(&sms);
        let wrong = call(&tv, &app.url, "POST", "/api/v1/sign-in/device", None, Some(json!({"email": acct.email, "password": format!("{PASSWORD}000000")}))).await;
        assert_eq!(wrong.status, 401);
        let ok = call(&tv, &app.url, "POST", "/api/v1/sign-in/device", None, Some(json!({"email": acct.email, "password": format!("{PASSWORD}{code}")}))).await;
        assert_eq!(ok.status, 200, "{:?}", ok.body);
        assert_eq!(ok.body["status"], "signed_in");
        assert!(ok.body.get("trusted_browser_token").is_none());
        let tbs = app.call("GET", "/api/v1/trusted-browsers", Some(&acct.token), None).await;
        assert_eq!(tbs.body["trusted_browsers"].as_array().unwrap().len(), 0, "a TV is never trusted");
        app.shutdown().await;
    }
}
