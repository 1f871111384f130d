//! The ports `domain` needs from the outside: a `Store` for state, an `OutboxStore` for
//! the delivery worker, and a `Clock`. The records here are what the store keeps.
//!
//! Writes are described, not performed: a use case builds a list of `Write`s and the
//! store applies the whole list in one transaction, so a change and the message that
//! announces it, or a code consumption and the session it creates, land together or
//! not at all. Guarded writes (consume, charge a quota) abort the list when their
//! condition does not hold; each is one atomic statement on every backend.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::email::Email;
use crate::error::Error;
use crate::phone::PhoneE164;
use crate::types::*;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> UnixMillis;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixMillis {
        let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        UnixMillis(d.as_millis() as i64)
    }
}

/// How far this instance's clock is from the database's (F-OPS-7). Code expiry and
/// TOTP steps follow each instance's own clock, so an instance whose clock is off by
/// more than `max_ms` issues and checks no code until it agrees again.
#[derive(Debug)]
pub struct ClockSkew {
    skew_ms: AtomicI64,
    max_ms: i64,
}

impl ClockSkew {
    pub fn new(max_ms: i64) -> Self {
        ClockSkew { skew_ms: AtomicI64::new(0), max_ms }
    }

    /// Records a reading; returns whether the clocks may agree. On a loaded machine
    /// the query can wait seconds for a connection or a thread, and the midpoint of
    /// a slow round trip says little: the skew is known only to lie somewhere in
    /// the reading's bounds. Codes are refused only when every skew in the bounds
    /// is beyond the allowed one, so load alone never stops them.
    pub fn record(&self, reading: SkewReading) -> bool {
        let within = reading.latest_ms >= -self.max_ms && reading.earliest_ms <= self.max_ms;
        // Out of bounds: the skew nearest to agreement, which is beyond the allowed one.
        let skew = if within {
            reading.midpoint_ms().clamp(-self.max_ms, self.max_ms)
        } else if reading.earliest_ms > self.max_ms {
            reading.earliest_ms
        } else {
            reading.latest_ms
        };
        self.skew_ms.store(skew, Ordering::SeqCst);
        within
    }

    pub fn skew_ms(&self) -> i64 {
        self.skew_ms.load(Ordering::SeqCst)
    }

    /// `Err(Unavailable(ClockSkew))` while the clocks disagree.
    pub fn check(&self) -> Result<(), Error> {
        if self.skew_ms().abs() > self.max_ms { Err(Error::Unavailable(crate::error::Outage::ClockSkew)) } else { Ok(()) }
    }
}

/// One comparison with the database's clock: its time minus ours, which lies between
/// `earliest_ms` (ours read after the answer) and `latest_ms` (ours read before the
/// query).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkewReading {
    pub earliest_ms: i64,
    pub latest_ms: i64,
}

impl SkewReading {
    /// `theirs` read between our `before` and `after`.
    pub fn between(before: i64, theirs: i64, after: i64) -> Self {
        SkewReading { earliest_ms: theirs - after.max(before), latest_ms: theirs - before }
    }
    pub fn midpoint_ms(&self) -> i64 {
        self.earliest_ms + (self.latest_ms - self.earliest_ms) / 2
    }
    pub fn round_trip_ms(&self) -> i64 {
        self.latest_ms - self.earliest_ms
    }
}

/// A clock tests move by hand.
#[derive(Clone)]
pub struct FakeClock(Arc<AtomicI64>);

