//! Tests of a league's ratings, checkpoints and replay.

use super::{
    MatchKey, Progress, Ratings, StoredMatch, StoredTeam,
    ratings::{CHECKPOINT_EVERY, RECENT_CHECKPOINTS, SPACED_CHECKPOINTS},
    replay_after, replay_seasons,
};
use crate::rating::Params;

fn team(participants: &[u32], rank: u32) -> StoredTeam {
    StoredTeam {
        participants: participants.to_vec(),
        rank,
        score: None,
    }
}

/// Match `id` of `season`, played at `id` seconds, won by `a` against `b`.
fn duel_in(season: i32, id: i64, a: u32, b: u32) -> StoredMatch {
    StoredMatch {
        id,
        season,
        played_at: id * 1_000_000,
        teams: vec![team(&[a], 1), team(&[b], 2)],
    }
}

fn duel(id: i64, a: u32, b: u32) -> StoredMatch {
    duel_in(1, id, a, b)
}

fn ratings(system: &str) -> Ratings {
    Ratings::new(Params::parse(system, &serde_json::Value::Null).expect("default params"))
}

fn elo() -> Ratings {
    ratings("elo")
}

#[test]
fn checkpoints_stay_few_however_long_the_season_and_replays_match_a_straight_run() {
    let matches: Vec<StoredMatch> = (1..=200_000)
        .map(|i| duel(i, (i * 7 % 997) as u32, (i * 13 % 991 + 997) as u32))
        .collect();
    let mut straight = elo();
    for m in &matches {
        straight.apply(m).expect("rated");
    }
    assert!(straight.checkpoint_keys().count() <= SPACED_CHECKPOINTS + RECENT_CHECKPOINTS);
    assert!(straight.spacing() > CHECKPOINT_EVERY, "the spacing grew");
    // A late match near the end rewinds only a little.
    let mut late = straight.clone();
    let after = late
        .rewind_before(matches[199_000].key())
        .expect("a checkpoint");
    assert!(
        after.id >= 199_000 - 2 * CHECKPOINT_EVERY as i64,
        "{after:?}"
    );
    for m in matches.iter().filter(|m| m.key() > after) {
        late.apply(m).expect("rated");
    }
    assert_eq!(late.matches, straight.matches);
    for p in [0, 500, 996, 1500] {
        assert_eq!(late.engine.standing(p), straight.engine.standing(p));
    }
    // Early in the season: back to an older checkpoint (or the start), same result.
    let mut early = straight.clone();
    let after = early.rewind_before(matches[3000].key());
    for m in matches.iter().filter(|m| after.is_none_or(|k| m.key() > k)) {
        early.apply(m).expect("rated");
    }
    assert_eq!(early.engine.standing(42), straight.engine.standing(42));
}

#[test]
fn a_checkpoint_at_the_end_of_each_write_bounds_the_replay_of_a_slightly_late_match() {
    let matches: Vec<StoredMatch> = (1..=10_000)
        .map(|i| duel(i, (i * 7 % 97) as u32, (i * 13 % 89 + 97) as u32))
        .collect();
    let mut straight = elo();
    let mut written = elo();
    // Writes of 40 matches, each ending with a checkpoint, as the recording path does.
    for chunk in matches.chunks(40) {
        for m in chunk {
            straight.apply(m).expect("rated");
            written.apply(m).expect("rated");
        }
        written.checkpoint_here();
        written.checkpoint_here(); // twice at one position keeps one
    }
    assert!(written.checkpoint_keys().count() <= SPACED_CHECKPOINTS + RECENT_CHECKPOINTS);
    let keys: Vec<MatchKey> = written.checkpoint_keys().collect();
    let mut unique = keys.clone();
    unique.dedup();
    assert_eq!(keys, unique);
    // A match late by 50 positions replays from the end of the write before it.
    let mut late = written.clone();
    let after = late
        .rewind_before(matches[9_950].key())
        .expect("a checkpoint");
    assert_eq!(
        after,
        matches[9_919].key(),
        "the end of the write holding #9,920"
    );
    for m in matches.iter().filter(|m| m.key() > after) {
        late.apply(m).expect("rated");
    }
    for p in [0, 50, 96, 150] {
        assert_eq!(late.engine.standing(p), straight.engine.standing(p));
    }
}

#[test]
fn a_points_league_always_rewinds_to_the_start_of_its_season() {
    let mut points = ratings("points");
    for i in 1..=3000 {
        points.apply(&duel(i, 0, 1)).expect("rated");
    }
    points.checkpoint_here();
    assert_eq!(points.checkpoint_keys().count(), 0, "no checkpoints");
    assert_eq!(points.mutual(0, 1), 3 * 3000, "three points a win");
    assert_eq!(points.rewind_before(duel(2999, 0, 1).key()), None);
    assert_eq!((points.matches, points.last), (0, None));
    assert_eq!(
        points.mutual(0, 1),
        0,
        "the head-to-head record restarts too"
    );
    assert_eq!(points.engine.standing(0), None, "as before its first match");
}

