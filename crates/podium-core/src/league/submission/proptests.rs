//! Properties of the submission rules: any input gives an answer (never a panic), a valid
//! match keeps the promises of [`ValidMatch`], scores rank as a naive count says, and a match
//! given as rows (the CSV import) is judged as the same match given whole (the JSON API).

use std::collections::HashSet;

use proptest::prelude::*;
use serde_json::json;

use super::*;

fn system() -> impl Strategy<Value = Params> {
    prop::sample::select(vec!["elo", "glicko2", "trueskill", "weng_lin", "points"])
        .prop_map(|s| Params::parse(s, &Value::Null).expect("default params"))
}

/// Ids from a small pool (so duplicates happen), now and then an invalid one.
fn participant() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(vec!["ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal"])
            .prop_map(str::to_owned),
        1 => prop::sample::select(vec!["", "bad id", "x\u{0}y", "ünï"]).prop_map(str::to_owned),
        1 => "[a-z]{1,3}",
    ]
}

fn result() -> impl Strategy<Value = TeamResult> {
    let rank = prop_oneof![
        6 => (1u32..5).prop_map(Some),
        1 => Just(None),
        1 => prop::sample::select(vec![0, MAX_RANK, MAX_RANK + 1, u32::MAX]).prop_map(Some),
    ];
    let score = prop_oneof![
        6 => (-3i32..4).prop_map(|s| Some(f64::from(s) / 2.0)),
        1 => Just(None),
        1 => prop::sample::select(vec![f64::NAN, f64::INFINITY, -0.0, 1e300]).prop_map(Some),
    ];
    prop_oneof![
        3 => rank.prop_map(|rank| TeamResult { rank, score: None }),
        3 => score.prop_map(|score| TeamResult { rank: None, score }),
        1 => (1u32..3, -2i32..2).prop_map(|(r, s)| TeamResult {
            rank: Some(r),
            score: Some(f64::from(s)),
        }),
    ]
}

fn team() -> impl Strategy<Value = TeamSubmission> {
    (prop::collection::vec(participant(), 0..4), result()).prop_map(|(participants, result)| {
        TeamSubmission {
            participants,
            result,
        }
    })
}

fn played_at() -> impl Strategy<Value = DateTime<Utc>> {
    // Beyond both ends of the accepted years, and sub-microsecond times.
    let lo = earliest_played_at().timestamp() - 86_400 * 400;
    let hi = latest_played_at().timestamp() + 86_400 * 400;
    (lo..hi, 0u32..1_000_000_000)
        .prop_map(|(s, n)| DateTime::from_timestamp(s, n).expect("within chrono's range"))
}

fn submission() -> impl Strategy<Value = Submission> {
    let external_id = prop_oneof![
        Just(None),
        "[a-z0-9-]{0,3}".prop_map(Some),
        Just(Some("x".repeat(201))),
    ];
    let metadata = prop_oneof![
        Just(None),
        Just(Some(json!({"map": "dust2"}))),
        Just(Some(json!([1, 2]))),
        Just(Some(json!("note"))),
    ];
    (
        played_at(),
        prop::collection::vec(team(), 0..6),
        external_id,
        metadata,
    )
        .prop_map(|(played_at, teams, external_id, metadata)| Submission {
            played_at,
            teams,
            external_id,
            metadata,
        })
}

/// The rows of a match as a CSV file would give them; `repeat` puts the metadata on every
/// row rather than on the first only.
fn rows_of(s: &Submission, repeat: bool) -> Vec<TeamRow> {
    s.teams
        .iter()
        .enumerate()
        .map(|(i, t)| TeamRow {
            played_at: Some(s.played_at),
            participants: Some(t.participants.clone()),
            result: Some(t.result),
            external_id: Some(s.external_id.clone()),
            metadata: Some(if i == 0 || repeat {
                s.metadata.clone()
            } else {
                None
            }),
        })
        .collect()
}

