//! Changing a league: recording, editing and voiding matches, full recomputes, new seasons,
//! and catching up with other processes' changes. Every write takes the league's row lock in
//! PostgreSQL (so processes take turns), computes on a copy of the ratings, commits, and only
//! then swaps the copy in, so readers never see a half-applied recompute.

use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, Utc};
use podium_core::{
    ids::ParticipantId,
    league::submission::ValidMatch,
    rating::{MatchError, MatchOutcome, Standing},
};
use sqlx::{PgConnection, PgPool};

use super::{
    League, LeagueId, LeagueVersion, MatchKey, Ratings, StoredMatch, StoredTeam,
    history::{self, HistoryEntry, HistoryRow},
    load,
    matches::MatchRecord,
    report_skipped,
    store::{self as db, LockedLeague, MatchRow},
};
use crate::{
    changes,
    model::to_micros,
    sync::{read, write},
};

/// A match to record, validated at the edge (`podium_core::league::submission`, whose
/// [`ValidMatch`] it comes from); participants by name.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchSpec {
    pub played_at: DateTime<Utc>,
    pub external_id: Option<String>,
    /// (participants, rank, score) per team; ranks already normalised (1 = winner).
    pub teams: Vec<(Vec<String>, u32, Option<f64>)>,
    pub metadata: serde_json::Value,
}

impl From<ValidMatch> for MatchSpec {
    fn from(m: ValidMatch) -> MatchSpec {
        MatchSpec {
            played_at: m.played_at,
            external_id: m.external_id,
            teams: m
                .teams
                .into_iter()
                .map(|t| {
                    let names = t.participants.into_iter().map(ParticipantId::into_inner);
                    (names.collect(), t.rank, t.score)
                })
                .collect(),
            metadata: m.metadata,
        }
    }
}

/// What recording did with one match.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub match_id: i64,
    /// An earlier request with the same external id recorded it.
    pub existing: bool,
    /// A match this call recorded: the row as stored and its participants' history entries,
    /// so the answer needs no read back (None for an earlier request's match).
    pub stored: Option<(MatchRecord, Vec<HistoryEntry>)>,
}

