//! F-DLV-1…4: delivery codes. The shop's order service registers a shipment; the
//! operator's rules decide whether it needs a code; the code goes to the shopper, who
//! tells it only to the courier; the carrier's system checks it at the door. The code is
//! kept on the delivery (`DeliveryCode`), not on a challenge: attempts are counted by
//! the statement that compares them (DESIGN §10), only the latest code counts, it
//! expires at the end of the delivery day where the parcel arrives, and nothing that
//! answers a challenge can be asked about it (F-DLV-4).

use secrecy::{ExposeSecret, SecretString};

use super::*;
use crate::delivery_rules::{ShipmentFacts, delivery_day_end};
use crate::messages::{Intent, Template};
use crate::money::Money;
use crate::otp::sent_code;
use crate::ports::{Attempted, AttemptOutcome, CodeAttempt, CodeCheck, Delivery, DeliveryCode, DeliveryKey, DeliveryStatus, Event, OutboxMessage, ServiceClient};
use crate::zone::TimeZoneName;

/// A shipment as the shop describes it.
#[derive(Clone, Debug)]
pub struct Shipment {
    pub order_id: String,
    pub account: AccountId,
    pub amount: Money,
    pub categories: Vec<String>,
    pub country: String,
    pub time_zone: TimeZoneName,
    pub carrier: String,
    pub tracking_id: String,
    pub delivery_date: jiff::civil::Date,
    pub address_changed_days_ago: Option<i64>,
}

/// What registering a shipment did.
#[derive(Clone, Debug)]
pub struct Registered {
    pub delivery: Delivery,
    /// False when the order id was known: the same delivery (perhaps rescheduled).
    pub created: bool,
    pub valid_until: Option<UnixMillis>,
    pub sent: Option<super::SentVia>,
}

/// What the door answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Handover {
    HandedOver,
}

/// A delivery as the shopper's page shows it, with the code while it can be used.
#[derive(Clone, Debug)]
pub struct DeliveryView {
    pub delivery: Delivery,
    pub code: Option<String>,
    pub valid_until: Option<UnixMillis>,
}

pub fn delivery_code_aad(id: DeliveryId) -> String {
    format!("deliveries|{id}|code")
}

fn text_ok(what: &'static str, field: &'static str, s: &str) -> Result<()> {
    let ok = (1..=100).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '#'));
    if ok { Ok(()) } else { Err(Error::invalid(what, field, "1 to 100 letters, digits or - _ . / : #")) }
}

impl<S: Store> Services<S> {
    pub(super) fn delivery_code_hash(&self, keyed_with: uuid::Uuid, code: &str) -> Vec<u8> {
        self.keys.hash_delivery_code(keyed_with.as_bytes(), code)
    }

    /// F-DLV-1: registers a shipment (idempotent by the shop's order id) and, when the
    /// rules require one, issues and sends its code.
    pub async fn register_shipment(&self, client: &ServiceClient, s: Shipment) -> Result<Registered> {
        client.require(Scope::DeliveriesWrite)?;
        let valid_until = self.check_shipment(&s)?;
        // The same order again: the same delivery, rescheduled if its date moved.
        if let Some(d) = self.store.delivery(DeliveryKey::Order { client: client.id, order_id: &s.order_id }).await? {
            return self.same_order(d, s, valid_until).await;
        }
        let account = self.store.account(s.account).await?.ok_or_else(|| Error::invalid("account.unknown", "sub", "no account has this id"))?;
        // F-OFF-5: no code goes to a locked account; the shop registers the parcel again later.
        self.ensure_unlocked(&account)?;
        let mut delivery = self.decided_delivery(client, &account, s, self.now());
        let required = delivery.status == DeliveryStatus::Pending;
        if !required {
            self.commit_new_delivery(vec![Write::InsertDelivery(delivery.clone())]).await?;
            return Ok(Registered { delivery, created: true, valid_until: None, sent: None });
        }
        let to = self.delivery_destination(&account).await?;
        let (code, message, event, sent) = self.new_delivery_code(&account, delivery.id, &to, valid_until, self.now())?;
        delivery.code = Some(code);
        self.commit_new_delivery(vec![Write::InsertDelivery(delivery.clone()), Write::InsertOutbox(message), Write::InsertEvent(event)]).await?;
        Ok(Registered { delivery, created: true, valid_until: Some(valid_until), sent: Some(sent) })
    }

