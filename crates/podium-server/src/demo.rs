//! `serve --demo`: a few example leaderboards with scores, so a first look is not empty.
//! Seeded through the same write path as the API, and only when no leaderboard exists.

use std::sync::Arc;

use podium_core::score::{Operator, Order};

use crate::{
    app::AppState,
    db::{
        leaderboards::{self, NewLeaderboard},
        scores::{Job, Submission},
    },
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

/// Seeds the demo leaderboards when the database has none.
pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    if !state.ranks.definitions().is_empty() {
        return Ok(());
    }
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
        let def = leaderboards::create(
            &state.pool,
            NewLeaderboard {
                slug: slug.into(),
                name: name.into(),
                order,
                operator,
                reset: reset.into(),
                timezone: "UTC".into(),
                metadata: serde_json::json!({"demo": true}),
                visibility: "public".into(),
            },
            now,
            &crate::audit::Context {
                actor: "demo".into(),
                ..Default::default()
            },
        )
        .await?;
        state.feed.catch_up().await?;
        let items = PLAYERS
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
            .collect();
        state
            .batcher
            .submit(Job {
                leaderboard: Arc::new(def),
                known_period: None,
                items,
            })
            .await?;
    }
    tracing::info!("seeded the demo leaderboards");
    Ok(())
}