/// Why a write was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{index_prefix}{source}", index_prefix = index.map(|i| format!("[{i}].")).unwrap_or_default())]
    Invalid {
        index: Option<usize>,
        source: MatchError,
    },
    #[error("the league no longer exists")]
    Gone,
    #[error("no such match in this league")]
    NoSuchMatch,
    #[error("the match belongs to season {0}, which is closed")]
    ClosedSeason(i32),
    #[error("the write failed: {0}")]
    Failed(String),
    #[error(transparent)]
    Load(#[from] super::LoadError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Takes the league's row lock and brings this process's copy up to the row's version.
async fn lock(tx: &mut PgConnection, league: &League) -> Result<LockedLeague, WriteError> {
    let id = league.id();
    let locked = db::lock(tx, id).await?.ok_or(WriteError::Gone)?;
    // Another process changed the league since we last synced: rebuild before writing.
    if locked.version != read(&league.data).version {
        let (def, v) = db::load_one(tx, id).await?.ok_or(WriteError::Gone)?;
        let fresh = load(tx, def, v).await?;
        *write(&league.data) = fresh;
    }
    Ok(locked)
}

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
) -> Vec<Result<Vec<Recorded>, WriteError>> {
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

/// A new match of a request: its index in the request, as rated, and as stored.
type NewMatch = (usize, StoredMatch, MatchRow);

/// Runs a batch of requests in one transaction; the caller holds the writer lock.
async fn record_batch(
    pool: &PgPool,
    league: &Arc<League>,
    requests: &[Vec<MatchSpec>],
    audits: &[Option<AuditNote>],
    now: DateTime<Utc>,
) -> Result<Vec<Result<Vec<Recorded>, WriteError>>, WriteError> {
    let mut tx = pool.begin().await?;
    let locked = lock(&mut tx, league).await?;
    let id = league.id();

    // Idempotency: matches already recorded under the same external ids.
    let ext: Vec<String> = requests
        .iter()
        .flatten()
        .filter_map(|s| s.external_id.clone())
        .collect();
    let existing: HashMap<String, i64> = db::by_external_ids(&mut tx, id, &ext)
        .await?
        .into_iter()
        .collect();

    let mut ratings = read(&league.data).ratings.clone();
    let mut next_num = locked.next_num;
    let mut nums: HashMap<String, u32> = HashMap::new();
    let mut new_names: Vec<(i32, String)> = Vec::new();
    // Per accepted request: its index and its new matches.
    let mut accepted: Vec<(usize, Vec<NewMatch>)> = Vec::new();
    let mut answers: Vec<Option<Result<Vec<Recorded>, WriteError>>> =
        (0..requests.len()).map(|_| None).collect();
    let mut seen_ext: HashMap<String, (usize, usize)> = HashMap::new();
    {
        let data = read(&league.data);
        let mut scratch = ratings.clone();
        for (r, specs) in requests.iter().enumerate() {
            // Names this request introduces, allocated only if it is accepted.
            let mut local_nums = nums.clone();
            let mut local_new = Vec::new();
            let mut local_next = next_num;
            for spec in specs {
                for (names, _, _) in &spec.teams {
                    for n in names {
                        if local_nums.contains_key(n) {
                            continue;
                        }
                        let num = match data.nums.get(n.as_str()) {
                            Some(num) => *num,
                            None => {
                                let num = local_next as u32;
                                local_next += 1;
                                local_new.push((num as i32, n.clone()));
                                num
                            }
                        };
                        local_nums.insert(n.clone(), num);
                    }
                }
            }
            let mut trial = scratch.clone();
            let mut mine = Vec::new();
            let mut local_ext = HashMap::new();
            let mut failed = None;
            for (i, spec) in specs.iter().enumerate() {
                if let Some(e) = &spec.external_id
                    && (existing.contains_key(e)
                        || seen_ext.contains_key(e)
                        || local_ext.contains_key(e))
                {
                    continue;
                }
                let stored = to_stored(spec, &local_nums, locked.season);
                if let Err(source) = trial.apply(&stored) {
                    failed = Some(WriteError::Invalid {
                        index: (specs.len() > 1).then_some(i),
                        source,
                    });
                    break;
                }
                if let Some(e) = &spec.external_id {
                    local_ext.insert(e.clone(), (r, i));
                }
                mine.push((i, stored, to_row(spec, &local_nums)));
            }
            match failed {
                Some(e) => answers[r] = Some(Err(e)),
                None => {
                    scratch = trial;
                    nums = local_nums;
                    new_names.extend(local_new);
                    next_num = local_next;
                    seen_ext.extend(local_ext);
                    accepted.push((r, mine));
                }
            }
        }
    }

    db::add_participants(&mut tx, id, &new_names).await?;
    let rows: Vec<MatchRow> = accepted
        .iter()
        .flat_map(|(_, m)| m.iter().map(|(_, _, row)| row.clone()))
        .collect();
    let ids = db::insert_matches(&mut tx, id, locked.season, &rows).await?;
    let mut ids = ids.into_iter();
    let mut fresh: Vec<StoredMatch> = Vec::new();
    let mut match_ids: HashMap<(usize, usize), i64> = HashMap::new();
    for (r, mine) in &mut accepted {
        for (i, stored, _) in mine.iter_mut() {
            stored.id = ids.next().unwrap_or_default();
            match_ids.insert((*r, *i), stored.id);
            fresh.push(stored.clone());
        }
    }
    for (r, _) in &accepted {
        let specs = &requests[*r];
        let recorded = specs
            .iter()
            .enumerate()
            .map(|(i, spec)| match match_ids.get(&(*r, i)) {
                Some(mid) => Recorded {
                    match_id: *mid,
                    existing: false,
                    stored: None,
                },
                None => {
                    let e = spec.external_id.as_deref().unwrap_or_default();
                    let mid = existing
                        .get(e)
                        .copied()
                        .or_else(|| seen_ext.get(e).and_then(|k| match_ids.get(k).copied()))
                        .unwrap_or_default();
                    Recorded {
                        match_id: mid,
                        existing: true,
                        stored: None,
                    }
                }
            })
            .collect();
        answers[*r] = Some(Ok(recorded));
    }

    for (r, _) in &accepted {
        if let (Some((ctx, action, target)), Some(Ok(recorded))) = (&audits[*r], &answers[*r]) {
            let ids: Vec<i64> = recorded.iter().map(|x| x.match_id).collect();
            let new = recorded.iter().filter(|x| !x.existing).count();
            crate::audit::record(
                &mut tx,
                ctx,
                action,
                target,
                None,
                Some(serde_json::json!({"matches": ids.len(), "new": new, "match_ids": ids})),
            )
            .await?;
        }
    }
    if fresh.is_empty() {
        // Nothing new: every match was a retry (or every request was refused).
        tx.rollback().await?;
        return Ok(answers
            .into_iter()
            .map(|a| a.unwrap_or_else(|| Ok(Vec::new())))
            .collect());
    }
    let min_key = fresh.iter().map(StoredMatch::key).min().unwrap_or_default();
    let started = std::time::Instant::now();
    let (replayed, rows) = if ratings.appends(min_key) {
        fresh.sort_by_key(StoredMatch::key);
        let rows = apply_all(&mut ratings, &fresh, id);
        history::insert(&mut tx, id, &rows).await?;
        (false, rows)
    } else {
        let rows = replay_from(&mut tx, id, locked.season, &mut ratings, min_key).await?;
        (true, rows)
    };
    ratings.checkpoint_here();
    observe(league, "incremental", started);
    let version = db::bump(&mut tx, id, next_num, now).await?;
    changes::append(&mut tx, &[db::league_change(id, version, Some(min_key))]).await?;
    tx.commit().await?;

    let changed = fresh.iter().flat_map(StoredMatch::participants).collect();
    swap(league, ratings, version, &new_names, replayed, changed);
    attach_stored(&mut answers, &accepted, &match_ids, locked.season, &rows);
    Ok(answers
        .into_iter()
        .map(|a| a.unwrap_or_else(|| Ok(Vec::new())))
        .collect())
}

/// Gives each newly recorded match of the answers its stored row and history entries.
fn attach_stored(
    answers: &mut [Option<Result<Vec<Recorded>, WriteError>>],
    accepted: &[(usize, Vec<NewMatch>)],
    match_ids: &HashMap<(usize, usize), i64>,
    season: i32,
    rows: &[HistoryRow],
) {
    let mut entries: HashMap<i64, Vec<HistoryEntry>> = HashMap::new();
    let ids: std::collections::HashSet<i64> = match_ids.values().copied().collect();
    for r in rows.iter().filter(|r| ids.contains(&r.match_id)) {
        entries.entry(r.match_id).or_default().push(r.entry());
    }
    for (r, mine) in accepted {
        let Some(Some(Ok(recorded))) = answers.get_mut(*r) else {
            continue;
        };
        for (i, _, row) in mine {
            let Some(id) = match_ids.get(&(*r, *i)) else {
                continue;
            };
            if let Some(rec) = recorded.get_mut(*i) {
                rec.stored = Some((
                    MatchRecord {
                        id: *id,
                        season,
                        played_at: row.played_at,
                        external_id: row.external_id.clone(),
                        participants: row.participants.clone(),
                        team_of: row.team_of.clone(),
                        team_rank: row.team_rank.clone(),
                        team_score: row.team_score.clone(),
                        metadata: row.metadata.clone(),
                        voided_at: None,
                    },
                    entries.remove(id).unwrap_or_default(),
                ));
            }
        }
    }
}

/// Rewinds `ratings` to the checkpoint before `from`, replays the season's stored matches after
/// it and rewrites their history, which it returns. Runs inside the writer's transaction, so it
/// sees its inserts.
async fn replay_from(
    tx: &mut PgConnection,
    league_id: LeagueId,
    season: i32,
    ratings: &mut Ratings,
    from: MatchKey,
) -> Result<Vec<HistoryRow>, WriteError> {
    let after = ratings.rewind_before(from);
    let matches = db::matches_after(tx, league_id, season, after).await?;
    let rows = apply_all(ratings, &matches, league_id);
    history::delete_after(tx, league_id, season, after).await?;
    history::insert(tx, league_id, &rows).await?;
    Ok(rows)
}

/// Applies matches of the current season in order and returns their history rows.
fn apply_all(ratings: &mut Ratings, matches: &[StoredMatch], league: LeagueId) -> Vec<HistoryRow> {
    let mut rows = Vec::with_capacity(matches.len() * 2);
    let skipped = podium_core::league::replay_after(ratings, matches, |ratings, m, outcome| {
        rows.extend(history_rows(ratings, m, outcome))
    });
    report_skipped(&league.to_string(), &skipped);
    rows
}

fn history_rows<'a>(
    ratings: &'a Ratings,
    m: &'a StoredMatch,
    outcome: MatchOutcome,
) -> impl Iterator<Item = HistoryRow> + 'a {
    outcome
        .changes
        .into_iter()
        .map(
            move |(num, before, after): (u32, Standing, Standing)| HistoryRow {
                match_id: m.id,
                num,
                season: m.season,
                played_at: m.played_at,
                display_before: ratings.engine.display(&before),
                display_after: ratings.engine.display(&after),
                before,
                after,
            },
        )
}