#[test]
fn later_matches_append_and_earlier_ones_need_a_replay() {
    let mut r = elo();
    assert!(
        r.appends(MatchKey::new(i64::MIN, 0)),
        "an empty season takes anything"
    );
    r.apply(&duel(10, 0, 1)).expect("rated");
    assert!(r.appends(MatchKey::new(10_000_000, 11)));
    assert!(r.appends(MatchKey::new(11_000_000, 1)));
    assert!(!r.appends(MatchKey::new(10_000_000, 10)), "the same match");
    assert!(
        !r.appends(MatchKey::new(10_000_000, 9)),
        "same time, earlier id"
    );
    assert!(!r.appends(MatchKey::new(9_000_000, 99)));
}

#[test]
fn a_replay_of_several_seasons_soft_resets_between_them_and_rates_only_the_current_in_the_callback()
{
    let matches = vec![
        duel_in(1, 1, 0, 1),
        duel_in(1, 2, 0, 1),
        duel_in(2, 3, 1, 0),
        duel_in(3, 4, 0, 2),
        duel_in(3, 5, 2, 1),
    ];
    let mut replayed = elo();
    let mut seen = Vec::new();
    let skipped = replay_seasons(&mut replayed, &matches, 3, |r, m, outcome, p| {
        assert_eq!(outcome.changes.len(), 2);
        seen.push((m.id, p, r.matches));
    });
    assert!(skipped.is_empty());
    let progress = |index| Progress { index, total: 2 };
    assert_eq!(seen, [(4, progress(1), 1), (5, progress(2), 2)]);

    // The same by hand: each season's matches, a soft reset before the next season.
    let mut by_hand = elo();
    for m in &matches[..2] {
        by_hand.apply(m).expect("rated");
    }
    by_hand.start_new_season();
    by_hand.apply(&matches[2]).expect("rated");
    by_hand.start_new_season();
    for m in &matches[3..] {
        by_hand.apply(m).expect("rated");
    }
    for p in 0..3 {
        assert_eq!(replayed.engine.standing(p), by_hand.engine.standing(p));
    }
    assert_eq!(replayed.matches, 2, "only the current season counts");
    assert_eq!(replayed.last, Some(matches[4].key()));
}

#[test]
fn a_season_without_matches_still_resets_the_ratings() {
    let matches = vec![duel_in(1, 1, 0, 1)];
    let mut replayed = elo();
    replay_seasons(&mut replayed, &matches, 3, |_, _, _, _| {
        panic!("season 3 has no matches")
    });
    let mut by_hand = elo();
    by_hand.apply(&matches[0]).expect("rated");
    by_hand.start_new_season();
    by_hand.start_new_season();
    assert_eq!(replayed.engine.standing(0), by_hand.engine.standing(0));
    assert_eq!(
        (replayed.matches, replayed.last),
        (0, None),
        "nothing rated in season 3"
    );
}

#[test]
fn a_stored_match_the_system_cannot_rate_is_skipped_and_reported_and_the_rest_are_rated() {
    // Recorded as a points league, say, then the league became Elo: a 2v2 cannot be rated.
    let two_v_two = StoredMatch {
        id: 2,
        season: 1,
        played_at: 2_000_000,
        teams: vec![team(&[0, 1], 1), team(&[2, 3], 2)],
    };
    let matches = vec![duel(1, 0, 2), two_v_two, duel(3, 2, 0)];
    let mut replayed = elo();
    let mut rated = Vec::new();
    let skipped = replay_seasons(&mut replayed, &matches, 1, |_, m, _, p| {
        rated.push((m.id, p.index, p.total))
    });
    assert_eq!(rated, [(1, 1, 3), (3, 2, 3)]);
    assert_eq!(skipped.len(), 1);
    assert_eq!((skipped[0].match_id, skipped[0].season), (2, 1));
    assert_eq!(skipped[0].error.field, "teams[0].participants");
    assert!(skipped[0].error.message.contains("one-against-one"));
    assert_eq!(
        replayed.engine.standing(1),
        None,
        "nothing of the 2v2 was applied"
    );

    let mut after = elo();
    let skipped = replay_after(&mut after, &matches, |_, _, _| {});
    assert_eq!(skipped.len(), 1);
    assert_eq!(after.engine.standing(2), replayed.engine.standing(2));
}

