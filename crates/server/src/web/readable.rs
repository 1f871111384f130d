//! Devices and places as a page names them, in the page's language: "Chrome on
//! Windows" ("Windows の Chrome"), "Tokyo, Japan" ("日本 東京"). What is not known is
//! left out; only a device with no name at all is "Unknown device".

use ninsho_domain::device::Device;
use ninsho_domain::place::Place;

use super::i18n::Tr;

/// The name the client gave itself (`X-Device-Name`) wins over what its user agent says.
pub fn device(tr: &Tr, given: Option<&str>, d: &Device) -> String {
    if let Some(name) = given.map(str::trim).filter(|n| !n.is_empty()) {
        return name.to_string();
    }
    match (d.browser.as_deref(), d.os.as_deref()) {
        (Some(browser), Some(os)) => tr.tn("device-on", &[("browser", browser), ("os", os)]),
        (Some(one), None) | (None, Some(one)) => one.to_string(),
        (None, None) => tr.t("device-unknown"),
    }
}

pub fn place(tr: &Tr, p: Option<&Place>) -> Option<String> {
    let p = p?;
    match (p.city.as_deref(), p.country.as_deref().or(p.country_code.as_deref())) {
        (Some(city), Some(country)) => Some(tr.tn("place-city-country", &[("city", city), ("country", country)])),
        (Some(one), None) | (None, Some(one)) => Some(one.to_string()),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ninsho_domain::types::Locale;

    fn d(browser: Option<&str>, os: Option<&str>) -> Device {
        Device { browser: browser.map(Into::into), os: os.map(Into::into) }
    }

    #[test]
    fn f_dev_1_device_names_read_naturally_in_each_language() {
        let (en, ja) = (Tr::new(Locale::En), Tr::new(Locale::Ja));
        assert_eq!(device(&en, None, &d(Some("Chrome"), Some("Windows"))), "Chrome on Windows");
        assert_eq!(device(&en, None, &d(Some("Safari"), Some("iPhone"))), "Safari on iPhone");
        assert_eq!(device(&ja, None, &d(Some("Chrome"), Some("Windows"))), "Windows の Chrome");
        assert_eq!(device(&Tr::new(Locale::Fr), None, &d(Some("Safari"), Some("iPhone"))), "Safari sur iPhone");
        assert_eq!(device(&en, None, &d(None, Some("Linux"))), "Linux");
        assert_eq!(device(&en, None, &d(None, None)), "Unknown device");
        assert_eq!(device(&en, Some("Kitchen tablet"), &d(Some("Chrome"), Some("Android"))), "Kitchen tablet");
        assert_eq!(device(&en, Some("  "), &d(Some("Chrome"), Some("Android"))), "Chrome on Android");
    }

    #[test]
    fn f_dev_1_a_place_shows_what_is_known_and_nothing_else() {
        let p = |city: Option<&str>, country: Option<&str>, code: Option<&str>| Place { city: city.map(Into::into), country: country.map(Into::into), country_code: code.map(Into::into) };
        let (en, ja) = (Tr::new(Locale::En), Tr::new(Locale::Ja));
        assert_eq!(place(&en, Some(&p(Some("Tokyo"), Some("Japan"), Some("JP")))).as_deref(), Some("Tokyo, Japan"));
        assert_eq!(place(&ja, Some(&p(Some("東京"), Some("日本"), Some("JP")))).as_deref(), Some("日本 東京"));
        assert_eq!(place(&en, Some(&p(None, Some("France"), Some("FR")))).as_deref(), Some("France"));
        assert_eq!(place(&en, Some(&p(None, None, Some("FR")))).as_deref(), Some("FR"));
        assert_eq!(place(&en, None), None);
    }
}
