//! SMS through a Kannel gateway's `sendsms` HTTP interface (smsbox).
//!
//! One `GET {sendsms_url}?username=…&password=…&from=…&to=…&text=…&charset=UTF-8&coding=…`
//! per message: the text goes in as UTF-8 and Kannel puts it on the air as GSM-7
//! (`coding=0`) when every character fits the GSM 03.38 alphabet, else as UCS-2
//! (`coding=2`); see [`crate::sms`]. No `dlr-url` is requested. The outbox message id
//! travels in `binfo`, which Kannel keeps with the message and writes to its access
//! log, so a gateway-side record can be traced back to the outbox.
//!
//! Kannel answers `0: Accepted for delivery` or `3: Queued for later delivery` (HTTP
//! 202/200) on success; anything else is an error whose text names the HTTP status
//! and Kannel's answer, never the message text or the password.
//!
//! Plain HTTP suits a gateway on the same host or network; an `https` sendsms URL needs
//! this crate's `tls` feature (rustls with ring, as for webhooks).
//!
//! Long texts are split by Kannel itself: its `sendsms-user` group must allow it
//! (`max-messages`, e.g. 10, and `concatenation = true`), else Kannel truncates the
//! text to one SMS and the `@host #code` line at its end is lost.

use std::time::Duration;

use ninsho_domain::ports::OutboxMessage;
use secrecy::{ExposeSecret, SecretString};

use crate::render::Rendered;
use crate::sms;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const TOTAL_TIMEOUT: Duration = Duration::from_secs(10);
/// Kannel's answers are one short line; more is not read.
const MAX_ANSWER: usize = 4096;
/// At most this much of the answer goes into an error.
const MAX_ANSWER_IN_ERROR: usize = 160;

#[derive(Clone, Debug)]
pub struct KannelProvider {
    client: reqwest::Client,
    url: reqwest::Url,
    username: String,
    password: SecretString,
    from: String,
}

impl KannelProvider {
    /// `sendsms_url` is smsbox's sendsms address, e.g.
    /// `http://127.0.0.1:13013/cgi-bin/sendsms`; `from` the sender number or name.
    pub fn new(sendsms_url: &str, username: &str, password: SecretString, from: &str) -> Result<KannelProvider, String> {
        let url = reqwest::Url::parse(sendsms_url).map_err(|e| format!("kannel: bad sendsms url: {e}"))?;
        match url.scheme() {
            "http" => {}
            "https" if cfg!(feature = "tls") => {}
            "https" => return Err("kannel: an https sendsms url needs ninsho-delivery's `tls` feature".into()),
            _ => return Err("kannel: the sendsms url must be http(s)://host[:port]/path".into()),
        }
        if url.host_str().is_none() {
            return Err("kannel: the sendsms url has no host".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("kannel: put the credentials in username/password, not in the sendsms url".into());
        }
        if username.is_empty() {
            return Err("kannel: the sendsms username is empty".into());
        }
        if from.trim().is_empty() {
            return Err("kannel: the sender (from) is empty".into());
        }
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TOTAL_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none());
        // With reqwest's rustls backend compiled in (feature `tls`), a client without a
        // preconfigured TLS setup would panic for want of a crypto provider.
        #[cfg(feature = "tls")]
        let client = client.tls_backend_preconfigured(tls_config()?);
        let client = client.build().map_err(|e| format!("kannel: http client: {}", e.without_url()))?;
        Ok(KannelProvider { client, url, username: username.to_string(), password, from: from.to_string() })
    }

    /// The request URL for one message (it holds the password and the text: never log it).
    fn request_url(&self, m: &OutboxMessage, text: &str, coding: u8) -> reqwest::Url {
        let mut url = self.url.clone();
        url.query_pairs_mut()
            .append_pair("username", &self.username)
            .append_pair("password", self.password.expose_secret())
            .append_pair("from", &self.from)
            .append_pair("to", &m.destination)
            .append_pair("text", text)
            .append_pair("charset", "UTF-8")
            .append_pair("coding", &coding.to_string())
            .append_pair("binfo", &m.id.to_string());
        url
    }

