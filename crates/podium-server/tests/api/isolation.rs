//! One caller's bad value fails only that caller: values PostgreSQL cannot store are refused
//! at the edge with the field named, and a grouped write the database refuses anyway is split
//! until only the request at fault fails. Also: every stored JSON field of every write route
//! refuses a NUL, found by walking the OpenAPI document.

use std::{sync::Arc, time::Duration};

use reqwest::Method;
use serde_json::{Value, json};
use sqlx::{Connection, Executor};

use crate::support::TestApp;

const VALID: usize = 24;
const POISONED: usize = 4;
const ROUNDS: usize = 10;

/// Runs VALID writers and POISONED ones at once, ROUNDS requests each, one after another per
/// writer; returns every answer as (writer, poisoned, status, body).
async fn hammer(
    app: &Arc<TestApp>,
    request: impl Fn(usize, usize, bool) -> (Method, String, Value) + Send + Sync + 'static,
) -> Vec<(usize, bool, u16, Value)> {
    let request = Arc::new(request);
    let mut tasks = Vec::new();
    for writer in 0..VALID + POISONED {
        let (app, request) = (app.clone(), request.clone());
        let poisoned = writer >= VALID;
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for round in 0..ROUNDS {
                let (method, path, body) = request(writer, round, poisoned);
                let (status, body) = app.call(method, &path, Some(body)).await;
                out.push((writer, poisoned, status, body));
            }
            out
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("writer task"));
    }
    all
}

/// Asserts every valid request got `ok` and every poisoned one `bad`; returns the poisoned
/// answers' bodies.
fn split_outcomes(answers: &[(usize, bool, u16, Value)], ok: u16, bad: u16) -> Vec<Value> {
    let failed_valid: Vec<_> = answers
        .iter()
        .filter(|(_, poisoned, status, _)| !poisoned && *status != ok)
        .collect();
    assert!(
        failed_valid.is_empty(),
        "{} of {} valid requests failed, e.g. {:?}",
        failed_valid.len(),
        VALID * ROUNDS,
        failed_valid.first()
    );
    let poisoned: Vec<_> = answers.iter().filter(|a| a.1).collect();
    assert_eq!(poisoned.len(), POISONED * ROUNDS);
    for (_, _, status, body) in &poisoned {
        assert_eq!(*status, bad, "a poisoned request: {body}");
    }
    poisoned.iter().map(|a| a.3.clone()).collect()
}

