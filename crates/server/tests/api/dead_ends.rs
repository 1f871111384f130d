//! No dead ends (F-2SV-2/3, issue 11.3): the pages a shopper can reach answer GET, so
//! a reload, going back or a language switch while a set-up is pending shows the same
//! QR code and key, the same new backup codes; a page for something that is over
//! leads on; a 404 or 405 is a page in the shopper's language with a way onward.

use super::pages::{check_page, page_client, page_sign_up, web_app};
use super::*;
use ninsho_domain::types::Locale;
use ninsho_testkit::pages::{Page, PageClient};

/// Signs up, confirms with the password and approves the 2SV set-up by its link.
async fn approved(app: &TestApp, c: &mut PageClient, email: &str) -> Page {
    page_sign_up(app, c, email, Locale::Ja).await;
    let p = c.get("/account/two-step/setup").await;
    let p = c.post("/account/confirm", &p, &[("next", "/account/two-step/setup"), ("password", PASSWORD)]).await;
    let before = app.inbox_count(email).await;
    let p = c.post("/account/two-step/approval", &p, &[]).await;
    let mail = app.inbox_latest(email, before).await;
    let link = mail.split_whitespace().find(|w| w.contains("/approve/")).unwrap();
    let path = &link[link.find("/approve/").unwrap()..];
    let a = c.get(path).await;
    c.post(path, &a, &[]).await;
    let _ = p;
    c.get("/account/two-step/setup").await
}

/// The codes of the backup-codes list.
fn listed(p: &Page) -> Vec<String> {
    let Some(at) = p.html.find("id=\"backup-codes\">") else { return vec![] };
    let list = &p.html[at..];
    let list = &list[..list.find("</ol>").unwrap()];
    list.split("<li>").skip(1).map(|c| c.split("</li>").next().unwrap().to_string()).collect()
}

fn setup_key(p: &Page) -> String {
    p.text_of("setup-key").unwrap_or_else(|| panic!("no setup key on {}: {}", p.path, p.html))
}

#[tokio::test]
async fn f_2sv_3_the_app_page_survives_a_reload_going_back_and_a_language_switch() {
    let app = web_app().await;
    let mut c = page_client(&app, Locale::Ja);
    let email = unique_email();
    let p = approved(&app, &mut c, &email).await;
    let shown = c.post("/account/app", &p, &[]).await;
    assert_eq!((shown.status, shown.path.as_str()), (200, "/account/app"), "post/redirect/get");
    check_page(Locale::Ja, &shown, "app page");
    let key = setup_key(&shown);
    assert!(shown.html.contains("<svg") && shown.html.contains("href=\"otpauth://totp/"), "QR code and a link for an app on this phone");
    assert!(shown.html.contains("id=\"wizard-steps\""), "the wizard's step indicator stays");
    // Reload, and the language switch (which comes back here by GET).
    let again = c.get("/account/app").await;
    assert_eq!(setup_key(&again), key);
    let en = c.get("/language/en?next=/account/app").await;
    assert_eq!((en.status, en.path.as_str()), (200, "/account/app"));
    check_page(Locale::En, &en, "app page in English");
    assert_eq!(setup_key(&en), key);
    // The code it asks for finishes it; afterwards the page leads back to the wizard.
    let seed: String = key.split_whitespace().collect();
    let done = c.post("/code", &en, &[("code", &oathtool(&seed))]).await;
    assert_eq!(done.path, "/account/two-step/setup", "{}", done.html);
    let after = c.get("/account/app").await;
    assert_eq!((after.status, after.path.as_str()), (200, "/account/two-step/setup"), "a set-up that is over leads on");
    // Another browser of the same account never sees the key.
    let mut other = page_client(&app, Locale::Ja);
    let p = other.get("/sign-in").await;
    let p = other.post("/sign-in", &p, &[("email", &email), ("password", PASSWORD)]).await;
    assert_eq!(p.path, "/account");
    let mine = c.post("/account/app", &done, &[]).await;
    let key2 = setup_key(&mine);
    let theirs = other.get("/account/app").await;
    assert!(!theirs.html.contains(&key2) && theirs.path != "/account/app", "{}", theirs.path);
    app.shutdown().await;
}

#[tokio::test]
async fn f_2sv_2_new_backup_codes_survive_a_reload_and_a_language_switch_for_their_session_only() {
    let app = web_app().await;
    let mut c = page_client(&app, Locale::Ja);
    let email = unique_email();
    let p = approved(&app, &mut c, &email).await;
    let shown = c.post("/account/backup-codes", &p, &[]).await;
    assert_eq!((shown.status, shown.path.as_str()), (200, "/account/backup-codes"), "post/redirect/get");
    check_page(Locale::Ja, &shown, "backup codes");
    let codes = listed(&shown);
    assert_eq!(codes.len(), 10, "{}", shown.html);
    assert_eq!(listed(&c.get("/account/backup-codes").await), codes);
    let en = c.get("/language/en?next=/account/backup-codes").await;
    check_page(Locale::En, &en, "backup codes in English");
    assert_eq!(listed(&en), codes);
    // Only hashes are stored: the codes ride in a cookie sealed to this session.
    let cookie = c.cookies.iter().find(|(k, _)| k.contains("backup-codes")).map(|(_, v)| v.clone()).expect("the sealed cookie");
    let first = codes[0].as_str();
    assert!(!cookie.contains(first), "sealed, not plain");
    // Another session of the same account, handed the cookie, gets nothing from it.
    let mut other = page_client(&app, Locale::Ja);
    let p = other.get("/sign-in").await;
    other.post("/sign-in", &p, &[("email", &email), ("password", PASSWORD)]).await;
    other.cookies.insert("ninsho-backup-codes".into(), cookie);
    let theirs = other.get("/account/backup-codes").await;
    assert_ne!(theirs.path, "/account/backup-codes");
    assert!(!theirs.html.contains(first));
    app.shutdown().await;
}

#[tokio::test]
async fn f_web_a_404_or_405_is_a_page_in_the_shoppers_language_with_a_way_onward() {
    let app = web_app().await;
    for l in [Locale::Ja, Locale::En] {
        let mut c = page_client(&app, l);
        for path in ["/no-such-page", "/account/two-step/enable", "/account/two-step/approval", "/code/resend", "/sign-out"] {
            let p = c.get(path).await;
            assert!(matches!(p.status, 404 | 405), "{path}: {}", p.status);
            assert!(p.headers["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
            check_page(l, &p, path);
            assert!(p.html.contains("<a href=\"/\""), "{path}: a way onward: {}", p.html);
        }
    }
    app.shutdown().await;
}
