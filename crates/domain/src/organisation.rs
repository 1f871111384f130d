//! F-ORG-1: business accounts (organisations) and what each member's role may do.
//! Members are ordinary accounts invited by e-mail; two-step verification is
//! mandatory for them. Every check of what a member may do to whom is made here,
//! against this table, whichever page or API route asks.

/// A member's role in an organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrgRole {
    /// Everything, owners included. An organisation always keeps at least one.
    Owner,
    /// Invites, removes and changes the roles of admins and staff; never touches an
    /// owner and never makes one.
    Admin,
    /// Sees who the members are.
    Staff,
}

/// What a member asks to do. The target is the role concerned: the role an
/// invitation gives, the role of the member removed, or — for a role change — both
/// the member's present role and the new one (each must be permitted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrgAction {
    /// The member list with roles.
    ViewMembers,
    /// Invite someone by e-mail, with a role.
    Invite,
    /// Remove another member.
    RemoveMember,
    /// Give a member another role.
    ChangeRole,
    /// Read the organisation's activity log and its open invitations.
    ReadOrgLog,
}

impl OrgRole {
    pub const ALL: [OrgRole; 3] = [OrgRole::Owner, OrgRole::Admin, OrgRole::Staff];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgRole::Owner => "owner",
            OrgRole::Admin => "admin",
            OrgRole::Staff => "staff",
        }
    }

    pub fn parse(s: &str) -> Option<OrgRole> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether this role may do `action` to a member (or invitation) of role `target`
    /// (`None`: the action concerns no member). Every triple is decided here: a new
    /// role or action does not compile until someone says who may do what.
    pub fn permits(self, action: OrgAction, target: Option<OrgRole>) -> bool {
        use OrgAction as A;
        use OrgRole as R;
        match (self, action, target) {
            (_, A::ViewMembers, _) => true,
            (R::Owner, A::Invite | A::RemoveMember | A::ChangeRole | A::ReadOrgLog, _) => true,
            (R::Admin, A::ReadOrgLog, _) => true,
            (R::Admin, A::Invite | A::RemoveMember | A::ChangeRole, Some(R::Admin | R::Staff)) => true,
            // Owners are made, changed and removed by owners only.
            (R::Admin, A::Invite | A::RemoveMember | A::ChangeRole, Some(R::Owner) | None) => false,
            (R::Staff, A::Invite | A::RemoveMember | A::ChangeRole | A::ReadOrgLog, _) => false,
        }
    }
}

impl OrgAction {
    pub const ALL: [OrgAction; 5] = [OrgAction::ViewMembers, OrgAction::Invite, OrgAction::RemoveMember, OrgAction::ChangeRole, OrgAction::ReadOrgLog];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgAction::ViewMembers => "view_members",
            OrgAction::Invite => "invite",
            OrgAction::RemoveMember => "remove_member",
            OrgAction::ChangeRole => "change_role",
            OrgAction::ReadOrgLog => "read_org_log",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// F-ORG-1: the table of who may do what to whom, written out whole, apart from
    /// `permits`: a change to either that the other does not share fails here.
    #[test]
    fn f_org_1_each_role_may_do_exactly_its_actions() {
        use OrgAction as A;
        use OrgRole as R;
        const ANY: &[Option<OrgRole>] = &[None, Some(R::Owner), Some(R::Admin), Some(R::Staff)];
        const BELOW_OWNER: &[Option<OrgRole>] = &[Some(R::Admin), Some(R::Staff)];
        // Per role: each action it may do, with the target roles it may do it to.
        type Allowed = &'static [(OrgAction, &'static [Option<OrgRole>])];
        let expected: [(OrgRole, Allowed); 3] = [
            (R::Owner, &[(A::ViewMembers, ANY), (A::Invite, ANY), (A::RemoveMember, ANY), (A::ChangeRole, ANY), (A::ReadOrgLog, ANY)]),
            (R::Admin, &[(A::ViewMembers, ANY), (A::Invite, BELOW_OWNER), (A::RemoveMember, BELOW_OWNER), (A::ChangeRole, BELOW_OWNER), (A::ReadOrgLog, ANY)]),
            (R::Staff, &[(A::ViewMembers, ANY)]),
        ];
        for (role, may) in expected {
            for action in OrgAction::ALL {
                for target in ANY {
                    let allowed = may.iter().any(|(a, targets)| *a == action && targets.contains(target));
                    assert_eq!(role.permits(action, *target), allowed, "{} {} {:?}", role.as_str(), action.as_str(), target.map(OrgRole::as_str));
                }
            }
        }
    }

    #[test]
    fn f_org_1_roles_are_named_and_read_back() {
        for role in OrgRole::ALL {
            assert_eq!(OrgRole::parse(role.as_str()), Some(role));
        }
        assert_eq!(OrgRole::parse("Owner"), None);
        assert_eq!(OrgRole::parse("root"), None);
    }
}
