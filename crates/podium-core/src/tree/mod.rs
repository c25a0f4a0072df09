//! The order-statistic index behind every board: a counted B+tree of fixed-size keys.
//! We write it ourselves because ranks are the product's core: wide nodes in flat arenas keep
//! lookups within a few cache lines, and per-child counts make rank and select O(log n).
//!
//! Design: leaves hold up to `LEAF_CAP` keys `(a, b, c, slot)` in struct-of-arrays form (28 bytes
//! a key); internal nodes hold, per child, its subtree's entry count, its number of distinct
//! `(a, b)` pairs, its first key and its last pair. Those per-child summaries give rank, select,
//! and dense rank in one root-to-leaf walk. Keys with equal `(a, b, c)` are ordered by a
//! caller-supplied [`Probe`] (the board compares participant ids there).

mod build;
mod edit;
mod node;

use std::cmp::Ordering;

use node::{Leaf, NIL, Node, Packed};

/// The fixed-size part of a key: `(a, b, c)` compared lexicographically.
pub(crate) type Abc = [i64; 3];

/// A search target, compared against stored keys.
pub(crate) trait Probe {
    /// Where the target sits relative to the stored key `(abc, slot)`.
    fn cmp(&self, abc: &Abc, slot: u32) -> Ordering;
}

/// Counted B+tree mapping rank positions (0-based) to `(abc, slot)` keys.
#[derive(Debug)]
pub(crate) struct Tree {
    leaves: Vec<Leaf>,
    free_leaves: Vec<u32>,
    nodes: Vec<Node>,
    free_nodes: Vec<u32>,
    root: u32,
    /// 0 when the root is a leaf.
    height: u32,
    len: usize,
}

impl Tree {
    /// Heap bytes of the node arrays and free lists (allocated capacity).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.leaves.capacity() * std::mem::size_of::<Leaf>()
            + self.nodes.capacity() * std::mem::size_of::<Node>()
            + (self.free_leaves.capacity() + self.free_nodes.capacity())
                * std::mem::size_of::<u32>()
    }
}

impl Default for Tree {
    fn default() -> Self {
        Tree {
            leaves: vec![Leaf::EMPTY],
            free_leaves: Vec::new(),
            nodes: Vec::new(),
            free_nodes: Vec::new(),
            root: 0,
            height: 0,
            len: 0,
        }
    }
}

impl Tree {
    /// Levels above the leaves.
    pub(crate) fn height(&self) -> u32 {
        self.height
    }

    /// Number of keys.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// `(number of keys ordered before the target, whether the key at that position equals it)`.
    pub(crate) fn position(&self, probe: &impl Probe) -> (usize, bool) {
        let mut id = self.root;
        let mut before = 0;
        for _ in 0..self.height {
            let node = &self.nodes[id as usize];
            let j = node.child_for(probe);
            before += node.count_before(j);
            id = node.child[j];
        }
        let leaf = &self.leaves[id as usize];
        let i = leaf.lower_bound(probe);
        let found = i < leaf.len() && probe.cmp(&leaf.abc[i], leaf.slot[i]) == Ordering::Equal;
        (before + i, found)
    }

    /// The key at 0-based `pos`.
    pub(crate) fn get(&self, pos: usize) -> Option<(Abc, u32)> {
        let (leaf, i) = self.locate(pos)?;
        let leaf = &self.leaves[leaf as usize];
        Some((leaf.abc[i], leaf.slot[i]))
    }

