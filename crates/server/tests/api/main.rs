//! The API's integration tests: one binary (each extra test binary is another slow link
//! on two cores). Every test runs on SQLite and, when available, PostgreSQL; names
//! follow the SPEC feature they prove.

// A test that meets the unexpected should stop there, with the value that surprised it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod bench;
mod bursts;
mod codes;
mod config;
mod contract;
mod kannel;
mod smtp;
mod staff;
mod webhook;
mod browser;
mod pages;
mod deliveries;
mod devices;
mod email_change;
mod errors;
mod limits;
mod locks;
mod crash;
mod dead_ends;
mod faults;
mod health;
mod hooks;
mod messages;
mod metrics;
mod oidc;
mod organisations;
mod ops;
mod races;
mod readable;
mod recovery;
mod reset;
mod safety;
mod service;
mod session_cache;
mod signin;
mod step_ups;
mod suspension;
mod support;
mod store;
mod throttle;
mod unsolicited;
mod toll_fraud;
mod totp;
mod wizard;

use ninsho_testkit::*;
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery staple";
pub const UA_A: &str = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0";
pub const UA_B: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 19_0) Safari/605.1";

/// A loopback port free now, for a server whose URL must be known before it starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn unique_email() -> String {
    format!("u{}@example.com", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// A client with a given user agent (a "browser").
pub fn browser(ua: &str) -> reqwest::Client {
    ninsho_delivery::install_tls_provider();
    reqwest::Client::builder().user_agent(ua).build().unwrap()
}

/// Steps up with the password and approves the 2SV setup e-mail (F-2SV-1): what a
/// user without 2SV does before adding methods.
pub async fn step_up_password(app: &TestApp, token: &str) {
    let r = app.call("POST", "/api/v1/step-up", Some(token), Some(json!({"password": PASSWORD}))).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["status"], "done");
    approve_setup(&app.http, &app.url, token).await;
}

/// Adds a phone and verifies it with the code from the dev inbox; returns its id.
pub async fn add_phone(app: &TestApp, token: &str, phone: &str, e164: &str) -> String {
    let before = app.inbox_count(e164).await;
    let r = app.call("POST", "/api/v1/methods/phone", Some(token), Some(json!({"phone": phone}))).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let code = app.code_after(e164, before).await;
    let cid = r.body["challenge_id"].as_str().unwrap();
    let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), Some(token), Some(json!({"code": code}))).await;
    assert_eq!(v.status, 200, "{:?}", v.body);
    r.body["method_id"].as_str().unwrap().to_string()
}

pub struct TwoSvAccount {
    pub email: String,
    pub token: String,
    pub phone_id: String,
    pub backup_codes: Vec<String>,
}

/// An account with 2SV on: a phone (SMS) and backup codes.
pub async fn two_sv_account(app: &TestApp) -> TwoSvAccount {
    let email = unique_email();
    let token = app.signed_up(&email, PASSWORD).await;
    let (phone_id, backup_codes) = turn_on_two_step(app, &token).await;
    TwoSvAccount { email, token, phone_id, backup_codes }
}

/// Turns 2SV on for the session's account: a phone (SMS) and backup codes; returns
/// the phone's method id and the codes.
pub async fn turn_on_two_step(app: &TestApp, token: &str) -> (String, Vec<String>) {
    let token = token.to_string();
    step_up_password(app, &token).await;
    let phone_id = add_phone(app, &token, "090-1234-5678", "+819012345678").await;
    let b = app.call("POST", "/api/v1/methods/backup-codes", Some(&token), None).await;
    assert_eq!(b.status, 201, "{:?}", b.body);
    let backup_codes = b.body["codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    let e = app.call("POST", "/api/v1/two-step/enable", Some(&token), None).await;
    assert_eq!(e.status, 200, "{:?}", e.body);
    (phone_id, backup_codes)
}

/// Signs in with the password and an SMS code to the accounts' test phone: a session
/// that passed two-step.
pub async fn signed_in_with_code(app: &TestApp, email: &str) -> String {
    let before = app.inbox_count("+819012345678").await;
    let s = sign_in(app, &browser(UA_A), email, json!({})).await;
    assert_eq!(s.body["status"], "code_required", "{:?}", s.body);
    let code = app.code_after("+819012345678", before).await;
    let cid = s.body["challenge_id"].as_str().unwrap();
    let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code}))).await;
    assert_eq!(v.status, 200, "{:?}", v.body);
    v.body["session_token"].as_str().unwrap().to_string()
}

/// `ninsho ARGS` against the test app's database: (succeeded, stdout, stderr).
pub async fn ninsho_cli(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_ninsho"))
        .args(args)
        .args(["--database-url", &app.db.url, "--data-dir"])
        .arg(&app.data.path)
        .env("NINSHO_MASTER_KEY", TEST_MASTER_KEY)
        .output()
        .await
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Signs in with a password; returns the response body.
pub async fn sign_in(app: &TestApp, http: &reqwest::Client, email: &str, extra: Value) -> Resp {
    let mut body = json!({"email": email, "password": PASSWORD});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    call(http, &app.url, "POST", "/api/v1/sign-in", None, Some(body)).await
}
