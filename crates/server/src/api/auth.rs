//! Sign-up, sign-in, codes and step-up.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ninsho_domain::service::VerifyInput;
use ninsho_domain::types::{ChallengeId, Channel, FactorId, Locale};
use ninsho_domain::Error;
use secrecy::SecretString;
use serde::Deserialize;

use super::error::ApiResult;
use super::extract::{Auth, Client, Json, JsonOrDefault};
use crate::app::AppState;

pub(super) fn parse_id<T>(s: &str, make: fn(uuid::Uuid) -> T) -> Result<T, Error> {
    uuid::Uuid::try_parse(s).map(make).map_err(|_| Error::NotFound)
}

pub(super) fn parse_locale(s: Option<&str>) -> Result<Locale, Error> {
    match s {
        None => Ok(Locale::default()),
        Some(l) => Locale::parse(l).ok_or_else(|| Error::invalid("locale.unsupported", "locale", "supported languages: en, ja, zh, fr")),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    email: String,
    password: SecretString,
    #[serde(default, deserialize_with = "super::extract::no_null")]
    locale: Option<String>,
}

pub async fn sign_up(State(s): State<AppState>, Client(c): Client, Json(b): Json<SignUp>) -> ApiResult<Response> {
    let locale = parse_locale(b.locale.as_deref())?;
    let out = s.services.sign_up(&b.email, b.password, locale, &c).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(out)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    email: String,
    password: SecretString,
    #[serde(default, deserialize_with = "super::extract::no_null")]
    trusted_browser_token: Option<String>,
}

pub async fn sign_in(State(s): State<AppState>, Client(c): Client, Json(b): Json<SignIn>) -> ApiResult<Response> {
    let out = s.services.sign_in(&b.email, b.password, b.trusted_browser_token.as_deref(), &c).await?;
    Ok(axum::Json(out).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceSignIn {
    email: String,
    /// The password, with the current code appended once one is needed.
    password: SecretString,
}

pub async fn sign_in_device(State(s): State<AppState>, Client(c): Client, Json(b): Json<DeviceSignIn>) -> ApiResult<Response> {
    let out = s.services.sign_in_device(&b.email, b.password, &c).await?;
    Ok(axum::Json(out).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verify {
    code: SecretString,
    #[serde(default, deserialize_with = "super::extract::no_null")]
    method_id: Option<String>,
    #[serde(default)]
    trust_browser: bool,
}

pub async fn verify(State(s): State<AppState>, Path(id): Path<String>, Client(c): Client, Json(b): Json<Verify>) -> ApiResult<Response> {
    let id = parse_id(&id, ChallengeId)?;
    let method = b.method_id.as_deref().map(|m| parse_id(m, FactorId)).transpose().map_err(|_| Error::invalid("method.unknown", "method_id", "no such method"))?;
    let out = s.services.verify(id, VerifyInput { code: b.code, method, trust_browser: b.trust_browser }, &c).await?;
    Ok(axum::Json(out).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Resend {
    #[serde(default, deserialize_with = "super::extract::no_null")]
    method_id: Option<String>,
    /// "voice": a mobile number's code read out by a call instead of a text.
    #[serde(default, deserialize_with = "super::extract::no_null")]
    channel: Option<ResendChannel>,
}

/// The channels a resend may ask for: a phone's own, or a call.
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum ResendChannel {
    Sms,
    Voice,
}

impl From<ResendChannel> for Channel {
    fn from(c: ResendChannel) -> Channel {
        match c {
            ResendChannel::Sms => Channel::Sms,
            ResendChannel::Voice => Channel::Voice,
        }
    }
}

pub async fn resend(State(s): State<AppState>, Path(id): Path<String>, Client(c): Client, JsonOrDefault(b): JsonOrDefault<Resend>) -> ApiResult<Response> {
    let id = parse_id(&id, ChallengeId)?;
    let method = b.method_id.as_deref().map(|m| parse_id(m, FactorId)).transpose().map_err(|_| Error::invalid("method.unknown", "method_id", "no such method"))?;
    let out = s.services.resend(id, method, b.channel.map(Channel::from), &c).await?;
    Ok(axum::Json(serde_json::json!({ "sent": out })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deny {
    token: String,
}

pub async fn deny(State(s): State<AppState>, Client(c): Client, Json(b): Json<Deny>) -> ApiResult<Response> {
    let outcome = s.services.deny(&b.token, &c).await?;
    Ok(axum::Json(serde_json::json!({ "status": outcome, "next": "/api/v1/account/password" })).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StepUp {
    #[serde(default, deserialize_with = "super::extract::no_null")]
    method_id: Option<String>,
    #[serde(default, deserialize_with = "super::extract::no_null")]
    password: Option<SecretString>,
}

pub async fn step_up(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, JsonOrDefault(b): JsonOrDefault<StepUp>) -> ApiResult<Response> {
    let method = b.method_id.as_deref().map(|m| parse_id(m, FactorId)).transpose().map_err(|_| Error::invalid("method.unknown", "method_id", "no such method"))?;
    let out = s.services.start_step_up(&a, method, b.password, &c).await?;
    Ok(axum::Json(out).into_response())
}
