//! Points tables and every tiebreaker, including head-to-head among the level participants.

use std::collections::HashMap;

use serde_json::json;

use super::engine;
use crate::rating::{Params, Standing, points_order};

fn standing(points: i64, scored: f64, conceded: f64, wins: u32) -> Standing {
    Standing {
        points,
        scored,
        conceded,
        wins,
        ..engine("points", json!(null)).initial()
    }
}

fn order(
    tiebreakers: serde_json::Value,
    table: &[(u32, Standing)],
    h2h: &HashMap<(u32, u32), i64>,
) -> Vec<u32> {
    let Params::Points(p) = Params::parse("points", &json!({"tiebreakers": tiebreakers})).unwrap()
    else {
        panic!("not points");
    };
    let rows: Vec<(u32, &Standing)> = table.iter().map(|(id, s)| (*id, s)).collect();
    let lookup = |a: u32, b: u32| {
        (
            h2h.get(&(a, b)).copied().unwrap_or(0),
            h2h.get(&(b, a)).copied().unwrap_or(0),
        )
    };
    points_order(&p, &rows, &lookup)
}

#[test]
fn points_come_first_then_each_tiebreaker_in_turn() {
    let table = [
        (1, standing(6, 5.0, 5.0, 2)),
        (2, standing(9, 1.0, 0.0, 3)),
        (3, standing(6, 7.0, 4.0, 2)),
        (4, standing(6, 9.0, 6.0, 1)),
        (5, standing(6, 9.0, 6.0, 2)),
    ];
    let none = HashMap::new();
    // 2 leads on points; among the rest, difference +3 (3, 4, 5) beats 0 (1); scored 9 (4, 5)
    // beats 7 (3); wins put 5 before 4.
    assert_eq!(
        order(json!(["score_difference", "scored", "wins"]), &table, &none),
        [2, 5, 4, 3, 1]
    );
    assert_eq!(
        order(json!(["wins", "scored"]), &table, &none),
        [2, 5, 3, 1, 4]
    );
    assert_eq!(order(json!(["scored"]), &table, &none), [2, 4, 5, 3, 1]);
    // With no tiebreakers the id decides, so the order is always total.
    assert_eq!(order(json!([]), &table, &none), [2, 1, 3, 4, 5]);
}

#[test]
fn head_to_head_counts_only_matches_among_the_level_participants() {
    let table = [
        (1, standing(7, 0.0, 0.0, 2)),
        (2, standing(7, 0.0, 0.0, 2)),
        (3, standing(7, 0.0, 0.0, 2)),
        (4, standing(3, 0.0, 0.0, 1)),
    ];
    // 3 beat 1, 1 and 2 drew, 2 beat 3: mini-table 3 → 3, 1 → 1, 2 → 4 ... and 4 beat
    // everyone, which must not count since 4 is not level with them.
    let h2h: HashMap<(u32, u32), i64> = [
        ((3, 1), 3),
        ((1, 2), 1),
        ((2, 1), 1),
        ((2, 3), 3),
        ((4, 1), 3),
        ((4, 2), 3),
        ((4, 3), 3),
    ]
    .into_iter()
    .collect();
    assert_eq!(order(json!(["head_to_head"]), &table, &h2h), [2, 3, 1, 4]);
}

#[test]
fn head_to_head_applies_again_within_a_later_tie() {
    // Level on points and on wins; head-to-head then decides between 1 and 2 only.
    let table = [
        (1, standing(4, 0.0, 0.0, 1)),
        (2, standing(4, 0.0, 0.0, 1)),
        (3, standing(4, 0.0, 0.0, 0)),
    ];
    let h2h: HashMap<(u32, u32), i64> = [((2, 1), 3), ((1, 3), 3)].into_iter().collect();
    assert_eq!(
        order(json!(["wins", "head_to_head"]), &table, &h2h),
        [2, 1, 3]
    );
}
