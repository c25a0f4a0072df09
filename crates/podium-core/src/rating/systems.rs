//! The rating update of one match for each system: our [`Standing`]s in, `skillratings`'
//! functions for the mathematics, our standings out. Also the two additions the library lacks:
//! Glicko-2 idle-time decay with deviation clamping, and Weng-Lin `tau` dynamics.

use skillratings::{
    MultiTeamOutcome, Outcomes,
    elo::{EloConfig, EloRating, elo},
    glicko2::{Glicko2Config, Glicko2Rating, decay_deviation, glicko2},
    trueskill::{
        TrueSkillConfig, TrueSkillRating, trueskill, trueskill_multi_team, trueskill_two_teams,
    },
    weng_lin::{WengLinConfig, WengLinRating, weng_lin, weng_lin_multi_team, weng_lin_two_teams},
};

use super::{
    Standing, TeamInput,
    params::{Glicko2Params, Params, TrueSkillParams, WengLinParams},
};

const MICROS_PER_DAY: f64 = 86_400_000_000.0;

/// Rewrites the rating numbers of `players` (every participant of the match, in team order,
/// as they stand before it) to their values after the match. The match has passed
/// validation; Glicko-2 idle decay has already been applied by the caller.
pub(super) fn rate(params: &Params, teams: &[TeamInput], players: &mut [Standing]) {
    match params {
        Params::Elo(p) => {
            let (a, b) = pair(players);
            let config = EloConfig { k: p.k };
            let (ra, rb) = elo(
                &EloRating { rating: a.rating },
                &EloRating { rating: b.rating },
                &outcome(teams),
                &config,
            );
            a.rating = ra.rating;
            b.rating = rb.rating;
        }
        Params::Glicko2(p) => {
            let (a, b) = pair(players);
            let config = Glicko2Config {
                tau: p.tau,
                ..Glicko2Config::new()
            };
            let (ga, gb) = glicko2(&glicko(a), &glicko(b), &outcome(teams), &config);
            set_glicko(p, a, ga);
            set_glicko(p, b, gb);
        }
        Params::TrueSkill(p) => rate_trueskill(p, teams, players),
        Params::WengLin(p) => rate_weng_lin(p, teams, players),
        Params::Points(_) => {}
    }
}

/// Grows a Glicko-2 deviation for the idle time since `s.last_played`, as Glicko-2 does for
/// rating periods without games: φ' = sqrt(φ² + σ²·t), t = idle days × periods per day
/// (fractional), then clamps it. Nothing changes when `rating_periods_per_day` is 0.
pub(super) fn glicko2_idle(p: &Glicko2Params, s: &mut Standing, at: i64) {
    if p.rating_periods_per_day <= 0.0 || at <= s.last_played {
        return;
    }
    let periods = (at - s.last_played) as f64 / MICROS_PER_DAY * p.rating_periods_per_day;
    // skillratings' `decay_deviation` decays one whole period (t = 1), and caps the result at
    // 350, its default initial deviation, which would cut lichess's 500. Spreading the t
    // periods into the volatility (σ·√t) gives the fractional decay; scaling deviation and
    // volatility by 2⁻¹⁰ keeps the result far under the cap and is exact in binary floating
    // point, so the formula stays the library's.
    const SCALE: f64 = 1.0 / 1024.0;
    let scaled = Glicko2Rating {
        rating: s.rating,
        deviation: s.deviation * SCALE,
        volatility: s.volatility * periods.sqrt() * SCALE,
    };
    s.deviation = clamp_deviation(p, decay_deviation(&scaled).deviation / SCALE);
}

fn clamp_deviation(p: &Glicko2Params, deviation: f64) -> f64 {
    deviation.clamp(p.min_deviation, p.max_deviation)
}

fn glicko(s: &Standing) -> Glicko2Rating {
    Glicko2Rating {
        rating: s.rating,
        deviation: s.deviation,
        volatility: s.volatility,
    }
}

fn set_glicko(p: &Glicko2Params, s: &mut Standing, g: Glicko2Rating) {
    s.rating = g.rating;
    s.deviation = clamp_deviation(p, g.deviation);
    s.volatility = g.volatility;
}

