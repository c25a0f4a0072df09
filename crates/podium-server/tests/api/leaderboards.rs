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

/// Start-up reads boards with binary COPY and its own decoder: on awkward values (extreme
/// scores, times before PostgreSQL's epoch and far after it, Unicode metadata, NULLs) it reads
/// exactly what a plain query reads.
#[tokio::test]
async fn the_start_up_reader_reads_every_value_as_a_query_does() {
    use sqlx::{Connection, Row};
    let url = crate::support::fresh_database().await;
    let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
    let period: i64 = sqlx::query_scalar(
        "with b as (insert into leaderboard (slug, name, sort_order, operator, period_anchor)
                    values ('odd', 'Odd', 'desc', 'best', now()) returning id)
         insert into leaderboard_period (leaderboard_id, starts_at)
         select id, '2026-01-01' from b returning id",
    )
    .fetch_one(&mut conn)
    .await
    .expect("a period");
    sqlx::query(
        r#"insert into score (period_id, participant, score, subscore, num_submissions, metadata,
                              reached_at, created_at, updated_at)
           values ($1, 'a', 9223372036854775807, -9223372036854775808, 1, null,
                   '1970-01-01T00:00:00Z', now(), '1999-12-31T23:59:59.999999Z'),
                  ($1, 'b.c:d@e_f-g', -1, 0, 2147483647, '{"name": "Zoë 🎮", "n": [1, 2.5e3]}',
                   '2000-01-01T00:00:00Z', now(), '9999-12-31T23:59:59.999999Z'),
                  ($1, repeat('x', 128), 0, 7, 4294967296, '{}',
                   '1901-12-13T20:45:52.000001Z', now(), '2026-12-02T12:00:00.5Z')"#,
    )
    .bind(period)
    .execute(&mut conn)
    .await
    .expect("rows");
    let (mut entries, metadata) = podium::leaderboards::store::load_board(&mut conn, period)
        .await
        .expect("read");
    entries.sort_by(|a, b| a.participant.cmp(&b.participant));
    let rows = sqlx::query(
        "select participant, score, subscore, num_submissions, metadata::text as metadata,
                reached_at, updated_at from score where period_id = $1 order by participant",
    )
    .bind(period)
    .fetch_all(&mut conn)
    .await
    .expect("query");
    assert_eq!(entries.len(), rows.len());
    for (e, r) in entries.iter().zip(&rows) {
        let micros = |c: &str| {
            r.get::<chrono::DateTime<chrono::Utc>, _>(c)
                .timestamp_micros()
        };
        assert_eq!(&*e.participant, r.get::<&str, _>("participant"));
        assert_eq!(e.score, r.get::<i64, _>("score"));
        assert_eq!(e.subscore, r.get::<i64, _>("subscore"));
        assert_eq!(e.reached_at, micros("reached_at"), "{}", e.participant);
        assert_eq!(e.updated_at, micros("updated_at"), "{}", e.participant);
        let n = r.get::<i64, _>("num_submissions");
        assert_eq!(i64::from(e.num_submissions), n.min(i64::from(u32::MAX)));
        let want: Option<String> = r.get("metadata");
        let got = metadata.get(&e.participant).map(|m| m.get().to_owned());
        assert_eq!(got, want, "{}", e.participant);
    }
}
