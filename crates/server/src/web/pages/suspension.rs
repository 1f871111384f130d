//! F-OFF-2: pausing 2SV for a while, from the account page: one confirming page (after
//! a step-up) that says what the pause means and asks for how long; switching it back
//! on early is one button on the account page.

use axum::http::StatusCode;
use axum::response::Response;
use ninsho_domain::Error;
use ninsho_domain::messages::Span;
use ninsho_domain::service::suspension::DEFAULT_SUSPEND_HOURS;
use serde::Deserialize;

use crate::web::ctx::{Ctx, Page};
use crate::web::form::PageForm;

/// The lengths offered, in hours: the domain takes any from 1 to 168.
const CHOICES: [i64; 5] = [1, 6, 24, 72, 168];

#[derive(askama::Template)]
#[template(path = "suspend.html")]
struct SuspendPage {
    p: Page,
    choices: Vec<(i64, String)>,
    chosen: i64,
}

fn page(ctx: &Ctx, problem: Option<&Error>, chosen: i64) -> SuspendPage {
    let p = ctx.page_with("twosv-pause-title", problem, &["hours"]);
    // "24 hours", then whole days, as every other length of time reads.
    let span = |h: i64| if h >= 48 && h % 24 == 0 { Span::Days(h / 24) } else { Span::Hours(h) };
    let choices = CHOICES.iter().map(|h| (*h, p.tr.span(span(*h)))).collect();
    SuspendPage { p, choices, chosen }
}

pub async fn confirm(ctx: Ctx) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    // Asked here, before the form: the pause would be refused after it otherwise.
    if let Err(e) = ctx.state.services.require_step_up(&a) {
        let here = ctx.here.clone();
        return ctx.fail(e, &here);
    }
    if a.account.twosv_enabled_at.is_none() {
        return ctx.redirect("/account");
    }
    let page = page(&ctx, None, DEFAULT_SUSPEND_HOURS);
    ctx.ok(&page)
}

#[derive(Deserialize)]
pub struct SuspendForm {
    #[serde(default)]
    hours: String,
}

pub async fn suspend(ctx: Ctx, PageForm(f): PageForm<SuspendForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    // Not a number reads as 0: refused as the domain refuses a number out of range.
    let hours = f.hours.trim().parse::<i64>().unwrap_or_default();
    match ctx.state.services.suspend_two_step(&a, Some(hours), &ctx.client).await {
        Ok(_) => ctx.redirect("/account?notice=twosv-paused"),
        Err(e @ Error::Invalid { .. }) => {
            let page = page(&ctx, Some(&e), DEFAULT_SUSPEND_HOURS);
            ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => ctx.fail(e, "/account/two-step/suspend"),
    }
}

/// The form has no field but its CSRF token.
#[derive(Deserialize)]
pub struct ResumeForm {}

pub async fn resume(ctx: Ctx, PageForm(_): PageForm<ResumeForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    match ctx.state.services.resume_two_step(&a, &ctx.client).await {
        Ok(()) => ctx.redirect("/account?notice=twosv-resumed"),
        Err(e) => ctx.fail(e, "/account"),
    }
}
