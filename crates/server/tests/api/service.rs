//! F-INT-1 and F-INT-2: the shop's services call ninsho as registered clients, with
//! scopes checked per route, and ask whether a shopper's session is real and strong.

use super::*;
use ninsho_domain::ports::{FakeClock, Store};
use ninsho_domain::types::{Scope, UnixMillis};
use secrecy::ExposeSecret;

const PHONE: &str = "+819012345678";
const INTROSPECT: &str = "/api/v1/service/sessions/introspect";

/// A client registered through the use case (the CLI has its own test).
async fn client(app: &TestApp, name: &str, scopes: &[Scope], rate: i64) -> (String, String) {
    let (c, secret) = app.running.services.add_service_client(name, scopes, rate).await.unwrap();
    (c.id.to_string(), secret.expose_secret().to_string())
}

/// POST with a raw `Authorization` value (or none).
async fn post_as(app: &TestApp, authorization: Option<&str>, path: &str, body: Value) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut req = app.http.post(format!("{}{path}", app.url)).json(&body);
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    let r = req.send().await.unwrap();
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    (status, r.json().await.unwrap_or(Value::Null), headers)
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", data_encoding::BASE64.encode(format!("{id}:{secret}").as_bytes()))
}

/// A shopper signed in with the password and an SMS code: (token, account e-mail).
async fn two_step_session(app: &TestApp) -> (String, TwoSvAccount) {
    let acct = two_sv_account(app).await;
    let before = app.inbox_count(PHONE).await;
    let s = sign_in(app, &browser(UA_B), &acct.email, json!({})).await;
    assert_eq!(s.body["status"], "code_required", "{:?}", s.body);
    let cid = s.body["challenge_id"].as_str().unwrap().to_string();
    let code = app.code_after(PHONE, before).await;
    let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code}))).await;
    assert_eq!(v.status, 200, "{:?}", v.body);
    (v.body["session_token"].as_str().unwrap().to_string(), acct)
}

