//! F-INT-1 and F-INT-2: the shop's services as clients of ninsho, and the session
//! check they make on every request.

use secrecy::SecretString;

use super::Services;
use crate::crypto::random_token;
use crate::error::{Error, Result};
use crate::ports::{Account, ServiceClient, Session, Store, Write};
use crate::types::*;
use crate::zone::TimeZoneName;

/// Client secrets carry a prefix: a secret pasted into the wrong place (a shopper's
/// bearer token, a log) is recognisable, and secret scanners can find it.
pub const CLIENT_SECRET_PREFIX: &str = "nsc_";

/// The answer to "is this session real, and how strong is it?" (RFC 7662's shape).
#[derive(Clone, Debug)]
pub struct Introspection {
    pub account: AccountId,
    pub session: SessionId,
    pub issued_at: UnixMillis,
    pub expires_at: UnixMillis,
    /// When the shopper signed in (the session began with it).
    pub auth_time: UnixMillis,
    /// RFC 8176 values (`pwd`, `otp`, `sms`, `tel`, `mfa`); ninsho's own name where the
    /// RFC has none (`email`, `backup_code`).
    pub amr: Vec<&'static str>,
    pub acr: Acr,
    pub step_up: Option<(UnixMillis, AuthMethod)>,
    pub twosv_enabled: bool,
    pub locale: Locale,
    pub zone: TimeZoneName,
    /// With `max_age`: whether the last strong authentication is older than that.
    pub step_up_required: Option<bool>,
}

/// A client that passed every check of `authenticate_client`, with the session its
/// introspection asked about as the same statement read it. What was read stays
/// private: only `Services::introspection` opens it, after the client's scope.
pub struct IntrospectionCall {
    pub client: ServiceClient,
    found: Option<(Session, Account)>,
}

/// How much the session proves, after NIST SP 800-63B's assurance levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acr {
    /// One factor: the password (or a trusted browser standing in for the second).
    Aal1,
    /// A second factor was passed in this session, at sign-in or in a step-up.
    Aal2,
}

impl Acr {
    pub fn as_str(self) -> &'static str {
        match self {
            Acr::Aal1 => "aal1",
            Acr::Aal2 => "aal2",
        }
    }
}

/// The `amr` value of a method; none for a trusted browser, which proves nothing new.
pub fn amr_value(m: AuthMethod) -> Option<&'static str> {
    match m {
        AuthMethod::Password => Some("pwd"),
        AuthMethod::Totp => Some("otp"),
        AuthMethod::Sms => Some("sms"),
        AuthMethod::Voice => Some("tel"),
        AuthMethod::EmailCode => Some("email"),
        AuthMethod::BackupCode => Some("backup_code"),
        AuthMethod::TrustedBrowser => None,
    }
}

/// Everything that authenticated a session: what signed it in, then what last stepped
/// it up.
pub fn session_methods(session: &Session) -> Vec<AuthMethod> {
    session.auth_methods.iter().copied().chain(session.stepped_up_at.and(session.step_up_method)).collect()
}

/// What these methods prove together: RFC 8176 `amr` values (each once, `mfa` when a
/// second factor joined the password) and the assurance level. Introspection (F-INT-2)
/// and ID tokens (F-INT-5) say the same thing about one session.
pub fn strength(methods: &[AuthMethod]) -> (Vec<&'static str>, Acr) {
    let second = methods.iter().any(|m| m.is_second_factor());
    let mut amr: Vec<&'static str> = Vec::new();
    for v in methods.iter().filter_map(|m| amr_value(*m)) {
        if !amr.contains(&v) {
            amr.push(v);
        }
    }
    if second && methods.contains(&AuthMethod::Password) {
        amr.push("mfa");
    }
    (amr, if second { Acr::Aal2 } else { Acr::Aal1 })
}

pub(crate) fn check_name(name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok { Ok(()) } else { Err(Error::invalid("client.name_invalid", "name", "a client name is 1 to 64 letters, digits, '-', '_' or '.'")) }
}

