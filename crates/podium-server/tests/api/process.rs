//! Tests of the real `podium` binary as a process: crash safety (kill -9), several processes
//! on one database, SIGTERM draining, the metrics listener and JSON logs.

use std::{
    collections::HashMap,
    net::SocketAddr,
    path::PathBuf,
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};

use nix::{
    sys::signal::{Signal, kill},
    unistd::Pid,
};
use serde_json::{Value, json};
use sqlx::{Connection, Executor};
use tokio::process::{Child, Command};

use crate::support::fresh_database;

fn free_addr() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr")
}

/// A `podium serve` child process.
pub struct Podium {
    pub child: Child,
    pub addr: SocketAddr,
    pub metrics: SocketAddr,
    pub log: PathBuf,
    client: reqwest::Client,
}

/// Where the process keeps its log (inside the test's temp dir).
pub enum Db<'a> {
    Url(&'a str),
    Embedded(&'a std::path::Path),
}

impl Podium {
    pub async fn start(db: Db<'_>, log: PathBuf) -> Podium {
        Self::start_with(db, log, &[]).await
    }

    pub async fn start_with(db: Db<'_>, log: PathBuf, env: &[(&str, &str)]) -> Podium {
        Self::start_wrapped(db, log, env, &[]).await
    }

    /// Like `start_with`, through `wrapper` (a command that ends by exec'ing "$PODIUM_EXE" serve).
    pub async fn start_wrapped(
        db: Db<'_>,
        log: PathBuf,
        env: &[(&str, &str)],
        wrapper: &[&str],
    ) -> Podium {
        // A port picked free can be taken by another test before the child binds it: the child
        // then exits at once, and we try again with new ports.
        for _ in 0..4 {
            if let Some(p) = Self::try_start(&db, &log, env, wrapper).await {
                return p;
            }
        }
        panic!(
            "podium did not start; log:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    async fn try_start(
        db: &Db<'_>,
        log: &std::path::Path,
        env: &[(&str, &str)],
        wrapper: &[&str],
    ) -> Option<Podium> {
        let log = log.to_path_buf();
        let addr = free_addr();
        let metrics = free_addr();
        let mut cmd = match wrapper.split_first() {
            Some((program, args)) => {
                let mut cmd = Command::new(program);
                cmd.args(args);
                cmd
            }
            None => {
                let mut cmd = Command::new(env!("CARGO_BIN_EXE_podium"));
                cmd.arg("serve");
                cmd
            }
        };
        cmd.env("PODIUM_EXE", env!("CARGO_BIN_EXE_podium"))
            .env_remove("DATABASE_URL")
            .env("PODIUM_HTTP_ADDR", addr.to_string())
            .env("PODIUM_METRICS_ADDR", metrics.to_string())
            .env("PODIUM_LOG_FORMAT", "json")
            .env("PODIUM_DB_MAX_CONNECTIONS", "8")
            .env("PODIUM_API_TOKEN", crate::support::ADMIN_TOKEN)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        match db {
            Db::Url(url) => cmd.env("DATABASE_URL", url),
            Db::Embedded(dir) => cmd.env("PODIUM_DATA_DIR", dir),
        };
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("log file");
        cmd.stdout(out.try_clone().expect("clone")).stderr(out);
        let child = cmd.spawn().expect("spawn podium");
        let mut p = Podium {
            child,
            addr,
            metrics,
            log,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
        };
        p.wait_ready().await.then_some(p)
    }

    /// True once ready; false if the process exited first (a port taken meanwhile).
    async fn wait_ready(&mut self) -> bool {
        for _ in 0..1500 {
            if let Ok(r) = self.client.get(self.url("/readyz")).send().await
                && r.status() == 200
            {
                return true;
            }
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!(
            "podium never became ready; log:\n{}",
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Result<(u16, Value)> {
        let mut req = self
            .client
            .request(method, self.url(path))
            .bearer_auth(crate::support::ADMIN_TOKEN);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await?;
        let status = r.status().as_u16();
        let v = r.json().await.unwrap_or(Value::Null);
        Ok((status, v))
    }

    fn signal(&self, sig: Signal) {
        let pid = self.child.id().expect("running") as i32;
        kill(Pid::from_raw(pid), sig).expect("signal");
    }

    /// SIGTERM, and the exit code.
    pub async fn terminate(mut self) -> i32 {
        self.signal(Signal::SIGTERM);
        let status = tokio::time::timeout(Duration::from_secs(60), self.child.wait())
            .await
            .expect("podium exits after SIGTERM")
            .expect("wait");
        status.code().unwrap_or(-1)
    }
}

async fn entry_score(p: &Podium, slug: &str, participant: &str) -> Option<i64> {
    let (status, e) = p
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/leaderboards/{slug}/entries/{participant}"),
            None,
        )
        .await
        .expect("read");
    (status == 200).then(|| e["score"].as_i64().expect("score"))
}

#[tokio::test]
async fn every_acknowledged_score_survives_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("podium.log");
    let data = dir.path().join("data");
    let podium = Podium::start(Db::Embedded(&data), log.clone()).await;
    let (status, _) = podium
        .send(
            reqwest::Method::POST,
            "/api/v1/leaderboards",
            Some(json!({"slug": "crash", "name": "Crash", "operator": "latest"})),
        )
        .await
        .unwrap();
    assert_eq!(status, 201);

    // Each client raises its own participant's score; it remembers the last acknowledged one.
    let acked: Arc<Mutex<HashMap<String, i64>>> = Arc::default();
    let podium = Arc::new(podium);
    let mut clients = Vec::new();
    for c in 0..16 {
        let (podium, acked) = (podium.clone(), acked.clone());
        clients.push(tokio::spawn(async move {
            let participant = format!("client{c}");
            for score in 1..100_000i64 {
                let path = format!("/api/v1/leaderboards/crash/scores/{participant}");
                match podium
                    .send(reqwest::Method::PUT, &path, Some(json!({"score": score})))
                    .await
                {
                    Ok((200, _)) => {
                        acked.lock().unwrap().insert(participant.clone(), score);
                    }
                    _ => return score,
                }
            }
            100_000
        }));
    }
    // Kill once the writes flow (a few hundred acknowledged), not after a fixed time.
    for _ in 0..1500 {
        if acked.lock().unwrap().values().sum::<i64>() >= 300 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = podium.child.id().unwrap() as i32;
    kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
    let mut attempted = HashMap::new();
    for (c, client) in clients.into_iter().enumerate() {
        attempted.insert(format!("client{c}"), client.await.unwrap());
    }
    let mut podium = Arc::into_inner(podium).expect("clients are done");
    let _ = podium.child.wait().await;

    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.values().sum::<i64>() > 16,
        "the clients got some writes in before the kill"
    );
    // Restart on the same data folder: the orphaned PostgreSQL is recovered, and every score
    // that was acknowledged is there (a write in flight at the kill may or may not be).
    let podium = Podium::start(Db::Embedded(&data), log.clone()).await;
    for (participant, score) in &acked {
        let stored = entry_score(&podium, "crash", participant)
            .await
            .expect("entry exists");
        assert!(
            stored >= *score,
            "{participant}: acknowledged {score}, stored {stored}"
        );
        assert!(
            stored <= attempted[participant],
            "{participant}: stored {stored} was never sent"
        );
    }
    // SIGTERM stops the embedded PostgreSQL cleanly: a fast shutdown to completion, which
    // removes its pid file (a crash leaves it behind, as the kill above did).
    assert_eq!(podium.terminate().await, 0);
    let cluster = data.join("postgres");
    assert!(
        !cluster.join("pgdata/postmaster.pid").exists(),
        "PostgreSQL still runs or did not shut down cleanly"
    );
    let pg_log = std::fs::read_to_string(cluster.join("postgres.log")).unwrap();
    let last_run = pg_log
        .rsplit("database system is ready")
        .next()
        .unwrap_or_default();
    assert!(
        last_run.contains("received fast shutdown request")
            && last_run.contains("database system is shut down"),
        "the last run of PostgreSQL did not end in a clean shutdown:\n{last_run}"
    );
}

#[tokio::test]
async fn two_processes_on_one_database_converge_and_catch_up() {
    let db = fresh_database().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let a = Podium::start(Db::Url(&db), dir.path().join("a.log")).await;
    let b = Podium::start(Db::Url(&db), dir.path().join("b.log")).await;
    let (status, _) = a
        .send(
            reqwest::Method::POST,
            "/api/v1/leaderboards",
            Some(json!({"slug": "shared", "name": "Shared"})),
        )
        .await
        .unwrap();
    assert_eq!(status, 201);
    async fn put(p: &Podium, who: &str, score: i64) {
        let path = format!("/api/v1/leaderboards/shared/scores/{who}");
        let (status, body) = p
            .send(reqwest::Method::PUT, &path, Some(json!({"score": score})))
            .await
            .unwrap();
        assert_eq!(status, 200, "{body}");
    }
    put(&a, "ada", 10).await;
    put(&b, "bob", 20).await;
    put(&a, "cy", 15).await;

    async fn ranks(p: &Podium) -> Vec<(String, u64)> {
        let (_, page) = p
            .send(
                reqwest::Method::GET,
                "/api/v1/leaderboards/shared/entries",
                None,
            )
            .await
            .unwrap();
        page["entries"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| {
                        (
                            e["participant"].as_str().unwrap().to_owned(),
                            e["rank"].as_u64().unwrap(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    let want = vec![
        ("bob".to_owned(), 1),
        ("cy".to_owned(), 2),
        ("ada".to_owned(), 3),
    ];
    // Notifications arrive within milliseconds; allow a few seconds on a loaded machine.
    for p in [&a, &b] {
        let mut got = Vec::new();
        for _ in 0..250 {
            got = ranks(p).await;
            if got == want {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(got, want);
    }

    // B stops; A keeps writing; B comes back and has everything.
    assert_eq!(b.terminate().await, 0);
    put(&a, "dee", 30).await;
    put(&a, "ada", 40).await;
    let b = Podium::start(Db::Url(&db), dir.path().join("b2.log")).await;
    let want = vec![
        ("ada".to_owned(), 1),
        ("dee".to_owned(), 2),
        ("bob".to_owned(), 3),
        ("cy".to_owned(), 4),
    ];
    assert_eq!(ranks(&b).await, want);
    // And a write through B reaches A.
    put(&b, "eve", 50).await;
    let mut seen = false;
    for _ in 0..250 {
        if ranks(&a).await.first().map(|(p, _)| p.as_str()) == Some("eve") {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(seen, "A saw B's write");
    assert_eq!(a.terminate().await, 0);
    assert_eq!(b.terminate().await, 0);
}

#[tokio::test]
async fn requests_in_flight_at_sigterm_complete() {
    let db = fresh_database().await;
    let dir = tempfile::tempdir().expect("tempdir");
    // As in production: after SIGTERM, /readyz reports draining for a while (so a load
    // balancer stops sending) while requests already sent are still served.
    let p = Arc::new(
        Podium::start_with(
            Db::Url(&db),
            dir.path().join("p.log"),
            &[("PODIUM_DRAIN_DELAY_MS", "1500")],
        )
        .await,
    );
    let (status, _) = p
        .send(
            reqwest::Method::POST,
            "/api/v1/leaderboards",
            Some(json!({"slug": "t", "name": "T"})),
        )
        .await
        .unwrap();
    assert_eq!(status, 201);
    // The test holds the leaderboard's row, so the writes stay in flight until it lets go.
    let mut holder = sqlx::PgConnection::connect(&db).await.expect("connect");
    holder.execute("begin").await.expect("begin");
    holder
        .execute("select 1 from leaderboard where slug = 't' for update")
        .await
        .expect("lock the leaderboard");
    let mut inflight = Vec::new();
    for r in 0..6 {
        let p = p.clone();
        inflight.push(tokio::spawn(async move {
            let items: Vec<_> = (0..10_000)
                .map(|i| json!({"participant": format!("r{r}p{i}"), "score": i}))
                .collect();
            p.send(
                reqwest::Method::POST,
                "/api/v1/leaderboards/t/scores",
                Some(json!(items)),
            )
            .await
        }));
    }
    crate::support::waiting_for_locks(&mut holder, 1).await;
    p.signal(Signal::SIGTERM);
    let mut ready = 200;
    for _ in 0..250 {
        ready = p
            .client
            .get(p.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        if ready == 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(ready, 503, "draining: not ready any more");
    // After the drain delay the listener closes: new connections are refused while the
    // requests already in flight are still held by the test.
    let mut refused = false;
    for _ in 0..500 {
        if tokio::net::TcpStream::connect(p.addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        refused,
        "the listener still accepts connections while draining ended"
    );
    holder.execute("commit").await.expect("let the writes go");
    let mut stored = 0;
    for r in inflight {
        let (status, body) = r
            .await
            .unwrap()
            .expect("the in-flight request got an answer");
        assert_eq!(status, 200, "{body}");
        stored += body.as_array().unwrap().len();
    }
    assert_eq!(stored, 60_000);
    let mut p = Arc::into_inner(p).expect("no other handle");
    let status = tokio::time::timeout(Duration::from_secs(60), p.child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0), "exit 0 after draining");
    let log = std::fs::read_to_string(&p.log).unwrap();
    assert!(log.contains("write batcher flushed"), "{log}");
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener_and_logs_are_json() {
    let db = fresh_database().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let p = Podium::start(Db::Url(&db), dir.path().join("p.log")).await;
    p.send(
        reqwest::Method::POST,
        "/api/v1/leaderboards",
        Some(json!({"slug": "m", "name": "M"})),
    )
    .await
    .unwrap();
    p.send(
        reqwest::Method::PUT,
        "/api/v1/leaderboards/m/scores/ada",
        Some(json!({"score": 3})),
    )
    .await
    .unwrap();
    p.send(
        reqwest::Method::POST,
        "/api/v1/leagues",
        Some(json!({"slug": "l", "name": "L", "system": "elo"})),
    )
    .await
    .unwrap();
    let duel = json!({"played_at": "2026-01-01T10:00:00Z", "teams": [{"participants": ["a"], "rank": 1}, {"participants": ["b"], "rank": 2}]});
    let (status, _) = p
        .send(
            reqwest::Method::POST,
            "/api/v1/leagues/l/matches",
            Some(duel),
        )
        .await
        .unwrap();
    assert_eq!(status, 201);
    let r = p
        .client
        .get(p.url("/api/v1/leaderboards/m/entries"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Not on the public port (there, /metrics is just a path of the web UI).
    let public = reqwest::get(p.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!public.contains("podium_http_requests_total"), "{public}");
    let text = reqwest::get(format!("http://{}/metrics", p.metrics))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "podium_http_requests_total{method=\"GET\",route=\"/api/v1/leaderboards/{slug}/entries\",status=\"200\"}",
        "podium_http_request_duration_seconds_bucket",
        "podium_write_batch_size_bucket",
        "podium_write_commit_seconds_bucket",
        "podium_index_entries{leaderboard=\"m\"} 1",
        "podium_db_pool_connections{state=\"idle\"}",
        "podium_startup_load_seconds",
        "podium_build_info{",
        "podium_ready 1",
        "podium_db_pool_max_connections 8",
        "process_resident_memory_bytes",
        "process_cpu_seconds_total",
        "podium_ranking_compute_seconds_bucket{league=\"l\",kind=\"incremental\"",
    ] {
        assert!(text.contains(needle), "metrics lack {needle}:\n{text}");
    }
    assert!(
        !text.contains("/api/v1/leaderboards/m/"),
        "labels use routes, not raw paths"
    );

    assert_eq!(p.terminate().await, 0);
    let log = std::fs::read_to_string(dir.path().join("p.log")).unwrap();
    let line = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["span"]["request_id"] == "trace-me-42")
        .unwrap_or_else(|| panic!("a JSON log line for the request:\n{log}"));
    assert_eq!(line["status"], 200);
    assert_eq!(line["span"]["route"], "/api/v1/leaderboards/{slug}/entries");
    assert!(line["latency_ms"].is_number());
    assert!(line["timestamp"].is_string());
    assert_eq!(line["level"], "INFO");
}

#[tokio::test]
async fn two_processes_agree_on_league_ratings_and_the_cli_recomputes() {
    let db = fresh_database().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let a = Podium::start(Db::Url(&db), dir.path().join("a.log")).await;
    let b = Podium::start(Db::Url(&db), dir.path().join("b.log")).await;
    let (status, _) = a
        .send(
            reqwest::Method::POST,
            "/api/v1/leagues",
            Some(json!({"slug": "chess", "name": "Chess", "system": "glicko2"})),
        )
        .await
        .unwrap();
    assert_eq!(status, 201);
    let duel = |t: &str, w: &str, l: &str| json!({"played_at": t, "teams": [{"participants": [w], "rank": 1}, {"participants": [l], "rank": 2}]});
    async fn standings(p: &Podium) -> Value {
        let (_, t) = p
            .send(
                reqwest::Method::GET,
                "/api/v1/leagues/chess/standings?include_provisional=true",
                None,
            )
            .await
            .unwrap();
        t["standings"].clone()
    }
    async fn converge(a: &Podium, b: &Podium) -> Value {
        let mut last = (Value::Null, Value::Null);
        for _ in 0..250 {
            last = (standings(a).await, standings(b).await);
            if last.0 == last.1 && last.0.as_array().is_some_and(|x| !x.is_empty()) {
                return last.0;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the processes disagree: {} vs {}", last.0, last.1);
    }
    /// Like `converge`, on standings that differ from `old`.
    async fn converge_to_change(a: &Podium, b: &Podium, old: &Value) -> Value {
        let mut last = Value::Null;
        for _ in 0..250 {
            last = converge(a, b).await;
            if &last != old {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("neither process followed the recompute: {last}");
    }
    for (p, body) in [
        (&a, duel("2026-01-01T10:00:00Z", "ann", "bob")),
        (&b, duel("2026-01-03T10:00:00Z", "bob", "cy")),
        // A late match through A, while B holds the later one.
        (&a, duel("2026-01-02T10:00:00Z", "cy", "ann")),
    ] {
        let (status, out) = p
            .send(
                reqwest::Method::POST,
                "/api/v1/leagues/chess/matches",
                Some(body),
            )
            .await
            .unwrap();
        assert_eq!(status, 201, "{out}");
    }
    let agreed = converge(&a, &b).await;
    assert_eq!(agreed.as_array().unwrap().len(), 3);

    // A result corrected behind the servers' backs (no change record): they cannot know of it,
    // so only the CLI's recompute can bring it to them.
    let mut conn = sqlx::PgConnection::connect(&db).await.expect("connect");
    let flipped = conn
        .execute(
            "update league_match set team_rank = array[team_rank[2], team_rank[1]]
             where played_at = '2026-01-01T10:00:00Z'",
        )
        .await
        .expect("flip a result");
    assert_eq!(flipped.rows_affected(), 1);
    assert_eq!(
        standings(&a).await,
        agreed,
        "A does not know of the edit yet"
    );
    // The CLI recomputes against the same database; both servers follow.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_podium"))
        .args(["recompute", "--league", "chess"])
        .env("DATABASE_URL", &db)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("recomputed 3 matches"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let recomputed = converge_to_change(&a, &b, &agreed).await;
    let c = Podium::start(Db::Url(&db), dir.path().join("c.log")).await;
    assert_eq!(
        standings(&c).await,
        recomputed,
        "both follow the recompute: a fresh process reads the same standings"
    );
    assert_eq!(c.terminate().await, 0);
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_podium"))
        .args(["recompute", "--league", "nope"])
        .env("DATABASE_URL", &db)
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no league has the slug 'nope'"));
    assert_eq!(a.terminate().await, 0);
    assert_eq!(b.terminate().await, 0);
}

/// A folder where PostgreSQL is missing: a private mount namespace hides
/// /usr/lib/postgresql under an empty tmpfs (the real one stays reachable at `<dir>/realpg`),
/// and a fake `apt-get` first on PATH records its calls and, for `install`, puts the real
/// binaries back in place — a machine without PostgreSQL, which this one cannot be otherwise.
fn without_postgresql(dir: &std::path::Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test needs root for a private mount namespace (make test runs as root)"
    );
    let bin = dir.join("fakebin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(dir.join("realpg")).unwrap();
    let d = dir.display();
    let apt = format!(
        "#!/bin/sh\necho \"$*\" >> {d}/apt.log\n\
         if [ \"$1\" = install ]; then mount --bind {d}/realpg /usr/lib/postgresql; fi\n"
    );
    std::fs::write(bin.join("apt-get"), apt).unwrap();
    std::fs::set_permissions(bin.join("apt-get"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let script = format!(
        "set -e\nmount --bind /usr/lib/postgresql {d}/realpg\n\
         mount -t tmpfs tmpfs /usr/lib/postgresql\n\
         export PATH={d}/fakebin:$PATH\nexec \"$PODIUM_EXE\" serve\n"
    );
    std::fs::write(dir.join("run.sh"), script).unwrap();
    ["unshare", "--mount", "--propagation", "private", "sh"]
        .iter()
        .map(|s| s.to_string())
        .chain([dir.join("run.sh").display().to_string()])
        .collect()
}

#[tokio::test]
async fn a_missing_postgresql_is_named_with_its_command_or_installed_when_allowed() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let wrapper = without_postgresql(dir.path());
    let wrapper: Vec<&str> = wrapper.iter().map(String::as_str).collect();
    let data = dir.path().join("data");

    // Not allowed to install: Podium stops and names the command.
    let out = Command::new(wrapper[0])
        .args(&wrapper[1..])
        .env("PODIUM_EXE", env!("CARGO_BIN_EXE_podium"))
        .env_remove("DATABASE_URL")
        .env_remove("PODIUM_PG_BIN")
        .env("PODIUM_DATA_DIR", &data)
        .env("PODIUM_HTTP_ADDR", free_addr().to_string())
        .env("PODIUM_METRICS_ADDR", free_addr().to_string())
        .env("PODIUM_PG_INSTALL", "false")
        .output()
        .await
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("apt-get install -y postgresql-15"),
        "the error names the command: {said}"
    );
    assert!(
        !dir.path().join("apt.log").exists(),
        "nothing was installed"
    );

    // Allowed (the default, as root): it installs PostgreSQL with apt-get and serves.
    let p = Podium::start_wrapped(
        Db::Embedded(&data),
        dir.path().join("p.log"),
        &[("PODIUM_PG_INSTALL", "true")],
        &wrapper,
    )
    .await;
    let apt = std::fs::read_to_string(dir.path().join("apt.log")).unwrap();
    assert!(apt.lines().any(|l| l == "update"), "{apt}");
    assert!(
        apt.lines()
            .any(|l| l == "install -y --no-install-recommends postgresql-15"),
        "{apt}"
    );
    let log = std::fs::read_to_string(dir.path().join("p.log")).unwrap();
    assert!(log.contains("installing it with apt-get"), "{log}");
    let (status, _) = p
        .send(
            reqwest::Method::POST,
            "/api/v1/leaderboards",
            Some(json!({"slug": "a", "name": "A"})),
        )
        .await
        .unwrap();
    assert_eq!(status, 201);
    assert_eq!(p.terminate().await, 0);
}

#[tokio::test]
async fn a_data_folder_the_postgres_user_cannot_reach_gets_its_cluster_elsewhere() {
    use std::os::unix::fs::PermissionsExt;
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test needs root: PostgreSQL then runs as `postgres` (make test runs as root)"
    );
    // A clone in a home folder of mode 700, as root's is on a fresh server.
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(home.join("clone")).unwrap();
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
    let data = home.join("clone/data");
    let log = tmp.path().join("p.log");
    let p = Podium::start(Db::Embedded(&data), log.clone()).await;
    let (status, _) = p
        .send(
            reqwest::Method::POST,
            "/api/v1/leaderboards",
            Some(json!({"slug": "kept", "name": "Kept"})),
        )
        .await
        .unwrap();
    assert_eq!(status, 201);
    assert_eq!(p.terminate().await, 0);
    // Where the cluster went is said in the folder and in the log.
    let note = std::fs::read_to_string(data.join("postgres/CLUSTER-IS-ELSEWHERE.txt")).unwrap();
    let cluster = note
        .split_whitespace()
        .find(|w| w.starts_with("/var/lib/podium/embedded/"))
        .map(|w| w.trim_end_matches(':').to_owned())
        .unwrap_or_else(|| panic!("the note names the cluster's folder: {note}"));
    assert!(
        note.contains(&home.display().to_string()),
        "names the blocker: {note}"
    );
    assert!(
        std::path::Path::new(&cluster)
            .join("pgdata/PG_VERSION")
            .exists()
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains(&cluster), "the log says where: {text}");
    // The next start finds the same cluster.
    let p = Podium::start(Db::Embedded(&data), log).await;
    let (status, _) = p
        .send(reqwest::Method::GET, "/api/v1/leaderboards/kept", None)
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(p.terminate().await, 0);
    std::fs::remove_dir_all(&cluster).unwrap();
}

#[tokio::test]
async fn a_stored_schedule_that_does_not_parse_stops_readiness_with_its_name() {
    let db = fresh_database().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let p = Podium::start(Db::Url(&db), dir.path().join("a.log")).await;
    let (status, _) = p
        .send(
            reqwest::Method::POST,
            "/api/v1/leaderboards",
            Some(json!({"slug": "moon", "name": "Moon", "reset": "daily", "timezone": "Europe/Paris"})),
        )
        .await
        .unwrap();
    assert_eq!(status, 201);
    assert_eq!(p.terminate().await, 0);
    // Changed by hand to something no release wrote: it used to read silently as `never`.
    let mut conn = sqlx::PgConnection::connect(&db).await.unwrap();
    conn.execute("update leaderboard set reset_schedule = 'every blue moon' where slug = 'moon'")
        .await
        .unwrap();
    let log = dir.path().join("b.log");
    let out = std::fs::File::create(&log).unwrap();
    let addr = free_addr();
    let mut child = Command::new(env!("CARGO_BIN_EXE_podium"))
        .arg("serve")
        .env("DATABASE_URL", &db)
        .env("PODIUM_HTTP_ADDR", addr.to_string())
        .env("PODIUM_METRICS_ADDR", free_addr().to_string())
        .env("PODIUM_LOG_FORMAT", "json")
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let url = |path: &str| format!("http://{addr}{path}");
    let mut logged = String::new();
    for _ in 0..1500 {
        logged = std::fs::read_to_string(&log).unwrap_or_default();
        if logged.contains("could not load the rank index") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        logged.contains("leaderboard 'moon'") && logged.contains("every blue moon"),
        "the error names the leaderboard and the value: {logged}"
    );
    let ready = client.get(url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503, "not ready on a board it cannot read");
    let alive = client.get(url("/healthz")).send().await.unwrap();
    assert_eq!(alive.status(), 200);
    child.kill().await.unwrap();
}

/// The process's count of connections taken from its PostgreSQL pool.
async fn db_acquires(p: &Podium) -> u64 {
    let text = reqwest::get(format!("http://{}/metrics", p.metrics))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    text.lines()
        .find_map(|l| l.strip_prefix("podium_db_acquires_total "))
        .map_or(0, |v| v.trim().parse::<f64>().expect("a number") as u64)
}

#[tokio::test]
async fn reads_of_rankings_never_touch_postgresql() {
    let db = fresh_database().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let p = Podium::start(Db::Url(&db), dir.path().join("p.log")).await;
    let post = |path: &str, body: Value| {
        let (p, path) = (&p, path.to_owned());
        async move {
            let (status, v) = p
                .send(reqwest::Method::POST, &path, Some(body))
                .await
                .expect("send");
            assert!(status < 300, "{path}: {status} {v}");
        }
    };
    post("/api/v1/leaderboards", json!({"slug": "b", "name": "B"})).await;
    let scores: Vec<Value> = (0..200)
        .map(|i| json!({"participant": format!("p{i}"), "score": i * 7 % 101}))
        .collect();
    post("/api/v1/leaderboards/b/scores", json!(scores)).await;
    post(
        "/api/v1/leagues",
        json!({"slug": "l", "name": "L", "system": "glicko2"}),
    )
    .await;
    for i in 0..20 {
        let m = json!({"played_at": format!("2026-01-01T10:{i:02}:00Z"),
            "teams": [{"participants": [format!("p{}", i % 5)], "rank": 1},
                      {"participants": [format!("p{}", (i + 1) % 5)], "rank": 2}]});
        post("/api/v1/leagues/l/matches", m).await;
    }
    for who in ["p1", "p2", "p14"] {
        let (status, _) = p
            .send(
                reqwest::Method::PUT,
                &format!("/api/v1/participants/{who}/profile"),
                Some(json!({"display_name": format!("Player {who}")})),
            )
            .await
            .expect("profile");
        assert!(status < 300);
    }

    let reads = [
        "/api/v1/leaderboards",
        "/api/v1/leaderboards/b",
        "/api/v1/leaderboards/b/entries?limit=100",
        "/api/v1/leaderboards/b/entries/p1",
        "/api/v1/leaderboards/b/entries/p1/around?limit=10",
        "/api/v1/leagues",
        "/api/v1/leagues/l",
        "/api/v1/leagues/l/standings",
        "/api/v1/leagues/l/participants/p1",
    ];
    let anonymous = reqwest::Client::new();
    // Warm up (a first request may open a connection for something unrelated), then count.
    for path in reads {
        let r = anonymous.get(p.url(path)).send().await.expect("read");
        assert_eq!(r.status(), 200, "{path}");
    }
    let before = db_acquires(&p).await;
    let rounds = 40;
    for _ in 0..rounds {
        for path in reads {
            let r = anonymous.get(p.url(path)).send().await.expect("read");
            assert_eq!(r.status(), 200, "{path}");
            let body: Value = r.json().await.expect("json");
            if path.ends_with("/entries?limit=100") {
                let named = body["entries"]
                    .as_array()
                    .expect("entries")
                    .iter()
                    .find(|e| e["participant"] == "p14")
                    .expect("p14 (score 98) on the first page");
                assert_eq!(
                    named["display_name"], "Player p14",
                    "profiles shown from memory"
                );
            }
        }
        let (status, _) = p
            .send(
                reqwest::Method::POST,
                "/api/v1/leagues/l/predict",
                Some(json!({"teams": [{"participants": ["p1"]}, {"participants": ["p2"]}]})),
            )
            .await
            .expect("predict");
        assert_eq!(status, 200);
    }
    let used = db_acquires(&p).await - before;
    let requests = rounds * (reads.len() + 1);
    // The process's own background work (the change-feed poll once a second, the key-use
    // flush every 10 s) takes a few connections meanwhile; one per read would be hundreds.
    assert!(
        used < 25,
        "{used} pool connections were taken during {requests} reads of rankings"
    );
    assert_eq!(p.terminate().await, 0);
}
