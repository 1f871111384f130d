//! One middleware around every request (F-OPS-4): its log line and its metrics.
//!
//! The line names the route template, never the path: deny, approve, reset and
//! cancel links carry their token in the path, and a mistyped URL may hold an e-mail
//! address. The query, the body and the headers (but the request id) stay out too.
//! The client address follows `trust_forwarded` like every other use of it.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, Method};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::app::AppState;
use crate::metrics::{HTTP_REQUESTS, HTTP_SECONDS};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The route of a request no route matched (a 404, or a page asked with an odd path).
pub const UNMATCHED: &str = "unmatched";

pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned()).unwrap_or_else(|| UNMATCHED.to_owned());
    let method = method_label(req.method());
    let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let (parts, body) = req.into_parts();
    let client = super::extract::client_info(&parts, &state).ip.unwrap_or_default();
    let req = Request::from_parts(parts, body);
    // Events of the handlers carry the request's route and id through this span.
    let span = tracing::info_span!("http", method, route = %route, request_id = %id);
    let res = next.run(req).instrument(span).await;
    // Until the response head: a streamed body is not waited for.
    let took = started.elapsed();
    let status = res.status().as_u16();
    metrics::counter!(HTTP_REQUESTS, "method" => method, "route" => route.clone(), "status" => status.to_string()).increment(1);
    metrics::histogram!(HTTP_SECONDS, "method" => method, "route" => route.clone()).record(took.as_secs_f64());
    let latency_ms = took.as_secs_f64() * 1000.0;
    tracing::info!(target: "ninsho::request", method, route = %route, status, latency_ms, request_id = %id, client = %client, "request");
    res
}

/// The method as a label: any other word a client sends is `other`, so a client
/// cannot add series (or write into the log) at will.
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// An `x-request-id` that came with the request (from a proxy that sets one) is kept
/// when it looks like an id — up to 64 letters, digits, `-`, `_`, `.` — and replaced
/// by a fresh one otherwise: it goes into every log line of the request and back in
/// the response, so a client must not be able to put an address or a script there.
pub async fn plain_request_id(mut req: Request) -> Request {
    let ids = req.headers().get_all(&REQUEST_ID);
    let plain = ids.iter().count() <= 1 && ids.iter().all(|v| v.len() <= 64 && v.as_bytes().iter().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(b)));
    if !plain {
        req.headers_mut().remove(&REQUEST_ID);
    }
    req
}
