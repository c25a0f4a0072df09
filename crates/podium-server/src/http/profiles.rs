//! `/participants/{participant}/profile` and `/avatar`: a participant's display name, country,
//! free metadata and avatar, global to the install. Reads are public; changes need Manage and
//! are made by `profiles::service`. The avatar routes are in `avatar`; the image checks in
//! [`crate::profiles::avatar`].

use axum::{Extension, Json, extract::State, http::StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiPath};
use crate::{
    audit::Context,
    error::{ApiResult, Problem},
    profiles::service::{self, ProfileView, PutProfile},
    state::AppState,
};

mod avatar;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_profile, put_profile))
        .merge(avatar::router())
}

/// Read a participant's profile.
#[utoipa::path(get, path = "/participants/{participant}/profile", tag = "profiles",
    params(("participant" = String, Path)),
    responses((status = 200, body = ProfileView),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_profile(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ProfileView>> {
    Ok(Json(service::get(&state.pool, &id).await?))
}

/// Create or replace a participant's profile (its avatar is kept).
#[utoipa::path(put, path = "/participants/{participant}/profile", tag = "profiles",
    params(("participant" = String, Path)), request_body = PutProfile,
    responses((status = 200, description = "Replaced", body = ProfileView),
        (status = 201, description = "Created", body = ProfileView),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn put_profile(
    State(state): State<AppState>,
    Extension(ctx): Extension<Context>,
    ApiPath(raw): ApiPath<String>,
    ApiJson(body): ApiJson<PutProfile>,
) -> ApiResult<(StatusCode, Json<ProfileView>)> {
    let (created, view) = service::put(&state.pool, &state.feed, &ctx, &raw, body).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(view)))
}
