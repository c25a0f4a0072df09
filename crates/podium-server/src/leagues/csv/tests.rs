//! Tests of the CSV match import parser.
use chrono::{DateTime, Utc};
use serde_json::json;

use super::*;

const T: &str = "2026-03-01T18:30:00Z";

/// A system that rates teams and free-for-alls, so only the file's own rules apply.
fn any_shape() -> Params {
    Params::parse("trueskill", &serde_json::Value::Null).expect("params")
}

fn ok(csv: &str) -> Vec<MatchSpec> {
    parse(csv.as_bytes(), &any_shape())
        .unwrap_or_else(|e| panic!("expected a valid file, got {e:#?}"))
}

fn errors(csv: &str) -> Vec<RowError> {
    parse(csv.as_bytes(), &any_shape()).expect_err("expected the file to be refused")
}

/// Each error as (line, column), for asserting where errors land.
fn places(errors: &[RowError]) -> Vec<(u64, Option<&str>)> {
    errors
        .iter()
        .map(|e| (e.line, e.column.as_deref()))
        .collect()
}

fn team(names: &[&str], rank: u32, score: Option<f64>) -> (Vec<String>, u32, Option<f64>) {
    (names.iter().map(|n| n.to_string()).collect(), rank, score)
}

#[test]
fn a_one_v_one_file_with_ranks_becomes_one_match_per_key() {
    let specs = ok(&format!(
        "match,played_at,participants,rank\n\
         m1,{T},ann,2\n\
         m1,{T},bob,1\n\
         m2,2026-03-02T09:00:00+01:00,ann,1\n\
         m2,2026-03-02T09:00:00+01:00,bob,1\n"
    ));
    assert_eq!(specs.len(), 2);
    assert_eq!(specs[0].played_at, T.parse::<DateTime<Utc>>().unwrap());
    assert_eq!(
        specs[0].teams,
        vec![team(&["ann"], 2, None), team(&["bob"], 1, None)]
    );
    assert_eq!(specs[0].external_id, None);
    assert_eq!(specs[0].metadata, json!({}));
    assert_eq!(
        specs[1].played_at,
        "2026-03-02T08:00:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    assert_eq!(
        specs[1].teams,
        vec![team(&["ann"], 1, None), team(&["bob"], 1, None)]
    );
}

#[test]
fn scores_become_ranks_with_higher_winning_and_equal_scores_drawing() {
    let specs = ok(&format!(
        "match,played_at,participants,score\n\
         a,{T},ann,7\n\
         a,{T},bob,10.5\n\
         a,{T},cat,7\n\
         a,{T},dan,-1e2\n\
         b,{T},ann,3\n\
         b,{T},bob,3\n\
         c,{T},ann,-0\n\
         c,{T},bob,0\n"
    ));
    assert_eq!(
        specs[0].teams,
        vec![
            team(&["ann"], 2, Some(7.0)),
            team(&["bob"], 1, Some(10.5)),
            team(&["cat"], 2, Some(7.0)),
            team(&["dan"], 4, Some(-100.0)),
        ]
    );
    assert_eq!(
        specs[1].teams,
        vec![team(&["ann"], 1, Some(3.0)), team(&["bob"], 1, Some(3.0))]
    );
    let ranks: Vec<u32> = specs[2].teams.iter().map(|t| t.1).collect();
    assert_eq!(ranks, [1, 1], "-0 and 0 are the same score");
}

#[test]
fn a_two_v_two_keeps_each_teams_participants_together() {
    let specs = ok(&format!(
        "match,played_at,participants,rank\n\
         g,{T},ann;bob,1\n\
         g,{T},cat; dan,2\n"
    ));
    assert_eq!(
        specs[0].teams,
        vec![
            team(&["ann", "bob"], 1, None),
            team(&["cat", "dan"], 2, None)
        ]
    );
}

