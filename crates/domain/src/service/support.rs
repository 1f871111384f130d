//! F-SUP-1: what staff do at `/support`, each step checked by `authorize_staff`
//! against the member's role. An action on an account is recorded twice in one
//! transaction: in the account's security log (with the member's address), and on
//! the member's own account as `staff_acted`, which is the per-person log the
//! console shows (`staff_log`).

use super::*;
use crate::email::Email;
use crate::ports::{AccountLock, ResetRequest, StaffMember};
use crate::staff::StaffAction;

/// What a search at `/support` found.
pub enum SupportSearch {
    /// No account has the address or number.
    Nothing,
    /// One account, read whole (and the look recorded).
    Found(Box<SupportView>),
    /// A phone number several accounts use: their addresses, to pick one from.
    Several(Vec<Email>),
}

/// What support sees of an account: its methods masked, its devices, whether 2SV is
/// on, paused or the account locked, the messages sent to it (codes blanked) and its
/// security log — never a code, a password or a secret.
pub struct SupportView {
    pub account: Account,
    /// What the member looking may do to it (`StaffRole::permits`).
    pub may: Vec<StaffAction>,
    pub methods: Vec<MethodView>,
    pub sessions: Vec<SessionView>,
    pub trusted_browsers: Vec<TrustedBrowserView>,
    pub messages: Vec<MessageView>,
    pub log: Vec<HistoryEntry>,
    /// Its 2SV reset requests waiting for a decision.
    pub pending_resets: Vec<ResetRequest>,
}

/// Security-log entries and messages support reads at once.
const SUPPORT_LOG_ENTRIES: i64 = 100;
const SUPPORT_MESSAGES: i64 = 50;
/// Accounts listed for one phone number.
const SHARED_NUMBER_ACCOUNTS: i64 = 20;
/// The longest lock support sets from the console, in hours (30 days).
const MAX_LOCK_HOURS: i64 = 720;
/// Entries of the staff log read at once, per member.
const STAFF_LOG_ENTRIES: i64 = 200;

/// No session of the account is the member's own: none is marked current.
fn a_session_of_nobody() -> SessionId {
    SessionId(uuid::Uuid::nil())
}

impl<S: Store> Services<S> {
    /// The member's own record of `action` on the account `subject` (an address, or a
    /// request id), written in the same transaction as the action.
    fn staff_acted(&self, member: &StaffMember, action: StaffAction, subject: &str, client: &ClientInfo) -> Write {
        self.event(Some(member.account_id), EventKind::StaffActed, client, format!("{} {subject}", action.as_str()))
    }

    /// Staff accounts are the operator's to change (`ninsho admin staff`), never the
    /// console's: else one agent could lock every admin, or a reviewer approve a reset
    /// that turns an admin's 2SV off.
    async fn not_staff(&self, account: AccountId) -> Result<()> {
        match self.store.staff_member(account).await? {
            Some(_) => Err(Error::Forbidden { code: "staff.protected_account", message: "staff accounts are changed by the operator, not at the console".into() }),
            None => Ok(()),
        }
    }

    /// The account with this address, if the console may act on it.
    async fn shoppers_account(&self, email: &str) -> Result<Account> {
        let account = self.account_by_address(email).await?;
        self.not_staff(account.id).await?;
        Ok(account)
    }

    /// Finds an account by e-mail address or phone number (as the owner would say
    /// it: national or international). One account is read whole, and the look is
    /// recorded on it and on the member; a number several accounts share lists them.
    pub async fn support_search(&self, a: &Authed, query: &str, locale: Locale, client: &ClientInfo) -> Result<SupportSearch> {
        let member = self.authorize_staff(a, StaffAction::FindAccount).await?;
        let query = query.trim();
        let account = if query.contains('@') {
            let email = Email::parse(query).map_err(|_| Error::invalid("support.query_invalid", "q", "enter the account's e-mail address or phone number"))?;
            self.store.account_by_email(&email).await?
        } else {
            let phone = crate::phone::parse(query, &self.default_region).map_err(|_| Error::invalid("support.query_invalid", "q", "enter the account's e-mail address or phone number"))?;
            let mut accounts = self.store.accounts_with_phone(&phone.e164, SHARED_NUMBER_ACCOUNTS).await?;
            if accounts.len() > 1 {
                self.commit(vec![self.staff_acted(&member, StaffAction::FindAccount, query, client)]).await?;
                return Ok(SupportSearch::Several(accounts.into_iter().map(|a| a.email).collect()));
            }
            accounts.pop()
        };
        // A search that reads no account is on record too: who looked for what.
        let Some(account) = account else {
            self.commit(vec![self.staff_acted(&member, StaffAction::FindAccount, query, client)]).await?;
            return Ok(SupportSearch::Nothing);
        };
        Self::permitted(&member, StaffAction::ViewAccount)?;
        let view = self.support_view(&member, account, locale, client).await?;
        Ok(SupportSearch::Found(Box::new(view)))
    }

