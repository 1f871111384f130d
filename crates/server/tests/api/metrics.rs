//! F-OPS-4: `/metrics` on its own listener, in a text a real Prometheus parser reads
//! (`prometheus-client`, see `ninsho_testkit::prometheus`), counting what happened —
//! and naming nothing personal: no address, number, token or id in any label.

use super::*;
use ninsho_testkit::prometheus::{self, Family};

fn family<'a>(families: &'a [Family], name: &str) -> &'a Family {
    families.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no family {name} in {:?}", families.iter().map(|f| &f.name).collect::<Vec<_>>()))
}

/// The sum of a family's samples named `sample` whose labels include `want`.
fn total(families: &[Family], name: &str, sample: &str, want: &[(&str, &str)]) -> f64 {
    family(families, name).samples.iter().filter(|s| s.name == sample && want.iter().all(|(k, v)| s.label(k) == Some(*v))).map(|s| s.value).sum()
}

/// A run of six or more digits: a phone number, a code, an id's piece.
fn has_digit_run(s: &str) -> bool {
    s.as_bytes().split(|b| !b.is_ascii_digit()).any(|run| run.len() >= 6)
}

#[tokio::test]
async fn f_ops_4_metrics_count_a_sign_in_with_a_code_and_name_nothing_personal() {
    let Some(python) = prometheus::parser() else {
        assert!(!prometheus::required(), "NINSHO_TEST_MMDB=1 but NINSHO_MMDB_PYTHON names no Python with prometheus_client");
        println!("skipped: no prometheus_client (set NINSHO_MMDB_PYTHON to a Python with `pip install prometheus-client`)");
        return;
    };
    // One app per backend in this process: both render from the one global recorder.
    for b in backends().await {
        let app = spawn_app_with(b, |c| c.metrics_listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))).await;
        let metrics_url = format!("http://{}/metrics", app.running.metrics_addr.expect("a metrics address"));
        assert_ne!(app.running.metrics_addr, Some(app.running.addr));

        // A sign-in with a code sent by SMS.
        let acct = two_sv_account(&app).await;
        let before = app.inbox_count("+819012345678").await;
        let s = sign_in(&app, &browser(UA_B), &acct.email, json!({})).await;
        assert_eq!(s.body["status"], "code_required", "{:?}", s.body);
        let cid = s.body["challenge_id"].as_str().unwrap().to_string();
        let code = app.code_after("+819012345678", before).await;
        let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code}))).await;
        assert_eq!(v.status, 200, "{:?}", v.body);
        let session = v.body["session_token"].as_str().unwrap().to_string();
        // Wrong passwords for an address typed again and again, until it must wait.
        let stranger = unique_email();
        let mut throttled = false;
        for _ in 0..8 {
            let r = call(&app.http, &app.url, "POST", "/api/v1/sign-in", None, Some(json!({"email": stranger, "password": "not the password at all"}))).await;
            throttled |= r.status == 429;
        }
        assert!(throttled, "the sixth wrong password waits");
        // A path no route matches, with an address in it.
        assert_eq!(app.call("GET", &format!("/nowhere/{}", acct.email), None, None).await.status, 404);
        // The public listener has no /metrics.
        assert_eq!(app.http.get(format!("{}/metrics", app.url)).send().await.unwrap().status(), 404);

        let res = app.http.get(&metrics_url).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
        let text = res.text().await.unwrap();
        let families = prometheus::parse(&python, &text).unwrap_or_else(|e| panic!("{e}\n{text}"));

        // Requests by route template and status, with their latency.
        assert_eq!(family(&families, "ninsho_http_requests").kind, "counter");
        assert!(total(&families, "ninsho_http_requests", "ninsho_http_requests_total", &[("route", "/api/v1/sign-in"), ("method", "POST"), ("status", "200")]) >= 1.0);
        assert!(total(&families, "ninsho_http_requests", "ninsho_http_requests_total", &[("route", "/api/v1/challenges/{id}/verify"), ("status", "200")]) >= 1.0);
        assert!(total(&families, "ninsho_http_requests", "ninsho_http_requests_total", &[("route", "/api/v1/sign-in"), ("status", "429")]) >= 1.0);
        assert!(total(&families, "ninsho_http_requests", "ninsho_http_requests_total", &[("route", "unmatched"), ("status", "404")]) >= 1.0);
        assert_eq!(family(&families, "ninsho_http_request_duration_seconds").kind, "histogram");
        assert!(total(&families, "ninsho_http_request_duration_seconds", "ninsho_http_request_duration_seconds_count", &[("route", "/api/v1/sign-in")]) >= 1.0);
        assert!(total(&families, "ninsho_http_request_duration_seconds", "ninsho_http_request_duration_seconds_bucket", &[("route", "/api/v1/sign-in"), ("le", "+Inf")]) >= 1.0);

        // The use cases: sign-ins, code sends and verifications by method and outcome.
        assert!(total(&families, "ninsho_sign_ins", "ninsho_sign_ins_total", &[("method", "password"), ("outcome", "code_required")]) >= 1.0);
        assert!(total(&families, "ninsho_sign_ins", "ninsho_sign_ins_total", &[("method", "password"), ("outcome", "auth.invalid_credentials")]) >= 1.0);
        assert!(total(&families, "ninsho_sign_ins", "ninsho_sign_ins_total", &[("method", "password"), ("outcome", "auth.throttled")]) >= 1.0);
        let sms_sends = total(&families, "ninsho_code_sends", "ninsho_code_sends_total", &[("channel", "sms"), ("outcome", "sent")])
            + total(&families, "ninsho_code_sends", "ninsho_code_sends_total", &[("channel", "sms"), ("outcome", "queued")]);
        assert!(sms_sends >= 2.0, "the phone's enrolment code and the sign-in code: {sms_sends}");
        assert!(total(&families, "ninsho_verifications", "ninsho_verifications_total", &[("method", "phone"), ("outcome", "accepted")]) >= 2.0);
        assert!(total(&families, "ninsho_verifications", "ninsho_verifications_total", &[("method", "email"), ("outcome", "accepted")]) >= 1.0);
        // Refusals by kind: the throttle's account key; quotas are listed at zero.
        assert!(total(&families, "ninsho_throttle_refusals", "ninsho_throttle_refusals_total", &[("kind", "account")]) >= 1.0);
        assert!(total(&families, "ninsho_quota_refusals", "ninsho_quota_refusals_total", &[("kind", "destination")]) >= 0.0);
        // Delivery, through the development inbox.
        assert!(total(&families, "ninsho_provider_sends", "ninsho_provider_sends_total", &[("provider", "dev-inbox"), ("channel", "sms"), ("outcome", "sent")]) >= 2.0);
        assert_eq!(family(&families, "ninsho_provider_send_seconds").kind, "histogram");
        // Password hashing's queue and wait.
        assert!(total(&families, "ninsho_password_hash_wait_seconds", "ninsho_password_hash_wait_seconds_count", &[]) >= 1.0);
        assert!(total(&families, "ninsho_password_hash_queue", "ninsho_password_hash_queue", &[]) >= 0.0);
        // This instance's outbox and pools, read at the scrape.
        assert_eq!(total(&families, "ninsho_database_up", "ninsho_database_up", &[]), 1.0);
        assert!(total(&families, "ninsho_outbox_pending", "ninsho_outbox_pending", &[]) >= 0.0);
        assert!(total(&families, "ninsho_outbox_oldest_age_seconds", "ninsho_outbox_oldest_age_seconds", &[]) >= 0.0);
        assert!(total(&families, "ninsho_db_pool_connections", "ninsho_db_pool_connections", &[]) >= 1.0, "a pool has a connection open");
        assert!(total(&families, "ninsho_db_pool_max_connections", "ninsho_db_pool_max_connections", &[]) >= 1.0);

        // No label says who: no address, number, token, code or id.
        let secrets = [acct.email.as_str(), stranger.as_str(), "+819012345678", "09012345678", &code, &acct.token, &session, &cid];
        for f in &families {
            for s in &f.samples {
                for (k, v) in &s.labels {
                    let v = v.as_str().unwrap_or_default();
                    assert!(!v.contains('@') && !has_digit_run(v), "{}: label {k}={v}", s.name);
                    for secret in secrets {
                        assert!(!v.contains(secret), "{}: label {k}={v} holds a secret", s.name);
                    }
                    if k == "route" {
                        assert!(v.starts_with('/') || v == "unmatched", "{}: route {v}", s.name);
                    }
                }
            }
        }
        app.shutdown().await;
    }
}
