//! Reads `/metrics` with a real Prometheus text parser — PyPI's `prometheus-client`
//! (`prometheus_client.parser.text_string_to_metric_families`) — so the server's text
//! is checked against what a scraper accepts, not against a parser of our own.
//!
//! It runs in the same Python as the GeoIP writer (`NINSHO_MMDB_PYTHON`; `.ci/run`
//! installs both into its venv) and is required under the same flag: without it tests
//! that need it say so and pass, unless `NINSHO_TEST_MMDB=1` (CI), where a missing
//! parser is a failure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use serde_json::Value;

const PARSER: &str = r#"
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": f.name, "type": f.type, "samples": [
        {"name": s.name, "labels": s.labels, "value": None if math.isnan(s.value) else s.value} for s in f.samples]})
json.dump(out, sys.stdout)
"#;

/// The Python that has `prometheus_client`, if this machine has one.
pub fn parser() -> Option<PathBuf> {
    let python = PathBuf::from(std::env::var_os("NINSHO_MMDB_PYTHON")?);
    let ok = Command::new(&python).args(["-c", "import prometheus_client.parser"]).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    ok.then_some(python)
}

/// Whether a missing parser fails the test (`NINSHO_TEST_MMDB=1`).
pub fn required() -> bool {
    crate::geoip::required()
}

/// One sample: its name (a histogram's `_bucket`, `_sum`, `_count` included), labels
/// and value.
#[derive(Clone, Debug)]
pub struct Sample {
    pub name: String,
    pub labels: serde_json::Map<String, Value>,
    pub value: f64,
}

impl Sample {
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels.get(name).and_then(Value::as_str)
    }
}

/// A metric family as the parser read it (`name` without `_total` for counters).
#[derive(Clone, Debug)]
pub struct Family {
    pub name: String,
    pub kind: String,
    pub samples: Vec<Sample>,
}

/// Parses exposition text; a text the parser refuses is an error.
pub fn parse(python: &Path, text: &str) -> anyhow::Result<Vec<Family>> {
    let mut child = Command::new(python)
        .args(["-c", PARSER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", python.display()))?;
    child.stdin.take().context("stdin")?.write_all(text.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("prometheus_client refused the text: {}", String::from_utf8_lossy(&out.stderr));
    }
    let parsed: Vec<Value> = serde_json::from_slice(&out.stdout)?;
    let mut families = Vec::new();
    for f in parsed {
        let samples = f["samples"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| Sample { name: s["name"].as_str().unwrap_or_default().to_owned(), labels: s["labels"].as_object().cloned().unwrap_or_default(), value: s["value"].as_f64().unwrap_or(f64::NAN) })
            .collect();
        families.push(Family { name: f["name"].as_str().unwrap_or_default().to_owned(), kind: f["type"].as_str().unwrap_or_default().to_owned(), samples });
    }
    Ok(families)
}
