//! "Login & Security": the account's methods and their actions, password and e-mail
//! address change, the account language, time zone and sign-in alerts (F-ACC-3,
//! F-ACC-4, F-ACC-6, F-2SV-*, F-MSG-1, F-DEV-1/3).

use std::sync::LazyLock;

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use ninsho_domain::Error;
use ninsho_domain::service::{Authed, MethodView};
use ninsho_domain::types::{FactorKind, Locale};
use ninsho_domain::zone::TimeZoneName;
use secrecy::SecretString;
use serde::Deserialize;

use super::auth::LANGUAGES;
use super::code::{method_name, set_pending};
use crate::web::cookies;
use crate::web::ctx::{Ctx, Page};
use crate::web::form::PageForm;

/// Notices a redirect may ask for; anything else in `?notice=` is ignored.
const NOTICES: [&str; 15] = [
    "twosv-on",
    "twosv-off",
    "twosv-paused",
    "twosv-resumed",
    "feedback-thanks",
    "phone-changed",
    "password-changed",
    "method-added",
    "method-removed",
    "preferred-changed",
    "alerts-saved",
    "language-saved",
    "codes-saved",
    "time-zone-saved",
    "email-changed",
];

/// The zones the picker offers, read once from the bundled database.
static ZONE_CHOICES: LazyLock<Vec<String>> = LazyLock::new(ninsho_domain::zone::choices);

pub fn notice_from(p: &mut Page, q: Option<&str>) {
    if let Some(n) = q.and_then(|n| NOTICES.iter().find(|k| **k == n)) {
        p.notice = Some(p.t(&format!("notice-{n}")));
    }
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    pub notice: Option<String>,
}

pub struct MethodRow {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub preferred: bool,
    pub disabled: bool,
    pub can_prefer: bool,
}

#[derive(askama::Template)]
#[template(path = "account.html")]
struct AccountPage {
    p: Page,
    email: String,
    twosv: bool,
    /// F-OFF-2: while 2SV is paused, when it is back on, in the account's zone.
    paused_until: Option<String>,
    methods: Vec<MethodRow>,
    backup_left: i64,
    has_backup: bool,
    has_app: bool,
    has_email: bool,
    can_add_phone: bool,
    alerts: bool,
    account_lang: &'static str,
    languages: [(&'static str, &'static str); 4],
    /// The account's own choice, or "" while it follows the default.
    zone_chosen: String,
    /// What "automatic" means for this account now.
    zone_default: String,
    zone_choices: &'static [String],
}

pub fn rows(p: &Page, methods: &[MethodView]) -> Vec<MethodRow> {
    methods
        .iter()
        .map(|m| MethodRow {
            id: m.id.0.to_string(),
            name: method_name(&p.tr, m),
            kind: m.kind.as_str(),
            preferred: m.preferred,
            disabled: m.disabled,
            can_prefer: !m.preferred && !m.disabled && m.kind != FactorKind::BackupCodes,
        })
        .collect()
}

pub async fn show(ctx: Ctx, Query(q): Query<NoticeQuery>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    account_page(ctx, a, q.notice.as_deref(), None).await
}

/// The page, with a refused setting's message next to its field.
async fn account_page(ctx: Ctx, a: Authed, notice: Option<&str>, problem: Option<Error>) -> Response {
    let view = match ctx.state.services.account_view(&a).await {
        Ok(v) => v,
        Err(e) => return ctx.fail(e, "/account"),
    };
    let mut p = ctx.page_with("account-title", problem.as_ref(), &["time_zone"]);
    notice_from(&mut p, notice);
    let status = problem.as_ref().map(crate::api::status_of).unwrap_or(StatusCode::OK);
    let phones = view.methods.iter().filter(|m| m.kind == FactorKind::Phone).count();
    let page = AccountPage {
        email: view.email.clone(),
        twosv: view.two_step_enabled,
        paused_until: view.two_step_suspended_until.map(|t| crate::web::time::when(t, &view.time_zone)),
        methods: rows(&p, &view.methods),
        backup_left: view.backup_codes_left,
        has_backup: view.methods.iter().any(|m| m.kind == FactorKind::BackupCodes),
        has_app: view.methods.iter().any(|m| m.kind == FactorKind::Totp),
        has_email: view.methods.iter().any(|m| m.kind == FactorKind::Email),
        can_add_phone: phones < ctx.state.config.policy.max_phones,
        alerts: a.account.signin_alerts,
        account_lang: a.account.locale.as_str(),
        languages: LANGUAGES,
        zone_chosen: a.account.time_zone.as_ref().map(|z| z.as_str().to_string()).unwrap_or_default(),
        zone_default: ctx.state.services.default_time_zone(a.account.locale).0.as_str().to_string(),
        zone_choices: ZONE_CHOICES.as_slice(),
        p,
    };
    ctx.render(status, &page)
}

