//! Reading league matches back: by id, a league's recent matches, one participant's matches,
//! and the matches two participants played against each other. Newest first, keyset-paged.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::leagues::{LeagueId, MatchKey, store::key_bound};

/// A stored match as the API shows it (participants still as numbers).
#[derive(Clone, Debug)]
pub struct MatchRecord {
    pub id: i64,
    pub season: i32,
    pub played_at: DateTime<Utc>,
    pub external_id: Option<String>,
    pub participants: Vec<i32>,
    pub team_of: Vec<i16>,
    pub team_rank: Vec<i16>,
    pub team_score: Option<Vec<f64>>,
    pub metadata: serde_json::Value,
    pub voided_at: Option<DateTime<Utc>>,
}

/// Matches by id (in no particular order).
pub async fn by_ids(
    pool: &PgPool,
    league_id: LeagueId,
    ids: &[i64],
) -> Result<Vec<MatchRecord>, sqlx::Error> {
    sqlx::query_as!(
        MatchRecord,
        r#"select id, season, played_at, external_id, participants, team_of, team_rank, team_score,
                  metadata, voided_at
           from league_match where league_id = $1 and id = any($2)"#,
        league_id.get(),
        ids
    )
    .fetch_all(pool)
    .await
}

/// Matches before the cursor key, newest first, optionally only those including every one of
/// `with` (participant numbers).
pub async fn recent(
    pool: &PgPool,
    league_id: LeagueId,
    with: &[i32],
    before: Option<MatchKey>,
    limit: i64,
) -> Result<Vec<MatchRecord>, sqlx::Error> {
    let (at, id) = key_bound(before);
    sqlx::query_as!(
        MatchRecord,
        r#"select id, season, played_at, external_id, participants, team_of, team_rank, team_score,
                  metadata, voided_at
           from league_match
           where league_id = $1 and voided_at is null
             and (cardinality($2::int[]) = 0 or participants @> $2)
             and ($3::timestamptz is null or (played_at, id) < ($3, $4))
           order by played_at desc, id desc limit $5"#,
        league_id.get(),
        with,
        at,
        id,
        limit
    )
    .fetch_all(pool)
    .await
}

/// All matches two participants played (for the head-to-head record), oldest first.
pub async fn between(
    pool: &PgPool,
    league_id: LeagueId,
    a: i32,
    b: i32,
) -> Result<Vec<MatchRecord>, sqlx::Error> {
    let pair = [a, b];
    sqlx::query_as!(
        MatchRecord,
        r#"select id, season, played_at, external_id, participants, team_of, team_rank, team_score,
                  metadata, voided_at
           from league_match
           where league_id = $1 and voided_at is null and participants @> $2
           order by played_at, id"#,
        league_id.get(),
        &pair
    )
    .fetch_all(pool)
    .await
}

/// The team index of a participant in a match, if it played.
pub fn team_of(m: &MatchRecord, num: i32) -> Option<usize> {
    m.participants
        .iter()
        .position(|p| *p == num)
        .and_then(|i| m.team_of.get(i))
        .map(|t| *t as usize)
}