#[tokio::test]
async fn f_int_1_clients_authenticate_and_each_route_checks_its_scope() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let shopper = app.signed_up(&unique_email(), PASSWORD).await;
        let (id, secret) = client(&app, "checkout", &[Scope::SessionsRead], 6000).await;
        let (_, no_scope) = client(&app, "courier-app", &[Scope::DeliveriesVerify], 6000).await;
        let body = json!({"token": shopper});

        // Nobody, a stranger, a shopper's own token: 401 with a Basic challenge.
        for auth in [None, Some("Bearer nsc_not-a-secret".to_string()), Some(format!("Bearer {shopper}")), Some(basic(&uuid::Uuid::new_v4().to_string(), &secret))] {
            let (status, problem, headers) = post_as(&app, auth.as_deref(), INTROSPECT, body.clone()).await;
            assert_eq!(status, 401, "{b:?} {auth:?}: {problem:?}");
            assert_eq!(problem["code"], "auth.required");
            assert!(headers.get("www-authenticate").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("Basic ")), "{headers:?}");
        }
        // The right client, by Basic or Bearer.
        for auth in [basic(&id, &secret), format!("Bearer {secret}")] {
            let (status, answer, _) = post_as(&app, Some(&auth), INTROSPECT, body.clone()).await;
            assert_eq!((status, &answer["active"]), (200, &json!(true)), "{b:?}: {answer:?}");
        }
        // A client without the route's scope: 403 naming the scope.
        let (status, problem, _) = post_as(&app, Some(&format!("Bearer {no_scope}")), INTROSPECT, body.clone()).await;
        assert_eq!((status, problem["code"].as_str()), (403, Some("client.scope_missing")), "{problem:?}");
        assert!(problem["detail"].as_str().unwrap().contains("sessions:read"), "{problem:?}");
        // A client secret is not a shopper's token.
        let me = app.call("GET", "/api/v1/account", Some(&secret), None).await;
        assert_eq!(me.status, 401, "{:?}", me.body);

        // Rotation: the old secret works during the grace period, the new one at once.
        let (_, fresh) = app.running.services.rotate_service_client("checkout", 3600).await.unwrap();
        for s in [secret.as_str(), fresh.expose_secret()] {
            assert_eq!(post_as(&app, Some(&format!("Bearer {s}")), INTROSPECT, body.clone()).await.0, 200, "{b:?}");
        }
        // Without a grace period the old one stops at once.
        let (_, newest) = app.running.services.rotate_service_client("checkout", 0).await.unwrap();
        assert_eq!(post_as(&app, Some(&format!("Bearer {}", fresh.expose_secret())), INTROSPECT, body.clone()).await.0, 401);
        assert_eq!(post_as(&app, Some(&format!("Bearer {}", newest.expose_secret())), INTROSPECT, body.clone()).await.0, 200);
        // Revoked: nothing works.
        app.running.services.revoke_service_client(&id).await.unwrap();
        assert_eq!(post_as(&app, Some(&format!("Bearer {}", newest.expose_secret())), INTROSPECT, body.clone()).await.0, 401);
        app.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn f_int_1_a_clients_rate_holds_in_a_burst() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let (_, secret) = client(&app, "checkout", &[Scope::SessionsRead], 20).await;
        let auth = format!("Bearer {secret}");
        let gate = std::sync::Arc::new(tokio::sync::Barrier::new(100));
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..100 {
            let (http, url, auth, gate) = (app.http.clone(), format!("{}{INTROSPECT}", app.url), auth.clone(), gate.clone());
            set.spawn(async move {
                gate.wait().await;
                let r = http.post(url).header("authorization", auth).json(&json!({"token": "unknown"})).send().await.unwrap();
                (r.status().as_u16(), r.headers().get("retry-after").is_some())
            });
        }
        let answers = set.join_all().await;
        let ok = answers.iter().filter(|(s, _)| *s == 200).count();
        let limited = answers.iter().filter(|(s, retry)| *s == 429 && *retry).count();
        // Unless the minute turned during the burst, exactly the rate passes.
        assert!(ok == 20 || ok == 40, "{b:?}: {ok} passed");
        assert_eq!(ok + limited, 100, "{b:?}: {answers:?}");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_int_2_introspection_answers_in_rfc_7662_shape_with_the_sessions_strength() {
    for b in backends().await {
        let clock = FakeClock::at(UnixMillis(1_900_000_000_000));
        let app = spawn_app_with(b, |c| use_fake_clock(c, clock.clone())).await;
        let (_, secret) = client(&app, "checkout", &[Scope::SessionsRead], 6000).await;
        let auth = format!("Bearer {secret}");
        let (token, acct) = two_step_session(&app).await;

        let (status, a, _) = post_as(&app, Some(&auth), INTROSPECT, json!({"token": token})).await;
        assert_eq!(status, 200, "{a:?}");
        let me = app.call("GET", "/api/v1/account", Some(&token), None).await;
        assert_eq!(a["active"], true);
        assert_eq!(a["sub"], me.body["id"], "{a:?} {:?}", me.body);
        assert!(!a.to_string().contains('@') && !a.to_string().contains(&acct.email), "no e-mail: {a}");
        assert_eq!(a["amr"], json!(["pwd", "sms", "mfa"]));
        assert_eq!(a["acr"], "aal2");
        assert_eq!(a["twosv_enabled"], true);
        assert_eq!((a["locale"].as_str(), a["zoneinfo"].as_str()), (Some("en"), Some("UTC")));
        let now = 1_900_000_000;
        assert_eq!(a["auth_time"], now);
        assert_eq!(a["iat"], now);
        assert!(a["exp"].as_i64().unwrap() > now);
        assert!(a["sid"].as_str().is_some_and(|s| s.len() == 36));
        assert!(a.get("step_up_required").is_none(), "only with max_age: {a:?}");

        // max_age: the code was entered at sign-in; ten minutes later it is too old for
        // a five-minute window, fresh enough for an hour's.
        clock.advance_secs(600);
        let (_, old, _) = post_as(&app, Some(&auth), INTROSPECT, json!({"token": token, "max_age": 300})).await;
        assert_eq!(old["step_up_required"], true, "{old:?}");
        let (_, fresh, _) = post_as(&app, Some(&auth), INTROSPECT, json!({"token": token, "max_age": 3600})).await;
        assert_eq!(fresh["step_up_required"], false, "{fresh:?}");
        let (status, bad, _) = post_as(&app, Some(&auth), INTROSPECT, json!({"token": token, "max_age": -1})).await;
        assert_eq!((status, bad["field"].as_str()), (422, Some("max_age")), "{bad:?}");
        // An introspection is not a use: ten minutes and three checks later, the
        // session's last use is still its sign-in (a use would have moved it).
        let svc = &app.running.services;
        let stored = svc.store.session_by_token(&svc.keys.hash_token(&token)).await.unwrap().unwrap();
        assert_eq!(stored.last_seen_at, stored.created_at, "{b:?}");

        // Unknown, signed out: {"active": false} and nothing else.
        let (_, unknown, _) = post_as(&app, Some(&auth), INTROSPECT, json!({"token": "not-a-session"})).await;
        assert_eq!(unknown, json!({"active": false}));
        let out = app.call("POST", "/api/v1/sign-out", Some(&token), None).await;
        assert!(out.status < 300, "{:?}", out.body);
        let (_, ended, _) = post_as(&app, Some(&auth), INTROSPECT, json!({"token": token})).await;
        assert_eq!(ended, json!({"active": false}));
        // A password-only session of an account without 2SV is one factor.
        let plain = app.signed_up(&unique_email(), PASSWORD).await;
        let (_, weak, _) = post_as(&app, Some(&auth), INTROSPECT, json!({"token": plain})).await;
        assert_eq!((weak["acr"].as_str(), weak["twosv_enabled"].as_bool()), (Some("aal1"), Some(false)), "{weak:?}");
        assert!(!weak["amr"].as_array().unwrap().contains(&json!("mfa")), "{weak:?}");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_int_2_one_statement_still_refuses_a_revoked_client_or_an_expired_secret_with_a_live_session() {
    for b in backends().await {
        let clock = FakeClock::at(UnixMillis(1_900_000_000_000));
        let app = spawn_app_with(b, |c| use_fake_clock(c, clock.clone())).await;
        let live = app.signed_up(&unique_email(), PASSWORD).await;
        let (id, old) = client(&app, "checkout", &[Scope::SessionsRead], 6000).await;
        let (_, new) = app.running.services.rotate_service_client("checkout", 3600).await.unwrap();
        let new = new.expose_secret().to_string();
        let body = json!({"token": live});
        let refused = |auth: String, body: Value| {
            let app = &app;
            async move {
                let (status, problem, headers) = post_as(app, Some(&auth), INTROSPECT, body).await;
                assert_eq!((status, problem["code"].as_str()), (401, Some("auth.required")), "{b:?} {problem:?}");
                assert!(headers.get("www-authenticate").is_some(), "{headers:?}");
                // Nothing about the token: no answer of an introspection, active or not.
                assert!(problem.get("active").is_none() && problem.get("sub").is_none(), "{problem:?}");
            }
        };
        // In the grace period both secrets see the live session.
        for auth in [format!("Bearer {old}"), basic(&id, &old), format!("Bearer {new}")] {
            let (status, answer, _) = post_as(&app, Some(&auth), INTROSPECT, body.clone()).await;
            assert_eq!((status, &answer["active"]), (200, &json!(true)), "{b:?}: {answer:?}");
        }

        // The grace period ends: the old secret is refused, the session is still live.
        clock.advance_secs(3601);
        let svc = &app.running.services;
        let read = svc.store.service_client_with_session(&svc.keys.hash_client_secret(&old), &svc.keys.hash_token(&live)).await.unwrap();
        assert!(read.as_ref().is_some_and(|r| r.session.is_some()), "{b:?}: the statement reads the session; the refusal is the rule's");
        for auth in [format!("Bearer {old}"), basic(&id, &old)] {
            refused(auth.clone(), body.clone()).await;
            // A body it cannot read changes nothing: 401 still, not what is wrong with it.
            refused(auth, json!({"token": 42})).await;
        }
        let (status, answer, _) = post_as(&app, Some(&format!("Bearer {new}")), INTROSPECT, body.clone()).await;
        assert_eq!((status, &answer["active"]), (200, &json!(true)), "{b:?}: {answer:?}");

        // Revoked: the current secret is refused at once, by Bearer and by Basic.
        svc.revoke_service_client(&id).await.unwrap();
        let read = svc.store.service_client_with_session(&svc.keys.hash_client_secret(&new), &svc.keys.hash_token(&live)).await.unwrap();
        assert!(read.as_ref().is_some_and(|r| r.client.revoked_at.is_some() && r.session.is_some()), "{b:?}");
        for auth in [format!("Bearer {new}"), basic(&id, &new)] {
            refused(auth.clone(), body.clone()).await;
            refused(auth, json!({"token": ""})).await;
        }
        // No credential, or one that is not one: 401 before the body is read.
        for auth in [None, Some("Basic not-base64"), Some("Token nsc_x")] {
            let (status, problem, _) = post_as(&app, auth, INTROSPECT, json!({"token": 42})).await;
            assert_eq!((status, problem["code"].as_str()), (401, Some("auth.required")), "{b:?} {auth:?}: {problem:?}");
        }
        // The session itself was never touched.
        let me = app.call("GET", "/api/v1/account", Some(&live), None).await;
        assert_eq!(me.status, 200, "{b:?}: {:?}", me.body);
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_int_1_the_admin_cli_adds_lists_rotates_and_revokes_clients() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let admin = |args: Vec<String>| {
            let (url, data) = (app.db.url.clone(), app.data.path.clone());
            async move {
                let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_ninsho"))
                    .args(["admin", "clients"])
                    .args(&args)
                    .args(["--database-url", &url, "--data-dir"])
                    .arg(&data)
                    .env("NINSHO_MASTER_KEY", TEST_MASTER_KEY)
                    .output()
                    .await
                    .unwrap();
                (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
            }
        };
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let (ok, out, err) = admin(s(&["add", "checkout", "--scope", "sessions:read", "--scope", "step-up"])).await;
        assert!(ok, "{err}");
        let field = |text: &str, name: &str| text.lines().find_map(|l| l.strip_prefix(&format!("{name}: "))).unwrap().to_string();
        let (id, secret) = (field(&out, "client_id"), field(&out, "client_secret"));
        assert!(secret.starts_with("nsc_"), "{out}");
        let (status, _, _) = post_as(&app, Some(&basic(&id, &secret)), INTROSPECT, json!({"token": "x"})).await;
        assert_eq!(status, 200, "{b:?}");
        let (ok, list, _) = admin(s(&["list"])).await;
        assert!(ok && list.contains(&id) && list.contains("sessions:read step-up") && !list.contains(&secret), "{list}");
        let (ok, err_out, err) = admin(s(&["add", "broken", "--scope", "sessions:write"])).await;
        assert!(!ok && err.contains("not a scope"), "{err_out}{err}");
        let (ok, out, err) = admin(s(&["rotate", "checkout", "--grace", "0"])).await;
        assert!(ok, "{err}");
        let rotated = field(&out, "client_secret");
        assert_eq!(post_as(&app, Some(&format!("Bearer {secret}")), INTROSPECT, json!({"token": "x"})).await.0, 401);
        assert_eq!(post_as(&app, Some(&format!("Bearer {rotated}")), INTROSPECT, json!({"token": "x"})).await.0, 200);
        let (ok, _, err) = admin(s(&["revoke", "checkout"])).await;
        assert!(ok, "{err}");
        assert_eq!(post_as(&app, Some(&format!("Bearer {rotated}")), INTROSPECT, json!({"token": "x"})).await.0, 401);
        let (ok, _, err) = admin(s(&["revoke", "checkout"])).await;
        assert!(!ok && err.lines().count() == 1, "{err}");
        app.shutdown().await;
    }
}
