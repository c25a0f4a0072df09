//! A full recompute: every match of the league replayed once, the current season's history
//! streamed into a stage table on a second connection, then swapped in for the season's in the
//! transaction that holds the league's row lock.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};

use super::{WriteError, history_rows};
use crate::{
    leagues::{
        League, LeagueData, LeagueDef, LeagueId, LeagueVersion, history, load_with,
        store::{self as db, LockedLeague},
    },
    sync::write,
};

/// Reports (done, total) matches.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

/// Replays the whole current season and rewrites its history (a change of parameters, or an
/// operator's request). `progress` is called with (done, total) matches.
pub async fn recompute(
    pool: &PgPool,
    league: &Arc<League>,
    now: DateTime<Utc>,
    progress: Progress<'_>,
    ctx: &crate::audit::Context,
) -> Result<u64, WriteError> {
    let _writer = league.writer.lock().await;
    let started = std::time::Instant::now();
    let mut tx = pool.begin().await?;
    let id = league.id();
    // Everything is rebuilt from the matches, so the row lock is all we need of `lock`.
    let locked = db::lock(&mut tx, id).await?.ok_or(WriteError::Gone)?;
    let (def, _) = db::load_one(&mut tx, id).await?.ok_or(WriteError::Gone)?;
    let (mut fresh, total) = replay(pool, &mut tx, def, &locked, progress).await?;
    // The recompute stores the league's snapshot in its own transaction: the next start-up
    // loads it instead of replaying what was just replayed.
    let snapshot = fresh.ratings.snapshot();
    let done = Done {
        id,
        def: &fresh.def,
        total,
        locked: &locked,
        now,
        ctx,
        snapshot: (&snapshot.encode(), snapshot.participants()),
    };
    (fresh.version, fresh.stored_snapshot) = match swap_in(tx, &done).await {
        Ok(versions) => versions,
        Err(e) => {
            if let Err(cleanup) = history::drop_stage(pool, id, locked.season).await {
                tracing::warn!(league_id = %id, season = locked.season, error = %cleanup, "could not drop a recompute's stage table");
            }
            return Err(e);
        }
    };
    fresh.rebuild_boards();
    let slug = fresh.def.slug.clone();
    *write(&league.data) = fresh;
    report(&slug, total, started);
    Ok(total)
}

/// Replays every match of the league into a fresh state, streaming the current season's
/// history into the season's stage table (committed on its own connection). Returns the state
/// and the current season's matches.
async fn replay(
    pool: &PgPool,
    tx: &mut Transaction<'_, Postgres>,
    def: LeagueDef,
    locked: &LockedLeague,
    progress: Progress<'_>,
) -> Result<(LeagueData, u64), WriteError> {
    // The history goes to PostgreSQL on another connection while this one reads and replays.
    let mut loader = history::SeasonLoader::start(pool, def.id, locked.season).await?;
    let mut total = 0;
    let replayed = load_with(tx, def, locked.version, |ratings, m, outcome, at| {
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
    let fresh = replayed?;
    loader.finish().await?;
    Ok((fresh, total))
}

/// What a finished replay writes.
struct Done<'a> {
    id: LeagueId,
    def: &'a LeagueDef,
    total: u64,
    locked: &'a LockedLeague,
    now: DateTime<Utc>,
    ctx: &'a crate::audit::Context,
    /// The encoded snapshot of the replayed ratings, and the participants it holds.
    snapshot: (&'a [u8], usize),
}

/// Swaps the loaded history in for the season's, records the recompute, stores the snapshot
/// and commits; returns the new version and that of the stored snapshot. On any failure rolls
/// back first (the transaction holds the stage table it renamed). The caller drops the stage
/// table then: it was committed, and must not stay behind.
async fn swap_in(
    mut tx: Transaction<'_, Postgres>,
    done: &Done<'_>,
) -> Result<(LeagueVersion, LeagueVersion), WriteError> {
    let (id, season) = (done.id, done.locked.season);
    let swapped: Result<(LeagueVersion, LeagueVersion), WriteError> = async {
        history::swap_season(&mut tx, id, season).await?;
        crate::audit::record(
            &mut tx,
            done.ctx,
            "league.recompute",
            &format!("league:{}", done.def.slug),
            None,
            Some(serde_json::json!({"season": season, "matches": done.total})),
        )
        .await?;
        let version = db::bump(&mut tx, id, done.locked.next_num, done.now).await?;
        db::publish(&mut tx, id, version, None, db::Rerated::Yes).await?;
        let (body, participants) = done.snapshot;
        let snapshot = db::NewSnapshot {
            id,
            version,
            def: done.def,
            matches: done.total,
            participants,
            body,
        };
        let stored = if db::save_snapshot(&mut tx, &snapshot).await? {
            version
        } else {
            LeagueVersion::default()
        };
        Ok((version, stored))
    }
    .await;
    match swapped {
        Ok(versions) => tx
            .commit()
            .await
            .map(|()| versions)
            .map_err(WriteError::from),
        Err(e) => {
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

fn report(slug: &str, total: u64, started: std::time::Instant) {
    let seconds = started.elapsed().as_secs_f64();
    metrics::histogram!(crate::metrics::RANKING_COMPUTE, "league" => slug.to_owned(), "kind" => "full").record(seconds);
    tracing::info!(
        league = %slug,
        matches = total,
        seconds,
        matches_per_second = (total as f64 / seconds.max(1e-9)).round(),
        "full recompute done"
    );
}
