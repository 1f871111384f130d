//! One round of the bench against a running server: what each row sends, and what its
//! answer must be to count.

use std::sync::Arc;
use std::time::Instant;

use ninsho_domain::crypto::KeyRing;
use ninsho_domain::email::Email;
use ninsho_domain::otp::{sent_code, totp};
use ninsho_domain::ports::{Account, Challenge, Factor, Store, Write};
use ninsho_domain::service::challenges::totp_aad;
use ninsho_domain::types::*;
use secrecy::SecretString;
use serde_json::json;

use super::row::{self, Tally, expect_json, expect_text, has_str};
use crate::Running;

const PASSWORD: &str = "correct horse battery staple";
/// Shoppers whose sessions the introspection row checks in turn.
const INTROSPECTED_SESSIONS: usize = 32;

/// How much one round sends.
#[derive(Clone, Copy, Debug)]
pub struct Workload {
    /// Requests per measured operation (sign-ins use a quarter).
    pub requests: usize,
    /// Concurrent clients.
    pub concurrency: usize,
    /// How long the overload row offers sign-ins at 8× the hashing capacity.
    pub overload_secs: f64,
    /// The most sign-ins a second the overload row offers (the client's own sockets
    /// are the limit when hashing is made cheap, as in tests).
    pub overload_max_rate: f64,
}

/// Sign-ins offered faster than the machine can hash them (open loop: each request
/// leaves on time whatever the earlier ones did): how many were served, how many shed
/// at once, and how long the served ones took.
#[derive(Clone, Debug, Default)]
pub struct Overload {
    pub offered_per_sec: f64,
    pub accepted_per_sec: f64,
    pub shed_per_sec: f64,
    /// The 99th percentile of the accepted sign-ins' time, in milliseconds.
    pub p99_accepted_ms: f64,
    /// Answers that were neither a session nor a 503 `overloaded`.
    pub failed: usize,
    pub first_failure: Option<String>,
}

/// The rows of a round, in the order they are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    RawArgon,
    SignIn,
    UnknownSignIn,
    Health,
    SignInPage,
    RawCommit,
    RawRoundTrip,
    SentCodeVerify,
    TotpVerify,
    CodeIssue,
    SmsCodeIssue,
    Introspect,
    StepUpStart,
    PlainEvent,
    ChainedEvent,
    Handover,
    CodeExchange,
    IdTokenValidation,
}

impl RowKind {
    pub const ALL: [RowKind; 18] = [
        RowKind::RawArgon,
        RowKind::SignIn,
        RowKind::UnknownSignIn,
        RowKind::Health,
        RowKind::SignInPage,
        RowKind::RawCommit,
        RowKind::RawRoundTrip,
        RowKind::SentCodeVerify,
        RowKind::TotpVerify,
        RowKind::CodeIssue,
        RowKind::SmsCodeIssue,
        RowKind::Introspect,
        RowKind::CodeExchange,
        RowKind::IdTokenValidation,
        RowKind::StepUpStart,
        RowKind::PlainEvent,
        RowKind::ChainedEvent,
        RowKind::Handover,
    ];

    pub fn label(self) -> &'static str {
        match self {
            RowKind::RawArgon => "raw argon2id hashes (m=19456 KiB, t=2, p=1)",
            RowKind::SignIn => "sign-ins over HTTP",
            RowKind::UnknownSignIn => "sign-ins of unknown addresses over HTTP",
            RowKind::Health => "GET /health/live",
            RowKind::SignInPage => "GET /sign-in (page)",
            RowKind::RawCommit => "raw durable commits",
            RowKind::RawRoundTrip => "raw round trips (select 1)",
            RowKind::SentCodeVerify => "sent-code verifications over HTTP",
            RowKind::TotpVerify => "TOTP verifications over HTTP",
            RowKind::CodeIssue => "code issuances over HTTP",
            RowKind::SmsCodeIssue => "SMS code issuances over HTTP (F-LIMIT-4 counted)",
            RowKind::Introspect => "session introspections by a service over HTTP (32 sessions in turn)",
            RowKind::StepUpStart => "step-ups started by a service over HTTP (F-INT-3)",
            RowKind::PlainEvent => "event writes without the chain (until committed)",
            RowKind::ChainedEvent => "event writes on the chain (F-OPS-6, until chained)",
            RowKind::Handover => "handovers at the door over HTTP (F-DLV-3)",
            RowKind::CodeExchange => "OIDC code exchanges over HTTP (F-INT-5)",
            RowKind::IdTokenValidation => "ID-token validations, JWKS over HTTP (F-INT-5)",
        }
    }
}

