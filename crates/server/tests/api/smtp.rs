//! F-OPS-3: the SMTP e-mail provider (lettre) against a real SMTP server process
//! (Python aiosmtpd, `testkit/scripts/smtp_sink.py`): the e-mail arrives with the
//! right headers and text, its code signs the user in, and a relay that is down only
//! delays the message (it stays in the outbox with the error until a retry succeeds).

use std::time::Duration;

use ninsho_delivery::Provider;
use ninsho_delivery::providers::smtp::SmtpProvider;
use ninsho_testkit::smtp::{ParsedMail, SmtpSink, free_port};

use super::*;

const FROM: &str = "Shop <no-reply@shop.example>";
const WAIT: Duration = Duration::from_secs(10);

fn smtp_to(port: u16) -> Provider {
    Provider::Smtp(SmtpProvider::from_url(&format!("smtp://127.0.0.1:{port}"), FROM).unwrap())
}

/// The outbox row of the message to `to`: (id, status, attempts, last error).
async fn outbox_row(app: &TestApp, to: &str) -> (uuid::Uuid, String, i64, Option<String>) {
    const Q: &str = "select id, status, attempts, last_error from outbox where destination = $1 order by created_at desc limit 1";
    if app.db.url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
        let row: (uuid::Uuid, String, i64, Option<String>) = sqlx::query_as(Q).bind(to).fetch_one(&pool).await.unwrap();
        pool.close().await;
        row
    } else {
        let pool = sqlx::SqlitePool::connect(&app.db.url).await.unwrap();
        let (id, status, attempts, err): (Vec<u8>, String, i64, Option<String>) = sqlx::query_as(Q).bind(to).fetch_one(&pool).await.unwrap();
        pool.close().await;
        (uuid::Uuid::from_slice(&id).unwrap(), status, attempts, err)
    }
}

/// The outbox row of the message to `to` once it is marked sent (the sink has the
/// message a moment before the dispatcher records it).
async fn sent_row(app: &TestApp, to: &str) -> (uuid::Uuid, String, i64, Option<String>) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let row = outbox_row(app, to).await;
        if row.1 == "sent" {
            return row;
        }
        assert!(std::time::Instant::now() < deadline, "not marked sent: {row:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The subject the renderer gives an English e-mail confirmation code.
fn expected_subject() -> Option<String> {
    use ninsho_domain::messages::Template;
    use ninsho_domain::types::{Channel, Locale};
    let vars = [("issuer".to_string(), "Shop".to_string())].into_iter().collect();
    ninsho_delivery::render::render(Template::VerifyEmailCode, Locale::En, Channel::Email, &vars).subject
}

async fn sign_up(app: &TestApp, email: &str) -> String {
    let r = app.call("POST", "/api/v1/sign-up", None, Some(json!({"email": email, "password": PASSWORD, "locale": "en"}))).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    r.body["challenge_id"].as_str().unwrap().to_string()
}

/// The e-mail is complete and its code verifies the challenge.
async fn check_and_verify(app: &TestApp, mail: &ParsedMail, email: &str, cid: &str) {
    assert_eq!(mail.mail_from, "no-reply@shop.example");
    assert_eq!(mail.rcpt_to, vec![email.to_string()]);
    assert_eq!(mail.header("From"), Some(FROM));
    assert_eq!(mail.header("To"), Some(email));
    assert_eq!(mail.header("Subject"), expected_subject().as_deref());
    assert!(mail.header("Content-Type").is_some_and(|t| t.to_ascii_lowercase().starts_with("text/plain; charset=utf-8")), "{:?}", mail.headers);
    assert!(mail.header("Date").is_some());
    let id = sent_row(app, email).await.0;
    assert_eq!(mail.header("Message-ID"), Some(format!("<{id}@shop.example>").as_str()), "the outbox id is the idempotency key");
    assert!(mail.body.contains("Don't share it with anyone."), "{}", mail.body);
    let deny = format!("https://shop.example/deny/{}.", uuid::Uuid::parse_str(cid).unwrap().simple());
    assert!(mail.body.contains(&deny), "deny link {deny} in {}", mail.body);
    let code = code_in(&mail.body);
    let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code}))).await;
    assert_eq!(v.status, 200, "{:?}", v.body);
    assert!(v.body["session_token"].as_str().is_some_and(|t| !t.is_empty()), "{:?}", v.body);
}

