//! Submitting scores: single, batch (atomic), ranks in the answer, write access.

use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn a_submission_answers_with_rank_and_previous_rank() {
    let app = TestApp::spawn().await;
    app.leaderboard(json!({"slug": "a", "name": "A"})).await;
    let first = app.score("a", "ada", 100).await;
    assert_eq!(first["rank"], 1);
    assert!(first["previous_rank"].is_null());
    assert_eq!(first["num_submissions"], 1);
    app.score("a", "bob", 200).await;
    let again = app.score("a", "ada", 300).await;
    assert_eq!(again["previous_rank"], 2);
    assert_eq!(again["rank"], 1);
    assert_eq!(again["score"], 300);
    assert_eq!(again["num_submissions"], 2);
}

#[tokio::test]
async fn a_batch_stores_every_item_in_order() {
    let app = TestApp::spawn().await;
    app.leaderboard(json!({"slug": "a", "name": "A", "operator": "increment"}))
        .await;
    let items: Vec<_> = (0..500)
        .map(|i| json!({"participant": format!("p{i}"), "score": i}))
        .collect();
    let (status, results) = app
        .post("/api/v1/leaderboards/a/scores", json!(items))
        .await;
    assert_eq!(status, 200, "{results}");
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), 500);
    assert_eq!(results[499]["participant"], "p499");
    // The same participant twice in one batch: applied in order.
    let (status, results) = app
        .post(
            "/api/v1/leaderboards/a/scores",
            json!([{"participant": "p1", "score": 10}, {"participant": "p1", "score": 5}]),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(results[0]["score"], 11);
    assert_eq!(results[1]["score"], 16);
    let (_, page) = app.get("/api/v1/leaderboards/a/entries?limit=1").await;
    assert_eq!(page["total"], 500);
    assert_eq!(page["entries"][0]["participant"], "p499");
}

#[tokio::test]
async fn a_batch_with_one_bad_item_stores_nothing() {
    let app = TestApp::spawn().await;
    app.leaderboard(json!({"slug": "a", "name": "A", "operator": "increment"}))
        .await;
    app.score("a", "max", i64::MAX).await;
    let (status, problem) = app
        .post(
            "/api/v1/leaderboards/a/scores",
            json!([{"participant": "ok1", "score": 1}, {"participant": "max", "score": 1}, {"participant": "ok2", "score": 1}]),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "[1].score");
    let (_, page) = app.get("/api/v1/leaderboards/a/entries").await;
    assert_eq!(
        page["total"], 1,
        "nothing of the refused batch was stored: {page}"
    );

    let (status, problem) = app
        .post(
            "/api/v1/leaderboards/a/scores",
            json!([{"participant": "ok1", "score": 1}, {"participant": "bad id!", "score": 1}]),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "[1].participant");
    let (_, page) = app.get("/api/v1/leaderboards/a/entries").await;
    assert_eq!(page["total"], 1);
}

#[tokio::test]
async fn a_batch_is_limited_to_ten_thousand_items() {
    let app = TestApp::spawn().await;
    app.leaderboard(json!({"slug": "a", "name": "A"})).await;
    let items: Vec<_> = (0..10_001)
        .map(|i| json!({"participant": format!("p{i}"), "score": i}))
        .collect();
    let (status, problem) = app
        .post("/api/v1/leaderboards/a/scores", json!(items))
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem["code"], "too_many_items");
    let (status, problem) = app.post("/api/v1/leaderboards/a/scores", json!([])).await;
    assert_eq!(status, 422, "{problem}");
    let items: Vec<_> = (0..10_000)
        .map(|i| json!({"participant": format!("p{i}"), "score": i}))
        .collect();
    let (status, _) = app
        .post("/api/v1/leaderboards/a/scores", json!(items))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn writes_need_the_token_when_one_is_configured_and_reads_do_not() {
    let app = TestApp::spawn_with(|c| {
        c.api_token = Some(podium::config::Secret::new("0123456789abcdef-token"))
    })
    .await;
    app.leaderboard(json!({"slug": "a", "name": "A"})).await;
    let anonymous = reqwest::Client::new();
    let r = anonymous
        .put(app.url("/api/v1/leaderboards/a/scores/ada"))
        .json(&json!({"score": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = anonymous
        .put(app.url("/api/v1/leaderboards/a/scores/ada"))
        .bearer_auth("wrong-token-wrong-token")
        .json(&json!({"score": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body = r.text().await.unwrap();
    assert!(
        !body.contains("0123456789abcdef"),
        "the token never appears in an error: {body}"
    );
    let r = anonymous
        .get(app.url("/api/v1/leaderboards/a/entries"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.score("a", "ada", 1).await["rank"], 1);
}

#[tokio::test]
async fn metadata_is_kept_with_the_entry() {
    let app = TestApp::spawn().await;
    app.leaderboard(json!({"slug": "a", "name": "A"})).await;
    let (status, _) = app
        .put(
            "/api/v1/leaderboards/a/scores/ada",
            json!({"score": 5, "metadata": {"car": "red"}}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, e) = app.get("/api/v1/leaderboards/a/entries/ada").await;
    assert_eq!(e["metadata"], json!({"car": "red"}));
    let (status, problem) = app
        .put(
            "/api/v1/leaderboards/a/scores/ada",
            json!({"score": 6, "metadata": "red"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "metadata");
}

#[tokio::test]
async fn live_events_announce_each_stored_submission() {
    let app = TestApp::spawn().await;
    app.leaderboard(json!({"slug": "a", "name": "A"})).await;
    app.score("a", "bob", 50).await;
    let r = app
        .client
        .get(app.url("/api/v1/leaderboards/a/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    drop(r);
    // Opened: whatever is written from now on reaches the stream.
    let mut events = crate::support::EventStream::open(&app, "/api/v1/leaderboards/a/events").await;
    app.score("a", "ann", 99).await;
    let seen = events
        .until(10, |name, data| {
            name == "entry" && data["participant"] == "ann"
        })
        .await;
    let (_, ann) = seen
        .iter()
        .find(|(n, d)| n == "entry" && d["participant"] == "ann")
        .expect("ann's entry arrived");
    assert_eq!(ann["score"], 99);
    assert_eq!(ann["rank"], 1);
    assert!(ann["previous_rank"].is_null());
    let (status, _) = app.get("/api/v1/leaderboards/nope/events").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_client_that_falls_behind_is_told_to_resync_and_dropped() {
    let app = TestApp::spawn().await;
    app.leaderboard(json!({"slug": "a", "name": "A"})).await;
    let mut events = crate::support::EventStream::open(&app, "/api/v1/leaderboards/a/events").await;
    // One burst larger than the per-leaderboard buffer overtakes any reader.
    let items: Vec<_> = (0..(podium::leaderboards::EVENT_BUFFER + 500))
        .map(|i| json!({"participant": format!("p{i}"), "score": i}))
        .collect();
    let (status, _) = app
        .post("/api/v1/leaderboards/a/scores", json!(items))
        .await;
    assert_eq!(status, 200);
    let seen = events.until(10, |name, _| name == "resync").await;
    assert_eq!(
        seen.last().map(|(n, _)| n.as_str()),
        Some("resync"),
        "{} events",
        seen.len()
    );
}
