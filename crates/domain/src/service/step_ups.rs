//! F-INT-3: a shop service asks a shopper to confirm something — a large order, a new
//! card — with a code. The code goes to the account's preferred 2SV method (an
//! account without 2SV gets it by e-mail, and the result says it is weaker), the
//! message says what is being confirmed, in the account's language, and the shopper
//! answers on ninsho's code page or through the challenge API. The service reads the
//! result, or hears `step_up.completed`.

use super::delivery::{SentVia, Target};
use super::links::LinkKind;
use super::*;
use crate::ports::{Challenge, ServiceClient, ServiceStepUp, ServiceStepUpState, StepUpKey};
use crate::reason::StepUpReason;

/// What a service asks for.
pub struct StepUpRequest {
    pub account: AccountId,
    pub reason: StepUpReason,
    /// Where the hosted code page sends the shopper when done; its origin must be one
    /// of the client's.
    pub return_url: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ServiceStepUpStarted {
    pub id: ServiceStepUpId,
    pub challenge_id: ChallengeId,
    /// The hosted code page, for the shopper's browser.
    pub url: String,
    /// The method the code is expected from; none: the account's e-mail address.
    pub method: Option<MethodView>,
    pub sent: Option<SentVia>,
    pub weak: bool,
    pub expires_at: UnixMillis,
}

/// Where a step-up stands, as the service reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepUpStatus {
    Pending,
    Completed,
    /// The owner followed the message's deny link.
    Denied,
    /// Too many wrong codes.
    Failed,
    Expired,
}

#[derive(Clone, Debug)]
pub struct StepUpResult {
    pub step_up: ServiceStepUp,
    pub status: StepUpStatus,
    pub expires_at: UnixMillis,
}

/// The hosted page's step-up, with the language its code message was sent in.
#[derive(Clone, Debug)]
pub struct HostedStepUp {
    pub result: StepUpResult,
    pub locale: Locale,
}

/// The origin of a URL as browsers compare it: `scheme://host[:port]`, lower-case.
fn origin_of(url: &url::Url) -> Option<String> {
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// A registered origin, as the operator typed it: `https://shop.example[:port]`, no path.
pub fn check_origin(text: &str) -> Result<String> {
    let bad = || Error::invalid("client.origin_invalid", "origin", format!("{text} is not an origin such as https://shop.example"));
    let url = url::Url::parse(text).map_err(|_| bad())?;
    if !matches!(url.scheme(), "https" | "http") || url.path() != "/" || url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err(bad());
    }
    if text.trim_end_matches('/').len() != origin_of(&url).ok_or_else(bad)?.len() {
        return Err(bad());
    }
    origin_of(&url).ok_or_else(bad)
}

impl<S: Store> Services<S> {
    /// Replaces the origins a client's step-ups may return to.
    pub async fn set_service_client_origins(&self, which: &str, origins: &[String]) -> Result<ServiceClient> {
        let origins = origins.iter().map(|o| check_origin(o)).collect::<Result<Vec<_>>>()?;
        let client = self.service_clients().await?.into_iter().find(|c| c.name == which || c.id.to_string() == which).ok_or(Error::NotFound)?;
        self.commit(vec![Write::SetServiceClientOrigins { id: client.id, origins: origins.clone() }])
            .await
            .map_err(|e| if matches!(e, Error::Conflict { .. }) { Error::conflict("client.revoked", "this client is revoked") } else { e })?;
        Ok(ServiceClient { origins, ..client })
    }

