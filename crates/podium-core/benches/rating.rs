//! Rating computation alone: 1,000,000 pre-generated one-against-one matches among 100,000
//! participants through a fresh `Engine`, per system (target: over 2,000,000 matches/s on one
//! core for Elo and Glicko-2).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use podium_core::rating::{Engine, MatchInput, Params, TeamInput};

const MATCHES: usize = 1_000_000;
const PARTICIPANTS: u32 = 100_000;
const DAY: i64 = 86_400_000_000;

/// One pre-generated match: the two participants and the first one's rank (1, 2, or 1 for a
/// draw with both on 1).
struct Game {
    players: [u32; 2],
    ranks: [u32; 2],
    played_at: i64,
}

/// Deterministic matches: a 64-bit LCG, so every run rates the same league.
fn games() -> Vec<Game> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    (0..MATCHES)
        .map(|i| {
            let a = (next() % u64::from(PARTICIPANTS)) as u32;
            let b = (a + 1 + (next() % u64::from(PARTICIPANTS - 1)) as u32) % PARTICIPANTS;
            let ranks = match next() % 10 {
                0 => [1, 1],
                1..=5 => [1, 2],
                _ => [2, 1],
            };
            // About a year of play, so Glicko-2 idle decay has gaps to work on.
            let played_at = i as i64 * (365 * DAY / MATCHES as i64);
            Game {
                players: [a, b],
                ranks,
                played_at,
            }
        })
        .collect()
}

fn rate_all(params: &Params, games: &[Game]) -> Engine {
    let mut engine = Engine::new(params.clone());
    for g in games {
        let teams = [
            TeamInput {
                participants: &g.players[..1],
                rank: g.ranks[0],
                score: None,
            },
            TeamInput {
                participants: &g.players[1..],
                rank: g.ranks[1],
                score: None,
            },
        ];
        let outcome = engine.apply(&MatchInput {
            played_at: g.played_at,
            teams: &teams,
        });
        black_box(outcome.ok());
    }
    engine
}

fn bench(c: &mut Criterion) {
    let games = games();
    let mut group = c.benchmark_group("rating_1m_matches_100k_participants");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6))
        .throughput(Throughput::Elements(MATCHES as u64));
    let systems = [
        ("elo", "elo", serde_json::json!(null)),
        ("glicko2", "glicko2", serde_json::json!(null)),
        (
            "glicko2_lichess",
            "glicko2",
            serde_json::json!({"preset": "lichess"}),
        ),
        ("trueskill", "trueskill", serde_json::json!(null)),
        ("weng_lin", "weng_lin", serde_json::json!(null)),
    ];
    for (name, system, params) in systems {
        let params = Params::parse(system, &params).expect("valid params");
        group.bench_function(name, |b| b.iter(|| rate_all(&params, &games)));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
