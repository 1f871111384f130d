//! F-OPS-4: the OpenAPI document and the server agree in both directions. schemathesis
//! (PyPI) reads the served document and sends what it describes — and what it does not
//! (`null` where a field has none, wrong types, missing fields) — to a live server,
//! once without a token and once with a signed-up, stepped-up session: no 5xx, every
//! answer fits its documented schema, no schema-valid request refused, no
//! schema-invalid request accepted.
//!
//! schemathesis is found through `NINSHO_SCHEMATHESIS` (the executable; `.ci/run`
//! installs it into a venv). Without it the test says so and passes, unless
//! `NINSHO_TEST_SCHEMATHESIS=1` (CI), where a missing fuzzer is a failure.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use ninsho_testkit::*;
use serde_json::{Value, json};

use super::{PASSWORD, step_up_password, unique_email};

/// Test cases per operation and phase: enough to reach every field, few enough that
/// both runs stay well under a minute on two cores.
const MAX_EXAMPLES: &str = "15";
/// A fixed seed: a failure reproduces, and the run is the same on every machine.
const SEED: &str = "20261130";
/// The whole run; schemathesis is killed past it (the test then fails).
const RUN_LIMIT: Duration = Duration::from_secs(100);

/// Which refusals of schema-valid requests are still right: rules a JSON Schema cannot
/// state. Everything else a schema-valid request gets must be a success or one of
/// schemathesis' defaults (401, 403, 404, 409, 429). Each operation below documents its
/// 422 answer with the exact codes it may carry (`code` is an enum there), so the
/// response-schema check fails a refusal for any reason the document does not name.
const CONFIG: &str = r#"
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "410", "429"]

# A new password must be strong (zxcvbn, with the account's own words): not expressible
# as a schema. The address must also be a deliverable one (Email::parse), and a new
# address must differ from the current one (email.unchanged).
[[operations]]
include-path = ["/api/v1/sign-up", "/api/v1/account/password", "/api/v1/account/email", "/api/v1/password-reset"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "410", "422", "429"]

# Approve, deny, reset and invitation tokens are issued by the server: any other string is refused
# (422 deny.invalid_link / approve.invalid_link / reset.invalid_link /
# org.invitation_invalid, naming the field).
[[operations]]
include-path = ["/api/v1/organisations/invitations/accept", "/api/v1/deny", "/api/v1/approvals/approve", "/api/v1/password-reset/inspect", "/api/v1/password-reset/send", "/api/v1/password-reset/complete", "/api/v1/password-reset/recovery"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "410", "422", "429"]

# A phone number must be a dialable one (national or E.164, by its region's plan).
[[operations]]
include-path = "/api/v1/methods/phone"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "410", "422", "429"]

# While 2SV is off a step-up takes the password, after it a method: which one the
# account needs depends on its state, not on the request (422 step_up.password_required).
[[operations]]
include-path = "/api/v1/step-up"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "410", "422", "429"]

# A pasted message must have something to judge: words (not only blanks or
# punctuation), a sender that is a number, a sender name or an address, links that can
# be read as addresses (422 message.text_empty / text_unusable / sender_unusable /
# link_unusable, naming the field).
[[operations]]
include-path = "/api/v1/messages/check"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "410", "422", "429"]

# A time zone must be one of the IANA database's names (422 time_zone.unknown): a list
# of some 600 names the document does not repeat.
[[operations]]
include-path = "/api/v1/account"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "410", "422", "429"]

# max_age is 0 or more (introspect.max_age_invalid).
[[operations]]
include-path = "/api/v1/service/sessions/introspect"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "410", "422", "429"]

# The account must exist (a schema cannot list ids), an amount must fit its currency's
# decimals, a service's own words carry no link, and a return URL must be of an origin
# the client registered (account.unknown, step_up.amount_invalid / currency_invalid /
# reason_invalid / return_url_invalid).
[[operations]]
include-path = "/api/v1/service/step-ups"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "410", "422", "429"]

