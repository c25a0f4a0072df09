//! The per-league rating engine: every participant's [`Standing`], matches applied in order,
//! season resets, and copy-on-write checkpoints so a late match recomputes from the nearest
//! earlier checkpoint instead of from the first match.

use std::sync::Arc;

use super::{
    MatchError, MatchInput, MatchOutcome, Standing, TeamInput, params::Params, systems, validate,
};

/// Participants per copy-on-write chunk: small enough that the first write after a checkpoint
/// copies little, large enough that a checkpoint clones few pointers.
const CHUNK: usize = 256;

type Chunk = Arc<Vec<Option<Standing>>>;

/// Rates matches in order for one league and holds every participant's [`Standing`].
#[derive(Clone, Debug)]
pub struct Engine {
    params: Params,
    chunks: Vec<Chunk>,
}

/// A snapshot of every standing, cheap to take and to keep: it shares unchanged chunks with
/// the engine and with other checkpoints.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    chunks: Vec<Chunk>,
}

/// A team's result in a match, for the season record: first place alone is a win, shared
/// first place a draw, any other place a loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Won,
    Drew,
    Lost,
}

impl Engine {
    /// An engine with no participants.
    pub fn new(params: Params) -> Engine {
        Engine {
            params,
            chunks: Vec::new(),
        }
    }

    /// The league's parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// A participant's standing, or `None` if it never played.
    pub fn standing(&self, participant: u32) -> Option<&Standing> {
        let (chunk, slot) = locate(participant);
        self.chunks.get(chunk)?[slot].as_ref()
    }

    /// Every participant that has played, by ascending id.
    pub fn standings(&self) -> impl Iterator<Item = (u32, &Standing)> {
        standings_of(&self.chunks)
    }

    /// Sets a participant's standing, e.g. one loaded from storage.
    pub fn insert(&mut self, participant: u32, standing: Standing) {
        *self.slot_mut(participant) = Some(standing);
    }

    /// A new participant's state.
    pub fn initial(&self) -> Standing {
        let mut s = Standing::zero();
        match &self.params {
            Params::Elo(p) => s.rating = p.initial_rating,
            Params::Glicko2(p) => {
                s.rating = p.initial_rating;
                s.deviation = p.initial_deviation;
                s.volatility = p.initial_volatility;
            }
            Params::TrueSkill(p) => (s.mu, s.sigma) = (p.mu, p.sigma),
            Params::WengLin(p) => (s.mu, s.sigma) = (p.mu, p.sigma),
            Params::Points(_) => {}
        }
        s.peak_display = self.display(&s);
        s
    }

    /// Validates a match (at least two teams, no empty team, each participant in one place,
    /// one against one for Elo and Glicko-2, ranks from 1, finite scores) and applies it.
    /// A refused match changes nothing.
    pub fn apply(&mut self, m: &MatchInput) -> Result<MatchOutcome, MatchError> {
        validate::teams(m.teams.iter().map(|t| t.participants), &self.params)?;
        validate::results(m.teams)?;

        let mut changes: Vec<(u32, Standing, Standing)> = Vec::with_capacity(count(m.teams));
        let mut players: Vec<Standing> = Vec::with_capacity(changes.capacity());
        for &p in m.teams.iter().flat_map(|t| t.participants) {
            let (before, known) = match self.standing(p) {
                Some(s) => (s.clone(), true),
                None => (self.initial(), false),
            };
            let mut working = before.clone();
            // A newcomer has no idle time: it starts at the initial deviation.
            if let (Params::Glicko2(g), true) = (&self.params, known) {
                systems::glicko2_idle(g, &mut working, m.played_at);
            }
            players.push(working);
            changes.push((p, before, Standing::zero()));
        }

        systems::rate(&self.params, m.teams, &mut players);
        self.record(m, &mut players);

        for ((p, _, after), s) in changes.iter_mut().zip(players) {
            *self.slot_mut(*p) = Some(s.clone());
            *after = s;
        }
        Ok(MatchOutcome { changes })
    }

    /// The number that orders standings: the rating for Elo and Glicko-2, `mu − z·sigma` for
    /// TrueSkill and Weng-Lin, points for a points league.
    pub fn display(&self, s: &Standing) -> f64 {
        match &self.params {
            Params::Elo(_) | Params::Glicko2(_) => s.rating,
            Params::TrueSkill(p) => s.mu - p.z * s.sigma,
            Params::WengLin(p) => s.mu - p.z * s.sigma,
            Params::Points(_) => s.points as f64,
        }
    }

    /// Fewer than `min_matches` matches this season, or, for Glicko-2, a deviation at or above
    /// `provisional_deviation`.
    pub fn is_provisional(&self, s: &Standing) -> bool {
        let unsure = match &self.params {
            Params::Glicko2(p) => s.deviation >= p.provisional_deviation,
            _ => false,
        };
        unsure || s.matches < self.params.min_matches()
    }

