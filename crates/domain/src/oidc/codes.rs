//! The authorization code flow (RFC 6749 §4.1 with PKCE, RFC 7636): what a request to
//! `/authorize` may ask, the request parked while the user signs in, the code issued
//! once they have, and its single redemption at `/token`.
//!
//! A code is redeemed by one guarded statement (`Write::ConsumeOidcCode`), so of any
//! number of exchanges of one code, however concurrent, exactly one succeeds; a code
//! presented again revokes the tokens it gave (RFC 6749 §4.1.2).

use data_encoding::BASE64URL_NOPAD;
use sha2::Digest;

use super::clients::{ClientKind, OidcClient, OidcScope};
use super::keys::Signer;
use super::{CODE_SECS, OidcStore, REQUEST_SECS};
use crate::crypto::{ct_eq, random_token};
use crate::error::{Error, Result};
use crate::ports::{Store, Write};
use crate::service::{Authed, Services, session_methods};
use crate::types::*;

/// The parameters of an authorization request as sent (query or form), each at most
/// once: a repeated one is remembered, and refused (RFC 6749 §3.1).
#[derive(Clone, Debug, Default)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub response_mode: Option<String>,
    pub prompt: Option<String>,
    pub max_age: Option<String>,
    pub acr_values: Option<String>,
    pub request: Option<String>,
    pub request_uri: Option<String>,
    /// The first parameter sent twice.
    pub repeated: Option<String>,
}

impl AuthorizeParams {
    pub fn from_pairs<K: AsRef<str>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> AuthorizeParams {
        let mut p = AuthorizeParams::default();
        for (k, v) in pairs {
            let k = k.as_ref();
            let slot = match k {
                "response_type" => &mut p.response_type,
                "client_id" => &mut p.client_id,
                "redirect_uri" => &mut p.redirect_uri,
                "scope" => &mut p.scope,
                "state" => &mut p.state,
                "nonce" => &mut p.nonce,
                "code_challenge" => &mut p.code_challenge,
                "code_challenge_method" => &mut p.code_challenge_method,
                "response_mode" => &mut p.response_mode,
                "prompt" => &mut p.prompt,
                "max_age" => &mut p.max_age,
                "acr_values" => &mut p.acr_values,
                "request" => &mut p.request,
                "request_uri" => &mut p.request_uri,
                // Unknown parameters are ignored (RFC 6749 §3.1).
                _ => continue,
            };
            if slot.is_some() {
                p.repeated.get_or_insert_with(|| k.to_string());
            }
            *slot = Some(v.into());
        }
        p
    }
}

/// The `error` values of an authorization response (RFC 6749 §4.1.2.1, OpenID
/// Connect Core §3.1.2.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthzErrorCode {
    InvalidRequest,
    UnsupportedResponseType,
    InvalidScope,
    LoginRequired,
    InteractionRequired,
    RequestNotSupported,
    RequestUriNotSupported,
    ServerError,
    TemporarilyUnavailable,
}

impl AuthzErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthzErrorCode::InvalidRequest => "invalid_request",
            AuthzErrorCode::UnsupportedResponseType => "unsupported_response_type",
            AuthzErrorCode::InvalidScope => "invalid_scope",
            AuthzErrorCode::LoginRequired => "login_required",
            AuthzErrorCode::InteractionRequired => "interaction_required",
            AuthzErrorCode::RequestNotSupported => "request_not_supported",
            AuthzErrorCode::RequestUriNotSupported => "request_uri_not_supported",
            AuthzErrorCode::ServerError => "server_error",
            AuthzErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }
}

/// An error the client hears of, at its redirect URI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthzError {
    pub code: AuthzErrorCode,
    pub description: &'static str,
}

fn authz(code: AuthzErrorCode, description: &'static str) -> AuthzError {
    AuthzError { code, description }
}

/// A checked authorization request: what the code will carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthRequest {
    pub client_id: OidcClientId,
    pub redirect_uri: String,
    pub scopes: Vec<OidcScope>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    /// S256 only.
    pub code_challenge: Option<String>,
    /// `prompt=none`: answer at once, never show a page.
    pub prompt_none: bool,
    /// `prompt=login`: the user signs in again, even with a session.
    pub prompt_login: bool,
    /// `max_age` in seconds: a sign-in older than this is made again.
    pub max_age: Option<i64>,
    /// `acr_values` asked for `aal2`: a second factor, even on a trusted browser.
    pub second_factor: bool,
    /// Set when a fresh sign-in was asked for (`prompt=login`, `max_age`): only a
    /// session begun at or after this time answers the request — which also ends the
    /// loop `max_age=0` would otherwise make.
    pub login_after: Option<UnixMillis>,
}

