//! The settings the README lists, each shown to do what it says: CORS origins, the request
//! time limit, the most submissions per grouped write, the past periods kept in memory and the
//! change log's retention. Also the write path's promises in docs/architecture.md: deadlocks
//! are retried, and a job refused inside a group does not disturb the others.

use std::{collections::HashMap, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use reqwest::header;
use serde_json::{Value, json};
use sqlx::{Connection, Executor, PgConnection};

use crate::support::{TestApp, waiting_for_locks};

async fn connect(app: &TestApp) -> PgConnection {
    PgConnection::connect(&app.database_url)
        .await
        .expect("connect")
}

#[tokio::test]
async fn only_the_configured_origins_get_cors_headers() {
    let app = TestApp::spawn_with(|c| c.cors_origins = vec!["https://game.example".into()]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/leaderboards"))
            .header(header::ORIGIN, origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type,authorization",
            )
            .send()
    };
    let r = preflight("https://game.example").await.unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://game.example"
    );
    let methods = r.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        methods.contains("POST") && methods.contains("DELETE"),
        "{methods}"
    );
    let r = preflight("https://evil.example").await.unwrap();
    assert!(
        r.headers().get("access-control-allow-origin").is_none(),
        "{:?}",
        r.headers()
    );
    // A simple request from the allowed origin can read the request id.
    let r = app
        .client
        .get(app.url("/api/v1/leaderboards"))
        .header(header::ORIGIN, "https://game.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://game.example"
    );
    assert!(
        r.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .contains("x-request-id")
    );
    app.stop().await;
    // None configured (the default): no origin is allowed.
    let app = TestApp::spawn().await;
    let r = app
        .client
        .get(app.url("/api/v1/leaderboards"))
        .header(header::ORIGIN, "https://game.example")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn a_request_over_the_time_limit_is_answered_503_timeout() {
    let app = TestApp::spawn_with(|c| c.request_timeout_secs = 1).await;
    app.leaderboard(json!({"slug": "a", "name": "A"})).await;
    // The test holds the leaderboard's row, so the write cannot finish in time.
    let mut holder = connect(&app).await;
    holder.execute("begin").await.unwrap();
    holder
        .execute("select 1 from leaderboard where slug = 'a' for update")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let (status, problem) = app
        .put("/api/v1/leaderboards/a/scores/ann", json!({"score": 1}))
        .await;
    assert_eq!(status, 503, "{problem}");
    assert_eq!(problem["code"], "timeout");
    assert!(started.elapsed() >= Duration::from_secs(1));
    holder.execute("commit").await.unwrap();
    // Quick requests are untouched.
    assert_eq!(app.get("/api/v1/leaderboards/a").await.0, 200);
}

