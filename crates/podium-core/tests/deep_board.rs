//! The board with the production node capacities (64 keys a leaf, 48 children a node: the
//! unit and property tests in `src/` run with capacities of 4, which `cfg(test)` selects), at
//! sizes that grow the tree three levels above its leaves and shrink it back, so leaf and node
//! splits, merges and shifts happen at every level. Checked against a `BTreeMap` model at every
//! phase: every entry in order, ranks, competition and dense places, and the tree's invariants.

use std::collections::{BTreeMap, HashMap};

use podium_core::{Board, Entry, Order};

/// xorshift64*: deterministic, so a failing seed replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The model's sort key, the board's order: (score, subscore) best first, then the earlier
/// `reached_at`, then participant bytes.
type Key = (i64, i64, i64, Vec<u8>);

struct Model {
    order: Order,
    by_key: BTreeMap<Key, Entry>,
    key_of: HashMap<String, Key>,
}

impl Model {
    fn key(&self, e: &Entry) -> Key {
        let (s, t) = match self.order {
            Order::Desc => (-e.score, -e.subscore),
            Order::Asc => (e.score, e.subscore),
        };
        (s, t, e.reached_at, e.participant.as_bytes().to_vec())
    }

    fn upsert(&mut self, e: Entry) {
        self.remove(&e.participant);
        let k = self.key(&e);
        self.key_of.insert(e.participant.to_string(), k.clone());
        self.by_key.insert(k, e);
    }

    fn remove(&mut self, p: &str) -> Option<Entry> {
        let k = self.key_of.remove(p)?;
        self.by_key.remove(&k)
    }
}

fn entry(rng: &mut Rng, participant: String) -> Entry {
    // Few distinct scores, so ties (and competition/dense places) are common at every level.
    let reached_at = rng.below(1_000) as i64;
    Entry {
        participant: participant.into(),
        score: rng.below(500) as i64,
        subscore: rng.below(3) as i64,
        reached_at,
        updated_at: reached_at + 1,
        num_submissions: 1,
    }
}

/// Compares everything the board answers with the model.
fn agree(board: &Board, model: &Model, rng: &mut Rng, phase: &str) {
    board.check();
    let sorted: Vec<&Entry> = model.by_key.values().collect();
    assert_eq!(board.len(), sorted.len(), "{phase}: len");
    let listed: Vec<&Entry> = board.iter_from(1).map(|(_, e)| e).collect();
    assert!(
        listed == sorted,
        "{phase}: the entries in rank order differ"
    );
    // Competition place: 1 + entries with a better (score, subscore); dense: 1 + better pairs.
    let (mut competition, mut dense) = (Vec::with_capacity(sorted.len()), Vec::new());
    let (mut first, mut distinct) = (0, 0);
    for (i, e) in sorted.iter().enumerate() {
        if i == 0 || (e.score, e.subscore) != (sorted[i - 1].score, sorted[i - 1].subscore) {
            first = i + 1;
            distinct += 1;
        }
        competition.push(first);
        dense.push(distinct);
    }
    for _ in 0..2_000.min(sorted.len()) {
        let r = 1 + rng.below(sorted.len() as u64) as usize;
        let e = sorted[r - 1];
        assert_eq!(
            board.rank(&e.participant),
            Some(r),
            "{phase}: rank of {}",
            e.participant
        );
        assert_eq!(board.entry_at(r), Some(e), "{phase}: entry at {r}");
        assert_eq!(
            board.competition_rank(r),
            competition[r - 1],
            "{phase}: competition {r}"
        );
        assert_eq!(board.dense_rank(r), dense[r - 1], "{phase}: dense {r}");
    }
}

/// Grows to ~190,000 entries (three levels above the leaves with 64/48 nodes), churns, shrinks
/// to a few dozen (the root collapses level by level), and grows again.
fn scenario(seed: u64, order: Order, bulk: bool) {
    let mut rng = Rng(seed);
    let mut model = Model {
        order,
        by_key: BTreeMap::new(),
        key_of: HashMap::new(),
    };
    let names: Vec<String> = (0..190_000).map(|i| format!("p{i}")).collect();
    let mut board = if bulk {
        let initial: Vec<Entry> = names.iter().map(|n| entry(&mut rng, n.clone())).collect();
        for e in &initial {
            model.upsert(e.clone());
        }
        Board::bulk_load(order, initial)
    } else {
        let mut board = Board::new(order);
        for n in &names {
            let e = entry(&mut rng, n.clone());
            board.upsert(e.clone());
            model.upsert(e);
        }
        board
    };
    assert!(board.tree_height() >= 3, "height {}", board.tree_height());
    agree(&board, &model, &mut rng, "grown");

    // Churn: moves within the tree (remove + insert elsewhere) and removals.
    for _ in 0..60_000 {
        let n = &names[rng.below(names.len() as u64) as usize];
        if rng.below(3) == 0 {
            assert_eq!(board.remove(n), model.remove(n), "remove {n}");
        } else {
            let e = entry(&mut rng, n.clone());
            board.upsert(e.clone());
            model.upsert(e);
        }
    }
    agree(&board, &model, &mut rng, "churned");

    // Shrink in random order down to 40 entries: merges and borrowing at every level.
    let mut left: Vec<String> = model.key_of.keys().cloned().collect();
    left.sort();
    while left.len() > 40 {
        let i = rng.below(left.len() as u64) as usize;
        let n = left.swap_remove(i);
        assert_eq!(board.remove(&n), model.remove(&n), "remove {n}");
        if left.len().is_multiple_of(50_000) {
            agree(&board, &model, &mut rng, "shrinking");
        }
    }
    assert!(
        board.tree_height() <= 1,
        "height {} after shrinking",
        board.tree_height()
    );
    agree(&board, &model, &mut rng, "shrunk");

    // And up again from the small tree.
    for n in names.iter().step_by(3) {
        let e = entry(&mut rng, n.clone());
        board.upsert(e.clone());
        model.upsert(e);
    }
    assert!(board.tree_height() >= 2, "height {}", board.tree_height());
    agree(&board, &model, &mut rng, "regrown");
}

#[test]
fn inserted_boards_split_and_merge_at_every_level_with_production_nodes() {
    scenario(0x9E37_79B9_7F4A_7C15, Order::Desc, false);
    scenario(0xD1B5_4A32_D192_ED03, Order::Asc, false);
}

#[test]
fn bulk_loaded_boards_split_and_merge_at_every_level_with_production_nodes() {
    scenario(0x94D0_49BB_1331_11EB, Order::Desc, true);
}
