//! Sign-up, sign-in (with password, then a code), the password+code sign-in for
//! devices without a second screen, signing out, and the language switch.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use ninsho_domain::service::DeliveryState;
use ninsho_domain::service::{DeviceSignInOutcome, SignInOutcome};
use ninsho_domain::types::Locale;
use secrecy::SecretString;
use serde::Deserialize;

use super::code::set_pending;
use crate::web::ctx::{Ctx, Page, safe_next};
use crate::web::cookies;
use crate::web::form::PageForm;

pub const LANGUAGES: [(&str, &str); 4] = [("ja", "日本語"), ("en", "English"), ("zh", "中文"), ("fr", "Français")];

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
    notice: Option<String>,
}

pub async fn home(ctx: Ctx) -> Response {
    let to = if ctx.authed.is_some() { "/account" } else { "/sign-in" };
    ctx.redirect(to)
}

/// The language switch: remembered in a cookie for this browser (the account's own
/// language is set on the security page).
pub async fn language(mut ctx: Ctx, Path(lang): Path<String>, Query(q): Query<NextQuery>) -> Response {
    let next = safe_next(q.next.as_deref(), "/");
    if let Some(l) = Locale::parse(&lang) {
        ctx.set_cookie(cookies::LANG, l.as_str(), Some(365 * 24 * 3600));
    }
    ctx.redirect(&next)
}

#[derive(askama::Template)]
#[template(path = "sign_up.html")]
struct SignUpPage {
    p: Page,
    email: String,
    languages: [(&'static str, &'static str); 4],
    /// Where the new account goes once its address is confirmed (an organisation's
    /// invitation, say).
    next: String,
}

#[derive(Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    locale: Option<String>,
    next: Option<String>,
}

pub async fn sign_up_form(ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    let p = ctx.page("sign-up-title");
    let next = safe_next(q.next.as_deref(), "/account");
    ctx.ok(&SignUpPage { p, email: String::new(), languages: LANGUAGES, next })
}

pub async fn sign_up(mut ctx: Ctx, PageForm(f): PageForm<SignUpForm>) -> Response {
    let locale = f.locale.as_deref().and_then(Locale::parse).unwrap_or(ctx.locale);
    let next = safe_next(f.next.as_deref(), "/account");
    match ctx.state.services.sign_up(&f.email, SecretString::from(f.password), locale, &ctx.client).await {
        Ok(started) => {
            // The chosen language shows from the next page on, as the account's is.
            ctx.set_cookie(cookies::LANG, locale.as_str(), Some(365 * 24 * 3600));
            set_pending(&mut ctx, started.challenge_id, &next);
            ctx.redirect("/code")
        }
        Err(e) => {
            let p = ctx.page_with("sign-up-title", Some(&e), &["email", "password"]);
            ctx.render(StatusCode::UNPROCESSABLE_ENTITY, &SignUpPage { p, email: f.email, languages: LANGUAGES, next })
        }
    }
}

#[derive(askama::Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    p: Page,
    email: String,
    next: String,
}

impl SignInPage {
    /// The sign-up link keeps where the visitor was going (an invitation, say).
    fn sign_up_href(&self) -> String {
        if self.next == "/account" { "/sign-up".into() } else { format!("/sign-up?next={}", crate::web::ctx::urlencode(&self.next)) }
    }
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn sign_in_form(ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    let mut p = ctx.page("sign-in-title");
    if q.notice.as_deref() == Some("password-reset") {
        p.notice = Some(p.t("notice-password-reset"));
    }
    let next = safe_next(q.next.as_deref(), "/account");
    ctx.ok(&SignInPage { p, email: String::new(), next })
}

pub async fn sign_in(mut ctx: Ctx, PageForm(f): PageForm<SignInForm>) -> Response {
    let next = safe_next(f.next.as_deref(), "/account");
    let trust = ctx.cookie(cookies::TRUST);
    match ctx.state.services.sign_in(&f.email, SecretString::from(f.password), trust.as_deref(), &ctx.client).await {
        Ok(SignInOutcome::SignedIn { session_token, .. }) => {
            ctx.start_session(&session_token).await;
            // F-ORG-1: a member of an organisation without 2SV sets it up first.
            let to = super::organisations::after_sign_in(&ctx.state, &session_token, &next).await;
            ctx.redirect(&to)
        }
        Ok(SignInOutcome::CodeRequired { challenge_id, send_error, sent, .. }) => {
            set_pending(&mut ctx, challenge_id, &next);
            let queued = sent.is_some_and(|s| s.state == DeliveryState::Queued);
            ctx.redirect(if send_error.is_some() {
                "/code?notice=send_failed"
            } else if queued {
                "/code?notice=queued"
            } else {
                "/code"
            })
        }
        Err(e) => {
            let p = ctx.page_with("sign-in-title", Some(&e), &["email", "password"]);
            ctx.render(StatusCode::UNAUTHORIZED, &SignInPage { p, email: f.email, next })
        }
    }
}

#[derive(askama::Template)]
#[template(path = "device.html")]
struct DevicePage {
    p: Page,
    email: String,
    append_code: bool,
    sent_to: Option<String>,
}

pub async fn device_form(ctx: Ctx) -> Response {
    let p = ctx.page("device-title");
    ctx.ok(&DevicePage { p, email: String::new(), append_code: false, sent_to: None })
}

pub async fn device(mut ctx: Ctx, PageForm(f): PageForm<SignInForm>) -> Response {
    match ctx.state.services.sign_in_device(&f.email, SecretString::from(f.password), &ctx.client).await {
        Ok(DeviceSignInOutcome::SignedIn { session_token, .. }) => {
            ctx.start_session(&session_token).await;
            ctx.redirect("/account")
        }
        Ok(DeviceSignInOutcome::AppendCode { sent }) => {
            let p = ctx.page("device-title");
            ctx.ok(&DevicePage { p, email: f.email, append_code: true, sent_to: sent.map(|s| s.to) })
        }
        Err(e) => {
            let p = ctx.page_with("device-title", Some(&e), &["email", "password"]);
            ctx.render(StatusCode::UNAUTHORIZED, &DevicePage { p, email: f.email, append_code: false, sent_to: None })
        }
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn sign_out(mut ctx: Ctx, PageForm(_): PageForm<Empty>) -> Response {
    if let Some(a) = ctx.authed.clone()
        && let Err(e) = ctx.state.services.sign_out(&a, a.session.id, &ctx.client).await
    {
        return ctx.fail(e, "/account");
    }
    ctx.clear_cookie(cookies::SESSION);
    ctx.clear_cookie(cookies::PENDING);
    ctx.renew_csrf();
    ctx.redirect("/sign-in")
}
