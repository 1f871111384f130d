//! A real SMTP server for tests: `scripts/smtp_sink.py` (Python aiosmtpd) on a
//! loopback port, writing every message it accepts to a directory, and a minimal
//! reader for those files (headers with RFC 2047 words decoded, the text body with
//! its quoted-printable or base64 transfer encoding undone).
//!
//! The interpreter is `$NINSHO_TEST_PYTHON` if set, else `/usr/bin/python3` (Debian's
//! `python3-aiosmtpd` package provides the module), else
//! `$HOME/.cache/ninsho-venv/bin/python`, else `python3` from the `PATH`.

use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::TempDir;

/// How long the sink may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(10);

pub struct SmtpSink {
    pub port: u16,
    /// Where the sink writes one `.eml` file per message.
    pub dir: PathBuf,
    child: Child,
    log: PathBuf,
    _tmp: TempDir,
}

/// One received message.
#[derive(Clone, Debug)]
pub struct ParsedMail {
    /// The envelope sender (`MAIL FROM`).
    pub mail_from: String,
    /// The envelope recipients (`RCPT TO`).
    pub rcpt_to: Vec<String>,
    /// Header fields in order, unfolded, encoded words decoded; the sink's own
    /// envelope lines are not among them.
    pub headers: Vec<(String, String)>,
    /// The body, transfer encoding undone, as UTF-8 with `\n` line ends.
    pub body: String,
    /// The message as received (after the sink's envelope lines).
    pub raw: Vec<u8>,
}

impl ParsedMail {
    /// The first header field of this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> anyhow::Result<u16> {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("binding 127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("NINSHO_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let system = PathBuf::from("/usr/bin/python3");
    if system.exists() {
        return system;
    }
    if let Some(home) = std::env::var_os("HOME") {
        let venv = PathBuf::from(home).join(".cache/ninsho-venv/bin/python");
        if venv.exists() {
            return venv;
        }
    }
    PathBuf::from("python3")
}

impl SmtpSink {
    /// Starts a sink on a free port.
    pub fn start() -> anyhow::Result<SmtpSink> {
        SmtpSink::start_on(free_port()?)
    }

    /// Starts a sink on `port` and waits (at most 10 s) until it accepts connections.
    pub fn start_on(port: u16) -> anyhow::Result<SmtpSink> {
        let tmp = TempDir::new()?;
        let dir = tmp.path.join("mail");
        std::fs::create_dir_all(&dir)?;
        let log = tmp.path.join("sink.log");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/smtp_sink.py");
        let python = python();
        let log_file = std::fs::File::create(&log)?;
        let child = Command::new(&python)
            .arg(&script)
            .arg(port.to_string())
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("starting {} {}", python.display(), script.display()))?;
        let mut sink = SmtpSink { port, dir, child, log, _tmp: tmp };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = sink.child.try_wait()? {
                bail!(
                    "the SMTP sink exited ({status}) before listening on port {port} (is aiosmtpd installed? Debian: apt-get install python3-aiosmtpd): {}",
                    sink.log_text()
                );
            }
            if TcpStream::connect_timeout(&SocketAddr::from((Ipv4Addr::LOCALHOST, port)), Duration::from_millis(200)).is_ok() {
                return Ok(sink);
            }
            if Instant::now() > deadline {
                bail!("the SMTP sink did not listen on port {port} within {START_TIMEOUT:?}: {}", sink.log_text());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    fn log_text(&self) -> String {
        let mut s = String::new();
        let _ = std::fs::File::open(&self.log).and_then(|mut f| f.read_to_string(&mut s));
        s
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<ParsedMail> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        let mut names: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "eml")).collect();
        names.sort();
        names.iter().filter_map(|p| std::fs::read(p).ok()).map(|b| parse(&b)).collect()
    }

    /// The messages whose envelope names `addr` as a recipient, oldest first.
    pub fn messages_to(&self, addr: &str) -> Vec<ParsedMail> {
        self.messages().into_iter().filter(|m| m.rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(addr))).collect()
    }

    /// Waits (at most `timeout`) until `addr` has more than `after` messages; returns
    /// the newest.
    pub async fn wait_for(&self, addr: &str, after: usize, timeout: Duration) -> anyhow::Result<ParsedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let mut msgs = self.messages_to(addr);
            if msgs.len() > after
                && let Some(m) = msgs.pop()
            {
                return Ok(m);
            }
            if Instant::now() > deadline {
                bail!("no message for {addr} in the SMTP sink after {timeout:?} ({} messages in all)", self.messages().len());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for SmtpSink {
    /// SIGTERM (the sink stops its server and exits), then SIGKILL after 2 s.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            // Not reaped yet, so the pid still names our child.
            let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).stdout(Stdio::null()).stderr(Stdio::null()).status();
            let deadline = Instant::now() + Duration::from_secs(2);
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Parses a file the sink wrote: its envelope lines, then an RFC 5322 message with a
/// single text part.
pub fn parse(file: &[u8]) -> ParsedMail {
    let (head, body) = split_head(file);
    let mut mail_from = String::new();
    let mut rcpt_to = Vec::new();
    let mut headers = Vec::new();
    for (name, value) in unfold(head) {
        if name.eq_ignore_ascii_case("X-Sink-Mail-From") {
            mail_from = value;
        } else if name.eq_ignore_ascii_case("X-Sink-Rcpt-To") {
            rcpt_to.push(value);
        } else {
            headers.push((name, decode_words(&value)));
        }
    }
    let raw = strip_envelope(file);
    let cte = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("Content-Transfer-Encoding")).map(|(_, v)| v.trim().to_ascii_lowercase()).unwrap_or_default();
    let decoded = match cte.as_str() {
        "base64" => base64(body),
        "quoted-printable" => quoted_printable(body),
        _ => body.to_vec(),
    };
    let body = String::from_utf8_lossy(&decoded).replace("\r\n", "\n");
    ParsedMail { mail_from, rcpt_to, headers, body, raw }
}

