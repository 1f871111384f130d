//! The message center (F-MSG-2) and "Is this message from us?" (F-MSG-3), with the
//! checker's reasons in plain words of the page's language.

use axum::http::StatusCode;
use axum::response::Response;
use ninsho_domain::authenticity::{Assessment, NextStep, ReasonCode, RequestState, Verdict};
use ninsho_domain::service::MessageCheck;
use ninsho_domain::types::{Channel, Purpose};
use serde::Deserialize;

use crate::web::ctx::{Ctx, Page};
use crate::web::form::PageForm;
use crate::web::time::when;

pub struct MessageRow {
    pub(crate) at: String,
    pub(crate) channel: String,
    pub(crate) to: String,
    pub(crate) kind: String,
    pub(crate) text: String,
}

impl MessageRow {
    /// A message as sent (codes blanked), in the reader's zone and language.
    pub(crate) fn of(p: &Page, m: ninsho_domain::service::MessageView, zone: &ninsho_domain::zone::TimeZoneName) -> MessageRow {
        MessageRow {
            at: when(m.sent_at.unwrap_or(m.created_at), zone),
            channel: p.t(&format!("channel-{}", m.channel.as_str())),
            to: m.to,
            kind: p.t(&format!("kind-{}", m.kind)),
            text: m.text.unwrap_or_default(),
        }
    }
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
    let rows = msgs.into_iter().map(|m| MessageRow::of(&p, m, &zone)).collect();
    ctx.ok(&MessagesPage { p, zone: zone.as_str().to_string(), rows })
}

/// The check page's verdict, in the page's language.
pub struct VerdictView {
    class: &'static str,
    title: String,
    reasons: Vec<ReasonRow>,
    /// "our sign-in code (SMS), sent …", when a record matches.
    message: Option<String>,
    added: Vec<String>,
    missing: Vec<String>,
    request: Option<RequestView>,
    steps: Vec<StepRow>,
}

pub struct ReasonRow {
    text: String,
    red: bool,
}

pub struct RequestView {
    purpose: String,
    started: String,
    device: String,
    address: String,
    state: String,
    open: bool,
}

pub struct StepRow {
    text: String,
    /// Where the step is done (href, link text).
    link: Option<(String, String)>,
}

#[derive(askama::Template)]
#[template(path = "check.html")]
struct CheckPage {
    p: Page,
    channel: String,
    sender: String,
    text: String,
    /// The shop's official senders (F-MSG-3: what a genuine message comes from).
    numbers: Vec<String>,
    domains: Vec<String>,
    verdict: Option<VerdictView>,
}

impl CheckPage {
    fn new(ctx: &Ctx, p: Page, channel: String, sender: String, text: String, verdict: Option<VerdictView>) -> Self {
        let official = &ctx.state.config.official;
        CheckPage { p, channel, sender, text, numbers: official.sms_numbers.clone(), domains: official.email_domains.clone(), verdict }
    }
}

