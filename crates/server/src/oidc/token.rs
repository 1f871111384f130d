//! `/token` (RFC 6749 §3.2, §4.1.3, errors §5.2) and `/userinfo` (OpenID Connect Core
//! §5.3, errors RFC 6750 §3). Client authentication: `client_secret_basic`,
//! `client_secret_post`, or `none` for public clients, whose proof is PKCE.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use data_encoding::BASE64;
use ninsho_domain::oidc::OidcClient;
use ninsho_domain::oidc::codes::{CodeGrant, TokenError, TokenErrorCode, refused};
use ninsho_domain::Error;
use serde_json::json;

use super::{SpecAnswer, issuer};
use crate::app::AppState;

/// A JSON answer the specification shapes, never cached (RFC 6749 §5.1).
fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    let mut res = (status, axum::Json(body)).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res.extensions_mut().insert(SpecAnswer);
    res
}

/// A fault of ninsho's own: 503 with `Retry-After` for an outage, else 500.
pub fn server_error(e: &Error) -> Response {
    let status = crate::api::status_of(e);
    let (code, status) = match status {
        StatusCode::SERVICE_UNAVAILABLE => ("temporarily_unavailable", status),
        _ => {
            tracing::error!(error = %e, "OpenID Connect endpoint failed");
            ("server_error", StatusCode::INTERNAL_SERVER_ERROR)
        }
    };
    let mut res = answer(status, json!({"error": code}));
    if let Error::Unavailable(o) = e {
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(o.retry_after_secs()));
    }
    res
}

/// RFC 6749 §5.2. A client that tried HTTP Basic hears 401 with a challenge.
fn token_error(e: TokenError, basic: bool) -> Response {
    match e {
        TokenError::Server(e) => server_error(&e),
        TokenError::Refused { code, description } => {
            let status = if code == TokenErrorCode::InvalidClient { StatusCode::UNAUTHORIZED } else { StatusCode::BAD_REQUEST };
            let mut res = answer(status, json!({"error": code.as_str(), "error_description": description}));
            if code == TokenErrorCode::InvalidClient && basic {
                res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"ninsho\", charset=\"UTF-8\""));
            }
            res
        }
    }
}

/// The form's parameters, each at most once (RFC 6749 §3.2).
struct Form(Vec<(String, String)>);

impl Form {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    fn repeated(&self) -> bool {
        self.0.iter().enumerate().any(|(i, (k, _))| self.0[..i].iter().any(|(j, _)| j == k))
    }
}

/// `client_id:client_secret` of HTTP Basic, each form-urlencoded first (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<Result<(String, String), ()>> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = BASE64.decode(rest.trim().as_bytes()).map_err(|_| ()).and_then(|b| String::from_utf8(b).map_err(|_| ()));
    Some(decoded.and_then(|text| {
        let (id, secret) = text.split_once(':').ok_or(())?;
        let dec = |s: &str| form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default();
        Ok((dec(id), dec(secret)))
    }))
}

pub async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let basic = basic_credentials(&headers);
    let tried_basic = basic.is_some();
    match exchange(&state, &headers, &body, basic).await {
        Ok(r) => r,
        Err(e) => token_error(e, tried_basic),
    }
}

/// The form of a request to `/token`, `/introspect` or `/revoke`, each parameter once.
fn read_form(headers: &HeaderMap, body: &[u8]) -> Result<Form, TokenError> {
    use TokenErrorCode as E;
    let form_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if !form_type {
        return Err(refused(E::InvalidRequest, "the body must be application/x-www-form-urlencoded"));
    }
    let form = Form(form_urlencoded::parse(body).into_owned().collect());
    if form.repeated() {
        return Err(refused(E::InvalidRequest, "a parameter was sent more than once"));
    }
    Ok(form)
}

/// The client, by one of the methods discovery names (RFC 6749 §2.3).
async fn authenticated_client(state: &AppState, form: &Form, basic: Option<Result<(String, String), ()>>) -> Result<OidcClient, TokenError> {
    use TokenErrorCode as E;
    let unknown_client = || refused(E::InvalidClient, "client authentication failed");
    let (client_id, secret) = match basic {
        Some(Err(())) => return Err(unknown_client()),
        Some(Ok(_)) if form.get("client_secret").is_some() => return Err(refused(E::InvalidRequest, "use one client authentication method")),
        Some(Ok((id, _))) if form.get("client_id").is_some_and(|b| b != id) => return Err(refused(E::InvalidRequest, "client_id differs from the one authenticated")),
        Some(Ok((id, secret))) => (id, Some(secret)),
        None => (form.get("client_id").ok_or_else(unknown_client)?.to_string(), form.get("client_secret").map(str::to_owned)),
    };
    state.services.authenticate_oidc_client(&client_id, secret.as_deref()).await?.ok_or_else(unknown_client)
}

