//! `/leaderboards`: create, list, read, change and delete leaderboards, and list their periods.

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use podium_core::{
    ids::Slug,
    score::{Operator, Order},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    extract::{ApiJson, ApiPath, ApiQuery},
    views::{LeaderboardView, OperatorDoc, OrderDoc, PeriodView},
};
pub(super) use crate::leaderboards::service::{validate_name, validate_visibility};
use crate::model::Visibility;
use crate::{
    error::{ApiError, ApiResult, ErrorCode, Problem},
    leaderboards::{
        service::{self, validate_metadata, validate_reset, validate_timezone},
        store::{self as db, LeaderboardPatch, NewLeaderboard},
    },
    state::AppState,
    sync::read,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_leaderboard, list_leaderboards))
        .routes(routes!(
            get_leaderboard,
            update_leaderboard,
            delete_leaderboard
        ))
        .routes(routes!(list_periods))
}

/// A new leaderboard.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLeaderboard {
    /// 1–64 characters of `[a-z0-9_-]`, starting with a letter or digit.
    #[schema(pattern = "^[a-z0-9][a-z0-9_-]{0,63}$")]
    slug: String,
    /// 1–200 characters, not only spaces.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    name: String,
    #[serde(default = "default_order")]
    #[schema(value_type = OrderDoc, default = "desc")]
    order: Order,
    #[serde(default = "default_operator")]
    #[schema(value_type = OperatorDoc, default = "best")]
    operator: Operator,
    /// `never` (default), `daily`, `weekly`, `monthly` or a cron expression such as `0 0 * * 1`.
    #[serde(default = "default_reset")]
    reset: String,
    /// IANA time zone for the reset schedule (default `UTC`).
    timezone: Option<String>,
    #[schema(value_type = Option<Object>)]
    metadata: Option<serde_json::Value>,
    /// `public` (default: anyone may read) or `private` (a session or a `read` key).
    visibility: Option<String>,
}

/// Checks a visibility value.
fn default_order() -> Order {
    Order::Desc
}
fn default_operator() -> Operator {
    Operator::Best
}
fn default_reset() -> String {
    "never".to_owned()
}

/// Changes to a leaderboard. `order` and `operator` cannot change after creation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLeaderboard {
    name: Option<String>,
    #[schema(value_type = Option<Object>)]
    metadata: Option<serde_json::Value>,
    reset: Option<String>,
    timezone: Option<String>,
    visibility: Option<String>,
    #[schema(value_type = Option<OrderDoc>)]
    order: Option<serde_json::Value>,
    #[schema(value_type = Option<OperatorDoc>)]
    operator: Option<serde_json::Value>,
}

/// Create a leaderboard.
#[utoipa::path(post, path = "/leaderboards", tag = "leaderboards",
    request_body = CreateLeaderboard,
    responses(
        (status = 201, body = LeaderboardView),
        (status = 409, description = "The slug is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
async fn create_leaderboard(
    State(state): State<AppState>,
    axum::Extension(ctx): axum::Extension<crate::audit::Context>,
    ApiJson(body): ApiJson<CreateLeaderboard>,
) -> ApiResult<impl IntoResponse> {
    let slug = Slug::parse(&body.slug)
        .map_err(|e| ApiError::field(ErrorCode::ValidationFailed, "slug", e.to_string()))?;
    let new = NewLeaderboard {
        slug: slug.as_str().to_owned(),
        name: validate_name(&body.name)?,
        order: body.order,
        operator: body.operator,
        reset: validate_reset(&body.reset)?,
        timezone: validate_timezone(body.timezone.as_deref().unwrap_or("UTC"))?,
        metadata: validate_metadata(body.metadata)?.unwrap_or_else(|| serde_json::json!({})),
        visibility: validate_visibility(body.visibility.as_deref().unwrap_or("public"))?,
    };
    let now = state.clock.now();
    let def = service::create(&state.pool, &state.feed, new, now, &ctx).await?;
    Ok((
        StatusCode::CREATED,
        Json(LeaderboardView::new(&def, None, now)),
    ))
}

/// The leaderboards of this Podium.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaderboardList {
    leaderboards: Vec<LeaderboardView>,
}

/// List leaderboards, ordered by slug.
#[utoipa::path(get, path = "/leaderboards", tag = "leaderboards",
    responses((status = 200, body = LeaderboardList)))]
async fn list_leaderboards(
    State(state): State<AppState>,
    principal: Option<axum::Extension<crate::accounts::Principal>>,
) -> Json<LeaderboardList> {
    let now = state.clock.now();
    let principal = principal.map_or(crate::accounts::Principal::Anonymous, |p| p.0);
    let mut leaderboards = Vec::new();
    for def in state.ranks.definitions() {
        let resource = Some((
            "leaderboards",
            def.slug.as_str(),
            def.visibility == Visibility::Public,
        ));
        if crate::accounts::policy::check(crate::accounts::policy::Need::Read, &principal, resource)
            .is_err()
        {
            continue;
        }
        if let Some(lb) = state.ranks.by_id(def.id) {
            let lb = read(&lb);
            leaderboards.push(LeaderboardView::new(&lb.def, lb.current.as_ref(), now));
        }
    }
    Json(LeaderboardList { leaderboards })
}

