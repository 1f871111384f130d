//! Passwords (F-ACC-2): the rules a new password must meet, and argon2id hashing on a
//! bounded pool of blocking threads so a burst of sign-ins cannot starve the server.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

use crate::config::PasswordPolicy;
use crate::crypto::fill_random;
use crate::email::Email;
use crate::error::{Error, Result};

/// Common and breached passwords, most common first (see data/README.md).
static BLOCKLIST: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("../data/common-passwords.txt").lines().map(str::trim).filter(|l| !l.is_empty()).collect());

fn weak(message: &str) -> Error {
    Error::invalid("password.weak", "password", message)
}

/// Refuses a password that is too long to hash before any work is done.
pub fn check_size(policy: &PasswordPolicy, password: &SecretString) -> Result<()> {
    if password.expose_secret().len() > policy.max_bytes {
        return Err(Error::invalid("password.too_long", "password", format!("a password has at most {} bytes", policy.max_bytes)));
    }
    Ok(())
}

/// The rules for a new password. Upper/lower case, digits and symbols are encouraged by
/// the pages but not required: length and not-guessable matter more (NIST 800-63B).
pub fn check_new(policy: &PasswordPolicy, password: &SecretString, email: &Email) -> Result<()> {
    check_size(policy, password)?;
    let pw = password.expose_secret();
    if pw.chars().count() < policy.min_chars {
        return Err(weak(&format!("use at least {} characters", policy.min_chars)));
    }
    let lower = pw.to_lowercase();
    if BLOCKLIST.contains(lower.as_str()) {
        return Err(weak("this password is among the most used and breached ones; choose another"));
    }
    // A common password with digits or symbols glued on ("password2024!") is no better.
    let core = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    let core = core.trim_start_matches(|c: char| !c.is_alphabetic());
    if core.chars().count() >= 4 && BLOCKLIST.contains(core) && core.chars().count() * 2 >= lower.chars().count() {
        return Err(weak("this is a common password with a few characters added; choose another"));
    }
    let name = email.local_part().to_lowercase();
    let name_core: String = name.chars().filter(|c| c.is_alphanumeric()).collect();
    if name_core.chars().count() >= 4 && lower.chars().filter(|c| c.is_alphanumeric()).collect::<String>().contains(&name_core) {
        return Err(weak("do not use your name or e-mail address in your password"));
    }
    if pw.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '/' | '.' | ' ')) {
        return Err(weak("a password of only digits (a birthday, a phone number) is easy to guess"));
    }
    let first = pw.chars().next();
    if pw.chars().all(|c| Some(c) == first) {
        return Err(weak("a password of one repeated character is easy to guess"));
    }
    Ok(())
}

/// argon2id on a bounded pool of blocking threads.
#[derive(Clone)]
pub struct Hasher {
    argon: Arc<Argon2<'static>>,
    permits: Arc<Semaphore>,
    /// Verified against when the account does not exist, so an unknown e-mail takes
    /// as long as a wrong password (F-SIGNIN-5).
    dummy: Arc<String>,
}

impl Hasher {
    pub fn new(policy: &PasswordPolicy, parallelism: usize) -> Result<Self> {
        let params = Params::new(policy.argon2_m_kib, policy.argon2_t, policy.argon2_p, None)
            .map_err(|e| Error::internal(format!("argon2 parameters: {e}")))?;
        let argon = Arc::new(Argon2::new(Algorithm::Argon2id, Version::V0x13, params));
        let mut random = [0u8; 24];
        fill_random(&mut random)?;
        let dummy = hash_with(&argon, &data_encoding::BASE64.encode(&random))?;
        Ok(Hasher { argon, permits: Arc::new(Semaphore::new(parallelism.max(1))), dummy: Arc::new(dummy) })
    }

    pub async fn hash(&self, password: &SecretString) -> Result<String> {
        let argon = self.argon.clone();
        let pw = password.clone();
        self.blocking(move || hash_with(&argon, pw.expose_secret())).await?
    }

