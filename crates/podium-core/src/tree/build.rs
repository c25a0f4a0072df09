//! Bulk construction from keys already in rank order: packs leaves full (spreading the remainder
//! so none is under-full) and builds each internal level the same way, in O(n).

use super::node::{LEAF_CAP, Leaf, NODE_CAP, Node, Packed, insert_at};
use super::{Abc, Tree};

impl Tree {
    /// Builds a tree from `(abc, slot)` keys that are strictly ascending in the caller's order.
    pub(crate) fn from_sorted(keys: &[(Abc, u32)]) -> Tree {
        let mut tree = Tree {
            leaves: Vec::with_capacity(keys.len().div_ceil(LEAF_CAP).max(1)),
            ..Tree::default()
        };
        tree.leaves.clear();
        tree.len = keys.len();
        if keys.is_empty() {
            tree.leaves.push(Leaf::EMPTY);
            return tree;
        }
        let mut level: Vec<u32> = Vec::new();
        for chunk in even_chunks(keys, LEAF_CAP) {
            let mut leaf = Leaf::EMPTY;
            for (i, &(abc, slot)) in chunk.iter().enumerate() {
                leaf.abc[i] = abc;
                leaf.slot[i] = slot;
            }
            leaf.set_len(chunk.len());
            level.push(tree.alloc_leaf(leaf));
        }
        for pair in level.windows(2) {
            tree.leaves[pair[0] as usize].next = pair[1];
        }
        let mut height = 0;
        while level.len() > 1 {
            let mut parents = Vec::with_capacity(level.len().div_ceil(NODE_CAP));
            for chunk in even_chunks(&level, NODE_CAP) {
                let mut node = Node::EMPTY;
                for (i, &child) in chunk.iter().enumerate() {
                    insert_at(&mut node, i, (child, tree.summary(child, height)));
                }
                parents.push(tree.alloc_node(node));
            }
            level = parents;
            height += 1;
        }
        tree.root = level[0];
        tree.height = height;
        tree
    }
}

/// Splits `items` into the fewest chunks of at most `cap`, with sizes differing by at most one.
fn even_chunks<T>(items: &[T], cap: usize) -> impl Iterator<Item = &[T]> {
    let chunks = items.len().div_ceil(cap).max(1);
    let (base, extra) = (items.len() / chunks, items.len() % chunks);
    let mut start = 0;
    (0..chunks).map(move |i| {
        let size = base + usize::from(i < extra);
        let chunk = &items[start..start + size];
        start += size;
        chunk
    })
}
