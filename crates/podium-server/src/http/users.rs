//! `/users` (admins): list, create and change accounts. Admins manage editors and viewers;
//! only owners manage admins and owners. Every change is audited; passwords never are.

use axum::{Extension, Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiPath};
use crate::{
    accounts::{Principal, Role, check_password_strength, hash_password, normalize_email, session},
    audit::{self, Context},
    error::{ApiError, ApiResult, ErrorCode, Problem},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(update_user))
}

/// An account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserRecord {
    id: i64,
    email: String,
    role: Role,
    disabled: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// The accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    users: Vec<UserRecord>,
}

async fn fetch(pool: &sqlx::PgPool, id: i64) -> ApiResult<UserRecord> {
    let r = sqlx::query!(
        "select id, email, role, disabled_at, created_at, updated_at from app_user where id = $1",
        id
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| ApiError::new(ErrorCode::UserNotFound, format!("no user has the id {id}")))?;
    Ok(UserRecord {
        id: r.id,
        email: r.email,
        role: Role::parse(&r.role).unwrap_or(Role::Viewer),
        disabled: r.disabled_at.is_some(),
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// List accounts.
#[utoipa::path(get, path = "/users", tag = "accounts", responses((status = 200, body = UserList)))]
async fn list_users(State(state): State<AppState>) -> ApiResult<Json<UserList>> {
    let rows = sqlx::query!(
        "select id, email, role, disabled_at, created_at, updated_at from app_user order by email"
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(UserList {
        users: rows
            .into_iter()
            .map(|r| UserRecord {
                id: r.id,
                email: r.email,
                role: Role::parse(&r.role).unwrap_or(Role::Viewer),
                disabled: r.disabled_at.is_some(),
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
            .collect(),
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

/// The role of the caller when it is a person; keys act as admins.
fn caller_role(p: &Principal) -> Role {
    match p {
        Principal::User(u) => u.role,
        _ => Role::Admin,
    }
}

fn may_manage(caller: Role, role: Role) -> ApiResult<()> {
    if role >= Role::Admin && caller < Role::Owner {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "only an owner manages admins and owners",
        ));
    }
    Ok(())
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
    may_manage(caller_role(&principal), body.role)?;
    let email = normalize_email(&body.email)
        .map_err(|m| ApiError::field(ErrorCode::ValidationFailed, "email", m))?;
    check_password_strength(&body.password)
        .map_err(|m| ApiError::field(ErrorCode::ValidationFailed, "password", m))?;
    let password = body.password;
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))?;
    let id = crate::accounts::service::create_user(&state.pool, &ctx, &email, &hash, body.role)
        .await?
        .ok_or_else(|| {
            ApiError::field(
                ErrorCode::EmailTaken,
                "email",
                format!("an account with '{email}' already exists"),
            )
        })?;
    Ok((StatusCode::CREATED, Json(fetch(&state.pool, id).await?)))
}

/// Changes to an account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    role: Option<Role>,
    disabled: Option<bool>,
    /// A new password (an administrator's reset); every session of the account ends.
    password: Option<String>,
}

impl std::fmt::Debug for UpdateUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateUser")
            .field("role", &self.role)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
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
    let before = fetch(&state.pool, id).await?;
    let caller = caller_role(&principal);
    may_manage(caller, before.role)?;
    if let Some(role) = body.role {
        may_manage(caller, role)?;
    }
    if let Principal::User(u) = &principal
        && u.id == id
        && (body.disabled == Some(true) || body.role.is_some_and(|r| r < u.role))
    {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "you cannot disable or demote yourself",
        ));
    }
    let hash = match body.password {
        Some(p) => {
            check_password_strength(&p)
                .map_err(|m| ApiError::field(ErrorCode::ValidationFailed, "password", m))?;
            Some(
                tokio::task::spawn_blocking(move || hash_password(&p))
                    .await
                    .map_err(ApiError::internal)?
                    .map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))?,
            )
        }
        None => None,
    };
    let mut tx = state.pool.begin().await?;
    sqlx::query!(
        r#"update app_user set role = coalesce($2, role),
               disabled_at = case when $3::bool is null then disabled_at when $3 then coalesce(disabled_at, now()) else null end,
               password_hash = coalesce($4, password_hash), updated_at = now()
           where id = $1"#,
        id,
        body.role.map(Role::as_str),
        body.disabled,
        hash
    )
    .execute(&mut *tx)
    .await?;
    if body.disabled == Some(true) || hash.is_some() {
        session::end_all(&mut tx, id).await?;
    }
    let after = serde_json::json!({
        "role": body.role.unwrap_or(before.role),
        "disabled": body.disabled.unwrap_or(before.disabled),
        "password_reset": hash.is_some(),
    });
    audit::record(
        &mut tx,
        &ctx,
        "user.update",
        &format!("user:{}", before.email),
        Some(serde_json::json!({"role": before.role, "disabled": before.disabled})),
        Some(after),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(fetch(&state.pool, id).await?))
}
