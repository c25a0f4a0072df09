//! Predictions for a match not yet played: each team's chance to win, the chance of a draw
//! where the system models one, and how even the match is.
//!
//! Win probabilities come from `skillratings`' expected-score functions. Ours: TrueSkill's
//! draw probability for two teams from its draw margin (the library has the margin only
//! inside its update), and a "balance" quality, `1 − (max p − min p)` over the teams' win
//! probabilities, for the systems whose library module has no match quality (Elo, Glicko-2,
//! Weng-Lin): 1 for an even match, near 0 for a foregone one.

use skillratings::{
    elo::{self, EloRating},
    glicko2::{self, Glicko2Rating},
    trueskill::{self, TrueSkillConfig, TrueSkillRating},
    weng_lin::{self, WengLinConfig, WengLinRating},
};

use super::{Engine, MatchError, Standing, params::Params, systems, validate};

/// A match prediction.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    /// Each team's chance to win, in the order given; with `draw`, they sum to 1.
    pub win: Vec<f64>,
    /// The chance of a draw: TrueSkill between two teams; `None` where the system has no
    /// draw model (Elo, Glicko-2, Weng-Lin, points, TrueSkill with three or more teams).
    pub draw: Option<f64>,
    /// How even the match is, 0..=1 (TrueSkill: its match quality; otherwise the balance
    /// described in the module docs).
    pub quality: f64,
}

impl Engine {
    /// Checks teams for [`Engine::predict`] with the same rules as a match.
    pub fn validate_prediction(&self, teams: &[&[u32]]) -> Result<(), MatchError> {
        validate::teams(teams.iter().copied(), self.params())
    }

    /// Predicts a match among `teams` (participants never seen count as new), as of `at`
    /// (unix micros: Glicko-2 idle decay applies up to then). Expects teams that pass
    /// [`Engine::validate_prediction`]; fewer than two teams give each team an equal share.
    /// A points league has no skill model: every team gets an equal chance.
    pub fn predict(&self, teams: &[&[u32]], at: i64) -> Prediction {
        if teams.len() < 2 || teams.iter().any(|t| t.is_empty()) {
            return even(teams.len());
        }
        let team_of = |team: &[u32]| -> Vec<Standing> {
            team.iter().map(|&p| self.standing_at(p, at)).collect()
        };
        let teams: Vec<Vec<Standing>> = teams.iter().map(|t| team_of(t)).collect();
        match self.params() {
            Params::Elo(_) => {
                let r = |s: &Standing| EloRating { rating: s.rating };
                let (a, b) = elo::expected_score(&r(&teams[0][0]), &r(&teams[1][0]));
                balanced(vec![a, b])
            }
            Params::Glicko2(_) => {
                let r = |s: &Standing| Glicko2Rating {
                    rating: s.rating,
                    deviation: s.deviation,
                    volatility: s.volatility,
                };
                let (a, b) = glicko2::expected_score(&r(&teams[0][0]), &r(&teams[1][0]));
                balanced(vec![a, b])
            }
            Params::TrueSkill(p) => {
                let config = TrueSkillConfig {
                    draw_probability: p.draw_probability,
                    beta: p.beta,
                    dynamics_factor: p.tau,
                };
                let teams: Vec<Vec<TrueSkillRating>> = teams
                    .iter()
                    .map(|t| t.iter().map(|s| (s.mu, s.sigma).into()).collect())
                    .collect();
                let slices: Vec<&[TrueSkillRating]> = teams.iter().map(Vec::as_slice).collect();
                trueskill_prediction(&slices, &config)
            }
            Params::WengLin(p) => {
                let config = WengLinConfig {
                    beta: p.beta,
                    uncertainty_tolerance: p.kappa,
                };
                let teams: Vec<Vec<WengLinRating>> = teams
                    .iter()
                    .map(|t| t.iter().map(|s| (s.mu, s.sigma).into()).collect())
                    .collect();
                let slices: Vec<&[WengLinRating]> = teams.iter().map(Vec::as_slice).collect();
                let win = match slices.as_slice() {
                    [a, b] => {
                        let (a, b) = weng_lin::expected_score_two_teams(a, b, &config);
                        vec![a, b]
                    }
                    _ => weng_lin::expected_score_multi_team(&slices, &config),
                };
                balanced(win)
            }
            Params::Points(_) => even(teams.len()),
        }
    }

    /// A participant's standing as of `at`: a newcomer's initial one, or the stored one with
    /// Glicko-2 idle decay.
    fn standing_at(&self, participant: u32, at: i64) -> Standing {
        match (self.standing(participant), self.params()) {
            (None, _) => self.initial(),
            (Some(s), Params::Glicko2(p)) => {
                let mut s = s.clone();
                systems::glicko2_idle(p, &mut s, at);
                s
            }
            (Some(s), _) => s.clone(),
        }
    }
}

fn trueskill_prediction(teams: &[&[TrueSkillRating]], config: &TrueSkillConfig) -> Prediction {
    let [a, b] = teams else {
        return Prediction {
            win: trueskill::expected_score_multi_team(teams, config),
            draw: None,
            // Fails only on malformed weights, and none are passed.
            quality: trueskill::match_quality_multi_team(teams, config, None).unwrap_or(0.0),
        };
    };
    // TrueSkill's draw margin ε: two teams draw when their performances differ by less than ε.
    // With the performance difference d ~ N(Δ, c²): P(a wins) = Φ((Δ − ε)/c),
    // P(b wins) = Φ((−Δ − ε)/c), and the rest is the draw.
    let players = (a.len() + b.len()) as f64;
    let margin = inverse_phi((config.draw_probability + 1.0) / 2.0) * players.sqrt() * config.beta;
    let mean = |t: &[TrueSkillRating]| t.iter().map(|r| r.rating).sum::<f64>();
    let var = |t: &[TrueSkillRating]| t.iter().map(|r| r.uncertainty.powi(2)).sum::<f64>();
    let delta = mean(a) - mean(b);
    let c = (players * config.beta.powi(2) + var(a) + var(b)).sqrt();
    let win_a = phi((delta - margin) / c);
    let win_b = phi((-delta - margin) / c);
    Prediction {
        win: vec![win_a, win_b],
        draw: Some((1.0 - win_a - win_b).max(0.0)),
        quality: trueskill::match_quality_two_teams(a, b, config),
    }
}

/// The standard normal distribution function.
fn phi(x: f64) -> f64 {
    0.5 * puruspe::erfc(-x / std::f64::consts::SQRT_2)
}

/// The inverse of [`phi`].
fn inverse_phi(q: f64) -> f64 {
    -std::f64::consts::SQRT_2 * puruspe::inverfc(2.0 * q)
}

/// Win probabilities with the balance quality.
fn balanced(win: Vec<f64>) -> Prediction {
    let max = win.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = win.iter().copied().fold(f64::INFINITY, f64::min);
    Prediction {
        quality: (1.0 - (max - min)).clamp(0.0, 1.0),
        win,
        draw: None,
    }
}

fn even(n: usize) -> Prediction {
    Prediction {
        win: vec![1.0 / n.max(1) as f64; n],
        draw: None,
        quality: 1.0,
    }
}
