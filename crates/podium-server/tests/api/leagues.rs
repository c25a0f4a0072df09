//! Skill leagues through the API: systems and params, recording matches (single, batch,
//! idempotent), late and edited matches recomputing, standings, history, head-to-head,
//! predictions, seasons and points tables.

use serde_json::{Value, json};

use crate::support::TestApp;

async fn league(app: &TestApp, slug: &str, system: &str, params: Value) -> Value {
    let (status, body) = app
        .post(
            "/api/v1/leagues",
            json!({"slug": slug, "name": slug, "system": system, "params": params}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body
}

fn duel(t: &str, winner: &str, loser: &str) -> Value {
    json!({"played_at": t, "teams": [{"participants": [winner], "rank": 1}, {"participants": [loser], "rank": 2}]})
}

async fn record(app: &TestApp, slug: &str, body: Value) -> Value {
    let (status, out) = app
        .post(&format!("/api/v1/leagues/{slug}/matches"), body)
        .await;
    assert_eq!(status, 201, "{out}");
    out
}

/// `n` duels a millisecond apart from 2026-02-01T10:00:00Z, `who(i)` = (winner, loser).
fn duels(n: usize, who: impl Fn(usize) -> (&'static str, &'static str)) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let (w, l) = who(i);
            duel(
                &format!(
                    "2026-02-01T10:{:02}:{:02}.{:03}Z",
                    i / 60_000,
                    i / 1000 % 60,
                    i % 1000
                ),
                w,
                l,
            )
        })
        .collect()
}

/// Starts a recompute job and waits (bounded) for it to end; returns the job and its URL.
async fn recompute_job(app: &TestApp, slug: &str) -> (Value, String) {
    let r = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/leagues/{slug}/recompute"),
            None,
        )
        .await;
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let mut job = Value::Null;
    for _ in 0..3000 {
        job = app.get(&location).await.1;
        if job["state"] == "succeeded" || job["state"] == "failed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    (job, location)
}

