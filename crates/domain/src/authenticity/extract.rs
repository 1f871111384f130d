//! Finds the links a message carries: URLs of any scheme anywhere in the text (also
//! glued to Japanese or Chinese words) — `https://`, but also `intent://`, `tel:`,
//! `sms:`, `javascript:` and the like, which phishing uses to open an app, a call or
//! a reply — bare domains such as `shop-example.com` or `@shop.example`, and the
//! links the user pasted separately. What is left of the
//! text (`prose`) is what the wording and language checks read.
//!
//! Judging where a link leads belongs to `links`.

/// The links of a message (each with a scheme, deduplicated) and its text without them.
pub(super) struct Extracted {
    pub links: Vec<String>,
    pub prose: String,
}

pub(super) fn extract(text: &str, extra: &[String]) -> Extracted {
    let mut links: Vec<String> = Vec::new();
    let mut prose = String::with_capacity(text.len());
    let mut token = String::new();
    for c in text.chars() {
        if is_separator(c) {
            take_token(&token, &mut links, &mut prose);
            token.clear();
            prose.push(c);
        } else {
            token.push(c);
        }
    }
    take_token(&token, &mut links, &mut prose);
    for link in extra {
        if let Some(link) = with_scheme(link) {
            push_unique(&mut links, link);
        }
    }
    Extracted { links, prose }
}

/// Splits the text into tokens that may be links. CJK letters separate tokens because
/// Japanese and Chinese write links without spaces around them; Cyrillic or Greek
/// letters do not, so a homograph such as `shоp.example` stays one token.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        // Not `[` `]`: they belong to IPv6 hosts (`http://[::1]:8080/`).
        || matches!(c, '"' | '\'' | '<' | '>' | '(' | ')' | '{' | '}' | '|' | '\\' | '`' | '^' | '«' | '»' | '“' | '”' | '‘' | '’')
        || is_cjk(c)
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x303F    // CJK radicals, symbols and punctuation (、。「」)
        | 0x3040..=0x30FF  // hiragana, katakana
        | 0x3100..=0x31FF  // bopomofo, katakana extensions
        | 0x3400..=0x4DBF  // CJK extension A
        | 0x4E00..=0x9FFF  // CJK unified ideographs
        | 0xAC00..=0xD7AF  // hangul
        | 0xF900..=0xFAFF  // CJK compatibility ideographs
        | 0xFF01..=0xFF0F  // fullwidth punctuation ！＂＃…／
        | 0xFF1A..=0xFF20  // ：；＜＝＞？＠
        | 0xFF5B..=0xFF65  // ｛｜｝～ and halfwidth punctuation
        | 0xFF66..=0xFF9F) // halfwidth katakana
}

fn take_token(token: &str, links: &mut Vec<String>, prose: &mut String) {
    if token.is_empty() {
        return;
    }
    if let Some(start) = find_scheme(token) {
        prose.push_str(token.get(..start).unwrap_or_default());
        prose.push(' ');
        let url = trim_trailing(token.get(start..).unwrap_or_default());
        push_unique(links, url.to_string());
    } else if let Some(host_and_path) = bare_domain(token) {
        prose.push(' ');
        push_unique(links, format!("https://{host_and_path}"));
    } else {
        prose.push_str(token);
    }
}

/// Schemes that open something without `//`: a call, a text, a mail, a script, an
/// app store page. Any scheme followed by `//` is found without a list.
const OPAQUE_SCHEMES: &[&str] = &["mailto", "tel", "sms", "smsto", "mms", "javascript", "vbscript", "data", "intent", "market", "callto", "facetime", "file", "blob"];

/// Byte offset of the first link scheme in the token (`https://`, `line://`, `tel:`),
/// in any letter case. A scheme starts at the token's start or after a character
/// that cannot be part of it, so `Deny:https://…` yields `https://…`.
pub(super) fn find_scheme(token: &str) -> Option<usize> {
    let lower = token.to_ascii_lowercase();
    let starts = lower.char_indices().filter(|&(i, c)| c.is_ascii_alphabetic() && lower.get(..i).is_none_or(|before| !before.ends_with(is_scheme_char)));
    starts.map(|(i, _)| i).find(|&i| {
        let rest = lower.get(i..).unwrap_or_default();
        let name_len = rest.find(|c: char| !is_scheme_char(c)).unwrap_or(rest.len());
        let (name, after) = rest.split_at(name_len);
        match after.strip_prefix(':') {
            Some(tail) if tail.starts_with("//") => tail.len() > 2,
            Some(tail) => OPAQUE_SCHEMES.contains(&name) && !tail.is_empty(),
            None => false,
        }
    })
}

fn is_scheme_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')
}

/// Punctuation that ends a sentence rather than a link (a `]` only when the link
/// opened no `[`, as an IPv6 host does).
fn trim_trailing(s: &str) -> &str {
    let s = s.trim_end_matches(['.', ',', ';', ':', '!', '?', '*', '-']);
    if s.contains('[') { s } else { s.trim_end_matches([']', '.', ',', ';', ':', '!', '?', '*', '-']) }
}

