//! The operational surface and the contract: health, readiness, version, the OpenAPI document
//! (a JSON snapshot, so an accidental contract change shows up in review) and the CLI.

use std::process::Command;

use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};

use crate::support::TestApp;

#[tokio::test]
async fn health_readiness_and_version_answer() {
    let app = TestApp::spawn().await;
    let (status, health) = app.get("/healthz").await;
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")));
    let (status, ready) = app.get("/readyz").await;
    assert_eq!(status, 200);
    assert_eq!(ready["ready"], true);
    assert_eq!(ready["database"], true);
    assert_eq!(ready["migrations"], true);
    assert_eq!(ready["index_warm"], true);
    let (status, version) = app.get("/version").await;
    assert_eq!(status, 200);
    assert_eq!(version["version"], env!("CARGO_PKG_VERSION"));
    assert!(version["git_commit"].is_string());
    assert!(version["build_time"].is_string());
    // Health checks answer whoever asks: a load balancer's stale or wrong token does not turn
    // them into 401s (they run outside the authorization layer), and they are still JSON.
    for path in ["/healthz", "/readyz"] {
        let r = app
            .client
            .get(app.url(path))
            .header("authorization", "Bearer not-a-valid-key")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], "application/json", "{path}");
    }
}

#[tokio::test]
async fn the_system_page_shows_the_newest_backup_the_tooling_reported() {
    let app = TestApp::spawn().await;
    // What deploy/scripts/backup writes after finding the backups in its repositories.
    let mut conn = PgConnection::connect(&app.database_url).await.unwrap();
    sqlx::query(
        "insert into backup_status (backup_type, finished_at, size_bytes, repository, label) values
           ('full', '2026-11-29 01:31:00+00', 52000000, '1', '20261129-013000F'),
           ('incr', '2026-11-30 13:32:05+00', 1200000, '1', '20261129-013000F_20261130-133000I')",
    )
    .execute(&mut conn)
    .await
    .unwrap();

    let (status, sys) = app.get("/api/v1/system").await;
    assert_eq!(status, 200, "{sys}");
    assert_eq!(sys["last_backup_at"], "2026-11-30T13:32:05Z");
    let b = &sys["backup"];
    assert_eq!(
        (&b["status"], &b["last_type"], &b["last_size_bytes"]),
        (&json!("reported"), &json!("incr"), &json!(1_200_000)),
        "{b}"
    );
    // The test cluster does not archive WAL: the archiver's times stay unknown.
    assert_eq!(b["wal_last_archived_at"], Value::Null, "{b}");
}

