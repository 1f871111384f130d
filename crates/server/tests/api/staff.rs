//! F-SUP-1: support staff. The operator adds members with a role; a member works only
//! with two-step verification on and passed in the session, within the idle timeout,
//! and only at what the role permits. Every change to the list is on record.

use super::*;
use ninsho_domain::Services;
use ninsho_domain::ports::Store;
use ninsho_domain::service::{Authed, STAFF_IDLE_SECS};
use ninsho_domain::staff::{StaffAction, StaffRole};
use ninsho_domain::types::EventKind;
use secrecy::ExposeSecret;

const PHONE: &str = "+819012345678";

/// A member signed in with the password and an SMS code, 2SV set up at the first
/// sign-in: the session token.
pub async fn signed_in_member(app: &TestApp, email: &str, password: &str) -> String {
    let first = call(&app.http, &app.url, "POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": password}))).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let token = first.body["session_token"].as_str().unwrap().to_string();
    // Not yet: 2SV is off.
    let a = app.running.services.authenticate(&token).await.unwrap();
    assert_eq!(app.running.services.authorize_staff(&a, StaffAction::FindAccount).await.unwrap_err().code(), "staff.two_step_required");
    // The member replaces the first password (the test helpers know the new one).
    let step = app.call("POST", "/api/v1/step-up", Some(&token), Some(json!({"password": password}))).await;
    assert_eq!(step.status, 200, "{:?}", step.body);
    let r = app.call("POST", "/api/v1/account/password", Some(&token), Some(json!({"current_password": password, "new_password": PASSWORD}))).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    // The console walks the member to the setup first.
    let mut pc = ninsho_testkit::pages::PageClient::new(&app.url);
    // Under either name: the browser tests' app serves plain HTTP, without `__Host-`.
    pc.cookies.insert("__Host-ninsho-session".into(), token.clone());
    pc.cookies.insert("ninsho-session".into(), token.clone());
    let setup = pc.get("/support").await;
    assert!(setup.text_of("support-setup").is_some() && setup.html.contains("href=\"/account/two-step/setup\""), "{}", setup.html);
    assert!(!setup.html.contains("id=\"support-search\""), "no search before 2SV is on");
    turn_on_two_step(app, &token).await;
    // The session that set 2SV up passed no code at sign-in: a new one does.
    signed_in_with_code(app, email).await
}

async fn may(svc: &Services<ninsho_storage::Db>, a: &Authed, action: StaffAction) -> Result<(), String> {
    svc.authorize_staff(a, action).await.map(|_| ()).map_err(|e| e.code().to_string())
}

