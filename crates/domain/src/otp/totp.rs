//! TOTP (RFC 6238): HOTP over the number of 30-second steps since the epoch. Replay
//! protection is not here: `verify` returns the matched step and the store refuses a
//! step that is not newer than the last one used (F-OTP-5).

use super::hotp::{Algorithm, hotp};
use crate::crypto::ct_eq;

#[derive(Clone, Copy, Debug)]
pub struct TotpParams {
    pub algorithm: Algorithm,
    pub digits: u32,
    pub period_secs: u64,
}

/// What Google Authenticator, Microsoft Authenticator and Authy all support (F-2SV-3).
pub const APP_DEFAULT: TotpParams = TotpParams { algorithm: Algorithm::Sha1, digits: 6, period_secs: 30 };

pub fn step_at(params: &TotpParams, unix_secs: i64) -> i64 {
    unix_secs.div_euclid(params.period_secs as i64)
}

pub fn code_at_step(params: &TotpParams, key: &[u8], step: i64) -> String {
    hotp(params.algorithm, key, step as u64, params.digits)
}

pub fn code_at(params: &TotpParams, key: &[u8], unix_secs: i64) -> String {
    code_at_step(params, key, step_at(params, unix_secs))
}

/// The step whose code equals `code`, within `skew` steps either side of `unix_secs`.
/// Every candidate is computed and compared in constant time, so the answer's timing
/// does not say which step matched.
pub fn verify(params: &TotpParams, key: &[u8], code: &str, unix_secs: i64, skew: i64) -> Option<i64> {
    if code.len() != params.digits as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_at(params, unix_secs);
    let mut found = None;
    for step in (now - skew)..=(now + skew) {
        if step < 0 {
            continue;
        }
        if ct_eq(code_at_step(params, key, step).as_bytes(), code.as_bytes()) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED20: &[u8] = b"12345678901234567890";
    const SEED32: &[u8] = b"12345678901234567890123456789012";
    const SEED64: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

    fn p(algorithm: Algorithm) -> TotpParams {
        TotpParams { algorithm, digits: 8, period_secs: 30 }
    }

    #[test]
    fn f_otp_5_rfc6238_appendix_b_vectors_all_algorithms() {
        let table: [(i64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ];
        for (t, sha1, sha256, sha512) in table {
            assert_eq!(code_at(&p(Algorithm::Sha1), SEED20, t), sha1, "SHA1 t={t}");
            assert_eq!(code_at(&p(Algorithm::Sha256), SEED32, t), sha256, "SHA256 t={t}");
            assert_eq!(code_at(&p(Algorithm::Sha512), SEED64, t), sha512, "SHA512 t={t}");
        }
    }

    #[test]
    fn f_otp_5_skew_of_one_step_accepted_two_refused() {
        let t = 1_700_000_000;
        let now = step_at(&APP_DEFAULT, t);
        for (offset, ok) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
            let code = code_at_step(&APP_DEFAULT, SEED20, now + offset);
            let got = verify(&APP_DEFAULT, SEED20, &code, t, 1);
            // Another step may collide by chance on 6 digits; the matched step must be the one we made.
            assert_eq!(got == Some(now + offset), ok, "offset {offset}");
        }
    }

    #[test]
    fn f_otp_5_malformed_codes_refused() {
        for bad in ["", "12345", "1234567", "12345a", " 123456", "１２３４５６"] {
            assert_eq!(verify(&APP_DEFAULT, SEED20, bad, 1_700_000_000, 1), None, "{bad:?}");
        }
    }
}
