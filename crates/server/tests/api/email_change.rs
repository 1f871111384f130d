//! Changing the e-mail address (F-ACC-6): a step-up first, a code to the new address,
//! a notice with a deny link to the old one, which keeps working until the code is
//! entered. A taken address answers like a free one and never completes (F-SIGNIN-5);
//! the unique address holds under a burst. Every test runs on both backends.

use std::sync::Arc;

use tokio::sync::Barrier;

use super::*;

/// Steps up with the password (accounts without 2SV).
async fn step_up(app: &TestApp, token: &str) {
    let r = app.call("POST", "/api/v1/step-up", Some(token), Some(json!({"password": PASSWORD}))).await;
    assert_eq!((r.status, r.body["status"].as_str()), (200, Some("done")), "{:?}", r.body);
}

async fn ask_change(app: &TestApp, token: &str, new_email: &str) -> Resp {
    app.call("POST", "/api/v1/account/email", Some(token), Some(json!({"new_email": new_email}))).await
}

async fn verify(app: &TestApp, cid: &str, code: &str) -> Resp {
    app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code}))).await
}

async fn address_of(app: &TestApp, token: &str) -> String {
    let r = app.call("GET", "/api/v1/account", Some(token), None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["email"].as_str().unwrap().to_string()
}

fn other_than(code: &str, i: usize) -> String {
    let n: usize = code.parse().unwrap();
    format!("{:06}", (n + 1 + i) % 1_000_000)
}

/// Whether a message carries a code, its links aside (their ids may hold six digits).
fn carries_code(mail: &str) -> bool {
    has_code(&mail.split_whitespace().filter(|w| !w.contains("://")).collect::<Vec<_>>().join(" "))
}

/// The token of the first link under `/{kind}/` in `mail`.
fn link_token(mail: &str, kind: &str) -> String {
    let link = mail.split_whitespace().find(|w| w.contains(&format!("/{kind}/"))).unwrap_or_else(|| panic!("a {kind} link in {mail}"));
    link.rsplit('/').next().unwrap().to_string()
}

#[tokio::test]
async fn f_acc_6_a_code_to_the_new_address_switches_it_and_the_old_one_works_until_then() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let (old, new) = (unique_email(), unique_email());
        let token = app.signed_up(&old, PASSWORD).await;
        // Another session, signed in before the change.
        let other = sign_in(&app, &app.http, &old, json!({})).await;
        let other_token = other.body["session_token"].as_str().unwrap_or_else(|| panic!("{:?}", other.body)).to_string();

        // No step-up, no change.
        let refused = ask_change(&app, &token, &new).await;
        assert_eq!((refused.status, refused.body["code"].as_str()), (403, Some("auth.step_up_required")), "{backend:?}: {:?}", refused.body);
        step_up(&app, &token).await;
        let bad = ask_change(&app, &token, "not an address").await;
        assert_eq!((bad.status, bad.body["code"].as_str(), bad.body["field"].as_str()), (422, Some("email.invalid"), Some("new_email")));
        let same = ask_change(&app, &token, &old.to_uppercase()).await;
        assert_eq!((same.status, same.body["code"].as_str()), (422, Some("email.unchanged")));

        let (old_before, new_before) = (app.inbox_count(&old).await, app.inbox_count(&new).await);
        let r = ask_change(&app, &token, &new).await;
        assert_eq!(r.status, 202, "{backend:?}: {:?}", r.body);
        assert_eq!((r.body["sent"]["channel"].as_str(), r.body["sent"]["to"].as_str().map(|t| t.contains('•'))), (Some("email"), Some(true)), "{:?}", r.body);
        let cid = r.body["challenge_id"].as_str().unwrap().to_string();
        let code = app.code_after(&new, new_before).await;
        let notice = app.inbox_latest(&old, old_before).await;
        assert!(notice.contains("change the e-mail address") && notice.contains("/deny/") && !carries_code(&notice), "the old address is told, with a deny link: {notice}");

        // Until the code is entered the old address is the account's: it signs in, the new one does not.
        assert_eq!(address_of(&app, &token).await, old);
        let s = sign_in(&app, &app.http, &old, json!({})).await;
        assert_eq!(s.status, 200, "{:?}", s.body);
        assert_eq!(sign_in(&app, &app.http, &new, json!({})).await.status, 401);

        // Wrong codes are counted and change nothing.
        for i in 0..2 {
            let w = verify(&app, &cid, &other_than(&code, i)).await;
            assert_eq!((w.status, w.body["code"].as_str()), (401, Some("code.invalid")), "{:?}", w.body);
        }
        assert_eq!(address_of(&app, &token).await, old);

        let ok = verify(&app, &cid, &code).await;
        assert_eq!((ok.status, ok.body["purpose"].as_str()), (200, Some("change_email")), "{backend:?}: {:?}", ok.body);
        assert!(ok.body.get("session_token").is_none(), "a change of address signs no one in");
        assert_eq!(address_of(&app, &token).await, new, "the session that asked stays");
        assert_eq!(app.call("GET", "/api/v1/account", Some(&other_token), None).await.status, 401, "other sessions end");
        // The new address signs in, the old one no longer does; the code works once.
        assert_eq!(sign_in(&app, &app.http, &new, json!({})).await.status, 200);
        assert_eq!(sign_in(&app, &app.http, &old, json!({})).await.status, 401);
        assert_eq!(verify(&app, &cid, &code).await.status, 410);
        // The old address heard of the change.
        let changed = app.inbox_latest(&old, old_before + 1).await;
        assert!(changed.contains("was changed"), "{changed}");
        let history = app.call("GET", "/api/v1/history", Some(&token), None).await;
        let kinds: Vec<&str> = history.body["history"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
        assert!(kinds.contains(&"email_changed") && kinds.contains(&"email_change_requested"), "{kinds:?}");
        app.shutdown().await;
    }
}

