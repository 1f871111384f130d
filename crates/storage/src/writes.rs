//! Every `Write` as SQL statements with their arguments, written once for both dialects
//! (both take `$n` placeholders). A store runs them in a transaction, or, on
//! PostgreSQL, folds a whole list into one statement (`one_statement`).

use ninsho_domain::ports::Write;
use ninsho_domain::types::AuthMethod;
use uuid::Uuid;

/// A session's sign-in methods as stored: `amr` values separated by spaces.
pub(crate) fn auth_methods_text(methods: &[AuthMethod]) -> String {
    methods.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(" ")
}

/// A value bound to a statement. Every kind is nullable; `Some` binds like the bare value.
#[derive(Clone, Debug)]
pub(crate) enum Arg {
    Uuid(Option<Uuid>),
    Int(Option<i64>),
    Bytes(Option<Vec<u8>>),
    Text(Option<String>),
    Bool(bool),
}

macro_rules! arg_from {
    ($($t:ty => |$v:ident| $e:expr;)*) => { $(impl From<$t> for Arg { fn from($v: $t) -> Arg { $e } })* };
}
arg_from! {
    Uuid => |v| Arg::Uuid(Some(v));
    Option<Uuid> => |v| Arg::Uuid(v);
    i64 => |v| Arg::Int(Some(v));
    Option<i64> => |v| Arg::Int(v);
    Vec<u8> => |v| Arg::Bytes(Some(v));
    &[u8] => |v| Arg::Bytes(Some(v.to_vec()));
    Option<Vec<u8>> => |v| Arg::Bytes(v);
    String => |v| Arg::Text(Some(v));
    &str => |v| Arg::Text(Some(v.to_string()));
    Option<String> => |v| Arg::Text(v);
    Option<&str> => |v| Arg::Text(v.map(str::to_string));
    bool => |v| Arg::Bool(v);
}

macro_rules! args {
    ($($a:expr),* $(,)?) => { vec![$(Arg::from($a)),*] };
}

/// One statement of a write. A `guarded` statement must change a row, or the whole
/// list is refused (`CommitError::Guard`).
#[derive(Debug)]
pub(crate) struct Stmt {
    pub sql: &'static str,
    pub args: Vec<Arg>,
    pub guarded: bool,
}

fn guarded(sql: &'static str, args: Vec<Arg>) -> Vec<Stmt> {
    vec![Stmt { sql, args, guarded: true }]
}

fn always(sql: &'static str, args: Vec<Arg>) -> Vec<Stmt> {
    vec![Stmt { sql, args, guarded: false }]
}

