//! One league in memory: its ratings (podium-core's [`Ratings`]: the engine of the current
//! season and its checkpoints), the participants' names, and two standings boards (everyone,
//! and established participants only; podium-core's `league::build_boards` orders them).

use std::{collections::HashMap, sync::Arc};

use podium_core::{
    board::Board,
    league::{LeagueVersion, Ratings, build_boards, update_boards},
    rating::{Engine, Params},
    score::Order,
};

use super::LeagueDef;

/// The in-memory state of one league: its definition, ratings, participant names and standings.
#[derive(Debug)]
pub struct LeagueData {
    pub def: Arc<LeagueDef>,
    /// The database version this state reflects.
    pub version: LeagueVersion,
    /// The version of the newest snapshot of this league known to be stored (see `snapshot`).
    pub stored_snapshot: LeagueVersion,
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
            stored_snapshot: LeagueVersion::default(),
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
        name_of(&self.names, num)
    }

    /// Rebuilds both standings boards from the engine.
    pub fn rebuild_boards(&mut self) {
        let names = &self.names;
        let fresh = build_boards(&self.ratings, |num| name_of(names, num));
        (self.all, self.established) = (fresh.all, fresh.established);
    }

    /// Updates the boards for participants whose standing changed (rating leagues); points
    /// leagues re-order the whole table.
    pub fn update_boards(&mut self, changed: impl IntoIterator<Item = u32>) {
        let names = &self.names;
        let name = |num| name_of(names, num);
        update_boards(
            &mut self.all,
            &mut self.established,
            &self.ratings,
            changed,
            name,
        );
    }
}

fn name_of(names: &[Box<str>], num: u32) -> &str {
    names.get(num as usize).map_or("", |n| n)
}
