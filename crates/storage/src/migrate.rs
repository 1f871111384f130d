//! Schema migrations, embedded in the binary. SQLite and PostgreSQL have files with the
//! same numbers; a test checks they stay in step. Applied migrations are never edited.

use ninsho_domain::error::Error;
use sqlx::{Pool, Postgres, Sqlite};

use crate::db_err;

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

pub const SQLITE: &[Migration] = &[
    Migration { version: 1, name: "core", sql: include_str!("../migrations/sqlite/0001_core.sql") },
    Migration { version: 2, name: "event_lookups", sql: include_str!("../migrations/sqlite/0002_event_lookups.sql") },
    Migration { version: 3, name: "message_center", sql: include_str!("../migrations/sqlite/0003_message_center.sql") },
    Migration { version: 4, name: "recovery", sql: include_str!("../migrations/sqlite/0004_recovery.sql") },
    Migration { version: 5, name: "one_statement_commit", sql: include_str!("../migrations/sqlite/0005_one_statement_commit.sql") },
    Migration { version: 6, name: "step_up_strength", sql: include_str!("../migrations/sqlite/0006_step_up_strength.sql") },
    Migration { version: 7, name: "health_probe", sql: include_str!("../migrations/sqlite/0007_health_probe.sql") },
    Migration { version: 8, name: "password_throttle", sql: include_str!("../migrations/sqlite/0008_password_throttle.sql") },
    Migration { version: 9, name: "code_message", sql: include_str!("../migrations/sqlite/0009_code_message.sql") },
    Migration { version: 10, name: "time_zone", sql: include_str!("../migrations/sqlite/0010_time_zone.sql") },
    Migration { version: 11, name: "message_challenge", sql: include_str!("../migrations/sqlite/0011_message_challenge.sql") },
    Migration { version: 12, name: "email_change", sql: include_str!("../migrations/sqlite/0012_email_change.sql") },
    Migration { version: 13, name: "feedback", sql: include_str!("../migrations/sqlite/0013_feedback.sql") },
    Migration { version: 14, name: "audit_chain", sql: include_str!("../migrations/sqlite/0014_audit_chain.sql") },
    Migration { version: 15, name: "service_clients", sql: include_str!("../migrations/sqlite/0015_service_clients.sql") },
    Migration { version: 16, name: "service_step_ups", sql: include_str!("../migrations/sqlite/0016_service_step_ups.sql") },
    Migration { version: 17, name: "event_webhooks", sql: include_str!("../migrations/sqlite/0017_event_webhooks.sql") },
    Migration { version: 18, name: "deliveries", sql: include_str!("../migrations/sqlite/0018_deliveries.sql") },
    Migration { version: 19, name: "cache_notices", sql: include_str!("../migrations/sqlite/0019_cache_notices.sql") },
    Migration { version: 20, name: "couriers", sql: include_str!("../migrations/sqlite/0020_couriers.sql") },
    Migration { version: 21, name: "oidc", sql: include_str!("../migrations/sqlite/0021_oidc.sql") },
    Migration { version: 22, name: "account_locks", sql: include_str!("../migrations/sqlite/0022_account_locks.sql") },
    Migration { version: 23, name: "oidc_refresh", sql: include_str!("../migrations/sqlite/0023_oidc_refresh.sql") },
    Migration { version: 24, name: "unsolicited_codes", sql: include_str!("../migrations/sqlite/0024_unsolicited_codes.sql") },
    Migration { version: 25, name: "event_indexes", sql: include_str!("../migrations/sqlite/0025_event_indexes.sql") },
    Migration { version: 26, name: "sms_destinations", sql: include_str!("../migrations/sqlite/0026_sms_destinations.sql") },
    Migration { version: 27, name: "oidc_expiry", sql: include_str!("../migrations/sqlite/0027_oidc_expiry.sql") },
    Migration { version: 28, name: "twosv_suspension", sql: include_str!("../migrations/sqlite/0028_twosv_suspension.sql") },
    Migration { version: 29, name: "staff", sql: include_str!("../migrations/sqlite/0029_staff.sql") },
    Migration { version: 30, name: "phone_lookup", sql: include_str!("../migrations/sqlite/0030_phone_lookup.sql") },
    Migration { version: 31, name: "organisations", sql: include_str!("../migrations/sqlite/0031_organisations.sql") },
    Migration { version: 32, name: "delivery_codes", sql: include_str!("../migrations/sqlite/0032_delivery_codes.sql") },
];
pub const POSTGRES: &[Migration] = &[
    Migration { version: 1, name: "core", sql: include_str!("../migrations/postgres/0001_core.sql") },
    Migration { version: 2, name: "event_lookups", sql: include_str!("../migrations/postgres/0002_event_lookups.sql") },
    Migration { version: 3, name: "message_center", sql: include_str!("../migrations/postgres/0003_message_center.sql") },
    Migration { version: 4, name: "recovery", sql: include_str!("../migrations/postgres/0004_recovery.sql") },
    Migration { version: 5, name: "one_statement_commit", sql: include_str!("../migrations/postgres/0005_one_statement_commit.sql") },
    Migration { version: 6, name: "step_up_strength", sql: include_str!("../migrations/postgres/0006_step_up_strength.sql") },
    Migration { version: 7, name: "health_probe", sql: include_str!("../migrations/postgres/0007_health_probe.sql") },
    Migration { version: 8, name: "password_throttle", sql: include_str!("../migrations/postgres/0008_password_throttle.sql") },
    Migration { version: 9, name: "code_message", sql: include_str!("../migrations/postgres/0009_code_message.sql") },
    Migration { version: 10, name: "time_zone", sql: include_str!("../migrations/postgres/0010_time_zone.sql") },
    Migration { version: 11, name: "message_challenge", sql: include_str!("../migrations/postgres/0011_message_challenge.sql") },
    Migration { version: 12, name: "email_change", sql: include_str!("../migrations/postgres/0012_email_change.sql") },
    Migration { version: 13, name: "feedback", sql: include_str!("../migrations/postgres/0013_feedback.sql") },
    Migration { version: 14, name: "audit_chain", sql: include_str!("../migrations/postgres/0014_audit_chain.sql") },
    Migration { version: 15, name: "service_clients", sql: include_str!("../migrations/postgres/0015_service_clients.sql") },
    Migration { version: 16, name: "service_step_ups", sql: include_str!("../migrations/postgres/0016_service_step_ups.sql") },
    Migration { version: 17, name: "event_webhooks", sql: include_str!("../migrations/postgres/0017_event_webhooks.sql") },
    Migration { version: 18, name: "deliveries", sql: include_str!("../migrations/postgres/0018_deliveries.sql") },
    Migration { version: 19, name: "cache_notices", sql: include_str!("../migrations/postgres/0019_cache_notices.sql") },
    Migration { version: 20, name: "couriers", sql: include_str!("../migrations/postgres/0020_couriers.sql") },
    Migration { version: 21, name: "oidc", sql: include_str!("../migrations/postgres/0021_oidc.sql") },
    Migration { version: 22, name: "account_locks", sql: include_str!("../migrations/postgres/0022_account_locks.sql") },
    Migration { version: 23, name: "oidc_refresh", sql: include_str!("../migrations/postgres/0023_oidc_refresh.sql") },
    Migration { version: 24, name: "unsolicited_codes", sql: include_str!("../migrations/postgres/0024_unsolicited_codes.sql") },
    Migration { version: 25, name: "event_indexes", sql: include_str!("../migrations/postgres/0025_event_indexes.sql") },
    Migration { version: 26, name: "sms_destinations", sql: include_str!("../migrations/postgres/0026_sms_destinations.sql") },
    Migration { version: 27, name: "oidc_expiry", sql: include_str!("../migrations/postgres/0027_oidc_expiry.sql") },
    Migration { version: 28, name: "twosv_suspension", sql: include_str!("../migrations/postgres/0028_twosv_suspension.sql") },
    Migration { version: 29, name: "staff", sql: include_str!("../migrations/postgres/0029_staff.sql") },
    Migration { version: 30, name: "phone_lookup", sql: include_str!("../migrations/postgres/0030_phone_lookup.sql") },
    Migration { version: 31, name: "organisations", sql: include_str!("../migrations/postgres/0031_organisations.sql") },
    Migration { version: 32, name: "delivery_codes", sql: include_str!("../migrations/postgres/0032_delivery_codes.sql") },
];

