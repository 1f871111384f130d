//! F-DLV-2: the shopper's deliveries — each parcel that needs a code, with the code
//! while it works (to tell only the courier at the door), until when, and "send again".

use axum::extract::Query;
use axum::response::Response;
use ninsho_domain::ports::DeliveryStatus;
use ninsho_domain::types::DeliveryId;
use serde::Deserialize;

use crate::web::ctx::{Ctx, Page};
use crate::web::form::PageForm;
use crate::web::time::when;

pub struct Row {
    id: String,
    carrier: String,
    tracking: String,
    date: String,
    status: String,
    code: Option<String>,
    until: Option<String>,
    handed_over: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "deliveries.html")]
struct DeliveriesPage {
    p: Page,
    zone: String,
    rows: Vec<Row>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    sent: Option<String>,
}

pub async fn list(ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let views = match ctx.state.services.my_deliveries(&a, 100).await {
        Ok(v) => v,
        Err(e) => return ctx.fail(e, "/account/deliveries"),
    };
    let (zone, _) = ctx.state.services.time_zone(&a.account);
    let mut p = ctx.page("deliveries-title");
    if q.sent.is_some() {
        p.notice = Some(p.t("deliveries-resent"));
    }
    let rows = views
        .into_iter()
        .filter(|v| v.delivery.status != DeliveryStatus::NotRequired)
        .map(|v| {
            let d = v.delivery;
            Row {
                id: d.id.to_string(),
                carrier: d.carrier,
                tracking: d.tracking_id,
                date: d.delivery_date.to_string(),
                status: p.t(&format!("delivery-status-{}", d.status.as_str().replace('_', "-"))),
                code: v.code,
                until: v.valid_until.map(|t| when(t, &zone)),
                handed_over: d.handed_over_at.map(|t| when(t, &zone)),
            }
        })
        .collect();
    ctx.ok(&DeliveriesPage { p, zone: zone.as_str().to_string(), rows })
}

#[derive(Deserialize)]
pub struct ResendForm {
    id: String,
}

pub async fn resend(ctx: Ctx, PageForm(f): PageForm<ResendForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let Some(id) = DeliveryId::parse(&f.id) else { return ctx.fail(ninsho_domain::Error::NotFound, "/account/deliveries") };
    match ctx.state.services.resend_my_delivery_code(&a, id, &ctx.client).await {
        Ok(_) => ctx.redirect("/account/deliveries?sent=1"),
        Err(e) => ctx.fail(e, "/account/deliveries"),
    }
}
