//! F-OFF-5: support locks an account while it investigates suspected access — about a
//! day, as the shop's own help says — and unlocks it early or lets the time run out.
//!
//! A lock ends every session and trusted browser, closes every open challenge, and
//! holds back every code still waiting to be sent, in the transaction that sets it.
//! While it holds, sign-in (after the password), every shopper API call, session
//! checks by services, service step-ups and shipments with codes are refused. It ends
//! by itself at its time: `Account::locked_at` compares with the clock, so no instance
//! has to be running then; the owner's notice and the event of its end follow from
//! whichever instance first sees it due (`end_due_locks`).

use super::*;
use crate::ports::AccountLock;
use crate::messages::Template;
use crate::webhooks::{ENDED_BY_SUPPORT, ENDED_BY_TIME};

/// About a day (seed 003), unless support says otherwise.
pub const DEFAULT_LOCK_SECS: i64 = 86_400;
/// The longest lock: an investigation that needs more is a decision, not a pause.
pub const MAX_LOCK_SECS: i64 = 30 * 86_400;
/// Locks ended per pass of `end_due_locks`.
const DUE_BATCH: i64 = 100;

use super::recovery::support as staff;

impl<S: Store> Services<S> {
    /// Locks the account with this address for `secs` seconds, for `reason` (support's
    /// words, never shown to the owner), set by `by`.
    pub async fn lock_account(&self, email: &str, reason: &str, secs: i64, by: &str) -> Result<AccountLock> {
        self.lock_account_with(email, reason, secs, by, |_| Vec::new()).await
    }

