//! F-LIMIT-3: sign-in codes that keep coming without a sign-in mean that someone
//! else may know the password (the shop's own help: codes arriving "every day",
//! "again and again"). After the configured number within the window, the owner is
//! told once a window — by e-mail, so also in the message center — when, from which
//! device and place, what to do, with links to the history and to deny the request.
//! A successful sign-in starts the count again.

use super::*;
use crate::messages::{Intent, Template};

impl<S: Store> Services<S> {
    /// Called after a sign-in code was sent for `challenge`. Whether the owner was told
    /// now; at most one send of a window tells, however many race (the mark is guarded).
    pub(crate) async fn warn_if_unsolicited(&self, account: &Account, challenge: ChallengeId, client: &ClientInfo) -> Result<bool> {
        let q = self.policy.quotas.unsolicited;
        if q.limit <= 0 {
            return Ok(false);
        }
        let now = self.now();
        let window = now.minus_secs(q.window_secs);
        let since = account.last_sign_in_at.map_or(window, |t| t.max(window));
        let (asked, told_at) = self.store.sign_in_codes_since(account.id, since).await?;
        // Told within the window already: the guarded mark would refuse anyway.
        if asked < q.limit || told_at.is_some_and(|t| t > window) {
            return Ok(false);
        }
        let device = Self::device_named(client);
        let place = crate::place::place_of(self.places.as_ref(), client.ip.as_deref(), account.locale).map(|p| p.label());
        let from = [Some(device), client.ip.clone(), place].into_iter().flatten().collect::<Vec<_>>().join(", ");
        let base = self.policy.public_url.trim_end_matches('/');
        let intent = Intent::new(Template::RepeatedCodeWarning, Channel::Email, account.email.as_str(), account.locale)
            .account(account.id)
            .var("issuer", &self.policy.issuer)
            .var("count", asked.to_string())
            .var("when", self.local_time(account, now))
            .var("detail", from)
            .var("url", format!("{base}/account/history"))
            .var("password_url", format!("{base}/forgot-password"))
            .var("deny_url", self.deny_link(challenge));
        let writes = vec![
            Write::WarnUnsolicitedCodes { account: account.id, now, every_secs: q.window_secs },
            intent.into_write(&self.keys, now)?,
            self.event(Some(account.id), EventKind::UnsolicitedCodesWarned, client, format!("{asked} sign-in codes")),
        ];
        let told = self.commit_guarded(writes).await?.is_ok();
        if told {
            crate::telemetry::unsolicited_warning();
            self.outbox_signal.notify_waiters();
        }
        Ok(told)
    }
}
