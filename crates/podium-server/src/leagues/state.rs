//! One league in memory: its ratings (podium-core's [`Ratings`]: the engine of the current
//! season and its checkpoints), the participants' names, and two standings boards (everyone,
//! and established participants only) ordered by display rating through the rank index.

use std::{collections::HashMap, sync::Arc};

use podium_core::{
    board::{Board, Entry},
    league::{LeagueVersion, Ratings},
    rating::{Engine, Params, points_order},
    score::Order,
};

use super::LeagueDef;

/// Display ratings are kept in the board as integers with this many steps per rating point.
pub const DISPLAY_SCALE: f64 = 1000.0;

/// The in-memory state of one league: its definition, ratings, participant names and standings.
#[derive(Debug)]
pub struct LeagueData {
    pub def: Arc<LeagueDef>,
    /// The database version this state reflects.
    pub version: LeagueVersion,
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
            version: LeagueVersion::default(),
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
