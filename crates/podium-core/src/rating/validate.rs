//! Match shape checks shared by rating and prediction, so both refuse the same inputs with the
//! same field names.

use super::{MatchError, Params, TeamInput};

/// A match shape the league's rating system does not rate: Elo and Glicko-2 rate one
/// participant against one, nothing else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    /// Not exactly two teams.
    #[error("{system} rates one-against-one matches only: exactly two teams (got {got})")]
    TeamCount {
        /// The system's name.
        system: &'static str,
        /// The teams given.
        got: usize,
    },
    /// A team of other than one participant.
    #[error("{system} rates one-against-one matches only: exactly one participant (got {got})")]
    TeamSize {
        /// The system's name.
        system: &'static str,
        /// The team's participants.
        got: usize,
    },
}

impl Params {
    /// Whether the system rates a match of `teams` teams (Elo and Glicko-2: two).
    pub fn check_team_count(&self, teams: usize) -> Result<(), ShapeError> {
        if self.one_vs_one_only() && teams != 2 {
            return Err(ShapeError::TeamCount {
                system: self.system(),
                got: teams,
            });
        }
        Ok(())
    }

    /// Whether the system rates a team of `participants` (Elo and Glicko-2: one).
    pub fn check_team_size(&self, participants: usize) -> Result<(), ShapeError> {
        if self.one_vs_one_only() && participants != 1 {
            return Err(ShapeError::TeamSize {
                system: self.system(),
                got: participants,
            });
        }
        Ok(())
    }
}

/// At least two teams, none empty, no participant in two places, and the shape the system
/// rates ([`Params::check_team_count`], [`Params::check_team_size`]).
pub(super) fn teams<'a>(
    teams: impl ExactSizeIterator<Item = &'a [u32]> + Clone,
    params: &Params,
) -> Result<(), MatchError> {
    let n = teams.len();
    if n < 2 {
        return Err(MatchError::new(
            "teams",
            format!("a match needs at least two teams (got {n})"),
        ));
    }
    params
        .check_team_count(n)
        .map_err(|e| MatchError::new("teams", e.to_string()))?;
    for (i, team) in teams.clone().enumerate() {
        let field = || format!("teams[{i}].participants");
        if team.is_empty() {
            return Err(MatchError::new(
                field(),
                "a team needs at least one participant",
            ));
        }
        params
            .check_team_size(team.len())
            .map_err(|e| MatchError::new(field(), e.to_string()))?;
        for (k, p) in team.iter().enumerate() {
            if team[..k].contains(p) {
                return Err(MatchError::new(
                    field(),
                    format!("participant {p} is listed twice"),
                ));
            }
            // Matches are small, so a quadratic scan beats hashing here.
            if let Some(j) = teams.clone().take(i).position(|t| t.contains(p)) {
                return Err(MatchError::new(
                    field(),
                    format!("participant {p} is also in teams[{j}]"),
                ));
            }
        }
    }
    Ok(())
}

/// Ranks from 1, and finite scores.
pub(super) fn results(teams: &[TeamInput]) -> Result<(), MatchError> {
    for (i, team) in teams.iter().enumerate() {
        if team.rank == 0 {
            return Err(MatchError::new(
                format!("teams[{i}].rank"),
                "must be 1 or more (1 = winner)",
            ));
        }
        if let Some(score) = team.score
            && !score.is_finite()
        {
            return Err(MatchError::new(
                format!("teams[{i}].score"),
                format!("must be a finite number (got {score})"),
            ));
        }
    }
    Ok(())
}
