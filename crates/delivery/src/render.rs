//! Turns a message intent into text with the Fluent files under `locales/` (F-MSG-5:
//! a language is a folder). Every code message says whose code it is and not to share
//! it, carries the deny link, and by SMS ends with the origin-bound line `@host #code`
//! (F-OTP-4, F-OTP-7), which is added here, outside translation, so no locale can
//! drop it. Voice reads the digits one by one, twice.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, LazyLock};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use ninsho_domain::messages::{Detail, Span, Template};
use ninsho_domain::reason::StepUpReason;
use ninsho_domain::types::{Channel, Locale};

#[derive(Clone, Debug)]
pub struct Rendered {
    pub subject: Option<String>,
    pub body: String,
}

/// The translations, one bundle per language.
pub struct Catalog {
    bundles: Vec<(Locale, FluentBundle<FluentResource>)>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Catalog(..)")
    }
}

const EMBEDDED: [(Locale, &str); 4] = [
    (Locale::En, include_str!("../../../locales/en/messages.ftl")),
    (Locale::Ja, include_str!("../../../locales/ja/messages.ftl")),
    (Locale::Zh, include_str!("../../../locales/zh/messages.ftl")),
    (Locale::Fr, include_str!("../../../locales/fr/messages.ftl")),
];

static DEFAULT: LazyLock<Arc<Catalog>> = LazyLock::new(|| match Catalog::load(None) {
    Ok(c) => Arc::new(c),
    // The embedded files are checked by the tests; an empty catalog renders ids.
    Err(_) => Arc::new(Catalog { bundles: vec![] }),
});

impl Catalog {
    /// The shipped files, or `dir/{lang}/messages.ftl` where an operator provides one.
    pub fn load(override_dir: Option<&Path>) -> Result<Catalog, String> {
        let mut bundles = Vec::new();
        for (locale, embedded) in EMBEDDED {
            let source = match override_dir.map(|d| d.join(locale.as_str()).join("messages.ftl")) {
                Some(p) if p.exists() => std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?,
                _ => embedded.to_string(),
            };
            let res = FluentResource::try_new(source).map_err(|(_, errs)| format!("{}: {} syntax errors", locale.as_str(), errs.len()))?;
            let lang = locale.as_str().parse().map_err(|_| format!("bad language tag {}", locale.as_str()))?;
            let mut bundle = FluentBundle::new_concurrent(vec![lang]);
            // Bidi isolation marks would end up inside SMS text and codes.
            bundle.set_use_isolating(false);
            bundle.add_resource(res).map_err(|e| format!("{}: {} duplicate ids", locale.as_str(), e.len()))?;
            bundles.push((locale, bundle));
        }
        Ok(Catalog { bundles })
    }

    pub fn shipped() -> Arc<Catalog> {
        DEFAULT.clone()
    }

    fn bundle(&self, locale: Locale) -> Option<&FluentBundle<FluentResource>> {
        self.bundles.iter().find(|(l, _)| *l == locale).map(|(_, b)| b)
    }

    /// Whether `locale` has message `id` (the missing-key test asks this).
    pub fn has(&self, locale: Locale, id: &str) -> bool {
        self.bundle(locale).is_some_and(|b| b.get_message(id).is_some_and(|m| m.value().is_some()))
    }

    /// One message, or `None` when the language lacks it.
    fn text(&self, locale: Locale, id: &str, args: &FluentArgs<'_>) -> Option<String> {
        let bundle = self.bundle(locale)?;
        let pattern = bundle.get_message(id)?.value()?;
        let mut errors = Vec::new();
        let s = bundle.format_pattern(pattern, Some(args), &mut errors);
        errors.is_empty().then(|| s.into_owned())
    }

    /// The message in the account's language, else English: a missing translation
    /// must not stop a code from being sent (the test suite refuses missing keys).
    fn text_or_en(&self, locale: Locale, id: &str, args: &FluentArgs<'_>) -> String {
        self.text(locale, id, args).or_else(|| self.text(Locale::En, id, args)).unwrap_or_else(|| id.to_string())
    }

