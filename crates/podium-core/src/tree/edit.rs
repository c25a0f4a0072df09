//! Insertion and removal: recursive descent that refreshes each parent's summary of the child it
//! went through, splits full nodes on the way back up, and repairs under-full ones by borrowing
//! from or merging with a sibling. Full leaves first spill into a sibling with room, which keeps
//! leaves fuller (and the index leaner) under random inserts than split-only B+trees.

use super::node::{
    LEAF_CAP, LEAF_MIN, Leaf, NODE_CAP, NODE_MIN, Node, Packed, Summary, append, balance,
    insert_at, remove_at,
};
use super::{Abc, Probe, Tree};

impl Tree {
    /// Inserts a key that is not present yet; returns its 0-based position.
    pub(crate) fn insert(&mut self, abc: Abc, slot: u32, probe: &impl Probe) -> usize {
        let (pos, split) = self.insert_rec(self.root, self.height, abc, slot, probe);
        if let Some(right) = split {
            let mut root = Node::EMPTY;
            let left = self.root;
            insert_at(&mut root, 0, (left, self.summary(left, self.height)));
            insert_at(&mut root, 1, (right, self.summary(right, self.height)));
            self.root = self.alloc_node(root);
            self.height += 1;
        }
        self.len += 1;
        pos
    }

    /// Removes the key equal to the probe; returns its 0-based position and slot.
    pub(crate) fn remove(&mut self, probe: &impl Probe) -> Option<(usize, u32)> {
        let found = self.remove_rec(self.root, self.height, probe)?;
        self.len -= 1;
        while self.height > 0 && self.nodes[self.root as usize].len() == 1 {
            let old = self.root;
            self.root = self.nodes[old as usize].child[0];
            self.free_nodes.push(old);
            self.height -= 1;
        }
        Some(found)
    }

    /// Summary of node `id` at `height` (0 = leaf).
    pub(super) fn summary(&self, id: u32, height: u32) -> Summary {
        if height == 0 {
            self.leaves[id as usize].summary()
        } else {
            self.nodes[id as usize].summary()
        }
    }

    pub(super) fn alloc_leaf(&mut self, leaf: Leaf) -> u32 {
        if let Some(id) = self.free_leaves.pop() {
            self.leaves[id as usize] = leaf;
            id
        } else {
            self.leaves.push(leaf);
            index_u32(self.leaves.len() - 1)
        }
    }

    pub(super) fn alloc_node(&mut self, node: Node) -> u32 {
        if let Some(id) = self.free_nodes.pop() {
            self.nodes[id as usize] = node;
            id
        } else {
            self.nodes.push(node);
            index_u32(self.nodes.len() - 1)
        }
    }

    /// Re-reads child `j` of `parent` into the parent's summary.
    fn refresh(&mut self, parent: u32, j: usize, child_height: u32) {
        let child = self.nodes[parent as usize].child[j];
        let s = self.summary(child, child_height);
        self.nodes[parent as usize].set_summary(j, s);
    }

    fn insert_rec(
        &mut self,
        id: u32,
        height: u32,
        abc: Abc,
        slot: u32,
        probe: &impl Probe,
    ) -> (usize, Option<u32>) {
        if height == 0 {
            return self.leaf_insert(id, abc, slot, probe);
        }
        let mut j = self.nodes[id as usize].child_for(probe);
        if height == 1 && self.spill(id, j) {
            j = self.nodes[id as usize].child_for(probe);
        }
        let node = &self.nodes[id as usize];
        let before = node.count_before(j);
        let child = node.child[j];
        let (pos, split) = self.insert_rec(child, height - 1, abc, slot, probe);
        self.refresh(id, j, height - 1);
        let split = split.and_then(|right| {
            let s = self.summary(right, height - 1);
            self.node_insert(id, j + 1, (right, s))
        });
        (before + pos, split)
    }

    fn leaf_insert(
        &mut self,
        id: u32,
        abc: Abc,
        slot: u32,
        probe: &impl Probe,
    ) -> (usize, Option<u32>) {
        let leaf = &mut self.leaves[id as usize];
        let i = leaf.lower_bound(probe);
        if leaf.len() < LEAF_CAP {
            insert_at(leaf, i, (abc, slot));
            return (i, None);
        }
        let mut right = Leaf::EMPTY;
        balance(leaf, &mut right, LEAF_CAP / 2);
        right.next = leaf.next;
        if i <= LEAF_CAP / 2 {
            insert_at(leaf, i, (abc, slot));
        } else {
            insert_at(&mut right, i - LEAF_CAP / 2, (abc, slot));
        }
        let right_id = self.alloc_leaf(right);
        self.leaves[id as usize].next = right_id;
        (i, Some(right_id))
    }

