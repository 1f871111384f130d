//! F-SUP-1: `/support`, where staff find an account by its address and read it: its
//! methods (masked), open sessions, 2SV and lock state, and its security log. Never a
//! code. Each look is recorded in the account's log with who looked; what a member
//! may do is decided in `domain` (`StaffRole::permits`).

use axum::extract::Query;
use axum::response::Response;
use ninsho_domain::Error;
use serde::Deserialize;

use super::code::method_name;
use super::devices::HistoryRow;
use crate::web::ctx::{Ctx, Page};
use crate::web::form::PageForm;
use crate::web::time::when;

pub struct Found {
    email: String,
    created: String,
    two_step: String,
    locked: Option<String>,
    may_lock: bool,
    may_release: bool,
    methods: Vec<String>,
    sessions: String,
    log: Vec<HistoryRow>,
}

#[derive(askama::Template)]
#[template(path = "support.html")]
struct SupportPage {
    p: Page,
    email: String,
    /// The member must turn 2SV on first.
    setup_needed: bool,
    /// Searched, and no account has the address.
    none: bool,
    found: Option<Found>,
    /// What the lock form was sent with, shown again beside its errors.
    reason: String,
    hours: String,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    email: String,
}

const FIELDS: &[&str] = &["email", "reason", "hours"];

pub async fn show(ctx: Ctx, Query(q): Query<SearchQuery>) -> Response {
    let email = q.email.trim().to_string();
    page(ctx, email, None, String::new(), "24".into()).await
}

/// The console for `email` (none: the search form alone), with `error` from a form
/// of it shown next to its field.
async fn page(ctx: Ctx, email: String, error: Option<Error>, reason: String, hours: String) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let svc = &ctx.state.services;
    let looked = if email.is_empty() {
        svc.authorize_staff(&a, ninsho_domain::staff::StaffAction::FindAccount).await.map(|_| None)
    } else {
        svc.support_lookup(&a, &email, ctx.locale, &ctx.client).await.map(Some)
    };
    let (zone, _) = svc.time_zone(&a.account);
    match looked {
        Ok(result) => {
            let p = ctx.page_with("support-title", error.as_ref(), FIELDS);
            let none = matches!(result, Some(None));
            let found = result.flatten().map(|v| Found {
                email: v.account.email.as_str().to_string(),
                created: when(v.account.created_at, &zone),
                two_step: match (v.account.twosv_enabled_at, v.account.twosv_suspended_until.filter(|u| *u > svc.now())) {
                    (None, _) => p.t("support-two-step-off"),
                    (Some(_), Some(until)) => p.t1("support-two-step-paused", "until", &when(until, &zone)),
                    (Some(_), None) => p.t("support-two-step-on"),
                },
                locked: v.account.locked_at(svc.now()).map(|until| p.t1("support-locked", "until", &when(until, &zone))),
                may_lock: v.may_lock,
                may_release: v.may_release,
                methods: v.methods.iter().map(|m| method_name(&p.tr, m)).collect(),
                sessions: p.t1("support-sessions", "count", &v.open_sessions.to_string()),
                log: v.log.into_iter().map(|e| HistoryRow::of(&p, e, &zone)).collect(),
            });
            let status = error.as_ref().map_or(axum::http::StatusCode::OK, crate::api::status_of);
            ctx.render(status, &SupportPage { p, email, setup_needed: false, none, found, reason, hours })
        }
        Err(Error::Conflict { code: "staff.two_step_required", .. }) => {
            let p = ctx.page("support-title");
            ctx.ok(&SupportPage { p, email, setup_needed: true, none: false, found: None, reason, hours })
        }
        Err(e @ Error::Invalid { .. }) => {
            let p = ctx.page_with("support-title", Some(&e), FIELDS);
            ctx.render(crate::api::status_of(&e), &SupportPage { p, email, setup_needed: false, none: false, found: None, reason, hours })
        }
        Err(e) => ctx.fail(e, "/support"),
    }
}

#[derive(Deserialize)]
pub struct LockForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    hours: String,
}

/// F-OFF-5 from the console: the lock is recorded under the member's address.
pub async fn lock(ctx: Ctx, PageForm(f): PageForm<LockForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let hours = f.hours.trim().parse::<i64>().map_err(|_| Error::invalid("lock.hours_invalid", "hours", "a lock lasts from 1 hour to 30 days (720 hours)"));
    let done = match hours {
        Ok(h) => ctx.state.services.support_lock(&a, &f.email, &f.reason, h).await.map(|_| ()),
        Err(e) => Err(e),
    };
    after(ctx, f.email, done, f.reason, f.hours).await
}

/// A form that names only the account.
#[derive(Deserialize)]
pub struct UnlockForm {
    #[serde(default)]
    email: String,
}

pub async fn unlock(ctx: Ctx, PageForm(f): PageForm<UnlockForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let done = ctx.state.services.support_unlock(&a, &f.email).await.map(|_| ());
    after(ctx, f.email, done, String::new(), "24".into()).await
}

/// Back to the account (a fresh GET), or the console again with the form's error.
async fn after(ctx: Ctx, email: String, done: Result<(), Error>, reason: String, hours: String) -> Response {
    let email = email.trim().to_string();
    match done {
        Ok(()) => {
            let to = format!("/support?email={}", crate::web::ctx::urlencode(&email));
            ctx.redirect(&to)
        }
        Err(e @ (Error::Invalid { .. } | Error::Conflict { .. })) => page(ctx, email, Some(e), reason, hours).await,
        Err(e) => ctx.fail(e, "/support"),
    }
}

/// F-LIMIT-2 from the console: the account's send limits, released under the
/// member's address.
pub async fn release_limits(ctx: Ctx, PageForm(f): PageForm<UnlockForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let done = ctx.state.services.support_release_limits(&a, &f.email).await.map(|_| ());
    after(ctx, f.email, done, String::new(), "24".into()).await
}