    /// The message ids a template needs on a channel.
    pub fn ids(template: Template, channel: Channel) -> Vec<String> {
        let t = template.id();
        if template == Template::DeliveryCode {
            return match channel {
                Channel::Email => vec![format!("{t}-email"), format!("{t}-email-subject")],
                c => vec![format!("{t}-{}", c.as_str())],
            };
        }
        if template.carries_code() {
            let mut v = vec![format!("{t}-what")];
            match channel {
                Channel::Sms => v.push("code-sms".into()),
                Channel::Voice => v.push("code-voice".into()),
                Channel::Email => v.extend(["code-email".to_string(), "code-email-subject".to_string()]),
            }
            v
        } else if channel == Channel::Email {
            vec![t.to_string(), format!("{t}-subject")]
        } else {
            vec![t.to_string()]
        }
    }

    /// A span ("24時間", "45 seconds") in `locale`.
    pub fn span(&self, locale: Locale, span: Span) -> String {
        let (id, n) = span.id_and_count();
        let mut args = FluentArgs::new();
        args.set("n", n);
        self.text_or_en(locale, id, &args)
    }

    /// A notice's typed detail (`Detail`'s variables) in `locale`; `None` when the
    /// message carries none, or an older free-text `detail` (a device's name).
    fn detail(&self, locale: Locale, vars: &BTreeMap<String, String>) -> Option<String> {
        let var = |k: &str| vars.get(k).map(String::as_str).unwrap_or("");
        let method = |args: &mut FluentArgs<'_>| {
            args.set("method", var("method").to_string());
            args.set("tail", var("tail").to_string());
            self.text_or_en(locale, "method-name", args)
        };
        let mut args = FluentArgs::new();
        match vars.get("detail_kind")?.as_str() {
            Detail::KIND_METHOD => Some(method(&mut args)),
            Detail::KIND_LOCKED_OUT => {
                let name = method(&mut args);
                args.set("name", name);
                Some(self.text_or_en(locale, "detail-locked-out", &args))
            }
            Detail::KIND_PHONE_CHANGED => {
                let tail = |t: &str| {
                    let mut a = FluentArgs::new();
                    a.set("tail", t.to_string());
                    self.text_or_en(locale, "phone-tail", &a)
                };
                args.set("from", tail(var("from_tail")));
                args.set("to", tail(var("to_tail")));
                Some(self.text_or_en(locale, "detail-phone-changed", &args))
            }
            Detail::KIND_REASON => Some(var("reason").to_string()),
            Detail::KIND_ADDRESS => Some(var("address").to_string()),
            _ => None,
        }
    }

    /// What a service's step-up confirms, in `locale` (F-INT-3): ninsho's words for
    /// the kinds it knows, the service's own words as written.
    pub fn reason(&self, locale: Locale, reason: &StepUpReason) -> String {
        let mut args = FluentArgs::new();
        match reason {
            StepUpReason::Order { amount } => {
                args.set("amount", amount.format(locale));
                self.text_or_en(locale, "reason-order", &args)
            }
            StepUpReason::PaymentMethod => self.text_or_en(locale, "reason-payment-method", &args),
            StepUpReason::DeliveryAddress => self.text_or_en(locale, "reason-delivery-address", &args),
            StepUpReason::Text { text } => text.clone(),
        }
    }

    pub fn render(&self, template: Template, locale: Locale, channel: Channel, vars: &BTreeMap<String, String>) -> Rendered {
        let mut args = FluentArgs::new();
        for (k, v) in vars {
            args.set(k.as_str(), v.as_str());
        }
        if let Some(r) = StepUpReason::from_vars(|k| vars.get(k).cloned()) {
            args.set("reason", self.reason(locale, &r));
        }
        if let Some(d) = self.detail(locale, vars) {
            args.set("detail", d);
        }
        // How long it is valid: `valid_secs`, or a message queued before it existed.
        let valid = vars.get("valid_secs").and_then(|s| s.parse::<i64>().ok()).or_else(|| vars.get("minutes").and_then(|m| m.parse::<i64>().ok()).map(|m| m * 60));
        if let Some(secs) = valid {
            args.set("validity", self.span(locale, Span::round_up(secs)));
        }
        let var = |k: &str| vars.get(k).map(String::as_str).unwrap_or("");
        if template.carries_code() {
            // Delivery codes have their own wording ("tell only the courier").
            let prefix = if template == Template::DeliveryCode { template.id() } else { "code" };
            if template != Template::DeliveryCode {
                args.set("what", self.text_or_en(locale, &format!("{}-what", template.id()), &args));
            }
            args.set("spoken", spoken(var("code")));
            let sms = |args: &FluentArgs<'_>| format!("{}\n\n@{} #{}", self.text_or_en(locale, &format!("{prefix}-sms"), args), var("origin_host"), var("code"));
            return match channel {
                Channel::Sms => {
                    let mut body = sms(&args);
                    // A service's own words may not fit a text message in the script
                    // they need (F-INT-3): the SMS then names the shop's request, and
                    // the words stay on the code page and in e-mail.
                    if template == Template::ServiceStepUpCode && crate::sms::segments(&body).1 > crate::sms::MAX_SEGMENTS {
                        let mut plain = FluentArgs::new();
                        plain.set("issuer", var("issuer").to_string());
                        args.set("reason", self.text_or_en(locale, "reason-request", &plain));
                        args.set("what", self.text_or_en(locale, &format!("{}-what", template.id()), &args));
                        body = sms(&args);
                    }
                    Rendered { subject: None, body }
                }
                Channel::Voice => Rendered { subject: None, body: self.text_or_en(locale, &format!("{prefix}-voice"), &args) },
                Channel::Email => Rendered {
                    subject: Some(self.text_or_en(locale, &format!("{prefix}-email-subject"), &args)),
                    body: self.text_or_en(locale, &format!("{prefix}-email"), &args),
                },
            };
        }
        let id = template.id();
        let body = self.text_or_en(locale, id, &args);
        // F-OTP-4: every SMS begins with the shop's name, as the code texts do; added
        // here so no translation or operator override can leave a nameless text.
        let issuer = var("issuer");
        let body = if channel == Channel::Sms && !issuer.is_empty() && !body.starts_with(issuer) {
            let colon = if locale == Locale::Fr { " : " } else { ": " };
            format!("{issuer}{colon}{body}")
        } else {
            body
        };
        Rendered { subject: (channel == Channel::Email).then(|| self.text_or_en(locale, &format!("{id}-subject"), &args)), body }
    }
}

