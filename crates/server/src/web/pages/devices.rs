//! Devices and sessions (F-DEV-1), trusted browsers (F-DEV-2) and the sign-in
//! history with unfamiliar entries flagged (F-DEV-3).

use axum::response::Response;
use ninsho_domain::types::{SessionId, TrustedBrowserId};
use ninsho_domain::Error;
use serde::Deserialize;

use crate::web::ctx::{Ctx, Page};
use crate::web::form::PageForm;
use crate::web::readable;
use crate::web::time::when;

pub struct SessionRow {
    id: String,
    current: bool,
    device: String,
    ip: String,
    place: Option<String>,
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
    zone: String,
    sessions: Vec<SessionRow>,
    browsers: Vec<BrowserRow>,
}

pub async fn show(ctx: Ctx) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let s = &ctx.state.services;
    let (sessions, browsers) = match (s.list_sessions(&a, ctx.locale).await, s.list_trusted_browsers(&a).await) {
        (Ok(x), Ok(y)) => (x, y),
        (Err(e), _) | (_, Err(e)) => return ctx.fail(e, "/account/devices"),
    };
    let (zone, _) = s.time_zone(&a.account);
    let p = ctx.page("devices-title");
    let sessions = sessions
        .into_iter()
        .map(|v| SessionRow {
            id: v.id.0.to_string(),
            current: v.current,
            device: readable::device(&p.tr, v.device_name.as_deref(), &v.device),
            ip: v.ip.unwrap_or_default(),
            place: readable::place(&p.tr, v.place.as_ref()),
            created: when(v.created_at, &zone),
            last_seen: when(v.last_seen_at, &zone),
        })
        .collect();
    let browsers = browsers
        .into_iter()
        .map(|b| BrowserRow {
            id: b.id.0.to_string(),
            device: readable::device(&p.tr, None, &b.device),
            created: when(b.created_at, &zone),
            expires: when(b.expires_at, &zone),
        })
        .collect();
    ctx.ok(&DevicesPage { p, zone: zone.as_str().to_string(), sessions, browsers })
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
    pub(crate) at: String,
    pub(crate) what: String,
    pub(crate) device: String,
    pub(crate) ip: String,
    pub(crate) place: Option<String>,
    pub(crate) unfamiliar: bool,
}

/// The page text naming an event kind.
pub fn event_key(kind: ninsho_domain::types::EventKind) -> String {
    format!("event-{}", kind.as_str().replace('_', "-"))
}

impl HistoryRow {
    /// An entry of the security log as a page shows it, in the reader's zone.
    pub fn of(p: &Page, e: ninsho_domain::service::HistoryEntry, zone: &ninsho_domain::zone::TimeZoneName) -> HistoryRow {
        HistoryRow {
            at: when(e.at, zone),
            // Every kind has its text, those only support reads included.
            what: p.t(&event_key(e.kind)),
            device: readable::device(&p.tr, None, &e.device),
            ip: e.ip.unwrap_or_default(),
            place: readable::place(&p.tr, e.place.as_ref()),
            unfamiliar: e.unfamiliar,
        }
    }
}

#[derive(askama::Template)]
#[template(path = "history.html")]
struct HistoryPage {
    p: Page,
    zone: String,
    rows: Vec<HistoryRow>,
}

pub async fn history(ctx: Ctx) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let entries = match ctx.state.services.history(&a, 200, ctx.locale).await {
        Ok(e) => e,
        Err(e) => return ctx.fail(e, "/account/history"),
    };
    let (zone, _) = ctx.state.services.time_zone(&a.account);
    let p = ctx.page("history-title");
    let rows = entries.into_iter().map(|e| HistoryRow::of(&p, e, &zone)).collect();
    ctx.ok(&HistoryPage { p, zone: zone.as_str().to_string(), rows })
}
