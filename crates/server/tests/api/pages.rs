//! Pages over plain HTTP (no rendering needed): every page in all four languages
//! without a missing key or English left over, errors next to their field in the
//! page's language, CSRF refusals, security headers and cookie attributes.

use super::*;
use ninsho_domain::types::Locale;
use ninsho_testkit::pages::{Page, PageClient};

const EN: &str = include_str!("../../../../locales/en/pages.ftl");
const JA: &str = include_str!("../../../../locales/ja/pages.ftl");
const ZH: &str = include_str!("../../../../locales/zh/pages.ftl");
const FR: &str = include_str!("../../../../locales/fr/pages.ftl");

fn values(src: &str) -> Vec<(String, String)> {
    src.lines()
        .filter(|l| !l.starts_with('#') && l.contains(" = "))
        .filter_map(|l| l.split_once(" = ").map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
        .collect()
}

/// The page text of `key` in `l`, as the catalogue has it.
pub fn text_of_key(l: Locale, key: &str) -> String {
    values(source(l)).into_iter().find(|(k, _)| k == key).map(|(_, v)| v).unwrap_or_else(|| panic!("no `{key}` in {}", l.as_str()))
}

fn source(l: Locale) -> &'static str {
    match l {
        Locale::En => EN,
        Locale::Ja => JA,
        Locale::Zh => ZH,
        Locale::Fr => FR,
    }
}

/// Fails on a missing key (rendered as ⟦key⟧), a page in the wrong language, or an
/// English sentence of the catalogue left in a ja/zh/fr page.
pub fn check_page(l: Locale, page: &Page, what: &str) {
    assert!(page.status < 500, "{what} ({}): status {}", l.as_str(), page.status);
    assert!(!page.html.contains('⟦'), "{what} ({}): untranslated key in {}", l.as_str(), page.html);
    assert!(page.html.contains(&format!("<html lang=\"{}\"", l.as_str())), "{what} ({}): wrong page language", l.as_str());
    if l == Locale::En {
        return;
    }
    let text = page.text();
    let target = values(source(l));
    for (k, en) in values(EN) {
        let same = target.iter().any(|(tk, tv)| *tk == k && *tv == en);
        // Only sentences: short labels such as "SMS" are the same in many languages.
        if same || en.contains('{') || en.chars().count() < 12 {
            continue;
        }
        assert!(!text.contains(&en), "{what} ({}): English text of `{k}` left in the page: {en}", l.as_str());
    }
    if matches!(l, Locale::Ja | Locale::Zh) {
        // Hard-coded English in a template is not in the catalogue: look for runs of
        // three or more English words in the visible text.
        let words: Vec<&str> = text.split(|c: char| c.is_whitespace() || "·:.,()!?\"'".contains(c)).filter(|w| !w.is_empty()).collect();
        let english = |w: &str| w.len() >= 2 && w.chars().all(|c| c.is_ascii_alphabetic()) && w.chars().any(|c| c.is_ascii_lowercase());
        let allowed = ["Google", "Authenticator", "Microsoft", "SMS", "English", "Français", "UTC", "Shop", "PageTest"];
        for win in words.windows(3) {
            if win.iter().all(|w| english(w) && !allowed.contains(w)) {
                panic!("{what} ({}): English words in the page: {}", l.as_str(), win.join(" "));
            }
        }
    }
}

pub fn page_client(app: &TestApp, l: Locale) -> PageClient {
    let mut c = PageClient::new(&app.url);
    c.cookies.insert("ninsho-lang".into(), l.as_str().into());
    c.accept_language = Some(l.as_str().into());
    c.user_agent = "PageTest/1.0".into();
    c
}

pub async fn web_app() -> TestApp {
    spawn_app_with(Backend::Sqlite, |c| c.policy.public_url = "http://127.0.0.1".into()).await
}

/// Signs up through the pages and confirms the e-mail code; ends on /account.
pub async fn page_sign_up(app: &TestApp, c: &mut PageClient, email: &str, l: Locale) -> Page {
    let form = c.get("/sign-up").await;
    let before = app.inbox_count(email).await;
    let code_page = c.post("/sign-up", &form, &[("email", email), ("password", PASSWORD), ("locale", l.as_str())]).await;
    assert_eq!(code_page.path, "/code", "{}", code_page.html);
    check_page(l, &code_page, "e-mail code page");
    let code = app.code_after(email, before).await;
    let done = c.post("/code", &code_page, &[("code", &code)]).await;
    assert_eq!(done.path, "/account", "{}", done.html);
    done
}