#[test]
fn a_four_team_free_for_all_is_one_match_of_four_teams() {
    let specs = ok(&format!(
        "match,played_at,participants,rank\n\
         ffa,{T},a1,3\n\
         ffa,{T},b1,1\n\
         ffa,{T},c1,4\n\
         ffa,{T},d1,2\n"
    ));
    assert_eq!(specs.len(), 1);
    let ranks: Vec<u32> = specs[0].teams.iter().map(|t| t.1).collect();
    assert_eq!(ranks, [3, 1, 4, 2]);
}

#[test]
fn scattered_rows_are_grouped_and_matches_keep_their_first_appearance_order() {
    let specs = ok(&format!(
        "match,played_at,participants,rank\n\
         late,{T},ann,1\n\
         early,2026-01-01T00:00:00Z,cat,1\n\
         late,{T},bob,2\n\
         early,2026-01-01T00:00:00Z,dan,2\n"
    ));
    let keys: Vec<_> = specs.iter().map(|s| s.teams[0].0[0].as_str()).collect();
    assert_eq!(keys, ["ann", "cat"]);
    assert_eq!(specs[0].teams[1].0, ["bob"]);
    assert_eq!(specs[1].teams[1].0, ["dan"]);
}

#[test]
fn a_bom_crlf_line_endings_and_quoted_commas_are_read() {
    let body = format!(
        "\u{FEFF}Match,PARTICIPANTS,Played_At,Rank,metadata,external_id\r\n\
         \"cup, final\",\"ann;bob\",{T},1,\"{{\"\"map\"\": \"\"a, b\"\"}}\",ext-1\r\n\
         \"cup, final\",cat;dan,{T},2,,ext-1\r\n"
    );
    let specs = ok(&body);
    assert_eq!(specs.len(), 1);
    assert_eq!(specs[0].metadata, json!({"map": "a, b"}));
    assert_eq!(specs[0].external_id.as_deref(), Some("ext-1"));
    assert_eq!(
        specs[0].teams,
        vec![
            team(&["ann", "bob"], 1, None),
            team(&["cat", "dan"], 2, None)
        ]
    );
}

#[test]
fn metadata_may_repeat_identically_on_every_row() {
    let specs = ok(&format!(
        "match,played_at,participants,rank,metadata\n\
         m,{T},ann,1,\"{{\"\"a\"\": 1}}\"\n\
         m,{T},bob,2,\"{{ \"\"a\"\" : 1 }}\"\n"
    ));
    assert_eq!(specs[0].metadata, json!({"a": 1}));
}

#[test]
fn a_quoted_newline_counts_as_a_line_when_numbering_later_rows() {
    let errs = errors(&format!(
        "match,played_at,participants,rank,metadata\n\
         m,{T},ann,1,\"{{\n}}\"\n\
         m,{T},bob,x,\n"
    ));
    assert_eq!(places(&errs), [(4, Some("rank"))]);
}

