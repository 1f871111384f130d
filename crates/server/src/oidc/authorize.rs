//! `/authorize` (RFC 6749 §4.1.1, OpenID Connect Core §3.1.2): an application sends its
//! user here. An unknown application or an unregistered redirect URI gets an error
//! page and goes nowhere; any other fault goes back to the application with `error`
//! and `state`. A user not signed in is sent through ninsho's own sign-in and code
//! pages (and the 2SV wizard, if that is where they lead) with a short resume link
//! as `next`; the request waits in the database meanwhile.

use axum::extract::{Query, RawForm};
use axum::http::StatusCode;
use axum::response::Response;
use ninsho_domain::oidc::codes::{AuthRequest, AuthorizeParams, AuthzError, NextStep, check_authorization, next_step, response_url};
use ninsho_domain::types::OidcRequestId;
use ninsho_domain::Error;
use serde::Deserialize;

use super::issuer;
use crate::web::ctx::{Ctx, Page, urlencode};

/// Where the sign-in page returns to: short enough for `next` (and the cookie that
/// carries it through the code page).
pub const CONTINUE_PATH: &str = "/authorize/continue";

#[derive(askama::Template)]
#[template(path = "authorize.html")]
struct ReturnPage {
    p: Page,
    label: String,
    /// The application's redirect URI with the code: followed at once by the page.
    back: String,
}

pub async fn get(ctx: Ctx, RawForm(query): RawForm) -> Response {
    // `RawForm` reads the query of a GET.
    authorize(ctx, AuthorizeParams::from_pairs(form_urlencoded::parse(&query).into_owned())).await
}

pub async fn post(ctx: Ctx, RawForm(body): RawForm) -> Response {
    authorize(ctx, AuthorizeParams::from_pairs(form_urlencoded::parse(&body).into_owned())).await
}

async fn authorize(ctx: Ctx, params: AuthorizeParams) -> Response {
    let (client, redirect_uri) = match ctx.state.services.authorization_target(&params).await {
        Ok(t) => t,
        Err(e) => return ctx.fail(e, "/"),
    };
    match check_authorization(&client, &redirect_uri, &params) {
        Ok(request) => proceed(ctx, request, None, &client.name).await,
        Err(e) => back_with_error(ctx, &redirect_uri, e, params.state.as_deref()),
    }
}

#[derive(Deserialize)]
pub struct ResumeQuery {
    request: Option<String>,
}

/// Back from the sign-in pages: the parked request, for the user now signed in.
pub async fn resume(ctx: Ctx, Query(q): Query<ResumeQuery>) -> Response {
    let expired = || Error::invalid("oidc.request_expired", "request", "unknown request");
    let Some(id) = q.request.as_deref().filter(|r| r.len() <= 40).and_then(|r| uuid::Uuid::try_parse(r).ok()).map(OidcRequestId) else {
        return ctx.fail(expired(), "/");
    };
    let request = match ctx.state.services.parked_authorization(id).await {
        Ok(r) => r,
        Err(e) => return ctx.fail(e, "/"),
    };
    let name = match ctx.state.services.live_oidc_client(&request.client_id.to_string()).await {
        Ok(Some(c)) => c.name,
        Ok(None) => return ctx.fail(expired(), "/"),
        Err(e) => return ctx.fail(e, "/"),
    };
    proceed(ctx, request, Some(id), &name).await
}

/// Signed in (recently enough, and with a second factor if the application asked
/// for one): a code goes back to the application. Otherwise the sign-in page (or the
/// step-up page) first, unless the application asked for no page at all
/// (`prompt=none`): then the error goes back instead.
async fn proceed(ctx: Ctx, mut request: AuthRequest, parked: Option<OidcRequestId>, app: &str) -> Response {
    let before = request.login_after;
    let step = next_step(&mut request, ctx.authed.as_ref(), ctx.state.services.now());
    let page = match step {
        NextStep::Code => None,
        NextStep::Refuse(e) => return back_with_error(ctx, &request.redirect_uri, e, request.state.as_deref()),
        NextStep::SignIn => Some("/sign-in"),
        NextStep::SecondFactor => Some("/account/confirm"),
    };
    if let Some(page) = page {
        // A request whose conditions changed is parked anew; the old one expires unused.
        let id = match parked.filter(|_| request.login_after == before) {
            Some(id) => id,
            None => match ctx.state.services.park_authorization(request).await {
                Ok(id) => id,
                Err(e) => return ctx.fail(e, "/"),
            },
        };
        let next = format!("{CONTINUE_PATH}?request={}", id.0.simple());
        return ctx.redirect(&format!("{page}?next={}", urlencode(&next)));
    }
    let Some(authed) = ctx.authed.clone() else { return ctx.fail(Error::internal("a code for no session"), "/") };
    let code = match ctx.state.services.issue_code(&authed, &request, parked).await {
        Ok(c) => c,
        Err(e) => return ctx.fail(e, "/"),
    };
    let iss = issuer(&ctx.state);
    let mut params = vec![("code", code.as_str()), ("iss", iss.as_str())];
    if let Some(s) = request.state.as_deref() {
        params.push(("state", s));
    }
    let Some(back) = response_url(&request.redirect_uri, &params) else { return ctx.fail(Error::internal("a registered redirect URI does not parse"), "/") };
    if parked.is_none() {
        // Straight from the application: a redirect. (A `Ctx` redirect is 303.)
        return ctx.redirect(&back);
    }
    // After the sign-in form's POST, a redirect to another origin would break the
    // pages' `form-action 'self'` policy: the page goes on by itself instead.
    let mut p = ctx.page("authorize-title");
    p.title = p.t1("authorize-title", "app", app);
    let label = p.t1("authorize-back", "app", app);
    ctx.render(StatusCode::OK, &ReturnPage { p, label, back })
}

/// RFC 6749 §4.1.2.1: the error, its description and the request's `state`, at the
/// redirect URI that was checked to be the application's.
fn back_with_error(ctx: Ctx, redirect_uri: &str, e: AuthzError, state: Option<&str>) -> Response {
    let iss = issuer(&ctx.state);
    let mut params = vec![("error", e.code.as_str()), ("error_description", e.description), ("iss", iss.as_str())];
    if let Some(s) = state {
        params.push(("state", s));
    }
    match response_url(redirect_uri, &params) {
        Some(url) => ctx.redirect(&url),
        None => ctx.fail(Error::internal("a registered redirect URI does not parse"), "/"),
    }
}
