// The store, written once. `lib.rs` includes this file in one module per driver,
// after defining `DB`, `BEGIN_WRITE` and `CLAIM_OUTBOX`, so both drivers are
// type-checked against the same SQL and the same row mapping.

use ninsho_domain::email::Email;
use ninsho_domain::error::{Error, Outage};
use ninsho_domain::phone::PhoneE164;
use ninsho_domain::ports::*;
use ninsho_domain::types::*;
use ninsho_domain::zone::TimeZoneName;
use sqlx::{Pool, Row};
use uuid::Uuid;

use crate::writes::{Arg, one_statement, refused_guard, statements};
use crate::{db_err, is_unique};

/// A step-up's own columns are read under `su_` names beside its challenge's `*`.
macro_rules! step_up_state {
    ($where:literal) => {
        concat!("select s.id as su_id, s.client_id as su_client_id, s.reason_kind as su_reason_kind, s.amount_minor as su_amount_minor, \
    s.currency as su_currency, s.reason_text as su_reason_text, s.return_url as su_return_url, s.weak as su_weak, s.created_at as su_created_at, \
    s.completed_at as su_completed_at, s.method as su_method, c.* from service_step_ups s join challenges c on c.id = s.challenge_id", $where)
    };
}


type R<T> = Result<T, Error>;
type DbRow = <DB as sqlx::Database>::Row;
type Tx = sqlx::Transaction<'static, DB>;

/// Writes go through `write`; on SQLite it has one connection, so writers queue in
/// the pool instead of spinning on the file lock. Reads use `read`. With a `batcher`
/// (SQLite), concurrent commits share one transaction and one fsync (group commit).
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) write: Pool<DB>,
    pub(crate) read: Pool<DB>,
    pub(crate) batcher: Option<tokio::sync::mpsc::Sender<Job>>,
    pub(crate) health: std::sync::Arc<crate::Health>,
    /// F-INT-2's clients and sessions (`session_cache.rs`).
    pub(crate) cache: std::sync::Arc<crate::session_cache::SessionCache>,
}

/// What one caller commits: a list of writes, or a code attempt with the writes a
/// right code unlocks.
#[derive(Debug)]
pub(crate) enum Work {
    Writes(Vec<Write>),
    Attempt(CodeAttempt, Vec<Write>),
}

/// One caller's work waiting for the group commit. A plain list answers `Accepted`.
/// `bound`: a bulk write's table statements, bound by the caller (`bind_ahead`); taken
/// by the first run, so a batch run again job by job binds from the write.
#[allow(dead_code)] // only the SQLite build groups commits
pub(crate) struct Job {
    work: Work,
    bound: Option<Bound>,
    reply: tokio::sync::oneshot::Sender<Result<AttemptOutcome, CommitError>>,
}

/// The most commits one transaction carries.
#[allow(dead_code)]
const MAX_GROUP: usize = 64;

/// A bulk write's table statements with their values bound, each with the rows it
/// must insert.
pub(crate) type Bound = Vec<(sqlx::query::Query<'static, DB, <DB as sqlx::Database>::Arguments>, u64)>;

/// F-DLV-6: binds a bulk write's table rows (`writes` is one `InsertShipments`) before
/// the job reaches the group commit, in the caller's task: binding copies every value,
/// and the one writer waited for it statement by statement, while the chunks in flight
/// can bind side by side. The events are bound in the transaction, where the chain's
/// head is known. Anonymous placeholders: for the group commit, which is SQLite's.
fn bind_ahead(writes: &[Write]) -> Option<Bound> {
    let [Write::InsertShipments(items)] = writes else { return None };
    let mut out = Vec::new();
    for t in crate::writes::bulk_tables(items) {
        let columns = t.columns();
        for (sql, rows) in crate::writes::values_statements(t.head, columns, t.rows) {
            let n = rows.len() as u64;
            out.push((rows.into_iter().flatten().fold(sqlx::query(sqlx::AssertSqlSafe(sql)), bind_owned), n));
        }
    }
    Some(out)
}

fn bind_owned(q: sqlx::query::Query<'static, DB, <DB as sqlx::Database>::Arguments>, a: Arg) -> sqlx::query::Query<'static, DB, <DB as sqlx::Database>::Arguments> {
    match a {
        Arg::Uuid(v) => q.bind(v),
        Arg::Int(v) => q.bind(v),
        Arg::Bytes(v) => q.bind(v),
        Arg::Text(v) => q.bind(v),
        Arg::Bool(v) => q.bind(v),
    }
}

/// Applies a whole list; stops at the first guard that does not hold. `bound`: the
/// first write's statements bound ahead (`bind_ahead`).
async fn apply_all(tx: &mut Tx, writes: &[Write], mut bound: Option<Bound>) -> Result<(), CommitError> {
    for (i, w) in writes.iter().enumerate() {
        match apply(tx, w, bound.take()).await {
            Ok(true) => {}
            Ok(false) => return Err(CommitError::Guard(i)),
            Err(e) if is_unique(&e) => return Err(CommitError::Unique),
            Err(e) => return Err(CommitError::Store(db_err(e))),
        }
    }
    Ok(())
}

/// Takes and decides a code attempt (`CodeAttempt`); with a right code applies
/// `on_right`, with a wrong one counts it on the method and applies `on_wrong`.
async fn apply_attempt(tx: &mut Tx, a: &CodeAttempt, on_right: &[Write]) -> Result<AttemptOutcome, CommitError> {
    let store = |e| CommitError::Store(db_err(e));
    let (sql, args) = crate::attempt::take(a);
    let row = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &args).fetch_optional(&mut **tx).await.map_err(store)?;
    let taken = match row {
        Some(r) => Some((r.try_get::<i64, _>(0).map_err(store)?, r.try_get::<Option<i64>, _>(1).map_err(store)?)),
        None => None,
    };
    let mut method = None;
    match taken {
        None => {}
        Some((_, Some(_))) => apply_all(tx, on_right, None).await?,
        Some((_, None)) => {
            if let Some((m, ceiling)) = a.method {
                let sql = format!("{}{}", crate::attempt::METHOD_FAILURE, crate::attempt::METHOD_FAILURE_RETURNING);
                let r = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &crate::attempt::method_failure_args(m, ceiling, a.now.0))
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(store)?;
                if let Some(r) = r {
                    method = Some((r.try_get::<i64, _>(0).map_err(store)?, r.try_get::<Option<i64>, _>(1).map_err(store)?));
                }
            }
            // The wrong-code event is no guard of anything: a refusal there is a fault.
            apply_all(tx, &a.on_wrong, None).await.map_err(|e| match e {
                CommitError::Guard(i) => CommitError::Store(Error::internal(format!("the wrong-code write {i} changed nothing"))),
                e => e,
            })?;
        }
    }
    Ok(crate::attempt::outcome(taken, method, a.now.0))
}

async fn apply_work(tx: &mut Tx, work: &Work, bound: Option<Bound>) -> Result<AttemptOutcome, CommitError> {
    let outcome = match work {
        Work::Writes(w) => apply_all(tx, w, bound).await.map(|()| AttemptOutcome::Accepted),
        Work::Attempt(a, on_right) => apply_attempt(tx, a, on_right).await,
    }?;
    // In the same transaction: no change can commit without the other instances hearing of it.
    if let Some(notice) = crate::session_cache::notice(&work.stale()) {
        sqlx::query(NOTICE_SQL).bind(notice).execute(&mut **tx).await.map_err(|e| CommitError::Store(db_err(e)))?;
    }
    Ok(outcome)
}

impl Work {
    /// What the work may make stale in the session caches (an attempt's right-code
    /// writes whether or not the code was right: a needless drop costs one read).
    fn stale(&self) -> Vec<crate::session_cache::Stale> {
        match self {
            Work::Writes(w) => crate::session_cache::stale_of(w.iter()),
            Work::Attempt(a, on_right) => crate::session_cache::stale_of(on_right.iter().chain(&a.on_wrong)),
        }
    }
}

/// The group-commit loop: takes whatever commits are waiting, commits them in one
/// transaction, and answers every caller only after that commit is durable.
///
/// Most batches hold no refused guard, so they run straight through. Only when one
/// job fails is the batch rolled back and run again with each job in its own
/// savepoint, so that a refused guard undoes only its own writes: two statements per
/// job saved on the common path of the one writer.
#[allow(dead_code)]
pub(crate) async fn group_commit(pool: Pool<DB>, mut rx: tokio::sync::mpsc::Receiver<Job>, checkpoint: tokio::sync::mpsc::Sender<()>) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let results = match run_batch(&pool, &mut jobs, false).await {
            Ok(Some(results)) => Ok(results),
            // A job failed: nothing of the batch was kept; isolate the jobs.
            Ok(None) => match run_batch(&pool, &mut jobs, true).await {
                Ok(Some(results)) => Ok(results),
                Ok(None) => Err(Error::internal("a batch failed twice")),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        match results {
            Ok(results) => {
                // Full: one is due already.
                let _ = checkpoint.try_send(());
                for (j, r) in jobs.into_iter().zip(results) {
                    let _ = j.reply.send(r);
                }
            }
            // Nothing of the batch was stored (a full disk, a lost file): every caller
            // hears why, as the domain's error (an outage stays an outage).
            Err(e) => {
                for j in jobs {
                    let copy = match &e {
                        Error::Unavailable(o) => Error::Unavailable(*o),
                        Error::Busy => Error::Busy,
                        other => Error::internal(other),
                    };
                    let _ = j.reply.send(Err(CommitError::Store(copy)));
                }
            }
        }
    }
}

