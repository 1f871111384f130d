//! F-ORG-1: organisations. A member is invited by e-mail and joins with the account of
//! that verified address; 2SV is mandatory (a member without it is sent to the setup
//! and can do nothing before); roles decide who may invite, remove and change roles;
//! the last owner can neither leave, be removed nor be demoted, even when two try at
//! once; every action is in the history of each person concerned. Both backends.

use std::time::Duration;

use super::*;
use ninsho_delivery::Provider;
use ninsho_delivery::providers::smtp::SmtpProvider;
use ninsho_domain::organisation::{OrgAction, OrgRole};
use ninsho_testkit::smtp::SmtpSink;

const PHONE: &str = "+819012345678";
const WAIT: Duration = Duration::from_secs(20);

/// A member's account: 2SV on, and a session that passed a code at sign-in.
pub struct Member {
    pub email: String,
    pub token: String,
    pub id: String,
}

async fn account_id(app: &TestApp, token: &str) -> String {
    let me = app.call("GET", "/api/v1/account", Some(token), None).await;
    assert_eq!(me.status, 200, "{:?}", me.body);
    me.body["id"].as_str().expect("the account's id").to_string()
}

/// A new account with 2SV on, signed in again with a code.
pub async fn member(app: &TestApp) -> Member {
    let a = two_sv_account(app).await;
    let token = signed_in_with_code(app, &a.email).await;
    let id = account_id(app, &token).await;
    Member { email: a.email, token, id }
}

/// Creates an organisation as `owner`; returns its id.
pub async fn create_org(app: &TestApp, owner: &Member, name: &str) -> String {
    let r = app.call("POST", "/api/v1/organisations", Some(&owner.token), Some(json!({"name": name}))).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["role"], "owner");
    r.body["id"].as_str().unwrap().to_string()
}

