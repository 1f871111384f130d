//! Tokens given to an application for its user: an opaque access token (kept only as
//! a keyed hash, so it can be revoked — all of a code's at once on a replay) and a
//! signed ID token; with `offline_access`, a refresh token (also a keyed hash), which
//! each use replaces. Every token of one grant carries its code's hash: a code or a
//! refresh token presented twice revokes them all (RFC 9700 §4.14.2).

use serde_json::{Map, Value};

use super::claims::{IdToken, id_token_claims, user_claims};
use super::clients::{OidcClient, OidcScope};
use super::codes::AuthCode;
use super::keys::Signer;
use super::codes::{TokenError, TokenErrorCode, refused};
use super::{OidcStore, REFRESH_SECS};
use crate::crypto::random_token;
use crate::error::{Error, Result};
use crate::ports::{Account, Store, Write};
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

/// A refresh token as stored: the grant it continues, and what signed the user in
/// (a refreshed ID token states the same `auth_time`, `amr` and `acr`).
#[derive(Clone, Debug)]
pub struct RefreshToken {
    pub token_hash: Vec<u8>,
    /// The grant's code: the family every rotation stays in.
    pub code_hash: Vec<u8>,
    pub client_id: OidcClientId,
    pub account_id: AccountId,
    pub session_id: SessionId,
    pub scopes: Vec<OidcScope>,
    pub auth_time: UnixMillis,
    pub methods: Vec<AuthMethod>,
    pub created_at: UnixMillis,
    pub expires_at: UnixMillis,
    /// Set by the one rotation that replaced it.
    pub used_at: Option<UnixMillis>,
    pub revoked_at: Option<UnixMillis>,
}

impl RefreshToken {
    /// The grant as a code would state it, for the refreshed ID token: no `nonce`
    /// (OpenID Connect Core §12.2) and nothing left to prove.
    fn as_grant(&self) -> AuthCode {
        AuthCode {
            code_hash: self.code_hash.clone(),
            client_id: self.client_id,
            account_id: self.account_id,
            session_id: self.session_id,
            redirect_uri: String::new(),
            scopes: self.scopes.clone(),
            nonce: None,
            code_challenge: None,
            auth_time: self.auth_time,
            methods: self.methods.clone(),
            created_at: self.created_at,
            expires_at: self.expires_at,
            consumed_at: None,
        }
    }
}

/// A successful token response (RFC 6749 §5.1); `token_type` is always `Bearer`.
#[derive(Debug)]
pub struct Tokens {
    pub access_token: String,
    pub expires_in: i64,
    pub id_token: String,
    pub scope: String,
    /// Only for a grant with `offline_access`.
    pub refresh_token: Option<String>,
}

/// The rows a token response writes.
pub(crate) struct TokenRows {
    pub access: AccessToken,
    pub refresh: Option<RefreshToken>,
}

impl<S: Store + OidcStore> Services<S> {
    /// The tokens a redeemed code (or a rotated refresh token) gives, and their rows.
    pub(crate) fn mint_tokens(&self, client: &OidcClient, code: &AuthCode, account: &Account, signer: &Signer, issuer: &str) -> Result<(Tokens, TokenRows)> {
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
        let (refresh_token, refresh) = if code.scopes.contains(&OidcScope::OfflineAccess) {
            let token = random_token()?;
            let refresh = RefreshToken {
                token_hash: self.keys.hash_oidc(b"refresh", &token),
                code_hash: code.code_hash.clone(),
                client_id: client.id,
                account_id: account.id,
                session_id: code.session_id,
                scopes: code.scopes.clone(),
                auth_time: code.auth_time,
                methods: code.methods.clone(),
                created_at: now,
                expires_at: now.plus_secs(REFRESH_SECS),
                used_at: None,
                revoked_at: None,
            };
            (Some(token), Some(refresh))
        } else {
            (None, None)
        };
        let tokens = Tokens { access_token, expires_in: p.access_token_secs, id_token, scope: OidcScope::join(&code.scopes), refresh_token };
        Ok((tokens, TokenRows { access: row, refresh }))
    }

