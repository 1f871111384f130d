//! A forgotten password (F-ACC-5): "forgot your password?" sends a link to the
//! account's address. The link opens the reset; with 2SV on, a code from a 2SV method
//! must answer it as well (or "I can't use any method" leads to the ID-document request
//! of F-OFF-3, the link standing in for the password). A reset ends every session and
//! trusted browser and tells every address on file.
//!
//! No answer tells whether an address has an account: asking answers the same, charges
//! the same quotas and writes to the database in both cases; only the owner of a real
//! account ever receives a link, so nothing later can be probed without it.

use secrecy::{ExposeSecret, SecretString};

use super::delivery::{SentVia, Target};
use super::links::LinkKind;
use super::*;
use crate::email::Email;
use crate::messages::{Intent, Template};
use crate::ports::{AttemptOutcome, Challenge, CodeCheck};

/// What the page behind a reset link needs to know.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ResetView {
    /// The account's address, masked.
    pub email: String,
    /// Whether a 2SV code is needed besides the link.
    pub two_step: bool,
    /// The methods whose code may answer (empty while 2SV is off).
    pub methods: Vec<MethodView>,
}

/// The new password and, with 2SV on, the code that goes with it.
pub struct ResetInput {
    pub new_password: SecretString,
    pub code: Option<SecretString>,
    /// The method the code comes from; else the one a code was last sent through, else
    /// the preferred one.
    pub method: Option<FactorId>,
}

impl<S: Store> Services<S> {
    /// F-ACC-5: asks for a reset link. Answers `Ok(())` whether or not the address has
    /// an account; rate-limited by the same quotas as a code sent to that address.
    pub async fn request_password_reset(&self, email: &str, client: &ClientInfo) -> Result<()> {
        let email = Email::parse(email)?;
        self.clock_skew.check()?;
        let now = self.now();
        let charges = self.reset_link_charges(email.as_str(), client);
        let mut writes = charges.writes(now);
        // F-OFF-5: a locked account gets no link; the answer is the same as for any address.
        match self.store.account_by_email(&email).await?.filter(|a| a.locked_at(now).is_none()) {
            Some(account) => {
                let ch = self.new_challenge(account.id, Purpose::ResetPassword, None, client)?;
                let url = self.link_url(LinkKind::ResetPassword, ch.id);
                // Tied to its challenge, so a lock set before it goes out holds it back.
                let intent = Intent::new(Template::PasswordResetLink, Channel::Email, account.email.as_str(), account.locale)
                    .account(account.id)
                    .challenge(ch.id)
                    .var("issuer", &self.policy.issuer)
                    .var("url", url)
                    .valid_for(self.policy.challenge_secs)
                    .var("deny_url", self.deny_link(ch.id));
                writes.push(intent.into_write(&self.keys, now)?);
                writes.push(self.event(Some(account.id), EventKind::PasswordResetRequested, client, ""));
                writes.push(Write::InsertChallenge(ch));
            }
            // Nothing to send, but the same kind of commit: the quotas are charged and
            // the request is recorded without the address (it may be anyone's).
            None => writes.push(self.event(None, EventKind::PasswordResetRequested, client, "")),
        }
        match self.commit_guarded(writes).await? {
            Ok(()) => Ok(()),
            Err(i) if i < charges.keys().len() => Err(self.limited(&charges, i).await?),
            Err(_) => Err(Error::internal("a reset request's write was refused")),
        }
    }

    /// The open reset challenge a link names, with its account and methods.
    async fn reset_challenge(&self, token: &str) -> Result<(Challenge, Account, Vec<Factor>)> {
        let bad = || Error::invalid("reset.invalid_link", "token", "this link is not valid; ask for a new one");
        let id = self.link_challenge(LinkKind::ResetPassword, token).ok_or_else(bad)?;
        let (ch, account, factors, _) = self.open_challenge_checked(id, None).await.map_err(|e| if matches!(e, Error::InvalidCode) { bad() } else { e })?;
        if ch.purpose != Purpose::ResetPassword {
            return Err(bad());
        }
        Ok((ch, account, factors))
    }

    fn reset_methods(&self, ch: &Challenge, account: &Account, factors: &[Factor]) -> Vec<Factor> {
        Self::usable(factors).into_iter().filter(|f| self.method_for(ch, account, factors, Some(f.id)).is_ok()).collect()
    }

