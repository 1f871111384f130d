//! F-OFF-3: the reset request page, reachable with e-mail and password only. The form
//! is multipart (a file); its CSRF token is checked like every other form's.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use axum::response::Response;
use ninsho_domain::service::{DOC_TYPES, MAX_DOCUMENT_BYTES, Proof, Upload};
use ninsho_domain::Error;
use secrecy::SecretString;

use crate::app::AppState;
use crate::web::cookies;
use crate::web::ctx::{Ctx, Page};

#[derive(askama::Template)]
#[template(path = "recovery.html")]
struct RecoveryPage {
    p: Page,
    /// The reference of the request just received, for the confirmation.
    reference: Option<String>,
    email: String,
    /// A forgotten-password link standing in for e-mail and password (F-ACC-5).
    reset: String,
    doc_types: Vec<(&'static str, String)>,
    done: bool,
}

fn doc_types(p: &Page) -> Vec<(&'static str, String)> {
    DOC_TYPES.iter().map(|d| (*d, p.t(&format!("doc-{}", d.replace('_', "-"))))).collect()
}

#[derive(serde::Deserialize, Default)]
pub struct RecoveryQuery {
    reset: Option<String>,
}

pub async fn form(ctx: Ctx, axum::extract::Query(q): axum::extract::Query<RecoveryQuery>) -> Response {
    let p = ctx.page("recovery-title");
    let reset = q.reset.filter(|r| r.len() <= 200).unwrap_or_default();
    ctx.ok(&RecoveryPage { doc_types: doc_types(&p), p, reference: None, email: String::new(), reset, done: false })
}

#[derive(Default)]
struct Fields {
    email: String,
    reset: String,
    password: String,
    doc_type: String,
    file_name: String,
    bytes: Vec<u8>,
}

enum Refused {
    Csrf,
    Unreadable(Error),
}

/// Reads the form; the CSRF token must come (and be right) before the file, so a
/// forged post is refused before megabytes are buffered.
async fn read(req: Request, state: &AppState, secret: Option<String>) -> Result<Fields, Refused> {
    let bad = || Refused::Unreadable(Error::invalid("recovery.document_size", "document", "the document must be a file of at most 8 MB"));
    let mut mp = Multipart::from_request(req, state).await.map_err(|_| bad())?;
    let mut f = Fields::default();
    let mut csrf_ok = false;
    while let Some(field) = mp.next_field().await.map_err(|_| bad())? {
        let name = field.name().unwrap_or("").to_string();
        if name == "document" {
            if !csrf_ok {
                return Err(Refused::Csrf);
            }
            f.file_name = field.file_name().unwrap_or("").chars().take(200).collect();
            f.bytes = field.bytes().await.map_err(|_| bad())?.into();
            continue;
        }
        let text = field.text().await.map_err(|_| bad())?;
        if text.len() > 2048 {
            return Err(bad());
        }
        match name.as_str() {
            "csrf" => {
                csrf_ok = crate::web::form::csrf_ok(state, secret.as_deref(), &text);
                if !csrf_ok {
                    return Err(Refused::Csrf);
                }
            }
            "email" => f.email = text,
            "reset" => f.reset = text,
            "password" => f.password = text,
            "doc_type" => f.doc_type = text,
            _ => {}
        }
    }
    if !csrf_ok {
        return Err(Refused::Csrf);
    }
    Ok(f)
}

pub async fn submit(ctx: Ctx, req: Request) -> Response {
    let state = ctx.state.clone();
    let f = match read(req, &state, ctx.cookie(cookies::CSRF)).await {
        Ok(f) => f,
        Err(Refused::Csrf) => {
            tracing::warn!("form refused: CSRF token missing or wrong");
            let mut p = ctx.page("recovery-title");
            p.problem = Some(crate::web::problem::Problem::general(p.t("err-csrf")));
            return ctx.render(StatusCode::FORBIDDEN, &RecoveryPage { doc_types: doc_types(&p), p, reference: None, email: String::new(), reset: String::new(), done: false });
        }
        Err(Refused::Unreadable(e)) => {
            let p = ctx.page_with("recovery-title", Some(&e), &["document"]);
            return ctx.render(StatusCode::PAYLOAD_TOO_LARGE, &RecoveryPage { doc_types: doc_types(&p), p, reference: None, email: String::new(), reset: String::new(), done: false });
        }
    };
    let upload = Upload { file_name: f.file_name, bytes: f.bytes };
    let proof = if f.reset.is_empty() { Proof::Password { email: &f.email, password: SecretString::from(f.password) } } else { Proof::ResetLink(&f.reset) };
    match state.services.request_reset(proof, &f.doc_type, upload, &ctx.client).await {
        Ok(r) => {
            let p = ctx.page("recovery-title");
            ctx.ok(&RecoveryPage { doc_types: doc_types(&p), p, reference: Some(ninsho_domain::service::reference(r.request_id)), email: String::new(), reset: String::new(), done: true })
        }
        Err(e) => {
            let p = ctx.page_with("recovery-title", Some(&e), &["email", "password", "doc_type", "document"]);
            let status = crate::api::status_of(&e);
            ctx.render(status, &RecoveryPage { doc_types: doc_types(&p), p, reference: None, email: f.email, reset: f.reset, done: false })
        }
    }
}

/// Uploads held in memory at once, across the page and the API: each may be 8 MiB.
pub static UPLOADS: std::sync::LazyLock<tower::limit::GlobalConcurrencyLimitLayer> = std::sync::LazyLock::new(|| tower::limit::GlobalConcurrencyLimitLayer::new(4));

/// The page's body limit: the largest document plus the form fields.
pub const BODY_BYTES: usize = MAX_DOCUMENT_BYTES + 64 * 1024;
