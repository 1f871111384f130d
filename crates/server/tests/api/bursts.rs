//! F-OTP-3, F-OTP-6 under concurrency: 100 verifications of one challenge released
//! together (99 wrong codes, the right one at a random place) get at most
//! `max_attempts` codes decided; every other request answers `challenge.closed`, and a
//! burst adds at most the challenge's attempts to the method's failure count. On
//! PostgreSQL the requests alternate between two instances on one database.

use std::sync::Arc;

use ninsho_domain::ports::Store;
use ninsho_domain::types::{AccountId, EventKind, FactorKind};
use tokio::sync::Barrier;

use super::*;

const BURST: usize = 100;
const MAX_ATTEMPTS: usize = 5;

/// What a burst's answers were.
#[derive(Debug, Default)]
struct Tally {
    accepted: usize,
    wrong: usize,
    closed: usize,
}

impl Tally {
    /// Codes that got a verdict: each was compared.
    fn decided(&self) -> usize {
        self.accepted + self.wrong
    }
}

/// A random place in `0..n` (no extra dependency: a v4 UUID's random bits).
fn random_place(n: usize) -> usize {
    (uuid::Uuid::new_v4().as_u128() % n as u128) as usize
}

/// Releases `BURST` verifications of `cid` at once, the right body at `place`, spread
/// over `urls` (one instance, or two on one database).
async fn burst(http: &reqwest::Client, urls: &[String], cid: &str, right: Value, wrong: impl Fn(usize) -> Value, place: usize) -> Tally {
    let gate = Arc::new(Barrier::new(BURST));
    let mut tasks = Vec::new();
    for i in 0..BURST {
        let (http, gate) = (http.clone(), gate.clone());
        let url = urls[i % urls.len()].clone();
        let path = format!("/api/v1/challenges/{cid}/verify");
        let body = if i == place { right.clone() } else { wrong(i) };
        tasks.push(tokio::spawn(async move {
            gate.wait().await;
            call(&http, &url, "POST", &path, None, Some(body)).await
        }));
    }
    let mut t = Tally::default();
    for task in tasks {
        let r = task.await.unwrap();
        match (r.status, r.body["code"].as_str()) {
            (200, _) => t.accepted += 1,
            (401, Some("code.invalid")) => t.wrong += 1,
            (410, Some("challenge.closed")) => t.closed += 1,
            (s, _) => panic!("unexpected answer {s}: {:?}", r.body),
        }
    }
    t
}

/// Six digits that are not `right`, different for each `i`.
fn wrong_code(right: &str, i: usize) -> String {
    let r: usize = right.parse().unwrap();
    format!("{:06}", (r + 1 + i) % 1_000_000)
}

/// A backup code of the same shape as `code`, its last two characters replaced.
fn neighbour(code: &str, i: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let n = ALPHABET.len();
    let mut chars: Vec<char> = code.chars().collect();
    let len = chars.len();
    chars[len - 2] = ALPHABET[(i / n) % n] as char;
    chars[len - 1] = ALPHABET[i % n] as char;
    let s: String = chars.into_iter().collect();
    if s == code { neighbour(code, i + n * n / 2) } else { s }
}

async fn account_id(app: &TestApp, token: &str) -> AccountId {
    let me = app.call("GET", "/api/v1/account", Some(token), None).await;
    AccountId::parse(me.body["id"].as_str().unwrap()).unwrap()
}

async fn phone_failures(db: &Db, account: AccountId) -> i64 {
    db.factors(account).await.unwrap().iter().find(|f| f.kind == FactorKind::Phone).unwrap().failed_count
}

async fn wrong_code_events(db: &Db, account: AccountId) -> usize {
    db.events(account, 10_000).await.unwrap().iter().filter(|e| e.kind == EventKind::WrongCode).count()
}

/// Sends are not what this measures: lift the quotas, and keep the method enabled so
/// that every burst finds it usable (its ceiling has a test of its own below).
fn roomy(c: &mut ninsho_server::Config) {
    ninsho_server::bench::lift_quotas(c);
    c.policy.codes.method_failure_ceiling = 1_000_000;
}

/// One instance on SQLite; two on one PostgreSQL database. Returns their addresses.
async fn instances(b: Backend) -> (TestApp, Option<(ninsho_server::Running, TempDir)>, Vec<String>) {
    let app = spawn_app_with(b, roomy).await;
    let second = if b == Backend::Postgres { Some(spawn_second_with(&app, roomy).await) } else { None };
    let mut urls = vec![app.url.clone()];
    if let Some((s, _)) = &second {
        urls.push(s.url());
    }
    (app, second, urls)
}

