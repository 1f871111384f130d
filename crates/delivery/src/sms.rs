//! SMS encoding arithmetic (F-MSG-5, F-OTP-7): whether a text fits the GSM 03.38
//! 7-bit default alphabet, and how many SMS parts it costs.
//!
//! GSM-7 carries 160 septets in a single SMS and 153 per part of a concatenated one
//! (the user-data header takes the rest); characters of the extension table (`€`, `[`,
//! `{`, …) are sent as an escape plus a septet and so count double. Anything else
//! (Japanese, Chinese, emoji, most accented capitals) needs UCS-2: 70 UTF-16 units
//! single, 67 per part; a character outside the BMP takes two units. A part never
//! splits an escape pair or a surrogate pair.

/// How an SMS text is carried on the air.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// The GSM 03.38 7-bit default alphabet (with its extension table).
    Gsm7,
    /// UCS-2 / UTF-16BE, for everything else.
    Ucs2,
}

impl Encoding {
    /// The value of Kannel's `coding` parameter: 0 for 7-bit, 2 for UCS-2.
    pub fn kannel_coding(self) -> u8 {
        match self {
            Encoding::Gsm7 => 0,
            Encoding::Ucs2 => 2,
        }
    }

    /// Units in a single, unsplit SMS.
    pub fn single_limit(self) -> usize {
        match self {
            Encoding::Gsm7 => 160,
            Encoding::Ucs2 => 70,
        }
    }

    /// Units in each part of a concatenated SMS.
    pub fn part_limit(self) -> usize {
        match self {
            Encoding::Gsm7 => 153,
            Encoding::Ucs2 => 67,
        }
    }
}

/// The GSM 03.38 default alphabet, in table order (0x00–0x7F; 0x1B, the escape to
/// the extension table, is not a character of its own).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The most parts a text message may take (three: every template is checked against it).
pub const MAX_SEGMENTS: usize = 3;

/// The extension table: each is sent as ESC + one septet.
const GSM7_EXTENSION: &str = "\u{0C}^{}\\[~]|€";

/// True when `c` is in the GSM 03.38 basic character set.
pub fn is_gsm7_basic(c: char) -> bool {
    GSM7_BASIC.contains(c)
}

/// True when `c` is in the GSM 03.38 extension table (costs two septets).
pub fn is_gsm7_extension(c: char) -> bool {
    GSM7_EXTENSION.contains(c)
}

/// True when every character of `text` can be sent in GSM-7 (basic set or extension
/// table), so no UCS-2 is needed.
pub fn is_gsm7(text: &str) -> bool {
    text.chars().all(|c| is_gsm7_basic(c) || is_gsm7_extension(c))
}

/// The encoding `text` needs.
pub fn encoding(text: &str) -> Encoding {
    if is_gsm7(text) { Encoding::Gsm7 } else { Encoding::Ucs2 }
}

/// What one character costs in `enc` units (septets or UTF-16 code units).
fn cost(enc: Encoding, c: char) -> usize {
    match enc {
        Encoding::Gsm7 if is_gsm7_extension(c) => 2,
        Encoding::Gsm7 => 1,
        Encoding::Ucs2 => c.len_utf16(),
    }
}

