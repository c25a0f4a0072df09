//! Podium's server: the HTTP API over the in-memory rank index, PostgreSQL storage with a
//! change feed shared by every process, grouped durable writes, metrics, and the `podium` CLI.

pub mod app;
pub mod audit;
pub mod auth;
pub mod avatar;
pub mod batcher;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod feed;
pub mod flags;
pub mod http;
pub mod jobs;
pub mod league;
pub mod metrics;
pub mod model;
pub mod rank;
pub mod telemetry;

pub use app::{AppState, RunOptions, run};

/// This build's version, git commit and build time.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const GIT_COMMIT: &str = env!("PODIUM_GIT_COMMIT");
pub const BUILD_TIME: &str = env!("PODIUM_BUILD_TIME");
