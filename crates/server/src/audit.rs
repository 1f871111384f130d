//! The security log's chain from the operator's side (F-OPS-6): `ninsho admin audit
//! verify | checkpoint | public-key`, the chainer every instance runs, and the
//! checkpoint every instance offers to write each `audit_checkpoint_every`.
//!
//! Events are chained after their commit (storage `chain_impl`): the hot paths insert
//! them unchained and this instance's chainer gives them their place within about
//! `CHAIN_EVERY`. An event is tamper-evident once chained; between its commit and its
//! chaining it is not. `verify` tells unchained rows apart: those older than
//! `CHAIN_GRACE_MS` before the newest chained event were inserted outside the chain
//! (a break); younger ones are counted as not yet chained.

use std::sync::Arc;

use anyhow::bail;
use ninsho_domain::audit::{self, Checkpoint, GENESIS, Hash, Head, VerifyingKey};
use ninsho_domain::crypto::KeyRing;
use ninsho_domain::ports::Clock;
use ninsho_storage::Db;
use ninsho_storage::chain::{CHAIN_GRACE_MS, ChainRow};
use tokio::sync::watch;
use uuid::Uuid;

use crate::config::{Config, operator_error};

#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Walk the security log in order and check every hash and checkpoint; exits
    /// non-zero naming the first event changed, removed or moved.
    Verify {
        /// Check checkpoints against this key (64 hex digits, as `public-key` printed
        /// it) instead of the one derived from the master key.
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Sign the log's head now and append the checkpoint.
    Checkpoint,
    /// Print the key checkpoints verify with, to keep away from this server.
    PublicKey,
}

/// How many events a page of the walk holds: memory stays bounded whatever the log's size.
const PAGE: i64 = 1000;

/// What a break looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakKind {
    /// The row's columns (or its stored hashes) are not what was written.
    Changed,
    /// An event is missing: a gap in the seqs, a predecessor that is gone, a tail cut off.
    Removed,
    /// The event chains to a predecessor that sits elsewhere in the log.
    Reordered,
    /// Rows the application did not append: outside the chain or past its head.
    Inserted,
    /// A checkpoint whose signature or signed hash does not hold.
    Checkpoint,
}

impl BreakKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakKind::Changed => "changed",
            BreakKind::Removed => "removed",
            BreakKind::Reordered => "reordered",
            BreakKind::Inserted => "inserted",
            BreakKind::Checkpoint => "bad checkpoint",
        }
    }
}

/// The first place the log stops being what was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    pub kind: BreakKind,
    pub seq: Option<i64>,
    pub event: Option<Uuid>,
    pub why: String,
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("chain broken")?;
        if let Some(s) = self.seq {
            write!(f, " at seq {s}")?;
        }
        if let Some(id) = self.event {
            write!(f, " (event {id})")?;
        }
        write!(f, ": {} — {}", self.kind.as_str(), self.why)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// `pending`: events committed but not chained yet (younger than the grace).
    Intact { events: i64, head: Head, pending: i64 },
    Broken(Break),
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Intact { events, head, pending } => {
                write!(f, "chain intact: {events} events, head {}", audit::hex(&head.hash))?;
                if *pending > 0 {
                    write!(f, "\n{pending} events not yet chained (written after the check began)")?;
                }
                Ok(())
            }
            Verdict::Broken(b) => b.fmt(f),
        }
    }
}

fn broken(kind: BreakKind, seq: i64, event: Option<Uuid>, why: impl Into<String>) -> Verdict {
    Verdict::Broken(Break { kind, seq: Some(seq), event, why: why.into() })
}

fn id_text(id: Option<Uuid>) -> String {
    id.map(|i| i.to_string()).unwrap_or_else(|| "?".into())
}

