//! What use cases hand back to adapters: plain data, secrets already masked.

use serde::Serialize;

use crate::device::Device;
use crate::place::Place;
use crate::ports::{Account, Event, Factor, Session, TrustedBrowser};
use crate::types::*;
use crate::zone::{TimeZoneName, ZoneSource};

#[derive(Clone, Debug, Serialize)]
pub struct MethodView {
    pub id: FactorId,
    pub kind: FactorKind,
    /// For phones: SMS or voice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// A masked phone number or e-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// A phone's last four digits: pages name the number by them ("末尾5678"). The API
    /// has the masked `destination`.
    #[serde(skip)]
    pub phone_tail: Option<String>,
    pub verified: bool,
    pub disabled: bool,
    pub preferred: bool,
    /// SMS and voice are "restricted" authenticators (NIST SP 800-63B-4).
    pub restricted: bool,
    pub created_at: UnixMillis,
}

impl MethodView {
    pub fn of(f: &Factor, account: &Account) -> Self {
        let destination = match f.kind {
            FactorKind::Phone => f.phone.as_ref().map(|p| p.masked()),
            FactorKind::Email => Some(account.email.masked()),
            _ => None,
        };
        MethodView {
            id: f.id,
            kind: f.kind,
            channel: f.channel,
            destination,
            phone_tail: f.phone.as_ref().map(|p| p.tail().to_string()),
            verified: f.verified_at.is_some(),
            disabled: f.disabled_at.is_some(),
            preferred: account.preferred_factor == Some(f.id),
            restricted: f.kind == FactorKind::Phone,
            created_at: f.created_at,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct AccountView {
    pub id: AccountId,
    pub email: String,
    pub locale: Locale,
    /// 2SV is set up, paused or not.
    pub two_step_enabled: bool,
    /// F-OFF-2: while 2SV is paused, when it is back on by itself.
    pub two_step_suspended_until: Option<UnixMillis>,
    pub email_verified: bool,
    pub created_at: UnixMillis,
    pub methods: Vec<MethodView>,
    pub backup_codes_left: i64,
    /// The zone times are shown in (F-DEV-1/3), and whether the owner chose it.
    pub time_zone: TimeZoneName,
    pub time_zone_source: ZoneSource,
}

#[derive(Clone, Debug, Serialize)]
pub struct SessionView {
    pub id: SessionId,
    pub current: bool,
    /// What the client called itself (`X-Device-Name`), if it did.
    pub device_name: Option<String>,
    pub user_agent: Option<String>,
    /// The browser and system read from the user agent.
    #[serde(flatten)]
    pub device: Device,
    pub ip: Option<String>,
    /// Only with the operator's GeoIP database, and only for public addresses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
    pub created_at: UnixMillis,
    pub last_seen_at: UnixMillis,
}

impl SessionView {
    pub fn of(s: &Session, current: SessionId, place: Option<Place>) -> Self {
        SessionView {
            id: s.id,
            current: s.id == current,
            device_name: s.device_name.clone(),
            user_agent: s.user_agent.clone(),
            device: Device::from_user_agent(s.user_agent.as_deref()),
            ip: s.ip.clone(),
            place,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct TrustedBrowserView {
    pub id: TrustedBrowserId,
    pub user_agent: Option<String>,
    #[serde(flatten)]
    pub device: Device,
    pub created_at: UnixMillis,
    pub expires_at: UnixMillis,
    pub last_used_at: Option<UnixMillis>,
}

impl TrustedBrowserView {
    pub fn of(t: &TrustedBrowser) -> Self {
        TrustedBrowserView {
            id: t.id,
            user_agent: t.user_agent.clone(),
            device: Device::from_user_agent(t.user_agent.as_deref()),
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct HistoryEntry {
    pub at: UnixMillis,
    pub kind: EventKind,
    pub detail: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    #[serde(flatten)]
    pub device: Device,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
    /// From a device this account had never signed in from before (F-DEV-3).
    pub unfamiliar: bool,
}

impl HistoryEntry {
    /// As the account's owner reads it: an action of support says "support", not
    /// which member (that is in the staff log), so no staff address reaches a shopper.
    pub fn for_owner(mut self) -> Self {
        if self.user_agent.as_deref().is_some_and(|ua| ua.starts_with("support: ")) {
            self.user_agent = Some("support".into());
        }
        self
    }

    pub fn of(e: &Event, place: Option<Place>) -> Self {
        HistoryEntry {
            at: e.at,
            kind: e.kind,
            detail: e.detail.clone(),
            ip: e.ip.clone(),
            user_agent: e.user_agent.clone(),
            device: Device::from_user_agent(e.user_agent.as_deref()),
            place,
            unfamiliar: e.unfamiliar,
        }
    }
}
