//! Tests of the grouped write's overlay: each submission's row, jobs all or nothing, and the
//! grouped overlay against applying the submissions one at a time.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

fn at(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(s, 0).expect("a time")
}

fn row(score: i64, n: i64, reached: i64, metadata: Option<&'static str>) -> Kept<&'static str> {
    Kept {
        score,
        subscore: 0,
        num_submissions: n,
        reached_at: at(reached),
        created_at: at(1),
        metadata,
    }
}

const BEST: Rule = Rule {
    operator: Operator::Best,
    order: Order::Desc,
};

const INCREMENT: Rule = Rule {
    operator: Operator::Increment,
    order: Order::Desc,
};

fn sub(
    key: &'static str,
    score: i64,
    metadata: Option<&'static str>,
) -> Submitted<&'static str, &'static str> {
    Submitted {
        key,
        pair: (score, 0),
        metadata,
    }
}

#[test]
fn a_first_submission_creates_the_row_now() {
    let r = next_row(None, BEST, (5, 1), Some(&"m"), at(10)).expect("applied");
    assert_eq!(
        r,
        Kept {
            score: 5,
            subscore: 1,
            num_submissions: 1,
            reached_at: at(10),
            created_at: at(10),
            metadata: Some("m"),
        }
    );
}

#[test]
fn a_submission_that_keeps_the_pair_counts_but_keeps_its_time_and_metadata() {
    let kept = row(9, 3, 5, Some("old"));
    let r = next_row(Some(&kept), BEST, (7, 0), Some(&"new"), at(10)).expect("applied");
    assert_eq!(r, row(9, 4, 5, Some("old")));
}

#[test]
fn a_submission_that_changes_the_pair_takes_the_time_and_its_metadata_if_it_gives_some() {
    let kept = row(9, 3, 5, Some("old"));
    let r = next_row(Some(&kept), BEST, (12, 0), Some(&"new"), at(10)).expect("applied");
    assert_eq!(r, row(12, 4, 10, Some("new")));
    let r = next_row(Some(&kept), BEST, (12, 0), None, at(10)).expect("applied");
    assert_eq!(
        r,
        row(12, 4, 10, Some("old")),
        "no metadata given keeps the old"
    );
}

#[test]
fn the_submission_count_saturates() {
    let kept = row(1, i64::MAX, 5, None);
    let r = next_row(Some(&kept), INCREMENT, (1, 0), None, at(10)).expect("applied");
    assert_eq!(r.num_submissions, i64::MAX);
}

#[test]
fn a_job_sees_its_own_earlier_submissions_and_an_overflow_leaves_no_trace() {
    let mut overlay = Overlay::new([("ann", row(i64::MAX - 1, 1, 1, None))]);
    let refused = overlay.apply_job(
        INCREMENT,
        &[
            sub("bob", 4, None),
            sub("ann", 1, None),
            sub("ann", 1, None),
        ],
        at(10),
    );
    assert_eq!(
        refused,
        Err(Refused {
            index: 2,
            error: ScoreError::Overflow { field: "score" }
        })
    );
    assert_eq!(overlay.get(&"bob"), None, "nothing of the job stays");
    assert_eq!(overlay.get(&"ann").map(|r| r.score), Some(i64::MAX - 1));

    let rows = overlay
        .apply_job(
            INCREMENT,
            &[sub("bob", 4, None), sub("bob", 3, None)],
            at(11),
        )
        .expect("applied");
    assert_eq!(rows.iter().map(|r| r.score).collect::<Vec<_>>(), [4, 7]);
    assert_eq!(rows[1].num_submissions, 2);
    let changed = overlay.into_changed();
    assert_eq!(changed.len(), 1, "only rows a standing job submitted to");
    assert_eq!(changed[0].0, "bob");
    assert_eq!(changed[0].1.score, 7);
}

#[test]
fn a_row_submitted_to_without_a_change_is_still_written_back_for_its_count() {
    let mut overlay = Overlay::new([("ann", row(9, 1, 1, None)), ("cat", row(1, 1, 1, None))]);
    overlay
        .apply_job(BEST, &[sub("ann", 3, None)], at(10))
        .expect("applied");
    let changed = overlay.into_changed();
    assert_eq!(changed, [("ann", row(9, 2, 1, None))]);
}

/// Per job its rows after each submission, or why it was refused.
type Outcomes = Vec<Result<Vec<Kept<u8>>, Refused>>;

/// The model: every job applied one submission at a time on a copy of all rows, the copy kept
/// only if the whole job applied.
fn one_at_a_time(
    stored: &BTreeMap<u8, Kept<u8>>,
    jobs: &[(Rule, Vec<Submitted<u8, u8>>)],
    now: DateTime<Utc>,
) -> (Outcomes, BTreeMap<u8, Kept<u8>>) {
    let mut rows = stored.clone();
    let mut submitted = BTreeMap::new();
    let mut outcomes = Vec::new();
    for (rule, items) in jobs {
        let mut trial = rows.clone();
        let mut after = Vec::new();
        let mut refused = None;
        for (index, item) in items.iter().enumerate() {
            match next_row(
                trial.get(&item.key),
                *rule,
                item.pair,
                item.metadata.as_ref(),
                now,
            ) {
                Ok(r) => {
                    trial.insert(item.key, r.clone());
                    after.push(r);
                }
                Err(error) => {
                    refused = Some(Refused { index, error });
                    break;
                }
            }
        }
        match refused {
            Some(r) => outcomes.push(Err(r)),
            None => {
                for item in items {
                    submitted.insert(item.key, trial[&item.key].clone());
                }
                rows = trial;
                outcomes.push(Ok(after));
            }
        }
    }
    (outcomes, submitted)
}

fn rule() -> impl Strategy<Value = Rule> {
    let operator = prop_oneof![
        Just(Operator::Best),
        Just(Operator::Latest),
        Just(Operator::Increment),
        Just(Operator::Decrement),
    ];
    let order = prop_oneof![Just(Order::Desc), Just(Order::Asc)];
    (operator, order).prop_map(|(operator, order)| Rule { operator, order })
}

fn value() -> impl Strategy<Value = i64> {
    prop_oneof![-3i64..4, Just(i64::MAX), Just(i64::MIN), Just(i64::MAX - 1)]
}

fn kept() -> impl Strategy<Value = Kept<u8>> {
    (
        value(),
        value(),
        1i64..4,
        0i64..5,
        proptest::option::of(0u8..3),
    )
        .prop_map(
            |(score, subscore, num_submissions, reached, metadata)| Kept {
                score,
                subscore,
                num_submissions,
                reached_at: at(reached),
                created_at: at(0),
                metadata,
            },
        )
}

fn job() -> impl Strategy<Value = (Rule, Vec<Submitted<u8, u8>>)> {
    let item = (0u8..5, value(), value(), proptest::option::of(0u8..3)).prop_map(
        |(key, score, subscore, metadata)| Submitted {
            key,
            pair: (score, subscore),
            metadata,
        },
    );
    (rule(), prop::collection::vec(item, 1..5))
}

proptest! {
    #[test]
    fn the_grouped_overlay_gives_what_one_submission_at_a_time_gives(
        stored in prop::collection::btree_map(0u8..5, kept(), 0..5),
        jobs in prop::collection::vec(job(), 1..8),
    ) {
        let now = at(100);
        let (want, want_rows) = one_at_a_time(&stored, &jobs, now);
        let mut overlay = Overlay::new(stored.clone());
        let got: Vec<_> = jobs
            .iter()
            .map(|(rule, items)| overlay.apply_job(*rule, items, now))
            .collect();
        prop_assert_eq!(got, want);
        let got_rows: BTreeMap<u8, Kept<u8>> = overlay.into_changed().into_iter().collect();
        prop_assert_eq!(got_rows, want_rows);
    }
}
