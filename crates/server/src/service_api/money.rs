//! Amounts as services send them: text or a number in major units ("150000", 19.99),
//! with an ISO 4217 code. Refusals name the request's own fields and codes.

use ninsho_domain::Error;
use ninsho_domain::money::{Currency, Money, MoneyError};
use serde_json::Value;

/// Where a request keeps its amount, and the codes its refusals carry.
pub struct Fields {
    pub amount: &'static str,
    pub currency: &'static str,
    pub amount_code: &'static str,
    pub currency_code: &'static str,
}

pub fn parse(amount: Option<&Value>, currency: Option<&str>, f: &Fields) -> Result<Money, Error> {
    let currency = currency
        .and_then(Currency::parse)
        .ok_or_else(|| Error::invalid(f.currency_code, f.currency, "an ISO 4217 code ninsho knows: JPY, USD, EUR, GBP, CNY, KRW, TWD, HKD, SGD, AUD, CAD or CHF"))?;
    let text = match amount {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    Money::parse(&text, currency).map_err(|e| {
        let why = match e {
            MoneyError::Negative => "the amount is negative".to_string(),
            MoneyError::TooLarge => "the amount is too large".to_string(),
            MoneyError::Malformed => format!("a decimal amount with at most {} decimals", currency.exponent()),
        };
        Error::invalid(f.amount_code, f.amount, why)
    })
}
