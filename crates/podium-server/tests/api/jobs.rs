//! Background jobs under the task supervisor: a job cut short by shutdown says so instead of
//! staying `running` for ever; one that finishes records its outcome.

use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::support::TestApp;

async fn league_job(app: &TestApp) -> (sqlx::PgPool, uuid::Uuid) {
    let (status, league) = app
        .post(
            "/api/v1/leagues",
            json!({"slug": "j", "name": "J", "system": "elo"}),
        )
        .await;
    assert_eq!(status, 201, "{league}");
    let pool = sqlx::PgPool::connect(&app.database_url)
        .await
        .expect("pool");
    let id: i64 = sqlx::query_scalar("select id from league where slug = 'j'")
        .fetch_one(&pool)
        .await
        .expect("league id");
    let job = podium::jobs::create(&pool, "recompute", id, Utc::now())
        .await
        .expect("job");
    (pool, job)
}

#[tokio::test]
async fn a_job_cut_short_by_shutdown_is_recorded_as_interrupted() {
    let app = TestApp::spawn().await;
    let (pool, job) = league_job(&app).await;
    let shutdown = CancellationToken::new();
    let run = tokio::spawn(podium::jobs::run(
        pool.clone(),
        job,
        shutdown.clone(),
        |_| std::future::pending::<Result<(), String>>(),
    ));
    // It is running (and says so) until the server stops.
    let mut state = String::new();
    for _ in 0..100 {
        let (_, v) = app.get(&format!("/api/v1/jobs/{job}")).await;
        state = v["state"].as_str().unwrap_or_default().to_owned();
        if state == "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(state, "running");
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .expect("the job ends when shutdown begins")
        .expect("join");
    let (status, v) = app.get(&format!("/api/v1/jobs/{job}")).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["state"], "failed", "{v}");
    assert!(
        v["error"]
            .as_str()
            .unwrap_or_default()
            .contains("server shut down"),
        "{v}"
    );
}

#[tokio::test]
async fn a_job_that_finishes_records_success_even_with_a_live_token() {
    let app = TestApp::spawn().await;
    let (pool, job) = league_job(&app).await;
    podium::jobs::run(pool, job, CancellationToken::new(), |progress| async move {
        progress.set(3, 3);
        Ok(())
    })
    .await;
    let (_, v) = app.get(&format!("/api/v1/jobs/{job}")).await;
    assert_eq!(v["state"], "succeeded", "{v}");
    assert_eq!(v["done"], 3, "{v}");
}
