//! Safe destructive actions (seed 004, issue 11.4): turning 2SV off, removing a method
//! and signing out everywhere each take one confirming page that says what will
//! happen; after 2SV is off an optional note is kept, and support reads it.

use super::pages::{check_page, page_client};
use super::*;
use ninsho_domain::types::Locale;
use ninsho_testkit::pages::{Page, PageClient};

async fn web_app_on(b: Backend) -> TestApp {
    spawn_app_with(b, |c| c.policy.public_url = "http://127.0.0.1".into()).await
}

/// Signs in through the pages with the SMS code (2SV is on): a fresh code is also a
/// step-up, so sensitive pages open at once.
async fn signed_in(app: &TestApp, c: &mut PageClient, email: &str) -> Page {
    let p = c.get("/sign-in").await;
    let before = app.inbox_count("+819012345678").await;
    let p = c.post("/sign-in", &p, &[("email", email), ("password", PASSWORD)]).await;
    assert_eq!(p.path, "/code", "{}", p.html);
    let code = app.code_after("+819012345678", before).await;
    let p = c.post("/code", &p, &[("code", &code)]).await;
    assert_eq!(p.path, "/account", "{}", p.html);
    p
}

#[tokio::test]
async fn f_off_1_turning_2sv_off_takes_a_confirming_page_then_an_optional_note_support_reads() {
    for b in backends().await {
        let app = web_app_on(b).await;
        let acct = two_sv_account(&app).await;
        let mut c = page_client(&app, Locale::Ja);
        let account = signed_in(&app, &mut c, &acct.email).await;
        // The account page links to the confirmation; nothing is turned off by a GET.
        assert!(account.html.contains("href=\"/account/two-step/disable\""), "{}", account.html);
        let confirm = c.get("/account/two-step/disable").await;
        assert_eq!((confirm.status, confirm.path.as_str()), (200, "/account/two-step/disable"));
        check_page(Locale::Ja, &confirm, "2SV off confirmation");
        let what = confirm.text_of("what-happens").unwrap();
        assert!(what.contains("コードを求められなくなります"), "says what will happen: {what}");
        let still = app.call("GET", "/api/v1/account", Some(&acct.token), None).await;
        assert_eq!(still.body["two_step_enabled"], true, "a GET changes nothing");

        let note = c.post("/account/two-step/disable", &confirm, &[("clear", "1")]).await;
        assert_eq!(note.path, "/account/feedback?topic=two_step_off", "{}", note.html);
        check_page(Locale::Ja, &note, "feedback page");
        assert!(note.html.contains("id=\"feedback-skip\""), "the note is optional");
        let off = app.call("GET", "/api/v1/account", Some(&acct.token), None).await;
        assert_eq!((off.body["two_step_enabled"].clone(), off.body["methods"].clone()), (json!(false), json!([])), "off, methods cleared as ticked");
        // Too long: refused next to the field, nothing kept.
        let long = "a".repeat(2001);
        let refused = c.post("/account/feedback", &note, &[("topic", "two_step_off"), ("text", &long)]).await;
        assert_eq!(refused.status, 422);
        assert!(refused.text_of("text-error").is_some(), "{}", refused.html);
        let sent = c.post("/account/feedback", &refused, &[("topic", "two_step_off"), ("text", "スマホを機種変更するので一時的に")]).await;
        assert_eq!(sent.path, "/account?notice=feedback-thanks");
        assert!(sent.text_of("notice").is_some());
        // A few notes a day: a session cannot fill the table.
        let form = c.get("/account/feedback?topic=two_step_off").await;
        for _ in 0..2 {
            assert_eq!(c.post("/account/feedback", &form, &[("topic", "two_step_off"), ("text", "もう一度")]).await.path, "/account?notice=feedback-thanks");
        }
        let limited = c.post("/account/feedback", &form, &[("topic", "two_step_off"), ("text", "4通目")]).await;
        assert_eq!(limited.status, 429, "{}", limited.html);

        // Support reads it, with the account's address.
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_ninsho"))
            .args(["admin", "feedback", "--database-url", &app.db.url, "--data-dir"])
            .arg(&TempDir::new().unwrap().path)
            .env("NINSHO_MASTER_KEY", TEST_MASTER_KEY)
            .output()
            .await
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let mine: Vec<&Value> = lines.iter().filter(|l| l["email"] == acct.email.as_str()).collect();
        assert_eq!(mine.len(), 3, "{lines:?}");
        assert!(mine.iter().any(|l| (l["topic"].as_str(), l["text"].as_str()) == (Some("two_step_off"), Some("スマホを機種変更するので一時的に"))), "{mine:?}");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_2sv_5_removing_a_method_and_signing_out_everywhere_take_a_confirming_page() {
    let app = web_app_on(Backend::Sqlite).await;
    let acct = two_sv_account(&app).await;
    let mut c = page_client(&app, Locale::Ja);
    let account = signed_in(&app, &mut c, &acct.email).await;
    // Add e-mail as a method (the fresh code was a step-up), then remove it: the account
    // page links to a page naming the method.
    let account = c.post("/account/email-method", &account, &[]).await;
    assert_eq!(account.path, "/account?notice=method-added", "{}", account.html);
    let email_id = app.call("GET", "/api/v1/methods", Some(&acct.token), None).await.body["methods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "email")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let link = format!("/account/methods/remove?id={email_id}");
    assert!(account.html.contains(&link), "{}", account.html);
    let confirm = c.get(&link).await;
    check_page(Locale::Ja, &confirm, "remove confirmation");
    assert!(confirm.text_of("lead").unwrap().contains("メール"), "{}", confirm.html);
    let done = c.post("/account/methods/remove", &confirm, &[("id", &email_id)]).await;
    assert_eq!(done.path, "/account?notice=method-removed");
    let kinds: Vec<String> = app.call("GET", "/api/v1/methods", Some(&acct.token), None).await.body["methods"].as_array().unwrap().iter().map(|m| m["kind"].as_str().unwrap().to_string()).collect();
    assert!(!kinds.contains(&"email".to_string()), "{kinds:?}");

    // Sign out everywhere else: the page counts the other sessions; this one stays.
    let confirm = c.get("/account/sessions/sign-out-all").await;
    check_page(Locale::Ja, &confirm, "sign-out-all confirmation");
    assert!(confirm.text_of("lead").unwrap().contains('1'), "one other session (the API's): {}", confirm.html);
    assert_eq!(app.call("GET", "/api/v1/account", Some(&acct.token), None).await.status, 200, "a GET signs no one out");
    let done = c.post("/account/sessions/sign-out-all", &confirm, &[]).await;
    assert_eq!(done.path, "/account/devices");
    assert_eq!(app.call("GET", "/api/v1/account", Some(&acct.token), None).await.status, 401);
    assert_eq!(c.get("/account").await.path, "/account", "this browser stays signed in");
    app.shutdown().await;
}
