//! State on SQLite (one file, the default) or PostgreSQL (many instances). The SQL and
//! row mapping are written once in `store_impl.rs` and compiled per driver; the few
//! statements that differ are constants per dialect. `Db` picks one at run time.

use std::str::FromStr;
use std::time::Duration;

use ninsho_domain::email::Email;
use ninsho_domain::error::{Error, Outage};
use ninsho_domain::ports::*;
use ninsho_domain::types::*;
use ninsho_domain::oidc::{AccessToken, AuthCode, OidcClient, OidcRequest, OidcStore, RefreshToken, SigningKey};
use ninsho_domain::webhooks::{WebhookDelivery, WebhookEndpoint, WebhookStore};

mod attempt;
pub mod inspect;
pub mod chain;
pub mod migrate;
mod session_cache;
pub use session_cache::CacheStats;
mod writes;

pub mod sqlite {
    //! SQLite: WAL, `synchronous=FULL` (an acknowledged code consumption survives a
    //! crash), one writer connection, `BEGIN IMMEDIATE` for every write.
    type DB = sqlx::Sqlite;
    const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";
    /// One writer (`BEGIN IMMEDIATE`): the head needs no lock of its own.
    const HEAD_FOR_UPDATE: &str = "select last_seq, last_hash, checkpoint_at, last_at from audit_head where id = 1";
    /// Commits go through the group commit instead.
    const ONE_STATEMENT: bool = false;
    /// F-DLV-6: the one writer takes the chunks in turn, and those ready together commit
    /// together: bigger or more chunks cost memory (the page cache is already 64 MiB)
    /// and bought at most 7 % (ADR 0007, step 4).
    pub const BULK_SHAPE: crate::BulkShape = crate::BulkShape { chunk: 2000, in_flight: 3 };
    /// A bulk write's rows, `BULK_ROWS` to a statement, with anonymous `?` placeholders:
    /// the driver looks up each argument's name as it binds it, in a list as long as
    /// the names, so numbered placeholders would make binding grow with the square of
    /// the arguments. How many rows were inserted.
    async fn insert_rows(tx: &mut Tx, t: &crate::writes::BulkRows) -> Result<u64, sqlx::Error> {
        let mut n = 0;
        for (sql, rows) in crate::writes::values_statements(t.head, t.columns(), &t.rows) {
            n += bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), rows.into_iter().flatten()).execute(&mut **tx).await?.rows_affected();
        }
        Ok(n)
    }
    /// A client's deliveries among `orders`, `BULK_ROWS` order ids to a read.
    async fn rows_by_orders(pool: &Pool<DB>, client: Uuid, orders: &[String]) -> Result<Vec<DbRow>, sqlx::Error> {
        let mut out = Vec::new();
        for chunk in orders.chunks(crate::writes::BULK_ROWS) {
            let sql = format!("select * from deliveries where client_id = ? and order_id in ({})", vec!["?"; chunk.len()].join(", "));
            let q = chunk.iter().fold(sqlx::query(sqlx::AssertSqlSafe(sql)).bind(client), |q, o| q.bind(o.as_str()));
            out.extend(q.fetch_all(pool).await?);
        }
        Ok(out)
    }
    /// The chainer's places and hashes, `BULK_ROWS` rows to a statement.
    async fn save_chained(tx: &mut Tx, rows: &[crate::chain::Chained]) -> Result<u64, sqlx::Error> {
        let mut n = 0;
        for chunk in rows.chunks(crate::writes::BULK_ROWS) {
            let values = vec!["(?, ?, ?, ?)"; chunk.len()].join(", ");
            let sql = format!("update events set seq = v.column2, prev_hash = v.column3, hash = v.column4 from (values {values}) as v where events.id = v.column1 and {}", crate::STILL_UNCHAINED);
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for c in chunk {
                q = q.bind(c.id).bind(c.seq).bind(&c.prev_hash[..]).bind(&c.hash[..]);
            }
            n += q.execute(&mut **tx).await?.rows_affected();
        }
        Ok(n)
    }
    /// The planner reads the unchained rows from their own index, in order, with or
    /// without statistics.
    const CHAIN_PLAN: &[&str] = &[];
    const MIGRATIONS: &[crate::migrate::Migration] = crate::migrate::SQLITE;
    /// The database's clock, in milliseconds since the epoch.
    const DB_NOW_MS: &str = "select cast((julianday('now') - 2440587.5) * 86400000.0 as integer)";
    const CLAIM_OUTBOX: &str = "update outbox set lease_until = $2, attempts = attempts + 1 \
        where id in (select id from outbox where status = 'pending' and next_attempt_at <= $1 and (lease_until is null or lease_until < $1) order by next_attempt_at limit $3) \
        returning id, account_id, template, channel, destination, locale, payload, created_at, quota_keys, attempts, challenge_id, delivery_id";
    const CLAIM_WEBHOOKS: &str = "update webhook_deliveries set lease_until = $2, attempts = attempts + 1 \
        where id in (select id from webhook_deliveries where status = 'pending' and next_attempt_at <= $1 and (lease_until is null or lease_until < $1) order by next_attempt_at limit $3) \
        returning id, webhook_id, endpoint_id, topic, body, attempts, created_at";
    /// What a commit made stale in the session caches, for other processes to read.
    const NOTICE_SQL: &str = "insert into cache_notices (notice) values ($1)";
    fn start_watch(s: &Store) {
        tokio::spawn(crate::session_cache::watch_sqlite(s.read.clone(), s.write.clone(), s.cache.clone()));
    }
    /// Copies what the writer committed from the log into the database file, on a
    /// connection of its own: a passive checkpoint waits for no one, and the writer
    /// goes on committing meanwhile. Woken after commits; ends with the group commit.
    pub(crate) async fn checkpointer(mut conn: sqlx::SqliteConnection, mut woken: tokio::sync::mpsc::Receiver<()>) {
        while woken.recv().await.is_some() {
            tokio::time::sleep(crate::CHECKPOINT_GATHER).await;
            if let Err(e) = sqlx::query("pragma wal_checkpoint(PASSIVE)").execute(&mut conn).await {
                tracing::warn!(error = %e, "SQLite checkpoint failed; the writer checkpoints by itself past its limit");
            }
        }
        let _ = sqlx::Connection::close(conn).await;
    }
    include!("store_impl.rs");
    include!("chain_impl.rs");
    include!("webhooks_impl.rs");
    include!("oidc_impl.rs");
}