/// What an authorization request needs next from the browser that sent it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    /// A code goes back to the application.
    Code,
    /// ninsho's sign-in page, then back to the (parked) request.
    SignIn,
    /// ninsho's step-up page (`/account/confirm`): a second factor.
    SecondFactor,
    /// `prompt=none` and a page would be needed: this error goes back instead.
    Refuse(AuthzError),
}

/// OpenID Connect Core §3.1.2.1 for `request` and the browser's session, if any.
/// May set `login_after` (the request must then be parked again to keep it).
pub fn next_step(request: &mut AuthRequest, authed: Option<&Authed>, now: UnixMillis) -> NextStep {
    use AuthzErrorCode as E;
    let fresh = |a: &Authed, r: &AuthRequest| match r.login_after {
        Some(t) => a.session.created_at >= t,
        None => !r.prompt_login && r.max_age.is_none_or(|m| now.0 - a.session.created_at.0 <= m.saturating_mul(1000)),
    };
    let sign_in = |r: &mut AuthRequest| {
        if r.prompt_none {
            return NextStep::Refuse(authz(E::LoginRequired, "the user is not signed in, or not recently enough"));
        }
        r.login_after.get_or_insert(now);
        NextStep::SignIn
    };
    let Some(a) = authed else { return sign_in(request) };
    if !fresh(a, request) {
        return sign_in(request);
    }
    // Only an account with a second factor can give one; another's code states aal1,
    // truthfully, and the application decides.
    let (_, acr) = crate::service::strength(&session_methods(&a.session));
    if request.second_factor && acr != crate::service::Acr::Aal2 && a.account.twosv_enabled_at.is_some() {
        if request.prompt_none {
            return NextStep::Refuse(authz(E::InteractionRequired, "a second factor is needed"));
        }
        return NextStep::SecondFactor;
    }
    NextStep::Code
}

/// A request parked while the user signs in on ninsho's pages; the sign-in page
/// returns to it by a short link (`/authorize/continue?request=…`).
#[derive(Clone, Debug)]
pub struct OidcRequest {
    pub id: OidcRequestId,
    pub request: AuthRequest,
    pub created_at: UnixMillis,
    pub expires_at: UnixMillis,
    pub used_at: Option<UnixMillis>,
}

/// An authorization code as stored: its keyed hash, and what it grants.
#[derive(Clone, Debug)]
pub struct AuthCode {
    pub code_hash: Vec<u8>,
    pub client_id: OidcClientId,
    pub account_id: AccountId,
    pub session_id: SessionId,
    pub redirect_uri: String,
    pub scopes: Vec<OidcScope>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    /// When the session signed in (`auth_time`).
    pub auth_time: UnixMillis,
    /// What had authenticated the session when the code was issued (`amr`, `acr`).
    pub methods: Vec<AuthMethod>,
    pub created_at: UnixMillis,
    pub expires_at: UnixMillis,
    pub consumed_at: Option<UnixMillis>,
}

