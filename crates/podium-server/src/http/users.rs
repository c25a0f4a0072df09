//! `/users` (admins): list, create and change accounts. Admins manage editors and viewers;
//! only owners manage admins and owners. Every change is audited; passwords never are.

use axum::{Extension, Json, extract::State, http::StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiPath};
use crate::{
    accounts::{
        Principal, Role,
        service::{self, UpdateUser, UserRecord},
    },
    audit::Context,
    error::{ApiResult, Problem},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(update_user))
}

/// The accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    users: Vec<UserRecord>,
}

/// List accounts.
#[utoipa::path(get, path = "/users", tag = "accounts", responses((status = 200, body = UserList)))]
async fn list_users(State(state): State<AppState>) -> ApiResult<Json<UserList>> {
    Ok(Json(UserList {
        users: service::users(&state.pool).await?,
    }))
}

/// A new account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    email: String,
    /// At least 12 characters.
    password: String,
    role: Role,
}

impl std::fmt::Debug for CreateUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateUser")
            .field("email", &self.email)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// Create an account.
#[utoipa::path(post, path = "/users", tag = "accounts", request_body = CreateUser,
    responses((status = 201, body = UserRecord),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_user(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(ctx): Extension<Context>,
    ApiJson(body): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<UserRecord>)> {
    let user = service::register(
        &state.pool,
        &principal,
        &ctx,
        &body.email,
        body.password,
        body.role,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Change an account's role, disable or enable it, or reset its password.
#[utoipa::path(patch, path = "/users/{id}", tag = "accounts", params(("id" = i64, Path)), request_body = UpdateUser,
    responses((status = 200, body = UserRecord),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn update_user(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(ctx): Extension<Context>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdateUser>,
) -> ApiResult<Json<UserRecord>> {
    Ok(Json(
        service::update_user(&state.pool, &principal, &ctx, id, body).await?,
    ))
}
