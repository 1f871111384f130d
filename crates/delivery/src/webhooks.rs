//! F-INT-4: the event webhook sender. Claims due deliveries with a lease (several
//! instances share the work; a killed instance's lease runs out and another instance,
//! or the restarted one, sends again: at least once, under the same `webhook-id`),
//! signs each per Standard Webhooks at the moment it is sent, and POSTs it. A 2xx
//! answer delivers it; anything else is tried again after an exponential back-off with
//! jitter, until the delivery is older than `give_up_after_ms`.
//!
//! Nothing logged or recorded carries the body, the secret or the URL (which may hold
//! a token in its query): the endpoint is named by its name.

use std::sync::Arc;
use std::time::Duration;

use ninsho_domain::crypto::{KeyRing, random_below};
use ninsho_domain::ports::Clock;
use ninsho_domain::types::UnixMillis;
use ninsho_domain::webhooks::{WebhookDelivery, WebhookStore, secret_aad, sign};
use tokio::sync::watch;

#[derive(Clone, Debug)]
pub struct WebhookConfig {
    /// How long a claimed delivery is this instance's; longer than `timeout`, so a
    /// slow receiver is not sent the same delivery twice at once.
    pub lease_ms: i64,
    pub poll_ms: u64,
    pub batch: i64,
    /// The first retry's delay; each further one doubles, up to `retry_max_ms`.
    pub retry_base_ms: i64,
    pub retry_max_ms: i64,
    /// A delivery still failing this long after its event is given up.
    pub give_up_after_ms: i64,
    /// The most a receiver may take to answer (connection included).
    pub timeout: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            lease_ms: 60_000,
            poll_ms: 500,
            batch: 16,
            retry_base_ms: 5_000,
            retry_max_ms: 3_600_000,
            give_up_after_ms: 3 * 86_400_000,
            timeout: Duration::from_secs(10),
        }
    }
}

/// Deliveries by topic and outcome (`delivered`, `retry`, `failed`).
pub const DELIVERIES: &str = "ninsho_webhook_deliveries_total";

/// The Standard Webhooks headers.
pub const HEADER_ID: &str = "webhook-id";
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
pub const HEADER_SIGNATURE: &str = "webhook-signature";

pub struct WebhookSender<S: WebhookStore> {
    pub store: S,
    pub keys: Arc<KeyRing>,
    pub clock: Arc<dyn Clock>,
    pub config: WebhookConfig,
    client: reqwest::Client,
}

impl<S: WebhookStore> Clone for WebhookSender<S> {
    fn clone(&self) -> Self {
        WebhookSender { store: self.store.clone(), keys: self.keys.clone(), clock: self.clock.clone(), config: self.config.clone(), client: self.client.clone() }
    }
}

impl<S: WebhookStore> WebhookSender<S> {
    /// The HTTP client is built once, here.
    pub fn new(store: S, keys: Arc<KeyRing>, clock: Arc<dyn Clock>, config: WebhookConfig) -> Result<Self, String> {
        let builder = reqwest::Client::builder()
            .connect_timeout(config.timeout)
            .timeout(config.timeout)
            // A signed delivery is not carried elsewhere: a redirect is an answer (retry).
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ninsho-webhooks/", env!("CARGO_PKG_VERSION")));
        #[cfg(feature = "tls")]
        let builder = builder.tls_backend_preconfigured(crate::providers::webhook::tls::client_config()?);
        let client = builder.build().map_err(|e| format!("webhook client: {}", e.without_url()))?;
        Ok(WebhookSender { store, keys, clock, config, client })
    }

    /// Runs until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            match self.run_once().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "webhooks: claim failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(self.config.poll_ms)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// One pass: claim a batch and try each delivery once, all at the same time (one
    /// slow receiver does not hold up the others). Returns how many were claimed.
    pub async fn run_once(&self) -> Result<usize, ninsho_domain::Error> {
        let batch = self.store.claim_webhooks(self.clock.now(), self.config.lease_ms, self.config.batch).await?;
        let n = batch.len();
        let mut tasks = tokio::task::JoinSet::new();
        for d in batch {
            let me = self.clone();
            tasks.spawn(async move { me.deliver(d).await });
        }
        while tasks.join_next().await.is_some() {}
        Ok(n)
    }

