use super::*;

fn entry(participant: &str, score: i64, subscore: i64, reached_at: i64) -> Entry {
    Entry {
        participant: participant.into(),
        score,
        subscore,
        reached_at,
        updated_at: reached_at,
        num_submissions: 1,
    }
}

fn ids(board: &Board) -> Vec<&str> {
    board.iter_from(1).map(|(_, e)| &*e.participant).collect()
}

#[test]
fn boards_and_schedules_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Board>();
    shareable::<crate::period::ResetSchedule>();
}

#[test]
fn descending_board_ranks_higher_scores_first() {
    let mut board = Board::new(Order::Desc);
    assert_eq!(board.upsert(entry("a", 10, 0, 1)), None);
    assert_eq!(board.upsert(entry("b", 30, 0, 1)), None);
    assert_eq!(board.upsert(entry("c", 20, 0, 1)), None);
    assert_eq!(ids(&board), ["b", "c", "a"]);
    assert_eq!(board.rank("a"), Some(3));
    assert_eq!(board.get("b").map(|(r, e)| (r, e.score)), Some((1, 30)));
    assert_eq!(board.rank("nobody"), None);
}

#[test]
fn ascending_board_ranks_lower_scores_first() {
    let mut board = Board::new(Order::Asc);
    board.upsert(entry("slow", 90, 0, 1));
    board.upsert(entry("fast", 60, 0, 1));
    assert_eq!(ids(&board), ["fast", "slow"]);
}

#[test]
fn ties_break_by_subscore_then_earlier_reach_then_participant_id() {
    let mut board = Board::new(Order::Desc);
    board.upsert(entry("late", 10, 5, 200));
    board.upsert(entry("early", 10, 5, 100));
    board.upsert(entry("zed", 10, 9, 300));
    board.upsert(entry("B", 10, 5, 200));
    assert_eq!(ids(&board), ["zed", "early", "B", "late"]);
}

#[test]
fn upsert_moves_an_entry_and_returns_its_previous_rank() {
    let mut board = Board::new(Order::Desc);
    for (i, p) in ["a", "b", "c"].iter().enumerate() {
        board.upsert(entry(p, 10 * i as i64, 0, 0));
    }
    assert_eq!(board.upsert(entry("a", 100, 0, 5)), Some(3));
    assert_eq!(board.rank("a"), Some(1));
    assert_eq!(board.len(), 3);
}

#[test]
fn upsert_with_the_same_key_keeps_the_rank_and_updates_the_entry() {
    let mut board = Board::new(Order::Desc);
    board.upsert(entry("a", 1, 0, 0));
    let mut again = entry("a", 1, 0, 0);
    again.num_submissions = 2;
    assert_eq!(board.upsert(again), Some(1));
    assert_eq!(board.get("a").unwrap().1.num_submissions, 2);
}

#[test]
fn remove_returns_the_entry_and_closes_the_gap() {
    let mut board = Board::new(Order::Desc);
    board.upsert(entry("a", 3, 0, 0));
    board.upsert(entry("b", 2, 0, 0));
    board.upsert(entry("c", 1, 0, 0));
    assert_eq!(board.remove("b").map(|e| e.score), Some(2));
    assert_eq!(board.remove("b"), None);
    assert_eq!(board.rank("c"), Some(2));
    // The freed slot is reused without disturbing the others.
    board.upsert(entry("d", 0, 0, 0));
    assert_eq!(ids(&board), ["a", "c", "d"]);
}

#[test]
fn competition_and_dense_ranks_share_places_for_equal_pairs() {
    let mut board = Board::new(Order::Desc);
    for (p, s) in [
        ("a", 50),
        ("b", 40),
        ("c", 40),
        ("d", 30),
        ("e", 30),
        ("f", 30),
        ("g", 10),
    ] {
        board.upsert(entry(p, s, 0, 0));
    }
    let competition: Vec<_> = (1..=7).map(|r| board.competition_rank(r)).collect();
    let dense: Vec<_> = (1..=7).map(|r| board.dense_rank(r)).collect();
    assert_eq!(competition, [1, 2, 2, 4, 4, 4, 7]);
    assert_eq!(dense, [1, 2, 2, 3, 3, 3, 4]);
    assert_eq!(board.competition_rank(0), 0);
    assert_eq!(board.dense_rank(8), 0);
}

