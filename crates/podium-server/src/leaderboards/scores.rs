//! The grouped score write: many submissions (from many requests) in one transaction. Rows are
//! locked in participant order, the operators are applied in Rust job by job
//! (`podium_core::score::overlay`), the kept rows are upserted with one statement and the change
//! log is appended last.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use podium_core::{
    board::Entry,
    score::{
        self,
        overlay::{Kept, Overlay, Rule, Submitted},
    },
};
use serde_json::value::RawValue;
use sqlx::PgConnection;

use crate::changes;
use crate::{
    changes::Change,
    model::{Bounds, LeaderboardDef, to_micros},
};

/// One submission, validated at the edge.
#[derive(Debug)]
pub struct Submission {
    pub participant: String,
    pub score: i64,
    pub subscore: i64,
    pub metadata: Option<Box<RawValue>>,
}

/// Submissions of one request for one leaderboard; stored all together or not at all.
#[derive(Debug)]
pub struct Job {
    pub leaderboard: std::sync::Arc<LeaderboardDef>,
    /// The period the process believes is current for `leaderboard` (None: create it).
    pub known_period: Option<(i64, Bounds)>,
    pub items: Vec<Submission>,
}

/// Why a job was refused without touching the database.
#[derive(Debug, Clone, thiserror::Error)]
pub enum JobError {
    #[error("item {index}: {source}")]
    Score {
        index: usize,
        source: score::ScoreError,
    },
    #[error("the leaderboard was deleted")]
    LeaderboardGone,
}

/// The outcome of a whole batch: per job, either the index of its first change in `changes`
/// or the reason it was refused.
#[derive(Debug)]
pub struct BatchOutcome {
    pub first_seq: crate::changes::Seq,
    pub changes: Vec<Change>,
    pub jobs: Vec<Result<std::ops::Range<usize>, JobError>>,
}

/// A row of the batch: (period, participant).
type RowKey = (i64, String);

/// Runs one batch inside the open transaction `tx`. Nothing is committed here.
#[tracing::instrument(skip_all, fields(jobs = jobs.len()))]
pub async fn write_batch(
    tx: &mut PgConnection,
    jobs: &[Job],
    now: DateTime<Utc>,
) -> Result<BatchOutcome, sqlx::Error> {
    let mut changes = Vec::new();
    let periods = current_periods(tx, jobs, now, &mut changes).await?;
    let mut overlay = Overlay::new(lock_rows(tx, jobs, &periods).await?);
    let outcomes = jobs
        .iter()
        .map(|job| apply_job(job, &periods, &mut overlay, now, &mut changes))
        .collect();
    upsert(tx, overlay.into_changed(), now).await?;
    // The change log, last: it serialises writers until commit.
    let first_seq = if changes.is_empty() {
        crate::changes::Seq::default()
    } else {
        changes::append(tx, &changes).await?
    };
    Ok(BatchOutcome {
        first_seq,
        changes,
        jobs: outcomes,
    })
}

