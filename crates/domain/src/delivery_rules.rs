//! F-DLV-1: whether a shipment needs a delivery code. The shop cannot ask for one and a
//! shopper cannot switch it off: the operator's rules decide, and the answer names the
//! rules that fired. Seed defaults: ¥100,000 or more, high-end electronics and limited
//! items, an address changed in the last 30 days, listed international destinations;
//! never for a parcel of books, small items or letter post only.

use serde::Serialize;

use crate::money::Money;

/// Why a code is required (or, for `Exempt`, why not although a rule fired).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The amount reaches the threshold of its currency.
    Amount,
    /// An item is of a category that always needs a code.
    Category,
    /// The delivery address changed recently.
    AddressChanged,
    /// The destination is a listed international one.
    International,
    /// Every item is of an exempt category (books, small items, letter post).
    Exempt,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Amount => "amount",
            Rule::Category => "category",
            Rule::AddressChanged => "address_changed",
            Rule::International => "international",
            Rule::Exempt => "exempt",
        }
    }
    pub fn parse(s: &str) -> Option<Rule> {
        [Rule::Amount, Rule::Category, Rule::AddressChanged, Rule::International, Rule::Exempt].into_iter().find(|r| r.as_str() == s)
    }
}

/// The operator's rules (`[deliveries]` in the settings).
#[derive(Clone, Debug)]
pub struct DeliveryRules {
    /// At most one per currency; a currency without one never fires the amount rule.
    pub thresholds: Vec<Money>,
    /// Every category a shop may name; anything else is refused.
    pub categories: Vec<String>,
    pub code_categories: Vec<String>,
    pub exempt_categories: Vec<String>,
    /// An address changed this many days ago or less fires the rule.
    pub address_change_days: i64,
    /// ISO 3166 codes of the destinations that need a code.
    pub code_countries: Vec<String>,
    /// Wrong codes at the door before the delivery is held.
    pub max_attempts: i64,
}

impl Default for DeliveryRules {
    fn default() -> Self {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect();
        DeliveryRules {
            thresholds: vec![Money { minor: 100_000, currency: crate::money::Currency::Jpy }],
            categories: s(&["general", "electronics", "electronics_high_end", "limited_edition", "jewellery", "fashion", "home", "food", "books", "small_items", "letter_post"]),
            code_categories: s(&["electronics_high_end", "limited_edition"]),
            exempt_categories: s(&["books", "small_items", "letter_post"]),
            address_change_days: 30,
            code_countries: vec![],
            max_attempts: 5,
        }
    }
}

/// What a rule looks at.
#[derive(Clone, Debug)]
pub struct ShipmentFacts<'a> {
    pub amount: Money,
    pub categories: &'a [String],
    pub country: &'a str,
    pub address_changed_days_ago: Option<i64>,
}

/// The decision, with every rule that fired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub required: bool,
    pub rules: Vec<Rule>,
}