    /// RFC 6749 §6 for an authenticated client: the refresh token is replaced by a new
    /// one in the same guarded commit that marks it used, so of any number of
    /// refreshes with one token exactly one succeeds. A token used before (or racing
    /// the one that won) is a theft or a replay: the whole grant is revoked.
    /// Refused, without revoking: a token of another client, expired, revoked (signed
    /// out everywhere, credentials changed, a lock, a replay before — each of those
    /// writes revokes the account's grants with it), or a locked account's.
    pub async fn refresh_tokens(&self, client: &OidcClient, refresh_token: Option<&str>, scope: Option<&str>, signer: &Signer, issuer: &str) -> std::result::Result<Tokens, TokenError> {
        use TokenErrorCode as E;
        let token = refresh_token.filter(|t| !t.is_empty()).ok_or(refused(E::InvalidRequest, "refresh_token is missing"))?;
        let invalid = || refused(E::InvalidGrant, "the refresh token is unknown, expired, revoked, or not this client's");
        if token.len() > 200 {
            return Err(invalid());
        }
        let hash = self.keys.hash_oidc(b"refresh", token);
        let found = self.store.oidc_refresh(&hash).await?.ok_or_else(invalid)?;
        // Another client's token: refused, and its owner's grant left alone — this
        // client may only be guessing (RFC 6749 §10.4).
        if found.client_id != client.id {
            return Err(invalid());
        }
        let now = self.now();
        if found.revoked_at.is_some() || found.expires_at <= now {
            return Err(invalid());
        }
        if found.used_at.is_some() {
            self.revoke_refresh_family(&found).await?;
            return Err(invalid());
        }
        // RFC 6749 §6: a narrower scope may be asked; never a wider one.
        let scopes = match scope {
            None => found.scopes.clone(),
            Some(s) => {
                let asked = OidcScope::split(s).map_err(|_| refused(E::InvalidScope, "a requested scope is unknown"))?;
                if asked.iter().any(|s| !found.scopes.contains(s)) || !asked.contains(&OidcScope::Openid) {
                    return Err(refused(E::InvalidScope, "the scope must be openid and within the one granted"));
                }
                asked
            }
        };
        let Some(account) = self.store.account(found.account_id).await? else { return Err(invalid()) };
        // F-OFF-5: a lock revokes the grant's tokens as it ends sessions; checked here
        // as well, since a lock is a row of its own.
        if account.locked_at(now).is_some() {
            return Err(refused(E::InvalidGrant, "the account is locked while support investigates it"));
        }
        let mut grant = found.as_grant();
        grant.scopes = scopes;
        // A narrower refresh keeps offline access only if it still asks for it.
        let (tokens, rows) = self.mint_tokens(client, &grant, &account, signer, issuer)?;
        let event = self.event(Some(account.id), EventKind::OidcTokenRefreshed, &ClientInfo::default(), format!("oidc_client {}", client.id));
        let mut writes = vec![Write::UseOidcRefresh { token_hash: hash, now }, Write::InsertOidcToken(rows.access)];
        writes.extend(rows.refresh.map(Write::InsertOidcRefresh));
        writes.push(event);
        match self.commit_guarded(writes).await? {
            Ok(()) => Ok(tokens),
            // Used meanwhile by another request: a second use all the same.
            Err(_) => {
                self.revoke_refresh_family(&found).await?;
                Err(invalid())
            }
        }
    }

