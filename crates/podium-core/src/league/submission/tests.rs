//! Tests of the rules of a submitted match, whole and as rows.

use serde_json::json;

use super::*;

const T: &str = "2026-03-01T18:30:00Z";

fn params(system: &str) -> Params {
    Params::parse(system, &Value::Null).expect("default params")
}

fn by_rank(participants: &[&str], rank: u32) -> TeamSubmission {
    TeamSubmission {
        participants: participants.iter().map(|p| p.to_string()).collect(),
        result: TeamResult {
            rank: Some(rank),
            score: None,
        },
    }
}

fn by_score(participants: &[&str], score: f64) -> TeamSubmission {
    TeamSubmission {
        participants: participants.iter().map(|p| p.to_string()).collect(),
        result: TeamResult {
            rank: None,
            score: Some(score),
        },
    }
}

fn at(time: &str) -> DateTime<Utc> {
    time.parse().expect("a time")
}

fn submission(teams: Vec<TeamSubmission>) -> Submission {
    Submission {
        played_at: at(T),
        teams,
        external_id: None,
        metadata: None,
    }
}

fn duel() -> Submission {
    submission(vec![by_rank(&["ann"], 1), by_rank(&["bob"], 2)])
}

/// The problems of a refused match as (field path, message).
fn refused(s: &Submission, system: &str) -> Vec<(String, String)> {
    validate(s, &params(system))
        .expect_err("refused")
        .into_iter()
        .map(|e| (e.field.to_string(), e.problem.to_string()))
        .collect()
}

fn fields(s: &Submission, system: &str) -> Vec<String> {
    refused(s, system).into_iter().map(|(f, _)| f).collect()
}

/// The rows a CSV import gives for a match: one per team, each repeating the match's values.
fn rows_of(s: &Submission) -> Vec<TeamRow> {
    s.teams
        .iter()
        .enumerate()
        .map(|(i, t)| TeamRow {
            played_at: Some(s.played_at),
            participants: Some(t.participants.clone()),
            result: Some(t.result),
            external_id: Some(s.external_id.clone()),
            metadata: Some(if i == 0 { s.metadata.clone() } else { None }),
        })
        .collect()
}

fn row_places(rows: &[TeamRow], system: &str) -> Vec<(usize, String)> {
    validate_rows(rows, &params(system))
        .expect_err("refused")
        .into_iter()
        .map(|e| (e.row, e.field.to_string()))
        .collect()
}

#[test]
fn a_match_by_ranks_keeps_its_ranks_ids_and_an_empty_object_for_metadata() {
    let m = validate(&duel(), &params("elo")).expect("valid");
    assert_eq!(m.played_at, at(T));
    assert_eq!(m.external_id, None);
    assert_eq!(m.metadata, json!({}));
    let teams: Vec<(Vec<&str>, u32, Option<f64>)> = m
        .teams
        .iter()
        .map(|t| {
            let ids = t.participants.iter().map(ParticipantId::as_str).collect();
            (ids, t.rank, t.score)
        })
        .collect();
    assert_eq!(teams, [(vec!["ann"], 1, None), (vec!["bob"], 2, None)]);
}

#[test]
fn scores_become_ranks_with_higher_winning_and_equal_scores_drawing() {
    let s = submission(vec![
        by_score(&["ann"], 7.0),
        by_score(&["bob"], 10.5),
        by_score(&["cat"], 7.0),
        by_score(&["dan"], -100.0),
        by_score(&["eve"], -0.0),
        by_score(&["fay"], 0.0),
    ]);
    let m = validate(&s, &params("trueskill")).expect("valid");
    let ranks: Vec<(u32, Option<f64>)> = m.teams.iter().map(|t| (t.rank, t.score)).collect();
    assert_eq!(
        ranks,
        [
            (2, Some(7.0)),
            (1, Some(10.5)),
            (2, Some(7.0)),
            (6, Some(-100.0)),
            (4, Some(-0.0)),
            (4, Some(0.0)),
        ],
        "-0 and 0 are the same score"
    );
}

