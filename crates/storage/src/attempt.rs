//! The count-and-compare step of a code check (`CodeAttempt`) as SQL: the statement that
//! takes an attempt and decides it (on a challenge, or on a delivery's code at the
//! door), the method's failure count, and — on PostgreSQL —
//! the whole check folded into one statement in which the unlocked writes run only for
//! a right code and the `on_wrong` writes only for a wrong one.
//!
//! Why one statement decides: an `update` locks the challenge row, and a concurrent
//! one waits, then re-reads the row it changed (PostgreSQL's read-committed re-check;
//! SQLite has one writer). The limit (`attempts < max`) and the comparison are both in
//! that statement, so each decision sees the count left by the one before it.

use ninsho_domain::ports::{Attempted, AttemptOutcome, CodeAttempt, CodeCheck, FailureCount, Write};

use crate::writes::{Arg, OneStatement, Touch, clashes, cte_name, fans_out, renumber, statements, touch};

/// `$1` challenge, `$2` now, `$3` the most wrong attempts, `$4…` the check's own.
macro_rules! take_sql {
    ($right:literal) => {
        concat!(
            "update challenges set attempts = attempts + case when ",
            $right,
            " then 0 else 1 end, consumed_at = case when ",
            $right,
            " then $2 end where id = $1 and consumed_at is null and cancelled_at is null and expires_at > $2 and attempts < $3"
        )
    };
}
const TAKE_SENT: &str = take_sql!("(code_hash = $4 and code_expires_at > $2)");
const TAKE_BACKUP: &str = take_sql!("exists (select 1 from backup_codes b where b.account_id = $4 and b.code_hash = $5 and b.used_at is null)");
const TAKE_DECIDED: &str = take_sql!("$4");

/// The same on a delivery's code (F-DLV-3): a right code hands the parcel over in that
/// statement, once, recording the courier. `$1` delivery, `$2` now, `$3` the most
/// wrong attempts, `$4` the courier, `$5…` the check's own. `handed_over_at` answers
/// as `consumed_at`, so the rest reads both alike.
macro_rules! take_delivery_sql {
    ($right:literal) => {
        concat!(
            "update deliveries set attempts = attempts + case when ",
            $right,
            " then 0 else 1 end, status = case when ",
            $right,
            " then 'handed_over' else status end, handed_over_at = case when ",
            $right,
            " then $2 end, courier_id = case when ",
            $right,
            " then $4 else courier_id end where id = $1 and status = 'pending' and code_denied_at is null and code_expires_at > $2 and attempts < $3",
            " returning attempts, handed_over_at as consumed_at"
        )
    };
}
const TAKE_DELIVERY_SENT: &str = take_delivery_sql!("code_hash = $5");
const TAKE_DELIVERY_EITHER: &str = take_delivery_sql!("code_hash in ($5, $6)");
const TAKE_DELIVERY_DECIDED: &str = take_delivery_sql!("$5");

/// The statement that takes and decides the attempt, returning `attempts` and
/// `consumed_at`.
pub(crate) fn take(a: &CodeAttempt) -> (String, Vec<Arg>) {
    let (id, courier) = match &a.on {
        Attempted::Challenge(c) => (c.0, None),
        Attempted::Delivery { delivery, courier } => (delivery.0, Some(courier.as_str())),
    };
    let mut args: Vec<Arg> = vec![id.into(), a.now.0.into(), a.max_attempts.into()];
    if let Some(courier) = courier {
        args.push(courier.into());
        let sql = match &a.check {
            CodeCheck::SentHash(h) => {
                args.push(h.as_slice().into());
                TAKE_DELIVERY_SENT
            }
            CodeCheck::SentHashUnderEither(h, before) => {
                args.push(h.as_slice().into());
                args.push(before.as_slice().into());
                TAKE_DELIVERY_EITHER
            }
            // A backup code is no delivery code (F-DLV-4): counted as a wrong one.
            CodeCheck::BackupHash { .. } => {
                args.push(false.into());
                TAKE_DELIVERY_DECIDED
            }
            CodeCheck::Decided(ok) => {
                args.push((*ok).into());
                TAKE_DELIVERY_DECIDED
            }
        };
        return (sql.to_string(), args);
    }
    let sql = match &a.check {
        CodeCheck::SentHash(h) => {
            args.push(h.as_slice().into());
            TAKE_SENT
        }
        CodeCheck::BackupHash { account, code_hash } => {
            args.push(account.0.into());
            args.push(code_hash.as_slice().into());
            TAKE_BACKUP
        }
        // A delivery's code answers no challenge (F-DLV-4): counted as a wrong one.
        CodeCheck::SentHashUnderEither(..) => {
            args.push(false.into());
            TAKE_DECIDED
        }
        CodeCheck::Decided(ok) => {
            args.push((*ok).into());
            TAKE_DECIDED
        }
    };
    (format!("{sql} returning attempts, consumed_at"), args)
}

