//! F-LIMIT-4: SMS toll fraud. Codes by SMS or voice go only to the allowed countries;
//! a number prefix or a country whose sends jump above its baseline is paused, the
//! hour's budget caps them all, and the operator hears of it (log, metric, event) —
//! while legitimate traffic elsewhere goes through.

use std::str::FromStr;

use super::*;
use ninsho_domain::ports::{FakeClock, OutboxStore};
use ninsho_domain::types::UnixMillis;

/// The pumped prefix (+44740, with 3 digits after the country code) and another in
/// the same country: UK mobile numbers.
fn pumped(i: usize) -> String {
    format!("+44 7400 {:06}", 100_000 + i)
}
fn other_uk(i: usize) -> String {
    format!("+44 7912 {:06}", 300_000 + i)
}

/// Toll-fraud limits small enough to reach, every other send quota lifted: what stops
/// a send here is F-LIMIT-4 alone.
fn limits(c: &mut ninsho_server::Config, prefix_floor: i64, country_floor: i64, budget: i64) {
    ninsho_server::bench::lift_quotas(c);
    let sms = &mut c.policy.sms;
    sms.allowed_countries = vec!["JP".into(), "GB".into()];
    sms.prefix_floor = prefix_floor;
    sms.country_floor = country_floor;
    sms.budget_per_hour = budget;
    sms.pause_secs = 3600;
}

/// A signed-in, stepped-up session that may add phone numbers: the pumper's.
async fn session(app: &TestApp) -> String {
    let token = app.signed_up(&unique_email(), PASSWORD).await;
    step_up_password(app, &token).await;
    token
}

async fn add_number(http: &reqwest::Client, base: &str, token: &str, number: &str) -> Resp {
    call(http, base, "POST", "/api/v1/methods/phone", Some(token), Some(json!({"phone": number}))).await
}

/// A count straight from the database.
async fn count(url: &str, sql: &str) -> i64 {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let n = sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        n
    } else {
        let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url).unwrap().busy_timeout(std::time::Duration::from_secs(10));
        let pool = sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect_with(opts).await.unwrap();
        let n = sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        n
    }
}

async fn events(app: &TestApp, kind: &str) -> i64 {
    count(&app.db.url, &format!("select count(*) from events where kind = '{kind}' and account_id is null")).await
}

/// Codes to numbers starting with `prefix` that reached the (development) gateway, by
/// text or call (a code's text ends `@shop.example #123456`). Security notices to
/// verified numbers are not counted by F-LIMIT-4, nor here.
async fn delivered_to(app: &TestApp, prefix: &str) -> usize {
    app.settle().await;
    app.running.db.dev_inbox(100_000).await.unwrap().iter().filter(|m| m.destination.starts_with(prefix) && m.body.contains(" #")).count()
}

fn assert_paused(r: &Resp, code: &str, max_wait: i64) {
    assert_eq!(r.status, 429, "{:?}", r.body);
    assert_eq!(r.body["code"], code, "{:?}", r.body);
    let retry: i64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    // A request that read the clock just before the one that paused answers a
    // moment more, rounded up to the second.
    assert!(retry > 0 && retry <= max_wait + 1, "{retry}");
}

