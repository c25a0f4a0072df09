//! The in-memory rank index for one (leaderboard, period): unique ranks, competition and dense
//! ranks, keyset cursors and range reads, all in O(log n) (ranges O(log n + k)).
//! Entries live in a dense slab, found by participant through a hash table of slab indices,
//! and ordered by the counted B+tree in `crate::tree`, which stores compact normalised keys.

mod probe;

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::score::Order;
use crate::tree::{Abc, Tree};
use probe::{Exact, PairLowerBound};

/// One participant's standing on a board.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The participant id, already validated by [`crate::ids::ParticipantId`].
    pub participant: Box<str>,
    /// The kept score.
    pub score: i64,
    /// The kept subscore, the first tie-breaker.
    pub subscore: i64,
    /// Unix microseconds when the kept `(score, subscore)` was first reached.
    pub reached_at: i64,
    /// Unix microseconds of the last submission.
    pub updated_at: i64,
    /// Submissions counted for this entry; not part of the ordering.
    pub num_submissions: u32,
}

/// The full ordering key of an entry, for keyset pagination ("entries after this one").
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CursorKey {
    /// The entry's score.
    pub score: i64,
    /// The entry's subscore.
    pub subscore: i64,
    /// Unix microseconds when the entry's pair was first reached.
    pub reached_at: i64,
    /// The participant id, the last tie-breaker.
    pub participant: String,
}

impl Entry {
    /// The key that positions this entry, for use with [`Board::rank_after`].
    pub fn cursor_key(&self) -> CursorKey {
        CursorKey {
            score: self.score,
            subscore: self.subscore,
            reached_at: self.reached_at,
            participant: self.participant.to_string(),
        }
    }

    /// A vacant slab slot: an empty `Box<str>` owns no heap memory.
    fn vacant() -> Entry {
        Entry {
            participant: Box::from(""),
            score: 0,
            subscore: 0,
            reached_at: 0,
            updated_at: 0,
            num_submissions: 0,
        }
    }
}

/// The rank index for one (leaderboard, period).
///
/// Unique ranks order entries by score, then subscore (both in the board's [`Order`]), then
/// `reached_at` ascending, then participant id in byte order. Ranks are 1-based.
#[derive(Debug)]
pub struct Board {
    order: Order,
    /// Entries by slot; vacant slots are listed in `free`.
    slab: Vec<Entry>,
    free: Vec<u32>,
    /// Slot indices, hashed by participant id.
    by_participant: HashTable<u32>,
    hasher: DefaultHashBuilder,
    tree: Tree,
}

impl Board {
    /// Heap bytes the index holds: the entry slab with the participant ids it owns, the free
    /// list, the hash table and the tree's nodes (allocated capacity, not just what is used).
    /// Walks the slab, so O(n): for an operator's page, not a hot path.
    pub fn heap_bytes(&self) -> usize {
        let ids: usize = self.slab.iter().map(|e| e.participant.len()).sum();
        self.slab.capacity() * std::mem::size_of::<Entry>()
            + ids
            + self.free.capacity() * std::mem::size_of::<u32>()
            + self.by_participant.allocation_size()
            + self.tree.heap_bytes()
    }

    /// An empty board.
    pub fn new(order: Order) -> Board {
        Board {
            order,
            slab: Vec::new(),
            free: Vec::new(),
            by_participant: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
            tree: Tree::default(),
        }
    }

