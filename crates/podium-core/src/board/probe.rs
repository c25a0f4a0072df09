//! Search targets for the tree: an exact key (ties on `(a, b, c)` broken by participant id via
//! the slab) and a lower bound on the `(a, b)` pair for competition ranks.

use std::cmp::Ordering;

use super::Entry;
use crate::tree::{Abc, Probe};

/// A full key: `(a, b, c)` then the participant id.
pub(super) struct Exact<'a> {
    abc: Abc,
    participant: &'a str,
    slab: &'a [Entry],
}

impl<'a> Exact<'a> {
    pub(super) fn new(abc: Abc, participant: &'a str, slab: &'a [Entry]) -> Self {
        Exact {
            abc,
            participant,
            slab,
        }
    }
}

impl Probe for Exact<'_> {
    fn cmp(&self, abc: &Abc, slot: u32) -> Ordering {
        // Only equal (score, subscore, reached_at) pay for the slab lookup.
        self.abc
            .cmp(abc)
            .then_with(|| self.participant.cmp(&self.slab[slot as usize].participant))
    }
}

/// Sits just before every key whose `(a, b)` pair equals the target's.
pub(super) struct PairLowerBound([i64; 2]);

impl PairLowerBound {
    pub(super) fn new(abc: &Abc) -> Self {
        PairLowerBound([abc[0], abc[1]])
    }
}

impl Probe for PairLowerBound {
    fn cmp(&self, abc: &Abc, _slot: u32) -> Ordering {
        if self.0 <= [abc[0], abc[1]] {
            Ordering::Less
        } else {
            Ordering::Greater
        }
    }
}
