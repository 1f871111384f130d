//! F-OFF-2: the owner pauses 2SV after a step-up, for an hour to a week (a day unless
//! they say), and it switches itself back on at the time, instance or not; both ends
//! are told.

use super::codes::step_up_sms;
use super::pages::{check_page, page_client, web_app};
use super::*;
use ninsho_domain::ports::{FakeClock, Store};
use ninsho_domain::types::{EventKind, Locale, Scope, UnixMillis};
use secrecy::ExposeSecret;

const PHONE: &str = "+819012345678";
const SUSPEND: &str = "/api/v1/two-step/suspend";
const RESUME: &str = "/api/v1/two-step/resume";

async fn events(app: &TestApp, email: &str, kind: EventKind) -> Vec<String> {
    let e = ninsho_domain::email::Email::parse(email).unwrap();
    let account = app.running.db.account_by_email(&e).await.unwrap().unwrap();
    app.running.db.events(account.id, 500).await.unwrap().into_iter().filter(|ev| ev.kind == kind).map(|ev| ev.detail).collect()
}

/// What a shop's session check says of `token`: its `acr` and `amr`.
async fn strength(app: &TestApp, secret: &str, token: &str) -> (String, Vec<String>) {
    let r = app.http.post(format!("{}/api/v1/service/sessions/introspect", app.url)).bearer_auth(secret).json(&json!({"token": token})).send().await.unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["active"], true, "{body:?}");
    let amr = body["amr"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().to_string()).collect();
    (body["acr"].as_str().unwrap().to_string(), amr)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

#[tokio::test]
async fn f_off_2_a_pause_takes_a_step_up_and_lasts_an_hour_to_a_week_a_day_unless_said() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let acct = two_sv_account(&app).await;
        let t = acct.token.as_str();
        // Turning 2SV on ended the password's step-up: whoever has the password only cannot pause it.
        let r = app.call("POST", SUSPEND, Some(t), Some(json!({}))).await;
        assert_eq!((r.status, r.body["code"].as_str()), (403, Some("auth.step_up_required")), "{b:?}: {:?}", r.body);
        step_up_sms(&app, t).await;
        for bad in [json!({"hours": 0}), json!({"hours": 169}), json!({"hours": -24}), json!({"hours": 24 * 30})] {
            let r = app.call("POST", SUSPEND, Some(t), Some(bad.clone())).await;
            assert_eq!((r.status, r.body["code"].as_str(), r.body["field"].as_str()), (422, Some("twosv.suspend_hours_invalid"), Some("hours")), "{b:?} {bad}: {:?}", r.body);
            assert!(r.headers["content-type"].to_str().unwrap().starts_with("application/problem+json"));
        }
        let r = app.call("POST", SUSPEND, Some(t), Some(json!({"hours": "a day"}))).await;
        assert!(r.status == 400 || r.status == 422, "{b:?}: {} {:?}", r.status, r.body);
        assert!(events(&app, &acct.email, EventKind::TwosvSuspended).await.is_empty(), "{b:?}: a refused pause is no pause");

        let asked = now_ms();
        let r = app.call("POST", SUSPEND, Some(t), None).await;
        assert_eq!(r.status, 200, "{b:?}: {:?}", r.body);
        let until = r.body["suspended_until"].as_i64().unwrap();
        assert!((asked + 86_400_000..=now_ms() + 86_400_000).contains(&until), "{b:?}: a day by default: {until}");
        let me = app.call("GET", "/api/v1/account", Some(t), None).await.body;
        assert_eq!((me["two_step_enabled"].as_bool(), me["two_step_suspended_until"].as_i64()), (Some(true), Some(until)), "{b:?}: on, and paused: {me:?}");
        // One pause at a time: another length needs the pause switched back on first.
        let again = app.call("POST", SUSPEND, Some(t), Some(json!({"hours": 168}))).await;
        assert_eq!((again.status, again.body["code"].as_str()), (409, Some("twosv.already_suspended")), "{b:?}: {:?}", again.body);
        assert_eq!(events(&app, &acct.email, EventKind::TwosvSuspended).await, vec![format!("until {until}")], "{b:?}");

        // Without 2SV there is nothing to pause.
        let email = unique_email();
        let plain = app.signed_up(&email, PASSWORD).await;
        let r = app.call("POST", "/api/v1/step-up", Some(&plain), Some(json!({"password": PASSWORD}))).await;
        assert_eq!(r.body["status"], "done", "{:?}", r.body);
        let r = app.call("POST", SUSPEND, Some(&plain), Some(json!({"hours": 2}))).await;
        assert_eq!((r.status, r.body["code"].as_str()), (409, Some("twosv.not_enabled")), "{b:?}: {:?}", r.body);
        app.shutdown().await;
    }
}