/// The statements of one write, in order. Updates of a row that must exist are
/// guarded, so a write against a vanished row refuses the list instead of doing nothing.
pub(crate) fn statements(w: &Write) -> Vec<Stmt> {
    let ms = |t: Option<ninsho_domain::types::UnixMillis>| t.map(|t| t.0);
    match w {
        Write::InsertAccount(a) => guarded(
            "insert into accounts (id, email, password_hash, locale, created_at, email_verified_at, last_sign_in_at, credentials_changed_at, twosv_enabled_at, preferred_factor, signin_alerts, time_zone, locked_until) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            args![a.id.0, a.email.as_str(), a.password_hash.as_str(), a.locale.as_str(), a.created_at.0, ms(a.email_verified_at), ms(a.last_sign_in_at),
                ms(a.credentials_changed_at), ms(a.twosv_enabled_at), a.preferred_factor.map(|f| f.0), a.signin_alerts,
                a.time_zone.as_ref().map(|z| z.as_str().to_string()), ms(a.locked_until)],
        ),
        Write::InsertAccountLock(l) => {
            let mut v = guarded(
                "insert into account_locks (id, account_id, reason, locked_by, locked_at, until) values ($1, $2, $3, $4, $5, $6)",
                args![l.id.0, l.account_id.0, l.reason.as_str(), l.locked_by.as_str(), l.locked_at.0, l.until.0],
            );
            v.extend(guarded("update accounts set locked_until = $2 where id = $1", args![l.account_id.0, l.until.0]));
            // An application's tokens answer for the account as its sessions do.
            v.extend(always("update oidc_tokens set revoked_at = $2 where account_id = $1 and revoked_at is null", args![l.account_id.0, l.locked_at.0]));
            v
        }
        Write::EndAccountLock { lock, account, by, now, end } => {
            let mut v = guarded("update account_locks set ended_at = $2, ended_by = $3 where id = $1 and ended_at is null", args![lock.0, now.0, by.as_str()]);
            v.extend(always("update accounts set locked_until = null where id = $1", args![account.0]));
            let made_before_end = args![account.0, now.0, end.0];
            v.extend(always("update sessions set revoked_at = $2 where account_id = $1 and revoked_at is null and created_at < $3", made_before_end.clone()));
            v.extend(always("update trusted_browsers set revoked_at = $2 where account_id = $1 and revoked_at is null and created_at < $3", made_before_end.clone()));
            v.extend(always("update oidc_tokens set revoked_at = $2 where account_id = $1 and revoked_at is null and created_at < $3", made_before_end));
            v
        }
        // A parcel's code is no challenge and stays: after the investigation the shop
        // can send it again.
        Write::CancelChallengesOf { account, now } => always(
            "update challenges set cancelled_at = $2 where account_id = $1 and consumed_at is null and cancelled_at is null",
            args![account.0, now.0],
        ),
        Write::WarnUnsolicitedCodes { account, now, every_secs } => guarded(
            "update accounts set codes_warned_at = $2 where id = $1 and (codes_warned_at is null or codes_warned_at <= $2 - $3)",
            args![account.0, now.0, every_secs * 1000],
        ),
        Write::SupersedeCodesOf { account } => always(
            "update outbox set status = 'superseded', lease_until = null where account_id = $1 and status = 'pending' and (challenge_id is not null or delivery_id is not null)",
            args![account.0],
        ),
        Write::SetSigninAlerts { account, on } => guarded("update accounts set signin_alerts = $2 where id = $1", args![account.0, *on]),
        Write::SetLocale { account, locale } => guarded("update accounts set locale = $2 where id = $1", args![account.0, locale.as_str()]),
        Write::SetTimeZone { account, zone } => {
            guarded("update accounts set time_zone = $2 where id = $1", args![account.0, zone.as_ref().map(|z| z.as_str().to_string())])
        }
        Write::SetPassword { account, hash, .. } => guarded("update accounts set password_hash = $2 where id = $1", args![account.0, hash.as_str()]),
        Write::RehashPassword { account, old, hash } => {
            always("update accounts set password_hash = $3 where id = $1 and password_hash = $2", args![account.0, old.as_str(), hash.as_str()])
        }
        Write::MarkEmailVerified { account, now } => always("update accounts set email_verified_at = $2 where id = $1 and email_verified_at is null", args![account.0, now.0]),
        Write::SetEmail { account, email, now } => {
            guarded("update accounts set email = $2, email_verified_at = $3 where id = $1", args![account.0, email.as_str(), now.0])
        }
        // The stricter of the two states: a delay running on either address keeps running.
        Write::MovePasswordThrottle { from, to } => vec![
            Stmt {
                sql: "insert into password_throttle (key, tries, window_start, blocked_until) select $2, tries, window_start, blocked_until from password_throttle where key = $1 \
                    on conflict (key) do update set \
                      tries = case when excluded.tries > password_throttle.tries then excluded.tries else password_throttle.tries end, \
                      window_start = case when excluded.window_start > password_throttle.window_start then excluded.window_start else password_throttle.window_start end, \
                      blocked_until = case when excluded.blocked_until > password_throttle.blocked_until then excluded.blocked_until else password_throttle.blocked_until end",
                args: args![from.as_str(), to.as_str()],
                guarded: false,
            },
            Stmt { sql: "delete from password_throttle where key = $1", args: args![from.as_str()], guarded: false },
        ],
        Write::SetTwoSv { account, enabled_at } => guarded("update accounts set twosv_enabled_at = $2, twosv_suspended_until = null where id = $1", args![account.0, ms(*enabled_at)]),
        // `was` stands in as 0 for no pause: a pause never ends at the epoch.
        Write::SuspendTwoSv { account, until, was } => guarded(
            "update accounts set twosv_suspended_until = $2 where id = $1 and twosv_enabled_at is not null and coalesce(twosv_suspended_until, 0) = $3",
            args![account.0, until.0, was.map_or(0, |t| t.0)],
        ),
        Write::ResumeTwoSv { account, until } => guarded("update accounts set twosv_suspended_until = null where id = $1 and twosv_suspended_until = $2", args![account.0, until.0]),
        Write::SetPreferred { account, factor } => guarded("update accounts set preferred_factor = $2 where id = $1", args![account.0, factor.map(|f| f.0)]),
        // Kept to the minute (F-SIGNIN-3, `SIGN_IN_TIME_GRAIN_MS`). Unguarded: the
        // session inserted beside it already needs the account (foreign key).
        Write::TouchSignIn { account, now } => always(
            "update accounts set last_sign_in_at = $2 where id = $1 and (last_sign_in_at is null or last_sign_in_at <= $2 - $3)",
            args![account.0, now.0, ninsho_domain::ports::SIGN_IN_TIME_GRAIN_MS],
        ),
        Write::CredentialsChanged { account, now } => {
            let mut v = guarded("update accounts set credentials_changed_at = $2 where id = $1", args![account.0, now.0]);
            v.extend(revoke_oidc_of(account, *now));
            v
        }
        Write::InsertFactor(f) => guarded(
            "insert into factors (id, account_id, kind, phone, channel, secret, created_at, verified_at, last_used_step, failed_count, disabled_at, replaces) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            args![f.id.0, f.account_id.0, f.kind.as_str(), f.phone.as_ref().map(|p| p.as_str()), f.channel.map(|c| c.as_str()), f.secret.clone(), f.created_at.0,
                ms(f.verified_at), f.last_used_step, f.failed_count, ms(f.disabled_at), f.replaces.map(|r| r.0)],
        ),
        Write::VerifyFactor { factor, now } => guarded("update factors set verified_at = $2 where id = $1 and verified_at is null", args![factor.0, now.0]),
        Write::DeleteFactor { account, factor } => always("delete from factors where id = $2 and account_id = $1", args![account.0, factor.0]),
        Write::DeleteFactorsOf { account } => always("delete from factors where account_id = $1", args![account.0]),
        Write::ReplaceBackupCodes { account, hashes } => {
            let mut v = always("delete from backup_codes where account_id = $1", args![account.0]);
            for h in hashes {
                v.extend(always("insert into backup_codes (account_id, code_hash, used_at) values ($1, $2, null)", args![account.0, h.as_slice()]));
            }
            v
        }
        Write::InsertChallenge(ch) => guarded(
            "insert into challenges (id, account_id, purpose, factor_id, code_hash, code_expires_at, created_at, expires_at, attempts, consumed_at, cancelled_at, session_id, ip, user_agent, device_name, new_email) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            args![ch.id.0, ch.account_id.0, ch.purpose.as_str(), ch.factor_id.map(|f| f.0), ch.code_hash.clone(), ms(ch.code_expires_at), ch.created_at.0,
                ch.expires_at.0, ch.attempts, ms(ch.consumed_at), ms(ch.cancelled_at), ch.session_id.map(|s| s.0), ch.ip.clone(), ch.user_agent.clone(),
                ch.device_name.clone(), ch.new_email.as_ref().map(|e| e.as_str())],
        ),
        Write::SetChallengeCode { challenge, factor, code_hash, code_expires_at, message, now } => guarded(
            "update challenges set code_hash = $2, factor_id = $3, code_expires_at = $4, code_message_id = $6 where id = $1 and consumed_at is null and cancelled_at is null and expires_at > $5",
            args![challenge.0, code_hash.as_slice(), factor.map(|f| f.0), code_expires_at.0, now.0, message.0],
        ),
        Write::SupersedeMessage { message, .. } => {
            guarded("update outbox set status = 'superseded', lease_until = null where id = $1 and status = 'pending'", args![message.0])
        }
        Write::ConsumeChallenge { challenge, now, max_attempts } => guarded(
            "update challenges set consumed_at = $2 where id = $1 and consumed_at is null and cancelled_at is null and expires_at > $2 and attempts < $3",
            args![challenge.0, now.0, *max_attempts],
        ),
        Write::CancelChallenge { challenge, now } => {
            guarded("update challenges set cancelled_at = $2 where id = $1 and consumed_at is null and cancelled_at is null", args![challenge.0, now.0])
        }
        Write::MarkChallengeDenied { challenge, now } => guarded("update challenges set cancelled_at = $2 where id = $1 and cancelled_at is null", args![challenge.0, now.0]),
        Write::AdvanceTotpStep { factor, step } => {
            guarded("update factors set last_used_step = $2, failed_count = 0 where id = $1 and (last_used_step is null or last_used_step < $2)", args![factor.0, *step])
        }
        Write::ConsumeBackupCode { account, code_hash, now } => guarded(
            "update backup_codes set used_at = $3 where account_id = $1 and code_hash = $2 and used_at is null",
            args![account.0, code_hash.as_slice(), now.0],
        ),
        Write::ResetFactorFailures { factor } => always("update factors set failed_count = 0 where id = $1 and failed_count <> 0", args![factor.0]),
        Write::InsertSession(s) => guarded(
            "insert into sessions (id, account_id, token_hash, created_at, last_seen_at, expires_at, ip, user_agent, device_name, stepped_up_at, revoked_at, auth_methods, step_up_method) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            args![s.id.0, s.account_id.0, s.token_hash.as_slice(), s.created_at.0, s.last_seen_at.0, s.expires_at.0, s.ip.clone(), s.user_agent.clone(),
                s.device_name.clone(), ms(s.stepped_up_at), ms(s.revoked_at), auth_methods_text(&s.auth_methods), s.step_up_method.map(|m| m.as_str())],
        ),
        Write::RevokeSession { account, session, now } => {
            always("update sessions set revoked_at = $3 where id = $2 and account_id = $1 and revoked_at is null", args![account.0, session.0, now.0])
        }
        Write::RevokeSessionsOf { account, except: Some(keep), now } => {
            let mut v = always("update sessions set revoked_at = $2 where account_id = $1 and revoked_at is null and id <> $3", args![account.0, now.0, keep.0]);
            v.extend(revoke_oidc_of(account, *now));
            v
        }
        Write::RevokeSessionsOf { account, except: None, now } => {
            let mut v = always("update sessions set revoked_at = $2 where account_id = $1 and revoked_at is null", args![account.0, now.0]);
            v.extend(revoke_oidc_of(account, *now));
            v
        }
        Write::SetSteppedUp { session, method, now } => {
            guarded("update sessions set stepped_up_at = $2, step_up_method = $3 where id = $1", args![session.0, now.0, method.as_str()])
        }
        Write::EndWeakStepUps { account } => {
            let strong: Vec<&str> = AuthMethod::ALL.into_iter().filter(|m| m.is_second_factor()).map(AuthMethod::as_str).collect();
            let [a, b, c, d] = strong[..] else { unreachable!("four second factors: the statement names each") };
            always(
                "update sessions set stepped_up_at = null, step_up_method = null where account_id = $1 and stepped_up_at is not null \
                    and (step_up_method is null or step_up_method not in ($2, $3, $4, $5))",
                args![account.0, a, b, c, d],
            )
        }
        Write::TouchSession { session, now } => always("update sessions set last_seen_at = $2 where id = $1", args![session.0, now.0]),
        Write::InsertTrustedBrowser(t) => guarded(
            "insert into trusted_browsers (id, account_id, token_hash, device_hash, user_agent, created_at, expires_at, last_used_at, revoked_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            args![t.id.0, t.account_id.0, t.token_hash.as_slice(), t.device_hash.as_slice(), t.user_agent.clone(), t.created_at.0, t.expires_at.0,
                ms(t.last_used_at), ms(t.revoked_at)],
        ),
        Write::RevokeTrustedBrowser { account, browser, now } => always(
            "update trusted_browsers set revoked_at = $3 where id = $2 and account_id = $1 and revoked_at is null",
            args![account.0, browser.0, now.0],
        ),
        Write::RevokeTrustedBrowsersOf { account, now } => {
            always("update trusted_browsers set revoked_at = $2 where account_id = $1 and revoked_at is null", args![account.0, now.0])
        }
        Write::TouchTrustedBrowser { browser, now } => always("update trusted_browsers set last_used_at = $2 where id = $1", args![browser.0, now.0]),
        Write::InsertEvent(e) => {
            let mut v = guarded(
                "insert into events (id, account_id, at, kind, ip, user_agent, device_hash, detail, unfamiliar) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                args![e.id.0, e.account_id.map(|a| a.0), e.at.0, e.kind.as_str(), e.ip.clone(), e.user_agent.clone(), e.device_hash.clone(), e.detail.as_str(), e.unfamiliar],
            );
            v.extend(webhook_fan_out(e));
            v
        }
        Write::InsertOutbox(m) => guarded(INSERT_OUTBOX, outbox_args(m)),
        // Fixed window: a new window starts when the old one has run out; inside a
        // window the count grows only while below the limit. No row back = limited.
        Write::ChargeQuota { key, limit, window_secs, now } => guarded(
            "insert into send_quota (key, window_start, count) values ($1, $2, 1) \
                on conflict (key) do update set \
                  window_start = case when send_quota.window_start + $3 <= $2 then $2 else send_quota.window_start end, \
                  count = case when send_quota.window_start + $3 <= $2 then 1 else send_quota.count + 1 end \
                where send_quota.window_start + $3 <= $2 or send_quota.count < $4",
            args![key.as_str(), now.0, window_secs * 1000, *limit],
        ),
        // F-LIMIT-4 (ADR 0006): one row per key and clock hour. The send is counted only
        // while the key is not paused and this hour's count is below the larger of the
        // floor and `multiplier` times the mean of the `baseline_hours` before it. The
        // row lock serialises a burst; each decision sees the count before it.
        Write::ChargeSmsTraffic { key, floor, multiplier, baseline_hours, now } => guarded(
            "insert into sms_traffic (key, hour, count) select $1, $2, 1 \
                where not exists (select 1 from sms_pauses p where p.key = $1 and p.until > $6) \
                on conflict (key, hour) do update set count = sms_traffic.count + 1 \
                where not exists (select 1 from sms_pauses p where p.key = $1 and p.until > $6) \
                  and sms_traffic.count < (select case when cast(coalesce(sum(b.count), 0) as bigint) * $4 / $5 > $3 \
                      then cast(coalesce(sum(b.count), 0) as bigint) * $4 / $5 else $3 end \
                    from sms_traffic b where b.key = $1 and b.hour >= $2 - $5 and b.hour < $2)",
            args![key.as_str(), now.0 / 3_600_000, *floor, *multiplier, (*baseline_hours).max(1), now.0],
        ),
        Write::PauseSms { key, until, now } => guarded(
            "insert into sms_pauses (key, until, paused_at) values ($1, $2, $3) \
                on conflict (key) do update set until = excluded.until, paused_at = excluded.paused_at \
                where sms_pauses.until <= $3",
            args![key.as_str(), until.0, now.0],
        ),
        Write::LiftSmsPause { key, now } => vec![
            Stmt { sql: "update sms_pauses set until = $2 where key = $1 and until > $2", args: args![key.as_str(), now.0], guarded: true },
            Stmt { sql: "update sms_traffic set count = 0 where key = $1 and hour = $2", args: args![key.as_str(), now.0 / 3_600_000], guarded: false },
        ],
        // The try is counted only while the key is not waiting; the delay for the next
        // one doubles with each try past the free ones (1 << n, n capped at 20, then
        // capped at the most). The count starts again only after a whole window
        // without a try (`window_start` is the last try), so a patient guesser stays at
        // the longest delay.
        Write::TakePasswordTry { key, now, policy } => guarded(
            "insert into password_throttle (key, tries, window_start, blocked_until) values ($1, 1, $2, 0) \
                on conflict (key) do update set \
                  tries = case when password_throttle.window_start <= $2 - $3 then 1 else password_throttle.tries + 1 end, \
                  window_start = $2, \
                  blocked_until = case \
                    when password_throttle.window_start <= $2 - $3 or password_throttle.tries + 1 <= $4 then 0 \
                    else $2 + case \
                      when $5 * (cast(1 as bigint) << cast(case when password_throttle.tries - $4 > 20 then 20 else password_throttle.tries - $4 end as integer)) > $6 then $6 \
                      else $5 * (cast(1 as bigint) << cast(case when password_throttle.tries - $4 > 20 then 20 else password_throttle.tries - $4 end as integer)) end \
                  end \
                where password_throttle.blocked_until <= $2",
            args![key.as_str(), now.0, policy.window_secs * 1000, free_tries(key, policy), policy.base_delay_ms, policy.max_delay_ms],
        ),
        Write::ReturnPasswordTries { keys } => {
            keys.iter().flat_map(|k| always("update password_throttle set tries = tries - 1 where key = $1 and tries > 0", args![k.as_str()])).collect()
        }
        Write::PasswordAccepted { account, address } => {
            let mut v = always("delete from password_throttle where key = $1", args![account.as_str()]);
            if let Some(address) = address {
                v.extend(always("update password_throttle set tries = tries - 1 where key = $1 and tries > 0", args![address.as_str()]));
            }
            v
        }
        Write::InsertResetRequest(r) => guarded(
            "insert into reset_requests (id, account_id, created_at, status, doc_type, doc_kind, doc_bytes, document, ip) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            args![r.id.0, r.account_id.0, r.created_at.0, r.status.as_str(), r.doc_type.as_str(), r.doc_kind.as_str(), r.doc_bytes, r.document.clone(), r.ip.clone()],
        ),
        Write::InsertFeedback(f) => guarded(
            "insert into feedback (id, account_id, at, topic, body) values ($1, $2, $3, $4, $5)",
            args![f.id.0, f.account_id.0, f.at.0, f.topic.as_str(), f.text.as_str()],
        ),
        Write::InsertServiceClient(c) => guarded(
            "insert into service_clients (id, name, scopes, secret_hash, rate_per_minute, created_at) values ($1, $2, $3, $4, $5, $6)",
            args![c.id.0, c.name.as_str(), scopes_text(&c.scopes), c.secret_hash.clone(), c.rate_per_minute, c.created_at.0],
        ),
        Write::RotateServiceClient { id, secret_hash, previous_valid_until } => guarded(
            "update service_clients set previous_secret_hash = secret_hash, previous_valid_until = $3, secret_hash = $2 where id = $1 and revoked_at is null",
            args![id.0, secret_hash.clone(), previous_valid_until.0],
        ),
        Write::RevokeServiceClient { id, now } => guarded("update service_clients set revoked_at = $2 where id = $1 and revoked_at is null", args![id.0, now.0]),
        Write::InsertDelivery(d) => guarded(INSERT_DELIVERY, delivery_args(d)),
        Write::SetDeliveryCode { delivery, hash, sealed, message, now } => guarded(
            "update deliveries set code_hash = $2, code_sealed = $3, code_message_id = $4, code_hashed_with = null where id = $1 and status = 'pending' and code_denied_at is null and code_expires_at > $5",
            args![delivery.0, hash.as_slice(), sealed.as_slice(), message.0, now.0],
        ),
        // A code told at the door before the new day starts still counts: it is the same.
        Write::RescheduleDelivery { delivery, date, until } => guarded(
            "update deliveries set delivery_date = $2, code_expires_at = case when code_hash is null then null else $3 end where id = $1",
            args![delivery.0, date.to_string(), until.0],
        ),
        Write::DenyDelivery { delivery, was, now } => guarded(
            "update deliveries set code_denied_at = $3, status = case when status = 'pending' then 'held' else status end where id = $1 and status = $2 and code_denied_at is null and code_hash is not null",
            args![delivery.0, was.as_str(), now.0],
        ),
        Write::InsertCourier { account, client, now } => {
            guarded("insert into couriers (account_id, client_id, created_at) values ($1, $2, $3)", args![account.0, client.0, now.0])
        }
        Write::InsertStaff { account, role, by, now } => guarded(
            "insert into staff (account_id, role, added_by, added_at) values ($1, $2, $3, $4)",
            args![account.0, role.as_str(), by.as_str(), now.0],
        ),
        Write::SetStaffRole { account, role } => {
            guarded("update staff set role = $2 where account_id = $1 and removed_at is null", args![account.0, role.as_str()])
        }
        Write::RemoveStaff { account, now } => guarded("update staff set removed_at = $2 where account_id = $1 and removed_at is null", args![account.0, now.0]),
        Write::InsertOrganisation { org, owner } => {
            let mut v = guarded(
                "insert into organisations (id, name, created_by, created_at, version) values ($1, $2, $3, $4, 0)",
                args![org.id.0, org.name.as_str(), org.created_by.0, org.created_at.0],
            );
            v.extend(guarded("insert into org_members (org_id, account_id, role, joined_at) values ($1, $2, 'owner', $3)", args![org.id.0, owner.0, org.created_at.0]));
            v
        }
        Write::InsertOrgInvitation(i) => guarded(
            "insert into org_invitations (id, org_id, email, role, token_hash, invited_by, created_at, expires_at) values ($1, $2, $3, $4, $5, $6, $7, $8)",
            args![i.id.0, i.org_id.0, i.email.as_str(), i.role.as_str(), i.token_hash.clone(), i.invited_by.0, i.created_at.0, i.expires_at.0],
        ),
        Write::AcceptOrgInvitation { invitation, org, account, role, now } => {
            let mut v = guarded(
                "update org_invitations set accepted_at = $2, accepted_by = $3 where id = $1 and accepted_at is null and expires_at > $2",
                args![invitation.0, now.0, account.0],
            );
            v.extend(guarded("insert into org_members (org_id, account_id, role, joined_at) values ($1, $2, $3, $4)", args![org.0, account.0, role.as_str(), now.0]));
            v
        }
        // The organisation's row is locked first: changes to its owners queue behind
        // each other, and each counts the owners the one before left (on PostgreSQL
        // each statement of a transaction reads what committed before it started).
        Write::SetOrgRole { org, account, from, to } => {
            let mut v = guarded("update organisations set version = version + 1 where id = $1", args![org.0]);
            v.extend(guarded(
                "update org_members set role = $4 where org_id = $1 and account_id = $2 and role = $3 \
                    and (role <> 'owner' or $4 = 'owner' or (select count(*) from org_members o where o.org_id = $1 and o.role = 'owner') > 1)",
                args![org.0, account.0, from.as_str(), to.as_str()],
            ));
            v
        }
        Write::RemoveOrgMember { org, account, from } => {
            let mut v = guarded("update organisations set version = version + 1 where id = $1", args![org.0]);
            v.extend(guarded(
                "delete from org_members where org_id = $1 and account_id = $2 and role = $3 \
                    and (role <> 'owner' or (select count(*) from org_members o where o.org_id = $1 and o.role = 'owner') > 1)",
                args![org.0, account.0, from.as_str()],
            ));
            v
        }
        Write::InsertOrgEvent(e) => always(
            "insert into org_events (id, org_id, at, kind, actor_id, subject_id, subject_email, detail) values ($1, $2, $3, $4, $5, $6, $7, $8)",
            args![e.id.0, e.org_id.0, e.at.0, e.kind.as_str(), e.actor.0, e.subject.map(|s| s.0), e.subject_email.clone(), e.detail.as_str()],
        ),
        Write::HoldDelivery { delivery } => guarded("update deliveries set status = 'held' where id = $1 and status = 'pending'", args![delivery.0]),
        Write::SetServiceClientOrigins { id, origins } => {
            guarded("update service_clients set origins = $2 where id = $1 and revoked_at is null", args![id.0, origins.join("\n")])
        }
        Write::InsertServiceStepUp(u) => {
            let (amount, currency, text) = match &u.reason {
                ninsho_domain::reason::StepUpReason::Order { amount } => (Some(amount.minor), Some(amount.currency.code()), None),
                ninsho_domain::reason::StepUpReason::Text { text } => (None, None, Some(text.clone())),
                _ => (None, None, None),
            };
            guarded(
                "insert into service_step_ups (id, client_id, account_id, challenge_id, reason_kind, amount_minor, currency, reason_text, return_url, weak, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                args![u.id.0, u.client_id.0, u.account_id.0, u.challenge_id.0, u.reason.kind(), amount, currency, text, u.return_url.clone(), u.weak, u.created_at.0],
            )
        }
        Write::CompleteServiceStepUp { challenge, method, now } => guarded(
            "update service_step_ups set completed_at = $2, method = $3 where challenge_id = $1 and completed_at is null",
            args![challenge.0, now.0, method.as_str()],
        ),
        Write::InsertWebhookEndpoint(e) => {
            let mut v = guarded(
                "insert into webhook_endpoints (id, name, url, secret, created_at) values ($1, $2, $3, $4, $5)",
                args![e.id.0, e.name.as_str(), e.url.as_str(), e.sealed_secret.clone(), e.created_at.0],
            );
            for topic in e.topics.names() {
                v.extend(always("insert into webhook_endpoint_topics (endpoint_id, topic) values ($1, $2)", args![e.id.0, topic]));
            }
            v
        }
        Write::RemoveWebhookEndpoint { id, now } => {
            let mut v = guarded("update webhook_endpoints set removed_at = $2 where id = $1 and removed_at is null", args![id.0, now.0]);
            v.extend(always("update webhook_deliveries set status = 'dropped', lease_until = null where endpoint_id = $1 and status = 'pending'", args![id.0]));
            v
        }
        // Dynamic statements of many rows each: `bulk_statements`.
        Write::InsertShipments(_) => vec![],
        Write::DecideResetRequest { id, status, reason, reviewer, now } => guarded(
            "update reset_requests set status = $2, reason = $3, reviewer = $4, decided_at = $5, document = null where id = $1 and status = 'pending'",
            args![id.0, status.as_str(), reason.as_str(), reviewer.as_str(), now.0],
        ),
        Write::InsertOidcClient(c) => guarded(
            "insert into oidc_clients (id, name, public, secret_hash, redirect_uris, post_logout_uris, scopes, created_at, removed_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            args![c.id.0, c.name.as_str(), c.kind == ninsho_domain::oidc::ClientKind::Public, c.secret_hash.clone(), c.redirect_uris.join("\n"),
                c.post_logout_uris.join("\n"), ninsho_domain::oidc::OidcScope::join(&c.scopes), c.created_at.0, ms(c.removed_at)],
        ),
        Write::RemoveOidcClient { id, now } => {
            let mut v = guarded("update oidc_clients set removed_at = $2 where id = $1 and removed_at is null", args![id.0, now.0]);
            v.extend(always("update oidc_tokens set revoked_at = $2 where client_id = $1 and revoked_at is null", args![id.0, now.0]));
            v
        }
        Write::InsertSigningKey(k) => guarded(
            "insert into oidc_signing_keys (kid, alg, private_key, public_key, created_at, active, retired_at, published_until) values ($1, $2, $3, $4, $5, $6, $7, $8)",
            args![k.kid.as_str(), k.alg.as_str(), k.sealed_private.clone(), k.public_key.clone(), k.created_at.0, k.retired_at.is_none().then_some(1i64),
                ms(k.retired_at), ms(k.published_until)],
        ),
        Write::RetireSigningKey { kid, now, published_until } => guarded(
            "update oidc_signing_keys set active = null, retired_at = $2, published_until = $3 where kid = $1 and active = 1",
            args![kid.as_str(), now.0, published_until.0],
        ),
        Write::InsertOidcRequest(r) => guarded(
            "insert into oidc_requests (id, client_id, redirect_uri, scopes, state, nonce, code_challenge, prompt_none, created_at, expires_at, used_at, prompt_login, max_age, second_factor, login_after) \
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            args![r.id.0, r.request.client_id.0, r.request.redirect_uri.as_str(), ninsho_domain::oidc::OidcScope::join(&r.request.scopes), r.request.state.clone(),
                r.request.nonce.clone(), r.request.code_challenge.clone(), r.request.prompt_none, r.created_at.0, r.expires_at.0, ms(r.used_at),
                r.request.prompt_login, r.request.max_age, r.request.second_factor, ms(r.request.login_after)],
        ),
        Write::UseOidcRequest { id, now } => {
            guarded("update oidc_requests set used_at = $2 where id = $1 and used_at is null and expires_at > $2", args![id.0, now.0])
        }
        Write::InsertOidcCode(c) => guarded(
            "insert into oidc_codes (code_hash, client_id, account_id, session_id, redirect_uri, scopes, nonce, code_challenge, auth_time, methods, created_at, expires_at, consumed_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            args![c.code_hash.clone(), c.client_id.0, c.account_id.0, c.session_id.0, c.redirect_uri.as_str(), ninsho_domain::oidc::OidcScope::join(&c.scopes),
                c.nonce.clone(), c.code_challenge.clone(), c.auth_time.0, auth_methods_text(&c.methods), c.created_at.0, c.expires_at.0, ms(c.consumed_at)],
        ),
        Write::ConsumeOidcCode { code_hash, now } => guarded(
            "update oidc_codes set consumed_at = $2 where code_hash = $1 and consumed_at is null and expires_at > $2",
            args![code_hash.clone(), now.0],
        ),
        Write::InsertOidcToken(t) => guarded(
            "insert into oidc_tokens (token_hash, code_hash, client_id, account_id, session_id, scopes, created_at, expires_at, revoked_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            args![t.token_hash.clone(), t.code_hash.clone(), t.client_id.0, t.account_id.0, t.session_id.0, ninsho_domain::oidc::OidcScope::join(&t.scopes),
                t.created_at.0, t.expires_at.0, ms(t.revoked_at)],
        ),
        Write::RevokeOidcGrant { code_hash, now } => {
            let mut v = always("update oidc_tokens set revoked_at = $2 where code_hash = $1 and revoked_at is null", args![code_hash.clone(), now.0]);
            v.extend(always("update oidc_refresh_tokens set revoked_at = $2 where code_hash = $1 and revoked_at is null", args![code_hash.clone(), now.0]));
            v
        }
        Write::InsertOidcRefresh(t) => guarded(
            "insert into oidc_refresh_tokens (token_hash, code_hash, client_id, account_id, session_id, scopes, auth_time, methods, created_at, expires_at, used_at, revoked_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            args![t.token_hash.clone(), t.code_hash.clone(), t.client_id.0, t.account_id.0, t.session_id.0, ninsho_domain::oidc::OidcScope::join(&t.scopes),
                t.auth_time.0, auth_methods_text(&t.methods), t.created_at.0, t.expires_at.0, ms(t.used_at), ms(t.revoked_at)],
        ),
        Write::UseOidcRefresh { token_hash, now } => guarded(
            "update oidc_refresh_tokens set used_at = $2 where token_hash = $1 and used_at is null and revoked_at is null and expires_at > $2",
            args![token_hash.clone(), now.0],
        ),
    }
}