/// Every row of one round.
#[derive(Clone, Debug)]
pub struct Round {
    rows: Vec<(RowKind, Tally)>,
    pub overload: Overload,
}

impl Round {
    pub fn get(&self, kind: RowKind) -> Tally {
        self.rows.iter().find(|(k, _)| *k == kind).map(|(_, t)| t.clone()).unwrap_or_default()
    }
}

fn account(now: UnixMillis, hash: &str) -> Account {
    Account {
        id: AccountId::new(),
        email: Email::from_stored(format!("bench-{}@example.com", uuid::Uuid::new_v4().simple())),
        password_hash: hash.to_string(),
        locale: Locale::En,
        created_at: now,
        email_verified_at: Some(now),
        last_sign_in_at: Some(now),
        credentials_changed_at: None,
        twosv_enabled_at: None,
        preferred_factor: None,
        signin_alerts: false,
        time_zone: None,
        locked_until: None,
        twosv_suspended_until: None,
    }
}

fn challenge(account: AccountId, now: UnixMillis, factor: Option<FactorId>, code_hash: Option<Vec<u8>>, id: ChallengeId) -> Challenge {
    Challenge {
        factor_id: factor,
        code_hash,
        code_expires_at: Some(now.plus_secs(3600)),
        ..Challenge::open(id, account, Purpose::SignIn, now, now.plus_secs(3600))
    }
}

/// A method verified at `now`, with nothing of its kind's own (number, seed) yet.
fn verified_factor(id: FactorId, account: AccountId, kind: FactorKind, now: UnixMillis) -> Factor {
    Factor { verified_at: Some(now), ..Factor::new(id, account, kind, now) }
}

/// A sign-in event as the sign-in path writes it, at about `now` (a row far older than
/// the chain's newest would be taken for one inserted outside it and left unchained).
fn bench_event(account: AccountId, now: UnixMillis, i: usize) -> ninsho_domain::ports::Event {
    ninsho_domain::ports::Event {
        id: EventId::new(),
        account_id: Some(account),
        at: UnixMillis(now.0 + i as i64),
        kind: EventKind::SignIn,
        ip: Some("192.0.2.1".into()),
        user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) bench".into()),
        device_hash: Some(vec![7; 32]),
        detail: "password".into(),
        unfamiliar: false,
    }
}

/// Raw argon2id hashes, one thread per core, same parameters as the server's.
fn raw_argon(hasher: &ninsho_domain::password::Hasher, cores: usize, hashes: usize) -> Tally {
    let start = Instant::now();
    let threads: Vec<_> = (0..cores)
        .map(|_| {
            let h = hasher.clone();
            let per = hashes / cores;
            std::thread::spawn(move || (0..per).map(|_| h.hash_blocking(PASSWORD).map(|_| ()).map_err(|e| e.to_string())).collect::<Vec<_>>())
        })
        .collect();
    let results: Vec<_> = threads.into_iter().flat_map(|t| t.join().unwrap_or_else(|_| vec![Err("hashing thread panicked".into())])).collect();
    row::tally_threads(results, cores, start.elapsed().as_secs_f64())
}

/// Two baselines of one row averaged: the machine's speed drifts within a round.
fn averaged(a: Tally, b: Tally) -> Tally {
    let first_failure = a.first_failure.or(b.first_failure);
    Tally { ok: a.ok + b.ok, failed: a.failed + b.failed, concurrency: a.concurrency, secs: a.secs + b.secs, first_failure }
}

fn store_err(e: impl std::fmt::Debug) -> anyhow::Error {
    anyhow::anyhow!("bench set-up: {e:?}")
}

/// Code issuances: a resend on each of `n` open challenges of `account` through
/// `factor` (none: its e-mail), `c` at a time; an answer counts when it names `channel`.
/// `setup` commits first, with the challenges.
async fn resends(running: &Running, http: &reqwest::Client, (n, c): (usize, usize), mut setup: Vec<Write>, account: AccountId, factor: Option<FactorId>, channel: &'static str) -> anyhow::Result<Tally> {
    let now = running.services.clock.now();
    let mut ids = Vec::with_capacity(n);
    for _ in 0..n {
        let id = ChallengeId::new();
        setup.push(Write::InsertChallenge(challenge(account, now, factor, None, id)));
        ids.push(id);
    }
    running.services.store.commit(setup).await.map_err(store_err)?;
    let (h, b, ids) = (http.clone(), running.url(), Arc::new(ids));
    Ok(row::run(n, c, move |i| {
        let (h, b, id) = (h.clone(), b.clone(), ids[i]);
        async move {
            let r = h.post(format!("{b}/api/v1/challenges/{id}/resend")).send().await;
            expect_json(r, 200, "a code sent", |v| v["sent"]["channel"] == channel).await
        }
    })
    .await)
}

