//! The otpauth:// URI that authenticator apps read from a QR code, and the QR code
//! itself as SVG (F-2SV-3).

use super::totp::TotpParams;

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The base32 setup key as apps show it: upper case, no padding.
pub fn setup_key(secret: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(secret)
}

pub fn uri(issuer: &str, account: &str, secret: &[u8], params: &TotpParams) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm={}&digits={}&period={}",
        encode(issuer),
        encode(account),
        setup_key(secret),
        encode(issuer),
        params.algorithm.otpauth_name(),
        params.digits,
        params.period_secs
    )
}

/// The URI as an SVG QR code with a quiet zone, medium error correction.
pub fn qr_svg(uri: &str) -> Result<String, crate::Error> {
    let code = qrcode::QrCode::with_error_correction_level(uri.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| crate::Error::internal(format!("QR encoding failed: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::totp::APP_DEFAULT;

    #[test]
    fn f_2sv_3_uri_has_the_app_parameters() {
        let u = uri("Shop Name", "a+b@example.com", b"12345678901234567890", &APP_DEFAULT);
        assert_eq!(
            u,
            "otpauth://totp/Shop%20Name:a%2Bb%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Shop%20Name&algorithm=SHA1&digits=6&period=30"
        );
        assert!(qr_svg(&u).unwrap().starts_with("<?xml"));
    }
}
