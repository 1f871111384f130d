//! F-OPS-3: the generic HTTP webhook provider for SMS and voice gateways, against a
//! small local receiver (axum on a loopback port) that checks each request's signature,
//! records it, and can be told to fail (500) or to answer slower than the timeout.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use ninsho_delivery::Provider;
use ninsho_delivery::providers::webhook::{WebhookProvider, verify_signature};
use ninsho_domain::config::Quota;
use secrecy::SecretString;

use super::*;

const SECRET: &str = "whsec_local_receiver_test";
const MOBILE: &str = "+819012345678";
const LANDLINE: &str = "+81312345678";
/// The official sender number the providers are built with (NINSHO_SMS_FROM).
const SENDER: &str = "+815053704545";

/// What the receiver does next, and what it has received so far.
type Shared = Arc<Mutex<(Mode, Vec<Received>)>>;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Accept,
    Fail,
    /// Answers after this long (longer than the provider's timeout).
    Sleep(Duration),
}

#[derive(Clone, Debug)]
struct Received {
    signature_ok: bool,
    idempotency_key: String,
    json: Value,
}

impl Received {
    fn text(&self) -> &str {
        self.json["text"].as_str().unwrap_or("")
    }
}

#[derive(Clone)]
struct Receiver {
    url: String,
    state: Shared,
}

