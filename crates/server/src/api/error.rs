//! One error type for every handler: the domain's error, answered as
//! `application/problem+json` (RFC 9457) with the stable dotted code. Internal details
//! are logged, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ninsho_domain::Error;
use serde_json::json;

pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

pub fn status_of(e: &Error) -> StatusCode {
    match e {
        Error::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        Error::InvalidCredentials | Error::Unauthenticated => StatusCode::UNAUTHORIZED,
        Error::InvalidCode | Error::MethodDisabled => StatusCode::UNAUTHORIZED,
        Error::ChallengeClosed => StatusCode::GONE,
        Error::StepUpRequired | Error::ScopeMissing(_) | Error::AccountLocked { .. } | Error::Forbidden { .. } => StatusCode::FORBIDDEN,
        Error::NotFound => StatusCode::NOT_FOUND,
        Error::Conflict { .. } => StatusCode::CONFLICT,
        Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::Busy | Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

pub fn problem(status: StatusCode, code: &str, detail: &str, field: Option<&str>) -> Response {
    problem_with(status, code, detail, &[("field", field)])
}

/// A problem document with extension members (`field`, `reason`) where they have a value.
pub fn problem_with(status: StatusCode, code: &str, detail: &str, extensions: &[(&str, Option<&str>)]) -> Response {
    let mut res = (status, problem_json(status, code, detail, extensions)).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    res
}

/// The text of a problem document.
pub fn problem_json(status: StatusCode, code: &str, detail: &str, extensions: &[(&str, Option<&str>)]) -> String {
    let mut body = json!({
        "type": format!("https://ninsho.dev/problems/{code}"),
        "title": status.canonical_reason().unwrap_or("error"),
        "status": status.as_u16(),
        "code": code,
        "detail": detail,
    });
    for (name, value) in extensions {
        if let Some(v) = value {
            body[*name] = json!(v);
        }
    }
    body.to_string()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status = status_of(&e);
        if let Error::Internal(detail) = &e {
            tracing::error!(error = %detail, "internal error");
        }
        let field = match &e {
            Error::Invalid { field, .. } => Some(*field),
            _ => None,
        };
        // An outage names itself (`disk_full`, `database_down`, …) for clients and probes;
        // a refused value may say which of its code's causes it was (a weak password's).
        let reason = match &e {
            Error::Unavailable(o) => Some(o.as_str()),
            e => e.reason(),
        };
        // F-OFF-5: until when, and where to ask.
        let (until, support) = match &e {
            Error::AccountLocked { until, support } => (jiff::Timestamp::from_millisecond(until.0).ok().map(|t| t.to_string()), Some(support.as_str())),
            _ => (None, None),
        };
        let mut res = problem_with(status, e.code(), &e.to_string(), &[("field", field), ("reason", reason), ("locked_until", until.as_deref()), ("support", support)]);
        let retry = match &e {
            Error::RateLimited { retry_at, now, .. } => Some((((retry_at.0 - now.0).max(0) + 999) / 1000).max(1)),
            Error::Unavailable(o) => Some(i64::from(o.retry_after_secs())),
            Error::Busy => Some(1),
            _ => None,
        };
        if let Some(secs) = retry
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if let Error::Unavailable(o) = &e {
            tracing::warn!(outage = o.as_str(), "refused: the server is unavailable");
        }
        res
    }
}