#[test]
fn replaying_after_a_rewind_gives_what_rating_in_key_order_gives() {
    // Ids out of time order: rating order is the key (played_at, then id), not the id.
    let mut matches: Vec<StoredMatch> = (1..=6000)
        .map(|i| {
            let mut m = duel(7000 - i, (i % 13) as u32, (i % 11 + 13) as u32);
            m.played_at = (i / 3) * 1_000_000;
            m
        })
        .collect();
    matches.sort_by_key(StoredMatch::key);
    let mut straight = elo();
    replay_after(&mut straight, &matches, |_, _, _| {});
    let mut replayed = straight.clone();
    let from = matches[4500].key();
    let after = replayed.rewind_before(from);
    let rest: Vec<StoredMatch> = matches
        .iter()
        .filter(|m| after.is_none_or(|k| m.key() > k))
        .cloned()
        .collect();
    assert!(rest.len() < matches.len(), "a checkpoint was used");
    replay_after(&mut replayed, &rest, |_, _, _| {});
    assert_eq!(replayed.matches, straight.matches);
    for p in 0..24 {
        assert_eq!(replayed.engine.standing(p), straight.engine.standing(p));
    }
}

/// Every standing of `r`, bit for bit (floats compared by their bits).
fn bits(r: &Ratings) -> Vec<(u32, Vec<u64>)> {
    r.engine
        .standings()
        .map(|(n, s)| {
            let json = serde_json::to_value(s).expect("a standing serialises");
            let fields = json
                .as_object()
                .expect("an object")
                .values()
                .map(|v| v.as_f64().map_or(0, f64::to_bits))
                .collect();
            (n, fields)
        })
        .collect()
}

#[test]
fn a_snapshot_round_trips_and_rating_on_from_it_matches_a_full_replay_bit_for_bit() {
    for system in ["elo", "glicko2", "trueskill", "weng_lin", "points"] {
        // Two seasons, so the season's starting standings differ from a fresh league's.
        let mut all: Vec<StoredMatch> = (1..=3000)
            .map(|i| duel_in(1, i, (i * 7 % 97) as u32, (i * 13 % 89 + 97) as u32))
            .collect();
        all.extend(
            (3001..=9000).map(|i| duel_in(2, i, (i * 11 % 83) as u32, (i * 5 % 79 + 97) as u32)),
        );
        let (before, after) = all.split_at(6000);
        let mut full = ratings(system);
        replay_seasons(&mut full, &all, 2, |_, _, _, _| {});

        let mut part = ratings(system);
        replay_seasons(&mut part, before, 2, |_, _, _, _| {});
        let bytes = part.snapshot().encode();
        let decoded = super::RatingsSnapshot::decode(&bytes).expect("decodes");
        assert_eq!(
            decoded,
            part.snapshot(),
            "{system}: the snapshot round-trips"
        );
        let mut loaded = Ratings::from_snapshot(part.engine.params().clone(), decoded);
        assert_eq!(loaded.last, part.last);
        assert_eq!(loaded.matches, part.matches);
        replay_after(&mut loaded, after, |_, _, _| {});
        assert_eq!(
            bits(&loaded),
            bits(&full),
            "{system}: rated on from the snapshot"
        );
        assert_eq!(loaded.matches, full.matches);
        assert_eq!(
            loaded.mutual(5, 97),
            full.mutual(5, 97),
            "{system}: head to head"
        );

        // A late match before the snapshot's position rewinds to the season's start (kept in
        // the snapshot) and replays: the same as doing so on the fully replayed league.
        let late = duel_in(2, 3500, 1, 2);
        let late = StoredMatch {
            played_at: 3001 * 1_000_000,
            ..late
        };
        let mut season: Vec<StoredMatch> = all.iter().filter(|m| m.season == 2).cloned().collect();
        season.push(late.clone());
        season.sort_by_key(StoredMatch::key);
        for r in [&mut loaded, &mut full] {
            let from = r.rewind_before(late.key());
            let rest: Vec<StoredMatch> = season
                .iter()
                .filter(|m| from.is_none_or(|k| m.key() > k))
                .cloned()
                .collect();
            replay_after(r, &rest, |_, _, _| {});
        }
        assert_eq!(
            bits(&loaded),
            bits(&full),
            "{system}: a late match after loading"
        );
    }
}

#[test]
fn bytes_that_are_not_a_snapshot_of_this_format_are_refused_not_misread() {
    use super::{RatingsSnapshot, SnapshotError};
    let mut r = elo();
    r.apply(&duel(1, 0, 1)).expect("rated");
    let mut bytes = r.snapshot().encode();
    assert!(matches!(
        RatingsSnapshot::decode(&[]),
        Err(SnapshotError::Empty)
    ));
    bytes[0] = 99;
    assert!(matches!(
        RatingsSnapshot::decode(&bytes),
        Err(SnapshotError::Format { found: 99 })
    ));
    bytes[0] = 1;
    bytes.truncate(bytes.len() / 2);
    assert!(matches!(
        RatingsSnapshot::decode(&bytes),
        Err(SnapshotError::Decode(_))
    ));
}
