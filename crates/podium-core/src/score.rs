//! Score operators: how a submitted `(score, subscore)` pair combines with the kept one, in the
//! leaderboard's order, with overflow reported instead of wrapped; and the [`overlay`] that
//! applies them to a grouped write's rows, job by job.

use std::str::FromStr;

pub mod overlay;

/// Which scores rank first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// Higher scores rank first.
    Desc,
    /// Lower scores rank first (times, golf).
    Asc,
}

/// How a submission combines with the participant's kept pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operator {
    /// Keep the better pair in the board's order.
    Best,
    /// Keep the submitted pair.
    Latest,
    /// Add the submitted pair to the kept one.
    Increment,
    /// Subtract the submitted pair from the kept one.
    Decrement,
}

/// A name that is not one of an enum's values.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}; expected one of: {allowed}")]
pub struct UnknownName {
    what: &'static str,
    value: String,
    allowed: &'static str,
}

impl Order {
    /// The lowercase name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Order::Desc => "desc",
            Order::Asc => "asc",
        }
    }
}

impl FromStr for Order {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        match s {
            "desc" => Ok(Order::Desc),
            "asc" => Ok(Order::Asc),
            _ => Err(UnknownName {
                what: "order",
                value: s.to_owned(),
                allowed: "desc, asc",
            }),
        }
    }
}

impl Operator {
    /// The lowercase name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Best => "best",
            Operator::Latest => "latest",
            Operator::Increment => "increment",
            Operator::Decrement => "decrement",
        }
    }
}

impl FromStr for Operator {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        match s {
            "best" => Ok(Operator::Best),
            "latest" => Ok(Operator::Latest),
            "increment" => Ok(Operator::Increment),
            "decrement" => Ok(Operator::Decrement),
            _ => Err(UnknownName {
                what: "operator",
                value: s.to_owned(),
                allowed: "best, latest, increment, decrement",
            }),
        }
    }
}

/// Why a submission cannot be applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    /// The result does not fit in a signed 64-bit integer.
    #[error(
        "{field} would overflow the signed 64-bit range (-9223372036854775808 to 9223372036854775807)"
    )]
    Overflow {
        /// `"score"` or `"subscore"`.
        field: &'static str,
    },
}

/// The pair to keep after a submission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApplyOutcome {
    /// The score to keep.
    pub score: i64,
    /// The subscore to keep.
    pub subscore: i64,
    /// Whether the kept pair differs from the current one (always true without a current one).
    pub changed: bool,
}

/// Combines a submitted `(score, subscore)` with the participant's current pair, if any.
pub fn apply(
    op: Operator,
    order: Order,
    current: Option<(i64, i64)>,
    submitted: (i64, i64),
) -> Result<ApplyOutcome, ScoreError> {
    let kept = match (op, current) {
        (Operator::Latest, _) | (Operator::Best, None) => submitted,
        (Operator::Best, Some(cur)) => {
            if is_better(order, submitted, cur) {
                submitted
            } else {
                cur
            }
        }
        (Operator::Increment, cur) => {
            let (s, t) = cur.unwrap_or((0, 0));
            (
                s.checked_add(submitted.0).ok_or(overflow("score"))?,
                t.checked_add(submitted.1).ok_or(overflow("subscore"))?,
            )
        }
        (Operator::Decrement, cur) => {
            let (s, t) = cur.unwrap_or((0, 0));
            (
                s.checked_sub(submitted.0).ok_or(overflow("score"))?,
                t.checked_sub(submitted.1).ok_or(overflow("subscore"))?,
            )
        }
    };
    Ok(ApplyOutcome {
        score: kept.0,
        subscore: kept.1,
        changed: current != Some(kept),
    })
}

/// Whether pair `a` ranks strictly before pair `b`; the pair compares as one unit.
pub fn is_better(order: Order, a: (i64, i64), b: (i64, i64)) -> bool {
    match order {
        Order::Desc => a > b,
        Order::Asc => a < b,
    }
}

fn overflow(field: &'static str) -> ScoreError {
    ScoreError::Overflow { field }
}

#[cfg(test)]
mod tests;