/// One transaction for the batch. Without savepoints, the first failing job aborts the
/// whole batch (`Ok(None)`); with them, each job's result is its own.
#[allow(dead_code)]
async fn run_batch(pool: &Pool<DB>, jobs: &mut [Job], isolate: bool) -> Result<Option<Vec<Result<AttemptOutcome, CommitError>>>, Error> {
    let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db_err)?;
    let mut results = Vec::with_capacity(jobs.len());
    for j in jobs {
        if !isolate {
            match apply_work(&mut tx, &j.work, j.bound.take()).await {
                Ok(outcome) => results.push(Ok(outcome)),
                Err(_) => {
                    tx.rollback().await.map_err(db_err)?;
                    return Ok(None);
                }
            }
            continue;
        }
        let r = match sqlx::query("SAVEPOINT ninsho_job").execute(&mut *tx).await {
            Ok(_) => apply_work(&mut tx, &j.work, j.bound.take()).await,
            Err(e) => Err(CommitError::Store(db_err(e))),
        };
        let end = if r.is_ok() { "RELEASE SAVEPOINT ninsho_job" } else { "ROLLBACK TO SAVEPOINT ninsho_job" };
        let mut r = r;
        if let Err(e) = sqlx::query(end).execute(&mut *tx).await {
            r = Err(CommitError::Store(db_err(e)));
        }
        if end.starts_with("ROLLBACK") {
            let _ = sqlx::query("RELEASE SAVEPOINT ninsho_job").execute(&mut *tx).await;
        }
        results.push(r);
    }
    tx.commit().await.map_err(db_err)?;
    Ok(Some(results))
}

/// A code check's reads in one round trip (`Store::challenge_context`), with or
/// without the known-device answer. `known` is a scalar subquery with `limit 1`, not
/// `exists`: PostgreSQL may run an `exists` beside a join as a hashed subplan that
/// reads every sign-in event of every account, on each call, while the tables have no
/// statistics yet. Without a device the subquery is left out, not asked with an empty
/// hash: that would read every sign-in event of the account to answer "no".
macro_rules! challenge_context {
    ($known:literal) => {
        concat!(
            "select c.*, \
            a.id as a_id, a.email as a_email, a.password_hash as a_password_hash, a.locale as a_locale, a.created_at as a_created_at, \
            a.email_verified_at as a_email_verified_at, a.last_sign_in_at as a_last_sign_in_at, a.credentials_changed_at as a_credentials_changed_at, \
            a.twosv_enabled_at as a_twosv_enabled_at, a.preferred_factor as a_preferred_factor, a.signin_alerts as a_signin_alerts, a.time_zone as a_time_zone, a.locked_until as a_locked_until, a.twosv_suspended_until as a_twosv_suspended_until, \
            f.id as f_id, f.account_id as f_account_id, f.kind as f_kind, f.phone as f_phone, f.channel as f_channel, f.secret as f_secret, \
            f.created_at as f_created_at, f.verified_at as f_verified_at, f.last_used_step as f_last_used_step, f.failed_count as f_failed_count, \
            f.disabled_at as f_disabled_at, f.replaces as f_replaces, ",
            $known,
            " as known from challenges c join accounts a on a.id = c.account_id left join factors f on f.account_id = c.account_id \
            where c.id = $1 order by f.created_at, f.id"
        )
    };
}
const CHALLENGE_CONTEXT: &str =
    challenge_context!("(select 1 from events e where e.account_id = c.account_id and e.kind = 'sign_in' and e.device_hash = $2 limit 1) is not null");
const CHALLENGE_CONTEXT_NO_DEVICE: &str = challenge_context!("false");
/// An account's columns under `a_` names, beside a session's `*`.
macro_rules! account_columns {
    () => {
        "a.id as a_id, a.email as a_email, a.password_hash as a_password_hash, a.locale as a_locale, a.created_at as a_created_at, \
    a.email_verified_at as a_email_verified_at, a.last_sign_in_at as a_last_sign_in_at, a.credentials_changed_at as a_credentials_changed_at, \
    a.twosv_enabled_at as a_twosv_enabled_at, a.preferred_factor as a_preferred_factor, a.signin_alerts as a_signin_alerts, a.time_zone as a_time_zone, a.locked_until as a_locked_until, a.twosv_suspended_until as a_twosv_suspended_until"
    };
}


/// A client's columns under `c_` names.
macro_rules! client_columns {
    () => {
        "id as c_id, name as c_name, scopes as c_scopes, secret_hash as c_secret_hash, previous_secret_hash as c_previous_secret_hash, \
    previous_valid_until as c_previous_valid_until, rate_per_minute as c_rate_per_minute, created_at as c_created_at, revoked_at as c_revoked_at, origins as c_origins"
    };
}

/// F-INT-2's one statement: the client by its current or by its previous secret (one
/// branch each, so each unique index is used), with the session and its account when
/// the token names one. A client the token's session does not belong to is still one
/// row: the session's columns are then null.
const CLIENT_WITH_SESSION: &str = concat!(
    "select c.*, s.*, ", account_columns!(),
    " from (select ", client_columns!(), " from service_clients where secret_hash = $1",
    " union all select ", client_columns!(), " from service_clients where previous_secret_hash = $1) c",
    " left join sessions s on s.token_hash = $2 left join accounts a on a.id = s.account_id"
);

fn parse_enum<T>(v: Option<T>, what: &str) -> R<T> {
    v.ok_or_else(|| Error::internal(format!("stored {what} is not recognised")))
}

fn opt_ms(v: Option<i64>) -> Option<UnixMillis> {
    v.map(UnixMillis)
}

fn reset_row(r: &DbRow) -> R<ResetRequest> {
    Ok(ResetRequest {
        id: ResetRequestId(r.try_get("id").map_err(db_err)?),
        account_id: AccountId(r.try_get("account_id").map_err(db_err)?),
        created_at: UnixMillis(r.try_get("created_at").map_err(db_err)?),
        status: r.try_get("status").map_err(db_err)?,
        doc_type: r.try_get("doc_type").map_err(db_err)?,
        doc_kind: r.try_get("doc_kind").map_err(db_err)?,
        doc_bytes: r.try_get("doc_bytes").map_err(db_err)?,
        document: r.try_get("document").map_err(db_err)?,
        decided_at: opt_ms(r.try_get("decided_at").map_err(db_err)?),
        reason: r.try_get("reason").map_err(db_err)?,
        reviewer: r.try_get("reviewer").map_err(db_err)?,
        ip: r.try_get("ip").map_err(db_err)?,
    })
}

/// A column under a prefix: joined reads name their columns `a_…` and `f_…`.
fn col<'r, T: sqlx::Decode<'r, DB> + sqlx::Type<DB>>(r: &'r DbRow, p: &str, name: &str) -> R<T> {
    if p.is_empty() { r.try_get(name) } else { r.try_get(format!("{p}{name}").as_str()) }.map_err(db_err)
}

fn lock_row(r: &DbRow) -> R<AccountLock> {
    Ok(AccountLock {
        id: AccountLockId(r.try_get("id").map_err(db_err)?),
        account_id: AccountId(r.try_get("account_id").map_err(db_err)?),
        reason: r.try_get("reason").map_err(db_err)?,
        locked_by: r.try_get("locked_by").map_err(db_err)?,
        locked_at: UnixMillis(r.try_get("locked_at").map_err(db_err)?),
        until: UnixMillis(r.try_get("until").map_err(db_err)?),
        ended_at: opt_ms(r.try_get("ended_at").map_err(db_err)?),
        ended_by: r.try_get("ended_by").map_err(db_err)?,
    })
}

fn account_row(r: &DbRow, p: &str) -> R<Account> {
    Ok(Account {
        id: AccountId(col(r, p, "id")?),
        email: Email::from_stored(col(r, p, "email")?),
        password_hash: col(r, p, "password_hash")?,
        locale: parse_enum(Locale::parse(col::<&str>(r, p, "locale")?), "locale")?,
        created_at: UnixMillis(col(r, p, "created_at")?),
        email_verified_at: opt_ms(col(r, p, "email_verified_at")?),
        last_sign_in_at: opt_ms(col(r, p, "last_sign_in_at")?),
        credentials_changed_at: opt_ms(col(r, p, "credentials_changed_at")?),
        twosv_enabled_at: opt_ms(col(r, p, "twosv_enabled_at")?),
        preferred_factor: col::<Option<Uuid>>(r, p, "preferred_factor")?.map(FactorId),
        signin_alerts: col(r, p, "signin_alerts")?,
        // A name a later tz database dropped reads as no choice: the default applies
        // rather than the account becoming unreadable.
        time_zone: col::<Option<String>>(r, p, "time_zone")?.and_then(|z| TimeZoneName::parse(&z).ok()),
        locked_until: opt_ms(col(r, p, "locked_until")?),
        twosv_suspended_until: opt_ms(col(r, p, "twosv_suspended_until")?),
    })
}