/// PKCE values: 43 to 128 unreserved characters (RFC 7636 §4.1, §4.2).
fn pkce_shaped(s: &str) -> bool {
    (43..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// RFC 7636 §4.6 with S256.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let derived = BASE64URL_NOPAD.encode(&sha2::Sha256::digest(verifier.as_bytes()));
    ct_eq(derived.as_bytes(), challenge.as_bytes())
}

/// The registered redirect URI with the response's parameters added to its query
/// (RFC 6749 §4.1.2: a query it already has is kept).
/// `None` only for a URI that does not parse, which registration refuses.
pub fn response_url(redirect_uri: &str, params: &[(&str, &str)]) -> Option<String> {
    let mut url = url::Url::parse(redirect_uri).ok()?;
    url.query_pairs_mut().extend_pairs(params);
    Some(url.to_string())
}

/// The checks of an authorization request whose client and redirect URI are known
/// good; every failure goes back to the client.
pub fn check_authorization(client: &OidcClient, redirect_uri: &str, p: &AuthorizeParams) -> std::result::Result<AuthRequest, AuthzError> {
    use AuthzErrorCode as E;
    if p.repeated.is_some() {
        return Err(authz(E::InvalidRequest, "a parameter was sent more than once"));
    }
    if p.request.is_some() {
        return Err(authz(E::RequestNotSupported, "request objects are not supported"));
    }
    if p.request_uri.is_some() {
        return Err(authz(E::RequestUriNotSupported, "request_uri is not supported"));
    }
    match p.response_type.as_deref() {
        Some("code") => {}
        None => return Err(authz(E::InvalidRequest, "response_type is missing")),
        Some(_) => return Err(authz(E::UnsupportedResponseType, "only response_type=code is supported")),
    }
    if p.response_mode.as_deref().is_some_and(|m| m != "query") {
        return Err(authz(E::InvalidRequest, "only response_mode=query is supported"));
    }
    let scopes = OidcScope::split(p.scope.as_deref().unwrap_or("")).map_err(|_| authz(E::InvalidScope, "a requested scope is unknown"))?;
    if !scopes.contains(&OidcScope::Openid) {
        return Err(authz(E::InvalidScope, "the openid scope is required"));
    }
    if scopes.iter().any(|s| !client.scopes.contains(s)) {
        return Err(authz(E::InvalidScope, "a requested scope is not allowed for this client"));
    }
    if p.state.as_ref().is_some_and(|s| s.len() > 1024) || p.nonce.as_ref().is_some_and(|s| s.len() > 512) {
        return Err(authz(E::InvalidRequest, "state or nonce is too long"));
    }
    let prompts: Vec<&str> = p.prompt.as_deref().unwrap_or("").split(' ').filter(|w| !w.is_empty()).collect();
    let (prompt_none, prompt_login) = (prompts.contains(&"none"), prompts.contains(&"login"));
    // OpenID Connect Core §3.1.2.1: none with any other value is an error.
    if prompt_none && prompts.len() > 1 {
        return Err(authz(E::InvalidRequest, "prompt=none cannot be combined with other values"));
    }
    let max_age = match p.max_age.as_deref() {
        None => None,
        Some(v) => Some(v.parse::<i64>().ok().filter(|m| (0..=i64::from(u32::MAX)).contains(m)).ok_or(authz(E::InvalidRequest, "max_age must be a number of seconds"))?),
    };
    let code_challenge = match (p.code_challenge.as_deref(), p.code_challenge_method.as_deref()) {
        (None, Some(_)) => return Err(authz(E::InvalidRequest, "code_challenge_method without code_challenge")),
        (None, None) if client.kind == ClientKind::Public => return Err(authz(E::InvalidRequest, "a public client must use PKCE (S256)")),
        (None, None) => None,
        // RFC 7636's default method is plain, which proves nothing against a stolen code.
        (Some(_), None | Some("plain")) => return Err(authz(E::InvalidRequest, "code_challenge_method must be S256")),
        (Some(_), Some(m)) if m != "S256" => return Err(authz(E::InvalidRequest, "code_challenge_method must be S256")),
        (Some(c), Some(_)) if !pkce_shaped(c) => return Err(authz(E::InvalidRequest, "code_challenge is malformed")),
        (Some(c), Some(_)) => Some(c.to_string()),
    };
    Ok(AuthRequest {
        client_id: client.id,
        redirect_uri: redirect_uri.to_string(),
        scopes,
        state: p.state.clone(),
        nonce: p.nonce.clone(),
        code_challenge,
        prompt_none,
        prompt_login,
        max_age,
        // ninsho's levels are aal1 and aal2 (discovery's acr_values_supported).
        second_factor: p.acr_values.as_deref().is_some_and(|v| v.split(' ').any(|w| w == "aal2")),
        login_after: None,
    })
}

/// The token endpoint's error codes (RFC 6749 §5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnsupportedGrantType,
    InvalidScope,
}

impl TokenErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenErrorCode::InvalidRequest => "invalid_request",
            TokenErrorCode::InvalidClient => "invalid_client",
            TokenErrorCode::InvalidGrant => "invalid_grant",
            TokenErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            TokenErrorCode::InvalidScope => "invalid_scope",
        }
    }
}