#[test]
fn different_subscores_are_different_places() {
    let mut board = Board::new(Order::Asc);
    board.upsert(entry("a", 5, 1, 0));
    board.upsert(entry("b", 5, 2, 0));
    assert_eq!(board.competition_rank(2), 2);
    assert_eq!(board.dense_rank(2), 2);
}

#[test]
fn rank_after_a_cursor_continues_the_page_even_when_the_entry_moved_away() {
    let mut board = Board::new(Order::Desc);
    for (i, p) in ["a", "b", "c", "d"].iter().enumerate() {
        board.upsert(entry(p, 100 - i as i64, 0, 0));
    }
    let cursor = board.get("b").unwrap().1.cursor_key();
    assert_eq!(board.rank_after(&cursor), 3);
    board.remove("b");
    assert_eq!(board.rank_after(&cursor), 2);
    assert_eq!(board.entry_at(2).map(|e| &*e.participant), Some("c"));
    let last = board.entry_at(3).unwrap().cursor_key();
    assert_eq!(board.rank_after(&last), 4);
}

#[test]
fn entry_at_and_iter_from_use_one_based_ranks() {
    let mut board = Board::new(Order::Desc);
    for i in 0..10 {
        board.upsert(entry(&format!("p{i}"), i, 0, 0));
    }
    assert_eq!(board.entry_at(0), None);
    assert_eq!(board.entry_at(1).map(|e| e.score), Some(9));
    assert_eq!(board.entry_at(11), None);
    let page: Vec<_> = board.iter_from(9).map(|(r, e)| (r, e.score)).collect();
    assert_eq!(page, [(9, 1), (10, 0)]);
    assert_eq!(board.iter_from(11).count(), 0);
}

#[test]
fn extreme_scores_order_correctly_in_both_directions() {
    for order in [Order::Desc, Order::Asc] {
        let mut board = Board::new(order);
        board.upsert(entry("min", i64::MIN, i64::MIN, i64::MIN));
        board.upsert(entry("max", i64::MAX, i64::MAX, i64::MAX));
        board.upsert(entry("zero", 0, 0, 0));
        let expected = match order {
            Order::Desc => ["max", "zero", "min"],
            Order::Asc => ["min", "zero", "max"],
        };
        assert_eq!(ids(&board), expected);
    }
}

#[test]
fn bulk_load_keeps_the_last_duplicate_and_matches_upserts() {
    let entries = vec![
        entry("a", 1, 0, 0),
        entry("b", 5, 0, 0),
        entry("a", 9, 0, 0),
        entry("c", 5, 0, 0),
    ];
    let board = Board::bulk_load(Order::Desc, entries);
    assert_eq!(board.len(), 3);
    assert_eq!(ids(&board), ["a", "b", "c"]);
    assert_eq!(board.get("a").unwrap().1.score, 9);
    assert!(Board::bulk_load(Order::Asc, Vec::new()).is_empty());
}

#[test]
fn a_large_board_survives_heavy_churn() {
    // Deterministic pseudo-random churn across many tree levels (test capacities are tiny).
    let mut board = Board::new(Order::Desc);
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let r = next();
        let p = format!("p{}", r % 3000);
        if r % 5 == 0 {
            board.remove(&p);
        } else {
            board.upsert(entry(&p, (r >> 20) as i64 % 50, (r >> 40) as i64 % 3, 0));
        }
    }
    board.check();
    for rank in 1..=board.len() {
        let e = board.entry_at(rank).unwrap();
        assert_eq!(board.rank(&e.participant), Some(rank));
    }
}

#[test]
fn heap_bytes_counts_what_the_index_holds() {
    let empty = Board::new(Order::Desc).heap_bytes();
    let entries: Vec<Entry> = (0..100_000)
        .map(|i| entry(&format!("player-{i:07}"), i * 37 % 1000, 0, i))
        .collect();
    let ids: usize = entries.iter().map(|e| e.participant.len()).sum();
    let mut board = Board::bulk_load(Order::Desc, entries);
    let loaded = board.heap_bytes();
    // At least the entries and their ids; within the measured whole-process figure's range.
    assert!(
        loaded >= 100_000 * std::mem::size_of::<Entry>() + ids,
        "{loaded}"
    );
    let per_entry = loaded / 100_000;
    assert!((60..=200).contains(&per_entry), "{per_entry} B per entry");
    assert!(empty < loaded / 100);
    for i in 100_000..110_000 {
        board.upsert(entry(&format!("player-{i:07}"), i, 0, i));
    }
    assert!(board.heap_bytes() > loaded);
}
