//! Tokens given to an application for its user: an opaque access token (kept only as
//! a keyed hash, so it can be revoked — all of a code's at once on a replay) and a
//! signed ID token. Refresh tokens will join them here, in the same grant.

use serde_json::{Map, Value};

use super::claims::{IdToken, id_token_claims, user_claims};
use super::clients::{OidcClient, OidcScope};
use super::codes::AuthCode;
use super::keys::Signer;
use super::OidcStore;
use crate::crypto::random_token;
use crate::error::{Error, Result};
use crate::ports::{Account, Store};
use crate::service::Services;
use crate::types::*;

/// An access token as stored.
#[derive(Clone, Debug)]
pub struct AccessToken {
    pub token_hash: Vec<u8>,
    /// The code it was given for: a replay of that code revokes it.
    pub code_hash: Vec<u8>,
    pub client_id: OidcClientId,
    pub account_id: AccountId,
    pub session_id: SessionId,
    pub scopes: Vec<OidcScope>,
    pub created_at: UnixMillis,
    pub expires_at: UnixMillis,
    pub revoked_at: Option<UnixMillis>,
}

/// A successful token response (RFC 6749 §5.1); `token_type` is always `Bearer`.
#[derive(Debug)]
pub struct Tokens {
    pub access_token: String,
    pub expires_in: i64,
    pub id_token: String,
    pub scope: String,
}

impl<S: Store + OidcStore> Services<S> {
    /// The tokens a redeemed code gives, and the access token's row.
    pub(crate) fn mint_tokens(&self, client: &OidcClient, code: &AuthCode, account: &Account, signer: &Signer, issuer: &str) -> Result<(Tokens, AccessToken)> {
        let now = self.now();
        let p = &self.policy.oidc;
        let access_token = random_token()?;
        let id = IdToken {
            issuer,
            client_id: &client.id.to_string(),
            code,
            now,
            expires_at: now.plus_secs(p.id_token_secs),
            access_token: &access_token,
            alg: signer.alg,
        };
        let id_token = signer.sign(&id_token_claims(&id, account, &self.policy))?;
        let row = AccessToken {
            token_hash: self.keys.hash_oidc(b"access", &access_token),
            code_hash: code.code_hash.clone(),
            client_id: client.id,
            account_id: account.id,
            session_id: code.session_id,
            scopes: code.scopes.clone(),
            created_at: now,
            expires_at: now.plus_secs(p.access_token_secs),
            revoked_at: None,
        };
        Ok((Tokens { access_token, expires_in: p.access_token_secs, id_token, scope: OidcScope::join(&code.scopes) }, row))
    }

    /// OpenID Connect Core §5.3: the claims an access token's scopes open.
    /// `Unauthenticated` for a token unknown, expired, revoked, or of a removed client
    /// or a closed or locked account.
    pub async fn userinfo(&self, access_token: &str) -> Result<Map<String, Value>> {
        if access_token.is_empty() || access_token.len() > 200 {
            return Err(Error::Unauthenticated);
        }
        let now = self.now();
        let token = self.store.oidc_token(&self.keys.hash_oidc(b"access", access_token)).await?.ok_or(Error::Unauthenticated)?;
        if token.revoked_at.is_some() || token.expires_at <= now {
            return Err(Error::Unauthenticated);
        }
        let account = self.store.account(token.account_id).await?.ok_or(Error::Unauthenticated)?;
        // F-OFF-5: an application's token answers nothing while support investigates.
        if account.locked_at(now).is_some() {
            return Err(Error::Unauthenticated);
        }
        Ok(user_claims(&account, &token.scopes, &self.policy))
    }
}