/// F-INT-5: what applications hold for an account — access and refresh tokens (an
/// `offline_access` grant outlives the browser session, so it is ended here, not by
/// the session's row). Written beside signing out everywhere (a lock, a reset, an
/// address change) and a credential change, so that neither leaves a way back in.
fn revoke_oidc_of(account: &ninsho_domain::types::AccountId, now: ninsho_domain::types::UnixMillis) -> Vec<Stmt> {
    let mut v = always("update oidc_tokens set revoked_at = $2 where account_id = $1 and revoked_at is null", args![account.0, now.0]);
    v.extend(always("update oidc_refresh_tokens set revoked_at = $2 where account_id = $1 and revoked_at is null", args![account.0, now.0]));
    v
}

/// F-INT-4: one delivery per topic of the event and endpoint that hears it, written
/// beside the event so that both commit or neither. The `webhook-id` and the body are
/// fixed here: every retry sends the same bytes under the same id. An endpoint hears a
/// topic by name or by `*`; a removed one hears nothing.
fn webhook_fan_out(e: &ninsho_domain::ports::Event) -> Vec<Stmt> {
    use ninsho_domain::webhooks::{ALL_TOPICS, message_id, payload, topics};
    topics(e.kind, e.unfamiliar)
        .iter()
        .flat_map(|t| {
            always(
                "insert into webhook_deliveries (webhook_id, endpoint_id, event_id, topic, body, status, attempts, next_attempt_at, created_at) \
                    select $1, w.id, $2, $3, $4, 'pending', 0, $5, $5 from webhook_endpoints w \
                    where w.removed_at is null and exists (select 1 from webhook_endpoint_topics t where t.endpoint_id = w.id and (t.topic = $3 or t.topic = $6))",
                args![message_id(e.id, *t), e.id.0, t.as_str(), payload(e, *t), e.at.0, ALL_TOPICS],
            )
        })
        .collect()
}

