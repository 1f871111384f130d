//! F-INT-5: ninsho as an OpenID Connect provider, over HTTP on both backends:
//! discovery and keys (one key however many instances start together), the code
//! flow with PKCE for confidential and public clients, single use of a code under a
//! burst, the specification's errors, and the operator's commands. A relying party
//! nobody here wrote drives the same flow in `browser.rs`.

use std::collections::HashMap;
use std::time::Duration;

use data_encoding::BASE64URL_NOPAD;
use ninsho_domain::oidc::{ClientKind, OidcScope};
use ninsho_domain::ports::{Clock, Store};
use ninsho_server::App;
use secrecy::ExposeSecret;

use super::*;

pub const REDIRECT: &str = "https://app.example/cb";
/// RFC 7636 appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// A client that follows no redirect: every answer is looked at as it is.
fn raw() -> reqwest::Client {
    ninsho_delivery::install_tls_provider();
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The session cookie a browser signed in with `token` would send.
fn session_cookie(token: &str) -> String {
    format!("__Host-ninsho-session={token}")
}

pub async fn confidential(app: &TestApp) -> (String, String) {
    let (c, secret) = app.running.services.add_oidc_client(&format!("app-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]), ClientKind::Confidential, &[REDIRECT.into()], &[], &[OidcScope::Email, OidcScope::Profile]).await.unwrap();
    (c.id.to_string(), secret.unwrap().expose_secret().to_string())
}

fn authorize_path(client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![("response_type", "code"), ("client_id", client_id), ("redirect_uri", REDIRECT), ("scope", "openid email profile"), ("state", "st-1"), ("nonce", "n-1")];
    pairs.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.extend_pairs(pairs);
    q.extend_pairs(extra);
    format!("/authorize?{}", q.finish())
}

/// The query of a redirect to the application.
fn query_of(location: &str) -> HashMap<String, String> {
    let url = reqwest::Url::parse(location).unwrap();
    url.query_pairs().into_owned().collect()
}

/// `/authorize` for a signed-in browser: the code from the redirect.
async fn code_for(app: &TestApp, session: &str, client_id: &str, extra: &[(&str, &str)]) -> String {
    let r = raw().get(format!("{}{}", app.url, authorize_path(client_id, extra))).header("cookie", session_cookie(session)).send().await.unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with(&format!("{REDIRECT}?")), "{loc}");
    let q = query_of(&loc);
    assert_eq!(q["state"], "st-1");
    assert_eq!(q["iss"], "https://shop.example", "RFC 9207: the issuer comes back with the code");
    q["code"].clone()
}

async fn token(app: &TestApp, basic: Option<(&str, &str)>, form: &[(&str, &str)]) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = raw().post(format!("{}/token", app.url)).header("content-type", "application/x-www-form-urlencoded").body(form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish());
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.json().await.unwrap_or(Value::Null))
}

fn exchange_form(code: &str) -> Vec<(&str, &str)> {
    vec![("grant_type", "authorization_code"), ("code", code), ("redirect_uri", REDIRECT), ("code_verifier", VERIFIER)]
}

fn claims_of(id_token: &str) -> Value {
    let parts: Vec<&str> = id_token.split('.').collect();
    assert_eq!(parts.len(), 3, "a compact JWS");
    let header: Value = serde_json::from_slice(&BASE64URL_NOPAD.decode(parts[0].as_bytes()).unwrap()).unwrap();
    assert_eq!(header["alg"], "ES256");
    serde_json::from_slice(&BASE64URL_NOPAD.decode(parts[1].as_bytes()).unwrap()).unwrap()
}

async fn userinfo(app: &TestApp, access_token: &str) -> (u16, Value) {
    let r = raw().get(format!("{}/userinfo", app.url)).bearer_auth(access_token).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Two instances started together on one fresh database make one key between them,
/// and both publish it; the discovery document names the endpoints.
#[tokio::test]
async fn f_int_5_discovery_and_one_key_however_many_instances_start_together() {
    for backend in backends().await {
        let db = fresh_db(backend).await.unwrap();
        let (d1, d2) = (TempDir::new().unwrap(), TempDir::new().unwrap());
        let (a, b) = tokio::join!(App::start(test_config(&db.url, d1.path.clone())), App::start(test_config(&db.url, d2.path.clone())));
        let (a, b) = (a.unwrap(), b.unwrap());
        let http = client();
        let conf: Value = http.get(format!("{}/.well-known/openid-configuration", a.url())).send().await.unwrap().json().await.unwrap();
        assert_eq!(conf["issuer"], "https://shop.example");
        assert_eq!(conf["token_endpoint"], "https://shop.example/token");
        assert_eq!(conf["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(conf["token_endpoint_auth_methods_supported"], json!(["client_secret_basic", "client_secret_post", "none"]));
        let jwks_a: Value = http.get(format!("{}/.well-known/jwks.json", a.url())).send().await.unwrap().json().await.unwrap();
        let jwks_b: Value = http.get(format!("{}/.well-known/jwks.json", b.url())).send().await.unwrap().json().await.unwrap();
        assert_eq!(jwks_a["keys"].as_array().unwrap().len(), 1, "{backend:?}: {jwks_a}");
        assert_eq!(jwks_a, jwks_b, "{backend:?}: both instances publish the same key");
        let k = &jwks_a["keys"][0];
        assert_eq!((k["kty"].as_str(), k["crv"].as_str(), k["alg"].as_str()), (Some("EC"), Some("P-256"), Some("ES256")));
        assert!(k.get("d").is_none());
        a.shutdown().await;
        b.shutdown().await;
    }
}

/// The code flow of a confidential client (secret in HTTP Basic, PKCE too): the ID
/// token says who signed in and how, userinfo agrees, and a replayed code is refused
/// and revokes what it gave.
#[tokio::test]
async fn f_int_5_code_flow_id_token_userinfo_and_a_replayed_code_revokes_its_tokens() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let (client_id, secret) = confidential(&app).await;
        let email = unique_email();
        let session = app.signed_up(&email, PASSWORD).await;
        let account = app.running.services.authenticate(&session).await.unwrap();
        let code = code_for(&app, &session, &client_id, &[("code_challenge", CHALLENGE), ("code_challenge_method", "S256")]).await;

        let (status, headers, body) = token(&app, Some((&client_id, &secret)), &exchange_form(&code)).await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["scope"], "openid email profile");
        let c = claims_of(body["id_token"].as_str().unwrap());
        assert_eq!(c["iss"], "https://shop.example");
        assert_eq!(c["aud"], client_id.as_str());
        assert_eq!(c["sub"], account.account.id.to_string(), "the account id, never the address");
        assert_eq!(c["email"], email.as_str());
        assert_eq!(c["email_verified"], true);
        assert_eq!((c["locale"].as_str(), c["zoneinfo"].as_str()), (Some("en"), Some("UTC")));
        assert_eq!(c["nonce"], "n-1");
        assert_eq!(c["sid"], account.session.id.to_string());
        assert_eq!(c["auth_time"], account.session.created_at.0 / 1000);
        assert_eq!(c["acr"], "aal1");
        assert!(c["amr"].as_array().unwrap().iter().any(|v| v == "email"), "signed up with an e-mailed code: {c}");
        let at_hash = BASE64URL_NOPAD.encode(&ninsho_domain::oidc::SigningAlg::Es256.half_hash(body["access_token"].as_str().unwrap()));
        assert_eq!(c["at_hash"], at_hash.as_str());
        assert!(c["exp"].as_i64().unwrap() > c["iat"].as_i64().unwrap());

        let access = body["access_token"].as_str().unwrap().to_string();
        let (s, info) = userinfo(&app, &access).await;
        assert_eq!(s, 200, "{info}");
        assert_eq!(info["sub"], c["sub"]);
        assert_eq!(info["email"], email.as_str());

        // The same code again: refused, and the token it gave stops working.
        let (status, _, body) = token(&app, Some((&client_id, &secret)), &exchange_form(&code)).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
        assert_eq!(userinfo(&app, &access).await.0, 401, "{backend:?}: a replay revokes the code's tokens");
        let events = app.running.services.store.events(account.account.id, 50).await.unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert!(kinds.contains(&"oidc_code_exchanged") && kinds.contains(&"oidc_code_replayed"), "{kinds:?}");
        app.shutdown().await;
    }
}

