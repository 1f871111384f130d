//! The store's commit rules, on both backends: a list of writes lands whole or not at
//! all, and a refused guard is named by its index. On PostgreSQL the hot lists run as
//! one statement (storage `writes::one_statement`), so these prove that path too.

use super::*;
use ninsho_domain::email::Email;
use ninsho_domain::ports::*;
use ninsho_domain::types::*;

fn account(now: UnixMillis) -> Account {
    Account {
        id: AccountId::new(),
        email: Email::parse(&unique_email()).unwrap(),
        password_hash: "$argon2id$v=19$m=64,t=2,p=1$c2FsdHNhbHQ$aGFzaA".into(),
        locale: Locale::En,
        created_at: now,
        email_verified_at: Some(now),
        last_sign_in_at: None,
        credentials_changed_at: None,
        twosv_enabled_at: None,
        preferred_factor: None,
        signin_alerts: false,
        time_zone: None,
        locked_until: None,
        twosv_suspended_until: None,
    }
}

fn challenge(account: AccountId, now: UnixMillis) -> Challenge {
    Challenge {
        code_hash: Some(vec![7; 32]),
        code_expires_at: Some(now.plus_secs(600)),
        ..Challenge::open(ChallengeId::new(), account, Purpose::SignIn, now, now.plus_secs(600))
    }
}

fn session(account: AccountId, now: UnixMillis) -> Session {
    Session {
        id: SessionId::new(),
        account_id: account,
        token_hash: uuid::Uuid::new_v4().as_bytes().to_vec(),
        created_at: now,
        last_seen_at: now,
        expires_at: now.plus_secs(3600),
        ip: None,
        user_agent: None,
        device_name: None,
        auth_methods: vec![AuthMethod::Password],
        stepped_up_at: None,
        step_up_method: None,
        revoked_at: None,
    }
}

fn sign_in_event(account: AccountId, now: UnixMillis, device: &[u8]) -> Write {
    Write::InsertEvent(Event {
        id: EventId::new(),
        account_id: Some(account),
        at: now,
        kind: EventKind::SignIn,
        ip: None,
        user_agent: None,
        device_hash: Some(device.to_vec()),
        detail: String::new(),
        unfamiliar: false,
    })
}

const NOW: UnixMillis = UnixMillis(1_800_000_000_000);

/// A fresh store on this backend holding one account with an open sign-in challenge.
async fn with_open_challenge(b: Backend, now: UnixMillis) -> (TestDb, Db, Account, Challenge) {
    let fresh = fresh_db(b).await.unwrap();
    let db = Db::connect(&fresh.url).await.unwrap();
    let a = account(now);
    let ch = challenge(a.id, now);
    db.commit(vec![Write::InsertAccount(a.clone()), Write::InsertChallenge(ch.clone())]).await.unwrap();
    (fresh, db, a, ch)
}

