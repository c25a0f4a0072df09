//! Participant profiles and avatars: validation, anonymous refusals, audit rows, caching, and
//! hostile uploads (metadata smuggled in, not an image, a decompression bomb, oversize bodies,
//! wrong types, truncated files), none of which may leave anything stored.

pub(crate) mod files;

use std::time::{Duration, Instant};

use reqwest::{Response, header, header::HeaderMap};
use serde_json::{Value, json};

use crate::support::{TestApp, client_with};
use files::MARKER;

const PROFILE: &str = "/api/v1/participants/ann/profile";
const AVATAR: &str = "/api/v1/participants/ann/avatar";

async fn upload(app: &TestApp, content_type: &str, body: Vec<u8>) -> Response {
    app.client
        .put(app.url(AVATAR))
        .header(header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .expect("upload")
}

/// Sends an upload expected to fail; returns (status, problem code).
async fn refused(app: &TestApp, content_type: &str, body: Vec<u8>) -> (u16, String) {
    let r = upload(app, content_type, body).await;
    let status = r.status().as_u16();
    let problem: Value = r.json().await.expect("problem+json");
    (
        status,
        problem["code"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn avatar_bytes(app: &TestApp) -> (HeaderMap, Vec<u8>) {
    let r = app.client.get(app.url(AVATAR)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let headers = r.headers().clone();
    (headers, r.bytes().await.unwrap().to_vec())
}

async fn audit(app: &TestApp, participant: &str) -> Vec<Value> {
    let (status, page) = app
        .get(&format!("/api/v1/audit?target=participant:{participant}"))
        .await;
    assert_eq!(status, 200, "{page}");
    let mut entries = page["entries"].as_array().unwrap().clone();
    entries.reverse(); // oldest first
    entries
}

/// Nothing about `ann` is stored: no profile, no avatar, no audit row.
async fn assert_nothing_stored(app: &TestApp) {
    assert_eq!(app.get(PROFILE).await.0, 404);
    assert_eq!(app.get(AVATAR).await.0, 404);
    assert!(audit(app, "ann").await.is_empty());
}

#[tokio::test]
async fn a_profile_is_created_replaced_and_audited() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get(PROFILE).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("profile_not_found"))
    );

    let (status, created) = app
        .put(
            PROFILE,
            json!({"display_name": "  Ann Lee ", "country": "se", "metadata": {"team": "red"}}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let expected = json!({"participant": "ann", "display_name": "Ann Lee", "country": "SE",
        "metadata": {"team": "red"}, "avatar_url": null});
    assert_eq!(created, expected);
    assert_eq!(app.get(PROFILE).await, (200, expected));

    // A PUT replaces every text field: the ones left out are cleared.
    let (status, replaced) = app.put(PROFILE, json!({"country": "BR"})).await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["display_name"], Value::Null);
    assert_eq!(replaced["metadata"], json!({}));

    let rows = audit(&app, "ann").await;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["action"] == "profile.update"));
    assert_eq!(rows[0]["before"], Value::Null);
    assert_eq!(rows[0]["after"]["display_name"], "Ann Lee");
    assert_eq!(rows[1]["before"]["country"], "SE");
    assert_eq!(rows[1]["after"]["country"], "BR");
}

#[tokio::test]
async fn profile_fields_are_validated_naming_the_field_at_fault() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({"country": "XX"}), "country"),
        (json!({"country": "SWE"}), "country"),
        (json!({"display_name": "   "}), "display_name"),
        (json!({"display_name": "a".repeat(101)}), "display_name"),
        (json!({"display_name": "tab\there"}), "display_name"),
        (json!({"metadata": [1, 2]}), "metadata"),
        (
            json!({"metadata": {"blob": "x".repeat(17_000)}}),
            "metadata",
        ),
    ];
    for (body, field) in cases {
        let (status, problem) = app.put(PROFILE, body.clone()).await;
        assert_eq!(status, 422, "{body} → {problem}");
        assert_eq!(problem["code"], "validation_failed", "{problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let (status, problem) = app.put(PROFILE, json!({"nickname": "x"})).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("unknown_field"))
    );
    let (status, problem) = app.put(PROFILE, json!({"display_name": 7})).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("invalid_type"))
    );
    let (status, problem) = app
        .put("/api/v1/participants/bad%20id/profile", json!({}))
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "participant");
    // Two faults at once are both named.
    let (_, problem) = app
        .put(PROFILE, json!({"country": "ZZ", "display_name": ""}))
        .await;
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2, "{problem}");
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn anonymous_callers_may_read_profiles_but_not_change_them() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.put(PROFILE, json!({"display_name": "Ann"})).await.0,
        201
    );
    assert_eq!(
        upload(&app, "image/png", files::png(8, 8)).await.status(),
        200
    );
    let anon = client_with(None);
    assert_eq!(
        anon.get(app.url(PROFILE)).send().await.unwrap().status(),
        200
    );
    assert_eq!(
        anon.get(app.url(AVATAR)).send().await.unwrap().status(),
        200
    );
    let changes = [
        anon.put(app.url(PROFILE))
            .json(&json!({"display_name": "Eve"})),
        anon.put(app.url(AVATAR))
            .header(header::CONTENT_TYPE, "image/png")
            .body(files::png(8, 8)),
        anon.delete(app.url(AVATAR)),
    ];
    for req in changes {
        assert_eq!(req.send().await.unwrap().status(), 401);
    }
    assert_eq!(app.get(PROFILE).await.1["display_name"], "Ann");
    assert_eq!(audit(&app, "ann").await.len(), 2);
}

