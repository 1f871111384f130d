//! What a person calls the device behind a user agent — "Chrome" on "Windows",
//! "Safari" on "iPhone" (F-DEV-1/3) — read by woothee's rules. The raw string stays
//! in the record for logs and support; people are shown this.

use serde::Serialize;

/// A browser and the system it runs on; either may be unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Device {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
}

impl Device {
    pub fn from_user_agent(ua: Option<&str>) -> Device {
        let Some(r) = ua.and_then(|ua| woothee::parser::Parser::new().parse(ua)) else { return Device::default() };
        let known = |s: &str| (!s.is_empty() && s != woothee::woothee::VALUE_UNKNOWN).then(|| s.to_string());
        Device { browser: known(r.name), os: known(r.os).map(os_family) }
    }

    /// The same in no particular language, for messages whose text has no word for
    /// "on": `Chrome (Windows)`.
    pub fn label(&self) -> Option<String> {
        match (&self.browser, &self.os) {
            (Some(b), Some(o)) => Some(format!("{b} ({o})")),
            (Some(one), None) | (None, Some(one)) => Some(one.clone()),
            (None, None) => None,
        }
    }
}

/// The system's everyday name: people know "Windows", not "Windows 10" (which Windows
/// 11 also reports), and "macOS", not "Mac OSX".
fn os_family(os: String) -> String {
    match os.as_str() {
        o if o.starts_with("Windows Phone") => "Windows Phone".into(),
        o if o.starts_with("Windows") => "Windows".into(),
        "Mac OSX" | "Mac OS Classic" => "macOS".into(),
        _ => os,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(ua: &str) -> (Option<String>, Option<String>) {
        let d = Device::from_user_agent(Some(ua));
        (d.browser, d.os)
    }

    fn some(b: &str, o: &str) -> (Option<String>, Option<String>) {
        (Some(b.into()), Some(o.into()))
    }

    #[test]
    fn f_dev_1_devices_are_named_from_the_user_agent() {
        let chrome_win = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        let safari_iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        let firefox_mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0";
        let edge_win = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
        let chrome_android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
        assert_eq!(named(chrome_win), some("Chrome", "Windows"));
        assert_eq!(named(safari_iphone), some("Safari", "iPhone"));
        assert_eq!(named(firefox_mac), some("Firefox", "macOS"));
        assert_eq!(named(edge_win), some("Edge", "Windows"));
        assert_eq!(named(chrome_android), some("Chrome", "Android"));
    }

    #[test]
    fn f_dev_1_what_cannot_be_read_is_unknown_not_guessed() {
        for ua in [None, Some(""), Some("x"), Some("ninsho-tests/1.0")] {
            assert_eq!(Device::from_user_agent(ua), Device::default(), "{ua:?}");
        }
        // An OS alone is still worth showing.
        assert_eq!(named("Mozilla/5.0 (X11; Linux x86_64) ninsho-page-tests"), (None, Some("Linux".into())));
    }

    #[test]
    fn f_msg_1_an_alert_names_the_device_without_a_language() {
        let d = |b: Option<&str>, o: Option<&str>| Device { browser: b.map(Into::into), os: o.map(Into::into) };
        assert_eq!(d(Some("Safari"), Some("iPhone")).label().as_deref(), Some("Safari (iPhone)"));
        assert_eq!(d(None, Some("Linux")).label().as_deref(), Some("Linux"));
        assert_eq!(d(None, None).label(), None);
    }
}
