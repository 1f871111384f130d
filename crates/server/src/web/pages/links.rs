//! Pages behind the links in messages: "Approve" of the 2SV setup e-mail (F-2SV-1)
//! and "Deny" of every code and approval message (F-MSG-4). Opening a link only
//! shows a button: mail scanners that fetch links must not approve or deny.

use axum::extract::Path;
use axum::response::Response;
use ninsho_domain::service::DenyOutcome;
use serde::Deserialize;

use crate::web::ctx::{Ctx, Page};
use crate::web::form::PageForm;

#[derive(askama::Template)]
#[template(path = "link.html")]
struct LinkPage {
    p: Page,
    /// The request a link stands for (when, device, place), where it is known.
    facts: Vec<(String, String)>,
    /// A second way out on the same page: the deny form of an approval.
    also: Option<(String, String)>,
    action: String,
    intro: String,
    button: String,
    done: Option<String>,
    next: Option<(String, String)>,
    danger: bool,
}

fn token_ok(t: &str) -> bool {
    t.len() <= 100 && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
}

pub async fn approve_page(ctx: Ctx, Path(token): Path<String>) -> Response {
    if !token_ok(&token) {
        return ctx.fail(ninsho_domain::Error::invalid("approve.invalid_link", "token", "bad link"), "/");
    }
    let view = match ctx.state.services.approval_view(&token, ctx.locale).await {
        Ok(v) => v,
        Err(e) => return ctx.fail(e, "/"),
    };
    let p = ctx.page("approve-title");
    let zone = match &ctx.authed {
        Some(a) => ctx.state.services.time_zone(&a.account).0,
        None => ctx.state.services.default_time_zone(ctx.locale).0,
    };
    let mut facts = vec![
        (p.t("approve-when"), crate::web::time::when(view.requested_at, &zone)),
        (p.t("approve-device"), crate::web::readable::device(&p.tr, view.device_name.as_deref(), &view.device)),
    ];
    let place = crate::web::readable::place(&p.tr, view.place.as_ref());
    let at = match (view.ip, place) {
        (Some(ip), Some(place)) => Some(format!("{place} ({ip})")),
        (ip, place) => place.or(ip),
    };
    if let Some(at) = at {
        facts.push((p.t("approve-where"), at));
    }
    let page = LinkPage {
        facts,
        also: Some((format!("/deny/{}", view.deny_token), p.t("approve-deny"))),
        action: format!("/approve/{token}"),
        intro: p.t("approve-intro"),
        button: p.t("approve-submit"),
        done: None,
        next: None,
        danger: false,
        p,
    };
    ctx.ok(&page)
}

#[derive(Deserialize)]
pub struct Empty {}

/// The page a link's button leads to: what was done, and the way on.
fn done_page(ctx: Ctx, title: &str, text: &str, next: (&str, &str), danger: bool) -> Response {
    let p = ctx.page(title);
    let page = LinkPage {
        facts: vec![],
        also: None,
        action: String::new(),
        intro: String::new(),
        button: String::new(),
        done: Some(p.t(text)),
        next: Some((next.0.to_string(), p.t(next.1))),
        danger,
        p,
    };
    ctx.ok(&page)
}

/// The page behind a link: what it does, and its one button (mail scanners that fetch
/// links must not act on them).
fn button_page(ctx: Ctx, title: &str, action: String, intro: &str, button: &str, danger: bool) -> Response {
    let p = ctx.page(title);
    let page = LinkPage { facts: vec![], also: None, action, intro: p.t(intro), button: p.t(button), done: None, next: None, danger, p };
    ctx.ok(&page)
}


pub async fn approve(ctx: Ctx, Path(token): Path<String>, PageForm(_): PageForm<Empty>) -> Response {
    match ctx.state.services.approve(&token, &ctx.client).await {
        Ok(()) => done_page(ctx, "approve-title", "approve-done", ("/account/two-step/setup", "approve-continue"), false),
        Err(e) => ctx.fail(e, "/"),
    }
}

pub async fn deny_page(ctx: Ctx, Path(token): Path<String>) -> Response {
    if !token_ok(&token) {
        return ctx.fail(ninsho_domain::Error::invalid("deny.invalid_link", "token", "bad link"), "/");
    }
    button_page(ctx, "deny-title", format!("/deny/{token}"), "deny-intro", "deny-submit", true)
}

pub async fn deny(ctx: Ctx, Path(token): Path<String>, PageForm(_): PageForm<Empty>) -> Response {
    match ctx.state.services.deny(&token, &ctx.client).await {
        Ok(outcome) => {
            let text = if outcome == DenyOutcome::Denied { "deny-done" } else { "deny-already-used" };
            done_page(ctx, "deny-title", text, ("/account/password", "deny-change-password"), true)
        }
        Err(e) => ctx.fail(e, "/"),
    }
}

/// F-OFF-3: "cancel" in the notice of a 2SV reset request. Opening the link shows the
/// button only (mail scanners follow links).
pub async fn cancel_reset_page(ctx: Ctx, Path(token): Path<String>) -> Response {
    if !token_ok(&token) {
        return ctx.fail(ninsho_domain::Error::invalid("recovery.invalid_link", "token", "bad link"), "/");
    }
    button_page(ctx, "recovery-cancel-title", format!("/recovery/cancel/{token}"), "recovery-cancel-intro", "recovery-cancel-submit", true)
}

pub async fn cancel_reset(ctx: Ctx, Path(token): Path<String>, PageForm(_): PageForm<Empty>) -> Response {
    match ctx.state.services.cancel_reset_request(&token, &ctx.client).await {
        Ok(()) => done_page(ctx, "recovery-cancel-title", "recovery-cancel-done", ("/forgot-password", "deny-change-password"), true),
        Err(e) => ctx.fail(e, "/"),
    }
}
