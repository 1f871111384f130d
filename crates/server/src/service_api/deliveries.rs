//! `/api/v1/service/deliveries…` (F-DLV-1…4): the shop's order service registers
//! shipments (scope `deliveries:write`); the carrier's system checks the code at the
//! door (scope `deliveries:verify`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ninsho_domain::Error;
use ninsho_domain::service::{DeliveryView, Shipment};
use ninsho_domain::types::{AccountId, UnixMillis};
use ninsho_domain::zone::TimeZoneName;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Caller;
use crate::api::ApiResult;
use crate::api::extract::Json;
use crate::app::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    /// ISO 3166 two-letter code.
    pub(crate) country: String,
    /// IANA name, e.g. Asia/Tokyo: the delivery day ends at midnight there.
    pub(crate) time_zone: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShipmentBody {
    pub(crate) order_id: String,
    pub(crate) sub: String,
    pub(crate) amount: Value,
    pub(crate) currency: String,
    pub(crate) categories: Vec<String>,
    pub(crate) destination: Destination,
    pub(crate) carrier: String,
    pub(crate) tracking_id: String,
    /// YYYY-MM-DD in the destination's calendar.
    pub(crate) delivery_date: String,
    #[serde(default, deserialize_with = "crate::api::extract::no_null")]
    pub(crate) address_changed_days_ago: Option<i64>,
}

fn secs(ms: UnixMillis) -> i64 {
    ms.0.div_euclid(1000)
}

pub(crate) fn shipment_of(b: ShipmentBody) -> Result<Shipment, Error> {
    let fields = super::money::Fields { amount: "amount", currency: "currency", amount_code: "delivery.amount_invalid", currency_code: "delivery.currency_invalid" };
    let amount = super::money::parse(Some(&b.amount), Some(&b.currency), &fields)?;
    let time_zone = TimeZoneName::parse(&b.destination.time_zone).map_err(|_| Error::invalid("delivery.time_zone_invalid", "destination.time_zone", "a time zone of the IANA database, e.g. Asia/Tokyo"))?;
    let delivery_date = ninsho_domain::delivery_rules::parse_date(&b.delivery_date).ok_or_else(|| Error::invalid("delivery.date_invalid", "delivery_date", "a date as YYYY-MM-DD"))?;
    let account = AccountId::parse(&b.sub).ok_or_else(|| Error::invalid("account.unknown", "sub", "no account has this id"))?;
    Ok(Shipment {
        order_id: b.order_id,
        account,
        amount,
        categories: b.categories,
        country: b.destination.country,
        time_zone,
        carrier: b.carrier,
        tracking_id: b.tracking_id,
        delivery_date,
        address_changed_days_ago: b.address_changed_days_ago,
    })
}

fn delivery_json(v: &DeliveryView) -> Value {
    let d = &v.delivery;
    json!({
        "id": d.id,
        "order_id": d.order_id,
        "tracking_id": d.tracking_id,
        "carrier": d.carrier,
        "sub": d.account_id.to_string(),
        "code_required": d.code.is_some(),
        "rules": d.rules.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "status": d.status,
        "delivery_date": d.delivery_date.to_string(),
        "valid_until": v.valid_until.map(secs),
        "handed_over_at": d.handed_over_at.map(secs),
        "courier_id": d.courier_id,
    })
}

pub async fn register(State(s): State<AppState>, caller: Caller, Json(b): Json<ShipmentBody>) -> ApiResult<Response> {
    caller.0.require(ninsho_domain::types::Scope::DeliveriesWrite)?;
    let shipment = shipment_of(b)?;
    let r = s.services.register_shipment(&caller.0, shipment).await?;
    let mut body = delivery_json(&DeliveryView { valid_until: r.valid_until, code: None, delivery: r.delivery });
    body["sent"] = json!(r.sent);
    let status = if r.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, axum::Json(body)).into_response())
}

