//! Reading ranks: pages with cursors, ranking modes, tie-breaks, friends, around, erase.

use std::collections::HashSet;

use serde_json::json;

use crate::support::TestApp;

async fn seeded(scores: &[(&str, i64)]) -> TestApp {
    let app = TestApp::spawn().await;
    app.leaderboard(json!({"slug": "a", "name": "A"})).await;
    let items: Vec<_> = scores
        .iter()
        .map(|(p, s)| json!({"participant": p, "score": s}))
        .collect();
    let (status, body) = app
        .post("/api/v1/leaderboards/a/scores", json!(items))
        .await;
    assert_eq!(status, 200, "{body}");
    app
}

#[tokio::test]
async fn equal_scores_share_ranks_in_competition_and_dense_rankings() {
    let app = seeded(&[("a1", 50), ("b2", 40), ("c3", 40), ("d4", 30)]).await;
    let ranks = |v: Vec<(String, i64, u64)>| v.into_iter().map(|(_, _, r)| r).collect::<Vec<_>>();
    assert_eq!(ranks(app.top("a", "").await), vec![1, 2, 3, 4]);
    assert_eq!(
        ranks(app.top("a", "ranking=competition").await),
        vec![1, 2, 2, 4]
    );
    assert_eq!(ranks(app.top("a", "ranking=dense").await), vec![1, 2, 2, 3]);
}

#[tokio::test]
async fn ties_go_to_who_reached_the_score_first_then_to_participant_id() {
    let app = TestApp::spawn().await;
    app.leaderboard(json!({"slug": "a", "name": "A"})).await;
    app.score("a", "zed", 10).await;
    app.score("a", "amy", 10).await;
    let names: Vec<_> = app
        .top("a", "")
        .await
        .into_iter()
        .map(|(p, _, _)| p)
        .collect();
    assert_eq!(names, ["zed", "amy"], "zed reached 10 first");
    // Same instant (one batch): participant id decides.
    let (status, _) = app
        .post(
            "/api/v1/leaderboards/a/scores",
            json!([{"participant": "yan", "score": 20}, {"participant": "bea", "score": 20}]),
        )
        .await;
    assert_eq!(status, 200);
    let names: Vec<_> = app
        .top("a", "")
        .await
        .into_iter()
        .map(|(p, _, _)| p)
        .collect();
    assert_eq!(names, ["bea", "yan", "zed", "amy"]);
}

#[tokio::test]
async fn cursor_pages_cover_every_entry_exactly_once() {
    let scores: Vec<(String, i64)> = (0..250)
        .map(|i| (format!("p{i:03}"), (i % 17) as i64))
        .collect();
    let refs: Vec<(&str, i64)> = scores.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    let app = seeded(&refs).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("limit=37&cursor={c}"),
            None => "limit=37".into(),
        };
        let (status, page) = app
            .get(&format!("/api/v1/leaderboards/a/entries?{q}"))
            .await;
        assert_eq!(status, 200);
        for e in page["entries"].as_array().unwrap() {
            seen.push((
                e["participant"].as_str().unwrap().to_owned(),
                e["rank"].as_u64().unwrap(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 250);
    let ranks: Vec<u64> = seen.iter().map(|(_, r)| *r).collect();
    assert_eq!(ranks, (1..=250).collect::<Vec<_>>());
}

#[tokio::test]
async fn pagination_neither_skips_nor_repeats_while_writes_go_on() {
    let scores: Vec<(String, i64)> = (0..400)
        .map(|i| (format!("s{i:03}"), 1000 + i as i64 * 3))
        .collect();
    let refs: Vec<(&str, i64)> = scores.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    let app = std::sync::Arc::new(seeded(&refs).await);
    // Writers add new participants and improve others while a reader pages through.
    let writer = {
        let app = app.clone();
        tokio::spawn(async move {
            for i in 0..150 {
                app.score("a", &format!("new{i}"), (i * 13 % 2200) as i64)
                    .await;
            }
        })
    };
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("limit=25&cursor={c}"),
            None => "limit=25".into(),
        };
        let (_, page) = app
            .get(&format!("/api/v1/leaderboards/a/entries?{q}"))
            .await;
        for e in page["entries"].as_array().unwrap() {
            seen.push(e["participant"].as_str().unwrap().to_owned());
        }
        tokio::task::yield_now().await;
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    writer.await.unwrap();
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no entry was repeated");
    for (p, _) in &scores {
        assert!(
            unique.contains(p),
            "{p} kept its score and must have been seen"
        );
    }
}

#[tokio::test]
async fn friends_board_returns_just_those_entries_with_their_ranks() {
    let app = seeded(&[("a1", 50), ("b2", 40), ("c3", 30), ("d4", 20)]).await;
    let (status, page) = app
        .get("/api/v1/leaderboards/a/entries?participants=d4,b2,nobody")
        .await;
    assert_eq!(status, 200);
    let got: Vec<_> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["participant"].as_str().unwrap().to_owned(),
                e["rank"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, [("b2".to_owned(), 2), ("d4".to_owned(), 4)]);
}

#[tokio::test]
async fn one_entry_and_its_neighbourhood() {
    let scores: Vec<(String, i64)> = (0..20)
        .map(|i| (format!("p{i:02}"), 100 - i as i64))
        .collect();
    let refs: Vec<(&str, i64)> = scores.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    let app = seeded(&refs).await;
    let (status, e) = app.get("/api/v1/leaderboards/a/entries/p05").await;
    assert_eq!(status, 200);
    assert_eq!(e["rank"], 6);
    let (status, problem) = app.get("/api/v1/leaderboards/a/entries/ghost").await;
    assert_eq!(status, 404);
    assert_eq!(problem["code"], "entry_not_found");

    let around = |q: &'static str| {
        let app = &app;
        async move {
            let (status, page) = app
                .get(&format!("/api/v1/leaderboards/a/entries/{q}"))
                .await;
            assert_eq!(status, 200, "{page}");
            page["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["rank"].as_u64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(around("p10/around?limit=5").await, vec![9, 10, 11, 12, 13]);
    assert_eq!(around("p00/around?limit=5").await, vec![1, 2, 3, 4, 5]);
    assert_eq!(around("p19/around?limit=5").await, vec![16, 17, 18, 19, 20]);
    assert_eq!(around("p10/around?limit=100").await.len(), 20);
}

#[tokio::test]
async fn erasing_a_participant_removes_their_entries() {
    let app = seeded(&[("a1", 50), ("b2", 40)]).await;
    let (status, _) = app.delete("/api/v1/leaderboards/a/entries/a1").await;
    assert_eq!(status, 204);
    assert_eq!(app.top("a", "").await, vec![("b2".to_owned(), 40, 1)]);
    let (status, _) = app.delete("/api/v1/leaderboards/a/entries/a1").await;
    assert_eq!(status, 404);
}
