//! What operators look at (`/metrics`, `/health/ready`): the outbox backlog, whether
//! the schema is the one this binary expects, and how busy the connection pools are.
//! Each is one cheap read, fit to be asked at every scrape or probe.

use ninsho_domain::error::Error;
use ninsho_domain::types::UnixMillis;

use crate::Db;

/// Undelivered (`pending`) outbox messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutboxBacklog {
    pub pending: i64,
    /// When the oldest undelivered message was written.
    pub oldest_created_at: Option<UnixMillis>,
    /// The earliest time an undelivered message was (or will be) due: in the past by
    /// more than a poll, the dispatchers are not keeping up — or not running.
    pub oldest_due_at: Option<UnixMillis>,
}

impl OutboxBacklog {
    /// How long the oldest due message has waited past its time, at `now`.
    pub fn overdue_ms(&self, now: UnixMillis) -> i64 {
        self.oldest_due_at.map_or(0, |due| (now.0 - due.0).max(0))
    }

    /// The oldest undelivered message's age, at `now`.
    pub fn oldest_age_ms(&self, now: UnixMillis) -> i64 {
        self.oldest_created_at.map_or(0, |at| (now.0 - at.0).max(0))
    }
}

/// Schema versions, each list ascending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Migrations {
    pub known: Vec<i64>,
    pub applied: Vec<i64>,
}

impl Migrations {
    /// Known to this binary and not applied: the schema is older than the code.
    pub fn missing(&self) -> Vec<i64> {
        self.known.iter().copied().filter(|v| !self.applied.contains(v)).collect()
    }

    /// Applied and unknown to this binary: a newer instance migrated. Not a failure —
    /// migrations only add, and a rolling upgrade runs old instances beside new ones.
    pub fn newer(&self) -> Vec<i64> {
        self.applied.iter().copied().filter(|v| !self.known.contains(v)).collect()
    }

    pub fn current(&self) -> bool {
        self.missing().is_empty()
    }
}

/// One connection pool's use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolUse {
    /// `read` or `write` (PostgreSQL uses one pool for both: it appears twice).
    pub pool: &'static str,
    pub size: u32,
    pub idle: usize,
    pub max: u32,
}

impl Db {
    pub async fn outbox_backlog(&self) -> Result<OutboxBacklog, Error> {
        match self {
            Db::Sqlite(s) => s.outbox_backlog().await,
            Db::Postgres(s) => s.outbox_backlog().await,
        }
    }

    pub async fn migrations(&self) -> Result<Migrations, Error> {
        match self {
            Db::Sqlite(s) => s.migrations().await,
            Db::Postgres(s) => s.migrations().await,
        }
    }

    pub fn pools(&self) -> Vec<PoolUse> {
        match self {
            Db::Sqlite(s) => s.pools(),
            Db::Postgres(s) => {
                // One pool serves reads and writes: counted once.
                let mut p = s.pools();
                p.truncate(1);
                if let Some(first) = p.first_mut() {
                    first.pool = "shared";
                }
                p
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_ops_7_migrations_are_current_when_every_known_one_is_applied() {
        let m = |known: &[i64], applied: &[i64]| Migrations { known: known.to_vec(), applied: applied.to_vec() };
        assert!(m(&[1, 2, 3], &[1, 2, 3]).current());
        assert!(!m(&[1, 2, 3], &[1, 2]).current());
        assert_eq!(m(&[1, 2, 3], &[1, 2]).missing(), vec![3]);
        // A newer instance's migration does not make this one unready.
        assert!(m(&[1, 2], &[1, 2, 3]).current());
        assert_eq!(m(&[1, 2], &[1, 2, 3]).newer(), vec![3]);
    }

    #[test]
    fn f_ops_7_the_backlog_says_how_long_the_oldest_due_message_waited() {
        let b = OutboxBacklog { pending: 2, oldest_created_at: Some(UnixMillis(1_000)), oldest_due_at: Some(UnixMillis(5_000)) };
        assert_eq!(b.overdue_ms(UnixMillis(65_000)), 60_000);
        assert_eq!(b.oldest_age_ms(UnixMillis(65_000)), 64_000);
        // Due later (a retry's back-off): not overdue.
        assert_eq!(b.overdue_ms(UnixMillis(4_000)), 0);
        assert_eq!(OutboxBacklog::default().overdue_ms(UnixMillis(9)), 0);
    }
}
