//! F-ACC-5: "Forgot your password?" — the request form, and the page behind the
//! e-mailed link: a new password and, with 2SV on, a code from a 2SV method, or the
//! way to the ID-document request when no method can be used.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use ninsho_domain::service::{DeliveryState, ResetInput, ResetView};
use ninsho_domain::types::{FactorId, FactorKind};
use ninsho_domain::Error;
use secrecy::SecretString;
use serde::Deserialize;

use super::code::{Other, action_label, instruction, sendable};
use crate::web::cookies;
use crate::web::ctx::{Ctx, Page, urlencode};
use crate::web::form::PageForm;

#[derive(askama::Template)]
#[template(path = "forgot.html")]
struct ForgotPage {
    p: Page,
    email: String,
    sent: bool,
}

#[derive(Deserialize, Default)]
pub struct ForgotQuery {
    sent: Option<String>,
}

pub async fn forgot_form(ctx: Ctx, Query(q): Query<ForgotQuery>) -> Response {
    let p = ctx.page("forgot-title");
    ctx.ok(&ForgotPage { p, email: String::new(), sent: q.sent.is_some() })
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// The same page follows for every address, known or not.
pub async fn forgot(ctx: Ctx, PageForm(f): PageForm<ForgotForm>) -> Response {
    let email = f.email.trim().to_string();
    match ctx.state.services.request_password_reset(&email, &ctx.client).await {
        Ok(()) => ctx.redirect("/forgot-password?sent=1"),
        Err(e) => {
            let p = ctx.page_with("forgot-title", Some(&e), &["email"]);
            let status = crate::api::status_of(&e);
            ctx.render(status, &ForgotPage { p, email, sent: false })
        }
    }
}

#[derive(askama::Template)]
#[template(path = "reset.html")]
struct ResetPage {
    p: Page,
    /// The link can no longer be used: expired, used, cancelled or not ours.
    closed: bool,
    token: String,
    email: String,
    two_step: bool,
    instruction: String,
    code_label: String,
    backup: bool,
    method_id: String,
    resend: Option<String>,
    others: Vec<Other>,
    recovery_url: String,
}

#[derive(Deserialize, Default)]
pub struct ResetQuery {
    method: Option<String>,
    notice: Option<String>,
}

fn parse_method(s: Option<&str>) -> Option<FactorId> {
    s.filter(|s| !s.is_empty()).and_then(|m| uuid::Uuid::try_parse(m).ok()).map(FactorId)
}

fn reset_page(ctx: &Ctx, token: &str, view: &ResetView, chosen: Option<FactorId>, e: Option<&Error>) -> ResetPage {
    let p = ctx.page_with("reset-title", e, &["new_password", "code"]);
    let tr = p.tr;
    let current = chosen.and_then(|id| view.methods.iter().find(|m| m.id == id)).or(view.methods.first());
    let backup = current.is_some_and(|m| m.kind == FactorKind::BackupCodes);
    ResetPage {
        closed: false,
        token: token.to_string(),
        email: view.email.clone(),
        two_step: view.two_step,
        instruction: if current.is_some_and(sendable) { String::new() } else { instruction(&tr, current) },
        code_label: tr.t(if backup { "field-backup-code" } else { "field-code" }),
        backup,
        method_id: current.map(|m| m.id.0.to_string()).unwrap_or_default(),
        resend: current.filter(|m| sendable(m)).map(|m| action_label(&tr, m)),
        others: view.methods.iter().filter(|m| Some(m.id) != current.map(|c| c.id)).map(|m| Other { id: m.id, label: action_label(&tr, m), sendable: sendable(m) }).collect(),
        recovery_url: format!("/recovery?reset={}", urlencode(token)),
        p,
    }
}

fn closed(ctx: Ctx, e: Option<&Error>) -> Response {
    let p = ctx.page("reset-title");
    let status = e.map(crate::api::status_of).unwrap_or(StatusCode::GONE);
    let page = ResetPage {
        closed: true,
        token: String::new(),
        email: String::new(),
        two_step: false,
        instruction: String::new(),
        code_label: String::new(),
        backup: false,
        method_id: String::new(),
        resend: None,
        others: vec![],
        recovery_url: String::new(),
        p,
    };
    ctx.render(status, &page)
}

pub async fn show(ctx: Ctx, Path(token): Path<String>, Query(q): Query<ResetQuery>) -> Response {
    match ctx.state.services.reset_view(&token).await {
        Ok(view) => {
            let chosen = parse_method(q.method.as_deref());
            let mut page = reset_page(&ctx, &token, &view, chosen, None);
            page.p.notice = match q.notice.as_deref() {
                Some("sent") => {
                    let to = view.methods.iter().find(|m| Some(m.id) == chosen).map(|m| super::code::destination_of(&page.p.tr, m)).unwrap_or_default();
                    Some(page.p.t1("code-sent-to", "to", &to))
                }
                Some("queued") => Some(page.p.t("code-queued")),
                _ => None,
            };
            ctx.ok(&page)
        }
        Err(e @ (Error::ChallengeClosed | Error::Invalid { .. })) => closed(ctx, Some(&e)),
        Err(e) => ctx.fail(e, "/forgot-password"),
    }
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    new_password: String,
    code: Option<String>,
    method: Option<String>,
}

pub async fn complete(mut ctx: Ctx, Path(token): Path<String>, PageForm(f): PageForm<ResetForm>) -> Response {
    let method = parse_method(f.method.as_deref());
    let input = ResetInput { new_password: SecretString::from(f.new_password), code: f.code.map(SecretString::from), method };
    match ctx.state.services.complete_password_reset(&token, input, &ctx.client).await {
        Ok(()) => {
            // Every session ended, this browser's too.
            ctx.clear_cookie(cookies::SESSION);
            ctx.clear_cookie(cookies::TRUST);
            ctx.renew_csrf();
            ctx.redirect("/sign-in?notice=password-reset")
        }
        Err(e @ Error::ChallengeClosed) => closed(ctx, Some(&e)),
        Err(e) => match ctx.state.services.reset_view(&token).await {
            Ok(view) => {
                let page = reset_page(&ctx, &token, &view, method, Some(&e));
                let status = crate::api::status_of(&e);
                ctx.render(status, &page)
            }
            Err(closed_now) => closed(ctx, Some(&closed_now)),
        },
    }
}

#[derive(Deserialize)]
pub struct SendForm {
    method: Option<String>,
}

pub async fn send(ctx: Ctx, Path(token): Path<String>, PageForm(f): PageForm<SendForm>) -> Response {
    let Some(method) = parse_method(f.method.as_deref()) else { return ctx.fail(Error::NotFound, "/forgot-password") };
    let here = format!("/reset/{token}?method={}", method.0);
    match ctx.state.services.send_reset_code(&token, method, &ctx.client).await {
        Ok(sent) => {
            let notice = if sent.state == DeliveryState::Queued { "queued" } else { "sent" };
            ctx.redirect(&format!("{here}&notice={notice}"))
        }
        Err(e @ Error::ChallengeClosed) => closed(ctx, Some(&e)),
        Err(e) => match ctx.state.services.reset_view(&token).await {
            Ok(view) => {
                let page = reset_page(&ctx, &token, &view, Some(method), Some(&e));
                let status = crate::api::status_of(&e);
                ctx.render(status, &page)
            }
            Err(closed_now) => closed(ctx, Some(&closed_now)),
        },
    }
}
