//! The message center and the authenticity check.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use ninsho_domain::service::MessageCheck;
use ninsho_domain::types::{Channel, UnixMillis};
use ninsho_domain::Error;
use serde::Deserialize;

use super::error::ApiResult;
use super::extract::{Auth, Json};
use crate::app::AppState;

#[derive(Deserialize)]
pub struct ListQuery {
    limit: Option<i64>,
}

pub async fn list(State(s): State<AppState>, Auth(a): Auth, Query(q): Query<ListQuery>) -> ApiResult<Response> {
    let limit = super::account::page_limit(q.limit)?;
    Ok(axum::Json(serde_json::json!({ "messages": s.services.message_center(&a, limit).await? })).into_response())
}

/// The latest `received_at` accepted: 9999-12-31T23:59:59.999Z.
const MAX_RECEIVED_AT: i64 = 253_402_300_799_999;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    channel: String,
    sender: String,
    text: String,
    #[serde(default)]
    links: Vec<String>,
    /// When it arrived, milliseconds since the epoch.
    #[serde(default, deserialize_with = "super::extract::no_null")]
    received_at: Option<i64>,
}

pub async fn check(State(s): State<AppState>, Auth(a): Auth, Json(b): Json<Check>) -> ApiResult<Response> {
    let channel = match Channel::parse(&b.channel) {
        Some(c @ (Channel::Sms | Channel::Email)) => c,
        Some(Channel::Voice) => Channel::Sms,
        None => return Err(Error::invalid("message.channel", "channel", "channel is sms or email").into()),
    };
    // 1970 to 9999: what the document allows, and no arithmetic on it can overflow.
    if b.received_at.is_some_and(|t| !(0..=MAX_RECEIVED_AT).contains(&t)) {
        return Err(Error::invalid("message.received_at", "received_at", "received_at is milliseconds since 1970, before the year 10000").into());
    }
    let input = MessageCheck { channel, sender: b.sender, text: b.text, links: b.links, received_at: b.received_at.map(UnixMillis) };
    Ok(axum::Json(s.services.check_message(&a, input, &s.config.official).await?).into_response())
}
