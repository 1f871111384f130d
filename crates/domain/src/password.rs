//! Passwords (F-ACC-2): the rules a new password must meet, and argon2id hashing on a
//! bounded pool of dedicated threads so a burst of sign-ins cannot starve the server.
//!
//! A password is NFKC-normalised (NIST SP 800-63B-4) before it is measured, estimated,
//! hashed or verified: `é` typed as one code point or as `e` and a combining accent,
//! and letters typed full width by an input method, are the same password.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use std::sync::Mutex;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;
use zxcvbn::feedback::Warning;
use zxcvbn::matching::patterns::MatchPattern;

use crate::config::PasswordPolicy;
use crate::crypto::fill_random;
use crate::email::Email;
use crate::error::{Error, Result};

/// Common and breached passwords, most common first (see data/README.md).
static BLOCKLIST: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("../data/common-passwords.txt").lines().map(str::trim).filter(|l| !l.is_empty()).collect());

/// The NFKC form of a password, in a buffer sized once (a growing `String` would leave
/// copies behind in freed memory) and wiped when dropped.
pub fn normalize(password: &str) -> Zeroizing<String> {
    let len = password.nfkc().map(char::len_utf8).sum();
    let mut out = Zeroizing::new(String::with_capacity(len));
    out.extend(password.nfkc());
    out
}

/// Why a new password is refused: the `reason` of a `password.weak` error, a stable
/// word that clients and the pages (`err-password-weak-<reason>`) match on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weakness {
    TooShort,
    /// Among the most used and breached passwords, maybe with a few characters added.
    Common,
    /// Built from the account's own e-mail address or the shop's name.
    Personal,
    /// Only digits (a birthday, a phone number).
    Digits,
    /// One character repeated.
    OneCharacter,
    /// The strength estimate's reasons (zxcvbn): rows or patterns of keys, …
    Keyboard,
    /// … repeated characters or words (`aaa`, `abcabc`), …
    Repeats,
    /// … sequences (`abcd`, `6543`), …
    Sequence,
    /// … years and dates, …
    Dates,
    /// … a word by itself, …
    Word,
    /// … names and surnames, …
    Names,
    /// … or no single cause: too few guesses overall.
    Guessable,
}

impl Weakness {
    pub const ALL: [Weakness; 12] = [
        Weakness::TooShort,
        Weakness::Common,
        Weakness::Personal,
        Weakness::Digits,
        Weakness::OneCharacter,
        Weakness::Keyboard,
        Weakness::Repeats,
        Weakness::Sequence,
        Weakness::Dates,
        Weakness::Word,
        Weakness::Names,
        Weakness::Guessable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Weakness::TooShort => "too_short",
            Weakness::Common => "common",
            Weakness::Personal => "personal",
            Weakness::Digits => "digits",
            Weakness::OneCharacter => "one_character",
            Weakness::Keyboard => "keyboard",
            Weakness::Repeats => "repeats",
            Weakness::Sequence => "sequence",
            Weakness::Dates => "dates",
            Weakness::Word => "word",
            Weakness::Names => "names",
            Weakness::Guessable => "guessable",
        }
    }

    fn of_warning(w: Warning) -> Weakness {
        match w {
            Warning::StraightRowsOfKeysAreEasyToGuess | Warning::ShortKeyboardPatternsAreEasyToGuess => Weakness::Keyboard,
            Warning::RepeatsLikeAaaAreEasyToGuess | Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => Weakness::Repeats,
            Warning::ThisIsATop10Password | Warning::ThisIsATop100Password | Warning::ThisIsACommonPassword | Warning::ThisIsSimilarToACommonlyUsedPassword => {
                Weakness::Common
            }
            Warning::SequencesLikeAbcAreEasyToGuess => Weakness::Sequence,
            Warning::RecentYearsAreEasyToGuess | Warning::DatesAreOftenEasyToGuess => Weakness::Dates,
            Warning::AWordByItselfIsEasyToGuess => Weakness::Word,
            Warning::NamesAndSurnamesByThemselvesAreEasyToGuess | Warning::CommonNamesAndSurnamesAreEasyToGuess => Weakness::Names,
        }
    }
}

fn weak(reason: Weakness, message: &str) -> Error {
    Error::invalid_because("password.weak", "password", reason.as_str(), message)
}

/// Refuses a password that is too long to hash before any work is done: as sent (which
/// bounds the normalisation) and as it will be hashed.
pub fn check_size(policy: &PasswordPolicy, password: &SecretString) -> Result<()> {
    let raw = password.expose_secret();
    if raw.len() > policy.max_bytes || raw.nfkc().map(char::len_utf8).sum::<usize>() > policy.max_bytes {
        return Err(Error::invalid("password.too_long", "password", format!("a password has at most {} bytes", policy.max_bytes)));
    }
    Ok(())
}

