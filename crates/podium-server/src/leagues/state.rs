//! One league in memory: the rating engine for the current season, checkpoints for replaying
//! from a late match, the participants' names, and two standings boards (everyone, and
//! established participants only) ordered by display rating through the rank index.

use std::{collections::HashMap, sync::Arc};

use podium_core::{
    board::{Board, Entry},
    rating::{
        Checkpoint, Engine, MatchError, MatchInput, MatchOutcome, Params, TeamInput, points_order,
    },
    score::Order,
};

use super::LeagueDef;
pub use crate::model::Key;

/// A checkpoint is taken after every this many matches of the season.
const CHECKPOINT_EVERY: u64 = 2048;
/// At most this many evenly spaced checkpoints are kept (their spacing doubles as the season
/// grows), plus the few most recent ones, so memory stays bounded while a slightly late match
/// still replays little.
const SPACED_CHECKPOINTS: usize = 16;
const RECENT_CHECKPOINTS: usize = 4;

/// Display ratings are kept in the board as integers with this many steps per rating point.
pub const DISPLAY_SCALE: f64 = 1000.0;

/// A rated match as loaded from the database.
#[derive(Clone, Debug)]
pub struct StoredMatch {
    pub id: i64,
    pub season: i32,
    pub played_at: i64,
    /// Participant numbers per team, with the team's rank and score.
    pub teams: Vec<(Vec<u32>, u32, Option<f64>)>,
}

impl StoredMatch {
    pub fn key(&self) -> Key {
        (self.played_at, self.id)
    }
}

/// The rating side of a league: the engine and what replaying needs. Cheap to clone (the
/// engine shares unchanged chunks), so writers compute on a copy and swap it in after commit.
#[derive(Debug, Clone)]
pub struct Ratings {
    pub engine: Engine,
    /// The engine at the start of the current season.
    season_start: Checkpoint,
    /// (position, matches seen, engine) in rating order.
    checkpoints: Vec<(Key, u64, Checkpoint)>,
    /// Current spacing of the evenly spaced checkpoints.
    spacing: u64,
    /// The last match applied in the current season.
    pub last: Option<Key>,
    /// Matches rated in the current season.
    pub matches: u64,
    /// Points leagues: points each participant took from each other (for head-to-head).
    mutual: HashMap<(u32, u32), i64>,
}

impl Ratings {
    pub fn new(params: Params) -> Self {
        let engine = Engine::new(params);
        let season_start = engine.checkpoint();
        Self {
            engine,
            season_start,
            checkpoints: Vec::new(),
            spacing: CHECKPOINT_EVERY,
            last: None,
            matches: 0,
            mutual: HashMap::new(),
        }
    }

    pub fn is_points(&self) -> bool {
        matches!(self.engine.params(), Params::Points(_))
    }

    /// Points a took from b in their mutual matches (points leagues).
    pub fn mutual(&self, a: u32, b: u32) -> i64 {
        self.mutual.get(&(a, b)).copied().unwrap_or(0)
    }

    /// Applies one match of the current season, in order.
    pub fn apply(&mut self, m: &StoredMatch) -> Result<MatchOutcome, MatchError> {
        let teams: Vec<TeamInput> = m
            .teams
            .iter()
            .map(|(participants, rank, score)| TeamInput {
                participants,
                rank: *rank,
                score: *score,
            })
            .collect();
        let outcome = self.engine.apply(&MatchInput {
            played_at: m.played_at,
            teams: &teams,
        })?;
        if let Params::Points(p) = self.engine.params() {
            let (win, draw, loss) = (p.win, p.draw, p.loss);
            for (a, (pa, ra, _)) in m.teams.iter().enumerate() {
                for (b, (pb, rb, _)) in m.teams.iter().enumerate() {
                    if a == b {
                        continue;
                    }
                    let got = match ra.cmp(rb) {
                        std::cmp::Ordering::Less => win,
                        std::cmp::Ordering::Equal => draw,
                        std::cmp::Ordering::Greater => loss,
                    };
                    for x in pa {
                        for y in pb {
                            *self.mutual.entry((*x, *y)).or_default() += got;
                        }
                    }
                }
            }
        }
        self.last = Some(m.key());
        self.matches += 1;
        if self.matches.is_multiple_of(CHECKPOINT_EVERY) && !self.is_points() {
            self.checkpoints
                .push((m.key(), self.matches, self.engine.checkpoint()));
            self.thin();
        }
        Ok(outcome)
    }

