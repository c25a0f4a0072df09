//! The authorization matrix, written out by hand: for every route of the OpenAPI document, who
//! may call it and what a successful call answers. It is deliberately independent of
//! `podium::accounts::policy` (the table under test): a route classified wrongly there, or one that
//! lets a caller through and then fails, fails here. Reviewed by a person when it changes.
//!
//! Callers: a = anonymous, v = viewer, e = editor, A = admin (signed-in people), r = `read` key,
//! s = `scores:write` key, m = `matches:write` key, k = `admin` key. Every call from an allowed
//! caller must succeed with the route's own status; a caller not allowed gets 401 when
//! anonymous, 403 otherwise. The resources in the paths are private, so reading them needs a
//! person or a key that reads.

use std::collections::{BTreeSet, HashMap};

use podium::accounts::{Role, Scope};
use reqwest::{Client, Method, header};
use serde_json::{Value, json};

use crate::{
    accounts::{key, signed_in, user},
    support::{TestApp, client_with},
};

enum Body {
    None,
    /// JSON, with `{who}` replaced by the caller's name.
    Json(&'static str),
    /// A CSV file, with `{who}` replaced.
    Csv(&'static str),
    Png,
}

use Body::{Csv, Json, Png};

/// (method, route as documented, the path called, who may call it, success status, body), in
/// the order they run: writes that close a season, delete or sign out come last, and people
/// sign in again before the password change (which ends every session). `{who}` and `{…_id}`
/// in the path are filled per caller.
#[rustfmt::skip]
const MATRIX: &[(&str, &str, &str, &str, u16, Body)] = &[
    // Leaderboards
    ("GET", "/api/v1/leaderboards", "/api/v1/leaderboards", "avAerskm", 200, Body::None),
    ("POST", "/api/v1/leaderboards", "/api/v1/leaderboards", "eAk", 201, Json(r#"{"slug": "lb-{who}", "name": "X"}"#)),
    ("GET", "/api/v1/leaderboards/{slug}", "/api/v1/leaderboards/priv", "veArk", 200, Body::None),
    ("PATCH", "/api/v1/leaderboards/{slug}", "/api/v1/leaderboards/priv", "eAk", 200, Json(r#"{"name": "Private"}"#)),
    ("GET", "/api/v1/leaderboards/{slug}/periods", "/api/v1/leaderboards/priv/periods", "veArk", 200, Body::None),
    ("GET", "/api/v1/leaderboards/{slug}/events", "/api/v1/leaderboards/priv/events", "veArk", 200, Body::None),
    ("POST", "/api/v1/leaderboards/{slug}/scores", "/api/v1/leaderboards/priv/scores", "eAsk", 200, Json(r#"[{"participant": "ann", "score": 1}]"#)),
    ("PUT", "/api/v1/leaderboards/{slug}/scores/{participant}", "/api/v1/leaderboards/priv/scores/ann", "eAsk", 200, Json(r#"{"score": 2}"#)),
    ("GET", "/api/v1/leaderboards/{slug}/entries", "/api/v1/leaderboards/priv/entries", "veArk", 200, Body::None),
    ("GET", "/api/v1/leaderboards/{slug}/entries/{participant}", "/api/v1/leaderboards/priv/entries/ann", "veArk", 200, Body::None),
    ("GET", "/api/v1/leaderboards/{slug}/entries/{participant}/around", "/api/v1/leaderboards/priv/entries/ann/around", "veArk", 200, Body::None),
    ("DELETE", "/api/v1/leaderboards/{slug}/entries/{participant}", "/api/v1/leaderboards/priv/entries/gone-{who}", "eAk", 204, Body::None),
    // Leagues
    ("GET", "/api/v1/leagues", "/api/v1/leagues", "avAerskm", 200, Body::None),
    ("POST", "/api/v1/leagues", "/api/v1/leagues", "eAk", 201, Json(r#"{"slug": "lg-{who}", "name": "X", "system": "elo"}"#)),
    ("GET", "/api/v1/leagues/{slug}", "/api/v1/leagues/privl", "veArk", 200, Body::None),
    ("PATCH", "/api/v1/leagues/{slug}", "/api/v1/leagues/privl", "eAk", 200, Json(r#"{"name": "Private"}"#)),
    ("POST", "/api/v1/leagues/{slug}/matches", "/api/v1/leagues/privl/matches", "eAmk", 201, Json(r#"{"played_at": "2026-03-01T10:00:00Z", "teams": [{"participants": ["w-{who}"], "rank": 1}, {"participants": ["l-{who}"], "rank": 2}]}"#)),
    ("POST", "/api/v1/leagues/{slug}/matches:import", "/api/v1/leagues/privl/matches:import", "eAk", 201, Csv("match,played_at,participants,rank\nm,2026-03-02T10:00:00Z,x-{who},1\nm,2026-03-02T10:00:00Z,y-{who},2\n")),
    ("GET", "/api/v1/leagues/{slug}/matches", "/api/v1/leagues/privl/matches", "veArk", 200, Body::None),
    ("PATCH", "/api/v1/leagues/{slug}/matches/{id}", "/api/v1/leagues/privl/matches/{shared_match_id}", "eAk", 200, Json(r#"{"played_at": "2026-02-01T10:00:00Z", "teams": [{"participants": ["ann"], "rank": 1}, {"participants": ["bob"], "rank": 2}]}"#)),
    ("DELETE", "/api/v1/leagues/{slug}/matches/{id}", "/api/v1/leagues/privl/matches/{match_id}", "eAk", 204, Body::None),
    ("GET", "/api/v1/leagues/{slug}/standings", "/api/v1/leagues/privl/standings", "veArk", 200, Body::None),
    ("GET", "/api/v1/leagues/{slug}/participants/{participant}", "/api/v1/leagues/privl/participants/ann", "veArk", 200, Body::None),
    ("GET", "/api/v1/leagues/{slug}/participants/{participant}/history", "/api/v1/leagues/privl/participants/ann/history", "veArk", 200, Body::None),
    ("GET", "/api/v1/leagues/{slug}/participants/{participant}/matches", "/api/v1/leagues/privl/participants/ann/matches", "veArk", 200, Body::None),
    ("GET", "/api/v1/leagues/{slug}/head-to-head", "/api/v1/leagues/privl/head-to-head?a=ann&b=bob", "veArk", 200, Body::None),
    ("POST", "/api/v1/leagues/{slug}/predict", "/api/v1/leagues/privl/predict", "veArk", 200, Json(r#"{"teams": [{"participants": ["ann"]}, {"participants": ["bob"]}]}"#)),
    ("POST", "/api/v1/leagues/{slug}/recompute", "/api/v1/leagues/privl/recompute", "eAk", 202, Body::None),
    ("GET", "/api/v1/jobs/{id}", "/api/v1/jobs/{job_id}", "eAk", 200, Body::None),
    ("POST", "/api/v1/leagues/{slug}/seasons", "/api/v1/leagues/privl/seasons", "eAk", 201, Body::None),
    // Participants
    ("GET", "/api/v1/participants/{participant}/profile", "/api/v1/participants/ann/profile", "avAerskm", 200, Body::None),
    ("PUT", "/api/v1/participants/{participant}/profile", "/api/v1/participants/ann/profile", "eAk", 200, Json(r#"{"display_name": "Ann"}"#)),
    ("GET", "/api/v1/participants/{participant}/avatar", "/api/v1/participants/ann/avatar", "avAerskm", 200, Body::None),
    ("PUT", "/api/v1/participants/{participant}/avatar", "/api/v1/participants/ann/avatar", "eAk", 200, Png),
    ("DELETE", "/api/v1/participants/{participant}/avatar", "/api/v1/participants/av-{who}/avatar", "eAk", 204, Body::None),
    // Administration
    ("GET", "/api/v1/users", "/api/v1/users", "Ak", 200, Body::None),
    ("POST", "/api/v1/users", "/api/v1/users", "Ak", 201, Json(r#"{"email": "u-{who}@x.io", "password": "correct horse battery staple", "role": "viewer"}"#)),
    ("PATCH", "/api/v1/users/{id}", "/api/v1/users/{user_id}", "Ak", 200, Json(r#"{"role": "viewer"}"#)),
    ("GET", "/api/v1/keys", "/api/v1/keys", "Ak", 200, Body::None),
    ("POST", "/api/v1/keys", "/api/v1/keys", "Ak", 201, Json(r#"{"name": "k-{who}", "scopes": ["read"]}"#)),
    ("DELETE", "/api/v1/keys/{id}", "/api/v1/keys/{key_id}", "Ak", 204, Body::None),
    ("GET", "/api/v1/audit", "/api/v1/audit", "Ak", 200, Body::None),
    ("GET", "/api/v1/system", "/api/v1/system", "Ak", 200, Body::None),
    ("GET", "/api/v1/flags", "/api/v1/flags", "Ak", 200, Body::None),
    ("POST", "/api/v1/flags", "/api/v1/flags", "Ak", 201, Json(r#"{"key": "f-{who}"}"#)),
    ("PATCH", "/api/v1/flags/{key}", "/api/v1/flags/shared", "Ak", 200, Json(r#"{"enabled": true}"#)),
    ("DELETE", "/api/v1/flags/{key}", "/api/v1/flags/d-{who}", "Ak", 204, Body::None),
    ("POST", "/ofrep/v1/evaluate/flags/{key}", "/ofrep/v1/evaluate/flags/shared", "avAerskm", 200, Json(r#"{"context": {"targetingKey": "ann"}}"#)),
    ("POST", "/ofrep/v1/evaluate/flags", "/ofrep/v1/evaluate/flags", "avAerskm", 200, Json(r#"{"context": {"targetingKey": "ann"}}"#)),
    // Deletions, then the caller's own session
    ("DELETE", "/api/v1/leaderboards/{slug}", "/api/v1/leaderboards/del-{who}", "eAk", 204, Body::None),
    ("DELETE", "/api/v1/leagues/{slug}", "/api/v1/leagues/dl-{who}", "eAk", 204, Body::None),
    ("GET", "/api/v1/auth/me", "/api/v1/auth/me", "veA", 200, Body::None),
    ("POST", "/api/v1/auth/logout", "/api/v1/auth/logout", "veA", 204, Body::None),
    ("POST", "/api/v1/auth/password", "/api/v1/auth/password", "veA", 204, Json(r#"{"current_password": "correct horse battery staple", "new_password": "another horse battery staple"}"#)),
    ("POST", "/api/v1/auth/login", "/api/v1/auth/login", "avAerskm", 200, Json(r#"{"email": "shared@x.io", "password": "correct horse battery staple"}"#)),
];

/// The callers: (letter in MATRIX, name used in resource names, client).
async fn callers(app: &TestApp) -> Vec<(char, &'static str, Client)> {
    let db = &app.database_url;
    for (email, role) in [
        ("viewer@x.io", Role::Viewer),
        ("editor@x.io", Role::Editor),
        ("admin@x.io", Role::Admin),
        ("shared@x.io", Role::Viewer),
    ] {
        user(db, email, role).await;
    }
    vec![
        ('a', "anonymous", client_with(None)),
        ('v', "viewer", signed_in(app, "viewer@x.io").await),
        ('e', "editor", signed_in(app, "editor@x.io").await),
        ('A', "admin", signed_in(app, "admin@x.io").await),
        (
            'r',
            "read-key",
            client_with(Some(&key(db, &[Scope::Read]).await)),
        ),
        (
            's',
            "scores-key",
            client_with(Some(&key(db, &[Scope::ScoresWrite]).await)),
        ),
        (
            'm',
            "matches-key",
            client_with(Some(&key(db, &[Scope::MatchesWrite]).await)),
        ),
        (
            'k',
            "admin-key",
            client_with(Some(&key(db, &[Scope::Admin]).await)),
        ),
    ]
}

async fn created(app: &TestApp, path: &str, body: Value) -> Value {
    let (status, out) = app.post(path, body).await;
    assert!(
        status == 201 || status == 202,
        "setup {path}: {status} {out}"
    );
    out
}

fn duel(at: &str, winner: &str, loser: &str) -> Value {
    json!({"played_at": at, "teams": [{"participants": [winner], "rank": 1}, {"participants": [loser], "rank": 2}]})
}

async fn upload_avatar(app: &TestApp, participant: &str) {
    let r = app
        .client
        .put(app.url(&format!("/api/v1/participants/{participant}/avatar")))
        .header(header::CONTENT_TYPE, "image/png")
        .body(crate::profiles::files::png(32, 32))
        .send()
        .await
        .expect("upload");
    assert_eq!(r.status(), 200, "setup avatar of {participant}");
}

/// Creates everything the paths name (as the test's static admin token), one copy per caller
/// of whatever a call deletes; returns the placeholders to fill per caller.
async fn setup(app: &TestApp, names: &[&str]) -> HashMap<(&'static str, String), String> {
    let mut ids = HashMap::new();
    app.leaderboard(json!({"slug": "priv", "name": "Private", "visibility": "private"}))
        .await;
    app.score("priv", "ann", 1).await;
    created(
        app,
        "/api/v1/leagues",
        json!({"slug": "privl", "name": "Private", "system": "elo", "visibility": "private"}),
    )
    .await;
    let shared = created(
        app,
        "/api/v1/leagues/privl/matches",
        duel("2026-02-01T10:00:00Z", "ann", "bob"),
    )
    .await;
    let shared_match = shared["id"].to_string();
    created(app, "/api/v1/flags", json!({"key": "shared"})).await;
    let (status, _) = app
        .put(
            "/api/v1/participants/ann/profile",
            json!({"display_name": "Ann"}),
        )
        .await;
    assert_eq!(status, 201);
    upload_avatar(app, "ann").await;
    let (_, users) = app.get("/api/v1/users").await;
    let shared_user = users["users"]
        .as_array()
        .and_then(|u| u.iter().find(|u| u["email"] == "shared@x.io"))
        .map(|u| u["id"].to_string())
        .expect("the shared user");
    let job = created(app, "/api/v1/leagues/privl/recompute", json!(null)).await;
    let job_id = job["job"]
        .as_str()
        .unwrap_or_else(|| panic!("a job id: {job}"))
        .to_owned();
    for (i, who) in names.iter().enumerate() {
        let who = (*who).to_owned();
        app.leaderboard(
            json!({"slug": format!("del-{who}"), "name": "D", "visibility": "private"}),
        )
        .await;
        created(
            app,
            "/api/v1/leagues",
            json!({"slug": format!("dl-{who}"), "name": "D", "system": "elo"}),
        )
        .await;
        created(app, "/api/v1/flags", json!({"key": format!("d-{who}")})).await;
        app.score("priv", &format!("gone-{who}"), 1).await;
        upload_avatar(app, &format!("av-{who}")).await;
        let key = created(
            app,
            "/api/v1/keys",
            json!({"name": format!("del-{who}"), "scopes": ["read"]}),
        )
        .await;
        let m = created(
            app,
            "/api/v1/leagues/privl/matches",
            duel(&format!("2026-02-02T10:{i:02}:00Z"), "cy", "dan"),
        )
        .await;
        ids.insert(("{key_id}", who.clone()), key["key"]["id"].to_string());
        ids.insert(("{match_id}", who.clone()), m["id"].to_string());
        ids.insert(("{shared_match_id}", who.clone()), shared_match.clone());
        ids.insert(("{user_id}", who.clone()), shared_user.clone());
        ids.insert(("{job_id}", who.clone()), job_id.clone());
    }
    ids
}

#[tokio::test]
async fn every_route_lets_in_exactly_the_callers_the_reviewed_matrix_names() {
    let app = TestApp::spawn().await;
    let mut callers = callers(&app).await;
    let names: Vec<&str> = callers.iter().map(|c| c.1).collect();
    let ids = setup(&app, &names).await;

    // The matrix covers the OpenAPI document exactly: a new route needs a reviewed row.
    let (_, doc) = app.get("/api/openapi.json").await;
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .expect("operations")
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let covered: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(m, route, ..)| (m.to_string(), route.to_string()))
        .collect();
    assert_eq!(
        documented.difference(&covered).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "documented routes without a row in the matrix"
    );
    assert_eq!(
        covered.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "rows of the matrix for routes that do not exist"
    );

    let mut checked = 0;
    for (method, _, path, allowed, success, body) in MATRIX {
        if *path == "/api/v1/auth/password" {
            for (letter, who, client) in &mut callers {
                if "veA".contains(*letter) {
                    *client = signed_in(&app, &format!("{who}@x.io")).await;
                }
            }
        }
        for (letter, who, client) in &callers {
            let mut url = path.replace("{who}", who);
            for placeholder in [
                "{key_id}",
                "{match_id}",
                "{shared_match_id}",
                "{user_id}",
                "{job_id}",
            ] {
                if let Some(id) = ids.get(&(placeholder, (*who).to_owned())) {
                    url = url.replace(placeholder, id);
                }
            }
            let method = Method::from_bytes(method.as_bytes()).expect("method");
            let mut req = client.request(method.clone(), app.url(&url));
            req = match body {
                Body::None => req,
                Json(t) => req.json(
                    &serde_json::from_str::<Value>(&t.replace("{who}", who)).expect("a JSON body"),
                ),
                Csv(t) => req
                    .header(header::CONTENT_TYPE, "text/csv")
                    .body(t.replace("{who}", who)),
                Png => req
                    .header(header::CONTENT_TYPE, "image/png")
                    .body(crate::profiles::files::png(16, 16)),
            };
            let r = req.send().await.expect("send");
            let status = r.status().as_u16();
            let want = if allowed.contains(*letter) {
                *success
            } else if *letter == 'a' {
                401
            } else {
                403
            };
            if status != want {
                let text = r.text().await.unwrap_or_default();
                panic!("{who} {method} {url}: {status}, expected {want}: {text}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, MATRIX.len() * callers.len());
    // Every row of the table under test names a route that exists.
    for (m, r, _) in podium::accounts::policy::TABLE {
        let in_doc = documented.contains(&(m.to_string(), r.to_string()));
        assert!(
            in_doc || ["/healthz", "/readyz", "/version", "/api/openapi.json"].contains(r),
            "{m} {r} is not a route"
        );
    }
}

/// A method a route does not have answers 405 (it is not a missing authorization rule, and it
/// logs no error a client could flood the log with); HEAD needs what GET needs.
#[tokio::test]
async fn another_method_gets_405_and_head_needs_what_get_needs() {
    let app = TestApp::spawn().await;
    app.leaderboard(json!({"slug": "hidden", "name": "Hidden", "visibility": "private"}))
        .await;
    let anonymous = client_with(None);
    for (method, path) in [
        ("PUT", "/api/v1/auth/logout"),
        ("TRACE", "/api/v1/auth/password"),
        ("PATCH", "/api/v1/leaderboards/hidden/entries"),
        ("DELETE", "/api/v1/leagues"),
    ] {
        let r = anonymous
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                app.url(path),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405, "{method} {path}");
    }
    let head = |path: &str| anonymous.head(app.url(path)).send();
    assert_eq!(
        head("/api/v1/leaderboards/hidden").await.unwrap().status(),
        401
    );
    assert_eq!(
        head("/api/v1/leaderboards/hidden/entries")
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(head("/api/v1/leaderboards").await.unwrap().status(), 200);
    let r = app
        .client
        .head(app.url("/api/v1/leaderboards/hidden"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the admin token reads it");
    app.stop().await;
}