/// Installs committed ratings for readers.
fn swap(
    league: &League,
    ratings: Ratings,
    version: LeagueVersion,
    new_names: &[(i32, String)],
    replayed: bool,
    changed: Vec<u32>,
) {
    let mut data = write(&league.data);
    for (num, name) in new_names {
        data.add_name(*num as u32, name);
    }
    data.ratings = ratings;
    data.version = version;
    if replayed {
        data.rebuild_boards();
    } else {
        data.update_boards(changed);
    }
}

fn to_stored(spec: &MatchSpec, nums: &HashMap<String, u32>, season: i32) -> StoredMatch {
    StoredMatch {
        id: 0,
        season,
        played_at: to_micros(spec.played_at),
        teams: spec
            .teams
            .iter()
            .map(|(names, rank, score)| StoredTeam {
                participants: names.iter().map(|n| nums[n]).collect(),
                rank: *rank,
                score: *score,
            })
            .collect(),
    }
}

fn to_row(spec: &MatchSpec, nums: &HashMap<String, u32>) -> MatchRow {
    let mut participants = Vec::new();
    let mut team_of = Vec::new();
    for (t, (names, _, _)) in spec.teams.iter().enumerate() {
        for n in names {
            participants.push(nums[n] as i32);
            team_of.push(t as i16);
        }
    }
    let scores: Option<Vec<f64>> = spec.teams.iter().map(|(_, _, s)| *s).collect();
    MatchRow {
        played_at: spec.played_at,
        external_id: spec.external_id.clone(),
        participants,
        team_of,
        team_rank: spec.teams.iter().map(|(_, r, _)| *r as i16).collect(),
        team_score: scores,
        metadata: spec.metadata.clone(),
    }
}

