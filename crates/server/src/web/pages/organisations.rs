//! F-ORG-1: `/organisations` (the member's organisations, a form to create one) and
//! `/organisations/{id}` (members with their roles, the invitation form, role changes,
//! removal, leaving, open invitations and the activity log), and the page behind an
//! invitation link. What a member may do is decided in `domain` (`OrgRole::permits`);
//! a member without 2SV is shown the way to the setup instead.

use axum::extract::{Path, Query};
use axum::response::Response;
use ninsho_domain::Error;
use ninsho_domain::organisation::{OrgAction, OrgRole};
use ninsho_domain::types::{AccountId, OrgId};
use serde::Deserialize;

use crate::web::ctx::{Ctx, Page, urlencode};
use crate::web::form::PageForm;
use crate::web::time::when;

/// F-ORG-1: where a new session goes: a member of an organisation without 2SV to the
/// two-step setup, whatever it asked for; anyone else to `next`.
pub async fn after_sign_in(state: &crate::app::AppState, session_token: &str, next: &str) -> String {
    let svc = &state.services;
    let needs = match svc.authenticate(session_token).await {
        Ok(a) => svc.org_member_needs_two_step(&a.account).await.unwrap_or(false),
        Err(_) => false,
    };
    if needs { "/account/two-step/setup".to_string() } else { next.to_string() }
}

pub struct OrgRow {
    id: String,
    name: String,
    role: String,
}

#[derive(askama::Template)]
#[template(path = "organisations.html")]
struct ListPage {
    p: Page,
    setup_needed: bool,
    orgs: Vec<OrgRow>,
    org_name: String,
}

pub struct MemberRow {
    account: String,
    email: String,
    role: String,
    joined: String,
    two_step: bool,
    /// The roles the viewer may give this member (empty: no role form).
    roles: Vec<(String, String, bool)>,
    may_remove: bool,
}

pub struct InvitationRow {
    email: String,
    role: String,
    expires: String,
}

pub struct LogRow {
    at: String,
    what: String,
    actor: String,
    subject: String,
    detail: String,
}

#[derive(askama::Template)]
#[template(path = "organisation.html")]
struct OrgPage {
    p: Page,
    id: String,
    name: String,
    my_role: String,
    zone: String,
    members: Vec<MemberRow>,
    /// The roles the viewer may invite with (empty: no invitation form).
    invite_roles: Vec<(String, String)>,
    email: String,
    invitations: Option<Vec<InvitationRow>>,
    log: Option<Vec<LogRow>>,
}

#[derive(askama::Template)]
#[template(path = "invitation.html")]
struct InvitationPage {
    p: Page,
    token: String,
    text: String,
    email: String,
    expires: String,
    setup_needed: bool,
}

const FIELDS: &[&str] = &["name", "email", "role"];

fn role_name(p: &Page, r: OrgRole) -> String {
    p.t(&format!("org-role-{}", r.as_str()))
}

/// The two-step setup notice a member without 2SV gets in place of any page.
fn setup_needed(e: &Error) -> bool {
    matches!(e, Error::Conflict { code: "org.two_step_required", .. })
}

pub async fn list(ctx: Ctx) -> Response {
    list_page(ctx, None, String::new()).await
}

async fn list_page(ctx: Ctx, error: Option<Error>, name: String) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    match ctx.state.services.my_organisations(&a).await {
        Ok(orgs) => {
            let p = ctx.page_with("org-title", error.as_ref(), FIELDS);
            let orgs = orgs.iter().map(|(o, r)| OrgRow { id: o.id.to_string(), name: o.name.clone(), role: role_name(&p, *r) }).collect();
            let status = error.as_ref().map_or(axum::http::StatusCode::OK, crate::api::status_of);
            ctx.render(status, &ListPage { p, setup_needed: false, orgs, org_name: name })
        }
        Err(e) if setup_needed(&e) => {
            let p = ctx.page("org-title");
            ctx.ok(&ListPage { p, setup_needed: true, orgs: vec![], org_name: name })
        }
        Err(e) => ctx.fail(e, "/organisations"),
    }
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    name: String,
}

pub async fn create(ctx: Ctx, PageForm(f): PageForm<CreateForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    match ctx.state.services.create_organisation(&a, &f.name, &ctx.client).await {
        Ok(org) => {
            let to = format!("/organisations/{}", org.id);
            ctx.redirect(&to)
        }
        Err(e @ Error::Invalid { .. }) => list_page(ctx, Some(e), f.name).await,
        Err(e) if setup_needed(&e) => list_page(ctx, None, f.name).await,
        Err(e) => ctx.fail(e, "/organisations"),
    }
}

