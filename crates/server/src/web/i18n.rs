//! Page text in four languages (F-ACC-4, F-MSG-5), from `locales/{lang}/pages.ftl`,
//! and how a page picks its language: the switch's cookie, then the account's
//! language, then `Accept-Language`, then English.
//!
//! Message text (what is sent) lives in `ninsho-delivery`; this is only what pages show.

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use ninsho_domain::types::Locale;

pub const SOURCES: [(Locale, &str); 4] = [
    (Locale::En, include_str!("../../../../locales/en/pages.ftl")),
    (Locale::Ja, include_str!("../../../../locales/ja/pages.ftl")),
    (Locale::Zh, include_str!("../../../../locales/zh/pages.ftl")),
    (Locale::Fr, include_str!("../../../../locales/fr/pages.ftl")),
];

struct Bundles(Vec<(Locale, FluentBundle<FluentResource>)>);

static BUNDLES: LazyLock<Bundles> = LazyLock::new(|| {
    let mut v = Vec::new();
    for (locale, src) in SOURCES {
        // Syntax errors leave the broken entries out; the test suite refuses them.
        let res = FluentResource::try_new(src.to_string()).unwrap_or_else(|(res, _)| res);
        let Ok(lang) = locale.as_str().parse() else { continue };
        let mut b = FluentBundle::new_concurrent(vec![lang]);
        b.set_use_isolating(false);
        let _ = b.add_resource(res);
        v.push((locale, b));
    }
    Bundles(v)
});

/// A page's translator. A missing key renders as `⟦key⟧` so that the all-pages test
/// sees it; nothing else falls back silently.
#[derive(Clone, Copy, Debug)]
pub struct Tr {
    pub locale: Locale,
}

impl Tr {
    pub fn new(locale: Locale) -> Self {
        Tr { locale }
    }

    pub fn t(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// With one variable, as templates need: `t1("key", "name", value)`.
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), value.to_string());
        self.format(key, Some(&args))
    }

    /// With several variables: `tn("key", &[("browser", b), ("os", o)])`.
    pub fn tn(&self, key: &str, vars: &[(&str, &str)]) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in vars {
            args.set(name.to_string(), value.to_string());
        }
        self.format(key, Some(&args))
    }

    /// A length of time in whole units, rounded up ("24時間", never "1440分" or "0分").
    pub fn span(&self, span: ninsho_domain::messages::Span) -> String {
        let (key, n) = span.id_and_count();
        let mut args = FluentArgs::new();
        // A number, not a string: Fluent picks the plural form by it ("1 hour").
        args.set("n", n);
        self.format(key, Some(&args))
    }

    /// A phone number as people name theirs: by its last digits ("末尾5678").
    pub fn phone_tail(&self, tail: &str) -> String {
        self.t1("phone-tail", "tail", tail)
    }

    pub fn has(&self, key: &str) -> bool {
        bundle(self.locale).is_some_and(|b| b.get_message(key).is_some_and(|m| m.value().is_some()))
    }

    fn format(&self, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let Some(b) = bundle(self.locale) else { return format!("⟦{key}⟧") };
        let Some(pattern) = b.get_message(key).and_then(|m| m.value()) else { return format!("⟦{key}⟧") };
        let mut errors = Vec::new();
        let s = b.format_pattern(pattern, args, &mut errors);
        if errors.is_empty() { s.into_owned() } else { format!("⟦{key}⟧") }
    }
}

fn bundle(locale: Locale) -> Option<&'static FluentBundle<FluentResource>> {
    BUNDLES.0.iter().find(|(l, _)| *l == locale).map(|(_, b)| b)
}

/// Every key of a language's file, for the completeness test.
pub fn keys(locale: Locale) -> Vec<String> {
    let src = SOURCES.iter().find(|(l, _)| *l == locale).map(|(_, s)| *s).unwrap_or("");
    let res = FluentResource::try_new(src.to_string()).unwrap_or_else(|(res, _)| res);
    res.entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect()
}

/// The first supported language of an `Accept-Language` header, by q-value.
pub fn from_accept_language(header: &str) -> Option<Locale> {
    let mut best: Option<(f32, Locale)> = None;
    for part in header.split(',').take(20) {
        let mut it = part.split(';');
        let tag = it.next().unwrap_or("").trim();
        let q = it.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
        if let Some(l) = Locale::parse(tag)
            && best.is_none_or(|(bq, _)| q > bq)
        {
            best = Some((q, l));
        }
    }
    best.map(|(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_acc_4_accept_language_picks_the_best_supported_language() {
        assert_eq!(from_accept_language("de-DE,ja;q=0.8,en;q=0.5"), Some(Locale::Ja));
        assert_eq!(from_accept_language("zh-CN"), Some(Locale::Zh));
        assert_eq!(from_accept_language("de, it"), None);
        assert_eq!(from_accept_language("en;q=0.2, fr;q=0.9"), Some(Locale::Fr));
    }

    #[test]
    fn f_msg_5_every_language_has_every_page_key_and_no_stray_one() {
        let en = keys(Locale::En);
        assert!(en.len() > 100, "the English page file is loaded");
        // Every event kind is named in the history and at the console, staff's own too.
        for kind in ninsho_domain::types::EventKind::ALL {
            let key = crate::web::pages::devices::event_key(kind);
            assert!(en.contains(&key), "no text for the event kind {}", kind.as_str());
        }
        for action in ninsho_domain::staff::StaffAction::ALL {
            let key = format!("staff-action-{}", action.as_str().replace('_', "-"));
            assert!(en.contains(&key), "no text for the staff action {}", action.as_str());
        }
        for l in Locale::ALL {
            let tr = Tr::new(l);
            let missing: Vec<&String> = en.iter().filter(|k| !tr.has(k)).collect();
            assert!(missing.is_empty(), "{}: missing {missing:?}", l.as_str());
            let extra: Vec<String> = keys(l).into_iter().filter(|k| !en.contains(k)).collect();
            assert!(extra.is_empty(), "{}: keys English lacks {extra:?}", l.as_str());
            if l != Locale::En {
                // A value identical to English is an untranslated copy, except these.
                let same_on_purpose = ["channel-sms"];
                let en_tr = Tr::new(Locale::En);
                let copied: Vec<&String> = en.iter().filter(|k| !same_on_purpose.contains(&k.as_str()) && tr.t(k) == en_tr.t(k) && !tr.t(k).contains('⟦')).collect();
                assert!(copied.is_empty(), "{}: English left in {copied:?}", l.as_str());
            }
            let src = SOURCES.iter().find(|(x, _)| *x == l).map(|(_, s)| *s).unwrap_or("");
            assert!(FluentResource::try_new(src.to_string()).is_ok(), "{}: syntax errors", l.as_str());
        }
    }
}