/// Edits (new `spec`) or voids (`None`) a match and replays from the earlier of its old and new
/// positions.
pub async fn amend(
    pool: &PgPool,
    league: &Arc<League>,
    match_id: i64,
    spec: Option<MatchSpec>,
    now: DateTime<Utc>,
    ctx: &crate::audit::Context,
) -> Result<(), WriteError> {
    let _writer = league.writer.lock().await;
    let mut tx = pool.begin().await?;
    let locked = lock(&mut tx, league).await?;
    let id = league.id();
    let Some(old) = sqlx::query!(
        "select season, played_at, voided_at from league_match where id = $1 and league_id = $2 for update",
        match_id,
        id.get()
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Err(WriteError::NoSuchMatch);
    };
    if old.season != locked.season {
        return Err(WriteError::ClosedSeason(old.season));
    }
    let old_key = MatchKey::new(to_micros(old.played_at), match_id);
    let slug = read(&league.data).def.slug.clone();
    let (action, after) = match &spec {
        Some(s) => (
            "match.update",
            Some(
                serde_json::json!({"played_at": s.played_at, "teams": s.teams, "metadata": s.metadata}),
            ),
        ),
        None => ("match.void", Some(serde_json::json!({"voided": true}))),
    };
    crate::audit::record(
        &mut tx,
        ctx,
        action,
        &format!("league:{slug}/match:{match_id}"),
        Some(serde_json::json!({"played_at": old.played_at, "voided": old.voided_at.is_some()})),
        after,
    )
    .await?;
    let mut next_num = locked.next_num;
    let mut new_names = Vec::new();
    let mut ratings = read(&league.data).ratings.clone();
    let from = match &spec {
        Some(spec) => {
            let mut nums = HashMap::new();
            {
                let data = read(&league.data);
                for (names, _, _) in &spec.teams {
                    for n in names {
                        let num = match data.nums.get(n.as_str()) {
                            Some(num) => *num,
                            None => match new_names.iter().find(|(_, x): &&(i32, String)| x == n) {
                                Some((num, _)) => *num as u32,
                                None => {
                                    let num = next_num as u32;
                                    next_num += 1;
                                    new_names.push((num as i32, n.clone()));
                                    num
                                }
                            },
                        };
                        nums.insert(n.clone(), num);
                    }
                }
            }
            // Validate the new teams on a scratch engine of the right system.
            let mut scratch = Ratings::new(ratings.engine.params().clone());
            scratch
                .apply(&to_stored(spec, &nums, locked.season))
                .map_err(|source| WriteError::Invalid {
                    index: None,
                    source,
                })?;
            db::add_participants(&mut tx, id, &new_names).await?;
            let row = to_row(spec, &nums);
            sqlx::query!(
                r#"update league_match set played_at = $3, participants = $4, team_of = $5, team_rank = $6,
                       team_score = $7, metadata = $8, updated_at = $9
                   where id = $1 and league_id = $2"#,
                match_id,
                id.get(),
                row.played_at,
                &row.participants,
                &row.team_of,
                &row.team_rank,
                row.team_score.as_deref() as Option<&[f64]>,
                row.metadata,
                now
            )
            .execute(&mut *tx)
            .await?;
            old_key.min(MatchKey::new(to_micros(spec.played_at), match_id))
        }
        None => {
            if old.voided_at.is_some() {
                return Err(WriteError::NoSuchMatch);
            }
            sqlx::query!(
                "update league_match set voided_at = $2, updated_at = $2 where id = $1",
                match_id,
                now
            )
            .execute(&mut *tx)
            .await?;
            history::delete_match(&mut tx, id, old.season, old.played_at, match_id).await?;
            old_key
        }
    };
    let started = std::time::Instant::now();
    replay_from(&mut tx, id, locked.season, &mut ratings, from).await?;
    observe(league, "incremental", started);
    let version = db::bump(&mut tx, id, next_num, now).await?;
    changes::append(&mut tx, &[db::league_change(id, version, Some(from))]).await?;
    tx.commit().await?;
    swap(league, ratings, version, &new_names, true, Vec::new());
    Ok(())
}

