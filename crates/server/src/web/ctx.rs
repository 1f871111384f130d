//! What every page handler starts from: the caller (session from the cookie, if
//! any), the page language, the CSRF secret, and the cookies the response must set.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ninsho_domain::service::Authed;
use ninsho_domain::types::{ClientInfo, Locale};
use ninsho_domain::Error;

use super::cookies::{self, Policy};
use super::i18n::{self, Tr};
use super::problem::Problem;
use crate::api::extract::client_info;
use crate::app::AppState;

pub struct Ctx {
    pub state: AppState,
    pub client: ClientInfo,
    pub authed: Option<Authed>,
    pub locale: Locale,
    pub cookies: Policy,
    /// The request's path and query, for "come back here" links.
    pub here: String,
    is_get: bool,
    csrf_secret: String,
    set_cookies: Vec<HeaderValue>,
    parts_headers: axum::http::HeaderMap,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let policy = Policy::for_public_url(&state.config.policy.public_url);
        let client = client_info(parts, state);
        let authed = match policy.get(&parts.headers, cookies::SESSION) {
            Some(token) => match state.services.authenticate(&token).await {
                Ok(a) => Some(a),
                Err(Error::Unauthenticated) => None,
                Err(e) => return Err(error_page(&state.clone(), Tr::new(Locale::En), &e)),
            },
            None => None,
        };
        let locale = policy
            .get(&parts.headers, cookies::LANG)
            .and_then(|l| Locale::parse(&l))
            .or(authed.as_ref().map(|a| a.account.locale))
            .or_else(|| parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(i18n::from_accept_language))
            .unwrap_or_default();
        let mut set_cookies = Vec::new();
        let csrf_secret = match policy.get(&parts.headers, cookies::CSRF) {
            Some(s) => s,
            None => {
                let s = ninsho_domain::crypto::random_token().map_err(|e| error_page(state, Tr::new(locale), &e))?;
                set_cookies.extend(policy.set(cookies::CSRF, &s, None));
                s
            }
        };
        let here = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
        let is_get = parts.method == axum::http::Method::GET;
        Ok(Ctx { state: state.clone(), client, authed, locale, cookies: policy, here, is_get, csrf_secret, set_cookies, parts_headers: parts.headers.clone() })
    }
}

/// The form token for a CSRF secret: a keyed hash, so a token cannot be made
/// without the server's key even by someone who can set cookies.
pub fn csrf_token(state: &AppState, secret: &str) -> String {
    data_encoding::BASE64URL_NOPAD.encode(&state.services.keys.hash_code(b"csrf-form", secret)[..24])
}

/// What the layout needs; every page template has one as `p`.
pub struct Page {
    pub tr: Tr,
    pub lang: &'static str,
    pub csrf: String,
    pub here: String,
    pub issuer: String,
    pub signed_in: Option<String>,
    pub dev_inbox: bool,
    pub problem: Option<Problem>,
    pub notice: Option<String>,
    pub title: String,
}

impl Page {
    /// A page of no one in particular: no session, no form, the start page as "here".
    pub fn bare(state: &AppState, tr: Tr, title_key: &str) -> Page {
        Page {
            title: tr.t(title_key),
            tr,
            lang: tr.locale.as_str(),
            csrf: String::new(),
            here: "/".into(),
            issuer: state.config.policy.issuer.clone(),
            signed_in: None,
            dev_inbox: false,
            problem: None,
            notice: None,
        }
    }

    pub fn t(&self, key: &str) -> String {
        self.tr.t(key)
    }
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        self.tr.t1(key, name, value)
    }
    pub fn tn(&self, key: &str, vars: &[(&str, &str)]) -> String {
        self.tr.tn(key, vars)
    }
    /// The message for this field, if the problem is about it.
    pub fn err(&self, field: &str) -> Option<String> {
        self.problem.as_ref().filter(|p| p.field == Some(field)).map(|p| p.message.clone())
    }
    /// The message that has no field of its own on this form.
    pub fn general_error(&self) -> Option<String> {
        self.problem.as_ref().filter(|p| p.field.is_none()).map(|p| p.message.clone())
    }
    /// `aria-invalid` and `aria-describedby` for a field, when it has an error.
    pub fn invalid(&self, field: &str) -> String {
        if self.err(field).is_some() { format!("aria-invalid=\"true\" aria-describedby=\"{field}-error\"") } else { String::new() }
    }
    pub fn lang_link(&self, lang: &str) -> String {
        format!("/language/{lang}?next={}", urlencode(&self.here))
    }
}

/// A query-parameter value, percent-encoded.
pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A path to continue to after a step: only a local path, never another site.
pub fn safe_next(next: Option<&str>, default: &str) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && n.len() <= 200 && n.chars().all(|c| c.is_ascii_alphanumeric() || "/-_?=&.%".contains(c)) => n.to_string(),
        _ => default.to_string(),
    }
}

