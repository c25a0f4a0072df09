//! League ratings: parsed league parameters, the per-league [`Engine`] that rates matches in
//! order, predictions, season resets, checkpoints and points tables.
//!
//! The mathematics of Elo, Glicko-2, TrueSkill and Weng-Lin (Bradley-Terry full pairing) is
//! the `skillratings` crate's. Ours is the league logic around it: parameter parsing and
//! ranges, match validation, W-D-L, streaks, peaks, provisional status, soft season resets,
//! checkpoints, points tables and tiebreakers, and these additions on top of the library's
//! functions:
//! - Glicko-2 deviation growth with idle time (`rating_periods_per_day`) through its
//!   `decay_deviation`, and deviation clamping to `[min_deviation, max_deviation]`;
//! - Weng-Lin `tau` dynamics (sigma² + tau² before each match, as OpenSkill does);
//! - outcomes from per-team ranks (draws by equal rank) for every system;
//! - TrueSkill's draw probability from its draw margin, and a match quality for the systems
//!   whose library module has none (see [`Engine::predict`]).

mod engine;
mod params;
mod predict;
mod systems;
mod table;
mod validate;

pub use engine::{Checkpoint, Engine};
pub use params::{
    EloParams, Glicko2Params, ParamError, Params, PointsParams, Tiebreaker, TrueSkillParams,
    WengLinParams,
};
pub use predict::Prediction;
pub use table::points_order;
pub use validate::ShapeError;

use serde::{Deserialize, Serialize};

/// One participant's state in a league: the rating numbers of the league's system plus the
/// season's record. Fields a system does not use stay 0.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standing {
    /// Elo and Glicko-2 rating.
    pub rating: f64,
    /// Glicko-2 rating deviation.
    pub deviation: f64,
    /// Glicko-2 volatility.
    pub volatility: f64,
    /// TrueSkill / Weng-Lin mean skill.
    pub mu: f64,
    /// TrueSkill / Weng-Lin skill uncertainty.
    pub sigma: f64,
    /// League points (points system).
    pub points: i64,
    /// Sum of the participant's team scores, tracked when every team of a match has a score.
    pub scored: f64,
    /// Sum of the other teams' scores in the same matches.
    pub conceded: f64,
    /// Matches played this season.
    pub matches: u32,
    /// Matches won this season (first place alone).
    pub wins: u32,
    /// Matches drawn this season (first place shared).
    pub draws: u32,
    /// Matches lost this season (any other place).
    pub losses: u32,
    /// `+n`: n wins in a row, `-n`: n losses in a row, 0 after a draw.
    pub streak: i32,
    /// Highest display rating reached, starting from the initial display rating; kept across
    /// seasons.
    pub peak_display: f64,
    /// Unix microseconds of the last match played (0 before the first).
    pub last_played: i64,
}

/// A match to rate.
#[derive(Clone, Copy, Debug)]
pub struct MatchInput<'a> {
    /// When the match was played, unix microseconds.
    pub played_at: i64,
    /// Two or more teams.
    pub teams: &'a [TeamInput<'a>],
}

/// One team of a match.
#[derive(Clone, Copy, Debug)]
pub struct TeamInput<'a> {
    /// Dense participant ids chosen by the server (from 0).
    pub participants: &'a [u32],
    /// 1 = winner; equal ranks are a draw. Already normalised from ranks or scores.
    pub rank: u32,
    /// The team's score, when the match has scores.
    pub score: Option<f64>,
}

/// Before and after for every participant of an applied match, in the order of teams then
/// participants.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchOutcome {
    /// `(participant, before, after)`.
    pub changes: Vec<(u32, Standing, Standing)>,
}

/// A match that cannot be rated; `field` names the input at fault (`teams[1].participants`).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct MatchError {
    /// The input path at fault.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl MatchError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests;
