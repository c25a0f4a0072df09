//! Feature flags: admin CRUD with its audit trail and clear 4xx answers, and a change reaching
//! a second process within a second. Evaluation through OFREP is tested in `ofrep`.

mod ofrep;

use std::time::Duration;

use podium::clock::Clock;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, client_with, fresh_database};

/// Creates a flag, asserting success.
async fn flag(app: &TestApp, body: Value) -> Value {
    let (status, json) = app.post("/api/v1/flags", body).await;
    assert_eq!(status, 201, "create flag: {json}");
    json
}

/// POSTs an OFREP request as an anonymous caller: (status, headers, JSON body or Null).
async fn ofrep(
    app: &TestApp,
    path: &str,
    body: &str,
    if_none_match: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = Client::new()
        .post(app.url(path))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(tag) = if_none_match {
        req = req.header("if-none-match", tag);
    }
    let r = req.send().await.expect("request");
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    let text = r.text().await.expect("body");
    let json = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("OFREP answers JSON")
    };
    (status, headers, json)
}

async fn evaluate(app: &TestApp, key: &str, subject: Option<&str>) -> (u16, Value) {
    let body = match subject {
        Some(s) => json!({"context": {"targetingKey": s, "plan": "pro"}}).to_string(),
        None => json!({"context": {}}).to_string(),
    };
    let (status, _, json) =
        ofrep(app, &format!("/ofrep/v1/evaluate/flags/{key}"), &body, None).await;
    (status, json)
}

#[tokio::test]
async fn admins_create_change_list_and_delete_flags_and_each_change_is_audited() {
    let app = TestApp::spawn().await;
    let created = flag(
        &app,
        json!({"key": "new-checkout", "description": "The new checkout", "rollout_percentage": 10,
               "allow_list": ["ann", "bob", "ann"]}),
    )
    .await;
    assert_eq!(created["key"], "new-checkout");
    assert_eq!(created["enabled"], false, "off unless enabled");
    assert_eq!(created["rollout_percentage"], 10);
    assert_eq!(
        created["allow_list"],
        json!(["ann", "bob"]),
        "repeats dropped"
    );
    assert!(created["created_at"].is_string() && created["updated_at"].is_string());

    let (status, taken) = app
        .post("/api/v1/flags", json!({"key": "new-checkout"}))
        .await;
    assert_eq!(status, 409, "{taken}");
    assert_eq!(taken["errors"][0]["field"], "key");

    let (status, changed) = app
        .patch(
            "/api/v1/flags/new-checkout",
            json!({"enabled": true, "rollout_percentage": 25}),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (
            changed["enabled"].clone(),
            changed["rollout_percentage"].clone()
        ),
        (json!(true), json!(25))
    );
    assert_eq!(
        changed["description"], "The new checkout",
        "untouched fields stay"
    );
    let (status, same) = app
        .patch("/api/v1/flags/new-checkout", json!({"enabled": true}))
        .await;
    assert_eq!((status, &same["updated_at"]), (200, &changed["updated_at"]));

    flag(&app, json!({"key": "a-first"})).await;
    let (status, list) = app.get("/api/v1/flags").await;
    assert_eq!(status, 200);
    let keys: Vec<&str> = list["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["a-first", "new-checkout"]);
    assert_eq!(list["flags"][1], changed);

    assert_eq!(app.delete("/api/v1/flags/new-checkout").await.0, 204);
    let (status, gone) = app.delete("/api/v1/flags/new-checkout").await;
    assert_eq!((status, gone["code"].as_str()), (404, Some("not_found")));
    let (status, _) = app
        .patch("/api/v1/flags/new-checkout", json!({"enabled": false}))
        .await;
    assert_eq!(status, 404);

    let (status, audit) = app.get("/api/v1/audit?target=flag:new-checkout").await;
    assert_eq!(status, 200, "{audit}");
    let rows = audit["entries"].as_array().unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["flag.delete", "flag.update", "flag.create"],
        "newest first; the no-op change left no row"
    );
    let (delete, update, create) = (&rows[0], &rows[1], &rows[2]);
    assert_eq!(create["before"], Value::Null);
    assert_eq!(create["after"]["allow_list"], json!(["ann", "bob"]));
    assert_eq!(
        update["before"],
        json!({"enabled": false, "rollout_percentage": 10})
    );
    assert_eq!(
        update["after"],
        json!({"enabled": true, "rollout_percentage": 25})
    );
    assert_eq!(delete["before"]["rollout_percentage"], 25);
    assert_eq!(delete["after"], Value::Null);
    assert!(
        rows.iter().all(|r| r["actor"] == "key:pk_static"),
        "{audit}"
    );
}

