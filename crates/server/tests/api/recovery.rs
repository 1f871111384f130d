//! Locked out (F-OFF-3/4): the reset request with an identity document, support's
//! decision from the command line, and the notifications of both, on both backends.

use super::*;
use ninsho_testkit::pages::PageClient;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

fn request_body(email: &str, password: &str, file_name: &str, bytes: &[u8]) -> Value {
    json!({
        "email": email,
        "password": password,
        "doc_type": "passport",
        "document": {"file_name": file_name, "content_base64": data_encoding::BASE64.encode(bytes)},
    })
}

async fn admin(app: &TestApp, args: &[&str]) -> std::process::Output {
    admin_in(app, &TempDir::new().unwrap(), args).await
}

/// Runs `ninsho admin resets …` without blocking this test's runtime, which also
/// drives the server: a blocked runtime would hold the server's SQLite write
/// transaction open while the command waits for it.
async fn admin_in(app: &TestApp, data: &TempDir, args: &[&str]) -> std::process::Output {
    admin_with(app, data, args, &[]).await
}

/// As `admin_in`, with the server's settings in `env` (what `serve` reads).
async fn admin_with(app: &TestApp, data: &TempDir, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_ninsho"))
        .args(["admin", "resets"])
        .args(args)
        .args(["--database-url", &app.db.url, "--data-dir"])
        .arg(&data.path)
        .env("NINSHO_MASTER_KEY", TEST_MASTER_KEY)
        .env_remove("NINSHO_PUBLIC_URL")
        .env_remove("NINSHO_ISSUER")
        .envs(env.iter().copied())
        .output()
        .await
        .unwrap()
}

async fn stored_document(app: &TestApp, id: &str) -> Option<Vec<u8>> {
    let id = uuid::Uuid::parse_str(id).unwrap();
    if app.db.url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
        let v: Option<Vec<u8>> = sqlx::query_scalar("select document from reset_requests where id = $1").bind(id).fetch_one(&pool).await.unwrap();
        pool.close().await;
        v
    } else {
        let pool = sqlx::SqlitePool::connect(&app.db.url).await.unwrap();
        let v: Option<Vec<u8>> = sqlx::query_scalar("select document from reset_requests where id = $1").bind(id).fetch_one(&pool).await.unwrap();
        pool.close().await;
        v
    }
}

