//! Where a client address is (F-DEV-1): the `Places` port, which the server fills
//! from an operator-supplied GeoIP database. No database ships with ninsho; without
//! one, or for an address it does not know, there is no place at all — never an empty
//! or "unknown" one.

use std::net::IpAddr;

use serde::Serialize;

use crate::types::Locale;

/// A city and country, named in the asked-for language where the database has that
/// name, else in English.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Place {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
}

impl Place {
    /// A place with nothing in it is no place.
    pub fn non_empty(self) -> Option<Place> {
        (self.city.is_some() || self.country.is_some() || self.country_code.is_some()).then_some(self)
    }

    /// `Tokyo, Japan` (names already in the reader's language), for messages.
    pub fn label(&self) -> String {
        let country = self.country.as_ref().or(self.country_code.as_ref());
        self.city.iter().chain(country).map(String::as_str).collect::<Vec<_>>().join(", ")
    }
}

pub trait Places: Send + Sync + 'static {
    /// Only called for addresses `locatable` accepts.
    fn lookup(&self, ip: IpAddr, locale: Locale) -> Option<Place>;
}

/// No database configured.
pub struct NoPlaces;

impl Places for NoPlaces {
    fn lookup(&self, _: IpAddr, _: Locale) -> Option<Place> {
        None
    }
}

/// An address on the public internet. Loopback, private, link-local and shared
/// (carrier-grade NAT) addresses say nothing about where a person is, whatever a
/// database claims for them.
pub fn locatable(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let cgnat = v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64;
            !(v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified() || v4.is_broadcast() || v4.is_multicast() || cgnat)
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => locatable(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                let unique_local = (first & 0xfe00) == 0xfc00;
                let link_local = (first & 0xffc0) == 0xfe80;
                !(v6.is_loopback() || v6.is_unspecified() || v6.is_multicast() || unique_local || link_local)
            }
        },
    }
}

/// The place of a stored address (the text `ClientInfo` kept), if it has one.
pub fn place_of(places: &dyn Places, ip: Option<&str>, locale: Locale) -> Option<Place> {
    let ip: IpAddr = ip?.parse().ok()?;
    if !locatable(ip) {
        return None;
    }
    places.lookup(ip, locale).and_then(Place::non_empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Places every address, to show which ones are never asked about.
    struct Everywhere;
    impl Places for Everywhere {
        fn lookup(&self, _: IpAddr, _: Locale) -> Option<Place> {
            Some(Place { city: Some("Tokyo".into()), country: None, country_code: None })
        }
    }

    #[test]
    fn f_dev_1_loopback_and_private_addresses_have_no_place() {
        for ip in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.1.1", "100.64.0.1", "0.0.0.0", "::1", "fd00::1", "fe80::1", "::ffff:192.168.0.1"] {
            assert_eq!(place_of(&Everywhere, Some(ip), Locale::En), None, "{ip}");
        }
        for ip in ["203.0.113.7", "2001:db8::1", "::ffff:203.0.113.7", "100.128.0.1"] {
            assert!(place_of(&Everywhere, Some(ip), Locale::En).is_some(), "{ip}");
        }
        assert_eq!(place_of(&Everywhere, Some("not an address"), Locale::En), None);
        assert_eq!(place_of(&Everywhere, None, Locale::En), None);
    }

    #[test]
    fn f_dev_1_without_a_database_or_with_an_empty_answer_there_is_no_place() {
        assert_eq!(place_of(&NoPlaces, Some("203.0.113.7"), Locale::Ja), None);
        struct Empty;
        impl Places for Empty {
            fn lookup(&self, _: IpAddr, _: Locale) -> Option<Place> {
                Some(Place { city: None, country: None, country_code: None })
            }
        }
        assert_eq!(place_of(&Empty, Some("203.0.113.7"), Locale::Ja), None);
    }

    #[test]
    fn f_msg_1_a_place_reads_city_then_country() {
        let p = |city: Option<&str>, country: Option<&str>, code: Option<&str>| Place { city: city.map(Into::into), country: country.map(Into::into), country_code: code.map(Into::into) };
        assert_eq!(p(Some("Tokyo"), Some("Japan"), Some("JP")).label(), "Tokyo, Japan");
        assert_eq!(p(None, None, Some("FR")).label(), "FR");
    }
}
