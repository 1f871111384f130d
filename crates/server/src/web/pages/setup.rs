//! The 2SV setup wizard as the seeds walk through it (F-2SV-1…5): approval e-mail →
//! phone or authenticator app → the code → a backup method → "don't require codes on
//! this browser" → "Got it, turn on 2SV". The step shown is derived from the account
//! each time, so a reload or a second tab never loses the user's place. Also the
//! method actions of "Login & Security", which share these forms.

use axum::extract::Query;
use axum::response::Response;
use ninsho_domain::service::Authed;
use ninsho_domain::types::{FactorId, FactorKind};
use ninsho_domain::Error;
use serde::Deserialize;

use super::account::{MethodRow, rows};
use super::code::set_pending;
use crate::web::cookies;
use crate::web::ctx::{Ctx, Page, safe_next};
use crate::web::form::PageForm;

const WIZARD: &str = "/account/two-step/setup";

#[derive(askama::Template)]
#[template(path = "setup.html")]
struct SetupPage {
    p: Page,
    step: &'static str,
    sent: bool,
    backup_required: bool,
    methods: Vec<MethodRow>,
    has_email: bool,
}

#[derive(Deserialize, Default)]
pub struct SetupQuery {
    sent: Option<String>,
    step: Option<String>,
    /// "I've approved it": set by the continue link after the approval e-mail.
    waiting: Option<String>,
}

pub async fn wizard(ctx: Ctx, Query(q): Query<SetupQuery>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    if a.account.twosv_enabled_at.is_some() {
        return ctx.redirect("/account");
    }
    let s = &ctx.state.services;
    if let Err(e) = s.require_step_up(&a) {
        return ctx.fail(e, WIZARD);
    }
    let approved = match s.setup_approved(&a).await {
        Ok(x) => x,
        Err(e) => return ctx.fail(e, WIZARD),
    };
    let methods = match s.list_methods(&a).await {
        Ok(m) => m,
        Err(e) => return ctx.fail(e, WIZARD),
    };
    let usable: Vec<_> = methods.iter().filter(|m| !m.disabled).collect();
    let primary = usable.iter().any(|m| matches!(m.kind, FactorKind::Phone | FactorKind::Totp));
    let has_app = usable.iter().any(|m| m.kind == FactorKind::Totp);
    let backup_required = !has_app && usable.len() < 2;
    let step = if !approved {
        "approval"
    } else if !primary {
        "choose"
    } else if usable.len() < 2 && (backup_required || q.step.as_deref() != Some("finish")) {
        "backup"
    } else {
        "finish"
    };
    let mut p = ctx.page("setup-title");
    if step == "approval" && q.waiting.is_some() {
        // Continued before tapping "Approve" in the e-mail: say so, not the same page again.
        p.notice = Some(p.t("setup-approval-waiting"));
    }
    let page = SetupPage {
        step,
        sent: q.sent.is_some(),
        backup_required,
        methods: rows(&p, &methods),
        has_email: methods.iter().any(|m| m.kind == FactorKind::Email),
        p,
    };
    ctx.ok(&page)
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn request_approval(ctx: Ctx, PageForm(_): PageForm<Empty>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    match ctx.state.services.request_approval(&a, &ctx.client).await {
        Ok(_) => ctx.redirect(&format!("{WIZARD}?sent=1")),
        Err(e) => ctx.fail(e, WIZARD),
    }
}

/// Where a method action returns to: the wizard while 2SV is off, else the account.
fn back(ctx: &Ctx) -> &'static str {
    match &ctx.authed {
        Some(a) if a.account.twosv_enabled_at.is_none() => WIZARD,
        _ => "/account",
    }
}

#[derive(askama::Template)]
#[template(path = "phone.html")]
struct PhonePage {
    p: Page,
    number: String,
    replaces: String,
    /// The number being replaced, masked ("…5678"), on a change.
    current: Option<String>,
}

/// The masked number of the phone `replaces` names, if it is one of the account's.
async fn replaced_number(ctx: &Ctx, a: &ninsho_domain::service::Authed, replaces: Option<&str>) -> Option<String> {
    let id = parse_factor(replaces)?;
    let methods = ctx.state.services.list_methods(a).await.ok()?;
    methods.into_iter().find(|m| m.id == id && m.kind == FactorKind::Phone).and_then(|m| m.destination)
}

#[derive(Deserialize, Default)]
pub struct PhoneQuery {
    replaces: Option<String>,
}