#[tokio::test]
async fn f_off_3_reset_request_seals_the_document_and_notifies_every_address() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let acct = two_sv_account(&app).await;
        let (mail_before, sms_before) = (app.inbox_count(&acct.email).await, app.inbox_count("+819012345678").await);
        let r = app.call("POST", "/api/v1/recovery/requests", None, Some(request_body(&acct.email, PASSWORD, "passport.pdf", PDF))).await;
        assert_eq!(r.status, 202, "{backend:?}: {:?}", r.body);
        let id = r.body["request_id"].as_str().unwrap().to_string();
        // Every address on file hears of it: the e-mail and the phone.
        assert!(app.inbox_latest(&acct.email, mail_before).await.contains("reset"), "{backend:?}");
        assert!(app.inbox_latest("+819012345678", sms_before).await.contains("reset"), "{backend:?}");
        // At rest the document is sealed: not a byte of the PDF in the column.
        let stored = stored_document(&app, &id).await.expect("document kept while pending");
        assert!(!stored.windows(8).any(|w| w == &PDF[..8]) && stored.len() > PDF.len(), "{backend:?}: sealed");
        // One open request at a time.
        let again = app.call("POST", "/api/v1/recovery/requests", None, Some(request_body(&acct.email, PASSWORD, "passport.pdf", PDF))).await;
        assert_eq!((again.status, again.body["code"].as_str()), (409, Some("recovery.already_pending")), "{backend:?}");
        // Wrong password and unknown address answer alike (F-SIGNIN-5).
        let wrong = app.call("POST", "/api/v1/recovery/requests", None, Some(request_body(&acct.email, "wrong password 123", "p.pdf", PDF))).await;
        let unknown = app.call("POST", "/api/v1/recovery/requests", None, Some(request_body(&unique_email(), PASSWORD, "p.pdf", PDF))).await;
        assert_eq!((wrong.status, &wrong.body["code"]), (401, &json!("auth.invalid_credentials")));
        assert_eq!((unknown.status, &unknown.body["code"]), (401, &json!("auth.invalid_credentials")));
        // A file that is not what its name says is refused before anything is stored.
        let exe = app.call("POST", "/api/v1/recovery/requests", None, Some(request_body(&acct.email, PASSWORD, "id.pdf", b"MZ\x90\x00\x03"))).await;
        assert_eq!((exe.status, &exe.body["code"]), (422, &json!("recovery.document_type")));
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_off_4_support_approves_then_the_password_alone_signs_in_and_the_document_is_gone() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let acct = two_sv_account(&app).await;
        let r = app.call("POST", "/api/v1/recovery/requests", None, Some(request_body(&acct.email, PASSWORD, "passport.pdf", PDF))).await;
        let id = r.body["request_id"].as_str().unwrap().to_string();

        let list = admin(&app, &["list"]).await;
        assert!(list.status.success(), "{}", String::from_utf8_lossy(&list.stderr));
        assert!(String::from_utf8_lossy(&list.stdout).contains(&id));
        assert!(String::from_utf8_lossy(&list.stdout).contains(&acct.email), "the queue names the account");
        let data = TempDir::new().unwrap();
        let doc = admin_in(&app, &data, &["document", &id, "--reviewer", "support-7"]).await;
        assert!(doc.status.success(), "{}", String::from_utf8_lossy(&doc.stderr));
        let copy = data.path.join("review").join(format!("{id}.pdf"));
        assert_eq!(std::fs::read(&copy).unwrap(), PDF, "the reviewer sees the document as uploaded");
        // The owner can see that support looked at the document.
        let hist = app.call("GET", "/api/v1/history?limit=100", Some(&acct.token), None).await;
        assert!(hist.body.to_string().contains("reset_document_viewed"), "{:?}", hist.body);

        let (mail_before, sms_before) = (app.inbox_count(&acct.email).await, app.inbox_count("+819012345678").await);
        let ok = admin_in(&app, &data, &["approve", &id, "--reviewer", "support-7"]).await;
        assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
        assert!(!copy.exists(), "the reviewer's copy goes with the decision");
        assert!(stored_document(&app, &id).await.is_none(), "{backend:?}: deleted with the decision");
        // The decision is final: a second one is one line on stderr and a failure.
        let twice = admin(&app, &["reject", &id, "--reason", "late", "--reviewer", "support-8"]).await;
        assert!(!twice.status.success());
        assert!(String::from_utf8_lossy(&twice.stderr).contains("already decided"), "{}", String::from_utf8_lossy(&twice.stderr));
        // 2SV is off: the password alone signs in; old sessions are gone.
        let s = sign_in(&app, &app.http, &acct.email, json!({})).await;
        assert_eq!(s.body["status"], "signed_in", "{backend:?}: {:?}", s.body);
        assert_eq!(app.call("GET", "/api/v1/account", Some(&acct.token), None).await.status, 401);
        // The CLI wrote the notices; the server's dispatcher sends them.
        app.running.services.outbox_signal.notify_waiters();
        assert!(app.inbox_latest(&acct.email, mail_before).await.contains("approved"));
        assert!(app.inbox_latest("+819012345678", sms_before).await.contains("approved"));
        app.shutdown().await;
    }
}

