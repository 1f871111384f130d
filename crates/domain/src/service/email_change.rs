//! F-ACC-6: changing the account's e-mail address. A step-up first; a code goes to the
//! new address and a notice with a deny link to the old one; the old address stays the
//! account's until the code is entered, and the new one becomes it only in the commit
//! that accepts the code, where the unique address makes two accounts holding one
//! address impossible. A taken address answers exactly as a free one (F-SIGNIN-5): its
//! owner gets a notice instead of a code, so the change can never complete.

use super::delivery::{SentVia, Target};
use super::*;
use crate::email::Email;
use crate::messages::{Intent, Template};
use crate::ports::Challenge;

#[derive(Clone, Debug, serde::Serialize)]
pub struct EmailChangeStarted {
    /// Verify the code sent to the new address against this challenge.
    pub challenge_id: ChallengeId,
    pub sent: SentVia,
}

impl<S: Store> Services<S> {
    pub async fn start_email_change(&self, a: &Authed, new_email: &str, client: &ClientInfo) -> Result<EmailChangeStarted> {
        self.require_step_up(a)?;
        let new = Email::parse(new_email).map_err(|e| e.on_field("email", "new_email"))?;
        if new == a.account.email {
            // Only the caller's own address: this tells nothing about other accounts.
            return Err(Error::invalid("email.unchanged", "new_email", "this is already your e-mail address"));
        }
        let now = self.now();
        let mut prefix = Vec::new();
        // One pending change at a time: a new request ends the earlier one, whose code
        // would otherwise still switch the address to what was asked for first.
        if let Some(earlier) = self.store.open_challenge(a.account.id, Purpose::ChangeEmail, now).await? {
            prefix.push(Write::CancelChallenge { challenge: earlier.id, now });
        }
        let mut ch = self.new_challenge(a.account.id, Purpose::ChangeEmail, Some(a.session.id), client)?;
        ch.new_email = Some(new.clone());
        let id = ch.id;
        prefix.push(Write::InsertChallenge(ch));
        // The old address hears of it at once, with the link that cancels it (F-MSG-4).
        let notice = Intent::new(Template::EmailChangeRequested, Channel::Email, a.account.email.as_str(), a.account.locale)
            .account(a.account.id)
            .challenge(id)
            .var("issuer", &self.policy.issuer)
            .var("detail", new.masked())
            .var("deny_url", self.deny_link(id));
        prefix.push(notice.into_write(&self.keys, now)?);
        prefix.push(self.event(Some(a.account.id), EventKind::EmailChangeRequested, client, new.masked()));
        let sent = self.send_to_new_address(&a.account, id, &new, client, prefix, None).await?;
        Ok(EmailChangeStarted { challenge_id: id, sent })
    }

    /// "Didn't get a code?" for a change of address: the same choice as at the start,
    /// made again (the address may have been taken or freed since).
    pub(crate) async fn resend_email_change(&self, ch: &Challenge, account: &Account, client: &ClientInfo) -> Result<SentVia> {
        let new = ch.new_email.as_ref().ok_or_else(|| Error::internal("an address change without its address"))?;
        self.send_to_new_address(account, ch.id, new, client, vec![], ch.code_message).await
    }

    /// The code to a free address; to a taken one, its owner's notice instead, charged
    /// against the same quotas and answered alike (F-SIGNIN-5).
    async fn send_to_new_address(&self, account: &Account, challenge: ChallengeId, new: &Email, client: &ClientInfo, prefix: Vec<Write>, replaces: Option<MessageId>) -> Result<SentVia> {
        match self.store.account_by_email(new).await? {
            Some(owner) if owner.id != account.id => {
                let charges = self.charges(Some(account.id), new.as_str(), client);
                let notice = || {
                    Intent::new(Template::EmailChangeTaken, Channel::Email, new.as_str(), owner.locale)
                        .account(owner.id)
                        .var("issuer", &self.policy.issuer)
                        .var("url", &self.policy.public_url)
                };
                self.send_in_place_of_code(challenge, replaces, &notice, &charges, prefix).await
            }
            _ => self.send_code(account, challenge, Purpose::ChangeEmail, Target::NewEmail(new), client, prefix, replaces).await,
        }
    }

    /// What a right code for a change of address writes besides consuming it: the new
    /// address (unique: refused if another account took it meanwhile), the password
    /// tries following it, and what any credential change ends — trusted browsers and
    /// every session but the one that asked, since whoever holds the account's address
    /// can reset its password. Every address on file, the old one included, is told.
    pub(crate) fn email_change_writes(&self, ch: &Challenge, account: &Account, factors: &[Factor], client: &ClientInfo, now: UnixMillis) -> Result<Vec<Write>> {
        let new = ch.new_email.clone().ok_or_else(|| Error::internal("an address change without its address"))?;
        let detail = format!("{} → {}", account.email.masked(), new.masked());
        let mut writes = vec![
            Write::SetEmail { account: account.id, email: new.clone(), now },
            Write::MovePasswordThrottle { from: self.account_throttle_key(account.email.as_str()), to: self.account_throttle_key(new.as_str()) },
        ];
        writes.extend(self.credential_change_writes(account, now));
        writes.push(Write::RevokeSessionsOf { account: account.id, except: ch.session_id, now });
        writes.extend(self.notify_all(account, factors, Template::EmailChanged, Some(&crate::messages::Detail::Address(new.masked())))?);
        writes.push(self.event(Some(account.id), EventKind::EmailChanged, client, detail));
        Ok(writes)
    }
}
