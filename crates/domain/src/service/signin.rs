//! Sign-in (F-SIGNIN-1…3, 5, 6): password first, then — unless a trusted browser and
//! calm risk rules say otherwise — a code from the preferred method.

use secrecy::{ExposeSecret, SecretString};
use unicode_normalization::UnicodeNormalization;

use super::delivery::{SentVia, Target};
use super::*;
use crate::email::Email;
use crate::password;
use crate::ports::{SignInContext, ThrottleKey};
use crate::risk::{RiskAssessment, RiskFacts};

#[derive(Clone, Debug, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SignInOutcome {
    SignedIn {
        session_id: SessionId,
        session_token: String,
    },
    CodeRequired {
        challenge_id: ChallengeId,
        /// The method the code is expected from.
        method: MethodView,
        /// Every usable method: "didn't get a code?" offers all of them.
        methods: Vec<MethodView>,
        /// Where the code went, if it was sent (an app's code is not sent).
        #[serde(skip_serializing_if = "Option::is_none")]
        sent: Option<SentVia>,
        /// Why sending failed; the challenge stays usable through another method.
        #[serde(skip_serializing_if = "Option::is_none")]
        send_error: Option<&'static str>,
    },
}

/// The password tries one request took; a right password gives them back.
pub(crate) struct TriesTaken {
    account: ThrottleKey,
    address: Option<ThrottleKey>,
    /// The keys this request was counted against (none for a trusted browser).
    charged: Vec<ThrottleKey>,
}

impl TriesTaken {
    pub(crate) fn accepted(&self) -> Write {
        Write::PasswordAccepted { account: self.account.clone(), address: self.address.clone() }
    }

    pub(crate) fn given_back(&self) -> Write {
        Write::ReturnPasswordTries { keys: self.charged.clone() }
    }
}

/// F-SIGNIN-6: what a device without a second screen is told.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DeviceSignInOutcome {
    SignedIn { session_id: SessionId, session_token: String },
    /// Sign in again with the code appended to the password.
    AppendCode {
        #[serde(skip_serializing_if = "Option::is_none")]
        sent: Option<SentVia>,
    },
}

/// F-SIGNIN-6: the password and the code appended to it, when the input ends in a
/// code's worth of digits. The digits may be typed full width (NFKC makes them ASCII);
/// the password keeps the form it was typed in, for `verify_password` to normalise (and
/// to find a hash of it as typed, made before passwords were normalised).
fn split_code(full: &str) -> Option<(SecretString, SecretString)> {
    let digits = crate::otp::sent_code::DIGITS;
    let (start, _) = full.char_indices().rev().nth(digits.checked_sub(1)?)?;
    let code: String = full[start..].nfkc().collect();
    (code.len() == digits && code.bytes().all(|b| b.is_ascii_digit())).then(|| (SecretString::from(full[..start].to_string()), SecretString::from(code)))
}

impl<S: Store> Services<S> {
    /// The throttle's key for the address typed (known or not, alike).
    pub(crate) fn account_throttle_key(&self, email: &str) -> ThrottleKey {
        let typed = Email::parse(email).map(|e| e.as_str().to_string()).unwrap_or_else(|_| email.trim().to_lowercase());
        ThrottleKey::account(&self.keys.hash_token(&format!("password-throttle|{typed}")))
    }

