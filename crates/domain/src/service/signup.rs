//! Sign-up (F-ACC-1) without revealing whether an address already has an account
//! (F-SIGNIN-5): both cases answer the same and take the same time; the owner of a
//! taken address gets a notice instead of a code.

use secrecy::SecretString;

use super::delivery::Target;
use super::*;
use crate::email::Email;
use crate::messages::{Intent, Template};
use crate::ports::Challenge;

#[derive(Clone, Debug, serde::Serialize)]
pub struct SignUpStarted {
    /// Verify the e-mailed code against this challenge to finish.
    pub challenge_id: ChallengeId,
}

impl<S: Store> Services<S> {
    pub async fn sign_up(&self, email: &str, password: SecretString, locale: Locale, client: &ClientInfo) -> Result<SignUpStarted> {
        let email = Email::parse(email)?;
        self.hasher.check_new(&self.policy.password, &password, &email, &self.policy.issuer).await?;
        let hash = self.hasher.hash(&password).await?;
        let now = self.now();

        if let Some(existing) = self.store.account_by_email(&email).await? {
            let notice = Intent::new(Template::AccountExists, Channel::Email, email.as_str(), existing.locale)
                .account(existing.id)
                .var("issuer", &self.policy.issuer)
                .var("url", &self.policy.public_url);
            // The same destination and address quotas a new sign-up's code would use, so
            // a limit reached answers alike for taken and free addresses.
            let charges = self.charges(None, email.as_str(), client);
            let mut writes = charges.writes(now);
            writes.push(notice.into_write(&self.keys, now)?);
            writes.push(self.event(Some(existing.id), EventKind::SignUpExisting, client, ""));
            let decoy = self.new_challenge(existing.id, Purpose::Decoy, None, client)?;
            let decoy_id = decoy.id;
            writes.push(Write::InsertChallenge(decoy));
            if let Err(i) = self.commit_guarded(writes).await? {
                return Err(self.limited(&charges, i).await?);
            }
            return Ok(SignUpStarted { challenge_id: decoy_id });
        }

        let account = Account {
            id: AccountId::new(),
            email,
            password_hash: hash,
            locale,
            created_at: now,
            email_verified_at: None,
            last_sign_in_at: None,
            credentials_changed_at: None,
            twosv_enabled_at: None,
            preferred_factor: None,
            signin_alerts: false,
        };
        let challenge = self.new_challenge(account.id, Purpose::VerifyEmail, None, client)?;
        let id = challenge.id;
        let prefix = vec![Write::InsertAccount(account.clone()), Write::InsertChallenge(challenge), self.event(Some(account.id), EventKind::SignUp, client, "")];
        match self.send_code(&account, id, Purpose::VerifyEmail, Target::AccountEmail, client, prefix, None).await {
            Ok(_) => Ok(SignUpStarted { challenge_id: id }),
            // Two sign-ups raced for one address: the loser looks like the taken case.
            Err(Error::Conflict { .. }) => Ok(SignUpStarted { challenge_id: ChallengeId::new() }),
            Err(e) => Err(e),
        }
    }

    /// A resend on a decoy: the same quota charges and answer as a real e-mail send. A
    /// real e-mail goes out too — the owner's "someone used your address" notice — so
    /// that "sent" or "queued" follows the same mail server as a real code would.
    pub(crate) async fn decoy_send(&self, account: &Account, client: &ClientInfo) -> Result<super::delivery::SentVia> {
        let now = self.now();
        let charges = self.charges(None, account.email.as_str(), client);
        let mut writes = charges.writes(now);
        let notice = Intent::new(Template::AccountExists, Channel::Email, account.email.as_str(), account.locale)
            .account(account.id)
            .var("issuer", &self.policy.issuer)
            .var("url", &self.policy.public_url)
            .into_write(&self.keys, now)?;
        let Write::InsertOutbox(m) = &notice else { return Err(Error::internal("an intent is an outbox row")) };
        let message = m.id;
        writes.push(notice);
        if let Err(i) = self.commit_guarded(writes).await? {
            return Err(self.limited(&charges, i).await?);
        }
        Ok(super::delivery::SentVia { channel: Channel::Email, to: account.email.masked(), state: self.delivery_state(message).await })
    }

    /// A new challenge; none while this instance's clock disagrees with the database's.
    pub(crate) fn new_challenge(&self, account: AccountId, purpose: Purpose, session: Option<SessionId>, client: &ClientInfo) -> Result<Challenge> {
        self.clock_skew.check()?;
        let now = self.now();
        Ok(Challenge {
            session_id: session,
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
            device_name: client.device_name.clone(),
            ..Challenge::open(ChallengeId::new(), account, purpose, now, now.plus_secs(self.policy.challenge_secs))
        })
    }
}