pub mod postgres {
    //! PostgreSQL: several instances share one database; the outbox is claimed with
    //! `for update skip locked` so two dispatchers never take the same message.
    type DB = sqlx::Postgres;
    const BEGIN_WRITE: &str = "BEGIN";
    /// Held to the commit: one chainer at a time across instances (F-OPS-6).
    const HEAD_FOR_UPDATE: &str = "select last_seq, last_hash, checkpoint_at, last_at from audit_head where id = 1 for update";
    /// The writes of the hot paths commit as one statement (`writes::one_statement`).
    const ONE_STATEMENT: bool = true;
    /// F-DLV-6: each chunk is a transaction of its own, and the chain's head is held
    /// from its events to its commit, so chunks of 2,000 queued behind the head a third
    /// of the time; chunks of 4,000, five at a time, keep the server busy (ADR 0007,
    /// step 4).
    pub const BULK_SHAPE: crate::BulkShape = crate::BulkShape { chunk: 4000, in_flight: 5 };
    /// A bulk write's rows as one statement per table, one array per column
    /// (`writes::unnest_sql`): a thousand-row `values` list would be a statement of
    /// thousands of arguments, parsed and planned again for each length of list.
    async fn insert_rows(tx: &mut Tx, t: &crate::writes::BulkRows) -> Result<u64, sqlx::Error> {
        let Some(sql) = crate::writes::unnest_sql(t) else {
            return Err(sqlx::Error::Protocol(format!("bulk rows of {} mix kinds of values in a column", t.head)));
        };
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for i in 0..t.columns() {
            let column = t.rows.iter().map(|r| &r[i]);
            q = match t.rows.first().map(|r| &r[i]) {
                Some(Arg::Uuid(_)) => q.bind(column.map(|a| if let Arg::Uuid(v) = a { *v } else { None }).collect::<Vec<_>>()),
                Some(Arg::Int(_)) => q.bind(column.map(|a| if let Arg::Int(v) = a { *v } else { None }).collect::<Vec<_>>()),
                Some(Arg::Bytes(_)) => q.bind(column.map(|a| if let Arg::Bytes(v) = a { v.as_deref() } else { None }).collect::<Vec<_>>()),
                Some(Arg::Text(_)) => q.bind(column.map(|a| if let Arg::Text(v) = a { v.as_deref() } else { None }).collect::<Vec<_>>()),
                Some(Arg::Bool(_)) => q.bind(column.map(|a| matches!(a, Arg::Bool(true))).collect::<Vec<_>>()),
                None => q,
            };
        }
        Ok(q.execute(&mut **tx).await?.rows_affected())
    }
    /// A client's deliveries among `orders`, in one read: each order id looked up in
    /// the (client, order) index. (With a list of values, a plan made without
    /// statistics read every delivery of the client and compared each with the whole
    /// list; with a plain join, it hashed the whole table on disk. Either way each
    /// batch of an import was slower than the one before.) The lateral `limit 1` (the
    /// pair is unique) keeps the lookup a lookup: such a subquery is not flattened
    /// into a join the planner could turn into a scan.
    async fn rows_by_orders(pool: &Pool<DB>, client: Uuid, orders: &[String]) -> Result<Vec<DbRow>, sqlx::Error> {
        sqlx::query(
            "select d.* from unnest($2::text[]) as o(order_id) \
                cross join lateral (select * from deliveries where client_id = $1 and order_id = o.order_id limit 1) as d",
        )
            .bind(client)
            .bind(orders)
            .fetch_all(pool)
            .await
    }
    /// The chainer's places and hashes in one statement, one array per column (the
    /// guard as `STILL_UNCHAINED`).
    async fn save_chained(tx: &mut Tx, rows: &[crate::chain::Chained]) -> Result<u64, sqlx::Error> {
        let (ids, seqs): (Vec<Uuid>, Vec<i64>) = rows.iter().map(|c| (c.id, c.seq)).unzip();
        let prev: Vec<&[u8]> = rows.iter().map(|c| &c.prev_hash[..]).collect();
        let hash: Vec<&[u8]> = rows.iter().map(|c| &c.hash[..]).collect();
        let r = sqlx::query(
            "update events e set seq = v.seq, prev_hash = v.prev_hash, hash = v.hash \
                from unnest($1::uuid[], $2::bigint[], $3::bytea[], $4::bytea[]) as v(id, seq, prev_hash, hash) where e.id = v.id and coalesce(e.seq, 0) = 0",
        )
        .bind(ids)
        .bind(seqs)
        .bind(prev)
        .bind(hash)
        .execute(&mut **tx)
        .await?;
        Ok(r.rows_affected())
    }
    /// Without statistics (a table that grew fast, as in a bulk import) the planner
    /// reads every unchained row through a bitmap and sorts them to take the first
    /// batch; the chainer's transaction asks for the index's own order instead.
    const CHAIN_PLAN: &[&str] = &["set local enable_bitmapscan = off", "set local enable_sort = off"];
    const MIGRATIONS: &[crate::migrate::Migration] = crate::migrate::POSTGRES;
    /// The database server's clock (not the transaction's start), in milliseconds.
    const DB_NOW_MS: &str = "select cast(extract(epoch from clock_timestamp()) * 1000 as bigint)";
    const CLAIM_OUTBOX: &str = "update outbox set lease_until = $2, attempts = attempts + 1 \
        where id in (select id from outbox where status = 'pending' and next_attempt_at <= $1 and (lease_until is null or lease_until < $1) order by next_attempt_at limit $3 for update skip locked) \
        returning id, account_id, template, channel, destination, locale, payload, created_at, quota_keys, attempts, challenge_id, delivery_id";
    const CLAIM_WEBHOOKS: &str = "update webhook_deliveries set lease_until = $2, attempts = attempts + 1 \
        where id in (select id from webhook_deliveries where status = 'pending' and next_attempt_at <= $1 and (lease_until is null or lease_until < $1) order by next_attempt_at limit $3 for update skip locked) \
        returning id, webhook_id, endpoint_id, topic, body, attempts, created_at";
    /// What a commit made stale in the session caches, told to every instance when it commits.
    const NOTICE_SQL: &str = "select pg_notify('ninsho_cache', $1)";
    fn start_watch(s: &Store) {
        tokio::spawn(crate::session_cache::watch_postgres(s.read.clone(), s.cache.clone()));
    }
    include!("store_impl.rs");
    include!("chain_impl.rs");
    include!("webhooks_impl.rs");
    include!("oidc_impl.rs");
}