/// Hundreds of numbers in one foreign prefix, released together (on PostgreSQL over
/// two instances): exactly the prefix's limit reaches the gateway, one pause and one
/// alert are raised, and sign-ins to home numbers in the middle of it all get their code.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn f_limit_4_a_pumping_run_stops_at_the_prefix_limit_and_home_traffic_goes_through() {
    const FLOOR: i64 = 20;
    const PUMPED: usize = 240;
    for b in backends().await {
        let tweak = |c: &mut ninsho_server::Config| {
            limits(c, FLOOR, 1_000, 10_000);
            c.metrics_listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        };
        let app = spawn_app_with(b, tweak).await;
        let second = match b {
            Backend::Postgres => Some(spawn_second_with(&app, tweak).await),
            Backend::Sqlite => None,
        };
        let urls: Vec<String> = std::iter::once(app.url.clone()).chain(second.as_ref().map(|(r, _)| r.url())).collect();
        let shoppers = [two_sv_account(&app).await, two_sv_account(&app).await];
        let token = session(&app).await;

        // 100 requests in flight at once (each instance's pool bounds its connections).
        let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(100));
        let mut pump = Vec::new();
        for i in 0..PUMPED {
            let (http, url, token, gate) = (app.http.clone(), urls[i % urls.len()].clone(), token.clone(), gate.clone());
            pump.push(tokio::spawn(async move {
                let _permit = gate.acquire_owned().await.unwrap();
                add_number(&http, &url, &token, &pumped(i)).await
            }));
        }
        // Shoppers signing in meanwhile, to numbers at home.
        let mut home = Vec::new();
        for i in 0..6 {
            let (email, url) = (shoppers[i % 2].email.clone(), urls[i % urls.len()].clone());
            home.push(tokio::spawn(async move {
                call(&browser(UA_B), &url, "POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": PASSWORD}))).await
            }));
        }
        let (mut added, mut paused) = (0, 0);
        for t in pump {
            let r = t.await.unwrap();
            match r.status {
                201 => added += 1,
                _ => {
                    assert_paused(&r, "sms.destination_paused", 3600);
                    paused += 1;
                }
            }
        }
        for t in home {
            let s = t.await.unwrap();
            assert_eq!(s.body["status"], "code_required", "{b:?}: {:?}", s.body);
            assert!(s.body["send_error"].is_null() && s.body["sent"]["channel"] == "sms", "{b:?}: {:?}", s.body);
        }
        assert_eq!((added, paused), (FLOOR as usize, PUMPED - FLOOR as usize), "{b:?}");
        assert_eq!(delivered_to(&app, "+44740").await, FLOOR as usize, "{b:?}: what reached the gateway");
        // Refused sends left nothing behind: no pending method, no queued message.
        assert_eq!(count(&app.db.url, "select count(*) from factors where phone like '+44740%'").await, FLOOR, "{b:?}");
        assert_eq!(events(&app, "sms_destination_paused").await, 1, "{b:?}: one alert for the pause");

        // The pause holds; other prefixes of the country, and home, still work.
        assert_paused(&add_number(&app.http, &app.url, &token, &pumped(PUMPED)).await, "sms.destination_paused", 3600);
        assert_eq!(add_number(&app.http, &app.url, &token, &other_uk(0)).await.status, 201, "{b:?}");
        assert_eq!(add_number(&app.http, &app.url, &token, "090-5555-0101").await.status, 201, "{b:?}");
        assert_eq!(delivered_to(&app, "+44740").await, FLOOR as usize, "{b:?}");

        // The operator's metric: the pause by country, and the pauses running now.
        let metrics_url = format!("http://{}/metrics", app.running.metrics_addr.unwrap());
        let text = app.http.get(&metrics_url).send().await.unwrap().text().await.unwrap();
        let value = |name: &str| text.lines().find(|l| l.starts_with(name)).and_then(|l| l.rsplit(' ').next()).and_then(|v| v.parse::<f64>().ok());
        assert!(value("ninsho_sms_destinations_paused_total{country=\"GB\"}").is_some_and(|v| v >= 1.0), "{text}");
        assert_eq!(value("ninsho_sms_destinations_paused "), Some(1.0), "{text}");
        assert!(!text.contains("+44740"), "no prefix or number in a label");

        if let Some((second, _)) = second {
            second.shutdown().await;
        }
        app.shutdown().await;
    }
}