/// Read one leaderboard, with its current period and the time of the next reset.
#[utoipa::path(get, path = "/leaderboards/{slug}", tag = "leaderboards",
    params(("slug" = String, Path)),
    responses((status = 200, body = LeaderboardView),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_leaderboard(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<LeaderboardView>> {
    let lb = state
        .ranks
        .by_slug(&slug)
        .ok_or_else(|| ApiError::leaderboard_not_found(&slug))?;
    let lb = read(&lb);
    Ok(Json(LeaderboardView::new(
        &lb.def,
        lb.current.as_ref(),
        state.clock.now(),
    )))
}

/// Change a leaderboard's name, metadata, reset schedule or time zone. A new schedule or time
/// zone ends the running period now; the next submission starts a period on the new schedule.
#[utoipa::path(patch, path = "/leaderboards/{slug}", tag = "leaderboards",
    params(("slug" = String, Path)),
    request_body = UpdateLeaderboard,
    responses((status = 200, body = LeaderboardView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn update_leaderboard(
    State(state): State<AppState>,
    axum::Extension(ctx): axum::Extension<crate::audit::Context>,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateLeaderboard>,
) -> ApiResult<Json<LeaderboardView>> {
    let lb = state
        .ranks
        .by_slug(&slug)
        .ok_or_else(|| ApiError::leaderboard_not_found(&slug))?;
    let id = read(&lb).def.id;
    for (field, given) in [("order", &body.order), ("operator", &body.operator)] {
        if given.is_some() {
            return Err(ApiError::field(
                ErrorCode::ImmutableField,
                field,
                format!(
                    "{field} is fixed when a leaderboard is created; create a new leaderboard instead"
                ),
            ));
        }
    }
    let patch = LeaderboardPatch {
        visibility: body
            .visibility
            .as_deref()
            .map(validate_visibility)
            .transpose()?,
        name: body.name.as_deref().map(validate_name).transpose()?,
        metadata: validate_metadata(body.metadata)?,
        reset: body.reset.as_deref().map(validate_reset).transpose()?,
        timezone: body
            .timezone
            .as_deref()
            .map(validate_timezone)
            .transpose()?,
    };
    let now = state.clock.now();
    if !service::update(&state.pool, &state.feed, id, patch, now, &ctx).await? {
        return Err(ApiError::leaderboard_not_found(&slug));
    }
    let lb = state
        .ranks
        .by_id(id)
        .ok_or_else(|| ApiError::leaderboard_not_found(&slug))?;
    let lb = read(&lb);
    Ok(Json(LeaderboardView::new(
        &lb.def,
        lb.current.as_ref(),
        now,
    )))
}

/// Delete a leaderboard with all its periods and scores.
#[utoipa::path(delete, path = "/leaderboards/{slug}", tag = "leaderboards",
    params(("slug" = String, Path)),
    responses((status = 204, description = "Deleted"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn delete_leaderboard(
    State(state): State<AppState>,
    axum::Extension(ctx): axum::Extension<crate::audit::Context>,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let lb = state
        .ranks
        .by_slug(&slug)
        .ok_or_else(|| ApiError::leaderboard_not_found(&slug))?;
    let id = read(&lb).def.id;
    if !service::delete(&state.pool, &state.feed, id, &ctx).await? {
        return Err(ApiError::leaderboard_not_found(&slug));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct PeriodQuery {
    /// At most this many periods (1–1000, default 100), newest first.
    limit: Option<i64>,
    /// Only periods with an id below this (the previous page's last id).
    before: Option<i64>,
}

/// The periods of a leaderboard.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodList {
    periods: Vec<PeriodView>,
    /// The period running now (it may have no id yet if nobody has submitted in it).
    current: PeriodView,
}

/// List a leaderboard's periods, newest first.
#[utoipa::path(get, path = "/leaderboards/{slug}/periods", tag = "leaderboards",
    params(("slug" = String, Path), PeriodQuery),
    responses((status = 200, body = PeriodList),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn list_periods(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<Json<PeriodList>> {
    let limit = super::extract::check_limit(q.limit, 100, 1000)?;
    let lb = state
        .ranks
        .by_slug(&slug)
        .ok_or_else(|| ApiError::leaderboard_not_found(&slug))?;
    let (id, current) = {
        let lb = read(&lb);
        let view = LeaderboardView::new(&lb.def, lb.current.as_ref(), state.clock.now());
        (lb.def.id, view.current_period)
    };
    let rows = db::list_periods(&state.pool, id, q.before, limit).await?;
    Ok(Json(PeriodList {
        periods: rows
            .into_iter()
            .map(|r| PeriodView::new(Some(r.id), r.bounds))
            .collect(),
        current,
    }))
}
