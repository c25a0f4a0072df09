//! Editing and voiding a match of the current season: the row changes (or is marked voided),
//! and the ratings replay from the earlier of its old and new positions.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::{
    MatchSpec, WriteError, lock, observe, plan::Numbers, replay_from, swap, to_row, to_stored,
};
use crate::{
    leagues::{
        League, LeagueId, MatchKey, Ratings, history,
        store::{self as db, LockedLeague},
    },
    model::to_micros,
    sync::read,
};

/// The match being amended, as stored.
struct OldMatch {
    id: i64,
    season: i32,
    played_at: DateTime<Utc>,
    voided: bool,
}

impl OldMatch {
    fn key(&self) -> MatchKey {
        MatchKey::new(to_micros(self.played_at), self.id)
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
    let old = lock_match(&mut tx, id, match_id, locked.season).await?;
    audit(&mut tx, league, &old, spec.as_ref(), ctx).await?;
    let (from, new_names, next_num) = match &spec {
        Some(spec) => edit(&mut tx, league, &locked, &old, spec, now).await?,
        None => (
            void(&mut tx, id, &old, now).await?,
            Vec::new(),
            locked.next_num,
        ),
    };
    let mut ratings = read(&league.data).ratings.clone();
    let started = std::time::Instant::now();
    replay_from(&mut tx, id, locked.season, &mut ratings, from).await?;
    observe(league, "incremental", started);
    let version = db::bump(&mut tx, id, next_num, now).await?;
    db::publish(&mut tx, id, version, Some(from), db::Rerated::Yes).await?;
    tx.commit().await?;
    swap(league, ratings, version, &new_names, true, Vec::new());
    Ok(())
}

/// Locks the match's row; it must be the league's, of the current season.
async fn lock_match(
    tx: &mut PgConnection,
    id: LeagueId,
    match_id: i64,
    season: i32,
) -> Result<OldMatch, WriteError> {
    let old = sqlx::query!(
        "select season, played_at, voided_at from league_match where id = $1 and league_id = $2 for update",
        match_id,
        id.get()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(WriteError::NoSuchMatch)?;
    if old.season != season {
        return Err(WriteError::ClosedSeason(old.season));
    }
    Ok(OldMatch {
        id: match_id,
        season: old.season,
        played_at: old.played_at,
        voided: old.voided_at.is_some(),
    })
}

async fn audit(
    tx: &mut PgConnection,
    league: &League,
    old: &OldMatch,
    spec: Option<&MatchSpec>,
    ctx: &crate::audit::Context,
) -> Result<(), WriteError> {
    let slug = read(&league.data).def.slug.clone();
    let (action, after) = match spec {
        Some(s) => (
            "match.update",
            serde_json::json!({"played_at": s.played_at, "teams": s.teams, "metadata": s.metadata}),
        ),
        None => ("match.void", serde_json::json!({"voided": true})),
    };
    crate::audit::record(
        tx,
        ctx,
        action,
        &format!("league:{slug}/match:{}", old.id),
        Some(serde_json::json!({"played_at": old.played_at, "voided": old.voided})),
        Some(after),
    )
    .await?;
    Ok(())
}

/// Writes the match's new description, once a scratch engine of the league's system rates it.
/// Returns where to replay from, the participants it brings, and the next number.
async fn edit(
    tx: &mut PgConnection,
    league: &League,
    locked: &LockedLeague,
    old: &OldMatch,
    spec: &MatchSpec,
    now: DateTime<Utc>,
) -> Result<(MatchKey, Vec<(i32, String)>, i32), WriteError> {
    let (nums, (new_names, next_num), mut scratch) = {
        let data = read(&league.data);
        let mut numbers = Numbers::new(&data.nums, locked.next_num);
        numbers.add(std::slice::from_ref(spec));
        let scratch = Ratings::new(data.ratings.engine.params().clone());
        (numbers.of().clone(), numbers.into_new(), scratch)
    };
    scratch
        .apply(&to_stored(spec, &nums, locked.season))
        .map_err(|source| WriteError::Invalid {
            index: None,
            source,
        })?;
    let row = to_row(spec, &nums);
    let id = league.id();
    db::add_participants(tx, id, &new_names).await?;
    sqlx::query!(
        r#"update league_match set played_at = $3, participants = $4, team_of = $5, team_rank = $6,
                       team_score = $7, metadata = $8, updated_at = $9
                   where id = $1 and league_id = $2"#,
        old.id,
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
    let new_key = MatchKey::new(to_micros(spec.played_at), old.id);
    Ok((old.key().min(new_key), new_names, next_num))
}

/// Marks the match voided and deletes its history; returns where to replay from.
async fn void(
    tx: &mut PgConnection,
    id: LeagueId,
    old: &OldMatch,
    now: DateTime<Utc>,
) -> Result<MatchKey, WriteError> {
    if old.voided {
        return Err(WriteError::NoSuchMatch);
    }
    sqlx::query!(
        "update league_match set voided_at = $2, updated_at = $2 where id = $1",
        old.id,
        now
    )
    .execute(&mut *tx)
    .await?;
    history::delete_match(tx, id, old.season, old.played_at, old.id).await?;
    Ok(old.key())
}
