//! F-OFF-5: support locks an account while it investigates suspected access (about a
//! day), and unlocks it early or lets the time run out.

use super::*;
use ninsho_domain::ports::{FakeClock, Store};
use ninsho_domain::types::{EventKind, Scope, UnixMillis};
use secrecy::ExposeSecret;

const PHONE: &str = "+819012345678";

async fn events_of(app: &TestApp, email: &str, kind: EventKind) -> usize {
    let e = ninsho_domain::email::Email::parse(email).unwrap();
    let account = app.running.db.account_by_email(&e).await.unwrap().unwrap();
    app.running.db.events(account.id, 500).await.unwrap().iter().filter(|ev| ev.kind == kind).count()
}

#[tokio::test]
async fn f_off_5_a_locked_account_is_refused_everywhere_its_owner_is_told_and_support_unlocks_it() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let email = unique_email();
        let token = app.signed_up(&email, PASSWORD).await;
        let (_, secret) = app.running.services.add_service_client("checkout", &[Scope::SessionsRead, Scope::StepUp], 100_000).await.unwrap();
        let secret = secret.expose_secret().to_string();
        let introspect = |token: String| {
            let (http, url, secret) = (app.http.clone(), app.url.clone(), secret.clone());
            async move {
                let r = http.post(format!("{url}/api/v1/service/sessions/introspect")).bearer_auth(secret).json(&json!({"token": token})).send().await.unwrap();
                r.json::<Value>().await.unwrap()
            }
        };
        assert_eq!(introspect(token.clone()).await["active"], true);
        let me = app.call("GET", "/api/v1/account", Some(&token), None).await;
        let sub = me.body["id"].as_str().unwrap().to_string();
        let before = app.inbox_count(&email).await;

        let lock = app.running.services.lock_account(&email, "sign-ins from an unknown country", 86_400, "agent-1").await.unwrap();
        assert!(lock.until.0 > lock.locked_at.0);
        // Its sessions ended: the shopper's API and the shop's session check.
        assert_eq!(app.call("GET", "/api/v1/account", Some(&token), None).await.status, 401, "{b:?}");
        assert_eq!(introspect(token.clone()).await, json!({"active": false}), "{b:?}");
        // The right password hears why, with the support contact; a wrong one hears nothing more.
        let r = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": PASSWORD}))).await;
        assert_eq!((r.status, r.body["code"].as_str()), (403, Some("account.locked")), "{b:?}: {:?}", r.body);
        assert_eq!(r.body["support"], "https://shop.example/help");
        assert!(r.body["locked_until"].as_str().is_some_and(|t| t.ends_with('Z')), "{:?}", r.body);
        let wrong = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": "not the password at all"}))).await;
        assert_eq!((wrong.status, wrong.body["code"].as_str()), (401, Some("auth.invalid_credentials")), "{:?}", wrong.body);
        // Whoever knows the password is on record for support; a wrong password is not that.
        assert_eq!(events_of(&app, &email, EventKind::SignInRefusedLocked).await, 1, "{b:?}");
        // The owner was told, in the account's language, with until when and whom to ask.
        let notice = app.inbox_latest(&email, before).await;
        assert!(notice.contains("paused until") && notice.contains("https://shop.example/help"), "{notice}");
        // No code goes out: a password reset sends nothing, and answers as for anyone.
        let told = app.inbox_count(&email).await;
        let reset = app.call("POST", "/api/v1/password-reset", None, Some(json!({"email": email}))).await;
        assert_eq!(reset.status, 202, "{:?}", reset.body);
        assert_eq!(app.inbox_count(&email).await, told, "{b:?}: a reset link went to a locked account");
        // Signing up with the address (a stranger might) says nothing of the lock: its
        // decoy challenge answers like any wrong code.
        let decoy = app.call("POST", "/api/v1/sign-up", None, Some(json!({"email": email, "password": "another long passphrase 42", "locale": "en"}))).await;
        assert_eq!(decoy.status, 202, "{:?}", decoy.body);
        let cid = decoy.body["challenge_id"].as_str().unwrap();
        let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": "123456"}))).await;
        assert_eq!((v.status, v.body["code"].as_str()), (401, Some("code.invalid")), "{b:?}: {:?}", v.body);
        // A shop's step-up for the account is refused.
        let r = app.http.post(format!("{}/api/v1/service/step-ups", app.url)).bearer_auth(&secret).json(&json!({"sub": sub, "reason": {"kind": "payment_method"}})).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 403);
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "account.locked");
        // Locking again while locked is refused; the lock is one.
        let again = app.running.services.lock_account(&email, "again", 3600, "agent-2").await.unwrap_err();
        assert_eq!(again.code(), "lock.already_locked");

        // The decoy told the address that it has an account: count from here.
        let told = app.inbox_count(&email).await;
        let unlocked = app.running.services.unlock_account(&email, "agent-1").await.unwrap();
        assert_eq!(unlocked.id, lock.id);
        assert_eq!(app.running.services.unlock_account(&email, "agent-1").await.unwrap_err().code(), "lock.not_locked");
        let r = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": PASSWORD}))).await;
        assert_eq!(r.status, 200, "{b:?}: {:?}", r.body);
        let token = r.body["session_token"].as_str().unwrap();
        let history = app.call("GET", "/api/v1/history", Some(token), None).await;
        let kinds: Vec<&str> = history.body["history"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
        assert!(kinds.contains(&"account_locked") && kinds.contains(&"account_unlocked") && kinds.contains(&"sign_in_refused_locked"), "{kinds:?}");
        assert!(app.inbox_latest(&email, told).await.contains("open again"));
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_off_5_a_code_sent_before_the_lock_no_longer_signs_in() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let acct = two_sv_account(&app).await;
        let before = app.inbox_count(PHONE).await;
        let s = sign_in(&app, &browser(UA_B), &acct.email, json!({})).await;
        assert_eq!(s.body["status"], "code_required", "{:?}", s.body);
        let cid = s.body["challenge_id"].as_str().unwrap().to_string();
        let code = app.code_after(PHONE, before).await;
        app.running.services.lock_account(&acct.email, "codes the owner did not ask for", 3600, "agent-1").await.unwrap();
        let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code}))).await;
        assert!(v.status == 410 || v.status == 403, "{b:?}: {} {:?}", v.status, v.body);
        assert!(v.body["session_token"].is_null());
        app.shutdown().await;
    }
}

