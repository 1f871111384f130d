//! Entering a code (F-OTP-1…6): every kind of code ends in one guarded commit that
//! consumes the challenge and writes what it unlocks, so of many concurrent tries with
//! the right code exactly one succeeds.

use secrecy::{ExposeSecret, SecretString};

use super::delivery::{SentVia, Target};
use super::*;
use crate::messages::{Detail, Template};
use crate::otp::{backup_codes, sent_code, totp};
use crate::ports::{AttemptOutcome, Challenge, CodeAttempt, CodeCheck, CommitError, TrustedBrowser};

pub struct VerifyInput {
    pub code: SecretString,
    /// The method the code comes from; the challenge's current method if absent.
    pub method: Option<FactorId>,
    /// F-2SV-4 / F-SIGNIN-2: "don't require codes on this browser".
    pub trust_browser: bool,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Verified {
    pub purpose: Purpose,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<SessionId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_browser_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method_id: Option<FactorId>,
}

#[derive(Clone, Debug, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum StepUpStarted {
    /// The session is stepped up (accounts without 2SV, by password).
    Done,
    CodeRequired { challenge_id: ChallengeId, method: MethodView, methods: Vec<MethodView>, #[serde(skip_serializing_if = "Option::is_none")] sent: Option<SentVia> },
}

/// What following a deny link did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DenyOutcome {
    /// The pending challenge or approval is cancelled.
    Denied,
    /// The code had already been used: recorded, and the owner told to change the password.
    AlreadyUsed,
}

/// An open challenge as the code page shows it: what it is for, the method the code
/// is expected from, and every other method that may answer it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ChallengeView {
    pub purpose: Purpose,
    pub method: Option<MethodView>,
    pub methods: Vec<MethodView>,
    /// F-INT-3: what a service's step-up asks the shopper to confirm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<crate::reason::StepUpReason>,
}

fn is_open(c: &Challenge, now: UnixMillis, max_attempts: i64) -> bool {
    c.consumed_at.is_none() && c.cancelled_at.is_none() && c.expires_at > now && c.attempts < max_attempts
}

impl<S: Store> Services<S> {
    /// An open challenge with its account and methods, and whether `device` (when
    /// asked) has signed in to the account before: one read.
    pub(crate) async fn open_challenge_checked(&self, id: ChallengeId, device: Option<&[u8]>) -> Result<(Challenge, Account, Vec<Factor>, bool)> {
        // An unknown id answers like a wrong code: sign-up hands out such ids for taken
        // addresses (F-SIGNIN-5).
        let ctx = self.store.challenge_context(id, device).await?.ok_or(Error::InvalidCode)?;
        if !self.is_open_now(&ctx.challenge) {
            return Err(Error::ChallengeClosed);
        }
        // F-OFF-5: a challenge opened in a race with a lock is answered by nothing. A
        // decoy (sign-up with a taken address) leads to no session, and must not tell a
        // stranger the account is locked.
        if ctx.challenge.purpose != Purpose::Decoy {
            self.ensure_unlocked(&ctx.account)?;
        }
        Ok((ctx.challenge, ctx.account, ctx.factors, ctx.known_device))
    }

    /// Whether a challenge can still be answered now: not consumed, cancelled, expired
    /// or out of attempts.
    pub(crate) fn is_open_now(&self, c: &Challenge) -> bool {
        is_open(c, self.now(), self.policy.codes.max_attempts_per_challenge)
    }

    pub(crate) fn method_not_allowed() -> Error {
        Error::invalid("method.not_allowed", "method_id", "this method cannot be used here")
    }

    pub(crate) fn code_malformed() -> Error {
        Error::invalid("code.malformed", "code", "a code has at most 64 characters")
    }

