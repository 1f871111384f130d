//! The development inbox: what the dev provider "sent". Routed only while the dev
//! provider is active; never in a configuration with a real provider.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use ninsho_domain::ports::OutboxStore;
use serde::Deserialize;

use super::error::ApiResult;
use crate::app::AppState;

#[derive(Deserialize)]
pub struct InboxQuery {
    to: Option<String>,
    limit: Option<i64>,
}

pub async fn inbox(State(s): State<AppState>, Query(q): Query<InboxQuery>) -> ApiResult<Response> {
    let mut entries = s.db.dev_inbox(q.limit.unwrap_or(200).clamp(1, 1000)).await?;
    if let Some(to) = &q.to {
        entries.retain(|e| &e.destination == to);
    }
    Ok(axum::Json(serde_json::json!({ "messages": entries })).into_response())
}
