//! What every request handler can reach: the pool, the in-memory state of every feature, the
//! writers and the configuration. Built by `app`; known only to `http`, the root and the CLI.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use sqlx::PgPool;

use crate::{
    accounts::Auth,
    changes::Feed,
    clock::Clock,
    config::Config,
    flags::Flags,
    leaderboards::{Ranks, writer::Batcher},
    leagues::Leagues,
    profiles::Profiles,
    tasks::Tasks,
};

/// What every request handler can reach.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

/// The parts, as the application wires them.
#[derive(Debug)]
pub struct Inner {
    pub pool: PgPool,
    /// The database host in use when `DATABASE_URL` names several (see `db::hosts`).
    pub primary: Option<Arc<crate::db::hosts::Primary>>,
    pub ranks: Arc<Ranks>,
    pub leagues: Arc<Leagues>,
    pub profiles: Arc<Profiles>,
    pub auth: Arc<Auth>,
    pub flags: Arc<Flags>,
    pub feed: Arc<Feed>,
    pub batcher: Batcher,
    /// The background-task supervisor (jobs are started through it).
    pub tasks: Tasks,
    pub clock: Clock,
    pub config: Arc<Config>,
}

#[derive(Debug)]
pub struct Shared {
    inner: Inner,
    warm: AtomicBool,
    draining: AtomicBool,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0.inner
    }
}

impl AppState {
    pub fn new(inner: Inner) -> Self {
        Self(Arc::new(Shared {
            inner,
            warm: AtomicBool::new(false),
            draining: AtomicBool::new(false),
        }))
    }

    /// The index is loaded: /readyz may say so.
    pub fn set_warm(&self) {
        self.0.warm.store(true, Ordering::Release);
    }

    /// Shutdown began: /readyz turns red so that load balancers stop sending.
    pub fn start_draining(&self) {
        self.0.draining.store(true, Ordering::Release);
    }

    /// Ready to serve: the index is warm and the process is not draining.
    pub fn is_ready(&self) -> bool {
        self.0.warm.load(Ordering::Acquire) && !self.0.draining.load(Ordering::Acquire)
    }
    pub fn is_warm(&self) -> bool {
        self.0.warm.load(Ordering::Acquire)
    }
    pub fn is_draining(&self) -> bool {
        self.0.draining.load(Ordering::Acquire)
    }
}
