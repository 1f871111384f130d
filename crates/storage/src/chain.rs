//! What the security log's chain (F-OPS-6, `chain_impl.rs`) hands to its verifier, and
//! `Db`'s doors to it. Verification itself lives with the CLI (`ninsho admin audit`).

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

/// Events that have no seq: the application never writes one.
#[derive(Clone, Copy, Debug, Default)]
pub struct Unchained {
    pub count: i64,
    pub first: Option<Uuid>,
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
    /// Events outside the chain.
    fn audit_unchained(&self) -> Result<Unchained, Error>;
    /// Signs and appends a checkpoint unless one is younger than `min_gap_ms`.
    fn audit_checkpoint(&self, now: UnixMillis, min_gap_ms: i64, key: &SigningKey) -> Result<Option<(Checkpoint, Event)>, Error>;
    /// The bench: one chained event in its own commit.
    fn bench_chained_event(&self, e: &Event) -> Result<(), Error>;
    /// The bench's baseline: the same row without the chain's head.
    fn bench_plain_event(&self, e: &Event) -> Result<(), Error>;
}