/// The rules for a new password, on its NFKC form. Upper/lower case, digits and symbols
/// are encouraged by the pages but not required: length and not-guessable matter more
/// (NIST 800-63B). `issuer` is the shop's name: a password built on it is refused like
/// one built on the user's address.
pub fn check_new(policy: &PasswordPolicy, password: &SecretString, email: &Email, issuer: &str) -> Result<()> {
    check_size(policy, password)?;
    let normalized = normalize(password.expose_secret());
    let pw = normalized.as_str();
    if pw.chars().count() < policy.min_chars {
        return Err(weak(Weakness::TooShort, &format!("use at least {} characters", policy.min_chars)));
    }
    let lower = Zeroizing::new(pw.to_lowercase());
    if BLOCKLIST.contains(lower.as_str()) {
        return Err(weak(Weakness::Common, "this password is among the most used and breached ones; choose another"));
    }
    // A common password with digits or symbols glued on ("password2024!") is no better.
    let core = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    let core = core.trim_start_matches(|c: char| !c.is_alphabetic());
    if core.chars().count() >= 4 && BLOCKLIST.contains(core) && core.chars().count() * 2 >= lower.chars().count() {
        return Err(weak(Weakness::Common, "this is a common password with a few characters added; choose another"));
    }
    let name = email.local_part().to_lowercase();
    let name_core: String = name.chars().filter(|c| c.is_alphanumeric()).collect();
    if name_core.chars().count() >= 4 && Zeroizing::new(lower.chars().filter(|c| c.is_alphanumeric()).collect::<String>()).contains(&name_core) {
        return Err(weak(Weakness::Personal, "do not use your name or e-mail address in your password"));
    }
    if pw.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '/' | '.' | ' ')) {
        return Err(weak(Weakness::Digits, "a password of only digits (a birthday, a phone number) is easy to guess"));
    }
    let first = pw.chars().next();
    if pw.chars().all(|c| Some(c) == first) {
        return Err(weak(Weakness::OneCharacter, "a password of one repeated character is easy to guess"));
    }
    estimate(policy, pw, email, issuer)
}

/// The account's own words, which an attacker who targets it tries first (NIST SP
/// 800-63B-4's context-specific words): the address, its local part whole, without
/// separators and word by word, the words of its domain but the last, and the shop's
/// name. zxcvbn matches them anywhere in the password, reversed and in l33t.
fn user_inputs(email: &Email, issuer: &str) -> Vec<String> {
    let address = email.as_str().to_lowercase();
    let (local, domain) = address.rsplit_once('@').unwrap_or((address.as_str(), ""));
    let words = |s: &str| s.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 3).map(str::to_owned).collect::<Vec<_>>();
    let mut inputs = vec![address.clone(), local.to_owned(), local.chars().filter(|c| c.is_alphanumeric()).collect()];
    inputs.extend(words(local));
    if let Some((names, _tld)) = domain.rsplit_once('.') {
        inputs.extend(words(names));
    }
    let issuer = issuer.to_lowercase();
    inputs.extend(words(&issuer));
    inputs.push(issuer.chars().filter(|c| c.is_alphanumeric()).collect());
    inputs.retain(|w| w.chars().count() >= 3);
    inputs.sort();
    inputs.dedup();
    inputs
}

/// Whether a match zxcvbn scored is one of the account's own words (or repeats one).
fn uses_input(m: &zxcvbn::Match, inputs: &[String]) -> bool {
    match &m.pattern {
        MatchPattern::Dictionary(d) => inputs.contains(&d.matched_word),
        MatchPattern::Repeat(r) => r.base_matches.iter().any(|b| uses_input(b, inputs)),
        _ => false,
    }
}

/// The strength estimate (zxcvbn, with the account's own words): refuses a password
/// scored below `policy.min_score`, saying why in zxcvbn's words.
pub fn estimate(policy: &PasswordPolicy, normalized: &str, email: &Email, issuer: &str) -> Result<()> {
    let inputs = user_inputs(email, issuer);
    let words: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let entropy = zxcvbn::zxcvbn(normalized, &words);
    if u8::from(entropy.score()) >= policy.min_score {
        return Ok(());
    }
    let warning = entropy.feedback().and_then(|f| f.warning());
    let reason = if entropy.sequence().iter().any(|m| uses_input(m, &inputs)) {
        Weakness::Personal
    } else {
        warning.map_or(Weakness::Guessable, Weakness::of_warning)
    };
    let mut message = String::from("this password is easy to guess.");
    if reason == Weakness::Personal {
        message.push_str(" Do not build it on your e-mail address or the shop's name.");
    } else if let Some(w) = warning {
        message.push_str(&format!(" {w}"));
    }
    for s in entropy.feedback().map(|f| f.suggestions()).unwrap_or_default() {
        message.push_str(&format!(" {s}"));
    }
    Err(weak(reason, &message))
}

