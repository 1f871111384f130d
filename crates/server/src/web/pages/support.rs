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
use crate::web::time::when;

pub struct Found {
    email: String,
    created: String,
    two_step: String,
    locked: Option<String>,
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
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    email: String,
}

const FIELDS: &[&str] = &["email"];

pub async fn show(ctx: Ctx, Query(q): Query<SearchQuery>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let svc = &ctx.state.services;
    let email = q.email.trim().to_string();
    let looked = if email.is_empty() {
        svc.authorize_staff(&a, ninsho_domain::staff::StaffAction::FindAccount).await.map(|_| None)
    } else {
        svc.support_lookup(&a, &email, ctx.locale, &ctx.client).await.map(Some)
    };
    let (zone, _) = svc.time_zone(&a.account);
    match looked {
        Ok(result) => {
            let p = ctx.page("support-title");
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
                methods: v.methods.iter().map(|m| method_name(&p.tr, m)).collect(),
                sessions: p.t1("support-sessions", "count", &v.open_sessions.to_string()),
                log: v.log.into_iter().map(|e| HistoryRow::of(&p, e, &zone)).collect(),
            });
            ctx.ok(&SupportPage { p, email, setup_needed: false, none, found })
        }
        Err(Error::Conflict { code: "staff.two_step_required", .. }) => {
            let p = ctx.page("support-title");
            ctx.ok(&SupportPage { p, email, setup_needed: true, none: false, found: None })
        }
        Err(e @ Error::Invalid { .. }) => {
            let p = ctx.page_with("support-title", Some(&e), FIELDS);
            ctx.render(crate::api::status_of(&e), &SupportPage { p, email, setup_needed: false, none: false, found: None })
        }
        Err(e) => ctx.fail(e, "/support"),
    }
}
