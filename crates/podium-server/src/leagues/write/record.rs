//! Recording matches with group commit: concurrent requests for a league queue up, and the
//! task that gets the league's writer lock writes every waiting request in one transaction,
//! each request still all or nothing (`plan`).

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use super::{
    MatchSpec, Recorded, WriteError, apply_all, lock, observe,
    plan::{self, Accepted, Plan},
    replay_from, swap,
};
use crate::{
    leagues::{
        League, LeagueId, LeagueVersion, Ratings, StoredMatch,
        history::{self, HistoryEntry, HistoryRow},
        matches::MatchRecord,
        store as db,
    },
    sync::read,
};

/// What to write to the audit log for a request (actor context, action, target).
pub type AuditNote = (crate::audit::Context, &'static str, String);

/// A request waiting to be recorded with others (group commit).
#[derive(Debug)]
pub struct Pending {
    /// Tells a waiting writer whether its request is still queued.
    id: u64,
    specs: Vec<MatchSpec>,
    audit: Option<AuditNote>,
    reply: tokio::sync::oneshot::Sender<Result<Vec<Recorded>, WriteError>>,
}

/// Each request's answer, in batch order.
type Answers = Vec<Result<Vec<Recorded>, WriteError>>;

/// Records one request's matches atomically. Concurrent requests for the same league are
/// gathered: whoever holds the league's writer lock takes every request waiting and commits
/// them in one transaction (one fsync), each request still all-or-nothing on its own.
pub async fn record(
    pool: &PgPool,
    league: &Arc<League>,
    specs: Vec<MatchSpec>,
    now: DateTime<Utc>,
    audit: Option<AuditNote>,
) -> Result<Vec<Recorded>, WriteError> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let (reply, answer) = tokio::sync::oneshot::channel();
    crate::sync::write(&league.queue).push(Pending {
        id,
        specs,
        audit,
        reply,
    });
    // The batch is written by a task of its own: a caller that goes away (its client closed
    // the connection) must not stop a transaction that other requests wait on.
    let (pool, league) = (pool.clone(), league.clone());
    tokio::spawn(async move { drain(&pool, &league, id, now).await });
    answer
        .await
        .map_err(|_| WriteError::Failed("the writer stopped".into()))?
}

/// Takes the writer lock and, if request `mine` is still waiting, writes every waiting request
/// as one batch.
async fn drain(pool: &PgPool, league: &Arc<League>, mine: u64, now: DateTime<Utc>) {
    let _writer = league.writer.lock().await;
    let batch = {
        let mut queue = crate::sync::write(&league.queue);
        // Our request went with the previous holder's batch: the next holder gathers what
        // arrived meanwhile. (Taking the queue anyway would pass the lock along the waiters,
        // each writing the one request that came in meanwhile.)
        if !queue.iter().any(|p| p.id == mine) {
            return;
        }
        std::mem::take(&mut *queue)
    };
    let n = batch.len();
    let mut replies = Vec::with_capacity(n);
    let mut requests = Vec::with_capacity(n);
    let mut audits = Vec::with_capacity(n);
    for p in batch {
        replies.push(p.reply);
        requests.push(p.specs);
        audits.push(p.audit);
    }
    let answers = record_isolated(pool, league, &requests, &audits, now).await;
    for (reply, a) in replies.into_iter().zip(answers) {
        let _ = reply.send(a);
    }
}

/// Records the requests as one batch if the database takes it, else splits the batch until
/// each failure belongs to the one request that caused it (`db::blames_input`): a request can
/// fail only itself. Answers come in request order.
async fn record_isolated(
    pool: &PgPool,
    league: &Arc<League>,
    requests: &[Vec<MatchSpec>],
    audits: &[Option<AuditNote>],
    now: DateTime<Utc>,
) -> Answers {
    crate::db::write_isolated(
        requests.len(),
        "matches",
        |r| record_batch(pool, league, &requests[r.clone()], &audits[r], now),
        |e| matches!(e, WriteError::Db(e) if crate::db::blames_input(e)),
        |e, range| {
            if range.len() == 1 {
                tracing::error!(error = %e, "match request failed");
                return vec![Err(e)];
            }
            tracing::error!(error = %e, requests = range.len(), "match batch failed");
            let message = e.to_string();
            range
                .map(|_| Err(WriteError::Failed(message.clone())))
                .collect()
        },
    )
    .await
}

