//! F-INT-2's read cache: a shop asks "is this session real?" on every request it
//! serves, so the client and the session are kept in memory, and every write that
//! could change the answer drops them again.
//!
//! What keeps it honest:
//! - `stale` says, for every `Write` (an exhaustive match: a new write does not
//!   compile until it is classified), which cached rows it makes wrong.
//! - This instance drops them as soon as its commit returns (read-your-writes). Other
//!   instances hear it from PostgreSQL: the commit itself carries a `pg_notify` (in the
//!   same statement or transaction), so no write can land without its notice.
//! - A read from the database is cached only if nothing was dropped meanwhile (the
//!   `epoch`): a read that raced a commit is answered but not kept.
//! - The cache answers only while a watcher has recently proven it hears every change:
//!   on PostgreSQL, a heartbeat this instance sent came back through its own `LISTEN`
//!   connection (notices arrive in commit order, so everything committed before the
//!   heartbeat was applied first); on SQLite, the table of notices read in commit order
//!   showed what other processes (the CLI, say) committed. A watcher that
//!   falls silent — a cut connection, a stalled database — lets the lease run out and
//!   every request goes to the database again: a missed notice costs at most `LEASE`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ninsho_domain::ports::{Account, ClientWithSession, ServiceClient, Session, Write};
use ninsho_domain::types::{AccountId, SessionId};

/// The PostgreSQL channel instances tell each other on.
pub(crate) const CHANNEL: &str = "ninsho_cache";
/// How long after its last proof of hearing every change the cache may still answer.
pub(crate) const LEASE: Duration = Duration::from_secs(1);
/// How often a watcher proves it again.
pub(crate) const BEAT: Duration = Duration::from_millis(200);
/// How long a listening connection may stay silent — not even a heartbeat — before it
/// is taken for cut and opened again.
const SILENCE: Duration = Duration::from_secs(5);
/// A bound on what a change made behind ninsho's back (an operator's own SQL) can cost.
const MAX_AGE: Duration = Duration::from_secs(60);
/// Sessions kept at most; past it an arbitrary one makes room.
const MAX_SESSIONS: usize = 100_000;
/// A notice longer than this says "everything" instead (PostgreSQL's limit is 8,000 bytes).
const MAX_PAYLOAD: usize = 7_000;

/// What a write makes wrong in the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stale {
    /// The account's row, so every cached session of it.
    Account(AccountId),
    Session(SessionId),
    /// Any service client's row.
    Clients,
    Everything,
}

