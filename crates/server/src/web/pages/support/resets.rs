//! F-SUP-1 with F-OFF-4: the queue of 2SV reset requests at `/support/resets`, and
//! one request with its identity document shown in the page — an image as an image,
//! a PDF in the browser's viewer — never cached, and downloaded only when the member
//! asks (Word files, which no browser shows). Each opening of the document is
//! recorded on the account and on the member; the decision, approve or reject with a
//! reason, is made under the member's address.

use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ninsho_domain::Error;
use ninsho_domain::types::ResetRequestId;
use serde::Deserialize;

use crate::web::ctx::{Ctx, Page};
use crate::web::form::PageForm;
use crate::web::time::when;

pub struct Row {
    id: String,
    at: String,
    email: String,
    doc: String,
    status: String,
}

#[derive(askama::Template)]
#[template(path = "support_resets.html")]
struct QueuePage {
    p: Page,
    status: &'static str,
    rows: Vec<Row>,
}

/// The statuses the queue is filtered by.
const STATUSES: [&str; 5] = ["pending", "approved", "rejected", "cancelled", "all"];

#[derive(Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    status: String,
}

fn doc_label(p: &Page, doc_type: &str, doc_kind: &str, bytes: i64) -> String {
    let kind = format!("doc-{}", doc_type.replace('_', "-"));
    let name = if p.tr.has(&kind) { p.t(&kind) } else { doc_type.to_string() };
    format!("{name} ({}, {} KB)", doc_kind.to_uppercase(), (bytes + 1023) / 1024)
}

pub async fn queue(ctx: Ctx, Query(q): Query<QueueQuery>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let status = STATUSES.into_iter().find(|s| *s == q.status).unwrap_or("pending");
    let svc = &ctx.state.services;
    let requests = match svc.support_resets(&a, (status != "all").then_some(status)).await {
        Ok(r) => r,
        Err(e) => return ctx.fail(e, "/support/resets"),
    };
    let (zone, _) = svc.time_zone(&a.account);
    let p = ctx.page("support-resets-title");
    let rows = requests
        .into_iter()
        .map(|(r, email)| Row { id: r.id.to_string(), at: when(r.created_at, &zone), email, doc: doc_label(&p, &r.doc_type, &r.doc_kind, r.doc_bytes), status: p.t(&format!("support-reset-{}", r.status)) })
        .collect();
    ctx.ok(&QueuePage { p, status, rows })
}

#[derive(askama::Template)]
#[template(path = "support_reset.html")]
struct RequestPage {
    p: Page,
    id: String,
    email: String,
    account_href: String,
    at: String,
    doc: String,
    /// How the document is shown: `image`, `pdf`, or `download` (Word).
    shown_as: &'static str,
    pending: bool,
    /// The decision, when made: what, by whom, when, why.
    decided: Option<String>,
    reason: String,
    may_decide: bool,
}

fn request_id(s: &str) -> Result<ResetRequestId, Error> {
    ResetRequestId::parse(s).ok_or(Error::NotFound)
}

/// The review page allows one frame: the document, from this origin.
const REVIEW_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub async fn show(ctx: Ctx, Path(id): Path<String>) -> Response {
    request_page(ctx, id, None, String::new()).await
}