/// A problem's kind and where, forgetting the row it was reported on.
fn places(errors: impl IntoIterator<Item = (Field, Problem)>) -> HashSet<String> {
    errors
        .into_iter()
        .map(|(field, problem)| format!("{field}: {problem}"))
        .collect()
}

proptest! {
    #[test]
    fn any_submission_is_answered_and_a_valid_one_keeps_its_promises(
        s in submission(),
        params in system(),
    ) {
        let Ok(m) = validate(&s, &params) else { return Ok(()) };
        prop_assert!(m.teams.len() >= 2 && m.teams.len() == s.teams.len());
        prop_assert!(m.played_at >= earliest_played_at() && m.played_at <= latest_played_at());
        prop_assert_eq!(m.played_at.timestamp_subsec_nanos() % 1000, 0);
        prop_assert!(m.metadata.is_object());
        let mut seen = HashSet::new();
        for t in &m.teams {
            prop_assert!(!t.participants.is_empty());
            prop_assert!(t.rank >= 1 && t.rank <= MAX_RANK);
            for p in &t.participants {
                prop_assert!(seen.insert(p.as_str().to_owned()), "{} twice", p.as_str());
            }
        }
        let scored = m.teams.iter().filter(|t| t.score.is_some()).count();
        prop_assert!(scored == 0 || scored == m.teams.len(), "one kind of result");
        if params.one_vs_one_only() {
            prop_assert!(m.teams.len() == 2 && m.teams.iter().all(|t| t.participants.len() == 1));
        }
    }

    #[test]
    fn a_scores_rank_is_one_plus_the_teams_scoring_strictly_more(
        scores in prop::collection::vec(-4i32..4, 2..40),
    ) {
        let s = Submission {
            played_at: earliest_played_at(),
            teams: scores
                .iter()
                .enumerate()
                .map(|(i, v)| TeamSubmission {
                    participants: vec![format!("p{i}")],
                    result: TeamResult { rank: None, score: Some(f64::from(*v)) },
                })
                .collect(),
            external_id: None,
            metadata: None,
        };
        let params = Params::parse("weng_lin", &Value::Null).expect("params");
        let m = validate(&s, &params).expect("valid");
        for (t, v) in m.teams.iter().zip(&scores) {
            let above = scores.iter().filter(|o| *o > v).count() as u32;
            prop_assert_eq!(t.rank, 1 + above);
        }
    }

    #[test]
    fn a_match_given_as_rows_is_judged_as_the_same_match_given_whole(
        s in submission(),
        params in system(),
        repeat in any::<bool>(),
    ) {
        // A CSV cell cannot give an empty external id (an empty cell means none), and a CSV
        // match has at least one row.
        prop_assume!(s.external_id.as_deref() != Some("") && !s.teams.is_empty());
        let whole = validate(&s, &params);
        let rows = validate_rows(&rows_of(&s, repeat), &params);
        match (whole, rows) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(a), Err(b)) => {
                let a = places(a.into_iter().map(|e| (e.field, e.problem)));
                let b = places(b.into_iter().map(|e| (e.field, e.problem)));
                prop_assert_eq!(a, b);
            }
            (a, b) => prop_assert!(false, "whole: {:?}\nrows: {:?}", a, b),
        }
    }

    #[test]
    fn rows_with_unread_cells_are_answered(
        s in submission(),
        params in system(),
        unread in prop::collection::vec(0usize..6, 0..4),
    ) {
        let mut rows = rows_of(&s, false);
        for (i, cell) in unread.iter().enumerate() {
            let Some(row) = rows.get_mut(i) else { break };
            match cell {
                0 => row.played_at = None,
                1 => row.participants = None,
                2 => row.result = None,
                3 => row.external_id = None,
                4 => row.metadata = None,
                _ => *row = TeamRow::default(),
            }
        }
        let judged = validate_rows(&rows, &params);
        if !unread.is_empty() && !rows.is_empty() {
            prop_assert!(judged.is_err(), "an unread cell never makes a match");
        }
    }
}
