//! F-SUP-1: `/support`, where staff find an account by its e-mail address or phone
//! number and read it — methods (masked), devices, messages (codes blanked), 2SV and
//! lock state, security log — and act on it as their role allows: lock, unlock,
//! release limits, pause 2SV. The reset requests are reviewed at `/support/resets`,
//! and what staff did is read at `/support/log`. Every decision of what a member may
//! do is made in `domain` (`StaffRole::permits`).

pub mod log;
pub mod resets;

use axum::extract::Query;
use axum::response::Response;
use ninsho_domain::Error;
use ninsho_domain::service::SupportSearch;
use ninsho_domain::staff::StaffAction;
use serde::Deserialize;

use super::code::method_name;
use super::devices::HistoryRow;
use super::messages::MessageRow;
use crate::web::ctx::{Ctx, Page, urlencode};
use crate::web::form::PageForm;
use crate::web::readable;
use crate::web::time::when;

pub struct DeviceRow {
    device: String,
    detail: String,
}

pub struct ResetRow {
    id: String,
    at: String,
}

pub struct Found {
    email: String,
    created: String,
    two_step: String,
    paused: bool,
    two_step_on: bool,
    locked: Option<String>,
    may_lock: bool,
    may_release: bool,
    may_suspend: bool,
    may_review: bool,
    methods: Vec<String>,
    sessions: Vec<DeviceRow>,
    browsers: Vec<DeviceRow>,
    messages: Vec<MessageRow>,
    resets: Vec<ResetRow>,
    log: Vec<HistoryRow>,
}

#[derive(askama::Template)]
#[template(path = "support.html")]
struct SupportPage {
    p: Page,
    q: String,
    /// The member must turn 2SV on first.
    setup_needed: bool,
    /// Searched, and no account has the address or number.
    none: bool,
    /// A number several accounts share: their addresses, each with its link.
    several: Vec<(String, String)>,
    found: Option<Found>,
    /// The staff log: everyone's for those who may read it, else the member's own.
    log_link: String,
    /// Whether the member may review reset requests.
    may_review: bool,
    /// What the lock and pause forms were sent with, shown again beside their errors.
    form: Sent,
}

/// A form of the console as it was sent.
#[derive(Default)]
pub struct Sent {
    reason: String,
    hours: String,
}

impl Sent {
    fn fresh() -> Sent {
        Sent { reason: String::new(), hours: "24".into() }
    }
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

const FIELDS: &[&str] = &["q", "reason", "hours"];

pub async fn show(ctx: Ctx, Query(q): Query<SearchQuery>) -> Response {
    // A search another site started is not run (nor recorded): the form, filled in.
    let q = q.q.trim().to_string();
    if ctx.from_another_site() && !q.is_empty() {
        return page(ctx, String::new(), None, Sent::fresh()).await;
    }
    page(ctx, q, None, Sent::fresh()).await
}

/// The console for `q` (empty: the search form alone), with `error` from a form of it
/// shown next to its field.
async fn page(ctx: Ctx, q: String, error: Option<Error>, form: Sent) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let svc = &ctx.state.services;
    let looked = if q.is_empty() {
        svc.authorize_staff(&a, StaffAction::FindAccount).await.map(|_| None)
    } else {
        svc.support_search(&a, &q, ctx.locale, &ctx.client).await.map(Some)
    };
    let role = svc.staff_member_of(&a).await.ok().flatten().map(|m| m.role);
    let may = |x: StaffAction| role.is_some_and(|r| r.permits(x));
    let (zone, _) = svc.time_zone(&a.account);
    let log_link = if may(StaffAction::ReadStaffLog) { "/support/log".to_string() } else { format!("/support/log?member={}", urlencode(a.account.email.as_str())) };
    let may_review = may(StaffAction::ReviewResets);
    match looked {
        Ok(result) => {
            let p = ctx.page_with("support-title", error.as_ref(), FIELDS);
            let none = matches!(result, Some(SupportSearch::Nothing));
            let several = match &result {
                Some(SupportSearch::Several(emails)) => emails.iter().map(|e| (e.as_str().to_string(), format!("/support?q={}", urlencode(e.as_str())))).collect(),
                _ => Vec::new(),
            };
            let found = match result {
                Some(SupportSearch::Found(v)) => Some(found(&p, *v, &zone, svc.now())),
                _ => None,
            };
            let status = error.as_ref().map_or(axum::http::StatusCode::OK, crate::api::status_of);
            let page = SupportPage { p, q, setup_needed: false, none, several, found, log_link, may_review, form };
            ctx.render(status, &page)
        }
        Err(Error::Conflict { code: "staff.two_step_required", .. }) => {
            let p = ctx.page("support-title");
            ctx.ok(&SupportPage { p, q, setup_needed: true, none: false, several: Vec::new(), found: None, log_link, may_review: false, form })
        }
        Err(e @ Error::Invalid { .. }) => {
            let p = ctx.page_with("support-title", Some(&e), FIELDS);
            let page = SupportPage { p, q, setup_needed: false, none: false, several: Vec::new(), found: None, log_link, may_review, form };
            ctx.render(crate::api::status_of(&e), &page)
        }
        Err(e) => ctx.fail(e, "/support"),
    }
}

