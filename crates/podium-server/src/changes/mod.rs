//! The change record and how it travels: every committed change is appended to the change log
//! in its own transaction (`log`), and every process applies the log to its in-memory state in
//! sequence order (`feed`). This layer knows the shape of a change, not the features that apply
//! it: the application hands the feed an [`Apply`] that does.

pub mod feed;
mod log;

pub use feed::{ApplierGuard, Feed};
pub use log::{CHANNEL, append, fetch, last_seq, lock_counter, prune};

use futures::future::BoxFuture;
use podium_core::{
    board::Entry,
    league::{LeagueId, LeagueVersion, MatchKey},
};
use serde_json::value::RawValue;
use sqlx::PgPool;

use crate::model::{Bounds, LeaderboardDef, ProfileBrief};

/// One committed change, as recorded in `change_log`.
#[derive(Clone, Debug)]
pub enum Change {
    Score {
        leaderboard_id: i64,
        period_id: i64,
        entry: Entry,
        metadata: Option<Box<RawValue>>,
    },
    Erase {
        leaderboard_id: i64,
        participant: String,
    },
    Leaderboard(Box<LeaderboardDef>),
    LeaderboardDeleted {
        leaderboard_id: i64,
    },
    Period {
        leaderboard_id: i64,
        period_id: i64,
        bounds: Bounds,
    },
    /// A league changed: bring it to `version`, replaying from `from` (None: the whole season).
    /// The fields are the bare numbers the change log stores (`leagues::store::league_change`
    /// builds the record from `LeagueId`, `LeagueVersion` and a `MatchKey`, whose pair `from`
    /// is: `(played_at µs, match id)`).
    League {
        league_id: LeagueId,
        version: LeagueVersion,
        from: Option<MatchKey>,
    },
    LeagueDeleted {
        league_id: LeagueId,
    },
    /// An API key was created, changed or revoked: reload the key cache.
    ApiKey,
    /// A feature flag was created, changed or deleted: reload the flag cache.
    Flag,
    /// A participant's display name or avatar changed (an empty brief: nothing left to show).
    Profile {
        participant: String,
        brief: ProfileBrief,
    },
}

/// What applying a score change did to its participant's rank.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RankMove {
    pub previous_rank: Option<usize>,
    pub rank: Option<usize>,
}

/// A position in the change log: gap-free and in commit order, from 1 (0: before any change).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Seq(pub i64);

impl Seq {
    /// Past every change (catch up with everything).
    pub const END: Seq = Seq(i64::MAX);

    pub fn get(self) -> i64 {
        self.0
    }

    /// The position `n` changes after this one.
    pub fn plus(self, n: i64) -> Seq {
        Seq(self.0.saturating_add(n))
    }
}

impl std::fmt::Display for Seq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What the feed applies changes to: this process's in-memory state, wired by the application.
pub trait Apply: Send + Sync + std::fmt::Debug {
    /// Applies one committed change. Changes arrive in sequence order, each exactly once.
    fn apply(&self, change: Change) -> RankMove;

    /// Replaces everything from one consistent snapshot of the database; returns the change-log
    /// sequence the snapshot corresponds to and the number of rank entries loaded.
    fn reload<'a>(&'a self, pool: &'a PgPool) -> BoxFuture<'a, Result<Loaded, sqlx::Error>>;
}

/// What a reload installed.
#[derive(Clone, Copy, Debug)]
pub struct Loaded {
    pub seq: Seq,
    pub entries: usize,
}