/// What a password check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Wrong,
    Right,
    /// Right, against a hash of the password as typed: made before passwords were
    /// NFKC-normalised, from a password NFKC changes. The caller stores a new hash.
    RightAsTyped,
}

impl Verdict {
    pub fn is_right(self) -> bool {
        self != Verdict::Wrong
    }
}

/// argon2id on a bounded pool of dedicated threads.
#[derive(Clone)]
pub struct Hasher {
    params: Params,
    pool: Pool,
    /// Verified against when the account does not exist, so an unknown e-mail takes
    /// as long as a wrong password (F-SIGNIN-5).
    dummy: Arc<String>,
    memory: Memory,
}

/// argon2's working memory (19 MiB at the default parameters), kept between hashes: a
/// fresh allocation costs a page fault per 4 KiB, about a fifth of the hash. At most
/// one buffer per concurrent hash is kept, and only of the current parameters' size (a
/// larger one, for an older hash, is dropped after use). The blocks are wiped after
/// every hash: they would let a memory dump test guesses of the last password without
/// argon2's cost.
#[derive(Clone)]
struct Memory {
    pool: Arc<Mutex<Vec<Vec<Block>>>>,
    /// The size the current parameters need; only buffers of this size are kept.
    keep: usize,
}

impl Memory {
    fn with<T>(&self, blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
        let mut mem = self.pool.lock().ok().and_then(|mut v| v.pop()).unwrap_or_default();
        if mem.len() < blocks {
            mem.resize(blocks, Block::default());
        }
        let out = f(&mut mem[..blocks]);
        mem[..blocks].fill(Block::default());
        // The wipe must happen even for a buffer about to be freed.
        std::hint::black_box(&mut mem);
        if mem.len() == self.keep
            && let Ok(mut v) = self.pool.lock()
        {
            v.push(mem);
        }
        out
    }
}

type Job = Box<dyn FnOnce() + Send>;

const DEFAULT_MAX_WAIT_US: u64 = 1_000_000;

/// `threads` hashing threads fed from one queue. A thread that finishes a hash takes
/// the next queued one at once: with tokio's blocking pool each hash waited for an
/// async worker to release its permit and start the next, and on a loaded machine
/// that hand-over kept the cores idle for a tenth of the time. At most `threads`
/// hashes wait in the queue beyond those running; further callers wait (async) for a
/// place. The threads end when the last `Hasher` clone is dropped.
///
/// Load is shed at the door (F-OPS-7): a caller whose expected wait — the hashes
/// ahead of it per thread, times the recent time of one hash — passes `max_wait_us`
/// is refused at once with `Outage::Overloaded`, instead of waiting seconds in line
/// while its client gives up.
#[derive(Clone)]
struct Pool {
    places: Arc<Semaphore>,
    jobs: std::sync::mpsc::Sender<Job>,
    threads: usize,
    /// Admitted hashes not yet started (queued, or waiting for a place).
    pending: Arc<AtomicUsize>,
    /// A moving average of one hash's time, in microseconds.
    hash_us: Arc<AtomicU64>,
    max_wait_us: u64,
}

/// One admitted hash until it starts (or its caller gives up).
struct Pending(Arc<AtomicUsize>);

impl Pending {
    fn new(count: Arc<AtomicUsize>) -> Pending {
        count.fetch_add(1, Ordering::SeqCst);
        Pending(count)
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Pool {
    fn start(threads: usize) -> Result<Pool> {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("ninsho-argon2-{i}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while waiting for the next job.
                        let job = match queue.lock() {
                            Ok(q) => q.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                })
                .map_err(|e| Error::internal(format!("cannot start a hashing thread: {e}")))?;
        }
        Ok(Pool {
            places: Arc::new(Semaphore::new(threads * 2)),
            jobs,
            threads,
            pending: Arc::default(),
            hash_us: Arc::default(),
            max_wait_us: DEFAULT_MAX_WAIT_US,
        })
    }

    /// How long a hash asked for now would wait before it starts.
    fn expected_wait_us(&self) -> u64 {
        // The caller itself is counted in `pending`.
        let ahead = (self.pending.load(Ordering::SeqCst) as u64).saturating_sub(1);
        ahead / self.threads as u64 * self.hash_us.load(Ordering::SeqCst)
    }

    fn record(&self, took: std::time::Duration) {
        let sample = took.as_micros().min(u128::from(u64::MAX)) as u64;
        // Seven parts history, one part the latest: smooth, yet follows a busier machine.
        let _ = self.hash_us.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |old| Some(if old == 0 { sample } else { (old * 7 + sample) / 8 }));
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        self.run_job(f, true).await
    }

