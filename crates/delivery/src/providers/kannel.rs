//! Placeholder until the real provider lands.

use ninsho_domain::ports::OutboxMessage;

use crate::render::Rendered;

#[derive(Clone, Debug)]
pub struct KannelProvider;

impl KannelProvider {
    pub async fn send(&self, _m: &OutboxMessage, _r: &Rendered) -> Result<(), String> {
        Err("not configured".into())
    }
}