#[tokio::test]
async fn f_otp_3_a_burst_of_100_sent_codes_gets_at_most_max_attempts_decided() {
    for b in backends().await {
        let (app, second, urls) = instances(b).await;
        let acct = two_sv_account(&app).await;
        let id = account_id(&app, &acct.token).await;
        let (mut wins, mut decided_total) = (0, 0);
        for round in 0..20 {
            let before = app.inbox_count("+819012345678").await;
            // The instances take turns to start the challenge.
            let url = &urls[round % urls.len()];
            let s = call(&browser(UA_B), url, "POST", "/api/v1/sign-in", None, Some(json!({"email": acct.email, "password": PASSWORD}))).await;
            assert_eq!(s.status, 200, "{b:?}: {:?}", s.body);
            let cid = s.body["challenge_id"].as_str().unwrap().to_string();
            let code = app.code_after("+819012345678", before).await;
            let (failures, events) = (phone_failures(&app.running.db, id).await, wrong_code_events(&app.running.db, id).await);

            let place = random_place(BURST);
            let t = burst(&app.http, &urls, &cid, json!({"code": code}), |i| json!({"code": wrong_code(&code, i)}), place).await;

            assert!(t.decided() <= MAX_ATTEMPTS, "{b:?} round {round}: {t:?} codes decided");
            if t.accepted == 0 {
                assert_eq!(t.wrong, MAX_ATTEMPTS, "{b:?}: every attempt the limit allows was used, none refused early");
            }
            assert_eq!(t.closed, BURST - t.decided(), "{b:?}: every other request is closed");
            assert!(t.accepted <= 1, "{b:?}: {t:?}");
            let ch = app.running.db.challenge(ninsho_domain::types::ChallengeId::parse(&cid).unwrap()).await.unwrap().unwrap();
            assert_eq!(ch.attempts as usize, t.wrong, "{b:?}: the challenge counts what was decided wrong");
            assert_eq!(wrong_code_events(&app.running.db, id).await - events, t.wrong, "{b:?}: one event per wrong code, none for closed ones");
            let after = phone_failures(&app.running.db, id).await;
            if t.accepted == 1 {
                assert_eq!(after, 0, "{b:?}: a right code ends the run of failures");
            } else {
                assert_eq!(after - failures, t.wrong as i64, "{b:?}: the method counts the burst's wrong codes only");
            }
            wins += t.accepted;
            decided_total += t.decided();
        }
        eprintln!("{b:?}: 20 bursts of {BURST}: right code won {wins} times, {decided_total} codes decided in all");
        if let Some((s, _dir)) = second {
            s.shutdown().await;
        }
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_2sv_5_a_burst_of_100_backup_codes_gets_at_most_max_attempts_decided() {
    for b in backends().await {
        let (app, second, urls) = instances(b).await;
        let acct = two_sv_account(&app).await;
        let methods = app.call("GET", "/api/v1/methods", Some(&acct.token), None).await;
        let bid = super::codes::backup_id(&methods.body);
        for round in 0..3 {
            let s = sign_in(&app, &browser(UA_B), &acct.email, json!({})).await;
            let cid = s.body["challenge_id"].as_str().unwrap().to_string();
            let right = acct.backup_codes[round].clone();
            // Wrong codes of the right shape, so that each is compared, not refused as malformed.
            let wrong = |i: usize| json!({"code": neighbour(&right, i), "method_id": bid});
            let t = burst(&app.http, &urls, &cid, json!({"code": right, "method_id": bid}), wrong, random_place(BURST)).await;
            assert!(t.decided() <= MAX_ATTEMPTS, "{b:?}: {t:?}");
            assert_eq!(t.closed, BURST - t.decided(), "{b:?}: {t:?}");
        }
        if let Some((s, _dir)) = second {
            s.shutdown().await;
        }
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_otp_6_a_burst_cannot_push_a_method_past_its_ceiling_by_more_than_one_challenge() {
    for b in backends().await {
        // Ceiling 7: one burst of 99 wrong codes counts at most 5 of them.
        let app = spawn_app_with(b, |c| {
            ninsho_server::bench::lift_quotas(c);
            c.policy.codes.method_failure_ceiling = 7;
        })
        .await;
        let acct = two_sv_account(&app).await;
        let id = account_id(&app, &acct.token).await;
        let before = app.inbox_count("+819012345678").await;
        let s = sign_in(&app, &browser(UA_B), &acct.email, json!({})).await;
        let cid = s.body["challenge_id"].as_str().unwrap().to_string();
        let code = app.code_after("+819012345678", before).await;
        let t = burst(&app.http, std::slice::from_ref(&app.url), &cid, json!({"code": wrong_code(&code, 500)}), |i| json!({"code": wrong_code(&code, i)}), 0).await;
        assert_eq!(t.wrong, MAX_ATTEMPTS, "{b:?}: {t:?}");
        assert_eq!(phone_failures(&app.running.db, id).await, MAX_ATTEMPTS as i64, "{b:?}");
        let phone = app.running.db.factors(id).await.unwrap().into_iter().find(|f| f.kind == FactorKind::Phone).unwrap();
        assert!(phone.disabled_at.is_none(), "{b:?}: 5 of a ceiling of 7");
        app.shutdown().await;
    }
}