/// Values per read of many keys (`in (…)`), and the most rows per `values` statement:
/// well under SQLite's 32,766 arguments at 18 columns.
pub(crate) const BULK_ROWS: usize = 500;

/// The new rows of one table in a bulk write: `head` names the table and its columns,
/// each row holds one value per column, of the same kind in every row.
#[derive(Debug)]
pub(crate) struct BulkRows {
    pub head: &'static str,
    pub rows: Vec<Vec<Arg>>,
}

impl BulkRows {
    pub fn columns(&self) -> usize {
        self.rows.first().map_or(0, Vec::len)
    }
}

/// A delivery's columns as it is inserted, alone or in bulk (`delivery_args`).
macro_rules! delivery_columns {
    () => {
        "deliveries (id, client_id, order_id, account_id, amount_minor, currency, categories, country, time_zone, carrier, tracking_id, delivery_date, address_changed_days_ago, rules, status, code_hash, code_sealed, code_expires_at, attempts, code_message_id, created_at)"
    };
}
const DELIVERIES: &str = delivery_columns!();
const INSERT_DELIVERY: &str =
    concat!("insert into ", delivery_columns!(), " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)");

fn delivery_args(d: &ninsho_domain::ports::Delivery) -> Vec<Arg> {
    let code = d.code.as_ref();
    args![d.id.0, d.client_id.0, d.order_id.as_str(), d.account_id.0, d.amount.minor, d.amount.currency.code(), d.categories.join(" "), d.country.as_str(),
        d.time_zone.as_str(), d.carrier.as_str(), d.tracking_id.as_str(), d.delivery_date.to_string(), d.address_changed_days_ago,
        d.rules.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" "), d.status.as_str(), code.map(|c| c.hash.clone()), code.map(|c| c.sealed.clone()),
        code.map(|c| c.valid_until.0), code.map_or(0, |c| c.attempts), code.map(|c| c.message.0), d.created_at.0]
}

