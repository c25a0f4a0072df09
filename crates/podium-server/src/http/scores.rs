//! `/leaderboards/{slug}/scores`: submit one score, or up to 10,000 atomically. Writes are
//! grouped with other requests' into one transaction and answered only after commit.

use std::sync::Arc;

use axum::{Json, extract::State};
use chrono::{DateTime, Utc};
use podium_core::ids::ParticipantId;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiPath};
use crate::{
    error::{ApiError, ApiResult, ErrorCode, Problem},
    leaderboards::scores::{Job, JobError, Submission},
    leaderboards::writer::{WriteError, Written},
    model::from_micros,
    state::AppState,
    sync::read,
};

/// Most submissions in one batch request.
pub const MAX_BATCH: usize = 10_000;
const MAX_METADATA: usize = 16 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(submit_score))
        .routes(routes!(submit_scores))
}

/// A score for the participant named in the path.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreBody {
    score: i64,
    #[serde(default)]
    subscore: i64,
    /// A JSON object kept with the entry (replaced when the kept score changes), up to 16 KiB.
    #[schema(value_type = Option<Object>)]
    metadata: Option<Box<RawValue>>,
}

/// One item of a batch submission.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchItem {
    participant: String,
    score: i64,
    #[serde(default)]
    subscore: i64,
    #[schema(value_type = Option<Object>)]
    metadata: Option<Box<RawValue>>,
}

/// The participant's entry after a submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreResult {
    participant: String,
    /// The kept score (after the leaderboard's operator).
    score: i64,
    subscore: i64,
    /// Unique rank after this submission.
    rank: Option<usize>,
    /// Unique rank before it (null for a new entry).
    previous_rank: Option<usize>,
    num_submissions: u32,
    updated_at: DateTime<Utc>,
    /// The period the score went to.
    period_id: i64,
}

fn check_metadata(field: String, metadata: &Option<Box<RawValue>>) -> ApiResult<()> {
    if let Some(m) = metadata {
        if !m.get().trim_start().starts_with('{') {
            return Err(ApiError::field(
                ErrorCode::ValidationFailed,
                field,
                "must be a JSON object",
            ));
        }
        if m.get().len() > MAX_METADATA {
            return Err(ApiError::field(
                ErrorCode::ValidationFailed,
                field,
                "must be at most 16 KiB of JSON",
            ));
        }
    }
    Ok(())
}

fn check_participant(field: String, participant: &str) -> ApiResult<String> {
    ParticipantId::parse(participant)
        .map(ParticipantId::into_inner)
        .map_err(|e| ApiError::field(ErrorCode::ValidationFailed, field, e.to_string()))
}

async fn submit(
    state: &AppState,
    slug: &str,
    items: Vec<Submission>,
) -> ApiResult<(i64, Vec<Written>)> {
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
    let (def, known_period) = {
        let lb = read(&lb);
        (
            Arc::clone(&lb.def),
            lb.current.as_ref().map(|c| (c.period_id, c.bounds)),
        )
    };
    let job = Job {
        leaderboard: def,
        known_period,
        items,
    };
    let written = state.batcher.submit(job).await.map_err(|e| match e {
        WriteError::Refused(JobError::Score { index, source }) => ApiError::field(
            ErrorCode::ScoreOverflow,
            format!("[{index}].{}", source_field(&source)),
            source.to_string(),
        ),
        WriteError::Refused(JobError::LeaderboardGone) => ApiError::leaderboard_not_found(slug),
        WriteError::Closed => ApiError::new(ErrorCode::NotReady, "the server is shutting down"),
        WriteError::Database(e) if crate::error::database_unavailable(&e) => {
            ApiError::database_unavailable(anyhow::anyhow!("{e}"))
        }
        WriteError::Database(e) => ApiError::internal(anyhow::anyhow!("{e}")),
    })?;
    let period = read(&lb).current.as_ref().map_or(0, |c| c.period_id);
    Ok((period, written))
}

fn source_field(e: &podium_core::score::ScoreError) -> &'static str {
    match e {
        podium_core::score::ScoreError::Overflow { field } => field,
    }
}

fn result(period_id: i64, w: Written) -> ScoreResult {
    ScoreResult {
        participant: w.entry.participant.to_string(),
        score: w.entry.score,
        subscore: w.entry.subscore,
        rank: w.rank,
        previous_rank: w.previous_rank,
        num_submissions: w.entry.num_submissions,
        updated_at: from_micros(w.entry.updated_at),
        period_id,
    }
}

/// Submit a score for a participant. The leaderboard's operator decides what is kept; the
/// answer comes after PostgreSQL has committed it.
#[utoipa::path(put, path = "/leaderboards/{slug}/scores/{participant}", tag = "scores",
    params(("slug" = String, Path), ("participant" = String, Path, description = "1–128 characters of `[A-Za-z0-9_.:@-]`")),
    request_body = ScoreBody,
    responses((status = 200, body = ScoreResult),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn submit_score(
    State(state): State<AppState>,
    ApiPath((slug, participant)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ScoreBody>,
) -> ApiResult<Json<ScoreResult>> {
    let participant = check_participant("participant".into(), &participant)?;
    check_metadata("metadata".into(), &body.metadata)?;
    let item = Submission {
        participant,
        score: body.score,
        subscore: body.subscore,
        metadata: body.metadata,
    };
    let (period, written) = submit(&state, &slug, vec![item]).await.map_err(|mut e| {
        // A single submission's field paths need no index.
        for f in &mut e.errors {
            if let Some(rest) = f.field.strip_prefix("[0].") {
                f.field = rest.to_owned();
            }
        }
        e
    })?;
    let w = written
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("a stored job returned no result")))?;
    Ok(Json(result(period, w)))
}

/// Submit up to 10,000 scores atomically: all are stored or none. Results come in order.
#[utoipa::path(post, path = "/leaderboards/{slug}/scores", tag = "scores",
    params(("slug" = String, Path)),
    request_body = Vec<BatchItem>,
    responses((status = 200, body = Vec<ScoreResult>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn submit_scores(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<Vec<BatchItem>>,
) -> ApiResult<Json<Vec<ScoreResult>>> {
    if body.is_empty() {
        return Err(ApiError::field(
            ErrorCode::ValidationFailed,
            "",
            "the batch is empty",
        ));
    }
    if body.len() > MAX_BATCH {
        return Err(ApiError::field(
            ErrorCode::TooManyItems,
            "",
            format!(
                "a batch holds at most {MAX_BATCH} items (got {})",
                body.len()
            ),
        ));
    }
    let mut items = Vec::with_capacity(body.len());
    for (i, item) in body.into_iter().enumerate() {
        let participant = check_participant(format!("[{i}].participant"), &item.participant)?;
        check_metadata(format!("[{i}].metadata"), &item.metadata)?;
        items.push(Submission {
            participant,
            score: item.score,
            subscore: item.subscore,
            metadata: item.metadata,
        });
    }
    let (period, written) = submit(&state, &slug, items).await?;
    Ok(Json(
        written.into_iter().map(|w| result(period, w)).collect(),
    ))
}
