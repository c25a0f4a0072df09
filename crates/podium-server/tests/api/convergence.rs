//! Several processes on one database: whatever each does, every one ends with the state a
//! freshly started process reads from PostgreSQL.

use std::{sync::Arc, time::Duration};

use podium::clock::Clock;
use serde_json::{Value, json};
use sqlx::{Connection, Executor};

use crate::support::TestApp;

async fn standings(app: &TestApp) -> Value {
    let (status, t) = app
        .get("/api/v1/leagues/l/standings?include_provisional=true&limit=200")
        .await;
    assert_eq!(status, 200, "{t}");
    t["standings"].clone()
}

/// Polls (bounded) until `app`'s standings equal `want`; returns the last ones seen.
async fn settle(app: &TestApp, want: &Value) -> Value {
    let mut seen = Value::Null;
    for _ in 0..200 {
        seen = standings(app).await;
        if &seen == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    seen
}

const ROUNDS: usize = 3;

#[tokio::test]
async fn a_league_edited_on_one_process_while_another_records_matches_stays_in_step() {
    let a = Arc::new(TestApp::spawn().await);
    let b = Arc::new(TestApp::start(a.database_url.clone(), Clock::System, |_| {}).await);
    let (status, body) = a
        .post(
            "/api/v1/leagues",
            json!({"slug": "l", "name": "L", "system": "elo"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    for _ in 0..200 {
        if b.get("/api/v1/leagues/l").await.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The test holds the league's row lock, queues A's recording behind it, then B's rename,
    // and lets go: A commits its match first, and B takes the lock before it has applied that
    // match (B's rename holds the league's writer, which B's change feed waits for).
    let mut holder = sqlx::PgConnection::connect(&a.database_url)
        .await
        .expect("connect");
    for round in 0..ROUNDS {
        holder.execute("begin").await.expect("begin");
        holder
            .execute("select 1 from league where slug = 'l' for update")
            .await
            .expect("lock the league row");
        let duel = json!({
            "played_at": format!("2026-02-01T10:{round:02}:00Z"),
            "teams": [
                {"participants": [format!("p{}", round % 5)], "rank": 1},
                {"participants": [format!("q{}", round % 3)], "rank": 2}
            ]
        });
        let recording = tokio::spawn({
            let a = a.clone();
            async move { a.post("/api/v1/leagues/l/matches", duel).await }
        });
        crate::support::waiting_for_locks(&mut holder, 1).await;
        let renaming = tokio::spawn({
            let b = b.clone();
            async move {
                b.patch("/api/v1/leagues/l", json!({"name": format!("L{round}")}))
                    .await
            }
        });
        crate::support::waiting_for_locks(&mut holder, 2).await;
        holder.execute("commit").await.expect("commit");
        let (recorded, renamed) = (recording.await.expect("a"), renaming.await.expect("b"));
        assert_eq!(recorded.0, 201, "{}", recorded.1);
        assert_eq!(renamed.0, 200, "{}", renamed.1);
    }
    let fresh = TestApp::start(a.database_url.clone(), Clock::System, |_| {}).await;
    let want = standings(&fresh).await;
    assert_eq!(
        want.as_array().map(Vec::len),
        Some(2 * ROUNDS),
        "every participant is ranked: {want}"
    );
    assert_eq!(settle(&a, &want).await, want, "the recording process");
    assert_eq!(settle(&b, &want).await, want, "the editing process");
    let (_, league) = b.get("/api/v1/leagues/l").await;
    assert_eq!(league["matches"], ROUNDS, "{league}");
    assert_eq!(league["name"], format!("L{}", ROUNDS - 1), "{league}");
    fresh.stop().await;
}

#[tokio::test]
async fn a_change_of_a_kind_from_a_newer_release_is_passed_over_not_fatal() {
    let a = TestApp::spawn().await;
    let b = TestApp::start(a.database_url.clone(), Clock::System, |_| {}).await;
    a.leaderboard(json!({"slug": "s", "name": "S"})).await;
    // A newer release (blue-green: both colours on one database) adds a kind of change.
    let mut conn = sqlx::PgConnection::connect(&a.database_url)
        .await
        .expect("connect");
    conn.execute(
        "alter table change_log drop constraint change_log_kind_check;
         begin;
         update change_counter set last_seq = last_seq + 1;
         insert into change_log (seq, kind, leaderboard_id, payload)
             select last_seq, 'from_the_future', 0, '{\"x\": 1}' from change_counter;
         select pg_notify('podium_changes', (select last_seq::text from change_counter));
         commit;",
    )
    .await
    .expect("a future change");
    // Both processes go on applying what follows it.
    a.score("s", "ann", 5).await;
    let mut seen = Vec::new();
    for _ in 0..500 {
        seen = b.top("s", "").await;
        if !seen.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen, [("ann".to_owned(), 5, 1)]);
    b.score("s", "bob", 7).await;
    let mut seen = Vec::new();
    for _ in 0..500 {
        seen = a.top("s", "").await;
        if seen.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen, [("bob".to_owned(), 7, 1), ("ann".to_owned(), 5, 2)]);
}
