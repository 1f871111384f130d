//! `App::start(config)`: opens the store, starts the outbox dispatcher, the event
//! webhook sender, the HTTP
//! server and (when configured) the metrics listener, and answers `GET /health` once
//! all of that is up.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use ninsho_delivery::Dispatcher;
use ninsho_domain::password::Hasher;
use ninsho_domain::place::{NoPlaces, Places};
use ninsho_domain::ports::ClockSkew;
use ninsho_domain::Services;
use ninsho_storage::Db;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::api;
use crate::config::Config;

pub struct App;

/// A started server. Dropping it does not stop it; call `shutdown`.
pub struct Running {
    pub addr: SocketAddr,
    /// Where `/metrics` is served, when `Config::metrics_listen` asked for it.
    pub metrics_addr: Option<SocketAddr>,
    pub services: Services<Db>,
    pub db: Db,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    paused: Arc<std::sync::atomic::AtomicBool>,
}

#[derive(Clone)]
pub struct AppState {
    pub services: Services<Db>,
    pub db: Db,
    pub config: Arc<Config>,
    /// Service clients' requests this minute (F-INT-1).
    pub service_limits: Arc<crate::service_api::RateLimits>,
    /// F-INT-5: the key ID tokens are signed with, read again every minute.
    pub oidc_keys: Arc<crate::oidc::KeyCache>,
}

impl App {
    /// The use cases on their store, without delivery or HTTP (for the CLI).
    pub async fn services(config: &Config) -> anyhow::Result<Services<Db>> {
        let keys = Arc::new(config.key_ring()?);
        let db = Db::connect(&config.database_url).await.map_err(crate::config::operator_error)?;
        let places: Arc<dyn Places> = match &config.geoip_db {
            Some(path) => Arc::new(crate::geoip::GeoIp::open(path)?),
            None => Arc::new(NoPlaces),
        };
        let hasher = Hasher::new(&config.policy.password, config.hash_parallelism).map_err(crate::config::operator_error)?.shed_after(config.hash_max_wait);
        Ok(Services {
            store: db,
            keys,
            hasher,
            policy: Arc::new(config.policy.clone()),
            clock: config.clock.clone(),
            default_region: config.default_region.clone(),
            outbox_signal: Arc::new(Notify::new()),
            delivered: Arc::new(Notify::new()),
            clock_skew: Arc::new(ClockSkew::new(config.max_clock_skew.as_millis().min(i64::MAX as u128) as i64)),
            places,
        })
    }

    pub async fn start(config: Config) -> anyhow::Result<Running> {
        ninsho_delivery::install_tls_provider();
        let services = Self::services(&config).await?;
        let (db, keys, signal) = (services.store.clone(), services.keys.clone(), services.outbox_signal.clone());
        let (shutdown, rx) = watch::channel(false);
        let mut tasks = Vec::new();
        // The clocks are compared before the first request, then every so often.
        check_clock(&db, &services).await;
        // F-INT-5: the first ID-token key, before any request can ask for one.
        services.ensure_signing_key().await.map_err(crate::config::operator_error)?;
        tasks.push(tokio::spawn(watch_clock(db.clone(), services.clone(), config.clock_check_every, rx.clone())));
        tasks.push(tokio::spawn(end_due_locks_and_pauses(services.clone(), config.lock_sweep_every, rx.clone())));
        tasks.push(tokio::spawn(crate::audit::chain_continuously(db.clone(), rx.clone())));
        tasks.push(tokio::spawn(crate::audit::checkpoints(db.clone(), keys.clone(), config.clock.clone(), config.audit_checkpoint_every, rx.clone())));

        let paused = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let dispatcher = Dispatcher {
            delivered: services.delivered.clone(),
            paused: paused.clone(),
            store: db.clone(),
            keys,
            clock: config.clock.clone(),
            signal,
            providers: config.providers.clone(),
            config: config.dispatch.clone(),
        };
        tasks.push(tokio::spawn(dispatcher.run(rx.clone())));
        let webhooks = ninsho_delivery::WebhookSender::new(db.clone(), services.keys.clone(), config.clock.clone(), config.webhooks.clone()).map_err(anyhow::Error::msg)?;
        tasks.push(tokio::spawn(webhooks.run(rx.clone())));

        let listener = tokio::net::TcpListener::bind(config.listen).await.with_context(|| format!("cannot listen on {}", config.listen))?;
        let addr = listener.local_addr()?;
        let header_timeout = config.header_timeout;
        let mut metrics_addr = None;
        if let Some(at) = config.metrics_listen {
            let handle = crate::metrics::recorder().context("the metrics recorder could not be installed (another one was, first)")?;
            let metrics_listener = tokio::net::TcpListener::bind(at).await.with_context(|| format!("cannot listen for metrics on {at}"))?;
            let bound = metrics_listener.local_addr()?;
            metrics_addr = Some(bound);
            let scrape = crate::metrics::Scrape { handle: handle.clone(), services: services.clone() };
            tasks.push(tokio::spawn(crate::serve::run(metrics_listener, crate::metrics::router(scrape), header_timeout, rx.clone())));
            tasks.push(tokio::spawn(crate::metrics::upkeep(handle, rx.clone())));
            tracing::info!(addr = %bound, "metrics listening");
        }
        let state = AppState { services: services.clone(), db: db.clone(), config: Arc::new(config), service_limits: Arc::default(), oidc_keys: Arc::default() };
        let router = api::router(state);
        tasks.push(tokio::spawn(crate::serve::run(listener, router, header_timeout, rx.clone())));
        tracing::info!(%addr, backend = db.backend(), "ninsho listening");
        Ok(Running { addr, metrics_addr, services, db, shutdown, tasks, paused })
    }
}

