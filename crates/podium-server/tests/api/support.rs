//! Test support: one PostgreSQL cluster per test run (started by `make test`, or here on
//! demand), a migrated template database, and a fresh database plus a real Podium server on
//! port 0 for every test.

use std::{net::SocketAddr, sync::OnceLock, time::Duration};

use chrono::{DateTime, Utc};
use podium::{
    RunOptions,
    clock::Clock,
    config::{Config, Secret},
};
use reqwest::{Client, Method, Response};
use serde_json::Value;
use sqlx::{Connection, Executor, PgConnection};
use tokio::{net::TcpListener, sync::OnceCell, task::JoinHandle};

/// Admin URL of the test cluster.
pub fn admin_url() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("PODIUM_TEST_DATABASE_URL") {
            return url;
        }
        // Run outside `make test`: start the same private cluster the Makefile would.
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let dir = "/tmp/podium-test-pg-adhoc";
        let out = std::process::Command::new(format!("{root}/scripts/test-pg"))
            .args(["start", dir])
            .output()
            .expect("run scripts/test-pg");
        assert!(
            out.status.success(),
            "test-pg: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .trim()
            .to_owned()
    })
    .clone()
}

/// The URL of database `name` on the test cluster.
pub fn database_url(name: &str) -> String {
    admin_url().replacen("/postgres?", &format!("/{name}?"), 1)
}

const TEMPLATE: &str = "podium_template";

async fn template() {
    static READY: OnceCell<()> = OnceCell::const_new();
    READY
        .get_or_init(|| async {
            let mut admin = PgConnection::connect(&admin_url())
                .await
                .expect("connect to the test cluster");
            // Rebuilt once per run, so a changed migration is always picked up.
            admin
                .execute(format!("drop database if exists {TEMPLATE} with (force)").as_str())
                .await
                .expect("drop template");
            admin
                .execute(format!("create database {TEMPLATE}").as_str())
                .await
                .expect("create template");
            let mut conn = PgConnection::connect(&database_url(TEMPLATE))
                .await
                .expect("connect template");
            podium::db::MIGRATOR
                .run(&mut conn)
                .await
                .expect("migrate template");
            conn.close().await.expect("close template");
        })
        .await;
}

/// A new, migrated, empty database; returns its URL.
pub async fn fresh_database() -> String {
    template().await;
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&admin_url()).await.expect("connect");
    admin
        .execute(format!("create database {name} template {TEMPLATE}").as_str())
        .await
        .expect("create test database");
    database_url(&name)
}

/// The static admin token test servers accept.
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

/// Configuration for a test server on `database_url`.
pub fn test_config(database_url: &str) -> Config {
    Config {
        database_url: Some(Secret::new(database_url)),
        http_addr: "127.0.0.1:0".parse().expect("addr"),
        migrate_on_start: false,
        db_max_connections: 8,
        // Tests write as an admin through the static token unless they test accounts.
        api_token: Some(Secret::new(ADMIN_TOKEN)),
        cookie_secure: false,
        // Tests write thousands of scores at once through that token; the per-key write rate
        // has its own test (settings.rs).
        key_write_rate: 0,
        ..Config::default()
    }
}

/// An HTTP client that sends `token` as a bearer with every request.
pub fn client_with(token: Option<&str>) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(t) = token {
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {t}").parse().expect("header"),
        );
    }
    Client::builder()
        .timeout(Duration::from_secs(30))
        .default_headers(headers)
        .build()
        .expect("client")
}

/// A running Podium server.
pub struct TestApp {
    pub addr: SocketAddr,
    pub database_url: String,
    pub client: Client,
    pub clock: Clock,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// A server whose clock the test moves.
    pub async fn spawn_at(now: DateTime<Utc>) -> TestApp {
        Self::start(fresh_database().await, Clock::manual(now), |_| {}).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        Self::start(fresh_database().await, Clock::System, tweak).await
    }

    /// Another server on an existing database (several processes sharing one database).
    pub async fn start(
        database_url: String,
        clock: Clock,
        tweak: impl FnOnce(&mut Config),
    ) -> TestApp {
        Self::start_with_demo(database_url, clock, false, tweak).await
    }