/// 100 token requests of one form released together: the bodies of those that
/// succeeded; every other must hear invalid_grant.
async fn burst_of_100(app: &TestApp, (client_id, secret): (&str, &str), form: &[(&str, &str)], backend: Backend) -> Vec<Value> {
    let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(100));
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let req = raw().post(format!("{}/token", app.url)).basic_auth(client_id, Some(secret)).header("content-type", "application/x-www-form-urlencoded").body(body.clone());
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }));
    }
    let mut ok = Vec::new();
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            200 => ok.push(body),
            400 => assert_eq!(body["error"], "invalid_grant"),
            s => panic!("{backend:?}: {s} {body}"),
        }
    }
    ok
}

/// 100 exchanges of one code released together: exactly one gets tokens, every
/// other hears invalid_grant — and, the code having been used more than once, the
/// one token it gave is revoked (RFC 6749 §4.1.2).
#[tokio::test]
async fn f_int_5_race_100_exchanges_of_one_code_exactly_one_succeeds() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let (client_id, secret) = confidential(&app).await;
        let session = app.signed_up(&unique_email(), PASSWORD).await;
        let code = code_for(&app, &session, &client_id, &[("code_challenge", CHALLENGE), ("code_challenge_method", "S256")]).await;
        let ok = burst_of_100(&app, (&client_id, &secret), &exchange_form(&code), backend).await;
        assert_eq!(ok.len(), 1, "{backend:?}: exactly one exchange succeeds");
        assert_eq!(userinfo(&app, ok[0]["access_token"].as_str().unwrap()).await.0, 401, "{backend:?}: the replays revoked it");
        app.shutdown().await;
    }
}

