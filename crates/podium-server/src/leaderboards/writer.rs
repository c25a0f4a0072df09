//! Group commit for score submissions. Requests queue their jobs; one writer task takes every
//! job waiting (up to `batch_max` submissions), commits them in one transaction — one fsync for
//! the lot — applies the changes to the index and only then answers each caller.
//!
//! A job can fail only itself. Values PostgreSQL cannot store are refused at the edge; should
//! the database still refuse a group for something a value could cause (`db::blames_input`),
//! the group is split in halves and each half committed on its own, down to the one job at
//! fault, which alone gets the error.

use std::{sync::Arc, time::Instant};

use podium_core::board::Entry;
use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};

use crate::{
    changes::Change,
    changes::feed::Feed,
    clock::Clock,
    leaderboards::scores::{self, Job, JobError},
    metrics as m,
};

/// One submission's result, in request order.
#[derive(Debug, Clone)]
pub struct Written {
    pub entry: Entry,
    pub rank: Option<usize>,
    pub previous_rank: Option<usize>,
}

/// Why a job was not stored.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Refused(#[from] JobError),
    #[error("the database write failed: {0}")]
    Database(Arc<sqlx::Error>),
    #[error("the server is shutting down")]
    Closed,
}

struct Pending {
    job: Job,
    reply: oneshot::Sender<Result<Vec<Written>, WriteError>>,
}

/// The handle requests use to submit jobs.
#[derive(Clone, Debug)]
pub struct Batcher {
    tx: mpsc::Sender<Pending>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").field("job", &self.job).finish()
    }
}

impl Batcher {
    /// Starts the writer task; it ends (after flushing what is queued) when every handle is dropped.
    pub fn start(
        pool: PgPool,
        feed: Arc<Feed>,
        clock: Clock,
        batch_max: usize,
    ) -> (Batcher, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(16_384);
        let task = tokio::spawn(writer(rx, pool, feed, clock, batch_max));
        (Batcher { tx }, task)
    }

    /// Jobs waiting for the writer (not counting the batch it is writing).
    pub fn queued(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity()
    }

    /// Queues a job and waits until it is committed (or refused).
    pub async fn submit(&self, job: Job) -> Result<Vec<Written>, WriteError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Pending { job, reply })
            .await
            .map_err(|_| WriteError::Closed)?;
        rx.await.map_err(|_| WriteError::Closed)?
    }
}

async fn writer(
    mut rx: mpsc::Receiver<Pending>,
    pool: PgPool,
    feed: Arc<Feed>,
    clock: Clock,
    batch_max: usize,
) {
    let mut batch: Vec<Pending> = Vec::new();
    while let Some(first) = rx.recv().await {
        let mut items = first.job.items.len();
        batch.push(first);
        while items < batch_max {
            match rx.try_recv() {
                Ok(p) => {
                    items += p.job.items.len();
                    batch.push(p);
                }
                Err(_) => break,
            }
        }
        run(&pool, &feed, &clock, std::mem::take(&mut batch), items).await;
    }
    tracing::debug!("write batcher flushed and stopped");
}

async fn run(pool: &PgPool, feed: &Feed, clock: &Clock, batch: Vec<Pending>, items: usize) {
    let started = Instant::now();
    let (jobs, replies): (Vec<Job>, Vec<_>) = batch.into_iter().map(|p| (p.job, p.reply)).unzip();
    let answers = commit_isolated(pool, feed, clock, &jobs).await;
    metrics::histogram!(m::BATCH_SIZE).record(items as f64);
    metrics::histogram!(m::COMMIT_SECONDS).record(started.elapsed().as_secs_f64());
    for (reply, answer) in replies.into_iter().zip(answers) {
        let outcome = match &answer {
            Ok(_) => "stored",
            Err(WriteError::Database(_)) => "failed",
            Err(_) => "refused",
        };
        metrics::counter!(m::WRITES, "outcome" => outcome).increment(1);
        let _ = reply.send(answer);
    }
}

/// Commits `jobs` as one group if the database takes it, else splits it until each failure
/// belongs to the one job that caused it (`db::write_isolated`). Answers come in job order.
async fn commit_isolated(pool: &PgPool, feed: &Feed, clock: &Clock, jobs: &[Job]) -> Answers {
    crate::db::write_isolated(
        jobs.len(),
        "scores",
        |range| commit_retrying(pool, feed, clock, &jobs[range]),
        crate::db::blames_input,
        |e, range| {
            tracing::error!(error = %e, jobs = range.len(), "write batch failed");
            let e = Arc::new(e);
            range
                .map(|_| Err(WriteError::Database(e.clone())))
                .collect()
        },
    )
    .await
}

/// `commit`, retried when PostgreSQL reports a serialisation failure or a deadlock.
async fn commit_retrying(
    pool: &PgPool,
    feed: &Feed,
    clock: &Clock,
    jobs: &[Job],
) -> Result<Answers, sqlx::Error> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match commit(pool, feed, clock, jobs).await {
            Err(e) if attempt < 4 && is_retryable(&e) => {
                tracing::debug!(error = %e, attempt, "retrying a write batch");
            }
            other => return other,
        }
    }
}

type Answers = Vec<Result<Vec<Written>, WriteError>>;

async fn commit(
    pool: &PgPool,
    feed: &Feed,
    clock: &Clock,
    jobs: &[Job],
) -> Result<Answers, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let outcome = scores::write_batch(&mut tx, jobs, clock.now()).await?;
    if outcome.changes.is_empty() {
        tx.rollback().await?;
        return Ok(outcome
            .jobs
            .into_iter()
            .map(|r| r.map(|_| Vec::new()).map_err(WriteError::from))
            .collect());
    }
    // Hold the applier across the commit so nothing committed after us is applied before us.
    let mut applied = feed.lock().await;
    crate::db::commit_bounded(tx).await?;
    let entries: Vec<Entry> = outcome
        .changes
        .iter()
        .map(|c| match c {
            Change::Score { entry, .. } => entry.clone(),
            _ => empty_entry(),
        })
        .collect();
    let moves = feed
        .apply_own(&mut applied, outcome.first_seq, outcome.changes)
        .await?;
    drop(applied);
    Ok(outcome
        .jobs
        .into_iter()
        .map(|r| {
            r.map(|range| {
                range
                    .map(|i| Written {
                        entry: entries[i].clone(),
                        rank: moves[i].rank,
                        previous_rank: moves[i].previous_rank,
                    })
                    .collect()
            })
            .map_err(WriteError::from)
        })
        .collect())
}

fn empty_entry() -> Entry {
    Entry {
        participant: Box::from(""),
        score: 0,
        subscore: 0,
        reached_at: 0,
        updated_at: 0,
        num_submissions: 0,
    }
}

fn is_retryable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => matches!(db.code().as_deref(), Some("40001" | "40P01")),
        _ => false,
    }
}
