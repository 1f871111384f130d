//! F-INT-3: the hosted page of a shop service's step-up. The service sends the shopper's
//! browser to the signed link it was given; the link opens ninsho's code page for the
//! step-up (no sign-in: the code from the account's own method is the proof), and once
//! the code is right, sends the shopper back to the URL the service registered.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use ninsho_domain::Error;
use ninsho_domain::service::StepUpStatus;

use crate::web::cookies;
use crate::web::ctx::{Ctx, Page};

#[derive(askama::Template)]
#[template(path = "step_up.html")]
struct StepUpPage {
    p: Page,
    message: String,
    done: bool,
    /// The service's page to go back to (followed at once by the page itself).
    back: Option<String>,
}

fn token_ok(t: &str) -> bool {
    t.len() <= 100 && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
}

/// Opens the code page for the step-up (reading the link changes nothing).
pub async fn open(mut ctx: Ctx, Path(token): Path<String>) -> Response {
    if !token_ok(&token) {
        return ctx.fail(Error::NotFound, "/");
    }
    match ctx.state.services.step_up_by_link(&token).await {
        Ok(h) if h.result.status == StepUpStatus::Pending => {
            // The page speaks the language the code message was sent in, unless this
            // browser chose one on ninsho's pages before.
            if ctx.cookie(cookies::LANG).is_none() {
                ctx.set_cookie(cookies::LANG, h.locale.as_str(), Some(365 * 24 * 3600));
            }
            super::code::set_pending(&mut ctx, h.result.step_up.challenge_id, &format!("/step-up/{token}/done"));
            ctx.redirect("/code")
        }
        Ok(h) => finished(ctx, h.result.status, h.result.step_up.return_url.as_deref()),
        Err(e) => ctx.fail(e, "/"),
    }
}

/// Where the code page goes once the code was right: back to the service.
pub async fn done(ctx: Ctx, Path(token): Path<String>) -> Response {
    if !token_ok(&token) {
        return ctx.fail(Error::NotFound, "/");
    }
    match ctx.state.services.step_up_by_link(&token).await {
        Ok(h) if h.result.status == StepUpStatus::Pending => ctx.redirect("/code"),
        Ok(h) => finished(ctx, h.result.status, h.result.step_up.return_url.as_deref()),
        Err(e) => ctx.fail(e, "/"),
    }
}

/// The outcome, and the way back to the service. The page goes back by itself rather
/// than by a redirect: after the code form's POST, a redirect to another origin would
/// break the pages' `form-action 'self'` policy. The URL was checked against the
/// client's registered origins when the step-up began; whatever the outcome, the
/// service reads it from the API.
fn finished(ctx: Ctx, status: StepUpStatus, return_url: Option<&str>) -> Response {
    let completed = status == StepUpStatus::Completed;
    let p = ctx.page("code-title-service-step-up");
    let message = p.t(if completed { "step-up-done" } else { "step-up-closed" });
    let page = StepUpPage { p, message, done: completed, back: return_url.map(str::to_owned) };
    ctx.render(if completed { StatusCode::OK } else { StatusCode::GONE }, &page)
}
