//! The board against a naive model: a `Vec` kept sorted with the same comparator, under random
//! operation sequences with few distinct values, so ties at every level are common.

use std::cmp::Ordering;

use proptest::prelude::*;

use super::*;

#[derive(Clone, Debug)]
enum Op {
    Upsert(Entry),
    Remove(String),
    Get(String),
    EntryAt(usize),
    IterFrom(usize, usize),
    RankAfter(CursorKey),
    Places(usize),
}

/// Ids whose byte order differs from other orders (case, prefixes, digits).
const IDS: &[&str] = &["a", "ab", "aa", "b", "B", "Z9", "p1", "p10", "p2", "p-1"];

fn participant() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(IDS).prop_map(str::to_owned),
        (0..40u32).prop_map(|i| format!("x{i}")),
    ]
}

fn entry() -> impl Strategy<Value = Entry> {
    (participant(), -2i64..3, 0i64..2, 0i64..3, any::<u32>()).prop_map(|(p, s, t, r, n)| Entry {
        participant: p.into(),
        score: s,
        subscore: t,
        reached_at: r,
        updated_at: r + 1,
        num_submissions: n,
    })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => entry().prop_map(Op::Upsert),
        2 => participant().prop_map(Op::Remove),
        1 => participant().prop_map(Op::Get),
        1 => (0usize..25).prop_map(Op::EntryAt),
        1 => (0usize..25, 0usize..8).prop_map(|(r, k)| Op::IterFrom(r, k)),
        1 => entry().prop_map(|e| Op::RankAfter(e.cursor_key())),
        1 => (0usize..25).prop_map(Op::Places),
    ]
}

fn order() -> impl Strategy<Value = Order> {
    prop_oneof![Just(Order::Desc), Just(Order::Asc)]
}

fn model_cmp(order: Order, x: &CursorKey, y: &CursorKey) -> Ordering {
    let pair = (x.score, x.subscore).cmp(&(y.score, y.subscore));
    let pair = if order == Order::Desc {
        pair.reverse()
    } else {
        pair
    };
    pair.then(x.reached_at.cmp(&y.reached_at))
        .then_with(|| x.participant.as_bytes().cmp(y.participant.as_bytes()))
}

struct Model {
    order: Order,
    sorted: Vec<Entry>,
}

impl Model {
    fn sort(&mut self) {
        let order = self.order;
        self.sorted
            .sort_by(|x, y| model_cmp(order, &x.cursor_key(), &y.cursor_key()));
    }

    fn rank(&self, p: &str) -> Option<usize> {
        self.sorted
            .iter()
            .position(|e| &*e.participant == p)
            .map(|i| i + 1)
    }

    fn upsert(&mut self, e: Entry) -> Option<usize> {
        let previous = self.rank(&e.participant);
        self.remove(&e.participant);
        self.sorted.push(e);
        self.sort();
        previous
    }

    fn remove(&mut self, p: &str) -> Option<Entry> {
        let i = self.rank(p)? - 1;
        Some(self.sorted.remove(i))
    }

    fn competition(&self, rank: usize) -> usize {
        let Some(e) = rank.checked_sub(1).and_then(|i| self.sorted.get(i)) else {
            return 0;
        };
        1 + self
            .sorted
            .iter()
            .filter(|o| {
                (o.score, o.subscore) != (e.score, e.subscore)
                    && model_cmp(self.order, &o.cursor_key(), &e.cursor_key()).is_lt()
            })
            .count()
    }

    fn dense(&self, rank: usize) -> usize {
        let Some(e) = rank.checked_sub(1).and_then(|i| self.sorted.get(i)) else {
            return 0;
        };
        let mut better: Vec<_> = self.sorted[..rank - 1]
            .iter()
            .map(|o| (o.score, o.subscore))
            .filter(|&p| p != (e.score, e.subscore))
            .collect();
        better.dedup();
        1 + better.len()
    }
}

fn run(board: &mut Board, model: &mut Model, ops: Vec<Op>) -> Result<(), TestCaseError> {
    for op in ops {
        match op {
            Op::Upsert(e) => prop_assert_eq!(board.upsert(e.clone()), model.upsert(e)),
            Op::Remove(p) => prop_assert_eq!(board.remove(&p), model.remove(&p)),
            Op::Get(p) => {
                let expected = model.rank(&p).map(|r| (r, &model.sorted[r - 1]));
                prop_assert_eq!(board.get(&p), expected);
                prop_assert_eq!(board.rank(&p), model.rank(&p));
            }
            Op::EntryAt(r) => {
                prop_assert_eq!(
                    board.entry_at(r),
                    r.checked_sub(1).and_then(|i| model.sorted.get(i))
                );
            }
            Op::IterFrom(r, k) => {
                let got: Vec<_> = board.iter_from(r).take(k).collect();
                let start = r.max(1);
                let expected: Vec<_> = model
                    .sorted
                    .iter()
                    .enumerate()
                    .skip(start - 1)
                    .take(k)
                    .map(|(i, e)| (i + 1, e))
                    .collect();
                prop_assert_eq!(got, expected);
            }
            Op::RankAfter(key) => {
                let after = model
                    .sorted
                    .iter()
                    .filter(|e| model_cmp(model.order, &e.cursor_key(), &key).is_le())
                    .count()
                    + 1;
                prop_assert_eq!(board.rank_after(&key), after);
            }
            Op::Places(r) => {
                prop_assert_eq!(board.competition_rank(r), model.competition(r));
                prop_assert_eq!(board.dense_rank(r), model.dense(r));
            }
        }
        prop_assert_eq!(board.len(), model.sorted.len());
    }
    board.check();
    for r in 0..=model.sorted.len() + 1 {
        prop_assert_eq!(board.competition_rank(r), model.competition(r));
        prop_assert_eq!(board.dense_rank(r), model.dense(r));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn board_matches_a_sorted_vec_under_random_operations(order in order(), ops in prop::collection::vec(op(), 1..200)) {
        let mut board = Board::new(order);
        let mut model = Model { order, sorted: Vec::new() };
        run(&mut board, &mut model, ops)?;
    }

    #[test]
    fn bulk_loaded_board_matches_a_sorted_vec_under_random_operations(
        order in order(),
        initial in prop::collection::vec(entry(), 0..60),
        ops in prop::collection::vec(op(), 0..120),
    ) {
        let mut board = Board::bulk_load(order, initial.clone());
        let mut model = Model { order, sorted: Vec::new() };
        for e in initial {
            model.upsert(e);
        }
        board.check();
        run(&mut board, &mut model, ops)?;
    }
}
