//! A league's standings as two rank-index boards: everyone who played this season, and the
//! established participants only (past their provisional period). Rating leagues order by
//! display rating (kept as an integer of [`DISPLAY_SCALE`] steps per point); points leagues by
//! their table (points, then the league's tiebreakers), the table position as subscore.

use super::Ratings;
use crate::{
    board::{Board, Entry},
    rating::{Params, Standing, points_order},
    score::Order,
};

/// Display ratings are kept in the board as integers with this many steps per rating point.
pub const DISPLAY_SCALE: f64 = 1000.0;

/// A display rating as the board's integer score.
pub fn scaled(display: f64) -> i64 {
    (display * DISPLAY_SCALE).round() as i64
}

/// The league's two boards.
#[derive(Debug)]
pub struct Boards {
    /// Everyone who played this season.
    pub all: Board,
    /// Participants past their provisional period.
    pub established: Board,
}

/// Both boards, built afresh from the ratings; `name` gives a participant number's id.
pub fn build_boards<'a>(ratings: &Ratings, name: impl Fn(u32) -> &'a str) -> Boards {
    let mut all = Vec::new();
    let mut established = Vec::new();
    let engine = &ratings.engine;
    let mut place = |num: u32, s: &Standing, score: i64, subscore: i64| {
        let e = entry(name(num), score, subscore);
        if !engine.is_provisional(s) {
            established.push(e.clone());
        }
        all.push(e);
    };
    if let Params::Points(p) = engine.params() {
        let played: Vec<_> = engine.standings().filter(|(_, s)| s.matches > 0).collect();
        let h2h = |a: u32, b: u32| (ratings.mutual(a, b), ratings.mutual(b, a));
        let order = points_order(p, &played, &h2h);
        let n = order.len() as i64;
        for (i, num) in order.into_iter().enumerate() {
            let s = engine.standing(num).expect("ordered participants exist");
            place(num, s, s.points, n - i as i64);
        }
    } else {
        for (num, s) in engine.standings().filter(|(_, s)| s.matches > 0) {
            place(num, s, scaled(engine.display(s)), 0);
        }
    }
    Boards {
        all: Board::bulk_load(Order::Desc, all),
        established: Board::bulk_load(Order::Desc, established),
    }
}

/// Brings both boards (`all`, `established`) up to date for the participants whose standing
/// changed; a points table is built afresh (one result can move anyone in it).
pub fn update_boards<'a>(
    all: &mut Board,
    established: &mut Board,
    ratings: &Ratings,
    changed: impl IntoIterator<Item = u32>,
    name: impl Fn(u32) -> &'a str,
) {
    if ratings.is_points() {
        let fresh = build_boards(ratings, name);
        (*all, *established) = (fresh.all, fresh.established);
        return;
    }
    let engine = &ratings.engine;
    for num in changed {
        let Some(s) = engine.standing(num) else {
            continue;
        };
        let e = entry(name(num), scaled(engine.display(s)), 0);
        if s.matches == 0 {
            all.remove(&e.participant);
            established.remove(&e.participant);
            continue;
        }
        if engine.is_provisional(s) {
            established.remove(&e.participant);
        } else {
            established.upsert(e.clone());
        }
        all.upsert(e);
    }
}

fn entry(participant: &str, score: i64, subscore: i64) -> Entry {
    Entry {
        participant: Box::from(participant),
        score,
        subscore,
        reached_at: 0,
        updated_at: 0,
        num_submissions: 0,
    }
}

#[cfg(test)]
mod tests;