    /// A shipment's own checks, before any read; the end of its delivery day.
    pub(super) fn check_shipment(&self, s: &Shipment) -> Result<UnixMillis> {
        let rules = &self.policy.deliveries;
        text_ok("delivery.order_id_invalid", "order_id", &s.order_id)?;
        text_ok("delivery.tracking_id_invalid", "tracking_id", &s.tracking_id)?;
        text_ok("delivery.carrier_invalid", "carrier", &s.carrier)?;
        if s.categories.is_empty() || s.categories.len() > 50 {
            return Err(Error::invalid("delivery.categories_invalid", "categories", "1 to 50 categories"));
        }
        if let Some((i, c)) = s.categories.iter().enumerate().find(|(_, c)| !rules.known_category(c)) {
            return Err(Error::invalid("delivery.category_unknown", "categories", format!("category {i} ({}) is not one of: {}", c.chars().take(40).collect::<String>(), rules.categories.join(", "))));
        }
        if s.country.len() != 2 || !s.country.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(Error::invalid("delivery.country_invalid", "destination.country", "an ISO 3166 two-letter country code such as JP"));
        }
        if s.address_changed_days_ago.is_some_and(|d| d < 0) {
            return Err(Error::invalid("delivery.address_changed_invalid", "address_changed_days_ago", "a number of days, 0 or more"));
        }
        let valid_until = delivery_day_end(s.delivery_date, &s.time_zone).ok_or_else(|| Error::invalid("delivery.date_invalid", "delivery_date", "a date the destination's calendar has"))?;
        if valid_until <= self.now() {
            return Err(Error::invalid("delivery.date_past", "delivery_date", "the delivery day is over"));
        }
        Ok(valid_until)
    }

    async fn commit_new_delivery(&self, writes: Vec<Write>) -> Result<()> {
        self.commit(writes).await.map_err(|e| match e {
            Error::Conflict { .. } => Error::conflict("delivery.tracking_taken", "another delivery has this tracking id"),
            e => e,
        })
    }

    /// F-DLV-2: SMS to the account's verified mobile, else its e-mail address.
    async fn delivery_destination(&self, account: &Account) -> Result<(Channel, String)> {
        Ok(delivery_destination_of(account, &self.store.factors(account.id).await?))
    }
}

/// Where an account's delivery codes go, given its methods.
pub(super) fn delivery_destination_of(account: &Account, factors: &[Factor]) -> (Channel, String) {
    let phone = factors.iter().find(|f| f.kind == FactorKind::Phone && f.verified_at.is_some() && f.disabled_at.is_none() && f.channel != Some(Channel::Voice));
    match phone.and_then(|f| f.phone.as_ref()) {
        Some(p) => (Channel::Sms, p.as_str().to_string()),
        None => (Channel::Email, account.email.as_str().to_string()),
    }
}

