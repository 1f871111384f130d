//! F-2SV-1: setting up two-step verification starts with an e-mail to the account's
//! address with "Approve" and "Deny" links; setup continues only after "Approve". With
//! 2SV already on, changes need a fresh code instead (step-up), which is stronger.

use super::links::LinkKind;
use super::*;
use crate::messages::{Intent, Template};

/// How long an approval opens the setup for.
const APPROVAL_SECS: i64 = 1800;

#[derive(Clone, Debug, serde::Serialize)]
pub struct ApprovalStarted {
    pub approval_id: ChallengeId,
    /// Where the e-mail went, masked.
    pub sent_to: String,
}

/// The request an approval link stands for.
#[derive(Clone, Debug)]
pub struct ApprovalView {
    pub requested_at: UnixMillis,
    pub device_name: Option<String>,
    pub device: crate::device::Device,
    pub ip: Option<String>,
    pub place: Option<crate::place::Place>,
    /// The token of the same request's deny link.
    pub deny_token: String,
}

impl<S: Store> Services<S> {
    /// The signed link that approves; the deny link of the same message cancels.
    pub fn approve_link(&self, id: ChallengeId) -> String {
        self.link_url(LinkKind::Approve, id)
    }

    /// Sends the approval e-mail (needs a fresh step-up: the password, while 2SV is off).
    pub async fn request_approval(&self, a: &Authed, client: &ClientInfo) -> Result<ApprovalStarted> {
        self.require_step_up(a)?;
        let now = self.now();
        let mut ch = self.new_challenge(a.account.id, Purpose::Approve, Some(a.session.id), client)?;
        ch.expires_at = now.plus_secs(APPROVAL_SECS);
        let id = ch.id;
        let intent = Intent::new(Template::ApprovalRequest, Channel::Email, a.account.email.as_str(), a.account.locale)
            .account(a.account.id)
            .var("issuer", &self.policy.issuer)
            .var("approve_url", self.approve_link(id))
            .var("deny_url", self.deny_link(id));
        self.commit(vec![Write::InsertChallenge(ch), intent.into_write(&self.keys, now)?, self.event(Some(a.account.id), EventKind::ApprovalRequested, client, "")]).await?;
        Ok(ApprovalStarted { approval_id: id, sent_to: a.account.email.masked() })
    }

    /// What the page behind an "Approve" link shows before any button is pressed: which
    /// request it is (when, from what device, where) and the deny link of the same
    /// request, so the owner can refuse it right there (F-2SV-1).
    pub async fn approval_view(&self, token: &str, locale: Locale) -> Result<ApprovalView> {
        let bad = || Error::invalid("approve.invalid_link", "token", "this link is not valid");
        let id = self.link_challenge(LinkKind::Approve, token).ok_or_else(bad)?;
        let ch = self.store.challenge(id).await?.ok_or_else(bad)?;
        if ch.purpose != Purpose::Approve {
            return Err(bad());
        }
        if !self.is_open_now(&ch) {
            return Err(Error::ChallengeClosed);
        }
        Ok(ApprovalView {
            requested_at: ch.created_at,
            device_name: ch.device_name.clone(),
            device: crate::device::Device::from_user_agent(ch.user_agent.as_deref()),
            ip: ch.ip.clone(),
            place: crate::place::place_of(self.places.as_ref(), ch.ip.as_deref(), locale),
            deny_token: self.link_token(LinkKind::Deny, id),
        })
    }

    /// Following the "Approve" link. Single use: a second click says so.
    pub async fn approve(&self, token: &str, client: &ClientInfo) -> Result<()> {
        let bad = || Error::invalid("approve.invalid_link", "token", "this link is not valid");
        let id = self.link_challenge(LinkKind::Approve, token).ok_or_else(bad)?;
        let ch = self.store.challenge(id).await?.ok_or_else(bad)?;
        if ch.purpose != Purpose::Approve {
            return Err(bad());
        }
        let now = self.now();
        let writes = vec![
            Write::ConsumeChallenge { challenge: id, now, max_attempts: i64::MAX },
            self.event(Some(ch.account_id), EventKind::ApprovalGranted, client, ""),
        ];
        match self.commit_guarded(writes).await? {
            Ok(()) => Ok(()),
            Err(_) => Err(Error::ChallengeClosed),
        }
    }

    /// Setup steps while 2SV is off need an approval from the last half hour.
    /// Whether this session may set up 2SV now (the pages' wizard asks before each step).
    pub async fn setup_approved(&self, a: &Authed) -> Result<bool> {
        match self.require_setup_approval(a).await {
            Ok(()) => Ok(true),
            Err(Error::Conflict { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn require_setup_approval(&self, a: &Authed) -> Result<()> {
        if a.account.twosv_enabled_at.is_some() {
            return Ok(());
        }
        let since = self.now().minus_secs(APPROVAL_SECS);
        if self.store.passed_since(a.account.id, a.session.id, Purpose::Approve, since).await? {
            Ok(())
        } else {
            Err(Error::conflict("twosv.approval_required", "approve the e-mail we sent you first (POST /api/v1/two-step/approval sends it)"))
        }
    }
}
