//! Resident memory per indexed entry at 1,000,000 entries, for `bulk_load` and for building the
//! same board from random upserts. Run with `cargo run --release -p podium-core --example memory`.

use podium_core::{Board, Entry, Order};

const N: usize = 1_000_000;

/// Resident set size in bytes, from /proc/self/statm (second field, in pages).
fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("read /proc/self/statm");
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|f| f.parse().ok())
        .expect("statm has a resident field");
    pages * 4096
}

/// A small xorshift generator, so runs are repeatable without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn entry(i: usize, rng: &mut Rng) -> Entry {
    let now = 1_700_000_000_000_000 + (rng.next() % 1_000_000_000) as i64;
    Entry {
        participant: format!("player-{i:07}").into(),
        score: (rng.next() % 100_000) as i64,
        subscore: (rng.next() % 10) as i64,
        reached_at: now,
        updated_at: now,
        num_submissions: 1,
    }
}

/// Checks a sample of ranks against `entry_at`, so the figures come from a sound index.
fn spot_check(board: &Board) {
    for rank in (1..=board.len()).step_by(9973) {
        let e = board.entry_at(rank).expect("rank in range");
        assert_eq!(board.rank(&e.participant), Some(rank));
    }
}

fn main() {
    // Each figure is measured in a fresh process: memory freed by one phase stays resident in
    // the allocator and would flatter the next.
    match std::env::args().nth(1).as_deref() {
        Some("bulk") => bulk_load(),
        Some("upserts") => random_upserts(),
        Some("changes") => score_changes(),
        _ => {
            let me = std::env::current_exe().expect("own path");
            for mode in ["bulk", "upserts", "changes"] {
                let status = std::process::Command::new(&me).arg(mode).status();
                assert!(status.is_ok_and(|s| s.success()), "{mode} run failed");
            }
        }
    }
}

fn bulk_load() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let before = rss_bytes();
    let entries: Vec<Entry> = (0..N).map(|i| entry(i, &mut rng)).collect();
    let started = std::time::Instant::now();
    let board = Board::bulk_load(Order::Desc, entries);
    let load_time = started.elapsed();
    let after = rss_bytes();
    spot_check(&board);
    println!(
        "bulk_load: {N} entries in {:.0} ms",
        load_time.as_secs_f64() * 1e3
    );
    println!(
        "bulk_load: {:.1} bytes/entry resident",
        (after - before) as f64 / N as f64
    );
}

fn random_upserts() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    // A random permutation of the ids, so inserts land all over the tree.
    let mut order: Vec<usize> = (0..N).collect();
    for i in (1..N).rev() {
        order.swap(i, rng.next() as usize % (i + 1));
    }
    let before = rss_bytes();
    let mut board = Board::new(Order::Desc);
    let started = std::time::Instant::now();
    for &i in &order {
        board.upsert(entry(i, &mut rng));
    }
    let upsert_time = started.elapsed();
    let after = rss_bytes();
    spot_check(&board);
    println!(
        "random upserts: {N} entries in {:.0} ms",
        upsert_time.as_secs_f64() * 1e3
    );
    println!(
        "random upserts: {:.1} bytes/entry resident",
        (after - before) as f64 / N as f64
    );
}

fn score_changes() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let entries: Vec<Entry> = (0..N).map(|i| entry(i, &mut rng)).collect();
    let mut board = Board::bulk_load(Order::Desc, entries);
    let before = rss_bytes();
    let started = std::time::Instant::now();
    for _ in 0..N {
        let i = rng.next() as usize % N;
        board.upsert(entry(i, &mut rng));
    }
    let time = started.elapsed();
    let after = rss_bytes();
    spot_check(&board);
    println!(
        "score changes after bulk_load: {N} upserts in {:.0} ms",
        time.as_secs_f64() * 1e3
    );
    println!(
        "score changes after bulk_load: {:.1} bytes/entry resident growth (tree leaves unpacking)",
        (after as f64 - before as f64) / N as f64
    );
}