/// A database error as the domain sees it. Faults that pass by themselves — a full
/// disk, a database that is down or refuses connections — are outages (503 with
/// `Retry-After`), never internal errors.
pub(crate) fn db_err(e: sqlx::Error) -> Error {
    match outage(&e) {
        Some(o) => Error::Unavailable(o),
        None if matches!(e, sqlx::Error::PoolTimedOut) => Error::Busy,
        None => Error::internal(format!("database: {e}")),
    }
}

/// The outage behind an error, if it is one.
pub(crate) fn outage(e: &sqlx::Error) -> Option<Outage> {
    match e {
        sqlx::Error::Io(io) if io.raw_os_error() == Some(28) => Some(Outage::DiskFull), // ENOSPC
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => Some(Outage::DatabaseDown),
        sqlx::Error::Database(d) => {
            let code = d.code();
            let code = code.as_deref().unwrap_or("");
            // SQLite: SQLITE_FULL (13) and its extended codes (its file layer reports
            // ENOSPC so). PostgreSQL: disk_full, and connection failures, shutdowns, a
            // database closed to connections.
            let sqlite_full = code == "13" || code.parse::<i32>().is_ok_and(|c| c & 0xff == 13);
            if sqlite_full || code == "53100" {
                Some(Outage::DiskFull)
            } else if code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300" | "55000") {
                Some(Outage::DatabaseDown)
            } else {
                None
            }
        }
        _ => None,
    }
}