/// Runs one round of every row against `running`.
pub async fn measure(running: &Running, work: &Workload) -> anyhow::Result<Round> {
    let svc = running.services.clone();
    let keys: Arc<KeyRing> = svc.keys.clone();
    let db = running.db.clone();
    let base = running.url();
    let http = reqwest::Client::new();
    let (n, c) = (work.requests, work.concurrency);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let mut rows = Vec::new();

    // Baseline: raw argon2id on every core, taken before and after the sign-ins.
    let hashes = (n / 4).max(cores * 4);
    let argon_before = raw_argon(&svc.hasher, cores, hashes);

    let now = svc.clock.now();
    let phc = svc.hasher.hash(&SecretString::from(PASSWORD.to_string())).await.map_err(store_err)?;
    let acct = account(now, &phc);
    svc.store.commit(vec![Write::InsertAccount(acct.clone())]).await.map_err(store_err)?;
    let acct_id = acct.id;

    // A verified account without 2SV, signed in a moment ago: the password alone signs in.
    let (h, b, em) = (http.clone(), base.clone(), acct.email.as_str().to_string());
    let signin = row::run(hashes, c, move |_| {
        let (h, b, em) = (h.clone(), b.clone(), em.clone());
        async move {
            let r = h.post(format!("{b}/api/v1/sign-in")).json(&json!({"email": em, "password": PASSWORD})).send().await;
            expect_json(r, 200, "a session", |v| v["status"] == "signed_in" && has_str(v, "session_token")).await
        }
    })
    .await;
    rows.push((RowKind::SignIn, signin));

    // F-SIGNIN-5: an unknown address costs the same argon2id work (the dummy hash) and
    // is told the same as a wrong password.
    let (h, b) = (http.clone(), base.clone());
    let unknown = row::run(hashes, c, move |i| {
        let (h, b) = (h.clone(), b.clone());
        async move {
            let em = format!("nobody-{i}@example.com");
            let r = h.post(format!("{b}/api/v1/sign-in")).json(&json!({"email": em, "password": PASSWORD})).send().await;
            expect_json(r, 401, "auth.invalid_credentials", |v| v["code"] == "auth.invalid_credentials").await
        }
    })
    .await;
    rows.push((RowKind::UnknownSignIn, unknown));
    rows.push((RowKind::RawArgon, averaged(argon_before, raw_argon(&svc.hasher, cores, hashes))));

    // The HTTP baseline: an answer that touches nothing (readiness now runs a handful
    // of database checks, which would make it a second workload, not a baseline).
    let (h, b) = (http.clone(), base.clone());
    let health = row::run(n * 5, c, move |_| {
        let (h, b) = (h.clone(), b.clone());
        async move { expect_json(h.get(format!("{b}/health/live")).send().await, 200, "status ok", |v| v["status"] == "ok").await }
    })
    .await;
    rows.push((RowKind::Health, health));

    // F-INT-2: a checkout asks about the shopper's session on every request; shoppers
    // in turn, so the row pays for first reads as well as for remembered ones.
    let mut sessions = Vec::with_capacity(INTROSPECTED_SESSIONS);
    for _ in 0..INTROSPECTED_SESSIONS {
        let r = http.post(format!("{base}/api/v1/sign-in")).json(&json!({"email": acct.email.as_str(), "password": PASSWORD})).send().await?;
        let token = r.json::<serde_json::Value>().await?["session_token"].as_str().map(str::to_string).ok_or_else(|| anyhow::anyhow!("bench set-up: no session"))?;
        sessions.push(token);
    }
    let sessions = std::sync::Arc::new(sessions);
    let (_, secret) = svc.add_service_client(&format!("bench-{}", uuid::Uuid::new_v4().simple()), &[Scope::SessionsRead], 6_000_000).await.map_err(store_err)?;
    let (h, b, auth) = (http.clone(), base.clone(), format!("Bearer {}", secrecy::ExposeSecret::expose_secret(&secret)));
    let sub = acct.id.to_string();
    rows.push((RowKind::CodeExchange, code_exchanges(&svc, &http, &base, &sessions[0], n, c).await?));
    rows.push((RowKind::IdTokenValidation, id_token_validations(&svc, &http, &base, &sessions[0], n * 5, c).await?));
    let introspections = row::run(n * 5, c, move |i| {
        let (h, b, auth, session, sub) = (h.clone(), b.clone(), auth.clone(), sessions[i % sessions.len()].clone(), sub.clone());
        async move {
            let r = h.post(format!("{b}/api/v1/service/sessions/introspect")).header("authorization", auth).json(&json!({"token": session})).send().await;
            expect_json(r, 200, "an active session of the account", |v| v["active"] == true && v["sub"] == sub.as_str()).await
        }
    })
    .await;
    rows.push((RowKind::Introspect, introspections));

    // A first visit: no cookie, so each request also mints a CSRF secret.
    let (h, b) = (http.clone(), base.clone());
    let page = row::run(n * 5, c, move |_| {
        let (h, b) = (h.clone(), b.clone());
        async move { expect_text(h.get(format!("{b}/sign-in")).header("accept-language", "ja").send().await, 200, "name=\"password\"").await }
    })
    .await;
    rows.push((RowKind::SignInPage, page));

    let d = db.clone();
    let trips = row::run(n * 5, c, move |_| {
        let d = d.clone();
        async move { d.ping().await.map_err(|e| format!("{e:?}")) }
    })
    .await;
    rows.push((RowKind::RawRoundTrip, trips));

    let d = db.clone();
    let commits = row::run(n, c, move |i| {
        let d = d.clone();
        async move { d.raw_commit(UnixMillis(i as i64)).await.map_err(|e| format!("{e:?}")) }
    })
    .await;
    rows.push((RowKind::RawCommit, commits));

    // F-OPS-6: what chaining costs event writes. Events are inserted by the hot path
    // unchained and chained after commit (by this instance's chainer, and here); the
    // same event commits, once counted at their commit and once until the last of them
    // is chained.
    db.chain_all().await.map_err(store_err)?;
    let event_commits = |n: usize| {
        let s = svc.store.clone();
        row::run(n, c, move |i| {
            let s = s.clone();
            async move { s.commit(vec![Write::InsertEvent(bench_event(acct_id, now, i))]).await.map(|_| ()).map_err(|e| format!("{e:?}")) }
        })
    };
    let plain = event_commits(n).await;
    db.chain_all().await.map_err(store_err)?;
    let start = std::time::Instant::now();
    let mut chained = event_commits(n).await;
    db.chain_all().await.map_err(store_err)?;
    chained.secs = start.elapsed().as_secs_f64();
    rows.push((RowKind::PlainEvent, plain));
    rows.push((RowKind::ChainedEvent, chained));

    // Sent codes: challenges whose code we know, verified over HTTP.
    let mut ids = Vec::with_capacity(n);
    let mut writes = Vec::new();
    for _ in 0..n {
        let id = ChallengeId::new();
        writes.push(Write::InsertChallenge(challenge(acct.id, now, None, Some(sent_code::hash(&keys, id, "123456")), id)));
        ids.push(id);
    }
    svc.store.commit(writes).await.map_err(store_err)?;
    let (h, b, ids) = (http.clone(), base.clone(), Arc::new(ids));
    let sent = row::run(n, c, move |i| {
        let (h, b, id) = (h.clone(), b.clone(), ids[i]);
        async move {
            let r = h.post(format!("{b}/api/v1/challenges/{id}/verify")).json(&json!({"code": "123456"})).send().await;
            expect_json(r, 200, "a session", |v| has_str(v, "session_token")).await
        }
    })
    .await;
    rows.push((RowKind::SentCodeVerify, sent));

    // TOTP: each account's app can be used once per step, so one account per request.
    let mut items = Vec::with_capacity(n);
    let mut writes = Vec::new();
    let unix = now.as_secs();
    for _ in 0..n {
        let mut acc = account(now, &phc);
        acc.twosv_enabled_at = Some(now);
        let fid = FactorId::new();
        let seed = [7u8; 20];
        acc.preferred_factor = Some(fid);
        writes.push(Write::InsertAccount(acc.clone()));
        writes.push(Write::InsertFactor(Factor { secret: Some(keys.seal(&totp_aad(fid), &seed).map_err(store_err)?), ..verified_factor(fid, acc.id, FactorKind::Totp, now) }));
        let cid = ChallengeId::new();
        writes.push(Write::InsertChallenge(challenge(acc.id, now, Some(fid), None, cid)));
        items.push((cid, totp::code_at(&totp::APP_DEFAULT, &seed, unix)));
    }
    svc.store.commit(writes).await.map_err(store_err)?;
    let (h, b, items) = (http.clone(), base.clone(), Arc::new(items));
    let totp_rate = row::run(n, c, move |i| {
        let (h, b) = (h.clone(), b.clone());
        let (id, code) = items[i].clone();
        async move {
            let r = h.post(format!("{b}/api/v1/challenges/{id}/verify")).json(&json!({"code": code})).send().await;
            expect_json(r, 200, "a session", |v| has_str(v, "session_token")).await
        }
    })
    .await;
    rows.push((RowKind::TotpVerify, totp_rate));

    // Issuance: resend on open challenges of an account without 2SV (e-mail).
    let issue = resends(running, &http, (n, c), vec![], acct.id, None, "email").await?;
    rows.push((RowKind::CodeIssue, issue));

    // F-LIMIT-4: the same resends to a phone by SMS, each also counted per prefix,
    // country and hour (the limits are lifted: the statements run, nothing refuses).
    let sms_acct = account(now, &phc);
    let fid = FactorId::new();
    let phone = Factor {
        phone: Some(ninsho_domain::phone::PhoneE164::from_stored("+819012345678".into())),
        channel: Some(Channel::Sms),
        ..verified_factor(fid, sms_acct.id, FactorKind::Phone, now)
    };
    let sms_issue = resends(running, &http, (n, c), vec![Write::InsertAccount(sms_acct.clone()), Write::InsertFactor(phone)], sms_acct.id, Some(fid), "sms").await?;
    rows.push((RowKind::SmsCodeIssue, sms_issue));

    // F-INT-3: a checkout asks for a code before a large order. The account has no
    // 2SV, so each start commits a challenge, the step-up and an e-mailed code.
    let (_, secret) = svc.add_service_client(&format!("bench-{}", uuid::Uuid::new_v4().simple()), &[Scope::StepUp], 6_000_000).await.map_err(store_err)?;
    let (h, b, auth, sub) = (http.clone(), base.clone(), format!("Bearer {}", secrecy::ExposeSecret::expose_secret(&secret)), acct.id.to_string());
    let step_ups = row::run(n, c, move |_| {
        let (h, b, auth, sub) = (h.clone(), b.clone(), auth.clone(), sub.clone());
        async move {
            let body = json!({"sub": sub, "reason": {"kind": "order", "amount": "150000", "currency": "JPY"}});
            let r = h.post(format!("{b}/api/v1/service/step-ups")).header("authorization", auth).json(&body).send().await;
            expect_json(r, 201, "a pending step-up with its code sent", |v| v["status"] == "pending" && v["sent"].is_object()).await
        }
    })
    .await;
    rows.push((RowKind::StepUpStart, step_ups));

    rows.push((RowKind::Handover, handovers(&svc, &http, &base, acct_id, n, c).await?));

    let capacity = rows.iter().find(|(k, _)| *k == RowKind::RawArgon).map(|(_, t)| t.per_sec()).unwrap_or(0.0);
    let overload = overload(&http, &base, acct.email.as_str(), (8.0 * capacity).min(work.overload_max_rate), work.overload_secs).await;

    // The codes just issued are being delivered in the background: let that finish so
    // it does not weigh on the next round.
    let drained = Instant::now();
    while db.count_outbox("pending").await.map_err(store_err)? > 0 && drained.elapsed().as_secs() < 120 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    Ok(Round { rows, overload })
}