#[derive(askama::Template)]
#[template(path = "password.html")]
struct PasswordPage {
    p: Page,
}

pub async fn password_form(ctx: Ctx) -> Response {
    if ctx.authed.is_none() {
        return ctx.to_sign_in();
    }
    let p = ctx.page("password-title");
    ctx.ok(&PasswordPage { p })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    sign_out_others: Option<String>,
}

pub async fn change_password(ctx: Ctx, PageForm(f): PageForm<PasswordForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let r = ctx
        .state
        .services
        .change_password(&a, SecretString::from(f.current_password), SecretString::from(f.new_password), f.sign_out_others.is_some(), &ctx.client)
        .await;
    match r {
        Ok(()) => ctx.redirect("/account?notice=password-changed"),
        Err(e @ ninsho_domain::Error::StepUpRequired) => ctx.fail(e, "/account/password"),
        Err(e) => {
            let p = ctx.page_with("password-title", Some(&e), &["current_password", "new_password"]);
            ctx.render(crate::api::status_of(&e), &PasswordPage { p })
        }
    }
}

#[derive(askama::Template)]
#[template(path = "email_change.html")]
struct EmailChangePage {
    p: Page,
    current: String,
    new_email: String,
}

/// F-ACC-6: a fresh confirmation first, before the new address is typed (as for a phone).
pub async fn email_form(ctx: Ctx) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    if let Err(e) = ctx.state.services.require_step_up(&a) {
        let here = ctx.here.clone();
        return ctx.fail(e, &here);
    }
    let p = ctx.page("email-change-title");
    ctx.ok(&EmailChangePage { p, current: a.account.email.as_str().to_string(), new_email: String::new() })
}

#[derive(Deserialize)]
pub struct EmailChangeForm {
    #[serde(default)]
    new_email: String,
}

/// The code goes to the new address; the shared code page takes it, then back to the
/// account with a notice.
pub async fn change_email(mut ctx: Ctx, PageForm(f): PageForm<EmailChangeForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    match ctx.state.services.start_email_change(&a, &f.new_email, &ctx.client).await {
        Ok(started) => {
            set_pending(&mut ctx, started.challenge_id, "/account?notice=email-changed");
            // A slow or failing mail server: say the code is on its way, not that it arrived.
            ctx.redirect(if started.sent.state == ninsho_domain::service::DeliveryState::Queued { "/code?notice=queued" } else { "/code" })
        }
        Err(e @ (Error::StepUpRequired | Error::Unauthenticated)) => ctx.fail(e, "/account/email"),
        Err(e) => {
            let p = ctx.page_with("email-change-title", Some(&e), &["new_email"]);
            ctx.render(crate::api::status_of(&e), &EmailChangePage { p, current: a.account.email.as_str().to_string(), new_email: f.new_email })
        }
    }
}

#[derive(Deserialize)]
pub struct LanguageForm {
    locale: Option<String>,
}

pub async fn set_language(mut ctx: Ctx, PageForm(f): PageForm<LanguageForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let Some(locale) = f.locale.as_deref().and_then(Locale::parse) else {
        let e = ninsho_domain::Error::invalid("locale.unsupported", "locale", "unsupported language");
        return ctx.fail(e, "/account");
    };
    match ctx.state.services.set_locale(&a, locale).await {
        Ok(()) => {
            ctx.set_cookie(cookies::LANG, locale.as_str(), Some(365 * 24 * 3600));
            ctx.redirect("/account?notice=language-saved")
        }
        Err(e) => ctx.fail(e, "/account"),
    }
}

#[derive(Deserialize)]
pub struct TimeZoneForm {
    time_zone: Option<String>,
}

/// F-DEV-1/3: an IANA name, or nothing for "automatic" (the default zone).
pub async fn set_time_zone(ctx: Ctx, PageForm(f): PageForm<TimeZoneForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    let zone = match f.time_zone.as_deref().map(str::trim).filter(|z| !z.is_empty()).map(TimeZoneName::parse).transpose() {
        Ok(z) => z,
        Err(e) => return account_page(ctx, a, None, Some(e)).await,
    };
    match ctx.state.services.set_time_zone(&a, zone).await {
        Ok(()) => ctx.redirect("/account?notice=time-zone-saved"),
        Err(e) => ctx.fail(e, "/account"),
    }
}

#[derive(Deserialize)]
pub struct AlertsForm {
    on: Option<String>,
}

pub async fn set_alerts(ctx: Ctx, PageForm(f): PageForm<AlertsForm>) -> Response {
    let Some(a) = ctx.authed.clone() else { return ctx.to_sign_in() };
    match ctx.state.services.set_signin_alerts(&a, f.on.is_some(), &ctx.client).await {
        Ok(()) => ctx.redirect("/account?notice=alerts-saved"),
        Err(e) => ctx.fail(e, "/account"),
    }
}