    /// `measured`: the job is a hash, whose time feeds the estimate (a strength check
    /// is much shorter and would make the queue look faster than it is).
    async fn run_job<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static, measured: bool) -> Result<T> {
        // Counted first, then checked: of callers arriving together, each sees the
        // others ahead of it.
        let pending = Pending::new(self.pending.clone());
        if self.expected_wait_us() > self.max_wait_us {
            crate::telemetry::hash_shed();
            return Err(Error::Unavailable(crate::error::Outage::Overloaded));
        }
        let admitted = std::time::Instant::now();
        let _place = self.places.acquire().await.map_err(|_| Error::Busy)?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let me = self.clone();
        let job: Job = Box::new(move || {
            drop(pending);
            let start = std::time::Instant::now();
            if measured {
                crate::telemetry::hash_waited(start.duration_since(admitted));
            }
            // A panic is reported to the caller as an error and the thread lives on.
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            if measured {
                me.record(start.elapsed());
            }
            if let Ok(out) = out {
                let _ = tx.send(out);
            }
        });
        self.jobs.send(job).map_err(|_| Error::internal("hashing threads have stopped"))?;
        rx.await.map_err(|_| Error::internal("a hash failed"))
    }
}

fn argon_err(e: impl std::fmt::Display) -> Error {
    Error::internal(format!("argon2: {e}"))
}

/// The argon2 output for a password and salt, into `len` bytes.
fn compute(memory: &Memory, argon: &Argon2<'_>, params: &Params, password: &[u8], salt: &[u8], len: usize) -> Result<Output> {
    memory.with(params.block_count(), |blocks| {
        Output::init_with(len, |out| argon.hash_password_into_with_memory(password, salt, out, &mut *blocks).map_err(|_| argon2::password_hash::Error::Crypto))
    })
    .map_err(argon_err)
}

impl Hasher {
    pub fn new(policy: &PasswordPolicy, parallelism: usize) -> Result<Self> {
        let params = Params::new(policy.argon2_m_kib, policy.argon2_t, policy.argon2_p, None).map_err(|e| Error::internal(format!("argon2 parameters: {e}")))?;
        let memory = Memory { pool: Arc::default(), keep: params.block_count() };
        let mut hasher = Hasher { params, pool: Pool::start(parallelism.max(1))?, dummy: Arc::new(String::new()), memory };
        let mut random = [0u8; 24];
        fill_random(&mut random)?;
        // The first hash also tells how long one takes, before any load arrives.
        let start = std::time::Instant::now();
        hasher.dummy = Arc::new(hasher.hash_blocking(&data_encoding::BASE64.encode(&random))?);
        hasher.pool.record(start.elapsed());
        Ok(hasher)
    }

    /// Hashes admitted and not yet started: the queue `/metrics` shows.
    pub fn queue_depth(&self) -> usize {
        self.pool.pending.load(Ordering::SeqCst)
    }

    /// Refuse a hash at once when it would wait longer than this to start (default 1 s).
    pub fn shed_after(mut self, max_wait: std::time::Duration) -> Self {
        self.pool.max_wait_us = max_wait.as_micros().min(u128::from(u64::MAX)) as u64;
        self
    }

    /// `check_new` on the hashing threads: the strength estimate takes a few
    /// milliseconds (tens for a long password, and its dictionaries load on first use),
    /// too long for an async worker.
    pub async fn check_new(&self, policy: &PasswordPolicy, password: &SecretString, email: &Email, issuer: &str) -> Result<()> {
        let (policy, password, email, issuer) = (policy.clone(), password.clone(), email.clone(), issuer.to_owned());
        self.pool.run_job(move || check_new(&policy, &password, &email, &issuer), false).await?
    }

    /// The argon2id hash of the password's NFKC form.
    pub async fn hash(&self, password: &SecretString) -> Result<String> {
        let me = self.clone();
        let pw = password.clone();
        self.pool.run(move || me.hash_blocking(pw.expose_secret())).await?
    }

    /// `stored = None` verifies against the dummy hash and always answers false.
    pub async fn verify(&self, password: &SecretString, stored: Option<&str>) -> Result<bool> {
        Ok(self.check(password, stored).await?.is_right())
    }

