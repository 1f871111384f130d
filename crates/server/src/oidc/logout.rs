//! `end_session_endpoint` (OpenID Connect RP-Initiated Logout 1.0): the application's
//! user is signed out of ninsho here, then sent back to the application's registered
//! post-logout URI with its `state` — or, with no URI, to ninsho's sign-in page. A
//! request that fails a check (no valid `id_token_hint`, an unregistered URI) gets
//! an error page, ends nothing and redirects nowhere.

use axum::extract::RawForm;
use axum::response::Response;

use super::issuer;
use crate::web::cookies;
use crate::web::ctx::Ctx;

pub const PATH: &str = "/end-session";

pub async fn get(ctx: Ctx, RawForm(query): RawForm) -> Response {
    end_session(ctx, query.to_vec()).await
}

pub async fn post(ctx: Ctx, RawForm(body): RawForm) -> Response {
    end_session(ctx, body.to_vec()).await
}

async fn end_session(mut ctx: Ctx, form: Vec<u8>) -> Response {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&form).into_owned().collect();
    let one = |name: &str| {
        let mut found = pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str());
        // A parameter sent twice counts as not sent, so it fails the checks below.
        match (found.next(), found.next()) {
            (Some(v), None) => Some(v),
            _ => None,
        }
    };
    let iss = issuer(&ctx.state);
    let logout = match ctx.state.services.check_logout(one("id_token_hint"), one("post_logout_redirect_uri"), one("client_id"), one("state"), &iss).await {
        Ok(l) => l,
        Err(e) => return ctx.fail(e, "/"),
    };
    // Only the session of the user the application signed in: another user's
    // session in this browser is not the application's to end.
    if let Some(a) = ctx.authed.clone()
        && a.account.id.to_string() == logout.account_id
    {
        if let Err(e) = ctx.state.services.sign_out(&a, a.session.id, &ctx.client).await {
            return ctx.fail(e, "/");
        }
        ctx.clear_cookie(cookies::SESSION);
        ctx.clear_cookie(cookies::PENDING);
        ctx.renew_csrf();
    }
    match logout.back {
        Some(url) => ctx.redirect(&url),
        None => ctx.redirect("/sign-in"),
    }
}