/// Issue 11.9: `ninsho admin …` reads what `serve` reads, so the notice an approval
/// sends links to the configured public URL and names the shop, not 127.0.0.1:8080.
#[tokio::test]
async fn f_msg_5_a_notice_an_admin_command_sends_links_to_the_public_url() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let acct = two_sv_account(&app).await;
        let r = app.call("POST", "/api/v1/recovery/requests", None, Some(request_body(&acct.email, PASSWORD, "passport.pdf", PDF))).await;
        let id = r.body["request_id"].as_str().unwrap().to_string();
        let (mail_before, sms_before) = (app.inbox_count(&acct.email).await, app.inbox_count("+819012345678").await);
        let data = TempDir::new().unwrap();
        let env = [("NINSHO_PUBLIC_URL", "https://login.shop.example"), ("NINSHO_ISSUER", "Shop Tokyo")];
        let ok = admin_with(&app, &data, &["approve", &id, "--reviewer", "support-7"], &env).await;
        assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
        app.running.services.outbox_signal.notify_waiters();
        let mail = app.inbox_latest(&acct.email, mail_before).await;
        assert!(mail.contains("approved"), "{backend:?}: {mail}");
        assert!(mail.contains("https://login.shop.example"), "{backend:?}: the public URL: {mail}");
        assert!(!mail.contains("127.0.0.1"), "{backend:?}: {mail}");
        let sms = app.inbox_latest("+819012345678", sms_before).await;
        assert!(sms.starts_with("Shop Tokyo: "), "{backend:?}: the shop's name first: {sms}");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_off_4_a_rejection_needs_a_reason_and_tells_the_user_why() {
    for backend in backends().await {
        let app = spawn_app(backend).await;
        let acct = two_sv_account(&app).await;
        let r = app.call("POST", "/api/v1/recovery/requests", None, Some(request_body(&acct.email, PASSWORD, "scan.png", b"\x89PNG\r\n\x1a\nrest"))).await;
        let id = r.body["request_id"].as_str().unwrap().to_string();
        let no_reason = admin(&app, &["reject", &id, "--reason", " ", "--reviewer", "support-7"]).await;
        assert!(!no_reason.status.success());
        let before = app.inbox_count(&acct.email).await;
        let rej = admin(&app, &["reject", &id, "--reason", "the document is unreadable", "--reviewer", "support-7"]).await;
        assert!(rej.status.success(), "{}", String::from_utf8_lossy(&rej.stderr));
        app.running.services.outbox_signal.notify_waiters();
        assert!(app.inbox_latest(&acct.email, before).await.contains("the document is unreadable"));
        // 2SV stays on.
        let s = sign_in(&app, &app.http, &acct.email, json!({})).await;
        assert_eq!(s.body["status"], "code_required", "{backend:?}");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_off_3_reset_requests_are_limited_per_client_address() {
    let app = spawn_app(Backend::Sqlite).await;
    let acct = two_sv_account(&app).await;
    // Five an hour from one address, whatever their outcome; the sixth is refused
    // before any password is hashed.
    for _ in 0..5 {
        let r = app.call("POST", "/api/v1/recovery/requests", None, Some(request_body(&acct.email, "wrong password 123", "p.pdf", PDF))).await;
        assert_eq!(r.status, 401, "{:?}", r.body);
    }
    let r = app.call("POST", "/api/v1/recovery/requests", None, Some(request_body(&acct.email, PASSWORD, "p.pdf", PDF))).await;
    assert_eq!((r.status, r.body["code"].as_str()), (429, Some("limit.address")), "{:?}", r.body);
    assert!(r.headers.contains_key("retry-after"));
    app.shutdown().await;
}

/// The page: a multipart form with the file, CSRF-checked, errors next to the field.
#[tokio::test]
async fn f_off_3_the_reset_request_page_takes_the_document_as_a_file() {
    let app = spawn_app_with(Backend::Sqlite, |c| c.policy.public_url = "http://127.0.0.1".into()).await;
    let acct = two_sv_account(&app).await;
    let mut c = PageClient::new(&app.url);
    let form = c.get("/recovery").await;
    assert!(form.html.contains("enctype=\"multipart/form-data\""));
    let post = |file_name: &'static str, bytes: &'static [u8], csrf: String, cookies: String| {
        let boundary = "ninshoBoundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (k, v) in [("csrf", csrf.as_str()), ("email", acct.email.as_str()), ("password", PASSWORD), ("doc_type", "passport")] {
            body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
        }
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend(bytes);
        body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
        let http = app.http.clone();
        let url = format!("{}/recovery", app.url);
        async move {
            let r = http.post(url).header("content-type", format!("multipart/form-data; boundary={boundary}")).header("cookie", cookies).body(body).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let cookies = c.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let (status, html) = post("id.pdf", b"<html>not a pdf", form.csrf(), cookies.clone()).await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"document-error\""), "{html}");
    let (status, _) = post("id.pdf", PDF, "forged".into(), cookies.clone()).await;
    assert_eq!(status, 403, "the CSRF token is checked on multipart forms too");
    let (status, html) = post("id.pdf", PDF, form.csrf(), cookies).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("id=\"done\""));
    app.shutdown().await;
}

