//! The use cases. Every adapter (JSON API, pages, CLI, benchmark) calls these and
//! nothing else, so a rule enforced here holds everywhere.
//!
//! Shape of a use case: read what is needed, decide with pure rules, then describe the
//! change as a list of `Write`s committed in one transaction.

mod account;
mod approval;
mod clients;
mod couriers;
mod inbox;
mod links;
pub mod locks;
pub mod challenges;
mod deliveries;
mod delivery;
mod email_change;
pub use delivery::{DeliveryState, SentVia};
mod methods;
mod organisations;
mod recovery;
mod reset;
mod signin;
mod signup;
mod staff;
mod support;
mod toll;
mod shipments_batch;
mod step_ups;
pub mod suspension;
mod unsolicited;
mod views;
mod webhooks;

pub use account::*;
pub use support::*;
pub use approval::*;
pub use clients::*;
pub use couriers::*;
pub use deliveries::*;
pub use inbox::*;
pub use challenges::*;
pub use email_change::*;
pub use methods::*;
pub use organisations::*;
pub use recovery::*;
pub use reset::*;
pub use signin::*;
pub use signup::*;
pub use staff::*;
pub use shipments_batch::*;
pub use step_ups::*;
pub use views::*;
pub use toll::SmsPauseView;

use std::sync::Arc;

use tokio::sync::Notify;

use crate::config::Policy;
use crate::crypto::KeyRing;
use crate::error::{Error, Result};
use crate::password::Hasher;
use crate::ports::{Account, AttemptOutcome, Clock, CodeAttempt, CommitError, Event, Factor, Session, Store, Write};
use crate::types::*;

pub struct Services<S: Store> {
    pub store: S,
    pub keys: Arc<KeyRing>,
    pub hasher: Hasher,
    pub policy: Arc<Policy>,
    pub clock: Arc<dyn Clock>,
    /// ISO region for phone numbers typed without a country code.
    pub default_region: String,
    /// Woken after every commit that wrote an outbox row, so the dispatcher sends at
    /// once instead of at its next poll.
    pub outbox_signal: Arc<Notify>,
    /// Notified by the dispatcher whenever it has handed a message to its provider.
    pub delivered: Arc<Notify>,
    /// Kept up to date by the server; codes wait while it says the clock is off.
    pub clock_skew: Arc<crate::ports::ClockSkew>,
    /// Where client addresses are, for the device and history lists.
    pub places: Arc<dyn crate::place::Places>,
}

impl<S: Store> Clone for Services<S> {
    fn clone(&self) -> Self {
        Services {
            store: self.store.clone(),
            keys: self.keys.clone(),
            hasher: self.hasher.clone(),
            policy: self.policy.clone(),
            clock: self.clock.clone(),
            default_region: self.default_region.clone(),
            outbox_signal: self.outbox_signal.clone(),
            clock_skew: self.clock_skew.clone(),
            delivered: self.delivered.clone(),
            places: self.places.clone(),
        }
    }
}

/// A signed-in caller, as `authenticate` found them.
#[derive(Clone, Debug)]
pub struct Authed {
    pub session: Session,
    pub account: Account,
}

impl<S: Store> Services<S> {
    pub fn now(&self) -> UnixMillis {
        self.clock.now()
    }

    /// Checks a password against an account's hash (`None`: the dummy hash, same work,
    /// false). A password stored before passwords were NFKC-normalised, as typed, is
    /// hashed again in its normalised form once it has been shown to be right.
    pub(crate) async fn verify_password(&self, account: Option<&Account>, password: &secrecy::SecretString) -> Result<bool> {
        let verdict = self.hasher.check(password, account.map(|a| a.password_hash.as_str())).await?;
        if let (crate::password::Verdict::RightAsTyped, Some(a)) = (verdict, account) {
            let hash = self.hasher.hash(password).await?;
            self.commit(vec![Write::RehashPassword { account: a.id, old: a.password_hash.clone(), hash }]).await?;
            tracing::info!(account = %a.id, "password hashed again in its NFKC form");
        }
        Ok(verdict.is_right())
    }

    /// Keyed hash of the browser's identity; never the user agent itself in an index.
    pub(crate) fn device_hash(&self, client: &ClientInfo) -> Vec<u8> {
        self.keys.hash_code(b"device", client.user_agent.as_deref().unwrap_or(""))
    }

    pub(crate) fn event(&self, account: Option<AccountId>, kind: EventKind, client: &ClientInfo, detail: impl Into<String>) -> Write {
        Write::InsertEvent(Event {
            id: EventId::new(),
            account_id: account,
            at: self.now(),
            kind,
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
            device_hash: Some(self.device_hash(client)),
            detail: detail.into(),
            unfamiliar: false,
        })
    }

    /// Commits writes that hold no guard.
    pub(crate) async fn commit(&self, writes: Vec<Write>) -> Result<()> {
        let wakes = writes.iter().any(|w| matches!(w, Write::InsertOutbox(_)));
        match self.store.commit(writes).await {
            Ok(()) => {
                if wakes {
                    self.outbox_signal.notify_waiters();
                }
                Ok(())
            }
            Err(CommitError::Store(e)) => Err(e),
            Err(CommitError::Unique) => Err(Error::conflict("conflict", "this was changed at the same time; try again")),
            Err(CommitError::Guard(_)) => Err(Error::conflict("conflict", "this was changed at the same time; try again")),
        }
    }