    /// Starts a new season: ratings move toward the initial value by the `season_reset`
    /// fraction (r' = r + f·(initial − r)), uncertainty (deviation, sigma) rises back toward
    /// its initial value the same way; matches, W-D-L, streak, points and scores restart from
    /// zero. Peaks and last-played times are kept.
    pub fn season_reset(&mut self) {
        let f = self.params.season_reset();
        let init = self.initial();
        let toward = |x: f64, target: f64| x + f * (target - x);
        for chunk in &mut self.chunks {
            for s in Arc::make_mut(chunk).iter_mut().flatten() {
                s.rating = toward(s.rating, init.rating);
                s.deviation = toward(s.deviation, init.deviation);
                s.mu = toward(s.mu, init.mu);
                s.sigma = toward(s.sigma, init.sigma);
                s.points = 0;
                s.scored = 0.0;
                s.conceded = 0.0;
                s.matches = 0;
                s.wins = 0;
                s.draws = 0;
                s.losses = 0;
                s.streak = 0;
            }
        }
    }

    /// A snapshot of every standing.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            chunks: self.chunks.clone(),
        }
    }

    /// An engine with `params` holding exactly `standings` (participants in any order): the
    /// inverse of [`Engine::standings`], for a league loaded from a snapshot.
    pub fn from_standings(
        params: Params,
        standings: impl IntoIterator<Item = (u32, Standing)>,
    ) -> Engine {
        let mut engine = Engine::new(params);
        for (participant, standing) in standings {
            engine.insert(participant, standing);
        }
        engine
    }

    /// Puts every standing back as it was at `c`.
    pub fn restore(&mut self, c: &Checkpoint) {
        self.chunks.clone_from(&c.chunks);
    }

    /// Updates the season record (matches, W-D-L, streak, points, scores, peak, last played)
    /// of every participant of `m`, given in team order.
    fn record(&self, m: &MatchInput, players: &mut [Standing]) {
        let best = m.teams.iter().map(|t| t.rank).min().unwrap_or(1);
        let first_places = m.teams.iter().filter(|t| t.rank == best).count();
        let all_scored = m.teams.iter().all(|t| t.score.is_some());
        let total: f64 = m.teams.iter().filter_map(|t| t.score).sum();
        let mut players = players.iter_mut();
        for team in m.teams {
            let result = match (team.rank == best, first_places) {
                (true, 1) => Place::Won,
                (true, _) => Place::Drew,
                (false, _) => Place::Lost,
            };
            for s in players.by_ref().take(team.participants.len()) {
                s.matches += 1;
                s.last_played = s.last_played.max(m.played_at);
                match result {
                    Place::Won => {
                        s.wins += 1;
                        s.streak = s.streak.max(0) + 1;
                    }
                    Place::Drew => {
                        s.draws += 1;
                        s.streak = 0;
                    }
                    Place::Lost => {
                        s.losses += 1;
                        s.streak = s.streak.min(0) - 1;
                    }
                }
                if let Params::Points(p) = &self.params {
                    s.points += match result {
                        Place::Won => p.win,
                        Place::Drew => p.draw,
                        Place::Lost => p.loss,
                    };
                }
                if let (true, Some(own)) = (all_scored, team.score) {
                    s.scored += own;
                    s.conceded += total - own;
                }
                s.peak_display = s.peak_display.max(self.display(s));
            }
        }
    }

    fn slot_mut(&mut self, participant: u32) -> &mut Option<Standing> {
        let (chunk, slot) = locate(participant);
        if self.chunks.len() <= chunk {
            // Skipped chunks share one empty chunk until written; ids are dense, so a gap is
            // rare, and memory grows with the highest id rather than with the id count.
            let empty: Chunk = Arc::new(vec![None; CHUNK]);
            self.chunks.resize(chunk + 1, empty);
        }
        &mut Arc::make_mut(&mut self.chunks[chunk])[slot]
    }
}

impl Checkpoint {
    /// Every standing the checkpoint holds, by ascending id.
    pub fn standings(&self) -> impl Iterator<Item = (u32, &Standing)> {
        standings_of(&self.chunks)
    }
}

fn standings_of(chunks: &[Chunk]) -> impl Iterator<Item = (u32, &Standing)> {
    chunks.iter().enumerate().flat_map(|(c, chunk)| {
        chunk
            .iter()
            .enumerate()
            .filter_map(move |(i, s)| Some(((c * CHUNK + i) as u32, s.as_ref()?)))
    })
}

impl Standing {
    /// Every number zero: the base of a new standing, and a placeholder.
    fn zero() -> Standing {
        Standing {
            rating: 0.0,
            deviation: 0.0,
            volatility: 0.0,
            mu: 0.0,
            sigma: 0.0,
            points: 0,
            scored: 0.0,
            conceded: 0.0,
            matches: 0,
            wins: 0,
            draws: 0,
            losses: 0,
            streak: 0,
            peak_display: 0.0,
            last_played: 0,
        }
    }
}

fn locate(participant: u32) -> (usize, usize) {
    let p = participant as usize;
    (p / CHUNK, p % CHUNK)
}

fn count(teams: &[TeamInput]) -> usize {
    teams.iter().map(|t| t.participants.len()).sum()
}
