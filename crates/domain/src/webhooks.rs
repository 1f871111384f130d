//! F-INT-4: security events for the shop's services, as Standard Webhooks.
//!
//! Which events a receiver hears (`Topic`, from the security log's `EventKind`), what
//! a delivery says (`payload`: ids, never a code, token, password, address or
//! number), and how it is signed (`sign`: HMAC-SHA256 over `id.timestamp.body`). The
//! fan-out to the registered endpoints is written by the store in the transaction
//! that writes the event, so an event is announced exactly when it happened.

use std::future::Future;

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::error::{Error, Result};
use crate::ports::Event;
use crate::types::*;

/// What a receiver can subscribe to. Stored and sent by its name (`as_str`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// Someone signed in (the password, and a code when one was asked).
    SignInSucceeded,
    /// Password tries were refused for a while: someone keeps guessing.
    SignInFailuresRepeated,
    /// A sign-in from a device the account had not signed in from before.
    DeviceNew,
    TwoStepEnabled,
    TwoStepDisabled,
    MethodAdded,
    MethodRemoved,
    /// Changed by the owner, or reset through the e-mailed link.
    PasswordChanged,
    EmailChanged,
    /// One session or every session signed out.
    SessionsEnded,
    /// A locked-out owner asked support to reset 2SV.
    RecoveryRequested,
    /// Support approved or rejected that request.
    RecoveryDecided,
    /// The owner confirmed a step-up a shop service asked for (F-INT-3).
    StepUpCompleted,
    /// F-DLV-3: a parcel was handed over with its delivery code.
    DeliveryHandedOver,
    /// F-DLV-3: too many wrong codes at the door; the delivery waits for the shop.
    DeliveryHeld,
    /// F-OFF-5: support locked the account while it investigates.
    AccountLocked,
    /// F-OFF-5: the lock ended, early by support or at its time.
    AccountUnlocked,
    /// F-OFF-2: the owner paused 2SV for a while: sign-ins ask no code until then.
    TwoStepSuspended,
    /// F-OFF-2: the pause ended, early by the owner or at its time.
    TwoStepResumed,
}

