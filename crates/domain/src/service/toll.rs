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

    fn from_key(key: &str) -> Option<SmsKey> {
        match key {
            "sms-global" => Some(SmsKey::Global),
            _ => key.strip_prefix("sms-prefix:").map(|p| SmsKey::Prefix(p.into())).or_else(|| key.strip_prefix("sms-country:").map(|c| SmsKey::Country(c.into()))),
        }
    }

    /// What the operator types and reads: `+44740`, `GB` or `global`.
    fn parse_operator(s: &str) -> Option<SmsKey> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("global") {
            return Some(SmsKey::Global);
        }
        if let Some(digits) = s.strip_prefix('+') {
            return (!digits.is_empty() && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| SmsKey::Prefix(s.into()));
        }
        (s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic())).then(|| SmsKey::Country(s.to_ascii_uppercase()))
    }

    fn shown(&self) -> String {
        match self {
            SmsKey::Prefix(p) => p.clone(),
            SmsKey::Country(c) => c.clone(),
            SmsKey::Global => "global".into(),
        }
    }
}

/// A running pause as the operator reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmsPauseView {
    /// `+44740` (a number prefix), `GB` (a country) or `global` (the hour's budget).
    pub destination: String,
    pub until: UnixMillis,
    pub paused_at: UnixMillis,
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

impl<S: Store> Services<S> {
    /// The pauses running now, the latest first.
    pub async fn sms_pauses(&self) -> Result<Vec<SmsPauseView>> {
        let pauses = self.store.sms_pauses(self.now()).await?;
        Ok(pauses
            .into_iter()
            .map(|p| SmsPauseView { destination: SmsKey::from_key(&p.key).map(|k| k.shown()).unwrap_or(p.key), until: p.until, paused_at: p.paused_at })
            .collect())
    }

    /// The operator ends a pause early (a campaign, not fraud, say): sends to it go
    /// out again at once, and its count for this hour starts from zero. Recorded
    /// with who lifted it.
    pub async fn lift_sms_pause(&self, destination: &str, by: &str) -> Result<SmsPauseView> {
        let key = SmsKey::parse_operator(destination)
            .ok_or_else(|| Error::invalid("sms.destination_invalid", "destination", "name a number prefix such as +44740, a country such as GB, or global"))?;
        if by.trim().is_empty() || by.len() > 100 {
            return Err(Error::invalid("sms.staff_invalid", "by", "name who lifts the pause"));
        }
        let now = self.now();
        let not_paused = || Error::conflict("sms.not_paused", "this destination is not paused");
        let until = self.store.sms_paused_until(&key.as_key(), now).await?.ok_or_else(not_paused)?;
        let paused_at = self.store.sms_pauses(now).await?.into_iter().find(|p| p.key == key.as_key()).map_or(now, |p| p.paused_at);
        let writes = vec![
            Write::LiftSmsPause { key: key.as_key(), now },
            self.event(None, EventKind::SmsPauseLifted, &super::recovery::support(by), format!("{} by {}", key.shown(), by.trim())),
        ];
        match self.commit_guarded(writes).await? {
            Ok(()) => {
                tracing::info!(destination = %key.shown(), by = %by.trim(), "F-LIMIT-4: an SMS pause was lifted by the operator");
                Ok(SmsPauseView { destination: key.shown(), until, paused_at })
            }
            // Ended meanwhile, by its time or by someone else.
            Err(_) => Err(not_paused()),
        }
    }

    /// Housekeeping: counts older than the baseline looks back, and pauses over for a day.
    pub async fn prune_sms_traffic(&self) -> Result<u64> {
        let now = self.now();
        let before_hour = now.0 / HOUR_MS - self.policy.sms.baseline_hours.max(1);
        self.store.prune_sms_traffic(before_hour, UnixMillis(now.0 - 24 * HOUR_MS)).await
    }
}

#[cfg(test)]
mod tests {
    use super::SmsKey;

    #[test]
    fn f_limit_4_the_operator_names_a_prefix_a_country_or_the_budget() {
        assert_eq!(SmsKey::parse_operator("+44740"), Some(SmsKey::Prefix("+44740".into())));
        assert_eq!(SmsKey::parse_operator(" gb "), Some(SmsKey::Country("GB".into())));
        assert_eq!(SmsKey::parse_operator("GLOBAL"), Some(SmsKey::Global));
        for bad in ["", "+", "+44a", "GBR", "4474", "+1234567890123456", "sms-global"] {
            assert_eq!(SmsKey::parse_operator(bad), None, "{bad:?}");
        }
        for k in [SmsKey::Prefix("+44740".into()), SmsKey::Country("GB".into()), SmsKey::Global] {
            assert_eq!(SmsKey::from_key(&k.as_key()), Some(k.clone()));
            assert_eq!(SmsKey::parse_operator(&k.shown()), Some(k));
        }
    }
}
