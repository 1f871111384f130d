//! F-INT-3: a shop service asks a shopper to confirm something with a code, the message
//! says what in the shopper's language, the shopper answers through the API or the
//! hosted code page, and the service reads the result.

use super::pages::page_client;
use super::*;
use ninsho_domain::types::{Locale, Scope};
use secrecy::ExposeSecret;

const PHONE: &str = "+819012345678";
const STEP_UPS: &str = "/api/v1/service/step-ups";

/// A client with these scopes and origins: its bearer secret.
async fn client(app: &TestApp, scopes: &[Scope], origins: &[&str]) -> String {
    let name = format!("svc-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let (c, secret) = app.running.services.add_service_client(&name, scopes, 6000).await.unwrap();
    if !origins.is_empty() {
        let origins: Vec<String> = origins.iter().map(|o| o.to_string()).collect();
        app.running.services.set_service_client_origins(&c.id.to_string(), &origins).await.unwrap();
    }
    secret.expose_secret().to_string()
}

/// The account's `sub`, as a service learns it: from introspecting the shopper's session.
async fn sub_of(app: &TestApp, token: &str) -> String {
    let reader = client(app, &[Scope::SessionsRead], &[]).await;
    let r = app.call("POST", "/api/v1/service/sessions/introspect", Some(&reader), Some(json!({"token": token}))).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["sub"].as_str().unwrap().to_string()
}

fn order(amount: &str) -> Value {
    json!({"kind": "order", "amount": amount, "currency": "JPY"})
}

#[tokio::test]
async fn f_int_3_a_service_step_up_says_what_it_confirms_and_the_service_reads_the_result() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let acct = two_sv_account(&app).await;
        let patch = app.call("PATCH", "/api/v1/account", Some(&acct.token), Some(json!({"locale": "ja"}))).await;
        assert!(patch.status < 300, "{:?}", patch.body);
        let sub = sub_of(&app, &acct.token).await;
        let checkout = client(&app, &[Scope::StepUp], &[]).await;

        let before = app.inbox_count(PHONE).await;
        let r = app.call("POST", STEP_UPS, Some(&checkout), Some(json!({"sub": sub, "reason": order("150000")}))).await;
        assert_eq!(r.status, 201, "{b:?}: {:?}", r.body);
        assert_eq!((r.body["status"].as_str(), r.body["weak"].as_bool()), (Some("pending"), Some(false)), "{:?}", r.body);
        assert_eq!(r.body["sent"]["channel"], "sms", "the preferred method is the phone: {:?}", r.body);
        let id = r.body["id"].as_str().unwrap().to_string();
        let challenge = r.body["challenge_id"].as_str().unwrap().to_string();

        // The SMS says what is confirmed, in the account's language.
        let sms = app.code_message_after(PHONE, before).await;
        assert!(sms.contains("ご注文（¥150,000）の確認コード"), "{sms}");
        let code = code_in(&sms);

        let status = app.call("GET", &format!("{STEP_UPS}/{id}"), Some(&checkout), None).await;
        assert_eq!((status.status, status.body["status"].as_str()), (200, Some("pending")), "{:?}", status.body);
        assert_eq!(status.body["sub"], sub.as_str());

        // The shopper answers through the challenge API (an app would).
        let v = app.call("POST", &format!("/api/v1/challenges/{challenge}/verify"), None, Some(json!({"code": code}))).await;
        assert_eq!(v.status, 200, "{:?}", v.body);
        assert_eq!(v.body["purpose"], "service_step_up");
        assert!(v.body.get("session_token").is_none(), "a step-up signs nobody in: {:?}", v.body);
        let again = app.call("POST", &format!("/api/v1/challenges/{challenge}/verify"), None, Some(json!({"code": code}))).await;
        assert_ne!(again.status, 200, "a code works once");

        let done = app.call("GET", &format!("{STEP_UPS}/{id}"), Some(&checkout), None).await;
        assert_eq!(done.body["status"], "completed", "{:?}", done.body);
        assert_eq!(done.body["method"], "sms");
        assert!(done.body["completed_at"].as_i64().is_some());

        // Recorded for the owner, both ends.
        let history = app.call("GET", "/api/v1/history", Some(&acct.token), None).await;
        let kinds: Vec<&str> = history.body["history"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
        assert!(kinds.contains(&"service_step_up_started") && kinds.contains(&"service_step_up_completed"), "{kinds:?}");
    }
}

