//! F-OPS-6: the security log is a hash chain. Events come from real use; the tampering
//! is done straight in the database, as an intruder with write access would.

use std::str::FromStr;

use ninsho_domain::audit::{self, Checkpoint, Head, VerifyingKey};
use ninsho_domain::crypto::KeyRing;
use ninsho_domain::ports::{Event, Store, SystemClock, Write};
use ninsho_domain::types::{AccountId, EventId, EventKind, UnixMillis};
use ninsho_server::audit::{BreakKind, Verdict, verify, write_checkpoint};

use super::*;

fn keys() -> KeyRing {
    KeyRing::from_hex(TEST_MASTER_KEY).unwrap()
}

fn public_key() -> VerifyingKey {
    keys().audit_signing_key().verifying_key()
}

/// The database as the tamperer sees it: plain SQL, no application.
pub enum Raw {
    Lite(sqlx::SqlitePool),
    Pg(sqlx::PgPool),
}

impl Raw {
    pub async fn open(url: &str) -> Raw {
        if url.starts_with("postgres") {
            Raw::Pg(sqlx::PgPool::connect(url).await.unwrap())
        } else {
            let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url).unwrap().busy_timeout(std::time::Duration::from_secs(10));
            Raw::Lite(sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect_with(opts).await.unwrap())
        }
    }

    pub async fn exec(&self, sql: &str) {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match self {
            Raw::Lite(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
            Raw::Pg(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
        }
        .unwrap_or_else(|e| panic!("{e}"));
    }

    pub async fn int(&self, sql: &str) -> i64 {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match self {
            Raw::Lite(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await,
            Raw::Pg(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await,
        }
        .unwrap()
    }

    /// A bytes literal in this dialect.
    fn blob(&self, b: &[u8]) -> String {
        match self {
            Raw::Lite(_) => format!("x'{}'", audit::hex(b)),
            Raw::Pg(_) => format!("decode('{}', 'hex')", audit::hex(b)),
        }
    }

    pub async fn close(self) {
        match self {
            Raw::Lite(p) => p.close().await,
            Raw::Pg(p) => p.close().await,
        }
    }
}

/// Sign-ups, sign-ins and wrong passwords over HTTP: a log of a dozen events or more.
async fn some_use(app: &TestApp) {
    for _ in 0..2 {
        let email = unique_email();
        app.signed_up(&email, PASSWORD).await;
        assert_eq!(sign_in(app, &app.http, &email, json!({})).await.status, 200);
        let wrong = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": "not the password at all"}))).await;
        assert_eq!(wrong.status, 401);
    }
}

async fn event_id_at(app: &TestApp, seq: i64) -> uuid::Uuid {
    app.running.db.audit_page(seq - 1, 1).await.unwrap()[0].id.unwrap()
}

fn broken(v: Verdict) -> ninsho_server::audit::Break {
    match v {
        Verdict::Broken(b) => b,
        Verdict::Intact { .. } => panic!("the tampering went unnoticed"),
    }
}

/// Chains what has been committed (as the instance's chainer would shortly).
async fn chained(app: &TestApp) {
    app.running.db.chain_all().await.unwrap();
}

async fn assert_intact(app: &TestApp, what: &str) -> (i64, Head) {
    chained(app).await;
    match verify(&app.running.db, &public_key()).await.unwrap() {
        Verdict::Intact { events, head, pending } => {
            assert_eq!(pending, 0, "{what}: nothing is written meanwhile");
            (events, head)
        }
        Verdict::Broken(b) => panic!("{what}: {b}"),
    }
}

/// A new account (signed up over HTTP): its address and id.
async fn new_account(app: &TestApp) -> (String, AccountId) {
    let email = unique_email();
    app.signed_up(&email, PASSWORD).await;
    let account = app.running.services.store.account_by_email(&ninsho_domain::email::Email::parse(&email).unwrap()).await.unwrap().unwrap().id;
    (email, account)
}

/// The chain is intact and every event has its own place, from 1 to the head.
async fn assert_gapless(app: &TestApp, what: &str) -> Head {
    let (n, head) = assert_intact(app, what).await;
    assert_eq!(head.seq, n, "{what}");
    let raw = Raw::open(&app.db.url).await;
    assert_eq!(raw.int("select count(*) from events").await, n, "{what}: every event has its place");
    assert_eq!(raw.int("select count(distinct seq) from events").await, n, "{what}");
    assert_eq!(raw.int("select min(seq) from events").await, 1, "{what}");
    raw.close().await;
    head
}

/// Re-hashes every event from `from` on and moves the head: what an intruder who
/// knows the (public) hashing does after changing a row, to hide it from the chain.
async fn rechain_from(app: &TestApp, raw: &Raw, from: i64) {
    let db = &app.running.db;
    let mut prev = if from == 1 { audit::GENESIS } else { audit::hash_from(&db.audit_hash_at(from - 1).await.unwrap().unwrap()).unwrap() };
    for row in db.audit_page(from - 1, 100_000).await.unwrap() {
        let hash = audit::event_hash(&prev, row.seq, &row.event.as_ref().unwrap().columns());
        raw.exec(&format!("update events set prev_hash = {}, hash = {} where seq = {}", raw.blob(&prev), raw.blob(&hash), row.seq)).await;
        prev = hash;
    }
    raw.exec(&format!("update audit_head set last_hash = {} where id = 1", raw.blob(&prev))).await;
}

#[tokio::test]
async fn f_ops_6_a_changed_removed_or_reordered_event_is_named() {
    for b in backends().await {
        let app = spawn_app(b).await;
        some_use(&app).await;
        let (n, head) = assert_intact(&app, "after real use").await;
        assert!(n >= 8, "{b:?}: {n} events");
        assert_eq!(head, app.running.db.audit_head().await.unwrap().0);
        let raw = Raw::open(&app.db.url).await;
        let mid = n / 2;
        raw.exec("create table saved as select * from events where 1 = 0").await;
        let save = |seq: i64| format!("delete from saved; insert into saved select * from events where seq = {seq}");

        // (a) One column of a middle row edited.
        let id = event_id_at(&app, mid).await;
        raw.exec(&format!("update events set detail = detail || 'x' where seq = {mid}")).await;
        let br = broken(verify(&app.running.db, &public_key()).await.unwrap());
        assert_eq!((br.kind, br.seq, br.event), (BreakKind::Changed, Some(mid), Some(id)), "{b:?}: {br}");
        raw.exec(&format!("update events set detail = substr(detail, 1, length(detail) - 1) where seq = {mid}")).await;
        assert_intact(&app, "edit undone").await;
        // A changed account (another column, another type) too.
        raw.exec(&format!("update events set unfamiliar = not unfamiliar where seq = {mid}")).await;
        assert_eq!(broken(verify(&app.running.db, &public_key()).await.unwrap()).kind, BreakKind::Changed, "{b:?}");
        raw.exec(&format!("update events set unfamiliar = not unfamiliar where seq = {mid}")).await;

        // (b) A middle row deleted: the gap is named.
        raw.exec(&save(mid)).await;
        raw.exec(&format!("delete from events where seq = {mid}")).await;
        let br = broken(verify(&app.running.db, &public_key()).await.unwrap());
        assert_eq!((br.kind, br.seq), (BreakKind::Removed, Some(mid)), "{b:?}: {br}");
        assert!(br.to_string().contains(&format!("seq {mid} is missing")), "{br}");
        // …and when the later seqs are shifted down to close the gap, the missing
        // predecessor still shows.
        raw.exec(&format!("update events set seq = seq - 1 where seq = {}", mid + 1)).await;
        let br = broken(verify(&app.running.db, &public_key()).await.unwrap());
        assert_eq!((br.kind, br.seq), (BreakKind::Removed, Some(mid)), "{b:?}: {br}");
        raw.exec(&format!("update events set seq = seq + 1 where seq = {mid}")).await;
        raw.exec("insert into events select * from saved").await;
        assert_intact(&app, "row put back").await;

        // (c) Two rows swapped: the later one now comes first.
        let second = event_id_at(&app, mid + 1).await;
        raw.exec(&format!("update events set seq = -1 where seq = {mid}")).await;
        raw.exec(&format!("update events set seq = {mid} where seq = {}", mid + 1)).await;
        raw.exec(&format!("update events set seq = {} where seq = -1", mid + 1)).await;
        let br = broken(verify(&app.running.db, &public_key()).await.unwrap());
        assert_eq!((br.kind, br.seq, br.event), (BreakKind::Reordered, Some(mid), Some(second)), "{b:?}: {br}");
        raw.exec(&format!("update events set seq = -1 where seq = {mid}")).await;
        raw.exec(&format!("update events set seq = {mid} where seq = {}", mid + 1)).await;
        raw.exec(&format!("update events set seq = {} where seq = -1", mid + 1)).await;
        assert_intact(&app, "order restored").await;

        // (d) The last row deleted: only the head knows it was there.
        let last = raw.int("select max(seq) from events").await;
        raw.exec(&format!("delete from events where seq = {last}")).await;
        let br = broken(verify(&app.running.db, &public_key()).await.unwrap());
        assert_eq!((br.kind, br.seq), (BreakKind::Removed, Some(last)), "{b:?}: {br}");
        assert!(br.to_string().contains("missing at the end"), "{br}");
        // A row slipped in beside the chain (no seq), dated an hour back: not a late
        // commit, so never chained, and found.
        raw.exec(&format!("update events set seq = null, prev_hash = null, hash = null, at = at - 3600000 where seq = {}", last - 1)).await;
        raw.exec(&format!("update audit_head set last_seq = {}, last_hash = (select hash from events where seq = {}) where id = 1", last - 2, last - 2)).await;
        app.running.db.chain_all().await.unwrap();
        let br = broken(verify(&app.running.db, &public_key()).await.unwrap());
        assert_eq!(br.kind, BreakKind::Inserted, "{b:?}: {br}");
        assert!(br.to_string().contains("inserted outside the chain"), "{br}");
        raw.close().await;
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_ops_6_a_checkpoint_signs_the_head_and_a_rewritten_history_is_found() {
    for b in backends().await {
        let app = spawn_app(b).await;
        some_use(&app).await;
        chained(&app).await;
        let db = &app.running.db;
        let before = db.audit_head().await.unwrap().0;
        let cp = write_checkpoint(db, &keys(), &SystemClock, std::time::Duration::ZERO).await.unwrap().unwrap();
        assert_eq!(cp.head, before, "{b:?}: it signs the head it follows");
        assert!(cp.verify(&public_key()));
        let at = before.seq + 1;
        // Within the period another is not written, by this instance or any other.
        assert!(write_checkpoint(db, &keys(), &SystemClock, std::time::Duration::from_secs(3600)).await.unwrap().is_none());
        let email = unique_email();
        app.signed_up(&email, PASSWORD).await;
        assert_intact(&app, "with a checkpoint").await;
        let raw = Raw::open(&app.db.url).await;

        // The signature forged and the chain rebuilt after it: only the key tells.
        let mut forged = cp.clone();
        forged.signature[0] ^= 1;
        raw.exec(&format!("create table saved as select * from events where seq >= {at}")).await;
        raw.exec(&format!("update events set detail = '{}' where seq = {at}", forged.to_detail())).await;
        rechain_from(&app, &raw, at).await;
        let br = broken(verify(db, &public_key()).await.unwrap());
        assert_eq!((br.kind, br.seq), (BreakKind::Checkpoint, Some(at)), "{b:?}: {br}");
        assert!(br.to_string().contains("signature"), "{br}");
        raw.exec(&format!("delete from events where seq >= {at}; insert into events select * from saved")).await;
        rechain_from(&app, &raw, at).await;
        assert_intact(&app, "checkpoint put back").await;

        // An event before the checkpoint changed and every hash after it recomputed: the
        // chain holds, the signed hash does not.
        raw.exec(&format!("update events set detail = detail || 'x' where seq = {}", at - 2)).await;
        rechain_from(&app, &raw, at - 2).await;
        let br = broken(verify(db, &public_key()).await.unwrap());
        assert_eq!((br.kind, br.seq), (BreakKind::Checkpoint, Some(at)), "{b:?}: {br}");
        assert!(br.to_string().contains("rewritten"), "{br}");

        // A checkpoint is an event like any other: its own kind, chained, not in any history.
        let page = db.audit_page(at - 1, 1).await.unwrap();
        let stored = page[0].event.as_ref().unwrap();
        assert_eq!(stored.kind, EventKind::AuditCheckpoint.as_str());
        assert_eq!(Checkpoint::from_detail(&stored.detail), Some(cp));
        raw.close().await;
        app.shutdown().await;
    }
}

/// An event written now (give or take `i` ms), as the hot paths write them.
fn event(account: AccountId, i: usize) -> Event {
    let now = ninsho_domain::ports::Clock::now(&SystemClock).0;
    Event { id: EventId::new(), account_id: Some(account), at: UnixMillis(now + i as i64), kind: EventKind::SignIn, ip: Some("192.0.2.7".into()), user_agent: None, device_hash: Some(vec![1; 8]), detail: format!("n{i}"), unfamiliar: false }
}

#[tokio::test]
async fn f_ops_6_two_instances_writing_at_once_make_one_gapless_chain() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let (second, _data) = spawn_second(&app).await;
        let (email, account) = new_account(&app).await;
        let (start, _) = app.running.db.audit_head().await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..100 {
            let store = if i % 2 == 0 { app.running.services.store.clone() } else { second.services.store.clone() };
            // Each with a row another writer touches too: events are inserted as any
            // row, and chained after their commit by both instances' chainers.
            tasks.push(tokio::spawn(async move { store.commit(vec![Write::TouchSignIn { account, now: UnixMillis(i as i64 * 60_000) }, Write::InsertEvent(event(account, i))]).await }));
        }
        // Real sign-ins on both instances meanwhile.
        let (h, u1, u2, em) = (app.http.clone(), app.url.clone(), second.url(), email.clone());
        let signins = tokio::spawn(async move {
            for i in 0..6 {
                let base = if i % 2 == 0 { &u1 } else { &u2 };
                let r = call(&h, base, "POST", "/api/v1/sign-in", None, Some(json!({"email": em, "password": PASSWORD}))).await;
                assert_eq!(r.status, 200, "{:?}", r.body);
            }
        });
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        signins.await.unwrap();
        // Both chainers take turns on the head meanwhile; the second's too, here.
        second.db.chain_all().await.unwrap();
        let head = assert_gapless(&app, &format!("{b:?}: after concurrent writes")).await;
        assert!(head.seq >= start.seq + 106, "{b:?}: {} -> {}", start.seq, head.seq);
        second.shutdown().await;
        app.shutdown().await;
    }
}

/// A bulk import's events are chained in the transaction that inserts them (the head is
/// held to its commit), while both instances' hot paths insert events that their
/// chainers place after commit: still one gapless chain, and no code event of the
/// import is left for a chainer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn f_ops_6_a_bulk_import_beside_two_writing_instances_makes_one_gapless_chain() {
    use ninsho_domain::service::Shipment;
    for b in backends().await {
        let app = spawn_app(b).await;
        let (second, _data) = spawn_second(&app).await;
        let (_, account) = new_account(&app).await;
        let name = format!("shop-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let (shop, _) = app.running.services.add_service_client(&name, &[ninsho_domain::types::Scope::DeliveriesWrite], 100).await.unwrap();
        let (start, _) = app.running.db.audit_head().await.unwrap();
        let amount = ninsho_domain::money::Money::parse("150000", ninsho_domain::money::Currency::Jpy).unwrap();
        let zone = ninsho_domain::zone::TimeZoneName::parse("Asia/Tokyo").unwrap();
        let date = jiff::tz::TimeZone::UTC.to_datetime(jiff::Timestamp::now()).date().tomorrow().unwrap().tomorrow().unwrap();
        let (batches, per_batch) = (6, 250);
        let mut imports = Vec::new();
        for batch in 0..batches {
            let services = if batch % 2 == 0 { app.running.services.clone() } else { second.services.clone() };
            let (shop, zone) = (shop.clone(), zone.clone());
            let items = (0..per_batch)
                .map(|i| {
                    Ok(Shipment {
                        order_id: format!("{name}-{batch}-{i}"),
                        account,
                        amount,
                        categories: vec!["general".into()],
                        country: "JP".into(),
                        time_zone: zone.clone(),
                        carrier: "yamato".into(),
                        tracking_id: format!("{name}-T{batch}-{i}"),
                        delivery_date: date,
                        address_changed_days_ago: None,
                    })
                })
                .collect();
            let url = app.db.url.clone();
            imports.push(tokio::spawn(async move {
                let results = services.register_shipments(&shop, items).await;
                // At once, before a chainer (every half second) could have run.
                let raw = Raw::open(&url).await;
                let unchained = raw.int("select count(*) from events where kind = 'code_sent' and seq is null").await;
                raw.close().await;
                (results, unchained)
            }));
        }
        let mut hot = Vec::new();
        for i in 0..60 {
            let store = if i % 2 == 0 { app.running.services.store.clone() } else { second.services.store.clone() };
            hot.push(tokio::spawn(async move { store.commit(vec![Write::InsertEvent(event(account, i))]).await }));
        }
        for t in imports {
            let (results, unchained) = t.await.unwrap();
            assert!(results.unwrap().iter().all(|r| r.as_ref().is_ok_and(|r| r.created && r.delivery.code.is_some())), "{b:?}: every shipment issued");
            assert_eq!(unchained, 0, "{b:?}: an import's events are chained as they are inserted");
        }
        for t in hot {
            t.await.unwrap().unwrap();
        }
        second.db.chain_all().await.unwrap();
        let head = assert_gapless(&app, &format!("{b:?}: after an import beside concurrent writes")).await;
        assert!(head.seq >= start.seq + batches * per_batch + 60, "{b:?}: {} -> {}", start.seq, head.seq);
        second.shutdown().await;
        app.shutdown().await;
    }
}

/// What the migration left to the first start: events written before the chain are
/// chained in the order they were written, and later ones follow them.
#[tokio::test]
async fn f_ops_6_events_from_before_the_chain_are_chained_at_first_start() {
    for b in backends().await {
        let fresh = fresh_db(b).await.unwrap();
        let raw = Raw::open(&format!("{}{}", fresh.url, if b == Backend::Sqlite { "?mode=rwc" } else { "" })).await;
        let migrations = if b == Backend::Sqlite { ninsho_storage::migrate::SQLITE } else { ninsho_storage::migrate::POSTGRES };
        raw.exec("create table ninsho_migrations (version bigint primary key, name text not null, applied_at bigint not null)").await;
        for m in migrations.iter().filter(|m| m.version <= 13) {
            raw.exec(m.sql).await;
            raw.exec(&format!("insert into ninsho_migrations (version, name, applied_at) values ({}, '{}', 0)", m.version, m.name)).await;
        }
        for i in 0..5 {
            let id = raw.blob(uuid::Uuid::now_v7().as_bytes());
            let id = if b == Backend::Postgres { format!("encode({id}, 'hex')::uuid") } else { id };
            raw.exec(&format!("insert into events (id, account_id, at, kind, ip, user_agent, device_hash, detail, unfamiliar) values ({id}, null, {}, 'sign_in', null, null, null, 'old', false)", 1000 - i)).await;
        }
        raw.close().await;
        let db = Db::connect(&fresh.url).await.unwrap();
        let rows = db.audit_page(0, 100).await.unwrap();
        let ats: Vec<i64> = rows.iter().map(|r| r.event.as_ref().unwrap().at).collect();
        assert_eq!(ats, vec![996, 997, 998, 999, 1000], "{b:?}: in the order they were written");
        // A later event is inserted unchained: not yet chained, which is no break…
        db.commit(vec![Write::InsertEvent(event(AccountId::new(), 7))]).await.unwrap();
        match verify(&db, &public_key()).await.unwrap() {
            Verdict::Intact { events, pending, .. } => assert_eq!((events, pending), (5, 1), "{b:?}"),
            Verdict::Broken(br) => panic!("{b:?}: {br}"),
        }
        let v = verify(&db, &public_key()).await.unwrap();
        assert!(v.to_string().ends_with("\n1 events not yet chained (written after the check began)"), "{v}");
        // …until the chainer gives it its place after the others.
        assert_eq!(db.chain_all().await.unwrap(), 1);
        match verify(&db, &public_key()).await.unwrap() {
            Verdict::Intact { events, pending, .. } => assert_eq!((events, pending), (6, 0), "{b:?}"),
            Verdict::Broken(br) => panic!("{b:?}: {br}"),
        }
        // An unchained row dated long before the newest chained one is not a late
        // commit: the chainer leaves it out and verification names it.
        let raw = Raw::open(&fresh.url).await;
        let id = uuid::Uuid::now_v7();
        let lit = raw.blob(id.as_bytes());
        let lit = if b == Backend::Postgres { format!("encode({lit}, 'hex')::uuid") } else { lit };
        raw.exec(&format!("insert into events (id, account_id, at, kind, ip, user_agent, device_hash, detail, unfamiliar) values ({lit}, null, 2000, 'sign_in', null, null, null, 'slipped in', false)")).await;
        raw.close().await;
        assert_eq!(db.chain_all().await.unwrap(), 0, "{b:?}");
        let br = broken(verify(&db, &public_key()).await.unwrap());
        assert_eq!((br.kind, br.event), (BreakKind::Inserted, Some(id)), "{b:?}: {br}");
        db.close().await;
    }
}

/// Chained after commit: what the hot path writes gets its place from the instance's
/// own chainer, without anyone asking, within a few seconds.
#[tokio::test]
async fn f_ops_6_an_event_written_by_the_hot_path_is_chained_in_the_background() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let db = &app.running.db;
        let email = unique_email();
        app.signed_up(&email, PASSWORD).await;
        assert_eq!(sign_in(&app, &app.http, &email, json!({})).await.status, 200);
        let raw = Raw::open(&app.db.url).await;
        let written = raw.int("select count(*) from events").await;
        assert!(written >= 2, "{b:?}: {written}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let (head, _) = db.audit_head().await.unwrap();
            if raw.int("select count(*) from events where seq is null").await == 0 && head.seq >= written {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{b:?}: not chained within 10 s (head at {})", head.seq);
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        // Verified as it stands, without chaining first.
        match verify(db, &public_key()).await.unwrap() {
            Verdict::Intact { events, pending, .. } => assert!(events >= written && pending == 0, "{b:?}: {events} {pending}"),
            Verdict::Broken(br) => panic!("{b:?}: {br}"),
        }
        raw.close().await;
        app.shutdown().await;
    }
}

async fn ninsho(args: &[&str], app: &TestApp, data: &TempDir) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_ninsho"))
        .args(args)
        .args(["--database-url", &app.db.url, "--data-dir"])
        .arg(&data.path)
        .env("NINSHO_MASTER_KEY", TEST_MASTER_KEY)
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn f_ops_6_the_cli_verifies_checkpoints_and_exits_non_zero_on_a_break() {
    for b in backends().await {
        let app = spawn_app(b).await;
        some_use(&app).await;
        let data = TempDir::new().unwrap();
        let text = |o: &std::process::Output| (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned());

        let key = ninsho(&["admin", "audit", "public-key"], &app, &data).await;
        assert!(key.status.success(), "{:?}", text(&key));
        let key = text(&key).0.trim().to_string();
        assert_eq!(key, audit::hex(public_key().as_bytes()));

        let cp = ninsho(&["admin", "audit", "checkpoint"], &app, &data).await;
        assert!(cp.status.success(), "{:?}", text(&cp));
        assert!(text(&cp).0.starts_with("checkpoint: seq="), "{:?}", text(&cp));

        let ok = ninsho(&["admin", "audit", "verify", "--public-key", &key], &app, &data).await;
        let (out, err) = text(&ok);
        assert!(ok.status.success(), "{b:?}: {err}");
        let (n, head) = assert_intact(&app, "cli").await;
        assert_eq!(out.trim(), format!("chain intact: {n} events, head {}", audit::hex(&head.hash)), "{b:?}");

        let raw = Raw::open(&app.db.url).await;
        raw.exec("update events set ip = '203.0.113.9' where seq = 3").await;
        let bad = ninsho(&["admin", "audit", "verify"], &app, &data).await;
        let (out, err) = text(&bad);
        assert!(!bad.status.success() && out.is_empty(), "{b:?}: {out}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        let id = event_id_at(&app, 3).await;
        assert!(err.starts_with(&format!("ninsho: chain broken at seq 3 (event {id}): changed")), "{b:?}: {err}");
        raw.close().await;

        // Bad input: one line, non-zero.
        let wrong_key = ninsho(&["admin", "audit", "verify", "--public-key", "not-hex"], &app, &data).await;
        assert!(!wrong_key.status.success());
        assert_eq!(text(&wrong_key).1.trim().lines().filter(|l| l.starts_with("ninsho:")).count(), 1, "{:?}", text(&wrong_key));
        app.shutdown().await;
    }
}