/// The columns an introspection reads, and the writes that change them: a session's
/// revocation and step-up (its expiry and sign-in methods never change), an account's
/// 2SV, language, zone and lock, a client's secrets and state. Only these tell the other
/// instances: on PostgreSQL a commit that notifies takes a lock every notifying commit
/// waits for, so the hot writes of a sign-in (its time, say) must not. The cached
/// rows' other columns may therefore be old, and nothing reads them from the cache.
pub(crate) fn stale(w: &Write) -> Option<Stale> {
    match w {
        Write::SetLocale { account, .. }
        | Write::SetTimeZone { account, .. }
        | Write::SetTwoSv { account, .. }
        | Write::SuspendTwoSv { account, .. }
        | Write::ResumeTwoSv { account, .. }
        | Write::RevokeSession { account, .. }
        | Write::RevokeSessionsOf { account, .. }
        | Write::EndWeakStepUps { account }
        | Write::EndAccountLock { account, .. } => Some(Stale::Account(*account)),
        Write::InsertAccountLock(l) => Some(Stale::Account(l.account_id)),
        Write::SetSteppedUp { session, .. } => Some(Stale::Session(*session)),
        Write::RotateServiceClient { .. } | Write::RevokeServiceClient { .. } | Write::SetServiceClientOrigins { .. } => Some(Stale::Clients),
        // Columns introspection does not read.
        Write::SetPassword { .. }
        | Write::RehashPassword { .. }
        | Write::MarkEmailVerified { .. }
        | Write::SetEmail { .. }
        | Write::SetPreferred { .. }
        | Write::SetSigninAlerts { .. }
        | Write::TouchSignIn { .. }
        | Write::CredentialsChanged { .. }
        | Write::TouchSession { .. } => None,
        // New rows: nothing cached names them (unknown tokens and secrets are not kept).
        Write::InsertAccount(_) | Write::InsertSession(_) | Write::InsertServiceClient(_) => None,
        Write::MovePasswordThrottle { .. }
        | Write::InsertFactor(_)
        | Write::VerifyFactor { .. }
        | Write::DeleteFactor { .. }
        | Write::DeleteFactorsOf { .. }
        | Write::ReplaceBackupCodes { .. }
        | Write::InsertChallenge(_)
        | Write::SetChallengeCode { .. }
        | Write::SupersedeMessage { .. }
        | Write::ConsumeChallenge { .. }
        | Write::CancelChallenge { .. }
        | Write::MarkChallengeDenied { .. }
        | Write::AdvanceTotpStep { .. }
        | Write::ConsumeBackupCode { .. }
        | Write::ResetFactorFailures { .. }
        | Write::InsertTrustedBrowser(_)
        | Write::RevokeTrustedBrowser { .. }
        | Write::RevokeTrustedBrowsersOf { .. }
        | Write::TouchTrustedBrowser { .. }
        | Write::InsertEvent(_)
        | Write::InsertOutbox(_)
        | Write::ChargeQuota { .. }
        | Write::ChargeSmsTraffic { .. }
        | Write::PauseSms { .. }
        | Write::LiftSmsPause { .. }
        | Write::TakePasswordTry { .. }
        | Write::ReturnPasswordTries { .. }
        | Write::PasswordAccepted { .. }
        | Write::InsertResetRequest(_)
        | Write::InsertFeedback(_)
        | Write::InsertServiceStepUp(_)
        | Write::CompleteServiceStepUp { .. }
        | Write::InsertWebhookEndpoint(_)
        | Write::RemoveWebhookEndpoint { .. }
        | Write::InsertDelivery(_)
        | Write::SetDeliveryCode { .. }
        | Write::RescheduleDelivery { .. }
        | Write::DenyDelivery { .. }
        | Write::HoldDelivery { .. }
        | Write::InsertCourier { .. }
        | Write::InsertStaff { .. }
        | Write::SetStaffRole { .. }
        | Write::RemoveStaff { .. }
        | Write::InsertOrganisation { .. }
        | Write::InsertOrgInvitation(_)
        | Write::AcceptOrgInvitation { .. }
        | Write::SetOrgRole { .. }
        | Write::RemoveOrgMember { .. }
        | Write::InsertOrgEvent(_)
        | Write::InsertShipments(_)
        | Write::DecideResetRequest { .. }
        | Write::CancelChallengesOf { .. }
        | Write::SupersedeCodesOf { .. }
        | Write::WarnUnsolicitedCodes { .. }
        // OpenID Connect's own rows: its tokens are not the sessions cached here.
        | Write::InsertOidcClient(_)
        | Write::RemoveOidcClient { .. }
        | Write::InsertSigningKey(_)
        | Write::RetireSigningKey { .. }
        | Write::InsertOidcRequest(_)
        | Write::UseOidcRequest { .. }
        | Write::InsertOidcCode(_)
        | Write::ConsumeOidcCode { .. }
        | Write::InsertOidcToken(_)
        | Write::RevokeOidcGrant { .. }
        | Write::InsertOidcRefresh(_)
        | Write::UseOidcRefresh { .. } => None,
    }
}