#[test]
fn every_cell_error_names_its_line_and_column() {
    let errs = errors(&format!(
        "match,played_at,participants,rank,score,external_id,metadata\n\
         m1,2026-13-01,ann,1,,,\n\
         m1,{T},bad id,2,,,\n\
         m2,{T},ann,0,,,\n\
         m2,{T},bob,,NaN,,\n\
         m3,{T},ann,1,2,,\n\
         m3,{T},bob,,,,\n\
         m4,{T},ann,1,,,[1]\n\
         m4,{T},bob;;cat,2,,,{{oops\n\
         ,{T},ann,1,,,\n\
         m5,{T},ann,1,,{},\n\
         m5,{T},bob,2,,,\n\
         m6,{T},,1,,,\n\
         m6,,bob,2,,,\n\
         m7,{T},ann,1.5,,,\n\
         m7,{T},bob,2,,,inf\n\
         m8,{T},ann,1,,,\n\
         m8,{T},bob,2,,,\n",
        "x".repeat(201)
    ));
    assert_eq!(
        places(&errs),
        [
            (2, Some("played_at")),
            (3, Some("participants")),
            (4, Some("rank")),
            (5, Some("score")),
            (6, None),
            (7, None),
            (8, Some("metadata")),
            (9, Some("participants")),
            (9, Some("metadata")),
            (10, Some("match")),
            (11, Some("external_id")),
            (13, Some("participants")),
            (14, Some("played_at")),
            (15, Some("rank")),
            (16, Some("metadata")),
        ]
    );
    let message = |line| {
        errs.iter()
            .find(|e| e.line == line)
            .map(|e| e.message.as_str())
            .unwrap()
    };
    assert_eq!(
        message(2),
        "played_at: \"2026-13-01\" is not an RFC 3339 time (expected e.g. 2026-03-01T18:30:00Z)"
    );
    assert!(message(3).starts_with("participants: id \"bad id\" character ' '"));
    assert!(message(4).starts_with("rank: \"0\" is not a rank"));
    assert_eq!(message(5), "score: \"NaN\" is not a finite number");
    assert_eq!(message(6), "rank and score both given; give one of them");
    assert_eq!(
        message(7),
        "neither rank nor score given; every row needs one of them"
    );
    assert!(message(8).starts_with("metadata: not a JSON object"));
    assert_eq!(message(9), "participants: id \"\" must not be empty");
    assert!(errs[8].message.starts_with("metadata: not valid JSON"));
    assert!(message(10).starts_with("match: empty"));
    assert_eq!(message(11), "external_id: longer than 200 characters");
}

#[test]
fn disagreeing_rows_of_a_match_are_reported_where_they_disagree() {
    let errs = errors(&format!(
        "match,played_at,participants,rank,score,external_id,metadata\n\
         m7,{T},ann,1,,e1,\"{{\"\"a\"\": 1}}\"\n\
         m7,2026-03-01T18:31:00Z,bob,,3,e2,\"{{\"\"a\"\": 2}}\"\n\
         m7,2026-03-01T19:30:00+01:00,ann;cat,2,,e1,\n\
         solo,{T},dan,1,,,\n\
         late,{T},eve,1,,,\n\
         other,{T},fay,1,,,\n\
         other,{T},gus,2,,,\n\
         late,{T},hal,2,,,\"{{\"\"b\"\": 1}}\"\n"
    ));
    let got: Vec<_> = errs
        .iter()
        .map(|e| (e.line, e.column.as_deref(), e.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                3,
                Some("played_at"),
                "match \"m7\" has played_at 2026-03-01T18:31:00Z here but 2026-03-01T18:30:00Z \
                 on line 2; every row of a match needs the same time"
            ),
            (
                3,
                Some("score"),
                "match \"m7\" mixes rank and score across its rows (line 2 has rank)"
            ),
            (
                3,
                Some("external_id"),
                "match \"m7\" has external_id \"e2\" here but \"e1\" on line 2; give it on \
                 every row or on none"
            ),
            (
                3,
                Some("metadata"),
                "match \"m7\" has metadata here that differs from its first row (line 2); \
                 give it on the first row only, or the same on every row"
            ),
            (
                4,
                Some("participants"),
                "participants: \"ann\" appears more than once in match \"m7\" (also on line 2)"
            ),
            (
                5,
                Some("match"),
                "match \"solo\" has one team; a match needs at least two rows (teams)"
            ),
            (
                9,
                Some("metadata"),
                "match \"late\" has metadata here that differs from its first row (line 6); \
                 give it on the first row only, or the same on every row"
            ),
        ]
    );
}

#[test]
fn an_external_id_on_some_rows_only_is_refused() {
    let errs = errors(&format!(
        "match,played_at,participants,rank,external_id\n\
         m,{T},ann,1,\n\
         m,{T},bob,2,e1\n"
    ));
    assert_eq!(places(&errs), [(3, Some("external_id"))]);
    assert!(errs[0].message.contains("\"e1\" here but empty on line 2"));
}

