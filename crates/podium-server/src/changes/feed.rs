//! Applies the change log to this process's rank index, strictly in sequence order. Changes
//! come from this process's own commits (applied at once, for read-your-writes), from NOTIFY
//! wake-ups, and from a once-a-second poll that catches anything a lost notification missed.

use std::{
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    time::{Duration, Instant},
};

use sqlx::{PgPool, postgres::PgListener};
use tokio::sync::{Mutex, MutexGuard};

use super::{Apply, Change, RankMove, Seq, log as changes};
use crate::metrics as m;

const PAGE: i64 = 5000;
/// Longest wait for one page of the change log. A page takes milliseconds; a read that takes
/// longer is stuck on a connection whose host was cut off (TCP retransmits for many minutes),
/// and giving up lets the next poll take a fresh connection once the network is back.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// The applier. Whoever holds `applied` may change the index.
#[derive(Debug)]
pub struct Feed {
    pool: PgPool,
    memory: Arc<dyn Apply>,
    applied: Mutex<Seq>,
    applied_seq: AtomicI64,
}

/// Proof that the caller holds the applier: taken before a commit so that no change committed
/// after ours can be applied before ours.
pub type ApplierGuard<'a> = MutexGuard<'a, Seq>;

impl Feed {
    /// A feed that applies the log to `memory`.
    pub fn new(pool: PgPool, memory: Arc<dyn Apply>) -> Self {
        Self {
            pool,
            memory,
            applied: Mutex::new(Seq(0)),
            applied_seq: AtomicI64::new(0),
        }
    }

    pub fn applied_seq(&self) -> Seq {
        Seq(self.applied_seq.load(Ordering::Relaxed))
    }

    fn set_applied(&self, applied: &mut ApplierGuard<'_>, seq: Seq) {
        **applied = seq;
        self.applied_seq.store(seq.get(), Ordering::Relaxed);
        metrics::gauge!(m::CHANGE_SEQ).set(seq.get() as f64);
    }

    /// Loads the whole in-memory state from PostgreSQL in one consistent snapshot.
    pub async fn load(&self) -> Result<usize, sqlx::Error> {
        let mut applied = self.applied.lock().await;
        self.reload(&mut applied).await
    }

    async fn reload(&self, applied: &mut ApplierGuard<'_>) -> Result<usize, sqlx::Error> {
        let started = Instant::now();
        let super::Loaded { seq, entries } = self.memory.reload(&self.pool).await?;
        self.set_applied(applied, seq);
        tracing::info!(
            entries,
            seq = seq.get(),
            seconds = started.elapsed().as_secs_f64(),
            "rank index loaded"
        );
        Ok(entries)
    }

    /// Takes the applier; hold it across the commit of changes starting at some sequence.
    pub async fn lock(&self) -> ApplierGuard<'_> {
        self.applied.lock().await
    }

    /// Applies this process's own committed changes (`first_seq`…), after any changes other
    /// processes committed before them. Returns the rank move of each change.
    pub async fn apply_own(
        &self,
        applied: &mut ApplierGuard<'_>,
        first_seq: Seq,
        own: Vec<Change>,
    ) -> Result<Vec<RankMove>, sqlx::Error> {
        let before = first_seq.plus(-1);
        if **applied < before {
            self.fill(applied, before).await?;
        }
        let n = own.len();
        let moves = own.into_iter().map(|c| self.memory.apply(c)).collect();
        let last = before.plus(n as i64);
        if last > **applied {
            self.set_applied(applied, last);
        }
        metrics::counter!(m::CHANGES_APPLIED, "origin" => "own").increment(n as u64);
        Ok(moves)
    }

    /// Applies every committed change this process has not seen.
    pub async fn catch_up(&self) -> Result<(), sqlx::Error> {
        let mut applied = self.applied.lock().await;
        self.fill(&mut applied, Seq::END).await
    }

    async fn fill(&self, applied: &mut ApplierGuard<'_>, until: Seq) -> Result<(), sqlx::Error> {
        loop {
            let rows = tokio::time::timeout(
                FETCH_TIMEOUT,
                changes::fetch(&self.pool, **applied, until, PAGE),
            )
            .await
            .map_err(|_| {
                sqlx::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "reading the change log took too long",
                ))
            })??;
            let Some((first, _)) = rows.first() else {
                return Ok(());
            };
            if *first != applied.plus(1) {
                // The changes we need were pruned: this process fell too far behind.
                tracing::warn!(
                    applied = applied.get(),
                    first = first.get(),
                    "change log no longer holds what this process missed; reloading the index"
                );
                self.reload(applied).await?;
                return Ok(());
            }
            let n = rows.len();
            for (seq, change) in rows {
                if let Some(change) = change {
                    self.memory.apply(change);
                }
                **applied = seq;
            }
            let at = **applied;
            self.set_applied(applied, at);
            metrics::counter!(m::CHANGES_APPLIED, "origin" => "feed").increment(n as u64);
            if (n as i64) < PAGE || **applied >= until {
                return Ok(());
            }
        }
    }

    /// Listens for NOTIFY and polls once a second until `shutdown` is cancelled.
    pub async fn follow(self: Arc<Self>, shutdown: tokio_util::sync::CancellationToken) {
        let mut listener = None;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if listener.is_none() {
                listener = match PgListener::connect_with(&self.pool).await {
                    Ok(mut l) => match l.listen(changes::CHANNEL).await {
                        Ok(()) => Some(l),
                        Err(e) => {
                            tracing::warn!(error = %e, "could not LISTEN for changes; polling");
                            None
                        }
                    },
                    Err(e) => {
                        tracing::warn!(error = %e, "could not connect the change listener; polling");
                        None
                    }
                };
            }
            let woke = async {
                match listener.as_mut() {
                    // The payload is the newest sequence committed; None when the connection
                    // was re-established (notifications may have been lost meanwhile).
                    Some(l) => l
                        .try_recv()
                        .await
                        .map(|n| n.and_then(|n| n.payload().parse::<i64>().ok())),
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => break,
                r = woke => match r {
                    // Our own commit (already applied) or one we have caught up past.
                    Ok(Some(seq)) if seq <= self.applied_seq().get() => continue,
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "change listener lost; reconnecting");
                        listener = None;
                    }
                },
                _ = tick.tick() => {}
            }
            if let Err(e) = self.catch_up().await {
                tracing::warn!(error = %e, "could not apply the change log");
            }
        }
    }

    /// Deletes old change-log rows every few minutes (any process may; it is idempotent).
    pub async fn prune_forever(self: Arc<Self>, retention_secs: u64) {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            match changes::prune(&self.pool, retention_secs as i64).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(rows = n, "pruned the change log"),
                Err(e) => tracing::warn!(error = %e, "could not prune the change log"),
            }
        }
    }
}
