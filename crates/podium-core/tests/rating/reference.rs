//! Reference checks: Glickman's Glicko-2 paper example, and vectors computed by sublee's
//! `trueskill` and OpenSkill's `BradleyTerryFull` (`testdata/gen_rating_vectors.py`).

use podium_core::rating::{Engine, MatchInput, Params, Standing, TeamInput};
use serde_json::{Value, json};
use skillratings::{
    Outcomes,
    glicko2::{Glicko2Config, Glicko2Rating, glicko2, glicko2_rating_period},
};

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/rating_vectors.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn glicko2_matches_glickmans_paper_example() {
    let player = Glicko2Rating {
        rating: 1500.0,
        deviation: 200.0,
        volatility: 0.06,
    };
    let opponent = |rating, deviation| Glicko2Rating {
        rating,
        deviation,
        volatility: 0.06,
    };
    let results = [
        (opponent(1400.0, 30.0), Outcomes::WIN),
        (opponent(1550.0, 100.0), Outcomes::LOSS),
        (opponent(1700.0, 300.0), Outcomes::LOSS),
    ];
    let config = Glicko2Config {
        tau: 0.5,
        ..Glicko2Config::new()
    };
    let after = glicko2_rating_period(&player, &results, &config);
    // The paper rounds to these digits.
    assert!((after.rating - 1464.06).abs() < 0.01, "{after:?}");
    assert!((after.deviation - 151.52).abs() < 0.01, "{after:?}");
    assert!((after.volatility - 0.05999).abs() < 0.00001, "{after:?}");
}

#[test]
fn glicko2_matches_a_second_implementation_of_glickmans_paper() {
    let v = vectors();
    let g = &v["glicko2"];
    // The generator's implementation reproduces the paper's worked example...
    let paper = &g["paper_example"];
    assert!(
        (paper["rating"].as_f64().unwrap() - 1464.06).abs() < 0.01,
        "{paper}"
    );
    assert!(
        (paper["deviation"].as_f64().unwrap() - 151.52).abs() < 0.01,
        "{paper}"
    );
    assert!(
        (paper["volatility"].as_f64().unwrap() - 0.05999).abs() < 0.00001,
        "{paper}"
    );
    // ...and the engine agrees with it on every match: one rating period of one game each.
    let cases = g["cases"].as_array().unwrap();
    assert!(cases.len() >= 5);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let mut engine = Engine::new(Params::parse("glicko2", &case["params"]).unwrap());
        for (id, team) in case["teams"].as_array().unwrap().iter().enumerate() {
            let p = &team[0];
            let standing = Standing {
                rating: p["rating"].as_f64().unwrap(),
                deviation: p["deviation"].as_f64().unwrap(),
                volatility: p["volatility"].as_f64().unwrap(),
                ..engine.initial()
            };
            engine.insert(id as u32, standing);
        }
        let ranks: Vec<u32> = case["ranks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_u64().unwrap() as u32)
            .collect();
        let (zero, one) = ([0u32], [1u32]);
        let teams = [
            TeamInput {
                participants: &zero,
                rank: ranks[0],
                score: None,
            },
            TeamInput {
                participants: &one,
                rank: ranks[1],
                score: None,
            },
        ];
        let out = engine
            .apply(&MatchInput {
                played_at: 1,
                teams: &teams,
            })
            .unwrap();
        assert_eq!(out.changes.len(), 2, "{name}");
        for (id, _, after) in &out.changes {
            let want = &case["expected"][*id as usize][0];
            // Both solve step 5 to the paper's 1e-6 in ln(σ²), by the same Illinois method.
            let close = |got: f64, field: &str, tolerance: f64| {
                let w = want[field].as_f64().unwrap();
                assert!(
                    (got - w).abs() < tolerance,
                    "{name} #{id} {field}: {got} vs {w}"
                );
            };
            close(after.rating, "rating", 1e-6);
            close(after.deviation, "deviation", 1e-6);
            close(after.volatility, "volatility", 1e-9);
        }
    }
}

#[test]
fn a_glicko2_match_is_one_rating_period_with_one_game() {
    let params = Params::parse("glicko2", &json!({"initial_deviation": 350})).unwrap();
    let mut engine = Engine::new(params);
    engine.insert(0, glicko_standing(&engine, 1500.0, 200.0));
    engine.insert(1, glicko_standing(&engine, 1400.0, 30.0));
    let out = engine.apply(&one_vs_one(0, 1)).unwrap();
    let a = Glicko2Rating {
        rating: 1500.0,
        deviation: 200.0,
        volatility: 0.06,
    };
    let b = Glicko2Rating {
        rating: 1400.0,
        deviation: 30.0,
        volatility: 0.06,
    };
    let expected = glicko2_rating_period(&a, &[(b, Outcomes::WIN)], &Glicko2Config::new());
    let (pair_a, _) = glicko2(&a, &b, &Outcomes::WIN, &Glicko2Config::new());
    let after = &out.changes[0].2;
    assert!((after.rating - expected.rating).abs() < 1e-9);
    assert!((after.deviation - expected.deviation).abs() < 1e-9);
    assert!((after.volatility - expected.volatility).abs() < 1e-12);
    assert!((pair_a.rating - expected.rating).abs() < 1e-9);
}