fn rate_trueskill(p: &TrueSkillParams, teams: &[TeamInput], players: &mut [Standing]) {
    let config = TrueSkillConfig {
        draw_probability: p.draw_probability,
        beta: p.beta,
        dynamics_factor: p.tau,
    };
    let ratings: Vec<TrueSkillRating> = players
        .iter()
        .map(|s| TrueSkillRating {
            rating: s.mu,
            uncertainty: s.sigma,
        })
        .collect();
    let groups = split(teams, &ratings);
    // The library's 1v1 and two-team functions are closed forms; its multi-team function runs
    // the factor graph, which they equal for two teams at a much higher cost.
    let rated: Vec<Vec<TrueSkillRating>> = match groups.as_slice() {
        [[a], [b]] => {
            let (a, b) = trueskill(a, b, &outcome(teams), &config);
            vec![vec![a], vec![b]]
        }
        [a, b] => {
            let (a, b) = trueskill_two_teams(a, b, &outcome(teams), &config);
            vec![a, b]
        }
        _ => {
            let ranked: Vec<(&[TrueSkillRating], MultiTeamOutcome)> = groups
                .iter()
                .zip(teams)
                .map(|(g, t)| (*g, ranked(t)))
                .collect();
            trueskill_multi_team(&ranked, &config, None)
                .expect("no weights are given, so none can be invalid")
        }
    };
    for (s, r) in players.iter_mut().zip(rated.iter().flatten()) {
        s.mu = r.rating;
        s.sigma = r.uncertainty;
    }
}

fn rate_weng_lin(p: &WengLinParams, teams: &[TeamInput], players: &mut [Standing]) {
    let config = WengLinConfig {
        beta: p.beta,
        uncertainty_tolerance: p.kappa,
    };
    // OpenSkill's dynamics: σ² + τ² before the match, so uncertainty never settles to nothing.
    let ratings: Vec<WengLinRating> = players
        .iter()
        .map(|s| WengLinRating {
            rating: s.mu,
            uncertainty: s.sigma.hypot(p.tau),
        })
        .collect();
    let groups = split(teams, &ratings);
    let rated: Vec<Vec<WengLinRating>> = match groups.as_slice() {
        [[a], [b]] => {
            let (a, b) = weng_lin(a, b, &outcome(teams), &config);
            vec![vec![a], vec![b]]
        }
        [a, b] => {
            let (a, b) = weng_lin_two_teams(a, b, &outcome(teams), &config);
            vec![a, b]
        }
        _ => {
            let ranked: Vec<(&[WengLinRating], MultiTeamOutcome)> = groups
                .iter()
                .zip(teams)
                .map(|(g, t)| (*g, ranked(t)))
                .collect();
            weng_lin_multi_team(&ranked, &config)
        }
    };
    for (s, r) in players.iter_mut().zip(rated.iter().flatten()) {
        s.mu = r.rating;
        s.sigma = r.uncertainty;
    }
}

/// The two participants of a one-against-one match.
fn pair(players: &mut [Standing]) -> (&mut Standing, &mut Standing) {
    let [a, b] = players else {
        unreachable!("validation admits only one-against-one matches here");
    };
    (a, b)
}

/// The first team's result against the second, from their ranks.
fn outcome(teams: &[TeamInput]) -> Outcomes {
    match teams[0].rank.cmp(&teams[1].rank) {
        std::cmp::Ordering::Less => Outcomes::WIN,
        std::cmp::Ordering::Equal => Outcomes::DRAW,
        std::cmp::Ordering::Greater => Outcomes::LOSS,
    }
}

fn ranked(team: &TeamInput) -> MultiTeamOutcome {
    MultiTeamOutcome::new(team.rank as usize)
}

/// Cuts the flattened ratings back into teams.
fn split<'r, R>(teams: &[TeamInput], ratings: &'r [R]) -> Vec<&'r [R]> {
    let mut rest = ratings;
    teams
        .iter()
        .map(|t| {
            let (team, tail) = rest.split_at(t.participants.len());
            rest = tail;
            team
        })
        .collect()
}
