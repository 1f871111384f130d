//! A domain error as a page shows it: in the page's language, next to the field it
//! is about when the form has that field, else at the top of the form.

use ninsho_domain::Error;

use super::i18n::Tr;

#[derive(Clone, Debug)]
pub struct Problem {
    /// The form field the message belongs next to.
    pub field: Option<&'static str>,
    pub message: String,
}

/// The page-text key of an error code: `err-` and the code with `.`/`_` as `-`.
pub fn key_of(code: &str) -> String {
    format!("err-{}", code.replace(['.', '_'], "-"))
}

/// The page-text key of one cause of an error code: its key, `-`, the reason.
pub fn reason_key(key: &str, reason: &str) -> String {
    format!("{key}-{}", reason.replace(['.', '_'], "-"))
}

impl Problem {
    pub fn of(e: &Error, tr: &Tr, fields: &[&'static str]) -> Problem {
        if let Error::Internal(detail) = e {
            tracing::error!(error = %detail, "internal error");
        }
        let key = key_of(e.code());
        // A cause with text of its own (`err-password-weak-keyboard`), else the code's.
        let key = e.reason().map(|r| reason_key(&key, r)).filter(|k| tr.has(k)).unwrap_or(key);
        let message = match e {
            Error::RateLimited { retry_at, now, .. } => {
                let secs = ((retry_at.0 - now.0).max(0) + 999) / 1000;
                tr.t1(&key, "wait", &tr.span(ninsho_domain::messages::Span::round_up(secs)))
            }
            // The page's language decides the zone shown: the signed-out page knows no account's.
            Error::AccountLocked { until, support } => {
                let when = super::time::when(*until, &ninsho_domain::zone::TimeZoneName::for_locale(tr.locale));
                tr.tn(&key, &[("until", &when), ("support", support)])
            }
            _ if tr.has(&key) => tr.t(&key),
            // A code added to `domain` without page text; the all-codes test catches it.
            _ => tr.t("err-generic"),
        };
        let field = match e {
            Error::Invalid { field, .. } => fields.iter().find(|f| *f == field).copied(),
            Error::InvalidCredentials => fields.iter().find(|f| **f == "password").copied(),
            Error::InvalidCode | Error::MethodDisabled => fields.iter().find(|f| **f == "code").copied(),
            _ => None,
        };
        Problem { field, message }
    }

    pub fn general(message: String) -> Problem {
        Problem { field: None, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ninsho_domain::types::{Locale, UnixMillis};

    fn limited(secs: i64, locale: Locale) -> String {
        let now = UnixMillis(1_900_000_000_000);
        let e = Error::RateLimited { code: "limit.account", retry_at: UnixMillis(now.0 + secs * 1000), now };
        Problem::of(&e, &Tr::new(locale), &[]).message
    }

    /// Issue 11.7 / F-LIMIT-1: a limit reads in whole hours where they fit ("24時間",
    /// never "1440分"), and a wait about to end never reads "0 minutes".
    #[test]
    fn f_limit_1_a_limit_reads_in_whole_hours_and_never_zero_minutes() {
        let day = limited(86_400, Locale::Ja);
        assert!(day.contains("24時間後") && !day.contains("1440"), "{day}");
        assert!(limited(86_400, Locale::En).contains("Try again in 24 hours."), "{}", limited(86_400, Locale::En));
        assert!(limited(600, Locale::Ja).contains("10分後"), "{}", limited(600, Locale::Ja));
        let soon = limited(0, Locale::En);
        assert!(soon.contains("Try again in 1 second.") && !soon.contains(" 0 "), "{soon}");
        assert!(limited(3600, Locale::Zh).contains("60分钟后"), "{}", limited(3600, Locale::Zh));
        assert!(limited(7200, Locale::Fr).contains("dans 2 heures"), "{}", limited(7200, Locale::Fr));
    }
}
