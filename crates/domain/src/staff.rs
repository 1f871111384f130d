//! F-SUP-1: the support staff and what each role may do. Staff members are accounts
//! the operator creates for that purpose (`ninsho admin staff add`); they sign in on
//! ninsho's pages like anyone, with two-step verification mandatory, and work at
//! `/support`. Every check of what a member may do is made here, against this table,
//! whichever page or command asks.

/// A staff member's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StaffRole {
    /// Looks accounts up and reads them; changes nothing.
    Viewer,
    /// Helps shoppers: releases limits, locks and unlocks accounts, pauses 2SV.
    Agent,
    /// Reviews the identity documents of 2SV reset requests and decides them.
    Reviewer,
    /// Everything, and the staff list itself.
    Admin,
}

/// What a staff member asks to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StaffAction {
    /// Find an account by e-mail address or phone number.
    FindAccount,
    /// Its methods (masked), devices, history and messages (codes never shown).
    ViewAccount,
    /// The queue of 2SV reset requests, each with its document.
    ReviewResets,
    /// Approve or reject a reset request, with a reason.
    DecideResets,
    /// Release an account's send limits (F-LIMIT-2).
    ReleaseLimits,
    /// Lock an account while support investigates, or unlock it (F-OFF-5).
    LockAccounts,
    /// Pause an account's 2SV for a while, or switch it back on (F-OFF-2).
    SuspendTwoStep,
    /// Add staff members, change their roles, remove them.
    ManageStaff,
    /// Read what every staff member did.
    ReadStaffLog,
}

impl StaffRole {
    pub const ALL: [StaffRole; 4] = [StaffRole::Viewer, StaffRole::Agent, StaffRole::Reviewer, StaffRole::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Viewer => "viewer",
            StaffRole::Agent => "agent",
            StaffRole::Reviewer => "reviewer",
            StaffRole::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<StaffRole> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether this role may do `action`. Every pair is decided here: a new role or
    /// action does not compile until someone says who may do what.
    pub fn permits(self, action: StaffAction) -> bool {
        use StaffAction as A;
        use StaffRole as R;
        match (self, action) {
            (_, A::FindAccount | A::ViewAccount) => true,
            (R::Admin, _) => true,
            (R::Agent, A::ReleaseLimits | A::LockAccounts | A::SuspendTwoStep) => true,
            // Identity documents are seen only by those who decide on them.
            (R::Reviewer, A::ReviewResets | A::DecideResets) => true,
            (R::Viewer | R::Agent | R::Reviewer, A::ReviewResets | A::DecideResets | A::ReleaseLimits | A::LockAccounts | A::SuspendTwoStep | A::ManageStaff | A::ReadStaffLog) => false,
        }
    }
}

impl StaffAction {
    pub const ALL: [StaffAction; 9] = [
        StaffAction::FindAccount,
        StaffAction::ViewAccount,
        StaffAction::ReviewResets,
        StaffAction::DecideResets,
        StaffAction::ReleaseLimits,
        StaffAction::LockAccounts,
        StaffAction::SuspendTwoStep,
        StaffAction::ManageStaff,
        StaffAction::ReadStaffLog,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StaffAction::FindAccount => "find_account",
            StaffAction::ViewAccount => "view_account",
            StaffAction::ReviewResets => "review_resets",
            StaffAction::DecideResets => "decide_resets",
            StaffAction::ReleaseLimits => "release_limits",
            StaffAction::LockAccounts => "lock_accounts",
            StaffAction::SuspendTwoStep => "suspend_two_step",
            StaffAction::ManageStaff => "manage_staff",
            StaffAction::ReadStaffLog => "read_staff_log",
        }
    }

    pub fn parse(s: &str) -> Option<StaffAction> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// F-SUP-1: the table of who may do what, written out whole, apart from `permits`:
    /// a change to either that the other does not share fails here.
    #[test]
    fn f_sup_1_each_role_may_do_exactly_its_actions() {
        use StaffAction as A;
        let expected: [(StaffRole, &[StaffAction]); 4] = [
            (StaffRole::Viewer, &[A::FindAccount, A::ViewAccount]),
            (StaffRole::Agent, &[A::FindAccount, A::ViewAccount, A::ReleaseLimits, A::LockAccounts, A::SuspendTwoStep]),
            (StaffRole::Reviewer, &[A::FindAccount, A::ViewAccount, A::ReviewResets, A::DecideResets]),
            (StaffRole::Admin, &A::ALL),
        ];
        for (role, may) in expected {
            for action in StaffAction::ALL {
                assert_eq!(role.permits(action), may.contains(&action), "{} {}", role.as_str(), action.as_str());
            }
        }
    }

    #[test]
    fn f_sup_1_roles_are_named_and_read_back() {
        for role in StaffRole::ALL {
            assert_eq!(StaffRole::parse(role.as_str()), Some(role));
        }
        assert_eq!(StaffRole::parse("Admin"), None);
        assert_eq!(StaffRole::parse("root"), None);
    }
}