fn factor_row(r: &DbRow, p: &str) -> R<Factor> {
    let channel: Option<String> = col(r, p, "channel")?;
    Ok(Factor {
        id: FactorId(col(r, p, "id")?),
        account_id: AccountId(col(r, p, "account_id")?),
        kind: parse_enum(FactorKind::parse(col::<&str>(r, p, "kind")?), "method kind")?,
        phone: col::<Option<String>>(r, p, "phone")?.map(PhoneE164::from_stored),
        channel: match channel {
            Some(c) => Some(parse_enum(Channel::parse(&c), "channel")?),
            None => None,
        },
        secret: col(r, p, "secret")?,
        created_at: UnixMillis(col(r, p, "created_at")?),
        verified_at: opt_ms(col(r, p, "verified_at")?),
        last_used_step: col(r, p, "last_used_step")?,
        failed_count: col(r, p, "failed_count")?,
        disabled_at: opt_ms(col(r, p, "disabled_at")?),
        replaces: col::<Option<Uuid>>(r, p, "replaces")?.map(FactorId),
    })
}

fn challenge_row(r: &DbRow) -> R<Challenge> {
    Ok(Challenge {
        id: ChallengeId(r.try_get("id").map_err(db_err)?),
        account_id: AccountId(r.try_get("account_id").map_err(db_err)?),
        purpose: parse_enum(Purpose::parse(r.try_get::<&str, _>("purpose").map_err(db_err)?), "purpose")?,
        factor_id: r.try_get::<Option<Uuid>, _>("factor_id").map_err(db_err)?.map(FactorId),
        code_hash: r.try_get("code_hash").map_err(db_err)?,
        code_expires_at: opt_ms(r.try_get("code_expires_at").map_err(db_err)?),
        code_message: r.try_get::<Option<Uuid>, _>("code_message_id").map_err(db_err)?.map(MessageId),
        created_at: UnixMillis(r.try_get("created_at").map_err(db_err)?),
        expires_at: UnixMillis(r.try_get("expires_at").map_err(db_err)?),
        attempts: r.try_get("attempts").map_err(db_err)?,
        consumed_at: opt_ms(r.try_get("consumed_at").map_err(db_err)?),
        cancelled_at: opt_ms(r.try_get("cancelled_at").map_err(db_err)?),
        session_id: r.try_get::<Option<Uuid>, _>("session_id").map_err(db_err)?.map(SessionId),
        ip: r.try_get("ip").map_err(db_err)?,
        user_agent: r.try_get("user_agent").map_err(db_err)?,
        device_name: r.try_get("device_name").map_err(db_err)?,
        new_email: r.try_get::<Option<String>, _>("new_email").map_err(db_err)?.map(Email::from_stored),
    })
}

fn session_row(r: &DbRow) -> R<Session> {
    Ok(Session {
        id: SessionId(r.try_get("id").map_err(db_err)?),
        account_id: AccountId(r.try_get("account_id").map_err(db_err)?),
        token_hash: r.try_get("token_hash").map_err(db_err)?,
        created_at: UnixMillis(r.try_get("created_at").map_err(db_err)?),
        last_seen_at: UnixMillis(r.try_get("last_seen_at").map_err(db_err)?),
        expires_at: UnixMillis(r.try_get("expires_at").map_err(db_err)?),
        ip: r.try_get("ip").map_err(db_err)?,
        user_agent: r.try_get("user_agent").map_err(db_err)?,
        device_name: r.try_get("device_name").map_err(db_err)?,
        auth_methods: r.try_get::<&str, _>("auth_methods").map_err(db_err)?.split_whitespace().filter_map(AuthMethod::parse).collect(),
        stepped_up_at: opt_ms(r.try_get("stepped_up_at").map_err(db_err)?),
        // A method this build does not know is treated as no step-up at all.
        step_up_method: r.try_get::<Option<&str>, _>("step_up_method").map_err(db_err)?.and_then(AuthMethod::parse),
        revoked_at: opt_ms(r.try_get("revoked_at").map_err(db_err)?),
    })
}

fn trusted_row(r: &DbRow) -> R<TrustedBrowser> {
    Ok(TrustedBrowser {
        id: TrustedBrowserId(r.try_get("id").map_err(db_err)?),
        account_id: AccountId(r.try_get("account_id").map_err(db_err)?),
        token_hash: r.try_get("token_hash").map_err(db_err)?,
        device_hash: r.try_get("device_hash").map_err(db_err)?,
        user_agent: r.try_get("user_agent").map_err(db_err)?,
        created_at: UnixMillis(r.try_get("created_at").map_err(db_err)?),
        expires_at: UnixMillis(r.try_get("expires_at").map_err(db_err)?),
        last_used_at: opt_ms(r.try_get("last_used_at").map_err(db_err)?),
        revoked_at: opt_ms(r.try_get("revoked_at").map_err(db_err)?),
    })
}

fn event_row(r: &DbRow) -> R<Event> {
    Ok(Event {
        id: EventId(r.try_get("id").map_err(db_err)?),
        account_id: r.try_get::<Option<Uuid>, _>("account_id").map_err(db_err)?.map(AccountId),
        at: UnixMillis(r.try_get("at").map_err(db_err)?),
        kind: parse_enum(EventKind::parse(r.try_get::<&str, _>("kind").map_err(db_err)?), "event kind")?,
        ip: r.try_get("ip").map_err(db_err)?,
        user_agent: r.try_get("user_agent").map_err(db_err)?,
        device_hash: r.try_get("device_hash").map_err(db_err)?,
        detail: r.try_get("detail").map_err(db_err)?,
        unfamiliar: r.try_get("unfamiliar").map_err(db_err)?,
    })
}

fn outbox_row(r: &DbRow) -> R<OutboxMessage> {
    let keys: String = r.try_get("quota_keys").map_err(db_err)?;
    Ok(OutboxMessage {
        id: MessageId(r.try_get("id").map_err(db_err)?),
        account_id: r.try_get::<Option<Uuid>, _>("account_id").map_err(db_err)?.map(AccountId),
        template: r.try_get("template").map_err(db_err)?,
        channel: parse_enum(Channel::parse(r.try_get::<&str, _>("channel").map_err(db_err)?), "channel")?,
        destination: r.try_get("destination").map_err(db_err)?,
        locale: parse_enum(Locale::parse(r.try_get::<&str, _>("locale").map_err(db_err)?), "locale")?,
        payload: r.try_get("payload").map_err(db_err)?,
        created_at: UnixMillis(r.try_get("created_at").map_err(db_err)?),
        quota_keys: keys.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect(),
        attempts: r.try_get("attempts").map_err(db_err)?,
        challenge: r.try_get::<Option<Uuid>, _>("challenge_id").map_err(db_err)?.map(ChallengeId),
        delivery: r.try_get::<Option<Uuid>, _>("delivery_id").map_err(db_err)?.map(DeliveryId),
    })
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Binds arguments in order.
fn bind_all<'q>(mut q: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>, args: impl IntoIterator<Item = &'q Arg>) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments> {
    for a in args {
        q = match a {
            Arg::Uuid(v) => q.bind(*v),
            Arg::Int(v) => q.bind(*v),
            Arg::Bytes(v) => q.bind(v.as_deref()),
            Arg::Text(v) => q.bind(v.as_deref()),
            Arg::Bool(v) => q.bind(*v),
        };
    }
    q
}

/// 64 KiB that no page compression shrinks (xorshift), for the readiness probe.
fn probe_pad() -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..64 * 1024 / 8)
        .flat_map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()
        })
        .collect()
}

/// Applies one write; `Ok(false)` when a guarded statement changed nothing.
async fn apply(tx: &mut Tx, w: &Write, bound: Option<Bound>) -> Result<bool, sqlx::Error> {
    if let Write::InsertShipments(items) = w {
        match bound {
            Some(statements) => {
                for (q, rows) in statements {
                    if q.execute(&mut **tx).await?.rows_affected() < rows {
                        return Ok(false);
                    }
                }
            }
            None => {
                for t in &crate::writes::bulk_tables(items) {
                    if insert_rows(tx, t).await? < t.rows.len() as u64 {
                        return Ok(false);
                    }
                }
            }
        }
        let (events, fan_out) = crate::writes::bulk_events(items);
        if !insert_chained(tx, &events).await? {
            return Ok(false);
        }
        for s in fan_out {
            bind_all(sqlx::query(s.sql), &s.args).execute(&mut **tx).await?;
        }
        return Ok(true);
    }
    for s in statements(w) {
        let n = bind_all(sqlx::query(s.sql), &s.args).execute(&mut **tx).await?.rows_affected();
        if s.guarded && n == 0 {
            return Ok(false);
        }
    }
    Ok(true)
}

