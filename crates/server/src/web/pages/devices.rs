//! Devices and sessions (F-DEV-1), trusted browsers (F-DEV-2) and the sign-in
//! history with unfamiliar entries flagged (F-DEV-3).

use axum::response::Response;
use ninsho_domain::types::{SessionId, TrustedBrowserId};
use ninsho_domain::Error;
use serde::Deserialize;

use crate::web::ctx::{Ctx, Page};
use crate::web::form::PageForm;
use crate::web::time::when;

pub struct SessionRow {
    id: String,
    current: bool,
    device: String,
    ip: String,
    created: String,
    last_seen: String,
}

pub struct BrowserRow {
    id: String,
    device: String,
    created: String,
    expires: String,
}

#[derive(askama::Template)]
#[template(path = "devices.html")]
struct DevicesPage {
    p: Page,
    sessions: Vec<SessionRow>,
    browsers: Vec<BrowserRow>,
}

pub async fn show(ctx: Ctx) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let s = &ctx.state.services;
    let (sessions, browsers) = match (s.list_sessions(&a).await, s.list_trusted_browsers(&a).await) {
        (Ok(x), Ok(y)) => (x, y),
        (Err(e), _) | (_, Err(e)) => return ctx.fail(e, "/account/devices"),
    };
    let p = ctx.page("devices-title");
    let unknown = p.t("device-unknown");
    let sessions = sessions
        .into_iter()
        .map(|v| SessionRow {
            id: v.id.0.to_string(),
            current: v.current,
            device: v.device_name.or(v.user_agent).unwrap_or_else(|| unknown.clone()),
            ip: v.ip.unwrap_or_default(),
            created: when(v.created_at),
            last_seen: when(v.last_seen_at),
        })
        .collect();
    let browsers = browsers
        .into_iter()
        .map(|b| BrowserRow { id: b.id.0.to_string(), device: b.user_agent.unwrap_or_else(|| unknown.clone()), created: when(b.created_at), expires: when(b.expires_at) })
        .collect();
    ctx.ok(&DevicesPage { p, sessions, browsers })
}

#[derive(Deserialize)]
pub struct IdForm {
    id: Option<String>,
}

fn parse_uuid(s: Option<&str>) -> Option<uuid::Uuid> {
    s.and_then(|s| uuid::Uuid::try_parse(s).ok())
}

pub async fn sign_out_one(ctx: Ctx, PageForm(f): PageForm<IdForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let Some(id) = parse_uuid(f.id.as_deref()) else { return ctx.fail(Error::NotFound, "/account/devices") };
    match ctx.state.services.sign_out(&a, SessionId(id), &ctx.client).await {
        Ok(()) => ctx.redirect("/account/devices"),
        Err(e) => ctx.fail(e, "/account/devices"),
    }
}

pub async fn sign_out_all(ctx: Ctx, PageForm(_): PageForm<IdForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    match ctx.state.services.sign_out_all(&a, true, &ctx.client).await {
        Ok(()) => ctx.redirect("/account/devices"),
        Err(e) => ctx.fail(e, "/account/devices"),
    }
}

pub async fn revoke_browser(ctx: Ctx, PageForm(f): PageForm<IdForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let Some(id) = parse_uuid(f.id.as_deref()) else { return ctx.fail(Error::NotFound, "/account/devices") };
    match ctx.state.services.revoke_trusted_browser(&a, TrustedBrowserId(id), &ctx.client).await {
        Ok(()) => ctx.redirect("/account/devices"),
        Err(e) => ctx.fail(e, "/account/devices"),
    }
}

pub struct HistoryRow {
    at: String,
    what: String,
    device: String,
    ip: String,
    unfamiliar: bool,
}

#[derive(askama::Template)]
#[template(path = "history.html")]
struct HistoryPage {
    p: Page,
    rows: Vec<HistoryRow>,
}

pub async fn history(ctx: Ctx) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let entries = match ctx.state.services.history(&a, 200).await {
        Ok(e) => e,
        Err(e) => return ctx.fail(e, "/account/history"),
    };
    let p = ctx.page("history-title");
    let unknown = p.t("device-unknown");
    let rows = entries
        .into_iter()
        .map(|e| HistoryRow {
            at: when(e.at),
            what: p.t(&format!("event-{}", e.kind.as_str().replace('_', "-"))),
            device: e.user_agent.unwrap_or_else(|| unknown.clone()),
            ip: e.ip.unwrap_or_default(),
            unfamiliar: e.unfamiliar,
        })
        .collect();
    ctx.ok(&HistoryPage { p, rows })
}
