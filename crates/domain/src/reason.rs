//! F-INT-3: what a shop service asks a shopper to confirm with a code. A kind of its
//! own ("your order of ¥150,000") is worded by ninsho in the account's language; a
//! service's own words are shown as written, after checks that keep a code message
//! from carrying a link or a second message.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::money::Money;

/// At most this many characters of a service's own words: a code SMS must stay short.
pub const MAX_TEXT_CHARS: usize = 80;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepUpReason {
    /// An order of this amount.
    Order { amount: Money },
    /// A new card or payment method.
    PaymentMethod,
    /// A new delivery address.
    DeliveryAddress,
    /// The service's own words, in whatever language it chose.
    Text { text: String },
}

impl StepUpReason {
    /// The kind as the message catalog names it (`reason-order`…).
    pub fn kind(&self) -> &'static str {
        match self {
            StepUpReason::Order { .. } => "order",
            StepUpReason::PaymentMethod => "payment_method",
            StepUpReason::DeliveryAddress => "delivery_address",
            StepUpReason::Text { .. } => "text",
        }
    }

    /// A service's own words, refused when they could mislead: empty or long text,
    /// control characters or line breaks (a second message inside the first), and
    /// anything that looks like a link (a code message never carries one but the deny
    /// link, F-OTP-4).
    pub fn text(text: &str) -> Result<StepUpReason> {
        let bad = |why: &str| Error::invalid("step_up.reason_invalid", "reason.text", why.to_string());
        let t = text.trim();
        if t.is_empty() {
            return Err(bad("say what the shopper confirms"));
        }
        if t.chars().count() > MAX_TEXT_CHARS {
            return Err(bad(&format!("at most {MAX_TEXT_CHARS} characters")));
        }
        if t.chars().any(|c| c.is_control() || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')) {
            return Err(bad("no line breaks, control or direction characters"));
        }
        let lower = t.to_lowercase();
        let linkish = lower.contains("://") || lower.contains("www.") || lower.split(|c: char| !c.is_alphanumeric() && c != '.' && c != '-').any(|w| {
            let w = w.trim_matches('.');
            w.contains('.') && w.rsplit('.').next().is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
        });
        if linkish || t.contains('<') || t.contains('>') || t.contains('@') {
            return Err(bad("no links, addresses or markup"));
        }
        Ok(StepUpReason::Text { text: t.to_string() })
    }

    /// The variables a message or page words the reason with.
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        let mut v = vec![("reason_kind", self.kind().to_string())];
        match self {
            StepUpReason::Order { amount } => {
                v.push(("amount_minor", amount.minor.to_string()));
                v.push(("currency", amount.currency.code().to_string()));
            }
            StepUpReason::Text { text } => v.push(("reason_text", text.clone())),
            StepUpReason::PaymentMethod | StepUpReason::DeliveryAddress => {}
        }
        v
    }

    /// Back from `vars` (the renderer's side).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Option<StepUpReason> {
        match get("reason_kind")?.as_str() {
            "order" => {
                let currency = crate::money::Currency::parse(&get("currency")?)?;
                Some(StepUpReason::Order { amount: Money { minor: get("amount_minor")?.parse().ok()?, currency } })
            }
            "payment_method" => Some(StepUpReason::PaymentMethod),
            "delivery_address" => Some(StepUpReason::DeliveryAddress),
            "text" => Some(StepUpReason::Text { text: get("reason_text")? }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_int_3_a_services_own_words_carry_no_link_and_no_second_message() {
        assert!(StepUpReason::text("ギフトカード 3 枚のご購入").is_ok());
        assert!(StepUpReason::text("Confirm your order #A-1234").is_ok());
        assert!(StepUpReason::text("Order total 1.5 kg").is_ok(), "a number with a point is not a domain");
        for bad in ["", "   ", "visit https://evil.example", "go to www.evil.example", "evil.com/login", "mail me@evil.example", "line\nbreak", "a\u{202E}b", "<b>hi</b>", &"x".repeat(81)] {
            assert!(StepUpReason::text(bad).is_err(), "{bad:?} passed");
        }
    }

    #[test]
    fn f_int_3_a_reason_survives_the_message_variables() {
        let r = StepUpReason::Order { amount: Money::parse("150000", crate::money::Currency::Jpy).unwrap() };
        let vars = r.vars();
        let back = StepUpReason::from_vars(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()));
        assert_eq!(back, Some(r));
    }
}
