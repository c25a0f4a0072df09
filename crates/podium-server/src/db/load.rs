//! Start-up load of the rank index and the leagues: every leaderboard's newest period and every
//! league's ratings, read in one repeatable-read snapshot together with the change-log position
//! it corresponds to.

use std::sync::Arc;

use sqlx::PgPool;

use super::{changes, leaderboards, leagues};
use crate::{
    league::{self, LeagueData},
    rank::{BoardState, LeaderboardState},
};

/// The sequence the snapshot is at, and the states to install.
pub async fn snapshot(
    pool: &PgPool,
    past_cache: usize,
) -> Result<(i64, Vec<LeaderboardState>, Vec<LeagueData>), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query!("set transaction isolation level repeatable read, read only")
        .execute(&mut *tx)
        .await?;
    let seq = changes::last_seq(&mut tx).await?;
    let defs = leaderboards::load_all(&mut tx).await?;
    let total = defs.len();
    let mut states = Vec::with_capacity(total);
    for (i, def) in defs.into_iter().enumerate() {
        let def = Arc::new(def);
        let current = match leaderboards::latest_period(&mut tx, def.id).await? {
            Some((period_id, bounds)) => {
                let (entries, metadata) = leaderboards::load_board(&mut tx, period_id).await?;
                tracing::info!(
                    leaderboard = %def.slug,
                    entries = entries.len(),
                    progress = format!("{}/{}", i + 1, total),
                    "loading rank index"
                );
                Some(BoardState::load(
                    period_id, bounds, def.order, entries, metadata,
                ))
            }
            None => None,
        };
        states.push(LeaderboardState::new(def, past_cache).with_current(current));
    }
    let defs = leagues::load_all(&mut tx).await?;
    let total = defs.len();
    let mut loaded = Vec::with_capacity(total);
    for (i, (def, version)) in defs.into_iter().enumerate() {
        let slug = def.slug.clone();
        match league::load(&mut tx, def, version).await {
            Ok(data) => {
                tracing::info!(
                    league = %slug,
                    matches = data.ratings.matches,
                    progress = format!("{}/{}", i + 1, total),
                    "loaded league"
                );
                loaded.push(data);
            }
            Err(league::LoadError::Db(e)) => return Err(e),
            Err(e) => tracing::error!(league = %slug, error = %e, "league not loaded"),
        }
    }
    tx.commit().await?;
    Ok((seq, states, loaded))
}
