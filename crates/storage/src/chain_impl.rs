// The security log's hash chain (F-OPS-6), written once for both drivers like
// `store_impl.rs`, and included right after it: it uses that file's imports and `Tx`.
//
// Chained after commit. The hot paths insert events as they always did (seq, prev_hash
// and hash NULL, in the same statement or transaction as the writes they belong to),
// so event-writing commits do not wait for one another. `chain_pending` then gives
// committed events their place in a transaction of its own: it takes the head row
// (PostgreSQL: `for update`, so one chainer of all instances at a time; SQLite has one
// writer), reads unchained rows in the order (at, id) — committed rows only, which is
// the point: the order is fixed once a row is chained and never depends on a
// transaction still open — hashes them on from the head, and advances the head.
// Every instance runs it after commits (server `audit::chain_continuously`); the
// checkpoint and `ninsho admin audit verify` run it first.
//
// The window: between its commit and its chaining (normally under a second) an event
// is not tamper-evident. An unchained row whose `at` is more than `CHAIN_GRACE_MS`
// before the newest chained one is not a late commit but a row inserted outside the
// chain: it is never chained, and verification names it.

use ninsho_domain::audit::{self, Checkpoint, EventColumns, Hash, Head, StoredEvent};

use crate::chain::{CHAIN_BATCH, CHAIN_GRACE_MS, ChainRow, Chained, Unchained};

const EVENT_COLUMNS: &str = "id, account_id, at, kind, ip, user_agent, device_hash, detail, unfamiliar";

fn bad_head(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("the security log's head {what}").into())
}

/// The head row as the chainer holds it.
struct HeadRow {
    head: Head,
    checkpoint_at: i64,
    /// The newest `at` chained so far.
    last_at: i64,
}

impl HeadRow {
    /// Unchained rows older than this were not written by a late commit: they stay out.
    fn cutoff(&self) -> i64 {
        if self.head.seq == 0 { i64::MIN } else { self.last_at.saturating_sub(CHAIN_GRACE_MS) }
    }
}

/// The head, locked for the rest of the transaction where the dialect can.
async fn lock_head(tx: &mut Tx) -> Result<HeadRow, sqlx::Error> {
    for set in CHAIN_PLAN {
        sqlx::query(*set).execute(&mut **tx).await?;
    }
    let r = sqlx::query(HEAD_FOR_UPDATE).fetch_optional(&mut **tx).await?.ok_or_else(|| bad_head("row is missing"))?;
    let hash: Vec<u8> = r.try_get(1)?;
    let hash = audit::hash_from(&hash).ok_or_else(|| bad_head("hash is not 32 bytes"))?;
    Ok(HeadRow { head: Head { seq: r.try_get(0)?, hash }, checkpoint_at: r.try_get(2)?, last_at: r.try_get(3)? })
}

async fn save_head(tx: &mut Tx, h: &HeadRow) -> Result<(), sqlx::Error> {
    sqlx::query("update audit_head set last_seq = $1, last_hash = $2, last_at = $3 where id = 1").bind(h.head.seq).bind(&h.head.hash[..]).bind(h.last_at).execute(&mut **tx).await?;
    Ok(())
}

fn stored_event(r: &DbRow) -> Result<StoredEvent, sqlx::Error> {
    Ok(StoredEvent {
        id: r.try_get("id")?,
        account_id: r.try_get("account_id")?,
        at: r.try_get("at")?,
        kind: r.try_get("kind")?,
        ip: r.try_get("ip")?,
        user_agent: r.try_get("user_agent")?,
        device_hash: r.try_get("device_hash")?,
        detail: r.try_get("detail")?,
        unfamiliar: r.try_get("unfamiliar")?,
    })
}

