//! F-OFF-2: the owner pauses 2SV for a while — moving an authenticator app to a new
//! phone, codes that do not arrive for now, a trip where SMS and calls fail — and it
//! switches itself back on at the time.
//!
//! Pausing takes a step-up of the strength 2SV asks for: whoever has only the password
//! cannot pause it. While paused, sign-ins ask for the password only (and, as for an
//! account without 2SV, an e-mailed code when the risk is high); such a session says
//! so (`amr` `pwd`, `aal1`) and never counts as a second factor, during the pause or
//! after. Everything else that asks for 2SV — step-ups, method removal, password
//! resets, recovery — still does: the pause lowers the bar to sign in, not to change
//! the account's protection.
//!
//! Whether a code is asked is `Account::twosv_required`, computed from the clock, so
//! 2SV is back on at the time whether or not an instance runs then. Telling the owner
//! is the sweep's (`end_due_suspensions`): the pause is cleared by a write guarded on
//! its end, so whichever instance first sees it due tells the owner, once.

use super::*;
use crate::messages::Template;
use crate::webhooks::{ENDED_BY_OWNER, ENDED_BY_TIME};

/// A day, unless the owner says otherwise.
pub const DEFAULT_SUSPEND_HOURS: i64 = 24;
/// A week at most: a longer need is a reason to change methods or turn 2SV off.
pub const MAX_SUSPEND_HOURS: i64 = 7 * 24;
/// Pauses ended per pass of `end_due_suspensions`.
const DUE_BATCH: i64 = 100;

/// A pause lasts from an hour to a week, whoever sets it.
pub(crate) fn check_hours(hours: i64) -> Result<()> {
    if !(1..=MAX_SUSPEND_HOURS).contains(&hours) {
        return Err(Error::invalid("twosv.suspend_hours_invalid", "hours", "pause for 1 to 168 hours (7 days)"));
    }
    Ok(())
}

fn not_enabled() -> Error {
    Error::conflict("twosv.not_enabled", "two-step verification is off: there is nothing to pause")
}

fn already_suspended() -> Error {
    Error::conflict("twosv.already_suspended", "two-step verification is already paused; switch it back on first to choose another time")
}

fn not_suspended() -> Error {
    Error::conflict("twosv.not_suspended", "two-step verification is not paused")
}

impl<S: Store> Services<S> {
    /// Pauses 2SV for `hours` (a day if `None`); returns when it is back on.
    pub async fn suspend_two_step(&self, a: &Authed, hours: Option<i64>, client: &ClientInfo) -> Result<UnixMillis> {
        let hours = hours.unwrap_or(DEFAULT_SUSPEND_HOURS);
        check_hours(hours)?;
        self.require_step_up(a)?;
        self.pause_two_step(a.account.clone(), hours, client, "", Vec::new()).await
    }

    /// The pause itself, for the owner or for support (`by` names the member, and
    /// `also` is their own record of it, committed with it).
    pub(crate) async fn pause_two_step(&self, mut account: Account, hours: i64, client: &ClientInfo, by: &str, also: Vec<Write>) -> Result<UnixMillis> {
        // A second try only when the sweep ended a pause past its time meanwhile.
        for _ in 0..2 {
            if account.twosv_enabled_at.is_none() {
                return Err(not_enabled());
            }
            let now = self.now();
            if account.twosv_suspended_at(now).is_some() {
                return Err(already_suspended());
            }
            let until = now.plus_secs(hours * 3600);
            let was = account.twosv_suspended_until;
            let mut writes = vec![Write::SuspendTwoSv { account: account.id, until, was }];
            // A pause past its time the sweep has not told yet ends here, recorded: its
            // owner hears of the new pause instead.
            if was.is_some() {
                writes.push(self.event(Some(account.id), EventKind::TwosvResumed, &ClientInfo::default(), format!("by {ENDED_BY_TIME}")));
            }
            let factors = self.store.factors(account.id).await?;
            let vars = [("until", self.local_time(&account, until))];
            writes.extend(self.notify_all_with(&account, &factors, Template::TwoSvSuspended, None, self.settings_url(), &vars)?);
            let detail = if by.is_empty() { format!("until {}", until.0) } else { format!("until {} by {by}", until.0) };
            writes.push(self.event(Some(account.id), EventKind::TwosvSuspended, client, detail));
            writes.extend(also.iter().cloned());
            if self.commit_guarded(writes).await?.is_ok() {
                return Ok(until);
            }
            account = self.store.account(account.id).await?.ok_or(Error::NotFound)?;
        }
        Err(already_suspended())
    }

    /// Switches 2SV back on before the pause's time. No step-up: it only adds protection.
    pub async fn resume_two_step(&self, a: &Authed, client: &ClientInfo) -> Result<()> {
        self.end_pause(&a.account, client, ENDED_BY_OWNER, Vec::new()).await
    }

    /// Ends a running pause now; `by` says who (`ENDED_BY_OWNER` or `ENDED_BY_SUPPORT`,
    /// whose member `also` records).
    pub(crate) async fn end_pause(&self, account: &Account, client: &ClientInfo, by: &str, also: Vec<Write>) -> Result<()> {
        let until = account.twosv_suspended_at(self.now()).ok_or_else(not_suspended)?;
        let mut writes = vec![Write::ResumeTwoSv { account: account.id, until }];
        writes.extend(self.notify_all_with(account, &[], Template::TwoSvResumed, None, self.settings_url(), &[])?);
        writes.push(self.event(Some(account.id), EventKind::TwosvResumed, client, format!("by {by}")));
        writes.extend(also);
        self.commit_guarded(writes).await?.map_err(|_| not_suspended())
    }

    /// Tells the owners whose pause has reached its time that 2SV is back on: each
    /// once, whichever instance sees it first, however long after (the clear is
    /// guarded on the pause's end). How many.
    pub async fn end_due_suspensions(&self) -> Result<usize> {
        let mut ended = 0;
        for account in self.store.due_twosv_suspensions(self.now(), DUE_BATCH).await? {
            let Some(until) = account.twosv_suspended_until else { continue };
            let mut writes = vec![Write::ResumeTwoSv { account: account.id, until }];
            writes.extend(self.notify_all_with(&account, &[], Template::TwoSvResumed, None, self.settings_url(), &[])?);
            writes.push(self.event(Some(account.id), EventKind::TwosvResumed, &ClientInfo::default(), format!("by {ENDED_BY_TIME}")));
            match self.commit_guarded(writes).await {
                Ok(Ok(())) => ended += 1,
                // Another instance told it first, or the owner paused again.
                Ok(Err(_)) => {}
                // One account that cannot be written must not hold back the others.
                Err(e) => tracing::warn!(account = %account.id, error = %e, "could not end a pause of 2SV at its time"),
            }
        }
        Ok(ended)
    }

    /// Where the owner switches 2SV back on.
    fn settings_url(&self) -> String {
        format!("{}/account", self.policy.public_url.trim_end_matches('/'))
    }
}
