//! The SMTP e-mail provider (lettre): one text/plain UTF-8 message per outbox row,
//! sent through a pooled async transport to the relay named by a URL:
//!
//! - `smtp://[user:pass@]host[:port]`: no encryption (port 25 by default), for a relay
//!   on the same host or a development sink. Credentials are refused here unless the
//!   host is a loopback address: they would cross the network in clear.
//! - `smtp+starttls://[user:pass@]host[:port]`: STARTTLS, required (port 587).
//! - `smtps://[user:pass@]host[:port]`: implicit TLS (port 465).
//!
//! User and password are percent-decoded. TLS certificates are checked against the
//! Mozilla roots (`webpki-roots`). Every network operation times out after 10 s.
//!
//! The `Message-ID` is derived from the outbox message id, so a resend after a crash
//! between sending and recording it carries the same id and a receiving system can
//! drop the duplicate. Errors say what failed (the connection, TLS, a refused
//! recipient, …) and never contain the subject or the body, which may hold a code.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use lettre::message::{Mailbox, SinglePart};
use lettre::transport::smtp::AsyncSmtpTransportBuilder;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::{PoolConfig, SMTP_PORT, SUBMISSION_PORT, SUBMISSIONS_PORT};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use ninsho_domain::ports::OutboxMessage;
use secrecy::{ExposeSecret, SecretString};

use crate::render::Rendered;

/// How long one network operation (connect, TLS handshake, one SMTP command, the
/// message data) may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// How the connection to the relay is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// No encryption (`smtp://`).
    None,
    /// STARTTLS, refusing servers without it (`smtp+starttls://`).
    StartTls,
    /// TLS from the first byte (`smtps://`).
    Implicit,
}

impl Security {
    fn scheme(self) -> &'static str {
        match self {
            Security::None => "smtp",
            Security::StartTls => "smtp+starttls",
            Security::Implicit => "smtps",
        }
    }
}

/// The SMTP provider. Cheap to clone: clones share one transport and its pool.
#[derive(Clone)]
pub struct SmtpProvider {
    inner: Arc<Inner>,
}

struct Inner {
    host: String,
    port: u16,
    security: Security,
    from: Mailbox,
    /// The right-hand side of every `Message-ID`: the sender's domain.
    id_domain: String,
    builder: AsyncSmtpTransportBuilder,
    /// Built on first use, inside the runtime that sends: the pool spawns a
    /// clean-up task, which needs a Tokio runtime.
    transport: OnceLock<AsyncSmtpTransport<Tokio1Executor>>,
}

impl std::fmt::Debug for SmtpProvider {
    /// Where mail goes, never the credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpProvider")
            .field("relay", &format_args!("{}://{}:{}", self.inner.security.scheme(), self.inner.host, self.inner.port))
            .field("from", &self.inner.from.to_string())
            .finish_non_exhaustive()
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost") || bare.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn percent_decode(s: &str, what: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
            let Some(b) = hex else { return Err(format!("SMTP URL: bad percent-encoding in the {what}")) };
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("SMTP URL: the {what} is not UTF-8"))
}

impl SmtpProvider {
    /// A provider for the relay at `url` (see the module documentation), sending as
    /// `from` (`"Shop <no-reply@shop.example>"` or a bare address). Nothing is
    /// connected yet: a relay that is down shows as send errors, retried by the outbox.
    pub fn from_url(url: &str, from: &str) -> Result<SmtpProvider, String> {
        Self::from_url_and_login(url, from, None)
    }