#[tokio::test]
async fn f_msg_5_every_page_in_four_languages_without_missing_or_english_text() {
    let app = web_app().await;
    for l in Locale::ALL {
        let mut c = page_client(&app, l);
        for path in ["/sign-in", "/sign-up", "/sign-in/device", "/recovery", "/deny/x.y", "/approve/x.y", "/no-such-page"] {
            let p = c.get(path).await;
            check_page(l, &p, path);
        }
        // Errors, in the page's language, next to their field.
        let form = c.get("/sign-in").await;
        let p = c.post("/sign-in", &form, &[("email", "nobody@example.com"), ("password", "wrong password here")]).await;
        check_page(l, &p, "sign-in error");
        let want = values(source(l)).into_iter().find(|(k, _)| k == "err-auth-invalid-credentials").unwrap().1;
        assert_eq!(p.text_of("password-error").as_deref(), Some(want.as_str()), "{}", p.html);
        assert!(p.html.contains("aria-describedby=\"password-error\""));
        let form = c.get("/sign-up").await;
        let p = c.post("/sign-up", &form, &[("email", "not an address"), ("password", PASSWORD)]).await;
        check_page(l, &p, "sign-up error");
        assert!(p.text_of("email-error").is_some_and(|t| !t.is_empty()), "{}", p.html);

        let email = unique_email();
        let account = page_sign_up(&app, &mut c, &email, l).await;
        check_page(l, &account, "/account");
        for path in ["/account/password", "/account/confirm?next=/account", "/account/devices", "/account/history", "/account/messages", "/account/messages/check"] {
            let p = c.get(path).await;
            check_page(l, &p, path);
        }
        // The wizard: confirm with the password, ask for approval, approve by link.
        let p = c.get("/account/two-step/setup").await;
        assert!(p.path.starts_with("/account/confirm"), "{}", p.path);
        let p = c.post("/account/confirm", &p, &[("next", "/account/two-step/setup"), ("password", PASSWORD)]).await;
        check_page(l, &p, "setup: approval");
        let before = app.inbox_count(&email).await;
        let p = c.post("/account/two-step/approval", &p, &[]).await;
        check_page(l, &p, "setup: approval sent");
        assert!(p.html.contains("id=\"approval-sent\""));
        let mail = app.inbox_latest(&email, before).await;
        let link = mail.split_whitespace().find(|w| w.contains("/approve/")).unwrap();
        let path = &link[link.find("/approve/").unwrap()..];
        let p = c.get(path).await;
        check_page(l, &p, "approve page");
        let p = c.post(path, &p, &[]).await;
        check_page(l, &p, "approved");
        assert!(p.html.contains("id=\"done\""), "{}", p.html);
        let p = c.get("/account/two-step/setup").await;
        check_page(l, &p, "setup: choose");
        assert!(p.html.contains("id=\"app-start\""));
        let p = c.get("/account/phone").await;
        check_page(l, &p, "phone form");
        let p = c.post("/account/phone", &p, &[("phone", "12")]).await;
        check_page(l, &p, "phone error");
        assert!(p.text_of("phone-error").is_some(), "{}", p.html);
        // F-LIMIT-4: a number outside the allowed countries, said next to the field.
        let p = c.post("/account/phone", &p, &[("phone", "+44 7400 123456")]).await;
        check_page(l, &p, "phone country error");
        let want = values(source(l)).into_iter().find(|(k, _)| k == "err-phone-country-not-allowed").unwrap().1;
        assert_eq!(p.text_of("phone-error").as_deref(), Some(want.as_str()), "{}", p.html);
        let p = c.post("/account/app", &p, &[]).await;
        check_page(l, &p, "app page");
        assert!(p.html.contains("<svg"), "inline QR code");
        let p = c.get("/code").await;
        check_page(l, &p, "enrol code page");
        // A send still queued (a slow gateway) is said so, in the page's language.
        let q = c.get("/code?notice=queued").await;
        check_page(l, &q, "queued notice");
        assert!(q.text_of("notice").is_some_and(|n| !n.is_empty() && Some(&n) != p.text_of("notice").as_ref()), "{}", q.html);
        let p = c.post("/code", &p, &[("code", "000000")]).await;
        check_page(l, &p, "wrong code");
        assert!(p.text_of("code-error").is_some(), "{}", p.html);
        let p = c.get("/account/messages/check").await;
        let p = c
            .post("/account/messages/check", &p, &[("channel", "sms"), ("sender", "+15550100"), ("text", "【至急】http://198.51.100.7/login 123456")])
            .await;
        check_page(l, &p, "check result");
        assert!(p.html.contains("verdict-suspicious"), "{}", p.html);
        let p = c.get("/account/messages").await;
        check_page(l, &p, "message center");
        let p = c.get("/dev/inbox").await;
        assert!(p.html.contains("id=\"dev-inbox\"") && !p.html.contains('⟦'));
    }
    app.shutdown().await;
}

