//! `/leaderboards/{slug}/entries`: ranked pages with cursors, friends boards, one entry, the
//! neighbourhood around a participant, and erasing a participant. Every rank comes from the
//! in-memory index, never from counting rows in SQL.

use std::sync::Arc;

use axum::{Json, extract::State, http::StatusCode};
use podium_core::board::CursorKey;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    extract::{ApiPath, ApiQuery, check_limit_usize},
    views::{EntryView, PeriodView, Ranking, with_profiles},
};
use crate::{
    error::{ApiError, ApiResult, ErrorCode, Problem},
    leaderboards::BoardState,
    leaderboards::store as db,
    state::AppState,
    sync::{read, write},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_entries))
        .routes(routes!(get_entry, delete_entry))
        .routes(routes!(entries_around))
}

/// Runs `f` on the board of the requested period: the current one by default (an empty board
/// when the running period has no score yet), or a past one by id, loaded on demand.
async fn with_board<T>(
    state: &AppState,
    slug: &str,
    period: Option<i64>,
    f: impl FnOnce(&BoardState, Option<i64>) -> ApiResult<T>,
) -> ApiResult<T> {
    if !state.is_warm() {
        return Err(ApiError::new(
            ErrorCode::NotReady,
            "the rank index is still loading",
        ));
    }
    let lb = state
        .ranks
        .by_slug(slug)
        .ok_or_else(|| ApiError::leaderboard_not_found(slug))?;
    let id = {
        let guard = read(&lb);
        let logical = guard.def.period_at(state.clock.now());
        match (&guard.current, period) {
            (Some(c), None) if c.bounds.starts_at == logical.starts_at => {
                return f(c, Some(c.period_id));
            }
            (_, None) => {
                let empty = BoardState::new(0, logical, guard.def.order);
                return f(&empty, None);
            }
            (Some(c), Some(p)) if c.period_id == p => return f(c, Some(p)),
            (_, Some(p)) => (guard.def.id, p),
        }
    };
    let (lb_id, period_id) = id;
    let cached = write(&lb).past(period_id);
    let board = match cached {
        Some(b) => b,
        None => {
            let bounds = db::find_period(&state.pool, lb_id, period_id)
                .await?
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::PeriodNotFound,
                        format!("leaderboard '{slug}' has no period {period_id}"),
                    )
                })?;
            let mut conn = state.pool.acquire().await?;
            let (entries, metadata) = db::load_board(&mut conn, period_id).await?;
            let order = read(&lb).def.order;
            let board = Arc::new(BoardState::load(
                period_id, bounds, order, entries, metadata,
            ));
            write(&lb).remember(board.clone());
            board
        }
    };
    f(&board, Some(period_id))
}

#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    /// Period id (0: the running period had no id).
    p: i64,
    s: i64,
    ss: i64,
    t: i64,
    id: String,
}

fn encode_cursor(period: Option<i64>, key: CursorKey) -> String {
    let c = Cursor {
        p: period.unwrap_or(0),
        s: key.score,
        ss: key.subscore,
        t: key.reached_at,
        id: key.participant,
    };
    super::cursor::encode(&c)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// Entries per page, 1–1000 (default 50).
    limit: Option<usize>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// A period id from `/periods` (default: the running period).
    period: Option<i64>,
    #[param(inline)]
    ranking: Option<Ranking>,
    /// Comma-separated participant ids: return just those entries (a friends board), up to 100.
    participants: Option<String>,
}

/// A page of ranked entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryPage {
    entries: Vec<EntryView>,
    /// Pass as `cursor` for the next page; null on the last page.
    next_cursor: Option<String>,
    /// Entries in the period.
    total: usize,
    period: PeriodView,
}

