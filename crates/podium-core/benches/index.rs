//! Criterion benches for the rank index at 1,000,000 entries: point reads, a score change,
//! a page read, dense rank (also with half the board tied) and bulk loading.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use podium_core::{Board, Entry, Order};

const N: usize = 1_000_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn entries(rng: &mut Rng, tied: bool) -> Vec<Entry> {
    (0..N)
        .map(|i| {
            let now = 1_700_000_000_000_000 + (rng.next() % 1_000_000_000) as i64;
            let score = if tied && i % 2 == 0 {
                0
            } else {
                (rng.next() % 100_000) as i64
            };
            Entry {
                participant: format!("player-{i:07}").into(),
                score,
                subscore: (rng.next() % 10) as i64,
                reached_at: now,
                updated_at: now,
                num_submissions: 1,
            }
        })
        .collect()
}

fn index(c: &mut Criterion) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let ids: Vec<String> = (0..N).map(|i| format!("player-{i:07}")).collect();
    let base = entries(&mut rng, false);
    let mut board = Board::bulk_load(Order::Desc, base.clone());

    let mut group = c.benchmark_group("board_1m");
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));

    group.bench_function("rank_of", |b| {
        b.iter(|| black_box(board.rank(&ids[rng.next() as usize % N])))
    });
    group.bench_function("get", |b| {
        b.iter(|| {
            black_box(
                board
                    .get(&ids[rng.next() as usize % N])
                    .map(|(r, e)| r + e.num_submissions as usize),
            )
        })
    });
    group.bench_function("iter_from_100", |b| {
        b.iter(|| {
            let start = 1 + rng.next() as usize % (N - 100);
            black_box(
                board
                    .iter_from(start)
                    .take(100)
                    .map(|(_, e)| e.score)
                    .sum::<i64>(),
            )
        })
    });
    group.bench_function("dense_rank", |b| {
        b.iter(|| black_box(board.dense_rank(1 + rng.next() as usize % N)))
    });
    group.bench_function("competition_rank", |b| {
        b.iter(|| black_box(board.competition_rank(1 + rng.next() as usize % N)))
    });
    group.bench_function("upsert_changed_score", |b| {
        b.iter(|| {
            let i = rng.next() as usize % N;
            let now = 1_800_000_000_000_000 + (rng.next() % 1_000_000) as i64;
            black_box(board.upsert(Entry {
                participant: ids[i].as_str().into(),
                score: (rng.next() % 100_000) as i64,
                subscore: 0,
                reached_at: now,
                updated_at: now,
                num_submissions: 2,
            }))
        })
    });
    drop(board);

    let tied = Board::bulk_load(Order::Desc, entries(&mut rng, true));
    group.bench_function("dense_rank_half_tied", |b| {
        b.iter(|| black_box(tied.dense_rank(1 + rng.next() as usize % N)))
    });
    drop(tied);

    group.sample_size(10);
    group.measurement_time(Duration::from_secs(12));
    group.bench_function("bulk_load", |b| {
        b.iter_batched(
            || base.clone(),
            |e| Board::bulk_load(Order::Desc, e),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, index);
criterion_main!(benches);
