//! Delivery: the outbox dispatcher and the channel providers. The domain writes a
//! message intent into the outbox in the same transaction as the change it announces;
//! the dispatcher leases it, renders it in the account's language and hands it to the
//! provider for its channel, retrying with back-off until it is sent or too old.

pub mod dispatcher;
pub mod providers;
pub mod render;
pub mod sms;
pub mod webhooks;

pub use dispatcher::{DispatchConfig, Dispatcher};
pub use providers::{Provider, Providers};
pub use webhooks::{WebhookConfig, WebhookSender};

/// Installs the process-wide rustls crypto provider (ring). With HTTPS webhooks on,
/// every reqwest client in the process needs one; call before building clients.
/// Idempotent.
pub fn install_tls_provider() {
    #[cfg(feature = "tls")]
    let _ = rustls::crypto::ring::default_provider().install_default();
}
