//! One leaderboard's slice of the rank index: its definition, the current period's board and
//! recently read past periods.

use std::{collections::HashMap, sync::Arc};

use serde::Serialize;
use tokio::sync::broadcast;

use podium_core::{board::Board, board::Entry, score::Order};
use serde_json::value::RawValue;

use super::RankMove;
use crate::model::{Bounds, LeaderboardDef};

/// The rank index of one (leaderboard, period), plus the entries' metadata. Metadata is kept
/// in a side table so entries without any (the common case) cost nothing for it.
#[derive(Debug)]
pub struct BoardState {
    pub period_id: i64,
    pub bounds: Bounds,
    pub board: Board,
    metadata: HashMap<Box<str>, Box<RawValue>>,
}

impl BoardState {
    pub fn new(period_id: i64, bounds: Bounds, order: Order) -> Self {
        Self {
            period_id,
            bounds,
            board: Board::new(order),
            metadata: HashMap::new(),
        }
    }

    /// Builds a board from rows streamed out of PostgreSQL.
    pub fn load(
        period_id: i64,
        bounds: Bounds,
        order: Order,
        entries: Vec<Entry>,
        metadata: HashMap<Box<str>, Box<RawValue>>,
    ) -> Self {
        Self {
            period_id,
            bounds,
            board: Board::bulk_load(order, entries),
            metadata,
        }
    }

    pub fn metadata_of(&self, participant: &str) -> Option<&RawValue> {
        self.metadata.get(participant).map(|m| &**m)
    }

    fn upsert(&mut self, entry: Entry, metadata: Option<Box<RawValue>>) -> RankMove {
        match metadata {
            Some(m) => {
                self.metadata.insert(entry.participant.clone(), m);
            }
            None => {
                self.metadata.remove(&entry.participant);
            }
        }
        let participant = entry.participant.clone();
        let previous_rank = self.board.upsert(entry);
        RankMove {
            previous_rank,
            rank: self.board.rank(&participant),
        }
    }

    fn erase(&mut self, participant: &str) {
        self.board.remove(participant);
        self.metadata.remove(participant);
    }
}

/// A change to a leaderboard's current period, as sent to live event streams.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A participant's entry after a submission.
    Entry {
        participant: String,
        score: i64,
        subscore: i64,
        rank: Option<usize>,
        previous_rank: Option<usize>,
        period_id: i64,
    },
    /// A participant was erased.
    Erase { participant: String },
    /// A new period began (the board starts empty).
    Period { period_id: i64 },
}

/// Events buffered per leaderboard for live streams; a client further behind is dropped.
pub const EVENT_BUFFER: usize = 4096;

/// A leaderboard as this process knows it.
#[derive(Debug)]
pub struct LeaderboardState {
    pub def: Arc<LeaderboardDef>,
    /// Live changes for event streams; made when the first stream opens, so leaderboards
    /// nobody watches cost nothing.
    events: Option<broadcast::Sender<LiveEvent>>,
    /// The latest period that has a row in the database, if any.
    pub current: Option<BoardState>,
    /// Past periods read recently; least recently used first.
    past: Vec<Arc<BoardState>>,
    past_cap: usize,
}

impl LeaderboardState {
    pub fn new(def: Arc<LeaderboardDef>, past_cap: usize) -> Self {
        Self {
            def,
            events: None,
            current: None,
            past: Vec::new(),
            past_cap,
        }
    }

    pub fn with_current(mut self, current: Option<BoardState>) -> Self {
        self.current = current;
        self
    }

    pub(super) fn apply_score(
        &mut self,
        period_id: i64,
        entry: Entry,
        metadata: Option<Box<RawValue>>,
    ) -> RankMove {
        match &mut self.current {
            Some(current) if current.period_id == period_id => {
                let (participant, score, subscore) =
                    (entry.participant.to_string(), entry.score, entry.subscore);
                let moved = current.upsert(entry, metadata);
                self.publish(LiveEvent::Entry {
                    participant,
                    score,
                    subscore,
                    rank: moved.rank,
                    previous_rank: moved.previous_rank,
                    period_id,
                });
                moved
            }
            _ => {
                // A write to a period that is not the current one (a process whose clock lags):
                // past boards are immutable snapshots, so drop the stale copy; it reloads on demand.
                self.past.retain(|b| b.period_id != period_id);
                RankMove::default()
            }
        }
    }

    pub(super) fn erase(&mut self, participant: &str) {
        if let Some(current) = &mut self.current {
            current.erase(participant);
        }
        self.past.clear();
        self.publish(LiveEvent::Erase {
            participant: participant.to_owned(),
        });
    }

    pub(super) fn start_period(&mut self, period_id: i64, bounds: Bounds) {
        let order = self.def.order;
        match self.current.take() {
            Some(current) if current.period_id == period_id => self.current = Some(current),
            Some(current) if current.bounds.starts_at > bounds.starts_at => {
                self.current = Some(current);
            }
            Some(current) => {
                self.remember(Arc::new(current));
                self.current = Some(BoardState::new(period_id, bounds, order));
                self.publish(LiveEvent::Period { period_id });
            }
            None => {
                self.current = Some(BoardState::new(period_id, bounds, order));
                self.publish(LiveEvent::Period { period_id });
            }
        }
    }

    /// A receiver of this leaderboard's live changes.
    pub fn subscribe(&mut self) -> broadcast::Receiver<LiveEvent> {
        match &self.events {
            Some(tx) => tx.subscribe(),
            None => {
                let (tx, rx) = broadcast::channel(EVENT_BUFFER);
                self.events = Some(tx);
                rx
            }
        }
    }

    fn publish(&mut self, event: LiveEvent) {
        if let Some(tx) = &self.events {
            if tx.receiver_count() == 0 {
                // The last stream closed: free the buffer.
                self.events = None;
            } else {
                let _ = tx.send(event);
            }
        }
    }

    /// A cached past period's board.
    pub fn past(&mut self, period_id: i64) -> Option<Arc<BoardState>> {
        let at = self.past.iter().position(|b| b.period_id == period_id)?;
        let board = self.past.remove(at);
        self.past.push(board.clone());
        Some(board)
    }

    /// Keeps a past period's board for later reads, evicting the least recently used.
    pub fn remember(&mut self, board: Arc<BoardState>) {
        self.past.retain(|b| b.period_id != board.period_id);
        if self.past_cap == 0 {
            return;
        }
        if self.past.len() >= self.past_cap {
            self.past.remove(0);
        }
        self.past.push(board);
    }
}
