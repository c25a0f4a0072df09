//! Fixed-capacity leaf and internal nodes in struct-of-arrays form, and the element moves
//! (insert, remove, split, merge, shift between siblings) shared by both kinds.
//! Capacities are tiny under `cfg(test)` so small property tests reach deep trees.

use std::cmp::Ordering;

use super::{Abc, Probe, same_pair};

#[cfg(not(test))]
pub(super) const LEAF_CAP: usize = 64;
#[cfg(test)]
pub(super) const LEAF_CAP: usize = 4;
#[cfg(not(test))]
pub(super) const NODE_CAP: usize = 48;
#[cfg(test)]
pub(super) const NODE_CAP: usize = 4;
pub(super) const LEAF_MIN: usize = LEAF_CAP / 2;
pub(super) const NODE_MIN: usize = NODE_CAP / 2;

/// "No node": ends the leaf chain.
pub(super) const NIL: u32 = u32::MAX;

/// What a parent keeps about one child's subtree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Summary {
    pub count: u32,
    pub distinct: u32,
    pub first_abc: Abc,
    pub first_slot: u32,
    pub last_ab: [i64; 2],
}

#[derive(Clone, Debug)]
pub(super) struct Leaf {
    len: u32,
    /// Next leaf in rank order, or `NIL`.
    pub next: u32,
    pub abc: [Abc; LEAF_CAP],
    pub slot: [u32; LEAF_CAP],
}

#[derive(Clone, Debug)]
pub(super) struct Node {
    len: u32,
    pub child: [u32; NODE_CAP],
    pub count: [u32; NODE_CAP],
    pub distinct: [u32; NODE_CAP],
    pub first_abc: [Abc; NODE_CAP],
    pub first_slot: [u32; NODE_CAP],
    pub last_ab: [[i64; 2]; NODE_CAP],
}

/// Element storage shared by leaves and internal nodes, so the structural moves are written once.
pub(super) trait Packed {
    type Item: Copy;
    const CAP: usize;
    fn len(&self) -> usize;
    fn set_len(&mut self, len: usize);
    fn read(&self, i: usize) -> Self::Item;
    fn write(&mut self, i: usize, item: Self::Item);
    /// `copy_within` on every array.
    fn shift(&mut self, src: std::ops::Range<usize>, dest: usize);
}

impl Packed for Leaf {
    type Item = (Abc, u32);
    const CAP: usize = LEAF_CAP;
    fn len(&self) -> usize {
        self.len as usize
    }
    fn set_len(&mut self, len: usize) {
        self.len = len as u32;
    }
    fn read(&self, i: usize) -> Self::Item {
        (self.abc[i], self.slot[i])
    }
    fn write(&mut self, i: usize, (abc, slot): Self::Item) {
        self.abc[i] = abc;
        self.slot[i] = slot;
    }
    fn shift(&mut self, src: std::ops::Range<usize>, dest: usize) {
        self.abc.copy_within(src.clone(), dest);
        self.slot.copy_within(src, dest);
    }
}

impl Packed for Node {
    type Item = (u32, Summary);
    const CAP: usize = NODE_CAP;
    fn len(&self) -> usize {
        self.len as usize
    }
    fn set_len(&mut self, len: usize) {
        self.len = len as u32;
    }
    fn read(&self, i: usize) -> Self::Item {
        (self.child[i], self.summary_at(i))
    }
    fn write(&mut self, i: usize, (child, s): Self::Item) {
        self.child[i] = child;
        self.set_summary(i, s);
    }
    fn shift(&mut self, src: std::ops::Range<usize>, dest: usize) {
        self.child.copy_within(src.clone(), dest);
        self.count.copy_within(src.clone(), dest);
        self.distinct.copy_within(src.clone(), dest);
        self.first_abc.copy_within(src.clone(), dest);
        self.first_slot.copy_within(src.clone(), dest);
        self.last_ab.copy_within(src, dest);
    }
}

/// Inserts `item` at `i`; the caller guarantees room.
pub(super) fn insert_at<P: Packed>(p: &mut P, i: usize, item: P::Item) {
    let len = p.len();
    debug_assert!(len < P::CAP);
    p.shift(i..len, i + 1);
    p.write(i, item);
    p.set_len(len + 1);
}

/// Removes and returns the item at `i`.
pub(super) fn remove_at<P: Packed>(p: &mut P, i: usize) -> P::Item {
    let len = p.len();
    let item = p.read(i);
    p.shift(i + 1..len, i);
    p.set_len(len - 1);
    item
}

