//! Codes sent by SMS, voice or e-mail (F-OTP-1): six digits from the OS random source,
//! stored only as a keyed hash bound to their challenge.

use crate::crypto::{KeyRing, random_digits};
use crate::error::Result;
use crate::types::ChallengeId;
use zeroize::Zeroizing;

pub const DIGITS: usize = 6;

pub fn generate() -> Result<Zeroizing<String>> {
    Ok(Zeroizing::new(random_digits(DIGITS)?))
}

pub fn hash(keys: &KeyRing, challenge: ChallengeId, code: &str) -> Vec<u8> {
    keys.hash_code(challenge.0.as_bytes(), code)
}

/// Normalises what a person typed: spaces and dashes dropped, full-width digits (a
/// Japanese keyboard's default) folded to ASCII. `None` if it cannot be a code.
pub fn normalize(input: &str, digits: usize) -> Option<String> {
    let mut out = String::with_capacity(digits);
    for c in input.chars() {
        match c {
            '0'..='9' => out.push(c),
            '０'..='９' => out.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
            ' ' | '-' | '\u{3000}' => {}
            _ => return None,
        }
        if out.len() > digits {
            return None;
        }
    }
    (out.len() == digits).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn f_otp_1_generated_codes_are_six_ascii_digits() {
        for _ in 0..1000 {
            let c = generate().unwrap();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn f_otp_1_normalize_accepts_what_people_type() {
        assert_eq!(normalize("123 456", 6).as_deref(), Some("123456"));
        assert_eq!(normalize("１２３４５６", 6).as_deref(), Some("123456"));
        assert_eq!(normalize("123-456", 6).as_deref(), Some("123456"));
        assert_eq!(normalize("12345", 6), None);
        assert_eq!(normalize("1234567", 6), None);
        assert_eq!(normalize("12345x", 6), None);
    }

    proptest! {
        #[test]
        fn f_otp_1_normalize_never_panics_and_yields_only_digits(s in "\\PC{0,40}") {
            if let Some(c) = normalize(&s, 6) {
                prop_assert_eq!(c.len(), 6);
                prop_assert!(c.bytes().all(|b| b.is_ascii_digit()));
            }
        }
    }
}