impl<S: Store> Services<S> {
    /// A fresh code for delivery `d`, valid `until` the delivery day's end: the code as
    /// the delivery keeps it (its hash in the delivery namespace, a sealed copy for the
    /// shopper's page), its message and its event. Nothing is read or written here.
    pub(super) fn new_delivery_code(&self, account: &Account, d: DeliveryId, to: &(Channel, String), until: UnixMillis, now: UnixMillis) -> Result<(DeliveryCode, OutboxMessage, Event, super::SentVia)> {
        let (channel, to) = (to.0, to.1.as_str());
        let code = sent_code::generate()?;
        let sealed = self.keys.seal(&delivery_code_aad(d), code.as_bytes())?;
        let Write::InsertOutbox(message) = Intent::new(Template::DeliveryCode, channel, to, account.locale)
            .account(account.id)
            .delivery(d)
            .var("code", code.as_str())
            .var("issuer", &self.policy.issuer)
            .var("origin_host", &self.policy.origin_host)
            .var("deny_url", self.delivery_deny_link(d))
            .valid_for((until.0 - now.0).div_euclid(1000))
            .into_write(&self.keys, now)?
        else {
            return Err(Error::internal("an intent is an outbox row"));
        };
        let masked = Self::masked(channel, to);
        let Write::InsertEvent(event) = self.event(Some(account.id), EventKind::CodeSent, &ClientInfo::default(), format!("{} {masked} delivery", channel.as_str())) else {
            return Err(Error::internal("an event is an event row"));
        };
        let code = DeliveryCode { hash: self.delivery_code_hash(d.0, &code), sealed, valid_until: until, attempts: 0, message: message.id, denied_at: None, hashed_with: None };
        Ok((code, message, event, super::SentVia { channel, to: masked, state: super::DeliveryState::Queued }))
    }

    /// A new delivery as the operator's rules decide it: pending a code, or needing none.
    pub(super) fn decided_delivery(&self, client: &ServiceClient, account: &Account, s: Shipment, now: UnixMillis) -> Delivery {
        let facts = ShipmentFacts { amount: s.amount, categories: &s.categories, country: &s.country, address_changed_days_ago: s.address_changed_days_ago };
        let decision = self.policy.deliveries.decide(&facts);
        Delivery {
            id: DeliveryId::new(),
            client_id: client.id,
            order_id: s.order_id,
            account_id: account.id,
            amount: s.amount,
            categories: s.categories,
            country: s.country,
            time_zone: s.time_zone,
            carrier: s.carrier,
            tracking_id: s.tracking_id,
            delivery_date: s.delivery_date,
            address_changed_days_ago: s.address_changed_days_ago,
            rules: decision.rules,
            status: if decision.required { DeliveryStatus::Pending } else { DeliveryStatus::NotRequired },
            code: None,
            courier_id: None,
            handed_over_at: None,
            created_at: now,
        }
    }

    pub(super) async fn same_order(&self, d: Delivery, s: Shipment, valid_until: UnixMillis) -> Result<Registered> {
        let same = d.account_id == s.account && d.amount == s.amount && d.categories == s.categories && d.country == s.country && d.tracking_id == s.tracking_id && d.carrier == s.carrier;
        if !same {
            return Err(Error::conflict("delivery.order_changed", "this order id was registered with other details; only the delivery date may change"));
        }
        let mut d = d;
        if d.delivery_date != s.delivery_date && matches!(d.status, DeliveryStatus::Pending | DeliveryStatus::NotRequired) {
            // F-DLV-3: a rescheduled delivery extends the code to the new day's end.
            self.commit(vec![Write::RescheduleDelivery { delivery: d.id, date: s.delivery_date, until: valid_until }]).await?;
            d.delivery_date = s.delivery_date;
            if let Some(c) = d.code.as_mut() {
                c.valid_until = valid_until;
            }
        }
        let valid_until = d.code.as_ref().map(|_| valid_until);
        Ok(Registered { delivery: d, created: false, valid_until, sent: None })
    }

    fn delivery_not_found() -> Error {
        Error::NotFound
    }

    /// A delivery of the calling shop, by its tracking id.
    async fn own_delivery(&self, client: &ServiceClient, tracking: &str) -> Result<Delivery> {
        let d = self.store.delivery(DeliveryKey::Tracking(tracking)).await?.ok_or_else(Self::delivery_not_found)?;
        // A carrier (deliveries:verify) checks any parcel it carries; a shop sees its own.
        if d.client_id != client.id && !client.scopes.contains(&Scope::DeliveriesVerify) {
            return Err(Self::delivery_not_found());
        }
        Ok(d)
    }

