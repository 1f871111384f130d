//! Sending codes and notifications: quota charges, the code's hash on the challenge and
//! the outbox row go into one transaction, so a code is never sent that the challenge
//! does not know, and a send the quota refuses leaves nothing behind.

use super::*;
use crate::messages::{Intent, Template};
use crate::otp::sent_code;
use crate::ports::Factor;

/// Where a code goes.
#[derive(Clone, Copy)]
pub(crate) enum Target<'a> {
    Factor(&'a Factor),
    /// The account's own address, for e-mail verification and high-risk sign-ins of
    /// accounts without 2SV.
    AccountEmail,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct SentVia {
    pub channel: Channel,
    pub to: String,
}

impl<S: Store> Services<S> {
    pub(crate) fn destination(account: &Account, target: Target<'_>) -> Result<(Channel, String, Option<FactorId>)> {
        match target {
            Target::AccountEmail => Ok((Channel::Email, account.email.as_str().to_string(), None)),
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

    pub(crate) fn masked(channel: Channel, to: &str) -> String {
        match channel {
            Channel::Email => crate::email::Email::from_stored(to.to_string()).masked(),
            Channel::Sms | Channel::Voice => crate::phone::PhoneE164::from_stored(to.to_string()).masked(),
        }
    }

    /// A signed link that cancels this challenge ("didn't request this? deny", F-OTP-4).
    pub fn deny_link(&self, challenge: ChallengeId) -> String {
        let sig = self.keys.sign_link(challenge.0.as_bytes());
        format!(
            "{}/deny/{}.{}",
            self.policy.public_url.trim_end_matches('/'),
            challenge.0.simple(),
            data_encoding::BASE64URL_NOPAD.encode(&sig[..16])
        )
    }

    /// Sends a fresh code for `challenge` through `target`. `prefix` writes (a new
    /// challenge, a new method) commit with it or not at all.
    pub(crate) async fn send_code(
        &self,
        account: &Account,
        challenge: ChallengeId,
        purpose: Purpose,
        target: Target<'_>,
        client: &ClientInfo,
        prefix: Vec<Write>,
    ) -> Result<SentVia> {
        if let Target::Factor(f) = target
            && f.disabled_at.is_some()
        {
            return Err(Error::MethodDisabled);
        }
        let (channel, to, factor) = Self::destination(account, target)?;
        let now = self.now();
        let q = &self.policy.quotas;
        let mut quota = vec![(format!("acct:{}", account.id), q.per_account), (format!("dest:{to}"), q.per_destination)];
        if let Some(ip) = &client.ip {
            quota.push((format!("addr:{ip}"), q.per_address));
        }
        let code = sent_code::generate()?;
        let template = match purpose {
            Purpose::VerifyEmail => Template::VerifyEmailCode,
            Purpose::SignIn | Purpose::DeviceSignIn => Template::SignInCode,
            Purpose::StepUp => Template::StepUpCode,
            Purpose::Enroll => Template::EnrollCode,
            Purpose::Approve | Purpose::Decoy => return Err(Error::internal("no code is sent for this challenge")),
        };
        let mut intent = Intent::new(template, channel, to.clone(), account.locale)
            .account(account.id)
            .var("code", code.as_str())
            .var("issuer", &self.policy.issuer)
            .var("origin_host", &self.policy.origin_host)
            .var("minutes", (self.policy.codes.sent_code_ttl_secs / 60).to_string())
            .var("deny_url", self.deny_link(challenge));
        intent.quota_keys = quota.iter().map(|(k, _)| k.clone()).collect();

        let mut writes = prefix;
        let first_quota = writes.len();
        for (key, limit) in &quota {
            writes.push(Write::ChargeQuota { key: key.clone(), limit: limit.limit, window_secs: limit.window_secs, now });
        }
        let set_code = writes.len();
        writes.push(Write::SetChallengeCode {
            challenge,
            factor,
            code_hash: sent_code::hash(&self.keys, challenge, &code),
            code_expires_at: now.plus_secs(self.policy.codes.sent_code_ttl_secs),
            now,
        });
        writes.push(intent.into_write(&self.keys, now)?);
        writes.push(self.event(Some(account.id), "code_sent", client, format!("{} {}", channel.as_str(), Self::masked(channel, &to))));

        match self.commit_guarded(writes).await? {
            Ok(()) => Ok(SentVia { channel, to: Self::masked(channel, &to) }),
            Err(i) if (first_quota..set_code).contains(&i) => {
                let (key, limit) = &quota[i - first_quota];
                let start = self.store.quota_window_start(key).await?.unwrap_or(now);
                let code = match key.split(':').next() {
                    Some("acct") => "limit.account",
                    Some("dest") => "limit.destination",
                    _ => "limit.address",
                };
                Err(Error::RateLimited { code, retry_at: start.plus_secs(limit.window_secs), now })
            }
            Err(_) => Err(Error::ChallengeClosed),
        }
    }

    /// Security notifications go to every address on file (SPEC "Security stance"):
    /// the account's e-mail and every verified phone.
    pub(crate) fn notify_all(&self, account: &Account, factors: &[Factor], template: Template, detail: &str) -> Result<Vec<Write>> {
        let now = self.now();
        let mut out = Vec::new();
        let mut add = |channel: Channel, to: String| -> Result<()> {
            let intent = Intent::new(template, channel, to, account.locale)
                .account(account.id)
                .var("issuer", &self.policy.issuer)
                .var("detail", detail)
                .var("url", &self.policy.public_url);
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
