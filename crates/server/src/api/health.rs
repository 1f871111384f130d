//! Probes (F-OPS-7). `/health/live`: the process answers. `/health/ready` (and its
//! older name `/health`): this instance can do its work — the database answers and
//! takes writes, its schema is the one this binary expects, this clock agrees with the
//! database's, the outbox is being delivered, and each channel has a provider. The
//! body names every check; 503 (a problem document, `reason` the first failed check's
//! cause, with `Retry-After`) when any fails, so a load balancer takes the instance
//! out and a person reading the body sees why.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ninsho_domain::Error;
use serde_json::{Value, json};

use crate::app::AppState;

pub async fn live() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// One check's verdict: `failed` is the cause (a `reason` word) and when to ask again.
struct Check {
    name: &'static str,
    failed: Option<(&'static str, u32)>,
    detail: Value,
}

impl Check {
    fn ok(name: &'static str, detail: Value) -> Check {
        Check { name, failed: None, detail }
    }
    fn failed(name: &'static str, reason: &'static str, retry_secs: u32, detail: Value) -> Check {
        Check { name, failed: Some((reason, retry_secs)), detail }
    }
    /// A check that could not read what it checks.
    fn unreadable(name: &'static str, e: &Error) -> Check {
        let (reason, retry) = match e {
            Error::Unavailable(o) => (o.as_str(), o.retry_after_secs()),
            Error::Busy => ("busy", 1),
            _ => ("database_error", 5),
        };
        Check::failed(name, reason, retry, json!({"error": e.code()}))
    }
}

pub async fn ready(State(s): State<AppState>) -> Response {
    // The three reads at once: a database that does not answer costs one timeout.
    let (database, migrations, backlog) = tokio::join!(s.db.readiness(), s.db.migrations(), s.db.outbox_backlog());
    let mut checks = Vec::with_capacity(5);
    checks.push(match database {
        Ok(()) => Check::ok("database", json!({"backend": s.db.backend()})),
        Err(o) => Check::failed("database", o.as_str(), o.retry_after_secs(), json!({"backend": s.db.backend()})),
    });
    checks.push(match migrations {
        Ok(m) if m.current() => Check::ok("migrations", json!({"applied": m.applied.len(), "known": m.known.len(), "newer": m.newer()})),
        Ok(m) => Check::failed("migrations", "migrations_pending", 30, json!({"applied": m.applied.len(), "known": m.known.len(), "missing": m.missing()})),
        Err(e) => Check::unreadable("migrations", &e),
    });
    let max_skew_ms = s.config.max_clock_skew.as_millis().min(i64::MAX as u128) as i64;
    let skew = json!({"skew_ms": s.services.clock_skew.skew_ms(), "max_skew_ms": max_skew_ms});
    checks.push(match s.services.clock_skew.check() {
        Ok(()) => Check::ok("clock", skew),
        Err(_) => Check::failed("clock", ninsho_domain::error::Outage::ClockSkew.as_str(), ninsho_domain::error::Outage::ClockSkew.retry_after_secs(), skew),
    });
    checks.push(match backlog {
        Ok(b) => {
            let now = s.services.clock.now();
            let stuck_after_ms = s.config.outbox_stuck_after.as_millis().min(i64::MAX as u128) as i64;
            let detail = json!({
                "pending": b.pending,
                "oldest_age_seconds": b.oldest_age_ms(now) / 1000,
                "overdue_seconds": b.overdue_ms(now) / 1000,
                "stuck_after_seconds": stuck_after_ms / 1000,
            });
            if b.overdue_ms(now) > stuck_after_ms { Check::failed("outbox", "outbox_stuck", 30, detail) } else { Check::ok("outbox", detail) }
        }
        Err(e) => Check::unreadable("outbox", &e),
    });
    checks.push(providers(&s.config.providers));

    let body: serde_json::Map<String, Value> = checks
        .iter()
        .map(|c| {
            let mut v = json!({"ok": c.failed.is_none()});
            if let (Some(o), Value::Object(d)) = (v.as_object_mut(), &c.detail) {
                o.extend(d.clone());
            }
            if let (Some((reason, _)), Some(o)) = (c.failed, v.as_object_mut()) {
                o.insert("reason".into(), json!(reason));
            }
            (c.name.to_owned(), v)
        })
        .collect();
    let failed: Vec<&Check> = checks.iter().filter(|c| c.failed.is_some()).collect();
    let Some((reason, retry)) = failed.first().and_then(|c| c.failed) else {
        return Json(json!({"status": "ok", "backend": s.db.backend(), "checks": body})).into_response();
    };
    let names: Vec<&str> = failed.iter().map(|c| c.name).collect();
    let detail = format!("not ready: {}", names.join(", "));
    let problem = super::problem_json(StatusCode::SERVICE_UNAVAILABLE, "server.unavailable", &detail, &[("reason", Some(reason))]);
    let mut doc: Value = serde_json::from_str(&problem).unwrap_or_else(|_| json!({}));
    if let Some(o) = doc.as_object_mut() {
        o.insert("checks".into(), Value::Object(body));
        o.insert("failed".into(), json!(names));
    }
    let mut res = (StatusCode::SERVICE_UNAVAILABLE, doc.to_string()).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry));
    res
}

/// Which provider each channel uses. The development inbox is fine while developing;
/// the check passes but says so, since with it nothing reaches a real person.
fn providers(p: &ninsho_delivery::Providers) -> Check {
    let mut detail = json!({"email": p.email.name(), "sms": p.sms.name(), "voice": p.voice.name()});
    let dev: Vec<&str> = [("email", &p.email), ("sms", &p.sms), ("voice", &p.voice)].iter().filter(|(_, pr)| matches!(pr, ninsho_delivery::Provider::DevInbox)).map(|(c, _)| *c).collect();
    if !dev.is_empty()
        && let Some(o) = detail.as_object_mut()
    {
        o.insert("note".into(), json!(format!("{} go to the development inbox: nothing is sent (fine for development only)", dev.join(", "))));
    }
    Check::ok("providers", detail)
}