    async fn support_view(&self, member: &StaffMember, account: Account, locale: Locale, client: &ClientInfo) -> Result<SupportView> {
        let now = self.now();
        let factors = self.store.factors(account.id).await?;
        let methods = Self::usable(&factors).iter().map(|f| MethodView::of(f, &account)).collect();
        let sessions = self
            .store
            .sessions(account.id)
            .await?
            .iter()
            .filter(|s| s.revoked_at.is_none() && s.expires_at > now)
            // No session is the member's own: `current` stays false for every one.
            .map(|s| SessionView::of(s, a_session_of_nobody(), self.place(s.ip.as_deref(), locale)))
            .collect();
        let trusted_browsers = self.store.trusted_browsers(account.id).await?.iter().filter(|t| t.revoked_at.is_none() && t.expires_at > now).map(TrustedBrowserView::of).collect();
        let messages = self.messages_sent(account.id, SUPPORT_MESSAGES).await?;
        let events = self.store.events(account.id, SUPPORT_LOG_ENTRIES).await?;
        let log = events.iter().map(|e| HistoryEntry::of(e, self.place(e.ip.as_deref(), locale))).collect();
        let pending_resets = self.store.reset_requests_of(account.id).await?.into_iter().filter(|r| r.status == "pending").collect();
        let email = account.email.as_str().to_string();
        self.commit(vec![
            self.event(Some(account.id), EventKind::StaffViewedAccount, client, format!("by {}", member.email)),
            self.staff_acted(member, StaffAction::ViewAccount, &email, client),
        ])
        .await?;
        let may = StaffAction::ALL.into_iter().filter(|x| member.role.permits(*x)).collect();
        Ok(SupportView { account, may, methods, sessions, trusted_browsers, messages, log, pending_resets })
    }

    /// F-OFF-5 from the console: the lock, recorded under the member's address.
    pub async fn support_lock(&self, a: &Authed, email: &str, reason: &str, hours: i64, client: &ClientInfo) -> Result<AccountLock> {
        let member = self.authorize_staff(a, StaffAction::LockAccounts).await?;
        if !(1..=MAX_LOCK_HOURS).contains(&hours) {
            return Err(Error::invalid("lock.hours_invalid", "hours", "a lock lasts from 1 hour to 30 days (720 hours)"));
        }
        self.shoppers_account(email).await?;
        self.lock_account_with(email, reason, hours * 3600, &member.email, |acc| vec![self.staff_acted(&member, StaffAction::LockAccounts, acc.email.as_str(), client)]).await
    }

    /// Ends the account's lock now, recorded under the member's address.
    pub async fn support_unlock(&self, a: &Authed, email: &str, client: &ClientInfo) -> Result<AccountLock> {
        let member = self.authorize_staff(a, StaffAction::LockAccounts).await?;
        self.shoppers_account(email).await?;
        self.unlock_account_with(email, &member.email, |acc| vec![self.staff_acted(&member, StaffAction::LockAccounts, acc.email.as_str(), client)]).await
    }

    /// F-LIMIT-2 from the console: the send limits of an account — its own and those
    /// of its address and phone numbers — released after checking who asks. Returns
    /// how many limits were running.
    pub async fn support_release_limits(&self, a: &Authed, email: &str, client: &ClientInfo) -> Result<u64> {
        let member = self.authorize_staff(a, StaffAction::ReleaseLimits).await?;
        let account = self.shoppers_account(email).await?;
        let phones: Vec<String> = self.store.factors(account.id).await?.into_iter().filter_map(|f| f.phone.map(|p| p.as_str().to_string())).collect();
        let mut keys = vec![format!("acct:{}", account.id), format!("dest:{}", account.email.as_str())];
        keys.extend(phones.iter().map(|p| format!("dest:{p}")));
        let mut released = 0;
        for key in &keys {
            released += self.store.release_quotas(key).await?;
        }
        self.commit(vec![
            self.event(Some(account.id), EventKind::LimitsReleased, &super::recovery::support(&member.email), format!("{released} by {}", member.email)),
            self.staff_acted(&member, StaffAction::ReleaseLimits, account.email.as_str(), client),
        ])
        .await?;
        Ok(released)
    }

    /// F-OFF-2 from the console: pauses the account's 2SV for `hours` (at most a week)
    /// for the owner who asked — moving to a new phone, codes that do not arrive. The
    /// owner is told on every channel at once, with the way to switch it back on; a
    /// reason is required and kept in the member's log.
    pub async fn support_suspend(&self, a: &Authed, email: &str, hours: i64, reason: &str, client: &ClientInfo) -> Result<UnixMillis> {
        let member = self.authorize_staff(a, StaffAction::SuspendTwoStep).await?;
        super::suspension::check_hours(hours)?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(Error::invalid("twosv.suspend_reason_invalid", "reason", "say why 2SV is paused, in at most 500 characters"));
        }
        let account = self.shoppers_account(email).await?;
        let record = self.staff_acted(&member, StaffAction::SuspendTwoStep, &format!("{} {reason}", account.email.as_str()), client);
        self.pause_two_step(account, hours, &super::recovery::support(&member.email), crate::webhooks::ENDED_BY_SUPPORT, vec![record]).await
    }

    /// Switches the account's paused 2SV back on now.
    pub async fn support_resume(&self, a: &Authed, email: &str, client: &ClientInfo) -> Result<()> {
        let member = self.authorize_staff(a, StaffAction::SuspendTwoStep).await?;
        let account = self.shoppers_account(email).await?;
        let record = self.staff_acted(&member, StaffAction::SuspendTwoStep, account.email.as_str(), client);
        self.end_pause(&account, &super::recovery::support(&member.email), crate::webhooks::ENDED_BY_SUPPORT, vec![record]).await
    }
}