/// The problem names the field in its detail and, for a field present but wrong, in `errors`.
fn assert_names(problem: &Value, code: &str, field: &str) {
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(field), "{field} not named in {problem}");
    if !matches!(code, "unknown_field" | "missing_field") {
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
}

#[tokio::test]
async fn bad_flag_input_gets_a_clear_answer_naming_the_field() {
    let app = TestApp::spawn().await;
    for (body, code, field) in [
        (
            json!({"key": "f", "rollout_percentage": 101}),
            "out_of_range",
            "rollout_percentage",
        ),
        (
            json!({"key": "f", "rollout_percentage": -1}),
            "out_of_range",
            "rollout_percentage",
        ),
        (
            json!({"key": "f", "rollout_percentage": "50"}),
            "invalid_type",
            "rollout_percentage",
        ),
        (json!({"key": "Bad Key"}), "validation_failed", "key"),
        (json!({"key": "-dash-first"}), "validation_failed", "key"),
        (json!({"key": "x".repeat(101)}), "validation_failed", "key"),
        (
            json!({"key": "f", "colour": "red"}),
            "unknown_field",
            "colour",
        ),
        (json!({"description": "no key"}), "missing_field", "key"),
        (
            json!({"key": "f", "allow_list": ["ann", ""]}),
            "validation_failed",
            "allow_list[1]",
        ),
        (
            json!({"key": "f", "description": "d".repeat(1001)}),
            "validation_failed",
            "description",
        ),
    ] {
        let (status, problem) = app.post("/api/v1/flags", body.clone()).await;
        assert_eq!(status, 422, "{body} → {problem}");
        assert_eq!(problem["code"], code, "{body} → {problem}");
        assert_names(&problem, code, field);
    }
    flag(&app, json!({"key": "f"})).await;
    for (body, code, field) in [
        (
            json!({"rollout_percentage": 1000}),
            "out_of_range",
            "rollout_percentage",
        ),
        (json!({"key": "g"}), "immutable_field", "key"),
        (json!({"enabled": "yes"}), "invalid_type", "enabled"),
        (json!({"owner": "me"}), "unknown_field", "owner"),
    ] {
        let (status, problem) = app.patch("/api/v1/flags/f", body.clone()).await;
        assert_eq!(status, 422, "{body} → {problem}");
        assert_eq!(problem["code"], code, "{body} → {problem}");
        assert_names(&problem, code, field);
    }
    let (_, list) = app.get("/api/v1/flags").await;
    assert_eq!(
        list["flags"][0]["rollout_percentage"], 0,
        "nothing was stored"
    );
    let anonymous = client_with(None);
    let r = anonymous
        .get(app.url("/api/v1/flags"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "admins only");
}

#[tokio::test]
async fn a_flag_change_reaches_every_process() {
    let db = fresh_database().await;
    let a = TestApp::start(db.clone(), Clock::System, |_| {}).await;
    let b = TestApp::start(db.clone(), Clock::System, |_| {}).await;
    /// Waits (bounded: a loaded machine is slow, and time is measured by benchmarks, not
    /// tests) until B's answer for `ann` satisfies `want`.
    async fn seen_by(b: &TestApp, want: impl Fn(u16, &Value) -> bool) {
        let mut last = (0, Value::Null);
        for _ in 0..1000 {
            last = evaluate(b, "rollout", Some("ann")).await;
            if want(last.0, &last.1) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("B still answers {} {}", last.0, last.1);
    }
    assert_eq!(evaluate(&b, "rollout", Some("ann")).await.0, 404);
    flag(&a, json!({"key": "rollout", "enabled": true})).await;
    seen_by(&b, |s, e| s == 200 && e["value"] == false).await;
    let (status, _) = a
        .patch("/api/v1/flags/rollout", json!({"allow_list": ["ann"]}))
        .await;
    assert_eq!(status, 200);
    seen_by(&b, |_, e| e["reason"] == "TARGETING_MATCH").await;
    assert_eq!(a.delete("/api/v1/flags/rollout").await.0, 204);
    seen_by(&b, |s, e| s == 404 && e["errorCode"] == "FLAG_NOT_FOUND").await;
}