/// A reset request holds up to 8 MB in memory while it is read, so at most four are
/// read at once, across the API and the page (F-OFF-3; item 9: bad input never takes
/// the server down). Four uploads that stall mid-body hold every place: a fifth waits,
/// other routes still answer, and the fifth goes on as soon as one stalled upload goes.
#[tokio::test]
async fn f_off_3_at_most_four_document_uploads_are_read_at_once() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app(Backend::Sqlite).await;
    let addr = app.url.trim_start_matches("http://").to_string();
    let stalled_upload = |path: &'static str, content_type: &'static str| {
        let addr = addr.clone();
        async move {
            let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
            let head = format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: 4000000\r\n\r\n");
            s.write_all(head.as_bytes()).await.unwrap();
            s.write_all(&[b'a'; 1000]).await.unwrap();
            s
        }
    };
    let mut stalled = Vec::new();
    for i in 0..4 {
        // Both doors share the limit: two through the API, two through the page.
        stalled.push(if i % 2 == 0 {
            stalled_upload("/api/v1/recovery/requests", "application/json").await
        } else {
            stalled_upload("/recovery", "multipart/form-data; boundary=x").await
        });
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let fifth = {
        let http = app.http.clone();
        let url = format!("{}/api/v1/recovery/requests", app.url);
        tokio::spawn(async move { http.post(url).json(&json!({"email": "x@example.com"})).send().await.map(|r| r.status().as_u16()) })
    };
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert!(!fifth.is_finished(), "a fifth upload was read while four were");
    let health = app.http.get(format!("{}/health", app.url)).send().await.unwrap();
    assert_eq!(health.status(), 200, "other routes answer meanwhile");

    // One stalled upload goes away: its place goes to the fifth.
    drop(stalled.pop());
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), fifth).await.expect("the fifth upload still waits").unwrap().unwrap();
    assert_eq!(status, 422, "the fifth request was read and refused for its content");
    for mut s in stalled {
        let _ = s.shutdown().await;
        let mut rest = Vec::new();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), s.read_to_end(&mut rest)).await;
    }
    app.shutdown().await;
}

