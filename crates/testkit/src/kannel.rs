//! A real Kannel SMS gateway on 127.0.0.1 for tests: `bearerbox` + `smsbox` with the
//! fake SMSC (`fakesmsc`) from `kannel-extras` standing in for the operator
//! (`apt-get install kannel kannel-extras`; see `recipes/kannel.md`).
//!
//! [`KannelGateway::start`] writes a `kannel.conf` with free ports into a temporary
//! directory, starts the three processes and waits until a message can go through.
//! [`KannelGateway::received`] reads what the fake SMSC got from its log, where each
//! delivered SMS is a line
//! `Got message N: <FROM TO KIND BODY>` with KIND one of
//! - `text`: BODY is the text as is (7-bit messages; a newline in the text ends the
//!   log line, so the following lines that are not headers are its continuation),
//! - `ucs-2`: BODY is the URL-encoded UTF-16BE text,
//! - `data`: BODY is URL-encoded 8-bit data,
//! - `udh UDH data BODY`: one part of a concatenated SMS, both URL-encoded; the parts
//!   are joined by the reference in the user-data header, and the joined bytes are
//!   read as UTF-16BE when they hold a NUL or are not UTF-8 (Kannel prints no coding
//!   for parts), else as UTF-8.
//!
//! Dropping the gateway stops the processes (SIGTERM, then SIGKILL) and removes the
//! directory.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::TempDir;

pub const BEARERBOX: &str = "/usr/sbin/bearerbox";
pub const SMSBOX: &str = "/usr/sbin/smsbox";
pub const FAKESMSC: &str = "/usr/lib/kannel/test/fakesmsc";

/// How long [`KannelGateway::start`] waits for the gateway to take messages.
const START_TIMEOUT: Duration = Duration::from_secs(15);
const ADMIN_PASSWORD: &str = "adminpw";

/// One SMS as the fake SMSC received it (parts of a long SMS joined).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedSms {
    pub from: String,
    pub to: String,
    pub text: String,
}

pub struct KannelGateway {
    /// The `sendsms-user` credentials.
    pub username: String,
    pub password: String,
    admin_port: u16,
    sendsms_port: u16,
    smsc_port: u16,
    /// bearerbox, smsbox, fakesmsc, in start order.
    procs: Vec<(&'static str, Child)>,
    // Last: removed after the processes are gone.
    dir: TempDir,
}

struct Ports {
    admin: u16,
    smsbox: u16,
    smsc: u16,
    sendsms: u16,
}

/// Four distinct free ports on 127.0.0.1 (held together while picked).
fn free_ports() -> anyhow::Result<Ports> {
    let ls = (0..4).map(|_| std::net::TcpListener::bind("127.0.0.1:0")).collect::<Result<Vec<_>, _>>()?;
    let p = ls.iter().map(|l| l.local_addr().map(|a| a.port())).collect::<Result<Vec<_>, _>>()?;
    Ok(Ports { admin: p[0], smsbox: p[1], smsc: p[2], sendsms: p[3] })
}

fn config(dir: &Path, p: &Ports, username: &str, password: &str) -> String {
    let d = dir.display();
    format!(
        r#"group = core
admin-port = {admin}
admin-password = {ADMIN_PASSWORD}
admin-interface = 127.0.0.1
smsbox-port = {smsbox}
box-allow-ip = "127.0.0.1"
log-file = "{d}/bearerbox.log"
log-level = 1

group = smsc
smsc = fake
smsc-id = fake
port = {smsc}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = {sendsms}
sendsms-interface = 127.0.0.1
log-file = "{d}/smsbox.log"
log-level = 1

group = sendsms-user
username = {username}
password = {password}
max-messages = 10
concatenation = true

group = sms-service
keyword = default
text = "ok"
"#,
        admin = p.admin,
        smsbox = p.smsbox,
        smsc = p.smsc,
        sendsms = p.sendsms,
    )
}

/// Output of a process into `path` (appended): a file, never a pipe that could fill.
fn output_to(path: &Path) -> anyhow::Result<(Stdio, Stdio)> {
    let f = File::options().create(true).append(true).open(path).with_context(|| format!("open {}", path.display()))?;
    let g = f.try_clone()?;
    Ok((Stdio::from(f), Stdio::from(g)))
}

fn spawn(program: &str, args: &[&str], dir: &Path, log: &Path) -> anyhow::Result<Child> {
    if !Path::new(program).exists() {
        bail!("{program} is missing: apt-get install kannel kannel-extras");
    }
    let (out, err) = output_to(log)?;
    Command::new(program).args(args).current_dir(dir).stdin(Stdio::null()).stdout(out).stderr(err).spawn().with_context(|| format!("start {program}"))
}

impl KannelGateway {
    /// Starts bearerbox, smsbox and the fake SMSC, and waits (at most 15 s) until the
    /// fake SMSC is online and sendsms answers. Retries with new ports if one was
    /// taken meanwhile.
    pub async fn start() -> anyhow::Result<KannelGateway> {
        let mut last = None;
        for _ in 0..3 {
            match Self::start_once().await {
                Ok(g) => return Ok(g),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| anyhow::anyhow!("kannel did not start")))
    }

