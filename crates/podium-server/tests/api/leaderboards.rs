//! Leaderboard CRUD.

use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn creating_a_leaderboard_returns_it_with_defaults() {
    let app = TestApp::spawn().await;
    let lb = app
        .leaderboard(json!({"slug": "arcade", "name": "Arcade"}))
        .await;
    assert_eq!(lb["slug"], "arcade");
    assert_eq!(lb["order"], "desc");
    assert_eq!(lb["operator"], "best");
    assert_eq!(lb["reset"], "never");
    assert_eq!(lb["timezone"], "UTC");
    assert_eq!(lb["metadata"], json!({}));
    assert_eq!(lb["entries"], 0);
    assert!(lb["current_period"]["ends_at"].is_null());

    let (status, got) = app.get("/api/v1/leaderboards/arcade").await;
    assert_eq!(status, 200);
    assert_eq!(got["name"], "Arcade");
    let (_, list) = app.get("/api/v1/leaderboards").await;
    assert_eq!(list["leaderboards"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_taken_slug_is_a_conflict_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.leaderboard(json!({"slug": "arcade", "name": "First"}))
        .await;
    let (status, problem) = app
        .post(
            "/api/v1/leaderboards",
            json!({"slug": "arcade", "name": "Second"}),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(problem["code"], "slug_taken");
    let (_, got) = app.get("/api/v1/leaderboards/arcade").await;
    assert_eq!(got["name"], "First");
}

#[tokio::test]
async fn a_daily_leaderboard_shows_when_its_period_ends() {
    let app = TestApp::spawn_at("2026-03-10T15:00:00Z".parse().unwrap()).await;
    let lb = app
        .leaderboard(
            json!({"slug": "daily", "name": "Daily", "reset": "daily", "timezone": "Europe/Paris"}),
        )
        .await;
    assert_eq!(lb["current_period"]["ends_at"], "2026-03-10T23:00:00Z");
    assert_eq!(lb["timezone"], "Europe/Paris");
}

#[tokio::test]
async fn name_metadata_and_reset_change_but_order_and_operator_do_not() {
    let app = TestApp::spawn().await;
    app.leaderboard(json!({"slug": "arcade", "name": "Arcade"}))
        .await;
    let (status, lb) = app
        .patch(
            "/api/v1/leaderboards/arcade",
            json!({"name": "Arcade II", "metadata": {"season": 2}, "reset": "weekly"}),
        )
        .await;
    assert_eq!(status, 200, "{lb}");
    assert_eq!(lb["name"], "Arcade II");
    assert_eq!(lb["metadata"]["season"], 2);
    assert_eq!(lb["reset"], "weekly");
    assert!(lb["current_period"]["ends_at"].is_string());

    for field in ["order", "operator"] {
        let (status, problem) = app
            .patch("/api/v1/leaderboards/arcade", json!({field: "asc"}))
            .await;
        assert_eq!(status, 422);
        assert_eq!(problem["code"], "immutable_field");
        assert_eq!(problem["errors"][0]["field"], field);
    }
}

#[tokio::test]
async fn deleting_a_leaderboard_removes_it_and_its_scores() {
    let app = TestApp::spawn().await;
    app.leaderboard(json!({"slug": "arcade", "name": "Arcade"}))
        .await;
    app.score("arcade", "ada", 10).await;
    let (status, _) = app.delete("/api/v1/leaderboards/arcade").await;
    assert_eq!(status, 204);
    let (status, problem) = app.get("/api/v1/leaderboards/arcade/entries").await;
    assert_eq!(status, 404);
    assert_eq!(problem["code"], "leaderboard_not_found");
    let (status, _) = app.delete("/api/v1/leaderboards/arcade").await;
    assert_eq!(status, 404);
    // The slug is free again, and the new leaderboard starts empty.
    app.leaderboard(json!({"slug": "arcade", "name": "Arcade"}))
        .await;
    assert!(app.top("arcade", "").await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn bad_definitions_name_the_field_at_fault() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({"slug": "Bad Slug", "name": "x"}), "slug"),
        (json!({"slug": "ok", "name": ""}), "name"),
        (
            json!({"slug": "ok", "name": "x", "reset": "hourly-ish"}),
            "reset",
        ),
        (
            json!({"slug": "ok", "name": "x", "timezone": "Mars/Olympus"}),
            "timezone",
        ),
        (
            json!({"slug": "ok", "name": "x", "metadata": [1, 2]}),
            "metadata",
        ),
        (
            json!({"slug": "ok", "name": "x", "order": "sideways"}),
            "order",
        ),
        (
            json!({"slug": "ok", "name": "x", "operator": "max"}),
            "operator",
        ),
    ];
    for (body, field) in cases {
        let (status, problem) = app.post("/api/v1/leaderboards", body.clone()).await;
        assert_eq!(status, 422, "{body} → {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{body} → {problem}");
    }
    let (_, list) = app.get("/api/v1/leaderboards").await;
    assert!(list["leaderboards"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn cron_schedules_are_accepted() {
    let app = TestApp::spawn().await;
    let lb = app
        .leaderboard(json!({"slug": "sixhourly", "name": "Six-hourly", "reset": "0 */6 * * *"}))
        .await;
    assert_eq!(lb["reset"], "0 */6 * * *");
    assert!(lb["current_period"]["ends_at"].is_string());
}