impl Topic {
    pub const ALL: [Topic; 19] = [
        Topic::SignInSucceeded,
        Topic::SignInFailuresRepeated,
        Topic::DeviceNew,
        Topic::TwoStepEnabled,
        Topic::TwoStepDisabled,
        Topic::MethodAdded,
        Topic::MethodRemoved,
        Topic::PasswordChanged,
        Topic::EmailChanged,
        Topic::SessionsEnded,
        Topic::RecoveryRequested,
        Topic::RecoveryDecided,
        Topic::StepUpCompleted,
        Topic::DeliveryHandedOver,
        Topic::DeliveryHeld,
        Topic::AccountLocked,
        Topic::AccountUnlocked,
        Topic::TwoStepSuspended,
        Topic::TwoStepResumed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::SignInSucceeded => "sign_in.succeeded",
            Topic::SignInFailuresRepeated => "sign_in.failures_repeated",
            Topic::DeviceNew => "device.new",
            Topic::TwoStepEnabled => "two_step.enabled",
            Topic::TwoStepDisabled => "two_step.disabled",
            Topic::MethodAdded => "method.added",
            Topic::MethodRemoved => "method.removed",
            Topic::PasswordChanged => "password.changed",
            Topic::EmailChanged => "email.changed",
            Topic::SessionsEnded => "sessions.ended",
            Topic::RecoveryRequested => "recovery.requested",
            Topic::RecoveryDecided => "recovery.decided",
            Topic::StepUpCompleted => "step_up.completed",
            Topic::DeliveryHandedOver => "delivery.handed_over",
            Topic::DeliveryHeld => "delivery.held",
            Topic::AccountLocked => "account.locked",
            Topic::AccountUnlocked => "account.unlocked",
            Topic::TwoStepSuspended => "two_step.suspended",
            Topic::TwoStepResumed => "two_step.resumed",
        }
    }

    pub fn parse(s: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl std::fmt::Display for Topic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The topics an event of this kind is announced under. Every kind is named: a new
/// kind does not compile until someone decides whether receivers hear of it.
pub fn topics(kind: EventKind, unfamiliar: bool) -> &'static [Topic] {
    use EventKind as K;
    match kind {
        K::SignIn if unfamiliar => &[Topic::SignInSucceeded, Topic::DeviceNew],
        K::SignIn => &[Topic::SignInSucceeded],
        K::PasswordThrottled => &[Topic::SignInFailuresRepeated],
        K::TwosvEnabled => &[Topic::TwoStepEnabled],
        K::TwosvDisabled => &[Topic::TwoStepDisabled],
        K::MethodAdded => &[Topic::MethodAdded],
        K::MethodRemoved => &[Topic::MethodRemoved],
        K::PasswordChanged | K::PasswordReset => &[Topic::PasswordChanged],
        K::EmailChanged => &[Topic::EmailChanged],
        K::SignedOut | K::SignedOutAll => &[Topic::SessionsEnded],
        K::ResetRequested => &[Topic::RecoveryRequested],
        K::ResetApproved | K::ResetRejected => &[Topic::RecoveryDecided],
        K::ServiceStepUpCompleted => &[Topic::StepUpCompleted],
        K::DeliveryHandedOver => &[Topic::DeliveryHandedOver],
        K::DeliveryHeld => &[Topic::DeliveryHeld],
        K::AccountLocked => &[Topic::AccountLocked],
        K::AccountUnlocked => &[Topic::AccountUnlocked],
        K::TwosvSuspended => &[Topic::TwoStepSuspended],
        K::TwosvResumed => &[Topic::TwoStepResumed],
        // Steps on the way (a code sent, a wrong code, a request started), the
        // operator's own changes, and the log's bookkeeping: no receiver acts on them.
        K::CourierAdded
        // The owner's own warning; receivers hear the sign-in attempts' outcomes instead.
        | K::UnsolicitedCodesWarned
        // Support's investigation reads it in the security log; the shop heard of the lock.
        | K::SignInRefusedLocked
        | K::SmsPauseLifted
        | K::StaffAdded
        | K::StaffRoleChanged
        | K::StaffRemoved
        | K::StaffViewedAccount
        | K::StaffActed
        // F-ORG-1: an organisation's own business, in its activity log.
        | K::OrgCreated
        | K::OrgMemberInvited
        | K::OrgMemberJoined
        | K::OrgRoleChanged
        | K::OrgMemberRemoved
        | K::OrgMemberLeft
        | K::WrongPassword
        | K::WrongCode
        | K::CodeSent
        | K::Denied
        | K::DeniedAfterUse
        | K::StepUp
        | K::MethodDisabled
        | K::SignUp
        | K::SignUpExisting
        | K::ResetDocumentViewed
        | K::ResetCancelled
        | K::MethodEnrolmentStarted
        | K::TrustedBrowserRemoved
        | K::SigninAlertsChanged
        | K::PreferredMethodChanged
        | K::LimitsReleased
        | K::BackupCodesGenerated
        | K::ApprovalRequested
        | K::ApprovalGranted
        | K::PasswordResetRequested
        | K::EmailChangeRequested
        | K::ServiceClientAdded
        | K::ServiceClientRotated
        | K::ServiceClientRevoked
        | K::AuditCheckpoint
        | K::ServiceStepUpStarted
        | K::WebhookEndpointAdded
        | K::WebhookEndpointRemoved
        | K::OidcClientAdded
        | K::OidcClientRemoved
        | K::OidcKeyRotated
        | K::OidcCodeExchanged
        | K::OidcCodeReplayed
        | K::OidcTokenRefreshed
        | K::OidcRefreshReplayed
        | K::OidcTokenRevoked
        // F-LIMIT-4: the operator's alert, about no account.
        | K::SmsDestinationPaused
        | K::SmsBudgetSpent => &[],
    }
}