/// A member works only as their role permits, and a role change takes effect on the
/// next action; a shopper is not staff; a member idle past the timeout is signed out;
/// a removed member's sessions end. Both backends.
#[tokio::test]
async fn f_sup_1_staff_work_with_2sv_within_the_idle_timeout_and_only_as_their_role_permits() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let svc = &app.running.services;
        let email = unique_email();
        let added = svc.add_staff(&email, StaffRole::Agent, "ops-1").await.unwrap();
        let token = signed_in_member(&app, &email, added.password.expose_secret()).await;
        let a = svc.authenticate(&token).await.unwrap();
        for action in StaffAction::ALL {
            let expected = if StaffRole::Agent.permits(action) { Ok(()) } else { Err("staff.not_permitted".to_string()) };
            assert_eq!(may(svc, &a, action).await, expected, "{b:?}: agent {}", action.as_str());
        }
        svc.set_staff_role(&email, StaffRole::Viewer, "ops-1").await.unwrap();
        assert_eq!(may(svc, &a, StaffAction::LockAccounts).await, Err("staff.not_permitted".into()), "{b:?}: the new role holds at once");
        assert_eq!(may(svc, &a, StaffAction::ViewAccount).await, Ok(()));

        // A shopper with 2SV is still no staff member.
        let shopper = two_sv_account(&app).await;
        let sa = svc.authenticate(&shopper.token).await.unwrap();
        assert_eq!(may(svc, &sa, StaffAction::FindAccount).await, Err("staff.not_staff".into()));

        // Idle past the timeout: refused, and the session is over.
        let raw = super::audit::Raw::open(&app.db.url).await;
        raw.exec(&format!("update sessions set last_seen_at = last_seen_at - {} where account_id = (select id from accounts where email = '{email}')", (STAFF_IDLE_SECS + 60) * 1000)).await;
        // Used anywhere else first (here the API): over too, not woken up by the call.
        assert_eq!(app.call("GET", "/api/v1/account", Some(&token), None).await.status, 401, "{b:?}: an idle staff session is over everywhere");
        assert!(svc.authenticate(&token).await.is_err(), "{b:?}: the idle session ended");
        // Authenticated just before it ran out and used after: refused at the action.
        let token = signed_in_with_code(&app, &email).await;
        let a = svc.authenticate(&token).await.unwrap();
        raw.exec(&format!("update sessions set last_seen_at = last_seen_at - {} where account_id = (select id from accounts where email = '{email}')", (STAFF_IDLE_SECS + 60) * 1000)).await;
        let stale = ninsho_domain::service::Authed { session: ninsho_domain::ports::Session { last_seen_at: ninsho_domain::types::UnixMillis(a.session.last_seen_at.0 - (STAFF_IDLE_SECS + 60) * 1000), ..a.session.clone() }, ..a.clone() };
        assert_eq!(may(svc, &stale, StaffAction::FindAccount).await, Err("auth.required".into()), "{b:?}");
        assert!(svc.authenticate(&token).await.is_err(), "{b:?}: the idle session ended");
        // Active a moment ago: still in.
        let token = signed_in_with_code(&app, &email).await;
        let a = svc.authenticate(&token).await.unwrap();
        assert_eq!(may(svc, &a, StaffAction::FindAccount).await, Ok(()));

        // Removed: the sessions end with the membership.
        svc.remove_staff(&email, "ops-2").await.unwrap();
        assert!(svc.authenticate(&token).await.is_err(), "{b:?}");
        assert_eq!(svc.remove_staff(&email, "ops-2").await.unwrap_err().code(), "staff.unknown");
        // Staff get accounts of their own: an address with an account is refused.
        assert_eq!(svc.add_staff(&shopper.email, StaffRole::Admin, "ops-1").await.err().map(|e| e.code()), Some("staff.email_taken"));

        let account = app.running.db.account_by_email(&ninsho_domain::email::Email::parse(&email).unwrap()).await.unwrap().unwrap();
        let events = app.running.db.events(account.id, 500).await.unwrap();
        let said = |k: EventKind| events.iter().filter(|e| e.kind == k).map(|e| e.detail.clone()).collect::<Vec<_>>();
        assert_eq!(said(EventKind::StaffAdded), ["role agent"]);
        assert_eq!(said(EventKind::StaffRoleChanged), ["role agent to viewer"]);
        assert_eq!(said(EventKind::StaffRemoved), ["role viewer"]);
        raw.close().await;
        app.shutdown().await;
    }
}

/// The operator's commands: one line each, a first password shown once, a bad role or
/// an unknown member a non-zero exit and one line.
#[tokio::test]
async fn f_sup_1_the_cli_adds_lists_changes_and_removes_staff() {
    let app = spawn_app(Backend::Sqlite).await;
    let email = unique_email();
    let (ok, text, err) = ninsho_cli(&app, &["admin", "staff", "add", &email, "--role", "reviewer", "--by", "ops-1"]).await;
    assert!(ok && text.contains("role: reviewer") && text.contains("password: "), "{text} {err}");
    let password = text.lines().find_map(|l| l.strip_prefix("password: ")).unwrap();
    let signed = call(&app.http, &app.url, "POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": password}))).await;
    assert_eq!(signed.status, 200, "the first password signs in: {:?}", signed.body);
    let (ok, text, _) = ninsho_cli(&app, &["admin", "staff", "list"]).await;
    assert!(ok && text.lines().any(|l| l.starts_with(&format!("{email} reviewer (added by ops-1 at "))), "{text}");
    let (ok, text, _) = ninsho_cli(&app, &["admin", "staff", "role", &email, "admin"]).await;
    assert!(ok && text.trim() == format!("{email} is now admin"), "{text}");
    for (args, words) in [
        (vec!["admin", "staff", "add", "x@example.com", "--role", "root"], "not a role"),
        (vec!["admin", "staff", "role", "nobody@example.com", "agent"], "no staff member"),
        (vec!["admin", "staff", "add", &email, "--role", "agent"], "accounts of their own"),
    ] {
        let (ok, _, err) = ninsho_cli(&app, &args).await;
        assert!(!ok && err.lines().next().is_some_and(|l| l.contains(words)), "{args:?}: {err}");
    }
    let (ok, text, _) = ninsho_cli(&app, &["admin", "staff", "remove", &email]).await;
    assert!(ok && text.starts_with(&format!("removed {email} (admin)")), "{text}");
    app.shutdown().await;
}