    /// Takes a checkpoint at the current position (the end of a write), so a slightly late
    /// match in one of the next writes replays only the matches after it, not up to
    /// `CHECKPOINT_EVERY` of them. Such a checkpoint counts among the recent ones and is
    /// dropped as newer ones come.
    pub fn checkpoint_here(&mut self) {
        let Some(last) = self.last else { return };
        if self.is_points() || self.checkpoints.last().is_some_and(|(k, _, _)| *k == last) {
            return;
        }
        self.checkpoints
            .push((last, self.matches, self.engine.checkpoint()));
        self.thin();
    }

    /// Keeps the recent checkpoints and those on the current spacing, doubling the spacing when
    /// there are too many.
    fn thin(&mut self) {
        loop {
            let recent_from = self.checkpoints.len().saturating_sub(RECENT_CHECKPOINTS);
            let spacing = self.spacing;
            let spaced = self.checkpoints[..recent_from]
                .iter()
                .filter(|(_, n, _)| n.is_multiple_of(spacing))
                .count();
            if spaced <= SPACED_CHECKPOINTS {
                let mut i = 0;
                self.checkpoints.retain(|(_, n, _)| {
                    let keep = i >= recent_from || n.is_multiple_of(spacing);
                    i += 1;
                    keep
                });
                return;
            }
            self.spacing *= 2;
        }
    }

    /// Rewinds to the newest checkpoint strictly before `key`; returns the key from which
    /// matches must be replayed (exclusive), or None to replay the whole season. Points leagues
    /// always replay the season (their head-to-head record has no checkpoints).
    pub fn rewind_before(&mut self, key: Key) -> Option<Key> {
        if !self.is_points() {
            while let Some((k, _, _)) = self.checkpoints.last() {
                if *k < key {
                    break;
                }
                self.checkpoints.pop();
            }
        } else {
            self.checkpoints.clear();
        }
        match self.checkpoints.last() {
            Some((k, n, c)) => {
                let (k, n) = (*k, *n);
                self.engine.restore(c);
                self.last = Some(k);
                self.matches = n;
                Some(k)
            }
            None => {
                self.reset_to_season_start();
                None
            }
        }
    }

    /// Back to the engine as it stood when the current season began.
    pub fn reset_to_season_start(&mut self) {
        let start = self.season_start.clone();
        self.engine.restore(&start);
        self.checkpoints.clear();
        self.spacing = CHECKPOINT_EVERY;
        self.last = None;
        self.matches = 0;
        self.mutual.clear();
    }

    /// Closes the season: soft-resets every rating and starts counting afresh.
    pub fn start_new_season(&mut self) {
        self.engine.season_reset();
        self.season_start = self.engine.checkpoint();
        self.checkpoints.clear();
        self.spacing = CHECKPOINT_EVERY;
        self.last = None;
        self.matches = 0;
        self.mutual.clear();
    }
}

/// The in-memory state of one league: its definition, ratings, participant names and standings.
#[derive(Debug)]
pub struct LeagueData {
    pub def: Arc<LeagueDef>,
    /// The database version this state reflects.
    pub version: i64,
    pub ratings: Ratings,
    pub names: Vec<Box<str>>,
    pub nums: HashMap<Box<str>, u32>,
    /// Everyone who played this season, by display rating.
    pub all: Board,
    /// Participants past their provisional period.
    pub established: Board,
}