/// Runs a batch of requests in one transaction; the caller holds the writer lock.
async fn record_batch(
    pool: &PgPool,
    league: &Arc<League>,
    requests: &[Vec<MatchSpec>],
    audits: &[Option<AuditNote>],
    now: DateTime<Utc>,
) -> Result<Answers, WriteError> {
    let mut tx = pool.begin().await?;
    let locked = lock(&mut tx, league).await?;
    let id = league.id();
    let existing = existing_external_ids(&mut tx, id, requests).await?;
    let (mut plan, mut ratings) = {
        let data = read(&league.data);
        let plan = plan::plan(
            &data.nums,
            &data.ratings,
            requests,
            &existing,
            locked.season,
            locked.next_num,
        );
        (plan, data.ratings.clone())
    };
    db::add_participants(&mut tx, id, &plan.new_names).await?;
    let mut fresh = store_new_matches(&mut tx, id, locked.season, &mut plan).await?;
    let match_ids = match_ids(&plan);
    let mut answers = answers(requests, &mut plan, &existing, &match_ids);
    audit(&mut tx, audits, &answers).await?;
    if fresh.is_empty() {
        // Nothing new: every match was a retry (or every request was refused).
        tx.rollback().await?;
        return Ok(answers);
    }
    let started = std::time::Instant::now();
    let (replayed, rows) = rate(&mut tx, id, locked.season, &mut ratings, &mut fresh).await?;
    observe(league, "incremental", started);
    let from = fresh.iter().map(StoredMatch::key).min();
    let rerated = if replayed {
        db::Rerated::Yes
    } else {
        db::Rerated::No
    };
    let version = commit(tx, id, plan.next_num, (from, rerated), now).await?;
    let changed = fresh.iter().flat_map(StoredMatch::participants).collect();
    swap(league, ratings, version, &plan.new_names, replayed, changed);
    attach_stored(
        &mut answers,
        &plan.accepted,
        &match_ids,
        locked.season,
        &rows,
    );
    Ok(answers)
}

/// Matches already recorded under the requests' external ids: external id → match id.
async fn existing_external_ids(
    tx: &mut PgConnection,
    id: LeagueId,
    requests: &[Vec<MatchSpec>],
) -> Result<HashMap<String, i64>, WriteError> {
    let ext: Vec<String> = requests
        .iter()
        .flatten()
        .filter_map(|s| s.external_id.clone())
        .collect();
    Ok(db::by_external_ids(tx, id, &ext)
        .await?
        .into_iter()
        .collect())
}

/// Stores the standing requests' new matches and gives each its id; returns them as rated.
async fn store_new_matches(
    tx: &mut PgConnection,
    id: LeagueId,
    season: i32,
    plan: &mut Plan,
) -> Result<Vec<StoredMatch>, WriteError> {
    let new = || plan.accepted.iter().flat_map(|a| &a.matches);
    let rows: Vec<_> = new().map(|m| m.row.clone()).collect();
    let ids = db::insert_matches(tx, id, season, &rows).await?;
    let mut ids = ids.into_iter();
    let mut fresh = Vec::with_capacity(rows.len());
    for m in plan.accepted.iter_mut().flat_map(|a| &mut a.matches) {
        m.rated.id = ids.next().unwrap_or_default();
        fresh.push(m.rated.clone());
    }
    Ok(fresh)
}

/// The id of each new match by (request, position in it).
fn match_ids(plan: &Plan) -> HashMap<(usize, usize), i64> {
    plan.accepted
        .iter()
        .flat_map(|a| a.matches.iter().map(|m| ((a.request, m.index), m.rated.id)))
        .collect()
}

