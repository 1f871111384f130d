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

/// What the `Authorization` header says, not yet checked: `Basic base64(id:secret)` or
/// `Bearer secret`. Deliberately not `Debug`: it holds the secret.
pub struct Credentials {
    client_id: Option<String>,
    secret: String,
}

fn credentials(parts: &Parts) -> Option<Credentials> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(Credentials { client_id: None, secret: rest.trim().to_string() });
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = data_encoding::BASE64.decode(rest.trim().as_bytes()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some(Credentials { client_id: Some(id.to_string()), secret: secret.to_string() })
}

impl Credentials {
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    pub fn secret(&self) -> &str {
        &self.secret
    }
}

/// A missing or malformed header is refused here, before the body is read.
impl FromRequestParts<AppState> for Credentials {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        credentials(parts).ok_or_else(unauthenticated)
    }
}

/// The answer to a client that could not be authenticated: 401 with the challenge for
/// an unknown, revoked or expired one, the error's own answer (an outage) otherwise.
pub fn refused(e: Error) -> Response {
    match e {
        Error::Unauthenticated => unauthenticated(),
        e => ApiError(e).into_response(),
    }
}

/// What every service call does once its client is known, whichever way it was
/// authenticated: hold the client to its rate, then log the call.
pub fn admit(state: &AppState, client: &ServiceClient, route: Option<&MatchedPath>) -> Result<(), ApiError> {
    let now = state.services.now();
    if let Err(retry_at) = state.service_limits.take(client, now) {
        return Err(ApiError(Error::RateLimited { code: "client.rate_limited", retry_at, now }));
    }
    // Every call, with the client that made it; the request line beside it has the
    // route, status and request id.
    let route = route.map(MatchedPath::as_str).unwrap_or_default();
    tracing::info!(client_id = %client.id, client = %client.name, route = %route, "service call");
    Ok(())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let c = Credentials::from_request_parts(parts, state).await?;
        let client = state.services.authenticate_client(c.client_id(), c.secret()).await.map_err(refused)?;
        admit(state, &client, parts.extensions.get::<MatchedPath>()).map_err(IntoResponse::into_response)?;
        Ok(Caller(client))
    }
}
