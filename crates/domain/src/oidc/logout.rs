//! OpenID Connect RP-Initiated Logout 1.0: an application sends its user to
//! `end_session_endpoint` with the ID token it was given (`id_token_hint`), and
//! perhaps where to come back (`post_logout_redirect_uri`, compared exactly with the
//! ones the operator registered) and its `state`.
//!
//! ninsho asks for the hint: it names the application (its `aud`) and the user (its
//! `sub`), so only the session of that user is ended and only that application's
//! registered URI is ever followed. A hint that is not a token ninsho signed, or a
//! URI not registered, gets an error page and no redirect.

use data_encoding::BASE64URL_NOPAD;
use ring::signature::{ECDSA_P256_SHA256_FIXED, ED25519, UnparsedPublicKey};
use serde_json::Value;

use super::OidcStore;
use super::keys::{SigningAlg, SigningKey};
use crate::error::{Error, Result};
use crate::ports::Store;
use crate::service::Services;

/// A checked logout request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logout {
    /// The user the hint names: only their session is ended.
    pub account_id: String,
    /// The registered URI to go back to, with `state` added; `None`: ninsho's own page.
    pub back: Option<String>,
}

fn bad_hint() -> Error {
    Error::invalid("oidc.id_token_hint_invalid", "id_token_hint", "this sign-out request does not come with a valid ID token from this server")
}

/// The claims of a compact JWS one of `keys` signed, with `iss` = `issuer`. Its
/// expiry is not checked: an application may sign its user out after its ID token
/// expired (RP-Initiated Logout §2).
pub fn verified_claims(token: &str, keys: &[SigningKey], issuer: &str) -> Option<Value> {
    if token.len() > 8192 {
        return None;
    }
    let mut parts = token.split('.');
    let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&BASE64URL_NOPAD.decode(h.as_bytes()).ok()?).ok()?;
    let key = keys.iter().find(|k| header["kid"].as_str() == Some(k.kid.as_str()) && header["alg"].as_str() == Some(k.alg.as_str()))?;
    let sig = BASE64URL_NOPAD.decode(s.as_bytes()).ok()?;
    let signed = format!("{h}.{p}");
    let alg: &dyn ring::signature::VerificationAlgorithm = match key.alg {
        SigningAlg::Es256 => &ECDSA_P256_SHA256_FIXED,
        SigningAlg::EdDsa => &ED25519,
    };
    UnparsedPublicKey::new(alg, &key.public_key).verify(signed.as_bytes(), &sig).ok()?;
    let claims: Value = serde_json::from_slice(&BASE64URL_NOPAD.decode(p.as_bytes()).ok()?).ok()?;
    (claims["iss"].as_str() == Some(issuer)).then_some(claims)
}

impl<S: Store + OidcStore> Services<S> {
    /// The checks of a logout request; any failure is shown to the user, never sent
    /// anywhere.
    pub async fn check_logout(&self, id_token_hint: Option<&str>, post_logout_redirect_uri: Option<&str>, client_id: Option<&str>, state: Option<&str>, issuer: &str) -> Result<Logout> {
        let hint = id_token_hint.filter(|h| !h.is_empty()).ok_or_else(bad_hint)?;
        let keys = self.key_set().await?;
        let claims = verified_claims(hint, &keys.published, issuer).ok_or_else(bad_hint)?;
        let aud = claims["aud"].as_str().ok_or_else(bad_hint)?;
        let sub = claims["sub"].as_str().ok_or_else(bad_hint)?;
        if client_id.is_some_and(|c| c != aud) {
            return Err(Error::invalid("oidc.client_mismatch", "client_id", "client_id is not the application the ID token was given to"));
        }
        let client = self.live_oidc_client(aud).await?.ok_or_else(bad_hint)?;
        let back = match post_logout_redirect_uri {
            None => None,
            Some(uri) if client.post_logout_uris.iter().any(|r| r == uri) => {
                let mut params = Vec::new();
                if let Some(s) = state.filter(|s| s.len() <= 1024) {
                    params.push(("state", s));
                }
                Some(super::codes::response_url(uri, &params).ok_or_else(|| Error::internal("a registered post-logout URI does not parse"))?)
            }
            Some(_) => {
                return Err(Error::invalid("oidc.post_logout_uri_unregistered", "post_logout_redirect_uri", "this address is not registered for the application"));
            }
        };
        Ok(Logout { account_id: sub.to_string(), back })
    }
}
