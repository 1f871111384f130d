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
pub mod time;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tower_http::csrf::CsrfLayer;

use crate::app::AppState;
use pages::{account, auth, code, devices, links, messages, recovery, setup};

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
        .route("/code", get(code::show).post(code::verify))
        .route("/code/resend", post(code::resend))
        .route("/account", get(account::show))
        .route("/account/confirm", get(code::confirm_form).post(code::confirm))
        .route("/account/password", get(account::password_form).post(account::change_password))
        .route("/account/language", post(account::set_language))
        .route("/account/alerts", post(account::set_alerts))
        .route("/account/two-step/setup", get(setup::wizard))
        .route("/account/two-step/approval", post(setup::request_approval))
        .route("/account/two-step/enable", post(setup::enable))
        .route("/account/two-step/disable", post(setup::disable))
        .route("/account/phone", get(setup::phone_form).post(setup::add_phone))
        .route("/account/app", post(setup::add_app))
        .route("/account/email-method", post(setup::add_email))
        .route("/account/backup-codes", post(setup::backup_codes))
        .route("/account/methods/remove", post(setup::remove))
        .route("/account/methods/preferred", post(setup::preferred))
        .route("/account/devices", get(devices::show))
        .route("/account/sessions/sign-out", post(devices::sign_out_one))
        .route("/account/sessions/sign-out-all", post(devices::sign_out_all))
        .route("/account/trusted-browsers/revoke", post(devices::revoke_browser))
        .route("/account/history", get(devices::history))
        .route("/account/messages", get(messages::list))
        .route("/account/messages/check", get(messages::check_form).post(messages::check))
        .route("/approve/{token}", get(links::approve_page).post(links::approve))
        .route("/deny/{token}", get(links::deny_page).post(links::deny))
        .route(
            "/recovery",
            get(recovery::form).post(recovery::submit).layer::<_, std::convert::Infallible>(axum::extract::DefaultBodyLimit::max(recovery::BODY_BYTES)).layer::<_, std::convert::Infallible>(recovery::UPLOADS.clone()),
        );
    if dev_inbox {
        r = r.route("/dev/inbox", get(dev_inbox_negotiated));
    }
    r.layer(CsrfLayer::new()).route("/static/ninsho.css", get(css))
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
