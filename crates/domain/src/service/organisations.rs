//! F-ORG-1: organisations (business accounts). A shopper creates one and becomes its
//! first owner; members are invited by e-mail with a role, and join by following the
//! single-use link while signed in with the invited address. Two-step verification is
//! mandatory: every call here needs 2SV on and a session that passed a second factor
//! (`org.two_step_required` until then). Roles decide who may invite, remove and
//! change roles (`OrgRole::permits`); an organisation always keeps an owner, which the
//! store enforces in the write itself. Every action is recorded in the organisation's
//! activity log and in the security log of each person it concerns.

use super::*;
use crate::email::Email;
use crate::messages::{Intent, Template};
use crate::organisation::{OrgAction, OrgRole};
use crate::ports::{OrgEvent, OrgInvitation, OrgLogEntry, OrgMember, Organisation};

/// How long an invitation's link works (seconds): 7 days.
pub const ORG_INVITATION_SECS: i64 = 7 * 24 * 3600;

/// Activity-log lines read at once.
const ORG_LOG_ENTRIES: i64 = 200;

/// An organisation as a member sees it: the member list always, the open invitations
/// and the activity log when the role may read them.
pub struct OrgView {
    pub org: Organisation,
    pub my_role: OrgRole,
    pub me: AccountId,
    pub members: Vec<OrgMember>,
    pub invitations: Option<Vec<OrgInvitation>>,
    pub log: Option<Vec<OrgLogEntry>>,
}

impl OrgView {
    /// Whether the viewer may do `action` to a member of role `target`.
    pub fn may(&self, action: OrgAction, target: Option<OrgRole>) -> bool {
        self.my_role.permits(action, target)
    }
    /// The roles the viewer may give in an invitation or a role change.
    pub fn grantable(&self) -> Vec<OrgRole> {
        OrgRole::ALL.into_iter().filter(|r| self.may(OrgAction::Invite, Some(*r))).collect()
    }
}

/// A sent invitation; the token travels only in the e-mail.
pub struct OrgInvited {
    pub invitation: OrgInvitation,
}

/// What the page behind an invitation link shows before it is accepted.
pub struct InvitationView {
    pub org: Organisation,
    pub role: OrgRole,
    pub email: String,
    pub expires_at: UnixMillis,
}

fn two_step_required() -> Error {
    Error::conflict("org.two_step_required", "members of an organisation turn on two-step verification and sign in with it first")
}

fn not_member() -> Error {
    Error::Forbidden { code: "org.not_member", message: "you are not a member of this organisation".into() }
}

fn not_permitted(role: OrgRole) -> Error {
    Error::Forbidden { code: "org.not_permitted", message: format!("the {} role may not do this", role.as_str()) }
}

fn last_owner() -> Error {
    Error::conflict("org.last_owner", "an organisation keeps at least one owner: make another member owner first")
}

fn member_unknown() -> Error {
    Error::invalid("org.member_unknown", "account", "no member of this organisation has this id")
}

fn invitation_invalid() -> Error {
    Error::invalid("org.invitation_invalid", "token", "this invitation link is not valid")
}

impl<S: Store> Services<S> {
    /// Every organisation call passes here first: 2SV on and passed in this session.
    fn org_gate(&self, a: &Authed) -> Result<()> {
        Self::require_two_step_session(a, two_step_required())
    }

    /// Whether the account must set up 2SV before it can work in its organisations:
    /// it is a member of one and 2SV is off (the sign-in page then leads to the setup).
    pub async fn org_member_needs_two_step(&self, account: &Account) -> Result<bool> {
        if account.twosv_enabled_at.is_some() {
            return Ok(false);
        }
        Ok(!self.store.organisations_of(account.id).await?.is_empty())
    }

    /// The organisation, its members and the acting member, if the member may do
    /// `action` to `target`.
    async fn org_acting(&self, a: &Authed, org: OrgId, action: OrgAction, target: Option<OrgRole>) -> Result<(Organisation, Vec<OrgMember>, OrgMember)> {
        self.org_gate(a)?;
        let organisation = self.store.organisation(org).await?.ok_or(Error::NotFound)?;
        let members = self.store.org_members(org).await?;
        let me = members.iter().find(|m| m.account_id == a.account.id).cloned().ok_or_else(not_member)?;
        if !me.role.permits(action, target) {
            return Err(not_permitted(me.role));
        }
        Ok((organisation, members, me))
    }

