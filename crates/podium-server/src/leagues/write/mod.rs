//! Changing a league: recording, editing and voiding matches, full recomputes, new seasons,
//! and catching up with other processes' changes. Every write takes the league's row lock in
//! PostgreSQL (so processes take turns), computes on a copy of the ratings, commits, and only
//! then swaps the copy in, so readers never see a half-applied recompute.
//!
//! - `record`: recording matches, concurrent requests grouped into one transaction (`plan`
//!   works out what a batch writes, request by request);
//! - `amend`: editing and voiding a match;
//! - `recompute`: replaying a whole league and swapping its season's history;
//! - `league`: creating a league, changing it, closing a season;
//! - `sync`: catching up with another process's change.

mod amend;
mod league;
mod plan;
mod recompute;
mod record;
mod sync;

pub use amend::amend;
pub use league::{FinalStanding, create, final_standings, new_season, resync, update};
pub use recompute::recompute;
pub use record::{AuditNote, Pending, record};
pub use sync::sync;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use podium_core::{
    ids::ParticipantId,
    league::{replay_after, submission::ValidMatch},
    rating::{MatchError, MatchOutcome, Standing},
};
use sqlx::PgConnection;

use super::{
    League, LeagueId, LeagueVersion, MatchKey, Ratings, StoredMatch, StoredTeam,
    history::{self, HistoryEntry, HistoryRow},
    load,
    matches::MatchRecord,
    report_skipped,
    store::{self as db, LockedLeague, MatchRow},
};
use crate::{
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
    let skipped = replay_after(ratings, matches, |ratings, m, outcome| {
        rows.extend(history_rows(ratings, m, outcome))
    });
    report_skipped(&league.to_string(), &skipped);
    rows
}

/// The history rows of a rated match: each participant's standing before and after.
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

/// The match as the ratings see it (its id is set once stored).
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

/// The match as stored. Ranks and team indexes are `smallint`s: the submission rules keep
/// both within `i16::MAX` (`submission::MAX_RANK`, `MAX_TEAMS`).
fn to_row(spec: &MatchSpec, nums: &HashMap<String, u32>) -> MatchRow {
    // The validator keeps times to the microsecond: a finer one would be stored rounded and
    // kept in memory truncated, and the two would name different positions.
    debug_assert_eq!(
        spec.played_at.timestamp_subsec_nanos() % 1000,
        0,
        "a match time finer than a microsecond"
    );
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

/// Records how long computing a league's ratings took.
fn observe(league: &League, kind: &'static str, started: std::time::Instant) {
    let slug = read(&league.data).def.slug.clone();
    metrics::histogram!(crate::metrics::RANKING_COMPUTE, "league" => slug, "kind" => kind)
        .record(started.elapsed().as_secs_f64());
}