/// The invitation token in the newest message to `email` in the dev inbox.
pub async fn invitation_token(app: &TestApp, email: &str, after: usize) -> String {
    for _ in 0..400 {
        let msgs = inbox(&app.http, &app.url, email).await.unwrap_or_default();
        if let Some(t) = msgs.iter().skip(after).rev().find_map(|m| token_in(m)) {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no invitation for {email}")
}

fn token_in(text: &str) -> Option<String> {
    let at = text.find("/organisations/invitations/")? + "/organisations/invitations/".len();
    Some(text[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect())
}

/// Invites `email` with `role` as `by`; returns the response.
async fn invite(app: &TestApp, by: &Member, org: &str, email: &str, role: &str) -> Resp {
    app.call("POST", &format!("/api/v1/organisations/{org}/invitations"), Some(&by.token), Some(json!({"email": email, "role": role}))).await
}

/// Invites `m` with `role` as `by` and accepts with `m`'s session.
pub async fn join(app: &TestApp, by: &Member, org: &str, m: &Member, role: &str) {
    let before = app.inbox_count(&m.email).await;
    let r = invite(app, by, org, &m.email, role).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let token = invitation_token(app, &m.email, before).await;
    let a = app.call("POST", "/api/v1/organisations/invitations/accept", Some(&m.token), Some(json!({"token": token}))).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["role"], role);
}

async fn roles(app: &TestApp, viewer: &Member, org: &str) -> Vec<(String, String)> {
    let r = app.call("GET", &format!("/api/v1/organisations/{org}"), Some(&viewer.token), None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["members"].as_array().unwrap().iter().map(|m| (m["email"].as_str().unwrap().to_string(), m["role"].as_str().unwrap().to_string())).collect()
}

async fn accept(app: &TestApp, m: &Member, token: &str) -> Resp {
    app.call("POST", "/api/v1/organisations/invitations/accept", Some(&m.token), Some(json!({"token": token}))).await
}

async fn leave(app: &TestApp, org: &str, m: &Member) -> Resp {
    app.call("POST", &format!("/api/v1/organisations/{org}/leave"), Some(&m.token), None).await
}

async fn demote(app: &TestApp, org: &str, by: &Member, who: &Member) -> Resp {
    app.call("PUT", &format!("/api/v1/organisations/{org}/members/{}/role", who.id), Some(&by.token), Some(json!({"role": "staff"}))).await
}

fn code(r: &Resp) -> (u16, String) {
    (r.status, r.body["code"].as_str().unwrap_or_default().to_string())
}

/// The newest mail to `to` in the sink whose body contains `needle`.
async fn sink_mail_with(sink: &SmtpSink, to: &str, needle: &str) -> ninsho_testkit::smtp::ParsedMail {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if let Some(m) = sink.messages_to(to).into_iter().rev().find(|m| m.body.contains(needle)) {
            return m;
        }
        assert!(std::time::Instant::now() < deadline, "no mail to {to} with {needle}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn smtp_to(port: u16) -> Provider {
    Provider::Smtp(SmtpProvider::from_url(&format!("smtp://127.0.0.1:{port}"), "ninsho <no-reply@shop.example>").unwrap())
}

/// An account with 2SV on when e-mail goes through SMTP: the sign-up code and the
/// setup's approval link are read from the sink, SMS codes from the dev inbox.
async fn member_via_smtp(app: &TestApp, sink: &SmtpSink) -> Member {
    let email = unique_email();
    let r = app.call("POST", "/api/v1/sign-up", None, Some(json!({"email": email, "password": PASSWORD, "locale": "en"}))).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    sink.wait_for(&email, 0, WAIT).await.unwrap();
    let mail = sink.messages_to(&email).into_iter().next().unwrap();
    let cid = r.body["challenge_id"].as_str().unwrap();
    let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code_in(&mail.body)}))).await;
    assert_eq!(v.status, 200, "{:?}", v.body);
    let token = v.body["session_token"].as_str().unwrap().to_string();
    let s = app.call("POST", "/api/v1/step-up", Some(&token), Some(json!({"password": PASSWORD}))).await;
    assert_eq!(s.status, 200, "{:?}", s.body);
    let r = app.call("POST", "/api/v1/two-step/approval", Some(&token), None).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    let mail = sink_mail_with(sink, &email, "/approve/").await;
    let link = mail.body.split_whitespace().find(|w| w.contains("/approve/")).expect("an Approve link").to_string();
    let approve = link.rsplit('/').next().unwrap().trim_end_matches(['.', ',']).to_string();
    let a = app.call("POST", "/api/v1/approvals/approve", None, Some(json!({"token": approve}))).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    add_phone(app, &token, "090-1234-5678", PHONE).await;
    let b = app.call("POST", "/api/v1/methods/backup-codes", Some(&token), None).await;
    assert_eq!(b.status, 201, "{:?}", b.body);
    let e = app.call("POST", "/api/v1/two-step/enable", Some(&token), None).await;
    assert_eq!(e.status, 200, "{:?}", e.body);
    let token = signed_in_with_code(app, &email).await;
    let id = account_id(app, &token).await;
    Member { email, token, id }
}