    /// The organisation's log line and one security-log event for the actor and, when
    /// it is someone else, one for the account concerned.
    #[allow(clippy::too_many_arguments)]
    fn org_record(&self, org: &Organisation, kind: EventKind, actor: &Account, subject: Option<AccountId>, subject_email: Option<&str>, detail: String, client: &ClientInfo) -> Vec<Write> {
        let mut w = vec![Write::InsertOrgEvent(OrgEvent {
            id: EventId::new(),
            org_id: org.id,
            at: self.now(),
            kind,
            actor: actor.id,
            subject,
            subject_email: subject_email.map(str::to_string),
            detail: detail.clone(),
        })];
        let about = subject_email.map(|e| format!(" {e}")).unwrap_or_default();
        w.push(self.event(Some(actor.id), kind, client, format!("org {} by {}{about} {detail}", org.id, actor.email.as_str()).trim_end().to_string()));
        if let Some(s) = subject.filter(|s| *s != actor.id) {
            w.push(self.event(Some(s), kind, client, format!("org {} by {}{about} {detail}", org.id, actor.email.as_str()).trim_end().to_string()));
        }
        w
    }

    /// Creates an organisation; its creator is its first owner.
    pub async fn create_organisation(&self, a: &Authed, name: &str, client: &ClientInfo) -> Result<Organisation> {
        self.org_gate(a)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(Error::invalid("org.name_invalid", "name", "name the organisation (1 to 100 characters)"));
        }
        let org = Organisation { id: OrgId::new(), name: name.to_string(), created_by: a.account.id, created_at: self.now() };
        let mut writes = vec![Write::InsertOrganisation { org: org.clone(), owner: a.account.id }];
        writes.extend(self.org_record(&org, EventKind::OrgCreated, &a.account, None, None, "role owner".into(), client));
        self.commit(writes).await?;
        Ok(org)
    }

    /// The organisations the account belongs to, with its role in each.
    pub async fn my_organisations(&self, a: &Authed) -> Result<Vec<(Organisation, OrgRole)>> {
        self.org_gate(a)?;
        self.store.organisations_of(a.account.id).await
    }

    /// One organisation as the member sees it.
    pub async fn organisation_view(&self, a: &Authed, org: OrgId) -> Result<OrgView> {
        let (organisation, members, me) = self.org_acting(a, org, OrgAction::ViewMembers, None).await?;
        let reads_log = me.role.permits(OrgAction::ReadOrgLog, None);
        let (invitations, log) = if reads_log {
            (Some(self.store.open_org_invitations(org, self.now()).await?), Some(self.store.org_log(org, ORG_LOG_ENTRIES).await?))
        } else {
            (None, None)
        };
        Ok(OrgView { org: organisation, my_role: me.role, me: me.account_id, members, invitations, log })
    }

    /// The activity log, for the roles that may read it.
    pub async fn organisation_log(&self, a: &Authed, org: OrgId) -> Result<Vec<OrgLogEntry>> {
        self.org_acting(a, org, OrgAction::ReadOrgLog, None).await?;
        self.store.org_log(org, ORG_LOG_ENTRIES).await
    }

    /// Invites `email` with `role`: a single-use link valid `ORG_INVITATION_SECS`, sent
    /// by e-mail in the language of the address's account, or else `locale` (the
    /// inviter's page). Only the account with this verified address can accept it.
    pub async fn invite_to_organisation(&self, a: &Authed, org: OrgId, email: &str, role: OrgRole, locale: Locale, client: &ClientInfo) -> Result<OrgInvited> {
        let (organisation, members, _) = self.org_acting(a, org, OrgAction::Invite, Some(role)).await?;
        let email = Email::parse(email).map_err(|_| Error::invalid("email.invalid", "email", "enter the e-mail address to invite"))?;
        if members.iter().any(|m| m.email.eq_ignore_ascii_case(email.as_str())) {
            return Err(Error::conflict("org.already_member", "this address belongs to a member already"));
        }
        let invitee = self.store.account_by_email(&email).await?;
        let now = self.now();
        let token = crate::crypto::random_token()?;
        let invitation = OrgInvitation {
            id: OrgInvitationId::new(),
            org_id: org,
            email: email.as_str().to_string(),
            role,
            token_hash: self.keys.hash_invitation(&token),
            invited_by: a.account.id,
            created_at: now,
            expires_at: now.plus_secs(ORG_INVITATION_SECS),
            accepted_at: None,
        };
        let url = format!("{}/organisations/invitations/{token}", self.policy.public_url.trim_end_matches('/'));
        let mut intent = Intent::new(Template::OrgInvitation, Channel::Email, email.as_str(), invitee.as_ref().map_or(locale, |i| i.locale))
            .var("issuer", &self.policy.issuer)
            .var("org", &organisation.name)
            .var("inviter", a.account.email.as_str())
            .var("role", role.as_str())
            .var("url", url)
            .valid_for(ORG_INVITATION_SECS);
        if let Some(i) = &invitee {
            intent = intent.account(i.id);
        }
        // Send limits first: a refused charge names its quota.
        let charges = self.org_invite_charges(a.account.id, email.as_str());
        let mut writes = charges.writes(now);
        writes.extend([Write::InsertOrgInvitation(invitation.clone()), intent.into_write(&self.keys, now)?]);
        writes.extend(self.org_record(&organisation, EventKind::OrgMemberInvited, &a.account, invitee.as_ref().map(|i| i.id), Some(email.as_str()), format!("role {}", role.as_str()), client));
        match self.commit_guarded(writes).await? {
            Ok(()) => Ok(OrgInvited { invitation }),
            Err(i) if i < charges.keys().len() => Err(self.limited(&charges, i).await?),
            Err(_) => Err(Error::internal("an invitation's write was refused")),
        }
    }

    /// The open invitation a link names, refused with a typed error when unknown,
    /// used or expired.
    async fn open_invitation(&self, token: &str) -> Result<(OrgInvitation, Organisation)> {
        if token.is_empty() || token.len() > 100 {
            return Err(invitation_invalid());
        }
        let inv = self.store.org_invitation(&self.keys.hash_invitation(token)).await?.ok_or_else(invitation_invalid)?;
        if inv.accepted_at.is_some() {
            return Err(Error::conflict("org.invitation_used", "this invitation was accepted already"));
        }
        if inv.expires_at <= self.now() {
            return Err(Error::conflict("org.invitation_expired", "this invitation has expired; ask for a new one"));
        }
        let org = self.store.organisation(inv.org_id).await?.ok_or_else(invitation_invalid)?;
        Ok((inv, org))
    }

    /// What an invitation link offers (no sign-in needed to read it).
    pub async fn invitation_view(&self, token: &str) -> Result<InvitationView> {
        let (inv, org) = self.open_invitation(token).await?;
        Ok(InvitationView { org, role: inv.role, email: inv.email, expires_at: inv.expires_at })
    }

    /// Accepts an invitation: only the account whose verified address it was sent to,
    /// with 2SV on and passed in this session. Single use, race-safe (the store's guard).
    pub async fn accept_invitation(&self, a: &Authed, token: &str, client: &ClientInfo) -> Result<(Organisation, OrgRole)> {
        let (inv, org) = self.open_invitation(token).await?;
        if a.account.email_verified_at.is_none() || !a.account.email.as_str().eq_ignore_ascii_case(&inv.email) {
            return Err(Error::Forbidden { code: "org.invitation_wrong_account", message: "this invitation was sent to another address: sign in with that one".into() });
        }
        self.org_gate(a)?;
        let now = self.now();
        let mut writes = vec![Write::AcceptOrgInvitation { invitation: inv.id, org: org.id, account: a.account.id, role: inv.role, now }];
        let inviter = self.store.account(inv.invited_by).await?;
        // The joiner acts; the inviter is told in their own log too.
        writes.extend(self.org_record(&org, EventKind::OrgMemberJoined, &a.account, inviter.map(|i| i.id), Some(a.account.email.as_str()), format!("role {}", inv.role.as_str()), client));
        match self.store.commit(writes).await {
            Ok(()) => Ok((org, inv.role)),
            Err(crate::ports::CommitError::Unique) => Err(Error::conflict("org.already_member", "you are a member of this organisation already")),
            Err(crate::ports::CommitError::Guard(_)) => Err(Error::conflict("org.invitation_used", "this invitation was accepted already")),
            Err(crate::ports::CommitError::Store(e)) => Err(e),
        }
    }

    /// After a refused owner change: whether it was refused for the last owner, or
    /// because the member changed meanwhile.
    async fn owner_refusal(&self, org: OrgId, account: AccountId) -> Result<Error> {
        let members = self.store.org_members(org).await?;
        let owners = members.iter().filter(|m| m.role == OrgRole::Owner).count();
        Ok(match members.iter().find(|m| m.account_id == account) {
            Some(m) if m.role == OrgRole::Owner && owners <= 1 => last_owner(),
            Some(_) => Error::conflict("org.member_changed", "the member changed meanwhile; look again"),
            None => member_unknown(),
        })
    }

    /// Gives a member another role. Both the member's role and the new one must be
    /// within the acting member's reach; the last owner cannot be demoted.
    pub async fn change_org_role(&self, a: &Authed, org: OrgId, account: AccountId, role: OrgRole, client: &ClientInfo) -> Result<OrgMember> {
        let (organisation, members, me) = self.org_acting(a, org, OrgAction::ChangeRole, Some(role)).await?;
        let member = members.iter().find(|m| m.account_id == account).cloned().ok_or_else(member_unknown)?;
        if !me.role.permits(OrgAction::ChangeRole, Some(member.role)) {
            return Err(not_permitted(me.role));
        }
        if member.role == role {
            return Ok(member);
        }
        if member.role == OrgRole::Owner && members.iter().filter(|m| m.role == OrgRole::Owner).count() <= 1 {
            return Err(last_owner());
        }
        let mut writes = vec![Write::SetOrgRole { org, account, from: member.role, to: role }];
        writes.extend(self.org_record(&organisation, EventKind::OrgRoleChanged, &a.account, Some(account), Some(&member.email), format!("role {} to {}", member.role.as_str(), role.as_str()), client));
        match self.commit_guarded(writes).await? {
            Ok(()) => Ok(OrgMember { role, ..member }),
            Err(_) => Err(self.owner_refusal(org, account).await?),
        }
    }

    /// Removes another member (leaving is `leave_organisation`); the last owner stays.
    pub async fn remove_org_member(&self, a: &Authed, org: OrgId, account: AccountId, client: &ClientInfo) -> Result<OrgMember> {
        if account == a.account.id {
            return self.leave_organisation(a, org, client).await;
        }
        self.org_gate(a)?;
        let members = self.store.org_members(org).await?;
        let member = members.iter().find(|m| m.account_id == account).cloned();
        let target = member.as_ref().map(|m| m.role);
        let (organisation, members, _) = self.org_acting(a, org, OrgAction::RemoveMember, target.or(Some(OrgRole::Staff))).await?;
        let member = member.filter(|m| members.iter().any(|x| x.account_id == m.account_id)).ok_or_else(member_unknown)?;
        self.remove_writes(organisation, member, EventKind::OrgMemberRemoved, a, client).await
    }

    /// Leaves the organisation; the last owner cannot.
    pub async fn leave_organisation(&self, a: &Authed, org: OrgId, client: &ClientInfo) -> Result<OrgMember> {
        let (organisation, _, me) = self.org_acting(a, org, OrgAction::ViewMembers, None).await?;
        self.remove_writes(organisation, me, EventKind::OrgMemberLeft, a, client).await
    }

    async fn remove_writes(&self, organisation: Organisation, member: OrgMember, kind: EventKind, a: &Authed, client: &ClientInfo) -> Result<OrgMember> {
        let org = organisation.id;
        let mut writes = vec![Write::RemoveOrgMember { org, account: member.account_id, from: member.role }];
        let subject = (member.account_id != a.account.id).then_some(member.account_id);
        writes.extend(self.org_record(&organisation, kind, &a.account, subject, Some(&member.email), format!("role {}", member.role.as_str()), client));
        match self.commit_guarded(writes).await? {
            Ok(()) => Ok(member),
            Err(_) => Err(self.owner_refusal(org, member.account_id).await?),
        }
    }
}
