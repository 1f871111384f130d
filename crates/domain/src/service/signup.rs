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
            let notice = notice.into_write(&self.keys, now)?;
            let notice_id = match &notice {
                Write::InsertOutbox(m) => m.id,
                _ => return Err(Error::internal("an intent is an outbox row")),
            };
            writes.push(notice);
            writes.push(self.event(Some(existing.id), EventKind::SignUpExisting, client, ""));
            let mut decoy = self.new_challenge(existing.id, Purpose::Decoy, None, client)?;
            // As a real sign-up's challenge knows the message with its code.
            decoy.code_message = Some(notice_id);
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
            // F-MSG-1: on from the start, so a sign-in by someone else is noticed at
            // once (seed 001); the owner can turn them off on the account page or API.
            signin_alerts: true,
            time_zone: None,
            locked_until: None,
            twosv_suspended_until: None,
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
    /// that "sent" or "queued" follows the same mail server as a real code would
    /// (F-SIGNIN-5).
    pub(crate) async fn decoy_send(&self, ch: &Challenge, account: &Account, client: &ClientInfo) -> Result<super::delivery::SentVia> {
        let charges = self.charges(None, account.email.as_str(), client);
        let notice = || {
            Intent::new(Template::AccountExists, Channel::Email, account.email.as_str(), account.locale)
                .account(account.id)
                .var("issuer", &self.policy.issuer)
                .var("url", &self.policy.public_url)
        };
        self.send_in_place_of_code(ch.id, ch.code_message, &notice, &charges, vec![]).await
    }

    /// A notice to a taken address where a code would go to a free one (sign-up's
    /// decoy, a change to a taken address): charged as the code would be, with an
    /// earlier notice still waiting withdrawn and its charge carried over as a real
    /// resend does with its code, and answered alike. The challenge gets a random
    /// "code" that was never sent, so no code can pass it. `prefix` commits with it.
    pub(crate) async fn send_in_place_of_code(
        &self,
        challenge: ChallengeId,
        replaces: Option<MessageId>,
        notice: &(dyn Fn() -> Intent + Sync),
        charges: &super::delivery::Charges,
        prefix: Vec<Write>,
    ) -> Result<super::delivery::SentVia> {
        let now = self.now();
        let waiting = match replaces {
            Some(m) => self.store.waiting_message(m, now).await?.map(|w| (m, w)),
            None => None,
        };
        let mut writes = prefix.clone();
        let mut intent = notice();
        let shown_to = Self::masked(Channel::Email, &intent.destination);
        let (supersede, first_quota) = Self::withdraw_or_charge(&mut writes, waiting.as_ref(), charges, &mut intent, now);
        let message = intent.into_write(&self.keys, now)?;
        let message_id = match &message {
            Write::InsertOutbox(m) => m.id,
            _ => return Err(Error::internal("an intent is an outbox row")),
        };
        // The "code" is never compared with anything sent; the message is what a resend replaces.
        let mut filler = [0u8; 32];
        crate::crypto::fill_random(&mut filler)?;
        writes.push(Write::SetChallengeCode {
            challenge,
            factor: None,
            code_hash: filler.to_vec(),
            code_expires_at: now.plus_secs(self.policy.codes.sent_code_ttl_secs),
            message: message_id,
            now,
        });
        writes.push(message);
        match self.commit_guarded(writes).await? {
            Ok(()) => Ok(super::delivery::SentVia { channel: Channel::Email, to: shown_to, state: self.delivery_state(message_id).await }),
            // Taken by a dispatcher meanwhile: charged like any send, as a real one is.
            Err(i) if Some(i) == supersede => Box::pin(self.send_in_place_of_code(challenge, None, notice, charges, prefix)).await,
            Err(i) if i >= first_quota && i < first_quota + charges.keys().len() => Err(self.limited(charges, i - first_quota).await?),
            Err(_) => Err(Error::ChallengeClosed),
        }
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