/// Each request's answer: why it was refused, or for each of its matches the id it was
/// recorded under, by this batch or before it (a retry).
fn answers(
    requests: &[Vec<MatchSpec>],
    plan: &mut Plan,
    existing: &HashMap<String, i64>,
    match_ids: &HashMap<(usize, usize), i64>,
) -> Answers {
    let mut answers: Answers = requests.iter().map(|_| Ok(Vec::new())).collect();
    for (r, e) in plan.refused.drain(..) {
        answers[r] = Err(e);
    }
    for a in &plan.accepted {
        let r = a.request;
        let recorded = requests[r].iter().enumerate().map(|(i, spec)| {
            if let Some(id) = match_ids.get(&(r, i)) {
                return Recorded::new(*id, false);
            }
            let e = spec.external_id.as_deref().unwrap_or_default();
            let id = existing.get(e).copied().or_else(|| {
                let first = plan.recorded_ext.get(e)?;
                match_ids.get(first).copied()
            });
            Recorded::new(id.unwrap_or_default(), true)
        });
        answers[r] = Ok(recorded.collect());
    }
    answers
}

/// Writes the audit note of every standing request that has one.
async fn audit(
    tx: &mut PgConnection,
    audits: &[Option<AuditNote>],
    answers: &Answers,
) -> Result<(), WriteError> {
    for (note, answer) in audits.iter().zip(answers) {
        let (Some((ctx, action, target)), Ok(recorded)) = (note, answer) else {
            continue;
        };
        let ids: Vec<i64> = recorded.iter().map(|x| x.match_id).collect();
        let new = recorded.iter().filter(|x| !x.existing).count();
        let after = serde_json::json!({"matches": ids.len(), "new": new, "match_ids": ids});
        crate::audit::record(tx, ctx, action, target, None, Some(after)).await?;
    }
    Ok(())
}

/// Rates the batch's new matches: appended when they all come after the last one rated,
/// else by a replay of the season from the earliest. Writes their history; returns whether
/// it replayed, and the history rows of the matches rated.
async fn rate(
    tx: &mut PgConnection,
    id: LeagueId,
    season: i32,
    ratings: &mut Ratings,
    fresh: &mut [StoredMatch],
) -> Result<(bool, Vec<HistoryRow>), WriteError> {
    let min_key = fresh.iter().map(StoredMatch::key).min().unwrap_or_default();
    let rated = if ratings.appends(min_key) {
        fresh.sort_by_key(StoredMatch::key);
        let rows = apply_all(ratings, fresh, id);
        history::insert(tx, id, &rows).await?;
        (false, rows)
    } else {
        (true, replay_from(tx, id, season, ratings, min_key).await?)
    };
    ratings.checkpoint_here();
    Ok(rated)
}

/// Bumps the league's version, appends the change (replay from `from`) and commits.
async fn commit(
    mut tx: Transaction<'_, Postgres>,
    id: LeagueId,
    next_num: i32,
    (from, rerated): (Option<crate::leagues::MatchKey>, db::Rerated),
    now: DateTime<Utc>,
) -> Result<LeagueVersion, WriteError> {
    let version = db::bump(&mut tx, id, next_num, now).await?;
    db::publish(&mut tx, id, version, from, rerated).await?;
    tx.commit().await?;
    Ok(version)
}

/// Gives each newly recorded match of the answers its stored row and history entries.
fn attach_stored(
    answers: &mut Answers,
    accepted: &[Accepted],
    match_ids: &HashMap<(usize, usize), i64>,
    season: i32,
    rows: &[HistoryRow],
) {
    let ids: HashSet<i64> = match_ids.values().copied().collect();
    let mut entries: HashMap<i64, Vec<HistoryEntry>> = HashMap::new();
    for r in rows.iter().filter(|r| ids.contains(&r.match_id)) {
        entries.entry(r.match_id).or_default().push(r.entry());
    }
    for a in accepted {
        let Some(Ok(recorded)) = answers.get_mut(a.request) else {
            continue;
        };
        for m in &a.matches {
            let Some(rec) = recorded.get_mut(m.index) else {
                continue;
            };
            let row = &m.row;
            let record = MatchRecord {
                id: m.rated.id,
                season,
                played_at: row.played_at,
                external_id: row.external_id.clone(),
                participants: row.participants.clone(),
                team_of: row.team_of.clone(),
                team_rank: row.team_rank.clone(),
                team_score: row.team_score.clone(),
                metadata: row.metadata.clone(),
                voided_at: None,
            };
            rec.stored = Some((record, entries.remove(&m.rated.id).unwrap_or_default()));
        }
    }
}

impl Recorded {
    fn new(match_id: i64, existing: bool) -> Recorded {
        Recorded {
            match_id,
            existing,
            stored: None,
        }
    }
}