/// Every case's expected ratings against the engine's, returning the largest difference in mu
/// and in sigma.
fn check_cases(system: &str, cases: &[Value], default_params: Option<&Value>) -> (f64, f64) {
    let (mut worst_mu, mut worst_sigma) = (0.0f64, 0.0f64);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let params = case.get("params").or(default_params).unwrap();
        let mut engine = Engine::new(Params::parse(system, params).unwrap());
        let mut next = 0u32;
        let mut ids: Vec<Vec<u32>> = Vec::new();
        for team in case["teams"].as_array().unwrap() {
            let mut team_ids = Vec::new();
            for player in team.as_array().unwrap() {
                let mut s = engine.initial();
                s.mu = player["mu"].as_f64().unwrap();
                s.sigma = player["sigma"].as_f64().unwrap();
                engine.insert(next, s);
                team_ids.push(next);
                next += 1;
            }
            ids.push(team_ids);
        }
        let ranks: Vec<u32> = case["ranks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_u64().unwrap() as u32)
            .collect();
        let teams: Vec<TeamInput> = ids
            .iter()
            .zip(&ranks)
            .map(|(p, &rank)| TeamInput {
                participants: p,
                rank,
                score: None,
            })
            .collect();
        if let Some(quality) = case.get("quality").and_then(Value::as_f64) {
            let team_refs: Vec<&[u32]> = ids.iter().map(Vec::as_slice).collect();
            let predicted = engine.predict(&team_refs, 0).quality;
            assert!(
                (predicted - quality).abs() < 1e-9,
                "{system} {name}: quality {predicted} vs {quality}"
            );
        }
        let out = engine
            .apply(&MatchInput {
                played_at: 1,
                teams: &teams,
            })
            .unwrap();
        let expected: Vec<&Value> = case["expected"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| t.as_array().unwrap())
            .collect();
        // One change per participant, in team order: an engine that rated nobody fails here.
        assert_eq!(out.changes.len(), expected.len(), "{system} {name}");
        for (i, ((id, _, after), want)) in out.changes.iter().zip(expected).enumerate() {
            assert_eq!(*id as usize, i, "{system} {name}: changes in team order");
            let (mu, sigma) = (
                want["mu"].as_f64().unwrap(),
                want["sigma"].as_f64().unwrap(),
            );
            worst_mu = worst_mu.max((after.mu - mu).abs());
            worst_sigma = worst_sigma.max((after.sigma - sigma).abs());
        }
    }
    (worst_mu, worst_sigma)
}

#[test]
fn trueskill_matches_sublees_reference_implementation() {
    let v = vectors();
    let (mu, sigma) = check_cases(
        "trueskill",
        v["trueskill"]["cases"].as_array().unwrap(),
        Some(&v["trueskill"]["params"]),
    );
    // skillratings' closed forms (1v1, two teams) and its factor graph (four teams, same
    // 0.0001 convergence threshold as sublee's) agree with sublee's to about 1e-14 here; 1e-9
    // leaves room for other platforms' libm without hiding a real difference.
    assert!(mu < 1e-9 && sigma < 1e-9, "mu {mu:e} sigma {sigma:e}");
}

#[test]
fn weng_lin_matches_openskills_bradley_terry_full() {
    let v = vectors();
    let (mu, sigma) = check_cases("weng_lin", v["weng_lin"]["cases"].as_array().unwrap(), None);
    // Same formulas as OpenSkill in closed form: about 1e-15 apart here, 1e-9 allowed.
    assert!(mu < 1e-9 && sigma < 1e-9, "mu {mu:e} sigma {sigma:e}");
}

fn glicko_standing(engine: &Engine, rating: f64, deviation: f64) -> Standing {
    Standing {
        rating,
        deviation,
        volatility: 0.06,
        ..engine.initial()
    }
}

fn one_vs_one(winner: u32, loser: u32) -> MatchInput<'static> {
    let teams: &'static [TeamInput<'static>] = Box::leak(Box::new([
        TeamInput {
            participants: Box::leak(Box::new([winner])),
            rank: 1,
            score: None,
        },
        TeamInput {
            participants: Box::leak(Box::new([loser])),
            rank: 2,
            score: None,
        },
    ]));
    MatchInput {
        played_at: 1,
        teams,
    }
}
