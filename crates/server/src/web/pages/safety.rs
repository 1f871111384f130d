//! Safe destructive actions (seed 004): turning 2SV off, removing a method and signing
//! out everywhere each take one confirming page that says what will happen; the form
//! there does it. After 2SV is off the shopper may leave a note (or skip), kept for
//! support (`ninsho admin feedback`).

use axum::extract::Query;
use axum::response::Response;
use ninsho_domain::types::{FactorId, FeedbackTopic};
use ninsho_domain::Error;
use serde::Deserialize;

use super::code::method_name;
use crate::web::ctx::{Ctx, Page};
use crate::web::form::PageForm;

#[derive(askama::Template)]
#[template(path = "confirm_action.html")]
struct ConfirmPage {
    p: Page,
    lead: String,
    consequences: Vec<String>,
    action: &'static str,
    hidden: Vec<(&'static str, String)>,
    /// A checkbox the action takes (its field name and label).
    option: Option<(&'static str, String)>,
    submit: String,
    cancel: &'static str,
}

/// Sends a shopper without a fresh step-up to confirm first, back here afterwards: the
/// action would be refused after the confirmation otherwise.
fn stepped_up(ctx: &Ctx) -> Result<ninsho_domain::service::Authed, Error> {
    let a = ctx.authed.clone().ok_or(Error::Unauthenticated)?;
    ctx.state.services.require_step_up(&a)?;
    Ok(a)
}

pub async fn disable_confirm(ctx: Ctx) -> Response {
    let a = match stepped_up(&ctx) {
        Ok(a) => a,
        Err(e) => {
            let here = ctx.here.clone();
            return ctx.fail(e, &here);
        }
    };
    if a.account.twosv_enabled_at.is_none() {
        return ctx.redirect("/account");
    }
    let p = ctx.page("twosv-off-title");
    let page = ConfirmPage {
        lead: p.t("twosv-off-lead"),
        consequences: vec![p.t("twosv-off-what-codes"), p.t("twosv-off-what-browsers"), p.t("twosv-off-what-again")],
        action: "/account/two-step/disable",
        hidden: vec![],
        option: Some(("clear", p.t("twosv-off-clear"))),
        submit: p.t("twosv-turn-off"),
        cancel: "/account",
        p,
    };
    ctx.ok(&page)
}

#[derive(Deserialize, Default)]
pub struct MethodQuery {
    id: Option<String>,
}

pub async fn remove_confirm(ctx: Ctx, Query(q): Query<MethodQuery>) -> Response {
    let a = match stepped_up(&ctx) {
        Ok(a) => a,
        Err(e) => {
            let here = ctx.here.clone();
            return ctx.fail(e, &here);
        }
    };
    let id = q.id.as_deref().and_then(|s| uuid::Uuid::try_parse(s).ok()).map(FactorId);
    let methods = match ctx.state.services.list_methods(&a).await {
        Ok(m) => m,
        Err(e) => return ctx.fail(e, "/account"),
    };
    let Some(m) = methods.iter().find(|m| Some(m.id) == id) else { return ctx.redirect("/account") };
    let p = ctx.page("method-remove-title");
    let name = method_name(&p.tr, m);
    let mut consequences = vec![p.t1("method-remove-what", "method", &name), p.t("method-remove-what-told")];
    if a.account.twosv_enabled_at.is_some() {
        consequences.push(p.t("method-remove-what-others"));
    }
    let page = ConfirmPage {
        lead: p.t1("method-remove-lead", "method", &name),
        consequences,
        action: "/account/methods/remove",
        hidden: vec![("id", m.id.0.to_string())],
        option: None,
        submit: p.t("method-remove"),
        cancel: "/account",
        p,
    };
    ctx.ok(&page)
}

pub async fn sign_out_all_confirm(ctx: Ctx) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let others = match ctx.state.services.list_sessions(&a, ctx.locale).await {
        Ok(s) => s.iter().filter(|s| !s.current).count(),
        Err(e) => return ctx.fail(e, "/account/devices"),
    };
    let p = ctx.page("sign-out-all-title");
    let page = ConfirmPage {
        lead: p.t1("sign-out-all-lead", "count", &others.to_string()),
        consequences: vec![p.t("sign-out-all-what-here"), p.t("sign-out-all-what-browsers")],
        action: "/account/sessions/sign-out-all",
        hidden: vec![],
        option: None,
        submit: p.t("session-sign-out-all"),
        cancel: "/account/devices",
        p,
    };
    ctx.ok(&page)
}

#[derive(askama::Template)]
#[template(path = "feedback.html")]
struct FeedbackPage {
    p: Page,
    topic: &'static str,
    text: String,
    skip: String,
}

#[derive(Deserialize, Default)]
pub struct FeedbackQuery {
    topic: Option<String>,
}

/// Where the feedback page leads when sent or skipped.
fn after(topic: FeedbackTopic) -> String {
    match topic {
        FeedbackTopic::TwoStepOff => "/account?notice=twosv-off".into(),
    }
}

pub async fn feedback_form(ctx: Ctx, Query(q): Query<FeedbackQuery>) -> Response {
    if ctx.authed.is_none() {
        return ctx.to_sign_in();
    }
    let Some(topic) = q.topic.as_deref().and_then(FeedbackTopic::parse) else { return ctx.redirect("/account") };
    let p = ctx.page("feedback-title");
    ctx.ok(&FeedbackPage { p, topic: topic.as_str(), text: String::new(), skip: after(topic) })
}

#[derive(Deserialize)]
pub struct FeedbackForm {
    topic: Option<String>,
    #[serde(default)]
    text: String,
}

pub async fn feedback(ctx: Ctx, PageForm(f): PageForm<FeedbackForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let Some(topic) = f.topic.as_deref().and_then(FeedbackTopic::parse) else { return ctx.redirect("/account") };
    match ctx.state.services.leave_feedback(&a, topic, &f.text).await {
        Ok(()) if f.text.trim().is_empty() => ctx.redirect(&after(topic)),
        Ok(()) => ctx.redirect("/account?notice=feedback-thanks"),
        Err(e) => {
            let p = ctx.page_with("feedback-title", Some(&e), &["text"]);
            let status = crate::api::status_of(&e);
            ctx.render(status, &FeedbackPage { p, topic: topic.as_str(), text: f.text, skip: after(topic) })
        }
    }
}