    /// As `from_url`, with the login given apart from the URL (a user name and a
    /// password the operator keeps in a file of its own); it replaces any in the URL.
    pub fn from_url_and_login(url: &str, from: &str, login: Option<(&str, &SecretString)>) -> Result<SmtpProvider, String> {
        // Errors name the part that is wrong, never the URL itself (it may hold a password).
        let parsed = url::Url::parse(url).map_err(|e| format!("SMTP URL: {e}"))?;
        let security = match parsed.scheme() {
            "smtp" => Security::None,
            "smtp+starttls" => Security::StartTls,
            "smtps" => Security::Implicit,
            other => return Err(format!("SMTP URL: unknown scheme {other:?} (use smtp://, smtp+starttls:// or smtps://)")),
        };
        if parsed.query().is_some() || parsed.fragment().is_some() || !matches!(parsed.path(), "" | "/") {
            return Err("SMTP URL: only scheme, credentials, host and port are allowed".into());
        }
        let host = match parsed.host() {
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_string(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            _ => return Err("SMTP URL: no host".into()),
        };
        let port = parsed.port().unwrap_or(match security {
            Security::None => SMTP_PORT,
            Security::StartTls => SUBMISSION_PORT,
            Security::Implicit => SUBMISSIONS_PORT,
        });
        let credentials = match (login, parsed.username(), parsed.password()) {
            (Some((user, pass)), _, _) => Some(Credentials::new(user.to_string(), pass.expose_secret().to_string())),
            (None, "", None) => None,
            (None, user, pass) => Some(Credentials::new(percent_decode(user, "user name")?, percent_decode(pass.unwrap_or(""), "password")?)),
        };
        if credentials.is_some() && security == Security::None && !is_loopback(&host) {
            return Err("SMTP URL: credentials over unencrypted smtp:// are allowed only to a loopback host; use smtp+starttls:// or smtps://".into());
        }
        let from: Mailbox = from.parse().map_err(|e| format!("SMTP sender address {from:?}: {e}"))?;
        let id_domain = from.email.domain().to_string();

        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(port)
            .timeout(Some(TIMEOUT))
            .pool_config(PoolConfig::new().max_size(4).idle_timeout(Duration::from_secs(60)));
        if security != Security::None {
            let params = TlsParameters::new(host.clone()).map_err(|e| format!("SMTP TLS setup for {host}: {e}"))?;
            builder = builder.tls(if security == Security::StartTls { Tls::Required(params) } else { Tls::Wrapper(params) });
        }
        if let Some(c) = credentials {
            builder = builder.credentials(c);
        }
        Ok(SmtpProvider { inner: Arc::new(Inner { host, port, security, from, id_domain, builder, transport: OnceLock::new() }) })
    }

    /// The `Message-ID` of an outbox message: the same on every attempt.
    pub fn message_id(&self, m: &OutboxMessage) -> String {
        format!("<{}@{}>", m.id, self.inner.id_domain)
    }

    fn transport(&self) -> &AsyncSmtpTransport<Tokio1Executor> {
        self.inner.transport.get_or_init(|| self.inner.builder.clone().build())
    }

    /// Builds the message for `m`; errors never quote the subject or the body.
    fn message(&self, m: &OutboxMessage, r: &Rendered) -> Result<Message, String> {
        let to: Address = m.destination.parse().map_err(|e| format!("SMTP: the recipient address is not usable: {e}"))?;
        let mut b = Message::builder().from(self.inner.from.clone()).to(Mailbox::new(None, to)).message_id(Some(self.message_id(m)));
        if let Some(s) = &r.subject {
            b = b.subject(s.as_str());
        }
        b.singlepart(SinglePart::plain(r.body.clone())).map_err(|e| format!("SMTP: could not build the message: {}", e.to_string().chars().take(100).collect::<String>()))
    }

    pub async fn send(&self, m: &OutboxMessage, r: &Rendered) -> Result<(), String> {
        let message = self.message(m, r)?;
        match self.transport().send(message).await {
            Ok(_) => Ok(()),
            Err(e) => Err(self.describe(&e)),
        }
    }

    /// What went wrong, for the outbox's `last_error` and the log.
    fn describe(&self, e: &lettre::transport::smtp::Error) -> String {
        let relay = format!("{}:{}", self.inner.host, self.inner.port);
        let detail = server_text(&e.to_string());
        if e.is_timeout() {
            return format!("SMTP {relay}: timed out after {} s: {detail}", TIMEOUT.as_secs());
        }
        if e.is_tls() {
            return format!("SMTP {relay}: TLS failed: {detail}");
        }
        if let Some(code) = e.status() {
            let what = match code.to_string().as_str() {
                "550" | "551" | "553" => "the server refused the sender or recipient",
                "552" | "452" => "the server has no room for the message",
                "530" | "534" | "535" | "538" => "authentication failed or is required",
                "554" => "the server refused the message",
                "421" => "the server is closing the connection",
                "450" | "451" => "the server deferred the message",
                _ if e.is_transient() => "the server deferred the message",
                _ => "the server refused the message",
            };
            return format!("SMTP {relay}: {what} ({detail})");
        }
        if e.is_client() {
            // E.g. STARTTLS required but not offered, or no usable AUTH mechanism.
            return format!("SMTP {relay}: {detail}");
        }
        format!("SMTP {relay}: connection failed: {detail}")
    }
}

/// An error's text as safe to store: one line, bounded, and without any run of six or
/// more digits (a server quoting the message back must not leak a code).
fn server_text(s: &str) -> String {
    let one_line: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).take(300).collect();
    super::redact_digit_runs(&one_line, 6, "[digits]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ninsho_domain::types::{Channel, Locale, MessageId, UnixMillis};

    fn outbox(to: &str) -> OutboxMessage {
        OutboxMessage {
            id: MessageId::new(),
            account_id: None,
            template: "verify_email_code".into(),
            channel: Channel::Email,
            destination: to.into(),
            locale: Locale::Ja,
            payload: vec![],
            created_at: UnixMillis(0),
            quota_keys: vec![],
            attempts: 1,
            challenge: None,
            delivery: None,
        }
    }

    #[test]
    fn urls_select_security_and_default_ports() {
        let p = SmtpProvider::from_url("smtp://127.0.0.1:2525", "Shop <no-reply@shop.example>").unwrap();
        assert_eq!((p.inner.security, p.inner.port), (Security::None, 2525));
        let p = SmtpProvider::from_url("smtp+starttls://u:p%40ss@mail.example", "no-reply@shop.example").unwrap();
        assert_eq!((p.inner.security, p.inner.port), (Security::StartTls, 587));
        let p = SmtpProvider::from_url("smtps://mail.example", "no-reply@shop.example").unwrap();
        assert_eq!((p.inner.security, p.inner.port), (Security::Implicit, 465));
        assert_eq!(SmtpProvider::from_url("smtp://localhost", "a@b.example").unwrap().inner.port, 25);
        assert!(SmtpProvider::from_url("http://mail.example", "a@b.example").is_err());
        assert!(SmtpProvider::from_url("smtp://mail.example?tls=opportunistic", "a@b.example").is_err());
        assert!(SmtpProvider::from_url("smtp://mail.example", "not an address").is_err());
    }

    #[test]
    fn no_credentials_in_clear_to_a_remote_host_and_none_in_debug() {
        let e = SmtpProvider::from_url("smtp://user:hunter2@mail.example", "a@b.example").unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
        let p = SmtpProvider::from_url("smtp://user:hunter2@127.0.0.1:2525", "a@b.example").unwrap();
        let d = format!("{p:?}");
        assert!(!d.contains("hunter2") && d.contains("127.0.0.1:2525"), "{d}");
    }

    #[test]
    fn message_id_is_stable_and_subject_is_encoded() {
        let p = SmtpProvider::from_url("smtp://127.0.0.1:2525", "Shop <no-reply@shop.example>").unwrap();
        let m = outbox("user@example.com");
        assert_eq!(p.message_id(&m), format!("<{}@shop.example>", m.id));
        let r = Rendered { subject: Some("Shop: ログイン用ワンタイムパスワード".into()), body: "Shop ログイン:\n\n    123456\n".into() };
        let raw = String::from_utf8(p.message(&m, &r).unwrap().formatted()).unwrap();
        assert!(raw.contains(&format!("Message-ID: <{}@shop.example>", m.id)), "{raw}");
        assert!(raw.contains("Subject: Shop: =?utf-8?b?"), "{raw}");
        assert!(raw.contains("Content-Type: text/plain; charset=utf-8"), "{raw}");
        let again = String::from_utf8(p.message(&m, &r).unwrap().formatted()).unwrap();
        assert!(again.contains(&format!("Message-ID: <{}@shop.example>", m.id)), "a resend keeps the id");
    }

    #[test]
    fn errors_never_carry_a_code() {
        assert_eq!(server_text("550 5.1.1 <a@b> no such user"), "550 5.1.1 <a@b> no such user");
        assert_eq!(server_text("554 rejected: your code is 123456\r\n"), "554 rejected: your code is [digits]  ");
    }

    #[test]
    fn bad_recipient_error_does_not_quote_the_message() {
        let p = SmtpProvider::from_url("smtp://127.0.0.1:2525", "a@b.example").unwrap();
        let r = Rendered { subject: Some("secret subject".into()), body: "123456".into() };
        let e = p.message(&outbox("not an address"), &r).unwrap_err();
        assert!(!e.contains("secret") && !e.contains("123456"), "{e}");
    }
}