const OIDC_REDIRECT: &str = "https://app.example/cb";
/// RFC 7636 appendix B.
const OIDC_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// A confidential application and `n` codes for the shopper of `session`, issued as
/// `/authorize` issues them, in one commit: (client id, secret, codes).
async fn oidc_codes(svc: &ninsho_domain::Services<ninsho_storage::Db>, session: &str, n: usize) -> anyhow::Result<(String, String, Vec<String>)> {
    use ninsho_domain::oidc::{AuthCode, ClientKind, OidcScope};
    let authed = svc.authenticate(session).await.map_err(store_err)?;
    let (client, secret) = svc
        .add_oidc_client(&format!("bench-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]), ClientKind::Confidential, &[OIDC_REDIRECT.into()], &[], &[OidcScope::Email, OidcScope::Profile])
        .await
        .map_err(store_err)?;
    let secret = secret.map(|s| secrecy::ExposeSecret::expose_secret(&s).to_string()).ok_or_else(|| anyhow::anyhow!("bench set-up: no client secret"))?;
    let now = svc.clock.now();
    let mut codes = Vec::with_capacity(n);
    let mut writes = Vec::with_capacity(n);
    for _ in 0..n {
        let code = ninsho_domain::crypto::random_token().map_err(store_err)?;
        writes.push(Write::InsertOidcCode(AuthCode {
            code_hash: svc.keys.hash_oidc(b"code", &code),
            client_id: client.id,
            account_id: authed.account.id,
            session_id: authed.session.id,
            redirect_uri: OIDC_REDIRECT.into(),
            scopes: vec![OidcScope::Openid, OidcScope::Email, OidcScope::Profile],
            nonce: Some("bench".into()),
            code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
            auth_time: authed.session.created_at,
            methods: authed.session.auth_methods.clone(),
            created_at: now,
            // The row may take longer than a real code lives.
            expires_at: now.plus_secs(3600),
            consumed_at: None,
        }));
        codes.push(code);
    }
    svc.store.commit(writes).await.map_err(store_err)?;
    Ok((client.id.to_string(), secret, codes))
}

/// `POST /token` with a code, the client's secret in HTTP Basic.
async fn exchange(h: &reqwest::Client, base: &str, id: String, secret: String, code: &str) -> reqwest::Result<reqwest::Response> {
    let form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", OIDC_REDIRECT), ("code_verifier", OIDC_VERIFIER)];
    let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    h.post(format!("{base}/token")).basic_auth(id, Some(secret)).header("content-type", "application/x-www-form-urlencoded").body(body).send().await
}

/// F-INT-5: an application exchanges the code its user came back with for an ID token
/// and an access token: client authentication (a keyed hash), PKCE, one guarded
/// commit, a signature. Each code is exchanged once.
async fn code_exchanges(svc: &ninsho_domain::Services<ninsho_storage::Db>, http: &reqwest::Client, base: &str, session: &str, n: usize, c: usize) -> anyhow::Result<Tally> {
    let (id, secret, codes) = oidc_codes(svc, session, n).await?;
    let (h, b, codes) = (http.clone(), base.to_string(), Arc::new(codes));
    Ok(row::run(n, c, move |i| {
        let (h, b, id, secret, code) = (h.clone(), b.clone(), id.clone(), secret.clone(), codes[i].clone());
        async move { expect_json(exchange(&h, &b, id, secret, &code).await, 200, "an ID token and an access token", |v| has_str(v, "id_token") && has_str(v, "access_token")).await }
    })
    .await)
}

/// F-INT-5: an application checks an ID token as a relying-party library does: it
/// reads ninsho's JWKS over HTTP, picks the key the token names and verifies the
/// signature, then the issuer, audience and expiry. One token, issued by a real code
/// exchange; it counts only if every check holds.
async fn id_token_validations(svc: &ninsho_domain::Services<ninsho_storage::Db>, http: &reqwest::Client, base: &str, session: &str, n: usize, c: usize) -> anyhow::Result<Tally> {
    let (id, secret, codes) = oidc_codes(svc, session, 1).await?;
    let answer: serde_json::Value = exchange(http, base, id.clone(), secret, &codes[0]).await?.error_for_status()?.json().await?;
    let token: Arc<str> = answer["id_token"].as_str().ok_or_else(|| anyhow::anyhow!("bench set-up: no ID token"))?.into();
    let issuer: Arc<str> = svc.policy.public_url.trim_end_matches('/').into();
    let (h, b, id) = (http.clone(), base.to_string(), Arc::<str>::from(id));
    Ok(row::run(n, c, move |_| {
        let (h, b, token, issuer, id) = (h.clone(), b.clone(), token.clone(), issuer.clone(), id.clone());
        async move {
            let r = h.get(format!("{b}/.well-known/jwks.json")).send().await.map_err(|e| format!("transport: {e}"))?;
            if r.status() != 200 {
                return Err(format!("{} (expected 200 and a JWKS)", r.status().as_u16()));
            }
            let jwks: serde_json::Value = r.json().await.map_err(|e| format!("JWKS: {e}"))?;
            valid_id_token(&jwks, &token, &issuer, &id, jiff::Timestamp::now().as_second())
        }
    })
    .await)
}

/// An ID token's checks against a JWKS (RFC 7517; RFC 8037 for Ed25519), written
/// apart from the server's own signing code so that the row cannot agree with a
/// mistake of it.
fn valid_id_token(jwks: &serde_json::Value, token: &str, issuer: &str, audience: &str, now_secs: i64) -> Result<(), row::Failure> {
    use data_encoding::BASE64URL_NOPAD as B64;
    use ring::signature::{ECDSA_P256_SHA256_FIXED, ED25519, UnparsedPublicKey, VerificationAlgorithm};
    let part = |s: &str| B64.decode(s.as_bytes()).map_err(|_| "a part is not base64url".to_string());
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err("not a compact JWS".into());
    };
    let header: serde_json::Value = serde_json::from_slice(&part(h)?).map_err(|_| "header is not JSON")?;
    let key = jwks["keys"].as_array().into_iter().flatten().find(|k| k["kid"] == header["kid"]).ok_or("no key in the JWKS has the token's kid")?;
    let field = |name: &str| key[name].as_str().ok_or_else(|| format!("the JWK has no {name}")).and_then(part);
    let (alg, public): (&dyn VerificationAlgorithm, Vec<u8>) = match (header["alg"].as_str(), key["kty"].as_str(), key["crv"].as_str()) {
        (Some("ES256"), Some("EC"), Some("P-256")) => (&ECDSA_P256_SHA256_FIXED, [vec![4u8], field("x")?, field("y")?].concat()),
        (Some("EdDSA"), Some("OKP"), Some("Ed25519")) => (&ED25519, field("x")?),
        other => return Err(format!("alg and key do not match: {other:?}")),
    };
    UnparsedPublicKey::new(alg, &public).verify(format!("{h}.{p}").as_bytes(), &part(s)?).map_err(|_| "bad signature")?;
    let claims: serde_json::Value = serde_json::from_slice(&part(p)?).map_err(|_| "claims are not JSON")?;
    if claims["iss"] != issuer || claims["aud"] != audience {
        return Err(format!("iss {} / aud {} are not {issuer} / {audience}", claims["iss"], claims["aud"]));
    }
    match claims["exp"].as_i64() {
        Some(exp) if exp > now_secs => Ok(()),
        _ => Err("expired".into()),
    }
}

/// F-DLV-3: a carrier's system tells the code at the door; each delivery is handed
/// over once (the code's hash is set as a registration sets it).
async fn handovers(svc: &ninsho_domain::Services<ninsho_storage::Db>, http: &reqwest::Client, base: &str, account: AccountId, n: usize, c: usize) -> anyhow::Result<Tally> {
    use ninsho_domain::ports::{Delivery, DeliveryCode, DeliveryStatus};
    let now = svc.clock.now();
    let (shop, _) = svc.add_service_client(&format!("bench-{}", uuid::Uuid::new_v4().simple()), &[Scope::DeliveriesWrite], 6_000_000).await.map_err(store_err)?;
    let (_, secret) = svc.add_service_client(&format!("bench-{}", uuid::Uuid::new_v4().simple()), &[Scope::DeliveriesVerify], 6_000_000).await.map_err(store_err)?;
    let until = now.plus_secs(86_400);
    let amount = ninsho_domain::money::Money::parse("150000", ninsho_domain::money::Currency::Jpy).map_err(store_err)?;
    let zone = ninsho_domain::zone::TimeZoneName::parse("Asia/Tokyo").map_err(store_err)?;
    let date = jiff::tz::TimeZone::UTC.to_datetime(jiff::Timestamp::now()).date().tomorrow().map_err(store_err)?;
    let mut tracking = Vec::with_capacity(n);
    let mut writes = Vec::new();
    for i in 0..n {
        let id = DeliveryId::new();
        let t = format!("BENCH-{}-{i}", uuid::Uuid::new_v4().simple());
        let code = DeliveryCode {
            hash: svc.keys.hash_delivery_code(id.0.as_bytes(), "123456"),
            sealed: svc.keys.seal(&ninsho_domain::service::delivery_code_aad(id), b"123456").map_err(store_err)?,
            valid_until: until,
            attempts: 0,
            message: MessageId::new(),
            denied_at: None,
            hashed_with: None,
        };
        writes.push(Write::InsertDelivery(Delivery {
            id,
            client_id: shop.id,
            order_id: t.clone(),
            account_id: account,
            amount,
            categories: vec!["general".into()],
            country: "JP".into(),
            time_zone: zone.clone(),
            carrier: "bench".into(),
            tracking_id: t.clone(),
            delivery_date: date,
            address_changed_days_ago: None,
            rules: vec![ninsho_domain::delivery_rules::Rule::Amount],
            status: DeliveryStatus::Pending,
            code: Some(code),
            courier_id: None,
            handed_over_at: None,
            created_at: now,
        }));
        tracking.push(t);
    }
    svc.store.commit(writes).await.map_err(store_err)?;
    let (h, b, auth, tracking) = (http.clone(), base.to_string(), format!("Bearer {}", secrecy::ExposeSecret::expose_secret(&secret)), Arc::new(tracking));
    Ok(row::run(n, c, move |i| {
        let (h, b, auth, t) = (h.clone(), b.clone(), auth.clone(), tracking[i].clone());
        async move {
            let r = h.post(format!("{b}/api/v1/service/deliveries/{t}/handover")).header("authorization", auth).json(&json!({"code": "123456", "courier_id": "bench-driver"})).send().await;
            expect_json(r, 200, "handed over", |v| v["status"] == "handed_over").await
        }
    })
    .await)
}

/// Sign-ins of one account at `rate` a second for `secs` seconds, open loop.
async fn overload(http: &reqwest::Client, base: &str, email: &str, rate: f64, secs: f64) -> Overload {
    if rate <= 0.0 || secs <= 0.0 {
        return Overload::default();
    }
    let total = (rate * secs).ceil() as usize;
    let mut tick = tokio::time::interval(std::time::Duration::from_secs_f64(1.0 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for _ in 0..total {
        tick.tick().await;
        let (h, url, em) = (http.clone(), format!("{base}/api/v1/sign-in"), email.to_string());
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let r = h.post(url).json(&json!({"email": em, "password": PASSWORD})).send().await;
            let took = sent.elapsed();
            let r = match r {
                Ok(r) => r,
                Err(e) => return Err(format!("transport: {e}")),
            };
            let status = r.status().as_u16();
            let retry = r.headers().contains_key("retry-after");
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            match status {
                200 if body["status"] == "signed_in" => Ok(Some(took)),
                503 if retry && body["reason"] == "overloaded" => Ok(None),
                _ => Err(format!("{status} {}", body["code"].as_str().unwrap_or("-"))),
            }
        }));
    }
    let mut out = Overload::default();
    let mut served = Vec::new();
    let mut shed = 0usize;
    for t in tasks {
        match t.await {
            Ok(Ok(Some(took))) => served.push(took.as_secs_f64() * 1000.0),
            Ok(Ok(None)) => shed += 1,
            Ok(Err(why)) => {
                out.failed += 1;
                out.first_failure.get_or_insert(why);
            }
            Err(e) => {
                out.failed += 1;
                out.first_failure.get_or_insert(format!("task: {e}"));
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    served.sort_by(|a, b| a.total_cmp(b));
    out.offered_per_sec = total as f64 / elapsed;
    out.accepted_per_sec = served.len() as f64 / elapsed;
    out.shed_per_sec = shed as f64 / elapsed;
    out.p99_accepted_ms = served.get(((served.len() as f64 * 0.99).ceil() as usize).saturating_sub(1)).copied().unwrap_or(0.0);
    out
}

#[cfg(test)]
mod tests {
    use ninsho_domain::oidc::keys::{Signer, SigningAlg, generate, jwk};

    use super::*;

    /// The row counts only tokens an application would accept: a signature that does
    /// not verify, a key the JWKS lacks, another issuer or audience, or an expired
    /// token is a failure, with either algorithm.
    #[test]
    fn f_int_5_the_id_token_row_accepts_only_what_an_application_would() {
        let ring = KeyRing::new([5u8; 32]);
        for alg in SigningAlg::ALL {
            let key = generate(alg, &ring, UnixMillis(1)).unwrap();
            let jwks = json!({"keys": [jwk(&key)]});
            let sign = |claims: serde_json::Value| Signer::open(&key, &ring).unwrap().sign(&claims).unwrap();
            let good = sign(json!({"iss": "https://shop.example", "aud": "app", "exp": 2000, "sub": "a"}));
            assert_eq!(valid_id_token(&jwks, &good, "https://shop.example", "app", 1999), Ok(()), "{alg:?}");
            assert!(valid_id_token(&jwks, &good, "https://shop.example", "app", 2000).is_err(), "expired");
            assert!(valid_id_token(&jwks, &good, "https://other.example", "app", 1999).is_err(), "issuer");
            assert!(valid_id_token(&jwks, &good, "https://shop.example", "other", 1999).is_err(), "audience");
            assert!(valid_id_token(&json!({"keys": []}), &good, "https://shop.example", "app", 1999).is_err(), "no key");
            let (head, _) = good.rsplit_once('.').unwrap();
            let forged = sign(json!({"iss": "https://shop.example", "aud": "app", "exp": 9999, "sub": "b"}));
            let swapped = format!("{}.{}", forged.rsplit_once('.').unwrap().0, good.rsplit_once('.').unwrap().1);
            assert!(valid_id_token(&jwks, &swapped, "https://shop.example", "app", 1999).is_err(), "another token's signature");
            assert!(valid_id_token(&jwks, head, "https://shop.example", "app", 1999).is_err(), "no signature");
            let other = generate(alg, &ring, UnixMillis(2)).unwrap();
            let mut wrong_key = jwk(&other);
            wrong_key["kid"] = json!(key.kid);
            assert!(valid_id_token(&json!({"keys": [wrong_key]}), &good, "https://shop.example", "app", 1999).is_err(), "another key under its kid");
        }
    }
}