/// The message without the sink's `X-Sink-*` lines in front.
fn strip_envelope(file: &[u8]) -> Vec<u8> {
    let mut rest = file;
    while rest.starts_with(b"X-Sink-") {
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => rest = &rest[i + 1..],
            None => return Vec::new(),
        }
    }
    rest.to_vec()
}

/// (header block, body) split at the first empty line.
fn split_head(m: &[u8]) -> (&[u8], &[u8]) {
    for (sep, len) in [(&b"\r\n\r\n"[..], 4), (&b"\n\n"[..], 2)] {
        if let Some(i) = m.windows(len).position(|w| w == sep) {
            return (&m[..i], &m[i + len..]);
        }
    }
    (m, &[])
}

/// Header fields, continuation lines joined.
fn unfold(head: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(head);
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)) {
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = fields.last_mut() {
                v.push(' ');
                v.push_str(line.trim_start());
            }
        } else if let Some((n, v)) = line.split_once(':') {
            fields.push((n.trim().to_string(), v.trim().to_string()));
        }
    }
    fields
}

/// Decodes RFC 2047 encoded words (UTF-8 and US-ASCII; others are left as they are).
/// Whitespace between two adjacent encoded words is dropped, as the RFC says.
pub fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut pending_space = String::new();
    let mut last_was_word = false;
    while !rest.is_empty() {
        if let Some((decoded, len)) = rest.strip_prefix("=?").and_then(|_| encoded_word(rest)) {
            if !last_was_word {
                out.push_str(&pending_space);
            }
            pending_space.clear();
            out.push_str(&decoded);
            rest = &rest[len..];
            last_was_word = true;
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        if c == ' ' || c == '\t' {
            pending_space.push(c);
        } else {
            out.push_str(&pending_space);
            pending_space.clear();
            out.push(c);
            last_was_word = false;
        }
        rest = &rest[c.len_utf8()..];
    }
    out.push_str(&pending_space);
    out
}

/// One `=?charset?enc?text?=` at the start of `s`: (decoded, length in `s`).
fn encoded_word(s: &str) -> Option<(String, usize)> {
    let inner = s.get(2..)?;
    let (charset, rest) = inner.split_once('?')?;
    let (enc, rest) = rest.split_once('?')?;
    let end = rest.find("?=")?;
    let text = &rest[..end];
    let charset = charset.split('*').next().unwrap_or(charset).to_ascii_lowercase();
    if !matches!(charset.as_str(), "utf-8" | "us-ascii") || text.contains(' ') {
        return None;
    }
    let bytes = match enc {
        "B" | "b" => base64(text.as_bytes()),
        "Q" | "q" => quoted_printable(text.replace('_', " ").as_bytes()),
        _ => return None,
    };
    let len = 2 + charset.len() + 1 + enc.len() + 1 + end + 2;
    Some((String::from_utf8_lossy(&bytes).into_owned(), len))
}

/// Base64, ignoring whitespace and anything after the padding.
pub fn base64(input: &[u8]) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in input {
        if c == b'=' {
            break;
        }
        let Some(v) = value(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Quoted-printable: `=XX` bytes and soft line breaks (`=` at the end of a line).
pub fn quoted_printable(input: &[u8]) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'=' {
            if input[i + 1..].starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if input[i + 1..].starts_with(b"\n") {
                i += 2;
                continue;
            }
            if let (Some(h), Some(l)) = (input.get(i + 1).and_then(|&c| hex(c)), input.get(i + 2).and_then(|&c| hex(c))) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(input[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_sink_file_format() {
        let file = b"X-Sink-Mail-From: a@b.example\r\nX-Sink-Rcpt-To: c@d.example\r\nFrom: Shop <a@b.example>\r\nSubject: Shop: =?utf-8?b?44Ot44Kw44Kk44Oz?=\r\n =?utf-8?b?55So?=\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nDon=E2=80=99t sh=\r\nare\r\n";
        let m = parse(file);
        assert_eq!(m.mail_from, "a@b.example");
        assert_eq!(m.rcpt_to, vec!["c@d.example".to_string()]);
        assert_eq!(m.header("subject"), Some("Shop: ログイン用"));
        assert_eq!(m.header("From"), Some("Shop <a@b.example>"));
        assert_eq!(m.body, "Don\u{2019}t share\n");
        assert!(m.raw.starts_with(b"From: Shop"));
    }

    #[test]
    fn base64_bodies_decode() {
        assert_eq!(base64(b"U2hvcCDjg63jgrDjgqTjg7M6DQoNCiAgICAxMjM0NTYNCg=="), "Shop ログイン:\r\n\r\n    123456\r\n".as_bytes());
        assert_eq!(decode_words("=?utf-8?q?caf=C3=A9_au_lait?= x"), "café au lait x");
        assert_eq!(decode_words("plain text"), "plain text");
    }
}
