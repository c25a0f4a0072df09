//! Black-box tests: a real Podium server on port 0 against a real PostgreSQL, one fresh
//! database per test. One binary, so it links once.

mod support;

mod accounts;
mod authorization;
mod convergence;
mod entries;
mod errors;
mod failover;
mod flags;
mod isolation;
mod jobs;
mod leaderboards;
mod league_snapshots;
mod leagues;
mod operators;
mod periods;
mod process;
mod profiles;
mod restore;
mod scores;
mod settings;
mod surface;