#[tokio::test]
async fn f_ops_2_a_write_list_lands_whole_or_not_at_all_and_names_the_refused_guard() {
    for b in backends().await {
        let (_fresh, db, a, ch) = with_open_challenge(b, NOW).await;
        let now = NOW;

        // A verification: a wrong hash is counted (with its event), and nothing of what
        // the right one would unlock lands.
        let s1 = session(a.id, now);
        let attempt = |hash: Vec<u8>| CodeAttempt {
            on: Attempted::Challenge(ch.id),
            check: CodeCheck::SentHash(hash),
            now,
            max_attempts: 5,
            method: None,
            on_wrong: vec![sign_in_event(a.id, now, b"wrong")],
        };
        let unlocks = |s: &Session| vec![Write::InsertSession(s.clone()), Write::TouchSignIn { account: a.id, now }, sign_in_event(a.id, now, b"device")];
        let r = db.commit_attempt(attempt(vec![0; 32]), unlocks(&s1)).await.unwrap();
        assert!(matches!(r, AttemptOutcome::Wrong(FailureCount { challenge_attempts: 1, .. })), "{b:?}: {r:?}");
        assert_eq!(db.count_sessions(a.id).await.unwrap(), 0, "{b:?}: a wrong code left a session");
        assert_eq!(db.account(a.id).await.unwrap().unwrap().last_sign_in_at, None, "{b:?}");
        assert_eq!(db.events(a.id, 10).await.unwrap().len(), 1, "{b:?}: the wrong code's event");

        // A refused guard among the unlocked writes undoes the attempt with them.
        let s2 = session(a.id, now);
        let r = db.commit_attempt(attempt(vec![7; 32]), vec![Write::InsertSession(s2.clone()), Write::SetSteppedUp { session: SessionId::new(), method: AuthMethod::Sms, now }]).await;
        assert!(matches!(r, Err(CommitError::Guard(1))), "{b:?}: {r:?}");
        assert_eq!(db.count_sessions(a.id).await.unwrap(), 0, "{b:?}");
        let open = db.challenge(ch.id).await.unwrap().unwrap();
        assert_eq!((open.attempts, open.consumed_at), (1, None), "{b:?}");
        let r = db.commit(vec![Write::InsertSession(s2.clone()), Write::SetSteppedUp { session: SessionId::new(), method: AuthMethod::Sms, now }]).await;
        assert!(matches!(r, Err(CommitError::Guard(1))), "{b:?}: a plain list too: {r:?}");

        // The right hash: everything lands, once.
        assert_eq!(db.commit_attempt(attempt(vec![7; 32]), unlocks(&s1)).await.unwrap(), AttemptOutcome::Accepted, "{b:?}");
        assert_eq!(db.count_sessions(a.id).await.unwrap(), 1, "{b:?}");
        assert_eq!(db.account(a.id).await.unwrap().unwrap().last_sign_in_at, Some(now), "{b:?}");
        let again = db.commit_attempt(attempt(vec![7; 32]), unlocks(&session(a.id, now))).await.unwrap();
        assert_eq!(again, AttemptOutcome::Closed, "{b:?}: a code is used once");
        assert_eq!(db.events(a.id, 10).await.unwrap().len(), 2, "{b:?}: a closed challenge writes nothing");

        // A taken token is a unique refusal, and nothing else of the list stays.
        let mut dup = session(a.id, now);
        dup.token_hash = s1.token_hash.clone();
        let r = db.commit(vec![sign_in_event(a.id, now, b"other"), Write::InsertSession(dup)]).await;
        assert!(matches!(r, Err(CommitError::Unique)), "{b:?}: {r:?}");
        assert_eq!(db.events(a.id, 10).await.unwrap().len(), 2, "{b:?}");

        // Sign-in time is kept to the minute: a burst does not queue on the account row.
        let later = UnixMillis(now.0 + 30_000);
        db.commit(vec![Write::TouchSignIn { account: a.id, now: later }]).await.unwrap();
        assert_eq!(db.account(a.id).await.unwrap().unwrap().last_sign_in_at, Some(now), "{b:?}");
        let much_later = UnixMillis(now.0 + 61_000);
        db.commit(vec![Write::TouchSignIn { account: a.id, now: much_later }]).await.unwrap();
        assert_eq!(db.account(a.id).await.unwrap().unwrap().last_sign_in_at, Some(much_later), "{b:?}");
        db.close().await;
    }
}