/// A member with `role`, signed in with 2SV, at `/support` in a page client, and a
/// shopper with 2SV: (the member's address, the client, the shopper).
pub async fn at_the_console(app: &TestApp, role: StaffRole) -> (String, ninsho_testkit::pages::PageClient, TwoSvAccount) {
    let email = unique_email();
    let added = app.running.services.add_staff(&email, role, "ops-1").await.unwrap();
    let token = signed_in_member(app, &email, added.password.expose_secret()).await;
    let shopper = two_sv_account(app).await;
    let mut pc = ninsho_testkit::pages::PageClient::new(&app.url);
    pc.cookies.insert("__Host-ninsho-session".into(), token);
    (email, pc, shopper)
}

/// `/support`: a member (a viewer here) finds an account by its address and reads it —
/// methods masked, the security log, never a code — and the look is recorded in the
/// account's log with who looked. An unknown address says so; a malformed one is an
/// error next to the field; a shopper's session gets the staff-only page. Both backends.
#[tokio::test]
async fn f_sup_1_the_support_page_finds_an_account_and_records_who_read_it() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let (staff_email, mut pc, shopper) = at_the_console(&app, StaffRole::Viewer).await;
        // A code the shopper was sent: support never sees one.
        let before = app.inbox_count(PHONE).await;
        assert_eq!(sign_in(&app, &browser(UA_B), &shopper.email, json!({})).await.body["status"], "code_required");
        let code = app.code_after(PHONE, before).await;

        let form = pc.get("/support").await;
        assert_eq!(form.status, 200, "{b:?}: {}", form.text());
        assert!(form.html.contains("id=\"support-search\""), "{}", form.html);
        let found = pc.get(&format!("/support?q={}", ninsho_server::web::ctx::urlencode(&shopper.email))).await;
        assert_eq!(found.status, 200, "{b:?}: {}", found.text());
        let page = found.text();
        let methods = found.text_of("support-methods").unwrap_or_default();
        assert!(page.contains(&shopper.email) && methods.contains("5678") && !page.contains("9012345678"), "{b:?}: the phone masked: {methods} / {page}");
        assert!(found.text_of("support-two-step").is_some_and(|t| t.ends_with("on")), "{}", found.html);
        assert!(found.text_of("support-log").is_some_and(|t| t.contains("Code sent")), "{b:?}: {}", found.html);
        assert!(!found.html.contains(&code), "{b:?}: never a code");

        let shopper_account = app.running.db.account_by_email(&ninsho_domain::email::Email::parse(&shopper.email).unwrap()).await.unwrap().unwrap();
        let looks: Vec<String> = app.running.db.events(shopper_account.id, 500).await.unwrap().into_iter().filter(|e| e.kind == EventKind::StaffViewedAccount).map(|e| e.detail).collect();
        assert_eq!(looks, [format!("by {staff_email}")], "{b:?}");

        let none = pc.get("/support?q=nobody-here%40example.com").await;
        assert!(none.html.contains("id=\"support-none\""), "{b:?}: {}", none.html);
        let bad = pc.get("/support?q=not-an-address").await;
        assert_eq!(bad.status, 422, "{b:?}");
        assert!(bad.text_of("q-error").is_some(), "{}", bad.html);

        let mut shop = ninsho_testkit::pages::PageClient::new(&app.url);
        shop.cookies.insert("__Host-ninsho-session".into(), shopper.token.clone());
        let refused = shop.get("/support").await;
        assert_eq!(refused.status, 403, "{b:?}");
        assert!(refused.text().contains("for support staff"), "{}", refused.text());
        app.shutdown().await;
    }
}