/// The invitation goes out through a real SMTP server, in the invitee's language,
/// naming the organisation and the inviter, with a link valid 7 days; the invited
/// account follows it and is a member with the role given.
#[tokio::test]
async fn f_org_1_an_invitation_by_e_mail_through_smtp_is_accepted_by_the_invited_account() {
    let sink = SmtpSink::start().unwrap();
    for b in backends().await {
        let port = sink.port;
        let app = spawn_app_with(b, |c| c.providers.email = smtp_to(port)).await;
        let owner = member_via_smtp(&app, &sink).await;
        let invitee = member_via_smtp(&app, &sink).await;
        // The invitee reads Japanese.
        let r = app.call("PATCH", "/api/v1/account", Some(&invitee.token), Some(json!({"locale": "ja"}))).await;
        assert_eq!(r.status, 204, "{:?}", r.body);
        let org = create_org(&app, &owner, "Acme 商事").await;
        let r = invite(&app, &owner, &org, &invitee.email, "admin").await;
        assert_eq!(r.status, 201, "{b:?}: {:?}", r.body);
        let days = (r.body["expires_at"].as_i64().unwrap() - r.body["created_at"].as_i64().unwrap()) / 86_400_000;
        assert_eq!(days, 7, "{b:?}");
        let mail = sink_mail_with(&sink, &invitee.email, "/organisations/invitations/").await;
        let subject = mail.header("subject").unwrap_or_default().to_string();
        assert!(subject.contains("Acme 商事") && subject.contains("招待"), "{b:?}: {subject}");
        assert!(mail.body.contains(&owner.email) && mail.body.contains("管理者") && mail.body.contains("7日"), "{b:?}: {}", mail.body);
        let token = token_in(&mail.body).expect("a link in the e-mail");
        let a = app.call("POST", "/api/v1/organisations/invitations/accept", Some(&invitee.token), Some(json!({"token": token}))).await;
        assert_eq!(a.status, 200, "{b:?}: {:?}", a.body);
        assert_eq!(roles(&app, &owner, &org).await, [(owner.email.clone(), "owner".to_string()), (invitee.email.clone(), "admin".to_string())], "{b:?}");
        let mine = app.call("GET", "/api/v1/organisations", Some(&invitee.token), None).await;
        assert_eq!(mine.body["organisations"][0]["id"], org.as_str(), "{b:?}: {:?}", mine.body);
        // The token is kept only hashed.
        let raw = super::audit::Raw::open(&app.db.url).await;
        assert_eq!(raw.int(&format!("select count(*) from org_invitations where token_hash = '{token}'")).await, 0);
        raw.close().await;
        app.shutdown().await;
    }
}

/// Only the account of the invited, verified address accepts; a used, an expired or an
/// unknown link is refused, each with its own code.
#[tokio::test]
async fn f_org_1_a_wrong_account_an_expired_or_a_used_invitation_is_refused() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let owner = member(&app).await;
        let invitee = member(&app).await;
        let stranger = member(&app).await;
        let org = create_org(&app, &owner, "Acme").await;
        let before = app.inbox_count(&invitee.email).await;
        assert_eq!(invite(&app, &owner, &org, &invitee.email, "staff").await.status, 201);
        let token = invitation_token(&app, &invitee.email, before).await;
        assert_eq!(code(&accept(&app, &stranger, &token).await), (403, "org.invitation_wrong_account".into()), "{b:?}");
        assert_eq!(accept(&app, &invitee, &token).await.status, 200, "{b:?}");
        assert_eq!(code(&accept(&app, &invitee, &token).await), (409, "org.invitation_used".into()), "{b:?}: single use");
        assert_eq!(code(&accept(&app, &stranger, "not-a-token").await), (422, "org.invitation_invalid".into()), "{b:?}");
        // A member is not invited twice.
        assert_eq!(code(&invite(&app, &owner, &org, &invitee.email, "staff").await), (409, "org.already_member".into()), "{b:?}");
        // Expired: past its 7 days.
        let before = app.inbox_count(&stranger.email).await;
        assert_eq!(invite(&app, &owner, &org, &stranger.email, "staff").await.status, 201);
        let late = invitation_token(&app, &stranger.email, before).await;
        let raw = super::audit::Raw::open(&app.db.url).await;
        raw.exec("update org_invitations set expires_at = 1 where accepted_at is null").await;
        raw.close().await;
        assert_eq!(code(&accept(&app, &stranger, &late).await), (409, "org.invitation_expired".into()), "{b:?}");
        assert_eq!(roles(&app, &owner, &org).await.len(), 2, "{b:?}");
        app.shutdown().await;
    }
}