/// Chains up to `limit` committed, unchained events after the head, which the caller
/// has locked and saves. Returns how many.
async fn chain_batch(tx: &mut Tx, h: &mut HeadRow, limit: i64) -> Result<u64, sqlx::Error> {
    let sql = format!("select {EVENT_COLUMNS} from events where seq is null and at >= $1 order by at, id limit $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(h.cutoff()).bind(limit).fetch_all(&mut **tx).await?;
    let mut chained = Vec::with_capacity(rows.len());
    let mut last_at = h.last_at;
    let mut head = h.head;
    for r in &rows {
        let e = stored_event(r)?;
        let seq = head.seq + 1;
        let hash = audit::event_hash(&head.hash, seq, &e.columns());
        chained.push(Chained { id: e.id, seq, prev_hash: head.hash, hash });
        head = Head { seq, hash };
        last_at = last_at.max(e.at);
    }
    // Every row read is still unchained (the head is held): one that is not was
    // chained around the head, and nothing of this batch may stand.
    if save_chained(tx, &chained).await? != chained.len() as u64 {
        return Err(bad_head("moved while it was held: an event was chained twice"));
    }
    (h.head, h.last_at) = (head, last_at);
    Ok(rows.len() as u64)
}

/// Takes the head (PostgreSQL: `for update`, held to the commit, so no chainer of
/// another instance places an event meanwhile) and chains the committed events not
/// chained yet, as the chainer would have: where events appended already chained go.
async fn hold_head(tx: &mut Tx) -> Result<HeadRow, sqlx::Error> {
    let mut h = lock_head(tx).await?;
    while chain_batch(tx, &mut h, CHAIN_BATCH).await? == CHAIN_BATCH as u64 {}
    Ok(h)
}

/// Inserts `events` after the held head with their places and hashes already set, and
/// saves the head. `false` when a row was not inserted.
async fn append_chained(tx: &mut Tx, h: &mut HeadRow, events: &[&ninsho_domain::ports::Event]) -> Result<bool, sqlx::Error> {
    let mut rows = Vec::with_capacity(events.len());
    for e in events {
        let seq = h.head.seq + 1;
        let hash = audit::event_hash(&h.head.hash, seq, &EventColumns::of(e));
        rows.push(crate::writes::chained_event_row(e, seq, &h.head.hash, &hash));
        h.head = Head { seq, hash };
        h.last_at = h.last_at.max(e.at.0);
    }
    let table = crate::writes::BulkRows { head: crate::writes::CHAINED_EVENTS, rows };
    if insert_rows(tx, &table).await? < events.len() as u64 {
        return Ok(false);
    }
    save_head(tx, h).await?;
    Ok(true)
}

/// A bulk write's events, chained in the transaction that inserts them: the hot paths'
/// commits never take the head and do not wait for it. `false` when a row was not
/// inserted.
pub(crate) async fn insert_chained(tx: &mut Tx, events: &[&ninsho_domain::ports::Event]) -> Result<bool, sqlx::Error> {
    if events.is_empty() {
        return Ok(true);
    }
    let mut h = hold_head(tx).await?;
    append_chained(tx, &mut h, events).await
}

/// Chains the events written before the chain existed (migration 0014), or by an
/// instance stopped before it chained them, inside the migration's transaction.
pub(crate) async fn chain_backlog(tx: &mut Tx) -> Result<u64, sqlx::Error> {
    let pending = sqlx::query("select 1 from events where seq is null limit 1").fetch_optional(&mut **tx).await?;
    if pending.is_none() {
        return Ok(0);
    }
    let mut h = lock_head(tx).await?;
    let mut chained = 0u64;
    loop {
        let n = chain_batch(tx, &mut h, CHAIN_BATCH).await?;
        chained += n;
        if n < CHAIN_BATCH as u64 {
            break;
        }
    }
    save_head(tx, &h).await?;
    if chained > 0 {
        tracing::info!(chained, "chained the security log's earlier events (F-OPS-6)");
    }
    Ok(chained)
}

impl Store {
    /// The chain's head and when the last checkpoint was written.
    pub async fn audit_head(&self) -> R<(Head, i64)> {
        let r = sqlx::query("select last_seq, last_hash, checkpoint_at from audit_head where id = 1").fetch_optional(&self.read).await.map_err(db_err)?;
        let r = r.ok_or_else(|| Error::internal("the security log's head row is missing"))?;
        let hash: Vec<u8> = r.try_get(1).map_err(db_err)?;
        let hash = audit::hash_from(&hash).ok_or_else(|| Error::internal("the security log's head hash is not 32 bytes"))?;
        Ok((Head { seq: r.try_get(0).map_err(db_err)?, hash }, r.try_get(2).map_err(db_err)?))
    }

    /// Up to `limit` chained events after `after`, in seq order. A row whose columns
    /// no longer read as their types (written around the application) comes back with
    /// the reason instead of its columns.
    pub async fn audit_page(&self, after: i64, limit: i64) -> R<Vec<ChainRow>> {
        let sql = format!("select seq, prev_hash, hash, {EVENT_COLUMNS} from events where seq > $1 order by seq limit $2");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(after).bind(limit).fetch_all(&self.read).await.map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(ChainRow {
                    seq: r.try_get("seq").map_err(db_err)?,
                    id: r.try_get("id").ok(),
                    prev_hash: r.try_get::<Option<Vec<u8>>, _>("prev_hash").ok().flatten(),
                    hash: r.try_get::<Option<Vec<u8>>, _>("hash").ok().flatten(),
                    event: stored_event(r).map_err(|e| e.to_string()),
                })
            })
            .collect()
    }

    /// The chained event whose hash is `hash`, if any: where a moved event's real
    /// predecessor now sits.
    pub async fn audit_event_with_hash(&self, hash: &Hash) -> R<Option<(i64, Option<Uuid>)>> {
        let r = sqlx::query("select seq, id from events where hash = $1 and seq is not null order by seq limit 1").bind(&hash[..]).fetch_optional(&self.read).await.map_err(db_err)?;
        r.map(|r| Ok((r.try_get(0).map_err(db_err)?, r.try_get(1).ok()))).transpose()
    }

    /// The stored hash of the event at `seq`.
    pub async fn audit_hash_at(&self, seq: i64) -> R<Option<Vec<u8>>> {
        let r = sqlx::query("select hash from events where seq = $1").bind(seq).fetch_optional(&self.read).await.map_err(db_err)?;
        Ok(r.and_then(|r| r.try_get::<Option<Vec<u8>>, _>(0).ok().flatten()))
    }

    /// Events without a place in the chain: those older than `cutoff` (inserted
    /// outside it) apart from the rest (not chained yet).
    pub async fn audit_unchained(&self, cutoff: i64) -> R<Unchained> {
        let r = sqlx::query("select coalesce(sum(case when at < $1 then 1 else 0 end), 0), count(*) from events where seq is null")
            .bind(cutoff)
            .fetch_one(&self.read)
            .await
            .map_err(db_err)?;
        let (outside, all): (i64, i64) = (r.try_get(0).map_err(db_err)?, r.try_get(1).map_err(db_err)?);
        let first = if outside > 0 {
            sqlx::query("select id from events where seq is null and at < $1 order by at, id limit 1").bind(cutoff).fetch_optional(&self.read).await.map_err(db_err)?.and_then(|r| r.try_get::<Uuid, _>(0).ok())
        } else {
            None
        };
        Ok(Unchained { outside, first, pending: all - outside })
    }

    /// Chains up to `limit` committed events in a transaction of its own; how many.
    /// An idle log costs one indexed read and no transaction.
    pub async fn chain_pending(&self, limit: i64) -> R<u64> {
        let work = sqlx::query("select 1 from events where seq is null and at >= (select case when last_seq = 0 then -9223372036854775807 else last_at - $1 end from audit_head where id = 1) limit 1")
            .bind(CHAIN_GRACE_MS)
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?;
        if work.is_none() {
            return Ok(0);
        }
        let mut tx = self.write.begin_with(BEGIN_WRITE).await.map_err(db_err)?;
        let mut h = lock_head(&mut tx).await.map_err(db_err)?;
        let n = chain_batch(&mut tx, &mut h, limit).await.map_err(db_err)?;
        if n > 0 {
            save_head(&mut tx, &h).await.map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(n)
    }

    /// Chains what is pending, then signs the head and appends the checkpoint, unless
    /// one was written less than `min_gap_ms` ago (by any instance: the head row says
    /// when, and it is locked).
    pub async fn audit_checkpoint(&self, now: UnixMillis, min_gap_ms: i64, key: &audit::SigningKey) -> R<Option<(Checkpoint, Event)>> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await.map_err(db_err)?;
        let mut h = hold_head(&mut tx).await.map_err(db_err)?;
        save_head(&mut tx, &h).await.map_err(db_err)?;
        if min_gap_ms > 0 && h.checkpoint_at > 0 && now.0 - h.checkpoint_at < min_gap_ms {
            tx.commit().await.map_err(db_err)?;
            return Ok(None);
        }
        let cp = Checkpoint::sign(key, h.head);
        let event = Event {
            id: EventId::new(),
            account_id: None,
            at: now,
            kind: EventKind::AuditCheckpoint,
            ip: None,
            user_agent: None,
            device_hash: None,
            detail: cp.to_detail(),
            unfamiliar: false,
        };
        // Chained as it is written: the head is held.
        if !append_chained(&mut tx, &mut h, &[&event]).await.map_err(db_err)? {
            return Err(Error::internal("the checkpoint event was not inserted"));
        }
        sqlx::query("update audit_head set checkpoint_at = $1 where id = 1").bind(now.0).execute(&mut *tx).await.map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(Some((cp, event)))
    }
}
