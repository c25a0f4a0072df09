//! What a batch of recording requests will write, worked out before any of it is: each
//! request is tried on a copy of the ratings as they stand after the requests before it, so
//! one that the engine refuses fails alone and brings no participant; participants new to the
//! league get numbers in order; a match whose external id is already recorded (before, or by
//! an earlier request of the batch, or earlier in the same request) is a retry, not a new one.

use std::collections::HashMap;

use super::{MatchSpec, WriteError, to_row, to_stored};
use crate::leagues::{Ratings, StoredMatch, store::MatchRow};

/// A new match of a request.
#[derive(Clone, Debug)]
pub(super) struct NewMatch {
    /// Its position in the request.
    pub index: usize,
    /// As the ratings see it (its id is set once stored).
    pub rated: StoredMatch,
    /// As it is stored.
    pub row: MatchRow,
}

/// A request of the batch that stands, with its new matches.
#[derive(Clone, Debug)]
pub(super) struct Accepted {
    /// Its position in the batch.
    pub request: usize,
    pub matches: Vec<NewMatch>,
}

/// What the batch writes.
#[derive(Debug, Default)]
pub(super) struct Plan {
    /// The requests that stand, in batch order.
    pub accepted: Vec<Accepted>,
    /// The requests refused, and why.
    pub refused: Vec<(usize, WriteError)>,
    /// Participants new to the league, with their numbers.
    pub new_names: Vec<(i32, String)>,
    /// The number the next new participant gets.
    pub next_num: i32,
    /// Each external id this batch records: (request, position in it) of its match.
    pub recorded_ext: HashMap<String, (usize, usize)>,
}

/// Participant numbers, as the league knows them and as the batch gives them out.
#[derive(Clone, Debug)]
pub(super) struct Numbers<'a> {
    known: &'a HashMap<Box<str>, u32>,
    given: HashMap<String, u32>,
    new: Vec<(i32, String)>,
    next: i32,
}

impl<'a> Numbers<'a> {
    /// The league's numbers, and the next one to give.
    pub(super) fn new(known: &'a HashMap<Box<str>, u32>, next: i32) -> Self {
        Numbers {
            known,
            given: HashMap::new(),
            new: Vec::new(),
            next,
        }
    }

    /// Gives every participant of `specs` a number: the league's, or the next new one.
    pub(super) fn add(&mut self, specs: &[MatchSpec]) {
        for (names, _, _) in specs.iter().flat_map(|s| &s.teams) {
            for n in names {
                if self.given.contains_key(n) {
                    continue;
                }
                let num = self.known.get(n.as_str()).copied().unwrap_or_else(|| {
                    let num = self.next as u32;
                    self.next += 1;
                    self.new.push((num as i32, n.clone()));
                    num
                });
                self.given.insert(n.clone(), num);
            }
        }
    }

    /// Every name given a number so far.
    pub(super) fn of(&self) -> &HashMap<String, u32> {
        &self.given
    }

    /// The participants new to the league, and the next number.
    pub(super) fn into_new(self) -> (Vec<(i32, String)>, i32) {
        (self.new, self.next)
    }
}

/// Works out the batch: `known` and `ratings` are the league's as they stand, `existing` the
/// external ids already recorded (with their match ids).
pub(super) fn plan(
    known: &HashMap<Box<str>, u32>,
    ratings: &Ratings,
    requests: &[Vec<MatchSpec>],
    existing: &HashMap<String, i64>,
    season: i32,
    next_num: i32,
) -> Plan {
    let mut plan = Plan::default();
    let mut numbers = Numbers::new(known, next_num);
    let mut scratch = ratings.clone();
    for (r, specs) in requests.iter().enumerate() {
        // Names this request introduces get numbers only if it stands.
        let mut trial_numbers = numbers.clone();
        trial_numbers.add(specs);
        let retry = |e: &str| existing.contains_key(e) || plan.recorded_ext.contains_key(e);
        match try_request(&scratch, specs, trial_numbers.of(), retry, season) {
            Ok(tried) => {
                scratch = tried.ratings;
                numbers = trial_numbers;
                for (e, i) in tried.ext {
                    plan.recorded_ext.insert(e, (r, i));
                }
                plan.accepted.push(Accepted {
                    request: r,
                    matches: tried.matches,
                });
            }
            Err(e) => plan.refused.push((r, e)),
        }
    }
    (plan.new_names, plan.next_num) = numbers.into_new();
    plan
}

/// A request that stands: the ratings after it, its new matches, its external ids.
struct Tried {
    ratings: Ratings,
    matches: Vec<NewMatch>,
    ext: Vec<(String, usize)>,
}

