//! `/audit` (admins): read the audit log with filters, newest first, cursor-paged.

use axum::{Json, extract::State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiQuery, check_limit};
use crate::{
    audit::{self, Entry, Filter},
    error::ApiResult,
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    target: Option<String>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    cursor: Option<i64>,
    /// 1–1000, default 100.
    limit: Option<i64>,
}

/// A page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    entries: Vec<Entry>,
    next_cursor: Option<i64>,
}

/// Read the audit log, newest first.
#[utoipa::path(get, path = "/audit", tag = "accounts", params(AuditQuery), responses((status = 200, body = AuditPage)))]
async fn list_audit(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    let limit = check_limit(q.limit, 100, 1000)?;
    let filter = Filter {
        actor: q.actor,
        action: q.action,
        target: q.target,
        since: q.since,
        until: q.until,
        cursor: q.cursor,
        ascending: false,
    };
    let entries = audit::list(&state.pool, &filter, limit).await?;
    let next_cursor = (entries.len() as i64 == limit)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(Json(AuditPage {
        entries,
        next_cursor,
    }))
}
