//! F-INT-4: the operator's event webhook endpoints. Deliveries themselves are written
//! with each event (`Write::InsertEvent`) and sent by the delivery crate's sender.

use secrecy::SecretString;
use zeroize::Zeroizing;

use super::Services;
use crate::crypto::fill_random;
use crate::error::{Error, Result};
use crate::ports::{Store, Write};
use crate::types::*;
use crate::webhooks::{SECRET_BYTES, TopicFilter, WebhookEndpoint, WebhookStore, check_url, secret_aad, secret_text};

fn check_name(name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok { Ok(()) } else { Err(Error::invalid("webhook.name_invalid", "name", "an endpoint name is 1 to 64 letters, digits, '-', '_' or '.'")) }
}

impl<S: Store + WebhookStore> Services<S> {
    /// Registers an endpoint for `events` (`all`, or topic names separated by commas).
    /// Its signing secret (`whsec_…`) is returned this once; ninsho keeps it sealed.
    pub async fn add_webhook_endpoint(&self, name: &str, url: &str, events: &str) -> Result<(WebhookEndpoint, SecretString)> {
        check_name(name)?;
        let url = check_url(url)?;
        let topics = TopicFilter::parse(events)?;
        let mut key = Zeroizing::new([0u8; SECRET_BYTES]);
        fill_random(key.as_mut_slice())?;
        let id = WebhookEndpointId::new();
        let endpoint = WebhookEndpoint {
            id,
            name: name.to_string(),
            url: url.to_string(),
            topics,
            sealed_secret: self.keys.seal(&secret_aad(id), key.as_slice())?,
            created_at: self.now(),
            removed_at: None,
        };
        let event = self.event(None, EventKind::WebhookEndpointAdded, &ClientInfo::default(), format!("webhook {id}"));
        match self.commit(vec![Write::InsertWebhookEndpoint(endpoint.clone()), event]).await {
            Err(Error::Conflict { .. }) => Err(Error::conflict("webhook.name_taken", format!("an endpoint named {name} exists"))),
            other => other.map(|()| (endpoint, SecretString::from(secret_text(key.as_slice())))),
        }
    }

    pub async fn webhook_endpoints(&self) -> Result<Vec<WebhookEndpoint>> {
        self.store.webhook_endpoints().await
    }

    /// Stops every delivery to the endpoint (by name or id), those waiting included.
    pub async fn remove_webhook_endpoint(&self, which: &str) -> Result<WebhookEndpoint> {
        let all = self.store.webhook_endpoints().await?;
        let endpoint = all.into_iter().find(|e| e.name == which || e.id.to_string() == which).ok_or(Error::NotFound)?;
        let event = self.event(None, EventKind::WebhookEndpointRemoved, &ClientInfo::default(), format!("webhook {}", endpoint.id));
        self.commit(vec![Write::RemoveWebhookEndpoint { id: endpoint.id, now: self.now() }, event])
            .await
            .map_err(|e| if matches!(e, Error::Conflict { .. }) { Error::conflict("webhook.removed", "this endpoint is already removed") } else { e })?;
        Ok(endpoint)
    }
}