async fn exchange(state: &AppState, headers: &HeaderMap, body: &[u8], basic: Option<Result<(String, String), ()>>) -> Result<Response, TokenError> {
    use TokenErrorCode as E;
    let form = read_form(headers, body)?;
    let refresh = match form.get("grant_type") {
        Some("authorization_code") => false,
        Some("refresh_token") => true,
        None => return Err(refused(E::InvalidRequest, "grant_type is missing")),
        Some(_) => return Err(refused(E::UnsupportedGrantType, "only authorization_code and refresh_token are supported")),
    };
    let client = authenticated_client(state, &form, basic).await?;
    let keys = state.oidc_keys.get(state).await?;
    let t = if refresh {
        state.services.refresh_tokens(&client, form.get("refresh_token"), form.get("scope"), &keys.signer, &issuer(state)).await?
    } else {
        let grant = CodeGrant { code: form.get("code"), redirect_uri: form.get("redirect_uri"), code_verifier: form.get("code_verifier") };
        state.services.exchange_code(&client, grant, &keys.signer, &issuer(state)).await?
    };
    let mut body = json!({"access_token": t.access_token, "token_type": "Bearer", "expires_in": t.expires_in, "id_token": t.id_token, "scope": t.scope});
    if let Some(r) = t.refresh_token {
        body["refresh_token"] = json!(r);
    }
    Ok(answer(StatusCode::OK, body))
}

/// The authenticated client and the `token` it asks about (RFC 7662 §2.1, RFC 7009 §2.1).
async fn client_and_token(state: &AppState, headers: &HeaderMap, body: &[u8], basic: Option<Result<(String, String), ()>>) -> Result<(OidcClient, String), TokenError> {
    let form = read_form(headers, body)?;
    let client = authenticated_client(state, &form, basic).await?;
    let token = form.get("token").ok_or(refused(TokenErrorCode::InvalidRequest, "token is missing"))?;
    Ok((client, token.to_string()))
}

/// RFC 7662: whether one of the client's tokens is active, and what it stands for.
pub async fn introspect(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let basic = basic_credentials(&headers);
    let tried_basic = basic.is_some();
    let answered = async {
        let (client, token) = client_and_token(&state, &headers, &body, basic).await?;
        Ok::<_, TokenError>(match state.services.introspect_app_token(&client, &token).await? {
            Some(claims) => serde_json::Value::Object(claims),
            None => json!({"active": false}),
        })
    };
    match answered.await {
        Ok(body) => answer(StatusCode::OK, body),
        Err(e) => token_error(e, tried_basic),
    }
}

/// RFC 7009: one of the client's tokens revoked, with its grant; 200 whatever the
/// token was, so the answer tells nothing about tokens that are not the client's.
pub async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let basic = basic_credentials(&headers);
    let tried_basic = basic.is_some();
    let answered = async {
        let (client, token) = client_and_token(&state, &headers, &body, basic).await?;
        state.services.revoke_app_token(&client, &token).await?;
        Ok::<_, TokenError>(())
    };
    match answered.await {
        Ok(()) => answer(StatusCode::OK, json!({})),
        Err(e) => token_error(e, tried_basic),
    }
}

/// RFC 6750 §3: a request without a token hears only the scheme; a bad token hears why.
fn bearer_error(error: Option<&str>) -> Response {
    let mut res = answer(StatusCode::UNAUTHORIZED, json!({"error": error.unwrap_or("invalid_request")}));
    let challenge = match error {
        Some(e) => format!("Bearer realm=\"ninsho\", error=\"{e}\""),
        None => "Bearer realm=\"ninsho\"".to_string(),
    };
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    res
}

pub async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_string());
    let Some(token) = token else { return bearer_error(None) };
    match state.services.userinfo(&token).await {
        Ok(claims) => answer(StatusCode::OK, serde_json::Value::Object(claims)),
        Err(Error::Unauthenticated) => bearer_error(Some("invalid_token")),
        Err(e) => server_error(&e),
    }
}