/// Appends all of `right` to `left`; the caller guarantees room.
pub(super) fn append<P: Packed>(left: &mut P, right: &P) {
    let (ll, rl) = (left.len(), right.len());
    for i in 0..rl {
        left.write(ll + i, right.read(i));
    }
    left.set_len(ll + rl);
}

/// Moves items between adjacent siblings until `left` holds `target` of them.
pub(super) fn balance<P: Packed>(left: &mut P, right: &mut P, target: usize) {
    let (ll, rl) = (left.len(), right.len());
    match target.cmp(&ll) {
        Ordering::Greater => {
            let k = target - ll;
            for i in 0..k {
                left.write(ll + i, right.read(i));
            }
            right.shift(k..rl, 0);
            left.set_len(target);
            right.set_len(rl - k);
        }
        Ordering::Less => {
            let k = ll - target;
            right.shift(0..rl, k);
            for i in 0..k {
                right.write(i, left.read(target + i));
            }
            left.set_len(target);
            right.set_len(rl + k);
        }
        Ordering::Equal => {}
    }
}

impl Leaf {
    pub(super) const EMPTY: Leaf = Leaf {
        len: 0,
        next: NIL,
        abc: [[0; 3]; LEAF_CAP],
        slot: [0; LEAF_CAP],
    };

    /// Index of the first key not ordered before the probe.
    pub(super) fn lower_bound(&self, probe: &impl Probe) -> usize {
        let len = self.len();
        let (mut lo, mut hi) = (0, len);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if probe.cmp(&self.abc[mid], self.slot[mid]) == Ordering::Greater {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    pub(super) fn summary(&self) -> Summary {
        let len = self.len();
        debug_assert!(len > 0, "only the root leaf may be empty");
        let changes = (1..len)
            .filter(|&i| !same_pair(&self.abc[i - 1], &self.abc[i]))
            .count();
        let last = self.abc[len.saturating_sub(1)];
        Summary {
            count: len as u32,
            distinct: (changes + usize::from(len > 0)) as u32,
            first_abc: self.abc[0],
            first_slot: self.slot[0],
            last_ab: [last[0], last[1]],
        }
    }
}

impl Node {
    pub(super) const EMPTY: Node = Node {
        len: 0,
        child: [NIL; NODE_CAP],
        count: [0; NODE_CAP],
        distinct: [0; NODE_CAP],
        first_abc: [[0; 3]; NODE_CAP],
        first_slot: [0; NODE_CAP],
        last_ab: [[0; 2]; NODE_CAP],
    };

    /// The child whose key range holds the probe: the last child whose first key is not
    /// ordered after it (or the first child).
    pub(super) fn child_for(&self, probe: &impl Probe) -> usize {
        let (mut lo, mut hi) = (1, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if probe.cmp(&self.first_abc[mid], self.first_slot[mid]) == Ordering::Less {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        lo - 1
    }

    /// Number of keys in children `0..j`.
    pub(super) fn count_before(&self, j: usize) -> usize {
        self.count[..j].iter().map(|&c| c as usize).sum()
    }

    /// Whether child `i`'s last pair equals child `i + 1`'s first pair.
    pub(super) fn joins(&self, i: usize) -> bool {
        let next = &self.first_abc[i + 1];
        self.last_ab[i] == [next[0], next[1]]
    }

    pub(super) fn summary_at(&self, i: usize) -> Summary {
        Summary {
            count: self.count[i],
            distinct: self.distinct[i],
            first_abc: self.first_abc[i],
            first_slot: self.first_slot[i],
            last_ab: self.last_ab[i],
        }
    }

    pub(super) fn set_summary(&mut self, i: usize, s: Summary) {
        self.count[i] = s.count;
        self.distinct[i] = s.distinct;
        self.first_abc[i] = s.first_abc;
        self.first_slot[i] = s.first_slot;
        self.last_ab[i] = s.last_ab;
    }

    pub(super) fn summary(&self) -> Summary {
        let len = self.len();
        let count = self.count[..len].iter().sum();
        let distinct: u32 = self.distinct[..len].iter().sum();
        let joins = (0..len.saturating_sub(1))
            .filter(|&i| self.joins(i))
            .count() as u32;
        Summary {
            count,
            distinct: distinct - joins,
            first_abc: self.first_abc[0],
            first_slot: self.first_slot[0],
            last_ab: self.last_ab[len - 1],
        }
    }
}