#[tokio::test]
async fn f_otp_1_a_code_check_reads_challenge_account_methods_and_device_in_one_query() {
    for b in backends().await {
        let (_fresh, db, a, ch) = with_open_challenge(b, NOW).await;
        let now = NOW;
        let factor = |kind: FactorKind, at: i64| Factor {
            id: FactorId::new(),
            account_id: a.id,
            kind,
            phone: None,
            channel: None,
            secret: Some(vec![1, 2, 3]),
            created_at: UnixMillis(at),
            verified_at: Some(UnixMillis(at)),
            last_used_step: None,
            failed_count: 2,
            disabled_at: None,
            replaces: None,
        };
        let ctx = db.challenge_context(ch.id, Some(b"device")).await.unwrap().unwrap();
        assert_eq!((ctx.challenge.id, ctx.account.id, ctx.factors.len(), ctx.known_device), (ch.id, a.id, 0, false), "{b:?}");
        let (second, first) = (factor(FactorKind::BackupCodes, 20), factor(FactorKind::Totp, 10));
        db.commit(vec![Write::InsertFactor(second.clone()), Write::InsertFactor(first.clone()), sign_in_event(a.id, now, b"device")]).await.unwrap();
        let ctx = db.challenge_context(ch.id, Some(b"device")).await.unwrap().unwrap();
        let ids: Vec<FactorId> = ctx.factors.iter().map(|f| f.id).collect();
        assert_eq!(ids, vec![first.id, second.id], "{b:?}: oldest method first");
        assert_eq!((ctx.factors[0].failed_count, ctx.factors[0].secret.clone()), (2, Some(vec![1, 2, 3])), "{b:?}");
        assert_eq!(ctx.account.email.as_str(), a.email.as_str(), "{b:?}");
        assert!(ctx.known_device, "{b:?}");
        assert!(!db.challenge_context(ch.id, Some(b"elsewhere")).await.unwrap().unwrap().known_device, "{b:?}");
        // Without a device the same read, with no known-device answer.
        let bare = db.challenge_context(ch.id, None).await.unwrap().unwrap();
        assert_eq!((bare.challenge.id, bare.account.id, bare.factors.len(), bare.known_device), (ch.id, a.id, 2, false), "{b:?}");
        assert!(db.challenge_context(ChallengeId::new(), Some(b"device")).await.unwrap().is_none(), "{b:?}");
        db.close().await;
    }
}

