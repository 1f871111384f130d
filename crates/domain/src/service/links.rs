//! Signed links in messages ("deny", "approve", "reset your password"): the
//! challenge's id and the first 16 bytes of a MAC over it, `{id}.{mac}`. Each kind signs
//! under its own prefix, so that one kind's link never passes for another's — the deny
//! and reset links of one e-mail name the same challenge.

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkKind {
    Deny,
    /// F-DLV-2: the deny link of a delivery code's message; names the delivery.
    DenyDelivery,
    Approve,
    ResetPassword,
    /// F-OFF-3: in the notice of a 2SV reset request, names the request, not a challenge.
    CancelResetRequest,
    /// F-INT-3: the hosted page of a service's step-up; names the step-up.
    ServiceStepUp,
}

impl LinkKind {
    fn prefix(self) -> &'static [u8] {
        match self {
            // Deny links were signed without a prefix first; links still in inboxes work.
            LinkKind::Deny => b"",
            LinkKind::DenyDelivery => b"deny-delivery:",
            LinkKind::Approve => b"approve:",
            LinkKind::ResetPassword => b"reset-password:",
            LinkKind::CancelResetRequest => b"cancel-reset-request:",
            LinkKind::ServiceStepUp => b"service-step-up:",
        }
    }

    fn path(self) -> &'static str {
        match self {
            LinkKind::Deny | LinkKind::DenyDelivery => "deny",
            LinkKind::Approve => "approve",
            LinkKind::ResetPassword => "reset",
            LinkKind::CancelResetRequest => "recovery/cancel",
            LinkKind::ServiceStepUp => "step-up",
        }
    }
}

impl<S: Store> Services<S> {
    fn link_mac(&self, kind: LinkKind, id: uuid::Uuid) -> [u8; 32] {
        let mut data = kind.prefix().to_vec();
        data.extend_from_slice(id.as_bytes());
        self.keys.sign_link(&data)
    }

    /// The token of a link (the last part of its path).
    pub(crate) fn link_token(&self, kind: LinkKind, id: ChallengeId) -> String {
        self.token_of(kind, id.0)
    }

    fn token_of(&self, kind: LinkKind, id: uuid::Uuid) -> String {
        format!("{}.{}", id.simple(), data_encoding::BASE64URL_NOPAD.encode(&self.link_mac(kind, id)[..16]))
    }

    /// The whole link, under the public URL.
    pub(crate) fn link_url(&self, kind: LinkKind, id: ChallengeId) -> String {
        self.url_of(kind, id.0)
    }

    /// The whole link for what `id` names (a challenge, a reset request).
    pub(crate) fn url_of(&self, kind: LinkKind, id: uuid::Uuid) -> String {
        format!("{}/{}/{}", self.policy.public_url.trim_end_matches('/'), kind.path(), self.token_of(kind, id))
    }

    /// The challenge a token of `kind` names, if this server signed it.
    pub(crate) fn link_challenge(&self, kind: LinkKind, token: &str) -> Option<ChallengeId> {
        self.link_id(kind, token).map(ChallengeId)
    }

    /// What a token of `kind` names, if this server signed it; the MAC is compared in
    /// constant time.
    pub(crate) fn link_id(&self, kind: LinkKind, token: &str) -> Option<uuid::Uuid> {
        let (id, mac) = token.split_once('.')?;
        let id = uuid::Uuid::try_parse(id).ok()?;
        let mac = data_encoding::BASE64URL_NOPAD.decode(mac.as_bytes()).ok()?;
        (mac.len() == 16 && crate::crypto::ct_eq(&self.link_mac(kind, id)[..16], &mac)).then_some(id)
    }
}
