//! The message center (F-MSG-2) and "Is this message from us?" (F-MSG-3), with the
//! checker's reasons in plain words of the page's language.

use axum::http::StatusCode;
use axum::response::Response;
use ninsho_domain::authenticity::Verdict;
use ninsho_domain::service::MessageCheck;
use ninsho_domain::types::Channel;
use serde::Deserialize;

use crate::web::ctx::{Ctx, Page};
use crate::web::form::PageForm;
use crate::web::time::when;

pub struct MessageRow {
    at: String,
    channel: String,
    to: String,
    kind: String,
    text: String,
}

#[derive(askama::Template)]
#[template(path = "messages.html")]
struct MessagesPage {
    p: Page,
    zone: String,
    rows: Vec<MessageRow>,
}

pub async fn list(ctx: Ctx) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let msgs = match ctx.state.services.message_center(&a, 100).await {
        Ok(m) => m,
        Err(e) => return ctx.fail(e, "/account/messages"),
    };
    let (zone, _) = ctx.state.services.time_zone(&a.account);
    let p = ctx.page("messages-title");
    let rows = msgs
        .into_iter()
        .map(|m| MessageRow {
            at: when(m.sent_at.unwrap_or(m.created_at), &zone),
            channel: p.t(&format!("channel-{}", m.channel.as_str())),
            to: m.to,
            kind: p.t(&format!("kind-{}", m.kind)),
            text: m.text.unwrap_or_default(),
        })
        .collect();
    ctx.ok(&MessagesPage { p, zone: zone.as_str().to_string(), rows })
}

pub struct ReasonRow {
    text: String,
    red: bool,
}

#[derive(askama::Template)]
#[template(path = "check.html")]
struct CheckPage {
    p: Page,
    channel: String,
    sender: String,
    text: String,
    verdict: Option<(&'static str, String)>,
    reasons: Vec<ReasonRow>,
}

pub async fn check_form(ctx: Ctx) -> Response {
    if ctx.authed.is_none() {
        return ctx.to_sign_in();
    }
    let p = ctx.page("check-title");
    ctx.ok(&CheckPage { p, channel: "sms".into(), sender: String::new(), text: String::new(), verdict: None, reasons: vec![] })
}

#[derive(Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    channel: String,
    #[serde(default)]
    sender: String,
    #[serde(default)]
    text: String,
}

pub async fn check(ctx: Ctx, PageForm(f): PageForm<CheckForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let channel = if f.channel == "email" { Channel::Email } else { Channel::Sms };
    let input = MessageCheck { channel, sender: f.sender.clone(), text: f.text.clone(), links: vec![], received_at: None };
    match ctx.state.services.check_message(&a, input, &ctx.state.config.official).await {
        Ok(assessment) => {
            let p = ctx.page("check-title");
            let (class, key) = match assessment.verdict {
                Verdict::Genuine => ("genuine", "verdict-genuine"),
                Verdict::Suspicious => ("suspicious", "verdict-suspicious"),
                Verdict::Unknown => ("unknown", "verdict-unknown"),
            };
            let reasons = assessment
                .reasons
                .iter()
                .map(|r| ReasonRow { text: p.t(&format!("reason-{}", r.code.replace(['.', '_'], "-"))), red: r.is_red_flag() })
                .collect();
            let verdict = Some((class, p.t(key)));
            ctx.ok(&CheckPage { p, channel: channel.as_str().into(), sender: f.sender, text: f.text, verdict, reasons })
        }
        Err(e) => {
            let p = ctx.page_with("check-title", Some(&e), &["text", "sender"]);
            ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &CheckPage { p, channel: f.channel, sender: f.sender, text: f.text, verdict: None, reasons: vec![] })
        }
    }
}