impl FakeClock {
    pub fn at(t: UnixMillis) -> Self {
        FakeClock(Arc::new(AtomicI64::new(t.0)))
    }
    pub fn advance_secs(&self, secs: i64) {
        self.0.fetch_add(secs * 1000, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> UnixMillis {
        UnixMillis(self.0.load(Ordering::SeqCst))
    }
}

#[derive(Clone, Debug)]
pub struct Account {
    pub id: AccountId,
    pub email: Email,
    pub password_hash: String,
    pub locale: Locale,
    pub created_at: UnixMillis,
    pub email_verified_at: Option<UnixMillis>,
    pub last_sign_in_at: Option<UnixMillis>,
    pub credentials_changed_at: Option<UnixMillis>,
    pub twosv_enabled_at: Option<UnixMillis>,
    pub preferred_factor: Option<FactorId>,
    /// F-MSG-1: tell the owner about sign-ins from a new browser or device.
    pub signin_alerts: bool,
    /// The zone the owner chose for times (F-DEV-1/3); `None` follows the default.
    pub time_zone: Option<crate::zone::TimeZoneName>,
    /// F-OFF-5: the end of the lock in force, if support locked the account.
    pub locked_until: Option<UnixMillis>,
    /// F-OFF-2: the owner paused 2SV until then. Kept (past its time) until the owner
    /// is told that 2SV is back on; `twosv_required` is what decides.
    pub twosv_suspended_until: Option<UnixMillis>,
}

impl Account {
    /// The end of the lock in force at `now`: a lock whose time has passed no longer
    /// holds, whether or not anything has ended it yet.
    pub fn locked_at(&self, now: UnixMillis) -> Option<UnixMillis> {
        self.locked_until.filter(|t| *t > now)
    }

    /// F-OFF-2: the end of the owner's pause of 2SV, while it holds at `now`.
    pub fn twosv_suspended_at(&self, now: UnixMillis) -> Option<UnixMillis> {
        self.twosv_enabled_at.and(self.twosv_suspended_until).filter(|t| *t > now)
    }

    /// Whether a sign-in needs a code from a 2SV method at `now`: 2SV is on and not
    /// paused. Computed from the clock, never set by a timer, so a pause ends at its
    /// time whether or not any instance runs then. `twosv_enabled_at` alone says
    /// whether 2SV is set up, which is what step-ups and method removal ask.
    pub fn twosv_required(&self, now: UnixMillis) -> bool {
        self.twosv_enabled_at.is_some() && self.twosv_suspended_at(now).is_none()
    }
}

/// F-OFF-5: a lock support set on an account, and how it ended.
#[derive(Clone, Debug)]
pub struct AccountLock {
    pub id: AccountLockId,
    pub account_id: AccountId,
    /// Support's words, for support: never shown to the owner.
    pub reason: String,
    /// Who set it (a staff member's name, or `operator` from the CLI).
    pub locked_by: String,
    pub locked_at: UnixMillis,
    pub until: UnixMillis,
    pub ended_at: Option<UnixMillis>,
    /// Who ended it early, or `time`.
    pub ended_by: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Factor {
    pub id: FactorId,
    pub account_id: AccountId,
    pub kind: FactorKind,
    pub phone: Option<PhoneE164>,
    /// For phones: SMS or voice.
    pub channel: Option<Channel>,
    /// For TOTP: the sealed seed.
    pub secret: Option<Vec<u8>>,
    pub created_at: UnixMillis,
    pub verified_at: Option<UnixMillis>,
    pub last_used_step: Option<i64>,
    pub failed_count: i64,
    pub disabled_at: Option<UnixMillis>,
    /// A pending factor that, once verified, takes the place of this one (F-2SV-6).
    pub replaces: Option<FactorId>,
}

impl Factor {
    /// A method of `kind` made at `now`: not verified, nothing of its kind's own (number,
    /// seed) yet, no failures.
    pub fn new(id: FactorId, account: AccountId, kind: FactorKind, now: UnixMillis) -> Factor {
        Factor {
            id,
            account_id: account,
            kind,
            phone: None,
            channel: None,
            secret: None,
            created_at: now,
            verified_at: None,
            last_used_step: None,
            failed_count: 0,
            disabled_at: None,
            replaces: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Challenge {
    pub id: ChallengeId,
    pub account_id: AccountId,
    pub purpose: Purpose,
    /// The method whose code is expected (the last one a code was sent through).
    pub factor_id: Option<FactorId>,
    pub code_hash: Option<Vec<u8>>,
    pub code_expires_at: Option<UnixMillis>,
    /// The outbox message carrying the latest code, while a code was sent.
    pub code_message: Option<MessageId>,
    pub created_at: UnixMillis,
    pub expires_at: UnixMillis,
    pub attempts: i64,
    pub consumed_at: Option<UnixMillis>,
    pub cancelled_at: Option<UnixMillis>,
    /// For step-up: the session that asked.
    pub session_id: Option<SessionId>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub device_name: Option<String>,
    /// F-ACC-6: the address a `ChangeEmail` challenge proves; it becomes the account's
    /// only in the commit that accepts the code.
    pub new_email: Option<crate::email::Email>,
}

impl Challenge {
    /// An open challenge with no code, method, session or client recorded yet.
    pub fn open(id: ChallengeId, account_id: AccountId, purpose: Purpose, created_at: UnixMillis, expires_at: UnixMillis) -> Challenge {
        Challenge {
            id,
            account_id,
            purpose,
            factor_id: None,
            code_hash: None,
            code_expires_at: None,
            code_message: None,
            created_at,
            expires_at,
            attempts: 0,
            consumed_at: None,
            cancelled_at: None,
            session_id: None,
            ip: None,
            user_agent: None,
            device_name: None,
            new_email: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Session {
    pub id: SessionId,
    pub account_id: AccountId,
    pub token_hash: Vec<u8>,
    pub created_at: UnixMillis,
    pub last_seen_at: UnixMillis,
    pub expires_at: UnixMillis,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub device_name: Option<String>,
    /// What signed this session in, in order (e.g. password, then an SMS code).
    pub auth_methods: Vec<AuthMethod>,
    pub stepped_up_at: Option<UnixMillis>,
    /// What last stepped it up (at `stepped_up_at`).
    pub step_up_method: Option<AuthMethod>,
    pub revoked_at: Option<UnixMillis>,
}

#[derive(Clone, Debug)]
pub struct TrustedBrowser {
    pub id: TrustedBrowserId,
    pub account_id: AccountId,
    pub token_hash: Vec<u8>,
    /// Keyed hash of the browser's identity (user agent): a token copied to another
    /// browser does not count.
    pub device_hash: Vec<u8>,
    pub user_agent: Option<String>,
    pub created_at: UnixMillis,
    pub expires_at: UnixMillis,
    pub last_used_at: Option<UnixMillis>,
    pub revoked_at: Option<UnixMillis>,
}

/// One line of the security log; the user's sign-in history is the subset with an
/// account and a history kind (F-DEV-3).
#[derive(Clone, Debug)]
pub struct Event {
    pub id: EventId,
    pub account_id: Option<AccountId>,
    pub at: UnixMillis,
    pub kind: EventKind,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub device_hash: Option<Vec<u8>>,
    /// Never a secret: method kinds, masked destinations, rule names.
    pub detail: String,
    pub unfamiliar: bool,
}

#[derive(Clone, Debug)]
pub struct OutboxMessage {
    pub id: MessageId,
    pub account_id: Option<AccountId>,
    pub template: String,
    pub channel: Channel,
    pub destination: String,
    pub locale: Locale,
    /// Sealed JSON object of template variables (it may hold a code).
    pub payload: Vec<u8>,
    pub created_at: UnixMillis,
    /// Quota keys charged for this send, given back if it finally fails.
    pub quota_keys: Vec<String>,
    pub attempts: i64,
    /// The request (challenge) a code or approval message was sent for: the
    /// authenticity check tells the owner which request a real code belongs to.
    pub challenge: Option<ChallengeId>,
    /// The delivery a delivery code was sent for (F-DLV-2).
    pub delivery: Option<DeliveryId>,
}

/// What a shopper wrote after a destructive action, for support to read.
#[derive(Clone, Debug)]
pub struct Feedback {
    pub id: FeedbackId,
    pub account_id: AccountId,
    pub at: UnixMillis,
    pub topic: FeedbackTopic,
    pub text: String,
}

/// F-INT-1: one of the shop's services, allowed what its scopes say. Its secret is
/// held only as a keyed hash; after a rotation the previous one still works until
/// `previous_valid_until`.
#[derive(Clone, Debug)]
pub struct ServiceClient {
    pub id: ServiceClientId,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub secret_hash: Vec<u8>,
    pub previous_secret_hash: Option<Vec<u8>>,
    pub previous_valid_until: Option<UnixMillis>,
    /// Requests a minute this client may make (per instance).
    pub rate_per_minute: i64,
    pub created_at: UnixMillis,
    pub revoked_at: Option<UnixMillis>,
    /// Origins (`https://shop.example`) a hosted page may return the shopper to after a
    /// step-up this client started (F-INT-3).
    pub origins: Vec<String>,
}

/// A client found by its secret, with the session a token names and its account, as
/// one statement read them (`Store::service_client_with_session`). The client is not
/// checked yet.
#[derive(Clone, Debug)]
pub struct ClientWithSession {
    pub client: ServiceClient,
    pub session: Option<(Session, Account)>,
}

impl ServiceClient {
    /// The scope a use case needs, or `ScopeMissing` naming it (F-INT-1).
    pub fn require(&self, scope: Scope) -> Result<(), Error> {
        if self.scopes.contains(&scope) { Ok(()) } else { Err(Error::ScopeMissing(scope)) }
    }
}

/// F-INT-3: a confirmation a service asked of a shopper. Its challenge holds the code,
/// the attempts and the expiry; this row holds what the service needs back.
#[derive(Clone, Debug)]
pub struct ServiceStepUp {
    pub id: ServiceStepUpId,
    pub client_id: ServiceClientId,
    pub account_id: AccountId,
    pub challenge_id: ChallengeId,
    pub reason: crate::reason::StepUpReason,
    /// Checked against the client's origins when the step-up began.
    pub return_url: Option<String>,
    /// Confirmed by an e-mailed code: the account has no 2SV method.
    pub weak: bool,
    pub created_at: UnixMillis,
    pub completed_at: Option<UnixMillis>,
    pub method: Option<AuthMethod>,
}

/// A step-up with the state of its challenge, as the service reads it.
#[derive(Clone, Debug)]
pub struct ServiceStepUpState {
    pub step_up: ServiceStepUp,
    pub challenge: Challenge,
}

/// F-OFF-3/4: a locked-out user's request to reset 2SV, and support's decision.
#[derive(Clone, Debug)]
pub struct ResetRequest {
    pub id: ResetRequestId,
    pub account_id: AccountId,
    pub created_at: UnixMillis,
    /// pending, approved or rejected.
    pub status: String,
    /// What the document is: passport, drivers_licence, …
    pub doc_type: String,
    /// The file format found in its bytes: pdf, png, jpeg, doc, docx.
    pub doc_kind: String,
    pub doc_bytes: i64,
    /// The sealed document; gone once decided (and not loaded for lists).
    pub document: Option<Vec<u8>>,
    pub decided_at: Option<UnixMillis>,
    pub reason: Option<String>,
    pub reviewer: Option<String>,
    pub ip: Option<String>,
}

/// A challenge with its account, the account's methods (oldest first), and whether
/// this device has signed in to the account before.
#[derive(Clone, Debug)]
pub struct ChallengeContext {
    pub challenge: Challenge,
    pub account: Account,
    pub factors: Vec<Factor>,
    pub known_device: bool,
}

/// An account found by its address, with what the risk rules ask of its history
/// (F-SIGNIN-3): has this device signed in before, and how many wrong passwords since
/// the window began.
#[derive(Clone, Debug)]
pub struct SignInContext {
    pub account: Account,
    pub known_device: bool,
    pub recent_failures: i64,
}

/// An account's last sign-in time is kept to the minute: the dormant-account rule
/// counts in days, and a burst of sign-ins should not queue on the account's row.
pub const SIGN_IN_TIME_GRAIN_MS: i64 = 60_000;

#[derive(Clone, Debug)]
pub enum Write {
    InsertAccount(Account),
    /// F-OFF-5: the lock, and its end on the account row. Refused (unique) while
    /// another lock of the account is in force.
    InsertAccountLock(AccountLock),
    /// F-OFF-5: ends a lock in force (guarded: exactly one ending wins), clears the
    /// account's `locked_until`, and revokes every session, trusted browser and
    /// application token made before `end` (the lock's end: now, or its time if that
    /// came first). None of them is legitimate: the lock revoked those it found, and a
    /// sign-in that raced it — deciding before the lock, committing after — could only
    /// be refused while the lock held.
    EndAccountLock { lock: AccountLockId, account: AccountId, by: String, now: UnixMillis, end: UnixMillis },
    /// Every open challenge of the account is closed: no code sent before can be used.
    CancelChallengesOf { account: AccountId, now: UnixMillis },
    /// Every code message of the account still waiting in the outbox is not sent.
    SupersedeCodesOf { account: AccountId },
    /// F-LIMIT-3: marks the owner told about codes without a sign-in; refused (guard)
    /// when they were told less than `every_secs` ago.
    WarnUnsolicitedCodes { account: AccountId, now: UnixMillis, every_secs: i64 },
    SetLocale { account: AccountId, locale: Locale },
    /// `None` returns to the default zone.
    SetTimeZone { account: AccountId, zone: Option<crate::zone::TimeZoneName> },
    SetPassword { account: AccountId, hash: String, now: UnixMillis },
    /// The same password hashed again (its NFKC form): not a credential change.
    /// Changes nothing if the hash is no longer `old` (changed meanwhile).
    RehashPassword { account: AccountId, old: String, hash: String },
    MarkEmailVerified { account: AccountId, now: UnixMillis },
    /// F-ACC-6: the account's address becomes `email`, verified. Unique: an address
    /// held by another account refuses the list (`CommitError::Unique`).
    SetEmail { account: AccountId, email: crate::email::Email, now: UnixMillis },
    /// F-ACC-6: the password tries counted against the old address follow the account
    /// to the new one; where both have some, the stricter state is kept.
    MovePasswordThrottle { from: ThrottleKey, to: ThrottleKey },
    /// Also ends any pause (F-OFF-2): a pause belongs to the 2SV it paused.
    SetTwoSv { account: AccountId, enabled_at: Option<UnixMillis> },
    /// F-OFF-2: pauses 2SV until `until`. Guarded: 2SV is on and the pause on record is
    /// still `was` (none, or one whose time has passed), so of racing pauses one wins.
    SuspendTwoSv { account: AccountId, until: UnixMillis, was: Option<UnixMillis> },
    /// F-OFF-2: clears the pause that ends at `until`. Guarded on that value: an early
    /// resume and the sweeps of every instance end one pause once between them.
    ResumeTwoSv { account: AccountId, until: UnixMillis },
    SetPreferred { account: AccountId, factor: Option<FactorId> },
    SetSigninAlerts { account: AccountId, on: bool },
    /// Changes nothing within `SIGN_IN_TIME_GRAIN_MS` of the time on record.
    TouchSignIn { account: AccountId, now: UnixMillis },
    CredentialsChanged { account: AccountId, now: UnixMillis },
    InsertFactor(Factor),
    /// Guard: the factor is still pending.
    VerifyFactor { factor: FactorId, now: UnixMillis },
    DeleteFactor { account: AccountId, factor: FactorId },
    DeleteFactorsOf { account: AccountId },
    ReplaceBackupCodes { account: AccountId, hashes: Vec<Vec<u8>> },
    InsertChallenge(Challenge),
    /// Guard: the challenge is open. Replaces any earlier code (F-OTP-2).
    SetChallengeCode { challenge: ChallengeId, factor: Option<FactorId>, code_hash: Vec<u8>, code_expires_at: UnixMillis, message: MessageId, now: UnixMillis },
    /// Guard: the message is still pending. A dispatcher that holds it at this moment
    /// may still hand it over, but neither retries nor records it afterwards; a code a
    /// newer one replaced is never sent later (F-OTP-2).
    SupersedeMessage { message: MessageId, now: UnixMillis },
    /// Guard: open and attempts below the limit. Approvals only: a code check consumes
    /// its challenge through `CodeAttempt`, which counts and compares in one step.
    ConsumeChallenge { challenge: ChallengeId, now: UnixMillis, max_attempts: i64 },
    /// Guard: the challenge is still open.
    CancelChallenge { challenge: ChallengeId, now: UnixMillis },
    /// Records that a consumed challenge's deny link was followed (single use).
    MarkChallengeDenied { challenge: ChallengeId, now: UnixMillis },
    /// Guard: the step is newer than the last one used (F-OTP-5). A right code also
    /// ends the method's run of failures (F-OTP-6).
    AdvanceTotpStep { factor: FactorId, step: i64 },
    /// Guard: the code exists for this account and is unused.
    ConsumeBackupCode { account: AccountId, code_hash: Vec<u8>, now: UnixMillis },
    ResetFactorFailures { factor: FactorId },
    InsertSession(Session),
    RevokeSession { account: AccountId, session: SessionId, now: UnixMillis },
    RevokeSessionsOf { account: AccountId, except: Option<SessionId>, now: UnixMillis },
    SetSteppedUp { session: SessionId, method: AuthMethod, now: UnixMillis },
    /// Turning 2SV on ends every step-up that was not a second factor (F-SIGNIN-4).
    EndWeakStepUps { account: AccountId },
    TouchSession { session: SessionId, now: UnixMillis },
    InsertTrustedBrowser(TrustedBrowser),
    RevokeTrustedBrowser { account: AccountId, browser: TrustedBrowserId, now: UnixMillis },
    RevokeTrustedBrowsersOf { account: AccountId, now: UnixMillis },
    TouchTrustedBrowser { browser: TrustedBrowserId, now: UnixMillis },
    /// Also announces the event to each webhook endpoint that hears one of its
    /// topics (F-INT-4): the announcement commits with the event or not at all.
    InsertEvent(Event),
    InsertOutbox(OutboxMessage),
    /// Guard: fewer than `limit` sends in the current window of `window_secs`.
    ChargeQuota { key: String, limit: i64, window_secs: i64, now: UnixMillis },
    /// F-LIMIT-4 guard: an SMS or voice send to `key` (`SmsKey`) in the clock hour of
    /// `now`, counted while the key is not paused and its count this hour is below
    /// `max(floor, multiplier × the key's mean over the previous `baseline_hours`)`.
    /// The global budget is a charge whose multiplier is 0 and floor the budget.
    ChargeSmsTraffic { key: String, floor: i64, multiplier: i64, baseline_hours: i64, now: UnixMillis },
    /// F-LIMIT-4 guard: `key` is refused until `until`. Written only where no pause
    /// of the key is running, so of a burst's refusals one pauses (and alerts).
    PauseSms { key: String, until: UnixMillis, now: UnixMillis },
    /// F-LIMIT-4 guard: the operator ends `key`'s running pause at `now`, and the
    /// count of its current hour starts again from zero (else the next send would
    /// pause it again at once).
    LiftSmsPause { key: String, now: UnixMillis },
    /// Guard: the key is not waiting out a delay. Counts a password try and starts the
    /// next delay once the free tries are used (`ThrottlePolicy`).
    TakePasswordTry { key: ThrottleKey, now: UnixMillis, policy: crate::config::ThrottlePolicy },
    /// A try whose password was never checked (the hashing was refused) is given back.
    ReturnPasswordTries { keys: Vec<ThrottleKey> },
    /// A right password: the account's count starts again; the address's try is given back.
    PasswordAccepted { account: ThrottleKey, address: Option<ThrottleKey> },
    /// Unique: one pending request per account.
    InsertResetRequest(ResetRequest),
    InsertFeedback(Feedback),
    /// Unique: the name.
    InsertServiceClient(ServiceClient),
    /// Guard: not revoked. The current secret becomes the previous one until `previous_valid_until`.
    RotateServiceClient { id: ServiceClientId, secret_hash: Vec<u8>, previous_valid_until: UnixMillis },
    /// Guard: not yet revoked.
    RevokeServiceClient { id: ServiceClientId, now: UnixMillis },
    /// F-INT-3: unique id and challenge.
    InsertServiceStepUp(ServiceStepUp),
    /// Guard: the step-up of this challenge is not yet completed.
    CompleteServiceStepUp { challenge: ChallengeId, method: AuthMethod, now: UnixMillis },
    /// Guard: not revoked.
    SetServiceClientOrigins { id: ServiceClientId, origins: Vec<String> },
    /// F-INT-4. Unique: the name, among the endpoints not removed.
    InsertWebhookEndpoint(crate::webhooks::WebhookEndpoint),
    /// Guard: not yet removed. Its undelivered announcements are dropped with it.
    RemoveWebhookEndpoint { id: WebhookEndpointId, now: UnixMillis },
    /// F-DLV-1: unique order id per client, unique tracking id.
    InsertDelivery(Delivery),
    /// F-DLV-3: a new code (a resend); only the latest counts. Guard: the code is still
    /// open (pending, not denied, not expired at `now`).
    SetDeliveryCode { delivery: DeliveryId, hash: Vec<u8>, sealed: Vec<u8>, message: MessageId, now: UnixMillis },
    /// F-DLV-3: a new delivery date; a code lives until `until`, the new day's end.
    RescheduleDelivery { delivery: DeliveryId, date: jiff::civil::Date, until: UnixMillis },
    /// Guard: pending.
    HoldDelivery { delivery: DeliveryId },
    /// The shopper's deny link: the code is closed, and a pending delivery held. Guard:
    /// the link was not used before and the status is still `was`.
    DenyDelivery { delivery: DeliveryId, was: DeliveryStatus, now: UnixMillis },
    /// F-DLV-3: a courier's account works for this carrier client.
    InsertCourier { account: AccountId, client: ServiceClientId, now: UnixMillis },
    /// F-SUP-1: the account becomes a staff member with `role`, added by `by`.
    InsertStaff { account: AccountId, role: crate::staff::StaffRole, by: String, now: UnixMillis },
    /// F-SUP-1 guard: a staff member (not removed) gets `role`.
    SetStaffRole { account: AccountId, role: crate::staff::StaffRole },
    /// F-SUP-1 guard: a staff member (not removed) is removed.
    RemoveStaff { account: AccountId, now: UnixMillis },
    /// F-ORG-1: a new organisation with its creator as its first owner.
    InsertOrganisation { org: Organisation, owner: AccountId },
    /// F-ORG-1: an invitation by e-mail (its token only hashed).
    InsertOrgInvitation(OrgInvitation),
    /// F-ORG-1 guard: the invitation is open (not used, not expired) and the account
    /// becomes a member with its role. A member already is refused as unique.
    AcceptOrgInvitation { invitation: OrgInvitationId, org: OrgId, account: AccountId, role: crate::organisation::OrgRole, now: UnixMillis },
    /// F-ORG-1 guard: the member still has the role `from`, and the change leaves the
    /// organisation an owner. Serialised per organisation (its row is locked first),
    /// so two changes at once cannot both take the last owner away.
    SetOrgRole { org: OrgId, account: AccountId, from: crate::organisation::OrgRole, to: crate::organisation::OrgRole },
    /// F-ORG-1 guard: the member still has the role `from`, and is not the last owner;
    /// serialised per organisation like `SetOrgRole`.
    RemoveOrgMember { org: OrgId, account: AccountId, from: crate::organisation::OrgRole },
    /// F-ORG-1: a line of the organisation's activity log.
    InsertOrgEvent(OrgEvent),
    /// F-DLV-6: many new deliveries, each with its code's rows, inserted many rows per
    /// statement. Guard: every row is inserted (a unique order or tracking id refuses
    /// the whole list, which the caller then registers one by one).
    InsertShipments(Vec<NewShipment>),
    /// Guard: still pending. Deletes the document with the decision.
    DecideResetRequest { id: ResetRequestId, status: String, reason: String, reviewer: String, now: UnixMillis },
    /// F-INT-5. Unique: the name, among the clients not removed.
    InsertOidcClient(crate::oidc::OidcClient),
    /// Guard: not yet removed. Every token it was given is revoked with it.
    RemoveOidcClient { id: OidcClientId, now: UnixMillis },
    /// Unique: one key signs at a time, on every instance (its `active` slot).
    InsertSigningKey(crate::oidc::SigningKey),
    /// Guard: the key still signs. It stays in the JWKS until `published_until`.
    RetireSigningKey { kid: String, now: UnixMillis, published_until: UnixMillis },
    InsertOidcRequest(crate::oidc::OidcRequest),
    /// Guard: the parked request is unused and not expired.
    UseOidcRequest { id: OidcRequestId, now: UnixMillis },
    InsertOidcCode(crate::oidc::AuthCode),
    /// Guard: the code is unused and not expired — one redemption, however many
    /// exchanges of it arrive at once.
    ConsumeOidcCode { code_hash: Vec<u8>, now: UnixMillis },
    InsertOidcToken(crate::oidc::AccessToken),
    /// A used code or refresh token came back: every access and refresh token of its
    /// grant is revoked.
    RevokeOidcGrant { code_hash: Vec<u8>, now: UnixMillis },
    InsertOidcRefresh(crate::oidc::RefreshToken),
    /// Guard: the refresh token is unused, unrevoked and unexpired — one rotation,
    /// however many refreshes with it arrive at once.
    UseOidcRefresh { token_hash: Vec<u8>, now: UnixMillis },
}

#[derive(Debug)]
pub enum CommitError {
    /// The guarded write at this index did not hold; nothing was written.
    Guard(usize),
    /// A unique constraint refused an insert (e.g. the e-mail is taken).
    Unique,
    Store(Error),
}

impl From<Error> for CommitError {
    fn from(e: Error) -> Self {
        CommitError::Store(e)
    }
}

/// What password tries are counted against: the e-mail address as typed (whether or
/// not an account has it, so that throttling tells nothing), or the client's address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThrottleKey(String);

impl ThrottleKey {
    /// From the keyed hash of the normalised address: no address is stored in clear.
    pub fn account(email_hash: &[u8]) -> Self {
        ThrottleKey(format!("pw-account:{}", data_encoding::HEXLOWER.encode(email_hash)))
    }
    /// An IPv6 client counts by its /64 (one machine holds a whole /64); an IPv4 client
    /// seen through a dual-stack socket (`::ffff:a.b.c.d`) by its IPv4 address.
    pub fn address(ip: &str) -> Self {
        let net = match ip.parse::<std::net::IpAddr>().map(|a| a.to_canonical()) {
            Ok(std::net::IpAddr::V4(v4)) => v4.to_string(),
            Ok(std::net::IpAddr::V6(v6)) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
            _ => ip.to_string(),
        };
        ThrottleKey(format!("pw-address:{net}"))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// F-ORG-1: a business account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organisation {
    pub id: OrgId,
    pub name: String,
    pub created_by: AccountId,
    pub created_at: UnixMillis,
}

/// F-ORG-1: a member of an organisation, with what the member list shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgMember {
    pub account_id: AccountId,
    pub email: String,
    pub role: crate::organisation::OrgRole,
    pub joined_at: UnixMillis,
    /// Whether the member's account has 2SV on.
    pub two_step: bool,
}

/// F-ORG-1: an invitation to join an organisation, sent to an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgInvitation {
    pub id: OrgInvitationId,
    pub org_id: OrgId,
    pub email: String,
    pub role: crate::organisation::OrgRole,
    pub token_hash: Vec<u8>,
    pub invited_by: AccountId,
    pub created_at: UnixMillis,
    pub expires_at: UnixMillis,
    pub accepted_at: Option<UnixMillis>,
}

/// F-ORG-1: a line of an organisation's activity log: who did what to whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgEvent {
    pub id: EventId,
    pub org_id: OrgId,
    pub at: UnixMillis,
    pub kind: EventKind,
    pub actor: AccountId,
    pub subject: Option<AccountId>,
    /// The address concerned (an invitation's, or the subject's at the time).
    pub subject_email: Option<String>,
    pub detail: String,
}

/// F-ORG-1: an activity-log line as read back, with the actor's address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgLogEntry {
    pub at: UnixMillis,
    pub kind: EventKind,
    pub actor_email: String,
    pub subject_email: Option<String>,
    pub detail: String,
}

/// F-SUP-1: a staff member as the staff list keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffMember {
    pub account_id: AccountId,
    pub email: String,
    pub role: crate::staff::StaffRole,
    pub added_by: String,
    pub added_at: UnixMillis,
}

/// F-LIMIT-4: an SMS key (`sms-prefix:+44740`, `sms-country:GB`, `sms-global`) refused
/// until `until`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmsPause {
    pub key: String,
    pub until: UnixMillis,
    pub paused_at: UnixMillis,
}

#[cfg(test)]
mod throttle_key_tests {
    use super::ThrottleKey;

    #[test]
    fn f_signin_5_ipv4_through_a_dual_stack_socket_counts_as_itself_and_ipv6_by_its_64() {
        assert_eq!(ThrottleKey::address("::ffff:192.0.2.7"), ThrottleKey::address("192.0.2.7"));
        assert_ne!(ThrottleKey::address("::ffff:192.0.2.7"), ThrottleKey::address("::ffff:192.0.2.8"));
        assert_eq!(ThrottleKey::address("2001:db8:1:2:aaaa::1"), ThrottleKey::address("2001:db8:1:2:bbbb::9"));
        assert_ne!(ThrottleKey::address("2001:db8:1:2::1"), ThrottleKey::address("2001:db8:1:3::1"));
    }
}

/// What a wrong code did to its challenge and method (F-OTP-3, F-OTP-6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailureCount {
    pub challenge_attempts: i64,
    pub factor_failures: i64,
    pub factor_disabled: bool,
}

/// How the statement that counts a code attempt tells a right code from a wrong one.
#[derive(Clone, Debug)]
pub enum CodeCheck {
    /// A sent code: its keyed hash, compared with the challenge's latest code, which
    /// must not have expired (F-OTP-1, F-OTP-2).
    SentHash(Vec<u8>),
    /// A backup code: its keyed hash, which must be one of the account's unused codes.
    BackupHash { account: AccountId, code_hash: Vec<u8> },
    /// A code the service checked itself (TOTP: the seed is sealed): the verdict.
    Decided(bool),
    /// A delivery code sent before codes moved onto deliveries (migration 0032): its
    /// keyed hash under the delivery's id and under the challenge it was keyed with
    /// then. Either may match the delivery's code when the statement runs, so a resend
    /// landing between the door's read and its check is no wrong try (F-DLV-3).
    SentHashUnderEither(Vec<u8>, Vec<u8>),
}

/// The step that opens every code check's commit (F-OTP-3, F-OTP-6): one atomic
/// statement takes an attempt on the open challenge — only while fewer than
/// `max_attempts` were wrong — and decides it. A wrong code is counted, on the challenge
/// and on `method`, by that same statement's transaction; a right one consumes the
/// challenge and commits the list it unlocks. So no burst and no second instance can
/// have more codes decided than the limit allows.
#[derive(Clone, Debug)]
pub struct CodeAttempt {
    pub on: Attempted,
    pub check: CodeCheck,
    pub now: UnixMillis,
    pub max_attempts: i64,
    /// The method a wrong code counts against, and the ceiling that disables it.
    pub method: Option<(FactorId, i64)>,
    /// Written only when the code is wrong (its security-log event).
    pub on_wrong: Vec<Write>,
}

/// What a code is told for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempted {
    /// A challenge's code (sign-in, step-up, …): a right one consumes the challenge.
    Challenge(ChallengeId),
    /// F-DLV-3: a delivery's code at the door: a right one hands the parcel over, once,
    /// recording the courier.
    Delivery { delivery: DeliveryId, courier: String },
}

/// What one code attempt came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Right: the challenge is consumed and the unlocked writes are committed.
    Accepted,
    /// Wrong: counted (and `on_wrong` written); nothing else.
    Wrong(FailureCount),
    /// The challenge was not open (used, cancelled, expired, or out of attempts):
    /// nothing was compared or written.
    Closed,
}

type R<T> = Result<T, Error>;

pub trait Store: Clone + Send + Sync + 'static {
    fn commit(&self, writes: Vec<Write>) -> impl Future<Output = Result<(), CommitError>> + Send;