/// A wrong password from a client address of its own (the server trusts the proxy
/// header here), so that only the e-mail address's count is charged.
async fn wrong_password_from(app: &TestApp, ip: &str, email: &str, password: &str) -> (u16, String) {
    let r = app.http.post(format!("{}/api/v1/sign-in", app.url)).header("x-forwarded-for", ip).header("user-agent", UA_A).json(&json!({"email": email, "password": password})).send().await.unwrap();
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    (status, body["code"].as_str().unwrap_or("").to_string())
}

#[tokio::test]
async fn f_acc_6_password_guesses_counted_against_the_old_address_follow_the_account_to_the_new_one() {
    for backend in backends().await {
        // A clock that stands still: the delay must not run out during the test.
        let clock = ninsho_domain::ports::FakeClock::at(ninsho_domain::types::UnixMillis(1_900_000_000_000));
        let app = spawn_app_with(backend, move |c| {
            c.trust_forwarded = true;
            use_fake_clock(c, clock);
        })
        .await;
        let (old, new) = (unique_email(), unique_email());
        let token = app.signed_up(&old, PASSWORD).await;
        step_up(&app, &token).await;
        let before = app.inbox_count(&new).await;
        let r = ask_change(&app, &token, &new).await;
        let cid = r.body["challenge_id"].as_str().unwrap().to_string();
        let code = app.code_after(&new, before).await;

        // Someone guesses the password at the old address until a delay starts.
        let mut throttled = false;
        for i in 0..12 {
            let (status, code) = wrong_password_from(&app, &format!("198.51.100.{}", i + 1), &old, "not the password at all").await;
            if (status, code.as_str()) == (429, "auth.throttled") {
                throttled = true;
                break;
            }
            assert_eq!(status, 401, "{backend:?}: {code}");
        }
        assert!(throttled, "{backend:?}: the old address is throttled");
        assert_eq!(verify(&app, &cid, &code).await.status, 200);

        // The delay follows the account: the new address waits too, even with the right password.
        let (status, code) = wrong_password_from(&app, "198.51.100.200", &new, PASSWORD).await;
        assert_eq!((status, code.as_str()), (429, "auth.throttled"), "{backend:?}");
        // The old address names no account any more; its count went with it.
        let (status, code) = wrong_password_from(&app, "198.51.100.201", &old, "not the password at all").await;
        assert_eq!((status, code.as_str()), (401, "auth.invalid_credentials"), "{backend:?}");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_acc_6_wrong_codes_are_counted_under_the_limit_and_then_the_right_one_is_refused() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let (old, new) = (unique_email(), unique_email());
        let token = app.signed_up(&old, PASSWORD).await;
        step_up(&app, &token).await;
        let before = app.inbox_count(&new).await;
        let r = ask_change(&app, &token, &new).await;
        let cid = r.body["challenge_id"].as_str().unwrap().to_string();
        let code = app.code_after(&new, before).await;
        let max = app.running.services.policy.codes.max_attempts_per_challenge as usize;
        for i in 0..max {
            let w = verify(&app, &cid, &other_than(&code, i)).await;
            assert_eq!(w.status, 401, "{backend:?} try {i}: {:?}", w.body);
        }
        let late = verify(&app, &cid, &code).await;
        assert_eq!((late.status, late.body["code"].as_str()), (410, Some("challenge.closed")), "{:?}", late.body);
        assert_eq!(address_of(&app, &token).await, old);
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_acc_6_the_deny_link_sent_to_the_old_address_cancels_the_pending_change() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let (old, new) = (unique_email(), unique_email());
        let token = app.signed_up(&old, PASSWORD).await;
        step_up(&app, &token).await;
        let (old_before, new_before) = (app.inbox_count(&old).await, app.inbox_count(&new).await);
        let r = ask_change(&app, &token, &new).await;
        let cid = r.body["challenge_id"].as_str().unwrap().to_string();
        let code = app.code_after(&new, new_before).await;
        let notice = app.inbox_latest(&old, old_before).await;
        let d = app.call("POST", "/api/v1/deny", None, Some(json!({"token": link_token(&notice, "deny")}))).await;
        assert_eq!((d.status, d.body["status"].as_str()), (200, Some("denied")), "{backend:?}: {:?}", d.body);
        let late = verify(&app, &cid, &code).await;
        assert_eq!((late.status, late.body["code"].as_str()), (410, Some("challenge.closed")), "{:?}", late.body);
        assert_eq!(address_of(&app, &token).await, old);
        assert_eq!(sign_in(&app, &app.http, &new, json!({})).await.status, 401);
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_acc_6_a_taken_address_answers_like_a_free_one_and_never_completes() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let (mine, taken, free) = (unique_email(), unique_email(), unique_email());
        let token = app.signed_up(&mine, PASSWORD).await;
        let owner = app.signed_up(&taken, PASSWORD).await;
        step_up(&app, &token).await;

        let free_r = ask_change(&app, &token, &free).await;
        let taken_before = app.inbox_count(&taken).await;
        let taken_r = ask_change(&app, &token, &taken).await;
        assert_eq!((free_r.status, taken_r.status), (202, 202), "{backend:?}: {:?} {:?}", free_r.body, taken_r.body);
        let shape = |v: &Value| {
            let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            keys.extend(v["sent"].as_object().unwrap().keys().map(|k| format!("sent.{k}")));
            keys.sort();
            (keys, v["sent"]["channel"].clone(), v["sent"]["state"].clone())
        };
        assert_eq!(shape(&free_r.body), shape(&taken_r.body), "the same answer: {:?} {:?}", free_r.body, taken_r.body);
        // The owner of the taken address gets a notice, never a code.
        let notice = app.inbox_latest(&taken, taken_before).await;
        assert!(notice.contains("tried to move another account") && !carries_code(&notice), "{notice}");
        let cid = taken_r.body["challenge_id"].as_str().unwrap().to_string();
        // Resending answers as for a free address; no code ever arrives, so none passes.
        let resent = app.call("POST", &format!("/api/v1/challenges/{cid}/resend"), None, Some(json!({}))).await;
        assert_eq!(resent.status, 200, "{:?}", resent.body);
        for i in 0..3 {
            let w = verify(&app, &cid, &format!("{:06}", 123_456 + i)).await;
            assert_eq!((w.status, w.body["code"].as_str()), (401, Some("code.invalid")), "{:?}", w.body);
        }
        assert!(app.inbox_count(&taken).await >= taken_before + 2);
        assert!(inbox(&app.http, &app.url, &taken).await.unwrap().iter().skip(taken_before).all(|m| !carries_code(m)), "no code to a taken address");
        assert_eq!(address_of(&app, &token).await, mine);
        assert_eq!(address_of(&app, &owner).await, taken);
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_acc_6_a_burst_of_changes_to_one_new_address_leaves_it_with_at_most_one_account() {
    const ACCOUNTS: usize = 12;
    for backend in backends().await {
        let app = spawn_app_with(backend, ninsho_server::bench::lift_quotas).await;
        let second = if backend == Backend::Postgres { Some(spawn_second_with(&app, ninsho_server::bench::lift_quotas).await) } else { None };
        let mut urls = vec![app.url.clone()];
        if let Some((s, _)) = &second {
            urls.push(s.url());
        }
        let target = unique_email();
        // Each account asks for the same free address and gets its own code there.
        let mut pending = Vec::new();
        for _ in 0..ACCOUNTS {
            let email = unique_email();
            let token = app.signed_up(&email, PASSWORD).await;
            step_up(&app, &token).await;
            let before = app.inbox_count(&target).await;
            let r = ask_change(&app, &token, &target).await;
            assert_eq!(r.status, 202, "{backend:?}: {:?}", r.body);
            let code = app.code_after(&target, before).await;
            pending.push((token, email, r.body["challenge_id"].as_str().unwrap().to_string(), code));
        }
        let gate = Arc::new(Barrier::new(ACCOUNTS));
        let tasks: Vec<_> = pending
            .iter()
            .enumerate()
            .map(|(i, (_, _, cid, code))| {
                let (http, gate, url) = (app.http.clone(), gate.clone(), urls[i % urls.len()].clone());
                let (path, body) = (format!("/api/v1/challenges/{cid}/verify"), json!({"code": code}));
                tokio::spawn(async move {
                    gate.wait().await;
                    call(&http, &url, "POST", &path, None, Some(body)).await
                })
            })
            .collect();
        let mut accepted = 0;
        for t in tasks {
            let r = t.await.unwrap();
            match (r.status, r.body["code"].as_str()) {
                (200, _) => accepted += 1,
                // The loser's code meets an address taken meanwhile: a wrong code.
                (401, Some("code.invalid")) => {}
                (s, _) => panic!("{backend:?}: unexpected answer {s}: {:?}", r.body),
            }
        }
        assert_eq!(accepted, 1, "{backend:?}: exactly one change wins");
        let mut holders = 0;
        for (token, email, _, _) in &pending {
            let now = address_of(&app, token).await;
            if now == target {
                holders += 1;
            } else {
                assert_eq!(&now, email, "a losing account keeps its address");
            }
        }
        assert_eq!(holders, 1, "{backend:?}: one account holds the address");
        if let Some((s, _)) = second {
            s.shutdown().await;
        }
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_acc_6_with_2sv_on_the_step_up_takes_a_second_factor_and_the_change_ends_trusted_browsers() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let acct = two_sv_account(&app).await;
        let phone = "+819012345678";
        let http = browser(UA_A);
        // A browser trusted before the change.
        let sms = app.inbox_count(phone).await;
        let s = sign_in(&app, &http, &acct.email, json!({})).await;
        assert_eq!(s.body["status"], "code_required", "{:?}", s.body);
        let cid = s.body["challenge_id"].as_str().unwrap();
        let code = app.code_after(phone, sms).await;
        let v = call(&http, &app.url, "POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code, "trust_browser": true}))).await;
        assert_eq!(v.status, 200, "{:?}", v.body);
        let trusted = v.body["trusted_browser_token"].as_str().unwrap().to_string();
        let session = v.body["session_token"].as_str().unwrap().to_string();
        let skips = sign_in(&app, &http, &acct.email, json!({"trusted_browser_token": trusted})).await;
        assert_eq!(skips.status, 200, "{:?}", skips.body);
        assert_ne!(skips.body["status"], "code_required", "the mark skips the code before the change");

        // With 2SV on, the password step-up made before it was turned on no longer counts:
        // a code from a second factor is needed.
        let new = unique_email();
        assert_eq!(ask_change(&app, &acct.token, &new).await.status, 403);
        let sms = app.inbox_count(phone).await;
        let up = app.call("POST", "/api/v1/step-up", Some(&acct.token), Some(json!({}))).await;
        assert_eq!(up.body["status"], "code_required", "{:?}", up.body);
        let up_cid = up.body["challenge_id"].as_str().unwrap().to_string();
        assert_eq!(verify(&app, &up_cid, &app.code_after(phone, sms).await).await.status, 200);

        let (before, sms) = (app.inbox_count(&new).await, app.inbox_count(phone).await);
        let r = ask_change(&app, &acct.token, &new).await;
        assert_eq!(r.status, 202, "{backend:?}: {:?}", r.body);
        let code = app.code_after(&new, before).await;
        let done = verify(&app, r.body["challenge_id"].as_str().unwrap(), &code).await;
        assert_eq!(done.status, 200, "{:?}", done.body);
        assert_eq!(address_of(&app, &acct.token).await, new);
        assert_eq!(app.call("GET", "/api/v1/account", Some(&session), None).await.status, 401, "the other session ended");
        // The phone on file heard of it too.
        assert!(app.inbox_latest(phone, sms).await.contains("e-mail address of your account was changed"));
        // The trust mark no longer skips the code.
        let after = sign_in(&app, &http, &new, json!({"trusted_browser_token": trusted})).await;
        assert_eq!(after.body["status"], "code_required", "{backend:?}: {:?}", after.body);
        app.shutdown().await;
    }
}