/// A prefix pauses at its limit, a country at its own across prefixes; the pause ends
/// after its time, and home numbers are never touched by either.
#[tokio::test]
async fn f_limit_4_prefix_and_country_pauses_end_by_themselves() {
    for b in backends().await {
        let clock = FakeClock::at(UnixMillis(1_900_000_000_000));
        let app = spawn_app_with(b, |c| {
            use_fake_clock(c, clock.clone());
            limits(c, 3, 5, 10_000);
        })
        .await;
        let shopper = two_sv_account(&app).await;
        let token = session(&app).await;
        for i in 0..3 {
            assert_eq!(add_number(&app.http, &app.url, &token, &pumped(i)).await.status, 201, "{b:?}");
        }
        assert_paused(&add_number(&app.http, &app.url, &token, &pumped(3)).await, "sms.destination_paused", 3600);
        // Another prefix of the country, until the country's five.
        for i in 0..2 {
            assert_eq!(add_number(&app.http, &app.url, &token, &other_uk(i)).await.status, 201, "{b:?}");
        }
        assert_paused(&add_number(&app.http, &app.url, &token, &other_uk(2)).await, "sms.destination_paused", 3600);
        assert_paused(&add_number(&app.http, &app.url, &token, &format!("+44 7500 {:06}", 123_456)).await, "sms.destination_paused", 3600);
        let s = sign_in(&app, &browser(UA_B), &shopper.email, json!({})).await;
        assert!(s.body["send_error"].is_null() && s.body["sent"]["channel"] == "sms", "{b:?}: {:?}", s.body);
        assert_eq!(events(&app, "sms_destination_paused").await, 2, "{b:?}: the prefix and the country");
        let details = count(&app.db.url, "select count(*) from events where kind = 'sms_destination_paused' and (detail like 'prefix +44740 country GB until %' or detail like 'country GB until %')").await;
        assert_eq!(details, 2, "{b:?}: each alert names what is paused, never a number");

        // An hour on, both pauses are over.
        clock.advance_secs(3601);
        step_up_password(&app, &token).await;
        assert_eq!(add_number(&app.http, &app.url, &token, &pumped(4)).await.status, 201, "{b:?}");
        assert_eq!(add_number(&app.http, &app.url, &token, &other_uk(3)).await.status, 201, "{b:?}");
        app.shutdown().await;
    }
}

/// The hour's budget caps every SMS and voice code together; e-mail still works, the
/// operator is told once, and the budget comes back with the next hour.
#[tokio::test]
async fn f_limit_4_the_hourly_budget_stops_sms_and_leaves_email() {
    for b in backends().await {
        let clock = FakeClock::at(UnixMillis(1_900_000_000_000 / 3_600_000 * 3_600_000 + 60_000));
        let app = spawn_app_with(b, |c| {
            use_fake_clock(c, clock.clone());
            limits(c, 1_000, 1_000, 4);
        })
        .await;
        let token = session(&app).await;
        for i in 0..4 {
            assert_eq!(add_number(&app.http, &app.url, &token, &format!("090-5555-{:04}", 100 + i)).await.status, 201, "{b:?}");
        }
        let spent = add_number(&app.http, &app.url, &token, "090-5555-0200").await;
        assert_paused(&spent, "sms.budget_spent", 3600);
        assert!(spent.body["detail"].as_str().unwrap().contains("e-mail"), "{:?}", spent.body);
        assert_paused(&add_number(&app.http, &app.url, &token, &pumped(0)).await, "sms.budget_spent", 3600);
        // E-mail codes are not SMS: a sign-up's confirmation still goes out.
        let email = unique_email();
        app.signed_up(&email, PASSWORD).await;
        assert_eq!(events(&app, "sms_budget_spent").await, 1, "{b:?}");
        clock.advance_secs(3600);
        step_up_password(&app, &token).await;
        assert_eq!(add_number(&app.http, &app.url, &token, "090-5555-0200").await.status, 201, "{b:?}");
        app.shutdown().await;
    }
}

/// Outside the allowed countries (by default the operator's region alone) a number is
/// refused where it is added, with a typed error about the field, in the API and on
/// the page in the shopper's language.
#[tokio::test]
async fn f_limit_4_a_number_outside_the_allowed_countries_is_refused() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let token = session(&app).await;
        let r = add_number(&app.http, &app.url, &token, &pumped(0)).await;
        assert_eq!(r.status, 422, "{b:?}: {:?}", r.body);
        assert_eq!((r.body["code"].as_str(), r.body["field"].as_str()), (Some("phone.country_not_allowed"), Some("phone")), "{:?}", r.body);
        assert_eq!(add_number(&app.http, &app.url, &token, "+33 6 12 34 56 78").await.body["code"], "phone.country_not_allowed");
        assert_eq!(add_number(&app.http, &app.url, &token, "090-5555-0101").await.status, 201, "{b:?}");
        assert_eq!(count(&app.db.url, "select count(*) from outbox where destination like '+44%' or destination like '+33%'").await, 0);
        app.shutdown().await;
    }
}

