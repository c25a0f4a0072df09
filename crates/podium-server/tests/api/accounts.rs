//! Accounts: the authorization matrix over every route of the OpenAPI document, sessions
//! (fixation, expiry, sign-out), login throttling, API keys and their revocation across
//! processes, the audit trail of each action, and the database refusing audit changes.

use std::time::Duration;

use chrono::{DateTime, Utc};
use podium::{
    accounts::{Role, Scope, hash_password, keys::NewKey},
    audit::Context,
    clock::Clock,
};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};

use crate::support::{TestApp, client_with, fresh_database};

pub(crate) const PASSWORD: &str = "correct horse battery staple";

async fn pool(app_db: &str) -> sqlx::PgPool {
    sqlx::PgPool::connect(app_db).await.expect("connect")
}

pub(crate) async fn user(db: &str, email: &str, role: Role) {
    let hash = hash_password(PASSWORD).unwrap();
    podium::accounts::service::create_user(&pool(db).await, &Context::cli(), email, &hash, role)
        .await
        .unwrap()
        .expect("new user");
}

pub(crate) async fn key(db: &str, scopes: &[Scope]) -> String {
    let new = NewKey {
        name: "test".into(),
        scopes: scopes.to_vec(),
        leaderboards: None,
        leagues: None,
        expires_at: None,
        created_by: "test".into(),
    };
    podium::accounts::service::create_key(&pool(db).await, None, &Context::cli(), &new)
        .await
        .unwrap()
        .1
        .0
}

/// A client holding a session cookie, sending a same-origin Origin on every request.
pub(crate) async fn signed_in(app: &TestApp, email: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", format!("http://{}", app.addr).parse().unwrap());
    let client = Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap();
    let r = client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "login {email}");
    client
}

