//! The code page every challenge shares: sign-in, e-mail confirmation, step-up and a
//! new method's first code. It shows the method in use and, under "didn't get a
//! code?", a resend and every other method that may answer (F-SIGNIN-1, F-OTP-2).
//! Which challenge it is for lives in an HttpOnly cookie, never in the URL.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use ninsho_domain::service::{ChallengeView, MethodView, StepUpStarted, VerifyInput};
use ninsho_domain::types::{ChallengeId, Channel, FactorId, FactorKind, Purpose};
use ninsho_domain::Error;
use secrecy::SecretString;
use serde::Deserialize;

use crate::web::cookies;
use crate::web::ctx::{Ctx, Page, safe_next};
use crate::web::form::PageForm;
use crate::web::i18n::Tr;

pub fn set_pending(ctx: &mut Ctx, id: ChallengeId, next: &str) {
    let v = format!("{}|{}", id.0.simple(), safe_next(Some(next), "/account"));
    ctx.set_cookie(cookies::PENDING, &v, Some(ctx.state.config.policy.challenge_secs));
}

pub fn pending(ctx: &Ctx) -> Option<(ChallengeId, String)> {
    let v = ctx.cookie(cookies::PENDING)?;
    let (id, next) = v.split_once('|')?;
    Some((ChallengeId(uuid::Uuid::try_parse(id).ok()?), safe_next(Some(next), "/account")))
}

/// Where a method's code goes, as the page names it: a phone by its last digits
/// ("末尾5678"), an e-mail address masked.
pub fn destination_of(tr: &Tr, m: &MethodView) -> String {
    match &m.phone_tail {
        Some(tail) => tr.phone_tail(tail),
        None => m.destination.clone().unwrap_or_default(),
    }
}

/// What a method is called in "use another method".
pub fn method_name(tr: &Tr, m: &MethodView) -> String {
    let to = destination_of(tr, m);
    match (m.kind, m.channel) {
        (FactorKind::Totp, _) => tr.t("method-app"),
        (FactorKind::Phone, Some(Channel::Voice)) => tr.t1("method-voice", "to", &to),
        (FactorKind::Phone, _) => tr.t1("method-sms", "to", &to),
        (FactorKind::Email, _) => tr.t1("method-email", "to", &to),
        (FactorKind::BackupCodes, _) => tr.t("method-backup"),
    }
}

/// Where to find the code of the method in use (none: the account's e-mail).
pub fn instruction(tr: &Tr, current: Option<&MethodView>) -> String {
    match current {
        None => tr.t("code-instruction-email-account"),
        Some(m) => {
            let to = destination_of(tr, m);
            match (m.kind, m.channel) {
                (FactorKind::Totp, _) => tr.t("code-instruction-app"),
                (FactorKind::BackupCodes, _) => tr.t("code-instruction-backup"),
                (FactorKind::Phone, Some(Channel::Voice)) => tr.t1("code-instruction-voice", "to", &to),
                (FactorKind::Phone, _) => tr.t1("code-instruction-sms", "to", &to),
                (FactorKind::Email, _) => tr.t1("code-instruction-email", "to", &to),
            }
        }
    }
}

pub fn action_label(tr: &Tr, m: &MethodView) -> String {
    let to = destination_of(tr, m);
    match (m.kind, m.channel) {
        (FactorKind::Totp, _) => tr.t("use-app"),
        (FactorKind::Phone, Some(Channel::Voice)) => tr.t1("use-voice", "to", &to),
        (FactorKind::Phone, _) => tr.t1("use-sms", "to", &to),
        (FactorKind::Email, _) => tr.t1("use-email", "to", &to),
        (FactorKind::BackupCodes, _) => tr.t("use-backup"),
    }
}

pub fn sendable(m: &MethodView) -> bool {
    matches!(m.kind, FactorKind::Phone | FactorKind::Email)
}

pub struct Other {
    pub id: FactorId,
    pub label: String,
    pub sendable: bool,
}

#[derive(askama::Template)]
#[template(path = "code.html")]
struct CodePage {
    p: Page,
    closed: bool,
    restart: String,
    instruction: String,
    code_label: String,
    submit: String,
    method_id: Option<String>,
    backup: bool,
    offer_trust: bool,
    resendable: bool,
    /// "Call me instead" for a mobile number: the same method, by voice (F-SIGNIN-1).
    voice_instead: Option<String>,
    help_open: bool,
    others: Vec<Other>,
    /// A sign-in's last way out: the ID-document request when no method works (F-OFF-3).
    offer_recovery: bool,
    /// F-INT-3: what a shop service asks the shopper to confirm, in the page's language.
    reason: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct CodeQuery {
    method: Option<String>,
    sent: Option<String>,
    notice: Option<String>,
    /// "voice" after "call me instead".
    via: Option<String>,
}

fn title_key(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::VerifyEmail | Purpose::Decoy => "code-title-verify-email",
        Purpose::StepUp => "code-title-step-up",
        Purpose::Enroll => "code-title-enroll",
        Purpose::ChangeEmail => "code-title-change-email",
        Purpose::ServiceStepUp => "code-title-service-step-up",
        _ => "code-title-sign-in",
    }
}