async fn standing(app: &TestApp, slug: &str, p: &str) -> Value {
    let (status, s) = app
        .get(&format!("/api/v1/leagues/{slug}/participants/{p}"))
        .await;
    assert_eq!(status, 200, "{s}");
    s
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[tokio::test]
async fn a_league_shows_every_parameter_with_its_default() {
    let app = TestApp::spawn().await;
    let elo = league(&app, "chess", "elo", json!(null)).await;
    assert_eq!(elo["params"]["k"], 32.0);
    assert_eq!(elo["params"]["initial_rating"], 1500.0);
    assert_eq!(elo["season"], 1);
    let lichess = league(&app, "blitz", "glicko2", json!({"preset": "lichess"})).await;
    assert_eq!(lichess["params"]["initial_deviation"], 500.0);
    assert_eq!(lichess["params"]["tau"], 0.75);
    let (_, list) = app.get("/api/v1/leagues").await;
    assert_eq!(list["leagues"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_systems_and_params_name_the_field() {
    let app = TestApp::spawn().await;
    for (system, params, field) in [
        ("chess", json!(null), "system"),
        ("elo", json!({"k": 0}), "params.k"),
        ("elo", json!({"kk": 10}), "params.kk"),
        (
            "trueskill",
            json!({"draw_probability": 2}),
            "params.draw_probability",
        ),
        (
            "points",
            json!({"tiebreakers": ["luck"]}),
            "params.tiebreakers",
        ),
    ] {
        let (status, p) = app
            .post(
                "/api/v1/leagues",
                json!({"slug": "x", "name": "x", "system": system, "params": params}),
            )
            .await;
        assert_eq!(status, 422, "{system} {params} → {p}");
        assert!(
            p["errors"][0]["field"].as_str().unwrap().starts_with(field),
            "{p}"
        );
    }
    let (_, list) = app.get("/api/v1/leagues").await;
    assert!(list["leagues"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn an_elo_match_moves_ratings_and_the_answer_shows_before_and_after() {
    let app = TestApp::spawn().await;
    league(&app, "chess", "elo", json!(null)).await;
    let m = record(&app, "chess", duel("2026-01-01T10:00:00Z", "ann", "bob")).await;
    let ann = &m["teams"][0]["participants"][0];
    assert_eq!(ann["participant"], "ann");
    assert_eq!(ann["rating_before"], 1500.0);
    assert!(close(ann["rating_after"].as_f64().unwrap(), 1516.0));
    assert!(close(
        m["teams"][1]["participants"][0]["rating_after"]
            .as_f64()
            .unwrap(),
        1484.0
    ));

    let s = standing(&app, "chess", "ann").await;
    assert_eq!(
        (
            s["wins"].as_u64(),
            s["losses"].as_u64(),
            s["streak"].as_i64()
        ),
        (Some(1), Some(0), Some(1))
    );
    assert_eq!(s["rank"], 1);
    assert!(close(s["peak_rating"].as_f64().unwrap(), 1516.0));
    let (_, table) = app.get("/api/v1/leagues/chess/standings").await;
    let names: Vec<_> = table["standings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["participant"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ann", "bob"]);
}

#[tokio::test]
async fn elo_refuses_team_matches_and_a_refused_batch_writes_nothing() {
    let app = TestApp::spawn().await;
    league(&app, "chess", "elo", json!(null)).await;
    let two_v_two = json!({"played_at": "2026-01-01T10:00:00Z", "teams": [{"participants": ["a", "b"], "rank": 1}, {"participants": ["c", "d"], "rank": 2}]});
    let (status, p) = app
        .post("/api/v1/leagues/chess/matches", two_v_two.clone())
        .await;
    assert_eq!(status, 422, "{p}");
    let (status, p) = app
        .post(
            "/api/v1/leagues/chess/matches",
            json!([duel("2026-01-01T10:00:00Z", "a", "b"), two_v_two]),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        p["errors"][0]["field"]
            .as_str()
            .unwrap()
            .starts_with("[1]."),
        "{p}"
    );
    let (_, l) = app.get("/api/v1/leagues/chess").await;
    assert_eq!(l["matches"], 0, "nothing of the refused batch was stored");
    let (status, _) = app.get("/api/v1/leagues/chess/participants/a").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn bad_matches_are_refused_with_the_field_at_fault() {
    let app = TestApp::spawn().await;
    league(&app, "ts", "trueskill", json!(null)).await;
    let cases = [
        (
            json!({"played_at": "2026-01-01T10:00:00Z", "teams": [{"participants": ["a"], "rank": 1}]}),
            "teams",
        ),
        (
            json!({"played_at": "2026-01-01T10:00:00Z", "teams": [{"participants": ["a"], "rank": 1}, {"participants": [], "rank": 2}]}),
            "teams[1].participants",
        ),
        (
            json!({"played_at": "2026-01-01T10:00:00Z", "teams": [{"participants": ["a"], "rank": 1}, {"participants": ["a"], "rank": 2}]}),
            "teams[1].participants[0]",
        ),
        (
            json!({"played_at": "2026-01-01T10:00:00Z", "teams": [{"participants": ["a"], "rank": 1}, {"participants": ["b"], "score": 3}]}),
            "teams[1].rank",
        ),
        (
            json!({"played_at": "2026-01-01T10:00:00Z", "teams": [{"participants": ["a"], "score": "NaN"}, {"participants": ["b"], "score": 3}]}),
            "teams[0].score",
        ),
        (json!({"played_at": "yesterday", "teams": []}), "played_at"),
        // Before the one validator: a time PostgreSQL cannot store failed the write (500), a
        // rank past 32767 was stored wrapped, and a team giving both kept them both.
        (
            json!({"played_at": "-5000-01-01T10:00:00Z", "teams": [{"participants": ["a"], "rank": 1}, {"participants": ["b"], "rank": 2}]}),
            "played_at",
        ),
        (
            json!({"played_at": "2026-01-01T10:00:00Z", "teams": [{"participants": ["a"], "rank": 1}, {"participants": ["b"], "rank": 40000}]}),
            "teams[1].rank",
        ),
        (
            json!({"played_at": "2026-01-01T10:00:00Z", "teams": [{"participants": ["a"], "rank": 1, "score": 2}, {"participants": ["b"], "rank": 2}]}),
            "teams[0]",
        ),
    ];
    for (body, field) in cases {
        let (status, p) = app.post("/api/v1/leagues/ts/matches", body.clone()).await;
        assert_eq!(status, 422, "{body} → {p}");
        assert_eq!(p["errors"][0]["field"], field, "{body} → {p}");
    }
}

#[tokio::test]
async fn a_played_at_finer_than_a_microsecond_is_kept_to_the_microsecond() {
    let app = TestApp::spawn().await;
    league(&app, "chess", "elo", json!(null)).await;
    let recorded = record(
        &app,
        "chess",
        duel("2026-01-01T10:00:00.123456789Z", "ann", "bob"),
    )
    .await;
    assert_eq!(recorded["played_at"], "2026-01-01T10:00:00.123456Z");
    // Stored as it is keyed: the match reads back at the same time, with its history.
    let (_, page) = app.get("/api/v1/leagues/chess/matches").await;
    let read_back = &page["matches"][0];
    assert_eq!(read_back, &recorded, "{page}");
    assert!(read_back["teams"][0]["participants"][0]["rating_before"].is_f64());
}

#[tokio::test]
async fn an_external_id_makes_recording_idempotent() {
    let app = TestApp::spawn().await;
    league(&app, "chess", "elo", json!(null)).await;
    let mut body = duel("2026-01-01T10:00:00Z", "ann", "bob");
    body["external_id"] = json!("game-1");
    let first = record(&app, "chess", body.clone()).await;
    let (status, again) = app.post("/api/v1/leagues/chess/matches", body).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["teams"], first["teams"]);
    let (_, l) = app.get("/api/v1/leagues/chess").await;
    assert_eq!(l["matches"], 1);
}

async fn ratings(app: &TestApp, slug: &str) -> Vec<(String, f64)> {
    let (_, t) = app
        .get(&format!(
            "/api/v1/leagues/{slug}/standings?include_provisional=true"
        ))
        .await;
    let mut v: Vec<_> = t["standings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["participant"].as_str().unwrap().to_owned(),
                s["display_rating"].as_f64().unwrap(),
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[tokio::test]
async fn a_late_match_recomputes_as_if_recorded_in_order() {
    let app = TestApp::spawn().await;
    for slug in ["late", "ordered"] {
        league(&app, slug, "glicko2", json!(null)).await;
    }
    let games = [
        duel("2026-01-01T10:00:00Z", "ann", "bob"),
        duel("2026-01-02T10:00:00Z", "bob", "cy"),
        duel("2026-01-03T10:00:00Z", "cy", "ann"),
        duel("2026-01-04T10:00:00Z", "ann", "cy"),
    ];
    for g in &games {
        record(&app, "ordered", g.clone()).await;
    }
    // The same games, the second one arriving last.
    for i in [0, 2, 3, 1] {
        record(&app, "late", games[i].clone()).await;
    }
    assert_eq!(ratings(&app, "late").await, ratings(&app, "ordered").await);
    let (_, h) = app
        .get("/api/v1/leagues/late/participants/bob/history")
        .await;
    let hist = h["history"].as_array().unwrap();
    assert_eq!(hist.len(), 2);
    assert!(hist[0]["played_at"].as_str().unwrap() < hist[1]["played_at"].as_str().unwrap());
}

#[tokio::test]
async fn voiding_and_editing_a_match_recompute_the_ratings() {
    let app = TestApp::spawn().await;
    league(&app, "a", "weng_lin", json!(null)).await;
    league(&app, "b", "weng_lin", json!(null)).await;
    let g1 = duel("2026-01-01T10:00:00Z", "ann", "bob");
    let g2 = duel("2026-01-02T10:00:00Z", "bob", "ann");
    let m1 = record(&app, "a", g1.clone()).await;
    record(&app, "a", g2.clone()).await;
    record(&app, "b", g2.clone()).await;
    let (status, _) = app
        .delete(&format!("/api/v1/leagues/a/matches/{}", m1["id"]))
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        ratings(&app, "a").await,
        ratings(&app, "b").await,
        "a voided match no longer counts"
    );
    let (_, page) = app.get("/api/v1/leagues/a/matches").await;
    assert_eq!(page["matches"].as_array().unwrap().len(), 1);

    // Editing the remaining match into a win for ann mirrors a league where ann won.
    let (_, list) = app.get("/api/v1/leagues/a/matches").await;
    let id = list["matches"][0]["id"].as_i64().unwrap();
    let (status, edited) = app
        .patch(
            &format!("/api/v1/leagues/a/matches/{id}"),
            duel("2026-01-02T10:00:00Z", "ann", "bob"),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    league(&app, "c", "weng_lin", json!(null)).await;
    record(&app, "c", duel("2026-01-02T10:00:00Z", "ann", "bob")).await;
    assert_eq!(ratings(&app, "a").await, ratings(&app, "c").await);
    let (status, _) = app.delete("/api/v1/leagues/a/matches/999999").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn provisional_players_are_left_out_of_standings_unless_asked_for() {
    let app = TestApp::spawn().await;
    league(&app, "g", "glicko2", json!({"provisional_deviation": 250})).await;
    record(&app, "g", duel("2026-01-01T10:00:00Z", "ann", "bob")).await;
    let (_, t) = app.get("/api/v1/leagues/g/standings").await;
    assert_eq!(
        t["total"], 0,
        "one game leaves the deviation above 250: {t}"
    );
    let (_, t) = app
        .get("/api/v1/leagues/g/standings?include_provisional=true")
        .await;
    assert_eq!(t["total"], 2);
    assert_eq!(t["standings"][0]["provisional"], true);
    assert!(t["standings"][0]["deviation"].as_f64().unwrap() > 250.0);
    for i in 0..6 {
        record(
            &app,
            "g",
            duel(&format!("2026-01-0{}T10:00:00Z", i + 2), "ann", "bob"),
        )
        .await;
    }
    let (_, t) = app.get("/api/v1/leagues/g/standings").await;
    assert_eq!(t["total"], 2, "{t}");
}

#[tokio::test]
async fn team_and_free_for_all_matches_rate_every_participant() {
    let app = TestApp::spawn().await;
    league(&app, "ts", "trueskill", json!(null)).await;
    record(
        &app,
        "ts",
        json!({"played_at": "2026-01-01T10:00:00Z", "teams": [{"participants": ["a", "b"], "score": 10}, {"participants": ["c", "d"], "score": 7}]}),
    )
    .await;
    let m = record(
        &app,
        "ts",
        json!({"played_at": "2026-01-02T10:00:00Z", "teams": [
            {"participants": ["a"], "rank": 1}, {"participants": ["b"], "rank": 2},
            {"participants": ["c"], "rank": 2}, {"participants": ["d"], "rank": 4}]}),
    )
    .await;
    assert_eq!(m["teams"][2]["rank"], 2);
    let a = standing(&app, "ts", "a").await;
    assert!(a["mu"].as_f64().unwrap() > 25.0);
    assert!(a["sigma"].as_f64().unwrap() < 25.0 / 3.0);
    let d = standing(&app, "ts", "d").await;
    assert!(d["mu"].as_f64().unwrap() < 25.0);
    assert!(close(
        d["display_rating"].as_f64().unwrap(),
        d["mu"].as_f64().unwrap() - 3.0 * d["sigma"].as_f64().unwrap()
    ));
}

#[tokio::test]
async fn predictions_favour_the_stronger_side_and_sum_to_one() {
    let app = TestApp::spawn().await;
    league(&app, "ts", "trueskill", json!(null)).await;
    for i in 1..=5 {
        record(
            &app,
            "ts",
            duel(&format!("2026-01-0{i}T10:00:00Z"), "strong", "weak"),
        )
        .await;
    }
    let (status, p) = app
        .post(
            "/api/v1/leagues/ts/predict",
            json!({"teams": [{"participants": ["strong"]}, {"participants": ["weak"]}]}),
        )
        .await;
    assert_eq!(status, 200, "{p}");
    let win: Vec<f64> = p["win_probability"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert!(win[0] > win[1]);
    let total = win.iter().sum::<f64>() + p["draw_probability"].as_f64().unwrap_or(0.0);
    assert!((total - 1.0).abs() < 1e-6, "{p}");
    assert!((0.0..=1.0).contains(&p["quality"].as_f64().unwrap()));
    let (status, _) = app
        .post(
            "/api/v1/leagues/ts/predict",
            json!({"teams": [{"participants": ["strong"]}]}),
        )
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn head_to_head_counts_results_between_two_participants() {
    let app = TestApp::spawn().await;
    league(&app, "chess", "elo", json!(null)).await;
    record(&app, "chess", duel("2026-01-01T10:00:00Z", "ann", "bob")).await;
    record(&app, "chess", duel("2026-01-02T10:00:00Z", "ann", "bob")).await;
    record(&app, "chess", duel("2026-01-03T10:00:00Z", "bob", "ann")).await;
    record(&app, "chess", duel("2026-01-04T10:00:00Z", "ann", "cy")).await;
    let (status, h) = app
        .get("/api/v1/leagues/chess/head-to-head?a=ann&b=bob")
        .await;
    assert_eq!(status, 200, "{h}");
    assert_eq!(
        (
            h["matches"].as_u64(),
            h["a_wins"].as_u64(),
            h["b_wins"].as_u64(),
            h["draws"].as_u64()
        ),
        (Some(3), Some(2), Some(1), Some(0))
    );
    assert_eq!(h["recent"][0]["played_at"], "2026-01-03T10:00:00Z");
    let (_, m) = app
        .get("/api/v1/leagues/chess/participants/ann/matches?limit=2")
        .await;
    assert_eq!(m["matches"].as_array().unwrap().len(), 2);
    let cursor = m["next_cursor"].as_str().unwrap();
    let (_, m2) = app
        .get(&format!(
            "/api/v1/leagues/chess/participants/ann/matches?limit=2&cursor={cursor}"
        ))
        .await;
    assert_eq!(m2["matches"].as_array().unwrap().len(), 2);
    assert_eq!(m2["matches"][1]["played_at"], "2026-01-01T10:00:00Z");
}

#[tokio::test]
async fn a_new_season_keeps_the_old_standings_and_softly_resets_ratings() {
    let app = TestApp::spawn().await;
    league(&app, "chess", "elo", json!({"season_reset": 0.5})).await;
    record(&app, "chess", duel("2026-01-01T10:00:00Z", "ann", "bob")).await;
    let before = standing(&app, "chess", "ann").await["display_rating"]
        .as_f64()
        .unwrap();
    let (status, s) = app.post("/api/v1/leagues/chess/seasons", json!({})).await;
    assert_eq!(status, 201, "{s}");
    assert_eq!(
        (s["closed"].as_i64(), s["season"].as_i64()),
        (Some(1), Some(2))
    );
    let after = standing(&app, "chess", "ann").await;
    assert!(
        close(
            after["display_rating"].as_f64().unwrap(),
            1500.0 + (before - 1500.0) * 0.5
        ),
        "{after}"
    );
    assert_eq!(after["matches"], 0);
    let (_, old) = app.get("/api/v1/leagues/chess/standings?season=1").await;
    assert_eq!(old["season"], 1);
    assert_eq!(old["standings"][0]["participant"], "ann");
    assert!(close(
        old["standings"][0]["display_rating"].as_f64().unwrap(),
        before
    ));
    let (status, _) = app.get("/api/v1/leagues/chess/standings?season=7").await;
    assert_eq!(status, 400);
}

/// Each season's history lives in a table of its own: a full recompute swaps in a freshly
/// loaded table for the current season and leaves closed seasons alone; deleting the league
/// drops its tables.
#[tokio::test]
async fn a_recompute_swaps_the_current_seasons_history_and_a_deleted_league_leaves_none() {
    let app = TestApp::spawn().await;
    league(&app, "chess", "elo", json!({"k": 32})).await;
    league(&app, "other", "elo", json!(null)).await;
    record(&app, "other", duel("2026-01-01T09:00:00Z", "zed", "yan")).await;
    record(&app, "chess", duel("2026-01-01T10:00:00Z", "ann", "bob")).await;
    let (status, _) = app.post("/api/v1/leagues/chess/seasons", json!({})).await;
    assert_eq!(status, 201);
    // Enough matches that the history goes through COPY.
    let games = duels(3000, |i| {
        if i % 3 == 0 {
            ("ann", "bob")
        } else {
            ("bob", "cat")
        }
    });
    let (status, _) = app
        .post("/api/v1/leagues/chess/matches", json!(games))
        .await;
    assert_eq!(status, 201);
    let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
    let id: i64 = sqlx::query_scalar("select id from league where slug = 'chess'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let rows = |season: i32| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "select count(*) from rating_history where league_id = $1 and season = $2",
            )
            .bind(id)
            .bind(season)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!((rows(1).await, rows(2).await), (2, 6000));
    let table_oid = |name: String| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, Option<i64>>("select to_regclass($1)::oid::bigint")
                .bind(name)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let season2 = table_oid(format!("rating_history_{id}_2")).await;
    let season1 = table_oid(format!("rating_history_{id}_1")).await;
    assert!(season1.is_some() && season2.is_some());

    let (status, l) = app
        .patch("/api/v1/leagues/chess", json!({"params": {"k": 16}}))
        .await;
    assert_eq!(status, 200, "{l}");
    assert_eq!((rows(1).await, rows(2).await), (2, 6000));
    assert_ne!(
        table_oid(format!("rating_history_{id}_2")).await,
        season2,
        "the current season's table was replaced"
    );
    assert_eq!(table_oid(format!("rating_history_{id}_1")).await, season1);
    assert_eq!(table_oid(format!("rating_history_{id}_2_new")).await, None);
    // The new table answers through the parent's indexes, in rating order.
    let (_, h) = app
        .get("/api/v1/leagues/chess/participants/cat/history?limit=1000")
        .await;
    assert_eq!(h["history"].as_array().unwrap().len(), 1000);
    let (_, m) = app.get("/api/v1/leagues/chess/matches?limit=2").await;
    assert!(m["matches"][0]["teams"][0]["participants"][0]["rating_after"].is_f64());
    // What k = 16 gives, history included: the newest match (bob beat cat) ends at bob's rating.
    let bob = standing(&app, "chess", "bob").await["display_rating"]
        .as_f64()
        .unwrap();
    let (_, newest) = app.get("/api/v1/leagues/chess/matches?limit=1").await;
    let winner = &newest["matches"][0]["teams"][0]["participants"][0];
    assert_eq!(winner["participant"], "bob", "{newest}");
    assert!(
        close(winner["rating_after"].as_f64().unwrap(), bob),
        "{newest}"
    );

    let (status, _) = app.delete("/api/v1/leagues/chess").await;
    assert_eq!(status, 204);
    let left: i64 = sqlx::query_scalar(
        "select count(*) from pg_class where relname like 'rating_history\\_' || $1 || '%'",
    )
    .bind(id.to_string())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(left, 0, "the league's history tables are gone");
    assert_eq!(rows(2).await, 0);
    let (_, other) = app
        .get("/api/v1/leagues/other/participants/zed/history")
        .await;
    assert_eq!(other["history"].as_array().unwrap().len(), 1, "{other}");
}

#[tokio::test]
async fn a_points_table_orders_by_points_then_tiebreakers() {
    let app = TestApp::spawn().await;
    league(&app, "cup", "points", json!(null)).await;
    let game = |t: &str, home: &str, hs: f64, away: &str, as_: f64| json!({"played_at": t, "teams": [{"participants": [home], "score": hs}, {"participants": [away], "score": as_}]});
    record(
        &app,
        "cup",
        game("2026-01-01T10:00:00Z", "reds", 3.0, "blues", 0.0),
    )
    .await;
    record(
        &app,
        "cup",
        game("2026-01-02T10:00:00Z", "greens", 1.0, "whites", 0.0),
    )
    .await;
    record(
        &app,
        "cup",
        game("2026-01-03T10:00:00Z", "blues", 2.0, "greens", 2.0),
    )
    .await;
    let (_, t) = app.get("/api/v1/leagues/cup/standings").await;
    let rows: Vec<(String, i64)> = t["standings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["participant"].as_str().unwrap().to_owned(),
                s["points"].as_i64().unwrap(),
            )
        })
        .collect();
    // reds 3 (+3), greens 4, blues 1, whites 0: greens first, then reds.
    assert_eq!(
        rows,
        [
            ("greens".into(), 4),
            ("reds".into(), 3),
            ("blues".into(), 1),
            ("whites".into(), 0)
        ]
    );
}

#[tokio::test]
async fn changing_params_recomputes_every_rating() {
    let app = TestApp::spawn().await;
    league(&app, "chess", "elo", json!({"k": 32})).await;
    record(&app, "chess", duel("2026-01-01T10:00:00Z", "ann", "bob")).await;
    let (status, l) = app
        .patch("/api/v1/leagues/chess", json!({"params": {"k": 16}}))
        .await;
    assert_eq!(status, 200, "{l}");
    assert_eq!(l["params"]["k"], 16.0);
    assert!(close(
        standing(&app, "chess", "ann").await["display_rating"]
            .as_f64()
            .unwrap(),
        1508.0
    ));
    let (_, h) = app
        .get("/api/v1/leagues/chess/participants/ann/history")
        .await;
    assert!(
        close(h["history"][0]["display_rating"].as_f64().unwrap(), 1508.0),
        "history rewritten: {h}"
    );
    let (status, p) = app
        .patch("/api/v1/leagues/chess", json!({"system": "glicko2"}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(p["code"], "immutable_field");
}

#[tokio::test]
async fn a_recompute_runs_as_a_job_with_progress() {
    let app = TestApp::spawn().await;
    league(&app, "chess", "glicko2", json!(null)).await;
    let games: Vec<Value> = (0..40)
        .map(|i| {
            duel(
                &format!("2026-01-01T10:{:02}:00Z", i),
                if i % 3 == 0 { "ann" } else { "bob" },
                if i % 3 == 0 { "bob" } else { "ann" },
            )
        })
        .collect();
    let (status, _) = app
        .post("/api/v1/leagues/chess/matches", json!(games))
        .await;
    assert_eq!(status, 201);
    let before = ratings(&app, "chess").await;
    let asked = chrono::Utc::now();
    let (last, location) = recompute_job(&app, "chess").await;
    let answered = chrono::Utc::now();
    assert_eq!(
        location,
        format!("/api/v1/jobs/{}", last["id"].as_str().unwrap_or_default())
    );
    assert_eq!(last["state"], "succeeded", "{last}");
    assert_eq!(last["progress"], 1.0);
    assert_eq!(
        (last["done"].as_i64(), last["total"].as_i64()),
        (Some(40), Some(40))
    );
    // The job's times fall inside the test's window, and its duration is theirs.
    let time = |f: &str| -> chrono::DateTime<chrono::Utc> {
        last[f]
            .as_str()
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("{f}: {last}"))
    };
    let (started, finished) = (time("started_at"), time("finished_at"));
    let slack = chrono::Duration::seconds(1); // the server's and the test's clocks are one clock
    assert!(
        asked - slack <= started && started <= finished && finished <= answered + slack,
        "{last}"
    );
    let duration = last["duration_seconds"].as_f64().unwrap();
    let expected = (finished - started).num_milliseconds() as f64 / 1000.0;
    assert!(
        (duration - expected).abs() < 0.002,
        "{duration} vs {expected}"
    );
    assert_eq!(last["league"], "chess");
    assert_eq!(
        ratings(&app, "chess").await,
        before,
        "a recompute of unchanged matches changes nothing"
    );
    let (_, h) = app
        .get("/api/v1/leagues/chess/participants/ann/history?limit=1000")
        .await;
    assert_eq!(h["history"].as_array().unwrap().len(), 40);
    let (status, _) = app
        .get("/api/v1/jobs/00000000-0000-0000-0000-000000000000")
        .await;
    assert_eq!(status, 404);
}

/// The answer to a recording is built from what the writer computed, not read back: it must be
/// exactly what reading the match back shows, on the in-order path, the late-match replay path
/// and for a retry mixed with a new match.
#[tokio::test]
async fn the_recording_answer_equals_the_match_read_back() {
    let app = TestApp::spawn().await;
    league(&app, "g2", "glicko2", json!(null)).await;
    let a = record(&app, "g2", duel("2026-03-01T10:00:00Z", "ann", "bob")).await;
    let b = record(&app, "g2", duel("2026-03-01T12:00:00Z", "bob", "cat")).await;
    // Late: rated before b, so b's history is rewritten by the replay.
    let c = record(&app, "g2", duel("2026-03-01T11:00:00Z", "cat", "ann")).await;
    let mut retry = duel("2026-03-01T13:00:00Z", "ann", "cat");
    retry["external_id"] = json!("r-1");
    let d = record(&app, "g2", retry.clone()).await;
    let both = record(
        &app,
        "g2",
        json!([duel("2026-03-01T14:00:00Z", "dan", "bob"), retry]),
    )
    .await;
    assert_eq!(
        both[1], d,
        "the retry in the array answers with the first result"
    );
    let (status, page) = app.get("/api/v1/leagues/g2/matches?limit=100").await;
    assert_eq!(status, 200, "{page}");
    let stored = |id: &Value| {
        page["matches"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == *id)
            .cloned()
            .unwrap_or_else(|| panic!("match {id} not listed: {page}"))
    };
    for answer in [&a, &c, &d, &both[0]] {
        assert_eq!(*answer, stored(&answer["id"]));
        assert!(answer["teams"][0]["participants"][0]["rating_after"].is_f64());
    }
    assert_ne!(b, stored(&b["id"]), "b was replayed after the late match");
}

/// Clients that hang up mid-request (here: a 5-45 ms timeout) must not fail the requests
/// grouped with theirs, nor leave memory and database apart.
#[tokio::test]
async fn clients_that_hang_up_do_not_fail_the_requests_grouped_with_theirs() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    league(&app, "busy", "elo", json!(null)).await;
    let impatient = reqwest::Client::builder()
        .default_headers(
            [(
                reqwest::header::AUTHORIZATION,
                format!("Bearer {}", crate::support::ADMIN_TOKEN)
                    .parse()
                    .unwrap(),
            )]
            .into_iter()
            .collect(),
        )
        .build()
        .unwrap();
    let mut completed = 0;
    for round in 0..6 {
        let mut tasks = Vec::new();
        for i in 0..48 {
            let (app, impatient) = (app.clone(), impatient.clone());
            // Batches of a few hundred matches keep the writer busy long enough for a client
            // to give up while its request leads a batch.
            let body: Vec<Value> = (0..300)
                .map(|k| {
                    duel(
                        &format!(
                            "2026-04-01T{round:02}:{i:02}:{:02}.{:03}Z",
                            k / 100,
                            k % 100
                        ),
                        &format!("p{}", (i + k) % 9),
                        &format!("q{}", k % 7),
                    )
                })
                .collect();
            let body = json!(body);
            tasks.push(tokio::spawn(async move {
                if i % 2 == 0 {
                    let r = impatient
                        .post(app.url("/api/v1/leagues/busy/matches"))
                        .timeout(std::time::Duration::from_millis(5 + i as u64 % 40))
                        .json(&body)
                        .send()
                        .await;
                    (true, r.map(|r| r.status().as_u16()).unwrap_or(0))
                } else {
                    (
                        false,
                        app.post("/api/v1/leagues/busy/matches", body).await.0,
                    )
                }
            }));
        }
        for t in tasks {
            let (gave_up, status) = t.await.unwrap();
            if !gave_up {
                assert_eq!(status, 201, "a patient client's request failed");
                completed += 1;
            }
        }
    }
    assert_eq!(completed, 6 * 24);
    // Whatever the impatient ones got, what the process shows is what the database holds once
    // the batches they left behind are written (polled, bounded).
    let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
    let (mut shown, mut stored) = (-1, 0);
    for _ in 0..250 {
        stored = sqlx::query_scalar("select count(*) from league_match")
            .fetch_one(&pool)
            .await
            .unwrap();
        shown = app.get("/api/v1/leagues/busy").await.1["matches"]
            .as_i64()
            .unwrap();
        if shown == stored {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(stored >= 144 * 300, "{stored}");
    assert_eq!(shown, stored);
}

#[tokio::test]
async fn concurrent_requests_are_grouped_and_each_stands_or_falls_alone() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    league(&app, "busy", "elo", json!(null)).await;
    league(&app, "calm", "elo", json!(null)).await;
    let games: Vec<Value> = (0..48)
        .map(|i| {
            duel(
                &format!("2026-02-01T10:{:02}:00Z", i),
                &format!("p{}", i % 7),
                &format!("q{}", i % 5),
            )
        })
        .collect();
    let mut tasks = Vec::new();
    for (i, g) in games.iter().cloned().enumerate() {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            // Every eighth request also carries a 2v2, which Elo refuses: that request alone fails.
            let body = if i % 8 == 7 {
                json!([g, {"played_at": "2026-02-01T09:00:00Z", "teams": [{"participants": ["x", "y"], "rank": 1}, {"participants": ["z", "w"], "rank": 2}]}])
            } else {
                g
            };
            app.post("/api/v1/leagues/busy/matches", body).await.0
        }));
    }
    let mut accepted = Vec::new();
    for (i, t) in tasks.into_iter().enumerate() {
        let status = t.await.unwrap();
        if i % 8 == 7 {
            assert_eq!(status, 422);
        } else {
            assert_eq!(status, 201);
            accepted.push(games[i].clone());
        }
    }
    // Whatever order the requests landed in, the ratings equal recording the accepted games in order.
    let (status, _) = app
        .post("/api/v1/leagues/calm/matches", json!(accepted))
        .await;
    assert_eq!(status, 201);
    assert_eq!(ratings(&app, "busy").await, ratings(&app, "calm").await);
    let (_, l) = app.get("/api/v1/leagues/busy").await;
    assert_eq!(l["matches"], 42);
}

#[tokio::test]
async fn thousands_of_matches_in_one_request_write_their_history_in_bulk() {
    let app = TestApp::spawn().await;
    league(&app, "bulk", "elo", json!(null)).await;
    let games: Vec<Value> = (0..3000)
        .map(|i| {
            let t = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap()
                + chrono::Duration::minutes(i);
            duel(
                &t.to_rfc3339(),
                &format!("p{}", i % 97),
                &format!("p{}", (i * 7 + 13) % 97 + 97),
            )
        })
        .collect();
    let (status, out) = app.post("/api/v1/leagues/bulk/matches", json!(games)).await;
    assert_eq!(status, 201, "{out}");
    assert_eq!(out.as_array().unwrap().len(), 3000);
    let (_, h) = app
        .get("/api/v1/leagues/bulk/participants/p0/history?limit=1000")
        .await;
    let points = h["history"].as_array().unwrap();
    assert!(points.len() > 25, "{}", points.len());
    let s = standing(&app, "bulk", "p0").await;
    assert!(close(
        points.last().unwrap()["display_rating"].as_f64().unwrap(),
        s["display_rating"].as_f64().unwrap()
    ));
}

async fn import(app: &TestApp, slug: &str, content_type: &str, csv: &str) -> (u16, Value) {
    let r = app
        .client
        .post(app.url(&format!("/api/v1/leagues/{slug}/matches:import")))
        .header("content-type", content_type)
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_csv_import_records_every_match_or_reports_every_bad_row() {
    let app = TestApp::spawn().await;
    league(&app, "ts", "trueskill", json!(null)).await;
    let good = "match,played_at,participants,score,external_id\n\
                m1,2026-01-01T10:00:00Z,ann,3,g1\n\
                m1,2026-01-01T10:00:00Z,bob,1,g1\n\
                m2,2026-01-02T10:00:00Z,ann;bob,2,g2\n\
                m2,2026-01-02T10:00:00Z,cy;dee,2,g2\n";
    let (status, out) = import(&app, "ts", "text/csv", good).await;
    assert_eq!(status, 201, "{out}");
    assert_eq!(out["imported"], 2);
    let (_, l) = app.get("/api/v1/leagues/ts").await;
    assert_eq!(l["matches"], 2);
    let (_, m) = app.get("/api/v1/leagues/ts/matches").await;
    assert_eq!(
        m["matches"][0]["teams"][0]["rank"], m["matches"][0]["teams"][1]["rank"],
        "equal scores drew"
    );

    // The same file again: every match is already recorded.
    let (status, out) = import(&app, "ts", "text/csv; charset=utf-8", good).await;
    assert_eq!(status, 201);
    assert_eq!(
        (out["imported"].as_u64(), out["already_recorded"].as_u64()),
        (Some(0), Some(2))
    );

    let bad = "match,played_at,participants,rank\n\
               m3,2026-01-03T10:00:00Z,ann,1\n\
               m3,yesterday,bob,2\n\
               m4,2026-01-04T10:00:00Z,eve,0\n\
               m4,2026-01-04T10:00:00Z,f!x,2\n";
    let (status, p) = import(&app, "ts", "text/csv", bad).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(p["code"], "invalid_csv");
    let lines: Vec<u64> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert!(
        lines.contains(&3) && lines.contains(&4) && lines.contains(&5),
        "{p}"
    );
    let (_, l) = app.get("/api/v1/leagues/ts").await;
    assert_eq!(l["matches"], 2, "nothing of the bad file was stored");

    let (status, _) = import(&app, "ts", "application/json", good).await;
    assert_eq!(status, 415);
}

/// A recompute that fails after its history was loaded (here: the swap cannot create an index
/// because something holds the name) keeps the old history and leaves no stage table.
#[tokio::test]
async fn a_recompute_that_fails_keeps_the_old_history_and_no_stage_table() {
    let app = TestApp::spawn().await;
    league(&app, "chess", "elo", json!(null)).await;
    for (i, (w, l)) in [("ann", "bob"), ("bob", "cat"), ("cat", "ann")]
        .iter()
        .enumerate()
    {
        record(
            &app,
            "chess",
            duel(&format!("2026-05-01T10:0{i}:00Z"), w, l),
        )
        .await;
    }
    async fn history(app: &TestApp) -> Value {
        app.get("/api/v1/leagues/chess/participants/ann/history")
            .await
            .1["history"]
            .clone()
    }
    let before = history(&app).await;
    assert_eq!(before.as_array().unwrap().len(), 2);
    let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
    let id: i64 = sqlx::query_scalar("select id from league where slug = 'chess'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let blocker = format!("rating_history_{id}_1_new_pos");
    sqlx::query(&format!("create table {blocker} (x int)"))
        .execute(&pool)
        .await
        .unwrap();
    let (job, _) = recompute_job(&app, "chess").await;
    assert_eq!(job["state"], "failed", "{job}");
    assert_eq!(history(&app).await, before, "the old history stands");
    let stage: Option<String> = sqlx::query_scalar("select to_regclass($1)::text")
        .bind(format!("rating_history_{id}_1_new"))
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stage, None, "no stage table left behind");
    // Once the name is free again, a recompute goes through.
    sqlx::query(&format!("drop table {blocker}"))
        .execute(&pool)
        .await
        .unwrap();
    let (status, l) = app
        .patch("/api/v1/leagues/chess", json!({"params": {"k": 16}}))
        .await;
    assert_eq!(status, 200, "{l}");
    assert_ne!(history(&app).await, before, "k = 16 rewrote the history");
}

/// Upgrading a database whose history predates per-season tables keeps every row; afterwards
/// the tables follow league and season rows by trigger, whoever writes them.
#[tokio::test]
async fn the_history_partitions_migration_keeps_existing_history() {
    use sqlx::{Connection, Executor};
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&crate::support::admin_url())
        .await
        .unwrap();
    admin
        .execute(format!("create database {name}").as_str())
        .await
        .unwrap();
    let mut conn = sqlx::PgConnection::connect(&crate::support::database_url(&name))
        .await
        .unwrap();
    // The schema as it was before the migration, from the same files.
    let dir = tempfile::tempdir().unwrap();
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = std::fs::read_dir(&migrations)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let before: Vec<_> = files
        .iter()
        .take_while(|f| !f.to_string_lossy().contains("history_partitions"))
        .collect();
    assert!(
        before.len() < files.len(),
        "the migration is among the files"
    );
    for f in &before {
        std::fs::copy(f, dir.path().join(f.file_name().unwrap())).unwrap();
    }
    sqlx::migrate::Migrator::new(dir.path())
        .await
        .unwrap()
        .run(&mut conn)
        .await
        .unwrap();
    conn.execute(
        r#"insert into league (slug, name, system, params, season) values ('old', 'Old', 'elo', '{}', 2);
           insert into league_season (league_id, season, started_at)
             select id, s, now() from league, generate_series(1, 2) s;
           insert into league_match (league_id, season, played_at, participants, team_of, team_rank)
             select id, 1 + (g % 2), timestamptz '2026-01-01' + g * interval '1 minute',
                    '{0,1}', '{0,1}', '{1,2}'
             from league, generate_series(1, 50) g;
           insert into rating_history (league_id, match_id, num, season, played_at, display_before,
                  display_after, rating_after, deviation_after, volatility_after, mu_after,
                  sigma_after, points_after)
             select m.league_id, m.id, n, m.season, m.played_at, 1500 + m.id, 1501 + m.id + n,
                    1501 + m.id + n, 0, 0, 0, 0, 0
             from league_match m, generate_series(0, 1) n;"#,
    )
    .await
    .unwrap();
    let summary = "select season, count(*), sum(display_after)::float8 from rating_history \
                   group by season order by season";
    let old: Vec<(i32, i64, f64)> = sqlx::query_as(summary).fetch_all(&mut conn).await.unwrap();
    assert_eq!(old.iter().map(|r| r.1).sum::<i64>(), 100);

    podium::db::MIGRATOR.run(&mut conn).await.unwrap();
    let new: Vec<(i32, i64, f64)> = sqlx::query_as(summary).fetch_all(&mut conn).await.unwrap();
    assert_eq!(new, old);
    let (id,): (i64,) = sqlx::query_as("select id from league")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    for season in [1, 2] {
        let (n,): (i64,) = sqlx::query_as(&format!(
            "select count(*) from rating_history_{id}_{season}"
        ))
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(n, 50, "season {season} in its own table");
    }
    // Whoever writes league rows (an older binary during a deploy, say) gets the tables.
    conn.execute(
        r#"insert into league (slug, name, system, params) values ('new', 'New', 'elo', '{}');
           insert into league_season (league_id, season, started_at)
             select id, s, now() from league, generate_series(1, 2) s where slug = 'new';
           insert into rating_history (league_id, match_id, num, season, played_at, display_before,
                  display_after, rating_after, deviation_after, volatility_after, mu_after,
                  sigma_after, points_after)
             select id, 1, 0, s, now(), 0, 0, 0, 0, 0, 0, 0, 0
             from league, generate_series(1, 2) s where slug = 'new';"#,
    )
    .await
    .unwrap();
    let (new_id,): (i64,) = sqlx::query_as("select id from league where slug = 'new'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.execute("delete from league").await.unwrap();
    let (left,): (i64,) = sqlx::query_as(
        "select count(*) from pg_class where relname like 'rating\\_history\\_%' and relkind in ('r', 'p')",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        left, 0,
        "no history table is left of leagues {id} and {new_id}"
    );
    let (parent,): (Option<String>,) = sqlx::query_as("select to_regclass('rating_history')::text")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(parent.as_deref(), Some("rating_history"));
    conn.close().await.unwrap();
    admin
        .execute(format!("drop database {name} with (force)").as_str())
        .await
        .unwrap();
}

/// Production runs the server as a role that may read and write rows but create no table; the
/// history's per-season tables are made by functions that run as the migrations' owner. Every
/// league operation that touches them must work as that role.
#[tokio::test]
async fn leagues_work_as_the_least_privileged_application_role() {
    use sqlx::{Connection, Executor};
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let (owner, app_role, name) = (
        format!("owner_{}", &tag[..12]),
        format!("app_{}", &tag[..12]),
        format!("t_{tag}"),
    );
    let mut admin = sqlx::PgConnection::connect(&crate::support::admin_url())
        .await
        .unwrap();
    for sql in [
        format!("create role {owner} login"),
        format!("create role {app_role} login"),
        format!("create database {name} owner {owner}"),
    ] {
        admin.execute(sql.as_str()).await.unwrap();
    }
    let url = crate::support::database_url(&name);
    let as_role = |role: &str| url.replacen("postgres@", &format!("{role}@"), 1);
    let mut db_admin = sqlx::PgConnection::connect(&url).await.unwrap();
    // The grants of deploy/postgres/init/10-roles.sh.
    db_admin
        .execute(
            format!(
                "revoke all on database {name} from public;
                 grant connect, temporary on database {name} to {app_role};
                 alter schema public owner to {owner};
                 revoke create on schema public from public;
                 grant usage on schema public to {app_role};
                 alter default privileges for role {owner} in schema public
                   grant select, insert, update, delete on tables to {app_role};
                 alter default privileges for role {owner} in schema public
                   grant usage, select on sequences to {app_role};
                 alter default privileges for role {owner} in schema public
                   grant execute on functions to {app_role};"
            )
            .as_str(),
        )
        .await
        .unwrap();
    db_admin.close().await.unwrap();
    let mut as_owner = sqlx::PgConnection::connect(&as_role(&owner)).await.unwrap();
    podium::db::MIGRATOR.run(&mut as_owner).await.unwrap();
    as_owner.close().await.unwrap();

    let app = TestApp::start(as_role(&app_role), podium::clock::Clock::System, |_| {}).await;
    let mut plain = sqlx::PgConnection::connect(&as_role(&app_role))
        .await
        .unwrap();
    let err = plain
        .execute("create table sneaky (x int)")
        .await
        .expect_err("the application role creates no table");
    assert!(err.to_string().contains("permission denied"), "{err}");
    plain.close().await.unwrap();

    league(&app, "chess", "glicko2", json!(null)).await;
    let games = duels(6000, |i| {
        if i % 2 == 0 {
            ("ann", "bob")
        } else {
            ("bob", "ann")
        }
    });
    let (status, out) = app
        .post("/api/v1/leagues/chess/matches", json!(games))
        .await;
    assert_eq!(status, 201, "{out}");
    let first = out[0]["id"].as_i64().unwrap();
    let (status, l) = app
        .patch("/api/v1/leagues/chess", json!({"params": {"tau": 0.4}}))
        .await;
    assert_eq!(status, 200, "full recompute: {l}");
    let (status, _) = app
        .delete(&format!("/api/v1/leagues/chess/matches/{first}"))
        .await;
    assert_eq!(status, 204, "void");
    let (status, s) = app.post("/api/v1/leagues/chess/seasons", json!({})).await;
    assert_eq!(status, 201, "new season: {s}");
    record(&app, "chess", duel("2026-03-01T10:00:00Z", "ann", "bob")).await;
    let (_, h) = app
        .get("/api/v1/leagues/chess/participants/ann/history?limit=10")
        .await;
    assert_eq!(h["history"].as_array().unwrap().len(), 10, "{h}");
    let (status, _) = app.delete("/api/v1/leagues/chess").await;
    assert_eq!(status, 204, "delete");
    app.stop().await;

    admin
        .execute(format!("drop database {name} with (force)").as_str())
        .await
        .unwrap();
    for role in [&app_role, &owner] {
        admin
            .execute(format!("drop role {role}").as_str())
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn the_demo_seeds_a_league_with_four_weeks_of_matches_once() {
    let db = crate::support::fresh_database().await;
    let app =
        TestApp::start_with_demo(db.clone(), podium::clock::Clock::System, true, |_| {}).await;
    let (status, league) = app.get("/api/v1/leagues/chess-club").await;
    assert_eq!(status, 200, "{league}");
    assert_eq!(league["system"], "glicko2");
    assert_eq!(league["matches"], 140);
    let table = ratings(&app, "chess-club").await;
    assert_eq!(table.len(), 12, "{table:?}");
    let spread = table.iter().map(|r| r.1).fold(f64::MIN, f64::max)
        - table.iter().map(|r| r.1).fold(f64::MAX, f64::min);
    assert!(
        spread > 100.0,
        "results that tell strengths apart: {table:?}"
    );
    let (_, matches) = app
        .get("/api/v1/leagues/chess-club/matches?limit=200")
        .await;
    let times: Vec<&str> = matches["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["played_at"].as_str().unwrap())
        .collect();
    let first = times
        .iter()
        .min()
        .unwrap()
        .parse::<chrono::DateTime<chrono::Utc>>()
        .unwrap();
    assert!(
        chrono::Utc::now() - first > chrono::Duration::days(27),
        "{first}"
    );
    let (status, p) = app
        .post(
            "/api/v1/leagues/chess-club/predict",
            json!({"teams": [{"participants": ["ada"]}, {"participants": ["katherine"]}]}),
        )
        .await;
    assert_eq!(status, 200, "{p}");
    let (_, boards) = app.get("/api/v1/leaderboards").await;
    assert_eq!(
        boards["leaderboards"].as_array().map(Vec::len),
        Some(4),
        "{boards}"
    );
    app.stop().await;
    // A restart with --demo does not seed again.
    let app = TestApp::start_with_demo(db, podium::clock::Clock::System, true, |_| {}).await;
    let (_, league) = app.get("/api/v1/leagues/chess-club").await;
    assert_eq!(league["matches"], 140);
}
