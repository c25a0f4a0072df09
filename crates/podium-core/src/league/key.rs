//! The names of a league's things that would otherwise be bare integers: the league, its
//! version, and a match's place in rating order. Each is its own type, so swapping two of them
//! does not compile; each keeps the JSON form the bare number (or pair) had.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A league's id, as PostgreSQL numbers leagues.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LeagueId(pub i64);

/// A league's version: it grows with every committed change to the league, so a process knows
/// whether its copy is current.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct LeagueVersion(pub i64);

/// A match's position in rating order: when it was played, then its id (so two matches played
/// at the same instant keep the order they were recorded in). Ordered by `played_at`, then
/// `id`; written as the pair `[played_at, id]` in JSON (cursors and the change log).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(from = "(i64, i64)", into = "(i64, i64)")]
pub struct MatchKey {
    /// When the match was played, unix microseconds.
    pub played_at: i64,
    /// The match's id.
    pub id: i64,
}

impl LeagueId {
    /// The number, for storage.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl LeagueVersion {
    /// The number, for storage.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl MatchKey {
    /// A position past every match: a change that needs no replay (a new name, say) points here.
    pub const END: MatchKey = MatchKey {
        played_at: i64::MAX,
        id: i64::MAX,
    };

    /// The key of match `id` played at `played_at` (unix microseconds).
    pub fn new(played_at: i64, id: i64) -> MatchKey {
        MatchKey { played_at, id }
    }
}

impl From<(i64, i64)> for MatchKey {
    fn from((played_at, id): (i64, i64)) -> MatchKey {
        MatchKey { played_at, id }
    }
}

impl From<MatchKey> for (i64, i64) {
    fn from(k: MatchKey) -> (i64, i64) {
        (k.played_at, k.id)
    }
}

impl fmt::Display for LeagueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for LeagueVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_keys_order_by_time_then_id() {
        let mut keys = vec![
            MatchKey::new(20, 1),
            MatchKey::new(10, 9),
            MatchKey::new(10, 2),
            MatchKey::END,
            MatchKey::new(-5, 100),
        ];
        keys.sort();
        let pairs: Vec<(i64, i64)> = keys.into_iter().map(Into::into).collect();
        assert_eq!(
            pairs,
            [(-5, 100), (10, 2), (10, 9), (20, 1), (i64::MAX, i64::MAX)]
        );
    }

    #[test]
    fn a_match_key_keeps_the_json_form_of_the_pair_it_replaces() {
        let key = MatchKey::new(1_700_000_000_000_000, 42);
        let json = serde_json::to_string(&key).unwrap();
        assert_eq!(json, "[1700000000000000,42]");
        assert_eq!(serde_json::from_str::<MatchKey>(&json).unwrap(), key);
        assert_eq!(serde_json::to_string(&Some(key)).unwrap(), json);
    }

    #[test]
    fn league_ids_and_versions_are_plain_numbers_in_json() {
        assert_eq!(serde_json::to_string(&LeagueId(7)).unwrap(), "7");
        assert_eq!(
            serde_json::from_str::<LeagueVersion>("12").unwrap(),
            LeagueVersion(12)
        );
    }
}