#[tokio::test]
async fn f_web_security_headers_and_cookie_attributes() {
    let app = web_app().await;
    let mut c = PageClient::new(&app.url);
    let p = c.get("/sign-in").await;
    let h = |n: &str| p.headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let csp = h("content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'") && csp.contains("form-action 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("script-src"), "no script may run: {csp}");
    assert_eq!(h("referrer-policy"), "no-referrer");
    assert_eq!(h("x-frame-options"), "DENY");
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert!(!p.html.contains("<script"), "pages carry no script");
    let csrf = p.set_cookies.iter().find(|s| s.starts_with("ninsho-csrf=")).expect("a CSRF cookie");
    assert!(csrf.contains("HttpOnly") && csrf.contains("SameSite=Lax") && csrf.contains("Path=/"), "{csrf}");
    // Behind HTTPS the cookies are __Host- prefixed and Secure.
    let secure = spawn_app_with(Backend::Sqlite, |c| c.policy.public_url = "https://shop.example".into()).await;
    let mut s = PageClient::new(&secure.url);
    let p = s.get("/sign-in").await;
    let c2 = p.set_cookies.iter().find(|c| c.contains("ninsho-csrf")).unwrap();
    assert!(c2.starts_with("__Host-ninsho-csrf=") && c2.contains("; Secure") && c2.contains("HttpOnly"), "{c2}");
    secure.shutdown().await;
    app.shutdown().await;
}

#[tokio::test]
async fn f_web_forms_refuse_a_missing_or_foreign_csrf_token_and_cross_site_posts() {
    let app = web_app().await;
    let email = unique_email();
    let mut c = PageClient::new(&app.url);
    page_sign_up(&app, &mut c, &email, Locale::En).await;
    let session = c.cookies.get("ninsho-session").cloned().unwrap();

    // No token, a token of another browser, and a cross-site post: all 403, no change.
    let none = c.post_raw("/account/alerts", &[("on".into(), "1".into())], &[]).await;
    assert_eq!(none.status, 403, "{}", none.html);
    assert!(none.html.contains("expired"), "a readable page: {}", none.html);
    let mut other = PageClient::new(&app.url);
    let foreign = other.get("/sign-in").await.csrf();
    let p = c.post_raw("/account/alerts", &[("csrf".into(), foreign)], &[]).await;
    assert_eq!(p.status, 403);
    let page = c.get("/account").await;
    let cross = c.post_raw("/account/alerts", &[("csrf".into(), page.csrf())], &[("sec-fetch-site", "cross-site"), ("origin", "https://evil.example")]).await;
    assert_eq!(cross.status, 403);
    let me = app.call("GET", "/api/v1/account", Some(&session), None).await;
    assert_eq!(me.status, 200);
    let hist = app.call("GET", "/api/v1/history?limit=50", Some(&session), None).await;
    assert!(!hist.body.to_string().contains("signin_alerts_changed"));
    // The right token from the same browser works.
    let ok = c.post("/account/alerts", &page, &[]).await;
    assert_eq!(ok.path, "/account?notice=alerts-saved", "{}", ok.html);
    app.shutdown().await;
}

#[tokio::test]
async fn f_web_redirects_after_sign_in_never_leave_the_site() {
    let app = web_app().await;
    let mut c = PageClient::new(&app.url);
    for next in ["//evil.example/x", "https://evil.example", "/\\evil.example", "javascript:alert(1)"] {
        let p = c.send_raw_get(&format!("/language/ja?next={}", ninsho_server::web::ctx::urlencode(next))).await;
        assert_eq!(p, "/", "{next}");
    }
    let p = c.send_raw_get("/language/ja?next=/account/devices").await;
    assert_eq!(p, "/account/devices");
    app.shutdown().await;
}

#[tokio::test]
async fn f_web_pages_need_a_session_and_send_the_caller_to_sign_in() {
    let app = web_app().await;
    let mut c = PageClient::new(&app.url);
    for path in ["/account", "/account/devices", "/account/messages", "/account/two-step/setup"] {
        let p = c.get(path).await;
        assert!(p.path.starts_with("/sign-in?next="), "{path}: {}", p.path);
        assert!(p.html.contains(&format!("name=\"next\" value=\"{path}\"")), "{path}: comes back after sign-in");
    }
    // A form posted without a session comes back to the account page after sign-in,
    // never to a URL that only takes posts.
    let form = c.get("/sign-in").await;
    let p = c.post("/account/alerts", &form, &[("on", "1")]).await;
    assert!(p.path.starts_with("/sign-in?next="), "{}", p.path);
    assert!(p.html.contains("name=\"next\" value=\"/account\""), "{}", p.html);
    // A stale or forged session cookie is no session.
    c.cookies.insert("ninsho-session".into(), "forged".into());
    assert!(c.get("/account").await.path.starts_with("/sign-in"));
    app.shutdown().await;
}

#[tokio::test]
async fn f_web_signing_in_ends_the_browsers_previous_session_and_renews_the_csrf_secret() {
    let app = web_app().await;
    let email = unique_email();
    let mut c = PageClient::new(&app.url);
    page_sign_up(&app, &mut c, &email, Locale::En).await;
    let (old_session, old_csrf) = (c.cookies["ninsho-session"].clone(), c.cookies["ninsho-csrf"].clone());
    let form = c.get("/sign-in").await;
    let p = c.post("/sign-in", &form, &[("email", &email), ("password", PASSWORD)]).await;
    assert_eq!(p.path, "/account", "{}", p.html);
    assert_ne!(c.cookies["ninsho-session"], old_session);
    assert_ne!(c.cookies["ninsho-csrf"], old_csrf, "a token seen before signing in is worthless after");
    assert_eq!(app.call("GET", "/api/v1/account", Some(&old_session), None).await.status, 401, "the replaced session ended");
    assert_eq!(app.call("GET", "/api/v1/account", Some(&c.cookies["ninsho-session"]), None).await.status, 200);
    app.shutdown().await;
}

/// F-ACC-2: every reason a password can be refused for has its own text in all four
/// languages (a new reason without text would show only the general one).
#[test]
fn f_acc_2_every_weak_password_reason_has_page_text_in_four_languages() {
    use ninsho_domain::password::Weakness;
    for l in Locale::ALL {
        let texts = values(source(l));
        for w in Weakness::ALL {
            let key = format!("err-password-weak-{}", w.as_str().replace('_', "-"));
            assert!(texts.iter().any(|(k, t)| *k == key && !t.is_empty()), "{}: no `{key}`", l.as_str());
        }
    }
}

/// F-ACC-2: a guessable password is refused next to its field, saying why in the page's
/// language: at sign-up (`password`) and at a password change (`new_password`).
#[tokio::test]
async fn f_acc_2_pages_say_why_a_password_is_weak_next_to_its_field() {
    let app = web_app().await;
    for l in Locale::ALL {
        let text = |k: &str| values(source(l)).into_iter().find(|(key, _)| key == k).unwrap().1;
        let mut c = page_client(&app, l);
        for (pw, key) in [
            ("passwordpassword", "err-password-weak-repeats"),
            ("qwertyuiop[]asdf", "err-password-weak-keyboard"),
            ("michaeljohnson", "err-password-weak-names"),
            ("short", "err-password-weak-too-short"),
        ] {
            let form = c.get("/sign-up").await;
            let p = c.post("/sign-up", &form, &[("email", &unique_email()), ("password", pw), ("locale", l.as_str())]).await;
            check_page(l, &p, "sign-up: weak password");
            assert_eq!(p.status, 422, "{pw}");
            assert_eq!(p.text_of("password-error").as_deref(), Some(text(key).as_str()), "{pw}: {}", p.html);
            assert!(p.html.contains("aria-describedby=\"password-error\""));
        }
        let email = unique_email();
        page_sign_up(&app, &mut c, &email, l).await;
        let p = c.get("/account/confirm?next=/account/password").await;
        let p = c.post("/account/confirm", &p, &[("next", "/account/password"), ("password", PASSWORD)]).await;
        assert_eq!(p.path, "/account/password", "{}", p.html);
        let local = email.split('@').next().unwrap();
        let p = c.post("/account/password", &p, &[("current_password", PASSWORD), ("new_password", &format!("{local}{local}")), ("sign_out_others", "1")]).await;
        check_page(l, &p, "password change: weak password");
        assert_eq!(p.status, 422);
        assert_eq!(p.text_of("new_password-error").as_deref(), Some(text("err-password-weak-personal").as_str()), "{}", p.html);
        assert!(p.text_of("current_password-error").is_none());
    }
    app.shutdown().await;
}

/// F-MSG-3: every finding, next step, request kind and request state the check can
/// answer with has page text in all four languages.
#[test]
fn f_msg_3_every_check_answer_has_page_text_in_four_languages() {
    use ninsho_domain::authenticity::{NextStep, ReasonCode, RequestState};
    use ninsho_domain::types::Purpose;
    use ninsho_server::web::pages::messages::{purpose_key, reason_key, state_key, step_key};
    let purposes = [Purpose::VerifyEmail, Purpose::SignIn, Purpose::StepUp, Purpose::Enroll, Purpose::DeviceSignIn, Purpose::Approve, Purpose::Decoy];
    let keys: Vec<&str> = ReasonCode::ALL
        .into_iter()
        .map(reason_key)
        .chain(NextStep::ALL.into_iter().map(step_key))
        .chain(RequestState::ALL.into_iter().map(state_key))
        .chain(purposes.into_iter().map(purpose_key))
        .chain(["err-message-text-empty", "err-message-text-unusable", "err-message-sender-unusable", "err-message-link-unusable", "err-message-too-long"])
        .collect();
    for l in Locale::ALL {
        let texts = values(source(l));
        for key in &keys {
            assert!(texts.iter().any(|(k, t)| k == key && !t.is_empty()), "{}: no `{key}`", l.as_str());
        }
    }
}

/// F-MSG-3: the check page lists the official senders; what cannot be judged is an
/// error next to its field, in the page's language, and no verdict.
#[tokio::test]
async fn f_msg_3_check_page_shows_official_senders_and_field_errors_in_four_languages() {
    let app = web_app().await;
    for l in Locale::ALL {
        let mut c = page_client(&app, l);
        page_sign_up(&app, &mut c, &unique_email(), l).await;
        let form = c.get("/account/messages/check").await;
        check_page(l, &form, "check form");
        let official = form.html.split_once("id=\"official\"").map(|(_, rest)| rest).unwrap_or_default();
        assert!(official.contains(">+815053704545<") && official.contains(">@shop.example<"), "{}", form.html);
        for (fields, id, key) in [
            ([("channel", "sms"), ("sender", ""), ("text", "  ")], "text-error", "err-message-text-empty"),
            ([("channel", "sms"), ("sender", ""), ("text", "?!…")], "text-error", "err-message-text-unusable"),
            ([("channel", "email"), ("sender", "Shop"), ("text", "123456")], "sender-error", "err-message-sender-unusable"),
        ] {
            let p = c.post("/account/messages/check", &form, &fields).await;
            check_page(l, &p, key);
            assert_eq!(p.status, 422, "{key}");
            assert_eq!(p.text_of(id).as_deref(), Some(text_of_key(l, key).as_str()), "{key}: {}", p.html);
            assert!(!p.html.contains("id=\"verdict\""), "{key}: no verdict");
        }
    }
    app.shutdown().await;
}

/// F-OFF-5: the sign-in page tells a locked account's owner, in the page's language and
/// its zone, until when and whom to ask — only after the right password.
#[tokio::test]
async fn f_off_5_the_sign_in_page_says_the_account_is_paused_until_when_and_whom_to_ask() {
    let app = web_app().await;
    let email = unique_email();
    let mut c = PageClient::new(&app.url);
    page_sign_up(&app, &mut c, &email, Locale::Ja).await;
    app.running.services.lock_account(&email, "suspected access", 86_400, "agent-1").await.unwrap();
    let form = c.get("/sign-in").await;
    let p = c.post("/sign-in", &form, &[("email", &email), ("password", PASSWORD)]).await;
    assert!(p.path.starts_with("/sign-in"), "{}", p.path);
    assert!(p.html.contains("一時停止しています") && p.html.contains("JST") && p.html.contains("https://shop.example/help"), "{}", p.html);
    let form = c.get("/sign-in").await;
    let wrong = c.post("/sign-in", &form, &[("email", &email), ("password", "not the password at all")]).await;
    assert!(!wrong.html.contains("一時停止"), "a wrong password learns nothing of the lock");
    app.shutdown().await;
}
