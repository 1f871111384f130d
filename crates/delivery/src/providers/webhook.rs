//! A generic HTTP webhook for commercial SMS and voice gateways (and, if wanted, e-mail
//! relays): one signed JSON POST per message. Only transport lives here; rendering (the
//! voice script, SMS segments) happened before, and retry timing is the dispatcher's.
//!
//! The request:
//!
//! ```text
//! POST <url>
//! Content-Type: application/json
//! Idempotency-Key: <outbox message id>
//! X-Ninsho-Timestamp: <unix seconds>
//! X-Ninsho-Signature: v1=<lowercase hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
//!
//! {"id": "<message id>", "channel": "sms"|"voice"|"email", "to": "+81…", "locale": "ja",
//!  "template": "sign-in-code", "text": "<rendered body>", "subject": "<e-mail only>"}
//! ```
//!
//! Receivers check the signature with [`verify_signature`] (and should refuse stale
//! timestamps). A 2xx answer means sent; 4xx other than 408/429 is a permanent failure
//! (its text starts with [`PERMANENT`]); anything else, timeouts and connection errors
//! are temporary. Error texts never carry the message text (it may hold a code) nor
//! the URL (it may carry an API key).
//!
//! HTTPS needs this crate's `tls` feature (rustls with the ring provider and the webpki
//! roots); plain HTTP always works.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use ninsho_domain::ports::OutboxMessage;
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::render::Rendered;

/// Prefix of error texts for failures that a retry cannot fix.
pub const PERMANENT: &str = "permanent:";

/// Header names, for receivers.
pub const HEADER_IDEMPOTENCY_KEY: &str = "Idempotency-Key";
pub const HEADER_TIMESTAMP: &str = "X-Ninsho-Timestamp";
pub const HEADER_SIGNATURE: &str = "X-Ninsho-Signature";

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct WebhookProvider {
    url: reqwest::Url,
    secret: Arc<SecretString>,
    /// The official sender (NINSHO_SMS_FROM): the gateway sends from this number, so
    /// every provider shows the one sender the shopper was told to trust (F-OTP-4).
    from: String,
    client: reqwest::Client,
}

impl std::fmt::Debug for WebhookProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry an API key in its query: show where it goes, not how.
        f.debug_struct("WebhookProvider")
            .field("scheme", &self.url.scheme())
            .field("host", &self.url.host_str())
            .field("path", &self.url.path())
            .finish_non_exhaustive()
    }
}

impl WebhookProvider {
    /// A provider posting to `url`, signing with `secret`; `timeout` bounds both the
    /// connection and the whole request; `from` is the official sender every request
    /// names. The HTTP client is built once, here.
    pub fn new(url: &str, secret: SecretString, from: &str, timeout: Duration) -> Result<WebhookProvider, String> {
        let url = reqwest::Url::parse(url).map_err(|e| format!("webhook url: {e}"))?;
        match url.scheme() {
            "http" => {}
            "https" if cfg!(feature = "tls") => {}
            "https" => return Err("webhook url: https needs ninsho-delivery's `tls` feature".into()),
            other => return Err(format!("webhook url: unsupported scheme {other:?}")),
        }
        if secret.expose_secret().is_empty() {
            return Err("webhook secret is empty".into());
        }
        if timeout.is_zero() {
            return Err("webhook timeout must be positive".into());
        }
        if from.trim().is_empty() {
            return Err("webhook: the official sender (NINSHO_SMS_FROM) is empty".into());
        }
        let builder = reqwest::Client::builder()
            .connect_timeout(timeout)
            .timeout(timeout)
            // A signed POST is not re-sent elsewhere: a redirect is an answer (temporary).
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ninsho-webhook/", env!("CARGO_PKG_VERSION")));
        #[cfg(feature = "tls")]
        let builder = builder.tls_backend_preconfigured(tls::client_config()?);
        let client = builder.build().map_err(|e| format!("webhook client: {}", e.without_url()))?;
        Ok(WebhookProvider { url, secret: Arc::new(secret), from: from.trim().to_string(), client })
    }