/// List ranked entries. Pages continue from the previous page's last entry (keyset), so an
/// entry that keeps its score is neither skipped nor repeated while others write.
#[utoipa::path(get, path = "/leaderboards/{slug}/entries", tag = "entries",
    params(("slug" = String, Path), ListQuery),
    responses((status = 200, body = EntryPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn list_entries(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<EntryPage>> {
    let limit = check_limit_usize(q.limit, 50, 1000)?;
    let ranking = q.ranking.unwrap_or_default();
    let cursor = q
        .cursor
        .as_deref()
        .map(super::cursor::decode::<Cursor>)
        .transpose()?;
    let period = period_of(cursor.as_ref(), q.period)?;
    let wanted = q
        .participants
        .as_deref()
        .map(participant_list)
        .transpose()?;
    let mut page = with_board(&state, &slug, period, |b, period_id| {
        let period_view = PeriodView::new(period_id, b.bounds);
        if let Some(ids) = wanted {
            let mut found: Vec<(usize, EntryView)> = ids
                .iter()
                .filter_map(|id| {
                    b.board
                        .get(id)
                        .map(|(r, e)| (r, EntryView::new(b, ranking, r, e)))
                })
                .collect();
            found.sort_by_key(|(r, _)| *r);
            found.dedup_by_key(|(r, _)| *r);
            return Ok(EntryPage {
                entries: found.into_iter().map(|(_, e)| e).collect(),
                next_cursor: None,
                total: b.board.len(),
                period: period_view,
            });
        }
        let start = match &cursor {
            Some(c) => b.board.rank_after(&CursorKey {
                score: c.s,
                subscore: c.ss,
                reached_at: c.t,
                participant: c.id.clone(),
            }),
            None => 1,
        };
        let page: Vec<_> = b.board.iter_from(start).take(limit).collect();
        let next_cursor = match page.last() {
            Some((rank, e)) if *rank < b.board.len() => {
                Some(encode_cursor(period_id, e.cursor_key()))
            }
            _ => None,
        };
        Ok(EntryPage {
            entries: page
                .into_iter()
                .map(|(r, e)| EntryView::new(b, ranking, r, e))
                .collect(),
            next_cursor,
            total: b.board.len(),
            period: period_view,
        })
    })
    .await?;
    // Profiles are read after the index lock is released, for the whole page at once.
    with_profiles(&state.profiles, &mut page.entries);
    Ok(Json(page))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct EntryQuery {
    period: Option<i64>,
    #[param(inline)]
    ranking: Option<Ranking>,
}

/// Read one participant's entry with its rank.
#[utoipa::path(get, path = "/leaderboards/{slug}/entries/{participant}", tag = "entries",
    params(("slug" = String, Path), ("participant" = String, Path), EntryQuery),
    responses((status = 200, body = EntryView),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_entry(
    State(state): State<AppState>,
    ApiPath((slug, participant)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<EntryQuery>,
) -> ApiResult<Json<EntryView>> {
    let ranking = q.ranking.unwrap_or_default();
    let mut entry = with_board(&state, &slug, q.period, |b, _| {
        let (rank, e) = b
            .board
            .get(&participant)
            .ok_or_else(|| entry_not_found(&slug, &participant))?;
        Ok(EntryView::new(b, ranking, rank, e))
    })
    .await?;
    with_profiles(&state.profiles, std::slice::from_mut(&mut entry));
    Ok(Json(entry))
}

fn entry_not_found(slug: &str, participant: &str) -> ApiError {
    ApiError::new(
        ErrorCode::EntryNotFound,
        format!("'{participant}' has no entry in this period of '{slug}'"),
    )
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct AroundQuery {
    /// Entries to return, the participant included (1–100, default 11).
    limit: Option<usize>,
    period: Option<i64>,
    #[param(inline)]
    ranking: Option<Ranking>,
}

/// Entries around a participant.
#[derive(Debug, Serialize, ToSchema)]
pub struct AroundPage {
    entries: Vec<EntryView>,
    total: usize,
    period: PeriodView,
}

/// The entries just above and below a participant, the participant included ("around me").
#[utoipa::path(get, path = "/leaderboards/{slug}/entries/{participant}/around", tag = "entries",
    params(("slug" = String, Path), ("participant" = String, Path), AroundQuery),
    responses((status = 200, body = AroundPage),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn entries_around(
    State(state): State<AppState>,
    ApiPath((slug, participant)): ApiPath<(String, String)>,
    ApiQuery(q): ApiQuery<AroundQuery>,
) -> ApiResult<Json<AroundPage>> {
    let limit = check_limit_usize(q.limit, 11, 100)?;
    let ranking = q.ranking.unwrap_or_default();
    let mut page = with_board(&state, &slug, q.period, |b, period_id| {
        let rank = b
            .board
            .rank(&participant)
            .ok_or_else(|| entry_not_found(&slug, &participant))?;
        let len = b.board.len();
        // Centre the window on the participant, sliding it at either end of the board.
        let above = (limit - 1) / 2;
        let mut start = rank.saturating_sub(above).max(1);
        if start + limit - 1 > len {
            start = len.saturating_sub(limit - 1).max(1);
        }
        Ok(AroundPage {
            entries: b
                .board
                .iter_from(start)
                .take(limit)
                .map(|(r, e)| EntryView::new(b, ranking, r, e))
                .collect(),
            total: len,
            period: PeriodView::new(period_id, b.bounds),
        })
    })
    .await?;
    with_profiles(&state.profiles, &mut page.entries);
    Ok(Json(page))
}

/// The period a page is read from: a cursor remembers its period, so paging goes on even across
/// a reset, and a cursor of another period than the one asked for is refused.
fn period_of(cursor: Option<&Cursor>, asked: Option<i64>) -> ApiResult<Option<i64>> {
    match (cursor, asked) {
        (Some(c), Some(p)) if c.p != 0 && c.p != p => Err(ApiError::field(
            ErrorCode::InvalidCursor,
            "cursor",
            "belongs to another period",
        )),
        (Some(c), None) if c.p != 0 => Ok(Some(c.p)),
        (_, p) => Ok(p),
    }
}

/// `participants=a,b,c`: 1 to 100 ids.
fn participant_list(list: &str) -> ApiResult<Vec<String>> {
    let ids: Vec<String> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if ids.is_empty() || ids.len() > 100 {
        return Err(ApiError::field(
            ErrorCode::InvalidQuery,
            "participants",
            "must list 1 to 100 participant ids",
        ));
    }
    Ok(ids)
}

/// Erase a participant's entries in every period of the leaderboard.
#[utoipa::path(delete, path = "/leaderboards/{slug}/entries/{participant}", tag = "entries",
    params(("slug" = String, Path), ("participant" = String, Path)),
    responses((status = 204, description = "Erased"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn delete_entry(
    State(state): State<AppState>,
    axum::Extension(ctx): axum::Extension<crate::audit::Context>,
    ApiPath((slug, participant)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    let lb = state
        .ranks
        .by_slug(&slug)
        .ok_or_else(|| ApiError::leaderboard_not_found(&slug))?;
    let id = read(&lb).def.id;
    if !crate::leaderboards::service::erase(&state.pool, &state.feed, id, &slug, &participant, &ctx)
        .await?
    {
        return Err(ApiError::new(
            ErrorCode::EntryNotFound,
            format!("'{participant}' has no entries in '{slug}'"),
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}
