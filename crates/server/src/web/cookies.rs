//! The cookies pages use (DESIGN.md §6): `__Host-` prefixed, `Secure`, `HttpOnly`,
//! `SameSite=Lax`, path `/`. Only a plain-HTTP loopback `public_url` (a developer's
//! machine) drops the prefix and `Secure`, because browsers refuse both over HTTP.

use axum::http::{HeaderMap, HeaderValue, header};

/// The signed-in session's bearer token.
pub const SESSION: &str = "ninsho-session";
/// "Don't require codes on this browser" (F-SIGNIN-2).
pub const TRUST: &str = "ninsho-trust";
/// The CSRF secret the form tokens are derived from.
pub const CSRF: &str = "ninsho-csrf";
/// The challenge the code page is for, and where to go after it.
pub const PENDING: &str = "ninsho-pending";
/// The language chosen with the switch.
pub const LANG: &str = "ninsho-lang";
/// New backup codes, sealed to the session that made them, so that their page can be
/// reloaded or shown in another language for a few minutes (only hashes are stored).
pub const BACKUP_CODES: &str = "ninsho-backup-codes";

#[derive(Clone, Copy, Debug)]
pub struct Policy {
    pub secure: bool,
}

impl Policy {
    /// Secure unless `public_url` is plain HTTP on a loopback host.
    pub fn for_public_url(url: &str) -> Policy {
        let insecure = url.strip_prefix("http://").is_some_and(|rest| {
            let host = rest.split(['/', '?']).next().unwrap_or("");
            let host = host.rsplit_once(':').filter(|(h, p)| !h.is_empty() && p.chars().all(|c| c.is_ascii_digit())).map(|(h, _)| h).unwrap_or(host);
            matches!(host, "localhost" | "[::1]") || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        });
        Policy { secure: !insecure }
    }

    pub fn name(&self, base: &str) -> String {
        if self.secure { format!("__Host-{base}") } else { base.to_string() }
    }

    /// A `Set-Cookie` value; `max_age` of `None` makes a browser-session cookie.
    pub fn set(&self, base: &str, value: &str, max_age: Option<i64>) -> Option<HeaderValue> {
        let mut s = format!("{}={value}; Path=/; HttpOnly; SameSite=Lax", self.name(base));
        if let Some(age) = max_age {
            s.push_str(&format!("; Max-Age={age}"));
        }
        if self.secure {
            s.push_str("; Secure");
        }
        HeaderValue::from_str(&s).ok()
    }

    pub fn clear(&self, base: &str) -> Option<HeaderValue> {
        self.set(base, "", Some(0))
    }

    pub fn get(&self, headers: &HeaderMap, base: &str) -> Option<String> {
        let name = self.name(base);
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty() && v.len() <= 512)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_ops_4_cookies_are_host_prefixed_and_secure_except_on_plain_http_loopback() {
        for url in ["https://shop.example", "http://shop.example", "https://127.0.0.1:8080", "http://127.0.0.1.evil.example"] {
            let p = Policy::for_public_url(url);
            assert!(p.secure, "{url}");
            let c = p.set(SESSION, "v", Some(60)).unwrap();
            let c = c.to_str().unwrap();
            assert!(c.starts_with("__Host-ninsho-session=v; Path=/; HttpOnly; SameSite=Lax"), "{c}");
            assert!(c.ends_with("; Secure"), "{c}");
        }
        for url in ["http://127.0.0.1:8080", "http://localhost", "http://[::1]:9000/x"] {
            let p = Policy::for_public_url(url);
            assert!(!p.secure, "{url}");
            assert_eq!(p.set(SESSION, "v", None).unwrap().to_str().unwrap(), "ninsho-session=v; Path=/; HttpOnly; SameSite=Lax");
        }
    }

    #[test]
    fn a_cookie_is_read_by_its_exact_name() {
        let p = Policy { secure: true };
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("ninsho-session=plain; __Host-ninsho-session=right"));
        assert_eq!(p.get(&h, SESSION).as_deref(), Some("right"));
        assert_eq!(Policy { secure: false }.get(&h, SESSION).as_deref(), Some("plain"));
        assert_eq!(p.get(&h, TRUST), None);
    }
}
