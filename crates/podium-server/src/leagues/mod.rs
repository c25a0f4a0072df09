//! Skill leagues in memory: every league's ratings and standings, rebuilt from PostgreSQL's
//! matches at start-up and kept current by this process's writes and the change feed.

pub mod csv;
pub mod history;
pub mod matches;
mod state;
pub mod store;
pub mod write;

pub use state::{DISPLAY_SCALE, Key, LeagueData, Ratings, StoredMatch, scaled};

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use chrono::{DateTime, Utc};
use podium_core::rating::Params;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::{
    leagues::store as db,
    sync::{read, write},
};

/// A league to bring up to a version, replaying from a point (None: its whole season).
pub type LeagueSync = (i64, i64, Option<Key>);

/// A replay point past every match: the change needs no replay (a new name, say).
pub const NOTHING_TO_REPLAY: Key = (i64::MAX, i64::MAX);

/// A league's definition as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeagueDef {
    pub id: i64,
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
    pub fn id(&self) -> i64 {
        read(&self.data).def.id
    }
}

/// Every league known to this process.
#[derive(Debug, Default)]
pub struct Leagues {
    by_id: RwLock<HashMap<i64, Arc<League>>>,
    by_slug: RwLock<HashMap<String, i64>>,
}

impl Leagues {
    pub fn by_slug(&self, slug: &str) -> Option<Arc<League>> {
        let id = *read(&self.by_slug).get(slug)?;
        self.by_id(id)
    }

    pub fn by_id(&self, id: i64) -> Option<Arc<League>> {
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

    pub fn remove(&self, id: i64) {
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

/// Builds a league's whole state from the database: participants, then every season's matches
/// in order with a soft reset at each season boundary.
pub async fn load(
    conn: &mut PgConnection,
    def: LeagueDef,
    version: i64,
) -> Result<LeagueData, LoadError> {
    load_with(conn, def, version, |_, _, _, _, _| {}).await
}

/// Like `load`, calling `on_current(ratings, match, outcome, index, total)` for each match of
/// the current season as it is rated (a full recompute collects the history this way, reading
/// and replaying the matches once).
pub async fn load_with(
    conn: &mut PgConnection,
    def: LeagueDef,
    version: i64,
    mut on_current: impl FnMut(&Ratings, &StoredMatch, podium_core::rating::MatchOutcome, u64, u64),
) -> Result<LeagueData, LoadError> {
    let params = Params::parse(&def.system, &def.params).map_err(|e| LoadError::Params {
        slug: def.slug.clone(),
        message: e.to_string(),
    })?;
    let season = def.season;
    let mut data = LeagueData::new(Arc::new(def), params);
    data.version = version;
    for (num, name) in db::participants(&mut *conn, data.def.id).await? {
        data.add_name(num as u32, &name);
    }
    let matches = db::all_matches(&mut *conn, data.def.id).await?;
    let total = matches.iter().filter(|m| m.season == season).count() as u64;
    let mut at = 1;
    let mut index = 0;
    for m in &matches {
        while m.season > at {
            data.ratings.start_new_season();
            at += 1;
        }
        match data.ratings.apply(m) {
            Ok(outcome) if m.season == season => {
                index += 1;
                on_current(&data.ratings, m, outcome, index, total);
            }
            Ok(_) => {}
            // Stored matches were validated when recorded; a change of system could make one
            // unrateable (e.g. a 2v2 under Elo). It is skipped, and said so.
            Err(e) => {
                tracing::warn!(league = %data.def.slug, match_id = m.id, error = %e, "match skipped")
            }
        }
    }
    while at < season {
        data.ratings.start_new_season();
        at += 1;
    }
    data.rebuild_boards();
    Ok(data)
}

/// Keeps leagues current with other processes' changes, handed over by the feed. Requests
/// that queue up for one league are merged: the highest version, the earliest replay point.
pub async fn follow(
    pool: sqlx::PgPool,
    leagues: Arc<Leagues>,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<LeagueSync>,
) {
    while let Some(first) = rx.recv().await {
        let mut pending: HashMap<i64, (i64, Option<Key>)> = HashMap::new();
        let mut merge = |(id, version, from): LeagueSync| {
            let e = pending.entry(id).or_insert((version, from));
            e.0 = e.0.max(version);
            e.1 = match (e.1, from) {
                (Some(a), Some(b)) => Some(a.min(b)),
                _ => None,
            };
        };
        merge(first);
        while let Ok(next) = rx.try_recv() {
            merge(next);
        }
        for (id, (version, from)) in pending {
            let result = match leagues.by_id(id) {
                Some(league) => write::sync(&pool, &league, version, from).await,
                None => install_from_db(&pool, &leagues, id).await,
            };
            if let Err(e) = result {
                tracing::warn!(league_id = id, error = %e, "could not bring a league up to date");
            }
        }
    }
}

async fn install_from_db(
    pool: &sqlx::PgPool,
    leagues: &Leagues,
    id: i64,
) -> Result<(), write::WriteError> {
    let mut conn = pool.acquire().await?;
    if let Some((def, version)) = db::load_one(&mut conn, id).await? {
        let data = load(&mut conn, def, version).await?;
        leagues.install(data);
    }
    Ok(())
}