/// A message's columns as it is inserted, alone or in bulk (`outbox_args`): pending,
/// due at once.
macro_rules! outbox_columns {
    () => {
        "outbox (id, account_id, template, channel, destination, locale, payload, created_at, quota_keys, status, attempts, next_attempt_at, challenge_id, delivery_id)"
    };
}
const OUTBOX: &str = outbox_columns!();
const INSERT_OUTBOX: &str = concat!("insert into ", outbox_columns!(), " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)");

fn outbox_args(m: &ninsho_domain::ports::OutboxMessage) -> Vec<Arg> {
    args![m.id.0, m.account_id.map(|a| a.0), m.template.as_str(), m.channel.as_str(), m.destination.as_str(), m.locale.as_str(), m.payload.as_slice(),
        m.created_at.0, m.quota_keys.join("\n"), "pending", 0i64, m.created_at.0, m.challenge.map(|c| c.0), m.delivery.map(|d| d.0)]
}

/// The events table's columns as a bulk write inserts them: with their place in the chain.
pub(crate) const CHAINED_EVENTS: &str = "events (id, account_id, at, kind, ip, user_agent, device_hash, detail, unfamiliar, seq, prev_hash, hash)";

/// An event's row with its place in the chain, for `CHAINED_EVENTS`.
pub(crate) fn chained_event_row(e: &ninsho_domain::ports::Event, seq: i64, prev_hash: &[u8], hash: &[u8]) -> Vec<Arg> {
    args![e.id.0, e.account_id.map(|a| a.0), e.at.0, e.kind.as_str(), e.ip.clone(), e.user_agent.clone(), e.device_hash.clone(), e.detail.as_str(), e.unfamiliar, seq, prev_hash, hash]
}