#[tokio::test]
async fn f_ops_3_smtp_provider_delivers_through_a_real_smtp_server() {
    let sink = SmtpSink::start().unwrap();
    for b in backends().await {
        let port = sink.port;
        let app = spawn_app_with(b, |c| c.providers.email = smtp_to(port)).await;
        let email = unique_email();
        let cid = sign_up(&app, &email).await;
        let mail = sink.wait_for(&email, 0, WAIT).await.unwrap();
        check_and_verify(&app, &mail, &email, &cid).await;
        assert_eq!(sink.messages_to(&email).len(), 1, "{b:?}: sent once");
        assert!(inbox(&app.http, &app.url, &email).await.unwrap_or_default().is_empty(), "{b:?}: nothing in the dev inbox");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_ops_3_smtp_failure_is_retried_and_does_not_lose_the_message() {
    for b in backends().await {
        let port = free_port().unwrap();
        let app = spawn_app_with(b, |c| {
            c.providers.email = smtp_to(port);
            c.dispatch.retry_base_ms = 100;
            c.dispatch.retry_max_ms = 500;
        })
        .await;
        let email = unique_email();
        let cid = sign_up(&app, &email).await;

        // Nothing listens: the message stays pending with the failure recorded.
        let deadline = std::time::Instant::now() + WAIT;
        let (_, status, attempts, error) = loop {
            let row = outbox_row(&app, &email).await;
            if row.2 >= 1 && row.3.is_some() {
                break row;
            }
            assert!(std::time::Instant::now() < deadline, "{b:?}: no failed attempt recorded: {row:?}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        };
        assert_eq!(status, "pending", "{b:?}");
        assert!(attempts >= 1);
        let error = error.unwrap();
        assert!(error.contains(&format!("127.0.0.1:{port}")) && error.contains("connection"), "{b:?}: {error}");
        let subject = expected_subject().unwrap();
        assert!(!error.contains("Don't share") && !error.contains(&subject), "no subject or body in the error: {error}");
        assert!(app.running.db.count_outbox("pending").await.unwrap() >= 1, "{b:?}");

        // The relay comes up on that port: the next retry delivers.
        let sink = SmtpSink::start_on(port).unwrap();
        let mail = sink.wait_for(&email, 0, WAIT).await.unwrap();
        check_and_verify(&app, &mail, &email, &cid).await;
        let (_, _, attempts, error) = sent_row(&app, &email).await;
        assert_eq!(error, None, "{b:?}");
        assert!(attempts >= 2, "{b:?}: delivered by a retry ({attempts} attempts)");
        assert_eq!(app.running.db.count_outbox("pending").await.unwrap(), 0, "{b:?}");
        assert_eq!(sink.messages_to(&email).len(), 1, "{b:?}: sent once");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_ops_3_smtp_starttls_is_required_not_opportunistic() {
    use ninsho_delivery::render::Rendered;
    use ninsho_domain::ports::OutboxMessage;
    use ninsho_domain::types::{Channel, Locale, MessageId, UnixMillis};
    // The sink offers no STARTTLS: a `smtp+starttls://` relay must refuse to send in clear.
    let sink = SmtpSink::start().unwrap();
    let p = SmtpProvider::from_url(&format!("smtp+starttls://127.0.0.1:{}", sink.port), FROM).unwrap();
    let email = unique_email();
    let m = OutboxMessage {
        id: MessageId::new(),
        account_id: None,
        template: "verify_email_code".into(),
        channel: Channel::Email,
        destination: email.clone(),
        locale: Locale::En,
        payload: vec![],
        created_at: UnixMillis(0),
        quota_keys: vec![],
        attempts: 1,
        challenge: None,
        delivery: None,
    };
    let r = Rendered { subject: Some("Shop: code".into()), body: "Shop code:\n\n    654321\n".into() };
    let e = p.send(&m, &r).await.unwrap_err();
    assert!(e.contains("STARTTLS") && !e.contains("654321"), "{e}");
    assert!(sink.messages_to(&email).is_empty(), "nothing sent in clear");
}