/// A wrong code on a method (F-OTP-6): at the ceiling it is disabled until set up again.
/// `$1` method, `$2` ceiling, `$3` now.
pub(crate) const METHOD_FAILURE: &str = "update factors set failed_count = failed_count + 1, \
    disabled_at = case when disabled_at is null and failed_count + 1 >= $2 then $3 else disabled_at end where id = $1";
pub(crate) const METHOD_FAILURE_RETURNING: &str = " returning failed_count, disabled_at";

pub(crate) fn method_failure_args(method: ninsho_domain::types::FactorId, ceiling: i64, now: i64) -> Vec<Arg> {
    vec![method.0.into(), ceiling.into(), now.into()]
}

/// The outcome from what the statements returned: `attempts` and `consumed_at` of the
/// challenge (none: it was not open), and the method's count when one was charged.
pub(crate) fn outcome(taken: Option<(i64, Option<i64>)>, method: Option<(i64, Option<i64>)>, now: i64) -> AttemptOutcome {
    match taken {
        None => AttemptOutcome::Closed,
        Some((_, Some(_))) => AttemptOutcome::Accepted,
        Some((attempts, None)) => AttemptOutcome::Wrong(FailureCount {
            challenge_attempts: attempts,
            factor_failures: method.map(|m| m.0).unwrap_or(0),
            factor_disabled: method.is_some_and(|m| m.1 == Some(now)),
        }),
    }
}

const RIGHT: &str = "exists (select 1 from g where g.consumed_at is not null)";
const WRONG: &str = "exists (select 1 from g where g.consumed_at is null)";

/// `sql` made to change nothing unless `cond` holds: an `insert … values (…)` becomes
/// `insert … select … where cond`, an `update`/`delete` and an `insert … select … where`
/// gain `and cond`. `None` for a shape this does not know (the list then runs as a
/// transaction).
fn gated(sql: &str, cond: &str) -> Option<String> {
    if sql.contains(" on conflict ") || sql.contains(" returning ") {
        return None;
    }
    if sql.starts_with("insert into ")
        && let Some(at) = sql.find(" values (")
    {
        let values = sql[at + " values (".len()..].strip_suffix(')')?;
        return Some(format!("{} select {values} where {cond}", &sql[..at]));
    }
    let insert_select = sql.starts_with("insert into ") && sql.contains(") select ");
    if sql.starts_with("update ") || sql.starts_with("delete from ") || insert_select {
        let at = sql.find(" where ")?;
        return Some(format!("{} where ({}) and {cond}", &sql[..at], &sql[at + " where ".len()..]));
    }
    None
}