/// `shop-example.com/login`, `@shop.example` or `help@evil.test` → the host (and
/// path) to check, if the token looks like a domain at all.
fn bare_domain(token: &str) -> Option<String> {
    let token = trim_trailing(token.trim_start_matches(['@', '.', '-', ':', '[']));
    let (host, path) = match token.find(['/', '?', '#']) {
        Some(i) => (token.get(..i)?, token.get(i..)?),
        None => (token, ""),
    };
    // An e-mail address names its domain after the last `@`.
    let host = host.rsplit('@').next()?;
    let host = host.split(':').next()?.to_lowercase();
    looks_like_domain(&host).then(|| format!("{host}{path}"))
}

/// At least two labels of letters, digits or hyphens, ending in an alphabetic label
/// that the Public Suffix List knows (`com`, `top`, `jp`) or a reserved example TLD.
fn looks_like_domain(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty() || !l.chars().all(|c| c.is_alphanumeric() || c == '-')) {
        return false;
    }
    let Some(tld) = labels.last() else { return false };
    if tld.chars().count() < 2 || !(tld.chars().all(char::is_alphabetic) || tld.starts_with("xn--")) {
        return false;
    }
    known_suffix(host) || matches!(*tld, "example" | "test" | "invalid" | "localhost")
}

fn known_suffix(host: &str) -> bool {
    psl::suffix(host.as_bytes()).is_some_and(|s| s.typ().is_some())
}

/// Pasted links may lack a scheme (`bit.ly/x`); they are read as web addresses.
pub(super) fn with_scheme(link: &str) -> Option<String> {
    let link = link.trim();
    if link.is_empty() {
        None
    } else if find_scheme(link) == Some(0) {
        Some(link.to_string())
    } else {
        Some(format!("https://{}", link.trim_start_matches('@')))
    }
}

fn push_unique(links: &mut Vec<String>, link: String) {
    if !links.contains(&link) {
        links.push(link);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links_of(text: &str) -> Vec<String> {
        extract(text, &[]).links
    }

    #[test]
    fn f_msg_3_extracts_urls_and_the_origin_bound_line() {
        let text = "Shop: 123456 sign-in code. Deny: https://shop.example/deny/abc.\n\n@shop.example #123456";
        assert_eq!(links_of(text), vec!["https://shop.example/deny/abc", "https://shop.example"]);
    }

    #[test]
    fn f_msg_3_extracts_urls_glued_to_japanese_text() {
        let text = "拒否：https://shop.example/deny/abcから。詳細はshop-example.comへ";
        assert_eq!(links_of(text), vec!["https://shop.example/deny/abc", "https://shop-example.com"]);
    }

    #[test]
    fn f_msg_3_extracts_bare_domains_and_email_addresses() {
        assert_eq!(links_of("Visit bit.ly/3xYz now"), vec!["https://bit.ly/3xYz"]);
        assert_eq!(links_of("Write to help@shop-secure.top."), vec!["https://shop-secure.top"]);
        assert_eq!(links_of("HTTPS://Evil.test/x"), vec!["HTTPS://Evil.test/x"]);
    }

    #[test]
    fn f_msg_3_finds_links_of_any_scheme() {
        let text = "Open intent://shop.example/login#Intent;scheme=https;end or call tel:+15550100, text sms:+15550100?body=code \
            or javascript:alert(1) or LINE://ti/p/abc or ftp://evil.test/x and 拒否：mailto:help@evil.test";
        assert_eq!(
            links_of(text),
            vec![
                "intent://shop.example/login#Intent;scheme=https;end",
                "tel:+15550100",
                "sms:+15550100?body=code",
                "javascript:alert", // `(` ends a token; the scheme is what counts
                "LINE://ti/p/abc",
                "ftp://evil.test/x",
                "mailto:help@evil.test",
            ]
        );
        let pasted = extract("", &["tel:+15550100".to_string(), "line://ti/p/abc".to_string()]);
        assert_eq!(pasted.links, vec!["tel:+15550100", "line://ti/p/abc"]);
    }

    #[test]
    fn f_msg_3_words_with_colons_are_not_schemes() {
        assert!(links_of("Deny: Code:123456 Note: SMS: sms: TEL: 10:30").is_empty(), "{:?}", links_of("Deny: Code:123456 Note: SMS: sms: TEL: 10:30"));
        assert_eq!(links_of("Deny:https://shop.example/deny/x"), vec!["https://shop.example/deny/x"]);
    }

    #[test]
    fn f_msg_3_keeps_ipv6_hosts_whole() {
        assert_eq!(links_of("Deny: http://[::1]:8080/deny/abc. [see http://evil.test/x]"), vec!["http://[::1]:8080/deny/abc", "http://evil.test/x"]);
    }

    #[test]
    fn f_msg_3_keeps_unicode_lookalike_hosts_whole() {
        assert_eq!(links_of("go to shоp.example/login"), vec!["https://shоp.example/login"]);
    }

    #[test]
    fn f_msg_3_ignores_words_with_dots_that_are_not_domains() {
        assert!(links_of("e.g. version 3.5, Mr.Smith, No.1, index.html").is_empty());
    }

    #[test]
    fn f_msg_3_adds_pasted_links_and_removes_links_from_prose() {
        let found = extract("Click https://evil.test/a now", &["bit.ly/q".to_string(), "https://evil.test/a".to_string()]);
        assert_eq!(found.links, vec!["https://evil.test/a", "https://bit.ly/q"]);
        assert!(!found.prose.contains("evil"));
        assert!(found.prose.contains("Click") && found.prose.contains("now"));
    }
}
