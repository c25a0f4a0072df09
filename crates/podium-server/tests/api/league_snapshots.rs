//! League snapshots: a process starts a league from its stored snapshot and the matches after
//! it, and gets what replaying every match gives, bit for bit; a change that rates again what a
//! snapshot covers makes it stale, and a stale snapshot is never used.

use podium::{
    clock::Clock,
    leagues::{self, LeagueData, LeagueId, LeagueVersion, store},
};
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};

use crate::support::TestApp;

fn duel(t: &str, winner: &str, loser: &str) -> Value {
    json!({"played_at": t, "teams": [{"participants": [winner], "rank": 1}, {"participants": [loser], "rank": 2}]})
}

/// `n` duels among six players, one a minute from `hour`:00 on 2026-03-01.
fn duels(hour: u32, n: usize) -> Value {
    const WHO: [&str; 6] = ["ann", "bob", "cat", "dan", "eve", "fay"];
    let games: Vec<Value> = (0..n)
        .map(|i| {
            duel(
                &format!("2026-03-01T{hour:02}:{:02}:00Z", i % 60),
                WHO[i * 5 % 6],
                WHO[(i * 5 + 1 + i % 5) % 6],
            )
        })
        .collect();
    json!(games)
}

async fn record(app: &TestApp, slug: &str, body: Value) {
    let (status, out) = app
        .post(&format!("/api/v1/leagues/{slug}/matches"), body)
        .await;
    assert_eq!(status, 201, "{out}");
}

async fn standings(app: &TestApp, slug: &str) -> Value {
    let (status, t) = app
        .get(&format!(
            "/api/v1/leagues/{slug}/standings?include_provisional=true&limit=100"
        ))
        .await;
    assert_eq!(status, 200, "{t}");
    t["standings"].clone()
}

/// The stored snapshot's version and the league's current and last re-rating versions.
async fn versions(conn: &mut PgConnection, slug: &str) -> (Option<i64>, i64, i64) {
    sqlx::query_as(
        "select s.version, l.version, l.rewound_version from league l
         left join league_snapshot s on s.league_id = l.id where l.slug = $1",
    )
    .bind(slug)
    .fetch_one(conn)
    .await
    .expect("the league")
}

/// Builds the league the way start-up does (snapshot when it holds) and by replaying every
/// match; asserts both agree bit for bit and returns the first.
async fn load_both_ways(conn: &mut PgConnection, slug: &str) -> LeagueData {
    let id: i64 = sqlx::query_scalar("select id from league where slug = $1")
        .bind(slug)
        .fetch_one(&mut *conn)
        .await
        .expect("the league");
    let (def, version) = store::load_one(conn, LeagueId(id))
        .await
        .expect("read")
        .expect("the league");
    let started = leagues::load(conn, def.clone(), version)
        .await
        .expect("load");
    let replayed = leagues::load_with(conn, def, version, |_, _, _, _| {})
        .await
        .expect("replay");
    let bits = |d: &LeagueData| -> Vec<(u32, String)> {
        d.engine()
            .standings()
            .map(|(n, s)| (n, format!("{s:?}")))
            .collect()
    };
    assert_eq!(bits(&started), bits(&replayed), "{slug}: standings");
    assert_eq!(started.ratings.last, replayed.ratings.last);
    assert_eq!(started.ratings.matches, replayed.ratings.matches);
    let board = |d: &LeagueData| -> Vec<String> {
        d.all
            .iter_from(1)
            .map(|(r, e)| format!("{r} {} {}", e.participant, e.score))
            .collect()
    };
    assert_eq!(
        board(&started),
        board(&replayed),
        "{slug}: the standings board"
    );
    started
}