impl Ctx {
    pub fn tr(&self) -> Tr {
        Tr::new(self.locale)
    }

    pub fn page(&self, title_key: &str) -> Page {
        let mut p = Page::bare(&self.state, self.tr(), title_key);
        p.csrf = csrf_token(&self.state, &self.csrf_secret);
        p.here = self.here.clone();
        p.signed_in = self.authed.as_ref().map(|a| a.account.email.as_str().to_string());
        p.dev_inbox = self.state.config.providers.uses_dev_inbox();
        p
    }

    /// A page with an error shown on it.
    pub fn page_with(&self, title_key: &str, e: Option<&Error>, fields: &[&'static str]) -> Page {
        let mut p = self.page(title_key);
        p.problem = e.map(|e| Problem::of(e, &p.tr, fields));
        p
    }

    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.parts_headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Whether the browser says this request was started by another site (a link or
    /// a form elsewhere): `Sec-Fetch-Site: cross-site`. A GET that records something
    /// (a look at an account, the opening of a document) is not done for one, so no
    /// other site can plant entries in a member's log.
    pub fn from_another_site(&self) -> bool {
        self.parts_headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site")
    }

    pub fn cookie(&self, base: &str) -> Option<String> {
        self.cookies.get(&self.parts_headers, base)
    }

    pub fn set_cookie(&mut self, base: &str, value: &str, max_age: Option<i64>) {
        self.set_cookies.extend(self.cookies.set(base, value, max_age));
    }

    pub fn clear_cookie(&mut self, base: &str) {
        self.set_cookies.extend(self.cookies.clear(base));
    }

    pub fn render<T: askama::Template>(self, status: StatusCode, t: &T) -> Response {
        match t.render() {
            Ok(html) => self.finish((status, [(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))], html).into_response()),
            Err(e) => error_page(&self.state, self.tr(), &Error::internal(format!("template: {e}"))),
        }
    }

    pub fn ok<T: askama::Template>(self, t: &T) -> Response {
        self.render(StatusCode::OK, t)
    }

    /// Post/redirect/get: 303 so that reloading never resubmits a form.
    pub fn redirect(self, to: &str) -> Response {
        self.finish(Redirect::to(to).into_response())
    }

    fn finish(self, mut res: Response) -> Response {
        for c in self.set_cookies {
            res.headers_mut().append(header::SET_COOKIE, c);
        }
        res
    }

    /// The sign-in page, which brings the caller back here afterwards (to the account
    /// page after a form post: a post cannot be repeated by a redirect).
    pub fn to_sign_in(self) -> Response {
        let back = if self.is_get { self.here.as_str() } else { "/account" };
        let to = format!("/sign-in?next={}", urlencode(back));
        self.redirect(&to)
    }

    /// A new signed-in session in this browser: the session it replaces (perhaps
    /// another account's) ends, and the CSRF secret is renewed.
    pub async fn start_session(&mut self, token: &str) {
        if let Some(old) = self.authed.take() {
            let _ = self.state.services.sign_out(&old, old.session.id, &self.client).await;
        }
        let age = self.state.config.policy.session_secs;
        self.set_cookie(cookies::SESSION, token, Some(age));
        self.renew_csrf();
    }

    /// A fresh CSRF secret (sign-in and sign-out): a token seen before is worthless.
    pub fn renew_csrf(&mut self) {
        if let Ok(s) = ninsho_domain::crypto::random_token() {
            self.set_cookie(cookies::CSRF, &s, None);
            self.csrf_secret = s;
        }
    }

    /// Turns an error no form handles into the right page: sign in again, confirm
    /// with a fresh code, or an error page.
    pub fn fail(self, e: Error, back: &str) -> Response {
        match e {
            Error::Unauthenticated => self.redirect(&format!("/sign-in?next={}", urlencode(back))),
            Error::StepUpRequired => self.redirect(&format!("/account/confirm?next={}", urlencode(back))),
            e => {
                let mut res = error_page(&self.state, self.tr(), &e);
                for c in self.set_cookies {
                    res.headers_mut().append(header::SET_COOKIE, c);
                }
                res
            }
        }
    }
}

#[derive(askama::Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub p: Page,
    pub message: String,
}

/// A whole-page error in the page's language, with the status the API would use.
pub fn error_page(state: &AppState, tr: Tr, e: &Error) -> Response {
    let problem = Problem::of(e, &tr, &[]);
    let status = crate::api::status_of(e);
    let p = Page::bare(state, tr, "error-title");
    let html = askama::Template::render(&ErrorPage { p, message: problem.message }).unwrap_or_else(|_| "error".into());
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))], html).into_response()
}
