//! The development inbox: keeps what would be sent in the database, readable at
//! `/dev/inbox` and by tests. Idempotent per message id.

use ninsho_domain::ports::{OutboxMessage, OutboxStore};
use ninsho_domain::types::UnixMillis;

use crate::render::Rendered;

pub async fn send<S: OutboxStore>(store: &S, m: &OutboxMessage, r: &Rendered, now: UnixMillis) -> Result<(), String> {
    let body = match &r.subject {
        Some(s) => format!("Subject: {s}\n\n{}", r.body),
        None => r.body.clone(),
    };
    store.dev_inbox_put(m.id, m.channel, &m.destination, &body, now).await.map_err(|e| e.to_string())
}

/// The espeak-ng voice for an account language.
fn voice(locale: ninsho_domain::types::Locale) -> &'static str {
    use ninsho_domain::types::Locale::*;
    match locale {
        En => "en",
        Ja => "ja",
        Zh => "cmn",
        Fr => "fr",
    }
}

/// Speaks a voice script into `dir/<message id>.wav` with `espeak-ng`.
pub async fn speak(dir: &std::path::Path, m: &OutboxMessage, script: &str) -> Result<std::path::PathBuf, String> {
    tokio::fs::create_dir_all(dir).await.map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(format!("{}.wav", m.id));
    let run = tokio::process::Command::new("espeak-ng")
        .arg("-v")
        .arg(voice(m.locale))
        .arg("-w")
        .arg(&path)
        .arg("--")
        .arg(script)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    match tokio::time::timeout(std::time::Duration::from_secs(20), run).await {
        Ok(Ok(st)) if st.success() => Ok(path),
        Ok(Ok(st)) => Err(format!("espeak-ng exited with {st}")),
        Ok(Err(e)) => Err(format!("espeak-ng: {e}")),
        Err(_) => Err("espeak-ng timed out".into()),
    }
}
