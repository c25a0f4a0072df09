//! `/flags` (admins): create, list, change and delete feature flags. Each change is audited in
//! its transaction and reaches every Podium process through the change feed.

use axum::{Extension, Json, extract::State, http::StatusCode};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiPath};
use crate::{
    audit::{self, Context},
    changes,
    changes::Change,
    error::{ApiError, ApiResult, ErrorCode, Problem},
    flags::{self, Flag},
    state::AppState,
};

/// Most subjects an allow-list holds; a longer list belongs in a segment of its own.
const ALLOW_LIST_MAX: usize = 1000;
/// Longest subject on an allow-list, in characters.
const SUBJECT_MAX: usize = 256;
/// Longest description, in characters.
const DESCRIPTION_MAX: usize = 1000;

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

/// A flag to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFlag {
    /// `^[a-z0-9][a-z0-9_.-]{0,99}$`; cannot be changed later.
    key: String,
    #[serde(default)]
    description: String,
    /// Off unless given.
    #[serde(default)]
    enabled: bool,
    /// 0 to 100; 0 unless given.
    #[serde(default)]
    rollout_percentage: i64,
    /// Subjects that get the flag whatever the percentage.
    #[serde(default)]
    allow_list: Vec<String>,
}

/// Changes to a flag; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateFlag {
    /// Caught only to say that a flag's key is fixed.
    #[schema(ignore)]
    key: Option<serde::de::IgnoredAny>,
    description: Option<String>,
    enabled: Option<bool>,
    rollout_percentage: Option<i64>,
    allow_list: Option<Vec<String>>,
}

fn not_found(key: &str) -> ApiError {
    ApiError::new(ErrorCode::NotFound, format!("no flag has the key '{key}'"))
}

fn validate_description(d: &str) -> ApiResult<String> {
    if d.chars().count() > DESCRIPTION_MAX {
        return Err(ApiError::field(
            ErrorCode::ValidationFailed,
            "description",
            format!("must be at most {DESCRIPTION_MAX} characters"),
        ));
    }
    Ok(d.trim().to_owned())
}

fn validate_percentage(p: i64) -> ApiResult<i32> {
    i32::try_from(p)
        .ok()
        .filter(|p| (0..=100).contains(p))
        .ok_or_else(|| {
            ApiError::field(
                ErrorCode::OutOfRange,
                "rollout_percentage",
                format!("must be an integer from 0 to 100, not {p}"),
            )
        })
}