async fn hook(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let signature_ok = verify_signature(SECRET.as_bytes(), &h("x-ninsho-timestamp"), &body, &h("x-ninsho-signature"));
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mode = {
        let mut s = state.lock().unwrap();
        s.1.push(Received { signature_ok, idempotency_key: h("idempotency-key"), json });
        s.0
    };
    match mode {
        Mode::Accept => StatusCode::ACCEPTED,
        Mode::Fail => StatusCode::INTERNAL_SERVER_ERROR,
        Mode::Sleep(d) => {
            tokio::time::sleep(d).await;
            StatusCode::OK
        }
    }
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new((Mode::Accept, Vec::new())));
        let router = axum::Router::new().route("/hook", axum::routing::post(hook)).with_state(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Receiver { url, state }
    }

    fn provider(&self, timeout: Duration) -> Provider {
        Provider::Webhook(WebhookProvider::new(&self.url, SecretString::from(SECRET.to_string()), SENDER, timeout).unwrap())
    }

    fn set_mode(&self, mode: Mode) {
        self.state.lock().unwrap().0 = mode;
    }

    /// Switches the mode and says how many requests came before: every later one was
    /// answered in the new mode.
    fn switch(&self, mode: Mode) -> usize {
        let mut s = self.state.lock().unwrap();
        s.0 = mode;
        s.1.len()
    }

    fn all(&self) -> Vec<Received> {
        self.state.lock().unwrap().1.clone()
    }

    /// The first request (from the `skip`th on) matching `pred`, waiting up to 10 s.
    async fn wait_for(&self, skip: usize, what: &str, pred: impl Fn(&Received) -> bool) -> Received {
        for _ in 0..400 {
            if let Some(r) = self.all().into_iter().skip(skip).find(|r| pred(r)) {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the receiver got no {what} within 10 s: {:?}", self.all())
    }
}

fn code_to(to: &'static str, template: &'static str) -> impl Fn(&Received) -> bool {
    move |r| r.json["to"] == to && r.json["template"] == template
}

/// Checks what every webhook request must carry.
fn assert_well_formed(r: &Received) {
    assert!(r.signature_ok, "signature: {r:?}");
    assert_eq!(r.json["id"].as_str(), Some(r.idempotency_key.as_str()), "the idempotency key is the message id");
    assert!(!r.idempotency_key.is_empty());
    // F-OTP-4: the official sender reaches the gateway with every message.
    assert_eq!(r.json["from"], SENDER, "{r:?}");
}

async fn add_phone_via(app: &TestApp, recv: &Receiver, token: &str, phone: &str, e164: &'static str) -> (Received, String) {
    let skip = recv.all().len();
    let r = app.call("POST", "/api/v1/methods/phone", Some(token), Some(json!({"phone": phone}))).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let got = recv.wait_for(skip, "enrolment code", code_to(e164, "enroll-code")).await;
    assert_well_formed(&got);
    let code = code_in(&got.text().replace(", ", ""));
    let cid = r.body["challenge_id"].as_str().unwrap();
    let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), Some(token), Some(json!({"code": code}))).await;
    assert_eq!(v.status, 200, "{:?}", v.body);
    (got, r.body["method_id"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn f_ops_3_webhook_sms_is_signed_and_carries_the_code() {
    for b in backends().await {
        let recv = Receiver::start().await;
        let provider = recv.provider(Duration::from_secs(2));
        let app = spawn_app_with(b, |c| c.providers.sms = provider).await;
        let email = unique_email();
        // E-mail stays on the development inbox.
        let token = app.signed_up(&email, PASSWORD).await;
        step_up_password(&app, &token).await;
        let (got, _) = add_phone_via(&app, &recv, &token, "090-1234-5678", MOBILE).await;
        assert_eq!(got.json["channel"], "sms", "{b:?}");
        assert_eq!(got.json["to"], MOBILE);
        assert_eq!(got.json["locale"], "en");
        assert!(got.json.get("subject").is_none_or(Value::is_null));
        let code = code_in(got.text());
        assert!(got.text().ends_with(&format!("@shop.example #{code}")), "{}", got.text());
        assert!(got.text().contains("/deny/"), "the deny link rides along");
        // Nothing went to the development inbox for the phone.
        assert_eq!(inbox(&app.http, &app.url, MOBILE).await.unwrap().len(), 0);
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_ops_3_webhook_voice_reads_digits_twice_in_the_account_language() {
    for b in backends().await {
        let recv = Receiver::start().await;
        let provider = recv.provider(Duration::from_secs(2));
        let app = spawn_app_with(b, |c| c.providers.voice = provider).await;
        let email = unique_email();
        let token = app.signed_up(&email, PASSWORD).await;
        let p = app.call("PATCH", "/api/v1/account", Some(&token), Some(json!({"locale": "ja"}))).await;
        assert!(p.status == 200 || p.status == 204, "{:?}", p.body);
        step_up_password(&app, &token).await;
        // add_phone_via verifies with the code read from the script (", " removed).
        let (got, _) = add_phone_via(&app, &recv, &token, "03-1234-5678", LANDLINE).await;
        assert_eq!(got.json["channel"], "voice", "{b:?}: a landline is called");
        assert_eq!(got.json["to"], LANDLINE);
        assert_eq!(got.json["locale"], "ja");
        let text = got.text();
        let code = code_in(&text.replace(", ", ""));
        let spoken = code.chars().map(String::from).collect::<Vec<_>>().join(", ");
        assert_eq!(text.matches(&spoken).count(), 2, "digits one by one, said twice: {text}");
        let japanese = text.chars().any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'));
        assert!(japanese, "the account's language: {text}");
        assert!(!text.contains(&code), "never the code as one number: {text}");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_ops_3_a_failing_provider_leaves_the_challenge_usable_and_the_quota_untouched() {
    for b in backends().await {
        for failure in [Mode::Fail, Mode::Sleep(Duration::from_secs(3))] {
            failing_provider_scenario(b, failure).await;
        }
    }
}

async fn failing_provider_scenario(b: Backend, failure: Mode) {
    let recv = Receiver::start().await;
    let provider = recv.provider(Duration::from_millis(500));
    let app = spawn_app_with(b, |c| {
        c.providers.sms = provider;
        c.dispatch.retry_base_ms = 50;
        c.dispatch.retry_max_ms = 100;
        c.dispatch.give_up_after_secs = 1;
        // Sign-up e-mail, phone enrolment and the failing sign-in code: the third send
        // exhausts the quota unless a failed send is given back.
        c.policy.quotas.per_account = Quota { limit: 3, window_secs: 86_400 };
    })
    .await;
    let ctx = format!("{b:?} {failure:?}");
    let email = unique_email();
    let token = app.signed_up(&email, PASSWORD).await;
    step_up_password(&app, &token).await;
    let (_, phone_id) = add_phone_via(&app, &recv, &token, "090-1234-5678", MOBILE).await;
    let codes = app.call("POST", "/api/v1/methods/backup-codes", Some(&token), None).await;
    assert_eq!(codes.status, 201, "{ctx}: {:?}", codes.body);
    let backup = codes.body["codes"][0].as_str().unwrap().to_string();
    let e = app.call("POST", "/api/v1/two-step/enable", Some(&token), None).await;
    assert_eq!(e.status, 200, "{ctx}: {:?}", e.body);
    // The notices of those changes (to the phone, through the webhook) go out first.
    for i in 0.. {
        if app.running.db.count_outbox("pending").await.unwrap() == 0 {
            break;
        }
        assert!(i < 400, "{ctx}: the outbox does not drain");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(app.running.db.count_outbox("failed").await.unwrap(), 0, "{ctx}");

    recv.set_mode(failure);
    let skip = recv.all().len();
    let ua_c = browser("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/150.0");
    let s = sign_in(&app, &ua_c, &email, json!({})).await;
    assert_eq!(s.status, 200, "{ctx}: {:?}", s.body);
    assert_eq!(s.body["status"], "code_required", "{ctx}: {:?}", s.body);
    assert_eq!(s.body["method"]["id"], phone_id.as_str(), "{ctx}: the phone is asked first");
    assert!(s.body["sent"].is_object() && s.body.get("send_error").is_none_or(Value::is_null), "{ctx}: {:?}", s.body);
    let cid = s.body["challenge_id"].as_str().unwrap().to_string();

    // The gateway saw the (signed) request and refused or stalled; the dispatcher gives up.
    let attempt = recv.wait_for(skip, "sign-in code attempt", code_to(MOBILE, "sign-in-code")).await;
    assert_well_formed(&attempt);
    for i in 0.. {
        if app.running.db.count_outbox("failed").await.unwrap() >= 1 {
            break;
        }
        assert!(i < 400, "{ctx}: the send was never marked failed");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    // The same challenge still works through another method: a backup code.
    let methods = app.call("GET", "/api/v1/methods", Some(&token), None).await;
    assert_eq!(methods.status, 200, "{ctx}: {:?}", methods.body);
    let backup_id = methods.body["methods"].as_array().unwrap().iter().find(|m| m["kind"] == "backup_codes").unwrap()["id"].as_str().unwrap().to_string();
    let v = call(&ua_c, &app.url, "POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": backup, "method_id": backup_id}))).await;
    assert_eq!(v.status, 200, "{ctx}: {:?}", v.body);
    assert!(v.body["session_token"].is_string(), "{ctx}: {:?}", v.body);

    // The failed send was given back: one more send fits in the quota of 3 ...
    recv.set_mode(Mode::Accept);
    let skip = recv.all().len();
    let ua_d = browser("Mozilla/5.0 (Macintosh; Intel Mac OS X 15_0) Safari/618.1");
    let again = sign_in(&app, &ua_d, &email, json!({})).await;
    assert_eq!(again.body["status"], "code_required", "{ctx}: {:?}", again.body);
    assert!(again.body["sent"].is_object() && again.body.get("send_error").is_none_or(Value::is_null), "{ctx}: {:?}", again.body);
    let delivered = recv.wait_for(skip, "sign-in code", code_to(MOBILE, "sign-in-code")).await;
    assert_well_formed(&delivered);
    let cid = again.body["challenge_id"].as_str().unwrap();
    let code = code_in(delivered.text());
    let v = call(&ua_d, &app.url, "POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code}))).await;
    assert_eq!(v.status, 200, "{ctx}: {:?}", v.body);

    // ... and then it is full (so the failed send really was the one that would have filled it).
    let ua_e = browser("Mozilla/5.0 (Linux; Android 16) Chrome/156.0 Mobile");
    let full = sign_in(&app, &ua_e, &email, json!({})).await;
    assert_eq!(full.body["status"], "code_required", "{ctx}: {:?}", full.body);
    assert_eq!(full.body["send_error"], "limit.account", "{ctx}: {:?}", full.body);
    app.shutdown().await;
}

#[tokio::test]
async fn f_otp_2_with_the_gateway_down_codes_queue_resends_cost_nothing_and_replaced_codes_never_go_out() {
    for b in backends().await {
        let recv = Receiver::start().await;
        let provider = recv.provider(Duration::from_millis(500));
        let app = spawn_app_with(b, |c| {
            c.providers.sms = provider;
            c.dispatch.retry_base_ms = 150;
            c.dispatch.retry_max_ms = 300;
            c.dispatch.give_up_after_secs = 600;
            // The enrolment and five resends would need six sends of this number.
            c.policy.quotas.per_destination = Quota { limit: 3, window_secs: 86_400 };
        })
        .await;
        let token = app.signed_up(&unique_email(), PASSWORD).await;
        step_up_password(&app, &token).await;

        recv.switch(Mode::Fail);
        let r = app.call("POST", "/api/v1/methods/phone", Some(&token), Some(json!({"phone": "090-1234-5678"}))).await;
        assert_eq!(r.status, 201, "{b:?}: {:?}", r.body);
        assert_eq!(r.body["sent"]["state"], "queued", "{b:?}: the gateway is down: {:?}", r.body);
        let cid = r.body["challenge_id"].as_str().unwrap().to_string();
        // The gateway refuses the first code at least once before we resend.
        recv.wait_for(0, "a refused attempt", code_to(MOBILE, "enroll-code")).await;
        for i in 0..5 {
            let again = app.call("POST", &format!("/api/v1/challenges/{cid}/resend"), Some(&token), None).await;
            assert_eq!(again.status, 200, "{b:?}: resend {i} was charged again: {:?}", again.body);
            assert_eq!(again.body["sent"]["state"], "queued", "{b:?}");
        }
        // Each resend withdrew the code before it, even one a dispatcher held at that
        // moment: its failed attempt is not retried.
        assert_eq!(app.running.db.count_outbox("superseded").await.unwrap(), 5, "{b:?}");

        // The gateway is back: only the latest code goes out, and it works.
        let from = recv.switch(Mode::Accept);
        let first = recv.wait_for(from, "the latest enrolment code", code_to(MOBILE, "enroll-code")).await;
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let delivered: Vec<Received> = recv.all().into_iter().skip(from).filter(|r| code_to(MOBILE, "enroll-code")(r)).collect();
        assert_eq!(delivered.len(), 1, "{b:?}: replaced codes went out: {delivered:?}");
        let code = code_in(&first.text().replace(", ", ""));
        let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), Some(&token), Some(json!({"code": code}))).await;
        assert_eq!(v.status, 200, "{b:?}: {:?}", v.body);
        app.shutdown().await;
    }
}
