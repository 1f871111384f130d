//! OpenID Connect Discovery 1.0 and the JWKS: what an application reads before it
//! sends anyone here, and the public keys its library checks ID tokens with.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use ninsho_domain::oidc::keys::jwk;
use ninsho_domain::oidc::{OidcScope, SigningAlg};
use serde_json::json;

use super::{SpecAnswer, issuer};
use crate::app::AppState;

pub const JWKS_PATH: &str = "/.well-known/jwks.json";

/// Applications may cache both for a minute: a new key is published before it signs
/// on other instances (`KeyCache`), and a library fetches the JWKS again on an unknown `kid`.
fn cacheable(body: serde_json::Value) -> Response {
    let mut res = Json(body).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    res.extensions_mut().insert(SpecAnswer);
    res
}

pub async fn configuration(State(state): State<AppState>) -> Response {
    let iss = issuer(&state);
    cacheable(json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/authorize"),
        "token_endpoint": format!("{iss}/token"),
        "userinfo_endpoint": format!("{iss}/userinfo"),
        "introspection_endpoint": format!("{iss}/introspect"),
        "revocation_endpoint": format!("{iss}/revoke"),
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "jwks_uri": format!("{iss}{JWKS_PATH}"),
        "end_session_endpoint": format!("{iss}{}", super::logout::PATH),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": SigningAlg::ALL.map(SigningAlg::as_str),
        "scopes_supported": OidcScope::ALL.map(OidcScope::as_str),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "iss", "aud", "azp", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid", "at_hash", "email", "email_verified", "locale", "zoneinfo"],
        "acr_values_supported": ["aal1", "aal2"],
        "ui_locales_supported": ninsho_domain::types::Locale::ALL.map(|l| l.as_str()),
        "authorization_response_iss_parameter_supported": true,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "claims_parameter_supported": false,
    }))
}

pub async fn jwks(State(state): State<AppState>) -> Response {
    // Read from the database every time, not from this instance's cache: a key that
    // another instance just started to sign with is published at once everywhere.
    match state.services.published_keys().await {
        Ok(keys) => cacheable(json!({"keys": keys.iter().map(jwk).collect::<Vec<_>>()})),
        Err(e) => super::token::server_error(&e),
    }
}
