//! Second-step methods and turning 2SV on and off.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ninsho_domain::types::FactorId;
use ninsho_domain::Error;
use serde::Deserialize;

use super::auth::parse_id;
use super::error::ApiResult;
use super::extract::{Auth, Client, Json, JsonOrDefault};
use crate::app::AppState;

fn opt_method(s: Option<&str>, field: &'static str) -> Result<Option<FactorId>, Error> {
    s.map(|m| parse_id(m, FactorId)).transpose().map_err(|_| Error::invalid("method.unknown", field, "no such method"))
}

pub async fn list(State(s): State<AppState>, Auth(a): Auth) -> ApiResult<Response> {
    Ok(axum::Json(serde_json::json!({ "methods": s.services.list_methods(&a).await? })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddPhone {
    phone: String,
    #[serde(default, deserialize_with = "super::extract::no_null")]
    replaces: Option<String>,
}

pub async fn add_phone(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, Json(b): Json<AddPhone>) -> ApiResult<Response> {
    let replaces = opt_method(b.replaces.as_deref(), "replaces")?;
    let out = s.services.add_phone(&a, &b.phone, replaces, &c).await?;
    Ok((StatusCode::CREATED, axum::Json(out)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AddTotp {
    #[serde(default, deserialize_with = "super::extract::no_null")]
    replaces: Option<String>,
}

pub async fn add_totp(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, JsonOrDefault(b): JsonOrDefault<AddTotp>) -> ApiResult<Response> {
    let replaces = opt_method(b.replaces.as_deref(), "replaces")?;
    let out = s.services.add_totp(&a, replaces, &c).await?;
    Ok((StatusCode::CREATED, axum::Json(out)).into_response())
}

pub async fn add_email(State(s): State<AppState>, Auth(a): Auth, Client(c): Client) -> ApiResult<Response> {
    Ok((StatusCode::CREATED, axum::Json(s.services.add_email_method(&a, &c).await?)).into_response())
}

pub async fn backup_codes(State(s): State<AppState>, Auth(a): Auth, Client(c): Client) -> ApiResult<Response> {
    Ok((StatusCode::CREATED, axum::Json(s.services.regenerate_backup_codes(&a, &c).await?)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preferred {
    method_id: String,
}

pub async fn set_preferred(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, Json(b): Json<Preferred>) -> ApiResult<Response> {
    let id = parse_id(&b.method_id, FactorId)?;
    s.services.set_preferred(&a, id, &c).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn remove(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, Path(id): Path<String>) -> ApiResult<Response> {
    s.services.remove_method(&a, parse_id(&id, FactorId)?, &c).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Enable {
    #[serde(default)]
    trust_browser: bool,
}

pub async fn enable(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, JsonOrDefault(b): JsonOrDefault<Enable>) -> ApiResult<Response> {
    Ok(axum::Json(s.services.enable_two_step(&a, b.trust_browser, &c).await?).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Disable {
    #[serde(default)]
    clear_settings: bool,
    /// Optional feedback (F-OFF-1); kept out of logs, not stored in this version.
    #[allow(dead_code)]
    #[serde(default, deserialize_with = "super::extract::no_null")]
    feedback: Option<String>,
}

pub async fn disable(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, JsonOrDefault(b): JsonOrDefault<Disable>) -> ApiResult<Response> {
    s.services.disable_two_step(&a, b.clear_settings, &c).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Suspend {
    /// A day when left out.
    #[serde(default, deserialize_with = "super::extract::no_null")]
    hours: Option<i64>,
}

/// F-OFF-2: pauses 2SV; says when it is back on by itself.
pub async fn suspend(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, JsonOrDefault(b): JsonOrDefault<Suspend>) -> ApiResult<Response> {
    let until = s.services.suspend_two_step(&a, b.hours, &c).await?;
    Ok(axum::Json(serde_json::json!({ "suspended_until": until })).into_response())
}

/// F-OFF-2: 2SV back on before the pause's time.
pub async fn resume(State(s): State<AppState>, Auth(a): Auth, Client(c): Client) -> ApiResult<Response> {
    s.services.resume_two_step(&a, &c).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn request_approval(State(s): State<AppState>, Auth(a): Auth, Client(c): Client) -> ApiResult<Response> {
    Ok((StatusCode::ACCEPTED, axum::Json(s.services.request_approval(&a, &c).await?)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approve {
    token: String,
}

/// Reached from the "Approve" link in the e-mail; needs no session (the link is the proof).
pub async fn approve(State(s): State<AppState>, Client(c): Client, Json(b): Json<Approve>) -> ApiResult<Response> {
    s.services.approve(&b.token, &c).await?;
    Ok(axum::Json(serde_json::json!({ "status": "approved" })).into_response())
}