/// F-2SV-5/6: a (second) phone, or a new number for one on file. Asks for a fresh
/// code first, before the number is typed.
pub async fn phone_form(ctx: Ctx, Query(q): Query<PhoneQuery>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    if let Err(e) = ctx.state.services.require_step_up(&a) {
        let here = ctx.here.clone();
        return ctx.fail(e, &here);
    }
    let title = if q.replaces.is_some() { "phone-change-title" } else { "phone-title" };
    let p = ctx.page(title);
    let current = replaced_number(&ctx, &a, q.replaces.as_deref()).await;
    ctx.ok(&PhonePage { p, number: String::new(), replaces: q.replaces.unwrap_or_default(), current })
}

#[derive(Deserialize)]
pub struct PhoneForm {
    #[serde(default)]
    phone: String,
    replaces: Option<String>,
}

fn parse_factor(s: Option<&str>) -> Option<FactorId> {
    s.filter(|s| !s.is_empty()).and_then(|s| uuid::Uuid::try_parse(s).ok()).map(FactorId)
}

pub async fn add_phone(mut ctx: Ctx, PageForm(f): PageForm<PhoneForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let replaces = parse_factor(f.replaces.as_deref());
    let back = back(&ctx);
    match ctx.state.services.add_phone(&a, &f.phone, replaces, &ctx.client).await {
        Ok(enrol) => {
            let done = if replaces.is_some() { "/account?notice=phone-changed" } else { "/account?notice=method-added" };
            let next = if back == WIZARD { WIZARD.to_string() } else { done.to_string() };
            set_pending(&mut ctx, enrol.challenge_id, &next);
            // A slow or failing gateway: say the code is on its way, not that it arrived.
            ctx.redirect(if enrol.sent.state == ninsho_domain::service::DeliveryState::Queued { "/code?notice=queued" } else { "/code" })
        }
        Err(e @ (Error::StepUpRequired | Error::Unauthenticated)) => ctx.fail(e, "/account/phone"),
        Err(e) => {
            let title = if replaces.is_some() { "phone-change-title" } else { "phone-title" };
            let p = ctx.page_with(title, Some(&e), &["phone"]);
            let status = crate::api::status_of(&e);
            let current = replaced_number(&ctx, &a, f.replaces.as_deref()).await;
            ctx.render(status, &PhonePage { p, number: f.phone, replaces: f.replaces.unwrap_or_default(), current })
        }
    }
}

#[derive(askama::Template)]
#[template(path = "app.html")]
struct AppPage {
    p: Page,
    qr_svg: String,
    setup_key: String,
    otpauth_uri: String,
    /// The wizard's step indicator: `method` or `backup`; none outside the wizard.
    wizard_step: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct AppForm {
    replaces: Option<String>,
}

/// F-2SV-3 / F-2SV-6: starts an app set-up, then shows it by GET (post/redirect/get),
/// so a reload, going back or a language switch shows the same key again.
pub async fn add_app(mut ctx: Ctx, PageForm(f): PageForm<AppForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let replaces = parse_factor(f.replaces.as_deref());
    let back = back(&ctx);
    match ctx.state.services.add_totp(&a, replaces, &ctx.client).await {
        Ok(enrol) => {
            let next = if back == WIZARD { WIZARD.to_string() } else { "/account?notice=method-added".to_string() };
            set_pending(&mut ctx, enrol.challenge_id, &next);
            ctx.redirect(APP)
        }
        Err(e) => ctx.fail(e, back),
    }
}

const APP: &str = "/account/app";

/// The QR code (inline SVG), the setup key in groups of four and an `otpauth://` link
/// for an app on this same phone, with the code form right under them. Without a
/// set-up in progress, back to where one starts.
pub async fn app_page(ctx: Ctx) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let back = back(&ctx);
    let Some((challenge, _)) = super::code::pending(&ctx) else { return ctx.redirect(back) };
    match ctx.state.services.pending_totp(&a, challenge).await {
        Ok(enrol) => {
            // Groups of four, as authenticator apps show keys; spaces are ignored there.
            let key: Vec<String> = enrol.setup_key.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
            let wizard_step = if back != WIZARD {
                None
            } else {
                // A phone or app already set up makes this app the backup method.
                let methods = ctx.state.services.list_methods(&a).await.unwrap_or_default();
                let primary = methods.iter().any(|m| !m.disabled && m.verified && matches!(m.kind, FactorKind::Phone | FactorKind::Totp));
                Some(if primary { "backup" } else { "method" })
            };
            let p = ctx.page("app-title");
            let page = AppPage { p, qr_svg: enrol.qr_svg, setup_key: key.join(" "), otpauth_uri: enrol.otpauth_uri, wizard_step };
            ctx.ok(&page)
        }
        Err(Error::NotFound) => ctx.redirect(back),
        Err(e) => ctx.fail(e, back),
    }
}

