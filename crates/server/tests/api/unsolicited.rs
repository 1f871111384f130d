//! F-LIMIT-3: sign-in codes that keep coming without a sign-in tell the owner, once a
//! window (3 in 24 hours by default), by e-mail and so in the message center.

use super::*;
use ninsho_domain::ports::{FakeClock, Store};
use ninsho_domain::types::{EventKind, UnixMillis};

const PHONE: &str = "+819012345678";

async fn warnings(app: &TestApp, email: &str) -> usize {
    let e = ninsho_domain::email::Email::parse(email).unwrap();
    let account = app.running.db.account_by_email(&e).await.unwrap().unwrap();
    app.running.db.events(account.id, 500).await.unwrap().iter().filter(|ev| ev.kind == EventKind::UnsolicitedCodesWarned).count()
}

/// Asks for a sign-in code with the right password; the challenge id.
async fn code_asked(app: &TestApp, email: &str) -> String {
    let s = sign_in(app, &browser(UA_B), email, json!({})).await;
    assert_eq!(s.body["status"], "code_required", "{:?}", s.body);
    s.body["challenge_id"].as_str().unwrap().to_string()
}

fn unwarned(inbox: &[String]) -> usize {
    inbox.iter().filter(|m| m.contains("without a sign-in")).count()
}

#[tokio::test]
async fn f_limit_3_codes_without_a_sign_in_tell_the_owner_once_a_window_and_a_sign_in_starts_again() {
    for b in backends().await {
        let clock = FakeClock::at(UnixMillis(1_900_000_000_000));
        let app = spawn_app_with(b, |c| {
            use_fake_clock(c, clock.clone());
            ninsho_server::bench::lift_quotas(c);
        })
        .await;
        let acct = two_sv_account(&app).await;
        clock.advance_secs(120);
        for _ in 0..2 {
            code_asked(&app, &acct.email).await;
        }
        app.settle().await;
        assert_eq!(warnings(&app, &acct.email).await, 0, "{b:?}: two codes are no warning");
        let latest = code_asked(&app, &acct.email).await;
        app.settle().await;
        assert_eq!(warnings(&app, &acct.email).await, 1, "{b:?}");
        let mail = inbox(&app.http, &app.url, &acct.email).await.unwrap();
        let warning = mail.iter().rev().find(|m| m.contains("without a sign-in")).expect("the warning");
        assert!(warning.contains("3 times") && warning.contains("/forgot-password") && warning.contains("/account/history") && warning.contains("/deny/"), "{warning}");
        assert!(!warning.contains(&latest), "links are signed, never the bare challenge id");
        // More codes the same day: no second warning.
        code_asked(&app, &acct.email).await;
        app.settle().await;
        assert_eq!(warnings(&app, &acct.email).await, 1, "{b:?}: told once a window");

        // A sign-in starts the count again; a new window may warn again.
        let before = app.inbox_count(PHONE).await;
        let cid = code_asked(&app, &acct.email).await;
        let code = app.code_after(PHONE, before).await;
        let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code}))).await;
        assert_eq!(v.status, 200, "{:?}", v.body);
        clock.advance_secs(86_400 + 120);
        for _ in 0..2 {
            code_asked(&app, &acct.email).await;
        }
        app.settle().await;
        assert_eq!(warnings(&app, &acct.email).await, 1, "{b:?}: the sign-in started the count again");
        code_asked(&app, &acct.email).await;
        app.settle().await;
        assert_eq!(warnings(&app, &acct.email).await, 2, "{b:?}");
        assert_eq!(unwarned(&inbox(&app.http, &app.url, &acct.email).await.unwrap()), 2);
        app.shutdown().await;
    }
}

/// Codes sent again and again for one sign-in (the resend button) count as well: the
/// owner is told at the third code, though only one sign-in was started.
#[tokio::test]
async fn f_limit_3_resent_codes_of_one_sign_in_tell_the_owner() {
    for b in backends().await {
        let app = spawn_app_with(b, ninsho_server::bench::lift_quotas).await;
        let acct = two_sv_account(&app).await;
        let cid = code_asked(&app, &acct.email).await;
        app.settle().await;
        for _ in 0..2 {
            let r = app.call("POST", &format!("/api/v1/challenges/{cid}/resend"), None, None).await;
            assert_eq!(r.status, 200, "{b:?}: {:?}", r.body);
            app.settle().await;
        }
        assert_eq!(warnings(&app, &acct.email).await, 1, "{b:?}: three codes, one sign-in");
        // In the message center and the sign-in history too.
        let center = app.call("GET", "/api/v1/messages", Some(&acct.token), None).await;
        assert!(center.body["messages"].as_array().unwrap().iter().any(|m| m["kind"] == "repeated-code-warning"), "{b:?}: {:?}", center.body);
        let history = app.call("GET", "/api/v1/history?limit=100", Some(&acct.token), None).await;
        assert!(history.body.to_string().contains("unsolicited_codes_warned"), "{b:?}: {:?}", history.body);
        app.shutdown().await;
    }
}

/// Twenty sign-ins that reach the code step together: one warning, not several.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn f_limit_3_a_burst_of_code_requests_tells_the_owner_once() {
    for b in backends().await {
        let app = spawn_app_with(b, ninsho_server::bench::lift_quotas).await;
        let acct = two_sv_account(&app).await;
        let gate = std::sync::Arc::new(tokio::sync::Barrier::new(20));
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let (http, url, email, gate) = (browser(UA_B), app.url.clone(), acct.email.clone(), gate.clone());
            set.spawn(async move {
                gate.wait().await;
                call(&http, &url, "POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": PASSWORD}))).await.body["status"] == "code_required"
            });
        }
        let asked = set.join_all().await.into_iter().filter(|x| *x).count();
        assert!(asked >= 3, "{b:?}: only {asked} reached the code step");
        app.settle().await;
        assert_eq!(warnings(&app, &acct.email).await, 1, "{b:?}: {asked} codes asked together");
        assert_eq!(unwarned(&inbox(&app.http, &app.url, &acct.email).await.unwrap()), 1);
        app.shutdown().await;
    }
}