/// The period each leaderboard writes to at `now` (leaderboard id → period id), created when
/// it does not exist yet (a `Period` change says so). A key-share lock keeps each leaderboard
/// from being deleted under the batch; a deleted one has no period.
async fn current_periods(
    tx: &mut PgConnection,
    jobs: &[Job],
    now: DateTime<Utc>,
    changes: &mut Vec<Change>,
) -> Result<HashMap<i64, i64>, sqlx::Error> {
    let mut ids: Vec<i64> = jobs.iter().map(|j| j.leaderboard.id).collect();
    ids.sort_unstable();
    ids.dedup();
    let alive = sqlx::query_scalar!(
        "select id from leaderboard where id = any($1) order by id for key share",
        &ids
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut periods: HashMap<i64, i64> = HashMap::new();
    for job in jobs {
        let lb = &job.leaderboard;
        if periods.contains_key(&lb.id) || !alive.contains(&lb.id) {
            continue;
        }
        let bounds = lb.period_at(now);
        let id = match job.known_period {
            Some((id, known)) if known.starts_at == bounds.starts_at => id,
            _ => {
                let (id, created) = ensure_period(tx, lb.id, bounds).await?;
                if created {
                    changes.push(Change::Period {
                        leaderboard_id: lb.id,
                        period_id: id,
                        bounds,
                    });
                }
                id
            }
        };
        periods.insert(lb.id, id);
    }
    Ok(periods)
}

/// Locks and reads the kept rows the jobs submit to, in participant order so concurrent
/// batches never deadlock.
async fn lock_rows(
    tx: &mut PgConnection,
    jobs: &[Job],
    periods: &HashMap<i64, i64>,
) -> Result<Vec<(RowKey, Kept<Box<RawValue>>)>, sqlx::Error> {
    let mut wanted: HashMap<i64, Vec<String>> = HashMap::new();
    for job in jobs {
        if let Some(period) = periods.get(&job.leaderboard.id) {
            let list = wanted.entry(*period).or_default();
            list.extend(job.items.iter().map(|i| i.participant.clone()));
        }
    }
    let mut kept = Vec::new();
    for (period, mut participants) in wanted {
        participants.sort_unstable();
        participants.dedup();
        let rows = sqlx::query!(
            r#"select participant, score, subscore, num_submissions, reached_at, created_at,
                      metadata::text as metadata
               from score where period_id = $1 and participant = any($2)
               order by participant for update"#,
            period,
            &participants
        )
        .fetch_all(&mut *tx)
        .await?;
        kept.extend(rows.into_iter().map(|r| {
            let row = Kept {
                score: r.score,
                subscore: r.subscore,
                num_submissions: r.num_submissions,
                reached_at: r.reached_at,
                created_at: r.created_at,
                metadata: r.metadata.and_then(|m| RawValue::from_string(m).ok()),
            };
            ((period, r.participant), row)
        }));
    }
    Ok(kept)
}

/// Applies one job's submissions to the overlay (all or nothing) and records a `Score`
/// change for each; the job's range of `changes`, or why it was refused.
fn apply_job(
    job: &Job,
    periods: &HashMap<i64, i64>,
    overlay: &mut Overlay<RowKey, Box<RawValue>>,
    now: DateTime<Utc>,
    changes: &mut Vec<Change>,
) -> Result<std::ops::Range<usize>, JobError> {
    let lb = &job.leaderboard;
    let &period = periods.get(&lb.id).ok_or(JobError::LeaderboardGone)?;
    let items: Vec<Submitted<RowKey, Box<RawValue>>> = job
        .items
        .iter()
        .map(|i| Submitted {
            key: (period, i.participant.clone()),
            pair: (i.score, i.subscore),
            metadata: i.metadata.clone(),
        })
        .collect();
    let rule = Rule {
        operator: lb.operator,
        order: lb.order,
    };
    let rows = overlay
        .apply_job(rule, &items, now)
        .map_err(|r| JobError::Score {
            index: r.index,
            source: r.error,
        })?;
    let start = changes.len();
    changes.extend(
        items
            .into_iter()
            .zip(rows)
            .map(|(item, row)| Change::Score {
                leaderboard_id: lb.id,
                period_id: period,
                entry: Entry {
                    participant: item.key.1.into_boxed_str(),
                    score: row.score,
                    subscore: row.subscore,
                    reached_at: to_micros(row.reached_at),
                    updated_at: to_micros(now),
                    num_submissions: u32::try_from(row.num_submissions).unwrap_or(u32::MAX),
                },
                metadata: row.metadata,
            }),
    );
    Ok(start..changes.len())
}

/// Upserts the rows the jobs changed, with one statement.
async fn upsert(
    tx: &mut PgConnection,
    rows: Vec<(RowKey, Kept<Box<RawValue>>)>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let n = rows.len();
    let (mut period, mut participant, mut score, mut subscore) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut subs, mut metadata, mut reached, mut created) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for ((p, name), k) in rows {
        period.push(p);
        participant.push(name);
        score.push(k.score);
        subscore.push(k.subscore);
        subs.push(k.num_submissions);
        metadata.push(k.metadata.map(|m| m.get().to_owned()));
        reached.push(k.reached_at);
        created.push(k.created_at);
    }
    sqlx::query!(
        r#"insert into score (period_id, participant, score, subscore, num_submissions,
                                  metadata, reached_at, created_at, updated_at)
               select p, pa, s, ss, n, m::jsonb, r, c, $9
               from unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[],
                           $6::text[], $7::timestamptz[], $8::timestamptz[])
                    as t(p, pa, s, ss, n, m, r, c)
               on conflict (period_id, participant) do update set
                   score = excluded.score, subscore = excluded.subscore,
                   num_submissions = excluded.num_submissions, metadata = excluded.metadata,
                   reached_at = excluded.reached_at, updated_at = excluded.updated_at"#,
        &period,
        &participant,
        &score,
        &subscore,
        &subs,
        &metadata as &[Option<String>],
        &reached,
        &created,
        now
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The id of the period starting at `bounds.starts_at`, creating it if needed. The flag says
/// whether this call created it.
async fn ensure_period(
    tx: &mut PgConnection,
    leaderboard_id: i64,
    bounds: Bounds,
) -> Result<(i64, bool), sqlx::Error> {
    let inserted = sqlx::query_scalar!(
        r#"insert into leaderboard_period (leaderboard_id, starts_at, ends_at)
           values ($1, $2, $3) on conflict (leaderboard_id, starts_at) do nothing returning id"#,
        leaderboard_id,
        bounds.starts_at,
        bounds.ends_at
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = inserted {
        return Ok((id, true));
    }
    let id = sqlx::query_scalar!(
        "select id from leaderboard_period where leaderboard_id = $1 and starts_at = $2",
        leaderboard_id,
        bounds.starts_at
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok((id, false))
}