/// The `webhook-id` of an event's announcement under a topic: the same on every
/// retry and for every endpoint, different for each (event, topic), so a receiver
/// can drop a duplicate by it.
pub fn message_id(event: EventId, topic: Topic) -> String {
    format!("msg_{}.{}", event.0.simple(), topic.as_str())
}

/// The body a receiver gets. Field order is fixed: the same event gives the same bytes.
#[derive(Serialize)]
struct Payload<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    /// When the event happened (RFC 3339, UTC).
    timestamp: String,
    data: Data,
}

/// Ids and kinds only. Each optional field is read from the event's detail only where
/// the detail is one of our own fixed values: the detail may also hold masked
/// addresses, which never leave.
#[derive(Serialize)]
struct Data {
    event_id: EventId,
    /// The account, as introspection names it (`sub`); absent where the event belongs
    /// to no known account (repeated failures counted against an address).
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<AccountId>,
    /// method.*: the kind of method (phone, totp, email, backup_codes).
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<FactorKind>,
    /// sign_in.failures_repeated: what the tries were counted against (account, address).
    #[serde(skip_serializing_if = "Option::is_none")]
    counted_against: Option<&'static str>,
    /// password.changed: `changed` by the owner, or `reset` by the e-mailed link.
    #[serde(skip_serializing_if = "Option::is_none")]
    how: Option<&'static str>,
    /// sessions.ended: whether every session ended, or the one that signed out.
    #[serde(skip_serializing_if = "Option::is_none")]
    all_sessions: Option<bool>,
    /// recovery.decided: approved or rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    decision: Option<&'static str>,
    /// step_up.completed: the step-up the service started.
    #[serde(skip_serializing_if = "Option::is_none")]
    step_up_id: Option<uuid::Uuid>,
    /// step_up.completed: the service client that started it.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<uuid::Uuid>,
    /// delivery.*: the delivery (the shop knows it by its order and tracking ids).
    #[serde(skip_serializing_if = "Option::is_none")]
    delivery_id: Option<uuid::Uuid>,
    /// account.*: the lock.
    #[serde(skip_serializing_if = "Option::is_none")]
    lock_id: Option<uuid::Uuid>,
    /// account.locked: when the lock ends by itself (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    locked_until: Option<String>,
    /// account.unlocked: `support` (ended early) or `time`; two_step.resumed: `owner`
    /// (ended early) or `time`.
    #[serde(skip_serializing_if = "Option::is_none")]
    ended_by: Option<&'static str>,
    /// two_step.suspended: when 2SV is back on by itself (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    suspended_until: Option<String>,
}

/// The number after `key` in an event detail such as `lock <id> until <ms>`.
fn number_after(detail: &str, key: &str) -> Option<i64> {
    let mut words = detail.split_whitespace();
    while let Some(w) = words.next() {
        if w == key {
            return words.next().and_then(|n| n.parse().ok());
        }
    }
    None
}

/// How an account lock's event detail says it ended (`lock <id> by time`).
pub const ENDED_BY_TIME: &str = "time";
pub const ENDED_BY_SUPPORT: &str = "support";
/// F-OFF-2: a pause of 2SV the owner ended early (`by owner`); support's pauses and
/// early ends say `by support`.
pub const ENDED_BY_OWNER: &str = "owner";

/// The id after `key` in an event detail such as `step_up <id> client <id> method sms`.
fn id_after(detail: &str, key: &str) -> Option<uuid::Uuid> {
    let mut words = detail.split_whitespace();
    while let Some(w) = words.next() {
        if w == key {
            return words.next().and_then(|id| uuid::Uuid::parse_str(id).ok());
        }
    }
    None
}