    /// Builds a board from entries in any order, in O(n log n) with a packed tree; for start-up.
    /// When a participant appears more than once, the last occurrence wins, as with `upsert`.
    pub fn bulk_load(order: Order, entries: Vec<Entry>) -> Board {
        let mut slab = entries;
        slab.shrink_to_fit();
        let hasher = DefaultHashBuilder::default();
        let mut by_participant = HashTable::with_capacity(slab.len());
        let mut free = Vec::new();
        for i in 0..slab.len() {
            let slot = slot_u32(i);
            let hash = hasher.hash_one(&*slab[i].participant);
            let same = |&s: &u32| slab[s as usize].participant == slab[i].participant;
            match by_participant.find_mut(hash, same) {
                Some(existing) => free.push(std::mem::replace(existing, slot)),
                None => {
                    by_participant.insert_unique(hash, slot, |&s| {
                        hasher.hash_one(&*slab[s as usize].participant)
                    });
                }
            }
        }
        for &slot in &free {
            slab[slot as usize] = Entry::vacant();
        }
        let mut keys: Vec<(Abc, u32)> = by_participant
            .iter()
            .map(|&slot| (key_of(order, &slab[slot as usize]), slot))
            .collect();
        keys.sort_unstable_by(|x, y| {
            x.0.cmp(&y.0).then_with(|| {
                slab[x.1 as usize]
                    .participant
                    .cmp(&slab[y.1 as usize].participant)
            })
        });
        let tree = Tree::from_sorted(&keys);
        Board {
            order,
            slab,
            free,
            by_participant,
            hasher,
            tree,
        }
    }

    /// The board's score order.
    pub fn order(&self) -> Order {
        self.order
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.tree.len()
    }

    /// Whether the board has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The participant's 1-based unique rank and entry.
    pub fn get(&self, participant: &str) -> Option<(usize, &Entry)> {
        let slot = self.slot_of(participant)?;
        let entry = &self.slab[slot as usize];
        let (pos, _) = self.tree.position(&exact(self.order, &self.slab, entry));
        Some((pos + 1, entry))
    }

    /// The participant's 1-based unique rank.
    pub fn rank(&self, participant: &str) -> Option<usize> {
        self.get(participant).map(|(rank, _)| rank)
    }

    /// Inserts the entry, or replaces the participant's existing one; returns the previous
    /// 1-based rank when the participant was already on the board.
    pub fn upsert(&mut self, entry: Entry) -> Option<usize> {
        let new_key = key_of(self.order, &entry);
        let Some(slot) = self.slot_of(&entry.participant) else {
            self.insert_new(entry, new_key);
            return None;
        };
        let old = &self.slab[slot as usize];
        let old_key = key_of(self.order, old);
        let probe = Exact::new(old_key, &old.participant, &self.slab);
        let pos = if old_key == new_key {
            self.tree.position(&probe).0
        } else {
            let (pos, _) = self
                .tree
                .remove(&probe)
                .expect("indexed entry is in the tree");
            let probe = Exact::new(new_key, &entry.participant, &self.slab);
            self.tree.insert(new_key, slot, &probe);
            pos
        };
        self.slab[slot as usize] = entry;
        Some(pos + 1)
    }

    /// Removes the participant's entry and returns it.
    pub fn remove(&mut self, participant: &str) -> Option<Entry> {
        let hash = self.hasher.hash_one(participant);
        let slab = &self.slab;
        let found = self
            .by_participant
            .find_entry(hash, |&s| &*slab[s as usize].participant == participant)
            .ok()?;
        let (slot, _) = found.remove();
        // The tree's tie-break reads participants from the slab, so vacate the slot only after.
        self.tree
            .remove(&exact(self.order, &self.slab, &self.slab[slot as usize]))
            .expect("indexed entry is in the tree");
        self.free.push(slot);
        Some(std::mem::replace(
            &mut self.slab[slot as usize],
            Entry::vacant(),
        ))
    }

    /// The entry at a 1-based rank.
    pub fn entry_at(&self, rank: usize) -> Option<&Entry> {
        let (_, slot) = self.tree.get(rank.checked_sub(1)?)?;
        Some(&self.slab[slot as usize])
    }

