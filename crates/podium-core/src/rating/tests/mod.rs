//! Unit tests of the rating layer, by subject.

mod engine;
mod params;
mod table;

use super::{Engine, MatchInput, MatchOutcome, Params, TeamInput};

fn engine(system: &str, params: serde_json::Value) -> Engine {
    Engine::new(Params::parse(system, &params).unwrap())
}

/// Plays a one-against-one match: `result` is 1 if `a` won, 0 if it lost, anything else a draw.
fn play(e: &mut Engine, a: u32, b: u32, result: u8, at: i64) -> MatchOutcome {
    let (ra, rb) = match result {
        1 => (1, 2),
        0 => (2, 1),
        _ => (1, 1),
    };
    let teams = [
        TeamInput {
            participants: &[a],
            rank: ra,
            score: None,
        },
        TeamInput {
            participants: &[b],
            rank: rb,
            score: None,
        },
    ];
    e.apply(&MatchInput {
        played_at: at,
        teams: &teams,
    })
    .unwrap()
}