    fn checked_return_url(client: &ServiceClient, url: Option<&str>) -> Result<Option<String>> {
        let Some(text) = url else { return Ok(None) };
        let bad = |why: &str| Error::invalid("step_up.return_url_invalid", "return_url", why.to_string());
        let parsed = url::Url::parse(text).map_err(|_| bad("not an absolute URL"))?;
        if text.len() > 2000 || !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(bad("a URL of at most 2,000 characters, without a user or password"));
        }
        let origin = origin_of(&parsed).ok_or_else(|| bad("not an http or https URL"))?;
        if !client.origins.contains(&origin) {
            return Err(bad("its origin is not one this client registered"));
        }
        Ok(Some(parsed.to_string()))
    }

    /// Starts a step-up for `req.account` and sends its code.
    pub async fn start_service_step_up(&self, client: &ServiceClient, req: StepUpRequest) -> Result<ServiceStepUpStarted> {
        client.require(Scope::StepUp)?;
        let return_url = Self::checked_return_url(client, req.return_url.as_deref())?;
        let account = self.store.account(req.account).await?.ok_or_else(|| Error::invalid("account.unknown", "sub", "no account has this id"))?;
        self.ensure_unlocked(&account)?;
        // The shopper is not the caller: the service's address says nothing of them and
        // must not spend an address quota that every shopper of the shop shares.
        let who = ClientInfo::default();
        // While 2SV is paused (F-OFF-2) its methods may not reach the owner: the
        // e-mailed code, marked weak, as before 2SV.
        let weak = !account.twosv_required(self.now());
        let chosen = if weak {
            None
        } else {
            let usable = Self::usable(&self.store.factors(account.id).await?);
            let strong = |f: &Factor| f.kind != FactorKind::Email && f.kind != FactorKind::BackupCodes;
            Some(Self::pick_method(&account, &usable, strong).ok_or_else(|| Error::conflict("method.none", "the account has no method that can confirm this"))?)
        };
        let mut ch = self.new_challenge(account.id, Purpose::ServiceStepUp, None, &who)?;
        ch.factor_id = chosen.as_ref().map(|f| f.id);
        let step_up = ServiceStepUp {
            id: ServiceStepUpId::new(),
            client_id: client.id,
            account_id: account.id,
            challenge_id: ch.id,
            reason: req.reason,
            return_url,
            weak,
            created_at: self.now(),
            completed_at: None,
            method: None,
        };
        let (id, challenge_id, expires_at) = (step_up.id, ch.id, ch.expires_at);
        let event = self.event(Some(account.id), EventKind::ServiceStepUpStarted, &who, format!("step_up {id} client {}", client.id));
        let prefix = vec![Write::InsertChallenge(ch), Write::InsertServiceStepUp(step_up.clone()), event];
        let target = match &chosen {
            None => Some(Target::AccountEmail),
            Some(f) if f.kind == FactorKind::Phone => Some(Target::Factor(f)),
            // An authenticator app's code is read from the app: nothing to send.
            Some(_) => None,
        };
        let sent = match target {
            Some(t) => Some(self.send_code_for(&account, challenge_id, Purpose::ServiceStepUp, t, &who, prefix, None, Some(&step_up.reason)).await?),
            None => {
                self.commit(prefix).await?;
                None
            }
        };
        Ok(ServiceStepUpStarted {
            id,
            challenge_id,
            url: self.url_of(LinkKind::ServiceStepUp, id.0),
            method: chosen.as_ref().map(|f| MethodView::of(f, &account)),
            sent,
            weak,
            expires_at,
        })
    }

    fn status_of(&self, s: &ServiceStepUpState) -> StepUpStatus {
        let c = &s.challenge;
        if s.step_up.completed_at.is_some() {
            StepUpStatus::Completed
        } else if c.cancelled_at.is_some() {
            StepUpStatus::Denied
        } else if c.attempts >= self.policy.codes.max_attempts_per_challenge {
            StepUpStatus::Failed
        } else if c.expires_at <= self.now() {
            StepUpStatus::Expired
        } else {
            StepUpStatus::Pending
        }
    }

    /// A step-up this client started; another client's is not found.
    pub async fn service_step_up(&self, client: &ServiceClient, id: ServiceStepUpId) -> Result<StepUpResult> {
        client.require(Scope::StepUp)?;
        let s = self.store.service_step_up(StepUpKey::Id(id)).await?.filter(|s| s.step_up.client_id == client.id).ok_or(Error::NotFound)?;
        Ok(StepUpResult { status: self.status_of(&s), expires_at: s.challenge.expires_at, step_up: s.step_up })
    }

    /// What a step-up asks, for the hosted code page: the reason and its challenge.
    pub async fn step_up_reason(&self, challenge: ChallengeId) -> Result<Option<StepUpReason>> {
        Ok(self.store.service_step_up(StepUpKey::Challenge(challenge)).await?.map(|s| s.step_up.reason))
    }

    /// The hosted page's link: the step-up it names with its state.
    pub async fn step_up_by_link(&self, token: &str) -> Result<HostedStepUp> {
        let id = self.link_id(LinkKind::ServiceStepUp, token).ok_or(Error::NotFound)?;
        let s = self.store.service_step_up(StepUpKey::Id(ServiceStepUpId(id))).await?.ok_or(Error::NotFound)?;
        let locale = self.store.account(s.step_up.account_id).await?.map(|a| a.locale).unwrap_or_default();
        Ok(HostedStepUp { result: StepUpResult { status: self.status_of(&s), expires_at: s.challenge.expires_at, step_up: s.step_up }, locale })
    }

    /// The writes a right code unlocks for a service's step-up: the result the
    /// service reads and the event it hears.
    pub(crate) async fn service_step_up_writes(&self, ch: &Challenge, method: AuthMethod, client: &ClientInfo) -> Result<Vec<Write>> {
        let s = self.store.service_step_up(StepUpKey::Challenge(ch.id)).await?.ok_or_else(|| Error::internal("a service step-up challenge without its step-up"))?;
        let now = self.now();
        Ok(vec![
            Write::CompleteServiceStepUp { challenge: ch.id, method, now },
            self.event(Some(ch.account_id), EventKind::ServiceStepUpCompleted, client, format!("step_up {} client {} method {}", s.step_up.id, s.step_up.client_id, method.as_str())),
        ])
    }

    /// "Didn't get a code?" for a service's step-up: the message says what it is for again.
    pub(crate) async fn resend_service_step_up(&self, ch: &Challenge, account: &Account, target: Target<'_>, client: &ClientInfo) -> Result<SentVia> {
        let reason = self.step_up_reason(ch.id).await?;
        self.send_code_for(account, ch.id, ch.purpose, target, client, vec![], ch.code_message, reason.as_ref()).await
    }
}
