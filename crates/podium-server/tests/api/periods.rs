//! Reset schedules: scores go to the running period; a past period's standings stay readable.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::support::TestApp;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[tokio::test]
async fn a_daily_board_starts_over_after_midnight_and_keeps_yesterday() {
    let app = TestApp::spawn_at(at("2026-05-01T22:00:00Z")).await;
    app.leaderboard(json!({"slug": "d", "name": "Daily", "reset": "daily"}))
        .await;
    app.score("d", "ada", 10).await;
    let first = app.score("d", "bob", 20).await;
    let yesterday = first["period_id"].as_i64().unwrap();

    app.clock.set(at("2026-05-02T00:00:01Z"));
    // The new period has begun even before anyone submits in it.
    let (_, page) = app.get("/api/v1/leaderboards/d/entries").await;
    assert_eq!(page["total"], 0);
    assert!(page["period"]["id"].is_null());
    assert_eq!(page["period"]["starts_at"], "2026-05-02T00:00:00Z");

    let r = app.score("d", "ada", 5).await;
    assert_eq!(r["rank"], 1);
    assert!(
        r["previous_rank"].is_null(),
        "a new period starts with no entry"
    );
    assert_ne!(r["period_id"], yesterday);
    assert_eq!(app.top("d", "").await, vec![("ada".to_owned(), 5, 1)]);

    let past = app.top("d", &format!("period={yesterday}")).await;
    assert_eq!(
        past,
        vec![("bob".to_owned(), 20, 1), ("ada".to_owned(), 10, 2)]
    );

    let (status, periods) = app.get("/api/v1/leaderboards/d/periods").await;
    assert_eq!(status, 200);
    let list = periods["periods"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["id"], yesterday);
    assert_eq!(
        list[1]["starts_at"], "2026-05-01T22:00:00Z",
        "the first period begins at creation"
    );
    assert_eq!(list[1]["ends_at"], "2026-05-02T00:00:00Z");
    assert_eq!(periods["current"]["ends_at"], "2026-05-03T00:00:00Z");
}

#[tokio::test]
async fn a_weekly_board_in_a_time_zone_resets_on_local_monday() {
    let app = TestApp::spawn_at(at("2026-06-06T12:00:00Z")).await; // a Saturday
    let lb = app
        .leaderboard(json!({"slug": "w", "name": "Weekly", "reset": "weekly", "timezone": "America/New_York"}))
        .await;
    assert_eq!(lb["current_period"]["ends_at"], "2026-06-08T04:00:00Z");
    app.score("w", "ada", 10).await;
    app.clock.set(at("2026-06-08T03:59:59Z"));
    assert_eq!(app.top("w", "").await.len(), 1, "still Sunday in New York");
    app.clock.set(at("2026-06-08T04:00:00Z"));
    assert!(app.top("w", "").await.is_empty());
}

#[tokio::test]
async fn a_cursor_keeps_reading_its_period_across_a_reset() {
    let app = TestApp::spawn_at(at("2026-05-01T23:00:00Z")).await;
    app.leaderboard(json!({"slug": "d", "name": "Daily", "reset": "daily"}))
        .await;
    let items: Vec<_> = (0..10)
        .map(|i| json!({"participant": format!("p{i}"), "score": i}))
        .collect();
    app.post("/api/v1/leaderboards/d/scores", json!(items))
        .await;
    let (_, page) = app.get("/api/v1/leaderboards/d/entries?limit=4").await;
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    app.clock.set(at("2026-05-02T00:30:00Z"));
    app.score("d", "late", 100).await;
    let (status, page) = app
        .get(&format!(
            "/api/v1/leaderboards/d/entries?limit=4&cursor={cursor}"
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(page["entries"][0]["rank"], 5);
    assert_eq!(page["entries"][0]["participant"], "p5");
}

#[tokio::test]
async fn changing_the_schedule_closes_the_running_period() {
    let app = TestApp::spawn_at(at("2026-05-01T10:00:00Z")).await;
    app.leaderboard(json!({"slug": "x", "name": "X"})).await;
    let first = app.score("x", "ada", 10).await;
    app.clock.set(at("2026-05-01T11:00:00Z"));
    let (status, lb) = app
        .patch("/api/v1/leaderboards/x", json!({"reset": "daily"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(lb["current_period"]["starts_at"], "2026-05-01T11:00:00Z");
    assert_eq!(lb["current_period"]["ends_at"], "2026-05-02T00:00:00Z");
    assert_eq!(lb["entries"], 0);
    let past = app
        .top("x", &format!("period={}", first["period_id"]))
        .await;
    assert_eq!(past.len(), 1);
}

#[tokio::test]
async fn erasing_a_participant_removes_them_from_every_period_and_is_announced_live() {
    let app = TestApp::spawn_at(at("2026-05-01T22:00:00Z")).await;
    app.leaderboard(json!({"slug": "d", "name": "Daily", "reset": "daily"}))
        .await;
    app.score("d", "ada", 10).await;
    let first = app.score("d", "bob", 20).await;
    let yesterday = first["period_id"].as_i64().unwrap();
    let mut events = crate::support::EventStream::open(&app, "/api/v1/leaderboards/d/events").await;

    // A new day: the first score of the new period announces the period, then the entry.
    app.clock.set(at("2026-05-02T09:00:00Z"));
    let today = app.score("d", "ada", 7).await["period_id"]
        .as_i64()
        .unwrap();
    app.score("d", "bob", 3).await;
    assert_ne!(today, yesterday);
    let seen = events.until(10, |name, _| name == "entry").await;
    let names: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["period", "entry"], "{seen:?}");
    assert_eq!(seen[0].1["period_id"], today);
    assert_eq!(seen[1].1["participant"], "ada");

    let (status, _) = app.delete("/api/v1/leaderboards/d/entries/ada").await;
    assert_eq!(status, 204);
    let seen = events.until(10, |name, _| name == "erase").await;
    let (_, erase) = seen.last().expect("an event");
    assert_eq!(erase["participant"], "ada", "{seen:?}");

    // Gone from today's and from yesterday's standings; the others stay.
    assert_eq!(app.top("d", "").await, vec![("bob".to_owned(), 3, 1)]);
    assert_eq!(
        app.top("d", &format!("period={yesterday}")).await,
        vec![("bob".to_owned(), 20, 1)]
    );
    let (status, _) = app
        .get(&format!(
            "/api/v1/leaderboards/d/entries/ada?period={yesterday}"
        ))
        .await;
    assert_eq!(status, 404);
    // And from PostgreSQL, so a restart does not bring them back.
    let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
    let rows: i64 = sqlx::query_scalar("select count(*) from score where participant = 'ada'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);
}