#[tokio::test]
async fn f_int_3_without_2sv_the_code_goes_by_email_and_the_result_says_weak() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let email = unique_email();
        let token = app.signed_up(&email, PASSWORD).await;
        let sub = sub_of(&app, &token).await;
        let svc = client(&app, &[Scope::StepUp], &[]).await;
        let before = app.inbox_count(&email).await;
        let r = app.call("POST", STEP_UPS, Some(&svc), Some(json!({"sub": sub, "reason": {"kind": "text", "text": "ギフトカード 3 枚のご購入"}}))).await;
        assert_eq!(r.status, 201, "{b:?}: {:?}", r.body);
        assert_eq!((r.body["weak"].as_bool(), r.body["sent"]["channel"].as_str()), (Some(true), Some("email")), "{:?}", r.body);
        assert!(r.body["method"].is_null());
        let message = app.code_message_after(&email, before).await;
        assert!(message.contains("ギフトカード 3 枚のご購入"), "the service's own words, as written: {message}");
        let code = code_in(&message);
        let cid = r.body["challenge_id"].as_str().unwrap();
        let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code}))).await;
        assert_eq!(v.status, 200, "{:?}", v.body);
        let done = app.call("GET", &format!("{STEP_UPS}/{}", r.body["id"].as_str().unwrap()), Some(&svc), None).await;
        assert_eq!((done.body["status"].as_str(), done.body["weak"].as_bool(), done.body["method"].as_str()), (Some("completed"), Some(true), Some("email")), "{:?}", done.body);
    }
}

#[tokio::test]
async fn f_int_3_the_hosted_code_page_shows_the_reason_and_returns_to_the_registered_origin() {
    let app = super::pages::web_app().await;
    let acct = two_sv_account(&app).await;
    let sub = sub_of(&app, &acct.token).await;
    let shop = client(&app, &[Scope::StepUp], &["https://shop.example"]).await;

    // A return URL outside the client's origins is refused before anything is sent.
    for bad in ["https://evil.example/x", "https://shop.example.evil.example/", "http://shop.example/checkout", "javascript:alert(1)"] {
        let r = app.call("POST", STEP_UPS, Some(&shop), Some(json!({"sub": sub, "reason": {"kind": "payment_method"}, "return_url": bad}))).await;
        assert_eq!((r.status, r.body["code"].as_str(), r.body["field"].as_str()), (422, Some("step_up.return_url_invalid"), Some("return_url")), "{bad}: {:?}", r.body);
    }

    let back = "https://shop.example/checkout/done?order=A-1&x=1";
    let before = app.inbox_count(PHONE).await;
    let r = app.call("POST", STEP_UPS, Some(&shop), Some(json!({"sub": sub, "reason": order("150000"), "return_url": back}))).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let url = r.body["url"].as_str().unwrap();
    let path = &url[url.find("/step-up/").unwrap()..];
    let code = code_in(&app.code_message_after(PHONE, before).await);

    // A forged link is not a step-up.
    let mut forged = path.to_string();
    forged.replace_range(forged.len() - 3.., "AAA");
    let mut stranger = page_client(&app, Locale::Ja);
    assert_eq!(stranger.get(&forged).await.status, 404);

    let mut shopper = page_client(&app, Locale::Ja);
    let page = shopper.get(path).await;
    assert_eq!((page.status, page.path.as_str()), (200, "/code"), "{}", page.html);
    let reason = page.text_of("step-up-reason").unwrap_or_default();
    assert!(reason.contains("ご注文（¥150,000）"), "{reason}");
    let wrong = shopper.post("/code", &page, &[("code", "000000")]).await;
    assert_eq!(wrong.status, 422, "a wrong code is shown on the page");
    let done = shopper.post("/code", &wrong, &[("code", &code)]).await;
    assert_eq!(done.status, 200, "{}", done.html);
    assert!(done.path.ends_with("/done"), "{}", done.path);
    let escaped = back.replace('&', "&#38;");
    assert!(done.html.contains(&format!("content=\"0;url={escaped}\"")), "the page returns to the shop by itself: {}", done.html);
    assert!(done.html.contains(&format!("href=\"{escaped}\"")), "and offers the link");
    let status = app.call("GET", &format!("{STEP_UPS}/{}", r.body["id"].as_str().unwrap()), Some(&shop), None).await;
    assert_eq!(status.body["status"], "completed");
    // The link, opened again, no longer asks for a code.
    let again = shopper.get(path).await;
    assert!(again.html.contains(&escaped) && !again.html.contains("name=\"code\""), "{}", again.html);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn f_int_3_wrong_codes_fail_the_step_up_at_the_limit_even_in_a_burst() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let acct = two_sv_account(&app).await;
        let sub = sub_of(&app, &acct.token).await;
        let svc = client(&app, &[Scope::StepUp], &[]).await;
        let before = app.inbox_count(PHONE).await;
        let r = app.call("POST", STEP_UPS, Some(&svc), Some(json!({"sub": sub, "reason": order("150000")}))).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        let code = code_in(&app.code_message_after(PHONE, before).await);
        let cid = r.body["challenge_id"].as_str().unwrap().to_string();
        let wrong = if code == "111111" { "222222" } else { "111111" };
        let gate = std::sync::Arc::new(tokio::sync::Barrier::new(100));
        let mut tries = tokio::task::JoinSet::new();
        for _ in 0..100 {
            let (http, url, cid, gate) = (app.http.clone(), app.url.clone(), cid.clone(), gate.clone());
            tries.spawn(async move {
                gate.wait().await;
                call(&http, &url, "POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": wrong}))).await.status
            });
        }
        let statuses: Vec<u16> = tries.join_all().await;
        assert!(!statuses.contains(&200) && !statuses.iter().any(|s| *s >= 500), "{statuses:?}");
        let right = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code}))).await;
        assert_ne!(right.status, 200, "{b:?}: the limit was spent by the burst: {:?}", right.body);
        let s = app.call("GET", &format!("{STEP_UPS}/{}", r.body["id"].as_str().unwrap()), Some(&svc), None).await;
        assert_eq!(s.body["status"], "failed", "{b:?}: {:?}", s.body);
    }
}