    /// `stored = None` verifies against the dummy hash and always answers false.
    pub async fn verify(&self, password: &SecretString, stored: Option<&str>) -> Result<bool> {
        let argon = self.argon.clone();
        let pw = password.clone();
        let known = stored.is_some();
        let phc = stored.map(str::to_owned).unwrap_or_else(|| self.dummy.as_str().to_owned());
        let ok = self
            .blocking(move || {
                let parsed = PasswordHash::new(&phc).map_err(|e| Error::internal(format!("stored hash: {e}")))?;
                Ok::<bool, Error>(argon.verify_password(pw.expose_secret().as_bytes(), &parsed).is_ok())
            })
            .await??;
        Ok(ok && known)
    }

    async fn blocking<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let _permit = self.permits.acquire().await.map_err(|_| Error::Busy)?;
        tokio::task::spawn_blocking(f).await.map_err(|e| Error::internal(format!("hash task: {e}")))
    }

    /// One hash, synchronously, for the benchmark baseline.
    pub fn hash_blocking(&self, password: &str) -> Result<String> {
        hash_with(&self.argon, password)
    }
}

fn hash_with(argon: &Argon2<'_>, password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    fill_random(&mut salt)?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| Error::internal(format!("salt: {e}")))?;
    argon
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("argon2: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Policy;

    fn s(p: &str) -> SecretString {
        SecretString::from(p.to_string())
    }

    #[test]
    fn f_acc_2_password_rules() {
        let pol = Policy::default().password;
        let email = Email::parse("taro.yamada@example.com").unwrap();
        let ok = |p: &str| check_new(&pol, &s(p), &email);
        assert!(ok("correct horse battery staple").is_ok());
        assert!(ok("Ninsho-Sakura-2026!").is_ok());
        assert_eq!(ok("short1!").unwrap_err().code(), "password.weak");
        assert_eq!(ok("123456789012").unwrap_err().code(), "password.weak");
        assert_eq!(ok("aaaaaaaaaaaaaaa").unwrap_err().code(), "password.weak");
        assert_eq!(ok("TaroYamada1985!!").unwrap_err().code(), "password.weak");
        assert_eq!(ok("1985/04/12 1985").unwrap_err().code(), "password.weak");
        assert_eq!(ok(&"x".repeat(2000)).unwrap_err().code(), "password.too_long");
    }

    #[test]
    fn f_acc_2_common_passwords_refused_even_with_suffix() {
        let pol = Policy::default().password;
        let email = Email::parse("someone@example.com").unwrap();
        assert!(BLOCKLIST.len() > 5_000, "blocklist has {} entries", BLOCKLIST.len());
        // Pick long entries from the shipped list itself, so the test follows the data.
        let long: Vec<&str> = BLOCKLIST.iter().copied().filter(|p| p.chars().count() >= 12).take(20).collect();
        assert!(!long.is_empty());
        for p in long {
            assert_eq!(check_new(&pol, &s(p), &email).unwrap_err().code(), "password.weak", "{p}");
        }
        assert_eq!(check_new(&pol, &s("password2024!!!"), &email).unwrap_err().code(), "password.weak");
    }

    #[tokio::test]
    async fn f_acc_2_argon2id_hash_and_verify() {
        let mut pol = Policy::default().password;
        pol.argon2_m_kib = 64; // fast in unit tests; the real parameters are checked below
        let h = Hasher::new(&pol, 2).unwrap();
        let phc = h.hash(&s("correct horse battery staple")).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=2,p=1$"));
        assert!(h.verify(&s("correct horse battery staple"), Some(&phc)).await.unwrap());
        assert!(!h.verify(&s("wrong horse battery staple"), Some(&phc)).await.unwrap());
        assert!(!h.verify(&s("anything"), None).await.unwrap());
    }

    #[test]
    fn f_acc_2_default_parameters_are_owasp() {
        let pol = Policy::default().password;
        assert_eq!((pol.argon2_m_kib, pol.argon2_t, pol.argon2_p), (19456, 2, 1));
    }
}