/// Builds the code page for a challenge, the method in use being `chosen` (else the
/// challenge's own).
fn code_page(ctx: &Ctx, view: &ChallengeView, chosen: Option<FactorId>, e: Option<&Error>) -> CodePage {
    let p = ctx.page_with(title_key(view.purpose), e, &["code"]);
    let tr = p.tr;
    let current = chosen.and_then(|id| view.methods.iter().find(|m| m.id == id)).or(view.method.as_ref());
    // A new address's code went to an address that is not yet the account's.
    let instruction = if view.purpose == Purpose::ChangeEmail { tr.t("code-instruction-email-new") } else { instruction(&tr, current) };
    let backup = current.is_some_and(|m| m.kind == FactorKind::BackupCodes);
    let others = view
        .methods
        .iter()
        .filter(|m| Some(m.id) != current.map(|c| c.id))
        .map(|m| Other { id: m.id, label: action_label(&tr, m), sendable: sendable(m) })
        .collect();
    CodePage {
        closed: false,
        restart: restart_for(view.purpose),
        instruction,
        code_label: tr.t(if backup { "field-backup-code" } else { "field-code" }),
        submit: tr.t(if matches!(view.purpose, Purpose::SignIn | Purpose::DeviceSignIn) { "code-submit" } else { "continue" }),
        method_id: current.map(|m| m.id.0.to_string()),
        backup,
        offer_trust: view.purpose == Purpose::SignIn && current.is_some(),
        // A new method's code and the account's own e-mail code can be sent again too.
        resendable: current.is_none_or(sendable),
        voice_instead: current.filter(|m| m.kind == FactorKind::Phone && m.channel == Some(Channel::Sms)).map(|m| tr.t1("code-voice-instead", "to", &destination_of(&tr, m))),
        help_open: e.is_some(),
        others,
        offer_recovery: matches!(view.purpose, Purpose::SignIn | Purpose::DeviceSignIn) && current.is_some(),
        reason: view.reason.as_ref().map(|r| tr.t1("code-service-step-up-reason", "reason", &ninsho_delivery::render::reason(tr.locale, r))),
        p,
    }
}

fn restart_for(purpose: Purpose) -> String {
    match purpose {
        Purpose::VerifyEmail | Purpose::Decoy => "/sign-up".into(),
        Purpose::StepUp | Purpose::Enroll => "/account".into(),
        Purpose::ChangeEmail => "/account/email".into(),
        Purpose::ResetPassword => "/forgot-password".into(),
        _ => "/sign-in".into(),
    }
}

fn closed_page(ctx: &Ctx, purpose: Purpose) -> CodePage {
    let p = ctx.page(title_key(purpose));
    CodePage {
        closed: true,
        restart: restart_for(purpose),
        instruction: String::new(),
        code_label: String::new(),
        submit: String::new(),
        method_id: None,
        backup: false,
        offer_trust: false,
        resendable: false,
        voice_instead: None,
        help_open: false,
        others: vec![],
        offer_recovery: false,
        reason: None,
        p,
    }
}

fn parse_method(s: Option<&str>) -> Option<FactorId> {
    s.and_then(|m| uuid::Uuid::try_parse(m).ok()).map(FactorId)
}

pub async fn show(ctx: Ctx, Query(q): Query<CodeQuery>) -> Response {
    let Some((id, _)) = pending(&ctx) else { return closed(ctx, Purpose::SignIn) };
    match ctx.state.services.challenge_view(id).await {
        Ok(view) => {
            let chosen = parse_method(q.method.as_deref());
            let mut page = code_page(&ctx, &view, chosen, None);
            if q.sent.is_some() {
                let to = chosen.and_then(|c| view.methods.iter().find(|m| m.id == c)).or(view.method.as_ref()).map(|m| destination_of(&page.p.tr, m)).filter(|to| !to.is_empty());
                page.p.notice = Some(match (to, q.via.as_deref()) {
                    (Some(to), Some("voice")) => page.p.t1("code-calling", "to", &to),
                    (Some(to), _) => page.p.t1("code-resent-to", "to", &to),
                    (None, _) => page.p.t("code-resent"),
                });
            }
            if q.notice.as_deref() == Some("queued") {
                page.p.notice = Some(page.p.t("code-queued"));
            }
            if q.notice.as_deref() == Some("send_failed") {
                page.p.problem = Some(crate::web::problem::Problem::general(page.p.t("code-send-failed")));
                page.help_open = true;
            }
            ctx.ok(&page)
        }
        Err(Error::ChallengeClosed | Error::InvalidCode) => closed(ctx, Purpose::SignIn),
        Err(e) => ctx.fail(e, "/"),
    }
}