/// The JSON body announcing `event` under `topic`.
pub fn payload(event: &Event, topic: Topic) -> String {
    let detail = event.detail.as_str();
    let mut data = Data {
        event_id: event.id,
        sub: event.account_id,
        method: None,
        counted_against: None,
        how: None,
        all_sessions: None,
        decision: None,
        step_up_id: None,
        client_id: None,
        delivery_id: None,
        lock_id: None,
        locked_until: None,
        ended_by: None,
        suspended_until: None,
    };
    match topic {
        Topic::MethodAdded | Topic::MethodRemoved => data.method = FactorKind::parse(detail),
        Topic::SignInFailuresRepeated => data.counted_against = ["account", "address"].into_iter().find(|k| *k == detail),
        Topic::PasswordChanged => data.how = Some(if event.kind == EventKind::PasswordReset { "reset" } else { "changed" }),
        Topic::SessionsEnded => data.all_sessions = Some(event.kind == EventKind::SignedOutAll),
        Topic::RecoveryDecided => data.decision = Some(if event.kind == EventKind::ResetApproved { "approved" } else { "rejected" }),
        Topic::StepUpCompleted => {
            data.step_up_id = id_after(detail, "step_up");
            data.client_id = id_after(detail, "client");
        }
        Topic::DeliveryHandedOver | Topic::DeliveryHeld => data.delivery_id = id_after(detail, "delivery"),
        Topic::AccountLocked => {
            data.lock_id = id_after(detail, "lock");
            data.locked_until = number_after(detail, "until").and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok()).map(|t| t.to_string());
        }
        Topic::AccountUnlocked => {
            data.lock_id = id_after(detail, "lock");
            data.ended_by = [ENDED_BY_TIME, ENDED_BY_SUPPORT].into_iter().find(|b| detail.ends_with(&format!("by {b}")));
        }
        Topic::TwoStepSuspended => data.suspended_until = number_after(detail, "until").and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok()).map(|t| t.to_string()),
        Topic::TwoStepResumed => data.ended_by = [ENDED_BY_TIME, ENDED_BY_OWNER, ENDED_BY_SUPPORT].into_iter().find(|b| detail.ends_with(&format!("by {b}"))),
        Topic::SignInSucceeded | Topic::DeviceNew | Topic::TwoStepEnabled | Topic::TwoStepDisabled | Topic::EmailChanged | Topic::RecoveryRequested => {}
    }
    let timestamp = jiff::Timestamp::from_millisecond(event.at.0).map(|t| t.to_string()).unwrap_or_default();
    let body = Payload { kind: topic.as_str(), timestamp, data };
    serde_json::to_string(&body).unwrap_or_else(|_| unreachable!("ids and fixed strings serialize"))
}

/// What an endpoint hears: every topic (including those added later), or these.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TopicFilter {
    All,
    Only(Vec<Topic>),
}

impl TopicFilter {
    /// `all`, or topic names separated by commas. An unknown name is refused, naming it.
    pub fn parse(s: &str) -> Result<TopicFilter> {
        let names: Vec<&str> = s.split(',').map(str::trim).filter(|n| !n.is_empty()).collect();
        if names == ["all"] {
            return Ok(TopicFilter::All);
        }
        if names.is_empty() {
            return Err(Error::invalid("webhook.events_missing", "events", "name the events to send (comma-separated), or all"));
        }
        let mut topics = Vec::new();
        for n in names {
            let t = Topic::parse(n).ok_or_else(|| {
                Error::invalid("webhook.event_unknown", "events", format!("unknown event {n:?}; the events are all, {}", Topic::ALL.map(Topic::as_str).join(", ")))
            })?;
            if !topics.contains(&t) {
                topics.push(t);
            }
        }
        Ok(TopicFilter::Only(topics))
    }

    /// As stored, one row per name: `*` stands for every topic.
    pub fn names(&self) -> Vec<&'static str> {
        match self {
            TopicFilter::All => vec![ALL_TOPICS],
            TopicFilter::Only(t) => t.iter().map(|t| t.as_str()).collect(),
        }
    }

    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<TopicFilter> {
        let mut topics = Vec::new();
        for n in names {
            if n == ALL_TOPICS {
                return Ok(TopicFilter::All);
            }
            topics.push(Topic::parse(n).ok_or_else(|| Error::internal(format!("unknown webhook topic {n} in the database")))?);
        }
        topics.sort();
        Ok(TopicFilter::Only(topics))
    }
}