    /// Counts one password try against the address as typed (unless a live trust mark
    /// of the account came with the request: the owner's browser is never locked out
    /// by someone else's guessing) and against the client's address, before any hash.
    /// A key that must still wait refuses the request, the same for every address,
    /// known or not (F-SIGNIN-5).
    pub(crate) async fn take_password_tries(&self, email: &str, client: &ClientInfo, trusted: bool) -> Result<TriesTaken> {
        let now = self.now();
        let account = self.account_throttle_key(email);
        let address = client.ip.as_deref().map(ThrottleKey::address);
        // The owner's trusted browser is counted against neither key: guessing from
        // the same office or phone network must not lock it out either.
        let charged: Vec<ThrottleKey> = if trusted { vec![] } else { std::iter::once(account.clone()).chain(address.clone()).collect() };
        let taken = TriesTaken { account, address, charged };
        let policy = self.policy.throttle;
        let tries: Vec<Write> = taken.charged.iter().map(|k| Write::TakePasswordTry { key: k.clone(), now, policy }).collect();
        if tries.is_empty() {
            return Ok(taken);
        }
        if let Err(i) = self.commit_guarded(tries).await? {
            let key = &taken.charged[i];
            let until = self.store.throttled_until(key, now).await?.unwrap_or(now.plus_secs(1));
            let kind = if *key == taken.account { "account" } else { "address" };
            crate::telemetry::throttled(kind);
            self.commit(vec![self.event(None, EventKind::PasswordThrottled, client, kind)]).await?;
            return Err(Error::RateLimited { code: "auth.throttled", retry_at: until, now });
        }
        Ok(taken)
    }

    /// `verify_password` for a counted try: a hash refused for overload gives the try
    /// back — a password the server never checked must not count against its owner.
    pub(crate) async fn verify_password_tried(&self, account: Option<&Account>, password: &SecretString, tries: &TriesTaken) -> Result<bool> {
        match self.verify_password(account, password).await {
            Err(e @ Error::Unavailable(_)) => {
                self.commit(vec![tries.given_back()]).await?;
                Err(e)
            }
            other => other,
        }
    }

    /// The password check of every use case that starts from e-mail and password
    /// (sign-in, the reset request): one read before the hash whether or not the
    /// address exists, the tries counted, the same hash for unknown addresses (dummy
    /// hash), the same wrong-password event. The account comes with its risk facts, and
    /// the live trust mark the request carried, if any (read once, before the hash).
    pub(crate) async fn check_password(
        &self,
        email: &str,
        password: &SecretString,
        client: &ClientInfo,
        trusted_token: Option<&str>,
    ) -> Result<Option<(SignInContext, Option<TrustedBrowserId>)>> {
        password::check_size(&self.policy.password, password)?;
        let since = self.now().minus_secs(self.policy.risk.failure_window_minutes * 60);
        let found = match Email::parse(email) {
            Ok(e) => self.store.sign_in_context(&e, &self.device_hash(client), since).await?,
            Err(_) => None,
        };
        let trusted = match (&found, trusted_token) {
            (Some(f), Some(_)) => self.trusted(&f.account, trusted_token, client).await?,
            _ => None,
        };
        let tries = self.take_password_tries(email, client, trusted.is_some()).await?;
        Ok(self.check_password_counted(found, password, client, &tries).await?.map(|f| (f, trusted)))
    }

    /// The hash and its outcome, once the try is counted.
    pub(crate) async fn check_password_counted(&self, found: Option<SignInContext>, password: &SecretString, client: &ClientInfo, tries: &TriesTaken) -> Result<Option<SignInContext>> {
        let ok = self.verify_password_tried(found.as_ref().map(|f| &f.account), password, tries).await?;
        match found {
            Some(f) if ok => {
                self.commit(vec![tries.accepted()]).await?;
                Ok(Some(f))
            }
            Some(f) => {
                self.commit(vec![self.event(Some(f.account.id), EventKind::WrongPassword, client, "")]).await?;
                Ok(None)
            }
            None => Ok(None),
        }
    }

    fn assess(&self, found: &SignInContext) -> RiskAssessment {
        let facts = RiskFacts {
            now: self.now(),
            known_device: found.known_device,
            last_sign_in_at: found.account.last_sign_in_at,
            credentials_changed_at: found.account.credentials_changed_at,
            recent_failed_passwords: found.recent_failures,
        };
        self.policy.risk.assess(&facts)
    }