#[tokio::test]
async fn a_session_gets_a_fresh_id_at_login_and_ends_at_logout() {
    let app = TestApp::spawn().await;
    user(&app.database_url, "ann@x.io", Role::Editor).await;
    let client = client_with(None);
    // A cookie planted before login is not adopted.
    let planted = "podium_session=attacker-chosen-value";
    let r = client
        .post(app.url("/api/v1/auth/login"))
        .header("cookie", planted)
        .json(&json!({"email": "ANN@x.io", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    assert_ne!(session, planted);
    let me = client
        .get(app.url("/api/v1/auth/me"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(me.json::<Value>().await.unwrap()["user"]["role"], "editor");
    let me = client
        .get(app.url("/api/v1/auth/me"))
        .header("cookie", planted)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);

    // A change by cookie needs a same-origin Origin header.
    let body = json!({"slug": "x", "name": "X"});
    let r = client
        .post(app.url("/api/v1/leaderboards"))
        .header("cookie", &session)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = client
        .post(app.url("/api/v1/leaderboards"))
        .header("cookie", &session)
        .header("origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let origin = format!("http://{}", app.addr);
    let r = client
        .post(app.url("/api/v1/leaderboards"))
        .header("cookie", &session)
        .header("origin", &origin)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    let r = client
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", &session)
        .header("origin", &origin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let me = client
        .get(app.url("/api/v1/auth/me"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401, "the old session id is dead");
}

#[tokio::test]
async fn sessions_expire_when_idle_and_at_their_absolute_limit() {
    let start: DateTime<Utc> = "2026-07-01T12:00:00Z".parse().unwrap();
    let db = fresh_database().await;
    let clock = Clock::manual(start);
    let app = TestApp::start(db.clone(), clock.clone(), |c| {
        c.session_idle_secs = 3600;
        c.session_absolute_secs = 4 * 3600;
    })
    .await;
    user(&db, "ann@x.io", Role::Viewer).await;
    let login = || async {
        let r = client_with(None)
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": "ann@x.io", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    };
    let me_url = app.url("/api/v1/auth/me");
    let me = |cookie: String| {
        let url = me_url.clone();
        async move {
            client_with(None)
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let s = login().await;
    clock.set(start + chrono::Duration::minutes(50));
    assert_eq!(me(s.clone()).await, 200);
    clock.set(start + chrono::Duration::minutes(50 + 61));
    assert_eq!(me(s).await, 401, "idle for more than an hour");

    let s = login().await;
    let t0 = start + chrono::Duration::minutes(111);
    for i in 1..=7 {
        clock.set(t0 + chrono::Duration::minutes(30 * i));
        let status = me(s.clone()).await;
        if i <= 7 && 30 * i < 240 {
            assert_eq!(status, 200, "{} minutes in", 30 * i);
        }
    }
    clock.set(t0 + chrono::Duration::minutes(241));
    assert_eq!(me(s).await, 401, "past the absolute limit, even if active");
}

#[tokio::test]
async fn failed_logins_back_off_and_unknown_accounts_look_the_same() {
    // A manual clock: the lock lasts a second, which a loaded machine can spend between calls.
    let app = TestApp::spawn_at("2026-03-01T12:00:00Z".parse().unwrap()).await;
    user(&app.database_url, "ann@x.io", Role::Viewer).await;
    let client = client_with(None);
    let attempt = |email: &'static str, password: &'static str| {
        let client = client.clone();
        let url = app.url("/api/v1/auth/login");
        async move {
            let r = client
                .post(url)
                .json(&json!({"email": email, "password": password}))
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let (s1, wrong) = attempt("ann@x.io", "not the password").await;
    let (s2, unknown) = attempt("nobody@x.io", "not the password").await;
    assert_eq!(
        (s1, s2),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    let strip = |mut v: Value| {
        v.as_object_mut().unwrap().remove("request_id");
        v
    };
    assert_eq!(
        strip(wrong),
        strip(unknown),
        "the same answer for an unknown account"
    );
    for _ in 0..4 {
        attempt("ann@x.io", "not the password").await;
    }
    let (status, problem) = attempt("ann@x.io", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{problem}");
    assert_eq!(problem["code"], "too_many_attempts");
}

#[tokio::test]
async fn audit_rows_follow_each_action_and_the_database_refuses_to_change_them() {
    let app = TestApp::spawn().await;
    let db = app.database_url.clone();
    user(&db, "boss@x.io", Role::Owner).await;
    let boss = signed_in(&app, "boss@x.io").await;
    let client_with_origin = boss;
    let call = |m: Method, path: &str, body: Option<Value>| {
        let mut r = client_with_origin.request(m, app.url(path));
        if let Some(b) = body {
            r = r.json(&b);
        }
        async move { r.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(
        call(
            Method::POST,
            "/api/v1/leaderboards",
            Some(json!({"slug": "a", "name": "A"}))
        )
        .await,
        201
    );
    assert_eq!(
        call(
            Method::PATCH,
            "/api/v1/leaderboards/a",
            Some(json!({"name": "A2"}))
        )
        .await,
        200
    );
    assert_eq!(
        call(
            Method::POST,
            "/api/v1/leagues",
            Some(json!({"slug": "l", "name": "L", "system": "elo"}))
        )
        .await,
        201
    );
    assert_eq!(
        call(
            Method::POST,
            "/api/v1/users",
            Some(json!({"email": "ed@x.io", "password": PASSWORD, "role": "editor"}))
        )
        .await,
        201
    );
    let created: Value = client_with_origin
        .post(app.url("/api/v1/keys"))
        .json(&json!({"name": "ci", "scopes": ["scores:write"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        call(Method::DELETE, "/api/v1/leaderboards/a", None).await,
        204
    );
    // League actions: a match edited and voided, an import, a recompute, a new season.
    let duel = |t: &str, w: &str, l: &str| json!({"played_at": t, "teams": [{"participants": [w], "rank": 1}, {"participants": [l], "rank": 2}]});
    let m: Value = client_with_origin
        .post(app.url("/api/v1/leagues/l/matches"))
        .json(&duel("2026-01-01T10:00:00Z", "ann", "bob"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/leagues/l/matches/{}", m["id"]);
    assert_eq!(
        call(
            Method::PATCH,
            &path,
            Some(duel("2026-01-01T10:00:00Z", "bob", "ann"))
        )
        .await,
        200
    );
    assert_eq!(call(Method::DELETE, &path, None).await, 204);
    let csv = "match,played_at,participants,rank\nm1,2026-01-02T10:00:00Z,ann,1\nm1,2026-01-02T10:00:00Z,bob,2\n";
    let r = client_with_origin
        .post(app.url("/api/v1/leagues/l/matches:import"))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(
        call(Method::POST, "/api/v1/leagues/l/recompute", None).await,
        202
    );
    assert_eq!(
        call(Method::POST, "/api/v1/leagues/l/seasons", None).await,
        201
    );
    let key_id = created["key"]["id"].as_i64().unwrap();
    assert_eq!(
        call(Method::DELETE, &format!("/api/v1/keys/{key_id}"), None).await,
        204
    );
    assert_eq!(call(Method::POST, "/api/v1/auth/logout", None).await, 204);
    let r = client_with(None)
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "boss@x.io", "password": "wrong wrong wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // The recompute job writes its row when it finishes.
    for _ in 0..100 {
        let (_, p) = app.get("/api/v1/audit?action=league.recompute").await;
        if !p["entries"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let (status, page) = app.get("/api/v1/audit?limit=100").await;
    assert_eq!(status, 200, "{page}");
    let entries = page["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for want in [
        "auth.login",
        "auth.login_failed",
        "leaderboard.create",
        "leaderboard.update",
        "leaderboard.delete",
        "league.create",
        "user.create",
        "key.create",
        "key.revoke",
        "match.update",
        "match.void",
        "match.import",
        "league.recompute",
        "league.season",
        "auth.logout",
    ] {
        assert!(actions.contains(&want), "{want} missing from {actions:?}");
    }
    let update = entries
        .iter()
        .find(|e| e["action"] == "leaderboard.update")
        .unwrap();
    assert_eq!(update["actor"], "user:boss@x.io");
    assert_eq!(update["before"]["name"], "A");
    assert_eq!(update["after"]["name"], "A2");
    assert!(update["request_id"].is_string() && update["ip"].is_string());
    let text = serde_json::to_string(&page).unwrap();
    assert!(
        !text.contains(PASSWORD) && !text.contains(&secret),
        "no secret in the audit log"
    );
    let (_, filtered) = app.get("/api/v1/audit?action=user.create").await;
    assert_eq!(
        filtered["entries"].as_array().unwrap().len(),
        2,
        "the owner (by the CLI) and ed"
    );
    let (_, filtered) = app
        .get("/api/v1/audit?action=user.create&actor=user:boss@x.io")
        .await;
    assert_eq!(filtered["entries"][0]["target"], "user:ed@x.io");

    let mut conn = PgConnection::connect(&db).await.unwrap();
    for sql in [
        "update audit_log set action = 'forged'",
        "delete from audit_log",
        "truncate audit_log",
    ] {
        let err = sqlx::query(sql).execute(&mut conn).await.expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
}

#[tokio::test]
async fn a_revoked_key_stops_working_on_every_process() {
    let db = fresh_database().await;
    let started = Utc::now();
    let a = TestApp::start(db.clone(), Clock::System, |_| {}).await;
    let b = TestApp::start(db.clone(), Clock::System, |_| {}).await;
    a.leaderboard(json!({"slug": "s", "name": "S"})).await;
    let (status, created) = a
        .post(
            "/api/v1/keys",
            json!({"name": "game server", "scopes": ["scores:write"], "leaderboards": ["s"]}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with(&format!(
        "pk_{}_",
        created["key"]["prefix"].as_str().unwrap()
    )));
    let game = client_with(Some(&secret));
    let put = |app: &TestApp| {
        let req = game
            .put(app.url("/api/v1/leaderboards/s/scores/ann"))
            .json(&json!({"score": 1}));
        async move { req.send().await.unwrap().status() }
    };
    async fn eventually(mut f: impl AsyncFnMut() -> StatusCode, want: StatusCode) -> StatusCode {
        let mut last = StatusCode::OK;
        for _ in 0..150 {
            last = f().await;
            if last == want {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        last
    }
    assert_eq!(
        eventually(async || put(&b).await, StatusCode::OK).await,
        StatusCode::OK,
        "B learned of the new key"
    );
    // Limited to leaderboard s: another one is refused.
    a.leaderboard(json!({"slug": "t", "name": "T"})).await;
    let r = game
        .put(a.url("/api/v1/leaderboards/t/scores/ann"))
        .json(&json!({"score": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let id = created["key"]["id"].as_i64().unwrap();
    let (status, _) = a.delete(&format!("/api/v1/keys/{id}")).await;
    assert_eq!(status, 204);
    assert_eq!(
        put(&a).await,
        StatusCode::UNAUTHORIZED,
        "at once on the process that revoked it"
    );
    assert_eq!(
        eventually(async || put(&b).await, StatusCode::UNAUTHORIZED).await,
        StatusCode::UNAUTHORIZED,
        "and on the other"
    );
    // A process records when keys were used every 10 s and when it stops.
    b.stop().await;
    let (_, keys) = a.get("/api/v1/keys").await;
    let listed = &keys["keys"][0];
    assert_eq!(listed["revoked"], true);
    let used: DateTime<Utc> = listed["last_used_at"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("the key was used, so last_used_at is a time: {listed}"));
    assert!(
        started <= used && used <= Utc::now(),
        "last used {used}, test started {started}"
    );
    assert!(
        !serde_json::to_string(&keys).unwrap().contains(&secret),
        "the secret is never listed"
    );
}

#[tokio::test]
async fn the_cli_creates_users_and_keys_and_exports_the_audit_log() {
    let app = TestApp::spawn().await;
    let db = app.database_url.clone();
    let run = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_podium"))
            .args(args)
            .env("DATABASE_URL", &db)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = run(
        &[
            "admin",
            "create-user",
            "--email",
            "root@x.io",
            "--role",
            "owner",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(ok, "{err}");
    assert!(out.contains("created owner user root@x.io"), "{out}");
    let (ok, _, err) = run(
        &[
            "admin",
            "create-user",
            "--email",
            "weak@x.io",
            "--role",
            "viewer",
        ],
        "short\n",
    );
    assert!(!ok && err.contains("at least 12"), "{err}");
    let (ok, out, err) = run(
        &[
            "admin",
            "create-key",
            "--name",
            "automation",
            "--scopes",
            "admin",
        ],
        "",
    );
    assert!(ok, "{err}");
    let secret = out.trim().to_owned();
    assert!(secret.starts_with("pk_"));
    // A key made beside the server works at once (an unknown key reloads the cache).
    let r = client_with(Some(&secret))
        .post(app.url("/api/v1/leaderboards"))
        .json(&json!({"slug": "k", "name": "K"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (ok, out, err) = run(&["audit", "export", "--since", "2000-01-01T00:00:00Z"], "");
    assert!(ok, "{err}");
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let actions: Vec<&str> = lines
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions[..2], ["user.create", "key.create"], "{actions:?}");
    assert!(actions.contains(&"leaderboard.create"));
    assert_eq!(lines[0]["actor"], "cli");
    assert!(!out.contains(&secret) && !out.contains(PASSWORD));
}

/// One failed sign-in for `email` from the address `from` (sent as X-Forwarded-For).
async fn fail_login(app: &TestApp, email: &str, from: &str) -> (StatusCode, Option<i64>) {
    let r = client_with(None)
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", from)
        .json(&json!({"email": email, "password": "not the password"}))
        .send()
        .await
        .unwrap();
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    (r.status(), retry)
}

#[tokio::test]
async fn failed_logins_back_off_per_address_doubling_up_to_fifteen_minutes() {
    let start: DateTime<Utc> = "2026-03-01T12:00:00Z".parse().unwrap();
    let app = TestApp::spawn_at(start).await;
    // Every attempt names another account, so only the address's count can lock.
    let mut n = 0;
    let mut attempt = async |from: &str| {
        n += 1;
        fail_login(&app, &format!("nobody{n}@x.io"), from).await
    };
    for _ in 0..4 {
        assert_eq!(attempt("203.0.113.5").await.0, StatusCode::UNAUTHORIZED);
    }
    // The 5th failure locks the address for 1 s, the next ones for 2, 4, 8 … seconds.
    assert_eq!(attempt("203.0.113.5").await.0, StatusCode::UNAUTHORIZED);
    let (status, retry) = attempt("203.0.113.5").await;
    assert_eq!((status, retry), (StatusCode::TOO_MANY_REQUESTS, Some(1)));
    assert_eq!(
        attempt("198.51.100.7").await.0,
        StatusCode::UNAUTHORIZED,
        "another address is not locked"
    );
    let mut now = start;
    let mut waits = Vec::new();
    for _ in 0..14 {
        // Wait out the lock, fail once more, read the new lock.
        now += chrono::Duration::seconds(901);
        app.clock.set(now);
        assert_eq!(attempt("203.0.113.5").await.0, StatusCode::UNAUTHORIZED);
        let (status, retry) = attempt("203.0.113.5").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        waits.push(retry.expect("Retry-After"));
    }
    assert_eq!(
        waits,
        [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900, 900],
        "doubling, capped at 15 minutes"
    );
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    // Manual clocks: the locks last seconds, which a loaded machine can spend between calls.
    let start: DateTime<Utc> = "2026-03-01T12:00:00Z".parse().unwrap();
    // Trusted (loopback, the default): the forwarded address is the one that is locked.
    let app = TestApp::spawn_at(start).await;
    for i in 0..6 {
        fail_login(
            &app,
            &format!("a{i}@x.io"),
            &format!("192.0.2.{i}, 203.0.113.9"),
        )
        .await;
    }
    assert_eq!(
        fail_login(&app, "b@x.io", "203.0.113.9").await.0,
        StatusCode::TOO_MANY_REQUESTS,
        "the last hop of X-Forwarded-For is the client"
    );
    assert_eq!(
        fail_login(&app, "c@x.io", "203.0.113.10").await.0,
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
    // Not trusted: the header is ignored, so every attempt counts against the peer itself.
    let app = TestApp::start(fresh_database().await, Clock::manual(start), |c| {
        c.trusted_proxies = Vec::new()
    })
    .await;
    for i in 0..6 {
        fail_login(&app, &format!("a{i}@x.io"), &format!("203.0.113.{i}")).await;
    }
    assert_eq!(
        fail_login(&app, "b@x.io", "203.0.113.200").await.0,
        StatusCode::TOO_MANY_REQUESTS,
        "a forged header does not escape the lock on the real address"
    );
}

#[tokio::test]
async fn the_session_cookie_is_secure_httponly_and_lax_unless_turned_off() {
    for secure in [true, false] {
        let app = TestApp::spawn_with(|c| c.cookie_secure = secure).await;
        user(&app.database_url, "ann@x.io", Role::Viewer).await;
        let r = client_with(None)
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": "ann@x.io", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
        let attrs: Vec<String> = cookie
            .split(';')
            .map(|a| a.trim().to_ascii_lowercase())
            .collect();
        assert!(cookie.starts_with("podium_session="), "{cookie}");
        assert!(attrs.contains(&"httponly".to_owned()), "{cookie}");
        assert!(attrs.contains(&"samesite=lax".to_owned()), "{cookie}");
        assert_eq!(attrs.contains(&"secure".to_owned()), secure, "{cookie}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_key_stops_at_its_expiry_and_a_league_key_writes_only_its_leagues() {
    let start: DateTime<Utc> = "2026-03-01T12:00:00Z".parse().unwrap();
    let app = TestApp::spawn_at(start).await;
    for slug in ["mine", "theirs"] {
        let (status, _) = app
            .post(
                "/api/v1/leagues",
                json!({"slug": slug, "name": slug, "system": "elo"}),
            )
            .await;
        assert_eq!(status, 201);
    }
    let (status, created) = app
        .post(
            "/api/v1/keys",
            json!({"name": "bot", "scopes": ["matches:write"], "leagues": ["mine"],
                   "expires_at": "2026-03-01T13:00:00Z"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let bot = client_with(Some(created["secret"].as_str().unwrap()));
    let record = |slug: &str, at: &str| {
        bot.post(app.url(&format!("/api/v1/leagues/{slug}/matches")))
            .json(&json!({"played_at": at, "teams": [{"participants": ["a"], "rank": 1}, {"participants": ["b"], "rank": 2}]}))
            .send()
    };
    let r = record("mine", "2026-03-01T11:00:00Z").await.unwrap();
    assert_eq!(r.status(), 201);
    let r = record("theirs", "2026-03-01T11:00:00Z").await.unwrap();
    assert_eq!(r.status(), 403, "limited to the leagues it names");
    app.clock.set("2026-03-01T12:59:59Z".parse().unwrap());
    let r = record("mine", "2026-03-01T11:01:00Z").await.unwrap();
    assert_eq!(r.status(), 201, "still valid a second before its expiry");
    app.clock.set("2026-03-01T13:00:00Z".parse().unwrap());
    let r = record("mine", "2026-03-01T11:02:00Z").await.unwrap();
    assert_eq!(r.status(), 401, "expired at its expiry");
    let problem: Value = r.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("expired"),
        "{problem}"
    );
}

#[tokio::test]
async fn an_action_whose_audit_row_cannot_be_written_does_not_happen() {
    let app = TestApp::spawn().await;
    // The audit row of a leaderboard's creation is refused by the database...
    let mut conn = PgConnection::connect(&app.database_url).await.unwrap();
    sqlx::query(
        "alter table audit_log add constraint test_refuse check (action <> 'leaderboard.create')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let (status, _) = app
        .post(
            "/api/v1/leaderboards",
            json!({"slug": "ghost", "name": "Ghost"}),
        )
        .await;
    assert_eq!(status, 500);
    // ...so the leaderboard, written in the same transaction, is not there either.
    let stored: i64 = sqlx::query_scalar("select count(*) from leaderboard where slug = 'ghost'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored, 0);
    assert_eq!(app.get("/api/v1/leaderboards/ghost").await.0, 404);
    // Other audited actions go on.
    let (status, _) = app
        .post(
            "/api/v1/leagues",
            json!({"slug": "real", "name": "Real", "system": "elo"}),
        )
        .await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn housekeeping_prunes_dead_sessions_and_old_throttles_and_keeps_the_rest() {
    use podium::accounts::{housekeeping, session::Lifetimes};
    let db = fresh_database().await;
    user(&db, "kept@example.com", Role::Viewer).await;
    let pool = pool(&db).await;
    let now: DateTime<Utc> = "2026-12-08T12:00:00Z".parse().unwrap();
    let life = Lifetimes {
        idle: chrono::Duration::hours(12),
        absolute: chrono::Duration::days(7),
    };
    let h = chrono::Duration::hours;
    // (id, last seen, expires): alive, idle too long, past its absolute expiry.
    for (id, seen, expires) in [
        (1u8, now - h(1), now + h(24)),
        (2, now - h(13), now + h(24)),
        (3, now - h(1), now - h(1)),
    ] {
        sqlx::query(
            "insert into user_session (id_hash, user_id, created_at, last_seen_at, expires_at)
             select $1, id, $2, $2, $3 from app_user where email = 'kept@example.com'",
        )
        .bind(vec![id])
        .bind(seen)
        .bind(expires)
        .execute(&pool)
        .await
        .unwrap();
    }
    // (key, locked until, last failure): recent, locked for a while yet, over and old.
    for (key, locked, updated) in [
        ("recent", None, now - h(2)),
        ("locked", Some(now + h(1)), now - h(30)),
        ("old", Some(now - h(29)), now - h(30)),
    ] {
        sqlx::query(
            "insert into login_throttle (key, failures, locked_until, updated_at) values ($1, 6, $2, $3)",
        )
        .bind(key)
        .bind(locked)
        .bind(updated)
        .execute(&pool)
        .await
        .unwrap();
    }
    let audit_before: i64 = sqlx::query_scalar("select count(*) from audit_log")
        .fetch_one(&pool)
        .await
        .unwrap();

    let pruned = housekeeping::prune(&pool, life, now).await.unwrap();
    assert_eq!((pruned.sessions, pruned.throttles), (2, 1));
    let sessions: Vec<Vec<u8>> = sqlx::query_scalar("select id_hash from user_session")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(sessions, vec![vec![1u8]]);
    let mut throttles: Vec<String> = sqlx::query_scalar("select key from login_throttle")
        .fetch_all(&pool)
        .await
        .unwrap();
    throttles.sort();
    assert_eq!(throttles, ["locked", "recent"]);
    let audit_after: i64 = sqlx::query_scalar("select count(*) from audit_log")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        audit_before, audit_after,
        "housekeeping never touches the audit log"
    );
    // A second pass finds nothing more.
    let again = housekeeping::prune(&pool, life, now).await.unwrap();
    assert_eq!((again.sessions, again.throttles), (0, 0));
}
