//! The account, its sessions, trusted browsers and history.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ninsho_domain::types::{SessionId, TrustedBrowserId};
use ninsho_domain::zone::TimeZoneName;
use secrecy::SecretString;
use serde::Deserialize;

use super::auth::{parse_id, parse_locale};
use super::error::ApiResult;
use super::extract::{Auth, Client, Json, JsonOrDefault};
use crate::app::AppState;

pub async fn get_account(State(s): State<AppState>, Auth(a): Auth) -> ApiResult<Response> {
    Ok(axum::Json(s.services.account_view(&a).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchAccount {
    #[serde(default, deserialize_with = "super::extract::no_null")]
    locale: Option<String>,
    /// F-MSG-1: e-mail me when a new browser or device signs in.
    #[serde(default, deserialize_with = "super::extract::no_null")]
    signin_alerts: Option<bool>,
    /// F-DEV-1/3: an IANA name; `null` returns to the default zone.
    #[serde(default, deserialize_with = "super::extract::nullable")]
    time_zone: Option<Option<String>>,
}

pub async fn patch_account(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, Json(b): Json<PatchAccount>) -> ApiResult<Response> {
    // Validate everything before changing anything.
    let locale = b.locale.as_deref().map(|l| parse_locale(Some(l))).transpose()?;
    let zone = b.time_zone.map(|z| z.as_deref().map(TimeZoneName::parse).transpose()).transpose()?;
    if let Some(l) = locale {
        s.services.set_locale(&a, l).await?;
    }
    if let Some(z) = zone {
        s.services.set_time_zone(&a, z).await?;
    }
    if let Some(on) = b.signin_alerts {
        s.services.set_signin_alerts(&a, on, &c).await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    current_password: SecretString,
    new_password: SecretString,
    #[serde(default)]
    sign_out_others: bool,
}

pub async fn change_password(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, Json(b): Json<ChangePassword>) -> ApiResult<Response> {
    s.services.change_password(&a, b.current_password, b.new_password, b.sign_out_others, &c).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeEmail {
    new_email: String,
}

/// F-ACC-6: needs a step-up; answers alike whether or not the address is taken.
pub async fn change_email(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, Json(b): Json<ChangeEmail>) -> ApiResult<Response> {
    let out = s.services.start_email_change(&a, &b.new_email, &c).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(out)).into_response())
}

pub async fn sessions(State(s): State<AppState>, Auth(a): Auth) -> ApiResult<Response> {
    Ok(axum::Json(serde_json::json!({ "sessions": s.services.list_sessions(&a, a.account.locale).await? })).into_response())
}

pub async fn sign_out_one(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, Path(id): Path<String>) -> ApiResult<Response> {
    s.services.sign_out(&a, parse_id(&id, SessionId)?, &c).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn sign_out_current(State(s): State<AppState>, Auth(a): Auth, Client(c): Client) -> ApiResult<Response> {
    s.services.sign_out(&a, a.session.id, &c).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SignOutAll {
    #[serde(default)]
    keep_current: bool,
}

pub async fn sign_out_all(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, JsonOrDefault(b): JsonOrDefault<SignOutAll>) -> ApiResult<Response> {
    s.services.sign_out_all(&a, b.keep_current, &c).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn trusted_browsers(State(s): State<AppState>, Auth(a): Auth) -> ApiResult<Response> {
    Ok(axum::Json(serde_json::json!({ "trusted_browsers": s.services.list_trusted_browsers(&a).await? })).into_response())
}

pub async fn revoke_trusted_browser(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, Path(id): Path<String>) -> ApiResult<Response> {
    s.services.revoke_trusted_browser(&a, parse_id(&id, TrustedBrowserId)?, &c).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
pub struct HistoryQuery {
    limit: Option<i64>,
}

pub async fn history(State(s): State<AppState>, Auth(a): Auth, Query(q): Query<HistoryQuery>) -> ApiResult<Response> {
    let limit = page_limit(q.limit)?;
    Ok(axum::Json(serde_json::json!({ "history": s.services.history(&a, limit, a.account.locale).await? })).into_response())
}

/// The most entries a list answers at once (history, message center).
pub(super) const MAX_PAGE: i64 = 500;

/// A list's `limit` query parameter: 100 when absent, 1 to `MAX_PAGE` as the document
/// says; anything else is refused rather than quietly changed.
pub(super) fn page_limit(limit: Option<i64>) -> Result<i64, ninsho_domain::Error> {
    match limit {
        None => Ok(100),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        Some(_) => Err(ninsho_domain::Error::invalid("request.limit", "limit", format!("limit is 1 to {MAX_PAGE}"))),
    }
}
