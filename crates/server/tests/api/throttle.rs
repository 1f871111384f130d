//! Password guessing (F-SIGNIN-5, F-OPS-7): wrong passwords are throttled per e-mail
//! address and per client address with growing delays, counted before the hash so a
//! burst gets no more tries than a patient attacker; known and unknown addresses are
//! answered alike; the owner's trusted browser is not locked out by someone else.

use std::sync::Arc;

use ninsho_domain::ports::FakeClock;
use ninsho_domain::types::UnixMillis;
use tokio::sync::Barrier;

use super::*;

const FREE: usize = 5;

fn behind_proxy(c: &mut ninsho_server::Config) {
    // Each request names its own client address, as a proxy in front would.
    c.trust_forwarded = true;
}

async fn sign_in_from(app: &TestApp, ip: &str, email: &str, password: &str, extra: Value) -> reqwest::Response {
    let mut body = json!({"email": email, "password": password});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    app.http.post(format!("{}/api/v1/sign-in", app.url)).header("x-forwarded-for", ip).header("user-agent", UA_A).json(&body).send().await.unwrap()
}

/// 100 wrong passwords released together; `(refused as wrong, throttled)`.
async fn burst(app: &Arc<TestApp>, email: impl Fn(usize) -> String, ip: impl Fn(usize) -> String) -> (usize, usize) {
    let gate = Arc::new(Barrier::new(100));
    let mut tasks = Vec::new();
    for i in 0..100 {
        let (app, gate, email, ip) = (app.clone(), gate.clone(), email(i), ip(i));
        tasks.push(tokio::spawn(async move {
            gate.wait().await;
            let r = sign_in_from(&app, &ip, &email, "wrong password here", json!({})).await;
            let status = r.status().as_u16();
            let retry = r.headers().get("retry-after").is_some();
            let body: Value = r.json().await.unwrap();
            (status, body["code"].as_str().unwrap_or("").to_string(), retry)
        }));
    }
    let (mut wrong, mut throttled) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            (401, code, _) if code == "auth.invalid_credentials" => wrong += 1,
            (429, code, true) if code == "auth.throttled" => throttled += 1,
            other => panic!("unexpected answer {other:?}"),
        }
    }
    (wrong, throttled)
}

#[tokio::test]
async fn f_signin_5_a_burst_of_wrong_passwords_gets_no_more_tries_than_the_throttle_allows() {
    for b in backends().await {
        let app = Arc::new(spawn_app_with(b, behind_proxy).await);
        let known = unique_email();
        app.signed_up(&known, PASSWORD).await;
        // From 100 addresses: the e-mail address's own count is what holds.
        let (wrong, throttled) = burst(&app, |_| known.clone(), |i| format!("198.51.100.{}", i + 1)).await;
        assert!((FREE..=FREE + 1).contains(&wrong), "{b:?}: {wrong} passwords tried for one account in a burst");
        assert_eq!(wrong + throttled, 100);
        // An address nobody has answers the same way, in the same numbers.
        let unknown = unique_email();
        let (wrong_u, throttled_u) = burst(&app, |_| unknown.clone(), |i| format!("203.0.113.{}", i + 1)).await;
        assert!((FREE..=FREE + 1).contains(&wrong_u), "{b:?}: {wrong_u}");
        assert_eq!(wrong_u + throttled_u, 100);
        // From one address, 100 different e-mail addresses: the address's count holds.
        let (wrong_a, _) = burst(&app, |_| unique_email(), |_| "192.0.2.7".to_string()).await;
        assert!(wrong_a <= 31, "{b:?}: {wrong_a} tries from one address");
        Arc::try_unwrap(app).ok().unwrap().shutdown().await;
    }
}