fn parse_org(id: &str) -> Option<OrgId> {
    OrgId::parse(id)
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: Option<String>,
}

/// The notices the organisation's page shows after a form (`?notice=invited`).
const NOTICES: &[&str] = &["invited", "role-changed", "removed", "joined"];

pub async fn show(ctx: Ctx, Path(id): Path<String>, Query(q): Query<NoticeQuery>) -> Response {
    let Some(org) = parse_org(&id) else { return ctx.fail(Error::NotFound, "/organisations") };
    let notice = q.notice.filter(|n| NOTICES.contains(&n.as_str()));
    org_page_with(ctx, org, None, String::new(), notice).await
}

async fn org_page(ctx: Ctx, org: OrgId, error: Option<Error>, email: String) -> Response {
    org_page_with(ctx, org, error, email, None).await
}

async fn org_page_with(ctx: Ctx, org: OrgId, error: Option<Error>, email: String, notice: Option<String>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let svc = &ctx.state.services;
    let back = format!("/organisations/{org}");
    let v = match svc.organisation_view(&a, org).await {
        Ok(v) => v,
        Err(e) if setup_needed(&e) => return list_page(ctx, None, String::new()).await,
        Err(e) => return ctx.fail(e, &back),
    };
    let (zone, _) = svc.time_zone(&a.account);
    let mut p = ctx.page_with("org-title", error.as_ref(), FIELDS);
    p.notice = notice.map(|n| p.t(&format!("org-notice-{n}")));
    let members = v
        .members
        .iter()
        .map(|m| {
            let is_me = m.account_id == v.me;
            let roles = if !is_me && v.may(OrgAction::ChangeRole, Some(m.role)) {
                OrgRole::ALL.into_iter().filter(|r| v.may(OrgAction::ChangeRole, Some(*r))).map(|r| (r.as_str().to_string(), role_name(&p, r), r == m.role)).collect()
            } else {
                vec![]
            };
            MemberRow {
                account: m.account_id.to_string(),
                email: m.email.clone(),
                role: role_name(&p, m.role),
                joined: when(m.joined_at, &zone),
                two_step: m.two_step,
                roles,
                may_remove: !is_me && v.may(OrgAction::RemoveMember, Some(m.role)),
            }
        })
        .collect();
    let invite_roles = v.grantable().into_iter().rev().map(|r| (r.as_str().to_string(), role_name(&p, r))).collect();
    let invitations = v.invitations.as_ref().map(|list| list.iter().map(|i| InvitationRow { email: i.email.clone(), role: role_name(&p, i.role), expires: when(i.expires_at, &zone) }).collect());
    let log = v.log.as_ref().map(|list| {
        list.iter()
            .map(|e| LogRow {
                at: when(e.at, &zone),
                what: p.t(&format!("event-{}", e.kind.as_str().replace('_', "-"))),
                actor: e.actor_email.clone(),
                subject: e.subject_email.clone().unwrap_or_default(),
                detail: e.detail.strip_prefix("role ").map(|r| r.split(" to ").filter_map(OrgRole::parse).map(|r| role_name(&p, r)).collect::<Vec<_>>().join(" → ")).unwrap_or_default(),
            })
            .collect()
    });
    let page = OrgPage { id: org.to_string(), name: v.org.name.clone(), my_role: role_name(&p, v.my_role), zone: zone.as_str().to_string(), members, invite_roles, email, invitations, log, p };
    let status = error.as_ref().map_or(axum::http::StatusCode::OK, crate::api::status_of);
    ctx.render(status, &page)
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

/// Back to the organisation (a fresh GET), or its page again with the form's error.
async fn after(ctx: Ctx, org: OrgId, done: Result<(), Error>, email: String, notice: &str) -> Response {
    match done {
        Ok(()) => {
            let to = format!("/organisations/{org}?notice={notice}");
            ctx.redirect(&to)
        }
        Err(e @ (Error::Invalid { .. } | Error::Conflict { .. } | Error::Forbidden { .. })) if !setup_needed(&e) => org_page(ctx, org, Some(e), email).await,
        Err(e) => {
            let back = format!("/organisations/{org}");
            ctx.fail(e, &back)
        }
    }
}

pub async fn invite(ctx: Ctx, Path(id): Path<String>, PageForm(f): PageForm<InviteForm>) -> Response {
    let Some(org) = parse_org(&id) else { return ctx.fail(Error::NotFound, "/organisations") };
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let done = match OrgRole::parse(&f.role) {
        Some(role) => ctx.state.services.invite_to_organisation(&a, org, &f.email, role, ctx.locale, &ctx.client).await.map(|_| ()),
        None => Err(Error::invalid("org.role_invalid", "role", "a role is owner, admin or staff")),
    };
    let email = if done.is_ok() { String::new() } else { f.email };
    after(ctx, org, done, email, "invited").await
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    account: String,
    #[serde(default)]
    role: String,
}

pub async fn set_role(ctx: Ctx, Path(id): Path<String>, PageForm(f): PageForm<MemberForm>) -> Response {
    let Some(org) = parse_org(&id) else { return ctx.fail(Error::NotFound, "/organisations") };
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let done = match (AccountId::parse(&f.account), OrgRole::parse(&f.role)) {
        (Some(account), Some(role)) => ctx.state.services.change_org_role(&a, org, account, role, &ctx.client).await.map(|_| ()),
        _ => Err(Error::invalid("org.role_invalid", "role", "a role is owner, admin or staff")),
    };
    after(ctx, org, done, String::new(), "role-changed").await
}

pub async fn remove(ctx: Ctx, Path(id): Path<String>, PageForm(f): PageForm<MemberForm>) -> Response {
    let Some(org) = parse_org(&id) else { return ctx.fail(Error::NotFound, "/organisations") };
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let done = match AccountId::parse(&f.account) {
        Some(account) => ctx.state.services.remove_org_member(&a, org, account, &ctx.client).await.map(|_| ()),
        None => Err(Error::invalid("org.member_unknown", "account", "no member of this organisation has this id")),
    };
    after(ctx, org, done, String::new(), "removed").await
}

#[derive(Deserialize)]
pub struct EmptyForm {}

pub async fn leave(ctx: Ctx, Path(id): Path<String>, PageForm(_): PageForm<EmptyForm>) -> Response {
    let Some(org) = parse_org(&id) else { return ctx.fail(Error::NotFound, "/organisations") };
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    match ctx.state.services.leave_organisation(&a, org, &ctx.client).await {
        Ok(_) => ctx.redirect("/organisations"),
        done => after(ctx, org, done.map(|_| ()), String::new(), "left").await,
    }
}

/// The page behind an invitation link: sign in first (back here after), then accept.
pub async fn invitation(ctx: Ctx, Path(token): Path<String>) -> Response {
    invitation_page(ctx, token, None).await
}

async fn invitation_page(ctx: Ctx, token: String, error: Option<Error>) -> Response {
    if ctx.authed.is_none() {
        return ctx.to_sign_in();
    }
    let a = ctx.authed.clone();
    let svc = &ctx.state.services;
    let zone = a.as_ref().map(|a| svc.time_zone(&a.account).0).unwrap_or_else(|| ninsho_domain::zone::TimeZoneName::for_locale(ctx.locale));
    match svc.invitation_view(&token).await {
        Ok(v) => {
            let setup_needed = a.as_ref().is_some_and(|a| a.account.twosv_enabled_at.is_none());
            let p = ctx.page_with("org-invitation-title", error.as_ref(), &[]);
            let text = p.tn("org-invitation-text", &[("org", &v.org.name), ("role", &role_name(&p, v.role))]);
            let page = InvitationPage { text, email: v.email, expires: when(v.expires_at, &zone), setup_needed, token, p };
            let status = error.as_ref().map_or(axum::http::StatusCode::OK, crate::api::status_of);
            ctx.render(status, &page)
        }
        Err(e) => ctx.fail(e, "/organisations"),
    }
}

pub async fn accept(ctx: Ctx, Path(token): Path<String>, PageForm(_): PageForm<EmptyForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    match ctx.state.services.accept_invitation(&a, &token, &ctx.client).await {
        Ok((org, _)) => {
            let to = format!("/organisations/{}?notice=joined", org.id);
            ctx.redirect(&to)
        }
        Err(Error::StepUpRequired) => {
            let back = format!("/organisations/invitations/{}", urlencode(&token));
            ctx.fail(Error::StepUpRequired, &back)
        }
        Err(e @ (Error::Forbidden { .. } | Error::Conflict { code: "org.two_step_required", .. })) => invitation_page(ctx, token, Some(e)).await,
        Err(e) => ctx.fail(e, "/organisations"),
    }
}