    /// The delivery's state, for the shop or the carrier.
    pub async fn delivery_status(&self, client: &ServiceClient, tracking: &str) -> Result<DeliveryView> {
        if client.require(Scope::DeliveriesWrite).is_err() {
            client.require(Scope::DeliveriesVerify)?;
        }
        let d = self.own_delivery(client, tracking).await?;
        let valid_until = d.code.as_ref().map(|c| c.valid_until);
        Ok(DeliveryView { delivery: d, code: None, valid_until })
    }

    /// F-DLV-3: a new code (by the shop); the earlier one stops working.
    pub async fn resend_delivery_code(&self, client: &ServiceClient, tracking: &str) -> Result<super::SentVia> {
        client.require(Scope::DeliveriesWrite)?;
        let d = self.own_delivery(client, tracking).await?;
        self.resend_delivery(&d).await
    }

    async fn resend_delivery(&self, d: &Delivery) -> Result<super::SentVia> {
        let closed = || Error::conflict("delivery.closed", "this delivery takes no code now");
        let Some(code) = d.code.as_ref().filter(|_| self.delivery_code_open(d)) else { return Err(closed()) };
        let account = self.store.account(d.account_id).await?.ok_or_else(closed)?;
        self.ensure_unlocked(&account)?;
        let to = self.delivery_destination(&account).await?;
        let now = self.now();
        let (fresh, message, event, sent) = self.new_delivery_code(&account, d.id, &to, code.valid_until, now)?;
        let set = Write::SetDeliveryCode { delivery: d.id, hash: fresh.hash, sealed: fresh.sealed, message: message.id, now };
        match self.commit_guarded(vec![set, Write::InsertOutbox(message), Write::InsertEvent(event)]).await? {
            Ok(()) => Ok(sent),
            Err(_) => Err(closed()),
        }
    }

    /// Whether the delivery's code can still be told at the door.
    fn delivery_code_open(&self, d: &Delivery) -> bool {
        d.status == DeliveryStatus::Pending
            && d.code.as_ref().is_some_and(|c| c.denied_at.is_none() && c.valid_until > self.now() && c.attempts < self.policy.deliveries.max_attempts)
    }

    /// F-DLV-3: the code told at the door. A match hands the parcel over once; wrong
    /// codes are counted by the statement that compares them, and the last allowed one
    /// holds the delivery. A delivery code answers nothing else, and nothing else
    /// answers it (F-DLV-4): its hash has a key of its own.
    pub async fn hand_over(&self, client: &ServiceClient, tracking: &str, code: SecretString, courier: &str) -> Result<Handover> {
        client.require(Scope::DeliveriesVerify)?;
        text_ok("delivery.courier_invalid", "courier_id", courier)?;
        let d = self.own_delivery(client, tracking).await?;
        match d.status {
            DeliveryStatus::HandedOver => return Err(Error::conflict("delivery.already_handed_over", "this parcel was already handed over")),
            DeliveryStatus::Held => return Err(Self::held()),
            DeliveryStatus::NotRequired => return Err(Error::conflict("delivery.no_code", "this parcel needs no code")),
            DeliveryStatus::Pending => {}
        }
        let account = self.store.account(d.account_id).await?.ok_or_else(Self::delivery_not_found)?;
        // F-OFF-5: while support investigates, no parcel is handed over on a code.
        self.ensure_unlocked(&account)?;
        let code = code.expose_secret();
        if code.len() > 64 {
            return Err(Self::code_malformed());
        }
        let check = self.delivery_code_check(&d, code)?;
        let now = self.now();
        let who = ClientInfo::default();
        let attempt = CodeAttempt {
            on: Attempted::Delivery { delivery: d.id, courier: courier.to_string() },
            check,
            now,
            max_attempts: self.policy.deliveries.max_attempts,
            method: None,
            on_wrong: vec![self.event(Some(account.id), EventKind::WrongCode, &who, format!("delivery {}", d.id))],
        };
        let notice = Intent::new(Template::DeliveryHandedOver, Channel::Email, account.email.as_str(), account.locale)
            .account(account.id)
            .var("issuer", &self.policy.issuer)
            .var("url", format!("{}/account/deliveries", self.policy.public_url.trim_end_matches('/')));
        // The statement that takes the attempt hands the parcel over (`Attempted::Delivery`).
        let on_right = vec![
            self.event(Some(account.id), EventKind::DeliveryHandedOver, &who, format!("delivery {} courier {courier}", d.id)),
            notice.into_write(&self.keys, now)?,
        ];
        match self.commit_attempt(attempt, on_right).await {
            Ok(Ok(AttemptOutcome::Accepted)) => Ok(Handover::HandedOver),
            Ok(Ok(AttemptOutcome::Wrong(n))) if n.challenge_attempts >= self.policy.deliveries.max_attempts => Err(self.hold_delivery(&d, &account).await?),
            Ok(Ok(AttemptOutcome::Wrong(n))) => Err(Error::invalid(
                "code.invalid",
                "code",
                format!("wrong code; {} more tries before the delivery is held", self.policy.deliveries.max_attempts - n.challenge_attempts),
            )),
            // Out of tries, expired, or handed over at this moment by another try.
            Ok(Ok(AttemptOutcome::Closed)) | Ok(Err(_)) => Err(self.closed_delivery(&d, &account).await?),
            Err(e) => Err(e),
        }
    }