impl Store {
    /// One durable commit of one tiny row: the benchmark's baseline.
    pub async fn raw_commit(&self, now: UnixMillis) -> R<()> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await.map_err(db_err)?;
        sqlx::query("insert into bench_commits (at) values ($1)").bind(now.0).execute(&mut *tx).await.map_err(db_err)?;
        tx.commit().await.map_err(db_err)
    }

    /// A list of writes as one statement, its own transaction: one round trip. Two
    /// such statements may lock their rows in different orders; the database then
    /// aborts one of them whole, and it is simply run again.
    async fn commit_one(&self, one: crate::writes::OneStatement) -> Result<DbRow, CommitError> {
        let mut tries = 0;
        loop {
            tries += 1;
            match bind_all(sqlx::query(sqlx::AssertSqlSafe(one.sql.as_str())), &one.args).fetch_one(&self.write).await {
                Ok(row) => return Ok(row),
                Err(e) => {
                    if let Some(i) = refused_guard(&e) {
                        return Err(CommitError::Guard(i));
                    }
                    if is_unique(&e) {
                        return Err(CommitError::Unique);
                    }
                    let again = matches!(&e, sqlx::Error::Database(d) if matches!(d.code().as_deref(), Some("40P01" | "40001")));
                    if !again || tries == 3 {
                        return Err(CommitError::Store(db_err(e)));
                    }
                }
            }
        }
    }

    /// Runs work through the group commit (SQLite) or in a transaction of its own.
    async fn commit_work(&self, work: Work, bound: Option<Bound>) -> Result<AttemptOutcome, CommitError> {
        if let Some(batcher) = &self.batcher {
            let (reply, answer) = tokio::sync::oneshot::channel();
            batcher.send(Job { work, bound, reply }).await.map_err(|_| CommitError::Store(Error::internal("the writer has stopped")))?;
            return answer.await.map_err(|_| CommitError::Store(Error::internal("the writer has stopped")))?;
        }
        let mut tx = self.write.begin_with(BEGIN_WRITE).await.map_err(db_err)?;
        match apply_work(&mut tx, &work, bound).await {
            Ok(outcome) => {
                tx.commit().await.map_err(db_err)?;
                Ok(outcome)
            }
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }

    /// Whether this store can serve: the database answers, and — after a write failed
    /// for want of space — a small write succeeds again (tried at most once a second).
    pub async fn readiness(&self) -> Result<(), Outage> {
        if let Err(e) = sqlx::query("select 1").execute(&self.read).await {
            return Err(crate::outage(&e).unwrap_or(Outage::DatabaseDown));
        }
        if !self.health.disk_full() {
            return Ok(());
        }
        if !self.health.may_probe() {
            return Err(Outage::DiskFull);
        }
        let probe = sqlx::query("insert into health_probe (id, at, pad) values (1, $1, $2) on conflict (id) do update set at = excluded.at, pad = excluded.pad")
            .bind(crate::now_ms())
            .bind(probe_pad())
            .execute(&self.write)
            .await;
        match probe {
            Ok(_) => {
                self.health.set_disk_full(false);
                Ok(())
            }
            Err(e) => Err(crate::outage(&e).unwrap_or(Outage::DiskFull)),
        }
    }

    /// How far the database's clock is ahead of `now` (ms). Only the query is timed:
    /// a wait for a pooled connection (a loaded machine) happens before `now` is read,
    /// so it cannot pass for skew.
    pub async fn clock_offset_ms(&self, now: &(dyn Fn() -> i64 + Send + Sync)) -> R<SkewReading> {
        let mut conn = self.read.acquire().await.map_err(db_err)?;
        let mut read = async || -> R<SkewReading> {
            let before = now();
            let theirs = sqlx::query(DB_NOW_MS).fetch_one(&mut *conn).await.and_then(|r| r.try_get::<i64, _>(0)).map_err(db_err)?;
            Ok(SkewReading::between(before, theirs, now()))
        };
        // Three readings on one connection; the shortest round trip bounds the skew best.
        let mut best = read().await?;
        for _ in 0..2 {
            let reading = read().await?;
            if reading.round_trip_ms() < best.round_trip_ms() {
                best = reading;
            }
        }
        Ok(best)
    }

    /// Waits until the database answers (a server may still be starting).
    pub async fn ping(&self) -> R<()> {
        sqlx::query("select 1").execute(&self.read).await.map_err(db_err)?;
        Ok(())
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }

    /// Test support: how many sessions an account has, live or not.
    pub async fn count_sessions(&self, account: AccountId) -> R<i64> {
        sqlx::query("select count(*) from sessions where account_id = $1").bind(account.0).fetch_one(&self.read).await.and_then(|r| r.try_get::<i64, _>(0)).map_err(db_err)
    }

    /// A client's deliveries that were written whole with a code (F-DLV-6): the code's
    /// hash, sealed copy and expiry, the message naming the delivery, and one `code_sent`
    /// event per such delivery among their accounts' events. Returns (deliveries with
    /// every row, `code_sent` events of those accounts).
    pub async fn count_coded_deliveries(&self, client: ServiceClientId) -> R<(i64, i64)> {
        let whole = sqlx::query(
            "select count(*) from deliveries d join outbox o on o.id = d.code_message_id \
                where d.client_id = $1 and d.code_sealed is not null and d.code_hash is not null and d.code_expires_at is not null and o.delivery_id = d.id",
        )
        .bind(client.0)
        .fetch_one(&self.read)
        .await
        .and_then(|r| r.try_get::<i64, _>(0))
        .map_err(db_err)?;
        let events = sqlx::query("select count(*) from events where kind = 'code_sent' and account_id in (select distinct account_id from deliveries where client_id = $1)")
            .bind(client.0)
            .fetch_one(&self.read)
            .await
            .and_then(|r| r.try_get::<i64, _>(0))
            .map_err(db_err)?;
        Ok((whole, events))
    }

    pub async fn count_outbox(&self, status: &str) -> R<i64> {
        sqlx::query("select count(*) from outbox where status = $1").bind(status).fetch_one(&self.read).await.and_then(|r| r.try_get::<i64, _>(0)).map_err(db_err)
    }

    /// The undelivered messages in one read of the `(status, next_attempt_at)` index.
    pub async fn outbox_backlog(&self) -> R<crate::inspect::OutboxBacklog> {
        let row = sqlx::query("select count(*), min(created_at), min(next_attempt_at) from outbox where status = 'pending'").fetch_one(&self.read).await.map_err(db_err)?;
        let get = |i: usize| row.try_get::<Option<i64>, _>(i).map_err(db_err);
        Ok(crate::inspect::OutboxBacklog { pending: get(0)?.unwrap_or(0), oldest_created_at: get(1)?.map(UnixMillis), oldest_due_at: get(2)?.map(UnixMillis) })
    }

    /// The migrations this binary knows and those the database has applied.
    pub async fn migrations(&self) -> R<crate::inspect::Migrations> {
        let applied = sqlx::query("select version from ninsho_migrations order by version").fetch_all(&self.read).await.map_err(db_err)?;
        let applied = applied.iter().map(|r| r.try_get::<i64, _>(0)).collect::<Result<Vec<_>, _>>().map_err(db_err)?;
        Ok(crate::inspect::Migrations { known: MIGRATIONS.iter().map(|m| m.version).collect(), applied })
    }

    /// Connections open and idle, per pool.
    pub fn pools(&self) -> Vec<crate::inspect::PoolUse> {
        let of = |name: &'static str, p: &Pool<DB>| crate::inspect::PoolUse { pool: name, size: p.size(), idle: p.num_idle(), max: p.options().get_max_connections() };
        vec![of("write", &self.write), of("read", &self.read)]
    }
}

impl ninsho_domain::ports::Store for Store {
    async fn commit(&self, writes: Vec<Write>) -> Result<(), CommitError> {
        let work = Work::Writes(writes);
        let stale = work.stale();
        let r = if ONE_STATEMENT
            && self.batcher.is_none()
            && let Work::Writes(writes) = &work
            && let Some(one) = one_statement(writes)
        {
            self.commit_one(one.notifying(crate::session_cache::notice(&stale))).await.map(|_| ())
        } else {
            let bound = if self.batcher.is_some() && let Work::Writes(writes) = &work { bind_ahead(writes) } else { None };
            self.commit_work(work, bound).await.map(|_| ())
        };
        // Whatever the outcome (a lost connection may hide a commit), this instance
        // stops answering from what the writes may have changed.
        self.cache.drop_stale(&stale);
        self.health.note_write(&r);
        r
    }

    async fn commit_attempt(&self, attempt: CodeAttempt, on_right: Vec<Write>) -> Result<AttemptOutcome, CommitError> {
        let work = Work::Attempt(attempt, on_right);
        let stale = work.stale();
        let r = if ONE_STATEMENT
            && self.batcher.is_none()
            && let Work::Attempt(attempt, on_right) = &work
            && let Some(one) = crate::attempt::one_statement(attempt, on_right)
        {
            match self.commit_one(one.notifying(crate::session_cache::notice(&stale))).await {
                Ok(row) => {
                    let get = |name: &str| row.try_get::<Option<i64>, _>(name).map_err(|e| CommitError::Store(db_err(e)));
                    (|| {
                        let taken = get("attempts")?.map(|n| get("consumed_at").map(|c| (n, c))).transpose()?;
                        let method = get("failed_count")?.map(|n| get("disabled_at").map(|d| (n, d))).transpose()?;
                        Ok(crate::attempt::outcome(taken, method, attempt.now.0))
                    })()
                }
                Err(e) => Err(e),
            }
        } else {
            self.commit_work(work, None).await
        };
        self.cache.drop_stale(&stale);
        self.health.note_write(&r);
        r
    }

    async fn account(&self, id: AccountId) -> R<Option<Account>> {
        let r = sqlx::query("select * from accounts where id = $1").bind(id.0).fetch_optional(&self.read).await.map_err(db_err)?;
        r.as_ref().map(|r| account_row(r, "")).transpose()
    }