/// Waits (bounded) until `n` score requests wait for the writer (`GET /system`).
async fn writes_queued(app: &TestApp, n: usize) {
    let mut queued = Value::Null;
    for _ in 0..1000 {
        queued = app.get("/api/v1/system").await.1["writes_queued"].clone();
        if queued.as_u64().is_some_and(|q| q >= n as u64) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{n} writes never queued (last seen {queued})");
}

/// Holds leaderboard `blocker`'s row and sends a write to it, which the writer takes and then
/// waits on: requests sent meanwhile queue behind it. Returns the connection holding the row
/// (commit it to let go) and the stuck write.
async fn stall_the_writer(
    app: &Arc<TestApp>,
) -> (PgConnection, tokio::task::JoinHandle<(u16, Value)>) {
    let mut holder = connect(app).await;
    holder.execute("begin").await.unwrap();
    holder
        .execute("select 1 from leaderboard where slug = 'blocker' for update")
        .await
        .unwrap();
    let stuck = tokio::spawn({
        let app = app.clone();
        async move {
            app.put("/api/v1/leaderboards/blocker/scores/x", json!({"score": 1}))
                .await
        }
    });
    waiting_for_locks(&mut holder, 1).await;
    (holder, stuck)
}

/// Queues `n` single submissions to leaderboard `a` behind a write stuck on leaderboard
/// `blocker` (whose row the test holds), then lets go; returns the sizes of the transactions
/// they were committed in (rows of one transaction share `xmin`), largest first.
async fn committed_groups(app: &Arc<TestApp>, n: usize) -> Vec<i64> {
    let (mut holder, stuck) = stall_the_writer(app).await;
    let mut writes = Vec::new();
    for i in 0..n {
        let app = app.clone();
        writes.push(tokio::spawn(async move {
            app.put(
                &format!("/api/v1/leaderboards/a/scores/p{i}"),
                json!({"score": i}),
            )
            .await
        }));
    }
    writes_queued(app, n).await;
    holder.execute("commit").await.unwrap();
    assert_eq!(stuck.await.unwrap().0, 200);
    for w in writes {
        assert_eq!(w.await.unwrap().0, 200);
    }
    let mut sizes: Vec<i64> = sqlx::query_scalar(
        "select count(*) from score s join leaderboard_period p on p.id = s.period_id
         join leaderboard l on l.id = p.leaderboard_id where l.slug = 'a'
         group by s.xmin::text order by 1 desc",
    )
    .fetch_all(&mut holder)
    .await
    .unwrap();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    sizes
}

#[tokio::test]
async fn batch_max_caps_the_submissions_of_one_transaction() {
    for (batch_max, check) in [
        (2, (|largest: i64| largest <= 2) as fn(i64) -> bool),
        // The default lets the same queue go in one transaction: the cap is what splits it.
        (2000, |largest: i64| largest > 2),
    ] {
        let app = Arc::new(TestApp::spawn_with(|c| c.batch_max = batch_max).await);
        for slug in ["a", "blocker"] {
            app.leaderboard(json!({"slug": slug, "name": slug})).await;
        }
        let groups = committed_groups(&app, 8).await;
        assert_eq!(groups.iter().sum::<i64>(), 8, "{groups:?}");
        assert!(
            check(groups[0]),
            "batch_max {batch_max}: transactions of {groups:?}"
        );
    }
}

#[tokio::test]
async fn a_job_refused_in_a_group_leaves_the_others_committed() {
    let app = Arc::new(TestApp::spawn().await);
    app.leaderboard(json!({"slug": "a", "name": "A", "operator": "increment"}))
        .await;
    app.leaderboard(json!({"slug": "blocker", "name": "B"}))
        .await;
    app.score("a", "max", i64::MAX).await;
    let (mut holder, stuck) = stall_the_writer(&app).await;
    // Queued together behind the stuck write: two good jobs around one that overflows.
    let jobs = [
        json!([{"participant": "ann", "score": 5}]),
        json!([{"participant": "bob", "score": 1}, {"participant": "max", "score": 1}]),
        json!([{"participant": "cy", "score": 7}]),
    ];
    let mut tasks = Vec::new();
    for (i, body) in jobs.into_iter().enumerate() {
        let client = app.clone();
        tasks.push(tokio::spawn(async move {
            client.post("/api/v1/leaderboards/a/scores", body).await
        }));
        writes_queued(&app, i + 1).await; // queued in this order
    }
    holder.execute("commit").await.unwrap();
    assert_eq!(stuck.await.unwrap().0, 200);
    let answers: Vec<(u16, Value)> = futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(|t| t.unwrap())
        .collect();
    assert_eq!(answers[0].0, 200, "{:?}", answers[0]);
    assert_eq!(answers[1].0, 422, "{:?}", answers[1]);
    assert_eq!(answers[1].1["errors"][0]["field"], "[1].score");
    assert_eq!(answers[2].0, 200, "{:?}", answers[2]);
    // The good jobs were in one transaction with the refused one, and are stored; bob is not.
    let xmins: HashMap<String, String> = sqlx::query_as(
        "select s.participant, s.xmin::text from score s where s.participant in ('ann', 'cy', 'bob')",
    )
    .fetch_all(&mut holder)
    .await
    .unwrap()
    .into_iter()
    .collect();
    assert_eq!(xmins.len(), 2, "{xmins:?}");
    assert_eq!(xmins["ann"], xmins["cy"], "one transaction for the group");
    let top = app.top("a", "").await;
    assert_eq!(
        top,
        [
            ("max".to_owned(), i64::MAX, 1),
            ("cy".to_owned(), 7, 2),
            ("ann".to_owned(), 5, 3)
        ]
    );
}

#[tokio::test]
async fn deadlocks_and_serialisation_failures_are_retried_three_times() {
    let app = TestApp::spawn().await;
    app.leaderboard(json!({"slug": "a", "name": "A"})).await;
    let mut conn = connect(&app).await;
    // The first two writes of a score fail as a deadlock would (a sequence is not rolled back,
    // so it counts attempts across the retried transactions).
    conn.execute(
        "create sequence test_attempt;
         create function test_deadlock() returns trigger language plpgsql as $$
         begin
             if nextval('test_attempt') <= 2 then
                 raise exception 'injected deadlock' using errcode = '40P01';
             end if;
             return new;
         end $$;
         create trigger test_deadlock before insert or update on score
             for each row execute function test_deadlock();",
    )
    .await
    .unwrap();
    let (status, body) = app
        .put("/api/v1/leaderboards/a/scores/ann", json!({"score": 3}))
        .await;
    assert_eq!(status, 200, "retried past two deadlocks: {body}");
    let attempts: i64 = sqlx::query_scalar("select last_value from test_attempt")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(attempts, 3);
    // A serialisation failure that never clears: four attempts, then the caller gets a 500.
    conn.execute(
        "create or replace function test_deadlock() returns trigger language plpgsql as $$
         begin
             perform nextval('test_attempt');
             raise exception 'injected serialisation failure' using errcode = '40001';
         end $$;",
    )
    .await
    .unwrap();
    let (status, _) = app
        .put("/api/v1/leaderboards/a/scores/bob", json!({"score": 3}))
        .await;
    assert_eq!(status, 500);
    let attempts: i64 = sqlx::query_scalar("select last_value from test_attempt")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(attempts, 3 + 4);
    assert_eq!(app.top("a", "").await, vec![("ann".to_owned(), 3, 1)]);
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[tokio::test]
async fn past_period_cache_keeps_that_many_read_periods_in_memory() {
    for cache in [1usize, 2] {
        let app = TestApp::start(
            crate::support::fresh_database().await,
            podium::clock::Clock::manual(at("2026-05-01T10:00:00Z")),
            |c| c.past_period_cache = cache,
        )
        .await;
        app.leaderboard(json!({"slug": "d", "name": "D", "reset": "daily"}))
            .await;
        let mut periods = Vec::new();
        for day in 1..=3 {
            app.clock.set(at(&format!("2026-05-0{day}T10:00:00Z")));
            periods.push(
                app.score("d", "ann", day).await["period_id"]
                    .as_i64()
                    .unwrap(),
            );
        }
        let score_in = |period: i64| {
            let app = &app;
            async move { app.top("d", &format!("period={period}")).await[0].1 }
        };
        // Read day 1 (now in memory), change it behind the server's back, read day 2.
        assert_eq!(score_in(periods[0]).await, 1);
        let mut conn = connect(&app).await;
        sqlx::query("update score set score = 100 where period_id = $1")
            .bind(periods[0])
            .execute(&mut conn)
            .await
            .unwrap();
        assert_eq!(score_in(periods[1]).await, 2);
        // With room for one past period, day 1 was evicted and is read anew; with two, it is
        // still the copy in memory.
        let expected = if cache == 1 { 100 } else { 1 };
        assert_eq!(score_in(periods[0]).await, expected, "cache {cache}");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_change_log_keeps_its_retention_and_a_process_behind_the_pruned_part_reloads() {
    let db = crate::support::fresh_database().await;
    let a = TestApp::start(db.clone(), podium::clock::Clock::System, |c| {
        c.change_log_retention_secs = 3600
    })
    .await;
    a.leaderboard(json!({"slug": "a", "name": "A"})).await;
    a.score("a", "ann", 1).await;
    a.score("a", "bob", 2).await;
    a.stop().await;
    let mut conn = PgConnection::connect(&db).await.unwrap();
    // Two hours old: past the retention, except the newest row (always kept).
    conn.execute("update change_log set created_at = now() - interval '2 hours'")
        .await
        .unwrap();
    let newest: i64 = sqlx::query_scalar("select max(seq) from change_log")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let a = TestApp::start(db.clone(), podium::clock::Clock::System, |c| {
        c.change_log_retention_secs = 3600
    })
    .await;
    let mut left: Vec<i64> = Vec::new();
    for _ in 0..500 {
        left = sqlx::query_scalar("select seq from change_log order by seq")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        if left == [newest] {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(left, [newest], "pruned at start-up, newest kept");
    a.score("a", "cy", 3).await;
    let recent: i64 = sqlx::query_scalar("select count(*) from change_log where seq > $1")
        .bind(newest)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(recent > 0, "rows within the retention stay");

    // B runs beside A. Changes B never saw are then written with their log rows already gone
    // (as if pruned while B was away): only a full reload can show them to B.
    let b = TestApp::start(db.clone(), podium::clock::Clock::System, |_| {}).await;
    conn.execute(
        "update score set score = 999 where participant = 'ann';
         update change_counter set last_seq = last_seq + 5;",
    )
    .await
    .unwrap();
    a.score("a", "dan", 4).await; // the next logged change reveals the gap to B
    let mut seen = Vec::new();
    for _ in 0..500 {
        seen = b.top("a", "").await;
        if seen.iter().any(|(p, s, _)| p == "ann" && *s == 999) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        seen.iter().any(|(p, s, _)| p == "ann" && *s == 999),
        "B reloaded past the gap: {seen:?}"
    );
    assert!(seen.iter().any(|(p, ..)| p == "dan"), "{seen:?}");
}

#[tokio::test]
async fn a_change_whose_notify_is_lost_is_caught_by_the_poll() {
    let app = TestApp::spawn().await;
    let (status, _) = app.post("/api/v1/flags", json!({"key": "f"})).await;
    assert_eq!(status, 201);
    let evaluate = || async {
        let r = app
            .client
            .post(app.url("/ofrep/v1/evaluate/flags/f"))
            .json(&json!({"context": {"targetingKey": "ann"}}))
            .send()
            .await
            .unwrap();
        r.json::<Value>().await.unwrap()["value"].clone()
    };
    assert_eq!(evaluate().await, false);
    // Another writer's change, logged but never announced (no pg_notify).
    let mut conn = connect(&app).await;
    conn.execute(
        "begin;
         update feature_flag set enabled = true, rollout_percentage = 100 where key = 'f';
         update change_counter set last_seq = last_seq + 1;
         insert into change_log (seq, kind, leaderboard_id)
             select last_seq, 'flag', 0 from change_counter;
         commit;",
    )
    .await
    .unwrap();
    let mut value = Value::Null;
    for _ in 0..500 {
        value = evaluate().await;
        if value == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(value, true, "the once-a-second poll applied the change");
}

#[tokio::test]
async fn an_api_key_over_its_write_rate_gets_429_and_others_do_not() {
    use crate::accounts::key;
    use podium::accounts::Scope;
    let app = TestApp::spawn_with(|c| {
        c.key_write_rate = 1;
        c.key_write_burst = 3;
    })
    .await;
    app.leaderboard(json!({"slug": "rl", "name": "Rate"})).await;
    let noisy =
        crate::support::client_with(Some(&key(&app.database_url, &[Scope::ScoresWrite]).await));
    let quiet =
        crate::support::client_with(Some(&key(&app.database_url, &[Scope::ScoresWrite]).await));
    let put = |client: &reqwest::Client, who: &str| {
        client
            .put(app.url(&format!("/api/v1/leaderboards/rl/scores/{who}")))
            .json(&json!({"score": 1}))
            .send()
    };
    for i in 0..3 {
        assert_eq!(
            put(&noisy, &format!("p{i}")).await.unwrap().status(),
            200,
            "within the burst"
        );
    }
    let r = put(&noisy, "p3").await.unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&wait), "Retry-After {wait}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    // Reads by the same key and writes by another key go on.
    let r = noisy
        .get(app.url("/api/v1/leaderboards/rl/entries"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(put(&quiet, "q").await.unwrap().status(), 200);
    // The refused write was not stored.
    let (status, _) = app.get("/api/v1/leaderboards/rl/entries/p3").await;
    assert_eq!(status, 404);
    // After the wait, the key writes again.
    tokio::time::sleep(Duration::from_secs(wait)).await;
    assert_eq!(put(&noisy, "p3").await.unwrap().status(), 200);
    app.stop().await;
}
