//! The rating side of one league: the engine of the current season, the checkpoints a late
//! match rewinds to, and the head-to-head record of a points league. Matches are applied in
//! rating order ([`MatchKey`]); a late, edited or voided match rewinds to the newest checkpoint
//! before it and the caller replays the matches after that point.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::MatchKey;
use crate::rating::{
    Checkpoint, Engine, MatchError, MatchInput, MatchOutcome, Params, Standing, TeamInput,
};

/// A checkpoint is taken after every this many matches of the season.
pub(super) const CHECKPOINT_EVERY: u64 = 2048;
/// At most this many evenly spaced checkpoints are kept (their spacing doubles as the season
/// grows), plus the few most recent ones, so memory stays bounded while a slightly late match
/// still replays little.
pub(super) const SPACED_CHECKPOINTS: usize = 16;
pub(super) const RECENT_CHECKPOINTS: usize = 4;

/// A rated match as stored: participants by their dense number in the league.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredMatch {
    /// The match's id.
    pub id: i64,
    /// The season it belongs to (from 1).
    pub season: i32,
    /// When it was played, unix microseconds.
    pub played_at: i64,
    /// Its teams, in the order they were given.
    pub teams: Vec<StoredTeam>,
}

/// One team of a stored match.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredTeam {
    /// Participant numbers.
    pub participants: Vec<u32>,
    /// 1 = winner; equal ranks drew.
    pub rank: u32,
    /// The team's score, when the match has scores.
    pub score: Option<f64>,
}

impl StoredMatch {
    /// The match's position in rating order.
    pub fn key(&self) -> MatchKey {
        MatchKey::new(self.played_at, self.id)
    }

    /// Every participant of the match, team by team.
    pub fn participants(&self) -> impl Iterator<Item = u32> + '_ {
        self.teams
            .iter()
            .flat_map(|t| t.participants.iter().copied())
    }
}

/// A checkpoint: where it was taken, how many matches of the season came before, the engine.
#[derive(Clone, Debug)]
struct Mark {
    key: MatchKey,
    matches: u64,
    engine: Checkpoint,
}

/// The rating side of a league: the engine and what replaying needs. Cheap to clone (the
/// engine shares unchanged chunks), so writers compute on a copy and swap it in after commit.
#[derive(Debug, Clone)]
pub struct Ratings {
    /// The current season's engine.
    pub engine: Engine,
    /// The engine at the start of the current season.
    season_start: Checkpoint,
    /// In rating order.
    checkpoints: Vec<Mark>,
    /// Current spacing of the evenly spaced checkpoints.
    spacing: u64,
    /// The last match applied in the current season.
    pub last: Option<MatchKey>,
    /// Matches rated in the current season.
    pub matches: u64,
    /// Points leagues: points each participant took from each other (for head-to-head).
    mutual: HashMap<(u32, u32), i64>,
}

impl Ratings {
    /// A league with no match rated yet.
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

    /// Whether the league is a points table (no checkpoints, a head-to-head record).
    pub fn is_points(&self) -> bool {
        matches!(self.engine.params(), Params::Points(_))
    }

    /// Points a took from b in their mutual matches (points leagues).
    pub fn mutual(&self, a: u32, b: u32) -> i64 {
        self.mutual.get(&(a, b)).copied().unwrap_or(0)
    }

    /// Whether matches starting at `first` come after everything rated so far, so they can be
    /// applied without a replay.
    pub fn appends(&self, first: MatchKey) -> bool {
        self.last.is_none_or(|last| first > last)
    }

    /// Applies one match of the current season, in order. A refused match changes nothing.
    pub fn apply(&mut self, m: &StoredMatch) -> Result<MatchOutcome, MatchError> {
        let teams: Vec<TeamInput> = m
            .teams
            .iter()
            .map(|t| TeamInput {
                participants: &t.participants,
                rank: t.rank,
                score: t.score,
            })
            .collect();
        let outcome = self.engine.apply(&MatchInput {
            played_at: m.played_at,
            teams: &teams,
        })?;
        self.count_mutual(m);
        self.last = Some(m.key());
        self.matches += 1;
        if self.matches.is_multiple_of(CHECKPOINT_EVERY) && !self.is_points() {
            self.mark(m.key());
        }
        Ok(outcome)
    }

    /// Adds a points league's match to the head-to-head record: each participant takes the
    /// points of its result against each participant of every other team.
    fn count_mutual(&mut self, m: &StoredMatch) {
        let Params::Points(p) = self.engine.params() else {
            return;
        };
        let (win, draw, loss) = (p.win, p.draw, p.loss);
        for (a, ta) in m.teams.iter().enumerate() {
            for (b, tb) in m.teams.iter().enumerate() {
                if a == b {
                    continue;
                }
                let got = match ta.rank.cmp(&tb.rank) {
                    std::cmp::Ordering::Less => win,
                    std::cmp::Ordering::Equal => draw,
                    std::cmp::Ordering::Greater => loss,
                };
                for x in &ta.participants {
                    for y in &tb.participants {
                        *self.mutual.entry((*x, *y)).or_default() += got;
                    }
                }
            }
        }
    }

    /// Takes a checkpoint at the current position (the end of a write), so a slightly late
    /// match in one of the next writes replays only the matches after it, not up to
    /// `CHECKPOINT_EVERY` of them. Such a checkpoint counts among the recent ones and is
    /// dropped as newer ones come.
    pub fn checkpoint_here(&mut self) {
        let Some(last) = self.last else { return };
        if self.is_points() || self.checkpoints.last().is_some_and(|c| c.key == last) {
            return;
        }
        self.mark(last);
    }

    fn mark(&mut self, key: MatchKey) {
        self.checkpoints.push(Mark {
            key,
            matches: self.matches,
            engine: self.engine.checkpoint(),
        });
        self.thin();
    }