    async fn account_by_email(&self, email: &Email) -> R<Option<Account>> {
        let r = sqlx::query("select * from accounts where email = $1").bind(email.as_str()).fetch_optional(&self.read).await.map_err(db_err)?;
        r.as_ref().map(|r| account_row(r, "")).transpose()
    }

    async fn accounts_with_phone(&self, phone: &PhoneE164, limit: i64) -> R<Vec<Account>> {
        let rows = sqlx::query("select * from accounts where id in (select account_id from factors where phone = $1 and verified_at is not null) order by created_at desc limit $2")
            .bind(phone.as_str())
            .bind(limit)
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| account_row(r, "")).collect()
    }

    async fn factors(&self, account: AccountId) -> R<Vec<Factor>> {
        let rows = sqlx::query("select * from factors where account_id = $1 order by created_at, id").bind(account.0).fetch_all(&self.read).await.map_err(db_err)?;
        rows.iter().map(|r| factor_row(r, "")).collect()
    }

    async fn challenge(&self, id: ChallengeId) -> R<Option<Challenge>> {
        let r = sqlx::query("select * from challenges where id = $1").bind(id.0).fetch_optional(&self.read).await.map_err(db_err)?;
        r.as_ref().map(challenge_row).transpose()
    }

    async fn open_challenge(&self, account: AccountId, purpose: Purpose, now: UnixMillis) -> R<Option<Challenge>> {
        let r = sqlx::query("select * from challenges where account_id = $1 and purpose = $2 and consumed_at is null and cancelled_at is null and expires_at > $3 order by created_at desc limit 1")
            .bind(account.0).bind(purpose.as_str()).bind(now.0).fetch_optional(&self.read).await.map_err(db_err)?;
        r.as_ref().map(challenge_row).transpose()
    }

    async fn passed_since(&self, account: AccountId, session: SessionId, purpose: Purpose, since: UnixMillis) -> R<bool> {
        let r = sqlx::query("select 1 from challenges where account_id = $1 and purpose = $2 and consumed_at >= $3 and cancelled_at is null and session_id = $4 limit 1")
            .bind(account.0).bind(purpose.as_str()).bind(since.0).bind(session.0).fetch_optional(&self.read).await.map_err(db_err)?;
        Ok(r.is_some())
    }

    async fn session_by_token(&self, token_hash: &[u8]) -> R<Option<Session>> {
        let r = sqlx::query("select * from sessions where token_hash = $1").bind(token_hash).fetch_optional(&self.read).await.map_err(db_err)?;
        r.as_ref().map(session_row).transpose()
    }

    async fn sessions(&self, account: AccountId) -> R<Vec<Session>> {
        let rows = sqlx::query("select * from sessions where account_id = $1 order by last_seen_at desc").bind(account.0).fetch_all(&self.read).await.map_err(db_err)?;
        rows.iter().map(session_row).collect()
    }

    async fn trusted_browser_by_token(&self, token_hash: &[u8]) -> R<Option<TrustedBrowser>> {
        let r = sqlx::query("select * from trusted_browsers where token_hash = $1").bind(token_hash).fetch_optional(&self.read).await.map_err(db_err)?;
        r.as_ref().map(trusted_row).transpose()
    }

    async fn trusted_browsers(&self, account: AccountId) -> R<Vec<TrustedBrowser>> {
        let rows = sqlx::query("select * from trusted_browsers where account_id = $1 order by created_at desc").bind(account.0).fetch_all(&self.read).await.map_err(db_err)?;
        rows.iter().map(trusted_row).collect()
    }

    async fn events(&self, account: AccountId, limit: i64) -> R<Vec<Event>> {
        let rows = sqlx::query("select * from events where account_id = $1 order by at desc, id desc limit $2").bind(account.0).bind(limit).fetch_all(&self.read).await.map_err(db_err)?;
        rows.iter().map(event_row).collect()
    }

    async fn staff_actions(&self, member: Option<AccountId>, limit: i64) -> R<Vec<(Event, String)>> {
        let rows = sqlx::query("select e.*, a.email as member_email from events e join accounts a on a.id = e.account_id where e.kind = 'staff_acted' and ($1 is null or e.account_id = $1) order by e.at desc, e.id desc limit $2")
            .bind(member.map(|m| m.0))
            .bind(limit)
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| Ok((event_row(r)?, r.try_get::<String, _>("member_email").map_err(db_err)?))).collect()
    }

    async fn challenge_context(&self, id: ChallengeId, device_hash: Option<&[u8]>) -> R<Option<ChallengeContext>> {
        let query = match device_hash {
            Some(d) => sqlx::query(CHALLENGE_CONTEXT).bind(id.0).bind(d),
            None => sqlx::query(CHALLENGE_CONTEXT_NO_DEVICE).bind(id.0),
        };
        let rows = query.fetch_all(&self.read).await.map_err(db_err)?;
        let Some(first) = rows.first() else { return Ok(None) };
        let mut factors = Vec::with_capacity(rows.len());
        for r in &rows {
            if col::<Option<Uuid>>(r, "f_", "id")?.is_some() {
                factors.push(factor_row(r, "f_")?);
            }
        }
        Ok(Some(ChallengeContext {
            challenge: challenge_row(first)?,
            account: account_row(first, "a_")?,
            factors,
            known_device: col(first, "", "known")?,
        }))
    }

    async fn sign_in_context(&self, email: &Email, device_hash: &[u8], failures_since: UnixMillis) -> R<Option<SignInContext>> {
        // Scalar subqueries with `limit 1`, as in CHALLENGE_CONTEXT.
        let r = sqlx::query(
            "select a.*, \
                    (select 1 from events e where e.account_id = a.id and e.kind = 'sign_in' and e.device_hash = $2 limit 1) is not null as known, \
                    (select count(*) from events e where e.account_id = a.id and e.kind = 'wrong_password' and e.at >= $3) as failures \
             from accounts a where a.email = $1",
        )
        .bind(email.as_str()).bind(device_hash).bind(failures_since.0).fetch_optional(&self.read).await.map_err(db_err)?;
        let Some(r) = r else { return Ok(None) };
        Ok(Some(SignInContext { account: account_row(&r, "")?, known_device: col(&r, "", "known")?, recent_failures: col(&r, "", "failures")? }))
    }

    async fn backup_codes_left(&self, account: AccountId) -> R<i64> {
        sqlx::query("select count(*) from backup_codes where account_id = $1 and used_at is null")
            .bind(account.0).fetch_one(&self.read).await.and_then(|r| r.try_get::<i64, _>(0)).map_err(db_err)
    }

    async fn messages(&self, account: AccountId, limit: i64) -> R<Vec<ArchivedMessage>> {
        let rows = sqlx::query("select id, channel, destination, template, created_at, sent_at, status, body, challenge_id, delivery_id from outbox where account_id = $1 order by created_at desc, id desc limit $2")
            .bind(account.0).bind(limit).fetch_all(&self.read).await.map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(ArchivedMessage {
                    id: MessageId(r.try_get("id").map_err(db_err)?),
                    channel: parse_enum(Channel::parse(r.try_get::<&str, _>("channel").map_err(db_err)?), "channel")?,
                    destination: r.try_get("destination").map_err(db_err)?,
                    template: r.try_get("template").map_err(db_err)?,
                    created_at: UnixMillis(r.try_get("created_at").map_err(db_err)?),
                    sent_at: opt_ms(r.try_get("sent_at").map_err(db_err)?),
                    status: r.try_get("status").map_err(db_err)?,
                    body: r.try_get("body").map_err(db_err)?,
                    challenge: r.try_get::<Option<Uuid>, _>("challenge_id").map_err(db_err)?.map(ChallengeId),
                    delivery: r.try_get::<Option<Uuid>, _>("delivery_id").map_err(db_err)?.map(DeliveryId),
                })
            })
            .collect()
    }

    async fn waiting_message(&self, id: MessageId, now: UnixMillis) -> R<Option<(Vec<String>, bool)>> {
        let r = sqlx::query("select quota_keys, lease_until from outbox where id = $1 and status = 'pending'").bind(id.0).fetch_optional(&self.read).await.map_err(db_err)?;
        let Some(r) = r else { return Ok(None) };
        let keys: String = r.try_get(0).map_err(db_err)?;
        let lease: Option<i64> = r.try_get(1).map_err(db_err)?;
        Ok(Some((keys.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect(), lease.is_some_and(|l| l >= now.0))))
    }

    async fn message_status(&self, id: MessageId) -> R<Option<String>> {
        let r = sqlx::query("select status from outbox where id = $1").bind(id.0).fetch_optional(&self.read).await.map_err(db_err)?;
        r.map(|r| r.try_get::<String, _>(0)).transpose().map_err(db_err)
    }

    async fn throttled_until(&self, key: &ThrottleKey, now: UnixMillis) -> R<Option<UnixMillis>> {
        let r = sqlx::query("select blocked_until from password_throttle where key = $1 and blocked_until > $2")
            .bind(key.as_str()).bind(now.0).fetch_optional(&self.read).await.map_err(db_err)?;
        r.map(|r| r.try_get::<i64, _>(0).map(UnixMillis)).transpose().map_err(db_err)
    }

    async fn quota_window_start(&self, key: &str) -> R<Option<UnixMillis>> {
        let r = sqlx::query("select window_start from send_quota where key = $1").bind(key).fetch_optional(&self.read).await.map_err(db_err)?;
        r.map(|r| r.try_get::<i64, _>(0).map(UnixMillis)).transpose().map_err(db_err)
    }

    async fn sms_paused_until(&self, key: &str, now: UnixMillis) -> R<Option<UnixMillis>> {
        let r = sqlx::query("select until from sms_pauses where key = $1 and until > $2").bind(key).bind(now.0).fetch_optional(&self.write).await.map_err(db_err)?;
        r.map(|r| r.try_get::<i64, _>(0).map(UnixMillis)).transpose().map_err(db_err)
    }

    async fn sms_pauses_running(&self, now: UnixMillis) -> R<i64> {
        sqlx::query_scalar("select count(*) from sms_pauses where until > $1").bind(now.0).fetch_one(&self.read).await.map_err(db_err)
    }

    async fn sms_pauses(&self, now: UnixMillis) -> R<Vec<SmsPause>> {
        let rows = sqlx::query("select key, until, paused_at from sms_pauses where until > $1 order by paused_at desc, key").bind(now.0).fetch_all(&self.read).await.map_err(db_err)?;
        rows.iter()
            .map(|r| Ok(SmsPause { key: r.try_get("key")?, until: UnixMillis(r.try_get("until")?), paused_at: UnixMillis(r.try_get("paused_at")?) }))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db_err)
    }

    async fn prune_sms_traffic(&self, before_hour: i64, ended_before: UnixMillis) -> R<u64> {
        let counts = sqlx::query("delete from sms_traffic where hour < $1").bind(before_hour).execute(&self.write).await.map_err(db_err)?.rows_affected();
        let pauses = sqlx::query("delete from sms_pauses where until < $1").bind(ended_before.0).execute(&self.write).await.map_err(db_err)?.rows_affected();
        Ok(counts + pauses)
    }

    async fn reset_request(&self, id: ResetRequestId) -> R<Option<ResetRequest>> {
        let r = sqlx::query("select id, account_id, created_at, status, doc_type, doc_kind, doc_bytes, document, decided_at, reason, reviewer, ip from reset_requests where id = $1")
            .bind(id.0).fetch_optional(&self.read).await.map_err(db_err)?;
        r.map(|r| reset_row(&r)).transpose()
    }

    async fn reset_requests(&self, status: Option<&str>, limit: i64) -> R<Vec<ResetRequest>> {
        let rows = sqlx::query("select id, account_id, created_at, status, doc_type, doc_kind, doc_bytes, case when 1 = 0 then document end as document, decided_at, reason, reviewer, ip from reset_requests where ($1 is null or status = $1) order by created_at limit $2")
            .bind(status).bind(limit).fetch_all(&self.read).await.map_err(db_err)?;
        rows.iter().map(reset_row).collect()
    }

    async fn reset_requests_of(&self, account: AccountId) -> R<Vec<ResetRequest>> {
        let rows = sqlx::query("select id, account_id, created_at, status, doc_type, doc_kind, doc_bytes, case when 1 = 0 then document end as document, decided_at, reason, reviewer, ip from reset_requests where account_id = $1 order by created_at desc limit 50")
            .bind(account.0).fetch_all(&self.read).await.map_err(db_err)?;
        rows.iter().map(reset_row).collect()
    }

    async fn feedback(&self, limit: i64) -> R<Vec<(Feedback, String)>> {
        let rows = sqlx::query("select f.id, f.account_id, f.at, f.topic, f.body, a.email from feedback f join accounts a on a.id = f.account_id order by f.at desc limit $1")
            .bind(limit).fetch_all(&self.read).await.map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let topic: String = r.try_get("topic").map_err(db_err)?;
                let f = Feedback {
                    id: FeedbackId(r.try_get("id").map_err(db_err)?),
                    account_id: AccountId(r.try_get("account_id").map_err(db_err)?),
                    at: UnixMillis(r.try_get("at").map_err(db_err)?),
                    topic: FeedbackTopic::parse(&topic).ok_or_else(|| Error::internal(format!("unknown feedback topic {topic}")))?,
                    text: r.try_get("body").map_err(db_err)?,
                };
                Ok((f, r.try_get("email").map_err(db_err)?))
            })
            .collect()
    }

    async fn service_client_by_secret(&self, secret_hash: &[u8]) -> R<Option<ServiceClient>> {
        let r = sqlx::query(concat!("select id, name, scopes, secret_hash, previous_secret_hash, previous_valid_until, rate_per_minute, created_at, revoked_at, origins from service_clients where secret_hash = $1", " union all select id, name, scopes, secret_hash, previous_secret_hash, previous_valid_until, rate_per_minute, created_at, revoked_at, origins from service_clients where previous_secret_hash = $1"))
            .bind(secret_hash).fetch_optional(&self.read).await.map_err(db_err)?;
        r.map(|r| client_row(&r, "")).transpose()
    }

    /// Answered from the session cache when it can (`session_cache.rs`): a shop asks
    /// on every request it serves.
    async fn service_client_with_session(&self, secret_hash: &[u8], token_hash: &[u8]) -> R<Option<ClientWithSession>> {
        use crate::session_cache::Lookup;
        if self.cache.first_use() {
            start_watch(self);
        }
        let ticket = match self.cache.lookup(secret_hash, token_hash) {
            Lookup::Hit(found) => return Ok(Some(*found)),
            Lookup::Miss(ticket) => ticket,
        };
        let r = sqlx::query(CLIENT_WITH_SESSION).bind(secret_hash).bind(token_hash).fetch_optional(&self.read).await.map_err(db_err)?;
        let Some(r) = r else { return Ok(None) };
        let session = match (col::<Option<Uuid>>(&r, "", "id")?, col::<Option<Uuid>>(&r, "a_", "id")?) {
            (Some(_), Some(_)) => Some((session_row(&r)?, account_row(&r, "a_")?)),
            _ => None,
        };
        let found = ClientWithSession { client: client_row(&r, "c_")?, session };
        if let Some(ticket) = ticket {
            self.cache.keep(ticket, secret_hash, token_hash, &found);
        }
        Ok(Some(found))
    }

    async fn service_clients(&self) -> R<Vec<ServiceClient>> {
        let rows = sqlx::query("select id, name, scopes, secret_hash, previous_secret_hash, previous_valid_until, rate_per_minute, created_at, revoked_at, origins from service_clients order by created_at").fetch_all(&self.read).await.map_err(db_err)?;
        rows.iter().map(|r| client_row(r, "")).collect()
    }

    async fn sign_in_codes_since(&self, account: AccountId, since: UnixMillis) -> R<(i64, Option<UnixMillis>)> {
        let r = sqlx::query(
            "select (select count(*) from outbox o join challenges c on c.id = o.challenge_id \
                     where o.account_id = $1 and o.created_at >= $4 and o.status <> 'superseded' and c.purpose in ($2, $3)), \
             (select codes_warned_at from accounts where id = $1)",
        )
        .bind(account.0)
        .bind(Purpose::SignIn.as_str())
        .bind(Purpose::DeviceSignIn.as_str())
        .bind(since.0)
        .fetch_one(&self.read)
        .await
        .map_err(db_err)?;
        Ok((r.try_get::<i64, _>(0).map_err(db_err)?, opt_ms(r.try_get(1).map_err(db_err)?)))
    }

    async fn open_account_lock(&self, account: AccountId) -> R<Option<AccountLock>> {
        let r = sqlx::query("select * from account_locks where account_id = $1 and ended_at is null").bind(account.0).fetch_optional(&self.read).await.map_err(db_err)?;
        r.as_ref().map(lock_row).transpose()
    }

    async fn due_account_locks(&self, now: UnixMillis, limit: i64) -> R<Vec<AccountLock>> {
        let rows = sqlx::query("select * from account_locks where ended_at is null and until <= $1 order by until limit $2").bind(now.0).bind(limit).fetch_all(&self.read).await.map_err(db_err)?;
        rows.iter().map(lock_row).collect()
    }

    async fn due_twosv_suspensions(&self, now: UnixMillis, limit: i64) -> R<Vec<Account>> {
        let rows = sqlx::query("select * from accounts where twosv_suspended_until <= $1 order by twosv_suspended_until limit $2")
            .bind(now.0)
            .bind(limit)
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| account_row(r, "")).collect()
    }

    async fn courier_client(&self, account: AccountId) -> R<Option<ServiceClientId>> {
        let r = sqlx::query("select client_id from couriers where account_id = $1").bind(account.0).fetch_optional(&self.read).await.map_err(db_err)?;
        r.map(|r| r.try_get::<Uuid, _>(0).map(ServiceClientId).map_err(db_err)).transpose()
    }

    async fn staff_member(&self, account: AccountId) -> R<Option<StaffMember>> {
        let r = sqlx::query("select s.account_id, a.email, s.role, s.added_by, s.added_at from staff s join accounts a on a.id = s.account_id where s.account_id = $1 and s.removed_at is null")
            .bind(account.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db_err)?;
        r.as_ref().map(staff_row).transpose()
    }

    async fn staff_members(&self) -> R<Vec<StaffMember>> {
        let rows = sqlx::query("select s.account_id, a.email, s.role, s.added_by, s.added_at from staff s join accounts a on a.id = s.account_id where s.removed_at is null order by a.email")
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        rows.iter().map(staff_row).collect()
    }

    async fn organisation(&self, id: OrgId) -> R<Option<Organisation>> {
        let r = sqlx::query("select id, name, created_by, created_at from organisations where id = $1").bind(id.0).fetch_optional(&self.read).await.map_err(db_err)?;
        r.as_ref().map(|r| org_row(r, "")).transpose()
    }

    async fn organisations_of(&self, account: AccountId) -> R<Vec<(Organisation, ninsho_domain::organisation::OrgRole)>> {
        let rows = sqlx::query("select o.id, o.name, o.created_by, o.created_at, m.role from org_members m join organisations o on o.id = m.org_id where m.account_id = $1 order by o.name, o.id")
            .bind(account.0)
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| Ok((org_row(r, "")?, org_role(r)?))).collect()
    }

    async fn org_members(&self, org: OrgId) -> R<Vec<OrgMember>> {
        let rows = sqlx::query(
            "select m.account_id, a.email, m.role, m.joined_at, a.twosv_enabled_at from org_members m join accounts a on a.id = m.account_id where m.org_id = $1 \
                order by case m.role when 'owner' then 0 when 'admin' then 1 else 2 end, a.email",
        )
        .bind(org.0)
        .fetch_all(&self.read)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(OrgMember {
                    account_id: AccountId(r.try_get("account_id").map_err(db_err)?),
                    email: r.try_get("email").map_err(db_err)?,
                    role: org_role(r)?,
                    joined_at: UnixMillis(r.try_get("joined_at").map_err(db_err)?),
                    two_step: r.try_get::<Option<i64>, _>("twosv_enabled_at").map_err(db_err)?.is_some(),
                })
            })
            .collect()
    }

    async fn org_invitation(&self, token_hash: &[u8]) -> R<Option<OrgInvitation>> {
        let r = sqlx::query("select * from org_invitations where token_hash = $1").bind(token_hash).fetch_optional(&self.read).await.map_err(db_err)?;
        r.as_ref().map(invitation_row).transpose()
    }

    async fn open_org_invitations(&self, org: OrgId, now: UnixMillis) -> R<Vec<OrgInvitation>> {
        let rows = sqlx::query("select * from org_invitations where org_id = $1 and accepted_at is null and expires_at > $2 order by created_at")
            .bind(org.0)
            .bind(now.0)
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        rows.iter().map(invitation_row).collect()
    }

    async fn org_log(&self, org: OrgId, limit: i64) -> R<Vec<OrgLogEntry>> {
        let rows = sqlx::query("select e.at, e.kind, a.email, e.subject_email, e.detail from org_events e join accounts a on a.id = e.actor_id where e.org_id = $1 order by e.at desc, e.id desc limit $2")
            .bind(org.0)
            .bind(limit)
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind").map_err(db_err)?;
                Ok(OrgLogEntry {
                    at: UnixMillis(r.try_get("at").map_err(db_err)?),
                    kind: EventKind::parse(&kind).ok_or_else(|| Error::internal(format!("stored event kind {kind} is not recognised")))?,
                    actor_email: r.try_get("email").map_err(db_err)?,
                    subject_email: r.try_get("subject_email").map_err(db_err)?,
                    detail: r.try_get("detail").map_err(db_err)?,
                })
            })
            .collect()
    }

    async fn delivery(&self, key: DeliveryKey<'_>) -> R<Option<Delivery>> {
        let r = match key {
            DeliveryKey::Id(id) => sqlx::query("select * from deliveries where id = $1").bind(id.0).fetch_optional(&self.read).await,
            DeliveryKey::HashedWith(c) => sqlx::query("select * from deliveries where code_hashed_with = $1").bind(c.0).fetch_optional(&self.read).await,
            DeliveryKey::Tracking(t) => sqlx::query("select * from deliveries where tracking_id = $1").bind(t).fetch_optional(&self.read).await,
            DeliveryKey::Order { client, order_id } => {
                sqlx::query("select * from deliveries where client_id = $1 and order_id = $2").bind(client.0).bind(order_id).fetch_optional(&self.read).await
            }
        }
        .map_err(db_err)?;
        r.as_ref().map(delivery_row).transpose()
    }

    async fn deliveries_by_orders(&self, client: ServiceClientId, orders: &[String]) -> R<Vec<Delivery>> {
        rows_by_orders(&self.read, client.0, orders).await.map_err(db_err)?.iter().map(delivery_row).collect()
    }

    async fn recipients(&self, accounts: &[AccountId]) -> R<Vec<(Account, Vec<Factor>)>> {
        let mut out = Vec::new();
        for chunk in accounts.chunks(crate::writes::BULK_ROWS) {
            let list = placeholders(1, chunk.len());
            let bind = |sql: String| chunk.iter().fold(sqlx::query(sqlx::AssertSqlSafe(sql)), |q, a| q.bind(a.0));
            let rows = bind(format!("select * from accounts where id in ({list})")).fetch_all(&self.read).await.map_err(db_err)?;
            let phones = bind(format!("select * from factors where kind = 'phone' and account_id in ({list})")).fetch_all(&self.read).await.map_err(db_err)?;
            let mut factors: std::collections::HashMap<AccountId, Vec<Factor>> = std::collections::HashMap::new();
            for r in &phones {
                let f = factor_row(r, "")?;
                factors.entry(f.account_id).or_default().push(f);
            }
            for r in &rows {
                let a = account_row(r, "")?;
                let f = factors.remove(&a.id).unwrap_or_default();
                out.push((a, f));
            }
        }
        Ok(out)
    }

    async fn deliveries_of(&self, account: AccountId, limit: i64) -> R<Vec<Delivery>> {
        let rows = sqlx::query("select * from deliveries where account_id = $1 order by created_at desc limit $2").bind(account.0).bind(limit).fetch_all(&self.read).await.map_err(db_err)?;
        rows.iter().map(delivery_row).collect()
    }

    async fn service_step_up(&self, which: StepUpKey) -> R<Option<ServiceStepUpState>> {
        let (sql, id) = match which {
            StepUpKey::Id(id) => (step_up_state!(" where s.id = $1"), id.0),
            StepUpKey::Challenge(c) => (step_up_state!(" where s.challenge_id = $1"), c.0),
        };
        let r = sqlx::query(sql).bind(id).fetch_optional(&self.read).await.map_err(db_err)?;
        r.as_ref().map(step_up_state_row).transpose()
    }

    async fn release_quotas(&self, prefix: &str) -> R<u64> {
        let r = if prefix.is_empty() {
            sqlx::query("delete from send_quota").execute(&self.write).await
        } else {
            sqlx::query("delete from send_quota where key = $1").bind(prefix).execute(&self.write).await
        };
        Ok(r.map_err(db_err)?.rows_affected())
    }
}

