//! League parameters: each system's settings, parsed once from the league's `params` JSON with
//! defaults filled in and every value range-checked, so an [`super::Engine`] never sees an
//! invalid one.

mod fields;
mod sets;

use serde::Serialize;
use serde_json::Value;

use fields::{Fields, field_error, kind};
pub use sets::{
    EloParams, Glicko2Params, PointsParams, Tiebreaker, TrueSkillParams, WengLinParams,
};

/// Parsed, range-checked league parameters.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "system", rename_all = "snake_case")]
pub enum Params {
    /// Elo.
    Elo(EloParams),
    /// Glicko-2.
    Glicko2(Glicko2Params),
    /// TrueSkill.
    TrueSkill(TrueSkillParams),
    /// Weng-Lin, Bradley-Terry full pairing (OpenSkill's `BradleyTerryFull`).
    WengLin(WengLinParams),
    /// A league table of points for wins, draws and losses.
    Points(PointsParams),
}

/// A parameter that cannot be accepted; `field` is `system` or `params.<name>`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ParamError {
    /// The input path at fault.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl ParamError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The systems [`Params::parse`] knows, as named in the API.
pub const SYSTEMS: [&str; 5] = ["elo", "glicko2", "trueskill", "weng_lin", "points"];

const RATING: std::ops::RangeInclusive<f64> = 0.0..=10_000.0;
const SKILL: std::ops::RangeInclusive<f64> = -1_000.0..=1_000.0;
const SPREAD: std::ops::RangeInclusive<f64> = 0.001..=1_000.0;

impl Params {
    /// Parses `params` (a JSON object, or null for every default) for `system` (`elo`,
    /// `glicko2`, `trueskill`, `weng_lin` or `points`).
    pub fn parse(system: &str, params: &Value) -> Result<Params, ParamError> {
        let mut f = Fields::new(params)?;
        let parsed = match system {
            "elo" => Params::Elo(EloParams {
                initial_rating: f.f64("initial_rating", 1500.0, RATING)?,
                k: f.f64("k", 32.0, 1.0..=1000.0)?,
                min_matches: min_matches(&mut f)?,
                season_reset: season_reset(&mut f)?,
            }),
            "glicko2" => Params::Glicko2(glicko2(&mut f)?),
            "trueskill" => Params::TrueSkill(TrueSkillParams {
                mu: f.f64("mu", 25.0, SKILL)?,
                sigma: f.f64("sigma", 25.0 / 3.0, SPREAD)?,
                beta: f.f64("beta", 25.0 / 6.0, SPREAD)?,
                tau: f.f64("tau", 25.0 / 300.0, 0.0..=100.0)?,
                // 0 would make a recorded draw impossible under the model (a 0/0 update).
                draw_probability: f.f64("draw_probability", 0.1, 0.001..=0.99)?,
                z: f.f64("z", 3.0, 0.0..=10.0)?,
                min_matches: min_matches(&mut f)?,
                season_reset: season_reset(&mut f)?,
            }),
            "weng_lin" => Params::WengLin(WengLinParams {
                mu: f.f64("mu", 25.0, SKILL)?,
                sigma: f.f64("sigma", 25.0 / 3.0, SPREAD)?,
                beta: f.f64("beta", 25.0 / 6.0, SPREAD)?,
                kappa: f.f64("kappa", 0.0001, 1e-9..=1.0)?,
                tau: f.f64("tau", 0.0, 0.0..=100.0)?,
                z: f.f64("z", 3.0, 0.0..=10.0)?,
                min_matches: min_matches(&mut f)?,
                season_reset: season_reset(&mut f)?,
            }),
            "points" => Params::Points(points(&mut f)?),
            other => {
                return Err(ParamError::new(
                    "system",
                    format!("must be one of {} (got {other:?})", SYSTEMS.join(", ")),
                ));
            }
        };
        f.finish()?;
        Ok(parsed)
    }

    /// The system's API name.
    pub fn system(&self) -> &'static str {
        match self {
            Params::Elo(_) => "elo",
            Params::Glicko2(_) => "glicko2",
            Params::TrueSkill(_) => "trueskill",
            Params::WengLin(_) => "weng_lin",
            Params::Points(_) => "points",
        }
    }

    /// Every parameter with its effective value, as a `params` object that parses back to the
    /// same `Params`.
    pub fn to_json(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.remove("system");
        }
        value
    }

    /// Whether matches must be one participant against one (Elo and Glicko-2).
    pub fn one_vs_one_only(&self) -> bool {
        matches!(self, Params::Elo(_) | Params::Glicko2(_))
    }

    /// Matches before a participant leaves provisional status.
    pub fn min_matches(&self) -> u32 {
        match self {
            Params::Elo(p) => p.min_matches,
            Params::Glicko2(p) => p.min_matches,
            Params::TrueSkill(p) => p.min_matches,
            Params::WengLin(p) => p.min_matches,
            Params::Points(p) => p.min_matches,
        }
    }

    /// The `season_reset` fraction.
    pub fn season_reset(&self) -> f64 {
        match self {
            Params::Elo(p) => p.season_reset,
            Params::Glicko2(p) => p.season_reset,
            Params::TrueSkill(p) => p.season_reset,
            Params::WengLin(p) => p.season_reset,
            Params::Points(p) => p.season_reset,
        }
    }
}