/// Locking from `/support`: an agent locks a shopper's account with a reason and a
/// length (the shopper's sessions end; the lock is recorded under the agent's
/// address), errors stay next to their fields, and the agent unlocks it again; a
/// viewer has no such form and is refused if it posts one anyway. Both backends.
#[tokio::test]
async fn f_sup_1_an_agent_locks_and_unlocks_from_the_console_and_a_viewer_may_not() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let svc = &app.running.services;
        let (agent, mut pc, shopper) = at_the_console(&app, StaffRole::Agent).await;
        let path = format!("/support?q={}", ninsho_server::web::ctx::urlencode(&shopper.email));
        let view = pc.get(&path).await;
        assert!(view.html.contains("id=\"support-lock\""), "{b:?}: {}", view.html);

        for (hours, reason, field) in [("0", "suspected access", "hours-error"), ("24", "  ", "reason-error"), ("a day", "x", "hours-error")] {
            let p = pc.post("/support/lock", &view, &[("email", &shopper.email), ("reason", reason), ("hours", hours)]).await;
            assert_eq!(p.status, 422, "{b:?}: {hours} {reason:?}");
            assert!(p.text_of(field).is_some(), "{b:?}: {field}: {}", p.html);
        }
        let locked = pc.post("/support/lock", &view, &[("email", &shopper.email), ("reason", "sign-ins from abroad"), ("hours", "36")]).await;
        assert_eq!(locked.status, 200, "{b:?}: {}", locked.text());
        assert!(locked.text_of("support-locked").is_some() && locked.html.contains("id=\"support-unlock\""), "{b:?}: {}", locked.html);
        assert!(svc.authenticate(&shopper.token).await.is_err(), "{b:?}: the shopper's sessions ended");
        let lock = svc.account_lock(&shopper.email).await.unwrap().unwrap();
        assert_eq!((lock.locked_by.as_str(), lock.reason.as_str()), (agent.as_str(), "sign-ins from abroad"));
        assert_eq!(lock.until.0 - lock.locked_at.0, 36 * 3_600_000);

        let unlocked = pc.post("/support/unlock", &locked, &[("email", &shopper.email)]).await;
        assert_eq!(unlocked.status, 200, "{b:?}");
        assert!(unlocked.text_of("support-locked").is_none(), "{b:?}: {}", unlocked.html);
        assert!(svc.account_lock(&shopper.email).await.unwrap().is_none());

        // A viewer sees no form, and a form posted all the same is refused.
        svc.set_staff_role(&agent, StaffRole::Viewer, "ops-1").await.unwrap();
        let view = pc.get(&path).await;
        assert!(!view.html.contains("id=\"support-lock\""), "{b:?}");
        let refused = pc.post("/support/lock", &view, &[("email", &shopper.email), ("reason", "x"), ("hours", "24")]).await;
        assert_eq!(refused.status, 403, "{b:?}");
        assert!(svc.account_lock(&shopper.email).await.unwrap().is_none(), "{b:?}: nothing locked");
        app.shutdown().await;
    }
}

/// Releasing limits from `/support` (F-LIMIT-2): a shopper who asked for too many
/// codes gets one again once an agent released the account's limits; the release is
/// in the account's log under the agent's address. Both backends.
#[tokio::test]
async fn f_sup_1_an_agent_releases_a_shoppers_send_limits_from_the_console() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let (agent, mut pc, shopper) = at_the_console(&app, StaffRole::Agent).await;
        let s = sign_in(&app, &browser(UA_B), &shopper.email, json!({})).await;
        let cid = s.body["challenge_id"].as_str().unwrap().to_string();
        let resend = format!("/api/v1/challenges/{cid}/resend");
        let mut last = 0;
        for _ in 0..12 {
            last = app.call("POST", &resend, None, None).await.status;
        }
        assert_eq!(last, 429, "{b:?}: the shopper reached a limit");

        let view = pc.get(&format!("/support?q={}", ninsho_server::web::ctx::urlencode(&shopper.email))).await;
        assert!(view.html.contains("id=\"support-release\""), "{b:?}: {}", view.html);
        let released = pc.post("/support/release-limits", &view, &[("email", &shopper.email)]).await;
        assert_eq!(released.status, 200, "{b:?}: {}", released.text());
        assert_eq!(app.call("POST", &resend, None, None).await.status, 200, "{b:?}: a code goes out again");
        let account = app.running.db.account_by_email(&ninsho_domain::email::Email::parse(&shopper.email).unwrap()).await.unwrap().unwrap();
        let said: Vec<String> = app.running.db.events(account.id, 500).await.unwrap().into_iter().filter(|e| e.kind == EventKind::LimitsReleased).map(|e| e.detail).collect();
        assert!(said.len() == 1 && said[0].ends_with(&format!(" by {agent}")), "{b:?}: {said:?}");
        app.shutdown().await;
    }
}
