//! A leaderboard or league deleted by mistake and put back from a backup
//! (deploy/scripts/restore-resource): its rows go into the database behind the processes' backs,
//! then `podium resync` (`leaderboards::service::resync`, `leagues::write::resync`) makes every
//! running process serve them without a restart, including one that never knew them.

use std::time::Duration;

use podium::{audit::Context, clock::Clock};
use serde_json::{Value, json};
use sqlx::{Connection, Executor, PgConnection};

use crate::support::TestApp;

/// Polls (bounded) until `app` answers `path` with `want`; returns the last answer.
async fn settle(app: &TestApp, path: &str, want: &(u16, Value)) -> (u16, Value) {
    let mut seen = (0, Value::Null);
    for _ in 0..200 {
        seen = app.get(path).await;
        if &seen == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    seen
}

/// Keeps a copy of the rows, as the backup would.
const SAVE: &str = "
    create table saved_lb as select * from leaderboard where slug = 'lb';
    create table saved_period as select * from leaderboard_period where leaderboard_id in (select id from saved_lb);
    create table saved_score as select * from score where period_id in (select id from saved_period);
    create table saved_league as select * from league where slug = 'lg';
    create table saved_participant as select * from league_participant where league_id in (select id from saved_league);
    create table saved_season as select * from league_season where league_id in (select id from saved_league);
    create table saved_match as select * from league_match where league_id in (select id from saved_league);
    create table saved_history as select * from rating_history where league_id in (select id from saved_league);";

/// Puts them back the way restore-resource imports: ids kept, one transaction.
const IMPORT: &str = "
    begin;
    insert into leaderboard overriding system value select * from saved_lb;
    insert into leaderboard_period overriding system value select * from saved_period;
    insert into score select * from saved_score;
    insert into league overriding system value select * from saved_league;
    insert into league_participant select * from saved_participant;
    insert into league_season select * from saved_season;
    insert into league_match overriding system value select * from saved_match;
    insert into rating_history select * from saved_history;
    commit;";

#[tokio::test]
async fn a_restored_leaderboard_and_league_appear_on_every_process_after_a_resync() {
    let a = TestApp::spawn().await;
    let b = TestApp::start(a.database_url.clone(), Clock::System, |_| {}).await;
    a.leaderboard(json!({"slug": "lb", "name": "LB"})).await;
    for (i, p) in ["ann", "bob", "cy", "dee"].iter().enumerate() {
        a.score("lb", p, 10 * i64::try_from(i).expect("small") + 5)
            .await;
    }
    let (status, body) = a
        .post(
            "/api/v1/leagues",
            json!({"slug": "lg", "name": "LG", "system": "elo"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    for (m, (w, l)) in [("ann", "bob"), ("bob", "cy"), ("ann", "cy")]
        .iter()
        .enumerate()
    {
        let duel = json!({
            "played_at": format!("2026-02-01T10:{m:02}:00Z"),
            "teams": [{"participants": [w], "rank": 1}, {"participants": [l], "rank": 2}]
        });
        let (status, body) = a.post("/api/v1/leagues/lg/matches", duel).await;
        assert!(status == 200 || status == 201, "{body}");
    }
    let entries = "/api/v1/leaderboards/lb/entries?limit=100";
    let standings = "/api/v1/leagues/lg/standings?include_provisional=true&limit=100";
    let (want_entries, want_standings) = (a.get(entries).await, a.get(standings).await);
    assert_eq!(want_entries.0, 200, "{}", want_entries.1);
    assert_eq!(want_standings.0, 200, "{}", want_standings.1);
    assert_eq!(settle(&b, entries, &want_entries).await, want_entries);
    assert_eq!(settle(&b, standings, &want_standings).await, want_standings);

    let mut conn = PgConnection::connect(&a.database_url)
        .await
        .expect("connect");
    conn.execute(SAVE).await.expect("save the rows");
    assert_eq!(a.delete("/api/v1/leaderboards/lb").await.0, 204);
    assert_eq!(a.delete("/api/v1/leagues/lg").await.0, 204);
    let gone = (404, Value::Null);
    assert_eq!(settle(&b, entries, &gone).await.0, 404);
    assert_eq!(settle(&b, standings, &gone).await.0, 404);

    conn.execute(IMPORT).await.expect("import the rows");
    // Written behind their backs: neither process knows them yet.
    assert_eq!(b.get(entries).await.0, 404);
    assert_eq!(b.get(standings).await.0, 404);

    let pool = sqlx::PgPool::connect(&a.database_url).await.expect("pool");
    let ctx = Context::cli();
    let lb = podium::leaderboards::service::resync(&pool, "lb", &ctx)
        .await
        .expect("resync the leaderboard")
        .expect("the leaderboard is there");
    assert_eq!(lb.entries, 4);
    podium::leagues::write::resync(&pool, "lg", &ctx)
        .await
        .expect("resync the league")
        .expect("the league is there");
    // The resync changed none of the rows it announced (each saved row is there, identical).
    for (saved, table) in [
        ("saved_lb", "leaderboard"),
        ("saved_period", "leaderboard_period"),
        ("saved_score", "score"),
        ("saved_league", "league"),
        ("saved_participant", "league_participant"),
        ("saved_season", "league_season"),
        ("saved_match", "league_match"),
        ("saved_history", "rating_history"),
    ] {
        let missing: i64 = sqlx::query_scalar(&format!(
            "select count(*) from (select * from {saved} except select * from {table}) d"
        ))
        .fetch_one(&pool)
        .await
        .expect("compare");
        assert_eq!(missing, 0, "{table}: rows changed by the resync");
    }
    for app in [&a, &b] {
        assert_eq!(settle(app, entries, &want_entries).await, want_entries);
        assert_eq!(
            settle(app, standings, &want_standings).await,
            want_standings
        );
    }
    // Again: nothing changes (a resync is idempotent), and a slug nobody has is said so.
    podium::leaderboards::service::resync(&pool, "lb", &ctx)
        .await
        .expect("resync again");
    assert_eq!(settle(&b, entries, &want_entries).await, want_entries);
    assert!(
        podium::leaderboards::service::resync(&pool, "nope", &ctx)
            .await
            .expect("resync")
            .is_none()
    );
    assert!(
        podium::leagues::write::resync(&pool, "nope", &ctx)
            .await
            .expect("resync")
            .is_none()
    );
    // The restored board keeps taking scores on both processes.
    a.score("lb", "eve", 100).await;
    let first = settle(&b, entries, &a.get(entries).await).await;
    assert_eq!(first.1["entries"][0]["participant"], "eve", "{first:?}");
    pool.close().await;
}