/// What a list of writes makes wrong, each once.
pub(crate) fn stale_of<'a>(writes: impl IntoIterator<Item = &'a Write>) -> Vec<Stale> {
    let mut out: Vec<Stale> = Vec::new();
    for s in writes.into_iter().filter_map(stale) {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// The notice other instances read: `a<uuid>`, `s<uuid>`, `c`, `*`, comma-separated.
pub(crate) fn notice(stale: &[Stale]) -> Option<String> {
    if stale.is_empty() {
        return None;
    }
    let text = stale
        .iter()
        .map(|s| match s {
            Stale::Account(a) => format!("a{}", a.0),
            Stale::Session(s) => format!("s{}", s.0),
            Stale::Clients => "c".to_string(),
            Stale::Everything => "*".to_string(),
        })
        .collect::<Vec<_>>()
        .join(",");
    Some(if text.len() > MAX_PAYLOAD { "*".to_string() } else { text })
}

/// A notice read back. Anything unreadable counts as everything: a notice is never ignored.
fn read_notice(text: &str) -> Vec<Stale> {
    let mut out = Vec::new();
    for part in text.split(',') {
        let parsed = match part.split_at_checked(1) {
            Some(("a", id)) => uuid::Uuid::parse_str(id).ok().map(|u| Stale::Account(AccountId(u))),
            Some(("s", id)) => uuid::Uuid::parse_str(id).ok().map(|u| Stale::Session(SessionId(u))),
            Some(("c", "")) => Some(Stale::Clients),
            _ => None,
        };
        match parsed {
            Some(s) => out.push(s),
            None => return vec![Stale::Everything],
        }
    }
    out
}

/// A database read's place in the cache's history: kept only if nothing was dropped
/// since it began.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ticket(u64);

#[derive(Default)]
struct Inner {
    /// Bumped by every drop and every loss of the watcher.
    epoch: u64,
    /// The watcher hears changes (and has since the cache was last emptied).
    live: bool,
    /// When the last proof began: everything committed before it has been applied.
    proven_at: Option<Instant>,
    /// By the hash of the secret they were found by (current or previous).
    clients: HashMap<Vec<u8>, (ServiceClient, Instant)>,
    /// By token hash.
    sessions: HashMap<Vec<u8>, (Session, Account, Instant)>,
}

impl Inner {
    fn drop_all(&mut self) {
        self.epoch += 1;
        self.clients.clear();
        self.sessions.clear();
    }

    fn answers(&self, now: Instant) -> bool {
        self.live && self.proven_at.is_some_and(|t| now.saturating_duration_since(t) < LEASE)
    }
}

/// How the cache has answered so far (F-OPS-4: read at scrape time, per instance).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Answered from memory.
    pub hits: u64,
    /// Read from the database while the cache was live (then kept, unless a commit raced it).
    pub misses: u64,
    /// Read from the database because the cache could not vouch for itself.
    pub bypasses: u64,
    /// Whether the cache answers now.
    pub live: bool,
}

#[derive(Default)]
pub struct SessionCache {
    inner: Mutex<Inner>,
    hits: AtomicU64,
    misses: AtomicU64,
    bypasses: AtomicU64,
    /// A random id for this cache's heartbeats, and whether its watcher was started.
    heart: std::sync::OnceLock<uuid::Uuid>,
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionCache")
    }
}

/// What the cache can say about a (secret, token) pair.
pub(crate) enum Lookup {
    Hit(Box<ClientWithSession>),
    /// Read it from the database, then `keep` it with this ticket.
    Miss(Option<Ticket>),
}

impl SessionCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while the lock was held may have left a half-applied drop: start empty.
        self.inner.lock().unwrap_or_else(|poisoned| {
            let mut g = poisoned.into_inner();
            g.drop_all();
            g
        })
    }

    /// Whether this is the first call (the caller then starts the watcher).
    pub(crate) fn first_use(&self) -> bool {
        let mut first = false;
        self.heart.get_or_init(|| {
            first = true;
            uuid::Uuid::new_v4()
        });
        first
    }

    pub(crate) fn heart(&self) -> uuid::Uuid {
        *self.heart.get_or_init(uuid::Uuid::new_v4)
    }

    pub(crate) fn lookup(&self, secret_hash: &[u8], token_hash: &[u8]) -> Lookup {
        let now = Instant::now();
        let g = self.lock();
        if !g.answers(now) {
            self.bypasses.fetch_add(1, Ordering::Relaxed);
            return Lookup::Miss(None);
        }
        let fresh = |at: &Instant| now.saturating_duration_since(*at) < MAX_AGE;
        match (g.clients.get(secret_hash), g.sessions.get(token_hash)) {
            (Some((c, ca)), Some((s, a, sa))) if fresh(ca) && fresh(sa) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                Lookup::Hit(Box::new(ClientWithSession { client: c.clone(), session: Some((s.clone(), a.clone())) }))
            }
            _ => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                Lookup::Miss(Some(Ticket(g.epoch)))
            }
        }
    }

    pub fn stats(&self) -> CacheStats {
        let live = self.lock().answers(Instant::now());
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CacheStats { hits: get(&self.hits), misses: get(&self.misses), bypasses: get(&self.bypasses), live }
    }

    /// Keeps what a database read found, unless something was dropped since its ticket.
    pub(crate) fn keep(&self, ticket: Ticket, secret_hash: &[u8], token_hash: &[u8], read: &ClientWithSession) {
        let now = Instant::now();
        let mut g = self.lock();
        if !g.live || g.epoch != ticket.0 {
            return;
        }
        g.clients.insert(secret_hash.to_vec(), (read.client.clone(), now));
        if let Some((s, a)) = &read.session {
            if g.sessions.len() >= MAX_SESSIONS
                && !g.sessions.contains_key(token_hash)
                && let Some(victim) = g.sessions.keys().next().cloned()
            {
                g.sessions.remove(&victim);
            }
            g.sessions.insert(token_hash.to_vec(), (s.clone(), a.clone(), now));
        }
    }

    pub(crate) fn drop_stale(&self, stale: &[Stale]) {
        if stale.is_empty() {
            return;
        }
        let mut g = self.lock();
        g.epoch += 1;
        for s in stale {
            match *s {
                Stale::Account(id) => g.sessions.retain(|_, (_, a, _)| a.id != id),
                Stale::Session(id) => g.sessions.retain(|_, (s, _, _)| s.id != id),
                Stale::Clients => g.clients.clear(),
                Stale::Everything => g.drop_all(),
            }
        }
    }

    /// A notice from another instance (or this one's own, echoed).
    pub(crate) fn heard(&self, text: &str) {
        self.drop_stale(&read_notice(text));
    }

    /// The watcher proved, with a check that began at `began`, that every change
    /// committed before then has been applied. The first proof after a loss starts
    /// from an empty cache: what was read while nobody listened is not trusted.
    pub(crate) fn proven(&self, began: Instant) {
        let mut g = self.lock();
        if !g.live {
            g.drop_all();
            g.live = true;
        }
        if g.proven_at.is_none_or(|t| t < began) {
            g.proven_at = Some(began);
        }
    }

    /// The watcher may have missed changes: nothing cached is answered or kept until
    /// it proves itself again.
    pub(crate) fn lost(&self) {
        let mut g = self.lock();
        if g.live {
            tracing::warn!("the session cache stopped hearing changes: introspections read the database until it hears them again");
        }
        g.live = false;
        g.proven_at = None;
        g.drop_all();
    }
}

