//! A multi-host `DATABASE_URL` with `target_session_attrs=read-write` (issue 14): the host that
//! takes writes is chosen; while none does, writes are answered 503 with `Retry-After` at once
//! and readiness is red; when one does again the server follows it and catches up with what
//! other processes wrote meanwhile.

use std::time::Duration;

use podium::{
    clock::Clock,
    db::hosts::{Hosts, SessionAttrs},
};
use reqwest::Method;
use serde_json::json;
use sqlx::{Connection, Executor, PgConnection, postgres::PgConnectOptions};

use crate::support::{TestApp, admin_url, fresh_database};

/// The database's name and a URL listing a host that does not exist before it.
fn with_a_dead_host_first(url: &str) -> (String, String) {
    let options: PgConnectOptions = url.parse().expect("url");
    let name = options.get_database().expect("database").to_owned();
    let multi = url.replacen(
        "?host=",
        "?target_session_attrs=read-write&host=/nonexistent-podium-socket-dir,",
        1,
    );
    assert_ne!(
        multi, url,
        "the test cluster's URL names its socket with ?host="
    );
    (name, multi)
}

#[tokio::test]
async fn the_first_host_that_takes_writes_is_chosen() {
    let good: PgConnectOptions = fresh_database().await.parse().expect("url");
    let dead = good.clone().socket("/nonexistent-podium-socket-dir");
    let read_only = good
        .clone()
        .options([("default_transaction_read_only", "on")]);
    let hosts = vec![dead, read_only, good];
    let rw = Hosts {
        hosts: hosts.clone(),
        attrs: SessionAttrs::ReadWrite,
    };
    assert_eq!(rw.find().await.map(|(i, _)| i), Some(2));
    let any = Hosts {
        hosts,
        attrs: SessionAttrs::Any,
    };
    assert_eq!(any.find().await.map(|(i, _)| i), Some(1));
}

async fn set_read_only(name: &str, on: bool) {
    let mut admin = PgConnection::connect(&admin_url()).await.expect("admin");
    let setting = if on {
        format!("alter database \"{name}\" set default_transaction_read_only = on")
    } else {
        format!("alter database \"{name}\" reset default_transaction_read_only")
    };
    admin.execute(setting.as_str()).await.expect("alter");
    // Every session of the database ends, as at a failover; new ones get the setting.
    admin
        .execute(
            format!(
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = '{name}'"
            )
            .as_str(),
        )
        .await
        .expect("terminate");
}

async fn put_status(app: &TestApp, participant: &str, score: i64) -> reqwest::Response {
    app.request(
        Method::PUT,
        &format!("/api/v1/leaderboards/b/scores/{participant}"),
        Some(&json!({ "score": score })),
    )
    .await
}

#[tokio::test]
async fn writes_get_503_while_no_host_takes_writes_and_the_server_follows_the_primary_back() {
    let url = fresh_database().await;
    let (name, multi) = with_a_dead_host_first(&url);
    let app = TestApp::start(multi, Clock::System, |_| {}).await;
    app.leaderboard(json!({"slug": "b", "name": "B"})).await;
    app.score("b", "before", 5).await;

    set_read_only(&name, true).await;
    let mut refused = None;
    for _ in 0..150 {
        let r = put_status(&app, "during", 6).await;
        if r.status() == 503 {
            refused = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let refused = refused.expect("a write answered 503 while the database was read-only");
    assert_eq!(refused.headers()["retry-after"], "2");
    assert_eq!(
        refused.headers()["content-type"],
        "application/problem+json"
    );
    let body: serde_json::Value = refused.json().await.expect("json");
    assert_eq!(body["code"], "not_ready", "{body}");
    let (ready, _) = app.get("/readyz").await;
    assert_eq!(ready, 503, "not ready while no host takes writes");
    let (status, _) = app.get("/api/v1/leaderboards/b/entries").await;
    assert_eq!(status, 200, "reads go on from memory");

    set_read_only(&name, false).await;
    let mut back = false;
    for _ in 0..200 {
        if put_status(&app, "after", 7).await.status() == 200 {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "writes came back once the host took writes again");

    // Another process writes; this one, whose change listener was cut, catches up.
    let other = TestApp::start(url, Clock::System, |_| {}).await;
    other.score("b", "elsewhere", 9).await;
    let mut seen = Vec::new();
    for _ in 0..100 {
        seen = app.top("b", "limit=10").await;
        if seen.len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let names: Vec<&str> = seen.iter().map(|(p, _, _)| p.as_str()).collect();
    assert_eq!(names, ["elsewhere", "after", "before"], "{seen:?}");
    assert_eq!(other.top("b", "limit=10").await, seen);
}
