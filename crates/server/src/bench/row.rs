//! One row of the bench: `n` requests over `c` clients, every answer checked. Only the
//! answers that did what was asked count towards the rate; the others are failures,
//! counted and kept apart, so a server that refused everything could not post a figure.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::Value;

/// Why one answer did not count: said in one line, e.g. `401 auth.invalid_credentials`.
pub type Failure = String;

/// What one row measured in one round.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Answers that did what was asked.
    pub ok: usize,
    /// Answers that did not (wrong status, wrong body, transport error).
    pub failed: usize,
    /// Clients (or threads) that ran the requests at once.
    pub concurrency: usize,
    pub secs: f64,
    /// The first failure, to tell why a row failed.
    pub first_failure: Option<Failure>,
}

impl Tally {
    /// Accepted answers per second; failures add nothing.
    pub fn per_sec(&self) -> f64 {
        if self.secs > 0.0 { self.ok as f64 / self.secs } else { 0.0 }
    }
}

/// Runs jobs `0..n` over `c` concurrent workers and tallies their outcomes.
pub async fn run<F, Fut>(n: usize, c: usize, job: F) -> Tally
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), Failure>> + Send,
{
    let c = c.max(1);
    let job = Arc::new(job);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(c);
    for _ in 0..c {
        let (job, next) = (job.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut t = Tally::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                match job(i).await {
                    Ok(()) => t.ok += 1,
                    Err(why) => {
                        t.failed += 1;
                        t.first_failure.get_or_insert(why);
                    }
                }
            }
            t
        }));
    }
    let mut total = Tally { concurrency: c, ..Tally::default() };
    for task in tasks {
        match task.await {
            Ok(t) => {
                total.ok += t.ok;
                total.failed += t.failed;
                if total.first_failure.is_none() {
                    total.first_failure = t.first_failure;
                }
            }
            // A worker that panicked ran jobs nobody saw end: none of them count.
            Err(e) => {
                total.failed += 1;
                total.first_failure.get_or_insert(format!("worker failed: {e}"));
            }
        }
    }
    let accounted = total.ok + total.failed;
    if accounted < n {
        total.failed += n - accounted;
    }
    total.secs = start.elapsed().as_secs_f64();
    total
}

/// Tallies work done on plain threads (raw argon2id): `results` says which succeeded.
pub fn tally_threads(results: impl IntoIterator<Item = Result<(), Failure>>, concurrency: usize, secs: f64) -> Tally {
    let mut t = Tally { concurrency, secs, ..Tally::default() };
    for r in results {
        match r {
            Ok(()) => t.ok += 1,
            Err(why) => {
                t.failed += 1;
                t.first_failure.get_or_insert(why);
            }
        }
    }
    t
}

/// A JSON answer with this status whose body passes `check`; `what` names the
/// expectation in the failure line.
pub async fn expect_json(answer: reqwest::Result<reqwest::Response>, status: u16, what: &str, check: impl FnOnce(&Value) -> bool) -> Result<(), Failure> {
    let r = answer.map_err(|e| format!("transport: {e}"))?;
    let got = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    if got != status {
        let code = body.get("code").and_then(Value::as_str).unwrap_or("-");
        return Err(format!("{got} {code} (expected {status} {what})"));
    }
    if check(&body) { Ok(()) } else { Err(format!("{got} without {what}")) }
}

/// A text answer (a page) with this status whose body contains `needle`.
pub async fn expect_text(answer: reqwest::Result<reqwest::Response>, status: u16, needle: &str) -> Result<(), Failure> {
    let r = answer.map_err(|e| format!("transport: {e}"))?;
    let got = r.status().as_u16();
    let body = r.text().await.map_err(|e| format!("body: {e}"))?;
    if got != status {
        return Err(format!("{got} (expected {status})"));
    }
    if body.contains(needle) { Ok(()) } else { Err(format!("{got} without {needle:?}")) }
}

/// The body carries a non-empty string under `key`.
pub fn has_str(body: &Value, key: &str) -> bool {
    body.get(key).and_then(Value::as_str).is_some_and(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_row_counts_failures_apart_and_rates_only_successes() {
        let t = run(10, 3, |i| async move { if i % 2 == 0 { Ok(()) } else { Err(format!("odd {i}")) } }).await;
        assert_eq!((t.ok, t.failed, t.concurrency), (5, 5, 3));
        assert!(t.first_failure.is_some_and(|f| f.starts_with("odd")));
        let none = run(4, 2, |_| async { Err::<(), _>("refused".to_string()) }).await;
        assert_eq!((none.ok, none.failed), (0, 4));
        assert_eq!(none.per_sec(), 0.0);
    }

    #[tokio::test]
    async fn a_panicking_worker_leaves_its_jobs_counted_as_failed() {
        let t = run(6, 2, |i| async move {
            assert!(i != 3, "job 3 panics");
            Ok(())
        })
        .await;
        assert_eq!(t.ok + t.failed, 6);
        assert!(t.failed >= 1);
    }
}