    fn account(&self, id: AccountId) -> impl Future<Output = R<Option<Account>>> + Send;
    fn account_by_email(&self, email: &Email) -> impl Future<Output = R<Option<Account>>> + Send;
    /// F-SUP-1: the accounts that have, or had, a verified phone method with this
    /// number (one number may serve several accounts), newest first.
    fn accounts_with_phone(&self, phone: &PhoneE164, limit: i64) -> impl Future<Output = R<Vec<Account>>> + Send;
    fn factors(&self, account: AccountId) -> impl Future<Output = R<Vec<Factor>>> + Send;
    fn challenge(&self, id: ChallengeId) -> impl Future<Output = R<Option<Challenge>>> + Send;
    /// The newest open challenge of this purpose (device sign-in keeps no id on the device).
    fn open_challenge(&self, account: AccountId, purpose: Purpose, now: UnixMillis) -> impl Future<Output = R<Option<Challenge>>> + Send;
    /// Whether a challenge of this purpose, asked for by `session`, was passed at or
    /// after `since` and not denied since.
    fn passed_since(&self, account: AccountId, session: SessionId, purpose: Purpose, since: UnixMillis) -> impl Future<Output = R<bool>> + Send;
    fn session_by_token(&self, token_hash: &[u8]) -> impl Future<Output = R<Option<Session>>> + Send;
    fn sessions(&self, account: AccountId) -> impl Future<Output = R<Vec<Session>>> + Send;
    fn trusted_browser_by_token(&self, token_hash: &[u8]) -> impl Future<Output = R<Option<TrustedBrowser>>> + Send;
    fn trusted_browsers(&self, account: AccountId) -> impl Future<Output = R<Vec<TrustedBrowser>>> + Send;
    fn events(&self, account: AccountId, limit: i64) -> impl Future<Output = R<Vec<Event>>> + Send;
    /// F-SUP-1: what staff did (`staff_acted` events), newest first — one member's or
    /// everyone's — each with the member's address.
    fn staff_actions(&self, member: Option<AccountId>, limit: i64) -> impl Future<Output = R<Vec<(Event, String)>>> + Send;
    /// Everything a code check reads, in one query; `known_device` is false when no
    /// device is given.
    fn challenge_context(&self, id: ChallengeId, device_hash: Option<&[u8]>) -> impl Future<Output = R<Option<ChallengeContext>>> + Send;
    /// The account at this address with its risk facts, in one query: a sign-in reads
    /// once before the password hash whether or not the address exists.
    fn sign_in_context(&self, email: &Email, device_hash: &[u8], failures_since: UnixMillis) -> impl Future<Output = R<Option<SignInContext>>> + Send;
    fn backup_codes_left(&self, account: AccountId) -> impl Future<Output = R<i64>> + Send;
    /// The account's messages, newest first (F-MSG-2).
    fn messages(&self, account: AccountId, limit: i64) -> impl Future<Output = R<Vec<ArchivedMessage>>> + Send;
    /// The quota keys of a message still pending in the outbox, and whether a
    /// dispatcher holds it at this moment (`None` once sent, failed or superseded).
    fn waiting_message(&self, id: MessageId, now: UnixMillis) -> impl Future<Output = R<Option<(Vec<String>, bool)>>> + Send;
    /// pending, sent, failed or superseded.
    fn message_status(&self, id: MessageId) -> impl Future<Output = R<Option<String>>> + Send;
    /// Until when a throttled key must wait, if it must.
    fn throttled_until(&self, key: &ThrottleKey, now: UnixMillis) -> impl Future<Output = R<Option<UnixMillis>>> + Send;
    /// When the window of a quota key ends, if it exists.
    fn quota_window_start(&self, key: &str) -> impl Future<Output = R<Option<UnixMillis>>> + Send;
    /// F-LIMIT-4: until when an SMS key (`SmsKey`) is paused, if a pause ends after `now`.
    fn sms_paused_until(&self, key: &str, now: UnixMillis) -> impl Future<Output = R<Option<UnixMillis>>> + Send;
    /// F-LIMIT-4: how many SMS keys are paused at `now` (the operator's gauge).
    fn sms_pauses_running(&self, now: UnixMillis) -> impl Future<Output = R<i64>> + Send;
    /// F-LIMIT-4: the pauses running at `now`, the latest first.
    fn sms_pauses(&self, now: UnixMillis) -> impl Future<Output = R<Vec<SmsPause>>> + Send;
    /// F-LIMIT-4 housekeeping (not a `Write`: it returns how many rows went): deletes
    /// the counts of hours before `before_hour` and the pauses that ended before
    /// `ended_before`.
    fn prune_sms_traffic(&self, before_hour: i64, ended_before: UnixMillis) -> impl Future<Output = R<u64>> + Send;

