//! SMS toll fraud (F-LIMIT-4, ADR 0006). Codes by SMS or voice go only to the
//! countries the operator serves; each send is counted, in the transaction that
//! queues it, per number prefix, per country and against the hour's budget. A prefix
//! or country whose sends jump above its recent baseline is paused, and the operator
//! is told once per pause (log, metric, security event).

use super::*;
use crate::error::{PHONE_COUNTRY_NOT_ALLOWED, SMS_BUDGET_SPENT, SMS_DESTINATION_PAUSED};
use crate::phone::{Destination, PhoneE164};

/// What an SMS or voice send is counted against; stored by `as_key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SmsKey {
    /// `+44770`: the country code and the first digits of the national number.
    Prefix(String),
    /// `GB`: ISO 3166.
    Country(String),
    /// Every SMS and voice send of the hour.
    Global,
}

impl SmsKey {
    pub(crate) fn as_key(&self) -> String {
        match self {
            SmsKey::Prefix(p) => format!("sms-prefix:{p}"),
            SmsKey::Country(c) => format!("sms-country:{c}"),
            SmsKey::Global => "sms-global".into(),
        }
    }
}

/// The SMS charges of one send, most specific first: a refusal names the narrowest
/// cause, and the charges before it roll back with it.
pub(crate) struct SmsCharges {
    keys: Vec<SmsKey>,
    writes: Vec<Write>,
    country: String,
}

impl SmsCharges {
    pub(crate) fn writes(&self) -> Vec<Write> {
        self.writes.clone()
    }
}

const HOUR_MS: i64 = 3_600_000;

fn country_not_allowed() -> Error {
    Error::invalid(PHONE_COUNTRY_NOT_ALLOWED, "phone", "codes cannot be sent to phone numbers in this country")
}

impl<S: Store> Services<S> {
    /// The destination of a number codes may be sent to: one of the allowed countries.
    pub(crate) fn sms_destination(&self, phone: &PhoneE164) -> Result<Destination> {
        let p = &self.policy.sms;
        let dest = phone.destination(p.prefix_digits).ok_or_else(country_not_allowed)?;
        if !p.allowed_countries.iter().any(|c| c.eq_ignore_ascii_case(&dest.country)) {
            return Err(country_not_allowed());
        }
        Ok(dest)
    }

    /// The charges of a code send through `channel` to `to`: none for e-mail.
    pub(crate) fn sms_charges(&self, channel: Channel, to: &str) -> Result<SmsCharges> {
        if channel == Channel::Email {
            return Ok(SmsCharges { keys: vec![], writes: vec![], country: String::new() });
        }
        let dest = self.sms_destination(&PhoneE164::from_stored(to.to_string()))?;
        let p = &self.policy.sms;
        let now = self.now();
        let keys = vec![SmsKey::Prefix(dest.prefix), SmsKey::Country(dest.country.clone()), SmsKey::Global];
        let writes = keys
            .iter()
            .map(|k| {
                let (floor, multiplier) = match k {
                    SmsKey::Prefix(_) => (p.prefix_floor, p.multiplier),
                    SmsKey::Country(_) => (p.country_floor, p.multiplier),
                    // A fixed budget: no baseline raises it.
                    SmsKey::Global => (p.budget_per_hour, 0),
                };
                Write::ChargeSmsTraffic { key: k.as_key(), floor, multiplier, baseline_hours: p.baseline_hours, now }
            })
            .collect();
        Ok(SmsCharges { keys, writes, country: dest.country })
    }

    /// The answer to a send whose SMS charge `index` was refused. The key is paused
    /// (a spent budget until the hour ends); the first refusal that pauses it alerts
    /// the operator, the others find it paused.
    pub(crate) async fn sms_refused(&self, charges: &SmsCharges, index: usize, client: &ClientInfo) -> Result<Error> {
        let key = charges.keys.get(index).ok_or_else(|| Error::internal("no such SMS charge"))?;
        let now = self.now();
        let (until, kind, code) = match key {
            SmsKey::Global => (UnixMillis((now.0 / HOUR_MS + 1) * HOUR_MS), EventKind::SmsBudgetSpent, SMS_BUDGET_SPENT),
            _ => (now.plus_secs(self.policy.sms.pause_secs), EventKind::SmsDestinationPaused, SMS_DESTINATION_PAUSED),
        };
        let what = match key {
            SmsKey::Prefix(p) => format!("prefix {p} country {}", charges.country),
            SmsKey::Country(c) => format!("country {c}"),
            SmsKey::Global => format!("budget {} per hour", self.policy.sms.budget_per_hour),
        };
        let until_text = jiff::Timestamp::from_millisecond(until.0).map(|t| t.to_string()).unwrap_or_default();
        let writes = vec![Write::PauseSms { key: key.as_key(), until, now }, self.event(None, kind, client, format!("{what} until {until_text}"))];
        if self.commit_guarded(writes).await?.is_ok() {
            crate::telemetry::sms_paused(kind, &charges.country);
            tracing::warn!(destination = %what, until = %until_text, "F-LIMIT-4: SMS and voice codes paused: sends jumped above their baseline or the budget is spent");
        }
        let until = self.store.sms_paused_until(&key.as_key(), now).await?.unwrap_or(until);
        Ok(Error::RateLimited { code, retry_at: until, now })
    }
}
