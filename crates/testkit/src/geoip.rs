//! Tiny GeoIP databases for tests, written in the MaxMind DB format by a real writer
//! (PyPI's `mmdb-writer`), so the server reads the same kind of file an operator
//! gives it — not one this crate's own reader was taught to accept.
//!
//! The writer is found through `NINSHO_MMDB_PYTHON`, a Python with `mmdb_writer`
//! installed (`.ci/run` puts it in its venv). Without it tests that need it say so and
//! pass, unless `NINSHO_TEST_MMDB=1` (CI), where a missing writer is a failure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use serde_json::Value;

const WRITER: &str = r#"
import json, sys
from mmdb_writer import MMDBWriter
from netaddr import IPSet
w = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-City",
               languages=["en", "ja", "zh-CN", "fr"], description="ninsho test")
for network, record in json.load(sys.stdin):
    w.insert_network(IPSet([network]), record)
w.to_db_file(sys.argv[1])
"#;

/// The Python that has `mmdb_writer`, if this machine has one.
pub fn writer() -> Option<PathBuf> {
    let python = PathBuf::from(std::env::var_os("NINSHO_MMDB_PYTHON")?);
    let ok = Command::new(&python).args(["-c", "import mmdb_writer"]).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    ok.then_some(python)
}

/// `NINSHO_TEST_MMDB=1`: a missing writer fails the test instead of skipping it.
pub fn required() -> bool {
    std::env::var("NINSHO_TEST_MMDB").is_ok_and(|v| v == "1")
}

/// Writes a City database to `path`: each entry a network (`203.0.113.0/24`) and its
/// record (`{"city": {"names": {"en": "Tokyo"}}, "country": {...}}`).
pub fn write_city_db(python: &Path, path: &Path, entries: &[(&str, Value)]) -> anyhow::Result<()> {
    let input = serde_json::to_vec(&entries.iter().map(|(n, r)| serde_json::json!([n, r])).collect::<Vec<_>>())?;
    let mut child = Command::new(python)
        .args(["-c", WRITER])
        .arg(path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", python.display()))?;
    child.stdin.take().context("stdin")?.write_all(&input)?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("mmdb_writer failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}