/// Invitations are e-mails: each address receives at most the destination quota's
/// number a day (10), whoever invites it; the next is 429 `limit.destination`.
#[tokio::test]
async fn f_org_1_invitations_to_one_address_are_limited() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let owner = member(&app).await;
        let org = create_org(&app, &owner, "Acme").await;
        let target = unique_email();
        for i in 0..10 {
            assert_eq!(invite(&app, &owner, &org, &target, "staff").await.status, 201, "{b:?}: invitation {i}");
        }
        let r = invite(&app, &owner, &org, &target, "staff").await;
        assert_eq!(code(&r), (429, "limit.destination".into()), "{b:?}: {:?}", r.body);
        assert!(r.headers.get("retry-after").is_some(), "{b:?}");
        assert_eq!(invite(&app, &owner, &org, &unique_email(), "staff").await.status, 201, "{b:?}: another address is not held back");
        // Thirty released together to one new address: the limit holds in a burst.
        let burst = unique_email();
        let gate = std::sync::Arc::new(tokio::sync::Barrier::new(30));
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..30 {
            let (http, url, token, path, burst, gate) = (app.http.clone(), app.url.clone(), owner.token.clone(), format!("/api/v1/organisations/{org}/invitations"), burst.clone(), gate.clone());
            set.spawn(async move {
                gate.wait().await;
                call(&http, &url, "POST", &path, Some(&token), Some(json!({"email": burst, "role": "staff"}))).await.status
            });
        }
        let statuses = set.join_all().await;
        assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 10, "{b:?}: {statuses:?}");
        assert!(statuses.iter().all(|s| *s == 201 || *s == 429), "{b:?}: {statuses:?}");
        app.shutdown().await;
    }
}

/// Without 2SV nothing works (`org.two_step_required`); with 2SV on but a session that
/// passed no second factor, a step-up is asked. A member whose 2SV went off is sent to
/// the setup when signing in on the pages, and refused until it is on again.
#[tokio::test]
async fn f_org_1_a_member_without_2sv_is_refused_and_sent_to_the_setup() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let plain = app.signed_up(&unique_email(), PASSWORD).await;
        let r = app.call("POST", "/api/v1/organisations", Some(&plain), Some(json!({"name": "Acme"}))).await;
        assert_eq!(code(&r), (409, "org.two_step_required".into()), "{b:?}");
        assert_eq!(code(&app.call("GET", "/api/v1/organisations", Some(&plain), None).await), (409, "org.two_step_required".into()));
        // 2SV on, but this session passed no code.
        let fresh = two_sv_account(&app).await;
        let r = app.call("POST", "/api/v1/organisations", Some(&fresh.token), Some(json!({"name": "Acme"}))).await;
        assert_eq!(code(&r), (403, "auth.step_up_required".into()), "{b:?}");

        let owner = member(&app).await;
        let staff = member(&app).await;
        let org = create_org(&app, &owner, "Acme").await;
        join(&app, &owner, &org, &staff, "staff").await;
        // The member turns 2SV off (the session passed a code at sign-in).
        let off = app.call("POST", "/api/v1/two-step/disable", Some(&staff.token), Some(json!({}))).await;
        assert_eq!(off.status, 204, "{b:?}: {:?}", off.body);
        // After that change, signing in asks for a code by e-mail (a risk rule).
        let before = app.inbox_count(&staff.email).await;
        let again = sign_in(&app, &browser(UA_A), &staff.email, json!({})).await;
        assert_eq!(again.body["status"], "code_required", "{:?}", again.body);
        let code_sent = app.code_after(&staff.email, before).await;
        let cid = again.body["challenge_id"].as_str().unwrap();
        let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code_sent}))).await;
        assert_eq!(v.status, 200, "{:?}", v.body);
        let token = v.body["session_token"].as_str().unwrap().to_string();
        for (method, path) in [("GET", format!("/api/v1/organisations/{org}")), ("GET", "/api/v1/organisations".to_string()), ("POST", format!("/api/v1/organisations/{org}/leave"))] {
            assert_eq!(code(&app.call(method, &path, Some(&token), None).await), (409, "org.two_step_required".into()), "{b:?}: {method} {path}");
        }
        // On the pages: sign-in leads to the setup; the organisation's page says why.
        let mut pc = ninsho_testkit::pages::PageClient::new(&app.url);
        let form = pc.get("/sign-in?next=%2Forganisations").await;
        let before = app.inbox_count(&staff.email).await;
        let code_page = pc.post("/sign-in", &form, &[("email", &staff.email), ("password", PASSWORD), ("next", "/organisations")]).await;
        assert!(code_page.path.starts_with("/code"), "{b:?}: {}", code_page.path);
        let code_sent = app.code_after(&staff.email, before).await;
        let signed = pc.post("/code", &code_page, &[("code", code_sent.as_str())]).await;
        // The setup, behind the confirmation with a fresh code it starts with.
        assert!(signed.path.starts_with("/account/two-step/setup") || signed.path.ends_with("next=%2Faccount%2Ftwo-step%2Fsetup"), "{b:?}: {} {code_sent} {:?} {:?}", signed.path, signed.text_of("code-error"), inbox(&app.http, &app.url, &staff.email).await);
        let page = pc.get(&format!("/organisations/{org}")).await;
        assert!(page.text_of("org-setup").is_some_and(|t| t.contains("two-step")), "{b:?}: {}", page.html);
        assert!(!page.html.contains(&owner.email), "{b:?}: no member list before 2SV");
        // The owner, with 2SV, is not sent there.
        let mut po = ninsho_testkit::pages::PageClient::new(&app.url);
        po.cookies.insert("__Host-ninsho-session".into(), owner.token.clone());
        let page = po.get(&format!("/organisations/{org}")).await;
        assert_eq!(page.status, 200, "{b:?}");
        assert!(page.html.contains(&format!("data-email=\"{}\"", staff.email)), "{b:?}: {}", page.html);
        assert!(page.text_of("org-log").is_some(), "{b:?}: an owner reads the activity log");
        app.shutdown().await;
    }
}

