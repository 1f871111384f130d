//! The `ninsho` server: configuration, the HTTP API, the CLI and the benchmark, around
//! the domain's `Services`. `App::start` is the one way to run it — for `serve`, for
//! the tests and for the benchmark.

pub mod api;
pub mod app;
pub mod audit;
pub mod bench;
pub mod cli;
pub mod config;
pub mod geoip;
pub mod import;
pub mod logging;
pub mod metrics;
pub mod oidc;
pub mod serve;
pub mod service_api;
pub mod settings;
pub mod web;

pub use app::{App, Running};
pub use config::Config;