/// Digits one by one, for a voice call: "1, 2, 3, 4, 5, 6".
fn spoken(code: &str) -> String {
    code.chars().map(String::from).collect::<Vec<_>>().join(", ")
}

/// A step-up's reason with the shipped catalog (the hosted code page shows it too).
pub fn reason(locale: Locale, reason: &StepUpReason) -> String {
    DEFAULT.reason(locale, reason)
}

/// Renders with the shipped catalog.
pub fn render(template: Template, locale: Locale, channel: Channel, vars: &BTreeMap<String, String>) -> Rendered {
    DEFAULT.render(template, locale, channel, vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<String, String> {
        [
            ("code", "123456"),
            ("issuer", "Shop"),
            ("origin_host", "shop.example"),
            ("deny_url", "https://shop.example/deny/x"),
            ("valid_secs", "600"),
            ("detail_kind", "method"),
            ("method", "phone"),
            ("tail", "5678"),
            ("count", "12"),
            ("url", "https://shop.example"),
            ("approve_url", "https://shop.example/approve/x"),
            ("reason_kind", "order"),
            ("amount_minor", "150000"),
            ("currency", "JPY"),
            ("until", "2026-12-01 18:30 JST"),
            ("support", "https://shop.example/help"),
            ("when", "2026-12-01 09:15 JST"),
            ("password_url", "https://shop.example/forgot-password"),
            ("org", "Acme"),
            ("inviter", "boss@shop.example"),
            ("role", "admin"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    const CHANNELS: [Channel; 3] = [Channel::Sms, Channel::Voice, Channel::Email];

    /// The words typed details and spans are made of.
    const PARTS: [&str; 12] = [
        "phone-tail",
        "method-name",
        "detail-locked-out",
        "detail-phone-changed",
        "span-seconds",
        "span-minutes",
        "span-hours",
        "span-days",
        "reason-order",
        "reason-payment-method",
        "reason-delivery-address",
        "reason-request",
    ];

    #[test]
    fn f_msg_5_every_language_has_every_message() {
        let c = Catalog::load(None).unwrap();
        for id in PARTS {
            for l in Locale::ALL {
                assert!(c.has(l, id), "{} lacks {id}", l.as_str());
            }
        }
        for t in Template::ALL {
            for ch in CHANNELS {
                for id in Catalog::ids(t, ch) {
                    for l in Locale::ALL {
                        assert!(c.has(l, &id), "{} lacks {id}", l.as_str());
                    }
                }
            }
        }
    }

    #[test]
    fn f_otp_4_and_f_otp_7_every_code_message_is_complete_in_every_language() {
        for t in Template::ALL.into_iter().filter(|t| t.carries_code()) {
            for l in Locale::ALL {
                let sms = render(t, l, Channel::Sms, &vars()).body;
                assert!(sms.ends_with("\n\n@shop.example #123456"), "{t:?} {l:?}: {sms}");
                assert!(sms.contains("https://shop.example/deny/x"));
                assert!(sms.starts_with("Shop"));
                let mail = render(t, l, Channel::Email, &vars());
                assert!(mail.subject.is_some() && mail.body.contains("123456") && mail.body.contains("/deny/x"));
                let voice = render(t, l, Channel::Voice, &vars()).body;
                assert_eq!(voice.matches("1, 2, 3, 4, 5, 6").count(), 2, "digits said twice: {voice}");
                for text in [&sms, &mail.body, &voice] {
                    assert!(!text.contains('\u{2068}') && !text.contains('\u{2069}'), "no bidi marks");
                }
            }
        }
    }

    #[test]
    fn f_otp_4_the_dont_share_sentence_is_in_the_account_language() {
        let want = [(Locale::En, "Don't share"), (Locale::Ja, "誰にも教えないでください"), (Locale::Zh, "请勿"), (Locale::Fr, "Ne le communiquez")];
        for (l, phrase) in want {
            for ch in CHANNELS {
                let r = render(Template::SignInCode, l, ch, &vars());
                assert!(!render(Template::DeliveryCode, l, ch, &vars()).body.contains(phrase), "a delivery code is told to the courier");
                assert!(r.body.contains(phrase), "{l:?} {ch:?}: {}", r.body);
            }
        }
    }

    fn all_details() -> Vec<Vec<(&'static str, &'static str)>> {
        let mut out = vec![];
        for kind in ["phone", "totp", "email", "backup_codes"] {
            for dk in ["method", "locked_out"] {
                out.push(vec![("detail_kind", dk), ("method", kind), ("tail", "5678")]);
            }
        }
        out.push(vec![("detail_kind", "phone_changed"), ("from_tail", "1234"), ("to_tail", "5678")]);
        out
    }

    /// Issue 11.7: a notice names what changed in words of its language; a raw method
    /// key (`phone`, `totp`, `backup_codes`) reads like a phishing template's slot.
    #[test]
    fn f_msg_5_no_method_key_appears_in_any_language() {
        for t in Template::ALL {
            for l in Locale::ALL {
                for ch in CHANNELS {
                    for d in all_details() {
                        let mut v = vars();
                        v.retain(|k, _| !["detail_kind", "method", "tail"].contains(&k.as_str()));
                        v.extend(d.iter().map(|(k, x)| (k.to_string(), x.to_string())));
                        let r = render(t, l, ch, &v);
                        let text = format!("{} {}", r.subject.unwrap_or_default(), r.body).replace("phone number", "").replace("téléphone", "");
                        for key in ["phone", "totp", "backup_codes", "locked_out", "phone_changed", "{", "}"] {
                            assert!(!text.contains(key), "{t:?} {l:?} {ch:?} {d:?}: {key} in {text}");
                        }
                    }
                }
            }
        }
        // The phone change names both numbers by their tails.
        let mut v = vars();
        v.extend([("detail_kind", "phone_changed"), ("from_tail", "1234"), ("to_tail", "5678")].map(|(k, x)| (k.to_string(), x.to_string())));
        let ja = render(Template::PhoneChanged, Locale::Ja, Channel::Sms, &v).body;
        assert!(ja.contains("変更されました(末尾1234 → 末尾5678)"), "{ja}");
        let en = render(Template::PhoneChanged, Locale::En, Channel::Email, &v).body;
        assert!(en.contains("changed (ending in 1234 → ending in 5678)"), "{en}");
    }

    /// F-OTP-4: every SMS, code or notice, starts with the shop's name.
    #[test]
    fn f_msg_5_every_sms_starts_with_the_shop_name() {
        for t in Template::ALL.into_iter().filter(|t| !t.email_only()) {
            for l in Locale::ALL {
                let sms = render(t, l, Channel::Sms, &vars()).body;
                assert!(sms.starts_with("Shop: ") || (l == Locale::Fr && sms.starts_with("Shop : ")), "{t:?} {l:?}: {sms}");
            }
        }
    }

    /// F-INT-3: a service's step-up says what is confirmed, in the account's language,
    /// and fits its SMS even with the longest words a service may send.
    #[test]
    fn f_int_3_the_step_up_message_says_what_is_confirmed() {
        let sms = |l| render(Template::ServiceStepUpCode, l, Channel::Sms, &vars()).body;
        assert!(sms(Locale::Ja).starts_with("Shop: ご注文（¥150,000）の確認コードは 123456 です。"), "{}", sms(Locale::Ja));
        assert!(sms(Locale::En).starts_with("Shop: 123456 is your code to confirm your order of ¥150,000."), "{}", sms(Locale::En));
        assert!(sms(Locale::Zh).contains("JP¥150,000"), "{}", sms(Locale::Zh));
        assert!(sms(Locale::Fr).contains("votre commande de 150\u{202F}000\u{a0}¥"), "{}", sms(Locale::Fr));
        let mail = render(Template::ServiceStepUpCode, Locale::Ja, Channel::Email, &vars());
        assert!(mail.subject.as_deref().is_some_and(|s| s.contains("ご注文（¥150,000）")), "{mail:?}");
        let max = crate::dispatcher::DispatchConfig::default().max_sms_segments;
        let mut v = vars();
        v.insert("reason_kind".into(), "text".into());
        v.insert("deny_url".into(), format!("https://shop.example/deny/{}.{}", "0".repeat(32), "A".repeat(22)));
        for (l, ch, n, fits) in [(Locale::Ja, '確', 20, true), (Locale::En, 'x', 80, true), (Locale::Ja, '確', 80, false), (Locale::En, '確', 20, false)] {
            let words: String = std::iter::repeat_n(ch, n).collect();
            v.insert("reason_text".into(), words.clone());
            let body = render(Template::ServiceStepUpCode, l, Channel::Sms, &v).body;
            assert_eq!(body.contains(&words), fits, "{l:?} {n}: {body}");
            if !fits {
                assert!(body.contains(if l == Locale::Ja { "Shopからのご依頼" } else { "a request from Shop" }), "the shop's request, named: {body}");
                let mail = render(Template::ServiceStepUpCode, l, Channel::Email, &v);
                assert!(mail.body.contains(&words), "e-mail keeps the words: {}", mail.body);
            }
            let (enc, parts) = crate::sms::segments(&body);
            assert!(parts <= max, "{l:?}: {parts} {enc:?} segments > {max}: {body}");
        }
    }

    /// F-OTP-1 / F-LIMIT-1: a validity reads in whole units, never "0 minutes".
    #[test]
    fn f_otp_1_a_codes_validity_never_reads_zero_minutes() {
        let with = |secs: &str| {
            let mut v = vars();
            v.insert("valid_secs".into(), secs.into());
            v
        };
        let r = |l, secs| render(Template::SignInCode, l, Channel::Email, &with(secs)).body;
        assert!(r(Locale::En, "45").contains("valid for 45 seconds"), "{}", r(Locale::En, "45"));
        assert!(r(Locale::Ja, "45").contains("有効期限は45秒です"), "{}", r(Locale::Ja, "45"));
        assert!(r(Locale::Ja, "86400").contains("有効期限は24時間です"), "{}", r(Locale::Ja, "86400"));
        assert!(r(Locale::En, "600").contains("valid for 10 minutes"));
        assert!(r(Locale::En, "60").contains("valid for 1 minute."));
        for l in Locale::ALL {
            for secs in ["1", "30", "59", "600", "86400"] {
                let body = r(l, secs);
                assert!(!body.contains(" 0 ") && !body.contains("は0分") && !body.contains("为0") && !body.contains("1440"), "{l:?} {secs}: {body}");
            }
        }
        // A message queued before `valid_secs` existed still reads right.
        let mut old = vars();
        old.remove("valid_secs");
        old.insert("minutes".into(), "10".into());
        assert!(render(Template::SignInCode, Locale::Ja, Channel::Email, &old).body.contains("有効期限は10分です"));
    }

    /// Every SMS fits the configured maximum number of segments, with a deny link as
    /// long as a real one (GSM-7 for en/fr where possible, UCS-2 for ja/zh).
    #[test]
    fn f_msg_5_every_sms_fits_the_configured_segments() {
        let max = crate::dispatcher::DispatchConfig::default().max_sms_segments;
        let mut v = vars();
        v.insert("deny_url".into(), format!("https://shop.example/deny/{}.{}", "0".repeat(32), "A".repeat(22)));
        for t in Template::ALL.into_iter().filter(|t| !t.email_only()) {
            for l in Locale::ALL {
                let sms = render(t, l, Channel::Sms, &v).body;
                let (enc, n) = crate::sms::segments(&sms);
                assert!(n <= max, "{t:?} {l:?}: {n} {enc:?} segments > {max}: {sms}");
                if matches!(l, Locale::Ja | Locale::Zh) {
                    assert_eq!(enc, crate::sms::Encoding::Ucs2);
                }
            }
        }
        // The English sign-in code goes as GSM-7.
        let (enc, _) = crate::sms::segments(&render(Template::SignInCode, Locale::En, Channel::Sms, &v).body);
        assert_eq!(enc, crate::sms::Encoding::Gsm7);
    }

    /// Snapshot of every kind × language × channel: `crates/delivery/snapshots/`.
    /// Regenerate with `NINSHO_UPDATE_SNAPSHOTS=1` after a deliberate wording change.
    #[test]
    fn f_msg_5_snapshots_of_every_message() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
        let update = std::env::var("NINSHO_UPDATE_SNAPSHOTS").is_ok();
        let mut mismatches = Vec::new();
        for t in Template::ALL {
            for l in Locale::ALL {
                for ch in CHANNELS {
                    let r = render(t, l, ch, &vars());
                    let text = format!("subject: {}\n---\n{}\n", r.subject.as_deref().unwrap_or("-"), r.body);
                    let path = dir.join(format!("{}.{}.{}.txt", t.id(), l.as_str(), ch.as_str()));
                    if update {
                        std::fs::create_dir_all(&dir).unwrap();
                        std::fs::write(&path, &text).unwrap();
                    } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                        mismatches.push(path.display().to_string());
                    }
                }
            }
        }
        assert!(mismatches.is_empty(), "changed or missing snapshots: {mismatches:?}");
    }

    #[test]
    fn f_msg_5_an_operator_override_replaces_a_language() {
        let dir = std::env::temp_dir().join(format!("ninsho-ftl-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("en")).unwrap();
        let src = include_str!("../../../locales/en/messages.ftl").replace("Don't share it with anyone.", "Never tell anyone.");
        std::fs::write(dir.join("en/messages.ftl"), src).unwrap();
        let c = Catalog::load(Some(&dir)).unwrap();
        assert!(c.render(Template::SignInCode, Locale::En, Channel::Sms, &vars()).body.contains("Never tell anyone."));
        assert!(c.render(Template::SignInCode, Locale::Ja, Channel::Sms, &vars()).body.contains("誰にも"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[cfg(test)]
mod authenticity_of_our_own_messages {
    use super::*;
    use ninsho_domain::authenticity::{OfficialSenders, Received, SentRecord, Verdict, check};
    use ninsho_domain::types::{ChallengeId, UnixMillis};

    /// Every template in every language on both channels, rendered for a server at
    /// `public_url`, checked as received from `sms_from` / `mail_from`.
    fn assert_all_genuine(official: &OfficialSenders, public_url: &str, origin_host: &str, sms_from: &str, mail_from: &str) {
        let token = "0190f1e400007000800000000000000a.AbCdEfGhIjKlMnOpQrStUv";
        let vars: BTreeMap<String, String> = [
            ("code", "482913".to_string()),
            ("issuer", "Shop".to_string()),
            ("origin_host", origin_host.to_string()),
            ("deny_url", format!("{public_url}/deny/{token}")),
            ("approve_url", format!("{public_url}/approve/{token}")),
            ("valid_secs", "600".to_string()),
            ("detail_kind", "method".to_string()),
            ("method", "phone".to_string()),
            ("tail", "5678".to_string()),
            ("url", format!("{public_url}/account")),
            ("until", "2026-12-01 18:30 JST".to_string()),
            ("support", format!("{public_url}/help")),
            ("when", "2026-12-01 09:15 JST".to_string()),
            ("password_url", format!("{public_url}/forgot-password")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let sent_at = UnixMillis(1_900_000_000_000);
        for t in Template::ALL {
            for l in Locale::ALL {
                for (ch, sender) in [(Channel::Sms, sms_from), (Channel::Email, mail_from)] {
                    let r = render(t, l, ch, &vars);
                    let text = match &r.subject {
                        Some(s) => format!("{s}\n\n{}", r.body),
                        None => r.body.clone(),
                    };
                    let received = Received { channel: ch, sender: sender.into(), text: text.clone(), links: vec![], received_at: Some(UnixMillis(sent_at.0 + 30_000)) };
                    let records = [SentRecord { channel: ch, kind: t, body: text.clone(), sent_at, challenge: Some(ChallengeId::new()), delivery: None }];
                    let with_record = check(&received, official, &records, l);
                    assert_eq!(with_record.verdict, Verdict::Genuine, "{t:?} {l:?} {ch:?}: {:?}\n{text}", with_record.reasons);
                    let without = check(&received, official, &[], l);
                    assert_ne!(without.verdict, Verdict::Suspicious, "{t:?} {l:?} {ch:?}: {:?}\n{text}", without.reasons);
                }
            }
        }
    }

    /// Whatever ninsho sends must never be called suspicious by ninsho's own checker
    /// (F-MSG-3 + F-MSG-5): a wording change that sounds like phishing fails here.
    #[test]
    fn f_msg_3_every_message_we_send_is_not_suspicious_and_is_genuine_with_its_record() {
        let official = OfficialSenders {
            sms_numbers: vec!["+815053704545".into()],
            email_domains: vec!["shop.example".into()],
            link_domains: vec!["shop.example".into()],
        };
        assert_all_genuine(&official, "https://shop.example", "shop.example", "+815053704545", "Shop <no-reply@shop.example>");
    }

    /// A server left at its defaults links to an IP address or `localhost` and mails
    /// from `no-reply@localhost`; its own messages are still genuine to it.
    #[test]
    fn f_msg_3_our_messages_are_genuine_under_the_default_configuration() {
        for public_url in ["http://127.0.0.1:8080", "http://[::1]:8080", "http://localhost:8080", "http://192.0.2.10"] {
            let mail_from = "ninsho <no-reply@localhost>";
            let official = OfficialSenders::derived(public_url, mail_from, "+815053704545");
            let origin_host = url::Url::parse(public_url).unwrap().host_str().unwrap().to_string();
            assert_all_genuine(&official, public_url, &origin_host, "+815053704545", mail_from);
        }
    }
}