#[tokio::test]
async fn png_jpeg_and_webp_avatars_are_reencoded_small_and_without_their_metadata() {
    let app = TestApp::spawn().await;
    let uploads = [
        ("image/png", files::png_with_metadata(1000, 500), (256, 128)),
        // EXIF orientation 6 (turn 90° clockwise) is applied before the metadata goes.
        ("image/jpeg", files::jpeg_with_exif(600, 300, 6), (128, 256)),
        ("image/webp", files::webp_with_exif(300, 600), (128, 256)),
        ("image/png", files::png_with_metadata(40, 30), (40, 30)),
    ];
    for (content_type, body, (width, height)) in uploads {
        assert!(files::contains(&body, MARKER), "the input carries metadata");
        let r = upload(&app, content_type, body).await;
        assert_eq!(r.status(), 200, "{content_type}");
        let view: Value = r.json().await.unwrap();
        assert!(view["avatar_url"].as_str().unwrap().starts_with(AVATAR));
        let (headers, bytes) = avatar_bytes(&app).await;
        assert_eq!(headers[header::CONTENT_TYPE], "image/png");
        assert!(
            !files::contains(&bytes, MARKER),
            "{content_type}: metadata left"
        );
        let chunks = files::png_chunks(&bytes);
        assert!(
            chunks
                .iter()
                .all(|c| ["IHDR", "PLTE", "tRNS", "IDAT", "IEND"].contains(&c.as_str())),
            "{content_type}: chunks {chunks:?}"
        );
        let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
            .expect("a PNG that decodes");
        assert_eq!(
            (image.width(), image.height()),
            (width, height),
            "{content_type}"
        );
    }
    let rows = audit(&app, "ann").await;
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["action"], "avatar.update");
    assert_eq!(rows[0]["before"], json!({"avatar": null}));
    assert_eq!(rows[0]["after"]["avatar"]["width"], 256);
    assert_eq!(
        rows[1]["before"]["avatar"]["etag"],
        rows[0]["after"]["avatar"]["etag"]
    );
    for row in &rows {
        assert!(
            row.to_string().len() < 600,
            "no image bytes in the audit log: {row}"
        );
    }
}