/// A public client: no secret, PKCE S256 required; a wrong verifier, a missing one
/// and an expired code are each refused.
#[tokio::test]
async fn f_int_5_public_client_proves_itself_with_pkce_and_codes_live_60_seconds() {
    for backend in backends().await {
        let clock = ninsho_domain::ports::FakeClock::at(ninsho_domain::ports::SystemClock.now());
        let c2 = clock.clone();
        let app = spawn_app_with(backend, move |c| use_fake_clock(c, c2)).await;
        let (c, secret) = app.running.services.add_oidc_client("mobile", ClientKind::Public, &["com.example.app:/cb".into()], &[], &[]).await.unwrap();
        assert!(secret.is_none());
        let id = c.id.to_string();
        let session = app.signed_up(&unique_email(), PASSWORD).await;
        let path = |extra: &[(&str, &str)]| authorize_path(&id, extra).replace(&urlencode(REDIRECT), &urlencode("com.example.app:/cb")).replace("email+profile", "");
        let get = |p: String| raw().get(format!("{}{}", app.url, p)).header("cookie", session_cookie(&session)).send();
        // Without PKCE: back to the app with the error.
        let r = get(path(&[])).await.unwrap();
        let q = query_of(r.headers()["location"].to_str().unwrap());
        assert_eq!((q["error"].as_str(), q["state"].as_str()), ("invalid_request", "st-1"));
        let code_of = |r: reqwest::Response| query_of(r.headers()["location"].to_str().unwrap())["code"].clone();
        let pkce = [("code_challenge", CHALLENGE), ("code_challenge_method", "S256")];
        let code = code_of(get(path(&pkce)).await.unwrap());
        let form = |code: &str, verifier: Option<&str>| {
            let mut f = vec![("grant_type", "authorization_code".to_string()), ("code", code.to_string()), ("redirect_uri", "com.example.app:/cb".into()), ("client_id", id.clone())];
            if let Some(v) = verifier {
                f.push(("code_verifier", v.to_string()));
            }
            f
        };
        assert_eq!(token_pairs(&app, &form(&code, None)).await.2["error"], "invalid_request");
        assert_eq!(token_pairs(&app, &form(&code, Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj"))).await.2["error"], "invalid_grant");
        let (s, _, body) = token_pairs(&app, &form(&code, Some(VERIFIER))).await;
        assert_eq!(s, 200, "{backend:?}: {body}");
        // A secret is no proof for a client that has none.
        let code = code_of(get(path(&pkce)).await.unwrap());
        let mut with_secret = form(&code, Some(VERIFIER));
        with_secret.push(("client_secret", "nso_x".into()));
        assert_eq!(token_pairs(&app, &with_secret).await.0, 401);
        // Sixty seconds later the code is dead.
        clock.advance_secs(61);
        assert_eq!(token_pairs(&app, &form(&code, Some(VERIFIER))).await.2["error"], "invalid_grant", "{backend:?}");
        app.shutdown().await;
    }
}

async fn token_pairs(app: &TestApp, f: &[(&str, String)]) -> (u16, reqwest::header::HeaderMap, Value) {
    let v: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    token(app, None, &v).await
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// An unknown client or an unregistered redirect URI: an error page in the user's
/// language, and no redirect. Other faults go back to the client with `error` and
/// `state`; the token endpoint answers RFC 6749 §5.2 JSON, never a 5xx.
#[tokio::test]
async fn f_int_5_errors_follow_the_specification_and_never_redirect_to_the_unknown() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let (client_id, secret) = confidential(&app).await;
        let session = app.signed_up(&unique_email(), PASSWORD).await;
        let http = raw();
        let get = |p: String| http.get(format!("{}{}", app.url, p)).header("cookie", session_cookie(&session)).send();
        // No session: the page speaks the browser's language.
        let anonymous = |p: String| http.get(format!("{}{}", app.url, p)).header("accept-language", "ja").send();

        for bad in [
            authorize_path(&uuid::Uuid::now_v7().to_string(), &[]),
            authorize_path("not-a-client", &[]),
            authorize_path(&client_id, &[]).replace(&urlencode(REDIRECT), &urlencode("https://evil.example/cb")),
            authorize_path(&client_id, &[]).replace(&format!("&redirect_uri={}", urlencode(REDIRECT)), ""),
        ] {
            let r = anonymous(bad.clone()).await.unwrap();
            assert!(r.status().is_client_error(), "{bad}: {}", r.status());
            assert!(r.headers().get("location").is_none(), "{bad}: never a redirect");
            let html = r.text().await.unwrap();
            assert!(html.contains("<html lang=\"ja\"") && (html.contains("登録されていない")), "{bad}: {html}");
        }
        for (extra, error) in [
            (vec![("scope", "openid phone")], "invalid_scope"),
            (vec![("scope", "email")], "invalid_scope"),
            (vec![("response_type", "token")], "unsupported_response_type"),
            (vec![("code_challenge", CHALLENGE), ("code_challenge_method", "plain")], "invalid_request"),
            (vec![("request", "eyJhbGciOiJub25lIn0.e30.")], "request_not_supported"),
            (vec![("response_type", "code&response_type=code")], "invalid_request"),
        ] {
            // `&` inside a value is escaped; undone here to send one parameter twice.
            let r = get(authorize_path(&client_id, &extra).replace("%26response_type%3D", "&response_type=")).await.unwrap();
            assert_eq!(r.status(), 303, "{extra:?}");
            let q = query_of(r.headers()["location"].to_str().unwrap());
            assert_eq!(q["error"], error, "{extra:?}");
            assert_eq!(q["state"], "st-1");
            assert!(!q["error_description"].is_empty());
        }

        let code = code_for(&app, &session, &client_id, &[]).await;
        let basic = Some((client_id.as_str(), secret.as_str()));
        type Case<'a> = (Option<(&'a str, &'a str)>, Vec<(&'a str, &'a str)>, u16, &'a str);
        let cases: Vec<Case> = vec![
            (basic, vec![("grant_type", "password")], 400, "unsupported_grant_type"),
            (basic, vec![("grant_type", "client_credentials")], 400, "unsupported_grant_type"),
            (basic, vec![("grant_type", "refresh_token"), ("refresh_token", "x")], 400, "invalid_grant"),
            (basic, vec![("code", &code)], 400, "invalid_request"),
            (basic, vec![("grant_type", "authorization_code"), ("redirect_uri", REDIRECT)], 400, "invalid_request"),
            (basic, vec![("grant_type", "authorization_code"), ("code", "nope"), ("redirect_uri", REDIRECT)], 400, "invalid_grant"),
            (basic, vec![("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", "https://app.example/other")], 400, "invalid_grant"),
            (basic, vec![("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT), ("code_verifier", VERIFIER)], 400, "invalid_grant"),
            (Some((&client_id, "nso_wrong")), vec![("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT)], 401, "invalid_client"),
            (None, vec![("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT), ("client_id", &client_id)], 401, "invalid_client"),
            (basic, vec![("grant_type", "authorization_code"), ("grant_type", "authorization_code"), ("code", &code)], 400, "invalid_request"),
            (basic, vec![("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT), ("client_secret", &secret)], 400, "invalid_request"),
        ];
        for (auth, form, status, error) in cases {
            let (s, headers, body) = token(&app, auth, &form).await;
            assert_eq!((s, body["error"].as_str()), (status, Some(error)), "{form:?}: {body}");
            assert_eq!(headers.get("www-authenticate").is_some(), s == 401 && auth.is_some(), "{form:?}: Basic hears a challenge");
        }
        // Not a form at all.
        let r = http.post(format!("{}/token", app.url)).basic_auth(&client_id, Some(&secret)).json(&json!({"grant_type": "authorization_code"})).send().await.unwrap();
        assert_eq!(r.status(), 400);
        // The untouched code still works after all that (only a use consumes it).
        let mut ok = exchange_form(&code);
        ok.retain(|(k, _)| *k != "code_verifier");
        let (s, _, body) = token(&app, Some((&client_id, &secret)), &ok).await;
        assert_eq!(s, 200, "{body}");
        let (s, _, _) = token(&app, None, &[("grant_type", "authorization_code"), ("code", &code), ("client_id", &client_id), ("client_secret", &secret), ("redirect_uri", REDIRECT)]).await;
        assert_eq!(s, 400, "client_secret_post works, and the code is used");
        let r = http.get(format!("{}/userinfo", app.url)).send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"ninsho\"");
        // Signed out between the code and its exchange: the sign-in it stands for is over.
        let code = code_for(&app, &session, &client_id, &[]).await;
        assert_eq!(app.call("POST", "/api/v1/sign-out", Some(&session), None).await.status, 204);
        let mut form = exchange_form(&code);
        form.retain(|(k, _)| *k != "code_verifier");
        let (s, _, body) = token(&app, Some((&client_id, &secret)), &form).await;
        assert_eq!((s, body["error"].as_str()), (400, Some("invalid_grant")), "{backend:?}: {body}");
        app.shutdown().await;
    }
}

/// Not signed in: `/authorize` sends the browser through ninsho's sign-in and code
/// pages (an account with an authenticator app), then back to the application. The
/// resume link gives one code.
#[tokio::test]
async fn f_int_5_sign_in_and_totp_code_pages_lead_back_to_the_application() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let (client_id, secret) = confidential(&app).await;
        let (email, key) = totp_account(&app).await;
        let mut pc = ninsho_testkit::pages::PageClient::new(&app.url);
        let page = pc.get(&authorize_path(&client_id, &[])).await;
        assert!(page.path.starts_with("/sign-in?next=%2Fauthorize%2Fcontinue%3Frequest%3D"), "{}", page.path);
        let next = query_of(&format!("http://x{}", page.path))["next"].clone();
        let page = pc.post("/sign-in", &page, &[("email", &email), ("password", PASSWORD), ("next", &next)]).await;
        assert_eq!(page.path, "/code", "{}", page.text());
        let page = pc.post("/code", &page, &[("code", &oathtool_at(&key, 1))]).await;
        assert_eq!(page.status, 200, "{}", page.text());
        assert!(page.path.starts_with("/authorize/continue?request="), "{}", page.path);
        let back = link_before(&page.html, "id=\"authorize-back\"");
        assert!(back.starts_with(&format!("{REDIRECT}?code=")), "{back}");
        assert!(page.html.replace("&#38;", "&").contains(&format!("content=\"0;url={back}\"")), "the page goes on by itself: {}", page.html);
        let q = query_of(&back);
        assert_eq!(q["state"], "st-1");
        let (s, _, body) = token(&app, Some((&client_id, &secret)), &[("grant_type", "authorization_code"), ("code", &q["code"]), ("redirect_uri", REDIRECT)]).await;
        assert_eq!(s, 200, "{body}");
        let c = claims_of(body["id_token"].as_str().unwrap());
        assert_eq!(c["acr"], "aal2");
        assert_eq!(c["amr"], json!(["pwd", "otp", "mfa"]));
        // The resume link was used up with its code.
        let again = pc.get(&page.path).await;
        assert_eq!(again.status, 422, "{backend:?}");
        assert!(again.text().contains("expired or was already used"), "{}", again.text());
        app.shutdown().await;
    }
}

/// The `href` of the element whose attributes end with `marker`, unescaped.
fn link_before(html: &str, marker: &str) -> String {
    let before = &html[..html.find(marker).unwrap_or_else(|| panic!("no {marker} in {html}"))];
    let at = before.rfind("href=\"").unwrap() + 6;
    before[at..].split('"').next().unwrap().replace("&amp;", "&").replace("&#38;", "&")
}

/// An account with 2SV by an authenticator app (and backup codes); returns its
/// address and the app's key.
pub async fn totp_account(app: &TestApp) -> (String, String) {
    let email = unique_email();
    let token = app.signed_up(&email, PASSWORD).await;
    step_up_password(app, &token).await;
    let r = app.call("POST", "/api/v1/methods/totp", Some(&token), None).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let key = r.body["setup_key"].as_str().unwrap().to_string();
    let cid = r.body["challenge_id"].as_str().unwrap();
    totp_margin(5).await;
    let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), Some(&token), Some(json!({"code": oathtool(&key)}))).await;
    assert_eq!(v.status, 200, "{:?}", v.body);
    assert_eq!(app.call("POST", "/api/v1/methods/backup-codes", Some(&token), None).await.status, 201);
    let e = app.call("POST", "/api/v1/two-step/enable", Some(&token), None).await;
    assert_eq!(e.status, 200, "{:?}", e.body);
    (email, key)
}

/// The operator's commands: a client added (secret shown once), listed, removed;
/// a key rotated: both keys published until the old one's tokens have expired.
#[tokio::test]
async fn f_int_5_admin_commands_register_clients_and_rotate_the_key() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let run = |args: &[&str]| {
            let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_ninsho"));
            cmd.args(["--database-url", &app.db.url, "--data-dir"]).arg(&app.data.path).args(["admin", "oidc"]).args(args).env("NINSHO_MASTER_KEY", TEST_MASTER_KEY);
            async move {
                let out = cmd.output().await.unwrap();
                (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
            }
        };
        let (ok, out) = run(&["clients", "add", "shop-web", "--redirect-uri", REDIRECT, "--scope", "email"]).await;
        assert!(ok, "{out}");
        assert!(out.contains("client_secret: nso_") && out.contains("scopes: openid email"), "{out}");
        let (ok, out) = run(&["clients", "add", "bad", "--redirect-uri", "http://app.example/cb"]).await;
        assert!(!ok && out.contains("http is allowed only to this machine"), "{out}");
        let (ok, out) = run(&["clients", "add", "mobile", "--public", "--redirect-uri", "com.example.app:/cb"]).await;
        assert!(ok && !out.contains("client_secret:"), "{out}");
        let (_, list) = run(&["clients", "list"]).await;
        assert!(list.contains("shop-web\tconfidential") && list.contains("mobile\tpublic"), "{list}");
        let (ok, out) = run(&["clients", "remove", "mobile"]).await;
        assert!(ok, "{out}");
        assert!(!run(&["clients", "list"]).await.1.contains("mobile"));

        let before: Value = client().get(format!("{}/.well-known/jwks.json", app.url)).send().await.unwrap().json().await.unwrap();
        let (ok, out) = run(&["rotate-key", "--alg", "EdDSA"]).await;
        assert!(ok, "{out}");
        let after: Value = client().get(format!("{}/.well-known/jwks.json", app.url)).send().await.unwrap().json().await.unwrap();
        let keys = after["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 2, "{after}");
        assert!(keys.iter().any(|k| k["kid"] == before["keys"][0]["kid"]), "the old key stays published");
        assert!(keys.iter().any(|k| k["crv"] == "Ed25519"));
        let (_, listed) = run(&["keys"]).await;
        assert!(listed.contains("EdDSA\tsigning") && listed.contains("retired; published until"), "{listed}");
        app.shutdown().await;
    }
}

/// A rotated key stays in the JWKS while an ID token it signed may still be checked
/// (and while instances may still sign with it from their cache), then leaves.
#[tokio::test]
async fn f_int_5_a_retired_key_is_published_until_its_last_token_has_expired() {
    for backend in backends().await {
        let clock = ninsho_domain::ports::FakeClock::at(ninsho_domain::ports::SystemClock.now());
        let c2 = clock.clone();
        let app = spawn_app_with(backend, move |c| use_fake_clock(c, c2)).await;
        let kids = || async {
            let jwks: Value = client().get(format!("{}/.well-known/jwks.json", app.url)).send().await.unwrap().json().await.unwrap();
            jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_string()).collect::<Vec<_>>()
        };
        let first = kids().await;
        let (new, old) = app.running.services.rotate_signing_key(None).await.unwrap();
        assert_eq!(old.map(|k| k.kid), first.first().cloned());
        let both = kids().await;
        assert!(both.contains(&new.kid) && both.contains(&first[0]), "{backend:?}: {both:?}");
        let policy = ninsho_domain::config::OidcPolicy::default();
        clock.advance_secs(policy.id_token_secs + ninsho_domain::oidc::KEY_CACHE_SECS - 1);
        assert_eq!(kids().await.len(), 2, "{backend:?}: a token signed just before the rotation is still valid");
        clock.advance_secs(2);
        assert_eq!(kids().await, vec![new.kid.clone()], "{backend:?}: every token it signed has expired");
        app.shutdown().await;
    }
}

/// A confidential client allowed `offline_access`.
pub async fn offline_client(app: &TestApp) -> (String, String) {
    let name = format!("offline-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let (c, secret) = app.running.services.add_oidc_client(&name, ClientKind::Confidential, &[REDIRECT.into()], &["https://app.example/bye".into()], &[OidcScope::Email, OidcScope::OfflineAccess]).await.unwrap();
    (c.id.to_string(), secret.unwrap().expose_secret().to_string())
}

/// A code exchanged for `openid email offline_access`: the token response's body.
async fn offline_tokens(app: &TestApp, session: &str, client: &(String, String)) -> Value {
    let code = code_for(app, session, &client.0, &[("scope", "openid email offline_access"), ("code_challenge", CHALLENGE), ("code_challenge_method", "S256")]).await;
    let (status, _, body) = token(app, Some((&client.0, &client.1)), &exchange_form(&code)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["refresh_token"].is_string(), "offline_access gives a refresh token: {body}");
    body
}

async fn refresh(app: &TestApp, client: &(String, String), refresh_token: &str) -> (u16, Value) {
    let (status, _, body) = token(app, Some((&client.0, &client.1)), &[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]).await;
    (status, body)
}

/// Refresh tokens for `offline_access` only; each use gives a new one (and a new
/// access token and ID token stating the same sign-in), and the one used is spent.
/// Using a spent one again revokes the whole grant: every refresh and access token.
#[tokio::test]
async fn f_int_5_refresh_tokens_rotate_and_a_reused_one_revokes_the_family() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let client = offline_client(&app).await;
        let email = unique_email();
        let session = app.signed_up(&email, PASSWORD).await;
        let account = app.running.services.authenticate(&session).await.unwrap();

        // Without offline_access: no refresh token.
        let code = code_for(&app, &session, &client.0, &[("scope", "openid email"), ("code_challenge", CHALLENGE), ("code_challenge_method", "S256")]).await;
        let (status, _, body) = token(&app, Some((&client.0, &client.1)), &exchange_form(&code)).await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        assert!(body.get("refresh_token").is_none(), "{backend:?}: {body}");

        let first = offline_tokens(&app, &session, &client).await;
        let r1 = first["refresh_token"].as_str().unwrap().to_string();
        let first_claims = claims_of(first["id_token"].as_str().unwrap());
        let (status, second) = refresh(&app, &client, &r1).await;
        assert_eq!(status, 200, "{backend:?}: {second}");
        let r2 = second["refresh_token"].as_str().unwrap().to_string();
        assert_ne!(r1, r2, "rotated");
        assert_eq!(second["scope"], "openid email offline_access");
        let c = claims_of(second["id_token"].as_str().unwrap());
        assert_eq!((&c["sub"], &c["auth_time"], &c["amr"], &c["acr"]), (&first_claims["sub"], &first_claims["auth_time"], &first_claims["amr"], &first_claims["acr"]), "the same sign-in");
        assert!(c.get("nonce").is_none(), "OpenID Connect Core §12.2");
        let access2 = second["access_token"].as_str().unwrap().to_string();
        assert_eq!(userinfo(&app, &access2).await.0, 200);

        // A narrower scope may be asked for; a wider one not; another client's token is unknown.
        let (status, _, body) = token(&app, Some((&client.0, &client.1)), &[("grant_type", "refresh_token"), ("refresh_token", &r2), ("scope", "openid email profile")]).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_scope")), "{backend:?}: {body}");
        let other = offline_client(&app).await;
        assert_eq!(refresh(&app, &other, &r2).await.1["error"], "invalid_grant");
        let (status, third) = refresh(&app, &client, &r2).await;
        assert_eq!(status, 200, "{backend:?}: a refused request spends nothing: {third}");
        let r3 = third["refresh_token"].as_str().unwrap().to_string();

        // r1 again: refused, and every token of the grant stops working.
        let (status, body) = refresh(&app, &client, &r1).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{backend:?}: {body}");
        assert_eq!(refresh(&app, &client, &r3).await.0, 400, "{backend:?}: the newest refresh token is revoked too");
        for access in [&first["access_token"], &second["access_token"], &third["access_token"]] {
            assert_eq!(userinfo(&app, access.as_str().unwrap()).await.0, 401, "{backend:?}: the family's access tokens are revoked");
        }
        let events = app.running.services.store.events(account.account.id, 50).await.unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert!(kinds.contains(&"oidc_token_refreshed") && kinds.contains(&"oidc_refresh_replayed"), "{kinds:?}");
        app.shutdown().await;
    }
}

/// 100 refreshes with one refresh token released together: exactly one gets new
/// tokens; the others are replays, so afterwards the whole grant is revoked — the
/// winner's new refresh token and access token included.
#[tokio::test]
async fn f_int_5_race_100_refreshes_of_one_token_exactly_one_succeeds_and_the_family_is_revoked() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let client = offline_client(&app).await;
        let session = app.signed_up(&unique_email(), PASSWORD).await;
        let first = offline_tokens(&app, &session, &client).await;
        let r1 = first["refresh_token"].as_str().unwrap().to_string();
        let ok = burst_of_100(&app, (&client.0, &client.1), &[("grant_type", "refresh_token"), ("refresh_token", &r1)], backend).await;
        assert_eq!(ok.len(), 1, "{backend:?}: exactly one refresh succeeds");
        assert_eq!(refresh(&app, &client, ok[0]["refresh_token"].as_str().unwrap()).await.0, 400, "{backend:?}: the family is revoked");
        assert_eq!(userinfo(&app, ok[0]["access_token"].as_str().unwrap()).await.0, 401, "{backend:?}");
        assert_eq!(userinfo(&app, first["access_token"].as_str().unwrap()).await.0, 401, "{backend:?}");
        app.shutdown().await;
    }
}

const NEW_PASSWORD: &str = "a brand new passphrase for an application, 2026";

/// Signing out everywhere, a password change and an account lock each end an
/// application's refresh tokens (and access tokens) in the same transaction.
#[tokio::test]
async fn f_int_5_sign_out_everywhere_password_change_and_lock_end_refresh_tokens() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let client = offline_client(&app).await;
        let email = unique_email();
        let session = app.signed_up(&email, PASSWORD).await;

        // Everywhere, keeping this browser's session: the application's grant ends all the same.
        let t = offline_tokens(&app, &session, &client).await;
        let r = app.call("POST", "/api/v1/sessions/sign-out-all", Some(&session), Some(json!({"keep_current": true}))).await;
        assert_eq!(r.status, 204, "{:?}", r.body);
        assert_eq!(refresh(&app, &client, t["refresh_token"].as_str().unwrap()).await.0, 400, "{backend:?}: signed out everywhere");
        assert_eq!(userinfo(&app, t["access_token"].as_str().unwrap()).await.0, 401);

        let t = offline_tokens(&app, &session, &client).await;
        step_up_password(&app, &session).await;
        let r = app.call("POST", "/api/v1/account/password", Some(&session), Some(json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "sign_out_others": false}))).await;
        assert_eq!(r.status, 204, "{:?}", r.body);
        assert_eq!(refresh(&app, &client, t["refresh_token"].as_str().unwrap()).await.0, 400, "{backend:?}: the password changed");
        let t = offline_tokens(&app, &session, &client).await;
        let (status, t) = refresh(&app, &client, t["refresh_token"].as_str().unwrap()).await;
        assert_eq!(status, 200, "{backend:?}: a grant made after the change: {t}");

        // The session that changed it goes on, and its new grants refresh.
        let t = offline_tokens(&app, &session, &client).await;
        app.running.services.lock_account(&email, "investigating", 3600, "agent-1").await.unwrap();
        let (status, body) = refresh(&app, &client, t["refresh_token"].as_str().unwrap()).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{backend:?}: locked: {body}");
        app.running.services.unlock_account(&email, "agent-1").await.unwrap();
        assert_eq!(refresh(&app, &client, t["refresh_token"].as_str().unwrap()).await.0, 400, "{backend:?}: the lock revoked it; unlocking gives nothing back");
        app.shutdown().await;
    }
}

