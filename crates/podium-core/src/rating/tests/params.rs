//! Parameter parsing: defaults, presets, ranges, unknown fields and the JSON round trip.

use serde_json::{Value, json};

use crate::rating::{Params, Tiebreaker};

fn err(system: &str, params: Value) -> (String, String) {
    let e = Params::parse(system, &params).unwrap_err();
    (e.field, e.message)
}

#[test]
fn null_params_give_every_default() {
    let elo = Params::parse("elo", &Value::Null).unwrap();
    assert_eq!(
        elo.to_json(),
        json!({"initial_rating": 1500.0, "k": 32.0, "min_matches": 0, "season_reset": 0.5})
    );
    let g = Params::parse("glicko2", &json!({})).unwrap().to_json();
    assert_eq!(g["initial_deviation"], 350.0);
    assert_eq!(g["max_deviation"], 350.0);
    assert_eq!(g["min_deviation"], 0.0);
    assert_eq!(g["provisional_deviation"], 110.0);
    assert_eq!(g["rating_periods_per_day"], 0.0);
    let t = Params::parse("trueskill", &Value::Null).unwrap().to_json();
    assert_eq!(
        (t["beta"].as_f64(), t["z"].as_f64()),
        (Some(25.0 / 6.0), Some(3.0))
    );
    assert_eq!(t["draw_probability"], 0.1);
    let w = Params::parse("weng_lin", &Value::Null).unwrap().to_json();
    assert_eq!(
        (w["kappa"].as_f64(), w["tau"].as_f64()),
        (Some(0.0001), Some(0.0))
    );
    let p = Params::parse("points", &Value::Null).unwrap().to_json();
    assert_eq!(
        p["tiebreakers"],
        json!(["score_difference", "scored", "wins"])
    );
    assert_eq!(
        (p["win"].as_i64(), p["draw"].as_i64(), p["loss"].as_i64()),
        (Some(3), Some(1), Some(0))
    );
}

#[test]
fn every_system_round_trips_through_its_json() {
    for system in ["elo", "glicko2", "trueskill", "weng_lin", "points"] {
        let params = Params::parse(system, &Value::Null).unwrap();
        assert_eq!(params.system(), system);
        assert_eq!(Params::parse(system, &params.to_json()).unwrap(), params);
    }
    let lichess = Params::parse("glicko2", &json!({"preset": "lichess"})).unwrap();
    assert_eq!(
        Params::parse("glicko2", &lichess.to_json()).unwrap(),
        lichess
    );
}

#[test]
fn the_lichess_preset_sets_its_values_and_explicit_params_override_them() {
    let Params::Glicko2(p) = Params::parse("glicko2", &json!({"preset": "lichess"})).unwrap()
    else {
        panic!("not glicko2");
    };
    assert_eq!(
        (
            p.initial_rating,
            p.initial_deviation,
            p.initial_volatility,
            p.tau
        ),
        (1500.0, 500.0, 0.09, 0.75)
    );
    assert_eq!(
        (p.min_deviation, p.max_deviation, p.rating_periods_per_day),
        (45.0, 500.0, 0.21436)
    );
    let Params::Glicko2(p) = Params::parse(
        "glicko2",
        &json!({"preset": "lichess", "tau": 0.5, "initial_deviation": 400}),
    )
    .unwrap() else {
        panic!("not glicko2");
    };
    assert_eq!(
        (p.tau, p.initial_deviation, p.max_deviation),
        (0.5, 400.0, 500.0)
    );
    assert_eq!(err("glicko2", json!({"preset": "fide"})).0, "params.preset");
}

#[test]
fn out_of_range_params_name_the_field_and_the_range() {
    let e = Params::parse("elo", &json!({"k": 0})).unwrap_err();
    assert_eq!(
        e.to_string(),
        "params.k: must be between 1 and 1000 (got 0)"
    );
    assert_eq!(err("glicko2", json!({"tau": 5})).0, "params.tau");
    assert_eq!(err("trueskill", json!({"sigma": 0})).0, "params.sigma");
    assert_eq!(
        err("trueskill", json!({"draw_probability": 1})).0,
        "params.draw_probability"
    );
    assert_eq!(err("weng_lin", json!({"kappa": 0})).0, "params.kappa");
    assert_eq!(
        err("points", json!({"season_reset": 1.5})).0,
        "params.season_reset"
    );
    assert_eq!(
        err("elo", json!({"min_matches": -1})).0,
        "params.min_matches"
    );
    assert_eq!(
        err("elo", json!({"min_matches": 2.5})),
        (
            "params.min_matches".into(),
            "must be a whole number (got 2.5)".into()
        )
    );
    assert_eq!(
        err("elo", json!({"k": "32"})),
        ("params.k".into(), "must be a number (got a string)".into())
    );
}

#[test]
fn inconsistent_params_are_refused() {
    assert_eq!(
        err(
            "glicko2",
            json!({"min_deviation": 200, "max_deviation": 100})
        )
        .0,
        "params.min_deviation"
    );
    assert_eq!(
        err("glicko2", json!({"max_deviation": 300})).0,
        "params.initial_deviation"
    );
    assert_eq!(err("points", json!({"draw": 4})).0, "params.draw");
    assert_eq!(err("points", json!({"loss": 2})).0, "params.loss");
}

#[test]
fn unknown_params_and_systems_are_refused() {
    assert_eq!(
        err("elo", json!({"k": 16, "kk": 1})),
        (
            "params.kk".into(),
            "is not a parameter of this system".into()
        )
    );
    assert_eq!(err("elo", json!({"preset": "lichess"})).0, "params.preset");
    assert_eq!(err("trueskill", json!({"kappa": 0.1})).0, "params.kappa");
    assert_eq!(err("chess", Value::Null).0, "system");
    assert_eq!(err("elo", json!([1])).0, "params");
}

#[test]
fn tiebreakers_are_an_ordered_list_without_duplicates() {
    let Params::Points(p) =
        Params::parse("points", &json!({"tiebreakers": ["head_to_head", "wins"]})).unwrap()
    else {
        panic!("not points");
    };
    assert_eq!(p.tiebreakers, [Tiebreaker::HeadToHead, Tiebreaker::Wins]);
    assert_eq!(
        err("points", json!({"tiebreakers": ["wins", "wins"]})).0,
        "params.tiebreakers[1]"
    );
    assert_eq!(
        err("points", json!({"tiebreakers": ["goals"]})).0,
        "params.tiebreakers[0]"
    );
    assert_eq!(
        err("points", json!({"tiebreakers": "wins"})).0,
        "params.tiebreakers"
    );
}

#[test]
fn only_elo_and_glicko2_are_one_against_one() {
    let one = |s| Params::parse(s, &Value::Null).unwrap().one_vs_one_only();
    assert!(one("elo") && one("glicko2"));
    assert!(!one("trueskill") && !one("weng_lin") && !one("points"));
    assert_eq!(
        Params::parse("points", &json!({"min_matches": 3}))
            .unwrap()
            .min_matches(),
        3
    );
}