/// Checks each subject and drops repeats, keeping the first of each.
fn validate_allow_list(list: Vec<String>) -> ApiResult<Vec<String>> {
    if list.len() > ALLOW_LIST_MAX {
        return Err(ApiError::field(
            ErrorCode::TooManyItems,
            "allow_list",
            format!("holds at most {ALLOW_LIST_MAX} subjects"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for (i, s) in list.into_iter().enumerate() {
        let n = s.chars().count();
        if n == 0 || n > SUBJECT_MAX || s.trim() != s {
            return Err(ApiError::field(
                ErrorCode::ValidationFailed,
                format!("allow_list[{i}]"),
                format!("a subject is 1 to {SUBJECT_MAX} characters without surrounding spaces"),
            ));
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(out)
}

/// The audited picture of a flag (its timestamps are in the audit row itself).
fn picture(f: &Flag) -> Value {
    json!({"description": f.description, "enabled": f.enabled,
           "rollout_percentage": f.rollout_percentage, "allow_list": f.allow_list})
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
    if !flags::valid_key(&body.key) {
        return Err(ApiError::field(
            ErrorCode::ValidationFailed,
            "key",
            "must be 1 to 100 characters of a-z, 0-9, '_', '.', '-', starting with a letter or digit",
        ));
    }
    let description = validate_description(&body.description)?;
    let percentage = validate_percentage(body.rollout_percentage)?;
    let allow_list = validate_allow_list(body.allow_list)?;
    let mut tx = state.pool.begin().await?;
    let flag = sqlx::query_as!(
        Flag,
        r#"insert into feature_flag (key, description, enabled, rollout_percentage, allow_list)
           values ($1, $2, $3, $4, $5) on conflict (key) do nothing
           returning key, description, enabled, rollout_percentage, allow_list, created_at,
                     updated_at"#,
        body.key,
        description,
        body.enabled,
        percentage,
        &allow_list
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| {
        ApiError::field(
            ErrorCode::SlugTaken,
            "key",
            format!("a flag with the key '{}' already exists", body.key),
        )
    })?;
    audit::record(
        &mut tx,
        &ctx,
        "flag.create",
        &format!("flag:{}", flag.key),
        None,
        Some(picture(&flag)),
    )
    .await?;
    changes::append(&mut tx, &[Change::Flag]).await?;
    tx.commit().await?;
    state.flags.reload(&state.pool).await?;
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
    if body.key.is_some() {
        return Err(ApiError::field(
            ErrorCode::ImmutableField,
            "key",
            "a flag's key is fixed; create a new flag instead",
        ));
    }
    let description = body
        .description
        .as_deref()
        .map(validate_description)
        .transpose()?;
    let percentage = body
        .rollout_percentage
        .map(validate_percentage)
        .transpose()?;
    let allow_list = body.allow_list.map(validate_allow_list).transpose()?;
    let mut tx = state.pool.begin().await?;
    let before = sqlx::query_as!(
        Flag,
        r#"select key, description, enabled, rollout_percentage, allow_list, created_at, updated_at
           from feature_flag where key = $1 for update"#,
        key
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| not_found(&key))?;
    let mut after = before.clone();
    if let Some(d) = description {
        after.description = d;
    }
    if let Some(e) = body.enabled {
        after.enabled = e;
    }
    if let Some(p) = percentage {
        after.rollout_percentage = p;
    }
    if let Some(a) = allow_list {
        after.allow_list = a;
    }
    if after == before {
        return Ok(Json(before)); // nothing to change, nothing to audit
    }
    let after = sqlx::query_as!(
        Flag,
        r#"update feature_flag
           set description = $2, enabled = $3, rollout_percentage = $4, allow_list = $5,
               updated_at = now()
           where key = $1
           returning key, description, enabled, rollout_percentage, allow_list, created_at,
                     updated_at"#,
        key,
        after.description,
        after.enabled,
        after.rollout_percentage,
        &after.allow_list
    )
    .fetch_one(&mut *tx)
    .await?;
    let (old, new) = diff(&picture(&before), &picture(&after));
    audit::record(
        &mut tx,
        &ctx,
        "flag.update",
        &format!("flag:{key}"),
        Some(old),
        Some(new),
    )
    .await?;
    changes::append(&mut tx, &[Change::Flag]).await?;
    tx.commit().await?;
    state.flags.reload(&state.pool).await?;
    Ok(Json(after))
}

/// The fields that differ, as (before, after).
fn diff(before: &Value, after: &Value) -> (Value, Value) {
    let (mut old, mut new) = (Map::new(), Map::new());
    if let (Some(b), Some(a)) = (before.as_object(), after.as_object()) {
        for (k, v) in b {
            if a.get(k) != Some(v) {
                old.insert(k.clone(), v.clone());
                new.insert(k.clone(), a.get(k).cloned().unwrap_or(Value::Null));
            }
        }
    }
    (Value::Object(old), Value::Object(new))
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
    let mut tx = state.pool.begin().await?;
    let before = sqlx::query_as!(
        Flag,
        r#"delete from feature_flag where key = $1
           returning key, description, enabled, rollout_percentage, allow_list, created_at,
                     updated_at"#,
        key
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| not_found(&key))?;
    audit::record(
        &mut tx,
        &ctx,
        "flag.delete",
        &format!("flag:{key}"),
        Some(picture(&before)),
        None,
    )
    .await?;
    changes::append(&mut tx, &[Change::Flag]).await?;
    tx.commit().await?;
    state.flags.reload(&state.pool).await?;
    Ok(StatusCode::NO_CONTENT)
}