/// While paused the password alone signs in, to a session that says so: `aal1`, `pwd`,
/// no step-up, never a second factor; the other protections of 2SV stay. Switching it
/// back on early takes no step-up, and both ends are told on every channel they go to.
#[tokio::test]
async fn f_off_2_while_paused_the_password_signs_in_to_an_aal1_session_and_switching_back_early_is_told() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let acct = two_sv_account(&app).await;
        let (_, secret) = app.running.services.add_service_client("checkout", &[Scope::SessionsRead, Scope::StepUp], 100_000).await.unwrap();
        let secret = secret.expose_secret().to_string();
        step_up_sms(&app, &acct.token).await;
        let (mails, texts) = (app.inbox_count(&acct.email).await, app.inbox_count(PHONE).await);
        let r = app.call("POST", SUSPEND, Some(&acct.token), Some(json!({"hours": 3}))).await;
        assert_eq!(r.status, 200, "{b:?}: {:?}", r.body);
        // Told at every address, with until when, how to switch it back on, and what to do if it was not them.
        let notice = app.inbox_latest(&acct.email, mails).await;
        assert!(notice.contains("paused until") && notice.contains("https://shop.example/account") && notice.contains("If this wasn't you"), "{b:?}: {notice}");
        assert!(app.inbox_latest(PHONE, texts).await.contains("paused until"), "{b:?}: the phone is told too");

        // From the browser the owner uses: the password alone.
        let s = sign_in(&app, &app.http, &acct.email, json!({})).await;
        assert_eq!(s.body["status"], "signed_in", "{b:?}: no code while paused: {:?}", s.body);
        let paused = s.body["session_token"].as_str().unwrap().to_string();
        // A risky one (a new device just after 2SV's changes) gets an e-mailed code,
        // as without 2SV: never a trust mark, never a second factor.
        let mails = app.inbox_count(&acct.email).await;
        let risky = sign_in(&app, &browser(UA_B), &acct.email, json!({})).await;
        assert_eq!((risky.body["status"].as_str(), risky.body["method"]["kind"].as_str()), (Some("code_required"), Some("email")), "{b:?}: {:?}", risky.body);
        let code = app.code_after(&acct.email, mails).await;
        let cid = risky.body["challenge_id"].as_str().unwrap();
        let v = call(&browser(UA_B), &app.url, "POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code, "trust_browser": true}))).await;
        assert_eq!(v.status, 200, "{b:?}: {:?}", v.body);
        assert!(v.body["trusted_browser_token"].is_null(), "{b:?}: a browser trusted on a pause's code would skip codes after it: {:?}", v.body);
        assert_eq!(strength(&app, &secret, v.body["session_token"].as_str().unwrap()).await.0, "aal1", "{b:?}");
        assert_eq!(strength(&app, &secret, &paused).await, ("aal1".to_string(), vec!["pwd".to_string()]), "{b:?}");
        // A paused 2SV still guards the account's protection: the password steps up nothing.
        let off = app.call("POST", "/api/v1/two-step/disable", Some(&paused), Some(json!({}))).await;
        assert_eq!((off.status, off.body["code"].as_str()), (403, Some("auth.step_up_required")), "{b:?}: {:?}", off.body);
        let step = app.call("POST", "/api/v1/step-up", Some(&paused), Some(json!({"password": PASSWORD}))).await;
        assert_eq!(step.body["status"], "code_required", "{b:?}: {:?}", step.body);
        let longer = app.call("POST", SUSPEND, Some(&paused), Some(json!({"hours": 168}))).await;
        assert_eq!(longer.status, 403, "{b:?}: {:?}", longer.body);
        // Nor does the e-mailed reset link alone set a new password.
        let mails = app.inbox_count(&acct.email).await;
        assert_eq!(app.call("POST", "/api/v1/password-reset", None, Some(json!({"email": acct.email}))).await.status, 202);
        let mail = app.inbox_latest(&acct.email, mails).await;
        let link = mail.split_whitespace().find(|w| w.contains("/reset/")).unwrap().rsplit('/').next().unwrap().to_string();
        let bare = app.call("POST", "/api/v1/password-reset/complete", None, Some(json!({"token": link, "new_password": "another long passphrase 42"}))).await;
        assert_eq!((bare.status, bare.body["code"].as_str()), (422, Some("reset.code_required")), "{b:?}: {:?}", bare.body);
        // A shop's step-up cannot count on the paused methods: an e-mailed code, said to be weak.
        let sub = app.call("GET", "/api/v1/account", Some(&acct.token), None).await.body["id"].as_str().unwrap().to_string();
        let r = app.http.post(format!("{}/api/v1/service/step-ups", app.url)).bearer_auth(&secret).json(&json!({"sub": sub, "reason": {"kind": "payment_method"}})).send().await.unwrap();
        let started: Value = r.json().await.unwrap();
        assert_eq!((started["weak"].as_bool(), started["method"].is_null()), (Some(true), true), "{b:?}: {started:?}");
        // A device without a second screen: the password alone.
        let device = app.call("POST", "/api/v1/sign-in/device", None, Some(json!({"email": acct.email, "password": PASSWORD}))).await;
        assert_eq!(device.body["status"], "signed_in", "{b:?}: {:?}", device.body);

        // Back on early, from any session, without a step-up: it only adds protection.
        let mails = app.inbox_count(&acct.email).await;
        let r = app.call("POST", RESUME, Some(&paused), None).await;
        assert_eq!(r.status, 204, "{b:?}: {:?}", r.body);
        assert!(app.inbox_latest(&acct.email, mails).await.contains("is back on"), "{b:?}");
        let r = app.call("POST", RESUME, Some(&paused), None).await;
        assert_eq!((r.status, r.body["code"].as_str()), (409, Some("twosv.not_suspended")), "{b:?}: {:?}", r.body);
        let s = sign_in(&app, &app.http, &acct.email, json!({})).await;
        assert_eq!(s.body["status"], "code_required", "{b:?}: {:?}", s.body);
        // The session made while paused is no stronger for 2SV being back.
        assert_eq!(strength(&app, &secret, &paused).await.0, "aal1", "{b:?}");
        assert_eq!(events(&app, &acct.email, EventKind::TwosvResumed).await, vec!["by owner".to_string()], "{b:?}");

        // The message center and the history show both ends.
        let messages = app.call("GET", "/api/v1/messages", Some(&acct.token), None).await.body;
        let kinds: Vec<&str> = messages["messages"].as_array().unwrap().iter().filter_map(|m| m["kind"].as_str()).collect();
        assert!(kinds.contains(&"twosv-suspended") && kinds.contains(&"twosv-resumed"), "{b:?}: {kinds:?}");
        let told = messages["messages"].as_array().unwrap().iter().find(|m| m["kind"] == "twosv-suspended" && m["channel"] == "email").unwrap();
        assert!(told["text"].as_str().is_some_and(|t| t.contains("paused until")), "{b:?}: {told:?}");
        let history = app.call("GET", "/api/v1/history", Some(&acct.token), None).await.body;
        let kinds: Vec<&str> = history["history"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
        assert!(kinds.contains(&"twosv_suspended") && kinds.contains(&"twosv_resumed"), "{b:?}: {kinds:?}");

        // Turning 2SV off ends a pause with it: on again later, it is not paused.
        step_up_sms(&app, &acct.token).await;
        assert_eq!(app.call("POST", SUSPEND, Some(&acct.token), Some(json!({"hours": 5}))).await.status, 200);
        assert_eq!(app.call("POST", "/api/v1/two-step/disable", Some(&acct.token), Some(json!({}))).await.status, 204);
        let r = app.call("POST", "/api/v1/step-up", Some(&acct.token), Some(json!({"password": PASSWORD}))).await;
        assert_eq!(r.body["status"], "done", "{b:?}: {:?}", r.body);
        approve_setup(&app.http, &app.url, &acct.token).await;
        let on = app.call("POST", "/api/v1/two-step/enable", Some(&acct.token), None).await;
        assert_eq!(on.status, 200, "{b:?}: {:?}", on.body);
        assert!(app.call("GET", "/api/v1/account", Some(&acct.token), None).await.body["two_step_suspended_until"].is_null(), "{b:?}");
        assert_eq!(sign_in(&app, &browser(UA_A), &acct.email, json!({})).await.body["status"], "code_required", "{b:?}");
        app.shutdown().await;
    }
}