fn min_matches(f: &mut Fields) -> Result<u32, ParamError> {
    // The range keeps the value well inside u32.
    Ok(f.i64("min_matches", 0, 0..=100_000)? as u32)
}

fn season_reset(f: &mut Fields) -> Result<f64, ParamError> {
    f.f64("season_reset", 0.5, 0.0..=1.0)
}

/// The `lichess` preset's values, which explicit params override.
struct Glicko2Defaults {
    initial_deviation: f64,
    initial_volatility: f64,
    tau: f64,
    rating_periods_per_day: f64,
    min_deviation: f64,
    max_deviation: Option<f64>,
}

/// The defaults a `preset` stands for: Glickman's paper, or lichess's settings.
fn glicko2_preset(f: &mut Fields) -> Result<Glicko2Defaults, ParamError> {
    match f.raw("preset") {
        None => Ok(Glicko2Defaults {
            initial_deviation: 350.0,
            initial_volatility: 0.06,
            tau: 0.5,
            rating_periods_per_day: 0.0,
            min_deviation: 0.0,
            max_deviation: None,
        }),
        Some(Value::String(s)) if s == "lichess" => Ok(Glicko2Defaults {
            initial_deviation: 500.0,
            initial_volatility: 0.09,
            tau: 0.75,
            rating_periods_per_day: 0.21436,
            min_deviation: 45.0,
            max_deviation: Some(500.0),
        }),
        Some(Value::String(s)) => Err(field_error(
            "preset",
            format!("must be \"lichess\" (got {s:?})"),
        )),
        Some(other) => Err(field_error(
            "preset",
            format!("must be a string (got {})", kind(other)),
        )),
    }
}

fn glicko2(f: &mut Fields) -> Result<Glicko2Params, ParamError> {
    let defaults = glicko2_preset(f)?;
    let initial_rating = f.f64("initial_rating", 1500.0, RATING)?;
    let initial_deviation = f.f64(
        "initial_deviation",
        defaults.initial_deviation,
        1.0..=1000.0,
    )?;
    let initial_volatility = f.f64(
        "initial_volatility",
        defaults.initial_volatility,
        0.0001..=1.0,
    )?;
    let tau = f.f64("tau", defaults.tau, 0.05..=2.0)?;
    let rating_periods_per_day = f.f64(
        "rating_periods_per_day",
        defaults.rating_periods_per_day,
        0.0..=1000.0,
    )?;
    let min_deviation = f.f64("min_deviation", defaults.min_deviation, 0.0..=1000.0)?;
    let max_deviation = f
        .opt_f64("max_deviation", 1.0..=1000.0)?
        .or(defaults.max_deviation)
        .unwrap_or(initial_deviation);
    if min_deviation > max_deviation {
        return Err(field_error(
            "min_deviation",
            format!("must not exceed max_deviation ({max_deviation}) (got {min_deviation})"),
        ));
    }
    if !(min_deviation..=max_deviation).contains(&initial_deviation) {
        return Err(field_error(
            "initial_deviation",
            format!(
                "must be between min_deviation and max_deviation, {min_deviation} and \
                 {max_deviation} (got {initial_deviation})"
            ),
        ));
    }
    Ok(Glicko2Params {
        initial_rating,
        initial_deviation,
        initial_volatility,
        tau,
        rating_periods_per_day,
        min_deviation,
        max_deviation,
        provisional_deviation: f.f64("provisional_deviation", 110.0, 0.0..=1000.0)?,
        min_matches: min_matches(f)?,
        season_reset: season_reset(f)?,
    })
}

fn points(f: &mut Fields) -> Result<PointsParams, ParamError> {
    let win = f.i64("win", 3, -1000..=1000)?;
    let draw = f.i64("draw", 1, -1000..=1000)?;
    let loss = f.i64("loss", 0, -1000..=1000)?;
    if draw > win {
        return Err(field_error(
            "draw",
            format!("must not exceed win ({win}) (got {draw})"),
        ));
    }
    if loss > draw {
        return Err(field_error(
            "loss",
            format!("must not exceed draw ({draw}) (got {loss})"),
        ));
    }
    let tiebreakers = match f.raw("tiebreakers") {
        None => vec![
            Tiebreaker::ScoreDifference,
            Tiebreaker::Scored,
            Tiebreaker::Wins,
        ],
        Some(Value::Array(items)) => tiebreakers(items)?,
        Some(other) => {
            return Err(field_error(
                "tiebreakers",
                format!("must be an array (got {})", kind(other)),
            ));
        }
    };
    Ok(PointsParams {
        win,
        draw,
        loss,
        tiebreakers,
        min_matches: min_matches(f)?,
        season_reset: season_reset(f)?,
    })
}

fn tiebreakers(items: &[Value]) -> Result<Vec<Tiebreaker>, ParamError> {
    let names: Vec<&str> = Tiebreaker::ALL.iter().map(|(n, _)| *n).collect();
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = format!("tiebreakers[{i}]");
        let found = item
            .as_str()
            .and_then(|s| Tiebreaker::ALL.iter().find(|(n, _)| *n == s));
        let Some(&(name, tiebreaker)) = found else {
            return Err(field_error(
                &field,
                format!("must be one of {}", names.join(", ")),
            ));
        };
        if out.contains(&tiebreaker) {
            return Err(field_error(&field, format!("{name} is listed twice")));
        }
        out.push(tiebreaker);
    }
    Ok(out)
}
