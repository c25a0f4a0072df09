//! This process's in-memory state as the change feed sees it: the rank index of every
//! leaderboard, the leagues, and the caches that reload when a change says so (API keys,
//! feature flags). The start-up snapshot reads all of it in one repeatable-read transaction
//! together with the change-log position it corresponds to.

use std::sync::Arc;

use futures::{FutureExt, future::BoxFuture};
use sqlx::PgPool;
use tokio::sync::{Notify, mpsc::UnboundedSender};

use crate::{
    changes::{self, Apply, Change, Loaded, RankMove},
    leaderboards::{self, BoardState, LeaderboardState, Ranks},
    leagues::{self, LeagueData, LeagueSync, Leagues},
    model::ProfileBrief,
    profiles::{self, Profiles},
};

/// The state the feed applies changes to.
#[derive(Debug)]
pub struct Memory {
    pub ranks: Arc<Ranks>,
    pub leagues: Arc<Leagues>,
    /// What ranking rows show of each participant's profile.
    pub profiles: Arc<Profiles>,
    /// League changes go to the league task, which replays from the database without holding
    /// up the feed.
    league_tx: UnboundedSender<LeagueSync>,
    /// Woken when API keys change; the accounts task reloads them.
    pub keys_changed: Arc<Notify>,
    /// Woken when feature flags change (or may have: a full reload); the flag task reloads them.
    pub flags_changed: Arc<Notify>,
    past_cache: usize,
}

impl Memory {
    pub fn new(league_tx: UnboundedSender<LeagueSync>, past_cache: usize) -> Self {
        Self {
            ranks: Arc::new(Ranks::new()),
            leagues: Arc::new(Leagues::default()),
            profiles: Arc::new(Profiles::default()),
            league_tx,
            keys_changed: Arc::new(Notify::new()),
            flags_changed: Arc::new(Notify::new()),
            past_cache,
        }
    }
}

impl Apply for Memory {
    fn apply(&self, change: Change) -> RankMove {
        match change {
            Change::League {
                league_id,
                version,
                from,
            } => {
                let _ = self.league_tx.send(LeagueSync {
                    league: league_id,
                    version,
                    from,
                });
                RankMove::default()
            }
            Change::LeagueDeleted { league_id } => {
                self.leagues.remove(league_id);
                RankMove::default()
            }
            Change::ApiKey => {
                self.keys_changed.notify_one();
                RankMove::default()
            }
            Change::Flag => {
                self.flags_changed.notify_one();
                RankMove::default()
            }
            Change::Profile { participant, brief } => {
                self.profiles.set(&participant, brief);
                RankMove::default()
            }
            other => self.ranks.apply(other, self.past_cache),
        }
    }

    fn reload<'a>(&'a self, pool: &'a PgPool) -> BoxFuture<'a, Result<Loaded, sqlx::Error>> {
        async move {
            let Snapshot {
                seq,
                states,
                leagues,
                profiles,
            } = snapshot(pool, self.past_cache).await?;
            let entries: usize = states
                .iter()
                .map(|s| s.current.as_ref().map_or(0, |b| b.board.len()))
                .sum();
            self.ranks.replace_all(states);
            self.leagues.replace_all(leagues);
            self.profiles.replace_all(profiles);
            // Flag changes up to `seq` are not replayed after a snapshot: reload the flags too.
            self.flags_changed.notify_one();
            Ok(Loaded { seq, entries })
        }
        .boxed()
    }
}

/// Everything in memory, as of one change-log position.
struct Snapshot {
    seq: changes::Seq,
    states: Vec<LeaderboardState>,
    leagues: Vec<LeagueData>,
    profiles: Vec<(String, ProfileBrief)>,
}

/// Reads every leaderboard's current board, every league and every profile brief in one
/// repeatable-read transaction, with the change-log position it corresponds to.
async fn snapshot(pool: &PgPool, past_cache: usize) -> Result<Snapshot, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query!("set transaction isolation level repeatable read, read only")
        .execute(&mut *tx)
        .await?;
    let seq = changes::last_seq(&mut tx).await?;
    let defs = leaderboards::store::load_all(&mut tx).await?;
    let total = defs.len();
    let mut states = Vec::with_capacity(total);
    for (i, def) in defs.into_iter().enumerate() {
        let def = Arc::new(def);
        let current = match leaderboards::store::latest_period(&mut tx, def.id).await? {
            Some((period_id, bounds)) => {
                let (entries, metadata) =
                    leaderboards::store::load_board(&mut tx, period_id).await?;
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
    let defs = leagues::store::load_all(&mut tx).await?;
    let total = defs.len();
    let mut loaded = Vec::with_capacity(total);
    for (i, (def, version)) in defs.into_iter().enumerate() {
        let slug = def.slug.clone();
        match leagues::load(&mut tx, def, version).await {
            Ok(data) => {
                tracing::info!(
                    league = %slug,
                    matches = data.ratings.matches,
                    from_snapshot = data.stored_snapshot.0 > 0,
                    progress = format!("{}/{}", i + 1, total),
                    "loaded league"
                );
                loaded.push(data);
            }
            Err(leagues::LoadError::Db(e)) => return Err(e),
            Err(e) => tracing::error!(league = %slug, error = %e, "league not loaded"),
        }
    }
    let profiles = profiles::store::briefs(&mut tx).await?;
    tx.commit().await?;
    Ok(Snapshot {
        seq,
        states,
        leagues: loaded,
        profiles,
    })
}