/// The encoding of `text` and the number of SMS parts it takes (at least 1).
pub fn segments(text: &str) -> (Encoding, usize) {
    let enc = encoding(text);
    let total: usize = text.chars().map(|c| cost(enc, c)).sum();
    if total <= enc.single_limit() {
        return (enc, 1);
    }
    // Greedy packing: a character whose units do not fit the current part opens a new
    // one, so escape pairs and surrogate pairs stay whole.
    let (mut parts, mut used) = (1, 0);
    for c in text.chars() {
        let k = cost(enc, c);
        if used + k > enc.part_limit() {
            parts += 1;
            used = 0;
        }
        used += k;
    }
    (enc, parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_msg_5_the_gsm7_tables_are_complete() {
        assert_eq!(GSM7_BASIC.chars().count(), 127, "128 positions minus the escape");
        assert_eq!(GSM7_EXTENSION.chars().count(), 10);
        assert!(GSM7_BASIC.chars().all(|c| !is_gsm7_extension(c)));
    }

    #[test]
    fn f_msg_5_ascii_letters_digits_and_the_code_line_are_gsm7() {
        assert!(is_gsm7("Shop: 123456 sign-in code. Don't share it with anyone.\n\n@shop.example #123456"));
        assert!(is_gsm7("Déjà vu? ¿Qué? Ñandù £5 ¥6 §7 ÄÖÜ äöü ß"));
        assert!(is_gsm7("{braces} [brackets] ~ ^ | \\ €"));
        assert_eq!(encoding("https://shop.example/deny/abc_DEF-123"), Encoding::Gsm7);
    }

    #[test]
    fn f_msg_5_characters_outside_the_alphabet_need_ucs2() {
        for s in ["ログイン", "登录验证码", "emoji 😀", "backtick `", "ç cedilla small", "Ê", "œ", "ú"] {
            assert!(!is_gsm7(s), "{s}");
            assert_eq!(encoding(s), Encoding::Ucs2, "{s}");
        }
        assert_eq!(Encoding::Gsm7.kannel_coding(), 0);
        assert_eq!(Encoding::Ucs2.kannel_coding(), 2);
    }

    #[test]
    fn f_msg_5_gsm7_is_160_single_and_153_per_part() {
        assert_eq!(segments(""), (Encoding::Gsm7, 1));
        assert_eq!(segments(&"a".repeat(160)), (Encoding::Gsm7, 1));
        assert_eq!(segments(&"a".repeat(161)), (Encoding::Gsm7, 2));
        assert_eq!(segments(&"a".repeat(306)), (Encoding::Gsm7, 2));
        assert_eq!(segments(&"a".repeat(307)), (Encoding::Gsm7, 3));
    }

    #[test]
    fn f_msg_5_extension_characters_count_double() {
        assert_eq!(segments(&"€".repeat(80)), (Encoding::Gsm7, 1));
        assert_eq!(segments(&"€".repeat(81)), (Encoding::Gsm7, 2));
        assert_eq!(segments(&format!("{}{{", "a".repeat(159))), (Encoding::Gsm7, 2));
        // 152 septets, then an escape pair that would straddle the boundary: it moves
        // whole to the second part.
        assert_eq!(segments(&format!("{}[{}", "a".repeat(152), "a".repeat(152))), (Encoding::Gsm7, 3));
        assert_eq!(segments(&format!("{}[{}", "a".repeat(151), "a".repeat(153))), (Encoding::Gsm7, 2));
    }

    #[test]
    fn f_msg_5_ucs2_is_70_single_and_67_per_part() {
        assert_eq!(segments(&"あ".repeat(70)), (Encoding::Ucs2, 1));
        assert_eq!(segments(&"あ".repeat(71)), (Encoding::Ucs2, 2));
        assert_eq!(segments(&"あ".repeat(134)), (Encoding::Ucs2, 2));
        assert_eq!(segments(&"あ".repeat(135)), (Encoding::Ucs2, 3));
        // One Japanese character turns a 100-letter text into UCS-2: two parts.
        assert_eq!(segments(&format!("{}あ", "a".repeat(100))), (Encoding::Ucs2, 2));
    }

    #[test]
    fn f_msg_5_astral_characters_take_two_units_and_stay_whole() {
        assert_eq!(segments(&"😀".repeat(35)), (Encoding::Ucs2, 1));
        assert_eq!(segments(&"😀".repeat(36)), (Encoding::Ucs2, 2));
        // 66 units, then a surrogate pair that does not fit the 67-unit part.
        assert_eq!(segments(&format!("{}😀{}", "あ".repeat(66), "あ".repeat(66))), (Encoding::Ucs2, 3));
    }

    #[test]
    fn f_otp_7_code_messages_keep_the_origin_line_in_gsm7_unless_the_language_needs_ucs2() {
        use std::collections::BTreeMap;

        use ninsho_domain::messages::Template;
        use ninsho_domain::types::{Channel, Locale};

        let vars: BTreeMap<String, String> =
            [("code", "123456"), ("issuer", "Shop"), ("origin_host", "shop.example"), ("deny_url", "https://shop.example/deny/x")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        // The `@host #code` line itself is always GSM-7: it never forces UCS-2.
        assert!(is_gsm7("\n\n@shop.example #123456"));
        let sms = crate::render::render(Template::SignInCode, Locale::En, Channel::Sms, &vars).body;
        assert_eq!(segments(&sms).0, Encoding::Gsm7, "{sms}");
        for l in [Locale::Ja, Locale::Zh] {
            let sms = crate::render::render(Template::SignInCode, l, Channel::Sms, &vars).body;
            let (enc, parts) = segments(&sms);
            assert_eq!(enc, Encoding::Ucs2, "{l:?}");
            assert!((1..=3).contains(&parts), "{l:?}: {parts} parts");
        }
    }
}