/// Compares this instance's clock with the database's, allowing for the round trip.
async fn check_clock(db: &Db, services: &Services<Db>) {
    let clock = services.clock.clone();
    let Ok(reading) = db.clock_offset_ms(&move || clock.now().0).await else { return };
    let was_ok = services.clock_skew.check().is_ok();
    let ok = services.clock_skew.record(reading);
    let skew = services.clock_skew.skew_ms();
    if !ok {
        tracing::error!(skew_ms = skew, "this instance's clock differs from the database's: codes are refused (503) until the clocks agree; fix the time synchronisation");
    } else if !was_ok {
        tracing::info!(skew_ms = skew, "the clocks agree again: codes are served");
    }
}

async fn watch_clock(db: Db, services: Services<Db>, every: std::time::Duration, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => check_clock(&db, &services).await,
            _ = stop.changed() => return,
        }
    }
}

/// Housekeeping every `lock_sweep_every`. F-OFF-5: records the end of each lock whose
/// time has come and tells its owner (once across instances: the end is guarded);
/// F-OFF-2 likewise for pauses of 2SV; keeps the session cache's table of notices and
/// the SMS counts small; and purges the OpenID Connect provider's expired requests,
/// codes and tokens.
async fn end_due_locks_and_pauses(services: Services<Db>, every: std::time::Duration, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {
                match services.end_due_locks().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(ended = n, "account locks ended at their time"),
                    Err(e) => tracing::warn!(error = %e, "ending account locks whose time has come failed; trying again later"),
                }
                match services.end_due_suspensions().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(ended = n, "pauses of 2SV ended at their time"),
                    Err(e) => tracing::warn!(error = %e, "ending pauses of 2SV whose time has come failed; trying again later"),
                }
                // The session cache's notices, which every instance writes (F-INT-2).
                if let Err(e) = services.store.prune_cache_notices().await {
                    tracing::warn!(error = %e, "pruning the session cache's notices failed");
                }
                // F-LIMIT-4: counts older than any baseline looks back at.
                if let Err(e) = services.prune_sms_traffic().await {
                    tracing::warn!(error = %e, "pruning old SMS counts failed; trying again later");
                }
                // F-INT-5: what the OpenID Connect provider parked or issued and has
                // expired (every instance may run it; a row goes once).
                match services.purge_expired_oidc().await {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(rows = n, "expired OpenID Connect requests, codes and tokens purged"),
                    Err(e) => tracing::warn!(error = %e, "purging expired OpenID Connect requests, codes and tokens failed; trying again later"),
                }
            }
            _ = stop.changed() => return,
        }
    }
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Holds (or resumes) message delivery; messages wait in the outbox meanwhile.
    pub fn pause_delivery(&self, paused: bool) {
        self.paused.store(paused, std::sync::atomic::Ordering::SeqCst);
    }

    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        self.db.close().await;
    }
}
