//! Podium's server: the HTTP API over the in-memory rank index, PostgreSQL storage with a
//! change feed shared by every process, grouped durable writes, metrics, and the `podium` CLI.

pub mod accounts;
pub mod app;
pub mod audit;
pub mod changes;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod flags;
pub mod http;
pub mod jobs;
pub mod leaderboards;
pub mod leagues;
pub mod memory;
pub mod metrics;
pub mod model;
pub mod profiles;
pub mod state;
pub mod sync;
pub mod tasks;
pub mod telemetry;

pub use app::{RunOptions, run};
pub use state::AppState;

/// This build's version, git commit and build time.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const GIT_COMMIT: &str = env!("PODIUM_GIT_COMMIT");
pub const BUILD_TIME: &str = env!("PODIUM_BUILD_TIME");
