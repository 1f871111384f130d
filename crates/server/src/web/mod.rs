//! Server-rendered pages for shoppers (askama templates under `templates/`), over the
//! same `Services` as the JSON API. No page needs JavaScript; forms post and the
//! server redirects. Every form is CSRF-protected twice: tower-http's
//! `Sec-Fetch-Site`/`Origin` check and a signed double-submit token (`form.rs`).

pub mod cookies;
pub mod ctx;
pub mod form;
pub mod i18n;
pub mod pages;
pub mod problem;
pub mod readable;
pub mod time;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tower_http::csrf::CsrfLayer;

use crate::app::AppState;
use pages::{account, auth, code, courier, deliveries, devices, links, messages, organisations, recovery, reset, safety, setup, step_up, support, suspension};

pub const CSS: &str = include_str!("../../static/ninsho.css");

/// The content security policy of every response: no script at all, styles and
/// images only from this origin, forms only to this origin, never framed.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn routes(dev_inbox: bool) -> Router<AppState> {
    let mut r = Router::new()
        .route("/", get(auth::home))
        .route("/language/{lang}", get(auth::language))
        .route("/sign-up", get(auth::sign_up_form).post(auth::sign_up))
        .route("/sign-in", get(auth::sign_in_form).post(auth::sign_in))
        .route("/sign-in/device", get(auth::device_form).post(auth::device))
        .route("/sign-out", post(auth::sign_out))
        .route("/forgot-password", get(reset::forgot_form).post(reset::forgot))
        .route("/reset/{token}", get(reset::show).post(reset::complete))
        .route("/reset/{token}/send", post(reset::send))
        .route("/code", get(code::show).post(code::verify))
        .route("/code/resend", post(code::resend))
        .route("/account", get(account::show))
        .route("/account/confirm", get(code::confirm_form).post(code::confirm))
        .route("/account/password", get(account::password_form).post(account::change_password))
        .route("/account/email", get(account::email_form).post(account::change_email))
        .route("/account/language", post(account::set_language))
        .route("/account/time-zone", post(account::set_time_zone))
        .route("/account/alerts", post(account::set_alerts))
        .route("/account/two-step/setup", get(setup::wizard))
        .route("/account/two-step/approval", post(setup::request_approval))
        .route("/account/two-step/enable", post(setup::enable))
        .route("/account/two-step/disable", get(safety::disable_confirm).post(setup::disable))
        .route("/account/two-step/suspend", get(suspension::confirm).post(suspension::suspend))
        .route("/account/two-step/resume", post(suspension::resume))
        .route("/account/feedback", get(safety::feedback_form).post(safety::feedback))
        .route("/account/phone", get(setup::phone_form).post(setup::add_phone))
        .route("/account/app", get(setup::app_page).post(setup::add_app))
        .route("/account/email-method", post(setup::add_email))
        .route("/account/backup-codes", get(setup::backup_codes_page).post(setup::backup_codes))
        .route("/account/methods/remove", get(safety::remove_confirm).post(setup::remove))
        .route("/account/methods/preferred", post(setup::preferred))
        .route("/account/devices", get(devices::show))
        .route("/account/sessions/sign-out", post(devices::sign_out_one))
        .route("/account/sessions/sign-out-all", get(safety::sign_out_all_confirm).post(devices::sign_out_all))
        .route("/account/trusted-browsers/revoke", post(devices::revoke_browser))
        .route("/account/history", get(devices::history))
        .route("/account/messages", get(messages::list))
        .route("/courier", get(courier::show).post(courier::hand_over))
        .route("/organisations", get(organisations::list).post(organisations::create))
        .route("/organisations/{id}", get(organisations::show))
        .route("/organisations/{id}/invite", post(organisations::invite))
        .route("/organisations/{id}/role", post(organisations::set_role))
        .route("/organisations/{id}/remove", post(organisations::remove))
        .route("/organisations/{id}/leave", post(organisations::leave))
        .route("/organisations/invitations/{token}", get(organisations::invitation))
        .route("/organisations/invitations/{token}/accept", post(organisations::accept))
        .route("/support", get(support::show))
        .route("/support/lock", post(support::lock))
        .route("/support/unlock", post(support::unlock))
        .route("/support/release-limits", post(support::release_limits))
        .route("/support/suspend", post(support::suspend))
        .route("/support/resume", post(support::resume))
        .route("/support/resets", get(support::resets::queue))
        .route("/support/resets/{id}", get(support::resets::show))
        .route("/support/resets/{id}/document", get(support::resets::document))
        .route("/support/resets/{id}/decide", post(support::resets::decide))
        .route("/support/log", get(support::log::show))
        .route("/account/deliveries", get(deliveries::list))
        .route("/account/deliveries/resend", post(deliveries::resend))
        .route("/account/messages/check", get(messages::check_form).post(messages::check))
        .route("/approve/{token}", get(links::approve_page).post(links::approve))
        .route("/deny/{token}", get(links::deny_page).post(links::deny))
        .route("/step-up/{token}", get(step_up::open))
        .route("/step-up/{token}/done", get(step_up::done))
        .route("/recovery/cancel/{token}", get(links::cancel_reset_page).post(links::cancel_reset))
        .route(
            "/recovery",
            get(recovery::form).post(recovery::submit).layer::<_, std::convert::Infallible>(axum::extract::DefaultBodyLimit::max(recovery::BODY_BYTES)).layer::<_, std::convert::Infallible>(recovery::UPLOADS.clone()),
        );
    if dev_inbox {
        r = r.route("/dev/inbox", get(dev_inbox_negotiated));
    }
    r.layer(CsrfLayer::new()).route("/static/ninsho.css", get(css))
}

