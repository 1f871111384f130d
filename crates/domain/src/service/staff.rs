//! F-SUP-1: the staff list, and the check every staff action passes. The operator
//! adds members (`ninsho admin staff add`) as accounts of their own, with a first
//! password shown once; a member sets up two-step verification at the first sign-in.
//! An action is allowed to a member whose 2SV is on and was passed in this session,
//! who was active within the idle timeout, and whose role permits it
//! (`StaffRole::permits`).

use secrecy::SecretString;

use super::*;
use crate::email::Email;
use crate::ports::StaffMember;
use crate::staff::{StaffAction, StaffRole};

/// A staff session unused this long is over (seconds).
pub const STAFF_IDLE_SECS: i64 = 15 * 60;

/// A staff member as the operator added them; the password is shown this once.
pub struct StaffAdded {
    pub account: Account,
    pub role: StaffRole,
    pub password: SecretString,
}

fn staff_unknown() -> Error {
    Error::invalid("staff.unknown", "email", "no staff member has this address")
}

fn check_by(by: &str) -> Result<&str> {
    let by = by.trim();
    if by.is_empty() || by.len() > 100 {
        return Err(Error::invalid("staff.by_invalid", "by", "name who makes the change"));
    }
    Ok(by)
}

impl<S: Store> Services<S> {
    /// Creates a staff member's account with `role` and a random first password the
    /// operator hands over. An address that already has an account is refused: staff
    /// work under accounts of their own, never a shopper's.
    pub async fn add_staff(&self, email: &str, role: StaffRole, by: &str) -> Result<StaffAdded> {
        let email = Email::parse(email)?;
        let by = check_by(by)?;
        let (account, password) = self.operator_made_account(email).await?;
        let now = self.now();
        let event = self.event(Some(account.id), EventKind::StaffAdded, &super::recovery::support(by), format!("role {}", role.as_str()));
        match self.commit(vec![Write::InsertAccount(account.clone()), Write::InsertStaff { account: account.id, role, by: by.to_string(), now }, event]).await {
            Err(Error::Conflict { .. }) => Err(Error::conflict("staff.email_taken", "an account has this address; staff get accounts of their own")),
            Err(e) => Err(e),
            Ok(()) => Ok(StaffAdded { account, role, password }),
        }
    }

    async fn staff_by_address(&self, email: &str) -> Result<StaffMember> {
        let email = Email::parse(email)?;
        let account = self.store.account_by_email(&email).await?.ok_or_else(staff_unknown)?;
        self.store.staff_member(account.id).await?.ok_or_else(staff_unknown)
    }

    /// Gives a member another role; recorded with who changed it.
    pub async fn set_staff_role(&self, email: &str, role: StaffRole, by: &str) -> Result<StaffMember> {
        let by = check_by(by)?;
        let member = self.staff_by_address(email).await?;
        let event = self.event(Some(member.account_id), EventKind::StaffRoleChanged, &super::recovery::support(by), format!("role {} to {}", member.role.as_str(), role.as_str()));
        match self.commit_guarded(vec![Write::SetStaffRole { account: member.account_id, role }, event]).await? {
            Ok(()) => Ok(StaffMember { role, ..member }),
            Err(_) => Err(staff_unknown()),
        }
    }

    /// Removes a member: every session of the account ends with it.
    pub async fn remove_staff(&self, email: &str, by: &str) -> Result<StaffMember> {
        let by = check_by(by)?;
        let member = self.staff_by_address(email).await?;
        let now = self.now();
        let writes = vec![
            Write::RemoveStaff { account: member.account_id, now },
            Write::RevokeSessionsOf { account: member.account_id, except: None, now },
            self.event(Some(member.account_id), EventKind::StaffRemoved, &super::recovery::support(by), format!("role {}", member.role.as_str())),
        ];
        match self.commit_guarded(writes).await? {
            Ok(()) => Ok(member),
            Err(_) => Err(staff_unknown()),
        }
    }

    /// The member this session belongs to, if it is a staff member's.
    pub async fn staff_member_of(&self, a: &Authed) -> Result<Option<StaffMember>> {
        self.store.staff_member(a.account.id).await
    }

    /// Every member, by address.
    pub async fn staff_members(&self) -> Result<Vec<StaffMember>> {
        self.store.staff_members().await
    }

    /// The member behind this session, if they may do `action` now. A session idle
    /// longer than `STAFF_IDLE_SECS` is ended here and must sign in again.
    pub async fn authorize_staff(&self, a: &Authed, action: StaffAction) -> Result<StaffMember> {
        let member = self.store.staff_member(a.account.id).await?.ok_or_else(|| Error::Forbidden { code: "staff.not_staff", message: "this page is for support staff".into() })?;
        // `authenticate` ends a staff session idle past the timeout; this catches one
        // authenticated before it ran out and used after.
        self.end_if_idle(a.account.id, &a.session).await?;
        Self::require_two_step_session(a, Error::conflict("staff.two_step_required", "staff turn on two-step verification before working at /support"))?;
        Self::permitted(&member, action)?;
        Ok(member)
    }

    /// Whether `member`'s role lets them do `action` (`StaffRole::permits`).
    pub(crate) fn permitted(member: &StaffMember, action: StaffAction) -> Result<()> {
        if member.role.permits(action) {
            return Ok(());
        }
        Err(Error::Forbidden { code: "staff.not_permitted", message: format!("the {} role may not do this", member.role.as_str()) })
    }

    /// F-SUP-1: a staff member's session unused longer than `STAFF_IDLE_SECS` is over:
    /// revoked, and the caller must sign in again. The one rule for `authenticate`
    /// (which knows the account is staff only by asking) and `authorize_staff`.
    pub(crate) async fn end_if_idle(&self, account: AccountId, session: &Session) -> Result<()> {
        let now = self.now();
        if now.0 - session.last_seen_at.0 <= STAFF_IDLE_SECS * 1000 {
            return Ok(());
        }
        self.commit(vec![Write::RevokeSession { account, session: session.id, now }]).await?;
        Err(Error::Unauthenticated)
    }
}
