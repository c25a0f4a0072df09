//! Replaying stored matches into [`Ratings`]: a whole league from its first season (start-up,
//! a full recompute), or the matches of the current season after a point (a late match, an
//! edit, another process's change). A stored match the league can no longer rate (a change of
//! system can make a 2v2 unrateable under Elo) is skipped and reported, never fatal.

use super::{Ratings, StoredMatch};
use crate::rating::{MatchError, MatchOutcome};

/// A stored match the replay passed over, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped {
    /// The match's id.
    pub match_id: i64,
    /// Its season.
    pub season: i32,
    /// Why it could not be rated.
    pub error: MatchError,
}

/// Where a rated match of the current season stands in a whole-league replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// This match's number among the current season's matches, from 1.
    pub index: u64,
    /// The current season's stored matches, skipped ones included.
    pub total: u64,
}

/// Replays a whole league into `ratings` (fresh, at season 1): every stored match of every
/// season, given in (season, played_at, id) order, with a soft reset at each season boundary
/// and up to `season`, the current one. `on_current` sees each match of the current season as
/// it is rated (a full recompute writes the season's history from it, reading the matches
/// once). Returns the matches skipped.
pub fn replay_seasons(
    ratings: &mut Ratings,
    matches: &[StoredMatch],
    season: i32,
    mut on_current: impl FnMut(&Ratings, &StoredMatch, MatchOutcome, Progress),
) -> Vec<Skipped> {
    debug_assert!(
        matches.is_sorted_by_key(|m| (m.season, m.key())),
        "stored matches come in (season, played_at, id) order"
    );
    let total = matches.iter().filter(|m| m.season == season).count() as u64;
    let mut at = 1;
    let mut index = 0;
    let mut skipped = Vec::new();
    for m in matches {
        while m.season > at {
            ratings.start_new_season();
            at += 1;
        }
        match ratings.apply(m) {
            Ok(outcome) if m.season == season => {
                index += 1;
                on_current(ratings, m, outcome, Progress { index, total });
            }
            Ok(_) => {}
            Err(error) => skipped.push(skip(m, error)),
        }
    }
    while at < season {
        ratings.start_new_season();
        at += 1;
    }
    skipped
}

/// Applies matches of the current season in order, handing each rated one to `on_rated`.
/// Returns the matches skipped.
pub fn replay_after(
    ratings: &mut Ratings,
    matches: &[StoredMatch],
    mut on_rated: impl FnMut(&Ratings, &StoredMatch, MatchOutcome),
) -> Vec<Skipped> {
    debug_assert!(
        matches.is_sorted_by_key(StoredMatch::key),
        "matches come in rating order"
    );
    let mut skipped = Vec::new();
    for m in matches {
        match ratings.apply(m) {
            Ok(outcome) => on_rated(ratings, m, outcome),
            Err(error) => skipped.push(skip(m, error)),
        }
    }
    skipped
}

fn skip(m: &StoredMatch, error: MatchError) -> Skipped {
    Skipped {
        match_id: m.id,
        season: m.season,
        error,
    }
}