    /// Is this token a live trust mark for this account in this browser?
    async fn trusted(&self, account: &Account, token: Option<&str>, client: &ClientInfo) -> Result<Option<TrustedBrowserId>> {
        let Some(token) = token.filter(|t| !t.is_empty() && t.len() <= 200) else { return Ok(None) };
        let Some(t) = self.store.trusted_browser_by_token(&self.keys.hash_token(token)).await? else { return Ok(None) };
        let live = t.account_id == account.id
            && t.revoked_at.is_none()
            && t.expires_at > self.now()
            && crate::crypto::ct_eq(&t.device_hash, &self.device_hash(client))
            && account.credentials_changed_at.is_none_or(|c| c <= t.created_at);
        Ok(live.then_some(t.id))
    }

    /// The writes of a sign-in: the session (with what signed it in and whether that
    /// counts as a step-up), the event (`how`, shown in the history), the sign-in time
    /// and, when asked for, the new-device alert.
    pub(crate) fn sign_in_writes(&self, account: &Account, client: &ClientInfo, known_device: bool, how: &str, methods: Vec<AuthMethod>, step_up: Option<AuthMethod>) -> Result<(Vec<Write>, SessionId, String)> {
        let (w, id, token) = self.new_session(account.id, client, methods, step_up)?;
        let mut ev = self.event(Some(account.id), EventKind::SignIn, client, how);
        if let Write::InsertEvent(e) = &mut ev {
            e.unfamiliar = !known_device;
        }
        let now = self.now();
        let mut writes = vec![w, ev];
        // Within the minute the store would change nothing: spare the writer the statement.
        if account.last_sign_in_at.is_none_or(|t| t.0 <= now.0 - crate::ports::SIGN_IN_TIME_GRAIN_MS) {
            writes.push(Write::TouchSignIn { account: account.id, now });
        }
        // F-MSG-1: the alert commits with the session it is about.
        // The very first sign-in is the sign-up's own: nothing new to report.
        if account.signin_alerts && !known_device && account.last_sign_in_at.is_some() {
            let device = Self::device_named(client);
            let place = crate::place::place_of(self.places.as_ref(), client.ip.as_deref(), account.locale).map(|p| p.label());
            let where_from = client.ip.iter().cloned().chain(place).collect::<Vec<_>>().join(", ");
            let intent = crate::messages::Intent::new(crate::messages::Template::NewSignIn, Channel::Email, account.email.as_str(), account.locale)
                .account(account.id)
                .var("issuer", &self.policy.issuer)
                .var("detail", format!("{device} {where_from}").trim().to_string())
                .var("url", &self.policy.public_url);
            writes.push(intent.into_write(&self.keys, self.now())?);
        }
        Ok((writes, id, token))
    }

    /// A sign-in by password alone is as strong as a step-up only while 2SV is off: a
    /// paused 2SV (F-OFF-2) still asks a second factor of step-ups.
    fn password_step_up(account: &Account) -> Option<AuthMethod> {
        account.twosv_enabled_at.is_none().then_some(AuthMethod::Password)
    }

    /// A device as messages name it: as the device list does, the raw user agent only
    /// when no rule reads it.
    pub(crate) fn device_named(client: &ClientInfo) -> String {
        let named = crate::device::Device::from_user_agent(client.user_agent.as_deref()).label();
        client.device_name.clone().or(named).or_else(|| client.user_agent.clone()).unwrap_or_else(|| "unknown device".into())
    }

    pub async fn sign_in(&self, email: &str, password: SecretString, trusted_token: Option<&str>, client: &ClientInfo) -> Result<SignInOutcome> {
        let out = self.sign_in_counted(email, password, trusted_token, client).await;
        let outcome = match &out {
            Ok(SignInOutcome::SignedIn { .. }) => "signed_in",
            Ok(SignInOutcome::CodeRequired { .. }) => "code_required",
            Err(e) => crate::telemetry::outcome_of_error(e),
        };
        crate::telemetry::sign_in("password", outcome);
        out
    }

