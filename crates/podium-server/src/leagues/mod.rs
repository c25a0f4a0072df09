//! Skill leagues in memory: every league's ratings and standings, rebuilt from PostgreSQL's
//! matches at start-up and kept current by this process's writes and the change feed.

pub mod csv;
pub mod history;
pub mod matches;
pub mod snapshot;
mod state;
pub mod store;
pub mod write;

pub use podium_core::league::{
    DISPLAY_SCALE, LeagueId, LeagueVersion, MatchKey, Ratings, StoredMatch, StoredTeam, scaled,
};
pub use state::LeagueData;

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use chrono::{DateTime, Utc};
use podium_core::{
    league::{Progress, Skipped, replay_seasons},
    rating::{MatchOutcome, Params},
};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::{
    leagues::store as db,
    sync::{read, write},
};

/// A league to bring up to a version, replaying from a point (None: its whole season).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeagueSync {
    pub league: LeagueId,
    pub version: LeagueVersion,
    pub from: Option<MatchKey>,
}

impl LeagueSync {
    /// Folds a later request for the same league into this one: the higher version, the
    /// earlier replay point (a whole-season replay wins).
    fn merge(&mut self, other: LeagueSync) {
        debug_assert_eq!(self.league, other.league);
        self.version = self.version.max(other.version);
        self.from = match (self.from, other.from) {
            (Some(a), Some(b)) => Some(a.min(b)),
            _ => None,
        };
    }
}

/// A league's definition as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeagueDef {
    pub id: LeagueId,
    pub slug: String,
    pub name: String,
    pub system: String,
    /// Effective parameters (defaults filled in).
    pub params: serde_json::Value,
    pub season: i32,
    pub metadata: serde_json::Value,
    /// Who may read it.
    #[serde(default)]
    pub visibility: crate::model::Visibility,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One league: its state for readers, and a lock that serialises this process's writers.
#[derive(Debug)]
pub struct League {
    pub data: RwLock<LeagueData>,
    pub writer: tokio::sync::Mutex<()>,
    /// Requests waiting for the writer (see `write::record`).
    pub queue: RwLock<Vec<write::Pending>>,
}

impl League {
    pub fn id(&self) -> LeagueId {
        read(&self.data).def.id
    }
}

/// Every league known to this process.
#[derive(Debug, Default)]
pub struct Leagues {
    by_id: RwLock<HashMap<LeagueId, Arc<League>>>,
    by_slug: RwLock<HashMap<String, LeagueId>>,
}

impl Leagues {
    pub fn by_slug(&self, slug: &str) -> Option<Arc<League>> {
        let id = *read(&self.by_slug).get(slug)?;
        self.by_id(id)
    }

    pub fn by_id(&self, id: LeagueId) -> Option<Arc<League>> {
        read(&self.by_id).get(&id).cloned()
    }

    /// Every league, ordered by slug.
    pub fn all(&self) -> Vec<Arc<League>> {
        let mut all: Vec<_> = read(&self.by_id).values().cloned().collect();
        all.sort_by_key(|l| read(&l.data).def.slug.clone());
        all
    }

    /// Adds a league's state, or replaces an older one (a state built from an earlier snapshot
    /// never overwrites a newer one installed meanwhile).
    pub fn install(&self, data: LeagueData) -> Arc<League> {
        let (id, slug) = (data.def.id, data.def.slug.clone());
        if let Some(existing) = self.by_id(id) {
            let mut current = write(&existing.data);
            if data.version > current.version {
                *current = data;
            }
            drop(current);
            return existing;
        }
        let league = Arc::new(League {
            data: RwLock::new(data),
            writer: tokio::sync::Mutex::new(()),
            queue: RwLock::new(Vec::new()),
        });
        write(&self.by_id).insert(id, league.clone());
        write(&self.by_slug).insert(slug, id);
        league
    }

    pub fn remove(&self, id: LeagueId) {
        if let Some(l) = write(&self.by_id).remove(&id) {
            write(&self.by_slug).remove(&read(&l.data).def.slug);
        }
    }

    pub fn replace_all(&self, leagues: Vec<LeagueData>) {
        write(&self.by_id).clear();
        write(&self.by_slug).clear();
        for l in leagues {
            self.install(l);
        }
    }
}

/// Why a league's state could not be built.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("league '{slug}' has invalid parameters: {message}")]
    Params { slug: String, message: String },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Builds a league's whole state from the database: from its snapshot and the matches after
