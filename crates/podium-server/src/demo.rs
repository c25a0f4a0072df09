//! `serve --demo`: a few example leaderboards with scores and a chess club's Glicko-2 league
//! with four weeks of matches, so a first look at rankings, standings, rating charts and
//! predictions is not empty. Seeded through the same write paths as the API, and only into an
//! empty database.

use std::sync::Arc;

use podium_core::score::{Operator, Order};

use crate::{
    leaderboards::{
        scores::{Job, Submission},
        store::NewLeaderboard,
    },
    state::AppState,
};

const PLAYERS: [&str; 12] = [
    "ada",
    "grace",
    "linus",
    "margaret",
    "dennis",
    "barbara",
    "ken",
    "frances",
    "edsger",
    "radia",
    "alan",
    "katherine",
];

/// Seeds the demo leaderboards and league when the database has none of either.
pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    if !state.ranks.definitions().is_empty() || !state.leagues.all().is_empty() {
        return Ok(());
    }
    seed_leaderboards(state).await?;
    seed_league(state).await?;
    tracing::info!("seeded the demo leaderboards and league");
    Ok(())
}

/// Matches of the demo league: four weeks, about five a day.
const DEMO_MATCHES: usize = 140;

/// A chess club: hidden strengths decide each game (with upsets and draws), so the standings,
/// rating histories and predictions have a story to tell.
async fn seed_league(state: &AppState) -> anyhow::Result<()> {
    let ctx = crate::audit::Context {
        actor: "demo".into(),
        ..Default::default()
    };
    let params =
        podium_core::rating::Params::parse("glicko2", &serde_json::json!({"preset": "lichess"}))
            .map_err(|e| anyhow::anyhow!("demo league parameters: {}", e.message))?;
    let now = state.clock.now();
    let league = crate::leagues::write::create(
        &state.pool,
        &state.leagues,
        crate::leagues::store::NewLeague {
            slug: "chess-club".into(),
            name: "Chess club (Glicko-2)".into(),
            system: "glicko2".into(),
            params: params.to_json(),
            metadata: serde_json::json!({"demo": true}),
            visibility: crate::model::Visibility::Public,
        },
        params,
        now,
        &ctx,
    )
    .await
    .map_err(|e| anyhow::anyhow!("creating the demo league: {e:?}"))?;
    // A small deterministic generator, so every demo looks the same.
    let mut state_bits: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state_bits ^= state_bits << 13;
        state_bits ^= state_bits >> 7;
        state_bits ^= state_bits << 17;
        state_bits
    };
    // Whole microseconds, as every validated match time is (PostgreSQL keeps no finer).
    let start = chrono::SubsecRound::trunc_subsecs(now - chrono::Duration::days(28), 6);
    let step = chrono::Duration::days(28).num_seconds() / DEMO_MATCHES as i64;
    let specs = (0..DEMO_MATCHES)
        .map(|m| {
            let a = (next() % PLAYERS.len() as u64) as usize;
            let b = (a + 1 + (next() % (PLAYERS.len() as u64 - 1)) as usize) % PLAYERS.len();
            // Strength falls with the index; the stronger side wins about three times in four.
            let edge = (b as i64 - a as i64) * 6;
            let roll = (next() % 100) as i64;
            let (ra, rb) = if roll < 50 + edge.clamp(-40, 40) - 5 {
                (1, 2)
            } else if roll < 50 + edge.clamp(-40, 40) + 5 {
                (1, 1)
            } else {
                (2, 1)
            };
            crate::leagues::write::MatchSpec {
                played_at: start + chrono::Duration::seconds(step * m as i64),
                external_id: Some(format!("demo-{m}")),
                teams: vec![
                    (vec![PLAYERS[a].to_owned()], ra, None),
                    (vec![PLAYERS[b].to_owned()], rb, None),
                ],
                metadata: serde_json::json!({"demo": true}),
            }
        })
        .collect();
    crate::leagues::write::record(
        &state.pool,
        &league,
        specs,
        now,
        Some((ctx, "match.import", "league:chess-club".into())),
    )
    .await
    .map_err(|e| anyhow::anyhow!("recording the demo matches: {e}"))?;
    Ok(())
}

async fn seed_leaderboards(state: &AppState) -> anyhow::Result<()> {
    let boards = [
        (
            "arcade-high-scores",
            "Arcade high scores",
            Order::Desc,
            Operator::Best,
            "never",
        ),
        (
            "speedrun-any-percent",
            "Speedrun, any% (ms)",
            Order::Asc,
            Operator::Best,
            "never",
        ),
        (
            "daily-puzzle",
            "Daily puzzle points",
            Order::Desc,
            Operator::Increment,
            "daily",
        ),
        (
            "weekly-tournament",
            "Weekly tournament",
            Order::Desc,
            Operator::Best,
            "weekly",
        ),
    ];
    let now = state.clock.now();
    for (i, (slug, name, order, operator, reset)) in boards.into_iter().enumerate() {
        let def = crate::leaderboards::service::create(
            &state.pool,
            &state.feed,
            NewLeaderboard {
                slug: slug.into(),
                name: name.into(),
                order,
                operator,
                reset: reset.into(),
                timezone: "UTC".into(),
                metadata: serde_json::json!({"demo": true}),
                visibility: crate::model::Visibility::Public,
            },
            now,
            &crate::audit::Context {
                actor: "demo".into(),
                ..Default::default()
            },
        )
        .await?;
        state
            .batcher
            .submit(Job {
                leaderboard: Arc::new(def),
                known_period: None,
                items: scores(i, order),
            })
            .await?;
    }
    Ok(())
}

/// Scores for the demo players on board `i`, spread so that every board ranks them differently.
fn scores(i: usize, order: Order) -> Vec<Submission> {
    PLAYERS
        .iter()
        .enumerate()
        .map(|(p, name)| {
            let base = ((p * 7919 + i * 104_729) % 1000) as i64;
            Submission {
                participant: (*name).to_owned(),
                score: if order == Order::Asc {
                    60_000 + base * 37
                } else {
                    base * 10
                },
                subscore: 0,
                metadata: None,
            }
        })
        .collect()
}
