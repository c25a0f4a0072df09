//! `/leagues/{slug}/matches`: record matches (one, or an atomic array; `external_id` makes a
//! retry return the first result), edit them, and void them. Ratings follow matches in
//! (played_at, id) order; a late, edited or voided match replays from the nearest checkpoint.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use podium_core::{
    league::submission::{self, Submission, TeamResult, TeamSubmission},
    rating::Params,
};
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

impl From<MatchBody> for Submission {
    fn from(body: MatchBody) -> Submission {
        Submission {
            played_at: body.played_at,
            teams: body
                .teams
                .into_iter()
                .map(|t| TeamSubmission {
                    participants: t.participants,
                    result: TeamResult {
                        rank: t.rank,
                        score: t.score,
                    },
                })
                .collect(),
            external_id: body.external_id,
            metadata: body.metadata,
        }
    }
}

/// Checks a match at the edge with the league's rules (the same as a CSV import's); the first
/// problem is the answer, its field prefixed with `at` in a batch (`[3].`).
pub(super) fn spec(body: MatchBody, params: &Params, at: &str) -> ApiResult<MatchSpec> {
    submission::validate(&body.into(), params)
        .map(MatchSpec::from)
        .map_err(|problems| {
            let first = &problems[0];
            ApiError::field(
                ErrorCode::ValidationFailed,
                format!("{at}{}", first.field),
                first.problem.to_string(),
            )
        })
}

/// The rules' parameters of a league (its system decides the shapes it rates).
fn params_of(league: &crate::leagues::League) -> Params {
    read(&league.data).engine().params().clone()
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
    let params = params_of(&league);
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
            .map(|(i, b)| spec(b, &params, &format!("[{i}].")))
            .collect::<ApiResult<Vec<_>>>()?
    } else {
        vec![spec(parse_json(&body.0)?, &params, "")?]
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
    let spec = spec(body, &params_of(&league), "")?;
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
    let specs = crate::leagues::csv::parse(&body, &params_of(&league)).map_err(|rows| {
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

#[cfg(test)]
mod tests {
    //! The JSON API and the CSV import judge a match by the same rules: whatever a match is,
    //! both accept it as the same match or both refuse it.

    use serde_json::{Value, json};

    use super::*;

    /// A small deterministic generator (xorshift), so a failure repeats.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }

        fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
            &from[self.below(from.len() as u64) as usize]
        }
    }

    /// A team as (participants, rank, score), each maybe absent or out of range.
    type Team = (Vec<&'static str>, Option<u32>, Option<f64>);

    /// A team; now and then a fault: a bad id, a result of the other kind, both, neither, or
    /// one out of range. `by_rank` is the kind most teams of the match give.
    fn team(g: &mut Gen, by_rank: bool) -> Team {
        let pool = [
            "ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal", "x:y@z",
        ];
        let size = 1 + g.below(2) as usize;
        let mut participants: Vec<&str> = (0..size).map(|_| *g.pick(&pool)).collect();
        if g.below(30) == 0 {
            participants.push("b d");
        }
        let (rank, score) = match (g.below(30), by_rank) {
            (0, _) => (Some(1), Some(1.0)),
            (1, _) => (None, None),
            (2, _) => (Some(*g.pick(&[0, 32_768])), None),
            (3, true) | (4..=29, false) => (None, Some(*g.pick(&[-1.5, 0.0, -0.0, 2.0, 7.25]))),
            _ => (Some(*g.pick(&[1, 2, 3, 32_767])), None),
        };
        (participants, rank, score)
    }

    struct Case {
        played_at: &'static str,
        teams: Vec<Team>,
        external_id: Option<String>,
        metadata: Option<Value>,
    }

    fn case(g: &mut Gen) -> Case {
        let times = [
            "2026-03-01T18:30:00Z",
            "2026-03-01T19:30:00.1234567+01:00",
            "2026-03-01T18:30:00Z",
            "0000-01-01T00:30:00+01:00",
        ];
        let metadata = [
            None,
            Some(json!({"map": "d, \"2\""})),
            None,
            Some(json!([1])),
        ];
        let ids = [None, Some("g-1".to_owned()), None, Some("x".repeat(201))];
        let by_rank = g.below(2) == 0;
        Case {
            played_at: times[g.below(times.len() as u64) as usize],
            teams: (0..1 + g.below(4)).map(|_| team(g, by_rank)).collect(),
            external_id: g.pick(&ids).clone(),
            metadata: g.pick(&metadata).clone(),
        }
    }

    fn by_json(c: &Case, params: &Params) -> Option<MatchSpec> {
        let teams: Vec<Value> = c
            .teams
            .iter()
            .map(|(p, rank, score)| {
                let mut t = json!({"participants": p});
                if let Some(r) = rank {
                    t["rank"] = json!(r);
                }
                if let Some(s) = score {
                    t["score"] = json!(s);
                }
                t
            })
            .collect();
        let mut body = json!({"played_at": c.played_at, "teams": teams});
        if let Some(e) = &c.external_id {
            body["external_id"] = json!(e);
        }
        if let Some(m) = &c.metadata {
            body["metadata"] = m.clone();
        }
        let body: MatchBody = serde_json::from_value(body).expect("the body's types");
        spec(body, params, "").ok()
    }

    fn by_csv(c: &Case, params: &Params) -> Option<MatchSpec> {
        let quoted = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let mut file =
            String::from("match,played_at,participants,rank,score,external_id,metadata\n");
        for (i, (p, rank, score)) in c.teams.iter().enumerate() {
            let metadata = match (&c.metadata, i) {
                (Some(m), 0) => quoted(&m.to_string()),
                _ => String::new(),
            };
            let cell = |v: Option<String>| v.unwrap_or_default();
            file.push_str(&format!(
                "m,{},{},{},{},{},{}\n",
                c.played_at,
                p.join(";"),
                cell(rank.map(|r| r.to_string())),
                cell(score.map(|s| s.to_string())),
                cell(c.external_id.clone()),
                metadata
            ));
        }
        crate::leagues::csv::parse(file.as_bytes(), params)
            .ok()
            .map(|mut specs| {
                assert_eq!(specs.len(), 1, "{file}");
                specs.swap_remove(0)
            })
    }

    #[test]
    fn the_json_api_and_the_csv_import_accept_the_same_matches_as_the_same_match() {
        let mut g = Gen(0x9E37_79B9_7F4A_7C15);
        let mut accepted = 0;
        for system in ["elo", "trueskill", "points"] {
            let params = Params::parse(system, &Value::Null).expect("params");
            for _ in 0..3_000 {
                let c = case(&mut g);
                let (json, csv) = (by_json(&c, &params), by_csv(&c, &params));
                assert_eq!(json, csv, "{system}: {:?}", c.teams);
                accepted += usize::from(json.is_some());
            }
        }
        assert!(
            accepted > 400,
            "the cases reach valid matches too ({accepted})"
        );
    }
}
