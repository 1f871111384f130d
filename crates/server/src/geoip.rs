//! Places from the operator's GeoIP database (the `geoip_db` setting): a MaxMind DB file
//! of the City or Country kind (GeoLite2, GeoIP2, DB-IP's free "lite" files, or one
//! made with any MaxMind DB writer). It is read whole at start; a new file takes a
//! restart.

use std::net::IpAddr;
use std::path::Path;

use anyhow::Context;
use maxminddb::geoip2::{City, Names};
use ninsho_domain::place::{Place, Places};
use ninsho_domain::types::Locale;

pub struct GeoIp {
    reader: maxminddb::Reader<Vec<u8>>,
}

impl GeoIp {
    /// Opens and checks the file: a wrong path or a damaged file stops the start-up
    /// here rather than silently showing no places.
    pub fn open(path: &Path) -> anyhow::Result<GeoIp> {
        let reader = maxminddb::Reader::open_readfile(path).with_context(|| format!("geoip_db: cannot read {} as a MaxMind DB file", path.display()))?;
        Ok(GeoIp { reader })
    }
}

/// The name in the page's language where the database has one, else English.
fn name(names: &Names<'_>, locale: Locale) -> Option<String> {
    let own = match locale {
        Locale::En => names.english,
        Locale::Ja => names.japanese,
        Locale::Zh => names.simplified_chinese,
        Locale::Fr => names.french,
    };
    own.or(names.english).filter(|n| !n.trim().is_empty()).map(str::to_string)
}

impl Places for GeoIp {
    fn lookup(&self, ip: IpAddr, locale: Locale) -> Option<Place> {
        // An IPv4-only file has nothing to say of IPv6 clients: not an error.
        if ip.is_ipv6() && self.reader.metadata().ip_version == 4 {
            return None;
        }
        // A damaged record is no place: the list still shows, and the log says why
        // (the address itself stays out of it).
        let record = match self.reader.lookup(ip).and_then(|r| r.decode::<City<'_>>()) {
            Ok(r) => r?,
            Err(e) => {
                tracing::warn!(error = %e, "GeoIP lookup failed");
                return None;
            }
        };
        Place {
            city: name(&record.city.names, locale),
            country: name(&record.country.names, locale),
            country_code: record.country.iso_code.filter(|c| c.len() == 2).map(str::to_string),
        }
        .non_empty()
    }
}
