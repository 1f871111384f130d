//! One-time codes: HOTP/TOTP arithmetic (RFC 4226, RFC 6238), the otpauth URI and QR
//! code for authenticator apps, sent codes and backup codes.

pub mod backup_codes;
pub mod hotp;
pub mod otpauth;
pub mod sent_code;
pub mod totp;