#[test]
fn a_row_with_the_wrong_number_of_cells_is_reported_without_follow_on_errors() {
    let errs = errors(&format!(
        "match,played_at,participants,rank\n\
         m,{T},ann,1\n\
         m,{T},bob,carl,2\n"
    ));
    assert_eq!(places(&errs), [(3, None)]);
    assert_eq!(
        errs[0].message,
        "the row has 5 cells but the header has 4; quote cells that hold commas"
    );
}

#[test]
fn a_cell_that_is_not_utf8_is_reported_in_its_column() {
    let mut body = format!("match,played_at,participants,rank\nm,{T},ann,1\nm,{T},b").into_bytes();
    body.extend_from_slice(b"\xFFb,2\n");
    let errs = parse(&body, &any_shape()).expect_err("not UTF-8");
    assert_eq!(places(&errs), [(3, Some("participants"))]);
}

#[test]
fn an_unknown_column_is_reported_on_line_one_by_name() {
    let errs = errors(&format!(
        "match,played_at,participants,rank,Winner\nm,{T},ann,1,x\n"
    ));
    assert_eq!(places(&errs), [(1, Some("Winner"))]);
    assert_eq!(
        errs[0].message,
        "unknown column \"Winner\" (column 5); expected match, played_at, participants, \
         rank, score, external_id, metadata"
    );
}

#[test]
fn a_semicolon_separated_header_is_told_to_use_commas() {
    let errs = errors("match;played_at;participants;rank\n");
    assert!(
        errs[0]
            .message
            .ends_with("the file must be comma-separated")
    );
}

#[test]
fn missing_and_repeated_columns_are_reported_on_line_one() {
    let errs = errors("match,rank,Rank\n");
    assert_eq!(
        places(&errs),
        [
            (1, Some("rank")),
            (1, Some("played_at")),
            (1, Some("participants")),
        ]
    );
    let errs = errors("match,played_at,participants\n");
    assert_eq!(places(&errs), [(1, None)]);
    assert!(errs[0].message.contains("\"rank\" or a \"score\" column"));
}

#[test]
fn a_header_only_file_has_no_matches() {
    let errs = errors("match,played_at,participants,rank\r\n\r\n");
    assert_eq!(places(&errs), [(1, None)]);
    assert!(errs[0].message.starts_with("no matches"));
}

#[test]
fn an_empty_file_has_no_matches() {
    for body in ["", "\u{FEFF}"] {
        let errs = errors(body);
        assert_eq!(places(&errs), [(1, None)]);
        assert!(errs[0].message.starts_with("no matches"));
    }
}

#[test]
fn more_rows_than_the_limit_give_one_error_after_the_last_allowed_line() {
    let mut body = String::from("match,played_at,participants,rank\n");
    for i in 0..=MAX_ROWS {
        // Bad rows too: past the limit, the limit is the only thing reported.
        body.push_str(&format!("m{},{T},p{i},x\n", i / 2));
    }
    let errs = errors(&body);
    assert_eq!(places(&errs), [(MAX_ROWS as u64 + 2, None)]);
    assert!(errs[0].message.contains("at most 100000 data rows"));
}

#[test]
fn exactly_the_row_limit_is_accepted() {
    let mut body = String::from("match,played_at,participants,rank\n");
    for i in 0..MAX_ROWS {
        body.push_str(&format!("m{},{T},p{i},{}\n", i / 2, 1 + i % 2));
    }
    assert_eq!(ok(&body).len(), MAX_ROWS / 2);
}

#[test]
fn errors_are_capped_at_one_thousand() {
    let mut body = String::from("match,played_at,participants,rank\n");
    for i in 0..1_500 {
        body.push_str(&format!("m{i},{T},p,0\nm{i},{T},q,0\n"));
    }
    let errs = errors(&body);
    assert_eq!(errs.len(), MAX_ERRORS);
    assert_eq!(errs.last().map(|e| e.line), Some(1_001));
}

