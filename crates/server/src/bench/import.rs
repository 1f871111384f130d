//! The bulk-import row (F-DLV-6): N generated shipments that all need a code, through
//! the import's own loop (`crate::import`), timed from the first chunk to the last
//! commit. The codes' messages wait in the outbox meanwhile (delivery is held): sending
//! a million e-mails to the dev inbox is another workload, not the import's.

use std::time::Instant;

use ninsho_domain::email::Email;
use ninsho_domain::ports::{Account, Store, Write};
use ninsho_domain::service::Shipment;
use ninsho_domain::types::*;

use crate::Running;

/// What one import measured.
#[derive(Debug, Default)]
pub struct ImportFigures {
    pub shipments: usize,
    pub secs: f64,
    /// New deliveries with their code issued: the only ones the rate counts.
    pub issued: u64,
    pub failed: u64,
    pub first_failure: Option<String>,
    pub raw_commits_per_sec: f64,
    pub raw_commit_clients: usize,
    /// The process's peak resident set during the import (VmHWM), in MiB.
    pub peak_rss_mib: Option<f64>,
    /// How long after the last commit the security log had chained every event
    /// (the chainer runs beside the import, as on a live server); `None` if it had not
    /// within two minutes.
    pub chained_after_secs: Option<f64>,
}

impl ImportFigures {
    pub fn per_sec(&self) -> f64 {
        if self.secs > 0.0 { self.issued as f64 / self.secs } else { 0.0 }
    }

    pub fn line(&self, label: &str) -> String {
        let rss = self.peak_rss_mib.map(|m| format!("{m:.0} MiB")).unwrap_or_else(|| "unknown".into());
        let mut s = format!(
            "\n[{label}] bulk import (F-DLV-6): {} shipments needing a code in {:.2} s = {:.0} shipments/s (raw durable commits: {:.0}/s at {} clients); peak RSS {rss}; failed {}",
            self.shipments,
            self.secs,
            self.per_sec(),
            self.raw_commits_per_sec,
            self.raw_commit_clients,
            self.failed
        );
        match self.chained_after_secs {
            Some(c) => s.push_str(&format!("; security log chained {c:.1} s after the last commit")),
            None => s.push_str("; security log NOT chained within 120 s"),
        }
        if let Some(f) = &self.first_failure {
            s.push_str(&format!(" (first: {f})"));
        }
        s
    }
}

/// The peak resident set since the last reset, from /proc (Linux).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn err(e: impl std::fmt::Debug) -> anyhow::Error {
    anyhow::anyhow!("bench set-up: {e:?}")
}

/// Imports `n` shipments for 100 accounts (e-mail codes) and measures it, next to raw
/// durable commits taken just before.
pub async fn measure_import(running: &Running, n: usize, concurrency: usize) -> anyhow::Result<ImportFigures> {
    let svc = running.services.clone();
    let now = svc.clock.now();
    let accounts: Vec<Account> = (0..100)
        .map(|_| Account {
            id: AccountId::new(),
            email: Email::from_stored(format!("bench-{}@example.com", uuid::Uuid::new_v4().simple())),
            password_hash: "unused".into(),
            locale: Locale::En,
            created_at: now,
            email_verified_at: Some(now),
            last_sign_in_at: None,
            credentials_changed_at: None,
            twosv_enabled_at: None,
            preferred_factor: None,
            signin_alerts: false,
            time_zone: None,
            locked_until: None,
            twosv_suspended_until: None,
        })
        .collect();
    let ids: Vec<AccountId> = accounts.iter().map(|a| a.id).collect();
    svc.store.commit(accounts.into_iter().map(Write::InsertAccount).collect()).await.map_err(err)?;
    let (client, _) = svc.add_service_client(&format!("bench-{}", uuid::Uuid::new_v4().simple()), &[Scope::DeliveriesWrite], 6_000_000).await.map_err(err)?;

    let db = running.db.clone();
    let raw = super::row::run(2000, concurrency, move |i| {
        let d = db.clone();
        async move { d.raw_commit(UnixMillis(i as i64)).await.map_err(|e| format!("{e:?}")) }
    })
    .await;

    let amount = ninsho_domain::money::Money::parse("150000", ninsho_domain::money::Currency::Jpy).map_err(err)?;
    let zone = ninsho_domain::zone::TimeZoneName::parse("Asia/Tokyo").map_err(err)?;
    let date = jiff::tz::TimeZone::UTC.to_datetime(jiff::Timestamp::now()).date().tomorrow().map_err(err)?;
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let shipments = (0..n).map(move |i| {
        let s = Shipment {
            order_id: format!("bench-{run}-{i}"),
            account: ids[i % ids.len()],
            amount,
            categories: vec!["general".into()],
            country: "JP".into(),
            time_zone: zone.clone(),
            carrier: "bench".into(),
            tracking_id: format!("B{run}-{i}"),
            delivery_date: date,
            address_changed_days_ago: None,
        };
        (i as u64 + 1, Ok(s))
    });

    running.pause_delivery(true);
    // Only the import's own peak counts: the resident set's high-water mark restarts.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let start = Instant::now();
    let summary = crate::import::import(&svc, &client, shipments, |_| {}).await;
    let secs = start.elapsed().as_secs_f64();
    let peak_rss_mib = peak_rss_mib();
    let summary = summary?;
    let chained = Instant::now();
    let mut chained_after_secs = None;
    while chained.elapsed().as_secs() < 120 {
        if running.db.audit_unchained(i64::MIN).await.map_err(err)?.pending == 0 {
            chained_after_secs = Some(chained.elapsed().as_secs_f64());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Only what the database holds counts: each delivery with its code (hash, sealed
    // copy, expiry), the message naming it, and as many code events as such deliveries.
    let (whole, events) = running.db.count_coded_deliveries(client.id).await.map_err(err)?;
    let reported = summary.issued.saturating_sub(summary.already);
    let issued = reported.min(whole.max(0) as u64).min(events.max(0) as u64);
    let first_failure = summary.reasons.iter().next().map(|(k, r)| format!("{k}: {}", r.detail));
    let first_failure = first_failure.or_else(|| (summary.already > 0).then(|| format!("{} already registered", summary.already)));
    let first_failure = first_failure.or_else(|| {
        (issued < reported).then(|| format!("{reported} reported issued, but the database holds {whole} whole deliveries with a code and {events} code events"))
    });
    Ok(ImportFigures {
        chained_after_secs,
        shipments: n,
        secs,
        issued,
        failed: n as u64 - issued,
        first_failure,
        raw_commits_per_sec: raw.per_sec(),
        raw_commit_clients: raw.concurrency,
        peak_rss_mib,
    })
}