pub(crate) fn is_unique(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// What the store has learnt about its database from its own writes: a write refused
/// for want of space marks the disk full until a write succeeds again (F-OPS-7).
#[derive(Debug, Default)]
pub struct Health {
    disk_full: std::sync::atomic::AtomicBool,
    last_probe_ms: std::sync::atomic::AtomicI64,
}

impl Health {
    fn note_write<T>(&self, r: &Result<T, CommitError>) {
        match r {
            Err(CommitError::Store(Error::Unavailable(Outage::DiskFull))) => self.set_disk_full(true),
            Ok(_) => self.set_disk_full(false),
            Err(_) => {}
        }
    }

    fn set_disk_full(&self, full: bool) {
        if self.disk_full.swap(full, std::sync::atomic::Ordering::SeqCst) != full {
            if full {
                tracing::error!("the database cannot grow: the disk is full; writes answer 503 until space is back");
            } else {
                tracing::info!("the database takes writes again");
            }
        }
    }

    fn disk_full(&self) -> bool {
        self.disk_full.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// At most one probe write a second.
    fn may_probe(&self) -> bool {
        let now = now_ms();
        let last = self.last_probe_ms.load(std::sync::atomic::Ordering::SeqCst);
        now - last >= 1000 && self.last_probe_ms.compare_exchange(last, now, std::sync::atomic::Ordering::SeqCst, std::sync::atomic::Ordering::SeqCst).is_ok()
    }
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// A connection given back while the driver still counts a transaction open is closed,
/// not reused: a commit refused for want of space is rolled back by SQLite itself, and
/// the driver's count of open transactions would otherwise stay wrong for good
/// ("begin_with at non-zero transaction depth" on every later write). No round trip:
/// the pool pings every released connection right after this anyway. A rollback still
/// queued from an abandoned transaction may close a sound connection too — only on
/// paths that already failed.
async fn close_if_in_transaction<C: sqlx::Connection>(conn: &mut C) -> Result<bool, sqlx::Error> {
    Ok(!conn.is_in_transaction())
}

/// How long a PostgreSQL connection may sit in the pool and still be handed out
/// untested. The pool pings every connection it is given back, so one taken soon after
/// was alive a moment ago; testing it again when it is taken would be one more round
/// trip on every query. One idle longer may have been cut meanwhile (a restart, a
/// firewall's idle timeout), and is tested first.
const UNTESTED_IDLE: Duration = Duration::from_secs(5);

fn test_if_idle_long(conn: &mut sqlx::PgConnection, meta: sqlx::pool::PoolConnectionMetadata) -> std::pin::Pin<Box<dyn Future<Output = Result<bool, sqlx::Error>> + Send + '_>> {
    Box::pin(async move {
        if meta.idle_for >= UNTESTED_IDLE {
            sqlx::Connection::ping(conn).await?;
        }
        Ok(true)
    })
}

/// The chainer's guard that a row it chains is still unchained, written so that no
/// planner answers it from `events_unchained`: with `seq is null` a plan would walk the
/// whole backlog of unchained rows for each batch (and probe the batch for each), so
/// the chainer fell further behind the larger its backlog. (seq starts at 1.)
const STILL_UNCHAINED: &str = "coalesce(events.seq, 0) = 0";

/// The SQLite writer's page cache, in KiB: resident once touched, so part of the
/// server's memory.
const WRITER_CACHE_KIB: u32 = 64 * 1024;

/// Pages in SQLite's log past which the writer checkpoints by itself (the default is
/// 1000): only when the checkpointer falls that far behind.
const WRITER_CHECKPOINT_PAGES: u32 = 16_000;

/// How long the checkpointer lets commits gather before it copies them: one sync of
/// the database file for many commits.
const CHECKPOINT_GATHER: Duration = Duration::from_millis(200);

/// How a bulk import is cut (F-DLV-6): shipments per bulk write (one transaction, so
/// memory stays flat whatever the file), and bulk writes in flight at once, the next
/// ones preparing their codes while one commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkShape {
    pub chunk: usize,
    pub in_flight: usize,
}

/// The store the server runs on, chosen by the database URL.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(sqlite::Store),
    Postgres(postgres::Store),
}