/// it when a snapshot holds, else by replaying every season's matches in order with a soft
/// reset at each season boundary. The two give the same state, bit for bit.
pub async fn load(
    conn: &mut PgConnection,
    def: LeagueDef,
    version: LeagueVersion,
) -> Result<LeagueData, LoadError> {
    let params = parse_params(&def)?;
    if let Some(data) = snapshot::restore(conn, &def, version, &params).await? {
        metrics::counter!(crate::metrics::LEAGUE_LOADS, "source" => "snapshot").increment(1);
        return Ok(data);
    }
    metrics::counter!(crate::metrics::LEAGUE_LOADS, "source" => "replay").increment(1);
    load_with(conn, def, version, |_, _, _, _| {}).await
}

fn parse_params(def: &LeagueDef) -> Result<Params, LoadError> {
    Params::parse(&def.system, &def.params).map_err(|e| LoadError::Params {
        slug: def.slug.clone(),
        message: e.to_string(),
    })
}

/// Like `load`, calling `on_current(ratings, match, outcome, progress)` for each match of the
/// current season as it is rated (a full recompute collects the history this way, reading and
/// replaying the matches once).
pub async fn load_with(
    conn: &mut PgConnection,
    def: LeagueDef,
    version: LeagueVersion,
    on_current: impl FnMut(&Ratings, &StoredMatch, MatchOutcome, Progress),
) -> Result<LeagueData, LoadError> {
    let params = parse_params(&def)?;
    let season = def.season;
    let mut data = LeagueData::new(Arc::new(def), params);
    data.version = version;
    for (num, name) in db::participants(&mut *conn, data.def.id).await? {
        data.add_name(num as u32, &name);
    }
    let matches = db::all_matches(&mut *conn, data.def.id).await?;
    let skipped = replay_seasons(&mut data.ratings, &matches, season, on_current);
    report_skipped(&data.def.slug, &skipped);
    data.rebuild_boards();
    Ok(data)
}

/// Stored matches were validated when recorded; a change of system could make one
/// unrateable (e.g. a 2v2 under Elo). It is skipped, and said so.
pub(crate) fn report_skipped(slug: &str, skipped: &[Skipped]) {
    for s in skipped {
        tracing::warn!(league = %slug, match_id = s.match_id, season = s.season, error = %s.error, "match skipped");
    }
}

/// Keeps leagues current with other processes' changes, handed over by the feed. Requests
/// that queue up for one league are merged: the highest version, the earliest replay point.
pub async fn follow(
    pool: sqlx::PgPool,
    leagues: Arc<Leagues>,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<LeagueSync>,
) {
    while let Some(first) = rx.recv().await {
        let mut pending: HashMap<LeagueId, LeagueSync> = HashMap::new();
        let mut merge = |next: LeagueSync| {
            pending
                .entry(next.league)
                .and_modify(|p| p.merge(next))
                .or_insert(next);
        };
        merge(first);
        while let Ok(next) = rx.try_recv() {
            merge(next);
        }
        for (id, sync) in pending {
            let result = match leagues.by_id(id) {
                Some(league) => write::sync(&pool, &league, sync.version, sync.from).await,
                None => install_from_db(&pool, &leagues, id).await,
            };
            if let Err(e) = result {
                tracing::warn!(league_id = %id, error = %e, "could not bring a league up to date");
            }
        }
    }
}

async fn install_from_db(
    pool: &sqlx::PgPool,
    leagues: &Leagues,
    id: LeagueId,
) -> Result<(), write::WriteError> {
    let mut conn = pool.acquire().await?;
    if let Some((def, version)) = db::load_one(&mut conn, id).await? {
        let data = load(&mut conn, def, version).await?;
        leagues.install(data);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_requests_keep_the_highest_version_and_the_earliest_replay_point() {
        let sync = |version, from: Option<(i64, i64)>| LeagueSync {
            league: LeagueId(1),
            version: LeagueVersion(version),
            from: from.map(MatchKey::from),
        };
        let mut a = sync(3, Some((50, 2)));
        a.merge(sync(5, Some((60, 1))));
        assert_eq!(a, sync(5, Some((50, 2))));
        a.merge(sync(4, Some((50, 1))));
        assert_eq!(a, sync(5, Some((50, 1))));
        a.merge(sync(2, None));
        assert_eq!(a, sync(5, None), "a whole-season replay covers every point");
        a.merge(sync(6, Some((1, 1))));
        assert_eq!(a, sync(6, None));
    }
}