/// Each role may do exactly what `OrgRole::permits` says, through the API: staff only
/// look; admins invite, remove and change admins and staff but never touch or make an
/// owner; owners do everything.
#[tokio::test]
async fn f_org_1_roles_decide_who_may_invite_remove_and_change_roles() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let owner = member(&app).await;
        let admin = member(&app).await;
        let staff = member(&app).await;
        let other_admin = member(&app).await;
        let other_staff = member(&app).await;
        let org = create_org(&app, &owner, "Acme").await;
        join(&app, &owner, &org, &admin, "admin").await;
        join(&app, &admin, &org, &staff, "staff").await;
        join(&app, &admin, &org, &other_admin, "admin").await;
        join(&app, &owner, &org, &other_staff, "staff").await;
        let not_permitted = (403, "org.not_permitted".to_string());

        // Staff: look only.
        assert_eq!(roles(&app, &staff, &org).await.len(), 5, "{b:?}");
        assert_eq!(code(&invite(&app, &staff, &org, &unique_email(), "staff").await), not_permitted, "{b:?}");
        let member_path = |m: &Member| format!("/api/v1/organisations/{org}/members/{}", m.id);
        assert_eq!(code(&app.call("DELETE", &member_path(&other_staff), Some(&staff.token), None).await), not_permitted);
        assert_eq!(code(&app.call("PUT", &format!("{}/role", member_path(&other_staff)), Some(&staff.token), Some(json!({"role": "admin"}))).await), not_permitted);
        assert_eq!(code(&app.call("GET", &format!("/api/v1/organisations/{org}/log"), Some(&staff.token), None).await), not_permitted);
        assert!(app.call("GET", &format!("/api/v1/organisations/{org}"), Some(&staff.token), None).await.body.get("invitations").is_none());

        // Admin: admins and staff, never owners.
        assert_eq!(invite(&app, &admin, &org, &unique_email(), "staff").await.status, 201, "{b:?}");
        assert_eq!(invite(&app, &admin, &org, &unique_email(), "admin").await.status, 201, "{b:?}");
        assert_eq!(code(&invite(&app, &admin, &org, &unique_email(), "owner").await), not_permitted, "{b:?}");
        assert_eq!(code(&app.call("PUT", &format!("{}/role", member_path(&other_staff)), Some(&admin.token), Some(json!({"role": "owner"}))).await), not_permitted);
        assert_eq!(code(&app.call("PUT", &format!("{}/role", member_path(&owner)), Some(&admin.token), Some(json!({"role": "staff"}))).await), not_permitted);
        assert_eq!(code(&app.call("DELETE", &member_path(&owner), Some(&admin.token), None).await), not_permitted);
        let r = app.call("PUT", &format!("{}/role", member_path(&other_staff)), Some(&admin.token), Some(json!({"role": "admin"}))).await;
        assert_eq!((r.status, r.body["role"].as_str()), (200, Some("admin")), "{b:?}: {:?}", r.body);
        assert_eq!(app.call("DELETE", &member_path(&other_admin), Some(&admin.token), None).await.status, 204, "{b:?}");
        assert_eq!(app.call("GET", &format!("/api/v1/organisations/{org}/log"), Some(&admin.token), None).await.status, 200);
        let r = app.call("PUT", &format!("{}/role", member_path(&staff)), Some(&admin.token), Some(json!({"role": "root"}))).await;
        assert_eq!(code(&r), (422, "org.role_invalid".into()));

        // Owner: everything, owners included.
        let r = app.call("PUT", &format!("{}/role", member_path(&admin)), Some(&owner.token), Some(json!({"role": "owner"}))).await;
        assert_eq!(r.status, 200, "{b:?}: {:?}", r.body);
        assert_eq!(invite(&app, &owner, &org, &unique_email(), "owner").await.status, 201);
        assert_eq!(app.call("DELETE", &member_path(&other_staff), Some(&owner.token), None).await.status, 204);
        // The new owner may now demote the first.
        let r = app.call("PUT", &format!("{}/role", member_path(&owner)), Some(&admin.token), Some(json!({"role": "admin"}))).await;
        assert_eq!(r.status, 200, "{b:?}: {:?}", r.body);
        // A removed member is no member: nothing more.
        assert_eq!(code(&app.call("GET", &format!("/api/v1/organisations/{org}"), Some(&other_admin.token), None).await), (403, "org.not_member".into()));
        let expected = vec![(admin.email.clone(), "owner".to_string()), (owner.email.clone(), "admin".to_string()), (staff.email.clone(), "staff".to_string())];
        assert_eq!(roles(&app, &admin, &org).await, expected, "{b:?}");
        // The table the API followed is the domain's.
        assert!(!OrgRole::Admin.permits(OrgAction::ChangeRole, Some(OrgRole::Owner)) && OrgRole::Owner.permits(OrgAction::ChangeRole, Some(OrgRole::Owner)));
        app.shutdown().await;
    }
}