impl DeliveryRules {
    /// Problems with the rules themselves, one line each (checked when settings load).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for c in self.code_categories.iter().chain(&self.exempt_categories) {
            if !self.categories.contains(c) {
                out.push(format!("category {c} is not in deliveries.categories"));
            }
        }
        for (i, t) in self.thresholds.iter().enumerate() {
            if self.thresholds[..i].iter().any(|o| o.currency == t.currency) {
                out.push(format!("two thresholds for {}", t.currency.code()));
            }
        }
        out
    }

    pub fn known_category(&self, c: &str) -> bool {
        self.categories.iter().any(|k| k == c)
    }

    pub fn decide(&self, s: &ShipmentFacts<'_>) -> Decision {
        let mut rules = Vec::new();
        if self.thresholds.iter().any(|t| t.currency == s.amount.currency && s.amount.minor >= t.minor) {
            rules.push(Rule::Amount);
        }
        if s.categories.iter().any(|c| self.code_categories.contains(c)) {
            rules.push(Rule::Category);
        }
        if s.address_changed_days_ago.is_some_and(|d| d <= self.address_change_days) {
            rules.push(Rule::AddressChanged);
        }
        if self.code_countries.iter().any(|c| c.eq_ignore_ascii_case(s.country)) {
            rules.push(Rule::International);
        }
        // "Never for books, small items or letter post": a parcel of only those.
        let exempt = !s.categories.is_empty() && s.categories.iter().all(|c| self.exempt_categories.contains(c));
        if exempt {
            rules.push(Rule::Exempt);
        }
        Decision { required: !exempt && !rules.is_empty(), rules }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn facts<'a>(yen: i64, cats: &'a [String], country: &'a str, changed: Option<i64>) -> ShipmentFacts<'a> {
        ShipmentFacts { amount: Money { minor: yen, currency: Currency::Jpy }, categories: cats, country, address_changed_days_ago: changed }
    }

    #[test]
    fn f_dlv_1_the_seed_rules_decide_and_name_what_fired() {
        let r = DeliveryRules { code_countries: vec!["CN".into()], ..DeliveryRules::default() };
        let general = vec!["general".to_string()];
        assert_eq!(r.decide(&facts(99_999, &general, "JP", None)), Decision { required: false, rules: vec![] });
        assert_eq!(r.decide(&facts(100_000, &general, "JP", None)), Decision { required: true, rules: vec![Rule::Amount] });
        let tv = vec!["electronics_high_end".to_string(), "general".to_string()];
        assert_eq!(r.decide(&facts(5_000, &tv, "JP", Some(3))).rules, vec![Rule::Category, Rule::AddressChanged]);
        assert!(!r.decide(&facts(5_000, &general, "JP", Some(31))).required, "changed long ago");
        assert_eq!(r.decide(&facts(5_000, &general, "cn", None)).rules, vec![Rule::International]);
        let books = vec!["books".to_string(), "letter_post".to_string()];
        assert_eq!(r.decide(&facts(150_000, &books, "JP", None)), Decision { required: false, rules: vec![Rule::Amount, Rule::Exempt] }, "never for books");
        let mixed = vec!["books".to_string(), "electronics_high_end".to_string()];
        assert!(r.decide(&facts(1_000, &mixed, "JP", None)).required, "a camera packed with a book still needs one");
        let usd = ShipmentFacts { amount: Money { minor: 10_000_000, currency: Currency::Usd }, categories: &general, country: "JP", address_changed_days_ago: None };
        assert!(!r.decide(&usd).required, "no threshold for USD: the amount rule does not fire");
    }

    #[test]
    fn f_dlv_1_rules_that_contradict_themselves_are_named() {
        let r = DeliveryRules { code_categories: vec!["drones".into()], ..DeliveryRules::default() };
        assert_eq!(r.problems(), vec!["category drones is not in deliveries.categories".to_string()]);
        assert!(DeliveryRules::default().problems().is_empty());
    }
}

/// A calendar date as `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<jiff::civil::Date> {
    s.parse().ok()
}

/// F-DLV-3: when a delivery code stops working: the end of the delivery day where the
/// parcel arrives, that is the first moment of the next day there (so a day across a
/// DST change is 23 or 25 hours long, and a midnight that a change skips is the first
/// moment that exists).
pub fn delivery_day_end(date: jiff::civil::Date, zone: &crate::zone::TimeZoneName) -> Option<crate::types::UnixMillis> {
    let next = date.tomorrow().ok()?;
    let start = zone.tz().to_timestamp(next.at(0, 0, 0, 0)).ok()?;
    Some(crate::types::UnixMillis(start.as_millisecond()))
}

#[cfg(test)]
mod validity {
    use super::*;
    use crate::zone::TimeZoneName;

    fn end(date: &str, zone: &str) -> String {
        let at = delivery_day_end(date.parse().unwrap(), &TimeZoneName::parse(zone).unwrap()).unwrap();
        jiff::Timestamp::from_millisecond(at.0).unwrap().to_string()
    }

    #[test]
    fn f_dlv_3_a_code_is_valid_until_the_end_of_the_delivery_day_where_it_arrives() {
        // Tokyo: midnight there is 15:00 UTC the day before.
        assert_eq!(end("2026-12-01", "Asia/Tokyo"), "2026-12-01T15:00:00Z");
        // Paris, the night the clocks go back (a 25-hour day): midnight after it is 23:00 UTC.
        assert_eq!(end("2026-10-25", "Europe/Paris"), "2026-10-25T23:00:00Z");
        // The day before the change ends at 22:00 UTC (summer time).
        assert_eq!(end("2026-10-24", "Europe/Paris"), "2026-10-24T22:00:00Z");
        // New York, spring forward (a 23-hour day).
        assert_eq!(end("2026-03-08", "America/New_York"), "2026-03-09T04:00:00Z");
        // Santiago skips midnight at its spring change (2026-09-06): the day starts at 01:00.
        assert_eq!(end("2026-09-05", "America/Santiago"), "2026-09-06T04:00:00Z");
    }
}