#[test]
fn a_nul_in_any_cell_or_in_metadata_json_is_refused_where_it_is() {
    let errs = errors(&format!(
        "match,played_at,participants,rank,external_id,metadata\n\
         m1,{T},ann,1,ext\u{0}1,\n\
         m1,{T},bob,2,ext\u{0}1,\n\
         m2,{T},cat,1,,\"{{\"\"note\"\":\"\"a\\u0000b\"\"}}\"\n\
         m2,{T},dan,2,,\n"
    ));
    assert_eq!(
        places(&errs),
        vec![
            (2, Some("external_id")),
            (3, Some("external_id")),
            (4, Some("metadata"))
        ],
        "{errs:#?}"
    );
    assert!(errs[0].message.contains("NUL"), "{errs:#?}");
    assert!(errs[2].message.contains("note"), "{errs:#?}");
}

#[test]
fn a_shape_the_leagues_system_does_not_rate_is_reported_on_its_lines() {
    let elo = Params::parse("elo", &serde_json::Value::Null).expect("params");
    let file = format!(
        "match,played_at,participants,rank\n\
         duel,{T},ann,1\n\
         duel,{T},bob,2\n\
         pairs,{T},ann;bob,1\n\
         pairs,{T},cat;dan,2\n\
         three,{T},ann,1\n\
         three,{T},bob,2\n\
         three,{T},cat,3\n"
    );
    let errs = parse(file.as_bytes(), &elo).expect_err("refused");
    assert_eq!(
        places(&errs),
        [
            (4, Some("participants")),
            (5, Some("participants")),
            (6, Some("match"))
        ]
    );
    assert_eq!(
        errs[0].message,
        "participants: elo rates one-against-one matches only: exactly one participant (got 2)"
    );
    assert_eq!(
        errs[2].message,
        "match \"three\": elo rates one-against-one matches only: exactly two teams (got 3)"
    );
    assert_eq!(ok(&file).len(), 3, "TrueSkill rates all three");
}

#[test]
fn times_run_from_year_0000_to_9999_in_utc_to_the_microsecond() {
    let specs = ok("match,played_at,participants,rank\n\
                    m,2026-03-01T18:30:00.123456789Z,ann,1\n\
                    m,2026-03-01T19:30:00.1234567+01:00,bob,2\n");
    assert_eq!(
        specs[0].played_at,
        "2026-03-01T18:30:00.123456Z"
            .parse::<DateTime<Utc>>()
            .unwrap()
    );
    let errs = errors(
        "match,played_at,participants,rank\n\
         m,0000-01-01T00:30:00+01:00,ann,1\n\
         m,0000-01-01T00:30:00+01:00,bob,2\n",
    );
    assert_eq!(
        places(&errs),
        [(2, Some("played_at")), (3, Some("played_at"))]
    );
    assert!(
        errs[0]
            .message
            .starts_with("played_at: must be between 0000-01-01")
    );
}

#[test]
fn ranks_stop_at_32767_and_a_match_at_32767_teams() {
    let errs = errors(&format!(
        "match,played_at,participants,rank\n\
         m,{T},ann,32767\n\
         m,{T},bob,32768\n"
    ));
    assert_eq!(places(&errs), [(3, Some("rank"))]);
    assert_eq!(errs[0].message, "rank: ranks go up to 32767 (got 32768)");
    let mut body = String::from("match,played_at,participants,rank\n");
    for i in 0..=32_767 {
        body.push_str(&format!("ffa,{T},p{i},1\n"));
    }
    let errs = errors(&body);
    assert_eq!(places(&errs), [(2, Some("match"))]);
    assert_eq!(
        errs[0].message,
        "match \"ffa\" has 32768 rows (teams); a match has at most 32767 teams (got 32768)"
    );
}