/// The last owner can neither leave, be removed (owners alone may remove owners) nor
/// be demoted; with a second owner, either may leave.
#[tokio::test]
async fn f_org_1_the_last_owner_cannot_leave_be_removed_or_demoted() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let owner = member(&app).await;
        let second = member(&app).await;
        let org = create_org(&app, &owner, "Acme").await;
        let last = (409, "org.last_owner".to_string());
        let me = format!("/api/v1/organisations/{org}/members/{}", owner.id);
        assert_eq!(code(&app.call("POST", &format!("/api/v1/organisations/{org}/leave"), Some(&owner.token), None).await), last, "{b:?}");
        assert_eq!(code(&app.call("DELETE", &me, Some(&owner.token), None).await), last, "{b:?}");
        assert_eq!(code(&app.call("PUT", &format!("{me}/role"), Some(&owner.token), Some(json!({"role": "admin"}))).await), last, "{b:?}");
        join(&app, &owner, &org, &second, "owner").await;
        assert_eq!(app.call("POST", &format!("/api/v1/organisations/{org}/leave"), Some(&second.token), None).await.status, 204, "{b:?}");
        assert_eq!(code(&app.call("POST", &format!("/api/v1/organisations/{org}/leave"), Some(&owner.token), None).await), last, "{b:?}");
        assert_eq!(roles(&app, &owner, &org).await, [(owner.email.clone(), "owner".to_string())]);
        app.shutdown().await;
    }
}