impl LeagueData {
    pub fn new(def: Arc<LeagueDef>, params: Params) -> Self {
        Self {
            def,
            version: 0,
            ratings: Ratings::new(params),
            names: Vec::new(),
            nums: HashMap::new(),
            all: Board::new(Order::Desc),
            established: Board::new(Order::Desc),
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.ratings.engine
    }

    /// Registers a participant name under its number.
    pub fn add_name(&mut self, num: u32, name: &str) {
        let i = num as usize;
        if self.names.len() <= i {
            self.names.resize(i + 1, Box::from(""));
        }
        self.names[i] = Box::from(name);
        self.nums.insert(Box::from(name), num);
    }

    pub fn name(&self, num: u32) -> &str {
        self.names.get(num as usize).map_or("", |n| n)
    }

    fn entry(&self, num: u32, score: i64, subscore: i64) -> Entry {
        Entry {
            participant: Box::from(self.name(num)),
            score,
            subscore,
            reached_at: 0,
            updated_at: 0,
            num_submissions: 0,
        }
    }

    /// Rebuilds both standings boards from the engine.
    pub fn rebuild_boards(&mut self) {
        let mut all = Vec::new();
        let mut established = Vec::new();
        let r = &self.ratings;
        if let Params::Points(p) = r.engine.params() {
            let standings: Vec<_> = r
                .engine
                .standings()
                .filter(|(_, s)| s.matches > 0)
                .collect();
            let h2h = |a: u32, b: u32| (r.mutual(a, b), r.mutual(b, a));
            let order = points_order(p, &standings, &h2h);
            let n = order.len() as i64;
            for (i, num) in order.iter().enumerate() {
                let s = r.engine.standing(*num).expect("ordered participants exist");
                let e = self.entry(*num, s.points, n - i as i64);
                if !r.engine.is_provisional(s) {
                    established.push(e.clone());
                }
                all.push(e);
            }
        } else {
            for (num, s) in r.engine.standings() {
                if s.matches == 0 {
                    continue;
                }
                let e = self.entry(num, scaled(r.engine.display(s)), 0);
                if !r.engine.is_provisional(s) {
                    established.push(e.clone());
                }
                all.push(e);
            }
        }
        self.all = Board::bulk_load(Order::Desc, all);
        self.established = Board::bulk_load(Order::Desc, established);
    }

    /// Updates the boards for participants whose standing changed (rating leagues); points
    /// leagues re-order the whole table.
    pub fn update_boards(&mut self, changed: impl IntoIterator<Item = u32>) {
        if self.ratings.is_points() {
            self.rebuild_boards();
            return;
        }
        for num in changed {
            let Some(s) = self.ratings.engine.standing(num) else {
                continue;
            };
            let provisional = self.ratings.engine.is_provisional(s);
            let e = self.entry(num, scaled(self.ratings.engine.display(s)), 0);
            if s.matches == 0 {
                self.all.remove(&e.participant);
                self.established.remove(&e.participant);
                continue;
            }
            if provisional {
                self.established.remove(&e.participant);
            } else {
                self.established.upsert(e.clone());
            }
            self.all.upsert(e);
        }
    }
}

/// A display rating as the board's integer score.
pub fn scaled(display: f64) -> i64 {
    (display * DISPLAY_SCALE).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn duel(id: i64, a: u32, b: u32) -> StoredMatch {
        StoredMatch {
            id,
            season: 1,
            played_at: id * 1_000_000,
            teams: vec![(vec![a], 1, None), (vec![b], 2, None)],
        }
    }

    fn elo() -> Ratings {
        Ratings::new(Params::parse("elo", &serde_json::Value::Null).expect("elo"))
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
        assert!(straight.checkpoints.len() <= SPACED_CHECKPOINTS + RECENT_CHECKPOINTS);
        assert!(straight.spacing > CHECKPOINT_EVERY, "the spacing grew");
        // A late match near the end rewinds only a little.
        let mut late = straight.clone();
        let after = late
            .rewind_before(matches[199_000].key())
            .expect("a checkpoint");
        assert!(
            after.1 >= 199_000 - 2 * CHECKPOINT_EVERY as i64,
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
        assert!(written.checkpoints.len() <= SPACED_CHECKPOINTS + RECENT_CHECKPOINTS);
        let keys: Vec<Key> = written.checkpoints.iter().map(|c| c.0).collect();
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
}