/// A new session for a password-only account, by the API (with the e-mail code if one
/// is asked for).
async fn fresh_session(app: &TestApp, email: &str) -> String {
    let before = app.inbox_count(email).await;
    let s = sign_in(app, &app.http, email, json!({})).await;
    if s.body["status"] == "signed_in" {
        return s.body["session_token"].as_str().unwrap().to_string();
    }
    assert_eq!(s.body["status"], "code_required", "{:?}", s.body);
    let code = app.code_after(email, before).await;
    let cid = s.body["challenge_id"].as_str().unwrap();
    let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code}))).await;
    assert_eq!(v.status, 200, "{:?}", v.body);
    v.body["session_token"].as_str().unwrap().to_string()
}

/// `/authorize` for the browser with `session`: the `Location` it answers with.
async fn authorize_location(app: &TestApp, session: Option<&str>, path: &str) -> String {
    let mut req = raw().get(format!("{}{path}", app.url));
    if let Some(s) = session {
        req = req.header("cookie", session_cookie(s));
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status(), 303, "{path}: {}", r.text().await.unwrap());
    r.headers()["location"].to_str().unwrap().to_string()
}

/// The resume link a redirect to ninsho's `page` carries as `next`.
fn resume_link(location: &str, page: &str) -> String {
    assert!(location.starts_with(&format!("{page}?next=%2Fauthorize%2Fcontinue%3Frequest%3D")), "{location}");
    query_of(&format!("http://x{location}"))["next"].clone()
}