    /// Commits and reports which guard refused, for use cases that have guards.
    pub(crate) async fn commit_guarded(&self, writes: Vec<Write>) -> Result<Result<(), usize>> {
        let wakes = writes.iter().any(|w| matches!(w, Write::InsertOutbox(_)));
        match self.store.commit(writes).await {
            Ok(()) => {
                if wakes {
                    self.outbox_signal.notify_waiters();
                }
                Ok(Ok(()))
            }
            Err(CommitError::Guard(i)) => Ok(Err(i)),
            Err(CommitError::Store(e)) => Err(e),
            Err(CommitError::Unique) => Err(Error::conflict("conflict", "this was changed at the same time; try again")),
        }
    }

    /// Commits a code attempt with the writes a right code unlocks; reports which guard
    /// of those refused, as `commit_guarded` does.
    pub(crate) async fn commit_attempt(&self, attempt: CodeAttempt, on_right: Vec<Write>) -> Result<Result<AttemptOutcome, usize>> {
        let wakes = on_right.iter().any(|w| matches!(w, Write::InsertOutbox(_)));
        match self.store.commit_attempt(attempt, on_right).await {
            Ok(outcome) => {
                if wakes && outcome == AttemptOutcome::Accepted {
                    self.outbox_signal.notify_waiters();
                }
                Ok(Ok(outcome))
            }
            Err(CommitError::Guard(i)) => Ok(Err(i)),
            Err(CommitError::Store(e)) => Err(e),
            Err(CommitError::Unique) => Err(Error::conflict("conflict", "this was changed at the same time; try again")),
        }
    }

    /// The caller behind a session token, or `Unauthenticated`.
    pub async fn authenticate(&self, token: &str) -> Result<Authed> {
        if token.is_empty() || token.len() > 200 {
            return Err(Error::Unauthenticated);
        }
        let now = self.now();
        let session = self.store.session_by_token(&self.keys.hash_token(token)).await?.ok_or(Error::Unauthenticated)?;
        if session.revoked_at.is_some() || session.expires_at <= now {
            return Err(Error::Unauthenticated);
        }
        let account = self.store.account(session.account_id).await?.ok_or(Error::Unauthenticated)?;
        // F-OFF-5: a session made in a race with the lock is of no use either.
        self.ensure_unlocked(&account)?;
        // F-SUP-1: a staff member's session idle past the timeout is over wherever it
        // is used next, not only at /support (else any call would wake it up again).
        // Only a session idle that long pays for the lookup.
        if now.0 - session.last_seen_at.0 > staff::STAFF_IDLE_SECS * 1000 && self.store.staff_member(account.id).await?.is_some() {
            self.end_if_idle(account.id, &session).await?;
        }
        // Last use is shown in the device list; once a minute is precise enough and
        // keeps reads from turning into writes.
        if now.0 - session.last_seen_at.0 > 60_000 {
            self.commit(vec![Write::TouchSession { session: session.id, now }]).await?;
        }
        Ok(Authed { session, account })
    }

    /// F-SIGNIN-4: sensitive changes need a step-up within the window, and of the
    /// strength the account calls for: once 2SV is on, a second factor (never the
    /// password, never an e-mailed code), made after 2SV was turned on.
    pub fn require_step_up(&self, a: &Authed) -> Result<()> {
        let (Some(t), Some(method)) = (a.session.stepped_up_at, a.session.step_up_method) else { return Err(Error::StepUpRequired) };
        let fresh = self.now().0 - t.0 <= self.policy.step_up_secs * 1000;
        let strong = match a.account.twosv_enabled_at {
            None => true,
            Some(on) => method.is_second_factor() && t >= on,
        };
        if fresh && strong { Ok(()) } else { Err(Error::StepUpRequired) }
    }

    /// Methods that can be used now: verified and not disabled.
    pub(crate) fn usable(factors: &[Factor]) -> Vec<Factor> {
        factors.iter().filter(|f| f.verified_at.is_some() && f.disabled_at.is_none()).cloned().collect()
    }

    /// The method a code is asked from first: the preferred one if usable, else the
    /// strongest (app, then phone, then e-mail, then backup codes).
    pub(crate) fn pick_method(account: &Account, usable: &[Factor], allow: impl Fn(&Factor) -> bool) -> Option<Factor> {
        let allowed: Vec<&Factor> = usable.iter().filter(|f| allow(f)).collect();
        if let Some(p) = account.preferred_factor
            && let Some(f) = allowed.iter().find(|f| f.id == p)
        {
            return Some((*f).clone());
        }
        let rank = |k: FactorKind| match k {
            FactorKind::Totp => 0,
            FactorKind::Phone => 1,
            FactorKind::Email => 2,
            FactorKind::BackupCodes => 3,
        };
        allowed.into_iter().min_by_key(|f| rank(f.kind)).cloned()
    }

    /// A new session for the account; returns the write and the bearer token.
    /// `auth_methods` say what signed it in; `step_up` is set when that was already as
    /// strong as a step-up (a second factor, or the password while 2SV is off).
    pub(crate) fn new_session(&self, account: AccountId, client: &ClientInfo, auth_methods: Vec<AuthMethod>, step_up: Option<AuthMethod>) -> Result<(Write, SessionId, String)> {
        let now = self.now();
        let token = crate::crypto::random_token()?;
        let id = SessionId::new();
        let w = Write::InsertSession(Session {
            id,
            account_id: account,
            token_hash: self.keys.hash_token(&token),
            created_at: now,
            last_seen_at: now,
            expires_at: now.plus_secs(self.policy.session_secs),
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
            device_name: client.device_name.clone(),
            auth_methods,
            stepped_up_at: step_up.map(|_| now),
            step_up_method: step_up,
            revoked_at: None,
        });
        Ok((w, id, token))
    }
}
