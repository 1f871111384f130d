//! The rules of ninsho: what an account, a method, a challenge and a session are, and
//! the use cases (`service`) that every adapter (HTTP API, pages, CLI) calls.
//!
//! Nothing here opens a socket or speaks SQL: storage is reached through the `Store`
//! port, time through `Clock`, so every security rule tests in milliseconds.

pub mod audit;
pub mod authenticity;
pub mod config;
pub mod crypto;
pub mod delivery_rules;
pub mod device;
pub mod email;
pub mod error;
pub mod messages;
pub mod money;
pub mod oidc;
pub mod organisation;
pub mod otp;
pub mod password;
pub mod phone;
pub mod place;
pub mod ports;
pub mod reason;
pub mod risk;
pub mod service;
pub mod staff;
pub mod telemetry;
pub mod types;
pub mod webhooks;
pub mod zone;

pub use config::Policy;
pub use error::{Error, Result};
pub use service::Services;
