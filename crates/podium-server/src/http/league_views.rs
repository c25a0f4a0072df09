//! JSON shapes of leagues: the league, a participant's standing, and a match with the rating
//! change of each participant.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use podium_core::rating::Standing;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    leagues::LeagueData,
    leagues::{history::HistoryEntry, matches::MatchRecord},
};

/// A league.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeagueView {
    pub slug: String,
    pub name: String,
    /// `elo`, `glicko2`, `trueskill`, `weng_lin` or `points`.
    pub system: String,
    /// Every parameter with its effective value.
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
    /// The current season (from 1).
    pub season: i32,
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    /// `public` or `private`.
    pub visibility: String,
    /// Participants who played this season.
    pub participants: usize,
    /// Matches rated this season.
    pub matches: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl LeagueView {
    pub fn new(data: &LeagueData) -> Self {
        let d = &data.def;
        Self {
            slug: d.slug.clone(),
            name: d.name.clone(),
            system: d.system.clone(),
            params: d.params.clone(),
            season: d.season,
            metadata: d.metadata.clone(),
            visibility: d.visibility.as_str().to_owned(),
            participants: data.all.len(),
            matches: data.ratings.matches,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// The numbers of a rating system that apply to a league; the others are left out.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct RatingNumbers {
    /// What standings are ordered by: the rating (elo, glicko2), `mu − z·sigma` (trueskill,
    /// weng_lin) or points.
    pub display_rating: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deviation: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volatility: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mu: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sigma: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<i64>,
}

/// The raw numbers of a standing (all systems' fields; unused ones are 0).
#[derive(Clone, Copy, Debug, Default)]
pub struct Raw {
    pub rating: f64,
    pub deviation: f64,
    pub volatility: f64,
    pub mu: f64,
    pub sigma: f64,
    pub points: i64,
}

impl From<&Standing> for Raw {
    fn from(s: &Standing) -> Self {
        Self {
            rating: s.rating,
            deviation: s.deviation,
            volatility: s.volatility,
            mu: s.mu,
            sigma: s.sigma,
            points: s.points,
        }
    }
}

/// Picks the numbers a system uses.
pub fn numbers(system: &str, display: f64, raw: Raw) -> RatingNumbers {
    let Raw {
        rating,
        deviation,
        volatility,
        mu,
        sigma,
        points,
    } = raw;
    let mut n = RatingNumbers {
        display_rating: display,
        ..RatingNumbers::default()
    };
    match system {
        "elo" => n.rating = Some(rating),
        "glicko2" => {
            n.rating = Some(rating);
            n.deviation = Some(deviation);
            n.volatility = Some(volatility);
        }
        "trueskill" | "weng_lin" => {
            n.mu = Some(mu);
            n.sigma = Some(sigma);
        }
        _ => n.points = Some(points),
    }
    n
}

/// A participant's place in a league.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandingView {
    /// Rank among established participants (null while provisional, unless provisional
    /// participants were asked for).
    pub rank: Option<usize>,
    pub participant: String,
    #[serde(flatten)]
    pub numbers: RatingNumbers,
    pub matches: u32,
    pub wins: u32,
    pub draws: u32,
    pub losses: u32,
    /// +n: n wins in a row; −n: n losses in a row; 0 after a draw.
    pub streak: i32,
    /// Highest display rating reached.
    pub peak_rating: f64,
    /// Still provisional: too few matches, or (glicko2) a deviation at or above
    /// `provisional_deviation`.
    pub provisional: bool,
    /// Points leagues and leagues with scores: totals for and against.
    pub scored: f64,
    pub conceded: f64,
}

impl StandingView {
    pub fn new(data: &LeagueData, rank: Option<usize>, name: &str, s: &Standing) -> Self {
        let engine = data.engine();
        Self {
            rank,
            participant: name.to_owned(),
            numbers: numbers(&data.def.system, engine.display(s), Raw::from(s)),
            matches: s.matches,
            wins: s.wins,
            draws: s.draws,
            losses: s.losses,
            streak: s.streak,
            peak_rating: s.peak_display,
            provisional: engine.is_provisional(s),
            scored: s.scored,
            conceded: s.conceded,
        }
    }
}

/// One participant's side of a match.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchParticipant {
    pub participant: String,
    /// Display rating before and after the match (null for a voided match).
    pub rating_before: Option<f64>,
    pub rating_after: Option<f64>,
}

/// One team of a match.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchTeam {
    /// 1 = winner; equal ranks drew.
    pub rank: u32,
    pub score: Option<f64>,
    pub participants: Vec<MatchParticipant>,
}

/// A recorded match.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchView {
    pub id: i64,
    pub played_at: DateTime<Utc>,
    pub season: i32,
    pub external_id: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    pub voided: bool,
    pub teams: Vec<MatchTeam>,
}

impl MatchView {
    pub fn new(
        data: &LeagueData,
        m: &MatchRecord,
        history: &HashMap<(i64, i32), &HistoryEntry>,
    ) -> Self {
        let mut teams: Vec<MatchTeam> = m
            .team_rank
            .iter()
            .enumerate()
            .map(|(i, r)| MatchTeam {
                rank: *r as u32,
                score: m.team_score.as_ref().and_then(|s| s.get(i).copied()),
                participants: Vec::new(),
            })
            .collect();
        for (num, team) in m.participants.iter().zip(&m.team_of) {
            let h = history.get(&(m.id, *num));
            if let Some(t) = teams.get_mut(*team as usize) {
                t.participants.push(MatchParticipant {
                    participant: data.name(*num as u32).to_owned(),
                    rating_before: h.map(|h| h.display_before),
                    rating_after: h.map(|h| h.display_after),
                });
            }
        }
        Self {
            id: m.id,
            played_at: m.played_at,
            season: m.season,
            external_id: m.external_id.clone(),
            metadata: m.metadata.clone(),
            voided: m.voided_at.is_some(),
            teams,
        }
    }
}
