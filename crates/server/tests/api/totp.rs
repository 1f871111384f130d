use super::*;

/// Starts an app enrolment; returns (method id, challenge id, setup key, response).
async fn start_totp(app: &TestApp, token: &str, replaces: Option<&str>) -> (String, String, String, Value) {
    let body = replaces.map(|r| json!({"replaces": r}));
    let r = app.call("POST", "/api/v1/methods/totp", Some(token), body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    (
        r.body["method_id"].as_str().unwrap().to_string(),
        r.body["challenge_id"].as_str().unwrap().to_string(),
        r.body["setup_key"].as_str().unwrap().to_string(),
        r.body.clone(),
    )
}

#[tokio::test]
async fn f_2sv_3_app_enrolment_with_oathtool_and_the_qr_code_decoded_by_zbarimg() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let email = unique_email();
        let token = app.signed_up(&email, PASSWORD).await;
        step_up_password(&app, &token).await;
        let (method, cid, key, body) = start_totp(&app, &token, None).await;
        let uri = body["otpauth_uri"].as_str().unwrap();
        assert_eq!(decode_qr_svg(body["qr_svg"].as_str().unwrap()), uri, "the QR code carries the URI");
        assert!(uri.starts_with("otpauth://totp/Shop:") && uri.contains(&format!("secret={key}")) && uri.contains("algorithm=SHA1&digits=6&period=30"));
        totp_margin(5).await;
        let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), Some(&token), Some(json!({"code": oathtool(&key)}))).await;
        assert_eq!(v.status, 200, "{:?}", v.body);
        let e = app.call("POST", "/api/v1/two-step/enable", Some(&token), None).await;
        assert_eq!(e.status, 200, "an app alone is enough: {:?}", e.body);

        // Sign in: the app is preferred, nothing is sent.
        let s = sign_in(&app, &app.http, &email, json!({})).await;
        assert_eq!(s.body["status"], "code_required");
        assert_eq!(s.body["method"]["id"], method.as_str());
        assert!(s.body.get("sent").is_none());
        let cid = s.body["challenge_id"].as_str().unwrap();
        // ±2 steps refused; one step ahead accepted once, then no replay. (One step
        // behind is refused here only because enrolment used the current step; the
        // unit tests prove -1 on a fresh factor.)
        let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": oathtool_at(&key, -2)}))).await;
        assert_eq!(v.status, 401);
        let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": oathtool_at(&key, 2)}))).await;
        assert_eq!(v.status, 401);
        totp_margin(5).await;
        let code = oathtool_at(&key, 1);
        let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code}))).await;
        assert_eq!(v.status, 200, "{:?}", v.body);
        let s2 = sign_in(&app, &app.http, &email, json!({})).await;
        let cid2 = s2.body["challenge_id"].as_str().unwrap();
        let replay = app.call("POST", &format!("/api/v1/challenges/{cid2}/verify"), None, Some(json!({"code": code}))).await;
        assert_eq!(replay.status, 401, "a TOTP code is accepted once");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_2sv_6_replacing_the_authenticator_app() {
    let app = spawn_app(Backend::Sqlite).await;
    let token = app.signed_up(&unique_email(), PASSWORD).await;
    step_up_password(&app, &token).await;
    let (old, cid, key, _) = start_totp(&app, &token, None).await;
    totp_margin(5).await;
    assert_eq!(app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), Some(&token), Some(json!({"code": oathtool(&key)}))).await.status, 200);
    let (new, cid, key2, _) = start_totp(&app, &token, Some(&old)).await;
    assert_ne!(key, key2);
    // Until the new app is confirmed, the old one stays.
    let ids = |v: &Value| v["methods"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(ids(&app.call("GET", "/api/v1/methods", Some(&token), None).await.body), vec![old.clone()]);
    totp_margin(5).await;
    assert_eq!(app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), Some(&token), Some(json!({"code": oathtool(&key2)}))).await.status, 200);
    assert_eq!(ids(&app.call("GET", "/api/v1/methods", Some(&token), None).await.body), vec![new]);
    app.shutdown().await;
}
