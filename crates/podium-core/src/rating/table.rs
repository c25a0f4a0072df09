//! Points tables: participants ordered by points, then by the league's tiebreakers in turn,
//! each applied only among the participants still level.

use std::cmp::Ordering;

use super::{
    Standing,
    params::{PointsParams, Tiebreaker},
};

/// Orders participants by points, then by `params.tiebreakers` in order, then by ascending id
/// so the order is total. `head_to_head(a, b)` gives the points a and b took from their
/// matches against each other; the `head_to_head` tiebreaker sums, for each participant, the
/// points taken against the others still level with it.
pub fn points_order(
    params: &PointsParams,
    standings: &[(u32, &Standing)],
    head_to_head: &dyn Fn(u32, u32) -> (i64, i64),
) -> Vec<u32> {
    let mut all: Vec<(u32, &Standing)> = standings.to_vec();
    all.sort_by(|a, b| b.1.points.cmp(&a.1.points).then(a.0.cmp(&b.0)));
    let mut out = Vec::with_capacity(all.len());
    for level in runs(&all, |a, b| a.1.points == b.1.points) {
        settle(level.to_vec(), &params.tiebreakers, head_to_head, &mut out);
    }
    out
}

/// Orders one group of participants level so far with the remaining tiebreakers, appending
/// them to `out`.
fn settle(
    mut level: Vec<(u32, &Standing)>,
    tiebreakers: &[Tiebreaker],
    head_to_head: &dyn Fn(u32, u32) -> (i64, i64),
    out: &mut Vec<u32>,
) {
    let Some((&first, rest)) = tiebreakers.split_first() else {
        level.sort_by_key(|(id, _)| *id);
        out.extend(level.iter().map(|(id, _)| *id));
        return;
    };
    if level.len() < 2 {
        out.extend(level.iter().map(|(id, _)| *id));
        return;
    }
    // Keys are computed for the group as it stands, which is what makes head-to-head a
    // mini-table among the level participants only.
    let mut keyed: Vec<(f64, (u32, &Standing))> = level
        .iter()
        .map(|&(id, s)| {
            let key = match first {
                Tiebreaker::HeadToHead => level
                    .iter()
                    .filter(|(other, _)| *other != id)
                    .map(|&(other, _)| head_to_head(id, other).0)
                    .sum::<i64>() as f64,
                Tiebreaker::ScoreDifference => s.scored - s.conceded,
                Tiebreaker::Scored => s.scored,
                Tiebreaker::Wins => f64::from(s.wins),
            };
            (key, (id, s))
        })
        .collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.0.cmp(&b.1.0)));
    for run in runs(&keyed, |a, b| a.0.total_cmp(&b.0) == Ordering::Equal) {
        settle(
            run.iter().map(|(_, p)| *p).collect(),
            rest,
            head_to_head,
            out,
        );
    }
}

/// Splits a sorted slice into maximal runs of neighbours that `same` holds for.
fn runs<T>(items: &[T], same: impl Fn(&T, &T) -> bool) -> Vec<&[T]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=items.len() {
        if i == items.len() || !same(&items[i - 1], &items[i]) {
            out.push(&items[start..i]);
            start = i;
        }
    }
    out
}