/// A parked request resumed by a browser whose session answers it: the code from the
/// page that goes back to the application.
async fn code_from_resume(app: &TestApp, session: &str, next: &str) -> String {
    let r = raw().get(format!("{}{next}", app.url)).header("cookie", session_cookie(session)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{next}");
    let back = link_before(&r.text().await.unwrap(), "id=\"authorize-back\"");
    query_of(&back)["code"].clone()
}

/// `prompt=login` and `max_age` send a signed-in user through the sign-in page again,
/// and only a session begun after the request answers it (`auth_time` says when);
/// `prompt=none` never shows a page: login_required goes back with `state`.
#[tokio::test]
async fn f_int_5_prompt_login_max_age_and_prompt_none_answer_with_a_fresh_sign_in_or_an_error() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let (client_id, secret) = confidential(&app).await;
        let email = unique_email();
        let old = app.signed_up(&email, PASSWORD).await;
        let old_time = app.running.services.authenticate(&old).await.unwrap().session.created_at;
        let pkce = [("code_challenge", CHALLENGE), ("code_challenge_method", "S256")];
        // auth_time counts seconds.
        tokio::time::sleep(Duration::from_millis(1100)).await;

        let loc = authorize_location(&app, Some(&old), &authorize_path(&client_id, &[("prompt", "login"), pkce[0], pkce[1]])).await;
        let next = resume_link(&loc, "/sign-in");
        // Back with the old session, not signed in again: the sign-in page again.
        let loc = authorize_location(&app, Some(&old), &next).await;
        assert!(loc.starts_with("/sign-in?next="), "{backend:?}: {loc}");
        let new = fresh_session(&app, &email).await;
        let code = code_from_resume(&app, &new, &next).await;
        let (s, _, body) = token(&app, Some((&client_id, &secret)), &exchange_form(&code)).await;
        assert_eq!(s, 200, "{body}");
        let auth_time = claims_of(body["id_token"].as_str().unwrap())["auth_time"].as_i64().unwrap();
        assert!(auth_time > old_time.0 / 1000, "{backend:?}: auth_time is the new sign-in's");

        // max_age: a recent enough sign-in goes straight on; max_age=0 asks again.
        let loc = authorize_location(&app, Some(&new), &authorize_path(&client_id, &[("max_age", "3600")])).await;
        assert!(loc.starts_with(&format!("{REDIRECT}?code=")), "{backend:?}: {loc}");
        let loc = authorize_location(&app, Some(&old), &authorize_path(&client_id, &[("max_age", "0")])).await;
        let next = resume_link(&loc, "/sign-in");
        let newer = fresh_session(&app, &email).await;
        code_from_resume(&app, &newer, &next).await;

        // prompt=none: the error, at the application, with its state.
        for (session, extra) in [(None, vec![("prompt", "none")]), (Some(old.as_str()), vec![("prompt", "none"), ("max_age", "0")])] {
            let loc = authorize_location(&app, session, &authorize_path(&client_id, &extra)).await;
            let q = query_of(&loc);
            assert!(loc.starts_with(REDIRECT), "{loc}");
            assert_eq!((q["error"].as_str(), q["state"].as_str()), ("login_required", "st-1"), "{backend:?}: {extra:?}");
        }
        for bad in [vec![("prompt", "none login")], vec![("max_age", "soon")], vec![("max_age", "-1")]] {
            let loc = authorize_location(&app, Some(&new), &authorize_path(&client_id, &bad)).await;
            assert_eq!(query_of(&loc)["error"], "invalid_request", "{backend:?}: {bad:?}");
        }
        app.shutdown().await;
    }
}

