//! `ninsho bench` counts only answers that did what was asked: a server that refuses
//! every code gets no verification rate, and the bench says it failed.

use ninsho_server::bench::{self, RowKind, Workload};

use super::*;

const WORK: Workload = Workload { requests: 8, concurrency: 4, overload_secs: 0.5, overload_max_rate: 200.0 };

#[tokio::test]
async fn bench_counts_every_row_as_accepted_on_a_healthy_server() {
    for backend in backends().await {
        let app = spawn_app_with(backend, bench::lift_quotas).await;
        let round = bench::measure(&app.running, &WORK).await.unwrap();
        for kind in RowKind::ALL {
            let t = round.get(kind);
            assert_eq!(t.failed, 0, "{backend:?} {}: {:?}", kind.label(), t.first_failure);
            assert!(t.ok > 0 && t.per_sec() > 0.0, "{backend:?} {}", kind.label());
        }
        assert_eq!(round.get(RowKind::SentCodeVerify).ok, WORK.requests);
        assert_eq!(round.get(RowKind::TotpVerify).concurrency, WORK.concurrency);
        assert_eq!(round.overload.failed, 0, "{:?}", round.overload.first_failure);
        assert!(round.overload.accepted_per_sec > 0.0 && round.overload.offered_per_sec > 0.0, "{:?}", round.overload);
        assert!(bench::verdict("test", &[round]).is_ok());
        app.shutdown().await;
    }
}

#[tokio::test]
async fn bench_reports_zero_accepted_and_every_refused_code_failed() {
    for backend in backends().await {
        // A server that refuses every code: no challenge has an attempt left.
        let app = spawn_app_with(backend, |c| {
            bench::lift_quotas(c);
            c.policy.codes.max_attempts_per_challenge = 0;
        })
        .await;
        let round = bench::measure(&app.running, &WORK).await.unwrap();
        for kind in [RowKind::SentCodeVerify, RowKind::TotpVerify] {
            let t = round.get(kind);
            assert_eq!((t.ok, t.failed), (0, WORK.requests), "{backend:?} {}", kind.label());
            assert_eq!(t.per_sec(), 0.0);
            assert!(t.first_failure.as_deref().is_some_and(|f| f.contains("challenge.closed")), "{:?}", t.first_failure);
        }
        // The rows the refusal does not touch still count: the checks are not blanket.
        assert_eq!(round.get(RowKind::SignIn).failed, 0, "{:?}", round.get(RowKind::SignIn).first_failure);
        assert_eq!(round.get(RowKind::Health).failed, 0);

        let printed = bench::summary("test", std::slice::from_ref(&round));
        let line = printed.lines().find(|l| l.contains(RowKind::SentCodeVerify.label())).unwrap();
        assert!(line.trim_end().ends_with(&format!(" {}", WORK.requests)), "the failed column: {line}");
        let verdict = bench::verdict("test", &[round]).unwrap_err().to_string();
        assert!(verdict.contains(RowKind::SentCodeVerify.label()) && verdict.contains(RowKind::TotpVerify.label()), "{verdict}");
        app.shutdown().await;
    }
}