    /// Why a delivery's code can no longer be answered, as the door hears it.
    async fn closed_delivery(&self, d: &Delivery, account: &Account) -> Result<Error> {
        let now_d = self.store.delivery(DeliveryKey::Tracking(&d.tracking_id)).await?.ok_or_else(Self::delivery_not_found)?;
        match now_d.status {
            DeliveryStatus::HandedOver => return Ok(Error::conflict("delivery.already_handed_over", "this parcel was already handed over")),
            DeliveryStatus::Held => return Ok(Self::held()),
            DeliveryStatus::Pending | DeliveryStatus::NotRequired => {}
        }
        match now_d.code {
            Some(c) if c.attempts >= self.policy.deliveries.max_attempts => self.hold_delivery(d, account).await,
            _ => Ok(Error::conflict("delivery.code_expired", "the code has expired: the delivery day is over; the shop can reschedule")),
        }
    }

    /// Holds the delivery (once) and tells the shop by its event; the answer at the door.
    async fn hold_delivery(&self, d: &Delivery, account: &Account) -> Result<Error> {
        let event = self.event(Some(account.id), EventKind::DeliveryHeld, &ClientInfo::default(), format!("delivery {} client {}", d.id, d.client_id));
        // A second hold (another wrong try of the same burst) changes nothing.
        let _ = self.commit_guarded(vec![Write::HoldDelivery { delivery: d.id }, event]).await?;
        Ok(Self::held())
    }

    fn held() -> Error {
        Error::conflict("delivery.held", "the delivery is held; the shop decides what happens next")
    }

    /// The shopper's deliveries, with each usable code (F-DLV-2: "also on a deliveries
    /// page while signed in").
    pub async fn my_deliveries(&self, a: &Authed, limit: i64) -> Result<Vec<DeliveryView>> {
        let mut out = Vec::new();
        for d in self.store.deliveries_of(a.account.id, limit).await? {
            let code = match &d.code {
                Some(c) if self.delivery_code_open(&d) => Some(String::from_utf8(self.keys.open(&delivery_code_aad(d.id), &c.sealed)?.to_vec()).map_err(Error::internal)?),
                _ => None,
            };
            out.push(DeliveryView { valid_until: d.code.as_ref().map(|c| c.valid_until), code, delivery: d });
        }
        Ok(out)
    }

