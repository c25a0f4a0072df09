//! The engine's league logic: records, provisional rules, idle decay, season resets,
//! validation, predictions and checkpoints.

use serde_json::json;

use super::{engine, play};
use crate::rating::*;

const DAY: i64 = 86_400_000_000;

#[test]
fn wins_draws_losses_and_streaks_are_counted() {
    let mut e = engine("elo", json!(null));
    for (result, streak) in [(1, 1), (1, 2), (0, -1), (2, 0), (0, -1), (0, -2), (1, 1)] {
        play(&mut e, 0, 1, result, 0);
        assert_eq!(e.standing(0).unwrap().streak, streak);
    }
    let s = e.standing(0).unwrap();
    assert_eq!((s.matches, s.wins, s.draws, s.losses), (7, 3, 1, 3));
    let o = e.standing(1).unwrap();
    assert_eq!((o.wins, o.draws, o.losses, o.streak), (3, 1, 3, -1));
}

#[test]
fn peak_keeps_the_highest_display_rating() {
    let mut e = engine("elo", json!({"k": 20}));
    play(&mut e, 0, 1, 1, 0);
    play(&mut e, 0, 1, 1, 0);
    let high = e.standing(0).unwrap().rating;
    play(&mut e, 0, 1, 0, 0);
    let s = e.standing(0).unwrap();
    assert!(s.rating < high);
    assert_eq!(s.peak_display, high);
    // The loser never rose above its initial rating, which counts as reached.
    assert_eq!(e.standing(1).unwrap().peak_display, 1500.0);
}

#[test]
fn outcome_lists_before_and_after_in_team_order() {
    let mut e = engine("elo", json!(null));
    let out = play(&mut e, 7, 3, 1, 5);
    let ids: Vec<u32> = out.changes.iter().map(|c| c.0).collect();
    assert_eq!(ids, [7, 3]);
    assert_eq!(out.changes[0].1, e.initial());
    assert_eq!(out.changes[0].2.rating, 1516.0);
    assert_eq!(out.changes[1].2.rating, 1484.0);
    assert_eq!(out.changes[0].2.last_played, 5);
    assert_eq!(e.standing(7), Some(&out.changes[0].2));
    assert_eq!(e.standing(4), None);
}

#[test]
fn glicko2_newcomers_are_provisional_until_their_deviation_falls() {
    let mut e = engine("glicko2", json!({"provisional_deviation": 200}));
    assert!(e.is_provisional(&e.initial()));
    for i in 0..6 {
        play(&mut e, 0, 1 + i, 1, 0);
    }
    let s = e.standing(0).unwrap();
    assert!(s.deviation < 200.0, "{s:?}");
    assert!(!e.is_provisional(s));
}

#[test]
fn min_matches_keeps_participants_provisional() {
    let mut e = engine("trueskill", json!({"min_matches": 2}));
    play(&mut e, 0, 1, 1, 0);
    assert!(e.is_provisional(e.standing(0).unwrap()));
    play(&mut e, 0, 1, 1, 0);
    assert!(!e.is_provisional(e.standing(0).unwrap()));
}

#[test]
fn idle_glicko2_deviation_grows_with_rating_periods() {
    let mut e = engine("glicko2", json!({"rating_periods_per_day": 0.5}));
    play(&mut e, 0, 1, 1, 0);
    let s = e.standing(0).unwrap().clone();
    // Ten idle days are five rating periods: φ' = sqrt(φ² + σ²·5), on the Glicko-2 scale.
    let scale = 173.7178;
    let want = ((s.deviation / scale).powi(2) + s.volatility.powi(2) * 5.0).sqrt() * scale;
    let mut decayed = s.clone();
    crate::rating::systems::glicko2_idle(
        match e.params() {
            Params::Glicko2(p) => p,
            _ => unreachable!(),
        },
        &mut decayed,
        10 * DAY,
    );
    assert!(
        (decayed.deviation - want).abs() < 1e-9,
        "{} vs {want}",
        decayed.deviation
    );
    assert_eq!(decayed.rating, s.rating);

    // The next match starts from the decayed deviation: the same as rating it directly.
    let mut direct = engine("glicko2", json!(null));
    direct.insert(0, decayed);
    direct.insert(1, e.standing(1).unwrap().clone());
    let mut idle_b = e.standing(1).unwrap().clone();
    crate::rating::systems::glicko2_idle(
        match e.params() {
            Params::Glicko2(p) => p,
            _ => unreachable!(),
        },
        &mut idle_b,
        10 * DAY,
    );
    direct.insert(1, idle_b);
    let a = play(&mut e, 0, 1, 1, 10 * DAY).changes[0].2.clone();
    let b = play(&mut direct, 0, 1, 1, 10 * DAY).changes[0].2.clone();
    assert_eq!(a.rating, b.rating);
    assert_eq!(a.deviation, b.deviation);
}