    async fn sign_in_counted(&self, email: &str, password: SecretString, trusted_token: Option<&str>, client: &ClientInfo) -> Result<SignInOutcome> {
        let (found, trusted) = self.check_password(email, &password, client, trusted_token).await?.ok_or(Error::InvalidCredentials)?;
        let (risk, known) = (self.assess(&found), found.known_device);
        let account = found.account;
        // F-OFF-5: said only now, to someone who knows the password; and recorded,
        // since it may be the very access support is investigating.
        if let Err(locked) = self.ensure_unlocked(&account) {
            self.commit(vec![self.event(Some(account.id), EventKind::SignInRefusedLocked, client, "")]).await?;
            return Err(locked);
        }
        let twosv = account.twosv_required(self.now());
        // The common case needs no method list: a verified account without 2SV (or with
        // 2SV paused, F-OFF-2), calm risk.
        if account.email_verified_at.is_some() && !twosv && !risk.high {
            let (writes, session_id, session_token) = self.sign_in_writes(&account, client, known, "password", vec![AuthMethod::Password], Self::password_step_up(&account))?;
            self.commit(writes).await?;
            return Ok(SignInOutcome::SignedIn { session_id, session_token });
        }
        let factors = self.store.factors(account.id).await?;
        let usable = Self::usable(&factors);

        if account.email_verified_at.is_none() {
            return self.ask_code(&account, Purpose::VerifyEmail, None, &usable, client).await;
        }
        if twosv && usable.is_empty() {
            // Every method was disabled (F-OTP-6): 2SV stays on; only recovery helps.
            return Err(Error::conflict("twosv.no_usable_method", "every two-step method is disabled; set one up again through account recovery"));
        }
        if twosv {
            // A live trust mark is younger than the last credential change (every change
            // revokes them), so that rule has been answered by the code given then.
            if let Some(tb) = trusted
                && risk.fired.iter().all(|r| *r == crate::risk::RiskRule::RecentCredentialChange)
            {
                let (mut writes, session_id, session_token) = self.sign_in_writes(&account, client, known, "trusted_browser", vec![AuthMethod::Password, AuthMethod::TrustedBrowser], None)?;
                writes.push(Write::TouchTrustedBrowser { browser: tb, now: self.now() });
                self.commit(writes).await?;
                return Ok(SignInOutcome::SignedIn { session_id, session_token });
            }
            let first = Self::pick_method(&account, &usable, |f| f.kind != FactorKind::BackupCodes)
                .or_else(|| Self::pick_method(&account, &usable, |_| true));
            return self.ask_code(&account, Purpose::SignIn, first, &usable, client).await;
        }
        // Seed 000: accounts without 2SV (or with it paused) still get an e-mailed code
        // when risk is high.
        self.ask_code(&account, Purpose::SignIn, None, &usable, client).await
    }

    /// Opens a challenge and, for methods that are sent, sends the first code. The
    /// challenge is committed before the send so a refused or failed send leaves it
    /// usable through another method.
    async fn ask_code(&self, account: &Account, purpose: Purpose, method: Option<Factor>, usable: &[Factor], client: &ClientInfo) -> Result<SignInOutcome> {
        let mut challenge = self.new_challenge(account.id, purpose, None, client)?;
        challenge.factor_id = method.as_ref().map(|f| f.id);
        let id = challenge.id;
        self.commit(vec![Write::InsertChallenge(challenge)]).await?;
        let target = match &method {
            Some(f) if matches!(f.kind, FactorKind::Totp | FactorKind::BackupCodes) => None,
            Some(f) => Some(Target::Factor(f)),
            None => Some(Target::AccountEmail),
        };
        let (sent, send_error) = match target {
            None => (None, None),
            Some(t) => match self.send_code(account, id, purpose, t, client, vec![], None).await {
                Ok(s) => (Some(s), None),
                // F-LIMIT-4: a number the operator no longer sends to leaves the other methods.
                Err(e @ (Error::RateLimited { .. } | Error::MethodDisabled | Error::Invalid { code: crate::error::PHONE_COUNTRY_NOT_ALLOWED, .. })) => (None, Some(e.code())),
                Err(e) => return Err(e),
            },
        };
        let method_view = match &method {
            Some(f) => MethodView::of(f, account),
            None => email_method_view(account),
        };
        Ok(SignInOutcome::CodeRequired {
            challenge_id: id,
            method: method_view,
            methods: usable.iter().map(|f| MethodView::of(f, account)).collect(),
            sent,
            send_error,
        })
    }

