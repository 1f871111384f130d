//! The development inbox as a page, while the dev provider is active: what would
//! have been sent, newest first.

use axum::response::Response;
use ninsho_domain::ports::OutboxStore;

use crate::web::ctx::{Ctx, Page};
use crate::web::time::when_utc;

pub struct DevRow {
    at: String,
    channel: &'static str,
    to: String,
    body: String,
}

#[derive(askama::Template)]
#[template(path = "dev_inbox.html")]
struct DevInboxPage {
    p: Page,
    rows: Vec<DevRow>,
}

pub async fn inbox(ctx: Ctx) -> Response {
    let entries = match ctx.state.db.dev_inbox(200).await {
        Ok(e) => e,
        Err(e) => return ctx.fail(e, "/dev/inbox"),
    };
    let p = ctx.page("dev-inbox-title");
    let rows = entries.into_iter().rev().map(|e| DevRow { at: when_utc(e.at), channel: e.channel.as_str(), to: e.destination, body: e.body }).collect();
    ctx.ok(&DevInboxPage { p, rows })
}
