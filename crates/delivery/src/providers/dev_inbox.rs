//! The development inbox: keeps what would be sent in the database, readable at
//! `/dev/inbox` and by tests. Idempotent per message id.

use ninsho_domain::ports::{OutboxMessage, OutboxStore};
use ninsho_domain::types::UnixMillis;

use crate::render::Rendered;

pub async fn send<S: OutboxStore>(store: &S, m: &OutboxMessage, r: &Rendered, now: UnixMillis) -> Result<(), String> {
    let body = match &r.subject {
        Some(s) => format!("Subject: {s}\n\n{}", r.body),
        None => r.body.clone(),
    };
    store.dev_inbox_put(m.id, m.channel, &m.destination, &body, now).await.map_err(|e| e.to_string())
}