    async fn deliver(&self, d: WebhookDelivery) {
        let outcome = self.post(&d).await;
        let now = self.clock.now();
        let (name, topic) = (d.endpoint.name.as_str(), d.topic.as_str());
        let recorded = match outcome {
            Ok(()) => {
                metrics::counter!(DELIVERIES, "topic" => topic, "outcome" => "delivered").increment(1);
                tracing::info!(endpoint = name, webhook_id = %d.webhook_id, topic, attempts = d.attempts, "webhooks: delivered");
                self.store.webhook_delivered(d.row, now).await
            }
            Err(error) if now.0 - d.created_at.0 >= self.config.give_up_after_ms => {
                metrics::counter!(DELIVERIES, "topic" => topic, "outcome" => "failed").increment(1);
                tracing::error!(endpoint = name, webhook_id = %d.webhook_id, topic, attempts = d.attempts, %error, "webhooks: giving up on a delivery");
                self.store.webhook_failed(d.row, now, &error).await
            }
            Err(error) => {
                let delay = backoff(&self.config, d.attempts);
                metrics::counter!(DELIVERIES, "topic" => topic, "outcome" => "retry").increment(1);
                tracing::warn!(endpoint = name, webhook_id = %d.webhook_id, topic, attempts = d.attempts, %error, retry_in_ms = delay, "webhooks: delivery failed");
                self.store.webhook_retry(d.row, UnixMillis(now.0 + delay), &error).await
            }
        };
        if let Err(e) = recorded {
            tracing::error!(endpoint = name, webhook_id = %d.webhook_id, error = %e, "webhooks: could not record the outcome");
        }
    }

    /// One signed POST. The error says what happened, never the URL, body or secret.
    async fn post(&self, d: &WebhookDelivery) -> Result<(), String> {
        let key = self
            .keys
            .open(&secret_aad(d.endpoint.id), &d.endpoint.sealed_secret)
            .map_err(|_| "the endpoint's secret does not open with this master key".to_string())?;
        // Signed when sent: receivers refuse timestamps more than a few minutes old,
        // and a retry may come days after the event.
        let timestamp = self.clock.now().as_secs();
        let signature = sign(&key, &d.webhook_id, timestamp, &d.body);
        let sent = self
            .client
            .post(d.endpoint.url.as_str())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(HEADER_ID, &d.webhook_id)
            .header(HEADER_TIMESTAMP, timestamp.to_string())
            .header(HEADER_SIGNATURE, signature)
            .body(d.body.clone())
            .send()
            .await;
        match sent {
            // The answer's body is not read: only its status counts.
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("answered {}", r.status().as_u16())),
            Err(e) if e.is_timeout() => Err("timed out".into()),
            Err(e) if e.is_connect() => Err("could not connect".into()),
            Err(_) => Err("the request failed".into()),
        }
    }
}

/// The wait before try `attempts + 1`: `retry_base_ms` doubled for each try after the
/// first, capped at `retry_max_ms`, then between half and all of it at random, so
/// deliveries that failed together (a receiver down) do not all come back together.
pub fn backoff(c: &WebhookConfig, attempts: i64) -> i64 {
    let shift = (attempts.clamp(1, 31) - 1) as u32;
    let full = c.retry_base_ms.saturating_mul(1i64 << shift).min(c.retry_max_ms).max(1);
    let half = full / 2;
    let jitter = random_below(u32::try_from(full - half + 1).unwrap_or(u32::MAX)).map(i64::from).unwrap_or(0);
    (half + jitter).min(c.retry_max_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_int_4_back_off_doubles_with_jitter_and_is_capped() {
        let c = WebhookConfig { retry_base_ms: 1_000, retry_max_ms: 10_000, ..WebhookConfig::default() };
        for _ in 0..200 {
            let first = backoff(&c, 1);
            assert!((500..=1_000).contains(&first), "{first}");
            let third = backoff(&c, 3);
            assert!((2_000..=4_000).contains(&third), "{third}");
            let late = backoff(&c, 40);
            assert!((5_000..=10_000).contains(&late), "{late}");
        }
    }
}