/// A refused token request, or a fault of the server's own.
#[derive(Debug)]
pub enum TokenError {
    Refused { code: TokenErrorCode, description: &'static str },
    Server(Error),
}

impl From<Error> for TokenError {
    fn from(e: Error) -> Self {
        TokenError::Server(e)
    }
}

pub fn refused(code: TokenErrorCode, description: &'static str) -> TokenError {
    TokenError::Refused { code, description }
}

/// A token request's grant, as sent; the client is already authenticated.
#[derive(Clone, Copy, Debug, Default)]
pub struct CodeGrant<'a> {
    pub code: Option<&'a str>,
    pub redirect_uri: Option<&'a str>,
    pub code_verifier: Option<&'a str>,
}

impl<S: Store + OidcStore> Services<S> {
    /// The client and redirect URI of an authorization request, which must be right
    /// before anything goes back to the client: otherwise the user sees an error page
    /// and is sent nowhere (RFC 6749 §4.1.2.1).
    pub async fn authorization_target(&self, p: &AuthorizeParams) -> Result<(OidcClient, String)> {
        let unknown = || Error::invalid("oidc.client_unknown", "client_id", "this application is not registered with this server");
        let client_id = p.client_id.as_deref().ok_or_else(unknown)?;
        let client = self.live_oidc_client(client_id).await?.ok_or_else(unknown)?;
        let uri = p.redirect_uri.as_deref().ok_or_else(|| Error::invalid("oidc.redirect_uri_unregistered", "redirect_uri", "the request names no redirect URI"))?;
        if !client.redirect_uris.iter().any(|r| r == uri) {
            return Err(Error::invalid("oidc.redirect_uri_unregistered", "redirect_uri", "this redirect URI is not registered for the application"));
        }
        Ok((client, uri.to_string()))
    }

    /// Keeps a request while the user signs in; returns the id its resume link names.
    pub async fn park_authorization(&self, request: AuthRequest) -> Result<OidcRequestId> {
        let now = self.now();
        let parked = OidcRequest { id: OidcRequestId::new(), request, created_at: now, expires_at: now.plus_secs(REQUEST_SECS), used_at: None };
        let id = parked.id;
        self.commit(vec![Write::InsertOidcRequest(parked)]).await?;
        Ok(id)
    }

    /// A parked request, while it is unused and fresh, and its client still registered.
    pub async fn parked_authorization(&self, id: OidcRequestId) -> Result<AuthRequest> {
        let expired = || Error::invalid("oidc.request_expired", "request", "this sign-in request has expired; start again from the application");
        let parked = self.store.oidc_request(id).await?.filter(|r| r.used_at.is_none() && r.expires_at > self.now()).ok_or_else(expired)?;
        self.live_oidc_client(&parked.request.client_id.to_string()).await?.ok_or_else(expired)?;
        Ok(parked.request)
    }

    /// A code for the signed-in user, valid `CODE_SECS`; a parked request is used up by
    /// the same commit, so its link gives one code.
    pub async fn issue_code(&self, authed: &Authed, request: &AuthRequest, parked: Option<OidcRequestId>) -> Result<String> {
        let now = self.now();
        let code = random_token()?;
        let grant = AuthCode {
            code_hash: self.keys.hash_oidc(b"code", &code),
            client_id: request.client_id,
            account_id: authed.account.id,
            session_id: authed.session.id,
            redirect_uri: request.redirect_uri.clone(),
            scopes: request.scopes.clone(),
            nonce: request.nonce.clone(),
            code_challenge: request.code_challenge.clone(),
            auth_time: authed.session.created_at,
            methods: session_methods(&authed.session),
            created_at: now,
            expires_at: now.plus_secs(CODE_SECS),
            consumed_at: None,
        };
        let mut writes = Vec::new();
        if let Some(id) = parked {
            writes.push(Write::UseOidcRequest { id, now });
        }
        writes.push(Write::InsertOidcCode(grant));
        match self.commit_guarded(writes).await? {
            Ok(()) => Ok(code),
            Err(_) => Err(Error::invalid("oidc.request_expired", "request", "this sign-in request was already used; start again from the application")),
        }
    }

