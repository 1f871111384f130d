//! Who is calling: the client behind the `Authorization` header, held to its rate.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::extract::MatchedPath;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use ninsho_domain::Error;
use ninsho_domain::ports::ServiceClient;
use ninsho_domain::types::{ServiceClientId, UnixMillis};

use crate::api::ApiError;
use crate::app::AppState;

/// An authenticated service client. What it may do is checked by the use case it
/// calls (`ServiceClient::require`), not here.
pub struct Caller(pub ServiceClient);

/// Requests per client in the current minute, per instance: a burst cannot pass more
/// than the limit, because counting and deciding happen under one lock.
#[derive(Default)]
pub struct RateLimits {
    windows: Mutex<HashMap<ServiceClientId, (i64, i64)>>,
}

impl RateLimits {
    /// Takes one request of the client's minute, or says when the next minute begins.
    fn take(&self, client: &ServiceClient, now: UnixMillis) -> Result<(), UnixMillis> {
        let minute = now.0.div_euclid(60_000);
        // A panic elsewhere while the lock was held leaves counts that are still
        // counts: keep limiting rather than let everything through.
        let mut windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = windows.entry(client.id).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        if entry.1 >= client.rate_per_minute {
            return Err(UnixMillis((minute + 1) * 60_000));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// 401 with the challenge a client library understands.
fn unauthenticated() -> Response {
    let mut r = ApiError(Error::Unauthenticated).into_response();
    r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"ninsho service\", charset=\"UTF-8\""));
    r
}

/// `(client id, secret)` from `Basic base64(id:secret)` or `(None, secret)` from `Bearer secret`.
fn credentials(parts: &Parts) -> Option<(Option<String>, String)> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some((None, rest.trim().to_string()));
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = data_encoding::BASE64.decode(rest.trim().as_bytes()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((Some(id.to_string()), secret.to_string()))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some((id, secret)) = credentials(parts) else { return Err(unauthenticated()) };
        let client = match state.services.authenticate_client(id.as_deref(), &secret).await {
            Ok(c) => c,
            Err(Error::Unauthenticated) => return Err(unauthenticated()),
            Err(e) => return Err(ApiError(e).into_response()),
        };
        let now = state.services.now();
        if let Err(retry_at) = state.service_limits.take(&client, now) {
            return Err(ApiError(Error::RateLimited { code: "client.rate_limited", retry_at, now }).into_response());
        }
        // Every call, with the client that made it; the request line beside it has the
        // route, status and request id.
        let route = parts.extensions.get::<MatchedPath>().map(|m| m.as_str().to_owned()).unwrap_or_default();
        tracing::info!(client_id = %client.id, client = %client.name, route = %route, "service call");
        Ok(Caller(client))
    }
}
