//! The time zone a person's times are shown in (F-DEV-1/3): the account's own choice,
//! else the operator's default, else one that follows the account's language. Names
//! are checked against the tz database compiled into the binary (jiff), so every
//! instance accepts the same names and shows the same wall time whatever its host has
//! installed.

use serde::{Serialize, Serializer};

use crate::error::{Error, Result};
use crate::types::Locale;

/// The longest IANA name is under 40 characters; anything longer is not one.
const MAX_NAME: usize = 64;

/// An IANA time-zone name the bundled database knows, with its rules.
#[derive(Clone, Debug)]
pub struct TimeZoneName {
    name: String,
    tz: jiff::tz::TimeZone,
}

impl PartialEq for TimeZoneName {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl Eq for TimeZoneName {}

impl TimeZoneName {
    /// `Europe/Paris`, `asia/tokyo` (spelled as the database spells it), `UTC`.
    pub fn parse(s: &str) -> Result<Self> {
        let unknown = || Error::invalid("time_zone.unknown", "time_zone", "not a time zone of the IANA database, e.g. Asia/Tokyo");
        let s = s.trim();
        if s.is_empty() || s.len() > MAX_NAME {
            return Err(unknown());
        }
        let tz = jiff::tz::db().get(s).map_err(|_| unknown())?;
        // The database's own spelling, so `asia/tokyo` is stored and shown as `Asia/Tokyo`.
        let name = tz.iana_name().unwrap_or(s).to_string();
        Ok(TimeZoneName { name, tz })
    }

    pub fn utc() -> Self {
        TimeZoneName { name: "UTC".into(), tz: jiff::tz::TimeZone::UTC }
    }

    /// What a language's speakers most likely live by, when nothing better is known.
    pub fn for_locale(locale: Locale) -> Self {
        let name = match locale {
            Locale::Ja => "Asia/Tokyo",
            Locale::Zh => "Asia/Shanghai",
            Locale::Fr => "Europe/Paris",
            Locale::En => return Self::utc(),
        };
        Self::parse(name).unwrap_or_else(|_| Self::utc())
    }

    pub fn as_str(&self) -> &str {
        &self.name
    }

    pub fn tz(&self) -> &jiff::tz::TimeZone {
        &self.tz
    }
}

impl Serialize for TimeZoneName {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

/// Where the zone in force came from, so a client can tell a choice from a default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneSource {
    Account,
    Operator,
    Language,
}

/// The zone times are shown in, and why.
pub fn effective(chosen: Option<&TimeZoneName>, operator: Option<&TimeZoneName>, locale: Locale) -> (TimeZoneName, ZoneSource) {
    match (chosen, operator) {
        (Some(z), _) => (z.clone(), ZoneSource::Account),
        (None, Some(z)) => (z.clone(), ZoneSource::Operator),
        (None, None) => (TimeZoneName::for_locale(locale), ZoneSource::Language),
    }
}

/// The names a person picks from: places (`Region/City`) and `UTC`, not the
/// database's legacy aliases (`Japan`, `US/Pacific`, `Etc/GMT-9`), sorted.
pub fn choices() -> Vec<String> {
    const REGIONS: [&str; 9] = ["Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/", "Pacific/"];
    let mut v: Vec<String> =
        jiff::tz::db().available().map(|n| n.to_string()).filter(|n| n == "UTC" || REGIONS.iter().any(|r| n.starts_with(r))).collect();
    v.sort();
    v.dedup();
    v
}

/// A moment as people read it everywhere ninsho shows one: the wall time in `zone`
/// with the zone's abbreviation, `YYYY-MM-DD HH:MM JST`, the same digits in every
/// language.
pub fn wall_time(t: crate::types::UnixMillis, zone: &TimeZoneName) -> String {
    match jiff::Timestamp::from_millisecond(t.0) {
        Ok(ts) => ts.to_zoned_datetime(zone.tz().clone()).strftime("%Y-%m-%d %H:%M %Z").to_string(),
        // Outside years -9999…9999: no stored time is; say it plainly rather than fail.
        Err(_) => format!("{} ms UTC", t.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_dev_1_known_names_are_taken_in_the_databases_spelling_and_others_refused() {
        assert_eq!(TimeZoneName::parse("Asia/Tokyo").map(|z| z.as_str().to_string()).ok().as_deref(), Some("Asia/Tokyo"));
        assert_eq!(TimeZoneName::parse(" asia/tokyo ").map(|z| z.as_str().to_string()).ok().as_deref(), Some("Asia/Tokyo"));
        for bad in ["", "Mars/Olympus_Mons", "Asia/Tokyo/", "+09:00", &"A".repeat(200)] {
            match TimeZoneName::parse(bad) {
                Err(Error::Invalid { code, field, .. }) => assert_eq!((code, field), ("time_zone.unknown", "time_zone"), "{bad}"),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn f_dev_1_the_default_follows_the_operator_then_the_language() {
        let paris = TimeZoneName::parse("Europe/Paris").ok();
        let lima = TimeZoneName::parse("America/Lima").ok();
        let name = |(z, s): (TimeZoneName, ZoneSource)| (z.as_str().to_string(), s);
        assert_eq!(name(effective(None, None, Locale::Ja)), ("Asia/Tokyo".into(), ZoneSource::Language));
        assert_eq!(name(effective(None, None, Locale::Zh)), ("Asia/Shanghai".into(), ZoneSource::Language));
        assert_eq!(name(effective(None, None, Locale::Fr)), ("Europe/Paris".into(), ZoneSource::Language));
        assert_eq!(name(effective(None, None, Locale::En)), ("UTC".into(), ZoneSource::Language));
        assert_eq!(name(effective(None, lima.as_ref(), Locale::Ja)), ("America/Lima".into(), ZoneSource::Operator));
        assert_eq!(name(effective(paris.as_ref(), lima.as_ref(), Locale::Ja)), ("Europe/Paris".into(), ZoneSource::Account));
    }

    #[test]
    fn choices_are_places_every_one_of_which_parses() {
        let c = choices();
        assert!(c.len() > 300, "{}", c.len());
        for must in ["Asia/Tokyo", "Europe/Paris", "America/New_York", "UTC"] {
            assert!(c.iter().any(|n| n == must), "{must}");
        }
        assert!(!c.iter().any(|n| n == "Japan" || n.starts_with("US/") || n.starts_with("Etc/")));
        assert!(c.iter().all(|n| TimeZoneName::parse(n).is_ok_and(|z| z.as_str() == n)));
    }
}
