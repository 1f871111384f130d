//! `/metrics` in the Prometheus text format (F-OPS-4), on a listener of its own
//! (`Config::metrics_listen`) so that a public listener never shows it by accident.
//!
//! Counters and histograms go through the `metrics` facade into one process-wide
//! Prometheus recorder: requests (`api::observe`), sign-ins, code sends,
//! verifications, refusals and password-hash waits (`ninsho_domain::telemetry`),
//! provider sends (`ninsho_delivery::dispatcher`), event webhook deliveries
//! (`ninsho_delivery::webhooks`). The recorder is global, so it is
//! installed once and every instance in the process renders from it (tests start
//! several). What belongs to one instance — its outbox, pools, hashing queue, clock —
//! is read at scrape time and written after the recorder's text, not set as global
//! gauges that another instance in the same process would overwrite.

use std::fmt::Write as _;
use std::sync::OnceLock;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use ninsho_domain::Services;
use ninsho_domain::telemetry;
use ninsho_storage::Db;
use tokio::sync::watch;

pub const HTTP_REQUESTS: &str = "ninsho_http_requests_total";
pub const HTTP_SECONDS: &str = "ninsho_http_request_duration_seconds";

/// Latency buckets of every `…_seconds` histogram: from a cached page to a slow hash.
const SECONDS_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// How often histogram samples are folded into their buckets between scrapes, so
/// that an instance nobody scrapes does not keep every sample.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use; `None` if another recorder was
/// installed first (the error is logged once).
pub fn recorder() -> Option<PrometheusHandle> {
    RECORDER.get_or_init(install).clone()
}

fn install() -> Option<PrometheusHandle> {
    let built = PrometheusBuilder::new().set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS).and_then(|b| b.install_recorder());
    match built {
        Ok(handle) => {
            describe();
            telemetry::register_refusals();
            Some(handle)
        }
        Err(e) => {
            tracing::error!(error = %e, "metrics: cannot install the Prometheus recorder");
            None
        }
    }
}

fn describe() {
    use metrics::{describe_counter, describe_histogram};
    describe_counter!(HTTP_REQUESTS, "HTTP requests answered, by method, route template and status");
    describe_histogram!(HTTP_SECONDS, metrics::Unit::Seconds, "Time to the response head, by method and route template");
    describe_counter!(telemetry::SIGN_INS, "Sign-ins by method (password, device) and outcome (signed_in, code_required, or the error code)");
    describe_counter!(telemetry::CODE_SENDS, "Codes sent by channel and outcome (sent, queued, or the error code)");
    describe_counter!(telemetry::VERIFICATIONS, "Codes checked by method kind and outcome (accepted, or the error code)");
    describe_counter!(telemetry::QUOTA_REFUSALS, "Sends refused by a send quota, by the quota's kind");
    describe_counter!(telemetry::THROTTLE_REFUSALS, "Password tries refused while their key must wait, by kind (account, address)");
    describe_histogram!(telemetry::HASH_WAIT, metrics::Unit::Seconds, "Time a password hash waited for a hashing thread");
    describe_counter!(telemetry::HASH_SHED, "Password hashes refused at once because the queue was too long");
    describe_counter!(telemetry::SMS_PAUSES, "Number prefixes and countries paused because their SMS and voice codes jumped above their baseline, by country (F-LIMIT-4)");
    describe_counter!(telemetry::SMS_BUDGET_SPENT, "Hours whose SMS and voice code budget was spent (F-LIMIT-4)");
    describe_counter!(telemetry::UNSOLICITED_WARNINGS, "Owners told that sign-in codes kept coming without a sign-in (F-LIMIT-3)");
    describe_counter!(ninsho_delivery::dispatcher::SENDS, "Messages handed to a provider, by provider, channel and outcome (sent, retry, failed)");
    describe_histogram!(ninsho_delivery::dispatcher::SEND_SECONDS, metrics::Unit::Seconds, "Time a provider took to take a message");
    describe_counter!(ninsho_delivery::webhooks::DELIVERIES, "Event webhook deliveries tried, by topic and outcome (delivered, retry, failed)");
}

/// What a scrape reads besides the recorder: this instance's own state.
#[derive(Clone)]
pub struct Scrape {
    pub handle: PrometheusHandle,
    pub services: Services<Db>,
}

