//! Form posts: an URL-encoded body whose `csrf` field must match the caller's CSRF
//! cookie (a signed double-submit token), on top of tower-http's `Sec-Fetch-Site` /
//! `Origin` check. A mismatch is a readable 403 page, never a handler call.

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::Response;
use serde::de::DeserializeOwned;

use super::cookies::{self, Policy};
use super::ctx::csrf_token;
use super::i18n::{self, Tr};
use crate::app::AppState;

pub struct PageForm<T>(pub T);

/// Whether a form's token belongs to this browser's CSRF secret (constant time).
pub fn csrf_ok(state: &AppState, secret: Option<&str>, sent: &str) -> bool {
    secret.is_some_and(|s| ninsho_domain::crypto::ct_eq(csrf_token(state, s).as_bytes(), sent.as_bytes()))
}

impl<T: DeserializeOwned> FromRequest<AppState> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let policy = Policy::for_public_url(&state.config.policy.public_url);
        let secret = policy.get(req.headers(), cookies::CSRF);
        let lang = req
            .headers()
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(i18n::from_accept_language)
            .or_else(|| policy.get(req.headers(), cookies::LANG).and_then(|l| ninsho_domain::types::Locale::parse(&l)))
            .unwrap_or_default();
        let tr = Tr::new(lang);
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|_| plain(StatusCode::PAYLOAD_TOO_LARGE, &tr, "err-request-too-large"))?;
        let sent = form_urlencoded::parse(&bytes).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned()).unwrap_or_default();
        if !csrf_ok(state, secret.as_deref(), &sent) {
            tracing::warn!("form refused: CSRF token missing or wrong");
            return Err(plain(StatusCode::FORBIDDEN, &tr, "err-csrf"));
        }
        serde_urlencoded::from_bytes(&bytes).map(PageForm).map_err(|_| plain(StatusCode::BAD_REQUEST, &tr, "err-request-invalid"))
    }
}

fn plain(status: StatusCode, tr: &Tr, key: &str) -> Response {
    super::plain_page(status, tr.locale.as_str(), &tr.t(key), None)
}