/// `insert into {head} values (?, …), (…)` for `rows` rows of `cols` columns each:
/// anonymous placeholders (SQLite's driver looks each numbered one up by name).
pub(crate) fn values_sql(head: &str, cols: usize, rows: usize) -> String {
    let mut sql = format!("insert into {head} values ");
    let row = format!("({})", vec!["?"; cols].join(", "));
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&row);
    }
    sql
}

/// A table's new rows cut into `values` statements of at most `BULK_ROWS` rows, each
/// with its SQL (`values_sql`): the rows owned (bound ahead, `bind_ahead`) or borrowed.
pub(crate) fn values_statements<R>(head: &str, columns: usize, rows: impl IntoIterator<Item = R>) -> impl Iterator<Item = (String, Vec<R>)> {
    let mut rows = rows.into_iter().peekable();
    std::iter::from_fn(move || {
        rows.peek()?;
        let chunk: Vec<R> = rows.by_ref().take(BULK_ROWS).collect();
        Some((values_sql(head, columns, chunk.len()), chunk))
    })
}

/// `insert into {head} select * from unnest($1::t1[], …)`: one array per column, so a
/// statement of any number of rows has a handful of arguments and one prepared plan
/// (PostgreSQL). `None` when a column mixes kinds of values.
pub(crate) fn unnest_sql(t: &BulkRows) -> Option<String> {
    let first = t.rows.first()?;
    let mut types = Vec::with_capacity(first.len());
    for (i, a) in first.iter().enumerate() {
        if t.rows.iter().any(|r| std::mem::discriminant(&r[i]) != std::mem::discriminant(a)) {
            return None;
        }
        types.push(format!("${}::{}[]", i + 1, a.pg_type()));
    }
    Some(format!("insert into {} select * from unnest({})", t.head, types.join(", ")))
}

impl Arg {
    /// The PostgreSQL type of a column of such values.
    pub(crate) fn pg_type(&self) -> &'static str {
        match self {
            Arg::Uuid(_) => "uuid",
            Arg::Int(_) => "bigint",
            Arg::Bytes(_) => "bytea",
            Arg::Text(_) => "text",
            Arg::Bool(_) => "boolean",
        }
    }
}

/// F-DLV-6: a bulk write (`Write::InsertShipments`) as the new rows of each table but
/// the events; the dialect turns them into as few statements as it can (`insert_rows`).
/// Each delivery's rows are those the single registration writes.
pub(crate) fn bulk_tables(items: &[ninsho_domain::ports::NewShipment]) -> Vec<BulkRows> {
    let outbox = items.iter().filter_map(|i| i.code.as_ref()).map(|c| outbox_args(&c.message)).collect();
    let deliveries = items.iter().map(|i| delivery_args(&i.delivery)).collect();
    [(OUTBOX, outbox), (DELIVERIES, deliveries)].into_iter().filter(|(_, rows): &(_, Vec<_>)| !rows.is_empty()).map(|(head, rows)| BulkRows { head, rows }).collect()
}

/// A bulk write's events, and the statements of those that endpoints hear (none hears
/// a code sent today). The events are inserted already chained (`insert_chained`), in
/// the transaction that writes them: a bulk import writes tens of thousands a second,
/// and chaining them after commit would read and rewrite each row once more.
pub(crate) fn bulk_events(items: &[ninsho_domain::ports::NewShipment]) -> (Vec<&ninsho_domain::ports::Event>, Vec<Stmt>) {
    let events: Vec<_> = items.iter().filter_map(|i| i.code.as_ref()).map(|c| &c.event).collect();
    let fan_out = events.iter().flat_map(|e| webhook_fan_out(e)).collect();
    (events, fan_out)
}

/// Scopes are stored as their names, space-separated (as OAuth writes them).
fn scopes_text(scopes: &[ninsho_domain::types::Scope]) -> String {
    scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
}

/// The free tries of a key: an address is shared by many people (an office, a phone
/// network), an e-mail address by one.
fn free_tries(key: &ninsho_domain::ports::ThrottleKey, policy: &ninsho_domain::config::ThrottlePolicy) -> i64 {
    if key.as_str().starts_with("pw-address:") { policy.address_free } else { policy.account_free }
}