impl OutboxStore for Store {
    async fn claim_outbox(&self, now: UnixMillis, lease_ms: i64, limit: i64) -> R<Vec<OutboxMessage>> {
        // An idle dispatcher only reads: the write lock (one writer on SQLite, shared
        // with every other process on the file) is taken only when there is work.
        let due = sqlx::query("select 1 from outbox where status = 'pending' and next_attempt_at <= $1 and (lease_until is null or lease_until < $1) limit 1")
            .bind(now.0).fetch_optional(&self.read).await.map_err(db_err)?;
        if due.is_none() {
            return Ok(vec![]);
        }
        let mut tx = self.write.begin_with(BEGIN_WRITE).await.map_err(db_err)?;
        let rows = sqlx::query(CLAIM_OUTBOX).bind(now.0).bind(now.0 + lease_ms).bind(limit).fetch_all(&mut *tx).await.map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        rows.iter().map(outbox_row).collect()
    }

    async fn mark_sent(&self, id: MessageId, now: UnixMillis, sealed_body: &[u8]) -> R<()> {
        sqlx::query("update outbox set status = 'sent', sent_at = $2, body = $3, lease_until = null, last_error = null where id = $1 and status = 'pending'")
            .bind(id.0).bind(now.0).bind(sealed_body).execute(&self.write).await.map_err(db_err)?;
        Ok(())
    }