    /// Inserts a child entry into node `id`, splitting it when full; returns the new right half.
    fn node_insert(&mut self, id: u32, at: usize, item: (u32, Summary)) -> Option<u32> {
        let node = &mut self.nodes[id as usize];
        if node.len() < NODE_CAP {
            insert_at(node, at, item);
            return None;
        }
        let mut right = Node::EMPTY;
        balance(node, &mut right, NODE_CAP / 2);
        if at <= NODE_CAP / 2 {
            insert_at(node, at, item);
        } else {
            insert_at(&mut right, at - NODE_CAP / 2, item);
        }
        Some(self.alloc_node(right))
    }

    /// When leaf child `j` of `parent` is full, moves some keys to a sibling with room instead of
    /// splitting. Returns whether keys moved (so the caller must re-pick the child).
    fn spill(&mut self, parent: u32, j: usize) -> bool {
        let node = &self.nodes[parent as usize];
        if node.count[j] as usize != LEAF_CAP {
            return false;
        }
        let has_room = |k: usize| (node.count[k] as usize) < LEAF_CAP - 1;
        let pair = if j + 1 < node.len() && has_room(j + 1) {
            (j, j + 1)
        } else if j > 0 && has_room(j - 1) {
            (j - 1, j)
        } else {
            return false;
        };
        self.balance_children(parent, pair.0, 0);
        true
    }

    fn remove_rec(&mut self, id: u32, height: u32, probe: &impl Probe) -> Option<(usize, u32)> {
        if height == 0 {
            let leaf = &mut self.leaves[id as usize];
            let i = leaf.lower_bound(probe);
            if i == leaf.len() || probe.cmp(&leaf.abc[i], leaf.slot[i]).is_ne() {
                return None;
            }
            let (_, slot) = remove_at(leaf, i);
            return Some((i, slot));
        }
        let node = &self.nodes[id as usize];
        let j = node.child_for(probe);
        let before = node.count_before(j);
        let child = node.child[j];
        let (pos, slot) = self.remove_rec(child, height - 1, probe)?;
        self.refresh(id, j, height - 1);
        let min = if height == 1 { LEAF_MIN } else { NODE_MIN };
        let child_len = self.child_len(id, j, height - 1);
        if child_len < min {
            let node = &self.nodes[id as usize];
            let left = if j + 1 < node.len() { j } else { j - 1 };
            self.balance_children(id, left, height - 1);
        }
        Some((before + pos, slot))
    }

    fn child_len(&self, parent: u32, j: usize, child_height: u32) -> usize {
        let child = self.nodes[parent as usize].child[j] as usize;
        if child_height == 0 {
            self.leaves[child].len()
        } else {
            self.nodes[child].len()
        }
    }

    /// Evens out children `left` and `left + 1` of `parent`, merging them when they fit in one.
    fn balance_children(&mut self, parent: u32, left: usize, child_height: u32) {
        let node = &self.nodes[parent as usize];
        let (l, r) = (node.child[left] as usize, node.child[left + 1] as usize);
        let merged = if child_height == 0 {
            let [a, b] = self
                .leaves
                .get_disjoint_mut([l, r])
                .expect("siblings are distinct");
            let merge = a.len() + b.len() <= LEAF_CAP;
            if merge {
                append(a, b);
                a.next = b.next;
            } else {
                let target = (a.len() + b.len()).div_ceil(2);
                balance(a, b, target);
            }
            merge
        } else {
            let [a, b] = self
                .nodes
                .get_disjoint_mut([l, r])
                .expect("siblings are distinct");
            let merge = a.len() + b.len() <= NODE_CAP;
            if merge {
                append(a, b);
            } else {
                let target = (a.len() + b.len()).div_ceil(2);
                balance(a, b, target);
            }
            merge
        };
        self.refresh(parent, left, child_height);
        if merged {
            remove_at(&mut self.nodes[parent as usize], left + 1);
            let freed = index_u32(r);
            if child_height == 0 {
                self.free_leaves.push(freed);
            } else {
                self.free_nodes.push(freed);
            }
        } else {
            self.refresh(parent, left + 1, child_height);
        }
    }
}

/// Arena indices are `u32` to keep nodes compact; four billion nodes is far beyond any board.
pub(super) fn index_u32(i: usize) -> u32 {
    u32::try_from(i).expect("tree arena exceeds u32 indices")
}
