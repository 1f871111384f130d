//! Structured logs (F-OPS-4): JSON lines by default, plain text on request. Secrets are
//! kept out by construction: they are `SecretString`s whose Debug prints nothing, spans
//! skip request bodies, and paths are logged as their route template.

use tracing_subscriber::EnvFilter;

pub fn init(format: &str, filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second init (tests start several apps in one process) is harmless.
    let _ = if format == "text" { builder.try_init() } else { builder.json().flatten_event(true).try_init() };
}