/// A call costs as a text does: "call me instead" to a paused prefix is refused too. A
/// shopper whose number is paused is still asked for a code, told why none came, and
/// signs in with another method.
#[tokio::test]
async fn f_limit_4_a_voice_call_counts_and_a_paused_number_leaves_the_other_methods() {
    for b in backends().await {
        let app = spawn_app_with(b, |c| limits(c, 2, 1_000, 10_000)).await;
        // The enrolment's code, then the sign-in's: the prefix's two.
        let shopper = two_sv_account(&app).await;
        let s = sign_in(&app, &browser(UA_B), &shopper.email, json!({})).await;
        assert_eq!(s.body["sent"]["channel"], "sms", "{b:?}: {:?}", s.body);
        let cid = s.body["challenge_id"].as_str().unwrap();
        let call = app.call("POST", &format!("/api/v1/challenges/{cid}/resend"), None, Some(json!({"channel": "voice"}))).await;
        assert_paused(&call, "sms.destination_paused", 3600);
        let s = sign_in(&app, &browser(UA_B), &shopper.email, json!({})).await;
        assert_eq!((s.body["status"].as_str(), s.body["send_error"].as_str()), (Some("code_required"), Some("sms.destination_paused")), "{b:?}: {:?}", s.body);
        let cid = s.body["challenge_id"].as_str().unwrap();
        let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": shopper.backup_codes[0]}))).await;
        assert_eq!(v.status, 200, "{b:?}: {:?}", v.body);
        assert_eq!(delivered_to(&app, "+81").await, 2, "{b:?}: no third message or call");
        app.shutdown().await;
    }
}

/// The operator sees what is paused and lifts a pause early (a campaign, not fraud):
/// sends to the destination go out again at once, with the hour's count started
/// afresh, and the lift is on record with who did it. Through the CLI, one line each;
/// a destination not paused, or not a destination, is a non-zero exit and one line.
#[tokio::test]
async fn f_limit_4_the_operator_lists_and_lifts_a_pause_from_the_command_line() {
    for b in backends().await {
        let app = spawn_app_with(b, |c| limits(c, 2, 1_000, 10_000)).await;
        let token = session(&app).await;
        let (ok, text, _) = ninsho_cli(&app, &["admin", "sms", "paused"]).await;
        assert!(ok && text.trim() == "no SMS destination is paused", "{b:?}: {text}");
        for i in 0..2 {
            assert_eq!(add_number(&app.http, &app.url, &token, &pumped(i)).await.status, 201, "{b:?}");
        }
        assert_paused(&add_number(&app.http, &app.url, &token, &pumped(2)).await, "sms.destination_paused", 3600);
        let (ok, text, err) = ninsho_cli(&app, &["admin", "sms", "paused"]).await;
        assert!(ok && text.lines().count() == 1 && text.starts_with("+44740 paused until "), "{b:?}: {text} {err}");

        let (ok, text, err) = ninsho_cli(&app, &["admin", "sms", "lift", "+44740", "--by", "ops-1"]).await;
        assert!(ok && text.starts_with("lifted the pause of +44740"), "{b:?}: {text} {err}");
        // Sent again at once, up to the floor afresh; then paused again.
        for i in 3..5 {
            assert_eq!(add_number(&app.http, &app.url, &token, &pumped(i)).await.status, 201, "{b:?}: {i}");
        }
        assert_paused(&add_number(&app.http, &app.url, &token, &pumped(5)).await, "sms.destination_paused", 3600);
        assert_eq!(count(&app.db.url, "select count(*) from events where kind = 'sms_pause_lifted' and detail = '+44740 by ops-1'").await, 1, "{b:?}");

        for (args, words) in [
            (vec!["admin", "sms", "lift", "GB"], "not paused"),
            (vec!["admin", "sms", "lift", "+44x"], "number prefix"),
            (vec!["admin", "sms", "lift", "global", "--by", " "], "who lifts"),
        ] {
            let (ok, _, err) = ninsho_cli(&app, &args).await;
            assert!(!ok && err.lines().count() == 1 && err.contains(words), "{b:?}: {args:?}: {err}");
        }
        app.shutdown().await;
    }
}