    /// A code attempt (`CodeAttempt`) and, when the code is right, `on_right` in the
    /// same transaction. A guard of `on_right` that does not hold refuses everything,
    /// the attempt included (`CommitError::Guard` indexes `on_right`).
    fn commit_attempt(&self, attempt: CodeAttempt, on_right: Vec<Write>) -> impl Future<Output = Result<AttemptOutcome, CommitError>> + Send;

    /// One reset request, with its sealed document while it is pending.
    fn reset_request(&self, id: ResetRequestId) -> impl Future<Output = R<Option<ResetRequest>>> + Send;
    /// Reset requests with this status (all if `None`), oldest first, documents not loaded.
    fn reset_requests(&self, status: Option<&str>, limit: i64) -> impl Future<Output = R<Vec<ResetRequest>>> + Send;
    /// One account's reset requests, newest first, documents not loaded.
    fn reset_requests_of(&self, account: AccountId) -> impl Future<Output = R<Vec<ResetRequest>>> + Send;
    /// The newest feedback first, with each account's address.
    fn feedback(&self, limit: i64) -> impl Future<Output = R<Vec<(Feedback, String)>>> + Send;
    /// The client whose current or previous secret has this hash, revoked or not.
    fn service_client_by_secret(&self, secret_hash: &[u8]) -> impl Future<Output = R<Option<ServiceClient>>> + Send;
    /// F-INT-2 in one statement: the client whose current or previous secret has this
    /// hash, revoked or not, with the session of `token_hash` and its account if there
    /// is one. Both are read at one moment, so a client revoked or a session ended
    /// before the read is seen as such. Nothing about the session may be used before the
    /// client is checked (`Services::authenticate_introspection`). The store may answer
    /// from a cache that every commit changing these rows clears, on every instance,
    /// within a bounded time. Only what introspection reads is kept current: the
    /// session's revocation, expiry, methods and step-up, the account's 2SV, language
    /// and time zone, the client's secrets and state; other columns may be older.
    fn service_client_with_session(&self, secret_hash: &[u8], token_hash: &[u8]) -> impl Future<Output = R<Option<ClientWithSession>>> + Send;
    fn service_clients(&self) -> impl Future<Output = R<Vec<ServiceClient>>> + Send;
    /// The carrier client a courier's account works for, if it is a courier's.
    fn courier_client(&self, account: AccountId) -> impl Future<Output = R<Option<ServiceClientId>>> + Send;
    /// F-SUP-1: the account's staff membership, unless it was removed.
    fn staff_member(&self, account: AccountId) -> impl Future<Output = R<Option<StaffMember>>> + Send;
    /// F-SUP-1: every staff member not removed, by address.
    fn staff_members(&self) -> impl Future<Output = R<Vec<StaffMember>>> + Send;
    /// F-LIMIT-3: how many sign-in codes were sent to the account's owner since `since`
    /// (each resend counts; a send withdrawn before it went out and an app's prompt do
    /// not), and when its owner was last told so.
    fn sign_in_codes_since(&self, account: AccountId, since: UnixMillis) -> impl Future<Output = R<(i64, Option<UnixMillis>)>> + Send;
    /// F-OFF-5: the account's lock that has not ended (its time may have passed).
    fn open_account_lock(&self, account: AccountId) -> impl Future<Output = R<Option<AccountLock>>> + Send;
    /// F-OFF-5: locks whose time has come and that nothing has ended yet, oldest first.
    fn due_account_locks(&self, now: UnixMillis, limit: i64) -> impl Future<Output = R<Vec<AccountLock>>> + Send;
    /// F-OFF-2: accounts whose pause of 2SV has reached its time and whose owner has
    /// not been told yet, earliest first.
    fn due_twosv_suspensions(&self, now: UnixMillis, limit: i64) -> impl Future<Output = R<Vec<Account>>> + Send;
    fn delivery(&self, key: DeliveryKey<'_>) -> impl Future<Output = R<Option<Delivery>>> + Send;
    /// F-DLV-6: the client's deliveries with these order ids, in one read.
    fn deliveries_by_orders(&self, client: ServiceClientId, orders: &[String]) -> impl Future<Output = R<Vec<Delivery>>> + Send;
    /// F-DLV-6: these accounts with their phone methods, in two reads (where a batch's
    /// codes go).
    fn recipients(&self, accounts: &[AccountId]) -> impl Future<Output = R<Vec<(Account, Vec<Factor>)>>> + Send;
    /// The account's deliveries, newest first.
    fn deliveries_of(&self, account: AccountId, limit: i64) -> impl Future<Output = R<Vec<Delivery>>> + Send;
    /// A step-up with its challenge, by its id or by its challenge's.
    fn service_step_up(&self, which: StepUpKey) -> impl Future<Output = R<Option<ServiceStepUpState>>> + Send;

    /// Deletes quota counters whose key starts with `prefix` (support lifting a limit,
    /// F-LIMIT-2). Returns how many were lifted.
    fn release_quotas(&self, prefix: &str) -> impl Future<Output = R<u64>> + Send;

    /// F-ORG-1: an organisation by id.
    fn organisation(&self, id: OrgId) -> impl Future<Output = R<Option<Organisation>>> + Send;
    /// F-ORG-1: the organisations the account is a member of, with its role, by name.
    fn organisations_of(&self, account: AccountId) -> impl Future<Output = R<Vec<(Organisation, crate::organisation::OrgRole)>>> + Send;
    /// F-ORG-1: an organisation's members, owners first, then by address.
    fn org_members(&self, org: OrgId) -> impl Future<Output = R<Vec<OrgMember>>> + Send;
    /// F-ORG-1: an invitation by its token's hash.
    fn org_invitation(&self, token_hash: &[u8]) -> impl Future<Output = R<Option<OrgInvitation>>> + Send;
    /// F-ORG-1: an organisation's invitations neither accepted nor expired at `now`.
    fn open_org_invitations(&self, org: OrgId, now: UnixMillis) -> impl Future<Output = R<Vec<OrgInvitation>>> + Send;
    /// F-ORG-1: the organisation's activity log, newest first.
    fn org_log(&self, org: OrgId, limit: i64) -> impl Future<Output = R<Vec<OrgLogEntry>>> + Send;
}

/// F-DLV-1…4: a shipment the shop registered, and its delivery code's state.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub id: DeliveryId,
    pub client_id: ServiceClientId,
    pub order_id: String,
    pub account_id: AccountId,
    pub amount: crate::money::Money,
    pub categories: Vec<String>,
    pub country: String,
    pub time_zone: crate::zone::TimeZoneName,
    pub carrier: String,
    pub tracking_id: String,
    pub delivery_date: jiff::civil::Date,
    pub address_changed_days_ago: Option<i64>,
    pub rules: Vec<crate::delivery_rules::Rule>,
    pub status: DeliveryStatus,
    /// The code, when one is required.
    pub code: Option<DeliveryCode>,
    pub courier_id: Option<String>,
    pub handed_over_at: Option<UnixMillis>,
    pub created_at: UnixMillis,
}

