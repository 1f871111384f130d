//! Risk rules (F-SIGNIN-2, F-SIGNIN-3): when a sign-in must show a code even though the
//! browser is trusted, and when an account without 2SV gets an e-mail code anyway.
//!
//! One named policy, every rule a function of facts the service gathers; no I/O here.

use crate::types::UnixMillis;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RiskRule {
    /// No successful sign-in from this device before.
    UnfamiliarDevice,
    /// No sign-in for a long time (seed 003).
    DormantAccount,
    /// Password or registration details changed recently (seed 003).
    RecentCredentialChange,
    /// Several wrong passwords just before this one.
    RecentFailures,
}

impl RiskRule {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskRule::UnfamiliarDevice => "unfamiliar_device",
            RiskRule::DormantAccount => "dormant_account",
            RiskRule::RecentCredentialChange => "recent_credential_change",
            RiskRule::RecentFailures => "recent_failures",
        }
    }
}

#[derive(Clone, Debug)]
pub struct RiskPolicy {
    pub dormant_after_days: i64,
    pub credential_change_window_hours: i64,
    pub failure_window_minutes: i64,
    pub failure_threshold: i64,
    /// Weights add up; at or above `high_risk_score` an account without 2SV is sent a
    /// code by e-mail (seed 000 "高リスク時自動発動").
    pub weight_unfamiliar_device: u32,
    pub weight_dormant: u32,
    pub weight_credential_change: u32,
    pub weight_failures: u32,
    pub high_risk_score: u32,
}

impl Default for RiskPolicy {
    fn default() -> Self {
        RiskPolicy {
            dormant_after_days: 90,
            credential_change_window_hours: 24,
            failure_window_minutes: 60,
            failure_threshold: 5,
            weight_unfamiliar_device: 1,
            weight_dormant: 1,
            weight_credential_change: 1,
            weight_failures: 2,
            high_risk_score: 2,
        }
    }
}

/// What the service knows about this sign-in attempt.
#[derive(Clone, Debug)]
pub struct RiskFacts {
    pub now: UnixMillis,
    pub known_device: bool,
    pub last_sign_in_at: Option<UnixMillis>,
    pub credentials_changed_at: Option<UnixMillis>,
    pub recent_failed_passwords: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskAssessment {
    pub fired: Vec<RiskRule>,
    pub score: u32,
    pub high: bool,
}

impl RiskPolicy {
    pub fn assess(&self, f: &RiskFacts) -> RiskAssessment {
        let mut fired = Vec::new();
        let mut score = 0;
        let mut fire = |rule, weight| {
            fired.push(rule);
            score += weight;
        };
        if !f.known_device {
            fire(RiskRule::UnfamiliarDevice, self.weight_unfamiliar_device);
        }
        if let Some(last) = f.last_sign_in_at
            && f.now.0 - last.0 > self.dormant_after_days * 86_400_000
        {
            fire(RiskRule::DormantAccount, self.weight_dormant);
        }
        if let Some(changed) = f.credentials_changed_at
            && f.now.0 - changed.0 < self.credential_change_window_hours * 3_600_000
        {
            fire(RiskRule::RecentCredentialChange, self.weight_credential_change);
        }
        if f.recent_failed_passwords >= self.failure_threshold {
            fire(RiskRule::RecentFailures, self.weight_failures);
        }
        RiskAssessment { high: score >= self.high_risk_score, fired, score }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    fn calm() -> RiskFacts {
        RiskFacts {
            now: UnixMillis(1_000 * DAY),
            known_device: true,
            last_sign_in_at: Some(UnixMillis(999 * DAY)),
            credentials_changed_at: Some(UnixMillis(500 * DAY)),
            recent_failed_passwords: 0,
        }
    }

    #[test]
    fn f_signin_3_calm_sign_in_fires_nothing() {
        let a = RiskPolicy::default().assess(&calm());
        assert!(a.fired.is_empty());
        assert!(!a.high);
    }

    #[test]
    fn f_signin_3_rule_unfamiliar_device() {
        let a = RiskPolicy::default().assess(&RiskFacts { known_device: false, ..calm() });
        assert_eq!(a.fired, vec![RiskRule::UnfamiliarDevice]);
        assert!(!a.high, "a new device alone does not force e-mail codes on accounts without 2SV");
    }

    #[test]
    fn f_signin_3_rule_dormant_account() {
        let p = RiskPolicy::default();
        let a = p.assess(&RiskFacts { last_sign_in_at: Some(UnixMillis(909 * DAY)), ..calm() });
        assert_eq!(a.fired, vec![RiskRule::DormantAccount]);
        let b = p.assess(&RiskFacts { last_sign_in_at: Some(UnixMillis(911 * DAY)), ..calm() });
        assert!(b.fired.is_empty());
    }

    #[test]
    fn f_signin_3_rule_recent_credential_change() {
        let a = RiskPolicy::default().assess(&RiskFacts { credentials_changed_at: Some(UnixMillis(1_000 * DAY - 3_600_000)), ..calm() });
        assert_eq!(a.fired, vec![RiskRule::RecentCredentialChange]);
    }

    #[test]
    fn f_signin_3_rule_recent_failures_is_high_risk_alone() {
        let a = RiskPolicy::default().assess(&RiskFacts { recent_failed_passwords: 5, ..calm() });
        assert_eq!(a.fired, vec![RiskRule::RecentFailures]);
        assert!(a.high);
        let b = RiskPolicy::default().assess(&RiskFacts { recent_failed_passwords: 4, ..calm() });
        assert!(b.fired.is_empty());
    }

    #[test]
    fn f_signin_3_new_device_on_dormant_account_is_high_risk() {
        let a = RiskPolicy::default().assess(&RiskFacts { known_device: false, last_sign_in_at: Some(UnixMillis(800 * DAY)), ..calm() });
        assert!(a.high);
        assert_eq!(a.score, 2);
    }

    #[test]
    fn f_signin_3_policy_is_configurable() {
        let p = RiskPolicy { weight_unfamiliar_device: 2, ..RiskPolicy::default() };
        assert!(p.assess(&RiskFacts { known_device: false, ..calm() }).high);
    }
}
