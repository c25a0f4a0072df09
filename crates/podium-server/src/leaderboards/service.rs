//! The leaderboards service: creating, changing and deleting leaderboards (each with its audit
//! row and change record, in `store`), then bringing this process's index up to date before
//! answering. Also the validation of a definition's fields, shared with leagues.

use chrono::{DateTime, Utc};
use podium_core::period::{ResetSchedule, parse_timezone};
use sqlx::PgPool;

use super::store::{self, CreateError, LeaderboardPatch, NewLeaderboard};
use crate::{
    audit::Context,
    changes::Feed,
    error::{ApiError, ApiResult, ErrorCode},
    model::{LeaderboardDef, Visibility},
};

pub fn validate_visibility(v: &str) -> ApiResult<Visibility> {
    Visibility::parse(v).ok_or_else(|| {
        ApiError::field(
            ErrorCode::ValidationFailed,
            "visibility",
            format!("must be 'public' or 'private' (got '{v}')"),
        )
    })
}

pub fn validate_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    let len = name.chars().count();
    if len == 0 || len > 200 {
        return Err(ApiError::field(
            ErrorCode::ValidationFailed,
            "name",
            format!("must be 1 to 200 characters (got {len})"),
        ));
    }
    Ok(name.to_owned())
}

pub fn validate_metadata(
    metadata: Option<serde_json::Value>,
) -> ApiResult<Option<serde_json::Value>> {
    match metadata {
        Some(m) if !m.is_object() => Err(ApiError::field(
            ErrorCode::ValidationFailed,
            "metadata",
            "must be a JSON object",
        )),
        Some(m) if m.to_string().len() > 16 * 1024 => Err(ApiError::field(
            ErrorCode::ValidationFailed,
            "metadata",
            "must be at most 16 KiB of JSON",
        )),
        other => Ok(other),
    }
}

pub fn validate_reset(reset: &str) -> ApiResult<String> {
    ResetSchedule::parse(reset)
        .map(|s| s.as_str().to_owned())
        .map_err(|e| ApiError::field(ErrorCode::ValidationFailed, "reset", e.to_string()))
}

pub fn validate_timezone(tz: &str) -> ApiResult<String> {
    parse_timezone(tz)
        .map(|tz| tz.name().to_owned())
        .map_err(|e| ApiError::field(ErrorCode::ValidationFailed, "timezone", e.to_string()))
}

/// Stores a new leaderboard; this process has it in its index when this returns.
pub async fn create(
    pool: &PgPool,
    feed: &Feed,
    new: NewLeaderboard,
    now: DateTime<Utc>,
    ctx: &Context,
) -> ApiResult<LeaderboardDef> {
    let slug = new.slug.clone();
    let def = match store::create(pool, new, now, ctx).await {
        Ok(def) => def,
        Err(CreateError::SlugTaken) => {
            return Err(ApiError::field(
                ErrorCode::SlugTaken,
                "slug",
                format!("a leaderboard with the slug '{slug}' already exists"),
            ));
        }
        Err(CreateError::Db(e)) => return Err(e.into()),
    };
    feed.catch_up().await?;
    Ok(def)
}

/// Changes a leaderboard's definition; false when it no longer exists.
pub async fn update(
    pool: &PgPool,
    feed: &Feed,
    id: i64,
    patch: LeaderboardPatch,
    now: DateTime<Utc>,
    ctx: &Context,
) -> ApiResult<bool> {
    let found = store::update(pool, id, patch, now, ctx).await?.is_some();
    feed.catch_up().await?;
    Ok(found)
}

/// Deletes a leaderboard with its periods and scores; false when it no longer exists.
pub async fn delete(pool: &PgPool, feed: &Feed, id: i64, ctx: &Context) -> ApiResult<bool> {
    let found = store::delete(pool, id, ctx).await?;
    feed.catch_up().await?;
    Ok(found)
}

/// Erases a participant's entries in every period of the leaderboard; false when there were
/// none.
pub async fn erase(
    pool: &PgPool,
    feed: &Feed,
    id: i64,
    slug: &str,
    participant: &str,
    ctx: &Context,
) -> ApiResult<bool> {
    let found = store::erase_participant(pool, id, slug, participant, ctx).await?;
    feed.catch_up().await?;
    Ok(found)
}

/// Makes every process pick up a leaderboard written to the database behind their backs (a
/// restore of one leaderboard from a backup): see `store::resync`. None when no leaderboard
/// has the slug.
pub async fn resync(
    pool: &PgPool,
    slug: &str,
    ctx: &Context,
) -> Result<Option<store::Resynced>, sqlx::Error> {
    store::resync(pool, slug, ctx).await
}