#[tokio::test]
async fn f_signin_5_delays_grow_with_each_wrong_password_and_a_right_one_starts_again() {
    for b in backends().await {
        let clock = FakeClock::at(UnixMillis(1_900_000_000_000));
        let c2 = clock.clone();
        let app = spawn_app_with(b, move |c| {
            behind_proxy(c);
            use_fake_clock(c, c2);
        })
        .await;
        let email = unique_email();
        app.signed_up(&email, PASSWORD).await;
        let ip = "198.51.100.9";
        for _ in 0..=FREE {
            assert_eq!(sign_in_from(&app, ip, &email, "wrong password here", json!({})).await.status(), 401);
        }
        // Past the free tries each one waits, twice as long as the one before.
        for wait in [1u64, 2, 4, 8] {
            let r = sign_in_from(&app, ip, &email, PASSWORD, json!({})).await;
            assert_eq!(r.status(), 429, "{b:?}: even the right password waits");
            let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert_eq!(retry, wait, "{b:?}");
            clock.advance_secs(wait as i64);
            assert_eq!(sign_in_from(&app, ip, &email, "wrong password here", json!({})).await.status(), 401);
        }
        clock.advance_secs(16);
        assert_eq!(sign_in_from(&app, ip, &email, PASSWORD, json!({})).await.status(), 200, "{b:?}");
        // A right password starts the count again.
        assert_eq!(sign_in_from(&app, ip, &email, "wrong password here", json!({})).await.status(), 401);
        assert_eq!(sign_in_from(&app, ip, &email, PASSWORD, json!({})).await.status(), 200);
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_signin_2_someone_elses_guessing_does_not_lock_the_owner_out_of_a_trusted_browser() {
    for b in backends().await {
        // A clock that stands still: on a loaded machine the first delays (a second or
        // two) could run out between the burst and the checks below.
        let clock = FakeClock::at(UnixMillis(1_900_000_000_000));
        let app = Arc::new(
            spawn_app_with(b, move |c| {
                behind_proxy(c);
                use_fake_clock(c, clock);
            })
            .await,
        );
        let acct = two_sv_account(&app).await;
        // The owner trusts this browser (their own address).
        let owner_ip = "192.0.2.50";
        let before = app.inbox_count("+819012345678").await;
        let s = sign_in_from(&app, owner_ip, &acct.email, PASSWORD, json!({})).await.json::<Value>().await.unwrap();
        let code = app.code_after("+819012345678", before).await;
        let cid = s["challenge_id"].as_str().unwrap();
        let v = call(&browser(UA_A), &app.url, "POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code, "trust_browser": true}))).await;
        let token = v.body["trusted_browser_token"].as_str().unwrap().to_string();

        // The guessing comes from the owner's own network (an office, a phone carrier's
        // NAT): both the account's and the address's counts run out.
        let (_, throttled) = burst(&app, |_| acct.email.clone(), |_| owner_ip.to_string()).await;
        assert!(throttled > 0);
        let (_, throttled) = burst(&app, |_| unique_email(), |_| owner_ip.to_string()).await;
        assert!(throttled > 0);
        let r = sign_in_from(&app, owner_ip, &unique_email(), PASSWORD, json!({})).await;
        assert_eq!(r.status(), 429, "{b:?}: the address itself waits");
        // Someone without the mark is made to wait, whatever their address.
        let r = sign_in_from(&app, "192.0.2.51", &acct.email, PASSWORD, json!({})).await;
        assert_eq!(r.status(), 429, "{b:?}");
        // The owner's browser is let through to the password; after so many wrong
        // passwords the risk rules still ask it for a code (F-SIGNIN-3), which it has.
        let r = sign_in_from(&app, owner_ip, &acct.email, PASSWORD, json!({"trusted_browser_token": token})).await;
        assert_eq!(r.status(), 200, "{b:?}");
        assert_eq!(r.json::<Value>().await.unwrap()["status"], "code_required");
        Arc::try_unwrap(app).ok().unwrap().shutdown().await;
    }
}

#[tokio::test]
async fn f_signin_5_a_signed_in_session_cannot_guess_the_password_faster_than_sign_in() {
    for b in backends().await {
        let app = spawn_app_with(b, behind_proxy).await;
        let email = unique_email();
        let token = app.signed_up(&email, PASSWORD).await;
        let step_up = |pw: &'static str| app.call("POST", "/api/v1/step-up", Some(&token), Some(json!({"password": pw})));
        let mut statuses = Vec::new();
        for _ in 0..FREE + 3 {
            statuses.push(step_up("wrong password here").await.status);
        }
        assert_eq!(statuses.iter().filter(|s| **s == 401).count(), FREE + 1, "{b:?}: {statuses:?}");
        assert!(statuses.ends_with(&[429, 429]), "{b:?}: {statuses:?}");
        app.shutdown().await;
    }
}
