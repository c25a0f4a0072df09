//! `/leagues/{slug}/matches`: record matches (one, or an atomic array; `external_id` makes a
//! retry return the first result), edit them, and void them. Ratings follow matches in
//! (played_at, id) order; a late, edited or voided match replays from the nearest checkpoint.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use podium_core::ids::ParticipantId;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    extract::{ApiJson, ApiPath, JsonBody, parse_json},
    league_views::MatchView,
    leagues::{find, write_error},
    standings::views,
};
use crate::{
    error::{ApiError, ApiResult, ErrorCode, Problem},
    leagues::matches as db,
    leagues::write::{self, MatchSpec},
    state::AppState,
    sync::read,
};

/// Most matches in one request.
pub const MAX_MATCHES: usize = 10_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_matches))
        .routes(routes!(update_match, void_match))
        .routes(routes!(import_matches))
}

/// One team of a match: ranks (1 = winner, equal = draw) or scores (higher wins), the same kind
/// for every team of the match.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamBody {
    participants: Vec<String>,
    rank: Option<u32>,
    score: Option<f64>,
}

/// A match to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchBody {
    /// RFC 3339.
    played_at: DateTime<Utc>,
    teams: Vec<TeamBody>,
    /// Makes recording idempotent: a retry with the same id returns the first result.
    external_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    metadata: Option<serde_json::Value>,
}

/// The request body: one match, or an array recorded atomically.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // Only describes the body in the OpenAPI document.
pub enum RecordBody {
    One(MatchBody),
    Many(Vec<MatchBody>),
}

/// Validates a match at the edge; `at` prefixes field paths in a batch.
pub(super) fn spec(body: MatchBody, at: &str) -> ApiResult<MatchSpec> {
    let field = |f: String| format!("{at}{f}");
    if body.teams.len() < 2 {
        return Err(ApiError::field(
            ErrorCode::ValidationFailed,
            field("teams".into()),
            format!(
                "a match needs at least two teams (got {})",
                body.teams.len()
            ),
        ));
    }
    let by_rank = body.teams[0].rank.is_some();
    let mut seen = std::collections::HashSet::new();
    for (t, team) in body.teams.iter().enumerate() {
        if team.participants.is_empty() {
            return Err(ApiError::field(
                ErrorCode::ValidationFailed,
                field(format!("teams[{t}].participants")),
                "a team needs at least one participant",
            ));
        }
        for (i, p) in team.participants.iter().enumerate() {
            ParticipantId::parse(p).map_err(|e| {
                ApiError::field(
                    ErrorCode::ValidationFailed,
                    field(format!("teams[{t}].participants[{i}]")),
                    e.to_string(),
                )
            })?;
            if !seen.insert(p.as_str()) {
                return Err(ApiError::field(
                    ErrorCode::ValidationFailed,
                    field(format!("teams[{t}].participants[{i}]")),
                    format!("'{p}' appears more than once in this match"),
                ));
            }
        }
        match (by_rank, team.rank, team.score) {
            (true, Some(0), _) => {
                return Err(ApiError::field(
                    ErrorCode::ValidationFailed,
                    field(format!("teams[{t}].rank")),
                    "ranks start at 1",
                ));
            }
            (true, Some(_), _) | (false, None, Some(_)) => {}
            (true, None, _) => {
                return Err(ApiError::field(
                    ErrorCode::ValidationFailed,
                    field(format!("teams[{t}].rank")),
                    "give every team a rank, or every team a score",
                ));
            }
            (false, _, _) => {
                return Err(ApiError::field(
                    ErrorCode::ValidationFailed,
                    field(format!("teams[{t}].score")),
                    "give every team a score, or every team a rank",
                ));
            }
        }
        if let Some(s) = team.score
            && !s.is_finite()
        {
            return Err(ApiError::field(
                ErrorCode::ValidationFailed,
                field(format!("teams[{t}].score")),
                "must be a finite number",
            ));
        }
    }
    if let Some(e) = &body.external_id
        && (e.is_empty() || e.chars().count() > 200)
    {
        return Err(ApiError::field(
            ErrorCode::ValidationFailed,
            field("external_id".into()),
            "must be 1 to 200 characters",
        ));
    }
    let metadata = match body.metadata {
        Some(m) if !m.is_object() => {
            return Err(ApiError::field(
                ErrorCode::ValidationFailed,
                field("metadata".into()),
                "must be a JSON object",
            ));
        }
        Some(m) => m,
        None => serde_json::json!({}),
    };
    let teams = body
        .teams
        .iter()
        .map(|team| {
            let rank = match (by_rank, team.rank, team.score) {
                (true, Some(r), _) => r,
                // Higher score wins: rank = 1 + teams with a strictly higher score.
                (_, _, Some(s)) => {
                    1 + body
                        .teams
                        .iter()
                        .filter(|o| o.score.is_some_and(|x| x > s))
                        .count() as u32
                }
                _ => 1,
            };
            (team.participants.clone(), rank, team.score)
        })
        .collect();
    Ok(MatchSpec {
        played_at: body.played_at,
        external_id: body.external_id,
        teams,
        metadata,
    })
}

