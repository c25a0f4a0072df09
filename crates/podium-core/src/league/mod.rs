//! Leagues without IO: the types that name a league's things ([`LeagueId`], [`LeagueVersion`],
//! [`MatchKey`]), the rules of a submitted match ([`submission`]), the ratings of a league with
//! their checkpoints ([`Ratings`]), and the replay of stored matches season by season. The
//! server reads and writes; the rules live here.

mod key;
mod ratings;
mod replay;
pub mod submission;

pub use key::{LeagueId, LeagueVersion, MatchKey};
pub use ratings::{Ratings, StoredMatch, StoredTeam};
pub use replay::{Progress, Skipped, replay_after, replay_seasons};

#[cfg(test)]
mod tests;
