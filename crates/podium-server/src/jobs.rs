//! Background jobs (full recomputes): a row in `job` that any process can read, with state,
//! progress and timing, updated by the task doing the work a few times a second.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A job as stored.
#[derive(Clone, Debug)]
pub struct JobRow {
    pub id: Uuid,
    pub kind: String,
    pub league: Option<String>,
    pub state: String,
    pub progress: f64,
    pub done: i64,
    pub total: i64,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Counters the working task bumps; a ticker copies them to the database.
#[derive(Debug, Default)]
pub struct Progress {
    pub done: AtomicU64,
    pub total: AtomicU64,
}

impl Progress {
    pub fn set(&self, done: u64, total: u64) {
        self.total.store(total, Ordering::Relaxed);
        self.done.store(done, Ordering::Relaxed);
    }
}

pub async fn create(
    pool: &PgPool,
    kind: &str,
    league_id: i64,
    now: DateTime<Utc>,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query!(
        "insert into job (id, kind, league_id, state, created_at, updated_at) values ($1, $2, $3, 'queued', $4, $4)",
        id,
        kind,
        league_id,
        now
    )
    .execute(pool)
    .await?;
    Ok(id)
}

pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<JobRow>, sqlx::Error> {
    sqlx::query_as!(
        JobRow,
        r#"select j.id, j.kind, l.slug as "league?", j.state, j.progress, j.done, j.total, j.error,
                  j.created_at, j.started_at, j.finished_at
           from job j left join league l on l.id = j.league_id where j.id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await
}

/// Writes the job's state and progress. A finished job stays as it finished: the progress
/// ticker is aborted when the work ends, and an update it had already sent could otherwise
/// reach PostgreSQL after the final one and mark the job running again, for ever.
async fn record(
    pool: &PgPool,
    id: Uuid,
    state: &str,
    p: &Progress,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    let done = p.done.load(Ordering::Relaxed) as i64;
    let total = p.total.load(Ordering::Relaxed) as i64;
    let progress = if total > 0 {
        done as f64 / total as f64
    } else if state == "succeeded" {
        1.0
    } else {
        0.0
    };
    sqlx::query!(
        r#"update job set state = $2, done = $3, total = $4, progress = $5, error = $6,
               started_at = case when $2 = 'running' then coalesce(started_at, now()) else started_at end,
               finished_at = case when $2 in ('succeeded', 'failed') then now() else finished_at end,
               updated_at = now()
           where id = $1 and state not in ('succeeded', 'failed')"#,
        id,
        state,
        done,
        total,
        progress,
        error
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Runs `work` as job `id`: marks it running, keeps its progress current, and records the
/// outcome. The error text stored is the work's own message (no secrets reach it). When
/// `shutdown` is cancelled first, the work is dropped (its transaction rolls back) and the job
/// is recorded as failed because the server stopped, rather than left `running` for ever.
pub async fn run<F, Fut>(pool: PgPool, id: Uuid, shutdown: CancellationToken, work: F)
where
    F: FnOnce(Arc<Progress>) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let progress = Arc::new(Progress::default());
    if let Err(e) = record(&pool, id, "running", &progress, None).await {
        tracing::warn!(job = %id, error = %e, "could not mark the job running");
    }
    let ticker = {
        let (pool, progress) = (pool.clone(), progress.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(250));
            loop {
                tick.tick().await;
                let _ = record(&pool, id, "running", &progress, None).await;
            }
        })
    };
    let outcome = tokio::select! {
        outcome = work(progress.clone()) => outcome,
        () = shutdown.cancelled() => Err(
            "interrupted: the server shut down before the job finished; start it again".to_owned(),
        ),
    };
    ticker.abort();
    let _ = ticker.await;
    let (state, error) = match &outcome {
        Ok(()) => ("succeeded", None),
        Err(e) => {
            tracing::error!(job = %id, error = %e, "job failed");
            ("failed", Some(e.as_str()))
        }
    };
    if let Err(e) = record(&pool, id, state, &progress, error).await {
        tracing::warn!(job = %id, error = %e, "could not record the job's outcome");
    }
}