/// Two owners leaving at once, or demoting each other at once: one succeeds, the
/// other is refused, and the organisation keeps an owner — every round.
#[tokio::test]
async fn f_org_1_two_owners_leaving_at_once_leave_one_owner() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let a = member(&app).await;
        let c = member(&app).await;
        for round in 0..4 {
            let org = create_org(&app, &a, &format!("Acme {round}")).await;
            join(&app, &a, &org, &c, "owner").await;
            let (ra, rc) = if round % 2 == 0 {
                tokio::join!(leave(&app, &org, &a), leave(&app, &org, &c))
            } else {
                tokio::join!(demote(&app, &org, &a, &c), demote(&app, &org, &c, &a))
            };
            let mut outcomes = [code(&ra), code(&rc)];
            outcomes.sort();
            let ok = if round % 2 == 0 { 204 } else { 200 };
            assert_eq!(outcomes[0].0, ok, "{b:?} round {round}: {outcomes:?}");
            assert!(outcomes[1] == (409, "org.last_owner".to_string()) || outcomes[1].0 == 403, "{b:?} round {round}: {outcomes:?}");
            let raw = super::audit::Raw::open(&app.db.url).await;
            let owners = raw.int(&format!("select count(*) from org_members m join organisations o on o.id = m.org_id where o.name = 'Acme {round}' and m.role = 'owner'")).await;
            raw.close().await;
            assert_eq!(owners, 1, "{b:?} round {round}: {outcomes:?}");
        }
        // The guard is the store's own: two removals of the two owners written at once,
        // each as if its own check had seen two owners, leave exactly one.
        use ninsho_domain::ports::{Store, Write};
        use ninsho_domain::types::{AccountId, OrgId};
        for round in 0..4 {
            let org = create_org(&app, &a, &format!("Raw {round}")).await;
            join(&app, &a, &org, &c, "owner").await;
            let org = OrgId::parse(&org).unwrap();
            let remove = |m: &Member| vec![Write::RemoveOrgMember { org, account: AccountId::parse(&m.id).unwrap(), from: OrgRole::Owner }];
            let (ra, rc) = tokio::join!(app.running.db.commit(remove(&a)), app.running.db.commit(remove(&c)));
            assert_eq!([ra.is_ok(), rc.is_ok()].iter().filter(|ok| **ok).count(), 1, "{b:?} raw round {round}: {ra:?} {rc:?}");
            assert_eq!(roles(&app, if ra.is_ok() { &c } else { &a }, &org.to_string()).await.len(), 1, "{b:?}");
        }
        app.shutdown().await;
    }
}