/// On PostgreSQL a hot list commits as one statement without a transaction around it,
/// so two such statements may lock rows in opposite orders. The database then aborts
/// one of them whole (a deadlock), and the store runs it again: the caller sees
/// success, once. Here the other party is a plain transaction that holds the first
/// row and then asks for the row the store's statement already holds.
#[tokio::test]
async fn f_ops_2_a_one_statement_commit_aborted_by_a_deadlock_is_run_again() {
    use sqlx::{Connection, Row};
    for b in backends().await {
        if b != Backend::Postgres {
            continue;
        }
        let (fresh, db, a, _) = with_open_challenge(b, NOW).await;
        let (first, second) = (session(a.id, NOW), session(a.id, NOW));
        db.commit(vec![Write::InsertSession(first.clone()), Write::InsertSession(second.clone())]).await.unwrap();

        let mut watch = sqlx::PgConnection::connect(&fresh.url).await.unwrap();
        let deadlocks = async |c: &mut sqlx::PgConnection| -> i64 {
            sqlx::query("select pg_stat_clear_snapshot()").execute(&mut *c).await.unwrap();
            sqlx::query("select deadlocks from pg_stat_database where datname = current_database()").fetch_one(&mut *c).await.unwrap().get(0)
        };
        let before = deadlocks(&mut watch).await;

        let mut other = sqlx::PgConnection::connect(&fresh.url).await.unwrap();
        // The store's statement waits first, so with the default one-second timeout it
        // is the one that finds the cycle and is aborted.
        sqlx::query("set deadlock_timeout = '10s'").execute(&mut other).await.unwrap();
        sqlx::query("begin").execute(&mut other).await.unwrap();
        sqlx::query("update sessions set last_seen_at = 1 where id = $1").bind(first.id.0).execute(&mut other).await.unwrap();

        let later = NOW.plus_secs(60);
        let store = db.clone();
        let (s1, s2) = (first.id, second.id);
        let touch = tokio::spawn(async move {
            // PostgreSQL runs the unread sub-statements last first: this list takes the
            // second row, then waits for the first.
            store.commit(vec![Write::TouchSession { session: s1, now: later }, Write::TouchSession { session: s2, now: later }]).await
        });
        // Wait until the store's statement holds the second row and waits for the first.
        let mut waiting = false;
        for _ in 0..500 {
            let n: i64 = sqlx::query("select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'")
                .fetch_one(&mut watch)
                .await
                .unwrap()
                .get(0);
            if n > 0 {
                waiting = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(waiting, "the store's statement never waited for the held row");
        // This closes the cycle if the store's statement holds the second row: then
        // this update waits until PostgreSQL aborts that statement (after one second).
        let asked = std::time::Instant::now();
        sqlx::query("update sessions set last_seen_at = 2 where id = $1").bind(second.id.0).execute(&mut other).await.unwrap();
        let blocked = asked.elapsed();
        sqlx::query("commit").execute(&mut other).await.unwrap();
        assert!(blocked >= std::time::Duration::from_millis(500), "no deadlock formed ({blocked:?}): the test did not exercise the retry");

        touch.await.unwrap().expect("the aborted statement is run again and succeeds");
        let seen: Vec<i64> = sqlx::query("select last_seen_at from sessions where id = any($1) order by last_seen_at")
            .bind(vec![first.id.0, second.id.0])
            .fetch_all(&mut watch)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(seen, vec![later.0, later.0], "the retried statement wrote both rows, after the other transaction");
        // PostgreSQL counts the deadlock once its backend reports, within ~10 s.
        let mut counted = false;
        for _ in 0..150 {
            if deadlocks(&mut watch).await > before {
                counted = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(counted, "PostgreSQL counted no deadlock");
        db.close().await;
    }
}

/// F-SIGNIN-3/5: a sign-in reads once before the hash, known address or not: the
/// account with whether this device signed in before and its recent wrong passwords.
#[tokio::test]
async fn f_signin_3_the_sign_in_read_gives_the_account_with_its_risk_facts() {
    for b in backends().await {
        let (_fresh, db, a, _) = with_open_challenge(b, NOW).await;
        let wrong = |at: UnixMillis| {
            Write::InsertEvent(Event {
                id: EventId::new(),
                account_id: Some(a.id),
                at,
                kind: EventKind::WrongPassword,
                ip: None,
                user_agent: None,
                device_hash: None,
                detail: String::new(),
                unfamiliar: false,
            })
        };
        let since = NOW.minus_secs(600);
        let found = db.sign_in_context(&a.email, b"device", since).await.unwrap().unwrap();
        assert_eq!((found.account.id, found.known_device, found.recent_failures), (a.id, false, 0), "{b:?}");
        db.commit(vec![sign_in_event(a.id, NOW, b"device"), wrong(NOW.minus_secs(60)), wrong(NOW.minus_secs(120)), wrong(NOW.minus_secs(3600))]).await.unwrap();
        let found = db.sign_in_context(&a.email, b"device", since).await.unwrap().unwrap();
        assert_eq!((found.known_device, found.recent_failures), (true, 2), "{b:?}: only failures inside the window count");
        assert!(!db.sign_in_context(&a.email, b"elsewhere", since).await.unwrap().unwrap().known_device, "{b:?}");
        let nobody = Email::parse("nobody@example.com").unwrap();
        assert!(db.sign_in_context(&nobody, b"device", since).await.unwrap().is_none(), "{b:?}");
        db.close().await;
    }
}

/// F-MSG-3: a code message keeps the challenge it was sent for, through the outbox
/// and into the message center, so a real code can be tied to its request.
#[tokio::test]
async fn f_msg_3_a_code_message_keeps_its_challenge_from_outbox_to_message_center() {
    for b in backends().await {
        let (_fresh, db, a, ch) = with_open_challenge(b, NOW).await;
        let message = |challenge: Option<ChallengeId>| OutboxMessage {
            id: MessageId::new(),
            account_id: Some(a.id),
            template: "sign-in-code".into(),
            channel: Channel::Sms,
            destination: "+819012345678".into(),
            locale: Locale::En,
            payload: vec![1, 2, 3],
            created_at: NOW,
            quota_keys: vec![],
            attempts: 0,
            challenge,
            delivery: None,
        };
        let (with, without) = (message(Some(ch.id)), message(None));
        db.commit(vec![Write::InsertOutbox(with.clone()), Write::InsertOutbox(without.clone())]).await.unwrap();
        let claimed = db.claim_outbox(NOW.plus_secs(1), 30_000, 10).await.unwrap();
        let of = |id: MessageId| claimed.iter().find(|m| m.id == id).map(|m| m.challenge);
        assert_eq!((of(with.id), of(without.id)), (Some(Some(ch.id)), Some(None)), "{b:?}");
        let archived = db.messages(a.id, 10).await.unwrap();
        let of = |id: MessageId| archived.iter().find(|m| m.id == id).map(|m| m.challenge);
        assert_eq!((of(with.id), of(without.id)), (Some(Some(ch.id)), Some(None)), "{b:?}");
        db.close().await;
    }
}

#[tokio::test]
async fn f_acc_6_a_pending_address_is_kept_on_its_challenge_and_an_address_is_one_account_s() {
    for b in backends().await {
        let (_fresh, db, a, _) = with_open_challenge(b, NOW).await;
        let other = account(NOW);
        db.commit(vec![Write::InsertAccount(other.clone())]).await.unwrap();
        let wanted = Email::parse(&unique_email()).unwrap();
        let ch = Challenge { new_email: Some(wanted.clone()), ..Challenge::open(ChallengeId::new(), a.id, Purpose::ChangeEmail, NOW, NOW.plus_secs(600)) };
        db.commit(vec![Write::InsertChallenge(ch.clone())]).await.unwrap();
        let read = db.challenge_context(ch.id, None).await.unwrap().unwrap().challenge;
        assert_eq!((read.purpose, read.new_email.as_ref()), (Purpose::ChangeEmail, Some(&wanted)), "{b:?}");

        db.commit(vec![Write::SetEmail { account: a.id, email: wanted.clone(), now: NOW.plus_secs(1) }]).await.unwrap();
        let changed = db.account(a.id).await.unwrap().unwrap();
        assert_eq!((changed.email, changed.email_verified_at), (wanted.clone(), Some(NOW.plus_secs(1))));
        // A second account cannot take the address; nothing of its list is written.
        let refused = db.commit(vec![Write::SetLocale { account: other.id, locale: Locale::Ja }, Write::SetEmail { account: other.id, email: wanted.clone(), now: NOW }]).await;
        assert!(matches!(refused, Err(CommitError::Unique)), "{b:?}: {refused:?}");
        let unchanged = db.account(other.id).await.unwrap().unwrap();
        assert_eq!((unchanged.email, unchanged.locale), (other.email.clone(), Locale::En));
        assert_eq!(db.account_by_email(&wanted).await.unwrap().map(|x| x.id), Some(a.id));
    }
}

#[tokio::test]
async fn f_acc_6_password_tries_move_to_the_new_address_keeping_the_stricter_state() {
    for b in backends().await {
        let (_fresh, db, _, _) = with_open_challenge(b, NOW).await;
        let policy = ninsho_domain::Policy::default().throttle;
        let (from, to) = (ThrottleKey::account(b"old address"), ThrottleKey::account(b"new address"));
        // The old address is past its free tries and waiting; the new one has one try.
        for _ in 0..=policy.account_free {
            db.commit(vec![Write::TakePasswordTry { key: from.clone(), now: NOW, policy }]).await.unwrap();
        }
        db.commit(vec![Write::TakePasswordTry { key: to.clone(), now: NOW, policy }]).await.unwrap();
        let waiting = db.throttled_until(&from, NOW).await.unwrap();
        assert!(waiting.is_some_and(|t| t > NOW), "{b:?}: {waiting:?}");
        assert_eq!(db.throttled_until(&to, NOW).await.unwrap(), None);

        db.commit(vec![Write::MovePasswordThrottle { from: from.clone(), to: to.clone() }]).await.unwrap();
        assert_eq!(db.throttled_until(&to, NOW).await.unwrap(), waiting, "{b:?}: the wait follows");
        assert_eq!(db.throttled_until(&from, NOW).await.unwrap(), None, "{b:?}: the old address is free");
        // Moving from an address with no tries leaves the new one as it was.
        db.commit(vec![Write::MovePasswordThrottle { from: ThrottleKey::account(b"never tried"), to: to.clone() }]).await.unwrap();
        assert_eq!(db.throttled_until(&to, NOW).await.unwrap(), waiting);
    }
}