    pub async fn send(&self, m: &OutboxMessage, r: &Rendered) -> Result<(), String> {
        let id = m.id.to_string();
        let body = request_body(&id, &self.from, m, r)?;
        let timestamp = unix_seconds().to_string();
        let signature = sign(self.secret.expose_secret().as_bytes(), &timestamp, &body);
        let sent = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(HEADER_IDEMPOTENCY_KEY, &id)
            .header(HEADER_TIMESTAMP, &timestamp)
            .header(HEADER_SIGNATURE, signature)
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Err("webhook: timed out".into()),
            Err(e) if e.is_connect() => return Err(format!("webhook: could not connect: {}", error_chain(&e))),
            Err(e) => return Err(format!("webhook: request failed: {}", error_chain(&e))),
        };
        // The answer's body is not read: a gateway may echo the text back.
        classify(response.status())
    }
}

/// The outcome of an HTTP status: 2xx sent; 4xx other than 408 and 429 permanent;
/// everything else temporary.
fn classify(status: reqwest::StatusCode) -> Result<(), String> {
    let code = status.as_u16();
    if status.is_success() {
        Ok(())
    } else if status.is_client_error() && code != 408 && code != 429 {
        Err(format!("{PERMANENT} webhook answered {code}"))
    } else {
        Err(format!("webhook answered {code}"))
    }
}

/// The error and its sources, without the URL.
fn error_chain(e: &reqwest::Error) -> String {
    let mut out = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&s.to_string());
        source = s.source();
    }
    if out.is_empty() { "unknown error".into() } else { out }
}

fn request_body(id: &str, from: &str, m: &OutboxMessage, r: &Rendered) -> Result<Vec<u8>, String> {
    let mut o = serde_json::Map::new();
    o.insert("id".into(), id.into());
    o.insert("from".into(), from.into());
    o.insert("channel".into(), m.channel.as_str().into());
    o.insert("to".into(), m.destination.as_str().into());
    o.insert("locale".into(), m.locale.as_str().into());
    o.insert("template".into(), m.template.as_str().into());
    o.insert("text".into(), r.body.as_str().into());
    if let Some(s) = &r.subject {
        o.insert("subject".into(), s.as_str().into());
    }
    serde_json::to_vec(&serde_json::Value::Object(o)).map_err(|_| "webhook: could not encode the request".to_string())
}

fn unix_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret).unwrap_or_else(|_| <HmacSha256 as Mac>::new(&Default::default()));
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `X-Ninsho-Signature` value for a request: `v1=` and the lowercase hex
/// HMAC-SHA256 of `"<timestamp>.<body>"`.
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    format!("v1={}", data_encoding::HEXLOWER.encode(&mac(secret, timestamp, body).finalize().into_bytes()))
}

/// Checks an `X-Ninsho-Signature` header against the timestamp header and the raw
/// body, in constant time. Several comma-separated signatures are accepted (during a
/// secret rotation); one `v1=` match is enough. Freshness of `timestamp` is the
/// receiver's to check.
pub fn verify_signature(secret: &[u8], timestamp: &str, body: &[u8], header: &str) -> bool {
    let expected = mac(secret, timestamp, body).finalize().into_bytes();
    let mut ok = subtle::Choice::from(0u8);
    for part in header.split(',') {
        let Some(hex) = part.trim().strip_prefix("v1=") else { continue };
        let Ok(given) = data_encoding::HEXLOWER_PERMISSIVE.decode(hex.as_bytes()) else { continue };
        if given.len() == expected.len() {
            ok |= given.as_slice().ct_eq(expected.as_slice());
        }
    }
    ok.into()
}

#[cfg(feature = "tls")]
pub(crate) mod tls {
    //! The TLS client configuration: rustls with the ring provider (the workspace's one
    //! crypto provider) and the webpki root certificates.