/// A reset link still waiting in the outbox when the lock is set is never sent: the
/// lock holds back every message tied to a challenge of the account.
#[tokio::test]
async fn f_off_5_a_reset_link_waiting_to_be_sent_is_held_back_by_the_lock() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let email = unique_email();
        app.signed_up(&email, PASSWORD).await;
        let before = app.inbox_count(&email).await;
        app.running.pause_delivery(true);
        let reset = app.call("POST", "/api/v1/password-reset", None, Some(json!({"email": email}))).await;
        assert_eq!(reset.status, 202, "{:?}", reset.body);
        app.running.services.lock_account(&email, "a reset the owner did not ask for", 3600, "agent-1").await.unwrap();
        app.running.pause_delivery(false);
        // The lock's own notice arrives; the link does not, then or later.
        let notice = app.inbox_latest(&email, before).await;
        assert!(notice.contains("paused until"), "{b:?}: {notice}");
        assert_eq!(app.inbox_count(&email).await, before + 1, "{b:?}: only the lock's notice went out");
        assert_eq!(app.running.db.count_outbox("pending").await.unwrap(), 0, "{b:?}");
        app.shutdown().await;
    }
}

/// Sign-ins racing the lock: whatever the order, no session made in the race can be
/// used once the lock has committed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn f_off_5_no_session_made_in_a_race_with_the_lock_can_be_used() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let email = unique_email();
        app.signed_up(&email, PASSWORD).await;
        let gate = std::sync::Arc::new(tokio::sync::Barrier::new(41));
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..40 {
            let (http, url, email, gate) = (app.http.clone(), app.url.clone(), email.clone(), gate.clone());
            set.spawn(async move {
                gate.wait().await;
                let r = call(&http, &url, "POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": PASSWORD}))).await;
                r.body["session_token"].as_str().map(str::to_string)
            });
        }
        gate.wait().await;
        app.running.services.lock_account(&email, "racing sign-ins", 3600, "agent-1").await.unwrap();
        let tokens: Vec<String> = set.join_all().await.into_iter().flatten().collect();
        for t in &tokens {
            let r = app.call("GET", "/api/v1/account", Some(t), None).await;
            assert!(r.status == 401 || (r.status == 403 && r.body["code"] == "account.locked"), "{b:?}: a session of the race works: {} {:?}", r.status, r.body);
        }
        println!("{b:?}: {} sign-ins got a token before the lock; none works", tokens.len());
        // Nor after it: the end of the lock revokes whatever was made before it.
        app.running.services.unlock_account(&email, "agent-1").await.unwrap();
        for t in &tokens {
            assert_eq!(app.call("GET", "/api/v1/account", Some(t), None).await.status, 401, "{b:?}: a session of the race works after the unlock");
        }
        let fresh = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": PASSWORD}))).await;
        assert_eq!(fresh.status, 200, "{:?}", fresh.body);
        app.shutdown().await;
    }
}

