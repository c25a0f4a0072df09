//! `/flags` (admins): create, list, change and delete feature flags (`flags::service` owns
//! the writes). Each change is audited and reaches every Podium process through the change feed.

use axum::{Extension, Json, extract::State, http::StatusCode};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiPath};
use crate::{
    audit::Context,
    error::{ApiResult, Problem},
    flags::{
        self, Flag,
        service::{self, CreateFlag, UpdateFlag},
    },
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_flags, create_flag))
        .routes(routes!(update_flag, delete_flag))
}

/// The flags.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct FlagList {
    flags: Vec<Flag>,
}

/// List feature flags, ordered by key.
#[utoipa::path(get, path = "/flags", tag = "flags", responses((status = 200, body = FlagList)),
    security(("bearer" = [])))]
async fn list_flags(State(state): State<AppState>) -> ApiResult<Json<FlagList>> {
    Ok(Json(FlagList {
        flags: flags::fetch(&state.pool, None).await?,
    }))
}

/// Create a feature flag.
#[utoipa::path(post, path = "/flags", tag = "flags", request_body = CreateFlag,
    responses((status = 201, body = Flag),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn create_flag(
    State(state): State<AppState>,
    Extension(ctx): Extension<Context>,
    ApiJson(body): ApiJson<CreateFlag>,
) -> ApiResult<(StatusCode, Json<Flag>)> {
    let flag = service::create(&state.pool, &state.flags, &ctx, body).await?;
    Ok((StatusCode::CREATED, Json(flag)))
}

/// Change a flag's description, state, rollout percentage or allow-list.
#[utoipa::path(patch, path = "/flags/{key}", tag = "flags", params(("key" = String, Path)),
    request_body = UpdateFlag,
    responses((status = 200, body = Flag),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn update_flag(
    State(state): State<AppState>,
    Extension(ctx): Extension<Context>,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateFlag>,
) -> ApiResult<Json<Flag>> {
    Ok(Json(
        service::update(&state.pool, &state.flags, &ctx, &key, body).await?,
    ))
}

/// Delete a flag; evaluating it afterwards answers `FLAG_NOT_FOUND`.
#[utoipa::path(delete, path = "/flags/{key}", tag = "flags", params(("key" = String, Path)),
    responses((status = 204, description = "Deleted"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn delete_flag(
    State(state): State<AppState>,
    Extension(ctx): Extension<Context>,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<StatusCode> {
    service::delete(&state.pool, &state.flags, &ctx, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}