    async fn revoke_refresh_family(&self, token: &RefreshToken) -> Result<()> {
        let event = self.event(Some(token.account_id), EventKind::OidcRefreshReplayed, &ClientInfo::default(), format!("oidc_client {}", token.client_id));
        tracing::warn!(client = %token.client_id, "a refresh token was used again: every token of its grant is revoked");
        self.commit(vec![Write::RevokeOidcGrant { code_hash: token.code_hash.clone(), now: self.now() }, event]).await
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

    /// One of this client's tokens, access or refresh, by its value. Another client's
    /// token is as unknown as a made-up one (RFC 7009 §2.1, RFC 7662 §2.2).
    async fn client_token(&self, client: &OidcClient, token: &str) -> Result<Option<AppToken>> {
        if token.is_empty() || token.len() > 200 {
            return Ok(None);
        }
        if let Some(t) = self.store.oidc_token(&self.keys.hash_oidc(b"access", token)).await?.filter(|t| t.client_id == client.id) {
            return Ok(Some(AppToken::Access(t)));
        }
        Ok(self.store.oidc_refresh(&self.keys.hash_oidc(b"refresh", token)).await?.filter(|t| t.client_id == client.id).map(AppToken::Refresh))
    }

    /// RFC 7662 for an authenticated client: what one of its tokens stands for, while
    /// it is active (unexpired, unrevoked, unused for a refresh token, its account
    /// not locked); `None` answers `{"active": false}`.
    pub async fn introspect_app_token(&self, client: &OidcClient, token: &str) -> Result<Option<Map<String, Value>>> {
        let now = self.now();
        let (account_id, scopes, created_at, expires_at, kind) = match self.client_token(client, token).await? {
            Some(AppToken::Access(t)) if t.revoked_at.is_none() && t.expires_at > now => (t.account_id, t.scopes, t.created_at, t.expires_at, "Bearer"),
            Some(AppToken::Refresh(t)) if t.revoked_at.is_none() && t.used_at.is_none() && t.expires_at > now => (t.account_id, t.scopes, t.created_at, t.expires_at, "refresh_token"),
            _ => return Ok(None),
        };
        let Some(account) = self.store.account(account_id).await? else { return Ok(None) };
        if account.locked_at(now).is_some() {
            return Ok(None);
        }
        let mut m = Map::new();
        m.insert("active".into(), Value::Bool(true));
        m.insert("scope".into(), Value::from(OidcScope::join(&scopes)));
        m.insert("client_id".into(), Value::from(client.id.to_string()));
        m.insert("sub".into(), Value::from(account.id.to_string()));
        m.insert("token_type".into(), Value::from(kind));
        m.insert("iat".into(), Value::from(created_at.0.div_euclid(1000)));
        m.insert("exp".into(), Value::from(expires_at.0.div_euclid(1000)));
        Ok(Some(m))
    }

    /// RFC 7009 for an authenticated client: one of its tokens, access or refresh,
    /// revokes its whole grant (§2.1 allows it for an access token, asks it for a
    /// refresh token). An unknown token changes nothing and is not an error.
    pub async fn revoke_app_token(&self, client: &OidcClient, token: &str) -> Result<()> {
        let (code_hash, account_id) = match self.client_token(client, token).await? {
            Some(AppToken::Access(t)) => (t.code_hash, t.account_id),
            Some(AppToken::Refresh(t)) => (t.code_hash, t.account_id),
            None => return Ok(()),
        };
        let event = self.event(Some(account_id), EventKind::OidcTokenRevoked, &ClientInfo::default(), format!("oidc_client {}", client.id));
        self.commit(vec![Write::RevokeOidcGrant { code_hash, now: self.now() }, event]).await
    }
}

/// A token an application holds.
enum AppToken {
    Access(AccessToken),
    Refresh(RefreshToken),
}

/// Rows one purge statement deletes at most.
const PURGE_BATCH: i64 = 1000;

impl<S: Store + OidcStore> Services<S> {
    /// Housekeeping: deletes the provider's expired requests, codes and tokens (see
    /// `OidcStore::purge_expired_oidc` for what waits longer, and why). Returns how
    /// many rows went.
    pub async fn purge_expired_oidc(&self) -> Result<u64> {
        self.store.purge_expired_oidc(self.now(), PURGE_BATCH).await
    }
}