/// A full batch of long items fits: about a kibibyte per shipment.
pub const BATCH_BODY_BYTES: usize = ninsho_domain::service::BATCH_MAX * 1024 + 16 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    /// Each item as the single call takes it; each is read on its own, so a malformed
    /// item is refused alone.
    shipments: Vec<Value>,
}

/// One item's answer: `issued` (a code is required and exists: just sent, or earlier
/// for a known order), `not_required`, or `refused` with the problem's code and field.
fn batch_item(index: usize, r: Result<ninsho_domain::service::Registered, Error>) -> Value {
    match r {
        Ok(r) => {
            let outcome = if r.delivery.code.is_some() { "issued" } else { "not_required" };
            let mut delivery = delivery_json(&DeliveryView { valid_until: r.valid_until, code: None, delivery: r.delivery });
            delivery["sent"] = json!(r.sent);
            json!({"index": index, "outcome": outcome, "created": r.created, "delivery": delivery})
        }
        Err(e) => refused(index, &e),
    }
}

fn refused(index: usize, e: &Error) -> Value {
    let field = match e {
        Error::Invalid { field, .. } => Some(*field),
        _ => None,
    };
    json!({"index": index, "outcome": "refused", "code": e.code(), "field": field, "detail": e.to_string()})
}

/// F-DLV-6: up to `BATCH_MAX` shipments in one call, one answer per item in order.
pub async fn register_batch(State(s): State<AppState>, caller: Caller, Json(b): Json<BatchBody>) -> ApiResult<Response> {
    caller.0.require(ninsho_domain::types::Scope::DeliveriesWrite)?;
    let max = ninsho_domain::service::BATCH_MAX;
    if b.shipments.is_empty() || b.shipments.len() > max {
        return Err(Error::invalid("delivery.batch_size", "shipments", format!("1 to {max} shipments")).into());
    }
    let mut answers: Vec<Option<Value>> = vec![None; b.shipments.len()];
    let (mut items, mut at) = (Vec::new(), Vec::new());
    for (i, v) in b.shipments.into_iter().enumerate() {
        match serde_json::from_value::<ShipmentBody>(v) {
            Ok(body) => {
                items.push(shipment_of(body));
                at.push(i);
            }
            Err(e) => answers[i] = Some(json!({"index": i, "outcome": "refused", "code": "request.invalid_fields", "field": null, "detail": e.to_string()})),
        }
    }
    let results = s.services.register_shipments(&caller.0, items).await?;
    for (i, r) in at.into_iter().zip(results) {
        answers[i] = Some(batch_item(i, r));
    }
    let results: Vec<Value> = answers.into_iter().flatten().collect();
    let count = |o: &str| results.iter().filter(|r| r["outcome"] == o).count();
    let body = json!({"issued": count("issued"), "not_required": count("not_required"), "refused": count("refused"), "results": results});
    Ok(axum::Json(body).into_response())
}

pub async fn status(State(s): State<AppState>, caller: Caller, Path(tracking): Path<String>) -> ApiResult<Response> {
    let v = s.services.delivery_status(&caller.0, &tracking).await?;
    Ok(axum::Json(delivery_json(&v)).into_response())
}

pub async fn resend(State(s): State<AppState>, caller: Caller, Path(tracking): Path<String>) -> ApiResult<Response> {
    let sent = s.services.resend_delivery_code(&caller.0, &tracking).await?;
    Ok(axum::Json(json!({"sent": sent})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoverBody {
    code: String,
    courier_id: String,
}

pub async fn handover(State(s): State<AppState>, caller: Caller, Path(tracking): Path<String>, Json(b): Json<HandoverBody>) -> ApiResult<Response> {
    let outcome = s.services.hand_over(&caller.0, &tracking, SecretString::from(b.code), &b.courier_id).await?;
    Ok(axum::Json(json!({"status": outcome, "tracking_id": tracking})).into_response())
}