impl<S: Store> Services<S> {
    /// Registers a client; its secret is returned this once and stored only hashed.
    pub async fn add_service_client(&self, name: &str, scopes: &[Scope], rate_per_minute: i64) -> Result<(ServiceClient, SecretString)> {
        check_name(name)?;
        if scopes.is_empty() {
            return Err(Error::invalid("client.scopes_missing", "scope", "name at least one scope"));
        }
        if !(1..=6_000_000).contains(&rate_per_minute) {
            return Err(Error::invalid("client.rate_invalid", "rate", "the rate is 1 to 6,000,000 requests a minute"));
        }
        let mut scopes = scopes.to_vec();
        scopes.dedup();
        let secret = format!("{CLIENT_SECRET_PREFIX}{}", random_token()?);
        let client = ServiceClient {
            id: ServiceClientId::new(),
            name: name.to_string(),
            scopes,
            secret_hash: self.keys.hash_client_secret(&secret),
            previous_secret_hash: None,
            previous_valid_until: None,
            rate_per_minute,
            created_at: self.now(),
            revoked_at: None,
            origins: vec![],
        };
        let event = self.event(None, EventKind::ServiceClientAdded, &ClientInfo::default(), format!("client {}", client.id));
        match self.commit(vec![Write::InsertServiceClient(client.clone()), event]).await {
            Err(Error::Conflict { .. }) => Err(Error::conflict("client.name_taken", format!("a client named {name} exists"))),
            other => other.map(|_| (client, SecretString::from(secret))),
        }
    }

    pub async fn service_clients(&self) -> Result<Vec<ServiceClient>> {
        self.store.service_clients().await
    }

    /// The client by its id or its name.
    async fn service_client_named(&self, which: &str) -> Result<ServiceClient> {
        let all = self.store.service_clients().await?;
        all.into_iter().find(|c| c.name == which || c.id.to_string() == which).ok_or(Error::NotFound)
    }

    /// A new secret; the old one keeps working for `grace_secs`, so the service can
    /// switch without an outage.
    pub async fn rotate_service_client(&self, which: &str, grace_secs: i64) -> Result<(ServiceClient, SecretString)> {
        if !(0..=30 * 86_400).contains(&grace_secs) {
            return Err(Error::invalid("client.grace_invalid", "grace", "the grace period is 0 to 30 days, in seconds"));
        }
        let client = self.service_client_named(which).await?;
        let secret = format!("{CLIENT_SECRET_PREFIX}{}", random_token()?);
        let until = UnixMillis(self.now().0 + grace_secs * 1000);
        let event = self.event(None, EventKind::ServiceClientRotated, &ClientInfo::default(), format!("client {}", client.id));
        self.commit(vec![Write::RotateServiceClient { id: client.id, secret_hash: self.keys.hash_client_secret(&secret), previous_valid_until: until }, event])
            .await
            .map_err(|e| if matches!(e, Error::Conflict { .. }) { Error::conflict("client.revoked", "this client is revoked") } else { e })?;
        Ok((client, SecretString::from(secret)))
    }

    /// Every secret of the client stops working at once.
    pub async fn revoke_service_client(&self, which: &str) -> Result<ServiceClient> {
        let client = self.service_client_named(which).await?;
        let event = self.event(None, EventKind::ServiceClientRevoked, &ClientInfo::default(), format!("client {}", client.id));
        self.commit(vec![Write::RevokeServiceClient { id: client.id, now: self.now() }, event])
            .await
            .map_err(|e| if matches!(e, Error::Conflict { .. }) { Error::conflict("client.revoked", "this client is already revoked") } else { e })?;
        Ok(client)
    }

    /// The client a secret belongs to (`Unauthenticated` for an unknown, revoked or
    /// expired one). With HTTP Basic, the id given must be the secret's client.
    pub async fn authenticate_client(&self, client_id: Option<&str>, secret: &str) -> Result<ServiceClient> {
        let hash = self.client_secret_hash(secret)?;
        let found = self.store.service_client_by_secret(&hash).await?;
        self.valid_client(found, &hash, client_id)
    }