#[tokio::test]
async fn a_text_file_sent_as_png_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let text = b"name,score\nann,10\n".repeat(50);
    assert_eq!(
        refused(&app, "image/png", text).await,
        (422, "invalid_image".into())
    );
    // An image of another type than declared, and an empty body, are refused the same way.
    assert_eq!(
        refused(&app, "image/jpeg", files::png(8, 8)).await,
        (422, "invalid_image".into())
    );
    assert_eq!(
        refused(&app, "image/webp", Vec::new()).await,
        (422, "invalid_image".into())
    );
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_decompression_bomb_is_refused_from_its_header_without_decoding() {
    let app = TestApp::spawn().await;
    let bomb = files::png_bomb(100_000);
    assert!(bomb.len() < 200, "a tiny file claiming 40 GB of pixels");
    let started = Instant::now();
    let r = upload(&app, "image/png", bomb).await;
    let elapsed = started.elapsed();
    assert_eq!(r.status(), 422);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["code"], "image_too_large", "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("4096"),
        "{problem}"
    );
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    // Just over the side limit is refused too; the limit itself is accepted.
    assert_eq!(
        refused(&app, "image/png", files::png_bomb(4097)).await,
        (422, "image_too_large".into())
    );
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn oversize_bodies_wrong_types_and_truncated_images_get_clear_errors() {
    let app = TestApp::spawn().await;
    let mut big = files::png(16, 16);
    big.resize(3 * 1024 * 1024, 0);
    assert_eq!(
        refused(&app, "image/png", big).await,
        (413, "payload_too_large".into())
    );
    assert_eq!(
        refused(&app, "application/octet-stream", files::png(8, 8)).await,
        (415, "unsupported_media_type".into())
    );
    assert_eq!(
        refused(&app, "image/gif", b"GIF89a".to_vec()).await,
        (415, "unsupported_media_type".into())
    );
    for (content_type, whole) in [
        ("image/png", files::png(300, 300)),
        ("image/jpeg", files::jpeg(300, 300)),
        ("image/webp", files::webp(300, 300)),
    ] {
        let cut = whole[..whole.len() / 2].to_vec();
        assert_eq!(
            refused(&app, content_type, cut).await,
            (422, "invalid_image".into()),
            "{content_type}"
        );
    }
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn the_avatar_is_served_with_an_etag_and_if_none_match_gets_304() {
    let app = TestApp::spawn().await;
    assert_eq!(
        upload(&app, "image/png", files::png(64, 64)).await.status(),
        200
    );
    let (headers, bytes) = avatar_bytes(&app).await;
    let etag = headers[header::ETAG].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.len() == 66, "{etag}");
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=3600");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let get = |inm: &str| {
        app.client
            .get(app.url(AVATAR))
            .header(header::IF_NONE_MATCH, inm)
            .send()
    };
    for inm in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
    ] {
        let r = get(&inm).await.unwrap();
        assert_eq!(r.status(), 304, "{inm}");
        assert_eq!(r.headers()[header::ETAG], etag.as_str());
        assert!(r.bytes().await.unwrap().is_empty());
    }
    let r = get("\"stale\"").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), bytes);

    // A new image has a new ETag, and the profile points at the new version.
    assert_eq!(
        upload(&app, "image/png", files::png(32, 64)).await.status(),
        200
    );
    let r = get(&etag).await.unwrap();
    assert_eq!(r.status(), 200);
    let new_etag = r.headers()[header::ETAG].to_str().unwrap().to_owned();
    assert_ne!(new_etag, etag);
    let (_, profile) = app.get(PROFILE).await;
    let url = profile["avatar_url"].as_str().unwrap();
    assert_eq!(url, format!("{AVATAR}?v={}", &new_etag[1..17]));
}

#[tokio::test]
async fn deleting_an_avatar_keeps_the_profile_and_is_audited() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.put(PROFILE, json!({"display_name": "Ann"})).await.0,
        201
    );
    assert_eq!(
        upload(&app, "image/webp", files::webp(50, 50))
            .await
            .status(),
        200
    );
    let (status, _) = app.delete(AVATAR).await;
    assert_eq!(status, 204);
    let (status, problem) = app.get(AVATAR).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (404, Some("avatar_not_found"))
    );
    let (_, profile) = app.get(PROFILE).await;
    assert_eq!(profile["display_name"], "Ann");
    assert_eq!(profile["avatar_url"], Value::Null);
    let (status, problem) = app.delete(AVATAR).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (404, Some("avatar_not_found"))
    );

    let rows = audit(&app, "ann").await;
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["profile.update", "avatar.update", "avatar.delete"]
    );
    let deleted = &rows[2];
    assert_eq!(deleted["target"], "participant:ann");
    assert_eq!(deleted["before"]["avatar"]["content_type"], "image/png");
    assert_eq!(
        deleted["before"]["avatar"]["etag"],
        rows[1]["after"]["avatar"]["etag"]
    );
    assert_eq!(deleted["after"], json!({"avatar": null}));
    assert!(deleted["request_id"].is_string());
}

/// The profile fields of one row of a ranking, as (display_name, avatar_url).
fn shown(row: &Value) -> (Option<&str>, Option<&str>) {
    (row["display_name"].as_str(), row["avatar_url"].as_str())
}

fn row<'a>(rows: &'a Value, participant: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["participant"] == participant)
        .unwrap_or_else(|| panic!("{participant} is not in {rows}"))
}