/// The reset request page (F-OFF-3, issue 11.10): empty input is named next to its
/// field, the page says what the document must show and what to hide, and the
/// confirmation gives a reference number that support's list carries.
#[tokio::test]
async fn f_off_3_the_reset_request_page_names_empty_fields_guides_the_document_and_gives_a_reference() {
    let app = spawn_app_with(Backend::Sqlite, |c| c.policy.public_url = "http://127.0.0.1".into()).await;
    let acct = two_sv_account(&app).await;
    let mut c = super::pages::page_client(&app, ninsho_domain::types::Locale::Ja);
    let form = c.get("/recovery").await;
    assert!(form.text_of("document-guidance").is_some_and(|g| g.contains("氏名") && g.contains("隠して")), "{}", form.html);
    let cookies = c.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let post = |fields: Vec<(&'static str, String)>, file: Option<&'static [u8]>| {
        let boundary = "ninshoBoundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        let mut all = vec![("csrf", form.csrf())];
        all.extend(fields);
        for (k, v) in &all {
            body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
        }
        let (name, bytes): (&str, &[u8]) = match file {
            Some(b) => ("id.pdf", b),
            None => ("", b""),
        };
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend(bytes);
        body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
        let (http, url, cookies) = (app.http.clone(), format!("{}/recovery", app.url), cookies.clone());
        async move {
            let r = http.post(url).header("content-type", format!("multipart/form-data; boundary={boundary}")).header("cookie", cookies).header("accept-language", "ja").body(body).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let email = acct.email.clone();
    for (fields, file, field) in [
        (vec![("email", String::new()), ("password", String::new()), ("doc_type", "passport".to_string())], Some(PDF), "email"),
        (vec![("email", email.clone()), ("password", String::new()), ("doc_type", "passport".to_string())], Some(PDF), "password"),
        (vec![("email", email.clone()), ("password", PASSWORD.to_string()), ("doc_type", "passport".to_string())], None, "document"),
    ] {
        let (status, html) = post(fields, file).await;
        assert_eq!(status, 422, "{field}: {html}");
        assert!(html.contains(&format!("id=\"{field}-error\"")), "the message is next to {field}: {html}");
        assert!(!html.contains("id=\"done\""));
    }
    let (status, html) = post(vec![("email", email), ("password", PASSWORD.to_string()), ("doc_type", "passport".to_string())], Some(PDF)).await;
    assert_eq!(status, 200, "{html}");
    let at = html.find("id=\"reference\">").expect("a reference number") + "id=\"reference\">".len();
    let reference = &html[at..at + 14];
    assert!(reference.chars().filter(|c| *c == '-').count() == 2, "{reference}");
    // Support's list carries it: whole ids end with the reference.
    let out = admin(&app, &["list"]).await;
    let list = String::from_utf8_lossy(&out.stdout).to_uppercase();
    assert!(list.lines().any(|l| l.split('\t').next().is_some_and(|id| id.replace('-', "").ends_with(&reference.replace('-', "")))), "{reference} in {list}");
    app.shutdown().await;
}

/// The owner's notice of a reset request carries a link that cancels it (F-OFF-3,
/// issue 11.10): opening it only shows a button; the button deletes the document and
/// ends the request; the link works once; support's list says it was cancelled.
#[tokio::test]
async fn f_off_3_the_owners_notice_cancels_the_reset_request() {
    for backend in backends().await {
        let app = spawn_app_with(backend, |c| c.policy.public_url = "http://127.0.0.1".into()).await;
        let acct = two_sv_account(&app).await;
        let (mails, texts) = (app.inbox_count(&acct.email).await, app.inbox_count("+819012345678").await);
        let r = app.call("POST", "/api/v1/recovery/requests", None, Some(request_body(&acct.email, PASSWORD, "passport.pdf", PDF))).await;
        assert_eq!(r.status, 202, "{backend:?}: {:?}", r.body);
        let id = r.body["request_id"].as_str().unwrap().to_string();
        let notice = app.inbox_latest(&acct.email, mails).await;
        let sms = app.inbox_latest("+819012345678", texts).await;
        let link = |m: &str| m.split_whitespace().find(|w| w.contains("/recovery/cancel/")).map(|w| w[w.find("/recovery/cancel/").unwrap()..].to_string());
        let path = link(&notice).unwrap_or_else(|| panic!("a cancel link in {notice}"));
        assert_eq!(link(&sms).as_deref(), Some(path.as_str()), "the SMS notice carries it too: {sms}");

        let mut c = super::pages::page_client(&app, ninsho_domain::types::Locale::Ja);
        let page = c.get(&path).await;
        assert_eq!(page.status, 200);
        assert!(page.html.contains("id=\"link-submit\""), "a button, not an action on GET");
        assert!(stored_document(&app, &id).await.is_some(), "opening the link changes nothing");
        let done = c.post(&path, &page, &[]).await;
        assert!(done.html.contains("id=\"done\""), "{}", done.html);
        assert!(stored_document(&app, &id).await.is_none(), "{backend:?}: the document is deleted");
        let again = c.post(&path, &page, &[]).await;
        assert_eq!(again.status, 409);
        // A forged link is refused.
        let forged = format!("{}x", &path[..path.len() - 1]);
        assert!(c.get(&forged).await.status < 500);
        let bad = c.post(&forged, &page, &[]).await;
        assert_eq!(bad.status, 422);

        let out = admin(&app, &["list", "--status", "all"]).await;
        let list = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(list.lines().any(|l| l.starts_with(&id) && l.split('\t').nth(1) == Some("cancelled")), "{list}");
        let history = app.call("GET", "/api/v1/history", Some(&acct.token), None).await;
        assert!(history.body["history"].as_array().unwrap().iter().any(|e| e["kind"] == "reset_cancelled"), "{:?}", history.body);
        app.shutdown().await;
    }
}