    /// What the page behind the link shows: whether a code is needed, and from what.
    pub async fn reset_view(&self, token: &str) -> Result<ResetView> {
        let (ch, account, factors) = self.reset_challenge(token).await?;
        let two_step = account.twosv_enabled_at.is_some();
        let mut methods = self.reset_methods(&ch, &account, &factors);
        // The one a code was last sent through first, then the preferred one.
        methods.sort_by_key(|f| (Some(f.id) != ch.factor_id, Some(f.id) != account.preferred_factor));
        Ok(ResetView { email: account.email.masked(), two_step, methods: methods.iter().map(|f| MethodView::of(f, &account)).collect() })
    }

    /// With 2SV on: a code for the reset through one of the account's phones.
    pub async fn send_reset_code(&self, token: &str, method: FactorId, client: &ClientInfo) -> Result<SentVia> {
        self.clock_skew.check()?;
        let (ch, account, factors) = self.reset_challenge(token).await?;
        let factor = self.method_for(&ch, &account, &factors, Some(method))?.ok_or_else(Self::method_not_allowed)?;
        self.send_code(&account, ch.id, Purpose::ResetPassword, Target::Factor(factor), client, vec![], ch.code_message).await
    }

    /// Sets the new password. With 2SV on the code is checked under the challenge's
    /// attempt limit, in the same commit that sets the password, so a burst of guesses
    /// gets no more tries than a code page does.
    pub async fn complete_password_reset(&self, token: &str, input: ResetInput, client: &ClientInfo) -> Result<()> {
        self.clock_skew.check()?;
        let (ch, account, factors) = self.reset_challenge(token).await?;
        let code = input.code.as_ref().map(|c| c.expose_secret().trim().to_string()).filter(|c| !c.is_empty());
        let factor = if account.twosv_enabled_at.is_some() {
            let usable = self.reset_methods(&ch, &account, &factors);
            let shaped = code.as_deref().and_then(|c| self.backup_codes_if_shaped(&ch, &account, &factors, c));
            let chosen = input.method.or(shaped).or(ch.factor_id).or_else(|| Self::pick_method(&account, &usable, |_| true).map(|f| f.id));
            let factor = self.method_for(&ch, &account, &factors, chosen)?.ok_or_else(Self::method_not_allowed)?;
            if code.is_none() {
                return Err(Error::invalid("reset.code_required", "code", "enter the code from your two-step verification method"));
            }
            Some(factor)
        } else {
            None
        };
        if code.as_ref().is_some_and(|c| c.len() > 64) {
            return Err(Self::code_malformed());
        }
        self.hasher.check_new(&self.policy.password, &input.new_password, &account.email, &self.policy.issuer).await.map_err(|e| e.on_field("password", "new_password"))?;
        let hash = self.hasher.hash(&input.new_password).await?;
        let now = self.now();

        let mut writes = vec![Write::SetPassword { account: account.id, hash, now }];
        let check = match (factor, code.as_deref()) {
            (Some(f), Some(code)) => self.code_check(&ch, &account, Some(f), code, now, &mut writes)?,
            // 2SV off: the link alone proves the address.
            _ => CodeCheck::Decided(true),
        };
        writes.extend(self.credential_change_writes(&account, now));
        writes.push(Write::RevokeSessionsOf { account: account.id, except: None, now });
        // The owner's own guesses before the reset must not keep the new password waiting.
        writes.push(Write::PasswordAccepted { account: self.account_throttle_key(account.email.as_str()), address: None });
        writes.extend(self.notify_all(&account, &factors, Template::PasswordWasReset, None)?);
        let how = factor.map(|f| f.kind.as_str()).unwrap_or("email_link");
        writes.push(self.event(Some(account.id), EventKind::PasswordReset, client, how));

        let attempt = self.code_attempt(&ch, check, factor, &account, client);
        match self.commit_attempt(attempt, writes).await? {
            Ok(AttemptOutcome::Accepted) => Ok(()),
            Ok(outcome) => Err(self.after_wrong(outcome, factor, &account, client).await?),
            // A right code whose other writes were refused (a TOTP step or backup code
            // used at this moment elsewhere): nothing was written; a wrong code.
            Err(_) => Err(self.wrong_attempt(&ch, factor, &account, client).await?),
        }
    }

    /// F-OFF-3 from a reset link: the account the link opens, for a 2SV reset request
    /// that needs no password. The link is used up by the request.
    pub(crate) async fn reset_link_account(&self, token: &str) -> Result<(Account, Write)> {
        let (ch, account, _) = self.reset_challenge(token).await?;
        let consume = Write::ConsumeChallenge { challenge: ch.id, now: self.now(), max_attempts: self.policy.codes.max_attempts_per_challenge };
        Ok((account, consume))
    }
}
