//! A Standard Webhooks receiver for the event webhook tests (F-INT-4): PyPI's
//! `standardwebhooks` library checks every delivery, not a checker of our own.
//!
//! It runs in the same Python as the GeoIP writer and the metrics parser
//! (`NINSHO_MMDB_PYTHON`; `.ci/run` installs all three into its venv) and is required
//! under the same flag: without it the tests say so and pass, unless
//! `NINSHO_TEST_MMDB=1` (CI), where a missing library is a failure. (The server
//! refuses `NINSHO_…` variables that look like a misspelt setting, and its tests pass
//! their environment on to it: one more pair of variables would have to keep clear of
//! every setting's name.) Each POST it gets is one JSON line in its record:
//! `id` (the `webhook-id` header), `status` (what it answered), and `payload` once the
//! library has verified the delivery or `rejected` with the library's reason.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;

const RECEIVER: &str = r#"
import json, sys, threading, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

port, secret, record_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
hook = Webhook(secret)
state = {"mode": "up"}
lock = threading.Lock()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def answer(self, status):
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()
    def do_PUT(self):
        # The test's control: /mode/up, /mode/unavailable (503 to every delivery) or
        # /mode/hold (each delivery waits 3 s, then 503).
        state["mode"] = self.path.rsplit("/", 1)[-1]
        self.answer(204)
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {k: v for k, v in self.headers.items()}
        record = {"id": self.headers.get("webhook-id"), "body": body.decode("utf-8", "replace")}
        if state["mode"] == "hold":
            # Keeps the sender waiting (it is killed meanwhile), then refuses.
            with lock, open(record_path, "a") as f:
                f.write(json.dumps(dict(record, status=0, held=True)) + "\n")
            time.sleep(3)
            status = 503
        elif state["mode"] == "unavailable":
            status = 503
        else:
            try:
                record["payload"] = hook.verify(body, headers)
                status = 204
            except WebhookVerificationError as e:
                record["rejected"] = str(e)
                status = 401
        record["status"] = status
        with lock, open(record_path, "a") as f:
            f.write(json.dumps(record) + "\n")
        self.answer(status)

server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
print("ready", flush=True)
server.serve_forever()
"#;

/// The Python that has `standardwebhooks`, if this machine has one.
pub fn python() -> Option<PathBuf> {
    let python = PathBuf::from(std::env::var_os("NINSHO_MMDB_PYTHON")?);
    let ok = Command::new(&python).args(["-c", "import standardwebhooks.webhooks"]).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    ok.then_some(python)
}

/// `NINSHO_TEST_MMDB=1`: a missing library fails the test instead of skipping it.
pub fn required() -> bool {
    crate::geoip::required()
}

/// A receiver on a loopback port, verifying with one secret. It can be stopped
/// (connections refused) and started again on the same port with the same record.
pub struct Receiver {
    python: PathBuf,
    secret: String,
    pub port: u16,
    record: PathBuf,
    child: Option<Child>,
}

impl Receiver {
    /// Starts on a free port; `dir` holds its record.
    pub fn start(python: &Path, secret: &str, dir: &Path) -> anyhow::Result<Receiver> {
        let mut r = Receiver::new(python, secret, dir)?;
        r.up()?;
        Ok(r)
    }

    /// A receiver on a free port, not started yet (`up`): its URL can be registered
    /// before the secret it will check with is known (`set_secret`).
    pub fn new(python: &Path, secret: &str, dir: &Path) -> anyhow::Result<Receiver> {
        let port = crate::smtp::free_port()?;
        let record = dir.join(format!("hooks-{port}.jsonl"));
        Ok(Receiver { python: python.to_path_buf(), secret: secret.to_string(), port, record, child: None })
    }

    /// The secret the next `up` checks with.
    pub fn set_secret(&mut self, secret: &str) {
        self.secret = secret.to_string();
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks", self.port)
    }

    /// Starts the process (again) and waits until it listens.
    pub fn up(&mut self) -> anyhow::Result<()> {
        if self.child.is_some() {
            return Ok(());
        }
        let mut child = Command::new(&self.python)
            .args(["-c", RECEIVER, &self.port.to_string(), &self.secret])
            .arg(&self.record)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", self.python.display()))?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().context("stdout")?).read_line(&mut line)?;
        if line.trim() != "ready" {
            let _ = child.kill();
            bail!("the receiver did not start");
        }
        self.child = Some(child);
        Ok(())
    }

    /// Stops the process: deliveries meet a refused connection.
    pub fn down(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// `up`; `unavailable`: every delivery is answered 503 (unverified, but
    /// recorded); `hold`: every delivery is recorded as held (`status` 0), kept waiting
    /// 3 s, then answered 503.
    pub async fn mode(&self, mode: &str) -> anyhow::Result<()> {
        let r = crate::client().put(format!("http://127.0.0.1:{}/mode/{mode}", self.port)).send().await?;
        if r.status().as_u16() != 204 {
            bail!("the receiver's control answered {}", r.status());
        }
        Ok(())
    }

    /// Every POST it got, in order.
    pub fn records(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.record).unwrap_or_default();
        text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
    }

    /// The deliveries the library verified and the receiver accepted.
    pub fn accepted(&self) -> Vec<Value> {
        self.records().into_iter().filter(|r| r["status"] == 204 && r.get("payload").is_some()).collect()
    }

    /// Waits until `done` holds for the records, or `within` passes.
    pub async fn wait_for(&self, within: Duration, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let until = std::time::Instant::now() + within;
        loop {
            let records = self.records();
            if done(&records) || std::time::Instant::now() >= until {
                return records;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.down();
    }
}
