//! One-time backup (recovery) codes (F-2SV-5): shown once, stored as keyed hashes
//! bound to the account, each consumed by one atomic statement.

use crate::crypto::{KeyRing, random_below};
use crate::error::Result;
use crate::types::AccountId;
use zeroize::Zeroizing;

/// No 0/o, 1/l/i: codes are read off paper.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const LEN: usize = 10;

/// A code such as `k7mq2-x9fth` (about 49 bits).
pub fn generate() -> Result<Zeroizing<String>> {
    let mut s = Zeroizing::new(String::with_capacity(LEN + 1));
    for i in 0..LEN {
        if i == LEN / 2 {
            s.push('-');
        }
        s.push(char::from(ALPHABET[random_below(ALPHABET.len() as u32)? as usize]));
    }
    Ok(s)
}

/// Lower case, separators dropped; `None` if it cannot be a backup code.
pub fn normalize(input: &str) -> Option<String> {
    let s: String = input
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (s.len() == LEN && s.bytes().all(|b| ALPHABET.contains(&b))).then_some(s)
}

pub fn hash(keys: &KeyRing, account: AccountId, normalized: &str) -> Vec<u8> {
    keys.hash_code(account.0.as_bytes(), normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_2sv_5_backup_codes_round_trip_through_normalize() {
        for _ in 0..200 {
            let c = generate().unwrap();
            assert_eq!(c.len(), 11);
            let n = normalize(&c).unwrap();
            assert_eq!(normalize(&c.to_uppercase()).as_deref(), Some(n.as_str()));
        }
        assert_eq!(normalize("123456"), None);
        assert_eq!(normalize("abcde-fghi0"), None);
    }
}
