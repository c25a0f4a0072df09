//! The pure part of a grouped score write: many jobs (each one request's submissions, all or
//! nothing) applied in order over the rows the batch locked. Each job works on an overlay of
//! its own, so a job whose submission overflows leaves no trace while the jobs around it
//! stand; what the batch upserts is every row a standing job submitted to.

use std::{
    collections::{HashMap, HashSet},
    hash::Hash,
};

use chrono::{DateTime, Utc};

use super::{Operator, Order, ScoreError, apply};

/// A participant's kept row in a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kept<M> {
    /// The kept score.
    pub score: i64,
    /// The kept subscore.
    pub subscore: i64,
    /// Submissions received, the last included.
    pub num_submissions: i64,
    /// When the kept pair was reached (the last submission that changed it).
    pub reached_at: DateTime<Utc>,
    /// The first submission.
    pub created_at: DateTime<Utc>,
    /// The metadata of the submission that last changed the pair and gave some.
    pub metadata: Option<M>,
}

/// How a leaderboard combines a submission with the kept pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The score operator.
    pub operator: Operator,
    /// Which scores rank first.
    pub order: Order,
}

/// One submission: the row it goes to, the pair submitted, its metadata.
#[derive(Clone, Debug, PartialEq)]
pub struct Submitted<K, M> {
    /// The row: in the server, (period, participant).
    pub key: K,
    /// (score, subscore).
    pub pair: (i64, i64),
    /// Kept when the submission changes the pair.
    pub metadata: Option<M>,
}

/// A job that cannot be applied: its first submission that cannot, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused {
    /// The submission's index in its job.
    pub index: usize,
    /// Why.
    pub error: ScoreError,
}

/// The rows of a batch: as locked, with every standing job's submissions applied.
#[derive(Clone, Debug)]
pub struct Overlay<K, M> {
    rows: HashMap<K, Kept<M>>,
    /// The rows some standing job submitted to: to be upserted.
    touched: HashSet<K>,
}

/// The row after one submission at `now`, given the current one (`None`: the first). The
/// pair follows the operator; the count grows by one (saturating); the time and metadata
/// change only when the pair does (metadata only when the submission gives some).
pub fn next_row<M: Clone>(
    current: Option<&Kept<M>>,
    rule: Rule,
    pair: (i64, i64),
    metadata: Option<&M>,
    now: DateTime<Utc>,
) -> Result<Kept<M>, ScoreError> {
    let kept = current.map(|k| (k.score, k.subscore));
    let out = apply(rule.operator, rule.order, kept, pair)?;
    Ok(match current {
        Some(k) => Kept {
            score: out.score,
            subscore: out.subscore,
            num_submissions: k.num_submissions.saturating_add(1),
            reached_at: if out.changed { now } else { k.reached_at },
            created_at: k.created_at,
            metadata: match metadata {
                Some(m) if out.changed => Some(m.clone()),
                _ => k.metadata.clone(),
            },
        },
        None => Kept {
            score: out.score,
            subscore: out.subscore,
            num_submissions: 1,
            reached_at: now,
            created_at: now,
            metadata: metadata.cloned(),
        },
    })
}

impl<K: Clone + Eq + Hash + Ord, M: Clone> Overlay<K, M> {
    /// The rows as stored (locked by the batch); rows not given do not exist yet.
    pub fn new(stored: impl IntoIterator<Item = (K, Kept<M>)>) -> Self {
        Overlay {
            rows: stored.into_iter().collect(),
            touched: HashSet::new(),
        }
    }

    /// A row as it stands.
    pub fn get(&self, key: &K) -> Option<&Kept<M>> {
        self.rows.get(key)
    }

    /// Applies one job's submissions in order, all or nothing: each submission's row after it
    /// (a later submission to the same row sees the earlier), or the first it cannot apply,
    /// leaving every row as it was.
    pub fn apply_job(
        &mut self,
        rule: Rule,
        items: &[Submitted<K, M>],
        now: DateTime<Utc>,
    ) -> Result<Vec<Kept<M>>, Refused> {
        let mut job: HashMap<&K, Kept<M>> = HashMap::new();
        let mut after = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let current = job.get(&item.key).or_else(|| self.rows.get(&item.key));
            let next = next_row(current, rule, item.pair, item.metadata.as_ref(), now)
                .map_err(|error| Refused { index, error })?;
            after.push(next.clone());
            job.insert(&item.key, next);
        }
        for (key, row) in job {
            self.rows.insert(key.clone(), row);
            self.touched.insert(key.clone());
        }
        Ok(after)
    }

    /// The rows standing jobs submitted to, by key, to be written back.
    pub fn into_changed(mut self) -> Vec<(K, Kept<M>)> {
        let mut keys: Vec<K> = self.touched.into_iter().collect();
        keys.sort_unstable();
        keys.into_iter()
            .filter_map(|k| self.rows.remove(&k).map(|row| (k, row)))
            .collect()
    }
}

#[cfg(test)]
mod tests;
