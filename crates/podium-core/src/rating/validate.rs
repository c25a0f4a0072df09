//! Match shape checks shared by rating and prediction, so both refuse the same inputs with the
//! same field names.

use super::{MatchError, TeamInput};

/// At least two teams, none empty, no participant in two places, and one against one where
/// the system requires it.
pub(super) fn teams<'a>(
    teams: impl ExactSizeIterator<Item = &'a [u32]> + Clone,
    one_vs_one_only: bool,
    system: &str,
) -> Result<(), MatchError> {
    let n = teams.len();
    if n < 2 {
        return Err(MatchError::new(
            "teams",
            format!("a match needs at least two teams (got {n})"),
        ));
    }
    if one_vs_one_only && n != 2 {
        return Err(MatchError::new(
            "teams",
            format!("{system} rates one-against-one matches only: exactly two teams (got {n})"),
        ));
    }
    for (i, team) in teams.clone().enumerate() {
        let field = || format!("teams[{i}].participants");
        if team.is_empty() {
            return Err(MatchError::new(
                field(),
                "a team needs at least one participant",
            ));
        }
        if one_vs_one_only && team.len() != 1 {
            return Err(MatchError::new(
                field(),
                format!(
                    "{system} rates one-against-one matches only: exactly one participant (got {})",
                    team.len()
                ),
            ));
        }
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
