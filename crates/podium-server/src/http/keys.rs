//! `/keys` (admins): create API keys (the secret is shown once), list them, revoke them.
//! Revocation reaches every Podium process through the change feed.

use axum::{Extension, Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiPath};
use crate::{
    accounts::{
        Scope,
        keys::NewKey,
        service::{self, KeyView},
    },
    audit::Context,
    error::{ApiError, ApiResult, Problem},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_keys, create_key))
        .routes(routes!(revoke_key))
}

/// The keys.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyList {
    keys: Vec<KeyView>,
}

/// List API keys.
#[utoipa::path(get, path = "/keys", tag = "accounts", responses((status = 200, body = KeyList)))]
async fn list_keys(State(state): State<AppState>) -> ApiResult<Json<KeyList>> {
    Ok(Json(KeyList {
        keys: service::keys(&state.pool, None).await?,
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
    let (id, token) = service::create_key(&state.pool, Some(&state.auth), &ctx, &new).await?;
    let key = service::keys(&state.pool, Some(id))
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
    service::revoke_key(&state.pool, &state.auth, &ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