    /// F-SIGNIN-6: the password with the current code appended. Never trusted.
    pub async fn sign_in_device(&self, email: &str, password_with_code: SecretString, client: &ClientInfo) -> Result<DeviceSignInOutcome> {
        let out = self.sign_in_device_counted(email, password_with_code, client).await;
        let outcome = match &out {
            Ok(DeviceSignInOutcome::SignedIn { .. }) => "signed_in",
            Ok(DeviceSignInOutcome::AppendCode { .. }) => "code_required",
            Err(e) => crate::telemetry::outcome_of_error(e),
        };
        crate::telemetry::sign_in("device", outcome);
        out
    }

    async fn sign_in_device_counted(&self, email: &str, password_with_code: SecretString, client: &ClientInfo) -> Result<DeviceSignInOutcome> {
        password::check_size(&self.policy.password, &password_with_code)?;
        let split = split_code(password_with_code.expose_secret());
        let since = self.now().minus_secs(self.policy.risk.failure_window_minutes * 60);
        let found = match Email::parse(email) {
            Ok(e) => self.store.sign_in_context(&e, &self.device_hash(client), since).await?,
            Err(_) => None,
        };
        // One try per request, however many hashes it takes.
        let tries = self.take_password_tries(email, client, false).await?;
        let account = found.as_ref().map(|f| &f.account);
        // While 2SV is paused (F-OFF-2) a code appended out of habit is still taken; the
        // password alone is too, below.
        let twosv = account.is_some_and(|a| a.twosv_enabled_at.is_some());
        if let (Some((prefix, code)), Some(a)) = (&split, account.filter(|_| twosv)) {
            if self.verify_password_tried(Some(a), prefix, &tries).await? {
                self.commit(vec![tries.accepted()]).await?;
                return self.device_code(a, code.clone(), client).await;
            }
        } else if let (Some((prefix, code)), Some(a)) = (&split, account)
            && let Some(open) = self.store.open_challenge(a.id, Purpose::DeviceSignIn, self.now()).await?
        {
            // An account without 2SV that was sent an e-mailed code (high risk).
            if open.factor_id.is_none() && self.verify_password_tried(Some(a), prefix, &tries).await? {
                self.commit(vec![tries.accepted()]).await?;
                return self.device_code(a, code.clone(), client).await;
            }
        } else if let Some((prefix, _)) = &split {
            // Same number of hashes as a 2SV account with a code appended (the prefix:
            // NFKC may change it or not, as for the real check).
            self.hasher.verify(prefix, None).await?;
        }
        let Some(found) = self.check_password_counted(found, &password_with_code, client, &tries).await? else {
            return Err(Error::InvalidCredentials);
        };
        let (risk, known) = (self.assess(&found), found.known_device);
        let account = found.account;
        // F-OFF-5: said only now, to someone who knows the password.
        self.ensure_unlocked(&account)?;
        if !account.twosv_required(self.now()) && account.email_verified_at.is_some() && !risk.high {
            let (writes, session_id, session_token) = self.sign_in_writes(&account, client, known, "password_device", vec![AuthMethod::Password], Self::password_step_up(&account))?;
            self.commit(writes).await?;
            return Ok(DeviceSignInOutcome::SignedIn { session_id, session_token });
        }
        let usable = Self::usable(&self.store.factors(account.id).await?);
        let method = Self::pick_method(&account, &usable, |f| f.kind != FactorKind::BackupCodes);
        let purpose = if account.email_verified_at.is_none() { Purpose::VerifyEmail } else { Purpose::DeviceSignIn };
        let mut challenge = self.new_challenge(account.id, Purpose::DeviceSignIn, None, client)?;
        challenge.purpose = purpose;
        challenge.factor_id = method.as_ref().map(|f| f.id);
        let id = challenge.id;
        let target = match &method {
            Some(f) if f.kind == FactorKind::Totp => None,
            Some(f) => Some(Target::Factor(f)),
            None => Some(Target::AccountEmail),
        };
        let sent = match target {
            None => {
                self.commit(vec![Write::InsertChallenge(challenge)]).await?;
                None
            }
            Some(t) => Some(self.send_code(&account, id, Purpose::DeviceSignIn, t, client, vec![Write::InsertChallenge(challenge)], None).await?),
        };
        Ok(DeviceSignInOutcome::AppendCode { sent })
    }

