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
    }
}

fn challenge(account: AccountId, now: UnixMillis) -> Challenge {
    Challenge {
        id: ChallengeId::new(),
        account_id: account,
        purpose: Purpose::SignIn,
        factor_id: None,
        code_hash: Some(vec![7; 32]),
        code_expires_at: Some(now.plus_secs(600)),
        created_at: now,
        expires_at: now.plus_secs(600),
        attempts: 0,
        consumed_at: None,
        cancelled_at: None,
        session_id: None,
        ip: None,
        user_agent: None,
        device_name: None,
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
        stepped_up_at: None,
        revoked_at: None,
    }
}

fn sign_in_event(account: AccountId, now: UnixMillis, device: &[u8]) -> Write {
    Write::InsertEvent(Event {
        id: EventId::new(),
        account_id: Some(account),
        at: now,
        kind: "sign_in".into(),
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

        // A verification's list: consume with the wrong hash (guard 0 refuses).
        let s1 = session(a.id, now);
        let list = |hash: Vec<u8>, s: &Session| {
            vec![
                Write::ConsumeChallengeCode { challenge: ch.id, code_hash: hash, now, max_attempts: 5 },
                Write::InsertSession(s.clone()),
                Write::TouchSignIn { account: a.id, now },
                sign_in_event(a.id, now, b"device"),
            ]
        };
        let r = db.commit(list(vec![0; 32], &s1)).await;
        assert!(matches!(r, Err(CommitError::Guard(0))), "{b:?}: {r:?}");
        assert_eq!(db.count_sessions(a.id).await.unwrap(), 0, "{b:?}: the refused list left a session");
        assert_eq!(db.account(a.id).await.unwrap().unwrap().last_sign_in_at, None, "{b:?}");
        assert!(db.events(a.id, 10).await.unwrap().is_empty(), "{b:?}");

        // A refused guard after writes that did apply undoes them too.
        let s2 = session(a.id, now);
        let r = db.commit(vec![Write::InsertSession(s2.clone()), Write::SetSteppedUp { session: SessionId::new(), now }]).await;
        assert!(matches!(r, Err(CommitError::Guard(1))), "{b:?}: {r:?}");
        assert_eq!(db.count_sessions(a.id).await.unwrap(), 0, "{b:?}");

        // The right hash: everything lands, once.
        db.commit(list(vec![7; 32], &s1)).await.unwrap();
        assert_eq!(db.count_sessions(a.id).await.unwrap(), 1, "{b:?}");
        assert_eq!(db.account(a.id).await.unwrap().unwrap().last_sign_in_at, Some(now), "{b:?}");
        let again = db.commit(list(vec![7; 32], &session(a.id, now))).await;
        assert!(matches!(again, Err(CommitError::Guard(0))), "{b:?}: a code is used once: {again:?}");

        // A taken token is a unique refusal, and nothing else of the list stays.
        let mut dup = session(a.id, now);
        dup.token_hash = s1.token_hash.clone();
        let r = db.commit(vec![sign_in_event(a.id, now, b"other"), Write::InsertSession(dup)]).await;
        assert!(matches!(r, Err(CommitError::Unique)), "{b:?}: {r:?}");
        assert_eq!(db.events(a.id, 10).await.unwrap().len(), 1, "{b:?}");

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
        let ctx = db.challenge_context(ch.id, b"device").await.unwrap().unwrap();
        assert_eq!((ctx.challenge.id, ctx.account.id, ctx.factors.len(), ctx.known_device), (ch.id, a.id, 0, false), "{b:?}");
        let (second, first) = (factor(FactorKind::BackupCodes, 20), factor(FactorKind::Totp, 10));
        db.commit(vec![Write::InsertFactor(second.clone()), Write::InsertFactor(first.clone()), sign_in_event(a.id, now, b"device")]).await.unwrap();
        let ctx = db.challenge_context(ch.id, b"device").await.unwrap().unwrap();
        let ids: Vec<FactorId> = ctx.factors.iter().map(|f| f.id).collect();
        assert_eq!(ids, vec![first.id, second.id], "{b:?}: oldest method first");
        assert_eq!((ctx.factors[0].failed_count, ctx.factors[0].secret.clone()), (2, Some(vec![1, 2, 3])), "{b:?}");
        assert_eq!(ctx.account.email.as_str(), a.email.as_str(), "{b:?}");
        assert!(ctx.known_device, "{b:?}");
        assert!(!db.challenge_context(ch.id, b"elsewhere").await.unwrap().unwrap().known_device, "{b:?}");
        assert!(db.challenge_context(ChallengeId::new(), b"device").await.unwrap().is_none(), "{b:?}");
        db.close().await;
    }
}