    pub(crate) fn client_config() -> Result<rustls::ClientConfig, String> {
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("webhook tls: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    //! Against a tiny HTTP/1.1 receiver on a loopback port.

    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use ninsho_domain::types::{Channel, Locale, MessageId, UnixMillis};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    const SECRET: &str = "s3cret-for-tests";
    const SENDER: &str = "+815053704545";

    #[derive(Clone, Debug)]
    struct Seen {
        headers: BTreeMap<String, String>,
        body: Vec<u8>,
    }

    /// Answers every request with `status` after `delay`, recording what it got.
    async fn receiver(status: u16, delay: Duration) -> (String, Arc<Mutex<Vec<Seen>>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook?api_key=KEY-IN-URL", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else { return };
                let log = log.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let (head_end, len) = loop {
                        let n = sock.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&buf[..i]).to_string();
                            let len = head
                                .lines()
                                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap()))
                                .unwrap_or(0);
                            break (i + 4, len);
                        }
                    };
                    while buf.len() < head_end + len {
                        let n = sock.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                    let headers = head.lines().skip(1).filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())).collect();
                    log.lock().unwrap().push(Seen { headers, body: buf[head_end..head_end + len].to_vec() });
                    tokio::time::sleep(delay).await;
                    // The answer echoes a secret-looking body: it must not reach the error text.
                    let answer = format!("HTTP/1.1 {status} X\r\ncontent-length: 12\r\nconnection: close\r\n\r\necho 123456");
                    let _ = sock.write_all(answer.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        (url, seen)
    }

    fn message(channel: Channel) -> (OutboxMessage, Rendered) {
        let m = OutboxMessage {
            id: MessageId::new(),
            account_id: None,
            template: "sign-in-code".into(),
            channel,
            destination: "+819012345678".into(),
            locale: Locale::Ja,
            payload: Vec::new(),
            created_at: UnixMillis(0),
            quota_keys: Vec::new(),
            attempts: 1,
            challenge: None,
            delivery: None,
        };
        let subject = (channel == Channel::Email).then(|| "Shop: code".to_string());
        (m, Rendered { subject, body: "Shop: 123456 code\n\n@shop.example #123456".into() })
    }

    fn provider(url: &str, timeout: Duration) -> WebhookProvider {
        WebhookProvider::new(url, SecretString::from(SECRET.to_string()), SENDER, timeout).unwrap()
    }

    #[tokio::test]
    async fn f_ops_3_a_sent_message_is_signed_json_with_an_idempotency_key() {
        let (url, seen) = receiver(202, Duration::ZERO).await;
        let p = provider(&url, Duration::from_secs(2));
        let (m, r) = message(Channel::Sms);
        p.send(&m, &r).await.unwrap();
        let s = seen.lock().unwrap()[0].clone();
        let ts = &s.headers["x-ninsho-timestamp"];
        let sig = &s.headers["x-ninsho-signature"];
        assert!(verify_signature(SECRET.as_bytes(), ts, &s.body, sig));
        assert!(sig.starts_with("v1=") && sig[3..].chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)) && sig.len() == 3 + 64);
        assert!(!verify_signature(b"other secret", ts, &s.body, sig));
        assert!(!verify_signature(SECRET.as_bytes(), "1", &s.body, sig));
        let mut tampered = s.body.clone();
        tampered[2] ^= 1;
        assert!(!verify_signature(SECRET.as_bytes(), ts, &tampered, sig));
        assert!(verify_signature(SECRET.as_bytes(), ts, &s.body, &format!("v1=00, {sig}")), "rotation lists");
        assert!(!verify_signature(SECRET.as_bytes(), ts, &s.body, "v1=zz"));
        assert!(!verify_signature(SECRET.as_bytes(), ts, &s.body, ""));
        let now = unix_seconds();
        let ts: u64 = ts.parse().unwrap();
        assert!(ts.abs_diff(now) <= 5);
        assert_eq!(s.headers["content-type"], "application/json");
        let v: serde_json::Value = serde_json::from_slice(&s.body).unwrap();
        assert_eq!(v["id"], m.id.to_string());
        assert_eq!(s.headers["idempotency-key"], m.id.to_string());
        assert_eq!(v["channel"], "sms");
        assert_eq!(v["to"], "+819012345678");
        assert_eq!(v["locale"], "ja");
        assert_eq!(v["template"], "sign-in-code");
        assert_eq!(v["text"], r.body);
        assert!(v.get("subject").is_none());
        // F-OTP-4: the gateway is told the official sender, like Kannel's `from`.
        assert_eq!(v["from"], SENDER);

        let (m, r) = message(Channel::Email);
        p.send(&m, &r).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&seen.lock().unwrap()[1].body).unwrap();
        assert_eq!((v["channel"].as_str(), v["subject"].as_str()), (Some("email"), Some("Shop: code")));
    }

    #[tokio::test]
    async fn f_ops_3_answers_are_sorted_into_sent_permanent_and_temporary() {
        let (m, r) = message(Channel::Voice);
        for (status, outcome) in [(200, "ok"), (204, "ok"), (400, "permanent"), (401, "permanent"), (404, "permanent"), (408, "temporary"), (429, "temporary"), (500, "temporary"), (503, "temporary"), (302, "temporary")] {
            let (url, seen) = receiver(status, Duration::ZERO).await;
            let got = provider(&url, Duration::from_secs(2)).send(&m, &r).await;
            assert_eq!(seen.lock().unwrap().len(), 1, "{status}: one request, no redirect followed");
            match (outcome, got) {
                ("ok", Ok(())) => {}
                ("permanent", Err(e)) => assert!(e.starts_with(PERMANENT) && e.contains(&status.to_string()), "{status}: {e}"),
                ("temporary", Err(e)) => {
                    assert!(!e.starts_with(PERMANENT) && e.contains(&status.to_string()), "{status}: {e}");
                    assert!(!e.contains("123456") && !e.contains("KEY-IN-URL"), "{e}");
                }
                (o, g) => panic!("{status}: expected {o}, got {g:?}"),
            }
        }
    }

    #[tokio::test]
    async fn f_ops_3_timeouts_and_refused_connections_are_temporary_and_say_nothing_secret() {
        let (m, r) = message(Channel::Sms);
        let (url, _) = receiver(200, Duration::from_secs(5)).await;
        let started = std::time::Instant::now();
        let e = provider(&url, Duration::from_millis(300)).send(&m, &r).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
        assert!(!e.starts_with(PERMANENT) && e.contains("timed out"), "{e}");

        // A port nothing listens on.
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = closed.local_addr().unwrap();
        drop(closed);
        let e = provider(&format!("http://{addr}/hook?api_key=KEY-IN-URL"), Duration::from_secs(1)).send(&m, &r).await.unwrap_err();
        assert!(!e.starts_with(PERMANENT) && e.contains("connect"), "{e}");
        assert!(!e.contains("123456") && !e.contains("KEY-IN-URL"), "{e}");
    }

    #[test]
    fn f_ops_3_configuration_is_checked_when_built() {
        let s = || SecretString::from(SECRET.to_string());
        assert!(WebhookProvider::new("not a url", s(), SENDER, Duration::from_secs(1)).is_err());
        assert!(WebhookProvider::new("ftp://gw.example/hook", s(), SENDER, Duration::from_secs(1)).is_err());
        assert!(WebhookProvider::new("http://gw.example/hook", SecretString::from(String::new()), SENDER, Duration::from_secs(1)).is_err());
        assert!(WebhookProvider::new("http://gw.example/hook", s(), SENDER, Duration::ZERO).is_err());
        assert!(WebhookProvider::new("http://gw.example/hook", s(), " ", Duration::from_secs(1)).is_err(), "a webhook without the official sender");
        assert_eq!(WebhookProvider::new("https://gw.example/hook", s(), SENDER, Duration::from_secs(1)).is_ok(), cfg!(feature = "tls"));
        let p = WebhookProvider::new("http://gw.example/hook?api_key=KEY-IN-URL", s(), SENDER, Duration::from_secs(1)).unwrap();
        let dbg = format!("{p:?}");
        assert!(!dbg.contains("KEY-IN-URL") && !dbg.contains(SECRET), "{dbg}");
    }

    #[test]
    fn f_ops_3_signature_matches_an_independent_computation() {
        // printf '%s' '1700000000.{"id":"x","text":"Shop: 123456"}' | openssl dgst -sha256 -hmac whsec_test
        let body = br#"{"id":"x","text":"Shop: 123456"}"#;
        let expected = "v1=72d9f5b6c4e22317838057acd037cd821ad0f04c3a5b086b4eca537c192cbfdd";
        assert_eq!(sign(b"whsec_test", "1700000000", body), expected);
        assert!(verify_signature(b"whsec_test", "1700000000", body, expected));
        assert!(verify_signature(b"whsec_test", "1700000000", body, &expected.to_ascii_uppercase().replace("V1=", "v1=")));
        assert!(!verify_signature(b"whsec_test", "1700000001", body, expected));
        assert!(!verify_signature(b"whsec_test", "1700000000", body, &expected[..expected.len() - 2]));
    }
}
