//! Feature flags: on/off, a percentage rollout that is sticky per subject, and an allow-list.
//! Every process keeps the flags in memory and reloads them when the change feed carries a
//! `flag` record, so evaluation never touches the database.

pub mod service;

use std::{
    collections::BTreeMap,
    sync::{Arc, RwLock},
};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgExecutor, PgPool};
use utoipa::ToSchema;

use crate::sync::{read, write};

/// Evaluations by flag and result (`true`, `false`, `error`); flags are a bounded admin-made set.
pub const EVALUATIONS: &str = "podium_flag_evaluations_total";

/// A feature flag as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Flag {
    /// Matches `^[a-z0-9][a-z0-9_.-]{0,99}$`.
    pub key: String,
    pub description: String,
    pub enabled: bool,
    /// 0 to 100: the share of subjects (by bucket) that get the flag.
    pub rollout_percentage: i32,
    /// Subjects that get the flag whatever the percentage (while it is enabled).
    pub allow_list: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Why an evaluation came out as it did (OpenFeature's reasons).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Reason {
    /// The flag is off.
    Disabled,
    /// The subject is on the allow-list.
    TargetingMatch,
    /// The subject's bucket falls inside the rollout percentage.
    Split,
    /// The subject's bucket falls outside the rollout percentage.
    Default,
}

/// The outcome of evaluating one flag for one subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Evaluation {
    pub value: bool,
    pub reason: Reason,
}

/// The flag's outcome depends on who asks, and nobody was named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TargetingKeyMissing;

/// The subject's bucket for a flag, 0 to 99: MurmurHash3 x86_32 (seed 0) of the UTF-8 bytes of
/// `"<flag key>:<subject>"`, modulo 100, as Unleash computes it. Clients that agree with
/// `testdata/flag_buckets.json` agree with the server.
pub fn bucket(key: &str, subject: &str) -> u32 {
    let input = format!("{key}:{subject}");
    murmur3::murmur3_32(&mut input.as_bytes(), 0).expect("reading from a byte slice cannot fail")
        % 100
}

/// Whether `key` is a valid flag key: `^[a-z0-9][a-z0-9_.-]{0,99}$`.
pub fn valid_key(key: &str) -> bool {
    let b = key.as_bytes();
    let first = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    (1..=100).contains(&b.len())
        && first(&b[0])
        && b[1..]
            .iter()
            .all(|c| first(c) || matches!(c, b'_' | b'.' | b'-'))
}

impl Flag {
    /// Whether the outcome depends on the subject.
    pub fn needs_subject(&self) -> bool {
        self.enabled
            && self.rollout_percentage < 100
            && (self.rollout_percentage > 0 || !self.allow_list.is_empty())
    }

    /// Disabled → off; on the allow-list → on; bucket below the percentage → on; else off.
    pub fn evaluate(&self, subject: Option<&str>) -> Result<Evaluation, TargetingKeyMissing> {
        let (value, reason) = if !self.enabled {
            (false, Reason::Disabled)
        } else if subject.is_some_and(|s| self.allow_list.iter().any(|a| a == s)) {
            (true, Reason::TargetingMatch)
        } else if self.rollout_percentage >= 100 {
            (true, Reason::Split)
        } else if self.rollout_percentage <= 0 && self.allow_list.is_empty() {
            (false, Reason::Default)
        } else {
            let subject = subject.ok_or(TargetingKeyMissing)?;
            let inside = i64::from(bucket(&self.key, subject)) < i64::from(self.rollout_percentage);
            (
                inside,
                if inside {
                    Reason::Split
                } else {
                    Reason::Default
                },
            )
        };
        Ok(Evaluation { value, reason })
    }
}

/// Counts one evaluation of an existing flag (`result`: `true`, `false` or `error`).
pub fn count(key: &str, result: &'static str) {
    metrics::counter!(EVALUATIONS, "flag" => key.to_owned(), "result" => result).increment(1);
}

/// Flags ordered by key: all of them, or the one named.
pub async fn fetch(conn: impl PgExecutor<'_>, key: Option<&str>) -> Result<Vec<Flag>, sqlx::Error> {
    sqlx::query_as!(
        Flag,
        r#"select key, description, enabled, rollout_percentage, allow_list, created_at, updated_at
           from feature_flag where $1::text is null or key = $1 order by key"#,
        key
    )
    .fetch_all(conn)
    .await
}

/// Every flag, by key; cheap to snapshot (one `Arc` clone).
#[derive(Debug, Default)]
pub struct Flags {
    by_key: RwLock<Arc<BTreeMap<String, Arc<Flag>>>>,
    /// Serialises reloads, so an older read can never overwrite a newer one.
    reloading: tokio::sync::Mutex<()>,
}

impl Flags {
    /// Reloads every flag from the database.
    pub async fn reload(&self, pool: &PgPool) -> Result<usize, sqlx::Error> {
        let _one_at_a_time = self.reloading.lock().await;
        let map: BTreeMap<_, _> = fetch(pool, None)
            .await?
            .into_iter()
            .map(|f| (f.key.clone(), Arc::new(f)))
            .collect();
        let n = map.len();
        *write(&self.by_key) = Arc::new(map);
        Ok(n)
    }