#[tokio::test]
async fn a_league_starts_from_its_snapshot_and_the_matches_after_it_as_a_full_replay_would() {
    // A: records a season and a half; its shutdown stores the snapshots.
    let a = TestApp::spawn_with(|c| c.league_snapshot_secs = 3600).await;
    let url = a.database_url.clone();
    for (slug, system) in [("elo", "elo"), ("g2", "glicko2"), ("table", "points")] {
        let (status, body) = a
            .post(
                "/api/v1/leagues",
                json!({"slug": slug, "name": slug, "system": system}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        record(&a, slug, duels(8, 40)).await;
        let (status, body) = a
            .post(&format!("/api/v1/leagues/{slug}/seasons"), json!({}))
            .await;
        assert_eq!(status, 201, "{body}");
        record(&a, slug, duels(9, 30)).await;
    }
    a.stop().await;
    let mut conn = PgConnection::connect(&url).await.expect("connect");
    let (snap, version, _) = versions(&mut conn, "elo").await;
    assert_eq!(snap, Some(version), "the shutdown stored the current state");

    // B (takes no snapshot): matches after the last one rated keep the snapshot valid.
    let b = TestApp::start(url.clone(), Clock::System, |c| c.league_snapshot_secs = 0).await;
    for slug in ["elo", "g2", "table"] {
        record(&b, slug, duels(10, 25)).await;
    }
    let (snap, version, rewound) = versions(&mut conn, "elo").await;
    assert!(
        snap < Some(version) && rewound <= snap.unwrap_or(0),
        "{snap:?} {version} {rewound}"
    );
    for slug in ["elo", "g2", "table"] {
        let data = load_both_ways(&mut conn, slug).await;
        assert_eq!(
            data.stored_snapshot,
            LeagueVersion(snap.unwrap_or(0)),
            "{slug}: started from the snapshot"
        );
    }
    // A process started now serves what B serves.
    let c = TestApp::start(url.clone(), Clock::System, |c| c.league_snapshot_secs = 0).await;
    for slug in ["elo", "g2", "table"] {
        assert_eq!(
            standings(&c, slug).await,
            standings(&b, slug).await,
            "{slug}"
        );
    }
    c.stop().await;

    // A late match rates again what the snapshot covers: it is stale from that commit on,
    // and a snapshot of the state before it is refused.
    record(&b, "elo", duel("2026-03-01T09:00:30Z", "fay", "ann")).await;
    let (snap, version, rewound) = versions(&mut conn, "elo").await;
    assert_eq!(
        rewound, version,
        "the late match marked the snapshots before it stale"
    );
    let data = load_both_ways(&mut conn, "elo").await;
    assert_eq!(
        data.stored_snapshot,
        LeagueVersion(0),
        "the stale snapshot was passed over"
    );
    let old = store::NewSnapshot {
        id: data.def.id,
        version: LeagueVersion(snap.expect("a snapshot")),
        def: &data.def,
        matches: 1,
        participants: 1,
        body: b"\x01",
    };
    assert!(
        !store::save_snapshot(&mut conn, &old).await.expect("save"),
        "a snapshot older than the last re-rating is refused"
    );
    // The next snapshot (here: one taken by a process that starts and stops) holds again.
    b.stop().await;
    let d = TestApp::start(url.clone(), Clock::System, |c| {
        c.league_snapshot_secs = 3600
    })
    .await;
    d.stop().await;
    let (snap, version, _) = versions(&mut conn, "elo").await;
    assert_eq!(snap, Some(version));
    let data = load_both_ways(&mut conn, "elo").await;
    assert_eq!(data.stored_snapshot, LeagueVersion(version));
}

#[tokio::test]
async fn edits_voids_recomputes_and_new_parameters_each_make_the_snapshot_stale_or_replace_it() {
    let a = TestApp::spawn_with(|c| c.league_snapshot_secs = 0).await;
    let url = a.database_url.clone();
    let mut conn = PgConnection::connect(&url).await.expect("connect");
    let (status, body) = a
        .post(
            "/api/v1/leagues",
            json!({"slug": "l", "name": "L", "system": "elo"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    record(&a, "l", duels(8, 30)).await;
    let id: i64 = sqlx::query_scalar("select id from league where slug = 'l'")
        .fetch_one(&mut conn)
        .await
        .expect("id");
    let league = || async {
        let b = TestApp::start(url.clone(), Clock::System, |c| {
            c.league_snapshot_secs = 3600
        })
        .await;
        b.stop().await;
    };
    // Each step: store a fresh snapshot (a process's shutdown), change the league, check.
    let (status, m) = a.get("/api/v1/leagues/l/matches?limit=1").await;
    assert_eq!(status, 200, "{m}");
    let match_id = m["matches"][0]["id"].clone();
    let steps: Vec<(&str, reqwest::Method, String, Option<Value>)> = vec![
        (
            "an edit",
            reqwest::Method::PATCH,
            format!("/api/v1/leagues/l/matches/{match_id}"),
            Some(duel("2026-03-01T08:00:00Z", "bob", "ann")),
        ),
        (
            "new parameters",
            reqwest::Method::PATCH,
            "/api/v1/leagues/l".into(),
            Some(json!({"params": {"k": 16}})),
        ),
        (
            "a void",
            reqwest::Method::DELETE,
            format!("/api/v1/leagues/l/matches/{match_id}"),
            None,
        ),
    ];
    for (what, method, path, body) in steps {
        league().await;
        let (snap, version, _) = versions(&mut conn, "l").await;
        assert_eq!(snap, Some(version), "before {what}");
        let (status, out) = a.call(method, &path, body).await;
        assert!(status < 300, "{what}: {status} {out}");
        let (snap, version, rewound) = versions(&mut conn, "l").await;
        // New parameters recompute, and a recompute stores its own snapshot.
        if what == "new parameters" {
            assert_eq!((snap, rewound), (Some(version), version), "{what}");
        } else {
            assert_eq!(rewound, version, "{what} marks the snapshot stale");
            assert!(snap < Some(version), "{what}");
        }
        load_both_ways(&mut conn, "l").await;
    }
    // A rename rates nothing again: the snapshot still holds.
    league().await;
    let (status, out) = a
        .patch("/api/v1/leagues/l", json!({"name": "Renamed"}))
        .await;
    assert_eq!(status, 200, "{out}");
    let (snap, version, rewound) = versions(&mut conn, "l").await;
    assert!(snap < Some(version) && rewound <= snap.unwrap_or(0));
    let (def, v) = store::load_one(&mut conn, LeagueId(id))
        .await
        .expect("read")
        .expect("the league");
    let data = leagues::load(&mut conn, def, v).await.expect("load");
    assert_eq!(data.stored_snapshot, LeagueVersion(snap.unwrap_or(0)));
    assert_eq!(data.def.name, "Renamed");
    // Should the stored matches ever disagree with the snapshot on where it ends (here: its
    // last match moved by a microsecond behind Podium's back), it is passed over.
    sqlx::query(
        "update league_match set played_at = played_at + interval '1 microsecond'
         where id = (select id from league_match where league_id = $1 and voided_at is null
                     order by played_at desc, id desc limit 1)",
    )
    .bind(id)
    .execute(&mut conn)
    .await
    .expect("move the last match");
    let data = load_both_ways(&mut conn, "l").await;
    assert_eq!(
        data.stored_snapshot,
        LeagueVersion(0),
        "the snapshot was passed over"
    );
    a.stop().await;
}