pub async fn check_form(ctx: Ctx) -> Response {
    if ctx.authed.is_none() {
        return ctx.to_sign_in();
    }
    let p = ctx.page("check-title");
    let page = CheckPage::new(&ctx, p, "sms".into(), String::new(), String::new(), None);
    ctx.ok(&page)
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
            let (zone, _) = ctx.state.services.time_zone(&a.account);
            let verdict = Some(verdict_view(&p, assessment, &zone));
            let page = CheckPage::new(&ctx, p, channel.as_str().into(), f.sender, f.text, verdict);
            ctx.ok(&page)
        }
        Err(e) => {
            let p = ctx.page_with("check-title", Some(&e), &["text", "sender"]);
            let page = CheckPage::new(&ctx, p, channel.as_str().into(), f.sender, f.text, None);
            ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

fn verdict_view(p: &Page, a: Assessment, zone: &ninsho_domain::zone::TimeZoneName) -> VerdictView {
    let (class, key) = match a.verdict {
        Verdict::Genuine => ("genuine", "verdict-genuine"),
        Verdict::Suspicious => ("suspicious", "verdict-suspicious"),
        Verdict::Unknown => ("unknown", "verdict-unknown"),
    };
    let deny_url = a.request.as_ref().and_then(|r| r.deny_url.clone());
    let steps = a
        .next_steps
        .iter()
        .map(|s| {
            let link = match s {
                NextStep::DenyRequest => deny_url.clone().map(|u| (u, p.t("check-deny-link"))),
                NextStep::ChangePassword | NextStep::ChangePasswordIfEntered => Some(("/account/password".to_string(), p.t("check-password-link"))),
                _ => None,
            };
            StepRow { text: p.t(step_key(*s)), link }
        })
        .collect();
    let (added, missing) = a.difference.map(|d| (d.added, d.missing)).unwrap_or_default();
    VerdictView {
        class,
        title: p.t(key),
        reasons: a.reasons.iter().map(|r| ReasonRow { text: p.t(reason_key(r.code)), red: r.is_red_flag() }).collect(),
        message: a.message.map(|m| {
            let what = format!("{} ({})", p.t(&format!("kind-{}", m.kind.id())), p.t(&format!("channel-{}", m.channel.as_str())));
            format!("{} · {}", what, p.t1("check-message-sent", "when", &when(m.sent_at, zone)))
        }),
        added,
        missing,
        request: a.request.map(|r| RequestView {
            purpose: p.t(purpose_key(r.purpose)),
            started: when(r.started_at, zone),
            device: r.device.unwrap_or_else(|| p.t("device-unknown")),
            address: r.address.unwrap_or_else(|| p.t("check-request-no-address")),
            state: p.t(state_key(r.state)),
            open: r.state == RequestState::Open,
        }),
        steps,
    }
}

/// Page text of each finding; a new `ReasonCode` does not compile without one.
pub fn reason_key(code: ReasonCode) -> &'static str {
    match code {
        ReasonCode::SenderNotOfficial => "reason-sender-not-official",
        ReasonCode::LinkNotOfficial => "reason-link-not-official",
        ReasonCode::LinkIpHost => "reason-link-ip-host",
        ReasonCode::LinkUserinfo => "reason-link-userinfo",
        ReasonCode::LinkPunycode => "reason-link-punycode",
        ReasonCode::LinkMixedScript => "reason-link-mixed-script",
        ReasonCode::LinkShortener => "reason-link-shortener",
        ReasonCode::LinkLookalike => "reason-link-lookalike",
        ReasonCode::LinkScheme => "reason-link-scheme",
        ReasonCode::TextAsksToShareCode => "reason-text-asks-to-share-code",
        ReasonCode::TextUrgency => "reason-text-urgency",
        ReasonCode::TextWrongLanguage => "reason-text-wrong-language",
        ReasonCode::RecordMatch => "reason-record-match",
        ReasonCode::RecordAltered => "reason-record-altered",
        ReasonCode::RecordIncomplete => "reason-record-incomplete",
        ReasonCode::RecordNone => "reason-record-none",
    }
}

pub fn step_key(step: NextStep) -> &'static str {
    match step {
        NextStep::DontTapOrReply => "check-step-dont-tap-or-reply",
        NextStep::ChangePasswordIfEntered => "check-step-change-password-if-entered",
        NextStep::PasteWholeMessage => "check-step-paste-whole-message",
        NextStep::UseCodeOnlySelf => "check-step-use-code-only-self",
        NextStep::RequestOver => "check-step-request-over",
        NextStep::NotYouPasswordKnown => "check-step-not-you-password-known",
        NextStep::NotYouSignedIn => "check-step-not-you-signed-in",
        NextStep::NotYouEmailRead => "check-step-not-you-email-read",
        NextStep::DenyRequest => "check-step-deny-request",
        NextStep::ChangePassword => "check-step-change-password",
        NextStep::NoticeOnly => "check-step-notice-only",
    }
}

pub fn purpose_key(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::SignIn => "check-purpose-sign-in",
        Purpose::DeviceSignIn => "check-purpose-device-sign-in",
        Purpose::StepUp => "check-purpose-step-up",
        Purpose::Enroll => "check-purpose-enroll",
        Purpose::VerifyEmail | Purpose::Decoy => "check-purpose-verify-email",
        Purpose::Approve => "check-purpose-approve",
        Purpose::ResetPassword => "check-purpose-reset-password",
        Purpose::ChangeEmail => "check-purpose-change-email",
        Purpose::ServiceStepUp => "check-purpose-service-step-up",
        Purpose::Delivery => "check-purpose-delivery",
    }
}

pub fn state_key(state: RequestState) -> &'static str {
    match state {
        RequestState::Open => "check-state-open",
        RequestState::Completed => "check-state-completed",
        RequestState::Cancelled => "check-state-cancelled",
        RequestState::Expired => "check-state-expired",
    }
}
