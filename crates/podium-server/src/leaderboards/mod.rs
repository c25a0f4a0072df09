//! The in-process rank index of every leaderboard: the definition, the current period's board
//! and a small cache of past periods' boards. It is a cache of PostgreSQL, changed only by
//! applying change-feed records in sequence order (see `feed`).

pub mod scores;
pub mod service;
mod state;
pub mod store;
pub mod writer;

pub use state::{BoardState, EVENT_BUFFER, LeaderboardState, LiveEvent};

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use crate::{
    changes::{Change, RankMove},
    model::LeaderboardDef,
    sync::{read, write},
};

/// Every leaderboard known to this process.
#[derive(Debug, Default)]
pub struct Ranks {
    by_id: RwLock<HashMap<i64, Arc<RwLock<LeaderboardState>>>>,
    by_slug: RwLock<HashMap<String, i64>>,
}

impl Ranks {
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces everything (start-up, or a process that fell behind the change log's retention).
    pub fn replace_all(&self, states: Vec<LeaderboardState>) {
        let mut by_id = HashMap::with_capacity(states.len());
        let mut by_slug = HashMap::with_capacity(states.len());
        for s in states {
            by_slug.insert(s.def.slug.clone(), s.def.id);
            by_id.insert(s.def.id, Arc::new(RwLock::new(s)));
        }
        *write(&self.by_id) = by_id;
        *write(&self.by_slug) = by_slug;
    }

    pub fn by_slug(&self, slug: &str) -> Option<Arc<RwLock<LeaderboardState>>> {
        let id = *read(&self.by_slug).get(slug)?;
        self.by_id(id)
    }

    pub fn by_id(&self, id: i64) -> Option<Arc<RwLock<LeaderboardState>>> {
        read(&self.by_id).get(&id).cloned()
    }

    /// Definitions of every leaderboard, ordered by slug.
    pub fn definitions(&self) -> Vec<Arc<LeaderboardDef>> {
        let mut defs: Vec<_> = read(&self.by_id)
            .values()
            .map(|s| read(s).def.clone())
            .collect();
        defs.sort_by(|a, b| a.slug.cmp(&b.slug));
        defs
    }

    /// Entries held in each leaderboard's current board, for the metrics.
    pub fn sizes(&self) -> Vec<(String, usize)> {
        read(&self.by_id)
            .values()
            .map(|s| {
                let s = read(s);
                (
                    s.def.slug.clone(),
                    s.current.as_ref().map_or(0, |b| b.board.len()),
                )
            })
            .collect()
    }

    pub fn total_entries(&self) -> usize {
        self.sizes().iter().map(|(_, n)| n).sum()
    }

    /// Applies one committed change. Changes must arrive in sequence order.
    pub fn apply(&self, change: Change, past_cache: usize) -> RankMove {
        match change {
            Change::Score {
                leaderboard_id,
                period_id,
                entry,
                metadata,
            } => match self.by_id(leaderboard_id) {
                Some(lb) => write(&lb).apply_score(period_id, entry, metadata),
                None => RankMove::default(),
            },
            Change::Erase {
                leaderboard_id,
                participant,
            } => {
                if let Some(lb) = self.by_id(leaderboard_id) {
                    write(&lb).erase(&participant);
                }
                RankMove::default()
            }
            Change::Leaderboard(def) => {
                let def = Arc::new(*def);
                match self.by_id(def.id) {
                    Some(lb) => {
                        let mut lb = write(&lb);
                        if lb.def.slug != def.slug {
                            write(&self.by_slug).remove(&lb.def.slug);
                        }
                        lb.def = def.clone();
                    }
                    None => {
                        // A new leaderboard (a re-created slug gets fresh streams).
                        write(&self.by_id).insert(
                            def.id,
                            Arc::new(RwLock::new(LeaderboardState::new(def.clone(), past_cache))),
                        );
                    }
                }
                write(&self.by_slug).insert(def.slug.clone(), def.id);
                RankMove::default()
            }
            Change::LeaderboardDeleted { leaderboard_id } => {
                if let Some(lb) = write(&self.by_id).remove(&leaderboard_id) {
                    write(&self.by_slug).remove(&read(&lb).def.slug);
                }
                RankMove::default()
            }
            Change::Period {
                leaderboard_id,
                period_id,
                bounds,
            } => {
                if let Some(lb) = self.by_id(leaderboard_id) {
                    write(&lb).start_period(period_id, bounds);
                }
                RankMove::default()
            }
            // Leagues are brought up to date by the feed's league task.
            Change::League { .. }
            | Change::LeagueDeleted { .. }
            | Change::ApiKey
            | Change::Flag
            | Change::Profile { .. } => RankMove::default(),
        }
    }
}
