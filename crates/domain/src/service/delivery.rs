//! Sending codes and notifications: quota charges, the code's hash on the challenge and
//! the outbox row go into one transaction, so a code is never sent that the challenge
//! does not know, and a send the quota refuses leaves nothing behind.

use super::*;
use crate::messages::{Detail, Intent, Template};
use crate::otp::sent_code;
use crate::ports::Factor;

/// Where a code goes.
#[derive(Clone, Copy)]
pub(crate) enum Target<'a> {
    Factor(&'a Factor),
    /// The account's own address, for e-mail verification and high-risk sign-ins of
    /// accounts without 2SV.
    AccountEmail,
    /// F-ACC-6: an address that is not yet the account's.
    NewEmail(&'a crate::email::Email),
    /// A mobile number's code read out by a call ("call me instead", F-SIGNIN-1): the
    /// same method, so the challenge, the quota and "only the latest code works"
    /// (F-OTP-2) are those of any resend; only the channel differs.
    ByVoice(&'a Factor),
}

/// Quota keys with their limits and the error code each answers with.
pub(crate) struct Charges(Vec<(String, crate::config::Quota, &'static str)>);

impl Charges {
    pub(crate) fn writes(&self, now: UnixMillis) -> Vec<Write> {
        self.0.iter().map(|(key, q, _)| Write::ChargeQuota { key: key.clone(), limit: q.limit, window_secs: q.window_secs, now }).collect()
    }
    pub(crate) fn keys(&self) -> Vec<String> {
        self.0.iter().map(|(k, _, _)| k.clone()).collect()
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct SentVia {
    pub channel: Channel,
    pub to: String,
    /// Whether the provider took the message while the request waited, or it is still
    /// queued (a slow or failing gateway: it is retried, and a resend replaces it).
    pub state: DeliveryState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Sent,
    Queued,
}

/// How long a request waits to tell "sent" from "queued".
const DELIVERY_WAIT: std::time::Duration = std::time::Duration::from_millis(300);

impl<S: Store> Services<S> {
    pub(crate) fn destination(account: &Account, target: Target<'_>) -> Result<(Channel, String, Option<FactorId>)> {
        match target {
            Target::AccountEmail => Ok((Channel::Email, account.email.as_str().to_string(), None)),
            Target::NewEmail(e) => Ok((Channel::Email, e.as_str().to_string(), None)),
            Target::ByVoice(f) => match (f.kind, &f.phone) {
                (FactorKind::Phone, Some(phone)) => Ok((Channel::Voice, phone.as_str().to_string(), Some(f.id))),
                _ => Err(Self::channel_not_available()),
            },
            Target::Factor(f) => match f.kind {
                FactorKind::Phone => {
                    let phone = f.phone.as_ref().ok_or_else(|| Error::internal("phone factor without number"))?;
                    Ok((f.channel.unwrap_or(Channel::Sms), phone.as_str().to_string(), Some(f.id)))
                }
                FactorKind::Email => Ok((Channel::Email, account.email.as_str().to_string(), Some(f.id))),
                FactorKind::Totp | FactorKind::BackupCodes => {
                    Err(Error::invalid("method.not_sendable", "method_id", "codes for this method are not sent; read it from the app or your list"))
                }
            },
        }
    }

    pub(crate) fn channel_not_available() -> Error {
        Error::invalid("channel.not_available", "channel", "this method cannot send its code that way: only a phone number takes a call")
    }

    pub(crate) fn masked(channel: Channel, to: &str) -> String {
        match channel {
            Channel::Email => crate::email::Email::from_stored(to.to_string()).masked(),
            Channel::Sms | Channel::Voice => crate::phone::PhoneE164::from_stored(to.to_string()).masked(),
        }
    }

    /// A signed link that cancels this challenge ("didn't request this? deny", F-OTP-4).
    pub fn deny_link(&self, challenge: ChallengeId) -> String {
        self.link_url(super::links::LinkKind::Deny, challenge)
    }

    /// Sends a fresh code for `challenge` through `target`. `prefix` writes (a new
    /// challenge, a new method) commit with it or not at all. `replaces` is the message
    /// of the code this one replaces: while it still waits in the outbox (a failing
    /// gateway), it is withdrawn and its quota charge carries over, so a resend is not
    /// charged again and the replaced code is never sent (F-OTP-2, F-LIMIT-1).
    #[allow(clippy::too_many_arguments)] // each is one fact of the send; a struct would only rename them
    pub(crate) async fn send_code(
        &self,
        account: &Account,
        challenge: ChallengeId,
        purpose: Purpose,
        target: Target<'_>,
        client: &ClientInfo,
        prefix: Vec<Write>,
        replaces: Option<MessageId>,
    ) -> Result<SentVia> {
        self.send_code_for(account, challenge, purpose, target, client, prefix, replaces, None).await
    }

    /// `send_code` for a service's step-up, whose message says what is confirmed (F-INT-3).
    #[allow(clippy::too_many_arguments)] // as `send_code`
    pub(crate) async fn send_code_for(
        &self,
        account: &Account,
        challenge: ChallengeId,
        purpose: Purpose,
        target: Target<'_>,
        client: &ClientInfo,
        prefix: Vec<Write>,
        replaces: Option<MessageId>,
        reason: Option<&crate::reason::StepUpReason>,
    ) -> Result<SentVia> {
        let waiting = match replaces {
            Some(m) => self.store.waiting_message(m, self.now()).await?.map(|keys| (m, keys)),
            None => None,
        };
        if let Some(replaced) = waiting {
            match self.send_code_once(account, challenge, purpose, target, client, prefix.clone(), Some(replaced), reason).await {
                // A dispatcher took the old message meanwhile: charge as for any send.
                Err(Error::Conflict { code: "outbox.taken", .. }) => {}
                other => return other,
            }
        }
        self.send_code_once(account, challenge, purpose, target, client, prefix, None, reason).await
    }

    #[allow(clippy::too_many_arguments)] // as `send_code`
    async fn send_code_once(
        &self,
        account: &Account,
        challenge: ChallengeId,
        purpose: Purpose,
        target: Target<'_>,
        client: &ClientInfo,
        prefix: Vec<Write>,
        replaced: Option<(MessageId, (Vec<String>, bool))>,
        reason: Option<&crate::reason::StepUpReason>,
    ) -> Result<SentVia> {
        if let Target::Factor(f) | Target::ByVoice(f) = target
            && f.disabled_at.is_some()
        {
            return Err(Error::MethodDisabled);
        }
        let (channel, to, factor) = Self::destination(account, target)?;
        let now = self.now();
        let quota = self.charges(Some(account.id), &to, client);
        // F-LIMIT-4: an SMS or voice send is refused outside the allowed countries, and
        // counted per prefix, country and hour with the send itself.
        let sms = self.sms_charges(channel, &to)?;
        let code = sent_code::generate()?;
        let template = match purpose {
            Purpose::VerifyEmail => Template::VerifyEmailCode,
            Purpose::SignIn | Purpose::DeviceSignIn => Template::SignInCode,
            Purpose::StepUp => Template::StepUpCode,
            Purpose::Enroll => Template::EnrollCode,
            Purpose::ResetPassword => Template::PasswordResetCode,
            Purpose::ChangeEmail => Template::EmailChangeCode,
            Purpose::ServiceStepUp => Template::ServiceStepUpCode,
            // Delivery codes are sent by their own use case, with their own hash (F-DLV-4).
            Purpose::Approve | Purpose::Decoy | Purpose::Delivery => return Err(Error::internal("no code is sent for this challenge")),
        };
        let mut intent = Intent::new(template, channel, to.clone(), account.locale)
            .account(account.id)
            .challenge(challenge)
            .var("code", code.as_str())
            .var("issuer", &self.policy.issuer)
            .var("origin_host", &self.policy.origin_host)
            .valid_for(self.policy.codes.sent_code_ttl_secs)
            .var("deny_url", self.deny_link(challenge));
        for (k, v) in reason.map(|r| r.vars()).unwrap_or_default() {
            intent = intent.var(k, v);
        }
        let mut writes = prefix;
        let (supersede, first_quota) = Self::withdraw_or_charge(&mut writes, replaced.as_ref(), &quota, &mut intent, now);
        // Charged even when the send replaces a waiting one: toll fraud is counted by
        // what is handed to the gateway, and a replaced message may be on its way.
        let first_sms = writes.len();
        writes.extend(sms.writes());
        let set_code = writes.len();
        let message = intent.into_write(&self.keys, now)?;
        let Write::InsertOutbox(m) = &message else { return Err(Error::internal("an intent is an outbox row")) };
        let message_id = m.id;
        writes.push(Write::SetChallengeCode {
            challenge,
            factor,
            code_hash: sent_code::hash(&self.keys, challenge, &code),
            code_expires_at: now.plus_secs(self.policy.codes.sent_code_ttl_secs),
            message: message_id,
            now,
        });
        writes.push(message);
        writes.push(self.event(Some(account.id), EventKind::CodeSent, client, format!("{} {}", channel.as_str(), Self::masked(channel, &to))));

        let out = match self.commit_guarded(writes).await? {
            Ok(()) => Ok(SentVia { channel, to: Self::masked(channel, &to), state: self.delivery_state(message_id).await }),
            Err(i) if Some(i) == supersede => return Err(Error::conflict("outbox.taken", "the earlier code is being sent")),
            Err(i) if (first_quota..first_sms).contains(&i) => Err(self.limited(&quota, i - first_quota).await?),
            Err(i) if (first_sms..set_code).contains(&i) => Err(self.sms_refused(&sms, i - first_sms, client).await?),
            Err(_) => Err(Error::ChallengeClosed),
        };
        // A send that lost the race for a waiting message is tried again, not counted.
        let outcome = match &out {
            Ok(s) if s.state == DeliveryState::Sent => "sent",
            Ok(_) => "queued",
            Err(e) => crate::telemetry::outcome_of_error(e),
        };
        crate::telemetry::code_send(channel.as_str(), outcome);
        // F-LIMIT-3: the send stands whatever the warning's fate.
        if out.is_ok()
            && matches!(purpose, Purpose::SignIn | Purpose::DeviceSignIn)
            && let Err(e) = self.warn_if_unsolicited(account, challenge, client).await
        {
            tracing::warn!(error = %e, "could not tell the owner about codes without a sign-in");
        }
        out
    }

    /// The charge of a send that may replace an earlier one still pending (F-OTP-2,
    /// F-LIMIT-1): the earlier message is withdrawn, and its charge carries over — unless
    /// a dispatcher holds it at this moment, when it may still go out and this send is
    /// charged like any other (or a slow gateway would carry free sends). Returns the
    /// index of the withdrawal and of the first quota charge in `writes`.
    pub(crate) fn withdraw_or_charge(
        writes: &mut Vec<Write>,
        replaced: Option<&(MessageId, (Vec<String>, bool))>,
        quota: &Charges,
        intent: &mut Intent,
        now: UnixMillis,
    ) -> (Option<usize>, usize) {
        let supersede = replaced.map(|(old, _)| {
            writes.push(Write::SupersedeMessage { message: *old, now });
            writes.len() - 1
        });
        let first_quota = writes.len();
        match replaced {
            Some((_, (keys, false))) => intent.quota_keys = keys.clone(),
            _ => {
                intent.quota_keys = quota.keys();
                writes.extend(quota.writes(now));
            }
        }
        (supersede, first_quota)
    }

    /// Waits a moment for this instance's dispatcher to hand the message over.
    pub(crate) async fn delivery_state(&self, message: MessageId) -> DeliveryState {
        let deadline = tokio::time::Instant::now() + DELIVERY_WAIT;
        loop {
            let delivered = self.delivered.notified();
            tokio::pin!(delivered);
            delivered.as_mut().enable();
            match self.store.message_status(message).await {
                Ok(Some(s)) if s == "sent" => return DeliveryState::Sent,
                Ok(_) => {}
                Err(_) => return DeliveryState::Queued,
            }
            if tokio::time::timeout_at(deadline, delivered).await.is_err() {
                return DeliveryState::Queued;
            }
        }
    }

    /// The send quotas a code send to `destination` is charged against (F-LIMIT-1):
    /// per account (when there is one), per destination, per client address.
    pub(crate) fn charges(&self, account: Option<AccountId>, destination: &str, client: &ClientInfo) -> Charges {
        let q = &self.policy.quotas;
        let mut keys = Vec::with_capacity(3);
        if let Some(a) = account {
            keys.push((format!("acct:{a}"), q.per_account, "limit.account"));
        }
        keys.push((format!("dest:{destination}"), q.per_destination, "limit.destination"));
        if let Some(ip) = &client.ip {
            keys.push((format!("addr:{ip}"), q.per_address, "limit.address"));
        }
        Charges(keys)
    }

    /// Reset links (F-ACC-5): counted per typed address on a key of their own, so the
    /// limit falls at the same request for an address with an account (which has had
    /// other mail) and one without; and per client address like every send.
    pub(crate) fn reset_link_charges(&self, destination: &str, client: &ClientInfo) -> Charges {
        let q = &self.policy.quotas;
        let mut keys = vec![(format!("reset-link:{destination}"), q.per_destination, "limit.destination")];
        if let Some(ip) = &client.ip {
            keys.push((format!("addr:{ip}"), q.per_address, "limit.address"));
        }
        Charges(keys)
    }

    /// F-ORG-1: invitations e-mailed by a member, and to one address: the inviter as a
    /// client address may send (a business invites its staff in a batch), the address
    /// as any destination may receive.
    pub(crate) fn org_invite_charges(&self, inviter: AccountId, destination: &str) -> Charges {
        let q = &self.policy.quotas;
        Charges(vec![(format!("org-invite:acct:{inviter}"), q.per_address, "limit.account"), (format!("org-invite:dest:{destination}"), q.per_destination, "limit.destination")])
    }

    /// Reset requests (F-OFF-3): each costs a password hash and carries a document, so
    /// a client address may make only a few an hour, whatever their outcome.
    pub(crate) fn reset_charges(&self, client: &ClientInfo) -> Charges {
        let key = format!("reset:addr:{}", client.ip.as_deref().unwrap_or("unknown"));
        Charges(vec![(key, crate::config::Quota { limit: 5, window_secs: 3600 }, "limit.address")])
    }

    /// The "request limit reached" answer for the charge at `index`, with when to retry.
    /// Feedback notes: a few a day per account, so a session cannot fill the table.
    pub(crate) fn feedback_charges(&self, account: AccountId) -> Charges {
        Charges(vec![(format!("feedback:{account}"), crate::config::Quota { limit: 3, window_secs: 24 * 3600 }, "limit.account")])
    }

    pub(crate) async fn limited(&self, charges: &Charges, index: usize) -> Result<Error> {
        let now = self.now();
        let (key, quota, code) = charges.0.get(index).ok_or_else(|| Error::internal("no such quota charge"))?;
        crate::telemetry::quota_refused(key);
        let start = self.store.quota_window_start(key).await?.unwrap_or(now);
        Ok(Error::RateLimited { code, retry_at: start.plus_secs(quota.window_secs), now })
    }

    /// Where a notice's "if this wasn't you" points: for a password someone else may
    /// have set, the page that resets it without signing in (the owner may no longer
    /// be able to sign in); else the start page.
    fn way_on(&self, template: Template) -> String {
        let base = self.policy.public_url.trim_end_matches('/');
        match template {
            Template::PasswordChanged | Template::PasswordWasReset => format!("{base}/forgot-password"),
            _ => self.policy.public_url.clone(),
        }
    }

    /// Security notifications go to every address on file (SPEC "Security stance"):
    /// the account's e-mail and every verified phone.
    pub(crate) fn notify_all(&self, account: &Account, factors: &[Factor], template: Template, detail: Option<&Detail>) -> Result<Vec<Write>> {
        self.notify_all_to(account, factors, template, detail, self.way_on(template))
    }

    /// `notify_all` whose "if this wasn't you" goes to `url` (a signed link that undoes
    /// what the notice announces).
    pub(crate) fn notify_all_to(&self, account: &Account, factors: &[Factor], template: Template, detail: Option<&Detail>, url: String) -> Result<Vec<Write>> {
        self.notify_all_with(account, factors, template, detail, url, &[])
    }

    /// `notify_all_to` with variables of the template's own (a lock's end, say).
    pub(crate) fn notify_all_with(&self, account: &Account, factors: &[Factor], template: Template, detail: Option<&Detail>, url: String, vars: &[(&'static str, String)]) -> Result<Vec<Write>> {
        let now = self.now();
        let mut out = Vec::new();
        let mut add = |channel: Channel, to: String| -> Result<()> {
            let mut intent = Intent::new(template, channel, to, account.locale)
                .account(account.id)
                .var("issuer", &self.policy.issuer)
                .detail(detail)
                .var("url", url.clone());
            for (k, v) in vars {
                intent = intent.var(k, v.clone());
            }
            out.push(intent.into_write(&self.keys, now)?);
            Ok(())
        };
        add(Channel::Email, account.email.as_str().to_string())?;
        for f in factors.iter().filter(|f| f.kind == FactorKind::Phone && f.verified_at.is_some()) {
            if let Some(p) = &f.phone {
                add(f.channel.unwrap_or(Channel::Sms), p.as_str().to_string())?;
            }
        }
        Ok(out)
    }
}
