//! Request extractors: JSON bodies whose rejections are problem documents, the
//! caller's address and browser, and the signed-in session.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ninsho_domain::service::Authed;
use ninsho_domain::types::ClientInfo;
use serde::de::DeserializeOwned;

use super::error::{ApiError, problem};
use crate::app::AppState;

/// `axum::Json`, but a bad body is a 400/415 problem document, not plain text.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(rej) => {
                use axum::extract::rejection::JsonRejection::*;
                let (status, code) = match &rej {
                    MissingJsonContentType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "request.content_type"),
                    JsonDataError(_) => (StatusCode::UNPROCESSABLE_ENTITY, "request.invalid_fields"),
                    JsonSyntaxError(_) => (StatusCode::BAD_REQUEST, "request.invalid_json"),
                    BytesRejection(b) if super::problems::is_body_timeout(b) => (StatusCode::REQUEST_TIMEOUT, "request.timeout"),
                    BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => (StatusCode::PAYLOAD_TOO_LARGE, "request.too_large"),
                    BytesRejection(_) => (StatusCode::BAD_REQUEST, "request.invalid_body"),
                    _ => (StatusCode::BAD_REQUEST, "request.invalid"),
                };
                // serde's message names the field and the expected type, never the value.
                Err(problem(status, code, &rej.body_text(), None))
            }
        }
    }
}

pub struct Client(pub ClientInfo);

impl FromRequestParts<AppState> for Client {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Client(client_info(parts, state)))
    }
}

/// The caller's address and browser, for pages and API alike.
pub fn client_info(parts: &Parts, state: &AppState) -> ClientInfo {
    let header_str = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(256).collect::<String>());
    let forwarded = state
        .config
        .trust_forwarded
        // The rightmost entry is the one our own proxy appended; the rest is what
        // the client claimed.
        .then(|| header_str("x-forwarded-for").and_then(|v| v.rsplit(',').next().map(|s| s.trim().to_string())))
        .flatten()
        .and_then(|s| s.parse::<std::net::IpAddr>().ok())
        .map(|ip| ip.to_string());
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
    ClientInfo { ip: forwarded.or(peer), user_agent: header_str(header::USER_AGENT.as_str()), device_name: header_str("x-device-name") }
}

/// The caller's session, from `Authorization: Bearer <token>`.
pub struct Auth(pub Authed);

impl FromRequestParts<AppState> for Auth {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or("");
        state.services.authenticate(token).await.map(Auth).map_err(|e| ApiError(e).into_response())
    }
}

/// An optional JSON body: empty means `T::default()`.
pub struct JsonOrDefault<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for JsonOrDefault<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| problem(StatusCode::PAYLOAD_TOO_LARGE, "request.too_large", "the request body is too large", None))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonOrDefault(T::default()));
        }
        serde_json::from_slice(&bytes)
            .map(JsonOrDefault)
            .map_err(|e| problem(StatusCode::UNPROCESSABLE_ENTITY, "request.invalid_fields", &format!("{e}"), None))
    }
}

/// An optional request field whose schema has no `null`: absent is `None`, and `null`
/// is refused like any other value of the wrong type (422), so the server and the
/// OpenAPI document agree. Use with `#[serde(default, deserialize_with = "no_null")]`.
pub fn no_null<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// A field `PATCH` may clear: absent is `None` (unchanged), `null` is `Some(None)`
/// (back to the default, as in JSON Merge Patch), a value is `Some(Some(v))`. Use with
/// `#[serde(default, deserialize_with = "nullable")]`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}