pub async fn add_email(ctx: Ctx, PageForm(_): PageForm<Empty>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let back = back(&ctx);
    match ctx.state.services.add_email_method(&a, &ctx.client).await {
        Ok(_) => ctx.redirect(if back == WIZARD { WIZARD } else { "/account?notice=method-added" }),
        Err(e) => ctx.fail(e, back),
    }
}

#[derive(askama::Template)]
#[template(path = "backup_codes.html")]
struct BackupPage {
    p: Page,
    codes: Vec<String>,
    next: String,
}

const BACKUP: &str = "/account/backup-codes";
/// How long new codes can be shown again: long enough to write them down.
const BACKUP_VIEW_SECS: i64 = 15 * 60;

fn backup_aad(a: &Authed) -> String {
    format!("cookie|backup-codes|{}", a.session.id.0)
}

/// F-2SV-2: new backup codes (the earlier ones stop working). Only their hashes are
/// kept; the codes themselves ride in a cookie sealed to this session for a few
/// minutes, so their page is a GET that survives a reload and a language switch.
pub async fn backup_codes(mut ctx: Ctx, PageForm(_): PageForm<Empty>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let back = back(&ctx);
    match ctx.state.services.regenerate_backup_codes(&a, &ctx.client).await {
        Ok(b) => {
            let sealed = serde_json::to_vec(&b.codes).map_err(ninsho_domain::Error::internal).and_then(|json| ctx.state.services.keys.seal(&backup_aad(&a), &json));
            match sealed {
                Ok(blob) => {
                    ctx.set_cookie(cookies::BACKUP_CODES, &data_encoding::BASE64URL_NOPAD.encode(&blob), Some(BACKUP_VIEW_SECS));
                    ctx.redirect(BACKUP)
                }
                Err(e) => ctx.fail(e, back),
            }
        }
        Err(e) => ctx.fail(e, back),
    }
}

/// The codes just made; without them (later, another session) back to the account.
pub async fn backup_codes_page(ctx: Ctx) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let back = back(&ctx);
    let codes = ctx
        .cookie(cookies::BACKUP_CODES)
        .and_then(|v| data_encoding::BASE64URL_NOPAD.decode(v.as_bytes()).ok())
        .and_then(|blob| ctx.state.services.keys.open(&backup_aad(&a), &blob).ok())
        .and_then(|json| serde_json::from_slice::<Vec<String>>(&json).ok());
    let Some(codes) = codes else { return ctx.redirect(back) };
    let p = ctx.page("backup-title");
    let next = if back == WIZARD { WIZARD.to_string() } else { "/account?notice=codes-saved".to_string() };
    ctx.ok(&BackupPage { p, codes, next })
}

#[derive(Deserialize)]
pub struct EnableForm {
    trust: Option<String>,
}

pub async fn enable(mut ctx: Ctx, PageForm(f): PageForm<EnableForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    match ctx.state.services.enable_two_step(&a, f.trust.is_some(), &ctx.client).await {
        Ok(done) => {
            if let Some(t) = done.trusted_browser_token {
                let age = ctx.state.config.policy.trusted_browser_secs;
                ctx.set_cookie(cookies::TRUST, &t, Some(age));
            }
            ctx.redirect("/account?notice=twosv-on")
        }
        Err(e) => ctx.fail(e, WIZARD),
    }
}

#[derive(Deserialize)]
pub struct DisableForm {
    clear: Option<String>,
}

/// F-OFF-1: turning 2SV off, optionally clearing every method.
pub async fn disable(ctx: Ctx, PageForm(f): PageForm<DisableForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    match ctx.state.services.disable_two_step(&a, f.clear.is_some(), &ctx.client).await {
        // Seed 004: then an optional note, or skip.
        Ok(()) => ctx.redirect("/account/feedback?topic=two_step_off"),
        Err(e) => ctx.fail(e, "/account"),
    }
}

#[derive(Deserialize)]
pub struct MethodForm {
    id: Option<String>,
    next: Option<String>,
}

pub async fn remove(ctx: Ctx, PageForm(f): PageForm<MethodForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let Some(id) = parse_factor(f.id.as_deref()) else { return ctx.fail(Error::NotFound, "/account") };
    let next = safe_next(f.next.as_deref(), "/account?notice=method-removed");
    match ctx.state.services.remove_method(&a, id, &ctx.client).await {
        Ok(()) => ctx.redirect(&next),
        Err(e) => ctx.fail(e, "/account"),
    }
}

pub async fn preferred(ctx: Ctx, PageForm(f): PageForm<MethodForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let Some(id) = parse_factor(f.id.as_deref()) else { return ctx.fail(Error::NotFound, "/account") };
    match ctx.state.services.set_preferred(&a, id, &ctx.client).await {
        Ok(()) => ctx.redirect("/account?notice=preferred-changed"),
        Err(e) => ctx.fail(e, "/account"),
    }
}
