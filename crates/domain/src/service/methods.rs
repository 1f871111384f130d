//! Managing second-step methods and turning 2SV on and off (F-2SV-2…6, F-OFF-1).
//! Every change here needs a fresh step-up, revokes trusted browsers and notifies
//! every address on file in the same transaction.

use zeroize::Zeroizing;

use super::challenges::totp_aad;
use super::delivery::{SentVia, Target};
use super::*;
use crate::messages::{Detail, Template};
use crate::otp::{backup_codes, otpauth, totp};
use crate::phone;

#[derive(Clone, Debug, serde::Serialize)]
pub struct PhoneEnrollment {
    pub method_id: FactorId,
    pub challenge_id: ChallengeId,
    pub sent: SentVia,
}

/// Shown once: the setup key and QR code carry the seed.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TotpEnrollment {
    pub method_id: FactorId,
    pub challenge_id: ChallengeId,
    pub setup_key: String,
    pub otpauth_uri: String,
    pub qr_svg: String,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct BackupCodes {
    pub method_id: FactorId,
    pub codes: Vec<String>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct TwoSvEnabled {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_browser_token: Option<String>,
}

fn is_primary(f: &Factor) -> bool {
    matches!(f.kind, FactorKind::Phone | FactorKind::Totp) && f.verified_at.is_some() && f.disabled_at.is_none()
}

/// F-2SV-5: 2SV needs a primary method (phone or app), and a phone needs a backup.
fn twosv_ready(factors: &[Factor]) -> Result<()> {
    let usable: Vec<&Factor> = factors.iter().filter(|f| f.verified_at.is_some() && f.disabled_at.is_none()).collect();
    if !usable.iter().any(|f| is_primary(f)) {
        return Err(Error::conflict("twosv.no_primary_method", "add a phone number or an authenticator app first"));
    }
    let has_app = usable.iter().any(|f| f.kind == FactorKind::Totp);
    if !has_app && usable.len() < 2 {
        return Err(Error::conflict("twosv.backup_required", "with a phone, add a backup method too: a second phone, an app, e-mail or backup codes"));
    }
    Ok(())
}

impl<S: Store> Services<S> {
    pub async fn list_methods(&self, a: &Authed) -> Result<Vec<MethodView>> {
        let factors = self.store.factors(a.account.id).await?;
        Ok(factors.iter().filter(|f| f.verified_at.is_some()).map(|f| MethodView::of(f, &a.account)).collect())
    }

    fn own_factor(factors: &[Factor], id: FactorId) -> Result<&Factor> {
        factors.iter().find(|f| f.id == id && f.verified_at.is_some()).ok_or(Error::NotFound)
    }

    /// F-2SV-2 / F-2SV-6: a new phone is sent a code and counts only once verified;
    /// with `replaces`, the old phone goes when the new one is verified.
    pub async fn add_phone(&self, a: &Authed, number: &str, replaces: Option<FactorId>, client: &ClientInfo) -> Result<PhoneEnrollment> {
        self.require_step_up(a)?;
        self.require_setup_approval(a).await?;
        let parsed = phone::parse(number, &self.default_region)?;
        // F-LIMIT-4: only numbers of the countries codes may go to.
        self.sms_destination(&parsed.e164)?;
        let factors = self.store.factors(a.account.id).await?;
        if let Some(old) = replaces {
            let f = Self::own_factor(&factors, old)?;
            if f.kind != FactorKind::Phone {
                return Err(Error::invalid("method.not_phone", "replaces", "only a phone number can be replaced by a phone number"));
            }
        }
        let phones: Vec<&Factor> = factors.iter().filter(|f| f.kind == FactorKind::Phone && f.verified_at.is_some()).collect();
        if phones.iter().any(|f| f.phone.as_ref() == Some(&parsed.e164)) {
            return Err(Error::conflict("phone.duplicate", "this number is already registered; the two numbers must differ"));
        }
        if replaces.is_none() && phones.len() >= self.policy.max_phones {
            return Err(Error::conflict("phone.too_many", format!("at most {} phone numbers; remove or change one", self.policy.max_phones)));
        }
        let now = self.now();
        let factor = Factor { phone: Some(parsed.e164), channel: Some(parsed.channel), replaces, ..Factor::new(FactorId::new(), a.account.id, FactorKind::Phone, now) };
        let mut ch = self.new_challenge(a.account.id, Purpose::Enroll, Some(a.session.id), client)?;
        ch.factor_id = Some(factor.id);
        let (method_id, challenge_id) = (factor.id, ch.id);
        let prefix = vec![Write::InsertFactor(factor.clone()), Write::InsertChallenge(ch)];
        let sent = self.send_code(&a.account, challenge_id, Purpose::Enroll, Target::Factor(&factor), client, prefix, None).await?;
        Ok(PhoneEnrollment { method_id, challenge_id, sent })
    }

    /// F-2SV-3 / F-2SV-6: a new app secret, shown once as QR code and setup key.
    pub async fn add_totp(&self, a: &Authed, replaces: Option<FactorId>, client: &ClientInfo) -> Result<TotpEnrollment> {
        self.require_step_up(a)?;
        self.require_setup_approval(a).await?;
        if let Some(old) = replaces {
            let factors = self.store.factors(a.account.id).await?;
            if Self::own_factor(&factors, old)?.kind != FactorKind::Totp {
                return Err(Error::invalid("method.not_app", "replaces", "only an authenticator app can be replaced by an app"));
            }
        }
        let mut seed = Zeroizing::new([0u8; 20]);
        crate::crypto::fill_random(seed.as_mut_slice())?;
        let id = FactorId::new();
        let now = self.now();
        let factor = Factor { secret: Some(self.keys.seal(&totp_aad(id), seed.as_slice())?), replaces, ..Factor::new(id, a.account.id, FactorKind::Totp, now) };
        let mut ch = self.new_challenge(a.account.id, Purpose::Enroll, Some(a.session.id), client)?;
        ch.factor_id = Some(id);
        let challenge_id = ch.id;
        self.commit(vec![Write::InsertFactor(factor), Write::InsertChallenge(ch), self.event(Some(a.account.id), EventKind::MethodEnrolmentStarted, client, "totp")]).await?;
        let uri = otpauth::uri(&self.policy.issuer, a.account.email.as_str(), seed.as_slice(), &totp::APP_DEFAULT);
        Ok(TotpEnrollment { method_id: id, challenge_id, setup_key: otpauth::setup_key(seed.as_slice()), qr_svg: otpauth::qr_svg(&uri)?, otpauth_uri: uri })
    }

    /// The app set-up still waiting for its first code, shown again (a reload, a
    /// language switch, going back): only to the session that started it, and only
    /// while its challenge is open.
    pub async fn pending_totp(&self, a: &Authed, challenge: ChallengeId) -> Result<TotpEnrollment> {
        let (ch, _, factors, _) = self.open_challenge_checked(challenge, None).await.map_err(|e| if matches!(e, Error::InvalidCode | Error::ChallengeClosed) { Error::NotFound } else { e })?;
        if ch.account_id != a.account.id || ch.purpose != Purpose::Enroll || ch.session_id != Some(a.session.id) {
            return Err(Error::NotFound);
        }
        let f = factors.iter().find(|f| Some(f.id) == ch.factor_id && f.kind == FactorKind::Totp && f.verified_at.is_none()).ok_or(Error::NotFound)?;
        let seed = self.keys.open(&totp_aad(f.id), f.secret.as_deref().unwrap_or_default())?;
        let uri = otpauth::uri(&self.policy.issuer, a.account.email.as_str(), seed.as_slice(), &totp::APP_DEFAULT);
        Ok(TotpEnrollment { method_id: f.id, challenge_id: ch.id, setup_key: otpauth::setup_key(seed.as_slice()), qr_svg: otpauth::qr_svg(&uri)?, otpauth_uri: uri })
    }

    /// E-mail as a delivery channel for sign-in (never for step-up).
    pub async fn add_email_method(&self, a: &Authed, client: &ClientInfo) -> Result<MethodView> {
        self.require_step_up(a)?;
        self.require_setup_approval(a).await?;
        let factors = self.store.factors(a.account.id).await?;
        if factors.iter().any(|f| f.kind == FactorKind::Email) {
            return Err(Error::conflict("method.duplicate", "e-mail is already a method"));
        }
        let now = self.now();
        let f = Factor {
            channel: Some(Channel::Email),
            verified_at: a.account.email_verified_at.or(Some(now)),
            ..Factor::new(FactorId::new(), a.account.id, FactorKind::Email, now)
        };
        let mut writes = vec![Write::InsertFactor(f.clone())];
        writes.extend(self.credential_change_writes(&a.account, now));
        writes.extend(self.notify_all(&a.account, &factors, Template::MethodAdded, Some(&Detail::method_of(FactorKind::Email, None)))?);
        writes.push(self.event(Some(a.account.id), EventKind::MethodAdded, client, "email"));
        self.commit(writes).await?;
        Ok(MethodView::of(&f, &a.account))
    }

    /// F-2SV-5: a new set of backup codes, shown once; earlier codes stop working.
    pub async fn regenerate_backup_codes(&self, a: &Authed, client: &ClientInfo) -> Result<BackupCodes> {
        self.require_step_up(a)?;
        self.require_setup_approval(a).await?;
        let factors = self.store.factors(a.account.id).await?;
        let now = self.now();
        let mut writes = Vec::new();
        let method_id = match factors.iter().find(|f| f.kind == FactorKind::BackupCodes) {
            Some(f) => f.id,
            None => {
                let f = Factor {
                    verified_at: Some(now),
                    ..Factor::new(FactorId::new(), a.account.id, FactorKind::BackupCodes, now)
                };
                writes.push(Write::InsertFactor(f.clone()));
                f.id
            }
        };
        let mut codes = Vec::with_capacity(self.policy.backup_code_count);
        let mut hashes = Vec::with_capacity(self.policy.backup_code_count);
        for _ in 0..self.policy.backup_code_count {
            let c = backup_codes::generate()?;
            let n = backup_codes::normalize(&c).ok_or_else(|| Error::internal("backup code does not normalise"))?;
            hashes.push(backup_codes::hash(&self.keys, a.account.id, &n));
            codes.push(c.to_string());
        }
        writes.push(Write::ReplaceBackupCodes { account: a.account.id, hashes });
        writes.extend(self.credential_change_writes(&a.account, now));
        writes.extend(self.notify_all(&a.account, &factors, Template::MethodAdded, Some(&Detail::method_of(FactorKind::BackupCodes, None)))?);
        writes.push(self.event(Some(a.account.id), EventKind::BackupCodesGenerated, client, ""));
        self.commit(writes).await?;
        Ok(BackupCodes { method_id, codes })
    }

    pub async fn remove_method(&self, a: &Authed, id: FactorId, client: &ClientInfo) -> Result<()> {
        self.require_step_up(a)?;
        let factors = self.store.factors(a.account.id).await?;
        let f = Self::own_factor(&factors, id)?.clone();
        let rest: Vec<Factor> = factors.iter().filter(|g| g.id != id && g.replaces != Some(id)).cloned().collect();
        if a.account.twosv_enabled_at.is_some() {
            twosv_ready(&rest).map_err(|_| {
                Error::conflict("method.last_required", "2SV needs this method: add another one first, or turn 2SV off")
            })?;
        }
        let now = self.now();
        let mut writes = vec![Write::DeleteFactor { account: a.account.id, factor: id }];
        if f.kind == FactorKind::BackupCodes {
            writes.push(Write::ReplaceBackupCodes { account: a.account.id, hashes: vec![] });
        }
        if a.account.preferred_factor == Some(id) {
            let next = Self::pick_method(&a.account, &Self::usable(&rest), |g| g.kind != FactorKind::BackupCodes);
            writes.push(Write::SetPreferred { account: a.account.id, factor: next.map(|g| g.id) });
        }
        writes.extend(self.credential_change_writes(&a.account, now));
        // The removed phone is told too: its owner may not be the one removing it.
        writes.extend(self.notify_all(&a.account, &factors, Template::MethodRemoved, Some(&Detail::method_of(f.kind, f.phone.as_ref())))?);
        writes.push(self.event(Some(a.account.id), EventKind::MethodRemoved, client, f.kind.as_str()));
        self.commit(writes).await
    }

    pub async fn set_preferred(&self, a: &Authed, id: FactorId, client: &ClientInfo) -> Result<()> {
        self.require_step_up(a)?;
        let factors = self.store.factors(a.account.id).await?;
        let f = Self::own_factor(&factors, id)?;
        if f.kind == FactorKind::BackupCodes {
            return Err(Error::invalid("method.not_preferable", "method_id", "backup codes are for when other methods fail"));
        }
        self.commit(vec![Write::SetPreferred { account: a.account.id, factor: Some(id) }, self.event(Some(a.account.id), EventKind::PreferredMethodChanged, client, f.kind.as_str())]).await
    }

    /// F-2SV-4 / F-2SV-5: "Got it, turn on 2SV", optionally trusting this browser.
    pub async fn enable_two_step(&self, a: &Authed, trust_browser: bool, client: &ClientInfo) -> Result<TwoSvEnabled> {
        self.require_step_up(a)?;
        self.require_setup_approval(a).await?;
        let factors = self.store.factors(a.account.id).await?;
        twosv_ready(&factors)?;
        let now = self.now();
        let mut writes = vec![Write::SetTwoSv { account: a.account.id, enabled_at: Some(now) }];
        if a.account.preferred_factor.is_none_or(|p| !factors.iter().any(|f| f.id == p && is_primary(f))) {
            let usable = Self::usable(&factors);
            writes.push(Write::SetPreferred { account: a.account.id, factor: Self::pick_method(&a.account, &usable, is_primary).map(|f| f.id) });
        }
        writes.extend(self.credential_change_writes(&a.account, now));
        // The step-up that let this through may have been the password: from now on
        // only a second factor will do (F-SIGNIN-4).
        writes.push(Write::EndWeakStepUps { account: a.account.id });
        writes.extend(self.notify_all(&a.account, &factors, Template::TwoSvEnabled, None)?);
        writes.push(self.event(Some(a.account.id), EventKind::TwosvEnabled, client, ""));
        let mut token = None;
        if trust_browser {
            // After the revocation above: this browser is the one trust survives in.
            let (w, t) = self.trust_browser_write(a.account.id, client)?;
            writes.push(w);
            token = Some(t);
        }
        self.commit(writes).await?;
        Ok(TwoSvEnabled { trusted_browser_token: token })
    }

    /// F-OFF-1: turning 2SV off; `clear` also removes every method.
    pub async fn disable_two_step(&self, a: &Authed, clear: bool, client: &ClientInfo) -> Result<()> {
        self.require_step_up(a)?;
        let factors = self.store.factors(a.account.id).await?;
        let now = self.now();
        let mut writes = vec![Write::SetTwoSv { account: a.account.id, enabled_at: None }];
        if clear {
            writes.push(Write::DeleteFactorsOf { account: a.account.id });
            writes.push(Write::ReplaceBackupCodes { account: a.account.id, hashes: vec![] });
            writes.push(Write::SetPreferred { account: a.account.id, factor: None });
        }
        writes.extend(self.credential_change_writes(&a.account, now));
        writes.extend(self.notify_all(&a.account, &factors, Template::TwoSvDisabled, None)?);
        writes.push(self.event(Some(a.account.id), EventKind::TwosvDisabled, client, if clear { "cleared" } else { "" }));
        self.commit(writes).await
    }
}