    /// RFC 6749 §4.1.3 for an authenticated client: the code is checked, then redeemed
    /// by one guarded statement with the tokens it gives. A code already redeemed is
    /// refused and revokes what it gave.
    pub async fn exchange_code(&self, client: &OidcClient, grant: CodeGrant<'_>, signer: &Signer, issuer: &str) -> std::result::Result<super::tokens::Tokens, TokenError> {
        use TokenErrorCode as E;
        let code = grant.code.filter(|c| !c.is_empty()).ok_or(refused(E::InvalidRequest, "code is missing"))?;
        let redirect_uri = grant.redirect_uri.ok_or(refused(E::InvalidRequest, "redirect_uri is missing"))?;
        let invalid = || refused(E::InvalidGrant, "the code is unknown, expired, used, or not this client's");
        if code.len() > 200 {
            return Err(invalid());
        }
        let hash = self.keys.hash_oidc(b"code", code);
        let (found, session_until) = self.store.oidc_code(&hash).await?.filter(|(c, _)| c.client_id == client.id).ok_or_else(invalid)?;
        let now = self.now();
        if found.consumed_at.is_some() {
            self.revoke_replayed(&found).await?;
            return Err(invalid());
        }
        if found.expires_at <= now {
            return Err(invalid());
        }
        if found.redirect_uri != redirect_uri {
            return Err(refused(E::InvalidGrant, "redirect_uri is not the one of the authorization request"));
        }
        match (&found.code_challenge, grant.code_verifier) {
            (Some(_), None) => return Err(refused(E::InvalidRequest, "code_verifier is missing")),
            (Some(challenge), Some(v)) if !(pkce_shaped(v) && pkce_matches(v, challenge)) => {
                return Err(refused(E::InvalidGrant, "code_verifier does not match the code_challenge"));
            }
            // A verifier for a code issued without a challenge: a downgrade (RFC 9700 §2.1.1).
            (None, Some(_)) => return Err(refused(E::InvalidGrant, "this code was issued without a code_challenge")),
            _ => {}
        }
        // Signed out (or ended everywhere) between the code and its exchange: the
        // sign-in it stands for is over.
        if session_until.is_none_or(|t| t <= now) {
            return Err(refused(E::InvalidGrant, "the sign-in this code was issued for has ended"));
        }
        let Some(account) = self.store.account(found.account_id).await? else { return Err(invalid()) };
        // F-OFF-5: a lock ends the sign-ins it finds, those of applications too.
        if account.locked_at(now).is_some() {
            return Err(refused(E::InvalidGrant, "the account is locked while support investigates it"));
        }
        let (tokens, rows) = self.mint_tokens(client, &found, &account, signer, issuer)?;
        let event = self.event(Some(account.id), EventKind::OidcCodeExchanged, &ClientInfo::default(), format!("oidc_client {}", client.id));
        let mut writes = vec![Write::ConsumeOidcCode { code_hash: hash, now }, Write::InsertOidcToken(rows.access)];
        writes.extend(rows.refresh.map(Write::InsertOidcRefresh));
        writes.push(event);
        match self.commit_guarded(writes).await? {
            Ok(()) => Ok(tokens),
            // Redeemed meanwhile (or expired this very moment): a second use all the same.
            Err(_) if found.expires_at > now => {
                self.revoke_replayed(&found).await?;
                Err(invalid())
            }
            Err(_) => Err(invalid()),
        }
    }

