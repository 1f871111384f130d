//! Judges where one link leads: a scheme other than the web's (an app, a call, a
//! text, a script), an IP address, a `user@host` trick, encoded
//! international characters (punycode) and mixed scripts, a URL shortener, a domain
//! that imitates the shop's, or simply a site that is not the shop's.
//!
//! The registrable domain ("eTLD+1") comes from the Public Suffix List (`psl`), so
//! `shop.example.secure-login.top` is judged as `secure-login.top`. Finding links in
//! text belongs to `extract`; the resemblance tests belong to `lookalike`.

use super::{Reason, ReasonCode};
use super::lookalike;
use url::{Host, Url};

/// Services that hide where a link really leads. A shop's own short domain (say
/// `amzn.to` for its owner) is fine once it is configured as an official link domain.
const SHORTENERS: &[&str] = &[
    "bit.ly", "bitly.com", "tinyurl.com", "t.co", "goo.gl", "is.gd", "v.gd", "ow.ly", "buff.ly", "rebrand.ly", "cutt.ly", "t.ly",
    "x.gd", "amzn.to", "rb.gy", "shorturl.at", "tiny.cc", "s.id", "lnkd.in", "qrco.de", "u.to", "urx.nu", "bit.do", "shorturl.asia",
];

/// The findings for one link (empty when it is a web link to one of `official`'s
/// domains). An operator whose public URL is an IP address (the default,
/// `http://127.0.0.1:8080`) lists that address, and links to it are official.
pub(super) fn check(link: &str, official: &[String]) -> Vec<Reason> {
    let Ok(url) = Url::parse(link) else {
        return vec![Reason::new(ReasonCode::LinkNotOfficial, format!("\"{link}\" cannot be read as a web address, so it cannot lead to the shop's site."))];
    };
    let mut reasons = Vec::new();
    let web = matches!(url.scheme(), "https" | "http");
    if !web {
        reasons.push(Reason::new(
            ReasonCode::LinkScheme,
            format!("The link {url} is a \"{}:\" link: it opens an app, a call, a message or a script instead of a web page. The shop's messages only link to its website.", url.scheme()),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        reasons.push(userinfo(&url));
    }
    match url.host() {
        Some(Host::Domain(host)) => reasons.extend(check_domain(host, official)),
        Some(Host::Ipv4(ip)) if is_official_ip(ip.into(), official) => {}
        Some(Host::Ipv6(ip)) if is_official_ip(ip.into(), official) => {}
        Some(Host::Ipv4(_) | Host::Ipv6(_)) => {
            reasons.push(Reason::new(ReasonCode::LinkIpHost, format!("The link {url} points to a bare IP address instead of a named website; the shop always uses its own domain.")));
        }
        // A `tel:` or `javascript:` link has no host; its scheme said all there is.
        None if !web => {}
        None => reasons.push(Reason::new(ReasonCode::LinkNotOfficial, format!("The link {url} does not lead to a website."))),
    }
    reasons
}

/// `127.0.0.1` or `[::1]` configured as an official link domain.
fn is_official_ip(ip: std::net::IpAddr, official: &[String]) -> bool {
    official.iter().any(|o| o.trim().trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>().is_ok_and(|o| o == ip))
}

fn userinfo(url: &Url) -> Reason {
    let host = url.host_str().unwrap_or("another site");
    Reason::new(ReasonCode::LinkUserinfo,
        format!(
            "The link starts with \"{}@\", which only looks like an address: the browser would actually go to {host}.",
            url.username()
        ),
    )
}

fn check_domain(host: &str, official: &[String]) -> Vec<Reason> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let registrable = registrable(&host).unwrap_or_else(|| host.clone());
    if official.iter().any(|o| registrable_of_configured(o) == registrable) {
        return vec![];
    }
    let unicode = to_unicode(&host);
    let mut reasons = Vec::new();
    if host.split('.').any(|label| label.starts_with("xn--")) {
        reasons.push(Reason::new(ReasonCode::LinkPunycode,
            format!("The address {host} is encoded international text that a phone shows as \"{unicode}\"; the shop's addresses are plain letters."),
        ));
        if lookalike::is_mixed_script(&unicode) {
            reasons.push(Reason::new(ReasonCode::LinkMixedScript,
                format!("The address \"{unicode}\" mixes letters from different alphabets (for example Latin and Cyrillic) so that it looks like a familiar name."),
            ));
        }
    }
    if SHORTENERS.contains(&registrable.as_str()) {
        reasons.push(Reason::new(ReasonCode::LinkShortener,
            format!("The link uses the URL shortener {registrable}, which hides where it really leads; the shop links to its own site directly."),
        ));
    }
    if let Some(imitated) = lookalike::imitates(&unicode, official) {
        reasons.push(Reason::new(ReasonCode::LinkLookalike,
            format!("The address \"{unicode}\" is made to look like the shop's {imitated}, but it belongs to {registrable}."),
        ));
    }
    reasons.push(Reason::new(ReasonCode::LinkNotOfficial, format!("The link leads to {registrable}, which is not one of the shop's websites.")));
    reasons
}

/// The part of a host name someone can register, such as `secure-login.top` in
/// `shop.example.secure-login.top` (unknown TLDs count as one label).
pub(super) fn registrable(host: &str) -> Option<String> {
    psl::domain_str(host).map(str::to_string)
}

/// Operators may configure `www.shop.example`; it counts as `shop.example`.
pub(super) fn registrable_of_configured(domain: &str) -> String {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    registrable(&domain).unwrap_or(domain)
}

/// `xn--shp-...` → the characters a phone would display; unchanged when not decodable.
pub(super) fn to_unicode(host: &str) -> String {
    let (unicode, result) = idna::domain_to_unicode(host);
    if result.is_ok() { unicode } else { host.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(link: &str) -> Vec<&'static str> {
        check(link, &["shop.example".to_string()]).iter().map(|r| r.code.as_str()).collect()
    }

    #[test]
    fn f_msg_3_official_links_pass() {
        assert!(codes("https://shop.example/deny/abc").is_empty());
        assert!(codes("https://www.shop.example/orders?id=1").is_empty());
        assert!(codes("https://SHOP.EXAMPLE./x").is_empty());
    }

    #[test]
    fn f_msg_3_other_site_is_not_official() {
        assert_eq!(codes("https://evil.test/login"), vec!["link.not_official"]);
    }

    #[test]
    fn f_msg_3_flags_shorteners() {
        for link in ["https://bit.ly/3xYz", "http://tinyurl.com/abc", "https://t.co/x", "https://amzn.to/abc", "https://x.gd/q"] {
            assert_eq!(codes(link), vec!["link.shortener", "link.not_official"], "{link}");
        }
    }

    #[test]
    fn f_msg_3_a_configured_short_domain_is_official() {
        let official = ["shop.example".to_string(), "amzn.to".to_string()];
        assert!(check("https://amzn.to/abc", &official).is_empty());
    }

    #[test]
    fn f_msg_3_flags_ip_hosts() {
        assert_eq!(codes("http://192.0.2.10/login"), vec!["link.ip_host"]);
        assert_eq!(codes("http://[2001:db8::1]/login"), vec!["link.ip_host"]);
        // Browsers read a lone number as an IPv4 address, and so does `url`.
        assert_eq!(codes("http://3221225994/login"), vec!["link.ip_host"]);
    }

    #[test]
    fn f_msg_3_flags_links_that_open_apps_calls_or_scripts() {
        assert_eq!(codes("tel:+15550100"), vec!["link.scheme"]);
        assert_eq!(codes("sms:+15550100?body=123456"), vec!["link.scheme"]);
        assert_eq!(codes("javascript:alert(1)"), vec!["link.scheme"]);
        // The shop's own host does not make an app link official.
        assert_eq!(codes("intent://shop.example/login#Intent;scheme=https;end"), vec!["link.scheme"]);
        assert_eq!(codes("line://evil.test/x"), vec!["link.scheme", "link.not_official"]);
        assert!(codes("http://shop.example/deny/x").is_empty());
    }

    #[test]
    fn f_msg_3_a_configured_ip_address_is_official() {
        for (official, link) in [("127.0.0.1", "http://127.0.0.1:8080/deny/x"), ("[::1]", "http://[::1]:8080/deny/x"), ("::1", "http://[::1]/x")] {
            assert!(check(link, &[official.to_string()]).is_empty(), "{official} {link}");
        }
        assert_eq!(check("http://127.0.0.2/x", &["127.0.0.1".to_string()])[0].code, ReasonCode::LinkIpHost);
        assert!(check("http://localhost:8080/deny/x", &["localhost".to_string()]).is_empty());
    }

    #[test]
    fn f_msg_3_flags_userinfo_tricks() {
        assert_eq!(codes("https://shop.example@evil.test/"), vec!["link.userinfo", "link.not_official"]);
        assert!(codes("https://shop.example:pw@203.0.113.5/").contains(&"link.userinfo"));
    }

    #[test]
    fn f_msg_3_flags_punycode_and_mixed_scripts() {
        // "shоp.example" with a Cyrillic о.
        let c = codes("https://xn--shp-ted.example/login");
        assert_eq!(c, vec!["link.punycode", "link.mixed_script", "link.lookalike", "link.not_official"]);
        // Written directly in Unicode the parser encodes it the same way.
        assert_eq!(codes("https://shоp.example/login"), c);
    }

    #[test]
    fn f_msg_3_flags_lookalike_domains() {
        for link in ["https://shop-example.com/", "https://sh0p.example/", "https://shop.example.secure-login.top/", "https://shopexample.jp/"] {
            assert_eq!(codes(link), vec!["link.lookalike", "link.not_official"], "{link}");
        }
    }
}
