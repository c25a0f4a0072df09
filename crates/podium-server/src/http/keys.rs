//! `/keys` (admins): create API keys (the secret is shown once), list them, revoke them.
//! Revocation reaches every Podium process through the change feed.

use axum::{Extension, Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiPath};
use crate::{
    accounts::{Scope, keys::NewKey, service},
    audit::{self, Context},
    changes,
    changes::Change,
    error::{ApiError, ApiResult, ErrorCode, Problem},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_keys, create_key))
        .routes(routes!(revoke_key))
}

/// An API key (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    id: i64,
    name: String,
    /// Shown as `pk_<prefix>_…`.
    prefix: String,
    scopes: Vec<Scope>,
    leaderboards: Option<Vec<String>>,
    leagues: Option<Vec<String>>,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    revoked: bool,
    created_by: String,
    created_at: DateTime<Utc>,
}

/// The keys.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyList {
    keys: Vec<KeyView>,
}

async fn fetch(pool: &sqlx::PgPool, id: Option<i64>) -> Result<Vec<KeyView>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select id, name, prefix, scopes, leaderboards, leagues, expires_at, last_used_at, revoked_at,
                  created_by, created_at
           from api_key where $1::bigint is null or id = $1 order by created_at desc, id desc"#,
        id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| KeyView {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            scopes: r.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
            leaderboards: r.leaderboards,
            leagues: r.leagues,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked: r.revoked_at.is_some(),
            created_by: r.created_by,
            created_at: r.created_at,
        })
        .collect())
}

/// List API keys.
#[utoipa::path(get, path = "/keys", tag = "accounts", responses((status = 200, body = KeyList)))]
async fn list_keys(State(state): State<AppState>) -> ApiResult<Json<KeyList>> {
    Ok(Json(KeyList {
        keys: fetch(&state.pool, None).await?,
    }))
}

/// A key to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKey {
    name: String,
    scopes: Vec<Scope>,
    /// Limit the key to these leaderboards (slugs); all when absent.
    leaderboards: Option<Vec<String>>,
    /// Limit the key to these leagues (slugs); all when absent.
    leagues: Option<Vec<String>>,
    expires_at: Option<DateTime<Utc>>,
}

/// A new key with its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedKey {
    key: KeyView,
    /// `pk_<prefix>_<secret>`: store it now; Podium keeps only a hash.
    secret: String,
}

/// Create an API key; the answer holds its secret, which is never shown again.
#[utoipa::path(post, path = "/keys", tag = "accounts", request_body = CreateKey,
    responses((status = 201, body = CreatedKey), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_key(
    State(state): State<AppState>,
    Extension(ctx): Extension<Context>,
    ApiJson(body): ApiJson<CreateKey>,
) -> ApiResult<(StatusCode, Json<CreatedKey>)> {
    service::validate_key(&body.name, &body.scopes, body.expires_at, state.clock.now())?;
    let new = NewKey {
        name: body.name.trim().to_owned(),
        scopes: body.scopes,
        leaderboards: body.leaderboards,
        leagues: body.leagues,
        expires_at: body.expires_at,
        created_by: ctx.actor.clone(),
    };
    let (id, token) = service::create_key(&state.pool, &ctx, &new).await?;
    state.auth.keys.reload(&state.pool).await?;
    let key = fetch(&state.pool, Some(id))
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("key vanished")))?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedKey {
            key,
            secret: token.0,
        }),
    ))
}

/// Revoke a key; it stops working at once on every Podium process.
#[utoipa::path(delete, path = "/keys/{id}", tag = "accounts", params(("id" = i64, Path)),
    responses((status = 204, description = "Revoked"), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn revoke_key(
    State(state): State<AppState>,
    Extension(ctx): Extension<Context>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    let mut tx = state.pool.begin().await?;
    let prefix = sqlx::query_scalar!(
        "update api_key set revoked_at = coalesce(revoked_at, now()), updated_at = now() where id = $1 returning prefix",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| ApiError::new(ErrorCode::KeyNotFound, format!("no API key has the id {id}")))?;
    audit::record(
        &mut tx,
        &ctx,
        "key.revoke",
        &format!("key:pk_{prefix}"),
        Some(serde_json::json!({"revoked": false})),
        Some(serde_json::json!({"revoked": true})),
    )
    .await?;
    changes::append(&mut tx, &[Change::ApiKey]).await?;
    tx.commit().await?;
    state.auth.keys.reload(&state.pool).await?;
    Ok(StatusCode::NO_CONTENT)
}
