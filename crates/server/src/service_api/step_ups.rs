//! `POST /api/v1/service/step-ups` and `GET /api/v1/service/step-ups/{id}` (F-INT-3): a
//! shop service asks a shopper to confirm something with a code, then reads the result.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ninsho_domain::Error;
use ninsho_domain::reason::StepUpReason;
use ninsho_domain::service::{StepUpRequest, StepUpResult, amr_value};
use ninsho_domain::types::{AccountId, ServiceStepUpId, UnixMillis};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Caller;
use crate::api::ApiResult;
use crate::api::extract::Json;
use crate::app::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// `order`, `payment_method`, `delivery_address` or `text`.
    kind: String,
    /// For `order`: in major units, as text or a number ("150000", "19.99").
    #[serde(default)]
    amount: Option<Value>,
    #[serde(default)]
    currency: Option<String>,
    /// For `text`: the service's own words.
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    /// The account, as introspection names it.
    sub: String,
    reason: ReasonBody,
    #[serde(default, deserialize_with = "crate::api::extract::no_null")]
    return_url: Option<String>,
}

fn reason_of(b: ReasonBody) -> Result<StepUpReason, Error> {
    match b.kind.as_str() {
        "order" => {
            let fields = super::money::Fields { amount: "reason.amount", currency: "reason.currency", amount_code: "step_up.amount_invalid", currency_code: "step_up.currency_invalid" };
            Ok(StepUpReason::Order { amount: super::money::parse(b.amount.as_ref(), b.currency.as_deref(), &fields)? })
        }
        "payment_method" => Ok(StepUpReason::PaymentMethod),
        "delivery_address" => Ok(StepUpReason::DeliveryAddress),
        "text" => StepUpReason::text(b.text.as_deref().unwrap_or_default()),
        _ => Err(Error::invalid("step_up.reason_invalid", "reason.kind", "order, payment_method, delivery_address or text")),
    }
}

fn secs(ms: UnixMillis) -> i64 {
    ms.0.div_euclid(1000)
}

pub async fn start(State(s): State<AppState>, caller: Caller, Json(b): Json<StartBody>) -> ApiResult<Response> {
    // The scope is checked before anything about the request is said.
    caller.0.require(ninsho_domain::types::Scope::StepUp)?;
    let account = AccountId::parse(&b.sub).ok_or_else(|| Error::invalid("account.unknown", "sub", "no account has this id"))?;
    let reason = reason_of(b.reason)?;
    let started = s.services.start_service_step_up(&caller.0, StepUpRequest { account, reason, return_url: b.return_url }).await?;
    let body = json!({
        "id": started.id,
        "status": "pending",
        "challenge_id": started.challenge_id,
        "url": started.url,
        "method": started.method,
        "sent": started.sent,
        "weak": started.weak,
        "expires_at": secs(started.expires_at),
    });
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

fn result_json(r: &StepUpResult) -> Value {
    let u = &r.step_up;
    json!({
        "id": u.id,
        "status": r.status,
        "sub": u.account_id.to_string(),
        "weak": u.weak,
        "created_at": secs(u.created_at),
        "expires_at": secs(r.expires_at),
        "completed_at": u.completed_at.map(secs),
        "method": u.method.map(|m| amr_value(m).unwrap_or(m.as_str())),
    })
}

pub async fn status(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    caller.0.require(ninsho_domain::types::Scope::StepUp)?;
    let id = ServiceStepUpId::parse(&id).ok_or(Error::NotFound)?;
    let r = s.services.service_step_up(&caller.0, id).await?;
    Ok(axum::Json(result_json(&r)).into_response())
}
