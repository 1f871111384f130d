//! The signed-in account: its language (F-ACC-4), password (F-ACC-3), sessions and
//! devices (F-DEV-1), trusted browsers (F-DEV-2) and sign-in history (F-DEV-3).

use secrecy::SecretString;

use super::*;
use crate::messages::Template;
use crate::password;
use crate::zone::{TimeZoneName, ZoneSource};

/// The longest feedback note kept.
pub const MAX_FEEDBACK_CHARS: usize = 2000;

impl<S: Store> Services<S> {
    pub async fn account_view(&self, a: &Authed) -> Result<AccountView> {
        let factors = self.store.factors(a.account.id).await?;
        let (time_zone, time_zone_source) = self.time_zone(&a.account);
        Ok(AccountView {
            id: a.account.id,
            email: a.account.email.as_str().to_string(),
            locale: a.account.locale,
            two_step_enabled: a.account.twosv_enabled_at.is_some(),
            two_step_suspended_until: a.account.twosv_suspended_at(self.now()),
            email_verified: a.account.email_verified_at.is_some(),
            created_at: a.account.created_at,
            methods: factors.iter().filter(|f| f.verified_at.is_some()).map(|f| MethodView::of(f, &a.account)).collect(),
            backup_codes_left: self.store.backup_codes_left(a.account.id).await?,
            time_zone,
            time_zone_source,
        })
    }

    pub async fn set_locale(&self, a: &Authed, locale: Locale) -> Result<()> {
        self.commit(vec![Write::SetLocale { account: a.account.id, locale }]).await
    }

    /// The zone this account's times are shown in, and where it came from.
    pub fn time_zone(&self, account: &Account) -> (TimeZoneName, ZoneSource) {
        crate::zone::effective(account.time_zone.as_ref(), self.policy.default_time_zone.as_ref(), account.locale)
    }

    /// The zone of an account of this language that chose none.
    pub fn default_time_zone(&self, locale: Locale) -> (TimeZoneName, ZoneSource) {
        crate::zone::effective(None, self.policy.default_time_zone.as_ref(), locale)
    }

    /// F-DEV-1/3: `None` returns to the default (the operator's, else the language's).
    pub async fn set_time_zone(&self, a: &Authed, zone: Option<TimeZoneName>) -> Result<()> {
        self.commit(vec![Write::SetTimeZone { account: a.account.id, zone }]).await
    }

    pub(crate) fn place(&self, ip: Option<&str>, locale: Locale) -> Option<crate::place::Place> {
        crate::place::place_of(self.places.as_ref(), ip, locale)
    }

    /// F-ACC-3: needs a step-up and the current password; may sign out every other
    /// session; revokes trusted browsers; notifies every address on file.
    pub async fn change_password(&self, a: &Authed, current: SecretString, new: SecretString, sign_out_others: bool, client: &ClientInfo) -> Result<()> {
        self.require_step_up(a)?;
        password::check_size(&self.policy.password, &current).map_err(|e| e.on_field("password", "current_password"))?;
        // A stolen session must not make a password oracle: the same tries as sign-in.
        let tries = self.take_password_tries(a.account.email.as_str(), client, false).await?;
        if !self.verify_password_tried(Some(&a.account), &current, &tries).await? {
            self.commit(vec![self.event(Some(a.account.id), EventKind::WrongPassword, client, "password_change")]).await?;
            return Err(Error::invalid("password.current_wrong", "current_password", "the current password is not right"));
        }
        self.commit(vec![tries.accepted()]).await?;
        self.hasher.check_new(&self.policy.password, &new, &a.account.email, &self.policy.issuer).await.map_err(|e| e.on_field("password", "new_password"))?;
        let hash = self.hasher.hash(&new).await?;
        let now = self.now();
        let factors = self.store.factors(a.account.id).await?;
        let mut writes = vec![Write::SetPassword { account: a.account.id, hash, now }];
        writes.extend(self.credential_change_writes(&a.account, now));
        if sign_out_others {
            writes.push(Write::RevokeSessionsOf { account: a.account.id, except: Some(a.session.id), now });
        }
        writes.extend(self.notify_all(&a.account, &factors, Template::PasswordChanged, None)?);
        writes.push(self.event(Some(a.account.id), EventKind::PasswordChanged, client, if sign_out_others { "signed_out_others" } else { "" }));
        self.commit(writes).await
    }

    /// Places are named in `locale` (the page's, or the account's for the API).
    pub async fn list_sessions(&self, a: &Authed, locale: Locale) -> Result<Vec<SessionView>> {
        let now = self.now();
        Ok(self
            .store
            .sessions(a.account.id)
            .await?
            .iter()
            .filter(|s| s.revoked_at.is_none() && s.expires_at > now)
            .map(|s| SessionView::of(s, a.session.id, self.place(s.ip.as_deref(), locale)))
            .collect())
    }