#[test]
fn idle_time_changes_nothing_without_rating_periods() {
    let mut e = engine("glicko2", json!(null));
    play(&mut e, 0, 1, 1, 0);
    let now = e.predict(&[&[0], &[1]], 0);
    let later = e.predict(&[&[0], &[1]], 1000 * DAY);
    assert_eq!(now, later);
}

#[test]
fn lichess_deviation_grows_to_500_not_to_the_librarys_350() {
    let mut e = engine("glicko2", json!({"preset": "lichess"}));
    let mut s = e.initial();
    s.deviation = 300.0;
    e.insert(0, s);
    let p = match e.params() {
        Params::Glicko2(p) => p.clone(),
        _ => unreachable!(),
    };
    let mut idle = e.standing(0).unwrap().clone();
    crate::rating::systems::glicko2_idle(&p, &mut idle, 2000 * DAY);
    assert!(
        idle.deviation > 350.0 && idle.deviation < 500.0,
        "{}",
        idle.deviation
    );
    crate::rating::systems::glicko2_idle(&p, &mut idle, 100_000 * DAY);
    assert_eq!(idle.deviation, 500.0);
}

#[test]
fn glicko2_deviation_stays_within_its_bounds() {
    let mut e = engine(
        "glicko2",
        json!({"min_deviation": 140, "max_deviation": 300, "initial_deviation": 300}),
    );
    for i in 0..50 {
        play(&mut e, 0, 1 + i % 3, 1, 0);
        let s = e.standing(0).unwrap();
        assert!((140.0..=300.0).contains(&s.deviation), "{}", s.deviation);
    }
    // One-game periods settle near 131 on their own here, so the floor is what holds it.
    assert_eq!(e.standing(0).unwrap().deviation, 140.0);
}

#[test]
fn season_reset_pulls_ratings_halfway_and_restarts_the_record() {
    let mut e = engine("glicko2", json!(null));
    for _ in 0..5 {
        play(&mut e, 0, 1, 1, 0);
    }
    let before = e.standing(0).unwrap().clone();
    e.season_reset();
    let after = e.standing(0).unwrap();
    assert!((after.rating - (before.rating + 1500.0) / 2.0).abs() < 1e-9);
    assert!((after.deviation - (before.deviation + 350.0) / 2.0).abs() < 1e-9);
    assert_eq!(
        (after.matches, after.wins, after.losses, after.streak),
        (0, 0, 0, 0)
    );
    assert_eq!(after.peak_display, before.peak_display);
    assert_eq!(after.last_played, before.last_played);
}

#[test]
fn season_reset_fraction_one_restores_initial_ratings() {
    let mut e = engine("weng_lin", json!({"season_reset": 1}));
    play(&mut e, 0, 1, 1, 0);
    e.season_reset();
    let s = e.standing(0).unwrap();
    assert_eq!((s.mu, s.sigma), (25.0, 25.0 / 3.0));
}

#[test]
fn points_leagues_award_points_and_track_scores() {
    let mut e = engine("points", json!(null));
    let m = |a: f64, b: f64| {
        let rank = |x: f64, y: f64| if x >= y { 1 } else { 2 };
        [
            TeamInput {
                participants: &[0],
                rank: rank(a, b),
                score: Some(a),
            },
            TeamInput {
                participants: &[1],
                rank: rank(b, a),
                score: Some(b),
            },
        ]
    };
    for (a, b) in [(3.0, 1.0), (2.0, 2.0), (0.0, 1.0)] {
        e.apply(&MatchInput {
            played_at: 0,
            teams: &m(a, b),
        })
        .unwrap();
    }
    let s = e.standing(0).unwrap();
    assert_eq!((s.points, s.scored, s.conceded), (4, 5.0, 4.0));
    assert_eq!(e.display(s), 4.0);
    assert_eq!(e.standing(1).unwrap().points, 4);
}

#[test]
fn multi_team_places_are_wins_draws_and_losses() {
    let mut e = engine("trueskill", json!(null));
    let teams = [
        TeamInput {
            participants: &[0, 1],
            rank: 1,
            score: None,
        },
        TeamInput {
            participants: &[2],
            rank: 1,
            score: None,
        },
        TeamInput {
            participants: &[3],
            rank: 3,
            score: None,
        },
    ];
    e.apply(&MatchInput {
        played_at: 0,
        teams: &teams,
    })
    .unwrap();
    let record = |p| {
        let s = e.standing(p).unwrap();
        (s.wins, s.draws, s.losses)
    };
    assert_eq!(
        [record(0), record(1), record(2), record(3)],
        [(0, 1, 0), (0, 1, 0), (0, 1, 0), (0, 0, 1)]
    );
    assert!(e.standing(3).unwrap().mu < 25.0);
}

fn refusal(system: &str, teams: &[TeamInput]) -> MatchError {
    let mut e = engine(system, json!(null));
    let err = e
        .apply(&MatchInput {
            played_at: 0,
            teams,
        })
        .unwrap_err();
    assert_eq!(e.standings().count(), 0, "a refused match changes nothing");
    err
}

