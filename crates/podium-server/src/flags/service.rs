//! The flags service: creating, changing and deleting feature flags, each audited in its
//! transaction with a change record so every process reloads its flags.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use sqlx::PgPool;
use utoipa::ToSchema;

use super::{Flag, Flags};
use crate::{
    audit::{self, Context},
    changes::{self, Change},
    error::{ApiError, ApiResult, ErrorCode},
};

const ALLOW_LIST_MAX: usize = 1000;
/// Longest subject on an allow-list, in characters.
const SUBJECT_MAX: usize = 256;
/// Longest description, in characters.
const DESCRIPTION_MAX: usize = 1000;

/// A flag to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFlag {
    /// `^[a-z0-9][a-z0-9_.-]{0,99}$`; cannot be changed later.
    pub key: String,
    #[serde(default)]
    pub description: String,
    /// Off unless given.
    #[serde(default)]
    pub enabled: bool,
    /// 0 to 100; 0 unless given.
    #[serde(default)]
    pub rollout_percentage: i64,
    /// Subjects that get the flag whatever the percentage.
    #[serde(default)]
    pub allow_list: Vec<String>,
}

/// Changes to a flag; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateFlag {
    /// Caught only to say that a flag's key is fixed.
    #[schema(ignore)]
    pub key: Option<serde::de::IgnoredAny>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
    pub rollout_percentage: Option<i64>,
    pub allow_list: Option<Vec<String>>,
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

/// Creates a flag; this process evaluates it at once, the others through the change feed.
pub async fn create(
    pool: &PgPool,
    flags: &Flags,
    ctx: &Context,
    body: CreateFlag,
) -> ApiResult<Flag> {
    if !super::valid_key(&body.key) {
        return Err(ApiError::field(
            ErrorCode::ValidationFailed,
            "key",
            "must be 1 to 100 characters of a-z, 0-9, '_', '.', '-', starting with a letter or digit",
        ));
    }
    let description = validate_description(&body.description)?;
    let percentage = validate_percentage(body.rollout_percentage)?;
    let allow_list = validate_allow_list(body.allow_list)?;
    let mut tx = pool.begin().await?;
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
        ctx,
        "flag.create",
        &format!("flag:{}", flag.key),
        None,
        Some(picture(&flag)),
    )
    .await?;
    changes::append(&mut tx, &[Change::Flag]).await?;
    tx.commit().await?;
    flags.reload(pool).await?;
    Ok(flag)
}

/// Changes a flag's description, state, rollout percentage or allow-list; the key is fixed.
pub async fn update(
    pool: &PgPool,
    flags: &Flags,
    ctx: &Context,
    key: &str,
    body: UpdateFlag,
) -> ApiResult<Flag> {
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
    let mut tx = pool.begin().await?;
    let before = sqlx::query_as!(
        Flag,
        r#"select key, description, enabled, rollout_percentage, allow_list, created_at, updated_at
           from feature_flag where key = $1 for update"#,
        key
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| not_found(key))?;
    let after = Flag {
        description: description.unwrap_or_else(|| before.description.clone()),
        enabled: body.enabled.unwrap_or(before.enabled),
        rollout_percentage: percentage.unwrap_or(before.rollout_percentage),
        allow_list: allow_list.unwrap_or_else(|| before.allow_list.clone()),
        ..before.clone()
    };
    if after == before {
        return Ok(before); // nothing to change, nothing to audit
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
        ctx,
        "flag.update",
        &format!("flag:{key}"),
        Some(old),
        Some(new),
    )
    .await?;
    changes::append(&mut tx, &[Change::Flag]).await?;
    tx.commit().await?;
    flags.reload(pool).await?;
    Ok(after)
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

/// Deletes a flag; evaluating it afterwards answers `FLAG_NOT_FOUND`.
pub async fn delete(pool: &PgPool, flags: &Flags, ctx: &Context, key: &str) -> ApiResult<()> {
    let mut tx = pool.begin().await?;
    let before = sqlx::query_as!(
        Flag,
        r#"delete from feature_flag where key = $1
           returning key, description, enabled, rollout_percentage, allow_list, created_at,
                     updated_at"#,
        key
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| not_found(key))?;
    audit::record(
        &mut tx,
        ctx,
        "flag.delete",
        &format!("flag:{key}"),
        Some(picture(&before)),
        None,
    )
    .await?;
    changes::append(&mut tx, &[Change::Flag]).await?;
    tx.commit().await?;
    flags.reload(pool).await?;
    Ok(())
}
