//! One module per group of pages; each handler reads the `Ctx`, calls `Services`,
//! and renders a template or redirects (post/redirect/get).

pub mod account;
pub mod auth;
pub mod code;
pub mod courier;
pub mod organisations;
pub mod support;
pub mod deliveries;
pub mod dev;
pub mod devices;
pub mod links;
pub mod messages;
pub mod recovery;
pub mod reset;
pub mod safety;
pub mod suspension;
pub mod setup;
pub mod step_up;
