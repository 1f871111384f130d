//! The shopper's own deliveries (F-DLV-2): each parcel that needs a code, with the
//! code while it can still be used, and "send it again".

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use ninsho_domain::types::DeliveryId;
use serde_json::json;

use super::extract::{Auth, Client};
use super::ApiResult;
use super::auth::parse_id;
use crate::app::AppState;

pub async fn list(State(s): State<AppState>, Auth(a): Auth) -> ApiResult<Response> {
    let views = s.services.my_deliveries(&a, 100).await?;
    let items: Vec<_> = views
        .iter()
        .map(|v| {
            let d = &v.delivery;
            json!({
                "id": d.id,
                "order_id": d.order_id,
                "carrier": d.carrier,
                "tracking_id": d.tracking_id,
                "delivery_date": d.delivery_date.to_string(),
                "status": d.status,
                "code": v.code,
                "valid_until": v.valid_until.map(|t| t.0.div_euclid(1000)),
                "handed_over_at": d.handed_over_at.map(|t| t.0.div_euclid(1000)),
            })
        })
        .collect();
    Ok(axum::Json(json!({ "deliveries": items })).into_response())
}

pub async fn resend(State(s): State<AppState>, Auth(a): Auth, Client(c): Client, Path(id): Path<String>) -> ApiResult<Response> {
    let sent = s.services.resend_my_delivery_code(&a, parse_id(&id, DeliveryId)?, &c).await?;
    Ok(axum::Json(json!({ "sent": sent })).into_response())
}