/// F-DLV-2…4: a delivery's code, kept on the delivery itself: it is no challenge, so
/// nothing that answers a challenge can be asked about it (F-DLV-4). Attempts are
/// counted by the statement that compares the code (DESIGN §10), as a challenge's are.
#[derive(Clone, Debug)]
pub struct DeliveryCode {
    /// The latest code's keyed hash, in the delivery namespace (only it counts).
    pub hash: Vec<u8>,
    /// The latest code sealed, for the shopper's own deliveries page.
    pub sealed: Vec<u8>,
    /// The end of the delivery day where the parcel arrives.
    pub valid_until: UnixMillis,
    /// Wrong codes told at the door.
    pub attempts: i64,
    /// The message that carried the latest code.
    pub message: MessageId,
    /// When the shopper used the message's deny link.
    pub denied_at: Option<UnixMillis>,
    /// What the hash is keyed with when it is not the delivery's id: a code issued
    /// before codes moved onto deliveries (migration 0032) was keyed with its challenge.
    pub hashed_with: Option<uuid::Uuid>,
}

/// A delivery registered in bulk, with its code's message and event when it needs one.
#[derive(Clone, Debug)]
pub struct NewShipment {
    pub delivery: Delivery,
    pub code: Option<ShipmentCode>,
}

/// The rows a delivery's code brings besides the delivery: its sealed message, its event.
#[derive(Clone, Debug)]
pub struct ShipmentCode {
    pub message: OutboxMessage,
    pub event: Event,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// No code is needed: the courier hands it over as any parcel.
    NotRequired,
    /// Waiting for the code at the door.
    Pending,
    HandedOver,
    /// Too many wrong codes: the shop decides what happens next.
    Held,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::NotRequired => "not_required",
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::HandedOver => "handed_over",
            DeliveryStatus::Held => "held",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [DeliveryStatus::NotRequired, DeliveryStatus::Pending, DeliveryStatus::HandedOver, DeliveryStatus::Held].into_iter().find(|d| d.as_str() == s)
    }
}

