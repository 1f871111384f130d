//! F-ACC-5: a forgotten password. The link's token travels in bodies, never in a URL
//! the API logs.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ninsho_domain::service::{Proof, ResetInput, Upload};
use ninsho_domain::types::FactorId;
use ninsho_domain::Error;
use secrecy::SecretString;
use serde::Deserialize;

use super::auth::parse_id;
use super::error::ApiResult;
use super::extract::{Client, Json, no_null};
use crate::app::AppState;

fn method(id: Option<&str>) -> Result<Option<FactorId>, Error> {
    id.map(|m| parse_id(m, FactorId)).transpose().map_err(|_| Error::invalid("method.unknown", "method_id", "no such method"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ask {
    email: String,
}

/// The same answer whether or not the address has an account.
pub async fn ask(State(s): State<AppState>, Client(c): Client, Json(b): Json<Ask>) -> ApiResult<Response> {
    s.services.request_password_reset(&b.email, &c).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(serde_json::json!({ "status": "requested" }))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Token {
    token: String,
}

pub async fn inspect(State(s): State<AppState>, Json(b): Json<Token>) -> ApiResult<Response> {
    Ok(axum::Json(s.services.reset_view(&b.token).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Send {
    token: String,
    method_id: String,
}

pub async fn send(State(s): State<AppState>, Client(c): Client, Json(b): Json<Send>) -> ApiResult<Response> {
    let m = method(Some(&b.method_id))?.ok_or_else(|| Error::invalid("method.unknown", "method_id", "no such method"))?;
    let sent = s.services.send_reset_code(&b.token, m, &c).await?;
    Ok(axum::Json(serde_json::json!({ "sent": sent })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Complete {
    token: String,
    new_password: SecretString,
    #[serde(default, deserialize_with = "no_null")]
    code: Option<SecretString>,
    #[serde(default, deserialize_with = "no_null")]
    method_id: Option<String>,
}

pub async fn complete(State(s): State<AppState>, Client(c): Client, Json(b): Json<Complete>) -> ApiResult<Response> {
    let input = ResetInput { new_password: b.new_password, code: b.code, method: method(b.method_id.as_deref())? };
    s.services.complete_password_reset(&b.token, input, &c).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recovery {
    token: String,
    doc_type: String,
    document: super::recovery::Document,
}

/// "I can't use any method": the ID-document request (F-OFF-3), the link standing in
/// for the forgotten password.
pub async fn recovery(State(s): State<AppState>, Client(c): Client, Json(b): Json<Recovery>) -> ApiResult<Response> {
    let upload: Upload = b.document.decode()?;
    let out = s.services.request_reset(Proof::ResetLink(&b.token), &b.doc_type, upload, &c).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(out)).into_response())
}
