//! `POST /api/v1/service/sessions/introspect` (F-INT-2): is this shopper's session
//! real, and how strongly was it authenticated? The answer has RFC 7662's shape; a
//! session that cannot be used is `{"active": false}` and nothing else, whatever the
//! reason, so the answer tells a caller nothing more than the token itself would.

use axum::extract::{MatchedPath, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::Credentials;
use super::auth::{admit, refused};
use crate::api::ApiError;
use crate::api::extract::Json;
use crate::app::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntrospectBody {
    /// The shopper's session token.
    token: String,
    /// Seconds: answer `step_up_required` by the age of the last strong authentication.
    #[serde(default, deserialize_with = "crate::api::extract::no_null")]
    max_age: Option<i64>,
}

fn secs(ms: ninsho_domain::types::UnixMillis) -> i64 {
    ms.0.div_euclid(1000)
}

/// The client is authenticated in the same statement that reads the session (one
/// round trip, F-INT-2 being asked on every request a shop serves), then admitted like
/// any service call: held to its rate and logged.
pub async fn introspect(
    State(s): State<AppState>,
    route: Option<MatchedPath>,
    credentials: Credentials,
    body: Result<Json<IntrospectBody>, Response>,
) -> Result<Response, Response> {
    let b = match body {
        Ok(Json(b)) => b,
        // As on every service route, a client that cannot be authenticated hears 401
        // rather than what is wrong with its body, and a known one is counted and logged.
        Err(bad_body) => {
            let client = s.services.authenticate_client(credentials.client_id(), credentials.secret()).await.map_err(refused)?;
            admit(&s, &client, route.as_ref()).map_err(IntoResponse::into_response)?;
            return Err(bad_body);
        }
    };
    let call = s.services.authenticate_introspection(credentials.client_id(), credentials.secret(), &b.token).await.map_err(refused)?;
    admit(&s, &call.client, route.as_ref()).map_err(IntoResponse::into_response)?;
    let Some(i) = s.services.introspection(call, b.max_age).map_err(|e| ApiError(e).into_response())? else {
        return Ok(axum::Json(json!({"active": false})).into_response());
    };
    let mut body = json!({
        "active": true,
        "token_type": "session",
        "sub": i.account.to_string(),
        "sid": i.session.to_string(),
        "iat": secs(i.issued_at),
        "exp": secs(i.expires_at),
        "auth_time": secs(i.auth_time),
        "amr": i.amr,
        "acr": i.acr.as_str(),
        "step_up": i.step_up.map(|(at, m)| json!({"at": secs(at), "method": ninsho_domain::service::amr_value(m).unwrap_or(m.as_str())})),
        "twosv_enabled": i.twosv_enabled,
        "locale": i.locale.as_str(),
        "zoneinfo": i.zone.as_str(),
    });
    if let Some(required) = i.step_up_required {
        body["step_up_required"] = json!(required);
    }
    Ok(axum::Json(body).into_response())
}