/// Every action is in the history of the member who acted and of the one concerned,
/// and in the organisation's activity log with who did it.
#[tokio::test]
async fn f_org_1_every_action_is_recorded_for_each_person() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let owner = member(&app).await;
        let joiner = member(&app).await;
        let org = create_org(&app, &owner, "Acme").await;
        join(&app, &owner, &org, &joiner, "staff").await;
        let r = app.call("PUT", &format!("/api/v1/organisations/{org}/members/{}/role", joiner.id), Some(&owner.token), Some(json!({"role": "admin"}))).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(app.call("DELETE", &format!("/api/v1/organisations/{org}/members/{}", joiner.id), Some(&owner.token), None).await.status, 204);
        let kinds = |token: String| {
            let app = &app;
            async move {
                let h = app.call("GET", "/api/v1/history", Some(&token), None).await;
                h.body["history"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_string()).filter(|k| k.starts_with("org_")).collect::<Vec<_>>()
            }
        };
        let mine = kinds(owner.token.clone()).await;
        for k in ["org_created", "org_member_invited", "org_member_joined", "org_role_changed", "org_member_removed"] {
            assert!(mine.contains(&k.to_string()), "{b:?}: owner lacks {k}: {mine:?}");
        }
        let theirs = kinds(joiner.token.clone()).await;
        for k in ["org_member_invited", "org_member_joined", "org_role_changed", "org_member_removed"] {
            assert!(theirs.contains(&k.to_string()), "{b:?}: member lacks {k}: {theirs:?}");
        }
        assert!(!theirs.contains(&"org_created".to_string()));
        let log = app.call("GET", &format!("/api/v1/organisations/{org}/log"), Some(&owner.token), None).await;
        let entries = log.body["entries"].as_array().unwrap();
        let line = |k: &str| entries.iter().find(|e| e["kind"] == k).unwrap_or_else(|| panic!("{b:?}: no {k} in {entries:?}")).clone();
        assert_eq!(line("org_role_changed")["actor"], owner.email.as_str());
        assert_eq!(line("org_role_changed")["subject"], joiner.email.as_str());
        assert_eq!(line("org_role_changed")["detail"], "role staff to admin");
        assert_eq!(line("org_member_joined")["actor"], joiner.email.as_str());
        assert_eq!(line("org_member_removed")["subject"], joiner.email.as_str());
        app.shutdown().await;
    }
}

/// Someone invited who has no account yet: the invitation link asks them to sign in,
/// the sign-in page's sign-up link keeps where they were going, and once the new
/// address is confirmed they are back at the invitation.
#[tokio::test]
async fn f_org_1_an_invitee_without_an_account_signs_up_and_comes_back_to_the_invitation() {
    let app = super::pages::web_app().await;
    let owner = member(&app).await;
    let org = create_org(&app, &owner, "Shop Ltd").await;
    let newcomer = unique_email();
    let before = inbox(&app.http, &app.url, &newcomer).await.unwrap_or_default().len();
    assert_eq!(invite(&app, &owner, &org, &newcomer, "staff").await.status, 201);
    let token = invitation_token(&app, &newcomer, before).await;
    let path = format!("/organisations/invitations/{token}");

    let mut c = ninsho_testkit::pages::PageClient::new(&app.url);
    let sign_in = c.get(&path).await;
    assert_eq!(sign_in.path, format!("/sign-in?next={}", ninsho_server::web::ctx::urlencode(&path)), "{}", sign_in.html);
    let href = sign_in.html.split("id=\"sign-up-link\"").next().and_then(|h| h.rsplit("href=\"").next()).map(|h| h.trim_end_matches("\" ").trim_end_matches('"').to_string()).unwrap_or_default();
    assert_eq!(href, format!("/sign-up?next={}", ninsho_server::web::ctx::urlencode(&path)), "{}", sign_in.html);
    let form = c.get(&href).await;
    // The form carries it on (a page client sends only the fields it is given).
    let carried = ninsho_testkit::pages::attr_after(&form.html, "name=\"next\" value=\"").unwrap_or_default();
    assert_eq!(carried, path, "{}", form.html);
    let mails = app.inbox_count(&newcomer).await;
    let code_page = c.post("/sign-up", &form, &[("email", &newcomer), ("password", PASSWORD), ("locale", "en"), ("next", &carried)]).await;
    assert_eq!(code_page.path, "/code", "{}", code_page.html);
    let code = app.code_after(&newcomer, mails).await;
    let done = c.post("/code", &code_page, &[("code", &code)]).await;
    assert_eq!(done.path, path, "back at the invitation: {}", done.html);
    app.shutdown().await;
}