    /// Keeps the recent checkpoints and those on the current spacing, doubling the spacing when
    /// there are too many.
    fn thin(&mut self) {
        loop {
            let recent_from = self.checkpoints.len().saturating_sub(RECENT_CHECKPOINTS);
            let spacing = self.spacing;
            let on_spacing = |c: &Mark| c.matches.is_multiple_of(spacing);
            let spaced = self.checkpoints[..recent_from]
                .iter()
                .filter(|c| on_spacing(c))
                .count();
            if spaced <= SPACED_CHECKPOINTS {
                let mut i = 0;
                self.checkpoints.retain(|c| {
                    let keep = i >= recent_from || on_spacing(c);
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
    pub fn rewind_before(&mut self, key: MatchKey) -> Option<MatchKey> {
        if self.is_points() {
            self.checkpoints.clear();
        } else {
            while self.checkpoints.last().is_some_and(|c| c.key >= key) {
                self.checkpoints.pop();
            }
        }
        match self.checkpoints.last() {
            Some(c) => {
                let (key, matches) = (c.key, c.matches);
                self.engine.restore(&c.engine);
                self.last = Some(key);
                self.matches = matches;
                Some(key)
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
        self.forget_season();
    }

    /// Closes the season: soft-resets every rating and starts counting afresh.
    pub fn start_new_season(&mut self) {
        self.engine.season_reset();
        self.season_start = self.engine.checkpoint();
        self.forget_season();
    }

    fn forget_season(&mut self) {
        self.checkpoints.clear();
        self.spacing = CHECKPOINT_EVERY;
        self.last = None;
        self.matches = 0;
        self.mutual.clear();
    }

    /// The state a replay of the current season up to [`Ratings::last`] ends in, to store
    /// (see [`RatingsSnapshot`]).
    pub fn snapshot(&self) -> RatingsSnapshot {
        let owned = |(n, s): (u32, &Standing)| (n, s.clone());
        let mut mutual: Vec<(u32, u32, i64)> =
            self.mutual.iter().map(|(&(a, b), &p)| (a, b, p)).collect();
        mutual.sort_unstable();
        RatingsSnapshot {
            last: self.last,
            matches: self.matches,
            standings: self.engine.standings().map(owned).collect(),
            season_start: self.season_start.standings().map(owned).collect(),
            mutual,
        }
    }

    /// The ratings a snapshot was taken of, under `params` (the league's, which the caller
    /// checked are the ones the snapshot was taken under). Rating the next matches from here
    /// gives bit for bit what rating them after a full replay gives. A checkpoint is taken at
    /// the snapshot's position, so a late match after it replays only what came after.
    pub fn from_snapshot(params: Params, snapshot: RatingsSnapshot) -> Ratings {
        let season_start = Engine::from_standings(params.clone(), snapshot.season_start);
        let mut ratings = Ratings {
            engine: Engine::from_standings(params, snapshot.standings),
            season_start: season_start.checkpoint(),
            checkpoints: Vec::new(),
            spacing: CHECKPOINT_EVERY,
            last: snapshot.last,
            matches: snapshot.matches,
            mutual: snapshot
                .mutual
                .into_iter()
                .map(|(a, b, p)| ((a, b), p))
                .collect(),
        };
        ratings.checkpoint_here();
        ratings
    }

    /// The keys of the checkpoints kept, oldest first (for tests and diagnostics).
    pub fn checkpoint_keys(&self) -> impl Iterator<Item = MatchKey> + '_ {
        self.checkpoints.iter().map(|c| c.key)
    }

    #[cfg(test)]
    pub(super) fn spacing(&self) -> u64 {
        self.spacing
    }
}

/// A league's ratings frozen at a point of its current season: every standing, the standings
/// the season started from (a late match before every checkpoint replays from them), the
/// head-to-head record of a points table, and how far the season's matches were rated. Stored
/// so that a process starts by loading it and rating only the matches after it, instead of
/// replaying every match the league ever had.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RatingsSnapshot {
    /// The last match of the season it covers (None: no match rated yet this season).
    pub last: Option<MatchKey>,
    /// Matches of the season it covers.
    pub matches: u64,
    standings: Vec<(u32, Standing)>,
    season_start: Vec<(u32, Standing)>,
    mutual: Vec<(u32, u32, i64)>,
}

/// The first byte of an encoded snapshot: bumped whenever what a snapshot holds changes, so an
/// older process's snapshot is recognised as such and the league replayed instead.
const SNAPSHOT_FORMAT: u8 = 1;

/// Why stored bytes are not a snapshot this version can use.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("snapshot format {found}, this version reads format {SNAPSHOT_FORMAT}")]
    Format { found: u8 },
    #[error("the snapshot is empty")]
    Empty,
    #[error("the snapshot does not decode: {0}")]
    Decode(#[from] postcard::Error),
}

impl RatingsSnapshot {
    /// Participants it holds a standing for.
    pub fn participants(&self) -> usize {
        self.standings.len()
    }

    /// A compact binary form (postcard, after a format byte): floats are kept bit for bit.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![SNAPSHOT_FORMAT];
        // Writing to a Vec cannot fail, and every field serialises.
        postcard::to_io(self, &mut out).expect("a snapshot serialises into memory");
        out
    }

    /// Reads what `encode` wrote.
    pub fn decode(bytes: &[u8]) -> Result<RatingsSnapshot, SnapshotError> {
        match bytes.split_first() {
            None => Err(SnapshotError::Empty),
            Some((&SNAPSHOT_FORMAT, rest)) => Ok(postcard::from_bytes(rest)?),
            Some((&found, _)) => Err(SnapshotError::Format { found }),
        }
    }
}