/// The pause ends at its time though no instance runs then: the clock decides, not a
/// timer. The instances that start later tell the owner, once between them.
#[tokio::test]
async fn f_off_2_two_step_is_back_on_at_the_time_with_no_instance_running_and_told_once() {
    for b in backends().await {
        let clock = FakeClock::at(UnixMillis(1_900_000_000_000));
        let app = spawn_app_with(b, |c| use_fake_clock(c, clock.clone())).await;
        let acct = two_sv_account(&app).await;
        step_up_sms(&app, &acct.token).await;
        let r = app.call("POST", SUSPEND, Some(&acct.token), Some(json!({"hours": 1}))).await;
        assert_eq!(r.status, 200, "{b:?}: {:?}", r.body);
        assert_eq!(sign_in(&app, &app.http, &acct.email, json!({})).await.body["status"], "signed_in", "{b:?}");
        let told = app.inbox_count(&acct.email).await;
        let TestApp { running, db, data, .. } = app;
        running.shutdown().await;

        // Nothing runs when the hour ends.
        clock.advance_secs(3 * 3600);

        // An instance whose sweep will not come for an hour: the time alone decides.
        let mut slow = test_config(&db.url, data.path.clone());
        use_fake_clock(&mut slow, clock.clone());
        slow.lock_sweep_every = std::time::Duration::from_secs(3600);
        let running = ninsho_server::App::start(slow).await.unwrap();
        let app = TestApp { url: running.url(), running, http: client(), db, data };
        let s = sign_in(&app, &app.http, &acct.email, json!({})).await;
        assert_eq!(s.body["status"], "code_required", "{b:?}: back on at its time: {:?}", s.body);
        assert!(app.call("GET", "/api/v1/account", Some(&acct.token), None).await.body["two_step_suspended_until"].is_null(), "{b:?}");
        assert!(events(&app, &acct.email, EventKind::TwosvResumed).await.is_empty(), "{b:?}: no sweep has run yet");

        // Two instances that sweep often: the end is recorded and told once.
        let fast = |c: &mut ninsho_server::Config| {
            use_fake_clock(c, clock.clone());
            c.lock_sweep_every = std::time::Duration::from_millis(50);
        };
        let (second, _d2) = spawn_second_with(&app, fast).await;
        let (third, _d3) = spawn_second_with(&app, fast).await;
        for _ in 0..200 {
            if !events(&app, &acct.email, EventKind::TwosvResumed).await.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        // Both swept several times meanwhile.
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        assert_eq!(events(&app, &acct.email, EventKind::TwosvResumed).await, vec!["by time".to_string()], "{b:?}");
        assert!(app.inbox_latest(&acct.email, told).await.contains("is back on"), "{b:?}");
        assert_eq!(app.inbox_count(&acct.email).await, told + 1, "{b:?}: the end was told once");
        third.shutdown().await;
        second.shutdown().await;
        app.shutdown().await;
    }
}

/// Pauses and resumes released together: one pause, one event and one notice each.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn f_off_2_racing_pauses_and_resumes_change_the_state_once_each() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let acct = two_sv_account(&app).await;
        step_up_sms(&app, &acct.token).await;
        let mails = app.inbox_count(&acct.email).await;
        let burst = |path: &'static str, body: fn(i64) -> Option<Value>| {
            let gate = std::sync::Arc::new(tokio::sync::Barrier::new(20));
            let mut set = tokio::task::JoinSet::new();
            for i in 0..20 {
                let (http, url, token, gate) = (app.http.clone(), app.url.clone(), acct.token.clone(), gate.clone());
                set.spawn(async move {
                    gate.wait().await;
                    call(&http, &url, "POST", path, Some(&token), body(i)).await
                });
            }
            set.join_all()
        };
        let paused = burst(SUSPEND, |i| Some(json!({"hours": i + 1}))).await;
        let won: Vec<&Resp> = paused.iter().filter(|r| r.status == 200).collect();
        assert_eq!(won.len(), 1, "{b:?}: {:?}", paused.iter().map(|r| (r.status, r.body.clone())).collect::<Vec<_>>());
        assert!(paused.iter().all(|r| r.status == 200 || r.body["code"] == "twosv.already_suspended"), "{b:?}");
        let until = won[0].body["suspended_until"].as_i64().unwrap();
        assert_eq!(app.call("GET", "/api/v1/account", Some(&acct.token), None).await.body["two_step_suspended_until"].as_i64(), Some(until), "{b:?}");
        assert_eq!(events(&app, &acct.email, EventKind::TwosvSuspended).await, vec![format!("until {until}")], "{b:?}");
        assert_eq!(app.inbox_count(&acct.email).await, mails + 1, "{b:?}: one pause, one notice");

        let resumed = burst(RESUME, |_| None).await;
        assert_eq!(resumed.iter().filter(|r| r.status == 204).count(), 1, "{b:?}");
        assert!(resumed.iter().all(|r| r.status == 204 || r.body["code"] == "twosv.not_suspended"), "{b:?}");
        assert_eq!(events(&app, &acct.email, EventKind::TwosvResumed).await.len(), 1, "{b:?}");
        assert_eq!(app.inbox_count(&acct.email).await, mails + 2, "{b:?}: one end, one notice");
        app.shutdown().await;
    }
}

