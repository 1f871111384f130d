//! Decides whether a host name imitates one of the shop's domains, and whether a name
//! mixes alphabets. Characters are compared through their UTS 39 confusable skeleton
//! (`unicode-security`), so Cyrillic `о`, digit `0` and Latin `o` count as the same
//! letter, and `rn` as `m`.
//!
//! Resemblance is a sharper name for a link that is already not official: it never
//! turns an official link into a suspicious one. Parsing links belongs to `links`.

use unicode_security::{MixedScript, skeleton};

/// The official domain that a host imitates, if any. `unicode` is the host as a
/// phone displays it (punycode decoded); it is not an official domain itself.
pub(super) fn imitates(unicode: &str, official: &[String]) -> Option<String> {
    official
        .iter()
        .map(|o| super::links::registrable_of_configured(o))
        .find(|o| resembles(unicode, o))
}

/// True when any label of the name mixes scripts (UTS 39 "single script" fails).
pub(super) fn is_mixed_script(name: &str) -> bool {
    name.split('.').any(|label| !label.is_single_script())
}

fn resembles(unicode: &str, official: &str) -> bool {
    let Some(official_name) = without_suffix(official).filter(|n| !n.is_empty()) else {
        return false;
    };
    let official_name = skel(official_name);
    let whole = skel(unicode);
    let rest = without_suffix(unicode).map(skel).unwrap_or_else(|| whole.clone());
    let name = super::links::registrable(unicode).as_deref().and_then(without_suffix).map(skel).unwrap_or_else(|| rest.clone());
    // `shop.example.secure-login.top`, `shоp.example` (Cyrillic о), `myshop.example.net`
    whole.contains(&skel(official))
        // `shop-example.com`, `shopexample-login.jp`
        || squash(&rest).contains(&squash(&skel(official)))
        // `sh0p.example`, `shoop.example`, `sohp.net`
        || distance(&name, &official_name) <= allowed_edits(&official_name)
        // `shopp-exampel.com`
        || distance(&squash(&rest), &squash(&skel(official))) <= allowed_edits(&squash(&skel(official)))
        // `secure-shop.net`, `shop.account-verify.top`
        || rest.split(['.', '-']).any(|part| part == official_name)
}

/// Two edits on a long name; one on a short name, where two would match unrelated
/// words (`top`, `ship`, `hope` are all within two edits of `shop`).
fn allowed_edits(name: &str) -> usize {
    if name.chars().count() >= 6 { 2 } else { 1 }
}

/// The name without its public suffix: `shop.example.secure-login.top` → `shop.example.secure-login`.
fn without_suffix(name: &str) -> Option<&str> {
    let suffix = psl::suffix_str(name)?;
    name.strip_suffix(suffix)?.strip_suffix('.')
}

/// The UTS 39 skeleton, lowercased so that `0` (skeleton `O`) and `o` agree.
fn skel(s: &str) -> String {
    skeleton(s).flat_map(char::to_lowercase).collect()
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !matches!(c, '.' | '-')).collect()
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions and
/// swaps of neighbours each cost one (`sohp` is one edit from `shop`).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    for i in 0..=a.len() {
        d[at(i, 0)] = i;
    }
    for j in 0..=b.len() {
        d[at(0, j)] = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[at(i - 1, j)] + 1).min(d[at(i, j - 1)] + 1).min(d[at(i - 1, j - 1)] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[at(i - 2, j - 2)] + 1);
            }
            d[at(i, j)] = best;
        }
    }
    d[at(a.len(), b.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imitates_shop(host: &str) -> bool {
        let unicode = super::super::links::to_unicode(host);
        imitates(&unicode, &["shop.example".to_string()]).is_some()
    }

    #[test]
    fn f_msg_3_lookalike_by_skeleton() {
        assert!(imitates_shop("xn--shp-ted.example")); // Cyrillic о
        assert!(imitates_shop("sh0p.example"));
        assert_eq!(skel("rn"), skel("m"));
        assert_eq!(skel("sh0p"), skel("shоp"));
    }

    #[test]
    fn f_msg_3_lookalike_by_embedding_or_squashing() {
        assert!(imitates_shop("shop.example.secure-login.top"));
        assert!(imitates_shop("shop-example.com"));
        assert!(imitates_shop("shopexample-login.jp"));
        assert!(imitates_shop("secure-shop.net"));
    }

    #[test]
    fn f_msg_3_lookalike_by_edit_distance() {
        assert!(imitates_shop("shoop.example"));
        assert!(imitates_shop("sohp.net"));
        assert!(imitates_shop("shopp-exampel.com"));
        assert_eq!(distance("shop", "sohp"), 1);
        assert_eq!(distance("shopexample", "shoppexampel"), 2);
    }

    #[test]
    fn f_msg_3_unrelated_domains_do_not_resemble() {
        for host in ["evil.test", "bit.ly", "top.example", "example.com", "mail.google.com", "secure-login.top"] {
            assert!(!imitates_shop(host), "{host}");
        }
    }

    #[test]
    fn f_msg_3_mixed_script_detection() {
        assert!(is_mixed_script("shоp.example"));
        assert!(!is_mixed_script("shop.example"));
        assert!(!is_mixed_script("ショップ.example"));
    }
}