    /// Number of distinct `(a, b)` pairs among the keys at positions `0..=pos`, or 0 when `pos`
    /// is out of range.
    pub(crate) fn distinct_through(&self, pos: usize) -> usize {
        if pos >= self.len {
            return 0;
        }
        let mut id = self.root;
        let mut rest = pos;
        let mut distinct = 0usize;
        for _ in 0..self.height {
            let node = &self.nodes[id as usize];
            let mut j = 0;
            while rest >= node.count[j] as usize {
                rest -= node.count[j] as usize;
                distinct += node.distinct[j] as usize;
                j += 1;
            }
            // A pair spanning the boundary into child `j` (or between earlier children) was
            // counted on both sides; subtract one per such boundary.
            distinct -= (0..j).filter(|&i| node.joins(i)).count();
            id = node.child[j];
        }
        let leaf = &self.leaves[id as usize];
        distinct
            + 1
            + (1..=rest)
                .filter(|&i| !same_pair(&leaf.abc[i - 1], &leaf.abc[i]))
                .count()
    }

    /// Keys in rank order starting at 0-based `pos`.
    pub(crate) fn iter_from(&self, pos: usize) -> Iter<'_> {
        let (leaf, idx) = self.locate(pos).unwrap_or((NIL, 0));
        Iter {
            tree: self,
            leaf,
            idx,
        }
    }

    /// The leaf and index holding 0-based `pos`.
    fn locate(&self, pos: usize) -> Option<(u32, usize)> {
        if pos >= self.len {
            return None;
        }
        let mut id = self.root;
        let mut rest = pos;
        for _ in 0..self.height {
            let node = &self.nodes[id as usize];
            let mut j = 0;
            while rest >= node.count[j] as usize {
                rest -= node.count[j] as usize;
                j += 1;
            }
            id = node.child[j];
        }
        Some((id, rest))
    }
}

/// Whether two keys share their `(a, b)` pair.
fn same_pair(x: &Abc, y: &Abc) -> bool {
    x[0] == y[0] && x[1] == y[1]
}

/// Iterator over `(abc, slot)` in rank order, following the leaf chain.
#[derive(Debug)]
pub(crate) struct Iter<'a> {
    tree: &'a Tree,
    leaf: u32,
    idx: usize,
}

impl Iterator for Iter<'_> {
    type Item = (Abc, u32);

    fn next(&mut self) -> Option<Self::Item> {
        while self.leaf != NIL {
            let leaf = &self.tree.leaves[self.leaf as usize];
            if self.idx < leaf.len() {
                let item = (leaf.abc[self.idx], leaf.slot[self.idx]);
                self.idx += 1;
                return Some(item);
            }
            self.leaf = leaf.next;
            self.idx = 0;
        }
        None
    }
}

impl Tree {
    /// Checks every structural invariant; panics with a description when one is broken.
    pub(crate) fn check(&self, cmp: impl Fn(&(Abc, u32), &(Abc, u32)) -> Ordering) {
        let mut keys = Vec::new();
        self.collect(self.root, self.height, true, &mut keys);
        assert_eq!(keys.len(), self.len, "len matches the keys held");
        for w in keys.windows(2) {
            assert_eq!(cmp(&w[0], &w[1]), Ordering::Less, "keys strictly ascending");
        }
        // Bounded, so a cycle in the chain fails the assertion instead of exhausting memory.
        let chained: Vec<_> = self.iter_from(0).take(self.len + 1).collect();
        assert_eq!(chained, keys, "leaf chain visits every key in order");
    }

    fn collect(&self, id: u32, height: u32, is_root: bool, out: &mut Vec<(Abc, u32)>) {
        if height == 0 {
            let leaf = &self.leaves[id as usize];
            assert!(is_root || leaf.len() >= node::LEAF_MIN, "leaf under-full");
            out.extend((0..leaf.len()).map(|i| (leaf.abc[i], leaf.slot[i])));
            return;
        }
        let node = &self.nodes[id as usize];
        assert!(node.len() >= if is_root { 2 } else { node::NODE_MIN });
        for j in 0..node.len() {
            let start = out.len();
            self.collect(node.child[j], height - 1, false, out);
            let stored = self.summary(node.child[j], height - 1);
            let actual = node.summary_at(j);
            assert_eq!(stored, actual, "summary of child {j} is fresh");
            assert_eq!(actual.count as usize, out.len() - start);
        }
    }
}