    /// The lock, with `also(account)` committed in its transaction (a staff member's
    /// own record of it).
    pub(crate) async fn lock_account_with(&self, email: &str, reason: &str, secs: i64, by: &str, also: impl FnOnce(&Account) -> Vec<Write>) -> Result<AccountLock> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(Error::invalid("lock.reason_invalid", "reason", "say why the account is locked, in at most 500 characters"));
        }
        if !(60..=MAX_LOCK_SECS).contains(&secs) {
            return Err(Error::invalid("lock.duration_invalid", "duration", "a lock lasts from a minute to 30 days"));
        }
        if by.trim().is_empty() || by.len() > 100 {
            return Err(Error::invalid("lock.staff_invalid", "by", "name who locks the account"));
        }
        let account = self.account_by_address(email).await?;
        let now = self.now();
        let mut writes = Vec::new();
        // A lock whose time passed but that nothing has ended yet is ended here, so
        // the new one can take its place.
        if let Some(old) = self.store.open_account_lock(account.id).await? {
            if old.until > now {
                return Err(Error::conflict("lock.already_locked", "this account is already locked; unlock it first"));
            }
            writes.extend(self.end_writes(&account, &old, ENDED_BY_TIME, now, false)?);
            writes.push(self.event(Some(account.id), EventKind::AccountUnlocked, &ClientInfo::default(), format!("lock {} by {ENDED_BY_TIME}", old.id.0)));
        }
        let lock = AccountLock {
            id: AccountLockId::new(),
            account_id: account.id,
            reason: reason.to_string(),
            locked_by: by.trim().to_string(),
            locked_at: now,
            until: now.plus_secs(secs),
            ended_at: None,
            ended_by: None,
        };
        let factors = self.store.factors(account.id).await?;
        writes.push(Write::InsertAccountLock(lock.clone()));
        // Challenges first: a code check in flight finishes before them, so the
        // revocations below find the session it made.
        writes.push(Write::CancelChallengesOf { account: account.id, now });
        writes.push(Write::RevokeSessionsOf { account: account.id, except: None, now });
        writes.push(Write::RevokeTrustedBrowsersOf { account: account.id, now });
        writes.push(Write::SupersedeCodesOf { account: account.id });
        let vars = [("until", self.local_time(&account, lock.until)), ("support", self.policy.support_contact.clone())];
        writes.extend(self.notify_all_with(&account, &factors, Template::AccountLocked, None, self.policy.public_url.clone(), &vars)?);
        writes.push(self.event(Some(account.id), EventKind::AccountLocked, &staff(by), format!("lock {} until {}", lock.id.0, lock.until.0)));
        writes.extend(also(&account));
        match self.commit(writes).await {
            Err(Error::Conflict { .. }) => Err(Error::conflict("lock.already_locked", "this account is already locked; unlock it first")),
            other => other.map(|()| lock),
        }
    }

    /// Ends the account's lock now.
    pub async fn unlock_account(&self, email: &str, by: &str) -> Result<AccountLock> {
        self.unlock_account_with(email, by, |_| Vec::new()).await
    }

    pub(crate) async fn unlock_account_with(&self, email: &str, by: &str, also: impl FnOnce(&Account) -> Vec<Write>) -> Result<AccountLock> {
        if by.trim().is_empty() || by.len() > 100 {
            return Err(Error::invalid("lock.staff_invalid", "by", "name who unlocks the account"));
        }
        let account = self.account_by_address(email).await?;
        let now = self.now();
        let lock = self.store.open_account_lock(account.id).await?.filter(|l| l.until > now).ok_or_else(|| Error::conflict("lock.not_locked", "this account is not locked"))?;
        let mut writes = self.end_writes(&account, &lock, ENDED_BY_SUPPORT, now, true)?;
        writes.push(self.event(Some(account.id), EventKind::AccountUnlocked, &staff(by), format!("lock {} by {ENDED_BY_SUPPORT}", lock.id.0)));
        writes.extend(also(&account));
        match self.commit_guarded(writes).await? {
            Ok(()) => Ok(AccountLock { ended_at: Some(now), ended_by: Some(by.trim().to_string()), ..lock }),
            Err(_) => Err(Error::conflict("lock.not_locked", "this account is not locked")),
        }
    }

    /// Ends the locks whose time has come: each once, whichever instance sees it first
    /// (the end is guarded), with the owner's notice and its event. How many.
    pub async fn end_due_locks(&self) -> Result<usize> {
        let now = self.now();
        let mut ended = 0;
        for lock in self.store.due_account_locks(now, DUE_BATCH).await? {
            match self.end_due_lock(&lock, now).await {
                Ok(true) => ended += 1,
                // Another instance ended it first.
                Ok(false) => {}
                // One lock that cannot be ended must not hold back the others.
                Err(e) => tracing::warn!(lock = %lock.id, error = %e, "could not end an account lock at its time"),
            }
        }
        Ok(ended)
    }

    async fn end_due_lock(&self, lock: &AccountLock, now: UnixMillis) -> Result<bool> {
        let Some(account) = self.store.account(lock.account_id).await? else { return Ok(false) };
        let mut writes = self.end_writes(&account, lock, ENDED_BY_TIME, now, true)?;
        writes.push(self.event(Some(account.id), EventKind::AccountUnlocked, &ClientInfo::default(), format!("lock {} by {ENDED_BY_TIME}", lock.id.0)));
        Ok(self.commit_guarded(writes).await?.is_ok())
    }

    /// The end of `lock` (and, with `tell`, the owner's notice, by e-mail: the lock's
    /// own notice went to every address). The end is the first write, guarded:
    /// exactly one ending of a lock commits.
    fn end_writes(&self, account: &Account, lock: &AccountLock, by: &str, now: UnixMillis, tell: bool) -> Result<Vec<Write>> {
        let end = if lock.until < now { lock.until } else { now };
        let mut writes = vec![Write::EndAccountLock { lock: lock.id, account: account.id, by: by.to_string(), now, end }];
        if tell {
            writes.extend(self.notify_all_with(account, &[], Template::AccountUnlocked, None, self.policy.public_url.clone(), &[])?);
        }
        Ok(writes)
    }

    /// `AccountLocked`, naming support, while a lock of the account holds.
    pub(crate) fn ensure_unlocked(&self, account: &Account) -> Result<()> {
        match account.locked_at(self.now()) {
            Some(until) => Err(Error::AccountLocked { until, support: self.policy.support_contact.clone() }),
            None => Ok(()),
        }
    }

    /// The account's open lock, if any (support and the CLI show it).
    pub async fn account_lock(&self, email: &str) -> Result<Option<AccountLock>> {
        let account = self.account_by_address(email).await?;
        Ok(self.store.open_account_lock(account.id).await?.filter(|l| l.until > self.now()))
    }

    pub(crate) async fn account_by_address(&self, email: &str) -> Result<Account> {
        let email = crate::email::Email::parse(email).map_err(|_| Error::invalid("email.invalid", "email", "not an e-mail address"))?;
        self.store.account_by_email(&email).await?.ok_or(Error::NotFound)
    }

    /// A moment in the account's own time zone, as messages show it (`2026-12-01 18:30 JST`).
    pub(crate) fn local_time(&self, account: &Account, at: UnixMillis) -> String {
        let (zone, _) = crate::zone::effective(account.time_zone.as_ref(), self.policy.default_time_zone.as_ref(), account.locale);
        crate::zone::wall_time(at, &zone)
    }
}