/// Heartbeats carry the cache's own id and the moment they were sent, in
/// milliseconds since `origin`.
pub(crate) fn heartbeat(heart: uuid::Uuid, origin: Instant) -> String {
    format!("h{heart}:{}", origin.elapsed().as_millis())
}

/// The moment one of our own heartbeats was sent, or `None` for any other notice.
pub(crate) fn own_heartbeat(text: &str, heart: uuid::Uuid, origin: Instant) -> Option<Option<Instant>> {
    let rest = text.strip_prefix('h')?;
    let (id, ms) = rest.split_once(':')?;
    if uuid::Uuid::parse_str(id).ok()? != heart {
        return Some(None);
    }
    Some(ms.parse::<u64>().ok().map(|ms| origin + Duration::from_millis(ms)))
}

/// Notices older than this many are pruned from SQLite's table.
const KEEP_NOTICES: i64 = 10_000;

/// Drops all but the newest notices, whether or not this process watches them (a
/// server nobody introspects through still writes them).
pub(crate) async fn prune_notices(write: &sqlx::SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::query("delete from cache_notices where seq < (select max(seq) from cache_notices) - $1").bind(KEEP_NOTICES).execute(write).await.map(|_| ())
}

/// SQLite: reads the notices other processes (and this one) committed, in commit
/// order. A read that began at `began` and saw every seq since the last proves every
/// change committed before `began` was applied.
pub(crate) async fn watch_sqlite(read: sqlx::SqlitePool, write: sqlx::SqlitePool, cache: std::sync::Arc<SessionCache>) {
    use sqlx::Row;
    let mut last: Option<i64> = None;
    let mut beat = tokio::time::interval(BEAT);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut polls: u64 = 0;
    while !read.is_closed() {
        beat.tick().await;
        let began = Instant::now();
        let step: Result<(), sqlx::Error> = async {
            match last {
                // From the newest on, with nothing cached (`proven` empties it).
                None => {
                    let newest: i64 = sqlx::query("select coalesce(max(seq), 0) from cache_notices").fetch_one(&read).await?.try_get(0)?;
                    last = Some(newest);
                }
                Some(seen) => {
                    let rows = sqlx::query("select seq, notice from cache_notices where seq > $1 order by seq").bind(seen).fetch_all(&read).await?;
                    let mut expect = seen + 1;
                    for r in &rows {
                        let seq: i64 = r.try_get(0)?;
                        if seq != expect {
                            // Pruned before we read it: what it said is unknown.
                            cache.drop_stale(&[Stale::Everything]);
                        }
                        cache.heard(r.try_get::<&str, _>(1)?);
                        expect = seq + 1;
                    }
                    last = Some(expect - 1);
                }
            }
            Ok(())
        }
        .await;
        match step {
            Ok(()) => cache.proven(began),
            Err(e) => {
                if !read.is_closed() {
                    tracing::warn!(error = %e, "reading the session cache's notices failed");
                }
                last = None;
                cache.lost();
            }
        }
        polls += 1;
        if polls.is_multiple_of(1_000) {
            let _ = prune_notices(&write).await;
        }
    }
}