    /// How the door's statement tells the code typed for delivery `d`, as read before
    /// it runs, right from wrong. A code sent before migration 0032 is keyed with its old
    /// challenge's id; if the shop sends a new one meanwhile, that one is keyed with the
    /// delivery's, so both hashes go to the statement, which compares whichever code
    /// the delivery holds then.
    pub fn delivery_code_check(&self, d: &Delivery, code: &str) -> Result<CodeCheck> {
        let keyed_before = d.code.as_ref().ok_or_else(|| Error::internal("a pending delivery without its code"))?.hashed_with;
        Ok(match sent_code::normalize(code, sent_code::DIGITS) {
            Some(c) => match keyed_before {
                None => CodeCheck::SentHash(self.delivery_code_hash(d.id.0, &c)),
                Some(before) => CodeCheck::SentHashUnderEither(self.delivery_code_hash(d.id.0, &c), self.delivery_code_hash(before, &c)),
            },
            None => CodeCheck::Decided(false),
        })
    }

    /// The deny link of delivery `d`'s code message.
    pub(super) fn delivery_deny_link(&self, d: DeliveryId) -> String {
        self.url_of(super::links::LinkKind::DenyDelivery, d.0)
    }

    /// The deny link of a delivery code's message ("I did not order this"): the code
    /// is closed and a pending delivery held, so no courier hands the parcel over on it;
    /// the shop hears `delivery.held`, and the owner is pointed at the password change.
    /// A parcel already handed over is recorded as denied after use.
    pub(super) async fn deny_delivery(&self, id: DeliveryId, client: &ClientInfo) -> Result<super::DenyOutcome> {
        let used = || Error::conflict("deny.already_used", "this link was already used");
        let d = self.store.delivery(DeliveryKey::Id(id)).await?.ok_or_else(|| Error::invalid("deny.invalid_link", "token", "this link is not valid"))?;
        if d.code.as_ref().is_none_or(|c| c.denied_at.is_some()) {
            return Err(used());
        }
        let account = self.store.account(d.account_id).await?.ok_or_else(used)?;
        let now = self.now();
        let (outcome, kind) = match d.status {
            DeliveryStatus::HandedOver => (super::DenyOutcome::AlreadyUsed, EventKind::DeniedAfterUse),
            _ => (super::DenyOutcome::Denied, EventKind::Denied),
        };
        let mut writes = vec![Write::DenyDelivery { delivery: d.id, was: d.status, now }, self.event(Some(account.id), kind, client, "delivery")];
        if d.status == DeliveryStatus::Pending {
            writes.push(self.event(Some(account.id), EventKind::DeliveryHeld, &ClientInfo::default(), format!("delivery {} client {}", d.id, d.client_id)));
        }
        writes.push(self.deny_confirmation(&account, now)?);
        match self.commit_guarded(writes).await? {
            Ok(()) => Ok(outcome),
            // The status moved meanwhile (handed over, held): answer for what is true now.
            Err(_) => match self.store.delivery(DeliveryKey::Id(id)).await? {
                Some(now_d) if now_d.status != d.status && now_d.code.as_ref().is_some_and(|c| c.denied_at.is_none()) => Box::pin(self.deny_delivery(id, client)).await,
                _ => Err(used()),
            },
        }
    }

    /// "Didn't get it?" on the shopper's deliveries page: a new code, charged as any send.
    pub async fn resend_my_delivery_code(&self, a: &Authed, delivery: DeliveryId, client: &ClientInfo) -> Result<super::SentVia> {
        let d = self.store.deliveries_of(a.account.id, 500).await?.into_iter().find(|d| d.id == delivery).ok_or(Error::NotFound)?;
        let (_, to) = self.delivery_destination(&a.account).await?;
        let quota = self.charges(Some(a.account.id), &to, client);
        let now = self.now();
        if let Err(crate::ports::CommitError::Guard(i)) = self.store.commit(quota.writes(now)).await {
            return Err(self.limited(&quota, i).await?);
        }
        self.resend_delivery(&d).await
    }
}