/// The rows a write can change, for telling whether a list may run as one statement.
#[derive(PartialEq, Debug, Clone)]
pub(crate) enum Touch {
    /// New rows only.
    Insert(&'static str),
    /// At most the row with this key.
    Row(&'static str, Vec<u8>),
}

/// The writes of the hot paths (verification, code sends, sign-in). Every other write
/// keeps the transaction: they are rare, and some change many rows.
pub(crate) fn touch(w: &Write) -> Option<Touch> {
    let row = |t: &'static str, id: &Uuid| Some(Touch::Row(t, id.as_bytes().to_vec()));
    match w {
        Write::ConsumeChallenge { challenge, .. } | Write::SetChallengeCode { challenge, .. } => {
            row("challenges", &challenge.0)
        }
        Write::AdvanceTotpStep { factor, .. } | Write::ResetFactorFailures { factor } => row("factors", &factor.0),
        // One backup code per list: the account stands for the row.
        Write::ConsumeBackupCode { account, .. } => row("backup_codes", &account.0),
        Write::TouchSignIn { account, .. } | Write::MarkEmailVerified { account, .. } => row("accounts", &account.0),
        Write::SetSteppedUp { session, .. } | Write::TouchSession { session, .. } => row("sessions", &session.0),
        Write::TouchTrustedBrowser { browser, .. } => row("trusted_browsers", &browser.0),
        Write::ChargeQuota { key, .. } => Some(Touch::Row("send_quota", key.as_bytes().to_vec())),
        Write::ChargeSmsTraffic { key, .. } => Some(Touch::Row("sms_traffic", key.as_bytes().to_vec())),
        Write::TakePasswordTry { key, .. } => Some(Touch::Row("password_throttle", key.as_str().as_bytes().to_vec())),
        Write::InsertSession(_) => Some(Touch::Insert("sessions")),
        Write::InsertEvent(_) => Some(Touch::Insert("events")),
        Write::InsertOutbox(_) => Some(Touch::Insert("outbox")),
        Write::InsertChallenge(_) => Some(Touch::Insert("challenges")),
        Write::InsertTrustedBrowser(_) => Some(Touch::Insert("trusted_browsers")),
        // F-INT-5's hot paths: a code issued, a code exchanged for its tokens.
        Write::ConsumeOidcCode { code_hash, .. } => Some(Touch::Row("oidc_codes", code_hash.clone())),
        Write::UseOidcRequest { id, .. } => row("oidc_requests", &id.0),
        Write::InsertOidcCode(_) => Some(Touch::Insert("oidc_codes")),
        Write::InsertOidcToken(_) => Some(Touch::Insert("oidc_tokens")),
        Write::UseOidcRefresh { token_hash, .. } => Some(Touch::Row("oidc_refresh_tokens", token_hash.clone())),
        Write::InsertOidcRefresh(_) => Some(Touch::Insert("oidc_refresh_tokens")),
        _ => None,
    }
}

/// The most writes folded into one statement.
pub(crate) const MAX_ONE_STATEMENT: usize = 16;

/// A whole list of writes as one statement: each write a data-modifying CTE, and a
/// final select that raises `ninsho_refuse(i)` for the first guard `i` that changed
/// nothing, which rolls the statement back. One round trip instead of one per
/// write plus `BEGIN` and `COMMIT`.
pub(crate) struct OneStatement {
    pub sql: String,
    pub args: Vec<Arg>,
}

impl OneStatement {
    /// Tells every instance, when the statement commits, what it made stale in their
    /// session caches (`pg_notify` is delivered at commit, and not at all on rollback).
    /// Both builders end in a `select` without `from`, which this gives one.
    pub(crate) fn notifying(mut self, notice: Option<String>) -> OneStatement {
        if let Some(n) = notice {
            self.sql.push_str(&format!(" from (select pg_notify('{}', ${})) as notified", crate::session_cache::CHANNEL, self.args.len() + 1));
            self.args.push(Arg::from(n));
        }
        self
    }
}

/// `None` when the list must run as a transaction instead: a write outside the hot
/// set, or two writes that may change the same row. (The sub-statements of one
/// statement share a snapshot: a second change to a row, or an update of a row
/// inserted beside it, would be lost.)
pub(crate) fn one_statement(writes: &[Write]) -> Option<OneStatement> {
    // Bulk lists (imports, set-up) stay transactions: each shape of list is a prepared
    // statement of its own, and the hot paths write at most a dozen rows.
    if writes.is_empty() || writes.len() > MAX_ONE_STATEMENT {
        return None;
    }
    let touches: Vec<Touch> = writes.iter().map(touch).collect::<Option<_>>()?;
    if clashes(&touches) {
        return None;
    }
    let mut sql = String::from("with ");
    let mut args = Vec::new();
    let mut guards = Vec::new();
    for (i, w) in writes.iter().enumerate() {
        let stmts = statements(w);
        if stmts.len() != 1 && !fans_out(w) {
            return None;
        }
        for (j, s) in stmts.into_iter().enumerate() {
            let name = cte_name("w", i, j);
            if i > 0 || j > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("{name} as ("));
            renumber(&mut sql, s.sql, args.len());
            sql.push_str(" returning 1)");
            args.extend(s.args);
            if s.guarded {
                guards.push((i, name));
            }
        }
    }
    if guards.is_empty() {
        sql.push_str(" select 0");
    } else {
        sql.push_str(" select case");
        for (i, name) in &guards {
            sql.push_str(&format!(" when not exists (select 1 from {name}) then ninsho_refuse({i})"));
        }
        sql.push_str(" else 0 end");
    }
    Some(OneStatement { sql, args })
}

/// Writes whose several statements may share one statement: an event and its webhook
/// deliveries insert into different tables, so no sub-statement misses another's row.
/// (Other multi-statement writes may change one row twice, and keep the transaction.)
pub(crate) fn fans_out(w: &Write) -> bool {
    matches!(w, Write::InsertEvent(_))
}

/// The name of statement `j` of write `i` in a folded list: `w3`, then `w3_1`, `w3_2`…
pub(crate) fn cte_name(prefix: &str, i: usize, j: usize) -> String {
    if j == 0 { format!("{prefix}{i}") } else { format!("{prefix}{i}_{j}") }
}

/// Whether two of these writes may change the same row (or one update a row another
/// inserts): sub-statements of one statement share a snapshot, so one change would be lost.
pub(crate) fn clashes(touches: &[Touch]) -> bool {
    touches.iter().enumerate().any(|(i, a)| {
        touches[..i].iter().any(|b| match (a, b) {
            (Touch::Insert(_), Touch::Insert(_)) => false,
            (Touch::Row(t, k), Touch::Row(u, l)) => t == u && k == l,
            (Touch::Insert(t), Touch::Row(u, _)) | (Touch::Row(t, _), Touch::Insert(u)) => t == u,
        })
    })
}

/// Appends `stmt` with each `$n` moved up by `offset`.
pub(crate) fn renumber(out: &mut String, stmt: &str, offset: usize) {
    let mut rest = stmt;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        debug_assert!(digits > 0, "a `$` that is not a placeholder: {stmt}");
        let n: usize = rest[..digits].parse().unwrap_or(0);
        out.push_str(&(n + offset).to_string());
        rest = &rest[digits..];
    }
    out.push_str(rest);
}

/// The guard index carried by `ninsho_refuse`'s error, if this is one.
pub(crate) fn refused_guard(e: &sqlx::Error) -> Option<usize> {
    match e {
        sqlx::Error::Database(d) if d.code().as_deref() == Some(REFUSE_SQLSTATE) => d.message().parse().ok(),
        _ => None,
    }
}

/// The SQLSTATE `ninsho_refuse` raises (migration 0005, PostgreSQL).
const REFUSE_SQLSTATE: &str = "NSG01";

#[cfg(test)]
mod tests {
    use super::*;
    use ninsho_domain::ports::*;
    use ninsho_domain::types::*;

    /// Each hot write's statement uses exactly its own arguments, `$1` to `$n`, so the
    /// renumbering of a folded list lines up with the arguments appended after it.
    #[test]
    fn f_ops_2_every_statement_uses_its_arguments_one_to_n() {
        let now = UnixMillis(1);
        let writes = [
            Write::ConsumeChallenge { challenge: ChallengeId::new(), now, max_attempts: 5 },
            Write::SetChallengeCode { challenge: ChallengeId::new(), factor: None, code_hash: vec![1], code_expires_at: now, message: MessageId::new(), now },
            Write::AdvanceTotpStep { factor: FactorId::new(), step: 3 },
            Write::ResetFactorFailures { factor: FactorId::new() },
            Write::ConsumeBackupCode { account: AccountId::new(), code_hash: vec![1], now },
            Write::TouchSignIn { account: AccountId::new(), now },
            Write::MarkEmailVerified { account: AccountId::new(), now },
            Write::SetSteppedUp { session: SessionId::new(), method: AuthMethod::Totp, now },
            Write::EndWeakStepUps { account: AccountId::new() },
            Write::TouchSession { session: SessionId::new(), now },
            Write::TouchTrustedBrowser { browser: TrustedBrowserId::new(), now },
            Write::ChargeQuota { key: "k".into(), limit: 1, window_secs: 1, now },
            Write::TakePasswordTry { key: ThrottleKey::address("127.0.0.1"), now, policy: ninsho_domain::Policy::default().throttle },
            Write::ConsumeOidcCode { code_hash: vec![1], now },
            Write::UseOidcRequest { id: OidcRequestId::new(), now },
            Write::RevokeOidcGrant { code_hash: vec![1], now },
            Write::RetireSigningKey { kid: "k".into(), now, published_until: now },
            Write::RemoveOidcClient { id: OidcClientId::new(), now },
        ];
        for w in &writes {
            for s in statements(w) {
                let mut used: Vec<usize> = s.sql.split('$').skip(1).map(|p| p.chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()).collect();
                used.sort_unstable();
                used.dedup();
                assert_eq!(used, (1..=s.args.len()).collect::<Vec<_>>(), "{}", s.sql);
            }
        }
        assert!(one_statement(&[]).is_none(), "an empty list is no statement");
    }