/// The whole code check as one statement (PostgreSQL), or `None` when it must run as a
/// transaction: a write outside the hot set, or two that may change one row. Its one
/// row: `refused` (raises `ninsho_refuse(i)` for the first guard `i` of `on_right` that
/// changed nothing after a right code), `attempts`, `consumed_at`, `failed_count`,
/// `disabled_at`.
pub(crate) fn one_statement(a: &CodeAttempt, on_right: &[Write]) -> Option<OneStatement> {
    if on_right.len() + a.on_wrong.len() + 2 > crate::writes::MAX_ONE_STATEMENT {
        return None;
    }
    // The right and the wrong branch never both write: each is checked on its own.
    let gate = match &a.on {
        Attempted::Challenge(c) => Touch::Row("challenges", c.0.as_bytes().to_vec()),
        Attempted::Delivery { delivery, .. } => Touch::Row("deliveries", delivery.0.as_bytes().to_vec()),
    };
    let mut right = vec![gate.clone()];
    right.extend(on_right.iter().map(touch).collect::<Option<Vec<_>>>()?);
    let mut wrong = vec![gate];
    if let Some((m, _)) = a.method {
        wrong.push(Touch::Row("factors", m.0.as_bytes().to_vec()));
    }
    wrong.extend(a.on_wrong.iter().map(touch).collect::<Option<Vec<_>>>()?);
    if clashes(&right) || clashes(&wrong) {
        return None;
    }

    let (take_sql, mut args) = take(a);
    let mut sql = format!("with g as ({take_sql})");
    if let Some((m, ceiling)) = a.method {
        sql.push_str(", f as (");
        renumber(&mut sql, &gated(METHOD_FAILURE, WRONG)?, args.len());
        sql.push_str(METHOD_FAILURE_RETURNING);
        sql.push(')');
        args.extend(method_failure_args(m, ceiling, a.now.0));
    }
    let mut guards = Vec::new();
    for (prefix, list, cond) in [("r", on_right, RIGHT), ("x", a.on_wrong.as_slice(), WRONG)] {
        for (i, w) in list.iter().enumerate() {
            let stmts = statements(w);
            if stmts.len() != 1 && !fans_out(w) {
                return None;
            }
            for (j, s) in stmts.into_iter().enumerate() {
                let name = cte_name(prefix, i, j);
                sql.push_str(&format!(", {name} as ("));
                renumber(&mut sql, &gated(s.sql, cond)?, args.len());
                sql.push_str(" returning 1)");
                args.extend(s.args);
                if s.guarded && prefix == "r" {
                    guards.push((i, name));
                }
            }
        }
    }
    if guards.is_empty() {
        sql.push_str(" select 0 as refused");
    } else {
        sql.push_str(" select case");
        for (i, name) in &guards {
            sql.push_str(&format!(" when {RIGHT} and not exists (select 1 from {name}) then ninsho_refuse({i})"));
        }
        sql.push_str(" else 0 end as refused");
    }
    sql.push_str(", (select attempts from g) as attempts, (select consumed_at from g) as consumed_at, ");
    if a.method.is_some() {
        sql.push_str("(select failed_count from f) as failed_count, (select disabled_at from f) as disabled_at");
    } else {
        sql.push_str("null::bigint as failed_count, null::bigint as disabled_at");
    }
    Some(OneStatement { sql, args })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ninsho_domain::ports::*;
    use ninsho_domain::types::*;

    fn attempt(check: CodeCheck, method: Option<FactorId>) -> CodeAttempt {
        CodeAttempt { on: Attempted::Challenge(ChallengeId::new()), check, now: UnixMillis(9), max_attempts: 5, method: method.map(|m| (m, 100)), on_wrong: vec![] }
    }

    #[test]
    fn f_otp_3_the_limit_and_the_comparison_are_one_statement() {
        for check in [CodeCheck::SentHash(vec![1]), CodeCheck::SentHashUnderEither(vec![1], vec![2]), CodeCheck::BackupHash { account: AccountId::new(), code_hash: vec![1] }, CodeCheck::Decided(false)] {
            let mut on_delivery = attempt(check.clone(), None);
            on_delivery.on = Attempted::Delivery { delivery: DeliveryId::new(), courier: "c-1".into() };
            for a in [attempt(check, None), on_delivery] {
            let (sql, args) = take(&a);
            assert!(sql.contains("attempts < $3") && sql.contains("attempts = attempts + case when"), "{sql}");
            let mut used: Vec<usize> = sql.split('$').skip(1).map(|p| p.chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()).collect();
            used.sort_unstable();
            used.dedup();
            assert_eq!(used, (1..=args.len()).collect::<Vec<_>>(), "{sql}");
            }
        }
    }

    #[test]
    fn writes_are_gated_by_the_verdict() {
        assert_eq!(gated("insert into t (a, b) values ($1, 'x')", "C").as_deref(), Some("insert into t (a, b) select $1, 'x' where C"));
        assert_eq!(gated("update t set a = $2 where id = $1 or b", "C").as_deref(), Some("update t set a = $2 where (id = $1 or b) and C"));
        assert_eq!(gated("insert into q (k) values ($1) on conflict (k) do update set n = 1 where n < 2", "C"), None);
        assert_eq!(
            gated("insert into d (a, b) select $1, w.id from w where w.x is null and exists (select 1 from t where t.w = w.id)", "C").as_deref(),
            Some("insert into d (a, b) select $1, w.id from w where (w.x is null and exists (select 1 from t where t.w = w.id)) and C")
        );
    }

    #[test]
    fn f_otp_6_a_check_folds_into_one_statement_with_the_method_count() {
        let m = FactorId::new();
        let now = UnixMillis(9);
        let mut a = attempt(CodeCheck::Decided(true), Some(m));
        a.on_wrong = vec![Write::InsertEvent(Event {
            id: EventId::new(),
            account_id: None,
            at: now,
            kind: EventKind::WrongCode,
            ip: None,
            user_agent: None,
            device_hash: None,
            detail: String::new(),
            unfamiliar: false,
        })];
        let right = [Write::AdvanceTotpStep { factor: m, step: 3 }, Write::TouchSignIn { account: AccountId::new(), now }];
        let one = one_statement(&a, &right).expect("hot writes");
        assert!(one.sql.starts_with("with g as (update challenges"), "{}", one.sql);
        assert!(one.sql.contains(", f as (update factors"), "{}", one.sql);
        assert!(one.sql.contains("ninsho_refuse(0)") && !one.sql.contains("ninsho_refuse(1)"), "only guards of the right branch: {}", one.sql);
        assert!(one.sql.contains("insert into events") && one.sql.contains(WRONG), "{}", one.sql);
        let mut used: Vec<usize> = one.sql.split('$').skip(1).map(|p| p.chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()).collect();
        used.sort_unstable();
        used.dedup();
        assert_eq!(used, (1..=one.args.len()).collect::<Vec<_>>(), "{}", one.sql);
        // A wrong code alone: nothing to guard.
        let alone = one_statement(&attempt(CodeCheck::Decided(false), None), &[]).expect("no writes");
        assert!(alone.sql.contains(") select 0 as refused, (select attempts from g)"), "{}", alone.sql);
        // A sign-in's event brings its webhook deliveries into the same statement,
        // gated by the verdict like every other write of the right branch (F-INT-4).
        let mut signed_in = a.on_wrong[0].clone();
        if let Write::InsertEvent(e) = &mut signed_in {
            e.kind = EventKind::SignIn;
            e.unfamiliar = true;
        }
        let one = one_statement(&a, &[signed_in]).expect("an event and its fan-out");
        assert!(one.sql.contains(", r0 as (insert into events") && one.sql.contains(", r0_1 as (insert into webhook_deliveries") && one.sql.contains(", r0_2 as (insert into webhook_deliveries"), "{}", one.sql);
        assert!(one.sql.contains(&format!(") and {RIGHT} returning 1)")), "{}", one.sql);
        assert!(one.sql.contains("not exists (select 1 from r0) then ninsho_refuse(0)") && !one.sql.contains("from r0_1)"), "{}", one.sql);
        // A second change to the challenge in the right branch is not one statement.
        let Attempted::Challenge(challenge) = a.on else { unreachable!("a challenge's attempt") };
        let again = [Write::CancelChallenge { challenge, now }];
        assert!(one_statement(&a, &again).is_none());
    }

    #[test]
    fn f_otp_3_outcomes() {
        assert_eq!(outcome(None, None, 9), AttemptOutcome::Closed);
        assert_eq!(outcome(Some((0, Some(9))), None, 9), AttemptOutcome::Accepted);
        assert_eq!(
            outcome(Some((2, None)), Some((100, Some(9))), 9),
            AttemptOutcome::Wrong(FailureCount { challenge_attempts: 2, factor_failures: 100, factor_disabled: true })
        );
        assert_eq!(
            outcome(Some((2, None)), Some((7, Some(3))), 9),
            AttemptOutcome::Wrong(FailureCount { challenge_attempts: 2, factor_failures: 7, factor_disabled: false })
        );
    }
}