    /// The flag named `key`, if there is one.
    pub fn get(&self, key: &str) -> Option<Arc<Flag>> {
        read(&self.by_key).get(key).cloned()
    }

    /// Every flag, ordered by key, as one consistent snapshot.
    pub fn all(&self) -> Arc<BTreeMap<String, Arc<Flag>>> {
        read(&self.by_key).clone()
    }
}

/// Reloads the flags whenever the change feed says they changed, until the task is aborted.
pub async fn follow(flags: Arc<Flags>, pool: PgPool, changed: Arc<tokio::sync::Notify>) {
    loop {
        changed.notified().await;
        if let Err(e) = flags.reload(&pool).await {
            tracing::warn!(error = %e, "could not reload the feature flags");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(enabled: bool, pct: i32, allow: &[&str]) -> Flag {
        Flag {
            key: "new-checkout".into(),
            description: String::new(),
            enabled,
            rollout_percentage: pct,
            allow_list: allow.iter().map(|s| (*s).to_owned()).collect(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[derive(serde::Deserialize)]
    struct Vectors {
        vectors: Vec<Vector>,
    }

    #[derive(serde::Deserialize)]
    struct Vector {
        flag: String,
        subject: String,
        hash: u32,
        bucket: u32,
    }

    #[test]
    fn buckets_agree_with_the_shared_test_vectors() {
        let v: Vectors = serde_json::from_str(include_str!("../../testdata/flag_buckets.json"))
            .expect("valid vectors");
        assert!(v.vectors.len() >= 30, "{} vectors", v.vectors.len());
        for t in &v.vectors {
            let input = format!("{}:{}", t.flag, t.subject);
            let hash = murmur3::murmur3_32(&mut input.as_bytes(), 0).unwrap();
            assert_eq!(hash, t.hash, "hash of {input:?}");
            assert_eq!(bucket(&t.flag, &t.subject), t.bucket, "bucket of {input:?}");
        }
    }

    #[test]
    fn raising_the_percentage_never_drops_a_subject_that_had_the_flag() {
        let subjects: Vec<String> = (0..5000).map(|i| format!("user-{i}")).collect();
        let mut previous: Vec<bool> = vec![false; subjects.len()];
        for pct in 0..=100 {
            let f = flag(true, pct, &[]);
            let now: Vec<bool> = subjects
                .iter()
                .map(|s| f.evaluate(Some(s)).unwrap().value)
                .collect();
            for (i, (before, after)) in previous.iter().zip(&now).enumerate() {
                assert!(!before || *after, "{} lost the flag at {pct}%", subjects[i]);
            }
            let share = now.iter().filter(|v| **v).count() as f64 / subjects.len() as f64;
            assert!(
                (share - f64::from(pct) / 100.0).abs() < 0.03,
                "{pct}% rolled out to {share}"
            );
            previous = now;
        }
        assert!(previous.iter().all(|v| *v), "everyone has it at 100%");
    }

    #[test]
    fn evaluation_follows_disabled_allow_list_split_default() {
        let off = flag(false, 100, &["ann"]);
        assert_eq!(off.evaluate(None).unwrap().reason, Reason::Disabled);
        assert!(!off.needs_subject());
        let listed = flag(true, 0, &["ann"]);
        let ann = listed.evaluate(Some("ann")).unwrap();
        assert_eq!((ann.value, ann.reason), (true, Reason::TargetingMatch));
        let bob = listed.evaluate(Some("bob")).unwrap();
        assert_eq!((bob.value, bob.reason), (false, Reason::Default));
        assert_eq!(listed.evaluate(None), Err(TargetingKeyMissing));
        let half = flag(true, 50, &[]);
        for s in ["a", "b", "c", "d", "e", "f"] {
            let e = half.evaluate(Some(s)).unwrap();
            let inside = bucket("new-checkout", s) < 50;
            assert_eq!(e.value, inside, "{s}");
            assert_eq!(
                e.reason,
                if inside {
                    Reason::Split
                } else {
                    Reason::Default
                }
            );
        }
        assert_eq!(half.evaluate(None), Err(TargetingKeyMissing));
        let everyone = flag(true, 100, &[]);
        assert!(everyone.evaluate(None).unwrap().value);
        assert!(!everyone.needs_subject());
        let nobody = flag(true, 0, &[]);
        assert_eq!(nobody.evaluate(None).unwrap().reason, Reason::Default);
    }

    #[test]
    fn keys_follow_the_pattern() {
        for good in ["a", "new-checkout", "beta.ui_v2", "0", &"a".repeat(100)] {
            assert!(valid_key(good), "{good}");
        }
        for bad in [
            "",
            "-a",
            "_a",
            "A",
            "new checkout",
            "é",
            "a/b",
            &"a".repeat(101),
        ] {
            assert!(!valid_key(bad), "{bad}");
        }
    }
}
