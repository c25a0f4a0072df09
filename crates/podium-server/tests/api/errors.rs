//! Every kind of bad input gets its own clear problem+json error.

use serde_json::json;

use crate::support::TestApp;

async fn raw(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, String, serde_json::Value) {
    let r = app
        .client
        .request(method, app.url(path))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let json = r.json().await.unwrap_or(serde_json::Value::Null);
    (status, ct, json)
}

#[tokio::test]
async fn each_kind_of_bad_score_body_has_its_own_code() {
    let app = TestApp::spawn().await;
    app.leaderboard(json!({"slug": "a", "name": "A"})).await;
    let path = "/api/v1/leaderboards/a/scores/ada";
    let cases: [(&str, u16, &str, &str); 7] = [
        ("{\"score\": 1", 400, "malformed_json", ""),
        ("{\"score\": \"ten\"}", 422, "invalid_type", "score"),
        ("{\"score\": 1, \"bonus\": 2}", 422, "unknown_field", ""),
        ("{}", 422, "missing_field", ""),
        (
            "{\"score\": 9223372036854775808}",
            422,
            "out_of_range",
            "score",
        ),
        ("{\"score\": 1e30}", 422, "out_of_range", "score"),
        (
            "{\"score\": 1, \"subscore\": -9223372036854775809}",
            422,
            "out_of_range",
            "subscore",
        ),
    ];
    for (body, status, code, field) in cases {
        let (got, ct, problem) = raw(
            &app,
            reqwest::Method::PUT,
            path,
            "application/json",
            body.into(),
        )
        .await;
        assert_eq!(got, status, "{body} → {problem}");
        assert_eq!(ct, "application/problem+json");
        assert_eq!(problem["code"], code, "{body} → {problem}");
        if !field.is_empty() {
            assert_eq!(problem["errors"][0]["field"], field, "{body} → {problem}");
        }
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    let (_, page) = app.get("/api/v1/leaderboards/a/entries").await;
    assert_eq!(page["total"], 0);
}

#[tokio::test]
async fn wrong_content_type_and_oversized_bodies_are_refused() {
    let app = TestApp::spawn_with(|c| c.body_limit_bytes = 64 * 1024).await;
    app.leaderboard(json!({"slug": "a", "name": "A"})).await;
    let (status, _, problem) = raw(
        &app,
        reqwest::Method::PUT,
        "/api/v1/leaderboards/a/scores/ada",
        "text/plain",
        b"{\"score\":1}".to_vec(),
    )
    .await;
    assert_eq!(status, 415);
    assert_eq!(problem["code"], "unsupported_media_type");
    let big = format!(
        "[{}]",
        vec!["{\"participant\":\"p\",\"score\":1}"; 5000].join(",")
    );
    let (status, _, problem) = raw(
        &app,
        reqwest::Method::POST,
        "/api/v1/leaderboards/a/scores",
        "application/json",
        big.into(),
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(problem["code"], "payload_too_large");
}

#[tokio::test]
async fn ids_and_slugs_are_checked() {
    let app = TestApp::spawn().await;
    app.leaderboard(json!({"slug": "a", "name": "A"})).await;
    let long = "x".repeat(129);
    let (status, problem) = app
        .put(
            &format!("/api/v1/leaderboards/a/scores/{long}"),
            json!({"score": 1}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem["code"], "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "participant");
    assert!(
        problem["detail"].as_str().unwrap().contains("128"),
        "{problem}"
    );
    let (status, _) = app
        .put(
            &format!("/api/v1/leaderboards/a/scores/{}", "x".repeat(128)),
            json!({"score": 1}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, problem) = app
        .put(
            "/api/v1/leaderboards/a/scores/bad%20id",
            json!({"score": 1}),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    let (status, problem) = app
        .put("/api/v1/leaderboards/nope/scores/ada", json!({"score": 1}))
        .await;
    assert_eq!(status, 404);
    assert_eq!(problem["code"], "leaderboard_not_found");
}

#[tokio::test]
async fn bad_query_parameters_are_named() {
    let app = TestApp::spawn().await;
    app.leaderboard(json!({"slug": "a", "name": "A"})).await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("cursor=zzz", "cursor"),
    ] {
        let (status, problem) = app
            .get(&format!("/api/v1/leaderboards/a/entries?{query}"))
            .await;
        assert_eq!(status, 400, "{query} → {problem}");
        assert_eq!(problem["errors"][0]["field"], field);
    }
    let (status, problem) = app.get("/api/v1/leaderboards/a/entries?limit=ten").await;
    assert_eq!(status, 400);
    assert_eq!(problem["code"], "invalid_query");
    let (status, problem) = app
        .get("/api/v1/leaderboards/a/entries?ranking=olympic")
        .await;
    assert_eq!(status, 400, "{problem}");
    let (status, problem) = app.get("/api/v1/leaderboards/a/entries?period=999").await;
    assert_eq!(status, 404);
    assert_eq!(problem["code"], "period_not_found");
}

#[tokio::test]
async fn errors_carry_the_request_id_and_it_is_echoed() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .get(app.url("/api/v1/leaderboards/missing"))
        .header("x-request-id", "req-12345")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["x-request-id"], "req-12345");
    let problem: serde_json::Value = r.json().await.unwrap();
    assert_eq!(problem["request_id"], "req-12345");
    assert_eq!(problem["status"], 404);
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert!(
        r.headers().contains_key("x-request-id"),
        "an id is made when none is given"
    );
    let (status, problem) = app.get("/api/v1/no/such/route").await;
    assert_eq!(status, 404);
    assert_eq!(problem["code"], "not_found");
    // Other paths belong to the web UI, which routes them itself.
    let r = app
        .client
        .get(app.url("/leaderboards/anything"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let r = app
        .client
        .get(app.url("/../../etc/passwd"))
        .send()
        .await
        .unwrap();
    assert!(
        !r.text().await.unwrap().contains("root:"),
        "no path climbs out of the UI folder"
    );
}