impl std::fmt::Display for TopicFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TopicFilter::All => f.write_str("all"),
            TopicFilter::Only(t) => f.write_str(&t.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(",")),
        }
    }
}

/// The stored name of "every topic".
pub const ALL_TOPICS: &str = "*";

/// A receiver the operator registered. Its signing secret is sealed with the master
/// key (`secret_aad`): ninsho must sign with it, so it cannot keep only a hash.
#[derive(Clone, Debug)]
pub struct WebhookEndpoint {
    pub id: WebhookEndpointId,
    pub name: String,
    pub url: String,
    pub topics: TopicFilter,
    pub sealed_secret: Vec<u8>,
    pub created_at: UnixMillis,
    pub removed_at: Option<UnixMillis>,
}

/// The sealed secret's associated data: it opens only as this endpoint's.
pub fn secret_aad(id: WebhookEndpointId) -> String {
    format!("webhook_endpoints:{id}:secret")
}

/// Standard Webhooks secrets are shown with this prefix, followed by the key in base64.
pub const SECRET_PREFIX: &str = "whsec_";

/// The signing key's length, in bytes (the specification asks for 24 to 64).
pub const SECRET_BYTES: usize = 32;

/// A signing key as shown to the operator once: `whsec_` and the key in base64.
pub fn secret_text(key: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", data_encoding::BASE64.encode(key))
}

/// `webhook-signature`: `v1,` and the base64 HMAC-SHA256, under `key`, of
/// `{webhook-id}.{webhook-timestamp}.{body}`.
pub fn sign(key: &[u8], id: &str, timestamp_secs: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp_secs.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1,{}", data_encoding::BASE64.encode(&mac.finalize().into_bytes()))
}

/// Where ninsho may send: HTTPS anywhere; plain HTTP only to this machine, since a
/// delivery says who signed in and must not cross a network in clear. No user name or
/// password in the URL: `list` prints it, and the signature is the authentication.
pub fn check_url(text: &str) -> Result<url::Url> {
    let bad = |why: &str| Error::invalid("webhook.url_invalid", "url", format!("{text:?}: {why}"));
    let url = url::Url::parse(text).map_err(|e| bad(&e.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("no user name or password in the URL (the signature authenticates ninsho)"));
    }
    if url.fragment().is_some() {
        return Err(bad("no #fragment"));
    }
    let loopback = match url.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => return Err(bad("no host")),
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err(bad("plain http only to this machine (127.0.0.1, ::1, localhost); use https")),
        _ => Err(bad("only https (or http to this machine)")),
    }
}

/// One announcement due to one endpoint, as the sender claims it.
#[derive(Clone, Debug)]
pub struct WebhookDelivery {
    /// The row, for recording the outcome.
    pub row: i64,
    /// `webhook-id`: stable across retries.
    pub webhook_id: String,
    pub topic: Topic,
    pub body: String,
    /// Tries so far, this one included.
    pub attempts: i64,
    pub created_at: UnixMillis,
    pub endpoint: WebhookEndpoint,
}