    /// Verifies the password's NFKC form and, for a hash made before passwords were
    /// normalised, the password as typed (see `Verdict::RightAsTyped`). `stored = None`
    /// verifies against the dummy hash, with the same number of hashes, and is `Wrong`.
    pub async fn check(&self, password: &SecretString, stored: Option<&str>) -> Result<Verdict> {
        let me = self.clone();
        let pw = password.clone();
        let known = stored.is_some();
        let phc = stored.map(str::to_owned).unwrap_or_else(|| self.dummy.as_str().to_owned());
        let verdict = self.pool.run(move || me.check_blocking(pw.expose_secret(), &phc)).await??;
        Ok(if known { verdict } else { Verdict::Wrong })
    }

    fn check_blocking(&self, typed: &str, phc: &str) -> Result<Verdict> {
        let normalized = normalize(typed);
        if self.verify_blocking(&normalized, phc)? {
            return Ok(Verdict::Right);
        }
        // Only a password that NFKC changes can have been stored otherwise. Its second
        // hash is made for every address, known or not (the dummy), so the work still
        // tells nothing about the address; an ASCII password costs one hash as before.
        if normalized.as_str() != typed && self.verify_blocking(typed, phc)? {
            return Ok(Verdict::RightAsTyped);
        }
        Ok(Verdict::Wrong)
    }