/// `acr_values=aal2` asks an account with 2SV for a second factor on ninsho's step-up
/// page, even when its session has none (a trusted browser, or 2SV turned on after
/// it signed in); `acr` and `amr` say what happened. An account without 2SV gets its
/// code, stating aal1.
#[tokio::test]
async fn f_int_5_acr_values_aal2_asks_a_second_factor_and_acr_says_what_happened() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let (client_id, secret) = confidential(&app).await;
        let acct = two_sv_account(&app).await;
        let pkce = [("code_challenge", CHALLENGE), ("code_challenge_method", "S256")];
        let claims = |body: &Value| claims_of(body["id_token"].as_str().unwrap());

        // Without acr_values: a password session states aal1.
        let code = code_for(&app, &acct.token, &client_id, &pkce).await;
        let (_, _, body) = token(&app, Some((&client_id, &secret)), &exchange_form(&code)).await;
        let c = claims(&body);
        assert_eq!(c["acr"], "aal1", "{backend:?}: {c}");
        assert!(!c["amr"].as_array().unwrap().contains(&json!("mfa")), "{backend:?}: {c}");

        let loc = authorize_location(&app, Some(&acct.token), &authorize_path(&client_id, &[("acr_values", "aal2"), pkce[0], pkce[1]])).await;
        let next = resume_link(&loc, "/account/confirm");
        // prompt=none cannot show that page.
        let none = authorize_location(&app, Some(&acct.token), &authorize_path(&client_id, &[("acr_values", "aal2"), ("prompt", "none")])).await;
        assert_eq!(query_of(&none)["error"], "interaction_required", "{backend:?}");
        codes::step_up_sms(&app, &acct.token).await;
        let code = code_from_resume(&app, &acct.token, &next).await;
        let (s, _, body) = token(&app, Some((&client_id, &secret)), &exchange_form(&code)).await;
        assert_eq!(s, 200, "{body}");
        let c = claims(&body);
        assert_eq!(c["acr"], "aal2", "{backend:?}: {c}");
        assert!(c["amr"].as_array().unwrap().contains(&json!("mfa")), "{backend:?}: {c}");

        // No second factor to give: the code all the same, and it says aal1.
        let plain = app.signed_up(&unique_email(), PASSWORD).await;
        let code = code_for(&app, &plain, &client_id, &[("acr_values", "aal2"), pkce[0], pkce[1]]).await;
        let (_, _, body) = token(&app, Some((&client_id, &secret)), &exchange_form(&code)).await;
        assert_eq!(claims(&body)["acr"], "aal1", "{backend:?}");
        app.shutdown().await;
    }
}

/// RP-Initiated Logout: with the ID token it was given, the application ends its
/// user's ninsho session and gets them back at its registered post-logout URI with
/// its `state`. A URI not registered, a hint ninsho did not sign or no hint: an
/// error page, nothing ended, no redirect. Another user's session is not ended.
#[tokio::test]
async fn f_int_5_rp_initiated_logout_ends_the_session_and_goes_back_only_to_a_registered_uri() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let client = offline_client(&app).await;
        let session = app.signed_up(&unique_email(), PASSWORD).await;
        let conf: Value = raw().get(format!("{}/.well-known/openid-configuration", app.url)).send().await.unwrap().json().await.unwrap();
        assert_eq!(conf["end_session_endpoint"], "https://shop.example/end-session");
        let id_token = offline_tokens(&app, &session, &client).await["id_token"].as_str().unwrap().to_string();
        let end = |session: &str, pairs: Vec<(&str, &str)>| {
            let q = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
            raw().get(format!("{}/end-session?{q}", app.url)).header("cookie", session_cookie(session)).send()
        };
        let mut tampered = id_token.clone();
        tampered.pop();
        tampered.push(if id_token.ends_with('A') { 'B' } else { 'A' });
        let refused = [
            vec![("id_token_hint", id_token.as_str()), ("post_logout_redirect_uri", "https://evil.example/bye"), ("state", "s-1")],
            vec![("id_token_hint", id_token.as_str()), ("post_logout_redirect_uri", "https://app.example/bye/"), ("state", "s-1")],
            vec![("id_token_hint", tampered.as_str()), ("post_logout_redirect_uri", "https://app.example/bye")],
            vec![("post_logout_redirect_uri", "https://app.example/bye")],
            vec![("id_token_hint", id_token.as_str()), ("client_id", "someone-else")],
        ];
        for pairs in refused {
            let r = end(&session, pairs.clone()).await.unwrap();
            assert!(r.headers().get("location").is_none(), "{backend:?}: {pairs:?} never redirects");
            assert!(r.status().is_client_error(), "{backend:?}: {pairs:?}: {}", r.status());
            assert!(app.running.services.authenticate(&session).await.is_ok(), "{backend:?}: {pairs:?} ends nothing");
        }
        // Another user's browser: the hint is not theirs, so their session stays.
        let other = app.signed_up(&unique_email(), PASSWORD).await;
        let r = end(&other, vec![("id_token_hint", id_token.as_str())]).await.unwrap();
        assert_eq!(r.status(), 303);
        assert!(app.running.services.authenticate(&other).await.is_ok(), "{backend:?}");

        let r = end(&session, vec![("id_token_hint", id_token.as_str()), ("post_logout_redirect_uri", "https://app.example/bye"), ("state", "s-1")]).await.unwrap();
        assert_eq!(r.status(), 303, "{backend:?}");
        assert_eq!(r.headers()["location"], "https://app.example/bye?state=s-1");
        assert!(app.running.services.authenticate(&session).await.is_err(), "{backend:?}: the session ended");
        app.shutdown().await;
    }
}

