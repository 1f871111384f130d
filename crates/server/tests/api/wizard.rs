//! The 2SV wizard and the links it sends (F-2SV-1, F-2SV-6, issue 11.5): the page says
//! when the approval e-mail is not approved yet; the approval page names the request
//! and offers Deny beside Approve; a phone change names the number it replaces and is
//! confirmed as a change.

use super::pages::{check_page, page_client, page_sign_up, web_app};
use super::*;
use ninsho_domain::types::Locale;

#[tokio::test]
async fn f_2sv_1_the_wizard_says_the_approval_is_still_waiting_and_the_link_page_names_the_request_with_deny() {
    let app = web_app().await;
    let mut c = page_client(&app, Locale::Ja);
    c.user_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36".into();
    let email = unique_email();
    page_sign_up(&app, &mut c, &email, Locale::Ja).await;
    let p = c.get("/account/two-step/setup").await;
    let p = c.post("/account/confirm", &p, &[("next", "/account/two-step/setup"), ("password", PASSWORD)]).await;
    let before = app.inbox_count(&email).await;
    let sent = c.post("/account/two-step/approval", &p, &[]).await;
    assert!(sent.html.contains("/account/two-step/setup?waiting=1"), "{}", sent.html);
    // "Continue" before the e-mail was approved: told so.
    let waiting = c.get("/account/two-step/setup?waiting=1").await;
    check_page(Locale::Ja, &waiting, "approval still waiting");
    assert!(waiting.text_of("notice").is_some_and(|n| n.contains("承認がまだ")), "{}", waiting.html);

    // The link's page, opened on another device: when, from what, and Deny beside Approve.
    let mail = app.inbox_latest(&email, before).await;
    let link = mail.split_whitespace().find(|w| w.contains("/approve/")).unwrap();
    let path = &link[link.find("/approve/").unwrap()..];
    let mut phone = page_client(&app, Locale::Ja);
    let page = phone.get(path).await;
    check_page(Locale::Ja, &page, "approval page");
    let at = page.html.find("id=\"request-facts\"").expect("the request's facts");
    let facts = ninsho_testkit::pages::strip_tags(&page.html[at..at + page.html[at..].find("</dl>").unwrap()]);
    assert!(facts.contains("Windows の Chrome") && facts.contains("JST") && facts.contains("127.0.0.1"), "{facts}");
    assert!(page.html.contains("id=\"link-deny\"") && page.html.contains("action=\"/deny/"), "{}", page.html);
    let deny_at = ninsho_testkit::pages::attr_after(&page.html, "<form method=\"post\" action=\"/deny/").unwrap();
    let denied = phone.post(&format!("/deny/{deny_at}"), &page, &[]).await;
    assert!(denied.html.contains("id=\"done\""), "{}", denied.html);
    // Denied: the approve link no longer opens the set-up.
    let again = phone.get(path).await;
    assert!(again.status >= 400, "{}", again.status);
    let still = c.get("/account/two-step/setup?waiting=1").await;
    assert!(still.text_of("notice").is_some(), "still waiting for an approval");
    app.shutdown().await;
}

#[tokio::test]
async fn f_2sv_6_a_phone_change_names_the_number_it_replaces_and_is_confirmed_as_a_change() {
    let app = web_app().await;
    let acct = two_sv_account(&app).await;
    let mut c = page_client(&app, Locale::Ja);
    let p = c.get("/sign-in").await;
    let before = app.inbox_count("+819012345678").await;
    let p = c.post("/sign-in", &p, &[("email", &acct.email), ("password", PASSWORD)]).await;
    let code = app.code_after("+819012345678", before).await;
    c.post("/code", &p, &[("code", &code)]).await;
    let form = c.get(&format!("/account/phone?replaces={}", acct.phone_id)).await;
    check_page(Locale::Ja, &form, "phone change");
    let replacing = form.text_of("replacing").unwrap();
    assert!(replacing.contains("5678"), "names the number replaced: {replacing}");
    let before = app.inbox_count("+819099998888").await;
    let p = c.post("/account/phone", &form, &[("phone", "090-9999-8888"), ("replaces", &acct.phone_id)]).await;
    assert_eq!(p.path, "/code", "{}", p.html);
    let code = app.code_after("+819099998888", before).await;
    let done = c.post("/code", &p, &[("code", &code)]).await;
    assert_eq!(done.path, "/account?notice=phone-changed", "{}", done.html);
    assert!(done.text_of("notice").is_some_and(|n| n.contains("変更")));
    app.shutdown().await;
}