impl Db {
    /// `sqlite://path/to/file.db` (created if missing) or `postgres://…`. Runs the
    /// migrations before returning.
    pub async fn connect(url: &str) -> Result<Db, Error> {
        let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = sqlx::postgres::PgConnectOptions::from_str(url).map_err(|e| Error::internal(format!("database URL: {e}")))?;
            let options = || {
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(16)
                    // An unreachable database answers 503 within seconds, not after a long wait.
                    .acquire_timeout(Duration::from_secs(5))
                    .test_before_acquire(false)
                    .before_acquire(test_if_idle_long)
                    .after_release(|conn, _| Box::pin(close_if_in_transaction(conn)))
            };
            // At start a busy server may take longer than one acquire to let us in: a
            // few tries before giving up, where a request would get its 503 at once.
            let mut tries = 0;
            let pool = loop {
                tries += 1;
                match options().connect_with(opts.clone()).await {
                    Ok(p) => break p,
                    Err(e) if tries >= 4 => return Err(Error::internal(format!("cannot reach PostgreSQL: {e}"))),
                    Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
                }
            };
            migrate::postgres(&pool).await?;
            // PostgreSQL already shares WAL flushes between concurrent commits.
            Db::Postgres(postgres::Store { write: pool.clone(), read: pool, batcher: None, health: Default::default(), cache: Default::default() })
        } else if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
            let opts = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                // Deleted secrets (decided reset documents) are overwritten, not left in free pages.
                .pragma("secure_delete", "ON")
                .foreign_keys(true);
            // The writer's page cache holds the indexes' pages that writes touch (the
            // default 2 MB spilled dirty pages to the log in the middle of a bulk
            // import's transaction and read them back); a statement's undo pages stay
            // in memory rather than in a temporary file. Checkpoints are left to a
            // connection of their own (`checkpointer`), off the one writer's path; the
            // writer checkpoints itself only if that one falls far behind.
            let writer = opts
                .clone()
                .pragma("cache_size", format!("-{WRITER_CACHE_KIB}"))
                .pragma("temp_store", "memory")
                .pragma("wal_autocheckpoint", WRITER_CHECKPOINT_PAGES.to_string());
            // A SQLite connection is a file handle on this machine: nothing can cut it, and
            // the driver's ping only goes to the connection's thread and back — a thread
            // hop before every query for nothing.
            // Two processes opening a new file together: switching it to WAL takes a
            // lock SQLite may refuse at once (SQLITE_BUSY, without waiting out the busy
            // timeout), so the opening is tried again for a while.
            let mut tries = 0;
            let write = loop {
                let opened = SqlitePoolOptions::new()
                    .max_connections(1)
                    .test_before_acquire(false)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_release(|conn, _| Box::pin(close_if_in_transaction(conn)))
                    .connect_with(writer.clone())
                    .await;
                match opened {
                    Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("5") && tries < 100 => {
                        tries += 1;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    other => break other.map_err(|e| Error::internal(format!("cannot open SQLite file {path}: {e}")))?,
                }
            };
            migrate::sqlite(&write).await?;
            let read = SqlitePoolOptions::new()
                .max_connections(4)
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(opts.clone())
                .await
                .map_err(|e| Error::internal(format!("cannot open SQLite file {path}: {e}")))?;
            let checkpoints = sqlx::ConnectOptions::connect(&opts.clone().pragma("wal_autocheckpoint", "0"))
                .await
                .map_err(|e| Error::internal(format!("cannot open SQLite file {path}: {e}")))?;
            let (wake, woken) = tokio::sync::mpsc::channel(1);
            tokio::spawn(sqlite::checkpointer(checkpoints, woken));
            let (tx, rx) = tokio::sync::mpsc::channel(1024);
            tokio::spawn(sqlite::group_commit(write.clone(), rx, wake));
            Db::Sqlite(sqlite::Store { write, read, batcher: Some(tx), health: Default::default(), cache: Default::default() })
        } else {
            return Err(Error::internal("the database URL must start with sqlite:// or postgres://"));
        };
        Ok(db)
    }

    /// How a bulk import is cut for this database (F-DLV-6).
    pub fn bulk_shape(&self) -> BulkShape {
        match self {
            Db::Sqlite(_) => sqlite::BULK_SHAPE,
            Db::Postgres(_) => postgres::BULK_SHAPE,
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    pub async fn raw_commit(&self, now: UnixMillis) -> Result<(), Error> {
        match self {
            Db::Sqlite(s) => s.raw_commit(now).await,
            Db::Postgres(s) => s.raw_commit(now).await,
        }
    }
    /// The database's clock, in milliseconds since the epoch (F-OPS-7: instances
    /// compare theirs with it).
    /// How far the database's clock is ahead of `now`, in milliseconds.
    pub async fn clock_offset_ms(&self, now: &(dyn Fn() -> i64 + Send + Sync)) -> Result<ninsho_domain::ports::SkewReading, Error> {
        match self {
            Db::Sqlite(s) => s.clock_offset_ms(now).await,
            Db::Postgres(s) => s.clock_offset_ms(now).await,
        }
    }

    /// Whether the store can serve now (`/health`): an outage if not.
    pub async fn readiness(&self) -> Result<(), Outage> {
        match self {
            Db::Sqlite(s) => s.readiness().await,
            Db::Postgres(s) => s.readiness().await,
        }
    }

    pub async fn ping(&self) -> Result<(), Error> {
        match self {
            Db::Sqlite(s) => s.ping().await,
            Db::Postgres(s) => s.ping().await,
        }
    }
    pub async fn close(&self) {
        match self {
            Db::Sqlite(s) => s.close().await,
            Db::Postgres(s) => s.close().await,
        }
    }
    /// Keeps the table of cache notices small (SQLite; PostgreSQL stores none).
    pub async fn prune_cache_notices(&self) -> Result<(), Error> {
        match self {
            Db::Sqlite(s) => session_cache::prune_notices(&s.write).await.map_err(db_err),
            Db::Postgres(_) => Ok(()),
        }
    }

    /// How the session cache of F-INT-2 has answered on this instance.
    pub fn session_cache(&self) -> CacheStats {
        match self {
            Db::Sqlite(s) => s.cache.stats(),
            Db::Postgres(s) => s.cache.stats(),
        }
    }

    pub async fn count_sessions(&self, account: AccountId) -> Result<i64, Error> {
        match self {
            Db::Sqlite(s) => s.count_sessions(account).await,
            Db::Postgres(s) => s.count_sessions(account).await,
        }
    }
    /// (deliveries of `client` written whole with a code, `code_sent` events of their accounts).
    pub async fn count_coded_deliveries(&self, client: ServiceClientId) -> Result<(i64, i64), Error> {
        match self {
            Db::Sqlite(s) => s.count_coded_deliveries(client).await,
            Db::Postgres(s) => s.count_coded_deliveries(client).await,
        }
    }
    pub async fn count_outbox(&self, status: &str) -> Result<i64, Error> {
        match self {
            Db::Sqlite(s) => s.count_outbox(status).await,
            Db::Postgres(s) => s.count_outbox(status).await,
        }
    }
}

/// Forwards each port method to the driver's store.
macro_rules! delegate {
    ($trait:ident { $( fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )* }) => {
        impl $trait for Db {
            $( async fn $name(&self $(, $arg: $ty)*) -> $ret {
                match self {
                    Db::Sqlite(s) => s.$name($($arg),*).await,
                    Db::Postgres(s) => s.$name($($arg),*).await,
                }
            } )*
        }
    };
}

type R<T> = Result<T, Error>;

delegate!(Store {
    fn commit(&self, writes: Vec<Write>) -> Result<(), CommitError>;
    fn account(&self, id: AccountId) -> R<Option<Account>>;
    fn account_by_email(&self, email: &Email) -> R<Option<Account>>;
    fn accounts_with_phone(&self, phone: &ninsho_domain::phone::PhoneE164, limit: i64) -> R<Vec<Account>>;
    fn factors(&self, account: AccountId) -> R<Vec<Factor>>;
    fn challenge(&self, id: ChallengeId) -> R<Option<Challenge>>;
    fn open_challenge(&self, account: AccountId, purpose: Purpose, now: UnixMillis) -> R<Option<Challenge>>;
    fn passed_since(&self, account: AccountId, session: SessionId, purpose: Purpose, since: UnixMillis) -> R<bool>;
    fn session_by_token(&self, token_hash: &[u8]) -> R<Option<Session>>;
    fn sessions(&self, account: AccountId) -> R<Vec<Session>>;
    fn trusted_browser_by_token(&self, token_hash: &[u8]) -> R<Option<TrustedBrowser>>;
    fn trusted_browsers(&self, account: AccountId) -> R<Vec<TrustedBrowser>>;
    fn events(&self, account: AccountId, limit: i64) -> R<Vec<Event>>;
    fn staff_actions(&self, member: Option<AccountId>, limit: i64) -> R<Vec<(Event, String)>>;
    fn challenge_context(&self, id: ChallengeId, device_hash: Option<&[u8]>) -> R<Option<ChallengeContext>>;
    fn sign_in_context(&self, email: &Email, device_hash: &[u8], failures_since: UnixMillis) -> R<Option<SignInContext>>;
    fn backup_codes_left(&self, account: AccountId) -> R<i64>;
    fn messages(&self, account: AccountId, limit: i64) -> R<Vec<ArchivedMessage>>;
    fn waiting_message(&self, id: MessageId, now: UnixMillis) -> R<Option<(Vec<String>, bool)>>;
    fn message_status(&self, id: MessageId) -> R<Option<String>>;
    fn throttled_until(&self, key: &ThrottleKey, now: UnixMillis) -> R<Option<UnixMillis>>;
    fn quota_window_start(&self, key: &str) -> R<Option<UnixMillis>>;
    fn sms_paused_until(&self, key: &str, now: UnixMillis) -> R<Option<UnixMillis>>;
    fn sms_pauses_running(&self, now: UnixMillis) -> R<i64>;
    fn sms_pauses(&self, now: UnixMillis) -> R<Vec<SmsPause>>;
    fn prune_sms_traffic(&self, before_hour: i64, ended_before: UnixMillis) -> R<u64>;
    fn commit_attempt(&self, attempt: CodeAttempt, on_right: Vec<Write>) -> Result<AttemptOutcome, CommitError>;
    fn reset_request(&self, id: ResetRequestId) -> R<Option<ResetRequest>>;
    fn reset_requests(&self, status: Option<&str>, limit: i64) -> R<Vec<ResetRequest>>;
    fn reset_requests_of(&self, account: AccountId) -> R<Vec<ResetRequest>>;
    fn feedback(&self, limit: i64) -> R<Vec<(Feedback, String)>>;
    fn service_client_by_secret(&self, secret_hash: &[u8]) -> R<Option<ServiceClient>>;
    fn service_client_with_session(&self, secret_hash: &[u8], token_hash: &[u8]) -> R<Option<ClientWithSession>>;
    fn service_clients(&self) -> R<Vec<ServiceClient>>;
    fn service_step_up(&self, which: StepUpKey) -> R<Option<ServiceStepUpState>>;
    fn courier_client(&self, account: AccountId) -> R<Option<ServiceClientId>>;
    fn staff_member(&self, account: AccountId) -> R<Option<StaffMember>>;
    fn staff_members(&self) -> R<Vec<StaffMember>>;
    fn sign_in_codes_since(&self, account: AccountId, since: UnixMillis) -> R<(i64, Option<UnixMillis>)>;
    fn open_account_lock(&self, account: AccountId) -> R<Option<AccountLock>>;
    fn due_account_locks(&self, now: UnixMillis, limit: i64) -> R<Vec<AccountLock>>;
    fn due_twosv_suspensions(&self, now: UnixMillis, limit: i64) -> R<Vec<Account>>;
    fn delivery(&self, key: DeliveryKey<'_>) -> R<Option<Delivery>>;
    fn deliveries_by_orders(&self, client: ServiceClientId, orders: &[String]) -> R<Vec<Delivery>>;
    fn recipients(&self, accounts: &[AccountId]) -> R<Vec<(Account, Vec<Factor>)>>;
    fn deliveries_of(&self, account: AccountId, limit: i64) -> R<Vec<Delivery>>;
    fn release_quotas(&self, prefix: &str) -> R<u64>;
    fn organisation(&self, id: OrgId) -> R<Option<Organisation>>;
    fn organisations_of(&self, account: AccountId) -> R<Vec<(Organisation, ninsho_domain::organisation::OrgRole)>>;
    fn org_members(&self, org: OrgId) -> R<Vec<OrgMember>>;
    fn org_invitation(&self, token_hash: &[u8]) -> R<Option<OrgInvitation>>;
    fn open_org_invitations(&self, org: OrgId, now: UnixMillis) -> R<Vec<OrgInvitation>>;
    fn org_log(&self, org: OrgId, limit: i64) -> R<Vec<OrgLogEntry>>;
});

delegate!(OutboxStore {
    fn claim_outbox(&self, now: UnixMillis, lease_ms: i64, limit: i64) -> R<Vec<OutboxMessage>>;
    fn mark_sent(&self, id: MessageId, now: UnixMillis, sealed_body: &[u8]) -> R<()>;
    fn mark_retry(&self, id: MessageId, next_at: UnixMillis, error: &str) -> R<()>;
    fn mark_failed(&self, id: MessageId, now: UnixMillis, error: &str) -> R<()>;
    fn dev_inbox_put(&self, message: MessageId, channel: Channel, destination: &str, body: &str, now: UnixMillis) -> R<()>;
    fn dev_inbox(&self, limit: i64) -> R<Vec<DevInboxEntry>>;
});

delegate!(WebhookStore {
    fn webhook_endpoints(&self) -> R<Vec<WebhookEndpoint>>;
    fn claim_webhooks(&self, now: UnixMillis, lease_ms: i64, limit: i64) -> R<Vec<WebhookDelivery>>;
    fn webhook_delivered(&self, row: i64, now: UnixMillis) -> R<()>;
    fn webhook_retry(&self, row: i64, next_at: UnixMillis, error: &str) -> R<()>;
    fn webhook_failed(&self, row: i64, now: UnixMillis, error: &str) -> R<()>;
    fn webhook_backlog(&self) -> R<(i64, Option<UnixMillis>)>;
});

delegate!(OidcStore {
    fn oidc_clients(&self) -> R<Vec<OidcClient>>;
    fn oidc_client(&self, id: OidcClientId) -> R<Option<OidcClient>>;
    fn signing_keys(&self, now: UnixMillis) -> R<Vec<SigningKey>>;
    fn oidc_request(&self, id: OidcRequestId) -> R<Option<OidcRequest>>;
    fn oidc_code(&self, code_hash: &[u8]) -> R<Option<(AuthCode, Option<UnixMillis>)>>;
    fn oidc_token(&self, token_hash: &[u8]) -> R<Option<AccessToken>>;
    fn oidc_refresh(&self, token_hash: &[u8]) -> R<Option<RefreshToken>>;
    fn purge_expired_oidc(&self, now: UnixMillis, batch: i64) -> R<u64>;
});

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: EventKind) -> Write {
        Write::InsertEvent(Event {
            id: EventId::new(),
            account_id: None,
            at: UnixMillis(1),
            kind,
            ip: None,
            user_agent: None,
            device_hash: None,
            detail: String::new(),
            unfamiliar: false,
        })
    }

    /// SQLite's group commit: many callers share a transaction, and a caller whose
    /// guard is refused leaves nothing behind while the others' writes stay.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn f_ops_2_group_commit_isolates_a_refused_guard_from_the_rest_of_its_batch() {
        let dir = std::env::temp_dir().join(format!("ninsho-store-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = Db::connect(&format!("sqlite://{}", dir.join("t.db").display())).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..200 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let mut writes = vec![event(if i % 3 == 0 { EventKind::SignUp } else { EventKind::SignIn })];
                if i % 3 == 0 {
                    // A guard that never holds: no such pending factor.
                    writes.push(Write::VerifyFactor { factor: FactorId::new(), now: UnixMillis(1) });
                }
                (i, db.commit(writes).await)
            }));
        }
        let mut refused = 0;
        for t in tasks {
            let (i, r) = t.await.unwrap();
            if i % 3 == 0 {
                assert!(matches!(r, Err(CommitError::Guard(1))), "job {i}: {r:?}");
                refused += 1;
            } else {
                assert!(r.is_ok(), "job {i}: {r:?}");
            }
        }
        let Db::Sqlite(s) = &db else { unreachable!() };
        let count = |kind: EventKind| {
            let pool = s.read.clone();
            async move { sqlx::query_scalar::<_, i64>("select count(*) from events where kind = $1").bind(kind.as_str()).fetch_one(&pool).await.unwrap() }
        };
        assert_eq!(count(EventKind::SignUp).await, 0, "a refused job's earlier writes are undone");
        assert_eq!(count(EventKind::SignIn).await, 200 - refused);
        // Deleted rows (decided reset documents) are overwritten, not left in free pages.
        let secure: i64 = sqlx::query_scalar("pragma secure_delete").fetch_one(&s.write).await.unwrap();
        assert_eq!(secure, 1);
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// One coded shipment's rows for `account` of `client`, tracking id `tracking`.
    fn shipment(account: AccountId, client: ServiceClientId, tracking: String) -> NewShipment {
        let (id, message) = (DeliveryId::new(), MessageId::new());
        NewShipment {
            delivery: Delivery {
                id,
                client_id: client,
                order_id: tracking.clone(),
                account_id: account,
                amount: ninsho_domain::money::Money { minor: 150_000, currency: ninsho_domain::money::Currency::parse("JPY").unwrap() },
                categories: vec!["general".into()],
                country: "JP".into(),
                time_zone: ninsho_domain::zone::TimeZoneName::parse("Asia/Tokyo").unwrap(),
                carrier: "yamato".into(),
                tracking_id: tracking,
                delivery_date: ninsho_domain::delivery_rules::parse_date("2030-01-01").unwrap(),
                address_changed_days_ago: None,
                rules: vec![],
                status: DeliveryStatus::Pending,
                code: Some(DeliveryCode { hash: vec![1; 32], sealed: vec![2; 40], valid_until: UnixMillis(2), attempts: 0, message, denied_at: None, hashed_with: None }),
                courier_id: None,
                handed_over_at: None,
                created_at: UnixMillis(1),
            },
            code: Some(ShipmentCode {
                message: OutboxMessage {
                    id: message,
                    account_id: Some(account),
                    template: "delivery-code".into(),
                    channel: Channel::Email,
                    destination: "a@example.com".into(),
                    locale: Locale::En,
                    payload: vec![3; 300],
                    created_at: UnixMillis(1),
                    quota_keys: vec![],
                    attempts: 0,
                    challenge: None,
                    delivery: Some(id),
                },
                event: Event { account_id: Some(account), kind: EventKind::CodeSent, ..match event(EventKind::CodeSent) { Write::InsertEvent(e) => e, _ => unreachable!() } },
            }),
        }
    }

    /// F-DLV-6 with the group commit: a bulk write's rows are bound by its caller, before
    /// the batch; when a batch is run again job by job (another job's guard refused),
    /// the bulk write is bound again from its rows and lands whole, once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn f_dlv_6_a_bulk_write_bound_ahead_lands_whole_when_its_batch_is_run_again() {
        let dir = std::env::temp_dir().join(format!("ninsho-store-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = Db::connect(&format!("sqlite://{}", dir.join("t.db").display())).await.unwrap();
        let Db::Sqlite(s) = &db else { unreachable!() };
        let (account, client) = (AccountId::new(), ServiceClientId::new());
        sqlx::query("insert into accounts (id, email, password_hash, locale, created_at, signin_alerts) values ($1, 'a@example.com', 'x', 'en', 1, true)").bind(account.0).execute(&s.write).await.unwrap();
        sqlx::query("insert into service_clients (id, name, scopes, secret_hash, rate_per_minute, created_at) values ($1, 'shop', 'deliveries:write', x'00', 600, 1)").bind(client.0).execute(&s.write).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..120 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let r = if i % 2 == 0 {
                    let items = (0..25).map(|k| shipment(account, client, format!("T-{i}-{k}"))).collect();
                    db.commit(vec![Write::InsertShipments(items)]).await
                } else {
                    // A guard that never holds: its batch is run again job by job.
                    db.commit(vec![event(EventKind::SignIn), Write::VerifyFactor { factor: FactorId::new(), now: UnixMillis(1) }]).await
                };
                (i, r)
            }));
        }
        for t in tasks {
            let (i, r) = t.await.unwrap();
            if i % 2 == 0 {
                assert!(r.is_ok(), "bulk job {i}: {r:?}");
            } else {
                assert!(matches!(r, Err(CommitError::Guard(1))), "job {i}: {r:?}");
            }
        }
        let count = |sql: &'static str| {
            let pool = s.read.clone();
            async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
        };
        assert_eq!(count("select count(*) from deliveries where code_hash is not null").await, 60 * 25);
        assert_eq!(count("select count(*) from outbox o join deliveries d on d.code_message_id = o.id and o.delivery_id = d.id").await, 60 * 25);
        assert_eq!(count("select count(*) from events where kind = 'code_sent' and seq is not null").await, 60 * 25);
        assert_eq!(count("select count(*) from events where kind = 'sign_in'").await, 0, "a refused job leaves nothing");
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