    pub async fn sign_out(&self, a: &Authed, session: SessionId, client: &ClientInfo) -> Result<()> {
        let sessions = self.store.sessions(a.account.id).await?;
        if !sessions.iter().any(|s| s.id == session && s.revoked_at.is_none()) {
            return Err(Error::NotFound);
        }
        let now = self.now();
        self.commit(vec![Write::RevokeSession { account: a.account.id, session, now }, self.event(Some(a.account.id), EventKind::SignedOut, client, "")]).await
    }

    /// Signs out every session; `keep_current` keeps the caller's.
    pub async fn sign_out_all(&self, a: &Authed, keep_current: bool, client: &ClientInfo) -> Result<()> {
        let now = self.now();
        let except = keep_current.then_some(a.session.id);
        self.commit(vec![Write::RevokeSessionsOf { account: a.account.id, except, now }, self.event(Some(a.account.id), EventKind::SignedOutAll, client, "")]).await
    }

    pub async fn list_trusted_browsers(&self, a: &Authed) -> Result<Vec<TrustedBrowserView>> {
        let now = self.now();
        Ok(self
            .store
            .trusted_browsers(a.account.id)
            .await?
            .iter()
            .filter(|t| t.revoked_at.is_none() && t.expires_at > now)
            .map(TrustedBrowserView::of)
            .collect())
    }

    pub async fn revoke_trusted_browser(&self, a: &Authed, id: TrustedBrowserId, client: &ClientInfo) -> Result<()> {
        let list = self.store.trusted_browsers(a.account.id).await?;
        if !list.iter().any(|t| t.id == id && t.revoked_at.is_none()) {
            return Err(Error::NotFound);
        }
        let now = self.now();
        self.commit(vec![Write::RevokeTrustedBrowser { account: a.account.id, browser: id, now }, self.event(Some(a.account.id), EventKind::TrustedBrowserRemoved, client, "")]).await
    }

    pub async fn history(&self, a: &Authed, limit: i64, locale: Locale) -> Result<Vec<HistoryEntry>> {
        let events = self.store.events(a.account.id, limit.clamp(1, 500)).await?;
        Ok(events.iter().filter(|e| e.kind.in_history()).map(|e| HistoryEntry::of(e, self.place(e.ip.as_deref(), locale)).for_owner()).collect())
    }

    /// The optional note a shopper leaves after a destructive action (seed 004). An
    /// empty note is a skip; a long one is refused, not cut.
    pub async fn leave_feedback(&self, a: &Authed, topic: FeedbackTopic, text: &str) -> Result<()> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(());
        }
        if text.chars().count() > MAX_FEEDBACK_CHARS {
            return Err(Error::invalid("feedback.too_long", "text", format!("at most {MAX_FEEDBACK_CHARS} characters")));
        }
        let now = self.now();
        let charges = self.feedback_charges(a.account.id);
        let mut writes = charges.writes(now);
        writes.push(Write::InsertFeedback(crate::ports::Feedback { id: FeedbackId::new(), account_id: a.account.id, at: now, topic, text: text.to_string() }));
        match self.commit_guarded(writes).await? {
            Ok(()) => Ok(()),
            Err(i) => Err(self.limited(&charges, i).await?),
        }
    }

    /// Support reads the feedback, newest first, with each account's address.
    pub async fn feedback(&self, limit: i64) -> Result<Vec<(crate::ports::Feedback, String)>> {
        self.store.feedback(limit.clamp(1, 1000)).await
    }

    /// F-LIMIT-2: support lifts a send limit after checking identity.
    pub async fn release_limits(&self, target: LimitTarget<'_>) -> Result<u64> {
        let prefix = match target {
            LimitTarget::Account(email) => {
                let e = crate::email::Email::parse(email)?;
                let a = self.store.account_by_email(&e).await?.ok_or(Error::NotFound)?;
                format!("acct:{}", a.id)
            }
            LimitTarget::Destination(d) => {
                let dest = match crate::phone::parse(d, &self.default_region) {
                    Ok(p) => p.e164.as_str().to_string(),
                    Err(_) => crate::email::Email::parse(d)?.as_str().to_string(),
                };
                format!("dest:{dest}")
            }
            LimitTarget::Address(ip) => {
                let ip: std::net::IpAddr = ip.parse().map_err(|_| Error::invalid("address.invalid", "address", "not an IP address"))?;
                format!("addr:{ip}")
            }
            LimitTarget::All => String::new(),
        };
        let n = self.store.release_quotas(&prefix).await?;
        let detail = if prefix.is_empty() { "all".to_string() } else { prefix.split(':').next().unwrap_or("").to_string() };
        self.commit(vec![self.event(None, EventKind::LimitsReleased, &ClientInfo::default(), detail)]).await?;
        Ok(n)
    }
}

pub enum LimitTarget<'a> {
    Account(&'a str),
    Destination(&'a str),
    Address(&'a str),
    All,
}
