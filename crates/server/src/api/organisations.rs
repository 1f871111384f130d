//! F-ORG-1: organisations — members, invitations by e-mail, roles, the activity log.
//! Every route needs a session with 2SV on and passed (`org.two_step_required`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ninsho_domain::Error;
use ninsho_domain::organisation::OrgRole;
use ninsho_domain::ports::{OrgInvitation, OrgLogEntry, OrgMember, Organisation};
use ninsho_domain::types::{AccountId, OrgId};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::parse_id;
use super::error::ApiResult;
use super::extract::{Auth, Client, Json};
use crate::app::AppState;

fn parse_role(s: &str) -> Result<OrgRole, Error> {
    OrgRole::parse(s).ok_or_else(|| Error::invalid("org.role_invalid", "role", "a role is owner, admin or staff"))
}

fn org_json(o: &Organisation, role: OrgRole) -> Value {
    json!({"id": o.id, "name": o.name, "role": role.as_str(), "created_at": o.created_at.0})
}

fn member_json(m: &OrgMember) -> Value {
    json!({"account_id": m.account_id, "email": m.email, "role": m.role.as_str(), "joined_at": m.joined_at.0, "two_step": m.two_step})
}

fn invitation_json(i: &OrgInvitation) -> Value {
    json!({"id": i.id, "email": i.email, "role": i.role.as_str(), "created_at": i.created_at.0, "expires_at": i.expires_at.0})
}

fn log_json(e: &OrgLogEntry) -> Value {
    json!({"at": e.at.0, "kind": e.kind.as_str(), "actor": e.actor_email, "subject": e.subject_email, "detail": e.detail})
}

pub async fn list(State(s): State<AppState>, Auth(a): Auth) -> ApiResult<Response> {
    let orgs = s.services.my_organisations(&a).await?;
    Ok(axum::Json(json!({"organisations": orgs.iter().map(|(o, r)| org_json(o, *r)).collect::<Vec<_>>()})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Create {
    name: String,
}

pub async fn create(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, Json(b): Json<Create>) -> ApiResult<Response> {
    let org = s.services.create_organisation(&a, &b.name, &c).await?;
    Ok((StatusCode::CREATED, axum::Json(org_json(&org, OrgRole::Owner))).into_response())
}

pub async fn show(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<String>) -> ApiResult<Response> {
    let v = s.services.organisation_view(&a, parse_id(&id, OrgId)?).await?;
    let mut body = org_json(&v.org, v.my_role);
    body["members"] = v.members.iter().map(member_json).collect();
    if let Some(inv) = &v.invitations {
        body["invitations"] = inv.iter().map(invitation_json).collect();
    }
    Ok(axum::Json(body).into_response())
}

pub async fn log(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<String>) -> ApiResult<Response> {
    let entries = s.services.organisation_log(&a, parse_id(&id, OrgId)?).await?;
    Ok(axum::Json(json!({"entries": entries.iter().map(log_json).collect::<Vec<_>>()})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invite {
    email: String,
    role: String,
}

pub async fn invite(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, Path(id): Path<String>, Json(b): Json<Invite>) -> ApiResult<Response> {
    let org = parse_id(&id, OrgId)?;
    let role = parse_role(&b.role)?;
    let locale = a.account.locale;
    let sent = s.services.invite_to_organisation(&a, org, &b.email, role, locale, &c).await?;
    Ok((StatusCode::CREATED, axum::Json(invitation_json(&sent.invitation))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accept {
    token: String,
}

pub async fn accept(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, Json(b): Json<Accept>) -> ApiResult<Response> {
    let (org, role) = s.services.accept_invitation(&a, &b.token, &c).await?;
    Ok(axum::Json(org_json(&org, role)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetRole {
    role: String,
}

pub async fn set_role(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, Path((id, account)): Path<(String, String)>, Json(b): Json<SetRole>) -> ApiResult<Response> {
    let org = parse_id(&id, OrgId)?;
    let account = parse_id(&account, AccountId)?;
    let role = parse_role(&b.role)?;
    let m = s.services.change_org_role(&a, org, account, role, &c).await?;
    Ok(axum::Json(member_json(&m)).into_response())
}

pub async fn remove(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, Path((id, account)): Path<(String, String)>) -> ApiResult<Response> {
    let org = parse_id(&id, OrgId)?;
    let account = parse_id(&account, AccountId)?;
    s.services.remove_org_member(&a, org, account, &c).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn leave(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, Path(id): Path<String>) -> ApiResult<Response> {
    s.services.leave_organisation(&a, parse_id(&id, OrgId)?, &c).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
