//! What the security log's chain (F-OPS-6, `chain_impl.rs`) hands to its verifier, and
//! `Db`'s doors to it, the chainer among them. Verification itself lives with the CLI (`ninsho admin audit`).

use ninsho_domain::audit::{Checkpoint, Hash, Head, SigningKey, StoredEvent};
use ninsho_domain::error::Error;
use ninsho_domain::ports::Event;
use ninsho_domain::types::UnixMillis;
use uuid::Uuid;

use crate::Db;

/// One chained event as stored. Nothing is trusted: a hash of the wrong length, an id
/// or column that no longer reads, all come back for the verifier to name.
#[derive(Clone, Debug)]
pub struct ChainRow {
    pub seq: i64,
    pub id: Option<Uuid>,
    pub prev_hash: Option<Vec<u8>>,
    pub hash: Option<Vec<u8>>,
    /// The columns, or why they do not read.
    pub event: Result<StoredEvent, String>,
}

/// How much older than the newest chained event an unchained one may be and still be
/// a commit the chainer has not reached yet (a long transaction, a clock a little
/// behind). Older unchained rows were inserted outside the chain: never chained, named
/// by verification.
pub const CHAIN_GRACE_MS: i64 = 5 * 60 * 1000;

/// How many events the chainer takes per transaction: a bulk import writes tens of
/// thousands a second, and each batch costs one read and one write of its rows.
pub const CHAIN_BATCH: i64 = 2000;

/// An event's place in the chain, as the chainer writes it.
#[derive(Clone, Debug)]
pub(crate) struct Chained {
    pub id: Uuid,
    pub seq: i64,
    pub prev_hash: Hash,
    pub hash: Hash,
}

/// Events that have no seq.
#[derive(Clone, Copy, Debug, Default)]
pub struct Unchained {
    /// Older than the grace before the newest chained event: inserted outside the chain.
    pub outside: i64,
    /// The first of those, in (at, id) order.
    pub first: Option<Uuid>,
    /// Not chained yet: committed after the chainer last ran.
    pub pending: i64,
}

macro_rules! forward {
    ($( $(#[$m:meta])* fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        impl Db {
            $( $(#[$m])* pub async fn $name(&self $(, $arg: $ty)*) -> $ret {
                match self {
                    Db::Sqlite(s) => s.$name($($arg),*).await,
                    Db::Postgres(s) => s.$name($($arg),*).await,
                }
            } )*
        }
    };
}

forward! {
    /// The head (last seq and hash) and when the last checkpoint was written.
    fn audit_head(&self) -> Result<(Head, i64), Error>;
    /// Up to `limit` chained events after seq `after`, in seq order.
    fn audit_page(&self, after: i64, limit: i64) -> Result<Vec<ChainRow>, Error>;
    /// Which chained event has this hash.
    fn audit_event_with_hash(&self, hash: &Hash) -> Result<Option<(i64, Option<Uuid>)>, Error>;
    /// The stored hash at `seq`.
    fn audit_hash_at(&self, seq: i64) -> Result<Option<Vec<u8>>, Error>;
    /// Unchained events, split at `cutoff` (`at` before it: outside the chain).
    fn audit_unchained(&self, cutoff: i64) -> Result<Unchained, Error>;
    /// Chains up to `limit` committed events in a transaction of its own (one chainer
    /// at a time across instances); how many. Cheap when there is nothing to chain.
    fn chain_pending(&self, limit: i64) -> Result<u64, Error>;
    /// Chains what is pending, then signs and appends a checkpoint unless one is
    /// younger than `min_gap_ms`.
    fn audit_checkpoint(&self, now: UnixMillis, min_gap_ms: i64, key: &SigningKey) -> Result<Option<(Checkpoint, Event)>, Error>;
}

impl Db {
    /// Chains everything committed so far, a batch per transaction; how many.
    pub async fn chain_all(&self) -> Result<u64, Error> {
        let mut total = 0;
        loop {
            let n = self.chain_pending(CHAIN_BATCH).await?;
            total += n;
            if n < CHAIN_BATCH as u64 {
                return Ok(total);
            }
        }
    }
}