/// Housekeeping keeps only the hours a baseline looks back at, and pauses until a day
/// after they ended.
#[tokio::test]
async fn f_limit_4_old_counts_and_ended_pauses_are_pruned() {
    for b in backends().await {
        let clock = FakeClock::at(UnixMillis(1_900_000_000_000));
        let app = spawn_app_with(b, |c| {
            use_fake_clock(c, clock.clone());
            limits(c, 1, 1_000, 10_000);
            // The test prunes; the instance's own housekeeping waits.
            c.lock_sweep_every = std::time::Duration::from_secs(3600);
        })
        .await;
        let token = session(&app).await;
        assert_eq!(add_number(&app.http, &app.url, &token, &pumped(0)).await.status, 201, "{b:?}");
        assert_paused(&add_number(&app.http, &app.url, &token, &pumped(1)).await, "sms.destination_paused", 3600);
        let rows = || async { (count(&app.db.url, "select count(*) from sms_traffic").await, count(&app.db.url, "select count(*) from sms_pauses").await) };
        // The prefix, the country and the budget: one row each; one pause.
        assert_eq!(rows().await, (3, 1), "{b:?}");
        assert_eq!(app.running.services.prune_sms_traffic().await.unwrap(), 0, "{b:?}: all of it is still needed");
        // A day on: the hour is still in the 24-hour baseline.
        clock.advance_secs(23 * 3600);
        assert_eq!(app.running.services.prune_sms_traffic().await.unwrap(), 0, "{b:?}");
        // Past the baseline, and a day past the pause's end.
        clock.advance_secs(2 * 3600 + 1);
        assert_eq!(app.running.services.prune_sms_traffic().await.unwrap(), 4, "{b:?}");
        assert_eq!(rows().await, (0, 0), "{b:?}");
        app.shutdown().await;
    }
}

/// The velocity limit follows the recent baseline: a key whose previous 24 hours held
/// 40 sends an hour may send 3 × 40 = 120 this hour, where a key without history stops
/// at the floor; hours outside the baseline window do not count. Sends released
/// together never pass the limit. On the store itself, both backends.
#[tokio::test]
async fn f_limit_4_the_limit_is_the_multiple_of_the_recent_baseline_or_the_floor() {
    use ninsho_domain::ports::{CommitError, Store, Write};
    for b in backends().await {
        let app = spawn_app(b).await;
        let db = app.running.db.clone();
        let now = UnixMillis(1_900_000_000_000 + 1_800_000);
        let hour = now.0 / 3_600_000;
        let raw = super::audit::Raw::open(&app.db.url).await;
        // 40 an hour over the 24 hours before this one, and a huge hour just before them.
        for h in 1..=24 {
            raw.exec(&format!("insert into sms_traffic (key, hour, count) values ('sms-prefix:+44740', {}, 40)", hour - h)).await;
        }
        raw.exec(&format!("insert into sms_traffic (key, hour, count) values ('sms-prefix:+44740', {}, 100000)", hour - 25)).await;
        raw.exec(&format!("insert into sms_traffic (key, hour, count) values ('sms-prefix:+44791', {}, 100000)", hour - 25)).await;
        raw.close().await;

        let charge = |key: &'static str| {
            let db = db.clone();
            async move {
                match db.commit(vec![Write::ChargeSmsTraffic { key: key.into(), floor: 5, multiplier: 3, baseline_hours: 24, now }]).await {
                    Ok(()) => true,
                    Err(CommitError::Guard(0)) => false,
                    Err(e) => panic!("{e:?}"),
                }
            }
        };
        let mut tries = tokio::task::JoinSet::new();
        for _ in 0..130 {
            tries.spawn(charge("sms-prefix:+44740"));
        }
        let passed = tries.join_all().await.into_iter().filter(|ok| *ok).count();
        assert_eq!(passed, 120, "{b:?}: three times the baseline's mean of 40");
        let mut fresh = 0;
        for _ in 0..20 {
            fresh += usize::from(charge("sms-prefix:+44791").await);
        }
        assert_eq!(fresh, 5, "{b:?}: no recent history: the floor (the hour 25 hours ago is outside the baseline)");
        app.shutdown().await;
    }
}