/// The settings page: a confirming page after a step-up, the length next to its error,
/// "paused until" in the owner's zone, and the button that switches it back on.
#[tokio::test]
async fn f_off_2_the_settings_page_pauses_shows_until_when_in_the_owners_zone_and_switches_back() {
    let app = web_app().await;
    let acct = two_sv_account(&app).await;
    let r = app.call("PATCH", "/api/v1/account", Some(&acct.token), Some(json!({"time_zone": "Asia/Tokyo"}))).await;
    assert!(r.status < 300, "{:?}", r.body);
    // A shopper without a fresh step-up confirms first, and comes back here.
    let mut c = page_client(&app, Locale::Ja);
    c.cookies.insert("ninsho-session".into(), acct.token.clone());
    let p = c.get("/account/two-step/suspend").await;
    assert_eq!(p.path, "/account/confirm?next=%2Faccount%2Ftwo-step%2Fsuspend", "{}", p.html);
    step_up_sms(&app, &acct.token).await;
    for l in Locale::ALL {
        let mut c = page_client(&app, l);
        c.cookies.insert("ninsho-session".into(), acct.token.clone());
        let account = c.get("/account").await;
        assert!(account.html.contains("href=\"/account/two-step/suspend\""), "{}", account.html);
        let p = c.get("/account/two-step/suspend").await;
        assert_eq!((p.status, p.path.as_str()), (200, "/account/two-step/suspend"), "{}", p.html);
        check_page(l, &p, "pause page");
        assert!(p.html.contains("<option value=\"24\" selected>"), "a day unless said: {}", p.html);
    }
    let mut c = page_client(&app, Locale::En);
    c.cookies.insert("ninsho-session".into(), acct.token.clone());
    let form = c.get("/account/two-step/suspend").await;
    let refused = c.post("/account/two-step/suspend", &form, &[("hours", "0")]).await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    assert_eq!(refused.text_of("hours-error").as_deref(), Some("Choose from 1 hour to 7 days."), "{}", refused.html);
    let done = c.post("/account/two-step/suspend", &form, &[("hours", "72")]).await;
    assert_eq!(done.path, "/account?notice=twosv-paused", "{}", done.html);
    let until = app.call("GET", "/api/v1/account", Some(&acct.token), None).await.body["two_step_suspended_until"].as_i64().unwrap();
    let tokyo = ninsho_domain::zone::TimeZoneName::parse("Asia/Tokyo").unwrap();
    let shown = done.text_of("twosv-status").unwrap_or_default();
    let local = ninsho_domain::zone::wall_time(UnixMillis(until), &tokyo);
    assert!(local.ends_with("JST") && shown.contains(&local), "{shown:?} vs {local}");
    assert!(!done.html.contains("id=\"twosv-pause\""), "no second pause while paused");
    for l in Locale::ALL {
        let mut c = page_client(&app, l);
        c.cookies.insert("ninsho-session".into(), acct.token.clone());
        check_page(l, &c.get("/account").await, "account page while paused");
    }
    let back = c.post("/account/two-step/resume", &done, &[]).await;
    assert_eq!(back.path, "/account?notice=twosv-resumed", "{}", back.html);
    assert_eq!(back.text_of("twosv-status").as_deref(), Some("On"), "{}", back.html);
    app.shutdown().await;
}