    async fn revoke_replayed(&self, code: &AuthCode) -> Result<()> {
        let event = self.event(Some(code.account_id), EventKind::OidcCodeReplayed, &ClientInfo::default(), format!("oidc_client {}", code.client_id));
        tracing::warn!(client = %code.client_id, "an authorization code was presented again: its tokens are revoked");
        self.commit(vec![Write::RevokeOidcGrant { code_hash: code.code_hash.clone(), now: self.now() }, event]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(kind: ClientKind) -> OidcClient {
        OidcClient {
            id: OidcClientId::new(),
            name: "app".into(),
            kind,
            secret_hash: None,
            redirect_uris: vec!["https://app.example/cb".into()],
            post_logout_uris: vec![],
            scopes: vec![OidcScope::Openid, OidcScope::Email],
            created_at: UnixMillis(0),
            removed_at: None,
        }
    }

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn params(extra: &[(&str, &str)]) -> AuthorizeParams {
        let mut v = vec![("response_type", "code"), ("client_id", "x"), ("redirect_uri", "https://app.example/cb"), ("scope", "openid email"), ("state", "s")];
        for (k, val) in extra {
            v.retain(|(kk, _)| kk != k);
            v.push((k, val));
        }
        AuthorizeParams::from_pairs(v.into_iter().filter(|(_, v)| !v.is_empty()))
    }

    fn code_of(kind: ClientKind, extra: &[(&str, &str)]) -> std::result::Result<AuthRequest, AuthzErrorCode> {
        check_authorization(&client(kind), "https://app.example/cb", &params(extra)).map_err(|e| e.code)
    }

    #[test]
    fn f_int_5_pkce_s256_required_of_public_clients_and_plain_refused() {
        use AuthzErrorCode as E;
        let s256 = [("code_challenge", CHALLENGE), ("code_challenge_method", "S256")];
        assert_eq!(code_of(ClientKind::Public, &s256).unwrap().code_challenge.as_deref(), Some(CHALLENGE));
        assert_eq!(code_of(ClientKind::Public, &[]), Err(E::InvalidRequest));
        assert!(code_of(ClientKind::Confidential, &[]).unwrap().code_challenge.is_none(), "optional for a confidential client");
        assert!(code_of(ClientKind::Confidential, &s256).is_ok());
        for bad in [
            vec![("code_challenge", CHALLENGE), ("code_challenge_method", "plain")],
            vec![("code_challenge", CHALLENGE)],
            vec![("code_challenge", "short"), ("code_challenge_method", "S256")],
            vec![("code_challenge_method", "S256")],
        ] {
            assert_eq!(code_of(ClientKind::Confidential, &bad), Err(E::InvalidRequest), "{bad:?}");
        }
        // RFC 7636 appendix B.
        assert!(pkce_matches("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", CHALLENGE));
        assert!(!pkce_matches("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj", CHALLENGE));
    }

    #[test]
    fn f_int_5_authorization_errors_name_the_spec_code() {
        use AuthzErrorCode as E;
        assert_eq!(code_of(ClientKind::Confidential, &[("response_type", "token")]), Err(E::UnsupportedResponseType));
        assert_eq!(code_of(ClientKind::Confidential, &[("response_type", "")]), Err(E::InvalidRequest));
        assert_eq!(code_of(ClientKind::Confidential, &[("scope", "email")]), Err(E::InvalidScope));
        assert_eq!(code_of(ClientKind::Confidential, &[("scope", "openid profile")]), Err(E::InvalidScope), "not allowed for this client");
        assert_eq!(code_of(ClientKind::Confidential, &[("scope", "openid phone")]), Err(E::InvalidScope));
        assert_eq!(code_of(ClientKind::Confidential, &[("request", "eyJ")]), Err(E::RequestNotSupported));
        assert_eq!(code_of(ClientKind::Confidential, &[("response_mode", "fragment")]), Err(E::InvalidRequest));
        let twice = AuthorizeParams::from_pairs([("response_type", "code"), ("scope", "openid"), ("scope", "openid email")]);
        assert_eq!(twice.repeated.as_deref(), Some("scope"));
        assert_eq!(check_authorization(&client(ClientKind::Confidential), "https://app.example/cb", &twice).unwrap_err().code, E::InvalidRequest);
        let ok = code_of(ClientKind::Confidential, &[("prompt", "none"), ("nonce", "n")]).unwrap();
        assert!(ok.prompt_none && ok.nonce.as_deref() == Some("n") && ok.state.as_deref() == Some("s"));
    }

    #[test]
    fn f_int_5_prompt_max_age_and_acr_values_are_read_strictly() {
        use AuthzErrorCode as E;
        let r = code_of(ClientKind::Confidential, &[("prompt", "login consent"), ("max_age", "300"), ("acr_values", "aal1 aal2")]).unwrap();
        assert!(r.prompt_login && !r.prompt_none && r.second_factor && r.max_age == Some(300) && r.login_after.is_none());
        let r = code_of(ClientKind::Confidential, &[("acr_values", "aal1")]).unwrap();
        assert!(!r.second_factor && !r.prompt_login && r.max_age.is_none());
        for bad in [vec![("prompt", "none login")], vec![("max_age", "-5")], vec![("max_age", "1e3")], vec![("max_age", "99999999999")]] {
            assert_eq!(code_of(ClientKind::Confidential, &bad), Err(E::InvalidRequest), "{bad:?}");
        }
    }
}