fn team(participants: &[u32], rank: u32) -> TeamInput<'_> {
    TeamInput {
        participants,
        rank,
        score: None,
    }
}

#[test]
fn malformed_matches_are_refused_naming_the_field() {
    let cases: Vec<(&str, Vec<TeamInput>, &str)> = vec![
        ("trueskill", vec![team(&[0], 1)], "teams"),
        (
            "trueskill",
            vec![team(&[0], 1), team(&[], 2)],
            "teams[1].participants",
        ),
        (
            "trueskill",
            vec![team(&[0, 1], 1), team(&[2, 1], 2)],
            "teams[1].participants",
        ),
        (
            "weng_lin",
            vec![team(&[0, 0], 1), team(&[2], 2)],
            "teams[0].participants",
        ),
        (
            "elo",
            vec![team(&[0, 1], 1), team(&[2], 2)],
            "teams[0].participants",
        ),
        (
            "glicko2",
            vec![team(&[0], 1), team(&[1], 2), team(&[2], 3)],
            "teams",
        ),
        (
            "points",
            vec![team(&[0], 0), team(&[1], 1)],
            "teams[0].rank",
        ),
    ];
    for (system, teams, field) in cases {
        assert_eq!(refusal(system, &teams).field, field, "{system} {teams:?}");
    }
    let nan = [
        TeamInput {
            participants: &[0],
            rank: 1,
            score: Some(f64::NAN),
        },
        team(&[1], 2),
    ];
    assert_eq!(refusal("elo", &nan).field, "teams[0].score");
    let err = refusal("trueskill", &[team(&[0, 1], 1), team(&[2, 1], 2)]);
    assert_eq!(
        err.to_string(),
        "teams[1].participants: participant 1 is also in teams[0]"
    );
}

#[test]
fn replaying_from_a_checkpoint_gives_identical_standings() {
    for system in ["elo", "glicko2", "trueskill", "weng_lin", "points"] {
        let mut e = engine(system, json!({"min_matches": 1}));
        let matches: Vec<(u32, u32, u8)> = (0..400u32)
            .map(|i| (i * 7 % 600, (i * 13 + 1) % 600, (i % 3) as u8))
            .collect();
        let matches: Vec<_> = matches.into_iter().filter(|(a, b, _)| a != b).collect();
        let k = matches.len() / 3;
        for &(a, b, r) in &matches[..k] {
            play(&mut e, a, b, r, 0);
        }
        let checkpoint = e.checkpoint();
        let snapshot: Vec<(u32, Standing)> = e.standings().map(|(p, s)| (p, s.clone())).collect();
        for &(a, b, r) in &matches[k..] {
            play(&mut e, a, b, r, 0);
        }
        let full: Vec<(u32, Standing)> = e.standings().map(|(p, s)| (p, s.clone())).collect();

        e.restore(&checkpoint);
        let restored: Vec<(u32, Standing)> = e.standings().map(|(p, s)| (p, s.clone())).collect();
        assert_eq!(
            restored, snapshot,
            "{system}: the checkpoint saw no later write"
        );
        for &(a, b, r) in &matches[k..] {
            play(&mut e, a, b, r, 0);
        }
        let replayed: Vec<(u32, Standing)> = e.standings().map(|(p, s)| (p, s.clone())).collect();
        assert_eq!(replayed, full, "{system}");
    }
}

#[test]
fn trueskill_predicts_its_draw_probability_between_equal_certain_players() {
    let mut e = engine("trueskill", json!({"draw_probability": 0.2, "tau": 0}));
    for p in 0..2 {
        e.insert(
            p,
            Standing {
                sigma: 1e-9,
                ..e.initial()
            },
        );
    }
    let p = e.predict(&[&[0], &[1]], 0);
    assert!((p.draw.unwrap() - 0.2).abs() < 1e-9, "{p:?}");
    assert!((p.win[0] - 0.4).abs() < 1e-9);
    assert!((p.win[0] + p.win[1] + p.draw.unwrap() - 1.0).abs() < 1e-12);
}

#[test]
fn elo_prediction_favours_the_higher_rating() {
    let mut e = engine("elo", json!(null));
    play(&mut e, 0, 1, 1, 0);
    let p = e.predict(&[&[0], &[1]], 0);
    assert!(p.win[0] > 0.5 && p.draw.is_none());
    assert!((p.quality - (1.0 - (p.win[0] - p.win[1]).abs())).abs() < 1e-12);
    assert!(e.validate_prediction(&[&[0]]).is_err());
}

#[test]
fn standings_list_only_participants_that_played_by_id() {
    let mut e = engine("elo", json!(null));
    play(&mut e, 1_000_000, 3, 1, 0);
    play(&mut e, 700, 3, 2, 0);
    let ids: Vec<u32> = e.standings().map(|(p, _)| p).collect();
    assert_eq!(ids, [3, 700, 1_000_000]);
    assert_eq!(e.standing(999_999), None);
}