/// RFC 7662 and RFC 7009 for an application's own tokens, client-authenticated:
/// introspection says what an active token stands for and `active: false` for any
/// other (another client's included); revocation of an access or a refresh token ends
/// the whole grant, and a token not the client's is answered 200 and left alone.
#[tokio::test]
async fn f_int_5_introspect_and_revoke_answer_a_client_only_about_its_own_tokens() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let client = offline_client(&app).await;
        let other = offline_client(&app).await;
        let session = app.signed_up(&unique_email(), PASSWORD).await;
        let account = app.running.services.authenticate(&session).await.unwrap();
        let t = offline_tokens(&app, &session, &client).await;
        let (access, refresh_token) = (t["access_token"].as_str().unwrap(), t["refresh_token"].as_str().unwrap());
        let post = |path: &'static str, auth: &(String, String), token: &str| {
            let body = form_urlencoded::Serializer::new(String::new()).extend_pairs([("token", token)]).finish();
            raw().post(format!("{}{path}", app.url)).basic_auth(&auth.0, Some(&auth.1)).header("content-type", "application/x-www-form-urlencoded").body(body).send()
        };
        let r = post("/introspect", &client, access).await.unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        assert_eq!((v["active"].as_bool(), v["token_type"].as_str(), v["client_id"].as_str()), (Some(true), Some("Bearer"), Some(client.0.as_str())), "{backend:?}: {v}");
        assert_eq!(v["sub"], account.account.id.to_string());
        assert_eq!(v["scope"], "openid email offline_access");
        let v: Value = post("/introspect", &client, refresh_token).await.unwrap().json().await.unwrap();
        assert_eq!((v["active"].as_bool(), v["token_type"].as_str()), (Some(true), Some("refresh_token")), "{backend:?}: {v}");
        for (auth, token) in [(&other, access), (&client, "made-up")] {
            let v: Value = post("/introspect", auth, token).await.unwrap().json().await.unwrap();
            assert_eq!(v, json!({"active": false}), "{backend:?}");
        }
        assert_eq!(post("/introspect", &(client.0.clone(), "nso_wrong".into()), access).await.unwrap().status(), 401);

        // Another client's revocation: 200, and nothing happens.
        assert_eq!(post("/revoke", &other, refresh_token).await.unwrap().status(), 200);
        assert_eq!(userinfo(&app, access).await.0, 200, "{backend:?}");
        let r = post("/revoke", &client, refresh_token).await.unwrap();
        assert_eq!(r.status(), 200, "{backend:?}");
        assert_eq!(userinfo(&app, access).await.0, 401, "{backend:?}: the grant's access token goes with its refresh token");
        let v: Value = post("/introspect", &client, refresh_token).await.unwrap().json().await.unwrap();
        assert_eq!(v, json!({"active": false}), "{backend:?}");
        assert_eq!(refresh(&app, &client, refresh_token).await.0, 400);
        // An access token revokes its grant too.
        let t = offline_tokens(&app, &session, &client).await;
        assert_eq!(post("/revoke", &client, t["access_token"].as_str().unwrap()).await.unwrap().status(), 200);
        assert_eq!(refresh(&app, &client, t["refresh_token"].as_str().unwrap()).await.0, 400, "{backend:?}");
        let events = app.running.services.store.events(account.account.id, 50).await.unwrap();
        assert!(events.iter().any(|e| e.kind.as_str() == "oidc_token_revoked"), "{backend:?}");
        app.shutdown().await;
    }
}

/// The Python with Authlib (`.ci/run` installs it in its venv), or `None` to skip —
/// unless `NINSHO_TEST_MMDB=1`, when it must be there.
fn authlib_python() -> Option<std::path::PathBuf> {
    let python = std::env::var_os("NINSHO_MMDB_PYTHON").map(std::path::PathBuf::from);
    let has = |p: &std::path::PathBuf| std::process::Command::new(p).args(["-c", "import authlib.integrations.requests_client"]).output().is_ok_and(|o| o.status.success());
    let found = python.filter(has);
    if found.is_none() {
        assert!(!ninsho_testkit::hooks::required(), "NINSHO_TEST_MMDB=1 but NINSHO_MMDB_PYTHON names no Python with Authlib (.ci/run installs it)");
        println!("skipped: no Authlib (set NINSHO_MMDB_PYTHON to a Python with `pip install authlib requests`)");
    }
    found
}

/// `tests/oidc_rp_authlib.py`, read a line at a time: every line is given half a
/// minute, and a script that stalls or fails is shown with what it said.
struct Authlib {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    lines: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    said: Vec<String>,
}

impl Authlib {
    async fn line(&mut self, expected: &str) -> String {
        let line = match tokio::time::timeout(Duration::from_secs(30), self.lines.next_line()).await {
            Ok(Ok(Some(line))) => line,
            other => self.fail(&format!("no answer ({other:?})")).await,
        };
        self.said.push(line.clone());
        match line.split_once(' ') {
            Some((word, rest)) if word == expected => rest.to_string(),
            _ => self.fail(&format!("{line} where {expected} was expected")).await,
        }
    }

    async fn step(&mut self, name: &str) -> Value {
        let step: Value = serde_json::from_str(&self.line("STEP").await).unwrap();
        if step["step"] != name {
            self.fail(&format!("step {} where {name} was expected", step["step"])).await;
        }
        step
    }

    async fn tell(&mut self, line: &str) {
        tokio::io::AsyncWriteExt::write_all(&mut self.stdin, format!("{line}\n").as_bytes()).await.unwrap();
    }

    async fn fail(&mut self, why: &str) -> ! {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
        let mut err = String::new();
        if let Some(e) = self.child.stderr.as_mut() {
            let _ = tokio::io::AsyncReadExt::read_to_string(e, &mut err).await;
        }
        panic!("authlib: {why}\nsaid: {:?}\nstderr: {err}", self.said);
    }
}

/// F-INT-5 with a second relying party nobody here wrote: Python's Authlib, as a
/// confidential client authenticating with `client_secret_basic`. It discovers
/// ninsho, sends the user to sign in (password and an authenticator code on
/// ninsho's pages), checks the state and the issuer of the answer, exchanges the
/// code, validates the ID token against the JWKS and reads userinfo. A replayed code
/// is refused; then, signed in again, the refresh token rotates, introspection and
/// revocation answer, the wrong secret is refused, and the logout URL the library
/// builds ends the ninsho session and comes back to the application.
#[tokio::test]
async fn f_int_5_authlib_confidential_client_with_client_secret_basic() {
    let Some(python) = authlib_python() else { return };
    const BYE: &str = "https://app.example/bye";
    for backend in backends().await {
        // The issuer is the URL the library reaches, so the port is chosen first.
        let port = free_port();
        let issuer = format!("http://127.0.0.1:{port}");
        let iss = issuer.clone();
        let app = spawn_app_with(backend, move |c| {
            c.listen = std::net::SocketAddr::from(([127, 0, 0, 1], port));
            c.policy.public_url = iss;
        })
        .await;
        let (client, secret) = app.running.services.add_oidc_client("authlib-test", ClientKind::Confidential, &[REDIRECT.into()], &[BYE.into()], &[OidcScope::Email, OidcScope::Profile, OidcScope::OfflineAccess]).await.unwrap();
        let (client_id, secret) = (client.id.to_string(), secret.unwrap().expose_secret().to_string());
        let (email, key) = totp_account(&app).await;
        let account = app.running.services.store.account_by_email(&ninsho_domain::email::Email::parse(&email).unwrap()).await.unwrap().unwrap();

        let mut child = tokio::process::Command::new(&python)
            .arg(std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc_rp_authlib.py"))
            .args([issuer.as_str(), &client_id, &secret, REDIRECT, BYE])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(child.stdout.take().unwrap()));
        let mut rp = Authlib { child, stdin, lines, said: Vec::new() };

        // The browser signs in on ninsho's pages and is sent back with the code.
        let url = rp.line("AUTHORIZE").await;
        assert!(url.contains("code_challenge_method=S256") && url.contains("nonce=") && url.contains("state="), "{url}");
        let mut pc = ninsho_testkit::pages::PageClient::new(&app.url);
        let page = pc.get(url.strip_prefix(&issuer).unwrap()).await;
        assert!(page.path.starts_with("/sign-in?next="), "{}", page.path);
        let next = query_of(&format!("http://x{}", page.path))["next"].clone();
        let page = pc.post("/sign-in", &page, &[("email", &email), ("password", PASSWORD), ("next", &next)]).await;
        assert_eq!(page.path, "/code", "{}", page.text());
        let page = pc.post("/code", &page, &[("code", &oathtool_at(&key, 1))]).await;
        let back = link_before(&page.html, "id=\"authorize-back\"");
        rp.tell(&back).await;

        let signed_in = rp.step("signed_in").await;
        let claims = &signed_in["claims"];
        println!("{backend:?}: ID token claims, as Authlib validated them: {claims}");
        assert_eq!(claims["iss"], issuer.as_str());
        assert_eq!(claims["aud"], json!(client_id));
        assert_eq!(claims["sub"], account.id.to_string());
        assert_eq!(claims["email"], email.as_str());
        assert_eq!(claims["email_verified"], true);
        assert_eq!(claims["acr"], "aal2");
        assert_eq!(claims["amr"], json!(["pwd", "otp", "mfa"]));
        assert!(claims["sid"].is_string() && claims["at_hash"].is_string() && claims["auth_time"].is_i64(), "{claims}");
        assert_eq!((signed_in["token_type"].as_str(), signed_in["has_refresh"].as_bool()), (Some("Bearer"), Some(true)));
        let info = rp.step("userinfo").await;
        assert_eq!(info["userinfo"]["sub"], claims["sub"]);
        assert_eq!(info["userinfo"]["email"], email.as_str());
        assert_eq!(rp.step("code_replayed").await["error"], "invalid_grant", "{backend:?}");

        // Signed in already: /authorize answers at once with a new code.
        let url = rp.line("AUTHORIZE").await;
        let back = pc.send_raw_get(url.strip_prefix(&issuer).unwrap()).await;
        assert!(back.starts_with(&format!("{REDIRECT}?code=")), "{back}");
        rp.tell(&back).await;
        assert_eq!(rp.step("signed_in_again").await["sid"], claims["sid"], "the same ninsho session");
        let refreshed = rp.step("refreshed").await;
        assert_eq!((refreshed["rotated"].as_bool(), refreshed["kept"].as_bool(), &refreshed["sub"]), (Some(true), Some(true), &claims["sub"]), "{backend:?}: {refreshed}");
        let introspected = rp.step("introspected").await;
        assert_eq!((introspected["active"].as_bool(), introspected["client_id"].as_str(), &introspected["sub"]), (Some(true), Some(client_id.as_str()), &claims["sub"]));
        let revoked = rp.step("revoked").await;
        assert_eq!(revoked, json!({"step": "revoked", "status": 200, "access_active": false, "refresh": "invalid_grant"}), "{backend:?}");
        assert_eq!(rp.step("wrong_secret").await["error"], "invalid_client", "{backend:?}");

        // The library's logout URL ends the session and comes back with its state.
        let logout: Value = serde_json::from_str(&rp.line("LOGOUT").await).unwrap();
        let url = logout["url"].as_str().unwrap();
        let back = pc.send_raw_get(url.strip_prefix(&issuer).unwrap()).await;
        assert_eq!(back, format!("{BYE}?state={}", logout["state"].as_str().unwrap()), "{backend:?}");
        assert!(pc.get("/account").await.path.starts_with("/sign-in"), "{backend:?}: signed out of ninsho");
        let status = tokio::time::timeout(Duration::from_secs(30), rp.child.wait()).await;
        if !matches!(status, Ok(Ok(s)) if s.success()) {
            rp.fail(&format!("ended with {status:?}")).await;
        }
        app.shutdown().await;
    }
}