    async fn start_once() -> anyhow::Result<KannelGateway> {
        let dir = TempDir::new()?;
        let ports = free_ports()?;
        let username = "ninsho".to_string();
        let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
        let conf = dir.path.join("kannel.conf");
        std::fs::write(&conf, config(&dir.path, &ports, &username, &password))?;
        let mut gw = KannelGateway {
            username,
            password,
            admin_port: ports.admin,
            sendsms_port: ports.sendsms,
            smsc_port: ports.smsc,
            procs: Vec::new(),
            dir,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        let conf = conf.to_string_lossy().into_owned();

        let bb = spawn(BEARERBOX, &[&conf], &gw.dir.path, &gw.dir.path.join("bearerbox.out"))?;
        gw.procs.push(("bearerbox", bb));
        gw.wait_until(deadline, false).await?;

        let sb = spawn(SMSBOX, &[&conf], &gw.dir.path, &gw.dir.path.join("smsbox.out"))?;
        gw.procs.push(("smsbox", sb));
        gw.wait_until(deadline, true).await?;

        // fakesmsc gives up at once when the SMSC port is not listening yet: restart it
        // until bearerbox reports the fake SMSC online.
        loop {
            let running = match gw.procs.iter_mut().find(|(n, _)| *n == "fakesmsc") {
                Some((_, c)) => c.try_wait()?.is_none(),
                None => false,
            };
            if !running {
                gw.procs.retain(|(n, _)| *n != "fakesmsc");
                let port = gw.smsc_port.to_string();
                let fs = spawn(FAKESMSC, &["-H", "127.0.0.1", "-r", &port, "-i", "1", "-m", "0", "123 456 text nothing"], &gw.dir.path, &gw.fakesmsc_log())?;
                gw.procs.push(("fakesmsc", fs));
            }
            if gw.status().await.is_some_and(|s| s.lines().any(|l| l.contains("FAKE:") && l.contains("(online"))) && gw.sendsms_answers().await {
                return Ok(gw);
            }
            gw.check_alive()?;
            if Instant::now() > deadline {
                bail!("the fake SMSC did not come online in {START_TIMEOUT:?}\n{}", gw.logs_tail());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Polls until bearerbox's status page answers (`sendsms == false`) or smsbox's
    /// sendsms interface does (`sendsms == true`).
    async fn wait_until(&mut self, deadline: Instant, sendsms: bool) -> anyhow::Result<()> {
        loop {
            let ok = if sendsms { self.sendsms_answers().await } else { self.status().await.is_some() };
            if ok {
                return Ok(());
            }
            self.check_alive()?;
            if Instant::now() > deadline {
                let what = if sendsms { "smsbox's sendsms interface" } else { "bearerbox's admin interface" };
                bail!("{what} did not answer in {START_TIMEOUT:?}\n{}", self.logs_tail());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// bearerbox's plain-text status page, if it answers.
    async fn status(&self) -> Option<String> {
        let (status, body) = http_get(self.admin_port, &format!("/status.txt?password={ADMIN_PASSWORD}")).await?;
        (status == 200).then_some(body)
    }

    /// Whether smsbox's HTTP interface answers at all (without credentials: 403).
    async fn sendsms_answers(&self) -> bool {
        http_get(self.sendsms_port, "/cgi-bin/sendsms").await.is_some()
    }

    /// An error if bearerbox or smsbox has exited.
    fn check_alive(&mut self) -> anyhow::Result<()> {
        for (name, c) in &mut self.procs {
            if *name == "fakesmsc" {
                continue;
            }
            if let Some(st) = c.try_wait()? {
                let name = *name;
                bail!("{name} exited ({st})\n{}", self.logs_tail());
            }
        }
        Ok(())
    }

    /// The last lines of every log, for a failure message.
    pub fn logs_tail(&self) -> String {
        let mut out = String::new();
        for f in ["bearerbox.out", "bearerbox.log", "smsbox.out", "smsbox.log", "fakesmsc.out"] {
            let text = std::fs::read(self.dir.path.join(f)).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            out.push_str(&format!("--- {f}\n"));
            for l in &lines[lines.len().saturating_sub(15)..] {
                out.push_str(l);
                out.push('\n');
            }
        }
        out
    }

    /// smsbox's sendsms address, e.g. `http://127.0.0.1:13013/cgi-bin/sendsms`.
    pub fn sendsms_url(&self) -> String {
        format!("http://127.0.0.1:{}/cgi-bin/sendsms", self.sendsms_port)
    }

    /// The directory with `kannel.conf` and the logs.
    pub fn dir(&self) -> &Path {
        &self.dir.path
    }

    fn fakesmsc_log(&self) -> PathBuf {
        self.dir.path.join("fakesmsc.out")
    }

    /// Every SMS the fake SMSC has received so far, oldest first.
    pub fn received(&self) -> Vec<ReceivedSms> {
        let log = std::fs::read(self.fakesmsc_log()).unwrap_or_default();
        parse_fakesmsc_log(&String::from_utf8_lossy(&log))
    }

    /// Waits (at most `timeout`) until more than `after` SMS went to `to`; returns the
    /// newest.
    pub async fn wait_for_sms(&self, to: &str, after: usize, timeout: Duration) -> anyhow::Result<ReceivedSms> {
        let deadline = Instant::now() + timeout;
        loop {
            let mine: Vec<ReceivedSms> = self.received().into_iter().filter(|m| m.to == to).collect();
            if mine.len() > after
                && let Some(m) = mine.last()
            {
                return Ok(m.clone());
            }
            if Instant::now() > deadline {
                bail!("no SMS to {to} within {timeout:?}\n{}", self.logs_tail());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for KannelGateway {
    fn drop(&mut self) {
        // Newest first: the fake SMSC, smsbox, then bearerbox.
        for (_, c) in self.procs.iter_mut().rev() {
            if let Ok(None) = c.try_wait() {
                let _ = Command::new("kill").args(["-TERM", &c.id().to_string()]).stdout(Stdio::null()).stderr(Stdio::null()).status();
            }
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        for (_, c) in self.procs.iter_mut().rev() {
            loop {
                match c.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
                    Ok(None) => {
                        let _ = c.kill();
                        let _ = c.wait();
                        break;
                    }
                }
            }
        }
    }
}

/// A bare HTTP/1.0 GET to 127.0.0.1 (no reqwest: a client built before the process
/// installed a TLS provider could panic): the status and the body, or None.
async fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let exchange = async {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
        s.write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").as_bytes()).await.ok()?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await.ok()?;
        let text = String::from_utf8_lossy(&buf).into_owned();
        let status = text.split(' ').nth(1)?.parse().ok()?;
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        Some((status, body))
    };
    tokio::time::timeout(Duration::from_secs(2), exchange).await.ok().flatten()
}

/// Undoes Kannel's URL encoding (`+` is a space); a `%` without two hex digits stays.
fn url_decode(s: &str) -> Vec<u8> {
    fn hex(c: u8) -> Option<u8> {
        (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
            (b'+', ..) => out.push(b' '),
            (c, ..) => out.push(c),
        }
        i += 1;
    }
    out
}

fn utf16be(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes.chunks(2).map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)])).collect();
    String::from_utf16_lossy(&units)
}

/// One `Got message` line, before concatenated parts are joined.
enum Raw {
    Text { from: String, to: String, text: String },
    Done(ReceivedSms),
    Part { from: String, to: String, reference: u16, total: u8, seq: u8, data: Vec<u8> },
}

/// The concatenation reference, part count and part number in a user-data header.
fn concat_info(udh: &[u8]) -> Option<(u16, u8, u8)> {
    let len = usize::from(*udh.first()?);
    let ies = udh.get(1..1 + len)?;
    let mut i = 0;
    while i + 1 < ies.len() {
        let (id, l) = (ies[i], usize::from(ies[i + 1]));
        let v = ies.get(i + 2..i + 2 + l)?;
        match (id, v) {
            (0x00, [r, t, s]) => return Some((u16::from(*r), *t, *s)),
            (0x08, [r1, r2, t, s]) => return Some((u16::from_be_bytes([*r1, *r2]), *t, *s)),
            _ => {}
        }
        i += 2 + l;
    }
    None
}

fn is_address(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '+')
}

/// Parses the header of one logged message: `FROM TO KIND REST`.
fn parse_header(content: &str) -> Option<Raw> {
    let mut it = content.splitn(4, ' ');
    let (from, to, kind) = (it.next()?, it.next()?, it.next()?);
    let rest = it.next().unwrap_or("");
    if !is_address(from) || !is_address(to) {
        return None;
    }
    let (from, to) = (from.to_string(), to.to_string());
    match kind {
        "text" => Some(Raw::Text { from, to, text: rest.to_string() }),
        "ucs-2" => Some(Raw::Done(ReceivedSms { from, to, text: utf16be(&url_decode(rest)) })),
        "data" => Some(Raw::Done(ReceivedSms { from, to, text: String::from_utf8_lossy(&url_decode(rest)).into_owned() })),
        "udh" => {
            let (udh, data) = rest.split_once(" data ")?;
            let (reference, total, seq) = concat_info(&url_decode(udh))?;
            Some(Raw::Part { from, to, reference, total, seq, data: url_decode(data) })
        }
        _ => None,
    }
}

/// Joined parts: UTF-16BE if they hold a NUL byte or are not UTF-8.
fn decode_joined(bytes: Vec<u8>) -> String {
    if bytes.contains(&0) {
        return utf16be(&bytes);
    }
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => utf16be(e.as_bytes()),
    }
}

/// The parts of concatenated messages: (from, to, reference, total) → part number → data.
type Parts = BTreeMap<(String, String, u16, u8), BTreeMap<u8, Vec<u8>>>;

/// Reads fakesmsc's log (see the module comment).
pub fn parse_fakesmsc_log(log: &str) -> Vec<ReceivedSms> {
    let mut raws: Vec<Raw> = Vec::new();
    for line in log.lines() {
        let Some(i) = line.find("Got message ") else { continue };
        let rest = &line[i..];
        let (Some(open), Some(close)) = (rest.find(": <"), rest.rfind('>')) else { continue };
        if close < open + 3 {
            continue;
        }
        let content = &rest[open + 3..close];
        match parse_header(content) {
            Some(r) => raws.push(r),
            None => {
                // A line of a 7-bit text that held a newline.
                if let Some(Raw::Text { text, .. }) = raws.last_mut() {
                    text.push('\n');
                    text.push_str(content);
                }
            }
        }
    }
    // Join the parts of concatenated messages, in the place of their first part.
    let mut parts: Parts = BTreeMap::new();
    for r in &raws {
        if let Raw::Part { from, to, reference, total, seq, data } = r {
            parts.entry((from.clone(), to.clone(), *reference, *total)).or_default().insert(*seq, data.clone());
        }
    }
    let mut out = Vec::new();
    for r in raws {
        match r {
            Raw::Text { from, to, text } => out.push(ReceivedSms { from, to, text }),
            Raw::Done(m) => out.push(m),
            Raw::Part { from, to, reference, total, .. } => {
                let key = (from, to, reference, total);
                let complete = parts.get(&key).is_some_and(|p| p.len() == usize::from(total) && (1..=total).all(|s| p.contains_key(&s)));
                if complete && let Some(p) = parts.remove(&key) {
                    let bytes: Vec<u8> = p.into_values().flatten().collect();
                    let (from, to, ..) = key;
                    out.push(ReceivedSms { from, to, text: decode_joined(bytes) });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_text_ucs2_newlines_and_concatenated_parts() {
        let log = "\
2026-11-23 06:12:58 [21170] [0] INFO: fakesmsc starting
2026-11-23 06:13:00 [21170] [0] DEBUG: Got message 1: <+815053704545 +819012345678 ucs-2 0S0%93%00+%00%40%00s%00h%00o%00p%00.%00e%00x%00a%00m%00p%00l%00e%00+%00%23%001%002%003%004%005%006>
2026-11-23 06:13:00 [21170] [0] DEBUG: Got message 2: <+815053704545 +819012345678 text Hello @shop.example #123456 {€}>
2026-11-23 06:13:09 [21170] [0] DEBUG: Got message 3: <+815053704545 +819012345678 text Line1>
2026-11-23 06:13:09 [21170] [0] DEBUG: Got message 4: <>
2026-11-23 06:13:09 [21170] [0] DEBUG: Got message 5: <@shop.example #654321>
2026-11-23 06:13:51 [22613] [0] DEBUG: Got message 6: <+815053704545 +819012345678 udh %05%00%03%00%02%01 data Shop%3A+123456+sign-in>
2026-11-23 06:13:51 [22613] [0] DEBUG: Got message 7: <+815053704545 +819012345678 udh %05%00%03%00%02%02 data +code%0A%0A%40shop.example+%23123456+%7B%7D>
2026-11-23 06:13:51 [22613] [0] DEBUG: Got message 8: <+815053704545 +819012345678 udh %05%00%03%01%02%01 data %00S%00h%00o%00p%00%3A%00+0%ED>
2026-11-23 06:13:51 [22613] [0] DEBUG: Got message 9: <+815053704545 +819012345678 udh %05%00%03%01%02%02 data 0%B0%00+%00%23%001>
2026-11-23 06:13:51 [22613] [0] DEBUG: Got message 10: <+815053704545 +819012345678 udh %05%00%03%07%02%01 data incomplete>
";
        let got = parse_fakesmsc_log(log);
        let texts: Vec<&str> = got.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            texts,
            vec!["こん @shop.example #123456", "Hello @shop.example #123456 {€}", "Line1\n\n@shop.example #654321", "Shop: 123456 sign-in code\n\n@shop.example #123456 {}", "Shop: ログ #1"]
        );
        assert!(got.iter().all(|m| m.from == "+815053704545" && m.to == "+819012345678"));
    }

    #[test]
    fn url_decoding_keeps_odd_percent_signs() {
        assert_eq!(url_decode("a+b%41%zz%4"), b"a bA%zz%4".to_vec());
    }
}