    pub async fn send(&self, m: &OutboxMessage, r: &Rendered) -> Result<(), String> {
        let (encoding, parts) = sms::segments(&r.body);
        tracing::debug!(message = %m.id, ?encoding, parts, "kannel: sending SMS");
        let url = self.request_url(m, &r.body, encoding.kannel_coding());
        let result = self.client.get(url).send().await;
        let mut res = match result {
            Ok(res) => res,
            Err(e) => return Err(self.scrub(&format!("kannel: {}", describe(e)), &r.body)),
        };
        let status = res.status();
        let mut answer = Vec::new();
        loop {
            match res.chunk().await {
                Ok(Some(chunk)) => {
                    answer.extend_from_slice(&chunk);
                    if answer.len() >= MAX_ANSWER {
                        answer.truncate(MAX_ANSWER);
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(self.scrub(&format!("kannel: HTTP {}: reading the answer: {}", status.as_u16(), describe(e)), &r.body)),
            }
        }
        let answer = String::from_utf8_lossy(&answer);
        let answer = answer.trim();
        let accepted = answer.starts_with("0:") || answer.starts_with("3:");
        if matches!(status.as_u16(), 200 | 202) && accepted {
            return Ok(());
        }
        let shown: String = answer.chars().map(|c| if c.is_control() { ' ' } else { c }).take(MAX_ANSWER_IN_ERROR).collect();
        let shown = if shown.is_empty() { "(empty answer)".to_string() } else { shown };
        Err(self.scrub(&format!("kannel: HTTP {}: {}", status.as_u16(), shown), &r.body))
    }

    /// Removes the password and the message text (or any digits that could be its
    /// code) from an error before it is stored in the outbox's `last_error`.
    fn scrub(&self, error: &str, text: &str) -> String {
        let mut s = error.to_string();
        let pw = self.password.expose_secret();
        if !pw.is_empty() {
            s = s.replace(pw, "[password]");
        }
        if !text.is_empty() {
            s = s.replace(text, "[text]");
        }
        redact_digit_runs(&s)
    }
}

/// rustls with the ring provider (the workspace's one crypto provider) and the webpki
/// roots, for an https sendsms url.
#[cfg(feature = "tls")]
fn tls_config() -> Result<rustls::ClientConfig, String> {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("kannel: tls: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// A transport error without its URL (which holds the password and the text).
fn describe(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    let mut out = kind.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Replaces every run of five or more digits (a code could be one) with `…`; HTTP
/// statuses, ports below 10000 and Kannel's answer numbers stay readable.
fn redact_digit_runs(s: &str) -> String {
    super::redact_digit_runs(s, 5, "…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ninsho_domain::types::{Channel, Locale, MessageId, UnixMillis};

    fn provider() -> KannelProvider {
        KannelProvider::new("http://127.0.0.1:13013/cgi-bin/sendsms", "ninsho", SecretString::from("s3cret pw".to_string()), "+815053704545").unwrap()
    }

    fn message() -> OutboxMessage {
        OutboxMessage {
            id: MessageId::new(),
            account_id: None,
            template: "sign_in_code".into(),
            channel: Channel::Sms,
            destination: "+819012345678".into(),
            locale: Locale::Ja,
            payload: Vec::new(),
            created_at: UnixMillis(0),
            quota_keys: Vec::new(),
            attempts: 0,
            challenge: None,
            delivery: None,
        }
    }

    #[test]
    fn f_otp_7_the_request_carries_everything_kannel_needs_and_no_dlr_url() {
        let p = provider();
        let m = message();
        let url = p.request_url(&m, "ログイン 123456\n\n@shop.example #123456", 2);
        let q: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(url.path(), "/cgi-bin/sendsms");
        assert_eq!(get("username"), Some("ninsho"));
        assert_eq!(get("password"), Some("s3cret pw"));
        assert_eq!(get("from"), Some("+815053704545"));
        assert_eq!(get("to"), Some("+819012345678"));
        assert_eq!(get("text"), Some("ログイン 123456\n\n@shop.example #123456"));
        assert_eq!(get("charset"), Some("UTF-8"));
        assert_eq!(get("coding"), Some("2"));
        assert_eq!(get("binfo"), Some(m.id.to_string().as_str()));
        assert!(get("dlr-url").is_none() && get("dlr-mask").is_none());
    }

    #[test]
    fn f_otp_7_errors_never_hold_the_text_the_code_or_the_password() {
        let p = provider();
        let text = "Shop: 123456 sign-in code\n\n@shop.example #123456";
        let e = p.scrub(&format!("kannel: HTTP 403: bad s3cret pw {text} 123456"), text);
        assert!(!e.contains("s3cret"), "{e}");
        assert!(!e.contains("123456"), "{e}");
        assert!(!e.contains("sign-in code"), "{e}");
        assert!(e.starts_with("kannel: HTTP 403: "), "{e}");
        assert_eq!(redact_digit_runs("HTTP 503 port 8080 code 654321"), "HTTP 503 port 8080 code …");
    }

    #[test]
    fn f_otp_7_a_bad_configuration_is_refused() {
        let pw = || SecretString::from("x".to_string());
        assert!(KannelProvider::new("not a url", "u", pw(), "+1").is_err());
        assert!(KannelProvider::new("ftp://h/cgi-bin/sendsms", "u", pw(), "+1").is_err());
        assert_eq!(KannelProvider::new("https://h/cgi-bin/sendsms", "u", pw(), "+1").is_ok(), cfg!(feature = "tls"));
        assert!(KannelProvider::new("http://u:p@h/cgi-bin/sendsms", "u", pw(), "+1").is_err());
        assert!(KannelProvider::new("http://h/cgi-bin/sendsms", "", pw(), "+1").is_err());
        assert!(KannelProvider::new("http://h/cgi-bin/sendsms", "u", pw(), " ").is_err());
    }

    #[tokio::test]
    async fn f_otp_7_an_unreachable_gateway_is_an_error_without_secrets() {
        // A port nothing listens on: bind, note it, close.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let p = KannelProvider::new(&format!("http://127.0.0.1:{port}/cgi-bin/sendsms"), "ninsho", SecretString::from("s3cret".to_string()), "+815053704545").unwrap();
        let r = Rendered { subject: None, body: "Shop: 123456 code\n\n@shop.example #123456".into() };
        let e = p.send(&message(), &r).await.unwrap_err();
        assert!(e.starts_with("kannel: "), "{e}");
        assert!(!e.contains("s3cret") && !e.contains("123456") && !e.contains("sendsms?"), "{e}");
    }
}