async fn request_page(ctx: Ctx, id: String, error: Option<Error>, reason: String) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let back = format!("/support/resets/{id}");
    let svc = &ctx.state.services;
    let found = match request_id(&id) {
        Ok(id) => svc.support_reset(&a, id).await,
        Err(e) => Err(e),
    };
    let (r, email) = match found {
        Ok(x) => x,
        Err(e) => return ctx.fail(e, &back),
    };
    let may_decide = svc.staff_member_of(&a).await.ok().flatten().is_some_and(|m| m.role.permits(ninsho_domain::staff::StaffAction::DecideResets));
    let (zone, _) = svc.time_zone(&a.account);
    let p = ctx.page_with("support-reset-title", error.as_ref(), &["reason"]);
    let decided = r.decided_at.map(|at| {
        let what = p.t(&format!("support-reset-{}", r.status));
        let by = r.reviewer.clone().unwrap_or_default();
        let why = r.reason.clone().filter(|w| !w.is_empty()).map(|w| format!(": {w}")).unwrap_or_default();
        format!("{what} · {by} · {}{why}", when(at, &zone))
    });
    let page = RequestPage {
        id: r.id.to_string(),
        account_href: format!("/support?q={}", crate::web::ctx::urlencode(&email)),
        email,
        at: when(r.created_at, &zone),
        doc: doc_label(&p, &r.doc_type, &r.doc_kind, r.doc_bytes),
        shown_as: match r.doc_kind.as_str() {
            "png" | "jpeg" => "image",
            "pdf" => "pdf",
            _ => "download",
        },
        pending: r.status == "pending",
        decided,
        reason,
        may_decide,
        p,
    };
    let status = error.as_ref().map_or(StatusCode::OK, crate::api::status_of);
    let mut res = ctx.render(status, &page);
    res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(REVIEW_CSP));
    res
}

#[derive(Deserialize)]
pub struct DocumentQuery {
    #[serde(default)]
    download: Option<String>,
}

/// The document's bytes for the member's browser: inline (a download only when
/// asked), never stored by the browser or a proxy, never sniffed into another type,
/// framed only by the review page.
pub async fn document(ctx: Ctx, Path(id): Path<String>, Query(q): Query<DocumentQuery>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let back = format!("/support/resets/{id}");
    if ctx.from_another_site() {
        return ctx.fail(Error::Forbidden { code: "staff.cross_site", message: "open the document from the console".into() }, &back);
    }
    let opened = match request_id(&id) {
        Ok(id) => ctx.state.services.support_reset_document(&a, id, &ctx.client).await,
        Err(e) => Err(e),
    };
    let (r, mut doc) = match opened {
        Ok(x) => x,
        Err(e) => return ctx.fail(e, &back),
    };
    let download = q.download.is_some();
    let (content_type, viewable) = match r.doc_kind.as_str() {
        "pdf" => ("application/pdf", true),
        "png" => ("image/png", true),
        "jpeg" => ("image/jpeg", true),
        "doc" => ("application/msword", false),
        _ => ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", false),
    };
    if !viewable && !download {
        return ctx.fail(Error::conflict("recovery.document_not_viewable", "a browser cannot show this format: download it"), &back);
    }
    let disposition = format!("{}; filename=\"reset-{}.{}\"", if download { "attachment" } else { "inline" }, r.id, r.doc_kind);
    // The PDF viewer is an embedded object of the document it opens in.
    let csp = if r.doc_kind == "pdf" { "default-src 'none'; object-src 'self'; frame-ancestors 'self'" } else { "default-src 'none'; img-src 'self'; frame-ancestors 'self'; sandbox" };
    // Handed to the response without a copy left behind.
    let body: Vec<u8> = std::mem::take(&mut *doc);
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).unwrap_or_else(|_| HeaderValue::from_static("inline"))),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp)),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN")),
        ],
        body,
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

pub async fn decide(ctx: Ctx, Path(id): Path<String>, PageForm(f): PageForm<DecideForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let back = format!("/support/resets/{id}");
    let approve = match f.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return request_page(ctx, id, Some(Error::invalid("recovery.decision_invalid", "reason", "approve or reject the request")), f.reason).await,
    };
    let done = match request_id(&id) {
        Ok(rid) => ctx.state.services.support_decide_reset(&a, rid, approve, &f.reason, &ctx.client).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(_) => ctx.redirect(&back),
        Err(e @ (Error::Invalid { .. } | Error::Conflict { .. })) => request_page(ctx, id, Some(e), f.reason).await,
        Err(e) => ctx.fail(e, &back),
    }
}