/// Walks the chain in seq order, a page at a time.
pub async fn verify(db: &Db, key: &VerifyingKey) -> Result<Verdict, ninsho_domain::Error> {
    let (mut running, mut expected, mut after) = (GENESIS, 1i64, 0i64);
    let mut last_id = None;
    // The newest `at` chained: unchained rows much older than it are not late commits.
    let mut newest = i64::MIN;
    loop {
        let page = db.audit_page(after, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for row in &page {
            after = row.seq;
            match check_row(db, key, row, expected, &running).await? {
                Ok(hash) => running = hash,
                Err(verdict) => return Ok(verdict),
            }
            last_id = row.id;
            if let Ok(e) = &row.event {
                newest = newest.max(e.at);
            }
            expected += 1;
        }
    }
    let last = expected - 1;
    let (head, _) = db.audit_head().await?;
    if head.seq > last {
        let what = if head.seq == last + 1 { format!("seq {} is", head.seq) } else { format!("seqs {}–{} are", last + 1, head.seq) };
        return Ok(broken(BreakKind::Removed, last + 1, None, format!("{what} missing at the end: the head names seq {} but the log stops at {last}", head.seq)));
    }
    if head.seq < last {
        return Ok(broken(BreakKind::Inserted, head.seq + 1, None, format!("the log runs to seq {last}, past its head at seq {}", head.seq)));
    }
    if head.hash != running {
        return Ok(broken(BreakKind::Changed, last, last_id, "the head's hash is not the last event's"));
    }
    let cutoff = if last == 0 { i64::MIN } else { newest.saturating_sub(CHAIN_GRACE_MS) };
    let unchained = db.audit_unchained(cutoff).await?;
    if unchained.outside > 0 {
        return Ok(Verdict::Broken(Break {
            kind: BreakKind::Inserted,
            seq: None,
            event: unchained.first,
            why: format!(
                "{} event(s) inserted outside the chain: without a place in it and more than {} s older than the newest chained event",
                unchained.outside,
                CHAIN_GRACE_MS / 1000
            ),
        }));
    }
    Ok(Verdict::Intact { events: last, head, pending: unchained.pending })
}

/// One row against the running hash: its hash to carry on with, or the verdict.
async fn check_row(db: &Db, key: &VerifyingKey, row: &ChainRow, expected: i64, running: &Hash) -> Result<Result<Hash, Verdict>, ninsho_domain::Error> {
    let (seq, id) = (row.seq, row.id);
    if seq > expected {
        let what = if seq == expected + 1 { format!("seq {expected} is") } else { format!("seqs {expected}–{} are", seq - 1) };
        return Ok(Err(broken(BreakKind::Removed, expected, None, format!("{what} missing before seq {seq} (event {})", id_text(id)))));
    }
    let event = match &row.event {
        Ok(e) => e,
        Err(why) => return Ok(Err(broken(BreakKind::Changed, seq, id, format!("a column no longer reads: {why}")))),
    };
    let Some(stored) = row.hash.as_deref().and_then(audit::hash_from) else {
        return Ok(Err(broken(BreakKind::Changed, seq, id, "its hash is missing or not 32 bytes")));
    };
    let prev = row.prev_hash.as_deref().and_then(audit::hash_from);
    let computed = audit::event_hash(running, seq, &event.columns());
    let follows = prev.as_ref() == Some(running);
    if !(follows && computed == stored) {
        let verdict = if follows || computed == stored {
            // It sits where it was written; what it holds is not what was hashed.
            broken(BreakKind::Changed, seq, id, "its columns do not hash to what was written")
        } else {
            match prev {
                Some(p) => match db.audit_event_with_hash(&p).await? {
                    Some((s, pid)) => broken(BreakKind::Reordered, seq, id, format!("it was written after seq {s} (event {}), not after seq {}", id_text(pid), seq - 1)),
                    None => broken(BreakKind::Removed, seq, id, "the event written before it is missing"),
                },
                None => broken(BreakKind::Changed, seq, id, "its previous hash is missing or not 32 bytes"),
            }
        };
        return Ok(Err(verdict));
    }
    if event.kind == ninsho_domain::types::EventKind::AuditCheckpoint.as_str()
        && let Some(why) = checkpoint_fault(db, key, &event.detail, seq, running).await?
    {
        return Ok(Err(broken(BreakKind::Checkpoint, seq, id, why)));
    }
    Ok(Ok(stored))
}

/// Why a checkpoint at `seq` does not hold, if it does not.
async fn checkpoint_fault(db: &Db, key: &VerifyingKey, detail: &str, seq: i64, running: &Hash) -> Result<Option<String>, ninsho_domain::Error> {
    let Some(cp) = Checkpoint::from_detail(detail) else { return Ok(Some("its detail is not a checkpoint".into())) };
    if !cp.verify(key) {
        return Ok(Some("its signature does not verify with the audit key".into()));
    }
    let s = cp.head.seq;
    let at_s: Option<Hash> = if s == seq - 1 {
        Some(*running)
    } else if s == 0 {
        Some(GENESIS)
    } else if s < seq - 1 && s > 0 {
        // Earlier in the walk, so already checked.
        db.audit_hash_at(s).await?.as_deref().and_then(audit::hash_from)
    } else {
        return Ok(Some(format!("it signs seq {s}, which is not before it")));
    };
    if at_s != Some(cp.head.hash) {
        return Ok(Some(format!("the hash at seq {s} is not the one it signs: the log before it was rewritten")));
    }
    Ok(None)
}

/// Chains what is pending, then signs the head and appends the checkpoint, unless one
/// is younger than `min_gap`
/// (zero: now, whatever). Logged as a line of its own too: a copy outside the database.
pub async fn write_checkpoint(db: &Db, keys: &KeyRing, clock: &dyn Clock, min_gap: std::time::Duration) -> Result<Option<Checkpoint>, ninsho_domain::Error> {
    let gap = i64::try_from(min_gap.as_millis()).unwrap_or(i64::MAX);
    let written = db.audit_checkpoint(clock.now(), gap, &keys.audit_signing_key()).await?;
    Ok(written.map(|(cp, event)| {
        tracing::info!(event = %event.id.0, head_seq = cp.head.seq, head_hash = %audit::hex(&cp.head.hash), signature = %audit::hex(&cp.signature), "security log checkpoint");
        cp
    }))
}

/// How often an instance looks for events to chain: one indexed read when there are none.
pub const CHAIN_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// This instance's chainer: every `CHAIN_EVERY`, chains what has been committed
/// (instances take turns on the head). Stops between batches at shutdown.
pub async fn chain_continuously(db: Db, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(e) = db.chain_all().await {
            tracing::warn!(error = %e, "the security log was not chained; trying again shortly");
        }
        tokio::select! {
            _ = tokio::time::sleep(CHAIN_EVERY) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Every `every`, a checkpoint unless another instance wrote one within the period.
pub async fn checkpoints(db: Db, keys: Arc<KeyRing>, clock: Arc<dyn Clock>, every: std::time::Duration, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(e) = write_checkpoint(&db, &keys, clock.as_ref(), every).await {
            tracing::warn!(error = %e, "the security log checkpoint was not written; trying again next period");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
    }
}

/// The master key of the server this command speaks for: one it would generate anew
/// signs nothing the server wrote.
fn existing_key_ring(c: &crate::Config) -> anyhow::Result<KeyRing> {
    if c.master_key.is_none() && !c.data_dir.join("master.key").exists() {
        bail!("no master key: set master_key (NINSHO_MASTER_KEY_FILE), or data_dir to the server's");
    }
    c.key_ring()
}

pub async fn run(what: AuditCommand, c: &Config) -> anyhow::Result<()> {
    if let AuditCommand::PublicKey = what {
        println!("{}", audit::hex(existing_key_ring(c)?.audit_signing_key().verifying_key().as_bytes()));
        return Ok(());
    }
    let key = match &what {
        AuditCommand::Verify { public_key: Some(k), .. } => {
            audit::parse_verifying_key(k).ok_or_else(|| anyhow::anyhow!("--public-key: not an Ed25519 public key of 64 hex digits"))?
        }
        _ => existing_key_ring(c)?.audit_signing_key().verifying_key(),
    };
    let db = Db::connect(&c.database_url).await.map_err(operator_error)?;
    let result = match what {
        AuditCommand::Checkpoint => match existing_key_ring(c) {
            Ok(keys) => write_checkpoint(&db, &keys, c.clock.as_ref(), std::time::Duration::ZERO).await.map_err(operator_error).map(|cp| {
                if let Some(cp) = cp {
                    println!("checkpoint: {}", cp.to_detail());
                }
            }),
            Err(e) => Err(e),
        },
        // What was committed before the command is chained first, so it is covered.
        _ => async {
            db.chain_all().await?;
            verify(&db, &key).await
        }
        .await
        .map_err(operator_error)
        .and_then(|v| match v {
            Verdict::Intact { .. } => {
                println!("{v}");
                Ok(())
            }
            Verdict::Broken(b) => Err(anyhow::anyhow!("{b}")),
        }),
    };
    db.close().await;
    result
}