/// What the webhook sender needs from the store.
pub trait WebhookStore: Clone + Send + Sync + 'static {
    /// The endpoints not removed, oldest first.
    fn webhook_endpoints(&self) -> impl Future<Output = Result<Vec<WebhookEndpoint>>> + Send;
    /// Leases up to `limit` due deliveries for `lease_ms`: another instance (or this
    /// one after a restart) takes them again only once the lease has run out, so each
    /// is delivered at least once. Deliveries to removed endpoints are not taken.
    fn claim_webhooks(&self, now: UnixMillis, lease_ms: i64, limit: i64) -> impl Future<Output = Result<Vec<WebhookDelivery>>> + Send;
    fn webhook_delivered(&self, row: i64, now: UnixMillis) -> impl Future<Output = Result<()>> + Send;
    fn webhook_retry(&self, row: i64, next_at: UnixMillis, error: &str) -> impl Future<Output = Result<()>> + Send;
    fn webhook_failed(&self, row: i64, now: UnixMillis, error: &str) -> impl Future<Output = Result<()>> + Send;
    /// Deliveries waiting, and the creation time of the oldest.
    fn webhook_backlog(&self) -> impl Future<Output = Result<(i64, Option<UnixMillis>)>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: EventKind, detail: &str) -> Event {
        Event {
            id: EventId::new(),
            account_id: Some(AccountId::new()),
            at: UnixMillis(1_780_000_000_123),
            kind,
            ip: Some("192.0.2.1".into()),
            user_agent: Some("UA".into()),
            device_hash: Some(vec![1]),
            detail: detail.into(),
            unfamiliar: false,
        }
    }

    #[test]
    fn f_int_4_topics_have_stable_names_and_parse_back() {
        for t in Topic::ALL {
            assert_eq!(Topic::parse(t.as_str()), Some(t));
        }
        assert_eq!(topics(EventKind::SignIn, true), &[Topic::SignInSucceeded, Topic::DeviceNew]);
        assert_eq!(topics(EventKind::SignIn, false), &[Topic::SignInSucceeded]);
        assert_eq!(topics(EventKind::PasswordReset, false), &[Topic::PasswordChanged]);
        assert!(topics(EventKind::WrongCode, false).is_empty());
        // Every topic is reachable from some kind.
        for t in Topic::ALL {
            assert!(EventKind::ALL.iter().any(|k| topics(*k, true).contains(&t)), "{t} has no event");
        }
    }

    #[test]
    fn f_int_4_payloads_carry_ids_and_fixed_words_never_the_detail() {
        let e = event(EventKind::EmailChanged, "t***@example.com → n***@example.com");
        let body = payload(&e, Topic::EmailChanged);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["type"], "email.changed");
        assert_eq!(v["timestamp"], "2026-05-28T20:26:40.123Z");
        assert_eq!(v["data"]["event_id"], e.id.to_string());
        assert_eq!(v["data"]["sub"], e.account_id.unwrap().to_string());
        assert!(!body.contains("example.com") && !body.contains("192.0.2.1"), "{body}");

        let m = payload(&event(EventKind::MethodAdded, "totp"), Topic::MethodAdded);
        assert!(m.contains(r#""method":"totp""#), "{m}");
        let m = payload(&event(EventKind::MethodAdded, "+81 90-****-5678"), Topic::MethodAdded);
        assert!(!m.contains(r#""method""#) && !m.contains("5678"), "a detail that is not a kind is left out: {m}");
        let id = uuid::Uuid::now_v7();
        let client = uuid::Uuid::now_v7();
        let s = payload(&event(EventKind::ServiceStepUpCompleted, &format!("step_up {id} client {client} method sms")), Topic::StepUpCompleted);
        assert!(s.contains(&format!(r#""step_up_id":"{id}""#)) && s.contains(&format!(r#""client_id":"{client}""#)), "{s}");
        let mut f = event(EventKind::PasswordThrottled, "address");
        f.account_id = None;
        let f = payload(&f, Topic::SignInFailuresRepeated);
        assert!(f.contains(r#""counted_against":"address""#) && !f.contains("sub"), "{f}");
        // The same event, the same bytes (a retry is the same message).
        assert_eq!(payload(&e, Topic::EmailChanged), body);
    }

    #[test]
    fn f_int_4_filters_parse_and_name_what_is_unknown() {
        assert_eq!(TopicFilter::parse("all").unwrap(), TopicFilter::All);
        assert_eq!(TopicFilter::parse("sign_in.succeeded, step_up.completed").unwrap(), TopicFilter::Only(vec![Topic::SignInSucceeded, Topic::StepUpCompleted]));
        let e = TopicFilter::parse("sign_in.succeeded,sign_in.sucseeded").unwrap_err();
        assert_eq!(e.code(), "webhook.event_unknown");
        assert!(e.to_string().contains("sign_in.sucseeded"), "{e}");
        assert!(TopicFilter::parse(" , ").is_err());
        assert!(TopicFilter::parse("all,sign_in.succeeded").is_err(), "all stands alone");
        assert_eq!(TopicFilter::from_names(TopicFilter::All.names()).unwrap(), TopicFilter::All);
    }

    #[test]
    fn f_int_4_urls_are_https_or_loopback_http() {
        for ok in ["https://hooks.shop.example/ninsho", "http://127.0.0.1:9000/x", "http://[::1]/x", "http://localhost:8000/"] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in ["http://hooks.shop.example/x", "ftp://127.0.0.1/", "https://user:pw@hooks.shop.example/", "not a url", "https://x.example/#frag"] {
            assert_eq!(check_url(bad).unwrap_err().code(), "webhook.url_invalid", "{bad}");
        }
    }

    /// The example of the Standard Webhooks specification's reference libraries.
    #[test]
    fn f_int_4_signatures_follow_standard_webhooks() {
        let key = data_encoding::BASE64.decode(b"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let sig = sign(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, r#"{"test": 2432232314}"#);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert_eq!(secret_text(&key), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    }

    #[test]
    fn f_off_5_a_lock_is_announced_with_its_end_and_how_it_ended() {
        let lock = uuid::Uuid::now_v7();
        let event = |kind, detail: String| Event {
            id: EventId::new(),
            account_id: Some(AccountId::new()),
            at: UnixMillis(1_900_000_000_000),
            kind,
            ip: None,
            user_agent: None,
            device_hash: None,
            detail,
            unfamiliar: false,
        };
        let locked: serde_json::Value = serde_json::from_str(&payload(&event(EventKind::AccountLocked, format!("lock {lock} until 1900086400000")), Topic::AccountLocked)).unwrap();
        assert_eq!(locked["data"]["lock_id"], lock.to_string());
        assert_eq!(locked["data"]["locked_until"], "2030-03-18T17:46:40Z");
        let ended: serde_json::Value = serde_json::from_str(&payload(&event(EventKind::AccountUnlocked, format!("lock {lock} by time")), Topic::AccountUnlocked)).unwrap();
        assert_eq!((ended["data"]["ended_by"].as_str(), ended["data"]["locked_until"].as_str()), (Some("time"), None));
        assert_eq!(topics(EventKind::AccountLocked, false), &[Topic::AccountLocked]);
    }

    #[test]
    fn f_off_2_a_pause_of_2sv_is_announced_with_its_end_and_how_it_ended() {
        let paused: serde_json::Value = serde_json::from_str(&payload(&event(EventKind::TwosvSuspended, "until 1900086400000"), Topic::TwoStepSuspended)).unwrap();
        assert_eq!((paused["type"].as_str(), paused["data"]["suspended_until"].as_str()), (Some("two_step.suspended"), Some("2030-03-18T17:46:40Z")));
        let by_support: serde_json::Value = serde_json::from_str(&payload(&event(EventKind::TwosvSuspended, "until 1900086400000 by support"), Topic::TwoStepSuspended)).unwrap();
        assert_eq!(by_support["data"]["suspended_until"].as_str(), Some("2030-03-18T17:46:40Z"));
        for by in ["owner", "time", "support"] {
            let resumed: serde_json::Value = serde_json::from_str(&payload(&event(EventKind::TwosvResumed, &format!("by {by}")), Topic::TwoStepResumed)).unwrap();
            assert_eq!((resumed["data"]["ended_by"].as_str(), resumed["data"]["suspended_until"].as_str()), (Some(by), None));
        }
        assert_eq!(topics(EventKind::TwosvResumed, false), &[Topic::TwoStepResumed]);
        assert_eq!(Topic::parse("two_step.suspended"), Some(Topic::TwoStepSuspended));
    }
}