    /// Which methods may answer a challenge of this purpose.
    pub(crate) fn method_for<'f>(&self, ch: &Challenge, account: &Account, factors: &'f [Factor], method: Option<FactorId>) -> Result<Option<&'f Factor>> {
        let wrong_method = Self::method_not_allowed;
        let id = method.or(ch.factor_id);
        let factor = match id {
            Some(id) => Some(factors.iter().find(|f| f.id == id).ok_or_else(wrong_method)?),
            None => None,
        };
        if let Some(f) = factor
            && f.disabled_at.is_some()
        {
            return Err(Error::MethodDisabled);
        }
        let ok = match (ch.purpose, factor) {
            // The code went to the new address, which no method stands for.
            (Purpose::VerifyEmail | Purpose::ChangeEmail, None) => true,
            (Purpose::Enroll, Some(f)) => Some(f.id) == ch.factor_id,
            // Accounts without 2SV, or with it paused (F-OFF-2), get e-mailed codes in
            // high-risk sign-ins.
            (Purpose::SignIn | Purpose::DeviceSignIn, None) => !account.twosv_required(self.now()),
            (Purpose::SignIn, Some(f)) => f.verified_at.is_some(),
            (Purpose::DeviceSignIn, Some(f)) => f.verified_at.is_some() && f.kind != FactorKind::BackupCodes,
            // SECURITY.md: an e-mailed code never satisfies a step-up.
            (Purpose::StepUp, Some(f)) => f.verified_at.is_some() && f.kind != FactorKind::Email,
            // F-INT-3: a 2SV method once 2SV is on; before, or while it is paused
            // (F-OFF-2), the e-mailed code (marked weak).
            (Purpose::ServiceStepUp, Some(f)) => account.twosv_enabled_at.is_some() && f.verified_at.is_some() && f.kind != FactorKind::Email,
            (Purpose::ServiceStepUp, None) => !account.twosv_required(self.now()),
            // The reset link already proves the e-mail address: the code must come from
            // something else the owner has (F-ACC-5).
            (Purpose::ResetPassword, Some(f)) => account.twosv_enabled_at.is_some() && f.verified_at.is_some() && f.kind != FactorKind::Email,
            // Approvals are passed by their link, never by a code.
            _ => false,
        };
        if !ok {
            return Err(wrong_method());
        }
        Ok(factor)
    }

    pub async fn verify(&self, id: ChallengeId, input: VerifyInput, client: &ClientInfo) -> Result<Verified> {
        // The method is known only once the challenge is read: `unknown` before that.
        let mut method = "unknown";
        let out = self.verify_counted(id, input, client, &mut method).await;
        let outcome = match &out {
            Ok(_) => "accepted",
            Err(e) => crate::telemetry::outcome_of_error(e),
        };
        crate::telemetry::verification(method, outcome);
        out
    }

    async fn verify_counted(&self, id: ChallengeId, input: VerifyInput, client: &ClientInfo, method: &mut &'static str) -> Result<Verified> {
        // Expiry and TOTP steps follow this instance's clock: not while it is off.
        self.clock_skew.check()?;
        let (ch, account, factors, known) = self.open_challenge_checked(id, Some(&self.device_hash(client))).await?;
        let code = input.code.expose_secret();
        if ch.purpose == Purpose::Decoy {
            // Counted as the e-mail code it poses as.
            *method = "email";
            // The e-mail confirmation it stands in for, check for check (F-SIGNIN-5):
            // no method may be named, the same length limit, then a wrong code.
            if input.method.is_some() {
                return Err(Self::method_not_allowed());
            }
            if code.len() > 64 {
                return Err(Self::code_malformed());
            }
            return Err(self.wrong_attempt(&ch, None, &account, client).await?);
        }
        let named = input.method.or_else(|| self.backup_codes_if_shaped(&ch, &account, &factors, input.code.expose_secret()));
        let factor = self.method_for(&ch, &account, &factors, named)?;
        *method = factor.map(|f| f.kind.as_str()).unwrap_or("email");
        let now = self.now();
        if code.len() > 64 {
            return Err(Self::code_malformed());
        }

        // How the attempt is decided; the writes a right code needs besides the consumption.
        let mut writes = Vec::new();
        let check = self.code_check(&ch, &account, factor, code, now, &mut writes)?;

        let mut out = Verified { purpose: ch.purpose, session_id: None, session_token: None, trusted_browser_token: None, method_id: factor.map(|f| f.id) };
        let how = factor.map(|f| f.kind.as_str()).unwrap_or("email");
        let method_used = AuthMethod::of_code(factor.map(|f| f.kind), factor.and_then(|f| f.channel));
        match ch.purpose {
            Purpose::VerifyEmail | Purpose::SignIn | Purpose::DeviceSignIn => {
                if ch.purpose == Purpose::VerifyEmail {
                    writes.push(Write::MarkEmailVerified { account: account.id, now });
                }
                // A fresh code from a second factor counts as a step-up; an e-mailed one does not.
                let step_up = method_used.is_second_factor().then_some(method_used);
                let (w, sid, token) = self.sign_in_writes(&account, client, known, how, vec![AuthMethod::Password, method_used], step_up)?;
                writes.extend(w);
                out.session_id = Some(sid);
                out.session_token = Some(token);
                // Devices without a second screen are never trusted (F-SIGNIN-6).
                // Nor is a browser trusted on a code 2SV did not ask for (F-OFF-2): the
                // mark would skip codes once 2SV is back on.
                if input.trust_browser && ch.purpose == Purpose::SignIn && account.twosv_required(now) {
                    let (w, token) = self.trust_browser_write(account.id, client)?;
                    writes.push(w);
                    out.trusted_browser_token = Some(token);
                }
            }
            Purpose::StepUp => {
                let session = ch.session_id.ok_or_else(|| Error::internal("step-up without session"))?;
                writes.push(Write::SetSteppedUp { session, method: method_used, now });
                writes.push(self.event(Some(account.id), EventKind::StepUp, client, how));
            }
            Purpose::ChangeEmail => writes.extend(self.email_change_writes(&ch, &account, &factors, client, now)?),
            Purpose::ServiceStepUp => writes.extend(self.service_step_up_writes(&ch, method_used, client).await?),
            // Approvals are passed by their link, a reset by `complete_password_reset`.
            // A delivery code is answered only at the door (F-DLV-4): `method_for` refuses
            // it first; this arm is never reached.
            Purpose::Approve | Purpose::Decoy | Purpose::ResetPassword | Purpose::Delivery => return Err(Error::ChallengeClosed),
            Purpose::Enroll => {
                let Some(f) = factor else { unreachable!() };
                // Pending enrolments are not counted when they start: count at the end.
                if f.kind == FactorKind::Phone {
                    let phones: Vec<&Factor> = factors.iter().filter(|g| g.kind == FactorKind::Phone && g.verified_at.is_some() && Some(g.id) != f.replaces).collect();
                    if phones.iter().any(|g| g.phone == f.phone) {
                        return Err(Error::conflict("phone.duplicate", "this number is already registered; the two numbers must differ"));
                    }
                    if phones.len() >= self.policy.max_phones {
                        return Err(Error::conflict("phone.too_many", format!("at most {} phone numbers; remove or change one", self.policy.max_phones)));
                    }
                }
                writes.push(Write::VerifyFactor { factor: f.id, now });
                // Everyone on file hears of it, the phone being replaced included.
                let mut remaining: Vec<Factor> = factors.to_vec();
                if let Some(old) = f.replaces {
                    writes.push(Write::DeleteFactor { account: account.id, factor: old });
                }
                if account.preferred_factor.is_none() || account.preferred_factor == f.replaces {
                    writes.push(Write::SetPreferred { account: account.id, factor: Some(f.id) });
                }
                writes.extend(self.credential_change_writes(&account, now));
                if let Some(g) = remaining.iter_mut().find(|g| g.id == f.id) {
                    g.verified_at = Some(now);
                }
                // F-2SV-6: a replaced phone is one change, named by both numbers' tails.
                let replaced = f.replaces.and_then(|old| factors.iter().find(|g| g.id == old)).and_then(|g| g.phone.as_ref());
                let (template, detail) = match (replaced, &f.phone) {
                    (Some(old), Some(new)) => (Template::PhoneChanged, Detail::PhoneChanged { from: old.tail().to_string(), to: new.tail().to_string() }),
                    _ => (Template::MethodAdded, Detail::method_of(f.kind, f.phone.as_ref())),
                };
                writes.extend(self.notify_all(&account, &remaining, template, Some(&detail))?);
                writes.push(self.event(Some(account.id), EventKind::MethodAdded, client, f.kind.as_str()));
            }
        }

        let attempt = self.code_attempt(&ch, check, factor, &account, client);
        match self.commit_attempt(attempt, writes).await {
            Ok(Ok(AttemptOutcome::Accepted)) => Ok(out),
            Ok(Ok(outcome)) => Err(self.after_wrong(outcome, factor, &account, client).await?),
            // A right code whose unlocked writes were refused: a TOTP step used before
            // (F-OTP-5), a backup code used at this moment elsewhere, a method verified
            // twice. Nothing was written; it counts as a wrong code.
            Ok(Err(_)) => Err(self.wrong_attempt(&ch, factor, &account, client).await?),
            // The new address became another account's after its code was sent (F-ACC-6):
            // nothing was written, and it answers as a taken address does, a wrong code.
            Err(Error::Conflict { code: "conflict", .. }) if ch.purpose == Purpose::ChangeEmail => Err(self.wrong_attempt(&ch, factor, &account, client).await?),
            Err(e) => Err(e),
        }
    }

    /// The account's backup codes, when no method was named and the code has the shape
    /// of a backup code (a six-digit code never has): a shopper who types one on the
    /// code page need not first pick "use a backup code" (F-2SV-2).
    pub(crate) fn backup_codes_if_shaped(&self, ch: &Challenge, account: &Account, factors: &[Factor], code: &str) -> Option<FactorId> {
        backup_codes::normalize(code)?;
        let f = factors.iter().find(|f| f.kind == FactorKind::BackupCodes)?;
        self.method_for(ch, account, factors, Some(f.id)).ok().map(|_| f.id)
    }

    /// How a code from `factor` (none: the account's e-mail address) is decided, and
    /// the writes a right code needs besides consuming the challenge.
    pub(crate) fn code_check(&self, ch: &Challenge, account: &Account, factor: Option<&Factor>, code: &str, now: UnixMillis, writes: &mut Vec<Write>) -> Result<CodeCheck> {
        let check = match factor.map(|f| f.kind) {
            None | Some(FactorKind::Phone) | Some(FactorKind::Email) => {
                // Only the method the latest code went through counts (F-OTP-2).
                match sent_code::normalize(code, sent_code::DIGITS) {
                    Some(c) if factor.map(|f| f.id) == ch.factor_id => CodeCheck::SentHash(sent_code::hash(&self.keys, ch.id, &c)),
                    _ => CodeCheck::Decided(false),
                }
            }
            Some(FactorKind::Totp) => {
                let Some(f) = factor else { unreachable!() };
                let seed = self.keys.open(&totp_aad(f.id), f.secret.as_deref().unwrap_or_default())?;
                let step = sent_code::normalize(code, 6)
                    .and_then(|c| totp::verify(&totp::APP_DEFAULT, &seed, &c, now.as_secs(), self.policy.codes.totp_skew_steps));
                if let Some(step) = step {
                    // A step used before is refused here, and the attempt with it (F-OTP-5).
                    writes.push(Write::AdvanceTotpStep { factor: f.id, step });
                }
                CodeCheck::Decided(step.is_some())
            }
            Some(FactorKind::BackupCodes) => match backup_codes::normalize(code) {
                Some(c) => {
                    let code_hash = backup_codes::hash(&self.keys, account.id, &c);
                    writes.push(Write::ConsumeBackupCode { account: account.id, code_hash: code_hash.clone(), now });
                    CodeCheck::BackupHash { account: account.id, code_hash }
                }
                None => CodeCheck::Decided(false),
            },
        };
        // A success ends a run of failures (F-OTP-6). Always asked for: the count read
        // before may be stale when wrong codes of the same burst were counted since;
        // the statement changes nothing when there is nothing to reset.
        // (A TOTP step's advance resets it in the same statement.)
        if let Some(f) = factor.filter(|f| matches!(f.kind, FactorKind::Phone | FactorKind::Email)) {
            writes.push(Write::ResetFactorFailures { factor: f.id });
        }
        Ok(check)
    }

    /// The attempt a code check commits: counted against `factor` when wrong (backup
    /// codes are a list, not a method that can be guessed into lock-out), with its event.
    pub(crate) fn code_attempt(&self, ch: &Challenge, check: CodeCheck, factor: Option<&Factor>, account: &Account, client: &ClientInfo) -> CodeAttempt {
        let counted = factor.filter(|f| f.kind != FactorKind::BackupCodes).map(|f| (f.id, self.policy.codes.method_failure_ceiling));
        let how = factor.map(|f| f.kind.as_str()).unwrap_or("email");
        CodeAttempt {
            on: crate::ports::Attempted::Challenge(ch.id),
            check,
            now: self.now(),
            max_attempts: self.policy.codes.max_attempts_per_challenge,
            method: counted,
            on_wrong: vec![self.event(Some(account.id), EventKind::WrongCode, client, how)],
        }
    }

    /// A code known to be wrong before the database is asked (malformed, from a method
    /// the latest code did not go through, a refused right code): counted like any
    /// other, under the same limit.
    pub(crate) async fn wrong_attempt(&self, ch: &Challenge, factor: Option<&Factor>, account: &Account, client: &ClientInfo) -> Result<Error> {
        let attempt = self.code_attempt(ch, CodeCheck::Decided(false), factor, account, client);
        let outcome = self.store.commit_attempt(attempt, vec![]).await.map_err(|e| match e {
            CommitError::Store(e) => e,
            _ => Error::internal("a wrong code's count was refused"),
        })?;
        self.after_wrong(outcome, factor, account, client).await
    }

    /// The error a wrong or closed attempt answers; a method that reached its ceiling
    /// is announced to every address on file (F-OTP-6).
    pub(crate) async fn after_wrong(&self, outcome: AttemptOutcome, factor: Option<&Factor>, account: &Account, client: &ClientInfo) -> Result<Error> {
        match outcome {
            AttemptOutcome::Accepted => Err(Error::internal("a wrong code was accepted")),
            AttemptOutcome::Closed => Ok(Error::ChallengeClosed),
            AttemptOutcome::Wrong(n) if n.factor_disabled => {
                let kind = factor.map(|f| f.kind.as_str()).unwrap_or("");
                let mut writes = vec![self.event(Some(account.id), EventKind::MethodDisabled, client, kind)];
                let factors = self.store.factors(account.id).await?;
                let detail = factor.map(|f| crate::messages::Detail::LockedOut { kind: f.kind, tail: f.phone.as_ref().map(|p| p.tail().to_string()) });
                writes.extend(self.notify_all(account, &factors, crate::messages::Template::MethodRemoved, detail.as_ref())?);
                self.commit(writes).await?;
                Ok(Error::MethodDisabled)
            }
            AttemptOutcome::Wrong(_) => Ok(Error::InvalidCode),
        }
    }

    /// The code page of an open challenge. A decoy (F-SIGNIN-5) looks like the e-mail
    /// confirmation it stands in for.
    pub async fn challenge_view(&self, id: ChallengeId) -> Result<ChallengeView> {
        let (ch, account, factors, _) = self.open_challenge_checked(id, None).await?;
        if matches!(ch.purpose, Purpose::Decoy | Purpose::VerifyEmail) {
            return Ok(ChallengeView { purpose: Purpose::VerifyEmail, method: None, methods: vec![], reason: None });
        }
        let usable = Self::usable(&factors);
        let allowed: Vec<MethodView> = usable
            .iter()
            .filter(|f| self.method_for(&ch, &account, &factors, Some(f.id)).is_ok())
            .map(|f| MethodView::of(f, &account))
            .collect();
        let method = ch.factor_id.and_then(|id| factors.iter().find(|f| f.id == id)).map(|f| MethodView::of(f, &account));
        let reason = if ch.purpose == Purpose::ServiceStepUp { self.step_up_reason(ch.id).await? } else { None };
        Ok(ChallengeView { purpose: ch.purpose, method, methods: allowed, reason })
    }

    pub(crate) fn trust_browser_write(&self, account: AccountId, client: &ClientInfo) -> Result<(Write, String)> {
        let now = self.now();
        let token = crate::crypto::random_token()?;
        Ok((
            Write::InsertTrustedBrowser(TrustedBrowser {
                id: TrustedBrowserId::new(),
                account_id: account,
                token_hash: self.keys.hash_token(&token),
                device_hash: self.device_hash(client),
                user_agent: client.user_agent.clone(),
                created_at: now,
                expires_at: now.plus_secs(self.policy.trusted_browser_secs),
                last_used_at: None,
                revoked_at: None,
            }),
            token,
        ))
    }

    /// Every credential change: trusted browsers lose their trust (SECURITY.md) and the
    /// risk rules see the change (F-SIGNIN-3).
    pub(crate) fn credential_change_writes(&self, account: &Account, now: UnixMillis) -> Vec<Write> {
        vec![Write::CredentialsChanged { account: account.id, now }, Write::RevokeTrustedBrowsersOf { account: account.id, now }]
    }

    /// "Didn't get a code?": a new code through the same or another method; the earlier
    /// code stops working (F-OTP-2). `channel` asks for another way to the same method:
    /// a mobile number's code by a voice call. A landline is always called, so asking
    /// it for SMS, or any other method for a call, is refused.
    pub async fn resend(&self, id: ChallengeId, method: Option<FactorId>, channel: Option<Channel>, client: &ClientInfo) -> Result<SentVia> {
        self.clock_skew.check()?;
        let (ch, account, factors, _) = self.open_challenge_checked(id, None).await?;
        if ch.purpose == Purpose::Decoy {
            if method.is_some() {
                return Err(Self::method_not_allowed());
            }
            // A decoy stands in for an e-mail confirmation, which no call can carry.
            if channel.is_some_and(|c| c != Channel::Email) {
                return Err(Self::channel_not_available());
            }
            return self.decoy_send(&ch, &account, client).await;
        }
        if ch.purpose == Purpose::ChangeEmail {
            if method.is_some() {
                return Err(Self::method_not_allowed());
            }
            return self.resend_email_change(&ch, &account, client).await;
        }
        let factor = self.method_for(&ch, &account, &factors, method)?;
        let own = match factor {
            Some(f) => Self::destination(&account, Target::Factor(f))?.0,
            None => Channel::Email,
        };
        let target = match (factor, channel) {
            (Some(f), Some(Channel::Voice)) if own != Channel::Voice => Target::ByVoice(f),
            (_, Some(c)) if c != own => return Err(Self::channel_not_available()),
            (Some(f), _) => Target::Factor(f),
            (None, _) => Target::AccountEmail,
        };
        if ch.purpose == Purpose::ServiceStepUp {
            return self.resend_service_step_up(&ch, &account, target, client).await;
        }
        self.send_code(&account, ch.id, ch.purpose, target, client, vec![], ch.code_message).await
    }

    /// F-MSG-4: the signed link in a code message cancels its challenge. Single use:
    /// a second click is refused. A link followed after the code was already used
    /// still records the denial and tells the owner: that is the case that matters most.
    pub async fn deny(&self, token: &str, client: &ClientInfo) -> Result<DenyOutcome> {
        let bad = || Error::invalid("deny.invalid_link", "token", "this link is not valid");
        // One path for both: a delivery code's link is signed under a kind of its own.
        if let Some(d) = self.link_id(super::links::LinkKind::DenyDelivery, token) {
            return self.deny_delivery(DeliveryId(d), client).await;
        }
        let id = self.link_challenge(super::links::LinkKind::Deny, token).ok_or_else(bad)?;
        let Some(ch) = self.store.challenge(id).await? else {
            // A delivery code message sent before codes moved onto deliveries names the
            // challenge the code was on.
            let d = self.store.delivery(crate::ports::DeliveryKey::HashedWith(id)).await?.ok_or_else(bad)?;
            return self.deny_delivery(d.id, client).await;
        };
        if ch.cancelled_at.is_some() {
            return Err(Error::conflict("deny.already_used", "this link was already used"));
        }
        let now = self.now();
        let account = self.store.account(ch.account_id).await?.ok_or_else(bad)?;
        let (outcome, kind) = if ch.consumed_at.is_some() { (DenyOutcome::AlreadyUsed, EventKind::DeniedAfterUse) } else { (DenyOutcome::Denied, EventKind::Denied) };
        let mut writes = vec![Write::CancelChallenge { challenge: ch.id, now }, self.event(Some(ch.account_id), kind, client, ch.purpose.as_str())];
        if ch.consumed_at.is_some() {
            // Mark the link used although the challenge was consumed: single use.
            writes[0] = Write::MarkChallengeDenied { challenge: ch.id, now };
        }
        writes.push(self.deny_confirmation(&account, now)?);
        match self.commit_guarded(writes).await? {
            Ok(()) => Ok(outcome),
            // A verify or another deny got there first: answer for what is true now.
            Err(_) => match self.store.challenge(ch.id).await? {
                Some(c) if c.cancelled_at.is_none() && c.consumed_at.is_some() && outcome == DenyOutcome::Denied => Box::pin(self.deny(token, client)).await,
                _ => Err(Error::conflict("deny.already_used", "this link was already used")),
            },
        }
    }

    /// After a deny link: the owner is told, by e-mail, and pointed at the password change.
    pub(super) fn deny_confirmation(&self, account: &Account, now: UnixMillis) -> Result<Write> {
        crate::messages::Intent::new(Template::DenyConfirmation, Channel::Email, account.email.as_str(), account.locale)
            .account(account.id)
            .var("issuer", &self.policy.issuer)
            .var("url", format!("{}/account/password", self.policy.public_url.trim_end_matches('/')))
            .into_write(&self.keys, now)
    }

    /// F-SIGNIN-4: begin a step-up for this session.
    pub async fn start_step_up(&self, a: &Authed, method: Option<FactorId>, password: Option<SecretString>, client: &ClientInfo) -> Result<StepUpStarted> {
        if a.account.twosv_enabled_at.is_none() {
            let pw = password.ok_or_else(|| Error::invalid("step_up.password_required", "password", "enter your password"))?;
            crate::password::check_size(&self.policy.password, &pw)?;
            let tries = self.take_password_tries(a.account.email.as_str(), client, false).await?;
            if !self.verify_password_tried(Some(&a.account), &pw, &tries).await? {
                self.commit(vec![self.event(Some(a.account.id), EventKind::WrongPassword, client, "step_up")]).await?;
                return Err(Error::InvalidCredentials);
            }
            let now = self.now();
            self.commit(vec![Write::SetSteppedUp { session: a.session.id, method: AuthMethod::Password, now }, self.event(Some(a.account.id), EventKind::StepUp, client, "password")]).await?;
            return Ok(StepUpStarted::Done);
        }
        let usable: Vec<Factor> = Self::usable(&self.store.factors(a.account.id).await?).into_iter().filter(|f| f.kind != FactorKind::Email).collect();
        let chosen = match method {
            Some(m) => Some(usable.iter().find(|f| f.id == m).cloned().ok_or_else(|| Error::invalid("method.not_allowed", "method_id", "this method cannot be used here"))?),
            None => Self::pick_method(&a.account, &usable, |f| f.kind != FactorKind::BackupCodes).or_else(|| usable.first().cloned()),
        };
        let chosen = chosen.ok_or_else(|| Error::conflict("method.none", "no method can confirm this; add one first"))?;
        let mut ch = self.new_challenge(a.account.id, Purpose::StepUp, Some(a.session.id), client)?;
        ch.factor_id = Some(chosen.id);
        let id = ch.id;
        let sent = if chosen.kind == FactorKind::Phone {
            Some(self.send_code(&a.account, id, Purpose::StepUp, Target::Factor(&chosen), client, vec![Write::InsertChallenge(ch)], None).await?)
        } else {
            self.commit(vec![Write::InsertChallenge(ch)]).await?;
            None
        };
        Ok(StepUpStarted::CodeRequired {
            challenge_id: id,
            method: MethodView::of(&chosen, &a.account),
            methods: usable.iter().map(|f| MethodView::of(f, &a.account)).collect(),
            sent,
        })
    }
}

pub fn totp_aad(id: FactorId) -> String {
    format!("factors|{id}|totp-seed")
}