/// Rates a request's new matches on a copy of `ratings`; the first the engine refuses fails
/// the request. `retry(e)`: external id `e` is already recorded.
fn try_request(
    ratings: &Ratings,
    specs: &[MatchSpec],
    nums: &HashMap<String, u32>,
    retry: impl Fn(&str) -> bool,
    season: i32,
) -> Result<Tried, WriteError> {
    let mut tried = Tried {
        ratings: ratings.clone(),
        matches: Vec::new(),
        ext: Vec::new(),
    };
    for (i, spec) in specs.iter().enumerate() {
        if let Some(e) = &spec.external_id
            && (retry(e) || tried.ext.iter().any(|(x, _)| x == e))
        {
            continue;
        }
        let rated = to_stored(spec, nums, season);
        tried
            .ratings
            .apply(&rated)
            .map_err(|source| WriteError::Invalid {
                index: (specs.len() > 1).then_some(i),
                source,
            })?;
        if let Some(e) = &spec.external_id {
            tried.ext.push((e.clone(), i));
        }
        let row = to_row(spec, nums);
        tried.matches.push(NewMatch {
            index: i,
            rated,
            row,
        });
    }
    Ok(tried)
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use podium_core::rating::Params;

    use super::*;

    fn spec(a: &str, b: &str, ext: Option<&str>) -> MatchSpec {
        let t: DateTime<Utc> = "2026-03-01T18:30:00Z".parse().expect("a time");
        MatchSpec {
            played_at: t,
            external_id: ext.map(str::to_owned),
            teams: vec![(vec![a.into()], 1, None), (vec![b.into()], 2, None)],
            metadata: serde_json::json!({}),
        }
    }

    fn team_game() -> MatchSpec {
        let mut s = spec("x", "y", None);
        s.teams[0].0.push("z".into());
        s
    }

    fn elo() -> Ratings {
        Ratings::new(Params::parse("elo", &serde_json::Value::Null).expect("params"))
    }

    #[test]
    fn a_refused_request_fails_alone_and_brings_no_participant() {
        let known: HashMap<Box<str>, u32> = [("ann".into(), 0)].into_iter().collect();
        let requests = vec![
            vec![spec("ann", "bob", None)],
            vec![spec("cat", "dan", None), team_game()],
            vec![spec("eve", "ann", None)],
        ];
        let plan = plan(&known, &elo(), &requests, &HashMap::new(), 1, 1);
        let accepted: Vec<usize> = plan.accepted.iter().map(|a| a.request).collect();
        assert_eq!(accepted, [0, 2]);
        assert_eq!(plan.refused.len(), 1);
        let (r, e) = &plan.refused[0];
        assert_eq!(*r, 1);
        assert!(
            matches!(e, WriteError::Invalid { index: Some(1), .. }),
            "{e:?}"
        );
        assert_eq!(
            plan.new_names,
            [(1, "bob".to_owned()), (2, "eve".to_owned())],
            "cat and dan came with the refused request"
        );
        assert_eq!(plan.next_num, 3);
        let eve_vs_ann = &plan.accepted[1].matches[0].rated;
        assert_eq!(eve_vs_ann.teams[0].participants, [2]);
        assert_eq!(eve_vs_ann.teams[1].participants, [0]);
    }

    #[test]
    fn an_external_id_already_recorded_in_or_before_the_batch_is_a_retry() {
        let existing: HashMap<String, i64> = [("old".to_owned(), 7)].into_iter().collect();
        let requests = vec![
            vec![
                spec("ann", "bob", Some("old")),
                spec("ann", "bob", Some("g1")),
                spec("bob", "ann", Some("g1")),
            ],
            vec![
                spec("ann", "bob", Some("g1")),
                spec("cat", "bob", Some("g2")),
            ],
        ];
        let plan = plan(&HashMap::new(), &elo(), &requests, &existing, 1, 0);
        let new: Vec<(usize, Vec<usize>)> = plan
            .accepted
            .iter()
            .map(|a| (a.request, a.matches.iter().map(|m| m.index).collect()))
            .collect();
        assert_eq!(new, [(0, vec![1]), (1, vec![1])]);
        assert_eq!(plan.recorded_ext["g1"], (0, 1));
        assert_eq!(plan.recorded_ext["g2"], (1, 1));
        assert!(!plan.recorded_ext.contains_key("old"));
    }

    #[test]
    fn each_request_is_rated_after_the_ones_before_it() {
        let requests = vec![
            vec![spec("ann", "bob", None)],
            vec![spec("ann", "bob", None)],
        ];
        let plan = plan(&HashMap::new(), &elo(), &requests, &HashMap::new(), 1, 0);
        let mut straight = elo();
        for a in &plan.accepted {
            for m in &a.matches {
                straight.apply(&m.rated).expect("rated");
            }
        }
        assert_eq!(straight.matches, 2);
        assert_eq!(plan.new_names.len(), 2, "ann and bob numbered once");
    }
}