    async fn device_code(&self, account: &Account, code: SecretString, client: &ClientInfo) -> Result<DeviceSignInOutcome> {
        self.ensure_unlocked(account)?;
        let now = self.now();
        // An app's code needs no challenge on the device; open one to consume.
        let open = self.store.open_challenge(account.id, Purpose::DeviceSignIn, now).await?;
        let usable = Self::usable(&self.store.factors(account.id).await?);
        let challenge = match open {
            Some(c) => c,
            None => {
                let mut c = self.new_challenge(account.id, Purpose::DeviceSignIn, None, client)?;
                c.factor_id = Self::pick_method(account, &usable, |f| f.kind == FactorKind::Totp).map(|f| f.id);
                self.commit(vec![Write::InsertChallenge(c.clone())]).await?;
                c
            }
        };
        let method = match challenge.factor_id.and_then(|id| usable.iter().find(|f| f.id == id)) {
            Some(f) if f.kind == FactorKind::Phone || f.kind == FactorKind::Email => Some(f.id),
            _ => Self::pick_method(account, &usable, |f| f.kind == FactorKind::Totp).map(|f| f.id),
        };
        let v = self.verify(challenge.id, VerifyInput { code, method, trust_browser: false }, client).await?;
        match (v.session_id, v.session_token) {
            (Some(session_id), Some(session_token)) => Ok(DeviceSignInOutcome::SignedIn { session_id, session_token }),
            _ => Err(Error::internal("device sign-in made no session")),
        }
    }
}

pub(crate) fn email_method_view(account: &Account) -> MethodView {
    MethodView {
        id: FactorId(uuid::Uuid::nil()),
        kind: FactorKind::Email,
        channel: Some(Channel::Email),
        destination: Some(account.email.masked()),
        phone_tail: None,
        verified: account.email_verified_at.is_some(),
        disabled: false,
        preferred: false,
        restricted: false,
        created_at: account.created_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(full: &str) -> Option<(String, String)> {
        split_code(full).map(|(p, c)| (p.expose_secret().to_string(), c.expose_secret().to_string()))
    }

    /// F-SIGNIN-6 with NFKC: the code's digits may be typed full width; the password
    /// before them is handed on as typed (normalised when it is checked).
    #[test]
    fn f_signin_6_the_code_is_split_from_the_password_as_typed() {
        let pair = |p: &str, c: &str| Some((p.to_string(), c.to_string()));
        assert_eq!(split("correct horse battery staple123456"), pair("correct horse battery staple", "123456"));
        assert_eq!(split("cafe\u{301} au lait123456"), pair("cafe\u{301} au lait", "123456"));
        assert_eq!(split("ｃａｆé au lait１２３４５６"), pair("ｃａｆé au lait", "123456"));
        assert_eq!(split("pw1234567"), pair("pw1", "234567"));
        assert_eq!(split("123456"), pair("", "123456"));
        assert_eq!(split("pw12345"), None);
        assert_eq!(split("12345"), None);
        assert_eq!(split("pw12345\u{301}6"), None, "a combining mark is no digit");
    }
}