const LEDGER: &str = "create table if not exists ninsho_migrations (version bigint primary key, name text not null, applied_at bigint not null)";

use crate::now_ms;

/// After the migrations, in their transaction: events written before the chain (or by
/// an instance of an older version still running) are chained (F-OPS-6), so a
/// database is never left half chained.
pub async fn sqlite(pool: &Pool<Sqlite>) -> Result<(), Error> {
    sqlite_through(pool, i64::MAX).await
}

/// The migrations up to `last` only: a database as an older version left it, for the
/// tests of a migration's data.
pub async fn sqlite_through(pool: &Pool<Sqlite>, last: i64) -> Result<(), Error> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
    sqlx::raw_sql(LEDGER).execute(&mut *tx).await.map_err(db_err)?;
    for m in SQLITE.iter().take_while(|m| m.version <= last) {
        let done = sqlx::query("select 1 from ninsho_migrations where version = $1").bind(m.version).fetch_optional(&mut *tx).await.map_err(db_err)?;
        if done.is_none() {
            sqlx::raw_sql(m.sql).execute(&mut *tx).await.map_err(|e| Error::internal(format!("migration {} ({}): {e}", m.version, m.name)))?;
            sqlx::query("insert into ninsho_migrations (version, name, applied_at) values ($1, $2, $3)").bind(m.version).bind(m.name).bind(now_ms()).execute(&mut *tx).await.map_err(db_err)?;
        }
    }
    crate::sqlite::chain_backlog(&mut tx).await.map_err(|e| Error::internal(format!("chaining the security log: {e}")))?;
    tx.commit().await.map_err(db_err)
}