#[tokio::test]
async fn the_system_page_reports_build_readiness_database_indexes_and_no_backup_yet() {
    let app = TestApp::spawn().await;
    app.leaderboard(serde_json::json!({"slug": "speed", "name": "Speed"}))
        .await;
    app.leaderboard(serde_json::json!({"slug": "empty", "name": "Empty"}))
        .await;
    for p in ["ann", "bob", "cy"] {
        app.score("speed", p, 10).await;
    }
    let (status, body) = app
        .post(
            "/api/v1/leagues",
            serde_json::json!({"slug": "chess", "name": "Chess", "system": "elo"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let duel = |t: &str| {
        serde_json::json!({"played_at": t,
            "teams": [{"participants": ["ann"], "rank": 1}, {"participants": ["bob"], "rank": 2}]})
    };
    for t in ["2026-01-01T10:00:00Z", "2026-01-02T10:00:00Z"] {
        let (status, body) = app.post("/api/v1/leagues/chess/matches", duel(t)).await;
        assert_eq!(status, 201, "{body}");
    }

    let (status, sys) = app.get("/api/v1/system").await;
    assert_eq!(status, 200, "{sys}");
    assert_eq!(sys["version"], env!("CARGO_PKG_VERSION"));
    assert!(sys["git_commit"].is_string() && sys["build_time"].is_string());
    let r = &sys["readiness"];
    for check in ["ready", "database", "migrations", "index_warm"] {
        assert_eq!(r[check], true, "{check}: {r}");
    }
    assert_eq!(r["draining"], false);
    assert!(r["applied_sequence"].as_i64().unwrap() > 0, "{r}");

    let db = &sys["database"];
    assert!(
        db["server_version"]
            .as_str()
            .unwrap()
            .starts_with(|c: char| c.is_ascii_digit()),
        "{db}"
    );
    assert!(db["size_bytes"].as_i64().unwrap() > 1_000_000, "{db}");
    let pool = &db["pool"];
    let (open, idle, in_use, max) = (
        pool["open"].as_u64().unwrap(),
        pool["idle"].as_u64().unwrap(),
        pool["in_use"].as_u64().unwrap(),
        pool["max"].as_u64().unwrap(),
    );
    assert_eq!(max, 8, "the tests' db_max_connections");
    assert!(open >= 1 && open <= max && idle + in_use == open, "{pool}");

    let boards = sys["leaderboards"].as_array().unwrap();
    let pick = |list: &[Value], field: &str| -> Vec<Value> {
        list.iter().map(|x| x[field].clone()).collect()
    };
    assert_eq!(pick(boards, "slug"), [json!("empty"), json!("speed")]);
    assert_eq!(pick(boards, "entries"), [json!(0), json!(3)]);
    let bytes: Vec<u64> = boards
        .iter()
        .map(|b| b["index_bytes"].as_u64().unwrap())
        .collect();
    assert!(
        bytes[1] > bytes[0],
        "three entries take more than none: {bytes:?}"
    );
    let leagues = sys["leagues"].as_array().unwrap();
    assert_eq!(
        (
            &leagues[0]["slug"],
            &leagues[0]["participants"],
            &leagues[0]["matches"]
        ),
        (&json!("chess"), &json!(2), &json!(2))
    );
    assert!(leagues[0]["index_bytes"].as_u64().unwrap() > 0);
    // No backup was reported and the test cluster archives no WAL: no time is made up.
    assert_eq!(sys["last_backup_at"], Value::Null);
    assert_eq!(sys["backup"]["status"], "not_reported");
    for field in [
        "last_type",
        "last_size_bytes",
        "wal_last_archived_at",
        "wal_last_failed_at",
    ] {
        assert_eq!(sys["backup"][field], Value::Null, "{field}");
    }

    // Only admins: anonymous callers are refused.
    let r = crate::support::client_with(None)
        .get(app.url("/api/v1/system"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn the_openapi_document_is_served_and_matches_the_snapshot() {
    let app = TestApp::spawn().await;
    let (status, doc) = app.get("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/leaderboards",
        "/api/v1/leaderboards/{slug}",
        "/api/v1/leaderboards/{slug}/periods",
        "/api/v1/leaderboards/{slug}/scores",
        "/api/v1/leaderboards/{slug}/scores/{participant}",
        "/api/v1/leaderboards/{slug}/entries",
        "/api/v1/leaderboards/{slug}/entries/{participant}",
        "/api/v1/leaderboards/{slug}/entries/{participant}/around",
        "/api/v1/leagues",
        "/api/v1/leagues/{slug}/matches",
        "/api/v1/leagues/{slug}/matches/{id}",
        "/api/v1/leagues/{slug}/standings",
        "/api/v1/leagues/{slug}/participants/{participant}/history",
        "/api/v1/leagues/{slug}/head-to-head",
        "/api/v1/leagues/{slug}/predict",
        "/api/v1/leagues/{slug}/seasons",
    ] {
        assert!(paths.contains_key(path), "the document lacks {path}");
    }
    let mut doc = doc;
    doc["info"]["version"] = Value::String("[version]".into());
    insta::assert_json_snapshot!("openapi", doc);
}

fn podium(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_podium"));
    cmd.args(args).env_remove("DATABASE_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run podium");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn config_show_masks_secrets_and_layers_the_environment() {
    let (ok, out, err) = podium(
        &["config", "show"],
        &[
            ("PODIUM_API_TOKEN", "a-very-secret-token-123"),
            ("DATABASE_URL", "postgres://podium:hunter2@db/podium"),
            ("PODIUM_HTTP_ADDR", "127.0.0.1:9999"),
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("http_addr = \"127.0.0.1:9999\""), "{out}");
    assert!(!out.contains("a-very-secret"), "{out}");
    assert!(!out.contains("hunter2"), "{out}");
    assert!(out.contains("********"));
}

#[test]
fn secrets_can_come_from_files_and_bad_config_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "token-from-a-file-0001\n").unwrap();
    let (ok, out, err) = podium(
        &["config", "show"],
        &[("PODIUM_API_TOKEN_FILE", token.to_str().unwrap())],
    );
    assert!(ok, "{err}");
    assert!(out.contains("api_token = \"********\""), "{out}");

    let (ok, _, err) = podium(
        &["config", "show"],
        &[("PODIUM_HTTP_ADDR", "not-an-address")],
    );
    assert!(!ok);
    assert!(err.to_lowercase().contains("http_addr"), "{err}");
    let (ok, _, err) = podium(
        &["config", "show"],
        &[("PODIUM_API_TOKEN_FILE", "/nonexistent/token")],
    );
    assert!(!ok);
    assert!(err.contains("api_token_file"), "{err}");

    let file = dir.path().join("podium.toml");
    std::fs::write(
        &file,
        "http_addr = \"127.0.0.1:7000\"\nlog_level = \"debug\"\n",
    )
    .unwrap();
    let (ok, out, err) = podium(
        &["--config", file.to_str().unwrap(), "config", "show"],
        &[("PODIUM_LOG_LEVEL", "warn")],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("127.0.0.1:7000"),
        "the file sets the address: {out}"
    );
    assert!(
        out.contains("log_level = \"warn\""),
        "the environment beats the file: {out}"
    );
}

#[test]
fn every_subcommand_has_help_and_version_and_openapi_print() {
    for sub in ["serve", "migrate", "openapi", "version", "config"] {
        let (ok, out, err) = podium(&[sub, "--help"], &[]);
        assert!(ok, "{sub} --help: {err}");
        assert!(out.contains("Usage"), "{out}");
    }
    let (ok, out, _) = podium(&["version"], &[]);
    assert!(ok && out.starts_with("podium "), "{out}");
    let (ok, out, _) = podium(&["openapi"], &[]);
    assert!(ok);
    let doc: Value = serde_json::from_str(&out).expect("openapi prints JSON");
    assert!(doc["paths"]["/api/v1/leaderboards"].is_object());
}

#[tokio::test]
async fn the_web_ui_is_served_with_long_caching_for_hashed_assets() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("assets")).unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>ui</title>",
    )
    .unwrap();
    std::fs::write(dir.path().join("assets/app-3f2a.js"), "console.log(1)").unwrap();
    let web = dir.path().to_owned();
    let app = TestApp::spawn_with(move |c| c.web_dir = Some(web)).await;
    let r = app
        .client
        .get(app.url("/assets/app-3f2a.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    for path in ["/", "/leagues/chess/participants/ann"] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "no-cache");
        assert_eq!(r.text().await.unwrap(), "<!doctype html><title>ui</title>");
    }
    let r = app.client.post(app.url("/leagues")).send().await.unwrap();
    assert_eq!(r.status(), 405);
}
