//! F-DLV-3: `/courier`, a phone-sized page for couriers of carriers without an app: the
//! tracking number and the code the shopper tells at the door. Only a courier's
//! account with 2SV, signed in with a second factor, may use it.

use axum::response::Response;
use ninsho_domain::Error;
use secrecy::SecretString;
use serde::Deserialize;

use crate::web::ctx::{Ctx, Page};
use crate::web::form::PageForm;

#[derive(askama::Template)]
#[template(path = "courier.html")]
struct CourierPage {
    p: Page,
    tracking: String,
    /// The courier must turn 2SV on first.
    setup_needed: bool,
}

const FIELDS: &[&str] = &["tracking_id", "code"];

pub async fn show(ctx: Ctx) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    match ctx.state.services.courier_client(&a).await {
        Ok(_) => {
            let p = ctx.page("courier-title");
            ctx.ok(&CourierPage { p, tracking: String::new(), setup_needed: false })
        }
        Err(Error::Conflict { code: "courier.two_step_required", .. }) => {
            let p = ctx.page("courier-title");
            ctx.ok(&CourierPage { p, tracking: String::new(), setup_needed: true })
        }
        Err(e) => ctx.fail(e, "/courier"),
    }
}

#[derive(Deserialize)]
pub struct DoorForm {
    #[serde(default)]
    tracking_id: String,
    #[serde(default)]
    code: String,
}

pub async fn hand_over(ctx: Ctx, PageForm(f): PageForm<DoorForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    match ctx.state.services.courier_hand_over(&a, &f.tracking_id, SecretString::from(f.code)).await {
        Ok(_) => {
            let mut p = ctx.page("courier-title");
            p.notice = Some(p.t1("courier-handed-over", "tracking", f.tracking_id.trim()));
            ctx.ok(&CourierPage { p, tracking: String::new(), setup_needed: false })
        }
        Err(e @ (Error::Invalid { .. } | Error::Conflict { .. } | Error::InvalidCode | Error::RateLimited { .. })) => {
            let status = crate::api::status_of(&e);
            let p = ctx.page_with("courier-title", Some(&e), FIELDS);
            ctx.render(status, &CourierPage { p, tracking: f.tracking_id, setup_needed: false })
        }
        Err(e) => ctx.fail(e, "/courier"),
    }
}