/// The metrics listener's routes: `/metrics` and nothing else.
pub fn router(scrape: Scrape) -> Router {
    Router::new().route("/metrics", get(metrics)).fallback(|| async { StatusCode::NOT_FOUND }).with_state(scrape)
}

async fn metrics(State(s): State<Scrape>) -> Response {
    let mut text = s.handle.render();
    instance(&s.services, &mut text).await;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], text).into_response()
}

/// Folds histogram samples into buckets until `stop` turns true.
pub async fn upkeep(handle: PrometheusHandle, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(UPKEEP_EVERY) => handle.run_upkeep(),
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// This instance's gauges, one cheap store read for the outbox.
async fn instance(services: &Services<Db>, out: &mut String) {
    let now = services.clock.now();
    let backlog = services.store.outbox_backlog().await;
    let one = |v: f64| vec![(vec![], v)];
    gauge(out, "ninsho_database_up", "Whether the outbox could be read at this scrape (1) or not (0)", one(if backlog.is_ok() { 1.0 } else { 0.0 }));
    if let Ok(b) = backlog {
        gauge(out, "ninsho_outbox_pending", "Messages in the outbox not yet delivered", one(b.pending as f64));
        gauge(out, "ninsho_outbox_oldest_age_seconds", "Age of the oldest undelivered message", one(b.oldest_age_ms(now) as f64 / 1000.0));
        gauge(out, "ninsho_outbox_overdue_seconds", "How long the oldest due message has waited past its time", one(b.overdue_ms(now) as f64 / 1000.0));
    }
    if let Ok((pending, oldest)) = ninsho_domain::webhooks::WebhookStore::webhook_backlog(&services.store).await {
        gauge(out, "ninsho_webhook_pending", "Event webhook deliveries not yet delivered (nor given up)", one(pending as f64));
        let age = oldest.map_or(0, |t| (now.0 - t.0).max(0));
        gauge(out, "ninsho_webhook_oldest_age_seconds", "Age of the oldest event webhook delivery not yet delivered", one(age as f64 / 1000.0));
    }
    if let Ok(n) = ninsho_domain::ports::Store::sms_pauses_running(&services.store, now).await {
        gauge(out, "ninsho_sms_destinations_paused", "Number prefixes and countries whose SMS and voice codes are paused now, the spent hourly budget included (F-LIMIT-4)", one(n as f64));
    }
    gauge(out, "ninsho_password_hash_queue", "Password hashes admitted and not yet started", one(services.hasher.queue_depth() as f64));
    gauge(out, "ninsho_clock_skew_seconds", "The database's clock minus this instance's, at the last comparison", one(services.clock_skew.skew_ms() as f64 / 1000.0));
    let pools = services.store.pools();
    let connections = pools.iter().flat_map(|p| {
        let busy = (p.size as usize).saturating_sub(p.idle);
        [(vec![("pool", p.pool), ("state", "idle")], p.idle as f64), (vec![("pool", p.pool), ("state", "busy")], busy as f64)]
    });
    gauge(out, "ninsho_db_pool_connections", "Open database connections by pool and state (idle, busy)", connections.collect());
    gauge(out, "ninsho_db_pool_max_connections", "The most connections each pool opens", pools.iter().map(|p| (vec![("pool", p.pool)], f64::from(p.max))).collect());
    let cache = services.store.session_cache();
    family(
        out,
        "counter",
        "ninsho_session_cache_answers_total",
        "Session checks (F-INT-2) by how the session cache answered: from memory, read from the database, or read because the cache could not vouch for itself",
        vec![(vec![("answer", "hit")], cache.hits as f64), (vec![("answer", "miss")], cache.misses as f64), (vec![("answer", "bypass")], cache.bypasses as f64)],
    );
    gauge(out, "ninsho_session_cache_live", "Whether the session cache hears every change and answers (1) or every check reads the database (0)", one(if cache.live { 1.0 } else { 0.0 }));
}

/// A gauge family. Label values are our own constants: nothing to escape.
fn gauge(out: &mut String, name: &str, help: &str, samples: Vec<(Vec<(&'static str, &'static str)>, f64)>) {
    family(out, "gauge", name, help, samples);
}

fn family(out: &mut String, kind: &str, name: &str, help: &str, samples: Vec<(Vec<(&'static str, &'static str)>, f64)>) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    for (labels, value) in samples {
        let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
        let labels = if labels.is_empty() { String::new() } else { format!("{{{}}}", labels.join(",")) };
        let _ = writeln!(out, "{name}{labels} {value}");
    }
}
