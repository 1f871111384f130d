//! A real headless Chromium for page tests: Debian's `chromedriver` as a child process
//! on a free loopback port, and a thirtyfour WebDriver session to it over plain HTTP.
//! Nothing is downloaded: the browser and the driver are the system's packages.
//!
//! Tests that need it skip when the binaries are missing, unless `NINSHO_TEST_BROWSER=1`
//! (CI sets it; then a missing browser is a failure).

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use thirtyfour::{ChromiumLikeCapabilities, DesiredCapabilities, WebDriver};

use crate::TempDir;

pub use thirtyfour;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Both binaries are installed (`chromium`, `chromium-driver`).
pub fn available() -> bool {
    Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists()
}

/// `NINSHO_TEST_BROWSER=1`: a missing browser fails the test instead of skipping it.
pub fn required() -> bool {
    std::env::var("NINSHO_TEST_BROWSER").is_ok_and(|v| v == "1")
}

pub struct Browser {
    pub driver: WebDriver,
    chromedriver: Child,
    /// The driver's log and the browser profile; removed on drop.
    dir: TempDir,
}

impl Browser {
    /// Starts chromedriver, waits (at most 15 s) until it is ready, and opens a headless
    /// Chromium session with a `width`x`height` window and a fresh profile.
    pub async fn start(width: u32, height: u32) -> anyhow::Result<Browser> {
        if !available() {
            bail!("{CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver)");
        }
        // reqwest (here and inside thirtyfour) needs rustls' provider even for plain HTTP.
        ninsho_delivery::install_tls_provider();
        let dir = TempDir::new()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let log_path = dir.path.join("chromedriver.log");
        let log = File::create(&log_path)?;
        let chromedriver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            // Its own process group, so Drop can also end the browsers it started.
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {CHROMEDRIVER}"))?;
        // From here on, Drop cleans up whatever fails.
        let mut guard = Guard { chromedriver: Some(chromedriver) };
        let url = format!("http://127.0.0.1:{port}");
        wait_ready(&url, &mut guard, &log_path).await?;

        let profile = dir.path.join("profile");
        std::fs::create_dir_all(&profile)?;
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(CHROMIUM)?;
        for arg in [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
        ] {
            caps.add_arg(arg)?;
        }
        caps.add_arg(&format!("--user-data-dir={}", profile.display()))?;
        caps.add_arg(&format!("--window-size={width},{height}"))?;
        let driver = match WebDriver::builder(url.as_str(), caps).request_timeout(Duration::from_secs(60)).await {
            Ok(d) => d,
            Err(e) => bail!("no WebDriver session: {e}\n--- chromedriver log ---\n{}", read_log(&log_path)),
        };
        let chromedriver = guard.chromedriver.take().context("chromedriver")?;
        Ok(Browser { driver, chromedriver, dir })
    }

    /// Sets the page's viewport to exactly `width`x`height` CSS pixels, as a phone
    /// would have it: a headless window cannot be narrower than 500 px.
    pub async fn set_viewport(&self, width: u32, height: u32) -> anyhow::Result<()> {
        let mobile = width < 600;
        self.driver.cdp().send_raw(
            "Emulation.setDeviceMetricsOverride",
            serde_json::json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        )
        .await?;
        Ok(())
    }

    /// Saves a PNG screenshot of the viewport to `path`.
    pub async fn screenshot_png(&self, path: impl AsRef<Path>) -> anyhow::Result<()> {
        let png = self.driver.screenshot_as_png().await?;
        std::fs::write(path.as_ref(), png).with_context(|| format!("writing {}", path.as_ref().display()))?;
        Ok(())
    }

    /// chromedriver's output so far (for failure messages).
    pub fn driver_log(&self) -> String {
        read_log(&self.dir.path.join("chromedriver.log"))
    }

    /// Ends the session (the browser closes), then chromedriver.
    pub async fn quit(self) {
        if let Err(e) = self.driver.clone().quit().await {
            eprintln!("WebDriver quit: {e}");
        }
        // Drop stops chromedriver.
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Not quit (a test failed): mark the session closed so thirtyfour's own
        // blocking teardown does not wait on a driver that is about to die; killing the
        // process group ends the browser.
        if self.driver.clone().leak().is_ok() {
            eprintln!("Browser dropped without quit(): killing chromedriver and its browser");
        }
        stop(&mut self.chromedriver);
    }
}

/// Kills chromedriver until the `Browser` owns it.
struct Guard {
    chromedriver: Option<Child>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(mut c) = self.chromedriver.take() {
            stop(&mut c);
        }
    }
}

/// Kills chromedriver, reaps it, then kills anything left in its process group (a
/// browser it started and did not close).
fn stop(child: &mut Child) {
    let pgid = child.id();
    let _ = child.kill();
    let _ = child.wait();
    let _ = Command::new("kill").args(["-KILL", "--", &format!("-{pgid}")]).stdout(Stdio::null()).stderr(Stdio::null()).status();
}

async fn wait_ready(url: &str, guard: &mut Guard, log_path: &Path) -> anyhow::Result<()> {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(c) = guard.chromedriver.as_mut()
            && let Some(status) = c.try_wait()?
        {
            bail!("chromedriver exited ({status}):\n{}", read_log(log_path));
        }
        if let Ok(r) = http.get(format!("{url}/status")).send().await
            && let Ok(v) = r.json::<serde_json::Value>().await
            && v["value"]["ready"] == true
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("chromedriver did not answer at {url} within 15 s:\n{}", read_log(log_path));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}
