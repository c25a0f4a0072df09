//! Catching up with another process's change to a league: replay from the point the change
//! names when the league's shape (season, system, parameters) is the same, else rebuild.

use std::sync::Arc;

use sqlx::PgPool;

use super::{WriteError, apply_all};
use crate::{
    leagues::{League, LeagueVersion, MatchKey, load, store as db},
    sync::{read, write},
};

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