    /// One hash of the password's NFKC form, on this thread, in PHC form (also the
    /// benchmark's baseline).
    pub fn hash_blocking(&self, password: &str) -> Result<String> {
        let password = normalize(password);
        let mut salt = [0u8; 16];
        fill_random(&mut salt)?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone());
        let len = self.params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let output = compute(&self.memory, &argon, &self.params, password.as_bytes(), &salt, len)?;
        let salt = SaltString::encode_b64(&salt).map_err(argon_err)?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&self.params).map_err(argon_err)?,
            salt: Some(salt.as_salt()),
            hash: Some(output),
        };
        Ok(phc.to_string())
    }

    /// Checks these bytes (no normalisation here) against a stored PHC string, with the
    /// parameters it was made with (older hashes keep theirs).
    fn verify_blocking(&self, password: &str, phc: &str) -> Result<bool> {
        let parsed = PasswordHash::new(phc).map_err(|e| Error::internal(format!("stored hash: {e}")))?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return Err(Error::internal("stored hash: no salt or output")) };
        let algorithm = Algorithm::try_from(parsed.algorithm).map_err(argon_err)?;
        let version = parsed.version.map(Version::try_from).transpose().map_err(argon_err)?.unwrap_or_default();
        let params = Params::try_from(&parsed).map_err(argon_err)?;
        let mut raw = [0u8; 64];
        let salt = salt.decode_b64(&mut raw).map_err(argon_err)?;
        let argon = Argon2::new(algorithm, version, params.clone());
        let computed = compute(&self.memory, &argon, &params, password.as_bytes(), salt, expected.len())?;
        // `Output`'s equality is constant-time.
        Ok(computed == expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Policy;

    fn s(p: &str) -> SecretString {
        SecretString::from(p.to_string())
    }

    const SHOP: &str = "Sakura Shop";

    #[test]
    fn f_acc_2_password_rules() {
        let pol = Policy::default().password;
        let email = Email::parse("taro.yamada@example.com").unwrap();
        let ok = |p: &str| check_new(&pol, &s(p), &email, SHOP);
        let reason = |p: &str| ok(p).unwrap_err().reason();
        assert!(ok("correct horse battery staple").is_ok());
        assert!(ok("Ninsho-Sakura-2026!").is_ok());
        assert_eq!(ok("short1!").unwrap_err().code(), "password.weak");
        assert_eq!(reason("short1!"), Some("too_short"));
        assert_eq!(ok("123456789012").unwrap_err().code(), "password.weak");
        assert_eq!(reason("123456789012"), Some("digits"));
        assert_eq!(ok("aaaaaaaaaaaaaaa").unwrap_err().code(), "password.weak");
        assert_eq!(reason("aaaaaaaaaaaaaaa"), Some("one_character"));
        assert_eq!(ok("TaroYamada1985!!").unwrap_err().code(), "password.weak");
        assert_eq!(reason("TaroYamada1985!!"), Some("personal"));
        assert_eq!(ok("1985/04/12 1985").unwrap_err().code(), "password.weak");
        assert_eq!(ok(&"x".repeat(2000)).unwrap_err().code(), "password.too_long");
        let e = ok("short1!").unwrap_err();
        assert!(matches!(e, Error::Invalid { field: "password", .. }), "{e:?}");
    }

    /// The strength estimate (zxcvbn with the account's own words) refuses what the
    /// fixed rules let through, says why, and lets a passphrase through.
    #[test]
    fn f_acc_2_strength_estimate_refuses_guessable_passwords_with_the_reason() {
        let pol = Policy::default().password;
        assert_eq!(pol.min_score, 3);
        let email = Email::parse("taro.yamada@example.com").unwrap();
        let check = |p: &str| check_new(&pol, &s(p), &email, SHOP);
        let est = |p: &str| estimate(&pol, &normalize(p), &email, SHOP);
        for p in ["correct horse battery staple", "Ninsho-Sakura-2026!", "a brand new passphrase 2026", "violet kettle marathon"] {
            assert!(check(p).is_ok(), "{p}: {:?}", check(p));
        }
        for (p, why) in [
            ("passwordpassword", "repeats"),
            ("qwertyuiopasdfgh", "common"),
            ("qwertyuiop[]asdf", "keyboard"),
            ("taroyamadataroyamada", "personal"),
            ("sakurashopsakurashop", "personal"),
            ("abcdefghijklmnop", "sequence"),
            ("michaeljohnson", "names"),
            ("encyclopaedia", "word"),
            ("mississippi123", "guessable"),
        ] {
            // The estimate by itself: none of these is on the list of common passwords.
            assert!(!BLOCKLIST.contains(p), "{p}");
            let e = est(p).unwrap_err();
            assert_eq!((e.code(), e.reason()), ("password.weak", Some(why)), "{p}: {e}");
            assert!(matches!(e, Error::Invalid { field: "password", .. }));
            assert!(e.to_string().starts_with("this password is easy to guess."), "{e}");
            assert_eq!(check(p).unwrap_err().code(), "password.weak", "{p}");
        }
        // zxcvbn's own words travel in the detail.
        let e = est("qwertyuiop[]asdf").unwrap_err().to_string();
        assert!(e.contains("Straight rows of keys"), "{e}");
        // The fixed rule sees the name reordered, where the estimate does not.
        assert_eq!(check("yamadataro.yamadataro").unwrap_err().reason(), Some("personal"));
        // The account's words count only for that account.
        let other = Email::parse("hanako@example.org").unwrap();
        for p in ["taroyamada2026!", "sakurashop2026", "taro.yamada@example.com"] {
            assert!(estimate(&pol, p, &other, "ninsho").is_ok(), "{p}");
            assert_eq!(est(p).unwrap_err().reason(), Some("personal"), "{p}");
        }
        // The minimum is the policy's.
        let lenient = PasswordPolicy { min_score: 0, ..pol.clone() };
        assert!(estimate(&lenient, "passwordpassword", &email, SHOP).is_ok());
        assert!(estimate(&pol, "violet kettle", &email, SHOP).is_ok());
        let strict = PasswordPolicy { min_score: 4, ..pol };
        assert!(estimate(&strict, "violet kettle", &email, SHOP).is_err());
    }

    /// NFKC before every length rule: a password that is 12 code points only as NFD is
    /// 11 characters; one that NFKC swells beyond the size limit is too long.
    #[test]
    fn f_acc_2_lengths_count_the_nfkc_form() {
        let pol = Policy::default().password;
        let email = Email::parse("someone@example.com").unwrap();
        let nfd = "ke\u{301}ttle mauve 7";
        assert_eq!(nfd.chars().count(), 15);
        assert_eq!(normalize(nfd).chars().count(), 14);
        assert!(check_new(&pol, &s(nfd), &email, SHOP).is_ok());
        let short = "ke\u{301}ttle wolf";
        assert_eq!(short.chars().count(), 12, "12 code points as typed");
        assert_eq!(check_new(&pol, &s(short), &email, SHOP).unwrap_err().reason(), Some("too_short"));
        // U+FDFA is 3 bytes, and 33 once normalised.
        let swollen = "\u{FDFA}".repeat(40);
        assert!(swollen.len() <= pol.max_bytes);
        assert_eq!(check_size(&pol, &s(&swollen)).unwrap_err().code(), "password.too_long");
        assert_eq!(&*normalize("Ｐａｓｓ　ｗｏｒｄ"), "Pass word");
        assert_eq!(&*normalize("cafe\u{301}"), "caf\u{e9}");
    }

    /// m = 64 KiB: fast in unit tests; the real parameters are checked below.
    fn fast_hasher() -> Hasher {
        let mut pol = Policy::default().password;
        pol.argon2_m_kib = 64;
        Hasher::new(&pol, 2).unwrap()
    }

    /// A hash made by the argon2 crate itself, under other (older) parameters.
    fn reference_hash(m_kib: u32, t: u32, password: &[u8]) -> String {
        use argon2::password_hash::PasswordHasher as _;
        let older = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(m_kib, t, 1, None).unwrap());
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        older.hash_password(password, &salt).unwrap().to_string()
    }

    #[tokio::test]
    async fn f_acc_2_argon2id_hash_and_verify() {
        let h = fast_hasher();
        let phc = h.hash(&s("correct horse battery staple")).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=2,p=1$"));
        assert!(h.verify(&s("correct horse battery staple"), Some(&phc)).await.unwrap());
        assert!(!h.verify(&s("wrong horse battery staple"), Some(&phc)).await.unwrap());
        assert!(!h.verify(&s("anything"), None).await.unwrap());
    }

    /// NFC and NFD, and full-width forms, are one password: whichever form was hashed,
    /// the other verifies (NFKC on both sides).
    #[tokio::test]
    async fn f_acc_2_nfc_nfd_and_full_width_forms_verify_alike() {
        let h = fast_hasher();
        let nfc = "caf\u{e9} au lait sur la terrasse";
        let nfd = "cafe\u{301} au lait sur la terrasse";
        assert_ne!(nfc, nfd);
        for (made, typed) in [(nfc, nfd), (nfd, nfc), ("ｃａｆé au lait", "café au lait"), ("café au lait", "ｃａｆｅ\u{301}\u{3000}au lait")] {
            let phc = h.hash(&s(made)).await.unwrap();
            assert_eq!(h.check(&s(typed), Some(&phc)).await.unwrap(), Verdict::Right, "{made:?} then {typed:?}");
            assert_eq!(h.check(&s(made), Some(&phc)).await.unwrap(), Verdict::Right);
            assert_eq!(h.check(&s("cafe au lait sur la terrasse"), Some(&phc)).await.unwrap(), Verdict::Wrong, "the accent still counts");
        }
        // What is hashed is the NFKC form: the reference implementation agrees.
        use argon2::password_hash::PasswordVerifier as _;
        let phc = h.hash(&s(nfd)).await.unwrap();
        let reference = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(64, 2, 1, None).unwrap());
        assert!(reference.verify_password(nfc.as_bytes(), &PasswordHash::new(&phc).unwrap()).is_ok());
        assert!(reference.verify_password(nfd.as_bytes(), &PasswordHash::new(&phc).unwrap()).is_err());
    }

    /// A hash made before passwords were normalised holds the password as typed: it
    /// verifies, as `RightAsTyped` so the caller hashes it again; nothing else does.
    #[tokio::test]
    async fn f_acc_2_a_hash_of_the_password_as_typed_still_verifies_and_asks_for_a_new_hash() {
        let h = fast_hasher();
        let nfd = "cafe\u{301} au lait sur la terrasse";
        let legacy = reference_hash(64, 2, nfd.as_bytes());
        assert_eq!(h.check(&s(nfd), Some(&legacy)).await.unwrap(), Verdict::RightAsTyped);
        assert!(h.verify(&s(nfd), Some(&legacy)).await.unwrap());
        assert_eq!(h.check(&s("caf\u{e9} au lait sur la terrasse"), Some(&legacy)).await.unwrap(), Verdict::Wrong, "only the form that was typed");
        assert_eq!(h.check(&s("cafe\u{301} au lait sur le toit"), Some(&legacy)).await.unwrap(), Verdict::Wrong);
        assert_eq!(h.check(&s(nfd), None).await.unwrap(), Verdict::Wrong);
        // An ASCII password was hashed as it is now: no second form to try.
        let ascii = reference_hash(64, 2, b"pw one");
        assert_eq!(h.check(&s("pw one"), Some(&ascii)).await.unwrap(), Verdict::Right);
    }

    /// The reused working memory changes nothing: the argon2 crate's own verifier
    /// accepts our hashes, we accept its hashes, and a hash made under older, larger
    /// parameters still verifies after the buffer served smaller ones.
    #[tokio::test]
    async fn f_acc_2_hashes_agree_with_the_reference_implementation_across_parameters() {
        use argon2::password_hash::PasswordVerifier as _;
        let h = fast_hasher();
        let ours = h.hash(&s("pw one")).await.unwrap();
        let reference = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(64, 2, 1, None).unwrap());
        assert!(reference.verify_password(b"pw one", &PasswordHash::new(&ours).unwrap()).is_ok());
        assert!(reference.verify_password(b"pw two", &PasswordHash::new(&ours).unwrap()).is_err());
        let theirs = reference_hash(256, 3, b"pw three");
        for _ in 0..2 {
            assert!(h.verify(&s("pw three"), Some(&theirs)).await.unwrap());
            assert!(!h.verify(&s("pw four"), Some(&theirs)).await.unwrap());
            assert!(h.verify(&s("pw one"), Some(&ours)).await.unwrap());
        }
        assert!(h.verify(&s("x"), Some("not a hash")).await.is_err(), "a damaged stored hash is an error, not a yes");
    }

    /// The kept working memory holds nothing of the last hash, and a buffer grown for
    /// an older, larger hash is not kept.
    #[tokio::test]
    async fn f_ops_4_argon2_working_memory_is_wiped_and_bounded() {
        let h = fast_hasher();
        let phc = h.hash(&s("pw one")).await.unwrap();
        let big = reference_hash(256, 2, b"pw two");
        assert!(h.verify(&s("pw two"), Some(&big)).await.unwrap());
        assert!(h.verify(&s("pw one"), Some(&phc)).await.unwrap());
        let pool = h.memory.pool.lock().unwrap();
        assert!(!pool.is_empty());
        for mem in pool.iter() {
            assert_eq!(mem.len(), h.params.block_count(), "only buffers of the current size are kept");
            assert!(mem.iter().all(|b| b.as_ref().iter().all(|w| *w == 0)), "a kept buffer still holds a hash's blocks");
        }
    }

    /// Item 8's bounded pool: hashes run on `parallelism` threads of their own and no
    /// more at once; a job that panics is an error for its caller alone; the threads
    /// end with the last `Hasher`. (Counts this process's threads: nextest runs each
    /// test in a process of its own.)
    #[cfg(target_os = "linux")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn f_acc_2_hashes_run_on_a_bounded_pool_of_their_own_threads() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::time::Duration;
        let pool_threads = || {
            std::fs::read_dir("/proc/self/task")
                .unwrap()
                .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
                .filter(|name| name.starts_with("ninsho-argon2"))
                .count()
        };
        // A thread names itself once running: wait for the count, within reason.
        let settles_at = |n: usize| async move {
            for _ in 0..200 {
                if pool_threads() == n {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            false
        };
        let before = pool_threads();
        let h = fast_hasher();
        assert!(settles_at(before + 2).await, "two threads");

        let (running, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let jobs: Vec<_> = (0..8)
            .map(|_| {
                let (h, running, peak) = (h.clone(), running.clone(), peak.clone());
                tokio::spawn(async move {
                    h.pool
                        .run(move || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            peak.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(20));
                            running.fetch_sub(1, Ordering::SeqCst);
                        })
                        .await
                })
            })
            .collect();
        for j in jobs {
            j.await.unwrap().unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2, "two threads, two hashes at once");

        let failed = h.pool.run(|| -> u8 { panic!("a hashing job failed") }).await;
        assert!(failed.is_err());
        let phc = h.hash(&s("still hashing")).await.unwrap();
        assert!(h.verify(&s("still hashing"), Some(&phc)).await.unwrap());
        assert_eq!(pool_threads(), before + 2, "the panic cost no thread");

        drop(h);
        assert!(settles_at(before).await, "hashing threads outlived their Hasher");
    }

    /// F-OPS-7: past the expected wait, a hash is refused at once, not queued.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn f_ops_7_hashes_past_the_expected_wait_are_shed_at_once() {
        use std::time::{Duration, Instant};
        let h = fast_hasher().shed_after(Duration::from_millis(100));
        h.pool.hash_us.store(50_000, Ordering::SeqCst);
        let jobs: Vec<_> = (0..12)
            .map(|_| {
                let h = h.clone();
                tokio::spawn(async move {
                    let start = Instant::now();
                    let r = h.pool.run(|| std::thread::sleep(Duration::from_millis(50))).await;
                    (r, start.elapsed())
                })
            })
            .collect();
        let (mut done, mut shed) = (0, 0);
        for j in jobs {
            match j.await.unwrap() {
                (Ok(()), _) => done += 1,
                (Err(Error::Unavailable(crate::error::Outage::Overloaded)), took) => {
                    shed += 1;
                    assert!(took < Duration::from_millis(40), "shed at once, not after {took:?}");
                }
                (Err(e), _) => panic!("{e:?}"),
            }
        }
        // Two threads, 50 ms a hash, at most 100 ms of wait: about six get in.
        assert!(shed >= 4 && done >= 2, "done {done}, shed {shed}");
        assert_eq!(h.pool.pending.load(Ordering::SeqCst), 0, "nothing left counted as waiting");
        // Once the queue has drained, hashes are taken again.
        assert!(h.hash(&s("after the burst")).await.is_ok());
    }

    #[test]
    fn f_acc_2_default_parameters_are_owasp() {
        let pol = Policy::default().password;
        assert_eq!((pol.argon2_m_kib, pol.argon2_t, pol.argon2_p), (19456, 2, 1));
    }
}