    /// F-INT-2's hot path: the client authenticated and the session read in one
    /// statement. Every rule of `authenticate_client` holds before anything read about
    /// the session can be used, and the session is reachable only through
    /// `introspection`, which checks the client's scope first.
    pub async fn authenticate_introspection(&self, client_id: Option<&str>, secret: &str, token: &str) -> Result<IntrospectionCall> {
        let hash = self.client_secret_hash(secret)?;
        if token.is_empty() || token.len() > 200 {
            // No session has such a token: the client alone is read.
            let client = self.valid_client(self.store.service_client_by_secret(&hash).await?, &hash, client_id)?;
            return Ok(IntrospectionCall { client, found: None });
        }
        let read = self.store.service_client_with_session(&hash, &self.keys.hash_token(token)).await?;
        let (client, found) = read.map_or((None, None), |r| (Some(r.client), r.session));
        let client = self.valid_client(client, &hash, client_id)?;
        Ok(IntrospectionCall { client, found })
    }

    /// The keyed hash a secret is looked up by; a secret of the wrong shape is refused
    /// before any lookup.
    fn client_secret_hash(&self, secret: &str) -> Result<Vec<u8>> {
        if !secret.starts_with(CLIENT_SECRET_PREFIX) || secret.len() > 200 {
            return Err(Error::Unauthenticated);
        }
        Ok(self.keys.hash_client_secret(secret))
    }

    /// The client a lookup by `hash` found, if it may still call: not revoked, the
    /// secret its current one or a previous one in its grace period, and the id given
    /// with HTTP Basic its own.
    fn valid_client(&self, found: Option<ServiceClient>, hash: &[u8], client_id: Option<&str>) -> Result<ServiceClient> {
        let client = found.ok_or(Error::Unauthenticated)?;
        let now = self.now();
        // The lookup matched the hash exactly; which of the two it matched decides
        // whether the grace period applies.
        let current = crate::crypto::ct_eq(&client.secret_hash, hash);
        let in_grace = client.previous_valid_until.is_some_and(|t| t > now);
        if client.revoked_at.is_some() || !(current || in_grace) || client_id.is_some_and(|id| id != client.id.to_string()) {
            return Err(Error::Unauthenticated);
        }
        Ok(client)
    }

    /// F-INT-2: the state of a shopper's session, read only (an introspection is not a
    /// use of the session). `None`: unknown, expired, signed out or of a closed account.
    pub fn introspection(&self, call: IntrospectionCall, max_age_secs: Option<i64>) -> Result<Option<Introspection>> {
        call.client.require(Scope::SessionsRead)?;
        if max_age_secs.is_some_and(|m| m < 0) {
            return Err(Error::invalid("introspect.max_age_invalid", "max_age", "max_age is a number of seconds, 0 or more"));
        }
        let now = self.now();
        let Some((session, account)) = call.found else { return Ok(None) };
        // A locked account's sessions ended with the lock; one made in a race with it
        // is no more active (F-OFF-5).
        if session.revoked_at.is_some() || session.expires_at <= now || account.locked_at(now).is_some() {
            return Ok(None);
        }
        let step_up = session.stepped_up_at.zip(session.step_up_method);
        let (amr, acr) = strength(&session_methods(&session));
        // The last authentication that counts as strong for this account: once 2SV is
        // on, a second factor; before, any (the rule of `require_step_up`).
        let counts = |m: AuthMethod| account.twosv_enabled_at.is_none() || m.is_second_factor();
        let at_sign_in = session.auth_methods.iter().any(|m| counts(*m)).then_some(session.created_at);
        let last_strong = [at_sign_in, step_up.filter(|(_, m)| counts(*m)).map(|(t, _)| t)].into_iter().flatten().max();
        let step_up_required = max_age_secs.map(|max| last_strong.is_none_or(|t| now.0 - t.0 > max * 1000));
        let (zone, _) = crate::zone::effective(account.time_zone.as_ref(), self.policy.default_time_zone.as_ref(), account.locale);
        Ok(Some(Introspection {
            account: account.id,
            session: session.id,
            issued_at: session.created_at,
            expires_at: session.expires_at,
            auth_time: session.created_at,
            amr,
            acr,
            step_up,
            twosv_enabled: account.twosv_enabled_at.is_some(),
            locale: account.locale,
            zone,
            step_up_required,
        }))
    }
}