    async fn mark_retry(&self, id: MessageId, next_at: UnixMillis, error: &str) -> R<()> {
        sqlx::query("update outbox set next_attempt_at = $2, last_error = $3, lease_until = null where id = $1 and status = 'pending'")
            .bind(id.0).bind(next_at.0).bind(error).execute(&self.write).await.map_err(db_err)?;
        Ok(())
    }

    async fn mark_failed(&self, id: MessageId, now: UnixMillis, error: &str) -> R<()> {
        let mut tx = self.write.begin_with(BEGIN_WRITE).await.map_err(db_err)?;
        let r = sqlx::query("update outbox set status = 'failed', last_error = $3, lease_until = null, sent_at = null, next_attempt_at = $2 where id = $1 and status = 'pending' returning quota_keys, created_at")
            .bind(id.0).bind(now.0).bind(error).fetch_optional(&mut *tx).await.map_err(db_err)?;
        if let Some(r) = r {
            let keys: String = r.try_get(0).map_err(db_err)?;
            let created: i64 = r.try_get(1).map_err(db_err)?;
            // Give the send back, but only to the window it was charged in.
            for key in keys.lines().filter(|k| !k.is_empty()) {
                sqlx::query("update send_quota set count = count - 1 where key = $1 and window_start <= $2 and count > 0")
                    .bind(key).bind(created).execute(&mut *tx).await.map_err(db_err)?;
            }
        }
        tx.commit().await.map_err(db_err)
    }

