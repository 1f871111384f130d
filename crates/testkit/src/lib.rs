//! Test support: start a real `App` on a fresh SQLite file or a fresh PostgreSQL
//! database, talk to it over HTTP, and read codes from the development inbox.
//!
//! PostgreSQL tests run when `NINSHO_TEST_POSTGRES=1` (CI sets it; then a missing
//! server is a failure) or when the server answers; otherwise they are skipped.

// Test support: a failed expectation here is a failed test, said with its reason.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::bail;
use ninsho_domain::Policy;
use ninsho_server::{App, Config, Running};
use serde_json::{Value, json};

pub use ninsho_storage::Db;

pub const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// A fixed master key for tests: both instances of a shared-database test use it.
pub const TEST_MASTER_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backends this run tests: SQLite always, PostgreSQL when required or reachable.
pub async fn backends() -> Vec<Backend> {
    let required = std::env::var("NINSHO_TEST_POSTGRES").is_ok_and(|v| v == "1");
    let reachable = tokio::time::timeout(Duration::from_secs(3), sqlx::PgPool::connect(PG_ADMIN_URL)).await.is_ok_and(|r| r.is_ok());
    if required && !reachable {
        panic!("NINSHO_TEST_POSTGRES=1 but PostgreSQL does not answer at {PG_ADMIN_URL}");
    }
    if reachable { vec![Backend::Sqlite, Backend::Postgres] } else { vec![Backend::Sqlite] }
}

/// A database URL for a fresh, empty database on this backend.
pub struct TestDb {
    pub url: String,
    _dir: Option<TempDir>,
}

/// Test databases outlive their tests (a test's pools are still open when it ends),
/// and CI machines keep their PostgreSQL: the first fresh database of each test
/// process drops those made more than an hour ago, by the time in their name. Names
/// without one come from before the time was recorded.
async fn sweep_stale(pool: &sqlx::PgPool, now: u64) {
    static SWEPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if SWEPT.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let Ok(names) = sqlx::query_scalar::<_, String>("select datname from pg_database where datname like 'ninsho\\_t\\_%'").fetch_all(pool).await else { return };
    for name in names {
        let made = name.split('_').nth(2).and_then(|t| t.parse::<u64>().ok()).filter(|t| *t > 1_000_000_000);
        if made.is_none_or(|t| t + 3600 < now) {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("drop database if exists {name} with (force)"))).execute(pool).await;
        }
    }
}

pub async fn fresh_db(backend: Backend) -> anyhow::Result<TestDb> {
    match backend {
        Backend::Sqlite => {
            let dir = TempDir::new()?;
            Ok(TestDb { url: format!("sqlite://{}", dir.path.join("ninsho.db").display()), _dir: Some(dir) })
        }
        Backend::Postgres => {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
            let name = format!("ninsho_t_{now}_{}", uuid::Uuid::new_v4().simple());
            // A loaded machine running many suites at once may be out of connections
            // for a while: a few tries before the test fails on set-up.
            let mut tries = 0;
            let pool = loop {
                tries += 1;
                match sqlx::PgPool::connect(PG_ADMIN_URL).await {
                    Ok(p) => break p,
                    Err(e) if tries >= 4 => return Err(anyhow::Error::new(e).context("PostgreSQL")),
                    Err(_) => tokio::time::sleep(Duration::from_secs(2)).await,
                }
            };
            sweep_stale(&pool, now).await;
            sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}"))).execute(&pool).await?;
            pool.close().await;
            Ok(TestDb { url: format!("postgres://postgres@127.0.0.1:5432/{name}"), _dir: None })
        }
    }
}

pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new() -> anyhow::Result<Self> {
        let path = std::env::temp_dir().join(format!("ninsho-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir { path })
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Runs the server on a clock the test moves by hand. Such a clock is years from the
/// database's on purpose, so the skew check (F-OPS-7) is turned off for it.
pub fn use_fake_clock(c: &mut Config, clock: ninsho_domain::ports::FakeClock) {
    c.clock = std::sync::Arc::new(clock);
    c.max_clock_skew = Duration::MAX;
}

/// The system clock moved by an offset a test can change while the server runs: an
/// instance whose clock has drifted.
#[derive(Clone, Default)]
pub struct OffsetClock(std::sync::Arc<std::sync::atomic::AtomicI64>);

impl OffsetClock {
    pub fn set_offset_secs(&self, secs: i64) {
        self.0.store(secs * 1000, std::sync::atomic::Ordering::SeqCst);
    }
}

impl ninsho_domain::ports::Clock for OffsetClock {
    fn now(&self) -> ninsho_domain::types::UnixMillis {
        let real = ninsho_domain::ports::SystemClock.now();
        ninsho_domain::types::UnixMillis(real.0 + self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

/// A test configuration: loopback, any port, fast argon2 unless `real_argon`.
pub fn test_config(db_url: &str, data_dir: PathBuf) -> Config {
    let mut c = Config::new(SocketAddr::from(([127, 0, 0, 1], 0)), Some(db_url.to_string()), data_dir);
    c.master_key = Some(secrecy::SecretString::from(TEST_MASTER_KEY.to_string()));
    c.policy = Policy { issuer: "Shop".into(), origin_host: "shop.example".into(), public_url: "https://shop.example".into(), support_contact: "https://shop.example/help".into(), ..Policy::default() };
    // Tests hash many passwords; the real parameters have their own test and the benchmark.
    c.policy.password.argon2_m_kib = 256;
    c.policy.password.argon2_t = 1;
    c.dispatch.poll_ms = 50;
    c.official = ninsho_domain::authenticity::OfficialSenders {
        sms_numbers: vec!["+815053704545".into()],
        email_domains: vec!["shop.example".into()],
        link_domains: vec!["shop.example".into()],
    };
    c
}

pub struct TestApp {
    pub running: Running,
    pub http: reqwest::Client,
    pub url: String,
    pub db: TestDb,
    pub data: TempDir,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
    // `NINSHO_TEST_LOG=debug cargo nextest run … --no-capture` shows the server's log.
    if let Ok(filter) = std::env::var("NINSHO_TEST_LOG") {
        ninsho_server::logging::init(ninsho_server::settings::LogFormat::Text, &filter);
    }
    let db = fresh_db(backend).await.expect("fresh database");
    let data = TempDir::new().expect("temp dir");
    let mut config = test_config(&db.url, data.path.clone());
    tweak(&mut config);
    let running = App::start(config).await.expect("app starts");
    let url = running.url();
    TestApp { running, http: client(), url, db, data }
}

/// A second instance on the same database (F-OPS-2).
pub async fn spawn_second(first: &TestApp) -> (Running, TempDir) {
    spawn_second_with(first, |_| {}).await
}

/// A second instance on the same database, configured like `spawn_app_with`.
pub async fn spawn_second_with(first: &TestApp, tweak: impl FnOnce(&mut Config)) -> (Running, TempDir) {
    let data = TempDir::new().expect("temp dir");
    let mut config = test_config(&first.db.url, data.path.clone());
    tweak(&mut config);
    let running = App::start(config).await.expect("second app starts");
    (running, data)
}

pub fn client() -> reqwest::Client {
    ninsho_delivery::install_tls_provider();
    reqwest::Client::builder().user_agent("ninsho-tests/1.0 (Chromium-like)").timeout(Duration::from_secs(60)).build().expect("client")
}

pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl TestApp {
    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        call(&self.http, &self.url, method, path, token, body).await
    }

    /// The newest message the dev provider delivered to `to`, waiting for the dispatcher.
    pub async fn inbox_latest(&self, to: &str, after: usize) -> String {
        inbox_wait(&self.http, &self.url, to, after).await.expect("a message arrives")
    }

    /// The code of the newest message to `to` (after the first `after`) that carries one;
    /// notices sent meanwhile are passed over.
    pub async fn code_after(&self, to: &str, after: usize) -> String {
        code_in(&self.code_message_after(to, after).await.replace(", ", ""))
    }

    /// The newest message to `to` (after the first `after`) that carries a code.
    pub async fn code_message_after(&self, to: &str, after: usize) -> String {
        for _ in 0..200 {
            let msgs = inbox(&self.http, &self.url, to).await.expect("inbox");
            if let Some(m) = msgs.iter().skip(after).rev().find(|m| has_code(m)) {
                return m.clone();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no code for {to} after 5 s")
    }

    /// How many messages `to` has, once the dispatcher has delivered everything
    /// already in the outbox (so a later "newest message" is really newer).
    pub async fn inbox_count(&self, to: &str) -> usize {
        self.settle().await;
        inbox(&self.http, &self.url, to).await.map(|v| v.len()).unwrap_or(0)
    }

    /// Waits until no message is pending in the outbox.
    pub async fn settle(&self) {
        for _ in 0..400 {
            if self.running.db.count_outbox("pending").await.unwrap_or(0) == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Signs up and verifies the e-mail; returns the session token.
    pub async fn signed_up(&self, email: &str, password: &str) -> String {
        let before = self.inbox_count(email).await;
        let r = self.call("POST", "/api/v1/sign-up", None, Some(json!({"email": email, "password": password, "locale": "en"}))).await;
        assert_eq!(r.status, 202, "{:?}", r.body);
        let cid = r.body["challenge_id"].as_str().expect("challenge id").to_string();
        let code = self.code_after(email, before).await;
        let v = self.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code}))).await;
        assert_eq!(v.status, 200, "{:?}", v.body);
        v.body["session_token"].as_str().expect("session").to_string()
    }

    pub async fn shutdown(self) {
        self.running.shutdown().await;
    }
}

pub async fn call(http: &reqwest::Client, base: &str, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
    let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = http.request(m, format!("{base}{path}"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("request sent");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Resp { status, headers, body }
}

pub async fn inbox(http: &reqwest::Client, base: &str, to: &str) -> anyhow::Result<Vec<String>> {
    // A loaded machine may shed the request (503 busy): ask again for a while, as a
    // person would reload, rather than read "no messages".
    let mut answer = Value::Null;
    for _ in 0..100 {
        let r = http.get(format!("{base}/dev/inbox?limit=1000")).send().await?;
        let busy = r.status().as_u16() == 503;
        answer = r.json().await.unwrap_or(Value::Null);
        if !busy {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = answer;
    let Some(list) = r["messages"].as_array() else { bail!("no inbox: {r}") };
    // Newest first in the API; oldest first here.
    Ok(list.iter().rev().filter(|m| m["destination"] == to).filter_map(|m| m["body"].as_str().map(str::to_owned)).collect())
}

/// Waits until `to` has more than `after` messages and returns the newest.
pub async fn inbox_wait(http: &reqwest::Client, base: &str, to: &str, after: usize) -> anyhow::Result<String> {
    for _ in 0..200 {
        let msgs = inbox(http, base, to).await?;
        if msgs.len() > after {
            return Ok(msgs.last().cloned().unwrap_or_default());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    bail!("no message for {to} after 5 s")
}

pub fn has_code(body: &str) -> bool {
    std::panic::catch_unwind(|| code_in(&body.replace(", ", ""))).is_ok()
}

/// The code in a message: the origin-bound line's `#123456` for SMS, else the first
/// run of six digits.
pub fn code_in(body: &str) -> String {
    if let Some(i) = body.rfind(" #") {
        let c: String = body[i + 2..].chars().take_while(|c| c.is_ascii_digit()).collect();
        if c.len() == 6 {
            return c;
        }
    }
    // A code stands as a word of its own: six digits inside a link's id
    // (`/deny/01a230829b…`) are not one.
    let bytes: Vec<char> = body.chars().collect();
    for w in 0..bytes.len() {
        let run: String = bytes[w..].iter().take_while(|c| c.is_ascii_digit()).collect();
        let before_ok = w == 0 || !bytes[w - 1].is_ascii_alphanumeric();
        let after_ok = bytes.get(w + run.len()).is_none_or(|c| !c.is_ascii_alphanumeric());
        if run.len() == 6 && before_ok && after_ok {
            return run;
        }
    }
    panic!("no code in message: {body}")
}

/// F-2SV-1: asks for the setup approval e-mail and follows its "Approve" link, as the
/// owner would. `session` must be stepped up.
pub async fn approve_setup(http: &reqwest::Client, base: &str, session: &str) {
    let me = call(http, base, "GET", "/api/v1/account", Some(session), None).await;
    let email = me.body["email"].as_str().unwrap_or_else(|| panic!("account e-mail: {} {:?}", me.status, me.body)).to_string();
    let before = inbox(http, base, &email).await.map(|v| v.len()).unwrap_or(0);
    let r = call(http, base, "POST", "/api/v1/two-step/approval", Some(session), None).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    let mut link = None;
    for _ in 0..200 {
        let msgs = inbox(http, base, &email).await.unwrap_or_default();
        link = msgs.iter().skip(before).rev().find_map(|m| m.split_whitespace().find(|w| w.contains("/approve/")).map(str::to_owned));
        if link.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let link = link.expect("an approval e-mail with an Approve link");
    let token = link.rsplit('/').next().unwrap_or_default().to_string();
    let a = call(http, base, "POST", "/api/v1/approvals/approve", None, Some(json!({"token": token}))).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
}

/// Runs `oathtool --totp -b KEY` (an independent TOTP implementation).
pub fn oathtool(setup_key: &str) -> String {
    let out = std::process::Command::new("oathtool").args(["--totp", "-b", setup_key]).output().expect("oathtool is installed");
    assert!(out.status.success(), "oathtool failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `oathtool` for the step `offset_steps` away from now.
pub fn oathtool_at(setup_key: &str, offset_steps: i64) -> String {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64 + offset_steps * 30;
    let out = std::process::Command::new("oathtool").args(["--totp", "-b", "--now", &format!("@{t}"), setup_key]).output().expect("oathtool is installed");
    assert!(out.status.success(), "oathtool failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Decodes a QR code given as SVG with `rsvg-convert` + `zbarimg`.
pub fn decode_qr_svg(svg: &str) -> String {
    let dir = TempDir::new().expect("temp");
    let svg_path = dir.path.join("qr.svg");
    let png_path = dir.path.join("qr.png");
    std::fs::write(&svg_path, svg).expect("write svg");
    let st = std::process::Command::new("rsvg-convert").args(["-b", "white", "-o"]).arg(&png_path).arg(&svg_path).status().expect("rsvg-convert is installed");
    assert!(st.success());
    let out = std::process::Command::new("zbarimg").args(["--raw", "-q"]).arg(&png_path).output().expect("zbarimg is installed");
    assert!(out.status.success(), "zbarimg found no QR code");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Waits for the next 30-second TOTP step when fewer than `margin` seconds are left in
/// this one, so a code computed now is still current when it arrives.
/// The current 30-second TOTP step.
pub fn totp_step() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() / 30
}

/// Waits until the TOTP step is later than `step` (a code of `step` was used).
pub async fn totp_step_after(step: u64) {
    while totp_step() <= step {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn totp_margin(margin: u64) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
    let left = 30 - now % 30;
    if left < margin {
        tokio::time::sleep(Duration::from_secs(left + 1)).await;
    }
}

pub mod kannel;
pub mod smtp;
pub mod process;
pub mod browser;
pub mod pages;
pub mod geoip;
pub mod prometheus;
pub mod hooks;
