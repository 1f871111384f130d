//! Amounts of money as shops send them ("150000" JPY, "19.99" USD) and as a shopper
//! reads them in a message ("¥150,000", "150 000 ¥"). Kept in minor units, never as a
//! float, so an amount is exactly what the shop said.

use serde::{Deserialize, Serialize};

use crate::types::Locale;

/// The currencies ninsho words (ISO 4217), with their minor-unit exponent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Currency {
    Jpy,
    Usd,
    Eur,
    Gbp,
    Cny,
    Krw,
    Twd,
    Hkd,
    Sgd,
    Aud,
    Cad,
    Chf,
}

impl Currency {
    pub const ALL: [Currency; 12] =
        [Currency::Jpy, Currency::Usd, Currency::Eur, Currency::Gbp, Currency::Cny, Currency::Krw, Currency::Twd, Currency::Hkd, Currency::Sgd, Currency::Aud, Currency::Cad, Currency::Chf];

    pub fn code(self) -> &'static str {
        match self {
            Currency::Jpy => "JPY",
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
            Currency::Gbp => "GBP",
            Currency::Cny => "CNY",
            Currency::Krw => "KRW",
            Currency::Twd => "TWD",
            Currency::Hkd => "HKD",
            Currency::Sgd => "SGD",
            Currency::Aud => "AUD",
            Currency::Cad => "CAD",
            Currency::Chf => "CHF",
        }
    }

    pub fn parse(s: &str) -> Option<Currency> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }

    /// Digits after the decimal point.
    pub fn exponent(self) -> u32 {
        match self {
            Currency::Jpy | Currency::Krw => 0,
            _ => 2,
        }
    }

    /// The sign a reader of `locale` expects: a yen is "¥" to a Japanese reader and
    /// "JP¥" to a Chinese one, whose "¥" is the yuan.
    fn symbol(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (Currency::Jpy, Locale::Zh) => "JP¥",
            (Currency::Jpy, _) => "¥",
            (Currency::Cny, Locale::Zh) => "¥",
            (Currency::Cny, _) => "CN¥",
            (Currency::Usd, Locale::En) => "$",
            (Currency::Usd, Locale::Fr) => "$US",
            (Currency::Usd, _) => "US$",
            (Currency::Eur, _) => "€",
            (Currency::Gbp, _) => "£",
            (Currency::Krw, _) => "₩",
            (Currency::Twd, _) => "NT$",
            (Currency::Hkd, _) => "HK$",
            (Currency::Sgd, _) => "S$",
            (Currency::Aud, _) => "A$",
            (Currency::Cad, _) => "CA$",
            (Currency::Chf, _) => "CHF",
        }
    }
}

/// An amount in a currency's minor units (yen, cents).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

/// Why an amount was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoneyError {
    /// Not a decimal number of the currency's precision ("1.5" yen, "abc").
    Malformed,
    Negative,
    TooLarge,
}

/// Above this an amount is a mistake, not an order (ten trillion minor units).
const MAX_MINOR: i64 = 10_000_000_000_000;

impl Money {
    /// `text` as the shop sends it: digits with at most the currency's decimals.
    pub fn parse(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let text = text.trim();
        if let Some(rest) = text.strip_prefix('-') {
            return match Money::parse(rest, currency) {
                Ok(m) if m.minor == 0 => Ok(m),
                Ok(_) => Err(MoneyError::Negative),
                Err(e) => Err(e),
            };
        }
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let exp = currency.exponent() as usize;
        if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > exp || (text.contains('.') && frac.is_empty()) {
            return Err(MoneyError::Malformed);
        }
        if whole.len() > 15 {
            return Err(MoneyError::TooLarge);
        }
        let mut minor: i64 = whole.parse().map_err(|_| MoneyError::Malformed)?;
        for i in 0..exp {
            let d = frac.as_bytes().get(i).map(|b| (b - b'0') as i64).unwrap_or(0);
            minor = minor.checked_mul(10).and_then(|m| m.checked_add(d)).ok_or(MoneyError::TooLarge)?;
        }
        if minor > MAX_MINOR {
            return Err(MoneyError::TooLarge);
        }
        Ok(Money { minor, currency })
    }

    /// The amount as a reader of `locale` writes it: "¥150,000", "$19.99",
    /// "150 000 ¥" (French groups with a narrow no-break space and puts the sign after).
    pub fn format(&self, locale: Locale) -> String {
        let exp = self.currency.exponent();
        let scale = 10i64.pow(exp);
        let whole = (self.minor / scale).to_string();
        let (group, point) = if locale == Locale::Fr { ('\u{202F}', ',') } else { (',', '.') };
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(group);
            }
            grouped.push(c);
        }
        if exp > 0 {
            grouped.push(point);
            grouped.push_str(&format!("{:0width$}", self.minor % scale, width = exp as usize));
        }
        let sign = self.currency.symbol(locale);
        if locale == Locale::Fr { format!("{grouped}\u{a0}{sign}") } else { format!("{sign}{grouped}") }
    }

    /// The amount as text in major units, as a shop sends it back ("150000", "19.99").
    pub fn decimal(&self) -> String {
        let exp = self.currency.exponent();
        if exp == 0 {
            return self.minor.to_string();
        }
        let scale = 10i64.pow(exp);
        format!("{}.{:0width$}", self.minor / scale, self.minor % scale, width = exp as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_int_3_amounts_read_as_the_shoppers_language_writes_them() {
        let yen = Money::parse("150000", Currency::Jpy).unwrap();
        assert_eq!(yen.format(Locale::Ja), "¥150,000");
        assert_eq!(yen.format(Locale::En), "¥150,000");
        assert_eq!(yen.format(Locale::Zh), "JP¥150,000");
        assert_eq!(yen.format(Locale::Fr), "150\u{202F}000\u{a0}¥");
        let usd = Money::parse("1234.5", Currency::Usd).unwrap();
        assert_eq!(usd.minor, 123_450);
        assert_eq!(usd.format(Locale::En), "$1,234.50");
        assert_eq!(usd.format(Locale::Fr), "1\u{202F}234,50\u{a0}$US");
        assert_eq!(usd.decimal(), "1234.50");
        assert_eq!(Money::parse("999", Currency::Jpy).unwrap().format(Locale::Ja), "¥999");
        assert_eq!(Money::parse("0.07", Currency::Eur).unwrap().format(Locale::En), "€0.07");
    }

    #[test]
    fn f_int_3_amounts_that_are_not_money_are_refused() {
        assert_eq!(Money::parse("1.5", Currency::Jpy), Err(MoneyError::Malformed), "a yen has no decimals");
        assert_eq!(Money::parse("19.999", Currency::Usd), Err(MoneyError::Malformed));
        assert_eq!(Money::parse("-5", Currency::Jpy), Err(MoneyError::Negative));
        assert_eq!(Money::parse("", Currency::Jpy), Err(MoneyError::Malformed));
        assert_eq!(Money::parse("1e5", Currency::Jpy), Err(MoneyError::Malformed));
        assert_eq!(Money::parse("12.", Currency::Usd), Err(MoneyError::Malformed));
        assert_eq!(Money::parse("99999999999999999999", Currency::Jpy), Err(MoneyError::TooLarge));
        assert_eq!(Money::parse("-0", Currency::Jpy).unwrap().minor, 0);
    }
}
