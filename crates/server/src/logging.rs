//! Structured logs (F-OPS-4): JSON lines by default, plain text on request. Secrets are
//! kept out by construction: they are `SecretString`s whose Debug prints nothing, spans
//! skip request bodies, and paths are logged as their route template.

use tracing_subscriber::EnvFilter;

use crate::settings::LogFormat;

pub fn init(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second init (tests start several apps in one process) is harmless.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// Whether `filter` is a filter (`info`, `ninsho=debug,warn`), with the parser's reason.
pub fn check_filter(filter: &str) -> Result<(), String> {
    EnvFilter::try_new(filter).map(|_| ()).map_err(|e| format!("{filter:?} is not a log filter: {e}"))
}