#[test]
fn played_at_is_kept_to_the_microsecond() {
    let mut s = duel();
    s.played_at = at("2026-03-01T18:30:00.123456789Z");
    let m = validate(&s, &params("elo")).expect("valid");
    assert_eq!(m.played_at, at("2026-03-01T18:30:00.123456Z"));
}

#[test]
fn played_at_must_be_a_time_rfc_3339_can_write_in_utc() {
    for ok in [
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999Z",
        "1970-01-01T00:00:00Z",
    ] {
        let mut s = duel();
        s.played_at = at(ok);
        assert!(validate(&s, &params("elo")).is_ok(), "{ok}");
    }
    for bad in [
        "-0001-12-31T23:59:59Z",
        "+10000-01-01T00:00:00Z",
        "-5000-01-01T00:00:00Z",
    ] {
        let mut s = duel();
        s.played_at = at(bad);
        assert_eq!(
            refused(&s, "elo"),
            [(
                "played_at".into(),
                "must be between 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z".into()
            )],
            "{bad}"
        );
    }
}

#[test]
fn a_match_needs_two_to_32767_teams() {
    assert_eq!(
        refused(&submission(vec![by_rank(&["ann"], 1)]), "trueskill"),
        [(
            "teams".into(),
            "a match needs at least two teams (got 1)".into()
        )]
    );
    assert_eq!(fields(&submission(vec![]), "trueskill"), ["teams"]);
    let many: Vec<TeamSubmission> = (0..=MAX_TEAMS)
        .map(|i| by_rank(&[&format!("p{i}")], 1))
        .collect();
    assert_eq!(
        refused(&submission(many.clone()), "weng_lin"),
        [(
            "teams".into(),
            "a match has at most 32767 teams (got 32768)".into()
        )]
    );
    let most = submission(many[..MAX_TEAMS].to_vec());
    assert!(validate(&most, &params("weng_lin")).is_ok());
}

#[test]
fn every_team_needs_valid_participants_and_nobody_plays_twice() {
    let s = submission(vec![
        by_rank(&["ann", "bob"], 1),
        by_rank(&[], 2),
        by_rank(&["cat", "bad id", "ann"], 3),
        by_rank(&["dan", "dan"], 4),
    ]);
    let got = refused(&s, "trueskill");
    assert_eq!(
        got.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(),
        [
            "teams[1].participants",
            "teams[2].participants[1]",
            "teams[2].participants[2]",
            "teams[3].participants[1]",
        ]
    );
    assert_eq!(got[0].1, "a team needs at least one participant");
    assert!(
        got[1].1.starts_with("character ' ' at position 4"),
        "{got:?}"
    );
    assert_eq!(got[2].1, "'ann' appears more than once in this match");
    let errors = validate(&s, &params("trueskill")).expect_err("refused");
    assert_eq!(
        errors[2].problem,
        Problem::Duplicate {
            participant: "ann".into(),
            earlier: 0
        }
    );
}

#[test]
fn every_team_gives_a_rank_or_a_score_never_both_and_all_the_same_kind() {
    let both = TeamSubmission {
        participants: vec!["cat".into()],
        result: TeamResult {
            rank: Some(1),
            score: Some(2.0),
        },
    };
    let neither = TeamSubmission {
        participants: vec!["dan".into()],
        result: TeamResult::default(),
    };
    let s = submission(vec![
        by_rank(&["ann"], 1),
        by_score(&["bob"], 3.0),
        both,
        neither,
    ]);
    assert_eq!(
        refused(&s, "trueskill"),
        [
            (
                "teams[1].rank".into(),
                "give every team a rank, or every team a score".into()
            ),
            ("teams[2]".into(), "give a rank or a score, not both".into()),
            (
                "teams[3].rank".into(),
                "give every team a rank, or every team a score".into()
            ),
        ]
    );
    let errors = validate(&s, &params("trueskill")).expect_err("refused");
    assert_eq!(
        errors[0].problem,
        Problem::Mixed {
            expected: Kind::Rank,
            set_by: 0
        }
    );
}