/// Brings this process's copy of a league up to date after another process changed it.
pub async fn sync(
    pool: &PgPool,
    league: &Arc<League>,
    version: LeagueVersion,
    from: Option<MatchKey>,
) -> Result<(), WriteError> {
    let _writer = league.writer.lock().await;
    if read(&league.data).version >= version {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    sqlx::query!("set transaction isolation level repeatable read, read only")
        .execute(&mut *tx)
        .await?;
    let id = league.id();
    let Some((def, v)) = db::load_one(&mut tx, id).await? else {
        return Ok(());
    };
    let (same_shape, season) = {
        let data = read(&league.data);
        (
            data.def.season == def.season
                && data.def.params == def.params
                && data.def.system == def.system,
            def.season,
        )
    };
    if !same_shape || from.is_none() {
        let fresh = load(&mut tx, def, v).await?;
        *write(&league.data) = fresh;
        return Ok(());
    }
    let mut ratings = read(&league.data).ratings.clone();
    let after = match (from, ratings.last) {
        (Some(f), Some(last)) if last >= f => ratings.rewind_before(f),
        _ => ratings.last,
    };
    let matches = db::matches_after(&mut tx, id, season, after).await?;
    apply_all(&mut ratings, &matches, id);
    let names = db::participants(&mut tx, id).await?;
    tx.commit().await?;
    let mut data = write(&league.data);
    for (num, name) in names.iter().skip(data.names.len()) {
        data.add_name(*num as u32, name);
    }
    data.def = Arc::new(def);
    data.ratings = ratings;
    data.version = v;
    data.rebuild_boards();
    Ok(())
}

/// Creates a league (row, first season, audit and change records in one transaction) and
/// installs it in this process at once (read-your-writes).
pub async fn create(
    pool: &PgPool,
    leagues: &super::Leagues,
    new: db::NewLeague,
    params: podium_core::rating::Params,
    now: DateTime<Utc>,
    ctx: &crate::audit::Context,
) -> Result<Arc<League>, db::CreateError> {
    let (def, version) = db::create(pool, new, now, ctx).await?;
    let mut data = super::LeagueData::new(Arc::new(def), params);
    data.version = version;
    Ok(leagues.install(data))
}

/// Changes a league's name, metadata, visibility or parameters; new parameters recompute the
/// season before this returns. Like every league write it goes through `lock`, so a change
/// another process committed and this one has not applied yet is applied first: the version
/// this process then records is the row's, and no match is skipped.
pub async fn update(
    pool: &PgPool,
    league: &Arc<League>,
    patch: db::LeaguePatch,
    now: DateTime<Utc>,
    ctx: &crate::audit::Context,
) -> Result<(), WriteError> {
    let recompute_after = patch.params.is_some();
    {
        let _writer = league.writer.lock().await;
        let mut tx = pool.begin().await?;
        lock(&mut tx, league).await?;
        let id = league.id();
        let before = serde_json::to_value(&*read(&league.data).def).ok();
        let (def, version) = db::update(&mut tx, id, patch, now).await?;
        crate::audit::record(
            &mut tx,
            ctx,
            "league.update",
            &format!("league:{}", def.slug),
            before,
            serde_json::to_value(&def).ok(),
        )
        .await?;
        // Only the name, metadata or visibility changed: other processes need no replay.
        let from = if recompute_after {
            None
        } else {
            Some(MatchKey::END)
        };
        changes::append(&mut tx, &[db::league_change(id, version, from)]).await?;
        tx.commit().await?;
        if !recompute_after {
            let mut data = write(&league.data);
            data.def = Arc::new(def);
            data.version = version;
        }
        // With new parameters the ratings in memory are stale: the recompute below rebuilds
        // them (and the definition) from PostgreSQL.
    }
    if recompute_after {
        recompute(pool, league, now, &|_, _| {}, ctx).await?;
    }
    Ok(())
}

/// Replays the whole current season and rewrites its history (a change of parameters, or an
/// operator's request). `progress` is called with (done, total) matches.
pub async fn recompute(
    pool: &PgPool,
    league: &Arc<League>,
    now: DateTime<Utc>,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
    ctx: &crate::audit::Context,
) -> Result<u64, WriteError> {
    let _writer = league.writer.lock().await;
    let started = std::time::Instant::now();
    let mut tx = pool.begin().await?;
    let id = league.id();
    // Everything is rebuilt from the matches, so the row lock is all we need of `lock`.
    let LockedLeague {
        version,
        season,
        next_num,
    } = db::lock(&mut tx, id).await?.ok_or(WriteError::Gone)?;
    let (fresh_def, _) = db::load_one(&mut tx, id).await?.ok_or(WriteError::Gone)?;
    // The history goes to PostgreSQL on another connection while this one reads and replays.
    let mut loader = history::SeasonLoader::start(pool, id, season).await?;
    let mut total = 0;
    let replayed = super::load_with(&mut tx, fresh_def, version, |ratings, m, outcome, at| {
        for row in history_rows(ratings, m, outcome) {
            loader.push(&row);
        }
        total = at.total;
        if at.index % 10_000 == 0 || at.index == at.total {
            progress(at.index, at.total);
        }
    })
    .await;
    // On an error the loader is dropped, which aborts its COPY: nothing of it stays.
    let mut fresh = replayed?;
    loader.finish().await?;
    // From here on the loaded table is committed: whatever fails, it must not stay behind.
    let swapped: Result<LeagueVersion, WriteError> = async {
        history::swap_season(&mut tx, id, season).await?;
        crate::audit::record(
            &mut tx,
            ctx,
            "league.recompute",
            &format!("league:{}", fresh.def.slug),
            None,
            Some(serde_json::json!({"season": season, "matches": total})),
        )
        .await?;
        let version = db::bump(&mut tx, id, next_num, now).await?;
        changes::append(&mut tx, &[db::league_change(id, version, None)]).await?;
        Ok(version)
    }
    .await;
    let committed = match swapped {
        Ok(version) => tx
            .commit()
            .await
            .map(|()| version)
            .map_err(WriteError::from),
        Err(e) => {
            // Roll back first: the transaction holds the stage table it renamed.
            let _ = tx.rollback().await;
            Err(e)
        }
    };
    let version = match committed {
        Ok(version) => version,
        Err(e) => {
            if let Err(cleanup) = history::drop_stage(pool, id, season).await {
                tracing::warn!(league_id = %id, season, error = %cleanup, "could not drop a recompute's stage table");
            }
            return Err(e);
        }
    };
    fresh.version = version;
    fresh.rebuild_boards();
    let slug = fresh.def.slug.clone();
    *write(&league.data) = fresh;
    let seconds = started.elapsed().as_secs_f64();
    metrics::histogram!(crate::metrics::RANKING_COMPUTE, "league" => slug.clone(), "kind" => "full").record(seconds);
    tracing::info!(
        league = %slug,
        matches = total,
        seconds,
        matches_per_second = (total as f64 / seconds.max(1e-9)).round(),
        "full recompute done"
    );
    Ok(total)
}

fn observe(league: &League, kind: &'static str, started: std::time::Instant) {
    let slug = read(&league.data).def.slug.clone();
    metrics::histogram!(crate::metrics::RANKING_COMPUTE, "league" => slug, "kind" => kind)
        .record(started.elapsed().as_secs_f64());
}

/// One participant's line in a closed season's final standings.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct FinalStanding {
    pub rank: usize,
    pub participant: String,
    pub display_rating: f64,
    pub provisional: bool,
    pub standing: Standing,
}

