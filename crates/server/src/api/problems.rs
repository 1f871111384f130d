//! Every error answer is a problem document (RFC 9457), whoever produced it: the
//! router's 405, a body limit's 413, a timeout's 408 or 503 come bare from axum and
//! tower-http, and are rewritten here; a browser asking for a page gets a page in its
//! language instead. Also the request-size limits that come before any handler.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::problem_with;

/// The longest request target (path and query) accepted.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header fields, and their most bytes in all, accepted.
pub const MAX_HEADERS: usize = 100;
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// The stable code and the words for an error status that came without a document.
fn bare(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("request.invalid", "the request could not be understood"),
        404 => ("not_found", "no such resource"),
        405 => ("request.method_not_allowed", "this method is not allowed here"),
        408 => ("request.timeout", "the request did not arrive in time"),
        413 => ("request.too_large", "the request body is too large"),
        414 => ("request.uri_too_long", "the request target is too long"),
        415 => ("request.content_type", "this content type is not accepted here"),
        431 => ("request.headers_too_large", "the request headers are too large"),
        503 | 504 => ("server.unavailable", "the server is busy; try again in a moment"),
        s if s >= 500 => ("server.internal", "internal error"),
        _ => ("request.invalid", "the request was refused"),
    }
}

fn wants_page(headers: &HeaderMap, path: &str) -> bool {
    !path.starts_with("/api/") && headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

/// Refuses request targets and header blocks over the limits, before routing.
pub async fn limits(req: Request, next: Next) -> Response {
    let uri_len = req.uri().path_and_query().map(|p| p.as_str().len()).unwrap_or(0);
    if uri_len > MAX_URI_BYTES {
        let (code, detail) = bare(StatusCode::URI_TOO_LONG);
        return problem_with(StatusCode::URI_TOO_LONG, code, detail, &[]);
    }
    let header_bytes: usize = req.headers().iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum();
    if req.headers().len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        let (code, detail) = bare(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        return problem_with(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, code, detail, &[]);
    }
    next.run(req).await
}

/// Rewrites error answers that are neither a problem document nor a page.
pub async fn documents(req: Request, next: Next) -> Response {
    let page = wants_page(req.headers(), req.uri().path());
    let locale = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::web::i18n::from_accept_language)
        .unwrap_or_default();
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let kind = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    // OAuth and OpenID Connect fix their own error bodies (`oidc::SpecAnswer`).
    if kind.starts_with("application/problem+json") || kind.starts_with("text/html") || res.extensions().get::<crate::oidc::SpecAnswer>().is_some() {
        return res;
    }
    // Headers that still mean something on the new answer.
    let keep: Vec<_> = [header::ALLOW, header::RETRY_AFTER].into_iter().filter_map(|h| res.headers().get(&h).map(|v| (h, v.clone()))).collect();
    let (code, detail) = bare(status);
    let mut out = if page {
        let tr = crate::web::i18n::Tr::new(locale);
        let key = if status == StatusCode::NOT_FOUND { "err-not-found" } else { "err-request" };
        crate::web::plain_page(status, locale.as_str(), &tr.t(key), Some(&tr.t("back-home")))
    } else {
        problem_with(status, code, detail, &[])
    };
    for (h, v) in keep {
        out.headers_mut().insert(h, v);
    }
    if status == StatusCode::SERVICE_UNAVAILABLE && !out.headers().contains_key(header::RETRY_AFTER) {
        out.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    out.into_response()
}

/// Whether a body error was the body timing out (`RequestBodyTimeoutLayer`).
pub fn is_body_timeout(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if e.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        cur = e.source();
    }
    false
}