/// How many grouped writes of `kind` this test binary has split so far.
fn splits(kind: &str) -> u64 {
    let text = podium::metrics::handle().render();
    let prefix = format!("podium_write_batch_splits_total{{kind=\"{kind}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map_or(0, |v| v.trim().parse().expect("a counter"))
}

async fn execute(database_url: &str, sql: &str) {
    let mut conn = sqlx::PgConnection::connect(database_url)
        .await
        .expect("connect");
    conn.execute(sql).await.expect(sql);
    conn.close().await.expect("close");
}

fn score_request(writer: usize, round: usize, metadata: Value) -> (Method, String, Value) {
    let who = format!("w{writer}");
    (
        Method::PUT,
        format!("/api/v1/leaderboards/busy/scores/{who}"),
        json!({"score": round + 1, "metadata": metadata}),
    )
}

/// Every valid writer's increments are all there, once each, and nothing of a poisoned one.
async fn assert_valid_scores_stored(app: &TestApp) {
    let top = app.top("busy", "limit=100").await;
    let expected: i64 = (1..=ROUNDS as i64).sum();
    assert_eq!(top.len(), VALID, "{top:?}");
    for (participant, score, _) in &top {
        let n: usize = participant[1..].parse().expect("w<n>");
        assert!(
            n < VALID,
            "a poisoned writer's score was stored: {participant}"
        );
        assert_eq!(*score, expected, "{participant}");
    }
}

#[tokio::test]
async fn nul_in_score_metadata_fails_only_its_own_request_with_the_field_named() {
    let app = Arc::new(TestApp::spawn().await);
    app.leaderboard(json!({"slug": "busy", "name": "Busy", "operator": "increment"}))
        .await;
    let answers = hammer(&app, |w, r, poisoned| {
        let note = if poisoned { "a\u{0}b" } else { "fine" };
        score_request(w, r, json!({"note": note}))
    })
    .await;
    for body in split_outcomes(&answers, 200, 422) {
        assert_eq!(body["code"], "invalid_text", "{body}");
        assert_eq!(body["errors"][0]["field"], "metadata.note", "{body}");
    }
    assert_valid_scores_stored(&app).await;

    // In an atomic batch the item is named by its index, and the batch alone is refused.
    let (status, body) = app
        .post(
            "/api/v1/leaderboards/busy/scores",
            json!([{"participant": "w0", "score": 1}, {"participant": "w1", "score": 1, "metadata": {"k\u{0}": 1}}]),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "[1].metadata.k\\0", "{body}");
    assert_valid_scores_stored(&app).await;
}

#[tokio::test]
async fn a_submission_the_database_refuses_fails_alone_and_the_rest_of_its_group_commits() {
    let app = Arc::new(TestApp::spawn().await);
    app.leaderboard(json!({"slug": "busy", "name": "Busy", "operator": "increment"}))
        .await;
    // A fault only a crafted value triggers, which the edge does not know about.
    execute(
        &app.database_url,
        "alter table score add constraint test_poison check (metadata is null or not metadata ? 'poison')",
    )
    .await;
    let before = splits("scores");
    let answers = hammer(&app, |w, r, poisoned| {
        let metadata = if poisoned {
            json!({"poison": true})
        } else {
            json!({"fine": true})
        };
        score_request(w, r, metadata)
    })
    .await;
    for body in split_outcomes(&answers, 200, 500) {
        assert_eq!(body["code"], "internal", "{body}");
    }
    assert!(
        splits("scores") > before,
        "no poisoned submission was ever grouped with others, so isolation went untested"
    );
    assert_valid_scores_stored(&app).await;
    // The index holds exactly what PostgreSQL holds: a fresh process agrees.
    let fresh = TestApp::start(
        app.database_url.clone(),
        podium::clock::Clock::System,
        |_| {},
    )
    .await;
    assert_eq!(
        fresh.top("busy", "limit=100").await,
        app.top("busy", "limit=100").await
    );
    fresh.stop().await;
}

fn match_request(writer: usize, round: usize, metadata: Value) -> (Method, String, Value) {
    let body = json!({
        "played_at": format!("2026-02-01T10:{round:02}:{writer:02}Z"),
        "teams": [
            {"participants": [format!("a{writer}")], "rank": 1},
            {"participants": [format!("b{}", (writer + round) % 7)], "rank": 2}
        ],
        "metadata": metadata
    });
    (Method::POST, "/api/v1/leagues/busy/matches".into(), body)
}

async fn standings(app: &TestApp) -> Vec<(String, f64)> {
    let (status, t) = app
        .get("/api/v1/leagues/busy/standings?include_provisional=true&limit=200")
        .await;
    assert_eq!(status, 200, "{t}");
    let mut v: Vec<_> = t["standings"]
        .as_array()
        .expect("standings")
        .iter()
        .map(|s| {
            (
                s["participant"].as_str().expect("participant").to_owned(),
                s["display_rating"].as_f64().expect("rating"),
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

async fn assert_valid_matches_stored(app: &TestApp) {
    let (_, league) = app.get("/api/v1/leagues/busy").await;
    assert_eq!(league["matches"], VALID * ROUNDS, "{league}");
    let table = standings(app).await;
    assert!(
        table.iter().all(|(p, _)| {
            !p.starts_with('a') || p[1..].parse::<usize>().is_ok_and(|n| n < VALID)
        }),
        "a poisoned writer's match was stored: {table:?}"
    );
    // Failed attempts left nothing behind in memory: a fresh process computes the same table.
    let fresh = TestApp::start(
        app.database_url.clone(),
        podium::clock::Clock::System,
        |_| {},
    )
    .await;
    assert_eq!(standings(&fresh).await, table);
    fresh.stop().await;
}

#[tokio::test]
async fn nul_in_match_metadata_fails_only_its_own_request_with_the_field_named() {
    let app = Arc::new(TestApp::spawn().await);
    let (status, body) = app
        .post(
            "/api/v1/leagues",
            json!({"slug": "busy", "name": "Busy", "system": "elo"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let answers = hammer(&app, |w, r, poisoned| {
        let note = if poisoned { "a\u{0}b" } else { "fine" };
        match_request(w, r, json!({"note": note}))
    })
    .await;
    for body in split_outcomes(&answers, 201, 422) {
        assert_eq!(body["code"], "invalid_text", "{body}");
        assert_eq!(body["errors"][0]["field"], "metadata.note", "{body}");
    }
    assert_valid_matches_stored(&app).await;
}

#[tokio::test]
async fn a_match_the_database_refuses_fails_alone_and_the_rest_of_its_group_is_recorded() {
    let app = Arc::new(TestApp::spawn().await);
    let (status, body) = app
        .post(
            "/api/v1/leagues",
            json!({"slug": "busy", "name": "Busy", "system": "glicko2"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    execute(
        &app.database_url,
        "alter table league_match add constraint test_poison check (not metadata ? 'poison')",
    )
    .await;
    let before = splits("matches");
    let answers = hammer(&app, |w, r, poisoned| {
        let metadata = if poisoned {
            json!({"poison": true})
        } else {
            json!({"fine": true})
        };
        match_request(w, r, metadata)
    })
    .await;
    for body in split_outcomes(&answers, 201, 500) {
        assert_eq!(body["code"], "internal", "{body}");
    }
    assert!(
        splits("matches") > before,
        "no poisoned match was ever grouped with others, so isolation went untested"
    );
    assert_valid_matches_stored(&app).await;
}

#[tokio::test]
async fn numbers_postgresql_cannot_store_are_refused_and_its_limits_are_stored() {
    let app = TestApp::spawn().await;
    app.leaderboard(json!({"slug": "n", "name": "N"})).await;
    let put = |body: &str| {
        app.client
            .put(app.url("/api/v1/leaderboards/n/scores/p1"))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
    };
    // The largest and smallest magnitudes `numeric` holds reach PostgreSQL and are kept as sent.
    let r = put(r#"{"score": 1, "metadata": {"big": 1e131071, "small": 1e-16383}}"#)
        .await
        .expect("send");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    for (body, field) in [
        (r#"{"score": 2, "metadata": {"x": 1e-16384}}"#, "metadata.x"),
        (
            r#"{"score": 2, "metadata": {"x": [10e131071]}}"#,
            "metadata.x[0]",
        ),
    ] {
        let r = put(body).await.expect("send");
        assert_eq!(r.status(), 422);
        let problem: Value = r.json().await.expect("problem");
        assert_eq!(problem["code"], "out_of_range", "{problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    // A lone surrogate is not text: refused with its field, not as malformed JSON.
    let r = put(r#"{"score": 2, "metadata": {"s": "\ud800"}}"#)
        .await
        .expect("send");
    assert_eq!(r.status(), 422);
    let problem: Value = r.json().await.expect("problem");
    assert_eq!(problem["code"], "invalid_text", "{problem}");
    assert_eq!(problem["errors"][0]["field"], "metadata.s", "{problem}");
    // Nothing refused was stored; what was stored comes back as sent (JSON numbers a client's
    // parser may not hold as a double, so compared as text).
    let entry = app
        .request(Method::GET, "/api/v1/leaderboards/n/entries/p1", None)
        .await
        .text()
        .await
        .expect("entry");
    assert!(entry.contains(r#""score":1,"#), "{entry}");
    assert!(
        entry.contains("1e131071") && entry.contains("1e-16383"),
        "{entry}"
    );
}

#[tokio::test]
async fn a_nul_in_a_path_segment_or_query_parameter_is_refused_by_name() {
    let app = TestApp::spawn().await;
    let (status, body) = app.patch("/api/v1/flags/a%00b", json!({})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "invalid_text", "{body}");
    assert_eq!(body["errors"][0]["field"], "key", "{body}");
    let (status, body) = app.get("/api/v1/audit?actor=a%00b").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "invalid_query", "{body}");
    assert_eq!(body["errors"][0]["field"], "actor", "{body}");
}

#[tokio::test]
async fn a_csv_import_with_a_nul_is_refused_whole_with_its_line() {
    let app = TestApp::spawn().await;
    let (status, _) = app
        .post(
            "/api/v1/leagues",
            json!({"slug": "csv", "name": "Csv", "system": "elo"}),
        )
        .await;
    assert_eq!(status, 201);
    let csv = "match,played_at,participants,rank,external_id\n\
               m1,2026-03-01T10:00:00Z,ann,1,ok\n\
               m1,2026-03-01T10:00:00Z,bob,2,ok\n\
               m2,2026-03-01T11:00:00Z,ann,1,bad\u{0}id\n\
               m2,2026-03-01T11:00:00Z,cat,2,bad\u{0}id\n";
    let r = app
        .client
        .post(app.url("/api/v1/leagues/csv/matches:import"))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 422);
    let problem: Value = r.json().await.expect("problem");
    assert_eq!(problem["code"], "invalid_csv", "{problem}");
    assert_eq!(problem["errors"][0]["line"], 4, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "external_id", "{problem}");
    let (_, league) = app.get("/api/v1/leagues/csv").await;
    assert_eq!(
        league["matches"], 0,
        "nothing of the file is stored: {league}"
    );
}

#[tokio::test]
async fn an_api_key_that_has_already_expired_is_refused() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .post(
            "/api/v1/keys",
            json!({"name": "late", "scopes": ["read"], "expires_at": "2020-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "expires_at", "{body}");
    let (_, keys) = app.get("/api/v1/keys").await;
    assert_eq!(keys["keys"].as_array().map(Vec::len), Some(0), "{keys}");
    let soon = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let (status, body) = app
        .post(
            "/api/v1/keys",
            json!({"name": "soon", "scopes": ["read"], "expires_at": soon}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

/// A resolved schema: follows `$ref` into the document's components.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().expect("a $ref name");
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

fn types(schema: &Value) -> Vec<&str> {
    match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// A body shaped like `schema` whose every string (and every free-form object) holds a NUL.
fn poisoned(doc: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(doc, schema);
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(first) = schema[key]
            .as_array()
            .and_then(|v| v.iter().find(|s| s["type"] != "null"))
        {
            return poisoned(doc, first, depth);
        }
    }
    let ts = types(schema);
    if ts.contains(&"string") {
        if !schema["enum"].is_null() || !schema["format"].is_null() {
            return schema["enum"][0].clone(); // an enum or a time: not free text
        }
        return json!("a\u{0}b");
    }
    if ts.contains(&"array") && depth < 4 {
        return json!([poisoned(doc, &schema["items"], depth + 1)]);
    }
    if ts.contains(&"integer") || ts.contains(&"number") {
        return json!(1);
    }
    if ts.contains(&"boolean") {
        return json!(true);
    }
    match schema["properties"].as_object() {
        Some(props) if depth < 4 => props
            .iter()
            .map(|(k, s)| (k.clone(), poisoned(doc, s, depth + 1)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        _ => json!({"note": "a\u{0}b"}),
    }
}

/// The path of the first NUL in `v`, in the order it is sent (keys sorted).
fn first_nul(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if s.contains('\0') => Some(String::new()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| first_nul(x).map(|p| join(&format!("[{i}]"), &p))),
        Value::Object(map) => map
            .iter()
            .find_map(|(k, x)| first_nul(x).map(|p| join(k, &p))),
        _ => None,
    }
}

fn join(head: &str, rest: &str) -> String {
    match rest.chars().next() {
        None => head.to_owned(),
        Some('[') => format!("{head}{rest}"),
        Some(_) => format!("{head}.{rest}"),
    }
}

#[tokio::test]
async fn every_write_route_refuses_a_nul_in_its_body_with_the_field_named() {
    let app = TestApp::spawn().await;
    // A signed-in person, so routes for people (a password change) are reached too.
    crate::accounts::user(
        &app.database_url,
        "root@x.io",
        podium::accounts::Role::Admin,
    )
    .await;
    let admin = crate::accounts::signed_in(&app, "root@x.io").await;
    // The resources the paths name exist, so no route can answer 404 before reading its body.
    app.leaderboard(json!({"slug": "s", "name": "S"})).await;
    for (path, body) in [
        (
            "/api/v1/leagues",
            json!({"slug": "s", "name": "S", "system": "elo"}),
        ),
        ("/api/v1/flags", json!({"key": "k"})),
    ] {
        let (status, out) = app.post(path, body).await;
        assert_eq!(status, 201, "{path}: {out}");
    }
    let (_, doc) = app.get("/api/openapi.json").await;
    let mut checked = Vec::new();
    let mut without_text = Vec::new();
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for (method, op) in ops.as_object().expect("operations") {
            let Some(schema) = op["requestBody"]["content"]["application/json"]
                .get("schema")
                .cloned()
            else {
                continue;
            };
            let body = poisoned(&doc, &schema, 0);
            let Some(field) = first_nul(&body) else {
                without_text.push(format!("{method} {path}"));
                continue;
            };
            let url = path
                .replace("{slug}", "s")
                .replace("{participant}", "p1")
                .replace("{key}", "k")
                .replace("{id}", "1");
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let r = admin
                .request(m, app.url(&url))
                .json(&body)
                .timeout(Duration::from_secs(10))
                .send()
                .await
                .expect("send");
            let status = r.status().as_u16();
            let problem: Value = r.json().await.unwrap_or(Value::Null);
            if path.starts_with("/ofrep/") {
                // Flag evaluation stores nothing: the context is only read.
                assert!(status < 500, "{method} {path}: {status} {problem}");
                continue;
            }
            assert_eq!(status, 422, "{method} {path} with {body}: {problem}");
            assert_eq!(
                problem["code"], "invalid_text",
                "{method} {path}: {problem}"
            );
            assert_eq!(
                problem["errors"][0]["field"], field,
                "{method} {path}: {problem}"
            );
            checked.push(format!("{method} {path}"));
        }
    }
    assert!(
        without_text.is_empty(),
        "no string found in the body schema of {without_text:?}"
    );
    // 17 operations take a JSON body to store or check (the two OFREP ones only evaluate).
    assert!(
        checked.len() >= 17,
        "only {} routes checked: {checked:?}",
        checked.len()
    );
}
