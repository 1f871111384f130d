//! Times on pages: the wall time in the account's zone with the zone's abbreviation,
//! `YYYY-MM-DD HH:MM JST`, the same digits in every language. UTC (`when_utc`) is for
//! operators and logs.

use ninsho_domain::types::UnixMillis;
use ninsho_domain::zone::TimeZoneName;

pub fn when(t: UnixMillis, zone: &TimeZoneName) -> String {
    ninsho_domain::zone::wall_time(t, zone)
}

pub fn when_utc(t: UnixMillis) -> String {
    when(t, &TimeZoneName::utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str) -> TimeZoneName {
        TimeZoneName::parse(name).unwrap_or_else(|e| panic!("{name}: {e:?}"))
    }

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(when_utc(UnixMillis(0)), "1970-01-01 00:00 UTC");
        assert_eq!(when_utc(UnixMillis(951_782_400_000)), "2000-02-29 00:00 UTC");
        assert_eq!(when_utc(UnixMillis(1_795_392_000_000 + 3_723_000)), "2026-11-23 01:02 UTC");
    }

    #[test]
    fn f_dev_1_times_are_shown_in_the_accounts_zone_with_the_zone_named() {
        // 2026-11-23 01:02 UTC.
        let t = UnixMillis(1_795_392_000_000 + 3_723_000);
        assert_eq!(when(t, &zone("Asia/Tokyo")), "2026-11-23 10:02 JST");
        assert_eq!(when(t, &zone("Europe/Paris")), "2026-11-23 02:02 CET");
        assert_eq!(when(t, &zone("America/New_York")), "2026-11-22 20:02 EST");
        // Summer time is the zone's rule, not a fixed offset: 2026-07-01 12:00 UTC.
        assert_eq!(when(UnixMillis(1_782_907_200_000), &zone("Europe/Paris")), "2026-07-01 14:00 CEST");
    }
}