/// How a delivery is looked up.
#[derive(Clone, Copy, Debug)]
pub enum DeliveryKey<'a> {
    Id(DeliveryId),
    /// A code sent before codes moved onto deliveries: its challenge's id, which the
    /// deny link of its message names (`DeliveryCode::hashed_with`).
    HashedWith(ChallengeId),
    Tracking(&'a str),
    Order { client: ServiceClientId, order_id: &'a str },
}

/// How a step-up is looked up.
#[derive(Clone, Copy, Debug)]
pub enum StepUpKey {
    Id(ServiceStepUpId),
    Challenge(ChallengeId),
}

/// What the delivery worker needs.
pub trait OutboxStore: Clone + Send + Sync + 'static {
    /// Leases up to `limit` due messages for `lease_ms`; another instance will not take
    /// them until the lease runs out.
    fn claim_outbox(&self, now: UnixMillis, lease_ms: i64, limit: i64) -> impl Future<Output = R<Vec<OutboxMessage>>> + Send;
    /// Records the send and keeps the sealed text as the message-center record (F-MSG-2).
    fn mark_sent(&self, id: MessageId, now: UnixMillis, sealed_body: &[u8]) -> impl Future<Output = R<()>> + Send;
    fn mark_retry(&self, id: MessageId, next_at: UnixMillis, error: &str) -> impl Future<Output = R<()>> + Send;
    /// Gives up on a message and gives its quota back (failed sends do not count).
    fn mark_failed(&self, id: MessageId, now: UnixMillis, error: &str) -> impl Future<Output = R<()>> + Send;
    fn dev_inbox_put(&self, message: MessageId, channel: Channel, destination: &str, body: &str, now: UnixMillis) -> impl Future<Output = R<()>> + Send;
    fn dev_inbox(&self, limit: i64) -> impl Future<Output = R<Vec<DevInboxEntry>>> + Send;
}

