//! Evaluation through the OpenFeature Remote Evaluation Protocol: single and bulk, each reason,
//! the allow-list, missing or bad contexts, ETags, and the evaluation metric.

use serde_json::{Value, json};

use super::{evaluate, flag, ofrep};
use crate::support::TestApp;

#[tokio::test]
async fn one_flag_evaluates_with_the_reason_for_its_value() {
    let recorder = podium::metrics::handle();
    let app = TestApp::spawn().await;
    flag(
        &app,
        json!({"key": "off", "enabled": false, "rollout_percentage": 100}),
    )
    .await;
    flag(
        &app,
        json!({"key": "beta", "enabled": true, "allow_list": ["ann"]}),
    )
    .await;
    flag(
        &app,
        json!({"key": "half", "enabled": true, "rollout_percentage": 50}),
    )
    .await;
    flag(
        &app,
        json!({"key": "everyone", "enabled": true, "rollout_percentage": 100}),
    )
    .await;

    let (status, off) = evaluate(&app, "off", Some("ann")).await;
    assert_eq!(status, 200, "{off}");
    assert_eq!(
        off,
        json!({"key": "off", "value": false, "reason": "DISABLED", "variant": "off", "metadata": {}})
    );
    let (_, ann) = evaluate(&app, "beta", Some("ann")).await;
    assert_eq!(
        (&ann["value"], &ann["reason"], &ann["variant"]),
        (&json!(true), &json!("TARGETING_MATCH"), &json!("on"))
    );
    let (_, bob) = evaluate(&app, "beta", Some("bob")).await;
    assert_eq!(
        (&bob["value"], &bob["reason"]),
        (&json!(false), &json!("DEFAULT"))
    );
    let (_, all) = evaluate(&app, "everyone", None).await;
    assert_eq!(
        (&all["value"], &all["reason"]),
        (&json!(true), &json!("SPLIT"))
    );

    let mut seen = [false, false];
    for i in 0..40 {
        let subject = format!("user-{i}");
        let (status, e) = evaluate(&app, "half", Some(&subject)).await;
        assert_eq!(status, 200, "{e}");
        let inside = podium::flags::bucket("half", &subject) < 50;
        assert_eq!(e["value"], inside, "{subject}: {e}");
        assert_eq!(e["reason"], if inside { "SPLIT" } else { "DEFAULT" });
        seen[usize::from(inside)] = true;
    }
    assert_eq!(seen, [true, true], "a 50% rollout splits 40 subjects");

    let (status, missing) = evaluate(&app, "half", None).await;
    assert_eq!(status, 400, "{missing}");
    assert_eq!(
        (&missing["key"], &missing["errorCode"]),
        (&json!("half"), &json!("TARGETING_KEY_MISSING"))
    );
    assert!(missing["errorDetails"].is_string());
    let (status, missing) = evaluate(&app, "beta", None).await;
    assert_eq!(
        (status, &missing["errorCode"]),
        (400, &json!("TARGETING_KEY_MISSING"))
    );
    let (status, unknown) = evaluate(&app, "nope", Some("ann")).await;
    assert_eq!(status, 404);
    assert_eq!(
        (&unknown["key"], &unknown["errorCode"]),
        (&json!("nope"), &json!("FLAG_NOT_FOUND"))
    );

    for bad in [
        r#"{"context": "ann"}"#,
        r#"{"context": {"targetingKey": 7}}"#,
        r#"{"context": {"#,
        r#"[1, 2]"#,
    ] {
        let (status, _, e) = ofrep(&app, "/ofrep/v1/evaluate/flags/half", bad, None).await;
        assert_eq!(
            (status, &e["errorCode"]),
            (400, &json!("INVALID_CONTEXT")),
            "{bad}"
        );
        assert_eq!(e["key"], "half");
    }
    let (status, _, e) = ofrep(&app, "/ofrep/v1/evaluate/flags/everyone", "", None).await;
    assert_eq!(
        (status, &e["value"]),
        (200, &json!(true)),
        "no body: no context"
    );

    let text = recorder.render();
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("podium_flag_evaluations_total")
                && l.contains("flag=\"beta\"")
                && l.contains("result=\"true\"")
        })
        .unwrap_or_else(|| panic!("no evaluation metric for beta in\n{text}"));
    assert!(
        line.rsplit(' ').next().unwrap().parse::<f64>().unwrap() >= 1.0,
        "{line}"
    );
    assert!(
        !text.contains("flag=\"nope\""),
        "unknown keys add no series"
    );
}

#[tokio::test]
async fn a_bulk_evaluation_covers_every_flag_and_honours_etags() {
    let app = TestApp::spawn().await;
    flag(
        &app,
        json!({"key": "beta", "enabled": true, "allow_list": ["ann"]}),
    )
    .await;
    flag(&app, json!({"key": "off"})).await;
    flag(
        &app,
        json!({"key": "half", "enabled": true, "rollout_percentage": 50}),
    )
    .await;
    let path = "/ofrep/v1/evaluate/flags";
    let for_ann = r#"{"context": {"targetingKey": "ann"}}"#;

    let (status, headers, bulk) = ofrep(&app, path, for_ann, None).await;
    assert_eq!(status, 200, "{bulk}");
    let flags = bulk["flags"].as_array().unwrap();
    let keys: Vec<&str> = flags.iter().map(|f| f["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["beta", "half", "off"]);
    assert_eq!(
        (&flags[0]["value"], &flags[0]["reason"]),
        (&json!(true), &json!("TARGETING_MATCH"))
    );
    assert_eq!(flags[1]["value"], podium::flags::bucket("half", "ann") < 50);
    assert_eq!(
        (&flags[2]["value"], &flags[2]["reason"]),
        (&json!(false), &json!("DISABLED"))
    );
    let etag = headers["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");

    let (status, headers, body) = ofrep(&app, path, for_ann, Some(&etag)).await;
    assert_eq!((status, body), (304, Value::Null), "unchanged");
    assert_eq!(headers["etag"].to_str().unwrap(), etag);
    let listed = format!("\"other\", W/{etag}");
    assert_eq!(ofrep(&app, path, for_ann, Some(&listed)).await.0, 304);
    let for_bob = r#"{"context": {"targetingKey": "bob"}}"#;
    let (status, bob_headers, _) = ofrep(&app, path, for_bob, Some(&etag)).await;
    assert_eq!(status, 200, "another subject gets another answer");
    assert_ne!(bob_headers["etag"], headers["etag"]);

    let (status, changed) = app
        .patch(
            "/api/v1/flags/off",
            json!({"enabled": true, "rollout_percentage": 100}),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    let (status, headers, bulk) = ofrep(&app, path, for_ann, Some(&etag)).await;
    assert_eq!(status, 200, "a changed flag changes the answer");
    assert_ne!(headers["etag"].to_str().unwrap(), etag);
    assert_eq!(bulk["flags"][2]["reason"], "SPLIT");

    let (status, _, bulk) = ofrep(&app, path, "{}", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        bulk["flags"][0],
        json!({"key": "beta", "errorCode": "TARGETING_KEY_MISSING",
        "errorDetails": "flag 'beta' is rolled out to some subjects only: send context.targetingKey"})
    );
    assert_eq!(
        bulk["flags"][2]["value"], true,
        "a flag on for everyone needs no subject"
    );

    let (status, _, failure) = ofrep(&app, path, r#"{"context": 1}"#, None).await;
    assert_eq!(
        (status, &failure["errorCode"]),
        (400, &json!("INVALID_CONTEXT"))
    );
    assert!(failure.get("key").is_none(), "{failure}");
}
