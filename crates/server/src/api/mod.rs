//! The JSON API under `/api/v1`, described by `/api/openapi.json`. Handlers only
//! translate HTTP to `Services` calls and back; rules live in `domain`.

mod account;
mod auth;
mod deliveries;
pub(crate) mod dev;
mod error;
pub(crate) mod extract;
mod health;
mod inbox;
mod methods;
mod organisations;
pub(crate) mod observe;
pub(crate) mod problems;
mod recovery;
mod reset;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

pub use error::{ApiError, ApiResult, problem, problem_json, problem_with, status_of};

use crate::app::AppState;

pub const OPENAPI: &str = include_str!("openapi.json");

/// The reset request's body limit: the largest document, base64, and the fields.
pub const RECOVERY_BODY_BYTES: usize = ninsho_domain::service::MAX_DOCUMENT_BYTES / 3 * 4 + 64 * 1024;

pub fn router(state: AppState) -> Router {
    let v1 = Router::new()
        .route("/sign-up", post(auth::sign_up))
        .route("/sign-in", post(auth::sign_in))
        .route("/sign-in/device", post(auth::sign_in_device))
        .route("/challenges/{id}/verify", post(auth::verify))
        .route("/challenges/{id}/resend", post(auth::resend))
        .route("/deny", post(auth::deny))
        .route("/step-up", post(auth::step_up))
        .route("/sign-out", post(account::sign_out_current))
        .route("/account", get(account::get_account).patch(account::patch_account))
        .route("/account/password", post(account::change_password))
        .route("/account/email", post(account::change_email))
        .route("/methods", get(methods::list))
        .route("/methods/phone", post(methods::add_phone))
        .route("/methods/totp", post(methods::add_totp))
        .route("/methods/email", post(methods::add_email))
        .route("/methods/backup-codes", post(methods::backup_codes))
        .route("/methods/preferred", put(methods::set_preferred))
        .route("/methods/{id}", delete(methods::remove))
        .route("/two-step/approval", post(methods::request_approval))
        .route("/approvals/approve", post(methods::approve))
        .route("/two-step/enable", post(methods::enable))
        .route("/two-step/disable", post(methods::disable))
        .route("/two-step/suspend", post(methods::suspend))
        .route("/two-step/resume", post(methods::resume))
        .route("/sessions", get(account::sessions))
        .route("/sessions/sign-out-all", post(account::sign_out_all))
        .route("/sessions/{id}", delete(account::sign_out_one))
        .route("/trusted-browsers", get(account::trusted_browsers))
        .route("/trusted-browsers/{id}", delete(account::revoke_trusted_browser))
        .route("/history", get(account::history))
        .route("/deliveries", get(deliveries::list))
        .route("/deliveries/{id}/resend", post(deliveries::resend))
        .route("/messages", get(inbox::list))
        .route("/messages/check", post(inbox::check))
        .route("/organisations", get(organisations::list).post(organisations::create))
        .route("/organisations/invitations/accept", post(organisations::accept))
        .route("/organisations/{id}", get(organisations::show))
        .route("/organisations/{id}/log", get(organisations::log))
        .route("/organisations/{id}/invitations", post(organisations::invite))
        .route("/organisations/{id}/leave", post(organisations::leave))
        .route("/organisations/{id}/members/{account}", delete(organisations::remove))
        .route("/organisations/{id}/members/{account}/role", put(organisations::set_role))
        .route("/password-reset", post(reset::ask))
        .route("/password-reset/inspect", post(reset::inspect))
        .route("/password-reset/send", post(reset::send))
        .route("/password-reset/complete", post(reset::complete))
        .nest("/service", crate::service_api::routes())
        .route(
            "/password-reset/recovery",
            post(reset::recovery).layer::<_, std::convert::Infallible>(DefaultBodyLimit::max(RECOVERY_BODY_BYTES)).layer::<_, std::convert::Infallible>(crate::web::pages::recovery::UPLOADS.clone()),
        )
        // A document of up to 8 MiB, base64: this route alone takes large bodies.
        .route(
            "/recovery/requests",
            post(recovery::request).layer::<_, std::convert::Infallible>(DefaultBodyLimit::max(RECOVERY_BODY_BYTES)).layer::<_, std::convert::Infallible>(crate::web::pages::recovery::UPLOADS.clone()),
        );

    let mut app = Router::new()
        // `/health` is the older name of `/health/ready`: probes set up for it keep working.
        .route("/health", get(health::ready))
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/api/openapi.json", get(openapi))
        .nest("/api/v1", v1);
    // Pages share the router so that one set of layers covers everything.
    app = app.merge(crate::web::routes(state.config.providers.uses_dev_inbox()));
    // F-INT-5: outside the pages' CSRF layer; OAuth fixes their request shapes.
    app = app.merge(crate::oidc::routes());
    let max_body = state.config.max_body_bytes;
    let body_timeout = state.config.body_timeout;
    let request_id = observe::REQUEST_ID;
    let observed = state.clone();
    app.fallback(not_found)
        .with_state(state)
        // Bodies are refused past the limit before any handler (or password hash) runs.
        .layer(DefaultBodyLimit::max(max_body))
        // A body that stops arriving ends the request with 408 (the extractors say so).
        .layer(RequestBodyTimeoutLayer::new(body_timeout))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(30)))
        .layer(axum::middleware::from_fn(problems::limits))
        .layer(axum::middleware::from_fn(problems::documents))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        // Only the reset review sets its own (it frames the document it shows).
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(crate::web::CSP)))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        // Deny and approve links carry their token in the path: never pass it on.
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        // The request's log line and metrics, by route template (see `observe`).
        .layer(axum::middleware::from_fn_with_state(observed, observe::observe))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(axum::middleware::map_request(observe::plain_request_id))
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// A bare 404: `problems::documents` makes it a problem document, or a page for a
/// browser asking for one.
async fn not_found() -> axum::http::StatusCode {
    axum::http::StatusCode::NOT_FOUND
}
