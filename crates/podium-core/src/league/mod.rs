//! Leagues without IO: the types that name a league's things ([`LeagueId`], [`LeagueVersion`],
//! [`MatchKey`]), the rules of a submitted match ([`submission`]), the ratings of a league with
//! their checkpoints ([`Ratings`]), the replay of stored matches season by season, and the
//! standings boards ([`build_boards`], [`update_boards`]). The server reads and writes; the
//! rules live here.

mod key;
mod ratings;
mod replay;
mod standings;
pub mod submission;

pub use key::{LeagueId, LeagueVersion, MatchKey};
pub use ratings::{Ratings, RatingsSnapshot, SnapshotError, StoredMatch, StoredTeam};
pub use replay::{Progress, Skipped, replay_after, replay_seasons};
pub use standings::{Boards, DISPLAY_SCALE, build_boards, scaled, update_boards};

#[cfg(test)]
mod tests;