pub async fn postgres(pool: &Pool<Postgres>) -> Result<(), Error> {
    postgres_through(pool, i64::MAX).await
}

/// The migrations up to `last` only (see `sqlite_through`).
pub async fn postgres_through(pool: &Pool<Postgres>, last: i64) -> Result<(), Error> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    // Instances starting together migrate one at a time.
    sqlx::query("select pg_advisory_xact_lock(7361827)").execute(&mut *tx).await.map_err(db_err)?;
    sqlx::raw_sql(LEDGER).execute(&mut *tx).await.map_err(db_err)?;
    for m in POSTGRES.iter().take_while(|m| m.version <= last) {
        let done = sqlx::query("select 1 from ninsho_migrations where version = $1").bind(m.version).fetch_optional(&mut *tx).await.map_err(db_err)?;
        if done.is_none() {
            sqlx::raw_sql(m.sql).execute(&mut *tx).await.map_err(|e| Error::internal(format!("migration {} ({}): {e}", m.version, m.name)))?;
            sqlx::query("insert into ninsho_migrations (version, name, applied_at) values ($1, $2, $3)").bind(m.version).bind(m.name).bind(now_ms()).execute(&mut *tx).await.map_err(db_err)?;
        }
    }
    crate::postgres::chain_backlog(&mut tx).await.map_err(|e| Error::internal(format!("chaining the security log: {e}")))?;
    tx.commit().await.map_err(db_err)
}

#[cfg(test)]
mod tests {
    #[test]
    fn f_ops_2_sqlite_and_postgres_migrations_are_in_step() {
        let a: Vec<_> = super::SQLITE.iter().map(|m| (m.version, m.name)).collect();
        let b: Vec<_> = super::POSTGRES.iter().map(|m| (m.version, m.name)).collect();
        assert_eq!(a, b);
        let files = |d: &str| {
            let mut v: Vec<String> = std::fs::read_dir(format!("{}/migrations/{d}", env!("CARGO_MANIFEST_DIR"))).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
            v.sort();
            v
        };
        assert_eq!(files("sqlite"), files("postgres"));
        assert_eq!(files("sqlite").len(), a.len(), "every migration file is embedded");
    }
}
