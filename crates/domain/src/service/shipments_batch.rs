//! F-DLV-6: many shipments at once — the batch call, the CSV import, the bench. Each
//! item is answered as if it had been registered alone (same checks, same rules, the
//! same order id is the same delivery), but the new ones are read and written in bulk:
//! one read of the known orders, one of the accounts, and one list of writes whose rows
//! go many to a statement. That list commits whole or not at all; when a unique order
//! or tracking id refuses it (another request registered one meanwhile), every item
//! is registered again on its own, so no item is ever half written and a refused item
//! stops no other.

use std::collections::{HashMap, HashSet};

use super::deliveries::delivery_destination_of;
use super::*;
use crate::ports::{CommitError, Delivery, DeliveryStatus, NewShipment, ServiceClient, ShipmentCode};

/// The most shipments one batch call carries.
pub const BATCH_MAX: usize = 1000;

/// The shipment a delivery was registered from (to register it again on its own).
fn shipment_of(d: Delivery) -> Shipment {
    Shipment {
        order_id: d.order_id,
        account: d.account_id,
        amount: d.amount,
        categories: d.categories,
        country: d.country,
        time_zone: d.time_zone,
        carrier: d.carrier,
        tracking_id: d.tracking_id,
        delivery_date: d.delivery_date,
        address_changed_days_ago: d.address_changed_days_ago,
    }
}

fn unknown_account() -> Error {
    Error::invalid("account.unknown", "sub", "no account has this id")
}

impl<S: Store> Services<S> {
    /// F-DLV-6: registers many shipments; one answer per item, in order. An item that
    /// could not be read arrives as its error and is answered with it. Only a failure of
    /// the store itself (an outage) fails the whole call; what earlier calls committed
    /// stays, and the same items again are the same deliveries.
    pub async fn register_shipments(&self, client: &ServiceClient, items: Vec<Result<Shipment>>) -> Result<Vec<Result<Registered>>> {
        client.require(Scope::DeliveriesWrite)?;
        let mut out: Vec<Option<Result<Registered>>> = (0..items.len()).map(|_| None).collect();
        let mut checked = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            match item.and_then(|s| self.check_shipment(&s).map(|until| (s, until))) {
                Ok((s, until)) => checked.push((i, s, until)),
                Err(e) => out[i] = Some(Err(e)),
            }
        }
        let orders: Vec<String> = checked.iter().map(|(_, s, _)| s.order_id.clone()).collect();
        let mut known: HashMap<String, Delivery> = HashMap::new();
        if !orders.is_empty() {
            known = self.store.deliveries_by_orders(client.id, &orders).await?.into_iter().map(|d| (d.order_id.clone(), d)).collect();
        }
        // New orders go in bulk; a known order is answered as the single call answers
        // it; an order or tracking id given twice in one batch waits for the bulk write,
        // so that its second mention finds the first.
        let (mut fresh, mut same, mut later) = (Vec::new(), Vec::new(), Vec::new());
        let (mut seen_orders, mut seen_tracking) = (HashSet::new(), HashSet::new());
        for (i, s, until) in checked {
            if let Some(d) = known.remove(&s.order_id) {
                seen_orders.insert(s.order_id.clone());
                same.push((i, d, s, until));
            } else if !seen_orders.insert(s.order_id.clone()) || !seen_tracking.insert(s.tracking_id.clone()) {
                later.push((i, s));
            } else {
                fresh.push((i, s, until));
            }
        }
        let accounts: Vec<AccountId> = fresh.iter().map(|(_, s, _)| s.account).collect::<HashSet<_>>().into_iter().collect();
        let recipients: HashMap<AccountId, (Account, (Channel, String))> = if accounts.is_empty() {
            HashMap::new()
        } else {
            self.store.recipients(&accounts).await?.into_iter().map(|(a, f)| (a.id, (delivery_destination_of(&a, &f), a))).map(|(id, (d, a))| (id, (a, d))).collect()
        };
        let now = self.now();
        let mut rows = Vec::with_capacity(fresh.len());
        let mut made = Vec::with_capacity(fresh.len());
        for (i, s, until) in fresh {
            let Some((account, to)) = recipients.get(&s.account) else {
                out[i] = Some(Err(unknown_account()));
                continue;
            };
            if let Err(e) = self.ensure_unlocked(account) {
                out[i] = Some(Err(e));
                continue;
            }
            match self.new_shipment(client, account, to, s, until, now) {
                Ok((row, registered)) => {
                    rows.push(row);
                    made.push((i, registered));
                }
                Err(e) => out[i] = Some(Err(e)),
            }
        }
        if !rows.is_empty() {
            match self.store.commit(vec![Write::InsertShipments(rows)]).await {
                Ok(()) => {
                    for (i, r) in made {
                        out[i] = Some(Ok(r));
                    }
                }
                // Nothing of the list was kept: each item again, on its own, with a
                // fresh code (the one prepared here was never stored nor sent).
                Err(CommitError::Unique | CommitError::Guard(_)) => later.extend(made.into_iter().map(|(i, r)| (i, shipment_of(r.delivery)))),
                Err(CommitError::Store(e)) => return Err(e),
            }
        }
        for (i, d, s, until) in same {
            out[i] = Some(self.same_order(d, s, until).await);
        }
        later.sort_by_key(|(i, _)| *i);
        for (i, s) in later {
            out[i] = Some(self.register_shipment(client, s).await);
        }
        Ok(out.into_iter().map(|o| o.unwrap_or_else(|| Err(Error::internal("a shipment without an answer")))).collect())
    }

    /// A new delivery's rows, decided by the rules: with its code, message and event
    /// when one is required. Nothing is read or written here.
    fn new_shipment(&self, client: &ServiceClient, account: &Account, to: &(Channel, String), s: Shipment, until: UnixMillis, now: UnixMillis) -> Result<(NewShipment, Registered)> {
        let mut delivery = self.decided_delivery(client, account, s, now);
        if delivery.status != DeliveryStatus::Pending {
            let registered = Registered { delivery: delivery.clone(), created: true, valid_until: None, sent: None };
            return Ok((NewShipment { delivery, code: None }, registered));
        }
        let (code, message, event, sent) = self.new_delivery_code(account, delivery.id, to, until, now)?;
        delivery.code = Some(code);
        let registered = Registered { delivery: delivery.clone(), created: true, valid_until: Some(until), sent: Some(sent) };
        Ok((NewShipment { delivery, code: Some(ShipmentCode { message, event }) }, registered))
    }

    /// The client an import registers for, by name or id: it must be active and may
    /// register shipments.
    pub async fn shipping_client(&self, which: &str) -> Result<ServiceClient> {
        let client = self
            .service_clients()
            .await?
            .into_iter()
            .find(|c| c.name == which || c.id.to_string() == which)
            .ok_or_else(|| Error::invalid("client.unknown", "client", format!("no service client is named {which}")))?;
        if client.revoked_at.is_some() {
            return Err(Error::conflict("client.revoked", "this client is revoked"));
        }
        client.require(Scope::DeliveriesWrite)?;
        Ok(client)
    }
}