    /// F-DLV-6: a bulk write's rows become one array per column on PostgreSQL (a
    /// statement of four arguments whatever the rows) and anonymous placeholders on
    /// SQLite; a column whose values are of different kinds is refused, not cast.
    #[test]
    fn f_dlv_6_bulk_rows_become_one_array_per_column_or_anonymous_values() {
        let t = BulkRows { head: "t (a, b, c, d)", rows: vec![args![Uuid::nil(), 1i64, None::<String>, true], args![None::<Uuid>, None::<i64>, "x", false]] };
        assert_eq!(t.columns(), 4);
        assert_eq!(unnest_sql(&t).as_deref(), Some("insert into t (a, b, c, d) select * from unnest($1::uuid[], $2::bigint[], $3::text[], $4::boolean[])"));
        assert_eq!(values_sql(t.head, 2, 3), "insert into t (a, b, c, d) values (?, ?), (?, ?), (?, ?)");
        let mixed = BulkRows { head: "t (a)", rows: vec![args![1i64], args!["1"]] };
        assert!(unnest_sql(&mixed).is_none());
        assert!(unnest_sql(&BulkRows { head: "t (a)", rows: vec![] }).is_none());
    }

    #[test]
    fn placeholders_move_past_the_earlier_writes_arguments() {
        let mut s = String::new();
        renumber(&mut s, "update t set a = $2 where id = $1 and b < $2 - 1 and c = $10", 7);
        assert_eq!(s, "update t set a = $9 where id = $8 and b < $9 - 1 and c = $17");
    }

    #[test]
    fn f_ops_2_one_statement_only_when_no_two_writes_can_change_one_row() {
        let ch = ChallengeId::new();
        let now = UnixMillis(5);
        let consume = Write::ConsumeChallenge { challenge: ch, now, max_attempts: 5 };
        let touch = Write::TouchSignIn { account: AccountId::new(), now };
        let one = one_statement(&[consume.clone(), touch.clone()]).expect("distinct rows");
        assert!(one.sql.contains("w0 as (update challenges"), "{}", one.sql);
        assert!(one.sql.contains("when not exists (select 1 from w0) then ninsho_refuse(0)"), "a guard is checked: {}", one.sql);
        assert!(!one.sql.contains("from w1)"), "an unguarded write is not: {}", one.sql);
        assert_eq!(one.args.len(), 3 + 3);
        assert!(one.sql.contains("last_sign_in_at = $5 where id = $4 and (last_sign_in_at is null or last_sign_in_at <= $5 - $6)"), "second write's placeholders follow the first's: {}", one.sql);
        // The same challenge twice: the second change would be lost.
        let code = Write::SetChallengeCode { challenge: ch, factor: None, code_hash: vec![1], code_expires_at: now, message: MessageId::new(), now };
        assert!(one_statement(&[consume.clone(), code]).is_none());
        // An insert and an update of one table: the update cannot see the new row.
        let insert = Write::InsertChallenge(Challenge::open(ch, AccountId::new(), Purpose::SignIn, now, now));
        assert!(one_statement(&[insert.clone(), consume]).is_none());
        // A list without guards still makes a statement.
        let unguarded = one_statement(std::slice::from_ref(&touch)).expect("one write");
        assert!(unguarded.sql.ends_with(") select 0"), "{}", unguarded.sql);
        // A write outside the hot set keeps the transaction.
        assert!(one_statement(&[touch, Write::DeleteFactorsOf { account: AccountId::new() }]).is_none());
        // Sends charge several quota rows at once: distinct keys, one statement.
        let charge = |k: &str| Write::ChargeQuota { key: k.into(), limit: 5, window_secs: 60, now };
        assert!(one_statement(&[charge("a"), charge("b"), insert]).is_some());
        assert!(one_statement(&[charge("a"), charge("a")]).is_none());
    }

    /// F-INT-5: a code exchange — the guarded redemption, the access token, the event —
    /// is one statement on PostgreSQL, its guard checked.
    #[test]
    fn f_int_5_a_code_exchange_commits_as_one_statement() {
        let now = UnixMillis(5);
        let token = Write::InsertOidcToken(ninsho_domain::oidc::AccessToken {
            token_hash: vec![2],
            code_hash: vec![1],
            client_id: OidcClientId::new(),
            account_id: AccountId::new(),
            session_id: SessionId::new(),
            scopes: vec![ninsho_domain::oidc::OidcScope::Openid],
            created_at: now,
            expires_at: now,
            revoked_at: None,
        });
        let event = Write::InsertEvent(Event { id: EventId::new(), account_id: None, at: now, kind: EventKind::OidcCodeExchanged, ip: None, user_agent: None, device_hash: None, detail: String::new(), unfamiliar: false });
        let one = one_statement(&[Write::ConsumeOidcCode { code_hash: vec![1], now }, token, event]).expect("hot writes on distinct rows");
        assert!(one.sql.contains("w0 as (update oidc_codes set consumed_at") && one.sql.contains("not exists (select 1 from w0) then ninsho_refuse(0)"), "{}", one.sql);
        let twice = [Write::ConsumeOidcCode { code_hash: vec![1], now }, Write::ConsumeOidcCode { code_hash: vec![1], now }];
        assert!(one_statement(&twice).is_none(), "one code twice in one list would lose a change");
    }

    /// F-INT-4: an event's webhook deliveries are statements of the event's own write,
    /// so they fold into the list's one statement with it; a kind no receiver hears
    /// adds none.
    #[test]
    fn f_int_4_an_events_deliveries_are_written_with_it() {
        let event = |kind, unfamiliar| {
            Write::InsertEvent(Event { id: EventId::new(), account_id: Some(AccountId::new()), at: UnixMillis(5), kind, ip: None, user_agent: None, device_hash: None, detail: String::new(), unfamiliar })
        };
        assert_eq!(statements(&event(EventKind::SignIn, true)).len(), 3, "the event, sign_in.succeeded, device.new");
        assert_eq!(statements(&event(EventKind::WrongCode, true)).len(), 1);
        for s in statements(&event(EventKind::SignIn, true)) {
            let mut used: Vec<usize> = s.sql.split('$').skip(1).map(|p| p.chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()).collect();
            used.sort_unstable();
            used.dedup();
            assert_eq!(used, (1..=s.args.len()).collect::<Vec<_>>(), "{}", s.sql);
        }
        let one = one_statement(&[Write::TouchSignIn { account: AccountId::new(), now: UnixMillis(5) }, event(EventKind::SignIn, true)]).expect("hot writes");
        assert!(one.sql.contains(", w1 as (insert into events") && one.sql.contains(", w1_1 as (insert into webhook_deliveries") && one.sql.contains(", w1_2 as (insert into webhook_deliveries"), "{}", one.sql);
        assert!(one.sql.contains("not exists (select 1 from w1) then ninsho_refuse(1)") && !one.sql.contains("from w1_1)"), "only the event is guarded: {}", one.sql);
    }
}