/// The lock ends by itself at its time, with no instance needed then; its end is
/// recorded and told once, though two instances look for due locks.
#[tokio::test]
async fn f_off_5_a_lock_ends_at_its_time_and_its_end_is_told_once_across_instances() {
    for b in backends().await {
        let clock = FakeClock::at(UnixMillis(1_900_000_000_000));
        let fast = |c: &mut ninsho_server::Config| {
            use_fake_clock(c, clock.clone());
            c.lock_sweep_every = std::time::Duration::from_millis(50);
        };
        let app = spawn_app_with(b, fast).await;
        let (second, _data) = spawn_second_with(&app, fast).await;
        let email = unique_email();
        app.signed_up(&email, PASSWORD).await;
        app.running.services.lock_account(&email, "a day of checks", 86_400, "agent-1").await.unwrap();
        let signin = || app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": PASSWORD})));
        assert_eq!(signin().await.status, 403);
        let told = app.inbox_count(&email).await;
        clock.advance_secs(86_401);
        // Open at once: the time decides, not the sweep.
        assert_eq!(signin().await.status, 200, "{b:?}");
        for _ in 0..100 {
            if events_of(&app, &email, EventKind::AccountUnlocked).await > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        // Both instances swept several times meanwhile.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(events_of(&app, &email, EventKind::AccountUnlocked).await, 1, "{b:?}");
        assert!(app.inbox_latest(&email, told).await.contains("open again"));
        assert_eq!(app.inbox_count(&email).await, told + 1, "{b:?}: the end was told once");
        second.shutdown().await;
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_off_5_the_cli_locks_and_unlocks_with_one_line_each() {
    let app = spawn_app(Backend::Sqlite).await;
    let email = unique_email();
    app.signed_up(&email, PASSWORD).await;
    let run = |args: &[&str]| {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_ninsho"));
        cmd.args(args).args(["--database-url", &app.db.url, "--data-dir"]).arg(&app.data.path).env("NINSHO_MASTER_KEY", TEST_MASTER_KEY);
        async move { cmd.output().await.unwrap() }
    };
    let out = run(&["admin", "accounts", "lock", &email, "--reason", "suspected access", "--for", "36h"]).await;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success() && text.starts_with(&format!("locked {email} until ")), "{text} {}", String::from_utf8_lossy(&out.stderr));
    let status = run(&["admin", "accounts", "lock-status", &email]).await;
    assert!(String::from_utf8_lossy(&status.stdout).contains("by operator"), "{status:?}");
    for bad in [["--for", "0h"], ["--for", "31d"], ["--for", "soon"]] {
        let out = run(&["admin", "accounts", "lock", &email, "--reason", "x", bad[0], bad[1]]).await;
        assert!(!out.status.success(), "{bad:?}");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(err.lines().next().is_some_and(|l| l.contains("duration") || l.contains("30 days")), "{bad:?}: {err}");
    }
    let out = run(&["admin", "accounts", "unlock", &email]).await;
    assert!(out.status.success(), "{out:?}");
    let again = run(&["admin", "accounts", "unlock", &email]).await;
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("not locked"), "{again:?}");
    let nobody = run(&["admin", "accounts", "lock", "nobody@example.com", "--reason", "x"]).await;
    assert!(!nobody.status.success());
    app.shutdown().await;
}
