//! The real `ninsho` binary as a child process, for tests that need what only a
//! process has: its log output, its default files, and `kill -9`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct ServerProcess {
    child: Child,
    pub url: String,
    log: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl ServerProcess {
    /// Starts `bin serve --listen 127.0.0.1:0 …` in `cwd` and waits for its listening
    /// line (JSON logs); the log is drained continuously so the child never blocks.
    pub fn spawn(bin: &str, cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> anyhow::Result<ServerProcess> {
        let mut cmd = Command::new(bin);
        cmd.args(["serve", "--listen", "127.0.0.1:0"]).args(args).current_dir(cwd).env("NINSHO_LOG_FORMAT", "json");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.stderr(Stdio::piped()).stdout(Stdio::null()).spawn()?;
        let stderr = BufReader::new(child.stderr.take().ok_or_else(|| anyhow::anyhow!("no stderr"))?);
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        let reader = std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if line.contains("ninsho listening")
                    && let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
                {
                    let _ = tx.send(v["addr"].as_str().unwrap_or_default().to_string());
                }
                if let Ok(mut l) = sink.lock() {
                    l.push_str(&line);
                    l.push('\n');
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                let text = log.lock().map(|l| l.clone()).unwrap_or_default();
                anyhow::bail!("the server did not start: {text}");
            }
        };
        Ok(ServerProcess { child, url: format!("http://{addr}"), log, reader: Some(reader) })
    }

    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill9(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        self.log()
    }

    /// SIGTERM and wait: a graceful stop.
    pub fn stop(mut self) -> String {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        self.log()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