#[tokio::test]
async fn f_int_3_bad_requests_scopes_and_other_clients_step_ups_are_refused() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let acct = two_sv_account(&app).await;
        let sub = sub_of(&app, &acct.token).await;
        let svc = client(&app, &[Scope::StepUp], &[]).await;
        let other = client(&app, &[Scope::StepUp], &[]).await;
        let reader = client(&app, &[Scope::SessionsRead], &[]).await;

        let no_scope = app.call("POST", STEP_UPS, Some(&reader), Some(json!({"sub": sub, "reason": order("1")}))).await;
        assert_eq!((no_scope.status, no_scope.body["code"].as_str()), (403, Some("client.scope_missing")), "{:?}", no_scope.body);
        let shopper = app.call("POST", STEP_UPS, Some(&acct.token), Some(json!({"sub": sub, "reason": order("1")}))).await;
        assert_eq!(shopper.status, 401, "a shopper's token is not a client's");

        let cases = [
            (json!({"sub": uuid::Uuid::new_v4().to_string(), "reason": order("1")}), "account.unknown", "sub"),
            (json!({"sub": "not-an-id", "reason": order("1")}), "account.unknown", "sub"),
            (json!({"sub": sub, "reason": order("-5")}), "step_up.amount_invalid", "reason.amount"),
            (json!({"sub": sub, "reason": order("1.5")}), "step_up.amount_invalid", "reason.amount"),
            (json!({"sub": sub, "reason": {"kind": "order", "amount": "100", "currency": "XYZ"}}), "step_up.currency_invalid", "reason.currency"),
            (json!({"sub": sub, "reason": {"kind": "text", "text": "pay at https://evil.example"}}), "step_up.reason_invalid", "reason.text"),
            (json!({"sub": sub, "reason": {"kind": "refund"}}), "step_up.reason_invalid", "reason.kind"),
            (json!({"sub": sub, "reason": order("1"), "return_url": "https://shop.example/"}), "step_up.return_url_invalid", "return_url"),
        ];
        for (body, code, field) in cases {
            let r = app.call("POST", STEP_UPS, Some(&svc), Some(body.clone())).await;
            assert_eq!((r.status, r.body["code"].as_str(), r.body["field"].as_str()), (422, Some(code), Some(field)), "{b:?} {body}: {:?}", r.body);
        }
        let none_sent = app.inbox_count(PHONE).await;

        let r = app.call("POST", STEP_UPS, Some(&svc), Some(json!({"sub": sub, "reason": {"kind": "delivery_address"}}))).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        assert_eq!(app.inbox_count(PHONE).await, none_sent + 1, "only the good request sent a code");
        let id = r.body["id"].as_str().unwrap();
        let theirs = app.call("GET", &format!("{STEP_UPS}/{id}"), Some(&other), None).await;
        assert_eq!(theirs.status, 404, "another client's step-up is not found: {:?}", theirs.body);
        let unknown = app.call("GET", &format!("{STEP_UPS}/{}", uuid::Uuid::new_v4()), Some(&svc), None).await;
        assert_eq!(unknown.status, 404);
    }
}
