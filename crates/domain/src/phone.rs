//! Phone numbers (F-2SV-2): parsed against libphonenumber's metadata, kept in E.164,
//! and classified so a landline gets its code by voice call and premium-rate numbers
//! (toll fraud, F-LIMIT-4) are refused.

use crate::error::{Error, Result};
use crate::types::Channel;
use phonenumber::{Mode, Type, country, metadata::DATABASE};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PhoneE164(String);

impl PhoneE164 {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Stored values were validated when written.
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }
    /// The last four digits: how a message or a page names the number ("末尾4545").
    pub fn tail(&self) -> &str {
        let digits = self.0.get(1..).unwrap_or("");
        digits.get(digits.len().saturating_sub(4)..).unwrap_or("")
    }
    /// `+81 •••••••4545`: enough for a person to recognise their own number.
    pub fn masked(&self) -> String {
        let digits = &self.0[1..];
        let tail = &digits[digits.len().saturating_sub(4)..];
        format!("+{}{}", "•".repeat(digits.len().saturating_sub(4)), tail)
    }

    /// F-LIMIT-4: where a send to this number goes, for the toll-fraud limits; `None`
    /// for a value the metadata does not know (stored before it changed).
    pub fn destination(&self, prefix_digits: usize) -> Option<Destination> {
        let number = phonenumber::parse(None, &self.0).ok()?;
        let country = number.country().id()?.as_ref().to_string();
        let code = number.code().value().to_string();
        // `+`, the country code, then the first digits of the national number.
        let end = (1 + code.len() + prefix_digits).min(self.0.len());
        Some(Destination { country, prefix: self.0[..end].to_string() })
    }
}

/// Whether `code` is a region of the numbering metadata (ISO 3166, `JP`).
pub fn is_region(code: &str) -> bool {
    code.parse::<country::Id>().is_ok()
}

/// F-LIMIT-4: the country (ISO 3166, `GB`) and prefix (`+447700`) of a number: what the
/// toll-fraud limits count and what an alert names, never the number itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    pub country: String,
    pub prefix: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedPhone {
    pub e164: PhoneE164,
    /// SMS for mobiles, voice for landlines and IP phones.
    pub channel: Channel,
}

const MAX_INPUT: usize = 32;

/// Parses what a person typed. Without a leading `+` (or `00`) the number is read as
/// national in `default_region` (an ISO 3166 code such as "JP"), so `05053704545` and
/// `+81 50-5370-4545` are the same number.
pub fn parse(input: &str, default_region: &str) -> Result<ParsedPhone> {
    let bad = |msg: &str| Error::invalid("phone.invalid", "phone", msg);
    let trimmed = input.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_INPUT {
        return Err(bad("enter a phone number"));
    }
    if !trimmed.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')' | '.')) {
        return Err(bad("a phone number has only digits, spaces, dashes and a leading +"));
    }
    let normalized = match trimmed.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => trimmed.to_string(),
    };
    let region: Option<country::Id> = default_region.parse().ok();
    let number = phonenumber::parse(region, &normalized).map_err(|_| bad("this is not a phone number"))?;
    if !phonenumber::is_valid(&number) {
        return Err(bad("this phone number does not exist"));
    }
    let channel = match number.number_type(&DATABASE) {
        Type::Mobile | Type::FixedLineOrMobile | Type::Pager => Channel::Sms,
        Type::FixedLine | Type::Voip | Type::PersonalNumber | Type::Uan => Channel::Voice,
        Type::PremiumRate | Type::SharedCost | Type::TollFree | Type::Voicemail => {
            return Err(Error::invalid(
                "phone.not_allowed",
                "phone",
                "codes cannot be sent to premium-rate, shared-cost or toll-free numbers",
            ));
        }
        _ => return Err(bad("this phone number cannot receive codes")),
    };
    Ok(ParsedPhone { e164: PhoneE164(number.format().mode(Mode::E164).to_string()), channel })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn f_2sv_2_national_and_international_forms_are_one_number() {
        let a = parse("+81 50-5370-4545", "JP").unwrap();
        let b = parse("05053704545", "JP").unwrap();
        let c = parse("0081 50 5370 4545", "US").unwrap();
        assert_eq!(a.e164.as_str(), "+815053704545");
        assert_eq!(a, b);
        assert_eq!(a, c);
    }

    #[test]
    fn f_2sv_2_landline_gets_voice_mobile_gets_sms() {
        assert_eq!(parse("090-1234-5678", "JP").unwrap().channel, Channel::Sms);
        assert_eq!(parse("03-1234-5678", "JP").unwrap().channel, Channel::Voice);
        assert_eq!(parse("+33 6 12 34 56 78", "JP").unwrap().channel, Channel::Sms);
        assert_eq!(parse("+33 1 42 68 53 00", "JP").unwrap().channel, Channel::Voice);
    }

    #[test]
    fn f_limit_4_premium_rate_numbers_refused() {
        let e = parse("0990-123-456", "JP").unwrap_err();
        assert!(matches!(e.code(), "phone.not_allowed" | "phone.invalid"), "{e:?}");
        let e = parse("+44 909 879 0000", "JP").unwrap_err();
        assert_eq!(e.code(), "phone.not_allowed");
    }

    #[test]
    fn f_limit_4_a_number_names_its_country_and_prefix_not_itself() {
        let uk = parse("+44 7400 123456", "JP").unwrap().e164;
        assert_eq!(uk.destination(3), Some(Destination { country: "GB".into(), prefix: "+44740".into() }));
        let jp = parse("090-1234-5678", "JP").unwrap().e164;
        assert_eq!(jp.destination(2), Some(Destination { country: "JP".into(), prefix: "+8190".into() }));
        let fr = parse("+33 6 12 34 56 78", "JP").unwrap().e164;
        assert_eq!(fr.destination(1).unwrap(), Destination { country: "FR".into(), prefix: "+336".into() });
        assert_eq!(PhoneE164::from_stored("+999".into()).destination(3), None);
    }

    #[test]
    fn f_2sv_2_garbage_is_a_clear_error() {
        for bad in ["", "abc", "+", "123", "+81 0000", "090-1234-5678; drop table", &"9".repeat(40)] {
            assert!(parse(bad, "JP").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn f_2sv_2_masked_shows_only_last_four() {
        let p = parse("090-1234-5678", "JP").unwrap();
        assert!(p.e164.masked().ends_with("5678"));
        assert!(!p.e164.masked().contains("1234"));
    }

    proptest! {
        #[test]
        fn f_2sv_2_parser_never_panics(s in "\\PC{0,40}", region in "[A-Z]{0,3}") {
            if let Ok(p) = parse(&s, &region) {
                prop_assert!(p.e164.as_str().starts_with('+'));
                prop_assert!(p.e164.as_str()[1..].bytes().all(|b| b.is_ascii_digit()));
            }
        }
    }
}