/// Closes the current season (keeping its final standings) and starts the next with a soft
/// reset. Returns (closed season, new season).
pub async fn new_season(
    pool: &PgPool,
    league: &Arc<League>,
    now: DateTime<Utc>,
    ctx: &crate::audit::Context,
) -> Result<(i32, i32), WriteError> {
    let _writer = league.writer.lock().await;
    let mut tx = pool.begin().await?;
    let locked = lock(&mut tx, league).await?;
    let id = league.id();
    let standings: Vec<FinalStanding> = {
        let data = read(&league.data);
        data.all
            .iter_from(1)
            .filter_map(|(rank, e)| {
                let num = *data.nums.get(&*e.participant)?;
                let s = data.engine().standing(num)?;
                Some(FinalStanding {
                    rank,
                    participant: e.participant.to_string(),
                    display_rating: data.engine().display(s),
                    provisional: data.engine().is_provisional(s),
                    standing: s.clone(),
                })
            })
            .collect()
    };
    let json = serde_json::to_value(&standings).unwrap_or_default();
    crate::audit::record(
        &mut tx,
        ctx,
        "league.season",
        &format!("league:{}", read(&league.data).def.slug),
        Some(serde_json::json!({"season": locked.season})),
        Some(serde_json::json!({"season": locked.season + 1})),
    )
    .await?;
    sqlx::query!(
        "update league_season set ended_at = $3, final_standings = $4 where league_id = $1 and season = $2",
        id.get(),
        locked.season,
        now,
        json
    )
    .execute(&mut *tx)
    .await?;
    let next = locked.season + 1;
    sqlx::query!(
        "insert into league_season (league_id, season, started_at) values ($1, $2, $3)",
        id.get(),
        next,
        now
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "update league set season = $2, updated_at = $3 where id = $1",
        id.get(),
        next,
        now
    )
    .execute(&mut *tx)
    .await?;
    let version = db::bump(&mut tx, id, locked.next_num, now).await?;
    changes::append(&mut tx, &[db::league_change(id, version, None)]).await?;
    let (def, _) = db::load_one(&mut tx, id).await?.ok_or(WriteError::Gone)?;
    tx.commit().await?;
    let mut data = write(&league.data);
    data.ratings.start_new_season();
    data.def = Arc::new(def);
    data.version = version;
    data.rebuild_boards();
    Ok((locked.season, next))
}

/// A closed season's final standings.
pub async fn final_standings(
    pool: &PgPool,
    league_id: LeagueId,
    season: i32,
) -> Result<Option<Vec<FinalStanding>>, sqlx::Error> {
    let row = sqlx::query_scalar!(
        "select final_standings from league_season where league_id = $1 and season = $2 and ended_at is not null",
        league_id.get(),
        season
    )
    .fetch_optional(pool)
    .await?
    .flatten();
    Ok(row.and_then(|v| serde_json::from_value(v).ok()))
}
