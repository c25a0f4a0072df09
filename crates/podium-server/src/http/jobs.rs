//! `/jobs/{id}`: the state, progress and duration of a background job.

use axum::{Json, extract::State};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::ApiPath;
use crate::{
    error::{ApiError, ApiResult, ErrorCode, Problem},
    jobs::{self, JobRow},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_job))
}

/// A background job.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    id: uuid::Uuid,
    /// `recompute`.
    kind: String,
    league: Option<String>,
    /// `queued`, `running`, `succeeded` or `failed`.
    state: String,
    /// 0 to 1.
    progress: f64,
    done: i64,
    total: i64,
    error: Option<String>,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    /// Seconds from start to finish (or to now while running).
    duration_seconds: Option<f64>,
}

impl From<JobRow> for JobView {
    fn from(j: JobRow) -> Self {
        let duration_seconds = j.started_at.map(|s| {
            (j.finished_at.unwrap_or_else(Utc::now) - s).num_milliseconds() as f64 / 1000.0
        });
        Self {
            id: j.id,
            kind: j.kind,
            league: j.league,
            state: j.state,
            progress: j.progress,
            done: j.done,
            total: j.total,
            error: j.error,
            created_at: j.created_at,
            started_at: j.started_at,
            finished_at: j.finished_at,
            duration_seconds,
        }
    }
}

/// Read a job.
#[utoipa::path(get, path = "/jobs/{id}", tag = "jobs", params(("id" = String, Path)),
    responses((status = 200, body = JobView), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_job(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<JobView>> {
    let not_found = || ApiError::new(ErrorCode::NotFound, format!("no job has the id '{id}'"));
    let uuid = uuid::Uuid::parse_str(&id).map_err(|_| not_found())?;
    let job = jobs::get(&state.pool, uuid).await?.ok_or_else(not_found)?;
    Ok(Json(job.into()))
}
