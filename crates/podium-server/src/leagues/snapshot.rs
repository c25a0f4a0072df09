//! League snapshots: a league's ratings stored as they stood at a version, so a process starts
//! by loading the snapshot and rating only the matches after it instead of replaying every
//! match the league ever had (two leagues of a million matches: seconds become a fraction).
//!
//! A snapshot holds while no change since it rated again matches it covers; every league write
//! says whether it did (`store::publish`), and a snapshot older than the last such change is
//! passed over, so a stale snapshot is never used (see the `league_snapshot` migration). Each
//! process snapshots the leagues that changed every `league_snapshot_secs` and at shutdown; a
//! recompute stores one in its own transaction.

use std::{sync::Arc, time::Duration};

use podium_core::{
    league::{RatingsSnapshot, replay_after},
    rating::Params,
};
use sqlx::{PgConnection, PgPool};
use tokio_util::sync::CancellationToken;

use super::{
    League, LeagueData, LeagueDef, LeagueVersion, Leagues, LoadError, Ratings, report_skipped,
    store as db,
};
use crate::{
    metrics as m,
    sync::{read, write},
};

/// Builds a league from its stored snapshot and the matches of the season after it; None when
/// there is no snapshot or it does not hold (stale, another shape, unreadable), and the caller
/// replays every match instead.
pub(super) async fn restore(
    conn: &mut PgConnection,
    def: &LeagueDef,
    version: LeagueVersion,
    params: &Params,
) -> Result<Option<LeagueData>, LoadError> {
    let Some(stored) = db::snapshot(&mut *conn, def.id).await? else {
        return Ok(None);
    };
    let holds = stored.version >= stored.rewound_version
        && stored.version <= version
        && stored.season == def.season
        && stored.system == def.system
        && stored.params == def.params;
    if !holds {
        tracing::info!(league = %def.slug, snapshot_version = stored.version.0, "the league's snapshot is stale: replaying every match");
        return Ok(None);
    }
    let snapshot = match RatingsSnapshot::decode(&stored.body) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(league = %def.slug, error = %e, "the league's snapshot is unreadable: replaying every match");
            return Ok(None);
        }
    };
    // A cheap check that the snapshot and the stored matches agree on where it ends.
    if let Some(last) = snapshot.last
        && !db::has_match_at(&mut *conn, def.id, def.season, last).await?
    {
        tracing::warn!(league = %def.slug, snapshot_version = stored.version.0, "the league's snapshot ends at a match that is not stored: replaying every match");
        return Ok(None);
    }
    let mut data = LeagueData::new(Arc::new(def.clone()), params.clone());
    data.version = version;
    data.stored_snapshot = stored.version;
    data.ratings = Ratings::from_snapshot(params.clone(), snapshot);
    for (num, name) in db::participants(&mut *conn, data.def.id).await? {
        data.add_name(num as u32, &name);
    }
    let after =
        db::matches_after(&mut *conn, data.def.id, data.def.season, data.ratings.last).await?;
    let skipped = replay_after(&mut data.ratings, &after, |_, _, _| {});
    report_skipped(&data.def.slug, &skipped);
    data.rebuild_boards();
    tracing::debug!(
        league = %data.def.slug,
        snapshot_version = stored.version.0,
        matches_after = after.len(),
        "league loaded from its snapshot"
    );
    Ok(Some(data))
}

/// What `take` stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Taken {
    pub version: LeagueVersion,
    pub matches: u64,
    pub participants: usize,
    pub bytes: usize,
}

/// Snapshots `league` as this process holds it, unless its snapshot is already current.
/// Returns what was stored, or None (nothing new, or stale by the time it was written).
pub async fn take(pool: &PgPool, league: &League) -> Result<Option<Taken>, sqlx::Error> {
    let (def, version, ratings) = {
        let data = read(&league.data);
        if data.version <= data.stored_snapshot {
            return Ok(None);
        }
        // A copy of the ratings is cheap (unchanged chunks are shared) and leaves the writers
        // free while it is encoded.
        (data.def.clone(), data.version, data.ratings.clone())
    };
    let encoded = tokio::task::spawn_blocking(move || {
        let s = ratings.snapshot();
        (s.encode(), s.matches, s.participants())
    })
    .await;
    let Ok((body, matches, participants)) = encoded else {
        return Ok(None);
    };
    let mut conn = pool.acquire().await?;
    let stored = db::save_snapshot(
        &mut conn,
        &db::NewSnapshot {
            id: def.id,
            version,
            def: &def,
            matches,
            participants,
            body: &body,
        },
    )
    .await?;
    if !stored {
        metrics::counter!(m::LEAGUE_SNAPSHOTS, "outcome" => "stale").increment(1);
        return Ok(None);
    }
    metrics::counter!(m::LEAGUE_SNAPSHOTS, "outcome" => "stored").increment(1);
    mark_stored(league, version);
    Ok(Some(Taken {
        version,
        matches,
        participants,
        bytes: body.len(),
    }))
}

/// Records that the snapshot of `version` is stored (the state may have moved on meanwhile).
pub(super) fn mark_stored(league: &League, version: LeagueVersion) {
    let mut data = write(&league.data);
    data.stored_snapshot = data.stored_snapshot.max(version);
}

/// Snapshots every league that changed since its snapshot.
pub async fn take_all(pool: &PgPool, leagues: &Leagues) {
    for league in leagues.all() {
        match take(pool, &league).await {
            Ok(Some(t)) => tracing::info!(
                league = %read(&league.data).def.slug,
                version = t.version.0,
                matches = t.matches,
                participants = t.participants,
                bytes = t.bytes,
                "league snapshot stored"
            ),
            Ok(None) => {}
            Err(e) => {
                metrics::counter!(m::LEAGUE_SNAPSHOTS, "outcome" => "failed").increment(1);
                tracing::warn!(league_id = %league.id(), error = %e, "could not store a league snapshot");
            }
        }
    }
}

/// Snapshots the leagues that changed every `every` (the first time at once: a league this
/// start-up had to replay gets its snapshot now) and once more at shutdown.
pub async fn keep(pool: PgPool, leagues: Arc<Leagues>, every: Duration, stop: CancellationToken) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = tick.tick() => take_all(&pool, &leagues).await,
        }
    }
    take_all(&pool, &leagues).await;
}