/// A page for what happens before a handler (a refused form, an unknown path): no
/// template, no session, the message and an optional way back.
pub(crate) fn plain_page(status: axum::http::StatusCode, lang: &str, message: &str, back: Option<&str>) -> axum::response::Response {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let link = back.map(|b| format!("<p><a href=\"/\">{}</a></p>", esc(b))).unwrap_or_default();
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{m}</title><link rel=\"stylesheet\" href=\"/static/ninsho.css\"></head><body><main><h1>{m}</h1>{link}</main></body></html>",
        lang = esc(lang),
        m = esc(message)
    );
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

async fn css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")), (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"))],
        CSS,
    )
}

/// A browser gets the page; tools and tests asking for JSON get JSON.
async fn dev_inbox_negotiated(
    ctx: ctx::Ctx,
    state: axum::extract::State<AppState>,
    q: axum::extract::Query<crate::api::dev::InboxQuery>,
) -> axum::response::Response {
    let wants_html = ctx.header(header::ACCEPT).is_some_and(|a| a.contains("text/html"));
    if wants_html {
        pages::dev::inbox(ctx).await
    } else {
        match crate::api::dev::inbox(state, q).await {
            Ok(r) => r,
            Err(e) => e.into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CSS;

    fn var(name: &str) -> (f64, f64, f64) {
        let at = CSS.find(&format!("--{name}:")).unwrap_or_else(|| panic!("--{name} in the stylesheet"));
        let hex = CSS[at..].split('#').nth(1).unwrap();
        let c = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap() as f64 / 255.0;
        (c(0), c(2), c(4))
    }

    fn hex(h: &str) -> (f64, f64, f64) {
        let c = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).unwrap() as f64 / 255.0;
        (c(0), c(2), c(4))
    }

    /// WCAG 2.2 relative luminance and contrast ratio.
    fn contrast(a: (f64, f64, f64), b: (f64, f64, f64)) -> f64 {
        let lin = |c: f64| if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) };
        let lum = |(r, g, b): (f64, f64, f64)| 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
        let (x, y) = (lum(a), lum(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn f_web_text_colours_have_wcag_aa_contrast_and_focus_is_visible() {
        let bg = var("bg");
        for text in ["fg", "muted", "accent", "error", "ok", "warn"] {
            let r = contrast(var(text), bg);
            assert!(r >= 4.5, "--{text} on the page: {r:.2}:1 < 4.5:1");
        }
        assert!(contrast(var("fg"), var("panel")) >= 4.5, "text on panels");
        assert!(contrast(var("muted"), var("panel")) >= 4.5, "hints on panels");
        assert!(contrast(var("accent-fg"), var("accent")) >= 4.5, "button text");
        // Message boxes: the error text on its pink, the body text on the notice and warning tints.
        assert!(contrast(var("error"), hex("fdeceb")) >= 4.5);
        assert!(contrast(var("fg"), hex("e8f5ec")) >= 4.5);
        assert!(contrast(var("fg"), hex("fff4e5")) >= 4.5);
        // A focus ring is a non-text element drawn outside the control: 3:1 against
        // the page and the panels (WCAG 1.4.11).
        assert!(contrast(var("focus"), bg) >= 3.0 && contrast(var("focus"), var("panel")) >= 3.0);
        assert!(CSS.contains(":focus-visible { outline: 3px solid var(--focus)"), "a visible focus ring");
    }
}
