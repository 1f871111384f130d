//! "Login & Security": the account's methods and their actions, password change,
//! the account language and sign-in alerts (F-ACC-3, F-ACC-4, F-2SV-*, F-MSG-1).

use axum::extract::Query;
use axum::response::Response;
use ninsho_domain::service::MethodView;
use ninsho_domain::types::{FactorKind, Locale};
use secrecy::SecretString;
use serde::Deserialize;

use super::auth::LANGUAGES;
use super::code::method_name;
use crate::web::cookies;
use crate::web::ctx::{Ctx, Page};
use crate::web::form::PageForm;

/// Notices a redirect may ask for; anything else in `?notice=` is ignored.
const NOTICES: [&str; 9] =
    ["twosv-on", "twosv-off", "password-changed", "method-added", "method-removed", "preferred-changed", "alerts-saved", "language-saved", "codes-saved"];

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
    methods: Vec<MethodRow>,
    backup_left: i64,
    has_backup: bool,
    has_app: bool,
    has_email: bool,
    can_add_phone: bool,
    alerts: bool,
    account_lang: &'static str,
    languages: [(&'static str, &'static str); 4],
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
    let view = match ctx.state.services.account_view(&a).await {
        Ok(v) => v,
        Err(e) => return ctx.fail(e, "/account"),
    };
    let mut p = ctx.page("account-title");
    notice_from(&mut p, q.notice.as_deref());
    let phones = view.methods.iter().filter(|m| m.kind == FactorKind::Phone).count();
    let page = AccountPage {
        email: view.email.clone(),
        twosv: view.two_step_enabled,
        methods: rows(&p, &view.methods),
        backup_left: view.backup_codes_left,
        has_backup: view.methods.iter().any(|m| m.kind == FactorKind::BackupCodes),
        has_app: view.methods.iter().any(|m| m.kind == FactorKind::Totp),
        has_email: view.methods.iter().any(|m| m.kind == FactorKind::Email),
        can_add_phone: phones < ctx.state.config.policy.max_phones,
        alerts: a.account.signin_alerts,
        account_lang: a.account.locale.as_str(),
        languages: LANGUAGES,
        p,
    };
    ctx.ok(&page)
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