#[test]
fn ranks_run_from_1_to_32767_and_scores_are_finite() {
    let s = submission(vec![
        by_rank(&["ann"], 0),
        by_rank(&["bob"], MAX_RANK),
        by_rank(&["cat"], MAX_RANK + 1),
    ]);
    assert_eq!(
        refused(&s, "trueskill"),
        [
            ("teams[0].rank".into(), "ranks start at 1".into()),
            (
                "teams[2].rank".into(),
                "ranks go up to 32767 (got 32768)".into()
            ),
        ]
    );
    let s = submission(vec![
        by_score(&["ann"], f64::NAN),
        by_score(&["bob"], f64::INFINITY),
    ]);
    assert_eq!(
        fields(&s, "trueskill"),
        ["teams[0].score", "teams[1].score"]
    );
}

#[test]
fn a_result_out_of_range_does_not_decide_which_kind_the_match_gives() {
    // Were the rank 0 to set the kind, the score would be reported as mixed too.
    let s = submission(vec![by_rank(&["ann"], 0), by_score(&["bob"], f64::NAN)]);
    assert_eq!(fields(&s, "trueskill"), ["teams[0].rank", "teams[1].score"]);
    let s = submission(vec![
        by_rank(&["ann"], 0),
        by_score(&["bob"], 1.0),
        by_rank(&["cat"], 1),
    ]);
    let errors = validate(&s, &params("trueskill")).expect_err("refused");
    assert_eq!(errors[1].field, Field::Score(2), "the score it should give");
    assert_eq!(
        errors[1].problem,
        Problem::Mixed {
            expected: Kind::Score,
            set_by: 1
        }
    );
}

#[test]
fn elo_and_glicko2_take_one_against_one_only_and_say_so_as_the_engine_does() {
    let three = submission(vec![
        by_rank(&["ann"], 1),
        by_rank(&["bob"], 2),
        by_rank(&["cat"], 3),
    ]);
    assert_eq!(
        refused(&three, "elo"),
        [(
            "teams".into(),
            "elo rates one-against-one matches only: exactly two teams (got 3)".into()
        )]
    );
    let two_v_two = submission(vec![by_rank(&["a", "b"], 1), by_rank(&["c", "d"], 2)]);
    assert_eq!(
        refused(&two_v_two, "glicko2"),
        [
            (
                "teams[0].participants".into(),
                "glicko2 rates one-against-one matches only: exactly one participant (got 2)"
                    .into()
            ),
            (
                "teams[1].participants".into(),
                "glicko2 rates one-against-one matches only: exactly one participant (got 2)"
                    .into()
            ),
        ]
    );
    for system in ["trueskill", "weng_lin", "points"] {
        assert!(validate(&three, &params(system)).is_ok(), "{system}");
        assert!(validate(&two_v_two, &params(system)).is_ok(), "{system}");
    }
    // The engine refuses the same shape with the same words.
    let mut engine = crate::rating::Engine::new(params("glicko2"));
    let teams = [
        crate::rating::TeamInput {
            participants: &[0, 1],
            rank: 1,
            score: None,
        },
        crate::rating::TeamInput {
            participants: &[2, 3],
            rank: 2,
            score: None,
        },
    ];
    let e = engine
        .apply(&crate::rating::MatchInput {
            played_at: 0,
            teams: &teams,
        })
        .expect_err("refused");
    assert_eq!(
        (e.field, e.message),
        refused(&two_v_two, "glicko2").swap_remove(0)
    );
}

#[test]
fn an_external_id_has_1_to_200_characters_and_metadata_is_an_object() {
    let mut s = duel();
    s.external_id = Some("é".repeat(200));
    s.metadata = Some(json!({"map": "dust2"}));
    let m = validate(&s, &params("elo")).expect("valid");
    assert_eq!(m.external_id.as_deref().map(str::len), Some(400));
    assert_eq!(m.metadata, json!({"map": "dust2"}));
    for bad in [String::new(), "x".repeat(201)] {
        s.external_id = Some(bad);
        s.metadata = Some(json!([1]));
        assert_eq!(
            refused(&s, "elo"),
            [
                ("external_id".into(), "must be 1 to 200 characters".into()),
                ("metadata".into(), "must be a JSON object".into()),
            ]
        );
    }
}