fn found(p: &Page, v: ninsho_domain::service::SupportView, zone: &ninsho_domain::zone::TimeZoneName, now: ninsho_domain::types::UnixMillis) -> Found {
    let paused_until = v.account.twosv_suspended_at(now);
    let may = |x: StaffAction| v.may.contains(&x);
    let seen = |ip: Option<&str>, place: Option<String>, at| {
        let mut parts = vec![p.t1("support-last-seen", "at", &when(at, zone))];
        parts.extend(ip.map(str::to_string));
        parts.extend(place);
        parts.join(" · ")
    };
    Found {
        email: v.account.email.as_str().to_string(),
        created: when(v.account.created_at, zone),
        two_step: match (v.account.twosv_enabled_at, paused_until) {
            (None, _) => p.t("support-two-step-off"),
            (Some(_), Some(until)) => p.t1("support-two-step-paused", "until", &when(until, zone)),
            (Some(_), None) => p.t("support-two-step-on"),
        },
        paused: paused_until.is_some(),
        two_step_on: v.account.twosv_enabled_at.is_some(),
        locked: v.account.locked_at(now).map(|until| p.t1("support-locked", "until", &when(until, zone))),
        may_lock: may(StaffAction::LockAccounts),
        may_release: may(StaffAction::ReleaseLimits),
        may_suspend: may(StaffAction::SuspendTwoStep),
        may_review: may(StaffAction::ReviewResets),
        methods: v.methods.iter().map(|m| method_name(&p.tr, m)).collect(),
        sessions: v
            .sessions
            .iter()
            .map(|s| DeviceRow { device: readable::device(&p.tr, s.device_name.as_deref(), &s.device), detail: seen(s.ip.as_deref(), readable::place(&p.tr, s.place.as_ref()), s.last_seen_at) })
            .collect(),
        browsers: v
            .trusted_browsers
            .iter()
            .map(|t| DeviceRow { device: readable::device(&p.tr, None, &t.device), detail: p.t1("support-trusted-until", "until", &when(t.expires_at, zone)) })
            .collect(),
        messages: v.messages.into_iter().map(|m| MessageRow::of(p, m, zone)).collect(),
        resets: v.pending_resets.iter().map(|r| ResetRow { id: r.id.to_string(), at: when(r.created_at, zone) }).collect(),
        log: v.log.into_iter().map(|e| HistoryRow::of(p, e, zone)).collect(),
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

fn hours_of(s: &str, e: impl Fn() -> Error) -> Result<i64, Error> {
    s.trim().parse::<i64>().map_err(|_| e())
}

/// F-OFF-5 from the console: the lock is recorded under the member's address.
pub async fn lock(ctx: Ctx, PageForm(f): PageForm<LockForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let done = match hours_of(&f.hours, || Error::invalid("lock.hours_invalid", "hours", "a lock lasts from 1 hour to 30 days (720 hours)")) {
        Ok(h) => ctx.state.services.support_lock(&a, &f.email, &f.reason, h, &ctx.client).await.map(|_| ()),
        Err(e) => Err(e),
    };
    after(ctx, f.email, done, Sent { reason: f.reason, hours: f.hours }).await
}

/// F-OFF-2 from the console: 2SV paused for the owner who asked, with a reason.
pub async fn suspend(ctx: Ctx, PageForm(f): PageForm<LockForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let done = match hours_of(&f.hours, || Error::invalid("twosv.suspend_hours_invalid", "hours", "pause for 1 to 168 hours (7 days)")) {
        Ok(h) => ctx.state.services.support_suspend(&a, &f.email, h, &f.reason, &ctx.client).await.map(|_| ()),
        Err(e) => Err(e),
    };
    after(ctx, f.email, done, Sent { reason: f.reason, hours: f.hours }).await
}

/// A form that names only the account.
#[derive(Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    email: String,
}

pub async fn unlock(ctx: Ctx, PageForm(f): PageForm<AccountForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let done = ctx.state.services.support_unlock(&a, &f.email, &ctx.client).await.map(|_| ());
    after(ctx, f.email, done, Sent::fresh()).await
}

pub async fn resume(ctx: Ctx, PageForm(f): PageForm<AccountForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let done = ctx.state.services.support_resume(&a, &f.email, &ctx.client).await;
    after(ctx, f.email, done, Sent::fresh()).await
}

/// F-LIMIT-2 from the console: the account's send limits, released under the
/// member's address.
pub async fn release_limits(ctx: Ctx, PageForm(f): PageForm<AccountForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let done = ctx.state.services.support_release_limits(&a, &f.email, &ctx.client).await.map(|_| ());
    after(ctx, f.email, done, Sent::fresh()).await
}

/// Back to the account (a fresh GET), or the console again with the form's error.
async fn after(ctx: Ctx, email: String, done: Result<(), Error>, form: Sent) -> Response {
    let email = email.trim().to_string();
    match done {
        Ok(()) => {
            let to = format!("/support?q={}", urlencode(&email));
            ctx.redirect(&to)
        }
        Err(e @ (Error::Invalid { .. } | Error::Conflict { .. })) => page(ctx, email, Some(e), form).await,
        Err(e) => ctx.fail(e, "/support"),
    }
}