# A shipment's account must exist, its categories be the operator's, its amount fit its
# currency, its zone be an IANA name and its day not be over; a code at the door is
# right or wrong (delivery.*, code.invalid).
[[operations]]
include-path = ["/api/v1/service/deliveries", "/api/v1/service/deliveries/{tracking}/handover"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "410", "422", "429"]

# The document's bytes must be a DOC, DOCX, JPG, PDF or PNG matching its name.
[[operations]]
include-path = "/api/v1/recovery/requests"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "410", "422", "429"]
"#;

fn schemathesis() -> Option<PathBuf> {
    let path = PathBuf::from(std::env::var_os("NINSHO_SCHEMATHESIS")?);
    path.is_file().then_some(path)
}

/// One schemathesis run against `app`; returns its exit status and output.
async fn run(exe: &PathBuf, app: &TestApp, config: &std::path::Path, extra: &[String]) -> (bool, String) {
    let mut cmd = tokio::process::Command::new(exe);
    // schemathesis keeps a cache (`.schemathesis/`) in its working directory: the
    // config's temporary directory, not the source tree.
    let dir = config.parent().expect("the config file is in a directory");
    cmd.current_dir(dir).arg("--config-file")
        .arg(config)
        .args(["run", &format!("{}/api/openapi.json", app.url), "--url", &app.url])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--checks", "all"])
        // Stateful checks (they need links between operations, which the document has
        // not) and the object-level one (it needs a second user's identifiers).
        .args(["--exclude-checks", "use_after_free,ensure_resource_availability,object_level_authorization"])
        .args(["--max-examples", MAX_EXAMPLES, "--seed", SEED])
        // One worker: with two, hypothesis' lambda descriptions race (a schemathesis
        // runtime error, "AST constructor recursion depth mismatch").
        .args(["--workers", "1", "--request-timeout", "10", "--generation-database", "none", "--no-color"])
        .args(["--max-failures", "50", "--continue-on-failure"])
        .args(extra)
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = cmd.spawn().expect("schemathesis starts");
    let out = tokio::time::timeout(RUN_LIMIT, child.wait_with_output()).await.expect("schemathesis finishes in time").expect("schemathesis output");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f_ops_4_the_openapi_document_and_the_server_agree_in_both_directions() {
    let Some(exe) = schemathesis() else {
        assert!(std::env::var("NINSHO_TEST_SCHEMATHESIS").as_deref() != Ok("1"), "NINSHO_TEST_SCHEMATHESIS=1 but NINSHO_SCHEMATHESIS names no executable");
        eprintln!("skipped: set NINSHO_SCHEMATHESIS to the schemathesis executable (see .ci/run)");
        return;
    };
    // Quotas and the password throttle would answer most fuzzed requests with 429 and
    // hide what is behind them.
    let app = spawn_app_with(Backend::Sqlite, ninsho_server::bench::lift_quotas).await;
    let email = unique_email();
    let token = app.signed_up(&email, PASSWORD).await;
    step_up_password(&app, &token).await;

    let dir = TempDir::new().unwrap();
    let config = dir.path.join("schemathesis.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let started = Instant::now();

    let (ok, out) = run(&exe, &app, &config, &[]).await;
    eprintln!("--- without a token ---\n{out}");
    assert!(ok, "schemathesis without a token found disagreements:\n{out}");

    let with_token = [
        "--header".to_string(),
        format!("Authorization: Bearer {token}"),
        // These end the session the run is using (schemathesis reuses the session ids
        // GET /sessions answers in DELETE /sessions/{id}); every later operation would
        // then only meet 401. They are exercised by the run without a token and by
        // their own tests (devices.rs).
        "--exclude-path".to_string(),
        "/api/v1/sign-out".to_string(),
        "--exclude-path".to_string(),
        "/api/v1/sessions/sign-out-all".to_string(),
        "--exclude-path".to_string(),
        "/api/v1/sessions/{id}".to_string(),
    ];
    let (ok, out) = run(&exe, &app, &config, &with_token).await;
    eprintln!("--- with a stepped-up session ---\n{out}");
    assert!(ok, "schemathesis with a session found disagreements:\n{out}");
    // The service surface, as a client with every scope.
    let scopes = ninsho_domain::types::Scope::ALL;
    let (_, secret) = app.running.services.add_service_client("schemathesis", &scopes, 6_000_000).await.unwrap();
    let as_client = [
        "--header".to_string(),
        format!("Authorization: Bearer {}", secrecy::ExposeSecret::expose_secret(&secret)),
        "--include-path-regex".to_string(),
        "^/api/v1/service/".to_string(),
    ];
    let (ok, out) = run(&exe, &app, &config, &as_client).await;
    eprintln!("--- as a service client ---\n{out}");
    assert!(ok, "schemathesis as a service client found disagreements:\n{out}");
    // The session survived the run: the token run really ran signed in.
    let me = app.call("GET", "/api/v1/account", Some(&token), None).await;
    assert_eq!(me.status, 200, "{:?}", me.body);
    eprintln!("both runs: {:.1} s", started.elapsed().as_secs_f64());
    app.shutdown().await;
}

/// Whether `v` fits `schema` (the subset of JSON Schema the document uses: `$ref`,
/// `type`, `const`, `enum`, `allOf`, `oneOf`, `properties`, `required`, `additionalProperties:
/// false`, `items`); the first misfit, with where it is.
fn fits(doc: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/schemas/");
        let target = &doc["components"]["schemas"][name];
        assert!(target.is_object(), "{at}: dangling {r}");
        return fits(doc, target, v, at);
    }
    if let Some(c) = schema.get("const")
        && v != c
    {
        return Err(format!("{at}: {v} is not {c}"));
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        return Err(format!("{at}: {v} is none of {e:?}"));
    }
    for part in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        fits(doc, part, v, at)?;
    }
    if let Some(alts) = schema.get("oneOf").and_then(Value::as_array) {
        let n = alts.iter().filter(|s| fits(doc, s, v, at).is_ok()).count();
        if n != 1 {
            return Err(format!("{at}: {v} fits {n} of oneOf, not one"));
        }
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => false,
        });
        if !ok {
            return Err(format!("{at}: {v} is not {t}"));
        }
    }
    if let Some(o) = v.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        for req in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            let req = req.as_str().unwrap_or_default();
            if !o.contains_key(req) {
                return Err(format!("{at}: {req} is missing"));
            }
        }
        for (k, x) in o {
            match props.and_then(|p| p.get(k)) {
                Some(s) => fits(doc, s, x, &format!("{at}.{k}"))?,
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => return Err(format!("{at}: {k} is not in the document")),
                None => {}
            }
        }
    }
    if let (Some(a), Some(items)) = (v.as_array(), schema.get("items")) {
        for (i, x) in a.iter().enumerate() {
            fits(doc, items, x, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

/// Asserts that `r` is a documented success answer of `method path` and fits its schema.
fn documented(doc: &Value, method: &str, path: &str, r: &Resp) {
    assert!((200..300).contains(&r.status), "{method} {path}: {} {:?}", r.status, r.body);
    let answer = &doc["paths"][path][method]["responses"][r.status.to_string()];
    assert!(answer.is_object(), "{method} {path}: {} is not documented", r.status);
    if r.status == 204 {
        return;
    }
    let schema = &answer["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "{method} {path}: {} has no schema", r.status);
    if let Err(e) = fits(doc, schema, &r.body, "body") {
        panic!("{method} {path}: the answer does not fit the document: {e}\n{}", r.body);
    }
}

/// The success answers a fuzzer cannot reach (they need a code from the inbox, a
/// password, a signed link): each fits the schema the document gives it.
#[tokio::test]
async fn f_ops_4_every_success_answer_fits_its_documented_schema() {
    let app = spawn_app_with(Backend::Sqlite, ninsho_server::bench::lift_quotas).await;
    let doc = app.call("GET", "/api/openapi.json", None, None).await.body;
    let check = |method: &str, path: &str, r: &Resp| documented(&doc, method, path, r);
    check("get", "/health", &app.call("GET", "/health", None, None).await);
    check("get", "/health/live", &app.call("GET", "/health/live", None, None).await);
    check("get", "/health/ready", &app.call("GET", "/health/ready", None, None).await);

    // Sign-up, the e-mailed code, and the deny link of the same (now used) code.
    let email = unique_email();
    let r = app.call("POST", "/api/v1/sign-up", None, Some(json!({"email": email, "password": PASSWORD, "locale": "en"}))).await;
    check("post", "/api/v1/sign-up", &r);
    let cid = r.body["challenge_id"].as_str().unwrap().to_string();
    let message = app.code_message_after(&email, 0).await;
    let code = code_in(&message);
    let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code}))).await;
    check("post", "/api/v1/challenges/{id}/verify", &v);
    let token = v.body["session_token"].as_str().unwrap().to_string();
    let deny = message.split_whitespace().find(|w| w.contains("/deny/")).unwrap().rsplit('/').next().unwrap().to_string();
    check("post", "/api/v1/deny", &app.call("POST", "/api/v1/deny", None, Some(json!({"token": deny}))).await);
    check("get", "/dev/inbox", &app.call("GET", "/dev/inbox", None, None).await);

    // Step-up by password (2SV off), then the approval and the methods.
    check("post", "/api/v1/step-up", &app.call("POST", "/api/v1/step-up", Some(&token), Some(json!({"password": PASSWORD}))).await);
    let mails = app.inbox_count(&email).await;
    check("post", "/api/v1/two-step/approval", &app.call("POST", "/api/v1/two-step/approval", Some(&token), None).await);
    let approve = app.inbox_latest(&email, mails).await;
    let link = approve.split_whitespace().find(|w| w.contains("/approve/")).unwrap().rsplit('/').next().unwrap().to_string();
    check("post", "/api/v1/approvals/approve", &app.call("POST", "/api/v1/approvals/approve", None, Some(json!({"token": link}))).await);
    let before = app.inbox_count("+819012345678").await;
    let p = app.call("POST", "/api/v1/methods/phone", Some(&token), Some(json!({"phone": "090-1234-5678"}))).await;
    check("post", "/api/v1/methods/phone", &p);
    let pcid = p.body["challenge_id"].as_str().unwrap().to_string();
    let resent = app.call("POST", &format!("/api/v1/challenges/{pcid}/resend"), None, None).await;
    check("post", "/api/v1/challenges/{id}/resend", &resent);
    let code = app.code_after("+819012345678", before + 1).await;
    check("post", "/api/v1/challenges/{id}/verify", &app.call("POST", &format!("/api/v1/challenges/{pcid}/verify"), None, Some(json!({"code": code}))).await);
    check("post", "/api/v1/methods/totp", &app.call("POST", "/api/v1/methods/totp", Some(&token), None).await);
    check("post", "/api/v1/methods/email", &app.call("POST", "/api/v1/methods/email", Some(&token), None).await);
    check("post", "/api/v1/methods/backup-codes", &app.call("POST", "/api/v1/methods/backup-codes", Some(&token), None).await);
    let on = app.call("POST", "/api/v1/two-step/enable", Some(&token), Some(json!({"trust_browser": true}))).await;
    check("post", "/api/v1/two-step/enable", &on);

    // 2SV on: a sign-in needs a code, a trusted browser may not; a step-up needs a code.
    let signin = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": PASSWORD}))).await;
    check("post", "/api/v1/sign-in", &signin);
    assert_eq!(signin.body["status"], "code_required");
    let trusted = on.body["trusted_browser_token"].as_str().unwrap();
    let again = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": PASSWORD, "trusted_browser_token": trusted}))).await;
    check("post", "/api/v1/sign-in", &again);
    check("post", "/api/v1/sign-in/device", &app.call("POST", "/api/v1/sign-in/device", None, Some(json!({"email": email, "password": PASSWORD}))).await);
    let texts = app.inbox_count("+819012345678").await;
    let step = app.call("POST", "/api/v1/step-up", Some(&token), Some(json!({}))).await;
    check("post", "/api/v1/step-up", &step);
    assert_eq!(step.body["status"], "code_required");
    // F-OFF-2: with the step-up's code, a pause of 2SV and its early end.
    let code = app.code_after("+819012345678", texts).await;
    let scid = step.body["challenge_id"].as_str().unwrap();
    assert_eq!(app.call("POST", &format!("/api/v1/challenges/{scid}/verify"), Some(&token), Some(json!({"code": code}))).await.status, 200);
    let paused = app.call("POST", "/api/v1/two-step/suspend", Some(&token), Some(json!({"hours": 2}))).await;
    assert_eq!(paused.status, 200, "{:?}", paused.body);
    check("post", "/api/v1/two-step/suspend", &paused);
    check("get", "/api/v1/account", &app.call("GET", "/api/v1/account", Some(&token), None).await);
    check("post", "/api/v1/two-step/resume", &app.call("POST", "/api/v1/two-step/resume", Some(&token), None).await);

    for path in ["/api/v1/account", "/api/v1/methods", "/api/v1/sessions", "/api/v1/trusted-browsers", "/api/v1/history", "/api/v1/messages"] {
        let r = app.call("GET", path, Some(&token), None).await;
        check("get", path, &r);
    }
    let verdict = app.call("POST", "/api/v1/messages/check", Some(&token), Some(json!({"channel": "sms", "sender": "+1 555 0100", "text": "Account suspended! Verify at https://bit.ly/x"}))).await;
    check("post", "/api/v1/messages/check", &verdict);

    // Locked out: the reset request with an identity document.
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    let document = json!({"file_name": "passport.pdf", "content_base64": data_encoding::BASE64.encode(pdf)});
    let reset = app.call("POST", "/api/v1/recovery/requests", None, Some(json!({"email": email, "password": PASSWORD, "doc_type": "passport", "document": document}))).await;
    check("post", "/api/v1/recovery/requests", &reset);
    // The service surface: a live session and an unknown token.
    let (_, secret) = app.running.services.add_service_client("contract", &[ninsho_domain::types::Scope::SessionsRead], 6000).await.unwrap();
    let svc = |body: Value| {
        let (http, url, auth) = (app.http.clone(), format!("{}/api/v1/service/sessions/introspect", app.url), format!("Bearer {}", secrecy::ExposeSecret::expose_secret(&secret)));
        async move {
            let r = http.post(url).header("authorization", auth).json(&body).send().await.unwrap();
            Resp { status: r.status().as_u16(), headers: r.headers().clone(), body: r.json().await.unwrap() }
        }
    };
    check("post", "/api/v1/service/sessions/introspect", &svc(json!({"token": token, "max_age": 300})).await);
    check("post", "/api/v1/service/sessions/introspect", &svc(json!({"token": "unknown"})).await);
    // A step-up the service starts and then reads.
    let (_, secret) = app.running.services.add_service_client("contract-step-up", &[ninsho_domain::types::Scope::StepUp], 6000).await.unwrap();
    let auth = format!("Bearer {}", secrecy::ExposeSecret::expose_secret(&secret));
    let sub = app.call("GET", "/api/v1/account", Some(&token), None).await.body["id"].as_str().map(str::to_string);
    let sub = match sub {
        Some(s) => s,
        None => svc(json!({"token": token})).await.body["sub"].as_str().unwrap().to_string(),
    };
    let started = app.http.post(format!("{}/api/v1/service/step-ups", app.url)).header("authorization", &auth).json(&json!({"sub": sub, "reason": {"kind": "order", "amount": "150000", "currency": "JPY"}})).send().await.unwrap();
    let started = Resp { status: started.status().as_u16(), headers: started.headers().clone(), body: started.json().await.unwrap() };
    assert_eq!(started.status, 201, "{:?}", started.body);
    check("post", "/api/v1/service/step-ups", &started);
    let read = app.http.get(format!("{}/api/v1/service/step-ups/{}", app.url, started.body["id"].as_str().unwrap())).header("authorization", &auth).send().await.unwrap();
    let read = Resp { status: read.status().as_u16(), headers: read.headers().clone(), body: read.json().await.unwrap() };
    check("get", "/api/v1/service/step-ups/{id}", &read);
    // A shipment, its state, a wrong and a right code at the door, the shopper's list.
    let (_, secret) = app.running.services.add_service_client("contract-deliveries", &[ninsho_domain::types::Scope::DeliveriesWrite, ninsho_domain::types::Scope::DeliveriesVerify], 6000).await.unwrap();
    let auth = format!("Bearer {}", secrecy::ExposeSecret::expose_secret(&secret));
    let as_shop = |method: reqwest::Method, path: String, body: Option<Value>| {
        let (http, url, auth) = (app.http.clone(), app.url.clone(), auth.clone());
        async move {
            let mut req = http.request(method, format!("{url}{path}")).header("authorization", auth);
            if let Some(b) = body {
                req = req.json(&b);
            }
            let r = req.send().await.unwrap();
            Resp { status: r.status().as_u16(), headers: r.headers().clone(), body: r.json().await.unwrap_or(Value::Null) }
        }
    };
    let day = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap().to_datetime(jiff::Timestamp::now()).date().tomorrow().unwrap().to_string();
    let before = app.inbox_count("+819012345678").await;
    let shipment = json!({"order_id": "A-1", "sub": sub, "amount": "150000", "currency": "JPY", "categories": ["general"],
        "destination": {"country": "JP", "time_zone": "Asia/Tokyo"}, "carrier": "yamato", "tracking_id": "T-1", "delivery_date": day});
    let registered = as_shop(reqwest::Method::POST, "/api/v1/service/deliveries".into(), Some(shipment.clone())).await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    check("post", "/api/v1/service/deliveries", &registered);
    let mut other = shipment.clone();
    (other["order_id"], other["tracking_id"], other["categories"]) = (json!("A-2"), json!("T-2"), json!(["books"]));
    let batch = as_shop(reqwest::Method::POST, "/api/v1/service/deliveries/batch".into(), Some(json!({"shipments": [shipment, other, {"order_id": "A-3"}]}))).await;
    assert_eq!((batch.status, batch.body["results"][0]["created"].as_bool(), batch.body["refused"].as_u64()), (200, Some(false), Some(1)), "{:?}", batch.body);
    check("post", "/api/v1/service/deliveries/batch", &batch);
    check("get", "/api/v1/service/deliveries/{tracking}", &as_shop(reqwest::Method::GET, "/api/v1/service/deliveries/T-1".into(), None).await);
    check("post", "/api/v1/service/deliveries/{tracking}/resend", &as_shop(reqwest::Method::POST, "/api/v1/service/deliveries/T-1/resend".into(), None).await);
    let code = app.code_after("+819012345678", before + 1).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = as_shop(reqwest::Method::POST, "/api/v1/service/deliveries/T-1/handover".into(), Some(json!({"code": wrong, "courier_id": "c1"}))).await;
    assert_eq!((refused.status, refused.body["code"].as_str()), (422, Some("code.invalid")), "{:?}", refused.body);
    check("get", "/api/v1/deliveries", &app.call("GET", "/api/v1/deliveries", Some(&token), None).await);
    check("post", "/api/v1/service/deliveries/{tracking}/handover", &as_shop(reqwest::Method::POST, "/api/v1/service/deliveries/T-1/handover".into(), Some(json!({"code": code, "courier_id": "c1"}))).await);
    app.shutdown().await;
}
