//! What each operator keeps, in both orders.

use serde_json::json;

use crate::support::TestApp;

async fn board(app: &TestApp, slug: &str, order: &str, operator: &str) {
    app.leaderboard(json!({"slug": slug, "name": slug, "order": order, "operator": operator}))
        .await;
}

async fn submit(app: &TestApp, slug: &str, score: i64, subscore: i64) -> serde_json::Value {
    let (status, json) = app
        .put(
            &format!("/api/v1/leaderboards/{slug}/scores/ada"),
            json!({"score": score, "subscore": subscore}),
        )
        .await;
    assert_eq!(status, 200, "{json}");
    json
}

#[tokio::test]
async fn best_operator_keeps_the_higher_pair_when_descending() {
    let app = TestApp::spawn().await;
    board(&app, "b", "desc", "best").await;
    submit(&app, "b", 10, 5).await;
    assert_eq!(submit(&app, "b", 9, 100).await["score"], 10);
    let r = submit(&app, "b", 10, 7).await;
    assert_eq!(
        (r["score"].as_i64(), r["subscore"].as_i64()),
        (Some(10), Some(7))
    );
    let r = submit(&app, "b", 10, 6).await;
    assert_eq!(
        (r["score"].as_i64(), r["subscore"].as_i64()),
        (Some(10), Some(7)),
        "the pair is kept as one unit"
    );
    assert_eq!(r["num_submissions"], 4);
}

#[tokio::test]
async fn best_operator_keeps_the_lower_pair_when_ascending() {
    let app = TestApp::spawn().await;
    board(&app, "b", "asc", "best").await;
    submit(&app, "b", 60_000, 3).await;
    assert_eq!(submit(&app, "b", 61_000, 0).await["score"], 60_000);
    let r = submit(&app, "b", 60_000, 1).await;
    assert_eq!(r["subscore"], 1);
    assert_eq!(submit(&app, "b", 59_999, 9).await["score"], 59_999);
}

#[tokio::test]
async fn latest_operator_replaces() {
    let app = TestApp::spawn().await;
    board(&app, "l", "desc", "latest").await;
    submit(&app, "l", 10, 1).await;
    let r = submit(&app, "l", 3, 2).await;
    assert_eq!(
        (r["score"].as_i64(), r["subscore"].as_i64()),
        (Some(3), Some(2))
    );
}

#[tokio::test]
async fn increment_and_decrement_add_and_subtract_both_numbers() {
    let app = TestApp::spawn().await;
    board(&app, "i", "desc", "increment").await;
    submit(&app, "i", 10, 1).await;
    let r = submit(&app, "i", 5, 2).await;
    assert_eq!(
        (r["score"].as_i64(), r["subscore"].as_i64()),
        (Some(15), Some(3))
    );

    board(&app, "d", "desc", "decrement").await;
    submit(&app, "d", 4, 1).await;
    let r = submit(&app, "d", 6, 1).await;
    assert_eq!(
        (r["score"].as_i64(), r["subscore"].as_i64()),
        (Some(-10), Some(-2))
    );
}

#[tokio::test]
async fn an_increment_that_would_overflow_is_refused_and_keeps_the_score() {
    let app = TestApp::spawn().await;
    board(&app, "i", "desc", "increment").await;
    submit(&app, "i", i64::MAX - 1, 0).await;
    let (status, problem) = app
        .put("/api/v1/leaderboards/i/scores/ada", json!({"score": 2}))
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["code"], "score_overflow");
    assert_eq!(problem["errors"][0]["field"], "score");
    let (_, entry) = app.get("/api/v1/leaderboards/i/entries/ada").await;
    assert_eq!(entry["score"], i64::MAX - 1);
    assert_eq!(entry["num_submissions"], 1);
}
