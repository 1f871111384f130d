// The security log's hash chain (F-OPS-6), written once for both drivers like
// `store_impl.rs`, and included right after it: it uses that file's imports and `Tx`.
//
// Every event is written by `append_event`, inside the transaction of the writes it
// belongs to, after that transaction's other writes (`apply_all`). It takes the head
// row (PostgreSQL: `for update`, held to the commit), so appenders of every instance
// queue on that row and the chain's order is the order in which they commit; on
// SQLite there is one writer anyway.

use ninsho_domain::audit::{self, Checkpoint, EventColumns, Hash, Head, StoredEvent};

use crate::chain::{ChainRow, Unchained};

const EVENT_COLUMNS: &str = "id, account_id, at, kind, ip, user_agent, device_hash, detail, unfamiliar";

fn bad_head(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("the security log's head {what}").into())
}

/// The head, locked for the rest of the transaction where the dialect can.
async fn lock_head(tx: &mut Tx) -> Result<(Head, i64), sqlx::Error> {
    let r = sqlx::query(HEAD_FOR_UPDATE).fetch_optional(&mut **tx).await?.ok_or_else(|| bad_head("row is missing"))?;
    let hash: Vec<u8> = r.try_get(1)?;
    let hash = audit::hash_from(&hash).ok_or_else(|| bad_head("hash is not 32 bytes"))?;
    Ok((Head { seq: r.try_get(0)?, hash }, r.try_get(2)?))
}

/// Appends one event to the chain: the only statement that inserts into `events`.
pub(crate) async fn append_event(tx: &mut Tx, e: &Event) -> Result<Head, sqlx::Error> {
    let (head, _) = lock_head(tx).await?;
    let seq = head.seq + 1;
    let hash = audit::event_hash(&head.hash, seq, &EventColumns::of(e));
    sqlx::query("insert into events (id, account_id, at, kind, ip, user_agent, device_hash, detail, unfamiliar, seq, prev_hash, hash) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
        .bind(e.id.0)
        .bind(e.account_id.map(|a| a.0))
        .bind(e.at.0)
        .bind(e.kind.as_str())
        .bind(e.ip.as_deref())
        .bind(e.user_agent.as_deref())
        .bind(e.device_hash.as_deref())
        .bind(e.detail.as_str())
        .bind(e.unfamiliar)
        .bind(seq)
        .bind(&head.hash[..])
        .bind(&hash[..])
        .execute(&mut **tx)
        .await?;
    sqlx::query("update audit_head set last_seq = $1, last_hash = $2 where id = 1").bind(seq).bind(&hash[..]).execute(&mut **tx).await?;
    Ok(Head { seq, hash })
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

/// Chains the events written before the chain existed (migration 0014), in the order
/// they were written, inside the migration's transaction. Pages through them, so a
/// large log does not have to fit in memory; each page leaves the unchained set.
pub(crate) async fn chain_backlog(tx: &mut Tx) -> Result<u64, sqlx::Error> {
    let mut chained = 0u64;
    loop {
        let sql = format!("select {EVENT_COLUMNS} from events where seq is null order by at, id limit 500");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut **tx).await?;
        if rows.is_empty() {
            break;
        }
        let (mut head, _) = lock_head(tx).await?;
        for r in &rows {
            let e = stored_event(r)?;
            let seq = head.seq + 1;
            let hash = audit::event_hash(&head.hash, seq, &e.columns());
            sqlx::query("update events set seq = $2, prev_hash = $3, hash = $4 where id = $1").bind(e.id).bind(seq).bind(&head.hash[..]).bind(&hash[..]).execute(&mut **tx).await?;
            head = Head { seq, hash };
            chained += 1;
        }
        sqlx::query("update audit_head set last_seq = $1, last_hash = $2 where id = 1").bind(head.seq).bind(&head.hash[..]).execute(&mut **tx).await?;
    }
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

    /// Events without a place in the chain: inserted around the application.
    pub async fn audit_unchained(&self) -> R<Unchained> {
        let count: i64 = sqlx::query("select count(*) from events where seq is null").fetch_one(&self.read).await.and_then(|r| r.try_get(0)).map_err(db_err)?;
        let first = if count > 0 {
            sqlx::query("select id from events where seq is null order by at, id limit 1").fetch_optional(&self.read).await.map_err(db_err)?.and_then(|r| r.try_get::<Uuid, _>(0).ok())
        } else {
            None
        };
        Ok(Unchained { count, first })
    }

    /// Signs the head and appends the checkpoint, unless one was written less than
    /// `min_gap_ms` ago (by any instance: the head row says when, and it is locked).
    pub async fn audit_checkpoint(&self, now: UnixMillis, min_gap_ms: i64, key: &audit::SigningKey) -> R<Option<(Checkpoint, Event)>> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await.map_err(db_err)?;
        let (head, last) = lock_head(&mut tx).await.map_err(db_err)?;
        if min_gap_ms > 0 && last > 0 && now.0 - last < min_gap_ms {
            let _ = tx.rollback().await;
            return Ok(None);
        }
        let cp = Checkpoint::sign(key, head);
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
        append_event(&mut tx, &event).await.map_err(db_err)?;
        sqlx::query("update audit_head set checkpoint_at = $1 where id = 1").bind(now.0).execute(&mut *tx).await.map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(Some((cp, event)))
    }

    /// The bench: one event appended to the chain, its own durable commit.
    pub async fn bench_chained_event(&self, e: &Event) -> R<()> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await.map_err(db_err)?;
        append_event(&mut tx, e).await.map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    /// The bench's baseline: the same row, hash included, into a table of the same
    /// shape, without the head.
    pub async fn bench_plain_event(&self, e: &Event) -> R<()> {
        let hash = audit::event_hash(&audit::GENESIS, 0, &EventColumns::of(e));
        let mut tx = self.write.begin_with(BEGIN_WRITE).await.map_err(db_err)?;
        sqlx::query("insert into bench_events (id, account_id, at, kind, ip, user_agent, device_hash, detail, unfamiliar, seq, prev_hash, hash) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
            .bind(e.id.0)
            .bind(e.account_id.map(|a| a.0))
            .bind(e.at.0)
            .bind(e.kind.as_str())
            .bind(e.ip.as_deref())
            .bind(e.user_agent.as_deref())
            .bind(e.device_hash.as_deref())
            .bind(e.detail.as_str())
            .bind(e.unfamiliar)
            .bind(0i64)
            .bind(&audit::GENESIS[..])
            .bind(&hash[..])
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }
}