#[test]
fn every_problem_is_reported_in_field_order() {
    let s = Submission {
        played_at: at("+10000-01-01T00:00:00Z"),
        teams: vec![by_rank(&["a"], 0), by_rank(&["a"], 1)],
        external_id: Some(String::new()),
        metadata: Some(json!("note")),
    };
    assert_eq!(
        fields(&s, "elo"),
        [
            "played_at",
            "teams[0].rank",
            "teams[1].participants[0]",
            "external_id",
            "metadata"
        ]
    );
}

#[test]
fn rows_give_the_same_match_as_the_whole() {
    let mut s = submission(vec![
        by_score(&["ann", "bob"], 16.0),
        by_score(&["cat", "dan"], 12.0),
    ]);
    s.external_id = Some("final".into());
    s.metadata = Some(json!({"map": "dust2"}));
    let whole = validate(&s, &params("trueskill")).expect("valid");
    let mut rows = rows_of(&s);
    assert_eq!(
        validate_rows(&rows, &params("trueskill")),
        Ok(whole.clone())
    );
    // Metadata may be repeated on later rows.
    rows[1].metadata = Some(s.metadata.clone());
    assert_eq!(validate_rows(&rows, &params("trueskill")), Ok(whole));
}

#[test]
fn rows_must_agree_on_the_time_the_external_id_and_the_metadata() {
    let mut s = submission(vec![
        by_rank(&["ann"], 1),
        by_rank(&["bob"], 2),
        by_rank(&["cat"], 3),
    ]);
    s.external_id = Some("e1".into());
    s.metadata = Some(json!({"a": 1}));
    let mut rows = rows_of(&s);
    rows[1].played_at = Some(at("2026-03-01T18:31:00Z"));
    rows[1].external_id = Some(None);
    rows[2].metadata = Some(Some(json!({"a": 2})));
    let errors = validate_rows(&rows, &params("trueskill")).expect_err("refused");
    let got: Vec<(usize, Field, Problem)> = errors
        .into_iter()
        .map(|e| (e.row, e.field, e.problem))
        .collect();
    assert_eq!(
        got,
        [
            (
                1,
                Field::PlayedAt,
                Problem::PlayedAtDiffers { first_row: 0 }
            ),
            (
                1,
                Field::ExternalId,
                Problem::ExternalIdDiffers { first_row: 0 }
            ),
            (
                2,
                Field::Metadata,
                Problem::MetadataDiffers { first_row: 0 }
            ),
        ]
    );
    // Metadata belongs on the first row: a later row cannot bring it.
    let mut rows = rows_of(&duel());
    rows[1].metadata = Some(Some(json!({"a": 1})));
    assert_eq!(row_places(&rows, "elo"), [(1, "metadata".to_owned())]);
}

#[test]
fn a_cell_the_edge_could_not_read_gives_no_follow_on_problem() {
    let mut rows = rows_of(&duel());
    rows[0].played_at = None;
    rows[1] = TeamRow::default();
    let errors = validate_rows(&rows, &params("elo")).expect_err("no match from unread cells");
    assert!(errors.is_empty(), "the edge reported them: {errors:?}");
    // A match of one row is one team, read or not.
    assert_eq!(row_places(&rows[..1], "elo"), [(0, "teams".to_owned())]);
}

#[test]
fn a_bad_cell_on_one_row_is_reported_on_that_row_only() {
    let mut s = submission(vec![by_rank(&["ann"], 1), by_rank(&["bob"], 2)]);
    s.external_id = Some("x".repeat(201));
    let mut rows = rows_of(&s);
    rows[1].external_id = Some(None);
    rows[1].played_at = Some(at("+10000-01-01T00:00:00Z"));
    rows[0].result = Some(TeamResult {
        rank: Some(0),
        score: None,
    });
    assert_eq!(
        row_places(&rows, "elo"),
        [
            (1, "played_at".to_owned()),
            (0, "external_id".to_owned()),
            (0, "teams[0].rank".to_owned()),
        ]
    );
}

#[test]
fn a_problem_of_the_match_as_a_whole_is_on_its_first_row() {
    let three = submission(vec![
        by_rank(&["a"], 1),
        by_rank(&["b"], 2),
        by_rank(&["c"], 3),
    ]);
    assert_eq!(
        row_places(&rows_of(&three), "elo"),
        [(0, "teams".to_owned())]
    );
}