#[tokio::test]
async fn leaderboard_entries_carry_display_names_and_avatars_from_profiles() {
    let app = TestApp::spawn().await;
    app.leaderboard(json!({"slug": "speed", "name": "Speed"}))
        .await;
    for (p, s) in [("ann", 30), ("bob", 20), ("cy", 10)] {
        app.score("speed", p, s).await;
    }
    assert_eq!(
        app.put(PROFILE, json!({"display_name": "Ann Lee"})).await.0,
        201
    );
    assert_eq!(
        upload(&app, "image/png", files::png(40, 40)).await.status(),
        200
    );
    // A profile with neither a name nor an avatar shows nothing.
    let (status, _) = app
        .put("/api/v1/participants/bob/profile", json!({"country": "BR"}))
        .await;
    assert_eq!(status, 201);
    let (_, profile) = app.get(PROFILE).await;
    let avatar = profile["avatar_url"].as_str().expect("ann has an avatar");
    assert!(
        avatar.starts_with("/api/v1/participants/ann/avatar?v="),
        "{avatar}"
    );

    let (status, page) = app.get("/api/v1/leaderboards/speed/entries").await;
    assert_eq!(status, 200, "{page}");
    let entries = &page["entries"];
    assert_eq!(shown(row(entries, "ann")), (Some("Ann Lee"), Some(avatar)));
    assert_eq!(shown(row(entries, "bob")), (None, None));
    assert_eq!(shown(row(entries, "cy")), (None, None));
    // Every read of entries carries them: a friends board, one entry, around a participant.
    let (_, friends) = app
        .get("/api/v1/leaderboards/speed/entries?participants=cy,ann")
        .await;
    assert_eq!(
        shown(row(&friends["entries"], "ann")),
        (Some("Ann Lee"), Some(avatar))
    );
    let (_, one) = app.get("/api/v1/leaderboards/speed/entries/ann").await;
    assert_eq!(shown(&one), (Some("Ann Lee"), Some(avatar)));
    let (_, around) = app
        .get("/api/v1/leaderboards/speed/entries/cy/around?limit=3")
        .await;
    assert_eq!(
        shown(row(&around["entries"], "ann")),
        (Some("Ann Lee"), Some(avatar))
    );

    // A new image changes the URL, so cached avatars are not shown stale.
    assert_eq!(
        upload(&app, "image/png", files::png(60, 30)).await.status(),
        200
    );
    let (_, page) = app.get("/api/v1/leaderboards/speed/entries").await;
    let now = row(&page["entries"], "ann")["avatar_url"].as_str().unwrap();
    assert_ne!(now, avatar);
    let (_, profile) = app.get(PROFILE).await;
    assert_eq!(profile["avatar_url"], now);
}

#[tokio::test]
async fn league_standings_carry_display_names_and_avatars_in_live_and_closed_seasons() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .post(
            "/api/v1/leagues",
            json!({"slug": "chess", "name": "Chess", "system": "elo"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = app
        .post(
            "/api/v1/leagues/chess/matches",
            json!({"played_at": "2026-01-01T10:00:00Z",
                   "teams": [{"participants": ["ann"], "rank": 1}, {"participants": ["bob"], "rank": 2}]}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        app.put(PROFILE, json!({"display_name": "Ann Lee"})).await.0,
        201
    );
    assert_eq!(
        upload(&app, "image/png", files::png(40, 40)).await.status(),
        200
    );
    let (_, profile) = app.get(PROFILE).await;
    let avatar = profile["avatar_url"].as_str().unwrap().to_owned();

    let (status, page) = app
        .get("/api/v1/leagues/chess/standings?include_provisional=true")
        .await;
    assert_eq!(status, 200, "{page}");
    let ann = row(&page["standings"], "ann");
    assert_eq!(shown(ann), (Some("Ann Lee"), Some(avatar.as_str())));
    // The standing itself is still all there beside them.
    assert_eq!(ann["wins"], 1);
    assert!(ann["display_rating"].as_f64().unwrap() > 1500.0, "{ann}");
    assert_eq!(shown(row(&page["standings"], "bob")), (None, None));

    let (status, closed) = app.post("/api/v1/leagues/chess/seasons", json!({})).await;
    assert_eq!(status, 201, "{closed}");
    let (status, page) = app
        .get("/api/v1/leagues/chess/standings?season=1&include_provisional=true")
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        shown(row(&page["standings"], "ann")),
        (Some("Ann Lee"), Some(avatar.as_str()))
    );
}
