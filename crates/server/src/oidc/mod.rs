//! F-INT-5: the OpenID Connect provider's HTTP side — discovery, JWKS, `/authorize`,
//! `/token` and `/userinfo` — over the domain's `oidc` rules. Their request and error
//! shapes are fixed by OAuth 2.0 and OpenID Connect, not by ninsho's API, so these
//! routes stay outside the pages' CSRF layer (an application's form posts to
//! `/authorize` come from its own origin) and their answers are never rewritten into
//! problem documents (`SpecAnswer`).

mod authorize;
mod discovery;
mod logout;
mod token;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use ninsho_domain::oidc::KEY_CACHE_SECS;
use ninsho_domain::oidc::keys::KeySet;

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery::configuration))
        .route(discovery::JWKS_PATH, get(discovery::jwks))
        .route("/authorize", get(authorize::get).post(authorize::post))
        .route(authorize::CONTINUE_PATH, get(authorize::resume))
        .route("/token", axum::routing::post(token::token))
        .route("/introspect", axum::routing::post(token::introspect))
        .route("/revoke", axum::routing::post(token::revoke))
        .route("/userinfo", get(token::userinfo).post(token::userinfo))
        .route(logout::PATH, get(logout::get).post(logout::post))
}

/// Marks an answer whose shape a specification fixes: `api::problems::documents`
/// leaves it as it is.
#[derive(Clone, Copy, Debug)]
pub struct SpecAnswer;

/// The issuer: the public URL, as applications reach ninsho, without a final `/`.
pub fn issuer(state: &AppState) -> String {
    state.config.policy.public_url.trim_end_matches('/').to_string()
}

/// The signing key this instance uses, read again every `KEY_CACHE_SECS`: a rotation
/// on another instance reaches this one within that time, and the key it replaces
/// stays published that much longer.
#[derive(Default)]
pub struct KeyCache {
    held: Mutex<Option<(Instant, Arc<KeySet>)>>,
}

impl KeyCache {
    pub async fn get(&self, state: &AppState) -> Result<Arc<KeySet>, ninsho_domain::Error> {
        if let Ok(held) = self.held.lock()
            && let Some((at, keys)) = held.as_ref()
            && at.elapsed() < Duration::from_secs(KEY_CACHE_SECS as u64)
        {
            return Ok(keys.clone());
        }
        let keys = Arc::new(state.services.key_set().await?);
        if let Ok(mut held) = self.held.lock() {
            *held = Some((Instant::now(), keys.clone()));
        }
        Ok(keys)
    }
}