impl<S: Store> Services<S> {
    /// F-OFF-4 at the console: the reset requests in `status` (all when `None`),
    /// oldest pending first, each with its account's address; documents not loaded.
    pub async fn support_resets(&self, a: &Authed, status: Option<&str>) -> Result<Vec<(ResetRequest, String)>> {
        self.authorize_staff(a, StaffAction::ReviewResets).await?;
        self.reset_queue(status, 200).await
    }

    /// One request, without its document, with its account's address.
    pub async fn support_reset(&self, a: &Authed, id: ResetRequestId) -> Result<(ResetRequest, String)> {
        self.authorize_staff(a, StaffAction::ReviewResets).await?;
        let r = self.store.reset_request(id).await?.ok_or(Error::NotFound)?;
        let email = self.store.account(r.account_id).await?.map(|a| a.email.as_str().to_string()).unwrap_or_default();
        Ok((ResetRequest { document: None, ..r }, email))
    }

    /// The document of a pending request, opened for the member's eyes: recorded on
    /// the account and on the member.
    pub async fn support_reset_document(&self, a: &Authed, id: ResetRequestId, client: &ClientInfo) -> Result<(ResetRequest, zeroize::Zeroizing<Vec<u8>>)> {
        let member = self.authorize_staff(a, StaffAction::ReviewResets).await?;
        self.not_staff(self.store.reset_request(id).await?.ok_or(Error::NotFound)?.account_id).await?;
        self.reset_document_with(id, &member.email, |r| vec![self.staff_acted(&member, StaffAction::ReviewResets, &r.id.to_string(), client)]).await
    }

    /// Approves or rejects a request (a reason is required to reject), under the
    /// member's address.
    pub async fn support_decide_reset(&self, a: &Authed, id: ResetRequestId, approve: bool, reason: &str, client: &ClientInfo) -> Result<ResetRequest> {
        let member = self.authorize_staff(a, StaffAction::DecideResets).await?;
        self.not_staff(self.store.reset_request(id).await?.ok_or(Error::NotFound)?.account_id).await?;
        // The console asks a reason for either decision: approving turns 2SV off.
        if reason.trim().is_empty() {
            return Err(Error::invalid("support.reason_required", "reason", "say why the request is approved or rejected"));
        }
        let verdict = if approve { "approved" } else { "rejected" };
        self.decide_reset_with(id, approve, reason, &member.email, |acc| vec![self.staff_acted(&member, StaffAction::DecideResets, &format!("{} {id} {verdict}", acc.email.as_str()), client)])
            .await
    }
}

/// One entry of the staff log: who did what, to which account, when.
pub struct StaffLogEntry {
    pub member: String,
    pub at: UnixMillis,
    pub action: Option<StaffAction>,
    /// The account (address) or request acted on, and any words the member gave.
    pub subject: String,
    pub ip: Option<String>,
}

impl<S: Store> Services<S> {
    /// F-SUP-1: what staff did, newest first — one member's (`of`, an address) or
    /// everyone's. A member always reads their own; reading others' takes
    /// `ReadStaffLog`.
    pub async fn staff_log(&self, a: &Authed, of: Option<&str>) -> Result<Vec<StaffLogEntry>> {
        // Staff first: whether an address has an account is nobody else's business.
        let me = self.authorize_staff(a, StaffAction::FindAccount).await?;
        let unknown = || Error::invalid("staff.unknown", "member", "no staff member has this address");
        let member = match of {
            Some(addr) => {
                let email = Email::parse(addr).map_err(|_| unknown())?;
                Some(self.store.account_by_email(&email).await?.ok_or_else(unknown)?.id)
            }
            None => None,
        };
        // A member's own log takes no more than being staff; anyone else's, the role.
        if member != Some(a.account.id) {
            Self::permitted(&me, StaffAction::ReadStaffLog)?;
        }
        let rows = self.store.staff_actions(member, STAFF_LOG_ENTRIES).await?;
        Ok(rows
            .into_iter()
            .map(|(e, member)| {
                let (action, subject) = e.detail.split_once(' ').unwrap_or((e.detail.as_str(), ""));
                StaffLogEntry { member, at: e.at, action: StaffAction::parse(action), subject: subject.to_string(), ip: e.ip }
            })
            .collect())
    }
}
