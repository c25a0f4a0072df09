//! Tests of the standings boards: who is on which, in what order, and incremental updates
//! against a rebuild.

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::league::{StoredMatch, StoredTeam};

const NAMES: [&str; 8] = ["ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal"];

fn name(num: u32) -> &'static str {
    NAMES[num as usize]
}

fn ratings(system: &str, params: serde_json::Value) -> Ratings {
    Ratings::new(Params::parse(system, &params).expect("params"))
}

fn game(id: i64, teams: &[(u32, u32, Option<f64>)]) -> StoredMatch {
    StoredMatch {
        id,
        season: 1,
        played_at: id * 1_000_000,
        teams: teams
            .iter()
            .map(|&(p, rank, score)| StoredTeam {
                participants: vec![p],
                rank,
                score,
            })
            .collect(),
    }
}

/// A board's rows as (participant, score, subscore), in rank order.
fn rows(board: &Board) -> Vec<(String, i64, i64)> {
    board
        .iter_from(1)
        .map(|(_, e)| (e.participant.to_string(), e.score, e.subscore))
        .collect()
}

#[test]
fn a_rating_league_ranks_by_display_rating_and_keeps_provisional_players_off_the_established_board()
{
    let mut r = ratings("elo", json!({"min_matches": 2}));
    r.apply(&game(1, &[(0, 1, None), (1, 2, None)]))
        .expect("rated");
    r.apply(&game(2, &[(0, 1, None), (2, 2, None)]))
        .expect("rated");
    let boards = build_boards(&r, name);
    let display = |p| scaled(r.engine.display(r.engine.standing(p).expect("played")));
    assert_eq!(
        rows(&boards.all),
        [
            ("ann".into(), display(0), 0),
            ("cat".into(), display(2), 0),
            ("bob".into(), display(1), 0),
        ],
        "cat lost to a stronger ann than bob did"
    );
    assert!(display(0) > display(2) && display(2) > display(1));
    assert_eq!(
        rows(&boards.established),
        [("ann".into(), display(0), 0)],
        "bob and cat played once"
    );
    assert_eq!(scaled(1516.0004), 1_516_000);
    assert_eq!(scaled(1516.0005), 1_516_001);
}

#[test]
fn a_points_league_ranks_by_its_table_with_the_table_position_as_subscore() {
    let mut r = ratings("points", json!({"tiebreakers": ["score_difference"]}));
    r.apply(&game(1, &[(0, 1, Some(3.0)), (1, 2, Some(0.0))]))
        .expect("rated");
    r.apply(&game(2, &[(2, 1, Some(1.0)), (3, 2, Some(0.0))]))
        .expect("rated");
    let boards = build_boards(&r, name);
    assert_eq!(
        rows(&boards.all),
        [
            ("ann".into(), 3, 4),
            ("cat".into(), 3, 3),
            ("dan".into(), 0, 2),
            ("bob".into(), 0, 1),
        ],
        "level on points, the better score difference first"
    );
    assert_eq!(
        rows(&boards.established),
        rows(&boards.all),
        "min_matches 0"
    );
}

#[test]
fn an_update_of_a_points_league_rebuilds_its_table() {
    let mut r = ratings("points", json!(null));
    let mut boards = build_boards(&r, name);
    r.apply(&game(1, &[(0, 2, None), (1, 1, None)]))
        .expect("rated");
    // Only bob is said to have changed; the table still has ann, below him.
    update_boards(&mut boards.all, &mut boards.established, &r, [1], name);
    assert_eq!(
        rows(&boards.all),
        [("bob".into(), 3, 2), ("ann".into(), 0, 1)]
    );
}

#[test]
fn a_participant_back_to_no_matches_leaves_both_boards() {
    let mut r = ratings("elo", json!(null));
    r.apply(&game(1, &[(0, 1, None), (1, 2, None)]))
        .expect("rated");
    let mut boards = build_boards(&r, name);
    r.start_new_season();
    update_boards(&mut boards.all, &mut boards.established, &r, [0, 1], name);
    assert!(boards.all.is_empty() && boards.established.is_empty());
}

proptest! {
    #[test]
    fn updating_the_boards_after_each_match_gives_what_a_rebuild_gives(
        system in prop::sample::select(vec!["elo", "glicko2", "trueskill", "weng_lin"]),
        min_matches in 0u32..3,
        duels in prop::collection::vec((0u32..8, 0u32..8, 0u8..3), 1..40),
    ) {
        let mut r = ratings(system, json!({"min_matches": min_matches}));
        let mut boards = build_boards(&r, name);
        for (i, (a, b, result)) in duels.into_iter().enumerate() {
            if a == b {
                continue;
            }
            let (ra, rb) = [(1, 2), (2, 1), (1, 1)][result as usize];
            r.apply(&game(i as i64, &[(a, ra, None), (b, rb, None)])).expect("rated");
            update_boards(&mut boards.all, &mut boards.established, &r, [a, b], name);
            let fresh = build_boards(&r, name);
            prop_assert_eq!(rows(&boards.all), rows(&fresh.all));
            prop_assert_eq!(rows(&boards.established), rows(&fresh.established));
        }
    }
}
