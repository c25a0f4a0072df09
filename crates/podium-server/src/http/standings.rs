//! League reads: standings (through the rank index), a participant's rating and record, their
//! rating history and matches, a league's recent matches, and head-to-head records.

use std::collections::HashMap;

use axum::{Json, extract::State};
use podium_core::board::CursorKey;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    cursor::{decode, encode},
    extract::{ApiPath, ApiQuery, check_limit},
    league_views::{MatchView, RatingNumbers, Raw, StandingView, numbers},
    leagues::find,
};
use crate::{
    error::{ApiError, ApiResult, ErrorCode, Problem},
    leagues::{LeagueData, MatchKey, write::final_standings},
    leagues::{
        history::{self, HistoryEntry},
        matches::{self, MatchRecord},
    },
    model::to_micros,
    state::AppState,
    sync::read,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_standings))
        .routes(routes!(get_participant))
        .routes(routes!(participant_history))
        .routes(routes!(participant_matches))
        .routes(routes!(list_matches))
        .routes(routes!(head_to_head))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct StandingsQuery {
    /// 1–1000, default 50.
    limit: Option<i64>,
    cursor: Option<String>,
    /// Include provisional participants (default false).
    include_provisional: Option<bool>,
    /// A closed season's final standings (default: the current season, live).
    season: Option<i32>,
}

/// A row of standings: the participant's standing and, from their profile, how to show them.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandingRow {
    #[serde(flatten)]
    standing: StandingView,
    /// From the participant's profile; null without one.
    display_name: Option<String>,
    /// From the participant's profile; null without an avatar.
    avatar_url: Option<String>,
}

/// Adds profile fields to a page of standings, with one query for the whole page.
async fn rows(state: &AppState, page: Vec<StandingView>) -> ApiResult<Vec<StandingRow>> {
    Ok(page
        .into_iter()
        .map(|standing| {
            let b = state.profiles.shown(&standing.participant);
            StandingRow {
                standing,
                display_name: b.display_name,
                avatar_url: b.avatar_url,
            }
        })
        .collect())
}

/// A page of standings.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandingsPage {
    standings: Vec<StandingRow>,
    next_cursor: Option<String>,
    /// Participants in this list (provisional ones only when included).
    total: usize,
    season: i32,
}

#[derive(Serialize, Deserialize)]
struct StandingsCursor {
    s: i64,
    ss: i64,
    id: String,
    /// For a closed season: the offset.
    o: usize,
}