/// A message as the message center keeps it.
#[derive(Clone, Debug)]
pub struct ArchivedMessage {
    pub id: MessageId,
    pub channel: Channel,
    pub destination: String,
    pub template: String,
    pub created_at: UnixMillis,
    pub sent_at: Option<UnixMillis>,
    /// pending, sent or failed.
    pub status: String,
    /// The sealed text that was sent, once it was.
    pub body: Option<Vec<u8>>,
    pub challenge: Option<ChallengeId>,
    pub delivery: Option<DeliveryId>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct DevInboxEntry {
    pub message_id: MessageId,
    pub channel: Channel,
    pub destination: String,
    pub body: String,
    pub at: UnixMillis,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// F-OFF-2: 2SV is asked for by the clock alone: paused until the time, on from
    /// the time on, whether or not anything has cleared the pause.
    #[test]
    fn f_off_2_a_pause_holds_until_its_time_and_only_while_2sv_is_on() {
        let at = |ms| UnixMillis(ms);
        let account = Account {
            id: AccountId::new(),
            email: crate::email::Email::parse("owner@example.com").unwrap(),
            password_hash: String::new(),
            locale: Locale::En,
            created_at: at(0),
            email_verified_at: Some(at(0)),
            last_sign_in_at: None,
            credentials_changed_at: None,
            twosv_enabled_at: Some(at(10)),
            preferred_factor: None,
            signin_alerts: true,
            time_zone: None,
            locked_until: None,
            twosv_suspended_until: Some(at(1_000)),
        };
        assert!(!account.twosv_required(at(999)));
        assert_eq!(account.twosv_suspended_at(at(999)), Some(at(1_000)));
        assert!(account.twosv_required(at(1_000)), "back on at the time itself");
        assert_eq!(account.twosv_suspended_at(at(5_000)), None);
        let off = Account { twosv_enabled_at: None, ..account.clone() };
        assert!(!off.twosv_required(at(5_000)));
        assert_eq!(off.twosv_suspended_at(at(500)), None, "a pause of 2SV that is off is no pause");
        let unpaused = Account { twosv_suspended_until: None, ..account };
        assert!(unpaused.twosv_required(at(0)));
    }

    #[test]
    fn f_ops_7_a_drifted_clock_is_refused_whatever_the_round_trip() {
        let skew = ClockSkew::new(2_000);
        // 60 s behind, read quickly and read slowly.
        assert!(!skew.record(SkewReading::between(0, 60_000, 5)));
        assert!(skew.check().is_err());
        assert!(!skew.record(SkewReading::between(0, 60_000, 9_000)));
        assert_eq!(skew.skew_ms(), 51_000, "the skew nearest to agreement is reported");
        assert!(!skew.record(SkewReading::between(60_000, 0, 60_010)));
        assert_eq!(skew.skew_ms(), -60_000);
    }

    #[test]
    fn f_ops_7_a_slow_round_trip_on_agreeing_clocks_is_not_a_skew() {
        let skew = ClockSkew::new(2_000);
        // The query waited 6 s for a thread and was answered at its end: the
        // midpoint is 3 s off, but agreement lies within the bounds.
        assert!(skew.record(SkewReading::between(1_000, 7_000, 7_000)));
        assert!(skew.check().is_ok());
        assert!(skew.skew_ms().abs() <= 2_000);
        // The same at the other end of the wait.
        assert!(skew.record(SkewReading::between(1_000, 1_000, 7_000)));
        assert!(skew.check().is_ok());
    }

    #[test]
    fn f_ops_7_bounds_follow_the_clock_readings() {
        let r = SkewReading::between(100, 1_150, 200);
        assert_eq!((r.earliest_ms, r.latest_ms, r.round_trip_ms(), r.midpoint_ms()), (950, 1_050, 100, 1_000));
        // A clock that stepped back between the two readings gives an empty span, not a reversed one.
        let r = SkewReading::between(200, 1_150, 100);
        assert_eq!((r.earliest_ms, r.latest_ms), (950, 950));
    }
}
