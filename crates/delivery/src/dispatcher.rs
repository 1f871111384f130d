//! The outbox worker. Claims due messages with a lease (so several instances share the
//! work), renders and sends each, and records the outcome: sent; retry later with
//! exponential back-off; or failed after `give_up_after_secs`, which gives the send
//! quota back (failed sends do not count, F-LIMIT-1).

use std::sync::Arc;
use std::time::Duration;

use ninsho_domain::crypto::KeyRing;
use ninsho_domain::messages::{Template, body_aad, open_vars};
use ninsho_domain::ports::{Clock, OutboxMessage, OutboxStore};
use ninsho_domain::types::UnixMillis;
use tokio::sync::{Notify, watch};

use crate::providers::Providers;
use crate::render::render;

#[derive(Clone, Debug)]
pub struct DispatchConfig {
    pub lease_ms: i64,
    pub poll_ms: u64,
    pub batch: i64,
    pub retry_base_ms: i64,
    pub retry_max_ms: i64,
    pub give_up_after_secs: i64,
    /// The most SMS segments a message may take; every template is checked against it.
    pub max_sms_segments: usize,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        DispatchConfig { lease_ms: 30_000, poll_ms: 500, batch: 16, retry_base_ms: 1_000, retry_max_ms: 300_000, give_up_after_secs: 3_600, max_sms_segments: crate::sms::MAX_SEGMENTS }
    }
}

/// Messages handed to a provider, by provider, channel and outcome (`sent`, `retry`,
/// `failed`), and how long each hand-over took (F-OPS-4).
pub const SENDS: &str = "ninsho_provider_sends_total";
pub const SEND_SECONDS: &str = "ninsho_provider_send_seconds";

fn sent(provider: &'static str, m: &OutboxMessage, outcome: &'static str) {
    metrics::counter!(SENDS, "provider" => provider, "channel" => m.channel.as_str(), "outcome" => outcome).increment(1);
}

pub struct Dispatcher<S: OutboxStore> {
    pub store: S,
    pub keys: Arc<KeyRing>,
    pub clock: Arc<dyn Clock>,
    pub signal: Arc<Notify>,
    /// Woken after each message handed to its provider (a request waiting to say "sent").
    pub delivered: Arc<Notify>,
    pub providers: Providers,
    pub config: DispatchConfig,
    /// Operators (and tests) can hold delivery; messages wait in the outbox.
    pub paused: Arc<std::sync::atomic::AtomicBool>,
}

impl<S: OutboxStore> Dispatcher<S> {
    /// Runs until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            let notified = self.signal.notified();
            let paused = self.paused.load(std::sync::atomic::Ordering::SeqCst);
            match if paused { Ok(0) } else { self.run_once().await } {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "outbox: claim failed"),
            }
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep(Duration::from_millis(self.config.poll_ms)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// One pass: claim a batch and try each message once. Returns how many were claimed.
    pub async fn run_once(&self) -> Result<usize, ninsho_domain::Error> {
        let now = self.clock.now();
        let batch = self.store.claim_outbox(now, self.config.lease_ms, self.config.batch).await?;
        for m in &batch {
            self.deliver(m).await;
        }
        Ok(batch.len())
    }

    async fn deliver(&self, m: &OutboxMessage) {
        let provider = self.providers.for_channel(m.channel).name();
        let started = std::time::Instant::now();
        let outcome = match (Template::parse(&m.template), open_vars(&self.keys, m)) {
            (Some(t), Ok(vars)) => {
                let rendered = render(t, m.locale, m.channel, &vars);
                let text = match &rendered.subject {
                    Some(s) => format!("{s}\n\n{}", rendered.body),
                    None => rendered.body.clone(),
                };
                // Sealed before sending: the record exists however the send ends.
                match self.keys.seal(&body_aad(m.id), text.as_bytes()) {
                    Ok(sealed) => self.providers.send(&self.store, m, &rendered, self.clock.now()).await.map(|()| sealed),
                    Err(e) => Err(format!("sealing: {e}")),
                }
            }
            (None, _) => Err(format!("unknown template {}", m.template)),
            (_, Err(e)) => Err(format!("payload: {e}")),
        };
        let now = self.clock.now();
        metrics::histogram!(SEND_SECONDS, "provider" => provider, "channel" => m.channel.as_str()).record(started.elapsed().as_secs_f64());
        let result = match outcome {
            Ok(sealed) => {
                sent(provider, m, "sent");
                tracing::info!(message_id = %m.id, template = %m.template, channel = m.channel.as_str(), provider = self.providers.for_channel(m.channel).name(), "outbox: sent");
                let marked = self.store.mark_sent(m.id, now, &sealed).await;
                self.delivered.notify_waiters();
                marked
            }
            // A provider that says retrying cannot help ("permanent: …"), or a message
            // older than the give-up time, fails now and gives its quota back.
            Err(err) if err.starts_with("permanent:") || now.0 - m.created_at.0 >= self.config.give_up_after_secs * 1000 => {
                sent(provider, m, "failed");
                tracing::warn!(message_id = %m.id, error = %err, "outbox: giving up");
                self.store.mark_failed(m.id, now, &err).await
            }
            Err(err) => {
                let shift = (m.attempts.clamp(1, 20) - 1) as u32;
                let delay = self.config.retry_base_ms.saturating_mul(1i64 << shift).min(self.config.retry_max_ms);
                sent(provider, m, "retry");
                tracing::warn!(message_id = %m.id, error = %err, retry_in_ms = delay, "outbox: send failed");
                self.store.mark_retry(m.id, UnixMillis(now.0 + delay), &err).await
            }
        };
        if let Err(e) = result {
            tracing::error!(message_id = %m.id, error = %e, "outbox: could not record the outcome");
        }
    }
}