    async fn dev_inbox_put(&self, message: MessageId, channel: Channel, destination: &str, body: &str, now: UnixMillis) -> R<()> {
        sqlx::query("insert into dev_inbox (message_id, channel, destination, body, at) values ($1, $2, $3, $4, $5) on conflict (message_id) do nothing")
            .bind(message.0).bind(channel.as_str()).bind(destination).bind(body).bind(now.0).execute(&self.write).await.map_err(db_err)?;
        Ok(())
    }

    async fn dev_inbox(&self, limit: i64) -> R<Vec<DevInboxEntry>> {
        let rows = sqlx::query("select * from dev_inbox order by message_id desc limit $1").bind(limit).fetch_all(&self.read).await.map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(DevInboxEntry {
                    message_id: MessageId(r.try_get("message_id").map_err(db_err)?),
                    channel: parse_enum(Channel::parse(r.try_get::<&str, _>("channel").map_err(db_err)?), "channel")?,
                    destination: r.try_get("destination").map_err(db_err)?,
                    body: r.try_get("body").map_err(db_err)?,
                    at: UnixMillis(r.try_get("at").map_err(db_err)?),
                })
            })
            .collect()
    }
}

fn client_row(r: &DbRow, p: &str) -> R<ServiceClient> {
    let text: &str = col(r, p, "scopes")?;
    let scopes = text.split_whitespace().map(|s| Scope::parse(s).ok_or_else(|| Error::internal(format!("unknown scope {s}")))).collect::<R<Vec<_>>>()?;
    Ok(ServiceClient {
        id: ServiceClientId(col(r, p, "id")?),
        name: col(r, p, "name")?,
        scopes,
        secret_hash: col(r, p, "secret_hash")?,
        previous_secret_hash: col(r, p, "previous_secret_hash")?,
        previous_valid_until: opt_ms(col(r, p, "previous_valid_until")?),
        rate_per_minute: col(r, p, "rate_per_minute")?,
        created_at: UnixMillis(col(r, p, "created_at")?),
        revoked_at: opt_ms(col(r, p, "revoked_at")?),
        origins: col::<&str>(r, p, "origins")?.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect(),
    })
}

fn delivery_row(r: &DbRow) -> R<Delivery> {
    use ninsho_domain::delivery_rules::Rule;
    let text = |name: &str| r.try_get::<String, _>(name).map_err(db_err);
    let currency = text("currency")?;
    let currency = ninsho_domain::money::Currency::parse(&currency).ok_or_else(|| Error::internal(format!("unknown currency {currency}")))?;
    let zone = text("time_zone")?;
    let date = text("delivery_date")?;
    let status = text("status")?;
    Ok(Delivery {
        id: DeliveryId(r.try_get("id").map_err(db_err)?),
        client_id: ServiceClientId(r.try_get("client_id").map_err(db_err)?),
        order_id: text("order_id")?,
        account_id: AccountId(r.try_get("account_id").map_err(db_err)?),
        amount: ninsho_domain::money::Money { minor: r.try_get("amount_minor").map_err(db_err)?, currency },
        categories: text("categories")?.split_whitespace().map(str::to_owned).collect(),
        country: text("country")?,
        time_zone: TimeZoneName::parse(&zone).map_err(|_| Error::internal(format!("unknown zone {zone}")))?,
        carrier: text("carrier")?,
        tracking_id: text("tracking_id")?,
        delivery_date: ninsho_domain::delivery_rules::parse_date(&date).ok_or_else(|| Error::internal(format!("unreadable date {date}")))?,
        address_changed_days_ago: r.try_get("address_changed_days_ago").map_err(db_err)?,
        rules: text("rules")?.split_whitespace().filter_map(Rule::parse).collect(),
        status: parse_enum(DeliveryStatus::parse(&status), "delivery status")?,
        code: delivery_code(r)?,
        courier_id: r.try_get("courier_id").map_err(db_err)?,
        handed_over_at: r.try_get::<Option<i64>, _>("handed_over_at").map_err(db_err)?.map(UnixMillis),
        created_at: UnixMillis(r.try_get("created_at").map_err(db_err)?),
    })
}

/// A delivery's code, when it has one (`code_hash` set).
fn delivery_code(r: &DbRow) -> R<Option<DeliveryCode>> {
    let Some(hash) = r.try_get::<Option<Vec<u8>>, _>("code_hash").map_err(db_err)? else { return Ok(None) };
    let missing = |what: &str| Error::internal(format!("a delivery code without its {what}"));
    Ok(Some(DeliveryCode {
        hash,
        sealed: r.try_get::<Option<Vec<u8>>, _>("code_sealed").map_err(db_err)?.ok_or_else(|| missing("sealed copy"))?,
        valid_until: UnixMillis(r.try_get::<Option<i64>, _>("code_expires_at").map_err(db_err)?.ok_or_else(|| missing("expiry"))?),
        attempts: r.try_get("attempts").map_err(db_err)?,
        message: MessageId(r.try_get::<Option<Uuid>, _>("code_message_id").map_err(db_err)?.ok_or_else(|| missing("message"))?),
        denied_at: r.try_get::<Option<i64>, _>("code_denied_at").map_err(db_err)?.map(UnixMillis),
        hashed_with: r.try_get::<Option<Uuid>, _>("code_hashed_with").map_err(db_err)?,
    }))
}

fn step_up_state_row(r: &DbRow) -> R<ServiceStepUpState> {
    use ninsho_domain::reason::StepUpReason;
    let challenge = challenge_row(r)?;
    let kind: String = r.try_get("su_reason_kind").map_err(db_err)?;
    let amount: Option<i64> = r.try_get("su_amount_minor").map_err(db_err)?;
    let currency: Option<String> = r.try_get("su_currency").map_err(db_err)?;
    let text: Option<String> = r.try_get("su_reason_text").map_err(db_err)?;
    let reason = StepUpReason::from_vars(|k| match k {
        "reason_kind" => Some(kind.clone()),
        "amount_minor" => amount.map(|a| a.to_string()),
        "currency" => currency.clone(),
        "reason_text" => text.clone(),
        _ => None,
    })
    .ok_or_else(|| Error::internal(format!("unreadable step-up reason {kind}")))?;
    Ok(ServiceStepUpState {
        step_up: ServiceStepUp {
            id: ServiceStepUpId(r.try_get("su_id").map_err(db_err)?),
            client_id: ServiceClientId(r.try_get("su_client_id").map_err(db_err)?),
            account_id: challenge.account_id,
            challenge_id: challenge.id,
            reason,
            return_url: r.try_get("su_return_url").map_err(db_err)?,
            weak: r.try_get("su_weak").map_err(db_err)?,
            created_at: UnixMillis(r.try_get("su_created_at").map_err(db_err)?),
            completed_at: r.try_get::<Option<i64>, _>("su_completed_at").map_err(db_err)?.map(UnixMillis),
            method: r.try_get::<Option<&str>, _>("su_method").map_err(db_err)?.and_then(AuthMethod::parse),
        },
        challenge,
    })
}

fn org_row(r: &DbRow, _prefix: &str) -> R<Organisation> {
    Ok(Organisation {
        id: OrgId(r.try_get("id").map_err(db_err)?),
        name: r.try_get("name").map_err(db_err)?,
        created_by: AccountId(r.try_get("created_by").map_err(db_err)?),
        created_at: UnixMillis(r.try_get("created_at").map_err(db_err)?),
    })
}

fn org_role(r: &DbRow) -> R<ninsho_domain::organisation::OrgRole> {
    let role: String = r.try_get("role").map_err(db_err)?;
    ninsho_domain::organisation::OrgRole::parse(&role).ok_or_else(|| Error::internal(format!("stored organisation role {role} is not recognised")))
}

fn invitation_row(r: &DbRow) -> R<OrgInvitation> {
    Ok(OrgInvitation {
        id: OrgInvitationId(r.try_get("id").map_err(db_err)?),
        org_id: OrgId(r.try_get("org_id").map_err(db_err)?),
        email: r.try_get("email").map_err(db_err)?,
        role: org_role(r)?,
        token_hash: r.try_get("token_hash").map_err(db_err)?,
        invited_by: AccountId(r.try_get("invited_by").map_err(db_err)?),
        created_at: UnixMillis(r.try_get("created_at").map_err(db_err)?),
        expires_at: UnixMillis(r.try_get("expires_at").map_err(db_err)?),
        accepted_at: r.try_get::<Option<i64>, _>("accepted_at").map_err(db_err)?.map(UnixMillis),
    })
}

fn staff_row(r: &DbRow) -> R<StaffMember> {
    let role: String = r.try_get("role").map_err(db_err)?;
    Ok(StaffMember {
        account_id: AccountId(r.try_get("account_id").map_err(db_err)?),
        email: r.try_get("email").map_err(db_err)?,
        role: ninsho_domain::staff::StaffRole::parse(&role).ok_or_else(|| Error::internal(format!("stored staff role {role} is not recognised")))?,
        added_by: r.try_get("added_by").map_err(db_err)?,
        added_at: UnixMillis(r.try_get("added_at").map_err(db_err)?),
    })
}