/// PostgreSQL: applies every notice as it arrives on a `LISTEN` connection of its own,
/// and proves the connection hears by sending itself heartbeats through the pool.
pub(crate) async fn watch_postgres(pool: sqlx::PgPool, cache: std::sync::Arc<SessionCache>) {
    let heart = cache.heart();
    let origin = Instant::now();
    let beats = {
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut beat = tokio::time::interval(BEAT);
            beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            while !pool.is_closed() {
                beat.tick().await;
                // A beat that fails proves nothing; the lease runs out by itself.
                let _ = sqlx::query("select pg_notify($1, $2)").bind(CHANNEL).bind(heartbeat(heart, origin)).execute(&pool).await;
            }
        })
    };
    while !pool.is_closed() {
        let listener = async {
            let mut l = sqlx::postgres::PgListener::connect_with(&pool).await?;
            l.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(l)
        };
        let mut listener = match listener.await {
            Ok(l) => l,
            Err(e) => {
                if !pool.is_closed() {
                    tracing::warn!(error = %e, "the session cache cannot listen for changes");
                }
                cache.lost();
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        loop {
            // A connection cut without a reset never errors: silence stands for it.
            let Ok(heard) = tokio::time::timeout(SILENCE, listener.try_recv()).await else {
                cache.lost();
                break;
            };
            match heard {
                Ok(Some(n)) => match own_heartbeat(n.payload(), heart, origin) {
                    Some(Some(sent)) => cache.proven(sent),
                    Some(None) => {}
                    None => cache.heard(n.payload()),
                },
                // The connection was lost (notices meanwhile with it), or the pool closed.
                Ok(None) | Err(_) => {
                    if pool.is_closed() {
                        return beats.abort();
                    }
                    cache.lost();
                    break;
                }
            }
        }
    }
    beats.abort();
}

#[cfg(test)]
mod tests {
    use super::*;
    use ninsho_domain::types::*;

    fn pair() -> ClientWithSession {
        let now = UnixMillis(1);
        let account = AccountId::new();
        ClientWithSession {
            client: ServiceClient {
                id: ServiceClientId::new(),
                name: "shop".into(),
                scopes: vec![Scope::SessionsRead],
                secret_hash: vec![1],
                previous_secret_hash: None,
                previous_valid_until: None,
                rate_per_minute: 10,
                created_at: now,
                revoked_at: None,
                origins: vec![],
            },
            session: Some((
                Session {
                    id: SessionId::new(),
                    account_id: account,
                    token_hash: vec![2],
                    created_at: now,
                    last_seen_at: now,
                    expires_at: UnixMillis(i64::MAX),
                    ip: None,
                    user_agent: None,
                    device_name: None,
                    auth_methods: vec![AuthMethod::Password],
                    stepped_up_at: None,
                    step_up_method: None,
                    revoked_at: None,
                },
                Account {
                    id: account,
                    email: ninsho_domain::email::Email::from_stored("a@example.com".into()),
                    password_hash: String::new(),
                    locale: Locale::Ja,
                    created_at: now,
                    email_verified_at: None,
                    last_sign_in_at: None,
                    credentials_changed_at: None,
                    twosv_enabled_at: None,
                    preferred_factor: None,
                    signin_alerts: true,
                    time_zone: None,
                    locked_until: None,
                    twosv_suspended_until: None,
                },
            )),
        }
    }

    fn ticket(c: &SessionCache) -> Ticket {
        match c.lookup(&[1], &[2]) {
            Lookup::Miss(Some(t)) => t,
            Lookup::Miss(None) => panic!("the cache does not answer"),
            Lookup::Hit(_) => panic!("a hit before anything was kept"),
        }
    }

    fn hit(c: &SessionCache) -> bool {
        matches!(c.lookup(&[1], &[2]), Lookup::Hit(_))
    }

    #[test]
    fn f_int_2_nothing_is_answered_before_the_watcher_proves_it_hears() {
        let c = SessionCache::default();
        assert!(matches!(c.lookup(&[1], &[2]), Lookup::Miss(None)));
        c.proven(Instant::now());
        let t = ticket(&c);
        c.keep(t, &[1], &[2], &pair());
        assert!(hit(&c));
    }

    #[test]
    fn f_int_2_a_read_that_raced_a_drop_is_not_kept() {
        let c = SessionCache::default();
        c.proven(Instant::now());
        let t = ticket(&c);
        // A commit lands while the read is under way.
        c.drop_stale(&[Stale::Account(AccountId::new())]);
        c.keep(t, &[1], &[2], &pair());
        assert!(!hit(&c));
    }

    #[test]
    fn f_int_2_a_drop_removes_the_accounts_sessions_and_the_sessions_own() {
        let c = SessionCache::default();
        c.proven(Instant::now());
        let p = pair();
        let (session, account) = p.session.as_ref().map(|(s, a)| (s.id, a.id)).unwrap();
        for stale in [Stale::Account(account), Stale::Session(session), Stale::Everything] {
            let t = ticket(&c);
            c.keep(t, &[1], &[2], &p);
            assert!(hit(&c));
            c.drop_stale(&[stale]);
            assert!(!hit(&c), "{stale:?} left the session");
        }
        let t = ticket(&c);
        c.keep(t, &[1], &[2], &p);
        c.heard(&notice(&[Stale::Clients]).unwrap());
        assert!(!hit(&c), "the client stayed");
        // Another account's change leaves this one alone.
        let t = ticket(&c);
        c.keep(t, &[1], &[2], &p);
        c.drop_stale(&[Stale::Account(AccountId::new())]);
        assert!(hit(&c));
    }

    #[test]
    fn f_int_2_after_a_loss_nothing_is_answered_and_the_next_proof_starts_empty() {
        let c = SessionCache::default();
        c.proven(Instant::now());
        let t = ticket(&c);
        c.keep(t, &[1], &[2], &pair());
        c.lost();
        assert!(matches!(c.lookup(&[1], &[2]), Lookup::Miss(None)));
        c.proven(Instant::now());
        assert!(!hit(&c));
    }

    #[test]
    fn f_int_2_the_lease_runs_out_without_a_new_proof() {
        let c = SessionCache::default();
        let long_ago = Instant::now().checked_sub(LEASE * 2).unwrap();
        c.proven(long_ago);
        assert!(matches!(c.lookup(&[1], &[2]), Lookup::Miss(None)));
        c.proven(Instant::now());
        assert!(matches!(c.lookup(&[1], &[2]), Lookup::Miss(Some(_))));
    }

    #[test]
    fn f_int_2_notices_read_back_and_unreadable_ones_drop_everything() {
        let a = AccountId::new();
        let s = SessionId::new();
        let text = notice(&[Stale::Account(a), Stale::Session(s), Stale::Clients]).unwrap();
        assert_eq!(read_notice(&text), vec![Stale::Account(a), Stale::Session(s), Stale::Clients]);
        assert_eq!(read_notice("x"), vec![Stale::Everything]);
        assert_eq!(read_notice("anot-a-uuid"), vec![Stale::Everything]);
        let many: Vec<Stale> = (0..300).map(|_| Stale::Account(AccountId::new())).collect();
        assert_eq!(notice(&many).as_deref(), Some("*"));
        assert_eq!(notice(&[]), None);
    }

    #[test]
    fn f_int_2_only_our_own_heartbeats_prove_anything() {
        let origin = Instant::now();
        let me = uuid::Uuid::new_v4();
        let beat = heartbeat(me, origin);
        assert!(matches!(own_heartbeat(&beat, me, origin), Some(Some(_))));
        assert!(matches!(own_heartbeat(&beat, uuid::Uuid::new_v4(), origin), Some(None)));
        assert!(own_heartbeat("c", me, origin).is_none());
    }

    #[test]
    fn f_int_2_a_revocation_a_step_up_and_a_rotation_make_the_cache_stale() {
        let now = UnixMillis(1);
        let account = AccountId::new();
        let session = SessionId::new();
        let writes = vec![
            Write::RevokeSession { account, session, now },
            Write::RevokeSessionsOf { account, except: None, now },
            Write::SetSteppedUp { session, method: AuthMethod::Totp, now },
            Write::SetTwoSv { account, enabled_at: None },
            Write::RevokeServiceClient { id: ServiceClientId::new(), now },
            Write::TouchSession { session, now },
        ];
        assert_eq!(stale_of(&writes), vec![Stale::Account(account), Stale::Session(session), Stale::Clients]);
    }
}