/// Housekeeping purges what the provider parked or issued once it has expired: a
/// request and an access token at their expiry; a code and its refresh tokens only
/// once the whole family has expired, so a spent refresh token replayed meanwhile is
/// still recognised and ends the family. Both backends.
#[tokio::test]
async fn f_int_5_expired_requests_codes_and_tokens_are_purged_and_a_live_family_is_kept() {
    use ninsho_domain::oidc::{REFRESH_SECS, REQUEST_SECS};
    use ninsho_domain::ports::FakeClock;
    for backend in backends().await {
        let clock = FakeClock::at(ninsho_domain::types::UnixMillis(1_900_000_000_000));
        let c2 = clock.clone();
        // The test purges; the instance's own housekeeping waits.
        let app = spawn_app_with(backend, move |c| {
            use_fake_clock(c, c2);
            c.lock_sweep_every = Duration::from_secs(3600);
        })
        .await;
        let raw = super::audit::Raw::open(&app.db.url).await;
        let rows = async || {
            let mut n = Vec::new();
            for t in ["oidc_requests", "oidc_codes", "oidc_tokens", "oidc_refresh_tokens"] {
                n.push(raw.int(&format!("select count(*) from {t}")).await);
            }
            n
        };
        let client = offline_client(&app).await;
        let session = app.signed_up(&unique_email(), PASSWORD).await;
        // A request parked for a browser that is not signed in, and a family: one code,
        // its first access token, then a refresh (a spent refresh token, a new one).
        let parked = authorize_location(&app, None, &authorize_path(&client.0, &[("scope", "openid email")])).await;
        assert!(parked.starts_with("/sign-in?next="), "{parked}");
        let first = offline_tokens(&app, &session, &client).await;
        let (s, second) = refresh(&app, &client, first["refresh_token"].as_str().unwrap()).await;
        assert_eq!(s, 200, "{second}");
        assert_eq!(rows().await, [1, 1, 2, 2], "{backend:?}");
        assert_eq!(app.running.services.purge_expired_oidc().await.unwrap(), 0, "{backend:?}: nothing has expired");

        // The request and the access tokens have expired, the family has not.
        clock.advance_secs(REQUEST_SECS + 1);
        assert_eq!(app.running.services.purge_expired_oidc().await.unwrap(), 3, "{backend:?}");
        assert_eq!(rows().await, [0, 1, 0, 2], "{backend:?}");
        // The spent refresh token is still known: replayed, it ends the family.
        assert_eq!(refresh(&app, &client, first["refresh_token"].as_str().unwrap()).await.1["error"], "invalid_grant");
        assert_eq!(refresh(&app, &client, second["refresh_token"].as_str().unwrap()).await.1["error"], "invalid_grant", "{backend:?}: the family ended");

        // The family's last token has expired: nothing of it is kept.
        clock.advance_secs(REFRESH_SECS);
        assert_eq!(app.running.services.purge_expired_oidc().await.unwrap(), 3, "{backend:?}");
        assert_eq!(rows().await, [0, 0, 0, 0], "{backend:?}");
        raw.close().await;
        app.shutdown().await;
    }
}

/// F-OFF-2: a sign-in while the owner has paused 2SV reaches an application as what it
/// was, the password alone (`aal1`, `pwd`); an application that asks for `aal2` still
/// gets a second factor asked for, and then says so.
#[tokio::test]
async fn f_off_2_a_sign_in_while_2sv_is_paused_states_aal1_and_aal2_still_asks_a_second_factor() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let (client_id, secret) = confidential(&app).await;
        let acct = two_sv_account(&app).await;
        codes::step_up_sms(&app, &acct.token).await;
        let r = app.call("POST", "/api/v1/two-step/suspend", Some(&acct.token), Some(json!({"hours": 4}))).await;
        assert_eq!(r.status, 200, "{backend:?}: {:?}", r.body);
        let s = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": acct.email, "password": PASSWORD}))).await;
        assert_eq!(s.body["status"], "signed_in", "{backend:?}: {:?}", s.body);
        let paused = s.body["session_token"].as_str().unwrap().to_string();
        let pkce = [("code_challenge", CHALLENGE), ("code_challenge_method", "S256")];

        let code = code_for(&app, &paused, &client_id, &pkce).await;
        let (_, _, body) = token(&app, Some((&client_id, &secret)), &exchange_form(&code)).await;
        let c = claims_of(body["id_token"].as_str().unwrap());
        assert_eq!((&c["acr"], &c["amr"]), (&json!("aal1"), &json!(["pwd"])), "{backend:?}: {c}");

        let loc = authorize_location(&app, Some(&paused), &authorize_path(&client_id, &[("acr_values", "aal2"), pkce[0], pkce[1]])).await;
        let next = resume_link(&loc, "/account/confirm");
        codes::step_up_sms(&app, &paused).await;
        let code = code_from_resume(&app, &paused, &next).await;
        let (_, _, body) = token(&app, Some((&client_id, &secret)), &exchange_form(&code)).await;
        assert_eq!(claims_of(body["id_token"].as_str().unwrap())["acr"], "aal2", "{backend:?}: a code given is a second factor, paused or not");
        app.shutdown().await;
    }
}
