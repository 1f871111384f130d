//! One-time backup (recovery) codes (F-2SV-5): shown once, stored as keyed hashes
//! bound to the account, each consumed by one atomic statement.

use crate::crypto::{KeyRing, random_below};
use crate::error::Result;
use crate::types::AccountId;
use zeroize::Zeroizing;

/// No 0/o, 1/l/i: codes are read off paper and read aloud. 31 letters and digits.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
/// Groups of five, as in `k7mq2-x9fth-3rbdw`.
const GROUP: usize = 5;
/// 15 characters of 31: 15 × log2(31) ≈ 74.3 bits, above the 64 asked of a secret
/// that is looked up rather than rate-limited alone (SECURITY.md).
const LEN: usize = 15;
/// Codes made before ninsho 0.2 (two groups of five, about 49.5 bits) stay valid until
/// they are used or replaced: their hashes are already stored.
const LEGACY_LEN: usize = 10;

/// A code such as `k7mq2-x9fth-3rbdw`: three groups of five, about 74 bits.
pub fn generate() -> Result<Zeroizing<String>> {
    let mut s = Zeroizing::new(String::with_capacity(LEN + LEN / GROUP));
    for i in 0..LEN {
        if i > 0 && i % GROUP == 0 {
            s.push('-');
        }
        s.push(char::from(ALPHABET[random_below(ALPHABET.len() as u32)? as usize]));
    }
    Ok(s)
}

/// Separators a user may type between groups: spaces (also the ideographic space of a
/// Japanese input method), hyphens and dashes, and the long-vowel mark `ー` that a
/// Japanese keyboard gives for `-`.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '_' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}' | '\u{FF0D}' | '\u{FF3F}')
}

/// Lower case, separators dropped, full-width letters and digits (a Japanese input
/// method's) as ASCII; `None` if it cannot be a backup code.
pub fn normalize(input: &str) -> Option<String> {
    let mut s = String::with_capacity(LEN);
    for c in input.chars() {
        if is_separator(c) {
            continue;
        }
        // Full-width ASCII (U+FF01…U+FF5E) sits 0xFEE0 above ASCII.
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0)?,
            c => c,
        };
        let c = c.to_ascii_lowercase();
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) || s.len() == LEN {
            return None;
        }
        s.push(c);
    }
    (s.len() == LEN || s.len() == LEGACY_LEN).then_some(s)
}

pub fn hash(keys: &KeyRing, account: AccountId, normalized: &str) -> Vec<u8> {
    keys.hash_code(account.0.as_bytes(), normalized)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Entropy of a code: each character drawn uniformly (rejection sampling in
    /// `random_below`) from the alphabet.
    fn bits() -> f64 {
        LEN as f64 * (ALPHABET.len() as f64).log2()
    }

    #[test]
    fn f_2sv_5_backup_codes_carry_at_least_64_bits_and_stay_readable() {
        assert_eq!(ALPHABET.len(), 31);
        assert_eq!(ALPHABET.iter().collect::<HashSet<_>>().len(), ALPHABET.len(), "no letter twice");
        for confusable in b"01ilo" {
            assert!(!ALPHABET.contains(confusable), "{} is easily misread", *confusable as char);
        }
        assert!(bits() >= 64.0, "{:.1} bits", bits());
        let mut seen = HashSet::new();
        let mut used = HashSet::new();
        for _ in 0..500 {
            let c = generate().unwrap();
            let groups: Vec<&str> = c.split('-').collect();
            assert_eq!(groups.len(), 3, "{}", c.as_str());
            assert!(groups.iter().all(|g| g.len() == GROUP), "{}", c.as_str());
            let chars: String = groups.concat();
            // The entropy bound holds for what is actually generated, not just the constants.
            assert!(chars.len() as f64 * (ALPHABET.len() as f64).log2() >= 64.0, "{}", c.as_str());
            assert!(chars.bytes().all(|b| ALPHABET.contains(&b)), "{}", c.as_str());
            used.extend(chars.bytes());
            assert!(seen.insert(chars), "a code repeated");
        }
        assert_eq!(used.len(), ALPHABET.len(), "every letter of the alphabet is drawn");
    }

    #[test]
    fn f_2sv_5_backup_codes_round_trip_through_normalize() {
        for _ in 0..200 {
            let c = generate().unwrap();
            assert_eq!(c.len(), 17);
            let n = normalize(&c).unwrap();
            assert_eq!(n.len(), LEN);
            assert_eq!(n, c.replace('-', ""));
            // As users type it: upper case, spaces, no separators, a dash of another kind,
            // full width from a Japanese input method.
            let typed = [
                c.to_uppercase(),
                c.replace('-', " "),
                c.replace('-', ""),
                format!("  {}  ", c.replace('-', " - ")),
                c.replace('-', "\u{2013}"),
                c.chars().map(|ch| if ch == '-' { '\u{3000}' } else { char::from_u32(ch as u32 + 0xFEE0).unwrap() }).collect(),
            ];
            for t in typed {
                assert_eq!(normalize(&t).as_deref(), Some(n.as_str()), "{t}");
            }
        }
        assert_eq!(normalize("123456"), None);
        assert_eq!(normalize("abcde-fghjk-mnpq0"), None, "0 is not in the alphabet");
        assert_eq!(normalize("abcde-fghjk-mnpqil"), None);
        assert_eq!(normalize("abcde-fghjk-mnpq"), None, "one character short");
        assert_eq!(normalize("abcde-fghjk-mnpqrs"), None, "one character long");
        assert_eq!(normalize("abcde-fghjk-mnpqré"), None);
    }

    /// Codes handed out before the longer format keep working until used or replaced.
    #[test]
    fn f_2sv_5_backup_codes_of_the_earlier_format_still_normalize() {
        assert_eq!(normalize("K7MQ2-X9FTH").as_deref(), Some("k7mq2x9fth"));
        assert_eq!(normalize("k7mq2 x9fth").as_deref(), Some("k7mq2x9fth"));
        assert_eq!(normalize("k7mq2-x9ft"), None);
        assert_eq!(normalize("abcde-fghi0"), None);
    }
}