/// Standings, ranked by display rating through the rank index. Provisional participants are
/// left out unless asked for.
#[utoipa::path(get, path = "/leagues/{slug}/standings", tag = "standings",
    params(("slug" = String, Path), StandingsQuery),
    responses((status = 200, body = StandingsPage), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn list_standings(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(q): ApiQuery<StandingsQuery>,
) -> ApiResult<Json<StandingsPage>> {
    let league = find(&state, &slug)?;
    let limit = check_limit(q.limit, 50, 1000)? as usize;
    let cursor: Option<StandingsCursor> = q.cursor.as_deref().map(decode).transpose()?;
    let include = q.include_provisional.unwrap_or(false);
    let (id, current) = {
        let d = read(&league.data);
        (d.def.id, d.def.season)
    };
    if let Some(season) = q.season.filter(|s| *s != current) {
        let finals = final_standings(&state.pool, id, season)
            .await?
            .ok_or_else(|| {
                ApiError::field(
                    ErrorCode::InvalidQuery,
                    "season",
                    format!("season {season} is not a closed season of this league"),
                )
            })?;
        let (page, next_cursor, total) = {
            let data = read(&league.data);
            let list: Vec<_> = finals
                .iter()
                .filter(|f| include || !f.provisional)
                .collect();
            let start = cursor.map_or(0, |c| c.o);
            let page: Vec<StandingView> = list
                .iter()
                .enumerate()
                .skip(start)
                .take(limit)
                .map(|(i, f)| {
                    let mut v = StandingView::new(&data, Some(i + 1), &f.participant, &f.standing);
                    v.provisional = f.provisional;
                    v.numbers.display_rating = f.display_rating;
                    v
                })
                .collect();
            let next = start + page.len();
            let next_cursor = (next < list.len()).then(|| {
                encode(&StandingsCursor {
                    s: 0,
                    ss: 0,
                    id: String::new(),
                    o: next,
                })
            });
            (page, next_cursor, list.len())
        };
        return Ok(Json(StandingsPage {
            next_cursor,
            total,
            season,
            standings: rows(&state, page).await?,
        }));
    }
    let (standings, next_cursor, total) = current_page(&league, include, limit, cursor);
    Ok(Json(StandingsPage {
        standings: rows(&state, standings).await?,
        next_cursor,
        total,
        season: current,
    }))
}

/// A page of the current season's standings from the rank index: (rows, next cursor, total).
fn current_page(
    league: &crate::leagues::League,
    include: bool,
    limit: usize,
    cursor: Option<StandingsCursor>,
) -> (Vec<StandingView>, Option<String>, usize) {
    let data = read(&league.data);
    let board = if include {
        &data.all
    } else {
        &data.established
    };
    let start = match &cursor {
        Some(c) => board.rank_after(&CursorKey {
            score: c.s,
            subscore: c.ss,
            reached_at: 0,
            participant: c.id.clone(),
        }),
        None => 1,
    };
    let mut standings = Vec::new();
    let mut last = None;
    for (rank, e) in board.iter_from(start).take(limit) {
        let Some(num) = data.nums.get(&*e.participant) else {
            continue;
        };
        let Some(s) = data.engine().standing(*num) else {
            continue;
        };
        standings.push(StandingView::new(&data, Some(rank), &e.participant, s));
        last = Some((rank, e.score, e.subscore, e.participant.to_string()));
    }
    let next_cursor = match last {
        Some((rank, s, ss, id)) if rank < board.len() => {
            Some(encode(&StandingsCursor { s, ss, id, o: 0 }))
        }
        _ => None,
    };
    (standings, next_cursor, board.len())
}

fn participant_num(data: &LeagueData, slug: &str, p: &str) -> ApiResult<u32> {
    data.nums.get(p).copied().ok_or_else(|| {
        ApiError::new(
            ErrorCode::ParticipantNotFound,
            format!("'{p}' has not played in '{slug}'"),
        )
    })
}

/// A participant's standing.
#[utoipa::path(get, path = "/leagues/{slug}/participants/{participant}", tag = "standings",
    params(("slug" = String, Path), ("participant" = String, Path)),
    responses((status = 200, body = StandingView), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_participant(
    State(state): State<AppState>,
    ApiPath((slug, p)): ApiPath<(String, String)>,
) -> ApiResult<Json<StandingView>> {
    let league = find(&state, &slug)?;
    let data = read(&league.data);
    let num = participant_num(&data, &slug, &p)?;
    let initial;
    let s = match data.engine().standing(num) {
        Some(s) => s,
        None => {
            initial = data.engine().initial();
            &initial
        }
    };
    let rank = data.established.rank(&p);
    Ok(Json(StandingView::new(&data, rank, &p, s)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    /// 1–1000, default 100.
    limit: Option<i64>,
    cursor: Option<String>,
}

/// One point of a rating history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryPoint {
    match_id: i64,
    played_at: chrono::DateTime<chrono::Utc>,
    season: i32,
    rating_before: f64,
    #[serde(flatten)]
    after: RatingNumbers,
}

/// A page of rating history, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryPage {
    history: Vec<HistoryPoint>,
    next_cursor: Option<String>,
}

/// A participant's rating after each match, oldest first.
#[utoipa::path(get, path = "/leagues/{slug}/participants/{participant}/history", tag = "standings",
    params(("slug" = String, Path), ("participant" = String, Path), PageQuery),
    responses((status = 200, body = HistoryPage), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn participant_history(
    State(state): State<AppState>,
    ApiPath((slug, p)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<HistoryPage>> {
    let league = find(&state, &slug)?;
    let limit = check_limit(q.limit, 100, 1000)?;
    let after: Option<MatchKey> = q.cursor.as_deref().map(decode).transpose()?;
    let (id, num, system) = {
        let d = read(&league.data);
        (
            d.def.id,
            participant_num(&d, &slug, &p)?,
            d.def.system.clone(),
        )
    };
    let rows = history::of_participant(&state.pool, id, num as i32, after, limit).await?;
    let next_cursor = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| encode(&history::key_of(r))))
        .flatten();
    Ok(Json(HistoryPage {
        history: rows
            .iter()
            .map(|r| HistoryPoint {
                match_id: r.match_id,
                played_at: r.played_at,
                season: r.season,
                rating_before: r.display_before,
                after: numbers(
                    &system,
                    r.display_after,
                    Raw {
                        rating: r.rating_after,
                        deviation: r.deviation_after,
                        volatility: r.volatility_after,
                        mu: r.mu_after,
                        sigma: r.sigma_after,
                        points: r.points_after,
                    },
                ),
            })
            .collect(),
        next_cursor,
    }))
}

/// A page of matches, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchPage {
    matches: Vec<MatchView>,
    next_cursor: Option<String>,
}

/// Renders matches with each participant's rating before and after.
pub(super) async fn views(
    state: &AppState,
    data_of: &crate::leagues::League,
    records: Vec<MatchRecord>,
) -> ApiResult<Vec<MatchView>> {
    let keys: Vec<_> = records.iter().map(|m| (m.played_at, m.id)).collect();
    let rows = history::of_matches(&state.pool, data_of.id(), &keys).await?;
    let by: HashMap<(i64, i32), &HistoryEntry> =
        rows.iter().map(|h| ((h.match_id, h.num), h)).collect();
    let data = read(&data_of.data);
    Ok(records
        .iter()
        .map(|m| MatchView::new(&data, m, &by))
        .collect())
}

async fn page(
    state: &AppState,
    slug: &str,
    with: Vec<&str>,
    q: PageQuery,
) -> ApiResult<Json<MatchPage>> {
    let league = find(state, slug)?;
    let limit = check_limit(q.limit, 50, 1000)?;
    let before: Option<MatchKey> = q.cursor.as_deref().map(decode).transpose()?;
    let (id, nums) = {
        let d = read(&league.data);
        let nums = with
            .iter()
            .map(|p| participant_num(&d, slug, p).map(|n| n as i32))
            .collect::<ApiResult<Vec<_>>>()?;
        (d.def.id, nums)
    };
    let records = matches::recent(&state.pool, id, &nums, before, limit).await?;
    let next_cursor = (records.len() as i64 == limit)
        .then(|| {
            records
                .last()
                .map(|m| encode(&MatchKey::new(to_micros(m.played_at), m.id)))
        })
        .flatten();
    Ok(Json(MatchPage {
        matches: views(state, &league, records).await?,
        next_cursor,
    }))
}

/// A participant's matches, newest first.
#[utoipa::path(get, path = "/leagues/{slug}/participants/{participant}/matches", tag = "matches",
    params(("slug" = String, Path), ("participant" = String, Path), PageQuery),
    responses((status = 200, body = MatchPage), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn participant_matches(
    State(state): State<AppState>,
    ApiPath((slug, p)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<MatchPage>> {
    page(&state, &slug, vec![&p], q).await
}

/// A league's matches, newest first.
#[utoipa::path(get, path = "/leagues/{slug}/matches", tag = "matches",
    params(("slug" = String, Path), PageQuery),
    responses((status = 200, body = MatchPage), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn list_matches(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<MatchPage>> {
    page(&state, &slug, Vec::new(), q).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct PairQuery {
    a: String,
    b: String,
}

/// Two participants' record against each other.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeadToHead {
    a: String,
    b: String,
    /// Matches where they were on opposing teams.
    matches: u32,
    a_wins: u32,
    b_wins: u32,
    draws: u32,
    /// The most recent of those matches, newest first (up to 20).
    recent: Vec<MatchView>,
}

/// Head-to-head record of two participants.
#[utoipa::path(get, path = "/leagues/{slug}/head-to-head", tag = "matches",
    params(("slug" = String, Path), PairQuery),
    responses((status = 200, body = HeadToHead), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn head_to_head(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(q): ApiQuery<PairQuery>,
) -> ApiResult<Json<HeadToHead>> {
    let league = find(&state, &slug)?;
    if q.a == q.b {
        return Err(ApiError::field(
            ErrorCode::InvalidQuery,
            "b",
            "must differ from a",
        ));
    }
    let (id, a, b) = {
        let d = read(&league.data);
        (
            d.def.id,
            participant_num(&d, &slug, &q.a)? as i32,
            participant_num(&d, &slug, &q.b)? as i32,
        )
    };
    let all = matches::between(&state.pool, id, a, b).await?;
    let (mut n, mut aw, mut bw, mut dr) = (0, 0, 0, 0);
    let mut opposed = Vec::new();
    for m in all {
        let (Some(ta), Some(tb)) = (matches::team_of(&m, a), matches::team_of(&m, b)) else {
            continue;
        };
        if ta == tb {
            continue;
        }
        n += 1;
        match m.team_rank[ta].cmp(&m.team_rank[tb]) {
            std::cmp::Ordering::Less => aw += 1,
            std::cmp::Ordering::Greater => bw += 1,
            std::cmp::Ordering::Equal => dr += 1,
        }
        opposed.push(m);
    }
    opposed.reverse();
    opposed.truncate(20);
    Ok(Json(HeadToHead {
        a: q.a,
        b: q.b,
        matches: n,
        a_wins: aw,
        b_wins: bw,
        draws: dr,
        recent: views(&state, &league, opposed).await?,
    }))
}