/// A pause over but not yet told, followed by a new one: the old one's end is recorded
/// with the new pause, whose notice stands for both; no sweep tells the old end after.
#[tokio::test]
async fn f_off_2_a_new_pause_after_one_that_ran_out_untold_records_its_end_once() {
    for b in backends().await {
        let clock = FakeClock::at(UnixMillis(1_900_000_000_000));
        let app = spawn_app_with(b, |c| {
            use_fake_clock(c, clock.clone());
            c.lock_sweep_every = std::time::Duration::from_secs(3600);
        })
        .await;
        let acct = two_sv_account(&app).await;
        step_up_sms(&app, &acct.token).await;
        assert_eq!(app.call("POST", SUSPEND, Some(&acct.token), Some(json!({"hours": 1}))).await.status, 200);
        clock.advance_secs(2 * 3600);
        step_up_sms(&app, &acct.token).await;
        let mails = app.inbox_count(&acct.email).await;
        let r = app.call("POST", SUSPEND, Some(&acct.token), Some(json!({"hours": 2}))).await;
        assert_eq!(r.status, 200, "{b:?}: {:?}", r.body);
        assert_eq!(events(&app, &acct.email, EventKind::TwosvResumed).await, vec!["by time".to_string()], "{b:?}");
        assert_eq!(events(&app, &acct.email, EventKind::TwosvSuspended).await.len(), 2, "{b:?}");
        assert_eq!(app.running.services.end_due_suspensions().await.unwrap(), 0, "{b:?}: nothing is due");
        assert_eq!(app.inbox_count(&acct.email).await, mails + 1, "{b:?}: the new pause's notice only");
        clock.advance_secs(2 * 3600 + 1);
        assert_eq!(app.running.services.end_due_suspensions().await.unwrap(), 1, "{b:?}");
        assert_eq!(app.running.services.end_due_suspensions().await.unwrap(), 0, "{b:?}: told once");
        assert_eq!(events(&app, &acct.email, EventKind::TwosvResumed).await.len(), 2, "{b:?}");
        app.shutdown().await;
    }
}
