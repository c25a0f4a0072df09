//! JSON shapes the API returns, and the helpers that build them from the index.

use chrono::{DateTime, Utc};
use podium_core::{
    board::Entry,
    score::{Operator, Order},
};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::ToSchema;

use crate::{
    leaderboards::BoardState,
    model::{Bounds, LeaderboardDef, from_micros},
    profiles::Profiles,
};

/// Sort order: `desc` ranks higher scores first, `asc` lower (times, golf).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OrderDoc {
    Desc,
    Asc,
}

/// What a submission does to the kept score: `best` keeps the better (score, subscore) pair,
/// `latest` replaces it, `increment`/`decrement` add or subtract both.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OperatorDoc {
    Best,
    Latest,
    Increment,
    Decrement,
}

/// How equal (score, subscore) pairs are ranked: `unique` (1234, ties broken by who reached
/// the score first, then participant id), `competition` (1224) or `dense` (1223).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Ranking {
    #[default]
    Unique,
    Competition,
    Dense,
}

impl Ranking {
    pub fn rank(self, state: &BoardState, unique: usize) -> usize {
        match self {
            Ranking::Unique => unique,
            Ranking::Competition => state.board.competition_rank(unique),
            Ranking::Dense => state.board.dense_rank(unique),
        }
    }
}

/// A period of a leaderboard. `id` is null for a period that has begun but holds no score yet.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PeriodView {
    pub id: Option<i64>,
    pub starts_at: DateTime<Utc>,
    /// Null when the leaderboard never resets.
    pub ends_at: Option<DateTime<Utc>>,
}

impl PeriodView {
    pub fn new(id: Option<i64>, bounds: Bounds) -> Self {
        Self {
            id,
            starts_at: bounds.starts_at,
            ends_at: bounds.ends_at,
        }
    }
}

/// A leaderboard.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaderboardView {
    pub slug: String,
    pub name: String,
    #[schema(value_type = OrderDoc)]
    pub order: Order,
    #[schema(value_type = OperatorDoc)]
    pub operator: Operator,
    /// `never`, `daily`, `weekly`, `monthly` or a cron expression.
    pub reset: String,
    /// IANA time zone the schedule is evaluated in.
    pub timezone: String,
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    /// `public` or `private`.
    pub visibility: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The period scores go to now; its `ends_at` is the next reset.
    pub current_period: PeriodView,
    /// Entries in the current period.
    pub entries: usize,
}

impl LeaderboardView {
    pub fn new(def: &LeaderboardDef, current: Option<&BoardState>, now: DateTime<Utc>) -> Self {
        let logical = def.period_at(now);
        let (id, entries) = match current {
            Some(c) if c.bounds.starts_at == logical.starts_at => {
                (Some(c.period_id), c.board.len())
            }
            _ => (None, 0),
        };
        Self {
            slug: def.slug.clone(),
            name: def.name.clone(),
            order: def.order,
            operator: def.operator,
            reset: def.reset.to_string(),
            timezone: def.timezone.name().to_owned(),
            metadata: def.metadata.clone(),
            visibility: def.visibility.as_str().to_owned(),
            created_at: def.created_at,
            updated_at: def.updated_at,
            current_period: PeriodView::new(id, logical),
            entries,
        }
    }
}

/// One ranked entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryView {
    pub rank: usize,
    pub participant: String,
    pub score: i64,
    pub subscore: i64,
    pub num_submissions: u32,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Box<RawValue>>,
    /// When the kept score was first reached (the tie-breaker after subscore).
    #[serde(serialize_with = "crate::model::rfc3339")]
    pub reached_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::model::rfc3339")]
    pub updated_at: DateTime<Utc>,
    /// From the participant's profile; null without one.
    pub display_name: Option<String>,
    /// From the participant's profile; null without an avatar.
    pub avatar_url: Option<String>,
}

impl EntryView {
    pub fn new(state: &BoardState, ranking: Ranking, unique_rank: usize, e: &Entry) -> Self {
        Self {
            rank: ranking.rank(state, unique_rank),
            participant: e.participant.to_string(),
            score: e.score,
            subscore: e.subscore,
            num_submissions: e.num_submissions,
            metadata: state.metadata_of(&e.participant).map(RawValue::to_owned),
            reached_at: from_micros(e.reached_at),
            updated_at: from_micros(e.updated_at),
            display_name: None,
            avatar_url: None,
        }
    }
}

/// Fills the profile fields of entries from the in-memory briefs.
pub fn with_profiles(profiles: &Profiles, entries: &mut [EntryView]) {
    for e in entries {
        let shown = profiles.shown(&e.participant);
        e.display_name = shown.display_name;
        e.avatar_url = shown.avatar_url;
    }
}
