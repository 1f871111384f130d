//! F-SUP-1: `/support/log`, what staff did, per person: every member reads their own
//! (`?member=` their address); the whole log, and any member's, takes the role that
//! may read it (`StaffAction::ReadStaffLog`).

use axum::extract::Query;
use axum::response::Response;
use serde::Deserialize;

use crate::web::ctx::{Ctx, Page};
use crate::web::time::when;

pub struct Row {
    at: String,
    member: String,
    member_href: String,
    action: String,
    subject: String,
    ip: String,
}

#[derive(askama::Template)]
#[template(path = "support_log.html")]
struct LogPage {
    p: Page,
    member: String,
    rows: Vec<Row>,
}

#[derive(Deserialize)]
pub struct LogQuery {
    #[serde(default)]
    member: String,
}

pub async fn show(ctx: Ctx, Query(q): Query<LogQuery>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let member = q.member.trim().to_string();
    let svc = &ctx.state.services;
    let entries = match svc.staff_log(&a, Some(member.as_str()).filter(|m| !m.is_empty())).await {
        Ok(e) => e,
        Err(e) => return ctx.fail(e, "/support/log"),
    };
    let (zone, _) = svc.time_zone(&a.account);
    let p = ctx.page("support-log-title");
    let rows = entries
        .into_iter()
        .map(|e| Row {
            at: when(e.at, &zone),
            member_href: format!("/support/log?member={}", crate::web::ctx::urlencode(&e.member)),
            member: e.member,
            action: e.action.map_or_else(|| "?".to_string(), |x| p.t(&format!("staff-action-{}", x.as_str().replace('_', "-")))),
            subject: e.subject,
            ip: e.ip.unwrap_or_default(),
        })
        .collect();
    ctx.ok(&LogPage { p, member, rows })
}
