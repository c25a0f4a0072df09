use proptest::prelude::*;

use super::*;

fn run(op: Operator, order: Order, cur: Option<(i64, i64)>, sub: (i64, i64)) -> (i64, i64, bool) {
    let out = apply(op, order, cur, sub).unwrap();
    (out.score, out.subscore, out.changed)
}

#[test]
fn best_operator_keeps_the_higher_pair_on_a_descending_board() {
    assert_eq!(
        run(Operator::Best, Order::Desc, Some((10, 0)), (12, 0)),
        (12, 0, true)
    );
    assert_eq!(
        run(Operator::Best, Order::Desc, Some((10, 5)), (9, 99)),
        (10, 5, false)
    );
}

#[test]
fn best_operator_compares_score_and_subscore_as_one_pair() {
    // A better subscore only counts when the scores tie; the pair is never mixed.
    assert_eq!(
        run(Operator::Best, Order::Desc, Some((10, 1)), (10, 2)),
        (10, 2, true)
    );
    assert_eq!(
        run(Operator::Best, Order::Desc, Some((10, 9)), (9, 50)),
        (10, 9, false)
    );
    assert_eq!(
        run(Operator::Best, Order::Asc, Some((10, 9)), (10, 3)),
        (10, 3, true)
    );
    assert_eq!(
        run(Operator::Best, Order::Asc, Some((10, 1)), (11, 0)),
        (10, 1, false)
    );
}

#[test]
fn best_operator_with_an_equal_pair_reports_no_change() {
    assert_eq!(
        run(Operator::Best, Order::Asc, Some((7, 7)), (7, 7)),
        (7, 7, false)
    );
}

#[test]
fn first_submission_is_kept_for_best_and_latest() {
    assert_eq!(run(Operator::Best, Order::Asc, None, (5, 1)), (5, 1, true));
    assert_eq!(
        run(Operator::Latest, Order::Desc, None, (-5, 1)),
        (-5, 1, true)
    );
}

#[test]
fn latest_operator_replaces_even_with_a_worse_pair() {
    assert_eq!(
        run(Operator::Latest, Order::Desc, Some((100, 0)), (1, 0)),
        (1, 0, true)
    );
    assert_eq!(
        run(Operator::Latest, Order::Desc, Some((1, 0)), (1, 0)),
        (1, 0, false)
    );
}

#[test]
fn increment_and_decrement_start_from_zero() {
    assert_eq!(
        run(Operator::Increment, Order::Desc, None, (5, 2)),
        (5, 2, true)
    );
    assert_eq!(
        run(Operator::Decrement, Order::Desc, None, (5, 2)),
        (-5, -2, true)
    );
    assert_eq!(
        run(Operator::Increment, Order::Asc, Some((5, 2)), (0, 0)),
        (5, 2, false)
    );
    assert_eq!(
        run(Operator::Decrement, Order::Asc, Some((5, 2)), (1, 3)),
        (4, -1, true)
    );
}

#[test]
fn overflow_is_reported_with_the_field_that_overflowed() {
    let err = apply(
        Operator::Increment,
        Order::Desc,
        Some((i64::MAX, 0)),
        (1, 0),
    )
    .unwrap_err();
    assert_eq!(err, ScoreError::Overflow { field: "score" });
    assert!(err.to_string().starts_with("score would overflow"), "{err}");
    let err = apply(Operator::Decrement, Order::Desc, None, (0, i64::MIN)).unwrap_err();
    assert_eq!(err, ScoreError::Overflow { field: "subscore" });
}

#[test]
fn order_and_operator_names_round_trip() {
    for order in [Order::Desc, Order::Asc] {
        assert_eq!(order.as_str().parse::<Order>(), Ok(order));
    }
    for op in [
        Operator::Best,
        Operator::Latest,
        Operator::Increment,
        Operator::Decrement,
    ] {
        assert_eq!(op.as_str().parse::<Operator>(), Ok(op));
        assert_eq!(
            serde_json::to_string(&op).unwrap(),
            format!("\"{}\"", op.as_str())
        );
    }
}

#[test]
fn unknown_names_list_the_allowed_values() {
    let err = "highest".parse::<Operator>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown operator \"highest\"; expected one of: best, latest, increment, decrement"
    );
    assert!(
        "DESC"
            .parse::<Order>()
            .unwrap_err()
            .to_string()
            .contains("desc, asc")
    );
}

/// The obvious definition, in i128 so overflow is a range check rather than a wrap.
fn model(
    op: Operator,
    order: Order,
    cur: Option<(i64, i64)>,
    sub: (i64, i64),
) -> Result<(i64, i64), &'static str> {
    let wide = |(a, b): (i64, i64)| (i128::from(a), i128::from(b));
    let fit = |v: i128, field| i64::try_from(v).map_err(|_| field);
    let base = wide(cur.unwrap_or((0, 0)));
    let s = wide(sub);
    match op {
        Operator::Latest => Ok(sub),
        Operator::Best => Ok(match cur {
            None => sub,
            Some(c) => {
                let sub_first = match order {
                    Order::Desc => s.0 > base.0 || (s.0 == base.0 && s.1 > base.1),
                    Order::Asc => s.0 < base.0 || (s.0 == base.0 && s.1 < base.1),
                };
                if sub_first { sub } else { c }
            }
        }),
        Operator::Increment => Ok((fit(base.0 + s.0, "score")?, fit(base.1 + s.1, "subscore")?)),
        Operator::Decrement => Ok((fit(base.0 - s.0, "score")?, fit(base.1 - s.1, "subscore")?)),
    }
}

fn any_value() -> impl Strategy<Value = i64> {
    prop_oneof![-3i64..3, Just(i64::MIN), Just(i64::MAX), any::<i64>()]
}

proptest! {
    #[test]
    fn apply_matches_the_i128_model(
        op in prop_oneof![Just(Operator::Best), Just(Operator::Latest), Just(Operator::Increment), Just(Operator::Decrement)],
        order in prop_oneof![Just(Order::Desc), Just(Order::Asc)],
        cur in proptest::option::of((any_value(), any_value())),
        sub in (any_value(), any_value()),
    ) {
        let got = apply(op, order, cur, sub);
        match model(op, order, cur, sub) {
            Ok(kept) => {
                let out = got.unwrap();
                prop_assert_eq!((out.score, out.subscore), kept);
                prop_assert_eq!(out.changed, cur != Some(kept));
            }
            Err(field) => prop_assert_eq!(got, Err(ScoreError::Overflow { field })),
        }
    }
}
