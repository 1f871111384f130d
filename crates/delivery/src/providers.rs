//! Channel providers. In this version the development inbox is the one provider: it
//! keeps what would be sent in the database, readable at `/dev/inbox` and by tests.
//! Real SMTP, SMS gateway and voice providers plug in here.

use ninsho_domain::ports::{OutboxMessage, OutboxStore};
use ninsho_domain::types::UnixMillis;

use crate::render::Rendered;

#[derive(Clone, Debug)]
pub enum Provider {
    DevInbox,
}

impl Provider {
    pub fn name(&self) -> &'static str {
        match self {
            Provider::DevInbox => "dev-inbox",
        }
    }

    /// Sends one message. Idempotent per message id, so a retry after a crash between
    /// send and `mark_sent` does not deliver twice where the provider allows it.
    pub async fn send<S: OutboxStore>(&self, store: &S, m: &OutboxMessage, r: &Rendered, now: UnixMillis) -> Result<(), String> {
        match self {
            Provider::DevInbox => {
                let body = match &r.subject {
                    Some(s) => format!("Subject: {s}\n\n{}", r.body),
                    None => r.body.clone(),
                };
                store.dev_inbox_put(m.id, m.channel, &m.destination, &body, now).await.map_err(|e| e.to_string())
            }
        }
    }
}
