//! F-DLV-3: couriers of carriers without an app of their own. The operator creates a
//! courier's account for a carrier's service client; the courier signs in on ninsho's
//! pages with a password and a second factor (2SV is mandatory: until it is on, the
//! door page refuses and points to the setup), then enters tracking ids and codes at
//! `/courier`. A handover there is the carrier client's, recorded with the courier.

use secrecy::SecretString;

use super::*;
use crate::email::Email;
use crate::ports::ServiceClient;

/// A courier account as the operator created it; the password is shown this once.
pub struct CourierAdded {
    pub account: Account,
    pub client: ServiceClient,
    pub password: SecretString,
}

impl<S: Store> Services<S> {
    /// An account the operator creates for someone's work (a courier, a staff member),
    /// with a random first password to hand over; the address is vouched for.
    pub(crate) async fn operator_made_account(&self, email: Email) -> Result<(Account, SecretString)> {
        let password = crate::crypto::random_token()?;
        let hash = self.hasher.hash(&SecretString::from(password.clone())).await?;
        let now = self.now();
        let account = Account {
            id: AccountId::new(),
            email,
            password_hash: hash,
            locale: Locale::default(),
            created_at: now,
            email_verified_at: Some(now),
            last_sign_in_at: None,
            credentials_changed_at: None,
            twosv_enabled_at: None,
            preferred_factor: None,
            signin_alerts: true,
            time_zone: None,
            locked_until: None,
            twosv_suspended_until: None,
        };
        Ok((account, SecretString::from(password)))
    }

    /// For accounts that work for the shop (couriers, staff): 2SV is on (else `off`,
    /// which names the setup the page points to) and this session passed a second
    /// factor, at sign-in or in a step-up.
    pub(crate) fn require_two_step_session(a: &Authed, off: Error) -> Result<()> {
        if a.account.twosv_enabled_at.is_none() {
            return Err(off);
        }
        let second = a.session.auth_methods.iter().chain(a.session.step_up_method.iter()).any(|m| m.is_second_factor());
        if second { Ok(()) } else { Err(Error::StepUpRequired) }
    }

    /// Creates a courier's account for the carrier client `carrier` (by name or id),
    /// with a random first password the operator hands over; the courier sets up 2SV
    /// at the first sign-in.
    pub async fn add_courier(&self, email: &str, carrier: &str) -> Result<CourierAdded> {
        let email = Email::parse(email)?;
        let client = self.service_clients().await?.into_iter().find(|c| c.name == carrier || c.id.to_string() == carrier).ok_or_else(|| {
            Error::invalid("courier.carrier_unknown", "carrier", format!("no service client named {carrier}"))
        })?;
        if client.revoked_at.is_some() || client.require(Scope::DeliveriesVerify).is_err() {
            return Err(Error::invalid("courier.carrier_invalid", "carrier", "the carrier's client must be active and have the deliveries:verify scope"));
        }
        let (account, password) = self.operator_made_account(email).await?;
        let event = self.event(Some(account.id), EventKind::CourierAdded, &ClientInfo::default(), format!("client {}", client.id));
        match self.commit(vec![Write::InsertAccount(account.clone()), Write::InsertCourier { account: account.id, client: client.id, now: account.created_at }, event]).await {
            Err(Error::Conflict { .. }) => Err(Error::conflict("courier.email_taken", "an account has this address")),
            Err(e) => Err(e),
            Ok(()) => Ok(CourierAdded { account, client, password }),
        }
    }

    /// The carrier client a signed-in courier works for. Refused unless the account is a
    /// courier's, 2SV is on, and this session passed a second factor.
    pub async fn courier_client(&self, a: &Authed) -> Result<ServiceClient> {
        let client_id = self.store.courier_client(a.account.id).await?.ok_or(Error::NotFound)?;
        Self::require_two_step_session(a, Error::conflict("courier.two_step_required", "couriers turn on two-step verification before taking codes at the door"))?;
        let client = self.service_clients().await?.into_iter().find(|c| c.id == client_id).ok_or(Error::NotFound)?;
        if client.revoked_at.is_some() {
            return Err(Error::conflict("courier.carrier_revoked", "the carrier's access is revoked"));
        }
        Ok(client)
    }

    /// A handover entered on the courier's page: the carrier's, with this courier.
    pub async fn courier_hand_over(&self, a: &Authed, tracking: &str, code: SecretString) -> Result<super::Handover> {
        let client = self.courier_client(a).await?;
        let tracking = tracking.trim();
        if tracking.is_empty() || tracking.len() > 100 {
            return Err(Error::invalid("delivery.tracking_id_invalid", "tracking_id", "enter the tracking number on the parcel"));
        }
        self.hand_over(&client, tracking, code, &format!("courier-{}", a.account.id)).await.map_err(|e| match e {
            // Another carrier's parcel is no parcel of this courier's.
            Error::NotFound => Error::invalid("delivery.unknown", "tracking_id", "no parcel of your carrier has this tracking number"),
            e => e,
        })
    }
}
