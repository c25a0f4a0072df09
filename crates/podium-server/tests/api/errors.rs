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
}

/// Sends `target` as the request line's path, byte for byte (an HTTP client would normalise
/// `..` away before sending), and returns the whole response.
async fn raw_get(addr: std::net::SocketAddr, target: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    socket.write_all(request.as_bytes()).await.expect("send");
    let mut response = Vec::new();
    socket.read_to_end(&mut response).await.expect("read");
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn no_path_climbs_out_of_the_ui_folder_served_from_disk() {
    // <tmp>/ui is the UI folder; <tmp>/secret.txt sits beside it, where `..` would lead.
    let tmp = tempfile::tempdir().expect("tempdir");
    let ui = tmp.path().join("ui");
    std::fs::create_dir_all(ui.join("assets")).expect("mkdir");
    std::fs::write(
        ui.join("index.html"),
        "<!doctype html><title>the UI index</title>",
    )
    .unwrap();
    std::fs::write(
        ui.join("assets/app-1234.js"),
        "console.log('the UI script')",
    )
    .unwrap();
    std::fs::write(tmp.path().join("secret.txt"), "TOP-SECRET-OUTSIDE-THE-UI").unwrap();
    let app = TestApp::spawn_with(|c| c.web_dir = Some(ui.clone())).await;

    // The files inside are served, so the refusals below are not a server that serves nothing.
    let script = raw_get(app.addr, "/assets/app-1234.js").await;
    assert!(script.starts_with("HTTP/1.1 200"), "{script}");
    assert!(script.contains("the UI script"), "{script}");
    assert!(
        script.contains("immutable"),
        "hashed assets are cached for good: {script}"
    );
    for target in [
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/./../secret.txt",
        "/ui/../../secret.txt",
        "//secret.txt",
        "/..\\secret.txt",
    ] {
        let response = raw_get(app.addr, target).await;
        assert!(
            !response.contains("TOP-SECRET"),
            "{target} reached a file outside the UI folder:\n{response}"
        );
        // What is not a file of the UI is the UI's own route (its index) or refused.
        assert!(
            response.contains("the UI index") || response.starts_with("HTTP/1.1 400"),
            "{target}:\n{response}"
        );
    }
}