fn closed(ctx: Ctx, purpose: Purpose) -> Response {
    let page = closed_page(&ctx, purpose);
    ctx.render(StatusCode::GONE, &page)
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    method: Option<String>,
    trust: Option<String>,
}

pub async fn verify(mut ctx: Ctx, PageForm(f): PageForm<CodeForm>) -> Response {
    let Some((id, next)) = pending(&ctx) else { return closed(ctx, Purpose::SignIn) };
    let method = parse_method(f.method.as_deref());
    let input = VerifyInput { code: SecretString::from(f.code), method, trust_browser: f.trust.is_some() };
    match ctx.state.services.verify(id, input, &ctx.client).await {
        Ok(v) => {
            if let Some(token) = &v.session_token {
                ctx.start_session(token).await;
            }
            if let Some(token) = &v.trusted_browser_token {
                let age = ctx.state.config.policy.trusted_browser_secs;
                ctx.set_cookie(cookies::TRUST, token, Some(age));
            }
            ctx.clear_cookie(cookies::PENDING);
            // F-ORG-1: a member of an organisation without 2SV sets it up first.
            let to = match &v.session_token {
                Some(token) => super::organisations::after_sign_in(&ctx.state, token, &next).await,
                None => next,
            };
            ctx.redirect(&to)
        }
        Err(Error::ChallengeClosed) => closed(ctx, Purpose::SignIn),
        Err(e) => match ctx.state.services.challenge_view(id).await {
            Ok(view) => {
                let page = code_page(&ctx, &view, method, Some(&e));
                ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &page)
            }
            // Five wrong codes close the challenge (F-OTP-3): say so, with the error.
            Err(_) => closed(ctx, Purpose::SignIn),
        },
    }
}

#[derive(Deserialize)]
pub struct ResendForm {
    method: Option<String>,
    /// "voice": call the mobile number instead of texting it.
    channel: Option<String>,
}

pub async fn resend(ctx: Ctx, PageForm(f): PageForm<ResendForm>) -> Response {
    let Some((id, _)) = pending(&ctx) else { return closed(ctx, Purpose::SignIn) };
    let method = parse_method(f.method.as_deref());
    // Only a call is asked for by name; anything else is the method's own channel.
    let channel = (f.channel.as_deref() == Some("voice")).then_some(Channel::Voice);
    match ctx.state.services.resend(id, method, channel, &ctx.client).await {
        Ok(sent) => {
            let queued = if sent.state == ninsho_domain::service::DeliveryState::Queued { "&notice=queued" } else { "" };
            let via = if sent.channel == Channel::Voice && channel.is_some() { "&via=voice" } else { "" };
            let to = match method {
                Some(m) => format!("/code?method={}&sent=1{queued}{via}", m.0),
                None => format!("/code?sent=1{queued}{via}"),
            };
            ctx.redirect(&to)
        }
        Err(Error::ChallengeClosed) => closed(ctx, Purpose::SignIn),
        Err(e) => match ctx.state.services.challenge_view(id).await {
            Ok(view) => {
                let page = code_page(&ctx, &view, method, Some(&e));
                let status = crate::api::status_of(&e);
                ctx.render(status, &page)
            }
            Err(_) => closed(ctx, Purpose::SignIn),
        },
    }
}

// ---- step-up: "confirm it's you" before a sensitive change (F-SIGNIN-4) ----

#[derive(askama::Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    p: Page,
    next: String,
    with_password: bool,
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn confirm_form(ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let next = safe_next(q.next.as_deref(), "/account");
    let p = ctx.page("confirm-title");
    ctx.ok(&ConfirmPage { p, next, with_password: a.account.twosv_enabled_at.is_none() })
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    next: Option<String>,
    password: Option<String>,
}

pub async fn confirm(mut ctx: Ctx, PageForm(f): PageForm<ConfirmForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let next = safe_next(f.next.as_deref(), "/account");
    let with_password = a.account.twosv_enabled_at.is_none();
    match ctx.state.services.start_step_up(&a, None, f.password.map(SecretString::from), &ctx.client).await {
        Ok(StepUpStarted::Done) => ctx.redirect(&next),
        Ok(StepUpStarted::CodeRequired { challenge_id, .. }) => {
            set_pending(&mut ctx, challenge_id, &next);
            ctx.redirect("/code")
        }
        Err(e) => {
            let p = ctx.page_with("confirm-title", Some(&e), &["password"]);
            ctx.render(crate::api::status_of(&e), &ConfirmPage { p, next, with_password })
        }
    }
}