    /// Entries with their 1-based ranks, ascending from `rank` (0 behaves like 1); O(log n + k).
    pub fn iter_from(&self, rank: usize) -> impl Iterator<Item = (usize, &Entry)> + '_ {
        let start = rank.max(1);
        self.tree
            .iter_from(start - 1)
            .enumerate()
            .map(move |(i, (_, slot))| (start + i, &self.slab[slot as usize]))
    }

    /// The 1-based rank of the first entry ordered strictly after `key` (`len() + 1` when none
    /// is); `key` need not be on the board.
    pub fn rank_after(&self, key: &CursorKey) -> usize {
        let abc = normalise(self.order, key.score, key.subscore, key.reached_at);
        let (pos, found) = self
            .tree
            .position(&Exact::new(abc, &key.participant, &self.slab));
        pos + usize::from(found) + 1
    }

    /// Competition rank ("1224") of the entry at a unique rank: 1 + the number of entries with
    /// a strictly better `(score, subscore)`. Returns 0 when no entry has that rank.
    pub fn competition_rank(&self, rank: usize) -> usize {
        let Some((abc, _)) = rank.checked_sub(1).and_then(|pos| self.tree.get(pos)) else {
            return 0;
        };
        self.tree.position(&PairLowerBound::new(&abc)).0 + 1
    }

    /// Dense rank ("1223") of the entry at a unique rank: 1 + the number of distinct
    /// `(score, subscore)` pairs strictly better. Returns 0 when no entry has that rank.
    pub fn dense_rank(&self, rank: usize) -> usize {
        rank.checked_sub(1)
            .map_or(0, |pos| self.tree.distinct_through(pos))
    }

    fn slot_of(&self, participant: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(participant);
        self.by_participant
            .find(hash, |&s| {
                &*self.slab[s as usize].participant == participant
            })
            .copied()
    }

    fn insert_new(&mut self, entry: Entry, key: Abc) {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slab[slot as usize] = entry;
                slot
            }
            None => {
                self.slab.push(entry);
                slot_u32(self.slab.len() - 1)
            }
        };
        let (slab, hasher) = (&self.slab, &self.hasher);
        let participant = &*slab[slot as usize].participant;
        self.by_participant
            .insert_unique(hasher.hash_one(participant), slot, |&s| {
                hasher.hash_one(&*slab[s as usize].participant)
            });
        self.tree
            .insert(key, slot, &Exact::new(key, participant, slab));
    }
}

/// The tree key: ascending key order is rank order. For `Desc`, `!x` (= -x - 1) reverses the
/// order of every `i64` without the overflow that negation has at `i64::MIN`.
fn normalise(order: Order, score: i64, subscore: i64, reached_at: i64) -> Abc {
    match order {
        Order::Desc => [!score, !subscore, reached_at],
        Order::Asc => [score, subscore, reached_at],
    }
}

/// The probe that finds `entry` itself (it must be stored in `slab`).
fn exact<'a>(order: Order, slab: &'a [Entry], entry: &'a Entry) -> Exact<'a> {
    Exact::new(key_of(order, entry), &entry.participant, slab)
}

fn key_of(order: Order, entry: &Entry) -> Abc {
    normalise(order, entry.score, entry.subscore, entry.reached_at)
}

/// Slab slots are `u32` so tree keys stay small; four billion entries is beyond one board.
fn slot_u32(i: usize) -> u32 {
    u32::try_from(i).expect("a board holds at most u32::MAX entries")
}

impl Board {
    /// Levels above the leaves (0: the root is a leaf). With `check`, which verifies the tree's
    /// invariants and that the tree, slab and hash table agree (panicking with what is broken,
    /// in O(n)), it is for tests: the unit tests run tiny nodes, `tests/deep_board.rs` the
    /// production ones.
    #[doc(hidden)]
    pub fn tree_height(&self) -> u32 {
        self.tree.height()
    }

    /// See `tree_height`.
    #[doc(hidden)]
    pub fn check(&self) {
        self.tree.check(|x, y| {
            x.0.cmp(&y.0).then_with(|| {
                let (a, b) = (&self.slab[x.1 as usize], &self.slab[y.1 as usize]);
                a.participant.cmp(&b.participant)
            })
        });
        assert_eq!(self.by_participant.len(), self.tree.len());
        assert_eq!(self.slab.len(), self.tree.len() + self.free.len());
        for (_, slot) in self.tree.iter_from(0) {
            let entry = &self.slab[slot as usize];
            assert_eq!(self.slot_of(&entry.participant), Some(slot));
        }
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