/// Record a match, or an array of matches atomically (all or none). Participants are created on
/// first appearance. elo and glicko2 accept only 1v1 matches.
#[utoipa::path(post, path = "/leagues/{slug}/matches", tag = "matches", params(("slug" = String, Path)),
    request_body = RecordBody,
    responses((status = 201, description = "Recorded: the match (or, for an array, the matches in order)", body = MatchView),
        (status = 200, description = "A retry: every match was already recorded under its external_id", body = MatchView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn record_matches(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let league = find(&state, &slug)?;
    let array = body.is_array();
    let specs = if array {
        let bodies: Vec<MatchBody> = parse_json(&body.0)?;
        if bodies.is_empty() || bodies.len() > MAX_MATCHES {
            return Err(ApiError::field(
                ErrorCode::TooManyItems,
                "",
                format!("send 1 to {MAX_MATCHES} matches (got {})", bodies.len()),
            ));
        }
        bodies
            .into_iter()
            .enumerate()
            .map(|(i, b)| spec(b, &format!("[{i}].")))
            .collect::<ApiResult<Vec<_>>>()?
    } else {
        vec![spec(parse_json(&body.0)?, "")?]
    };
    let recorded = write::record(&state.pool, &league, specs, state.clock.now(), None)
        .await
        .map_err(write_error)?;
    let all_existing = recorded.iter().all(|r| r.existing);
    let ids: Vec<i64> = recorded.iter().map(|r| r.match_id).collect();
    // Matches recorded by this call come back from the writer; only retries are read back.
    let mut out = Vec::with_capacity(recorded.len());
    let mut read_back = Vec::new();
    {
        let data = read(&league.data);
        for r in &recorded {
            match &r.stored {
                Some((record, entries)) => {
                    let by = entries.iter().map(|h| ((h.match_id, h.num), h)).collect();
                    out.push(MatchView::new(&data, record, &by));
                }
                None => read_back.push(r.match_id),
            }
        }
    }
    if !read_back.is_empty() {
        let records = db::by_ids(&state.pool, league.id(), &read_back).await?;
        out.extend(views(&state, &league, records).await?);
    }
    // Keep the request's order, repeats included.
    let by_id: std::collections::HashMap<i64, usize> =
        out.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    let status = if all_existing {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let json = if array {
        let list: Vec<&MatchView> = ids
            .iter()
            .filter_map(|id| by_id.get(id).map(|i| &out[*i]))
            .collect();
        serde_json::to_value(list)
    } else {
        serde_json::to_value(out.swap_remove(0))
    }
    .map_err(ApiError::internal)?;
    Ok((status, Json(json)))
}

/// Edit a match: the whole new description (teams, played_at, metadata) replaces the old one and
/// ratings are recomputed from the earlier of the two positions.
#[utoipa::path(patch, path = "/leagues/{slug}/matches/{id}", tag = "matches",
    params(("slug" = String, Path), ("id" = i64, Path)), request_body = MatchBody,
    responses((status = 200, body = MatchView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn update_match(
    State(state): State<AppState>,
    axum::Extension(ctx): axum::Extension<crate::audit::Context>,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<MatchBody>,
) -> ApiResult<Json<MatchView>> {
    let league = find(&state, &slug)?;
    let spec = spec(body, "")?;
    if spec.external_id.is_some() {
        return Err(ApiError::field(
            ErrorCode::ImmutableField,
            "external_id",
            "a match's external id cannot change",
        ));
    }
    write::amend(
        &state.pool,
        &league,
        id,
        Some(spec),
        state.clock.now(),
        &ctx,
    )
    .await
    .map_err(write_error)?;
    let records = db::by_ids(&state.pool, league.id(), &[id]).await?;
    let mut out = views(&state, &league, records).await?;
    out.pop()
        .map(Json)
        .ok_or_else(|| ApiError::new(ErrorCode::MatchNotFound, "no such match"))
}

/// Void a match: it stays on record, marked voided, and no longer counts for ratings.
#[utoipa::path(delete, path = "/leagues/{slug}/matches/{id}", tag = "matches",
    params(("slug" = String, Path), ("id" = i64, Path)),
    responses((status = 204, description = "Voided"), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn void_match(
    State(state): State<AppState>,
    axum::Extension(ctx): axum::Extension<crate::audit::Context>,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> ApiResult<StatusCode> {
    let league = find(&state, &slug)?;
    write::amend(&state.pool, &league, id, None, state.clock.now(), &ctx)
        .await
        .map_err(write_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// What an import did.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct ImportResult {
    /// Matches recorded by this import.
    imported: usize,
    /// Matches whose external_id was already recorded (skipped).
    already_recorded: usize,
    /// The id of each match, in file order.
    match_ids: Vec<i64>,
}

/// Import matches from CSV (`text/csv`), all or nothing: one row per team with the columns
/// `match`, `played_at`, `participants` (`;`-separated), `rank` or `score`, and optionally
/// `external_id` and `metadata` (see the README). Every bad row is reported with its line.
#[utoipa::path(post, path = "/leagues/{slug}/matches:import", tag = "matches",
    params(("slug" = String, Path)),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = ImportResult),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad rows, each with its line", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn import_matches(
    State(state): State<AppState>,
    axum::Extension(ctx): axum::Extension<crate::audit::Context>,
    ApiPath(slug): ApiPath<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<ImportResult>)> {
    let league = find(&state, &slug)?;
    let csv_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            matches!(
                m.trim().to_ascii_lowercase().as_str(),
                "text/csv" | "application/csv"
            )
        });
    if !csv_type {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the file with `Content-Type: text/csv`",
        ));
    }
    let specs = crate::leagues::csv::parse(&body).map_err(|rows| {
        let n = rows.len();
        let mut e = ApiError::new(
            ErrorCode::InvalidCsv,
            format!("{n} problem(s) in the file; nothing was imported"),
        );
        e.errors = rows
            .into_iter()
            .map(|r| crate::error::FieldError {
                field: r.column.unwrap_or_default(),
                message: r.message,
                line: Some(r.line),
            })
            .collect();
        e
    })?;
    let slug_target = format!("league:{slug}");
    let recorded = write::record(
        &state.pool,
        &league,
        specs,
        state.clock.now(),
        Some((ctx, "match.import", slug_target)),
    )
    .await
    .map_err(|e| match e {
        // The engine's own checks (e.g. Elo takes only 1v1) name the match by its position.
        write::WriteError::Invalid { index, source } => ApiError::field(
            ErrorCode::InvalidCsv,
            source.field.clone(),
            format!(
                "match #{} of the file: {}",
                index.unwrap_or(0) + 1,
                source.message
            ),
        ),
        other => write_error(other),
    })?;
    let already_recorded = recorded.iter().filter(|r| r.existing).count();
    Ok((
        StatusCode::CREATED,
        Json(ImportResult {
            imported: recorded.len() - already_recorded,
            already_recorded,
            match_ids: recorded.iter().map(|r| r.match_id).collect(),
        }),
    ))
}
