//! Each system's parameter set, as parsed: every value present and within range.

use serde::Serialize;

/// Elo settings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EloParams {
    /// A new participant's rating.
    pub initial_rating: f64,
    /// The largest rating change one match can make.
    pub k: f64,
    /// Matches before a participant leaves provisional status.
    pub min_matches: u32,
    /// How far a new season pulls ratings back toward the initial value (0..=1).
    pub season_reset: f64,
}

/// Glicko-2 settings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Glicko2Params {
    /// A new participant's rating.
    pub initial_rating: f64,
    /// A new participant's rating deviation.
    pub initial_deviation: f64,
    /// A new participant's volatility.
    pub initial_volatility: f64,
    /// How much volatility may change.
    pub tau: f64,
    /// Rating periods per idle day; 0 means idle time changes nothing.
    pub rating_periods_per_day: f64,
    /// The deviation never falls below this.
    pub min_deviation: f64,
    /// The deviation never rises above this.
    pub max_deviation: f64,
    /// A participant with a deviation at or above this is provisional.
    pub provisional_deviation: f64,
    /// Matches before a participant leaves provisional status.
    pub min_matches: u32,
    /// How far a new season pulls ratings back toward the initial value (0..=1).
    pub season_reset: f64,
}

/// TrueSkill settings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrueSkillParams {
    /// A new participant's mean skill.
    pub mu: f64,
    /// A new participant's skill uncertainty.
    pub sigma: f64,
    /// The performance spread of one game.
    pub beta: f64,
    /// Uncertainty added before each match (dynamics).
    pub tau: f64,
    /// The chance of a draw between equal participants.
    pub draw_probability: f64,
    /// Display rating is `mu − z·sigma`.
    pub z: f64,
    /// Matches before a participant leaves provisional status.
    pub min_matches: u32,
    /// How far a new season pulls ratings back toward the initial value (0..=1).
    pub season_reset: f64,
}

/// Weng-Lin (Bradley-Terry full pairing) settings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WengLinParams {
    /// A new participant's mean skill.
    pub mu: f64,
    /// A new participant's skill uncertainty.
    pub sigma: f64,
    /// The performance spread of one game.
    pub beta: f64,
    /// The smallest factor one match may shrink a variance by.
    pub kappa: f64,
    /// Uncertainty added before each match (sigma² + tau²), as OpenSkill's `tau`.
    pub tau: f64,
    /// Display rating is `mu − z·sigma`.
    pub z: f64,
    /// Matches before a participant leaves provisional status.
    pub min_matches: u32,
    /// How far a new season pulls ratings back toward the initial value (0..=1).
    pub season_reset: f64,
}

/// Points-table settings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PointsParams {
    /// Points for a win.
    pub win: i64,
    /// Points for a draw.
    pub draw: i64,
    /// Points for a loss.
    pub loss: i64,
    /// How participants level on points are ordered, first decider first.
    pub tiebreakers: Vec<Tiebreaker>,
    /// Matches before a participant leaves provisional status.
    pub min_matches: u32,
    /// How far a new season pulls points back toward zero; points restart every season, so
    /// this is accepted for uniformity and has no effect on points.
    pub season_reset: f64,
}

/// A points-table tiebreaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tiebreaker {
    /// Points in the matches among the tied participants only.
    HeadToHead,
    /// Scored minus conceded.
    ScoreDifference,
    /// Total scored.
    Scored,
    /// Number of wins.
    Wins,
}

impl Tiebreaker {
    /// Every tiebreaker with its API name.
    pub(super) const ALL: [(&'static str, Tiebreaker); 4] = [
        ("head_to_head", Tiebreaker::HeadToHead),
        ("score_difference", Tiebreaker::ScoreDifference),
        ("scored", Tiebreaker::Scored),
        ("wins", Tiebreaker::Wins),
    ];
}
