//! The service surface, `/api/v1/service/…` (F-INT-1): the shop's own services call
//! ninsho here, as clients the operator registered (`ninsho admin clients`). A client
//! authenticates with its secret — HTTP Basic (`client_id:secret`) or `Bearer secret`
//! — and each route names the scope it needs. A shopper's session token never works
//! here, and a client secret never works on the shopper surface: they are different
//! kinds of secret, hashed with different keys.

mod auth;
pub(crate) mod deliveries;
mod money;
mod sessions;
mod step_ups;

use axum::Router;
use axum::routing::{get, post};

pub use auth::{Caller, Credentials, RateLimits};

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sessions/introspect", post(sessions::introspect))
        .route("/step-ups", post(step_ups::start))
        .route("/step-ups/{id}", get(step_ups::status))
        .route("/deliveries", post(deliveries::register))
        .route(
            "/deliveries/batch",
            post(deliveries::register_batch).layer::<_, std::convert::Infallible>(axum::extract::DefaultBodyLimit::max(deliveries::BATCH_BODY_BYTES)),
        )
        .route("/deliveries/{tracking}", get(deliveries::status))
        .route("/deliveries/{tracking}/resend", post(deliveries::resend))
        .route("/deliveries/{tracking}/handover", post(deliveries::handover))
}