    /// `start`, seeding the demo data (`serve --demo`) when `demo`.
    pub async fn start_with_demo(
        database_url: String,
        clock: Clock,
        demo: bool,
        tweak: impl FnOnce(&mut Config),
    ) -> TestApp {
        let mut config = test_config(&database_url);
        tweak(&mut config);
        let token = config.api_token.as_ref().map(|t| t.expose().to_owned());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let options = RunOptions {
            clock: clock.clone(),
            demo,
        };
        let task = tokio::spawn(podium::run(config, options, listener, None, async move {
            let _ = stopped.await;
        }));
        let app = TestApp {
            addr,
            database_url: database_url.clone(),
            client: client_with(token.as_deref()),
            clock,
            stop: Some(stop),
            task: Some(task),
        };
        app.wait_ready().await;
        app
    }

    pub async fn wait_ready(&self) {
        for _ in 0..300 {
            if let Ok(r) = self.client.get(self.url("/readyz")).send().await
                && r.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("server at {} never became ready", self.addr);
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server run");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn request(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(body) = body {
            req = req.json(body);
        }
        req.send().await.expect("request")
    }

    /// Sends a request and returns (status, JSON body or Null).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let r = self.request(method, path, body.as_ref()).await;
        let status = r.status().as_u16();
        let text = r.text().await.expect("body");
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, json)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::PUT, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::PATCH, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.call(Method::DELETE, path, None).await
    }

    /// Creates a leaderboard, asserting success.
    pub async fn leaderboard(&self, body: Value) -> Value {
        let (status, json) = self.post("/api/v1/leaderboards", body).await;
        assert_eq!(status, 201, "create leaderboard: {json}");
        json
    }

    /// Submits a score, asserting success.
    pub async fn score(&self, slug: &str, participant: &str, score: i64) -> Value {
        let (status, json) = self
            .put(
                &format!("/api/v1/leaderboards/{slug}/scores/{participant}"),
                serde_json::json!({"score": score}),
            )
            .await;
        assert_eq!(status, 200, "submit score: {json}");
        json
    }

    /// (participant, score, rank) of the first `limit` entries.
    pub async fn top(&self, slug: &str, query: &str) -> Vec<(String, i64, u64)> {
        let (status, json) = self
            .get(&format!("/api/v1/leaderboards/{slug}/entries?{query}"))
            .await;
        assert_eq!(status, 200, "entries: {json}");
        json["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| {
                (
                    e["participant"].as_str().expect("participant").to_owned(),
                    e["score"].as_i64().expect("score"),
                    e["rank"].as_u64().expect("rank"),
                )
            })
            .collect()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Waits (bounded) until `n` sessions of `conn`'s database wait for a lock: how a test that
/// holds a row lock knows the requests it wants in flight are queued behind it.
pub async fn waiting_for_locks(conn: &mut PgConnection, n: i64) {
    for _ in 0..1000 {
        let waiting: i64 = sqlx::query_scalar(
            "select count(*) from pg_stat_activity
             where datname = current_database() and wait_event_type = 'Lock'",
        )
        .fetch_one(&mut *conn)
        .await
        .expect("pg_stat_activity");
        if waiting >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{n} sessions never queued for the lock the test holds");
}

/// A Server-Sent Events stream of a test server, read event by event.
pub struct EventStream {
    response: Response,
    buf: String,
}

impl EventStream {
    /// Opens `path` and waits for the server's first comment, so anything written after this
    /// returns is sent on the stream.
    pub async fn open(app: &TestApp, path: &str) -> EventStream {
        let response = app
            .client
            .get(app.url(path))
            .send()
            .await
            .expect("open the stream");
        assert_eq!(response.status(), 200, "{path}");
        let mut stream = EventStream {
            response,
            buf: String::new(),
        };
        let first = stream
            .next_block(10)
            .await
            .expect("the stream's first comment");
        assert!(
            first.starts_with(':'),
            "a comment opens the stream: {first}"
        );
        stream
    }

    async fn next_block(&mut self, secs: u64) -> Option<String> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                return Some(self.buf.drain(..end + 2).collect());
            }
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Ok(Ok(Some(chunk))) => self.buf.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }

    /// Reads events (name, JSON data) until one satisfies `pred` (returned last), or gives up
    /// after `secs` with what it saw.
    pub async fn until(
        &mut self,
        secs: u64,
        mut pred: impl FnMut(&str, &Value) -> bool,
    ) -> Vec<(String, Value)> {
        let mut seen = Vec::new();
        while let Some(block) = self.next_block(secs).await {
            let name = block
                .lines()
                .find_map(|l| l.strip_prefix("event: "))
                .unwrap_or("")
                .to_owned();
            let data = block
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .unwrap_or("null");
            let json: Value = serde_json::from_str(data).unwrap_or_default();
            let stop = pred(&name, &json);
            seen.push((name, json));
            if stop {
                break;
            }
        }
        seen
    }
}
