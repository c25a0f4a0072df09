//! The profiles service: replacing a profile's fields and setting or removing its avatar, each
//! audited in its transaction with a `profile` change record (what a ranking row shows), so every
//! process's in-memory briefs follow.

use podium_core::ids::ParticipantId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};
use utoipa::ToSchema;

use super::{avatar::Avatar, avatar_url, store};
use crate::{
    audit::{self, Context},
    changes::{self, Change, Feed},
    error::{ApiError, ApiResult, ErrorCode, FieldError},
    model::ProfileBrief,
};

const MAX_METADATA: usize = 16 * 1024;
const MAX_DISPLAY_NAME: usize = 100;

/// A participant's profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileView {
    pub participant: String,
    pub display_name: Option<String>,
    /// ISO 3166-1 alpha-2 code, upper case.
    pub country: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: Value,
    /// Where the avatar is served; its `v` changes with the image. Null without an avatar.
    pub avatar_url: Option<String>,
}

impl ProfileView {
    pub fn new(
        participant: &str,
        name: Option<String>,
        country: Option<String>,
        metadata: Value,
        etag: Option<&str>,
    ) -> Self {
        Self {
            participant: participant.to_owned(),
            display_name: name,
            country,
            metadata,
            avatar_url: etag.map(|e| avatar_url(participant, e)),
        }
    }
}

/// Validates a participant id from the path of a change.
pub fn participant(raw: &str) -> ApiResult<String> {
    ParticipantId::parse(raw)
        .map(ParticipantId::into_inner)
        .map_err(|e| ApiError::field(ErrorCode::ValidationFailed, "participant", e.to_string()))
}

fn target(participant: &str) -> String {
    format!("participant:{participant}")
}

pub fn profile_not_found(participant: &str) -> ApiError {
    ApiError::new(
        ErrorCode::ProfileNotFound,
        format!("'{participant}' has no profile"),
    )
}

/// Read a participant's profile.
pub async fn get(pool: &PgPool, id: &str) -> ApiResult<ProfileView> {
    if ParticipantId::parse(id).is_err() {
        return Err(profile_not_found(id));
    }
    let row = store::profile(pool, id)
        .await?
        .ok_or_else(|| profile_not_found(id))?;
    Ok(ProfileView::new(
        id,
        row.display_name,
        row.country,
        row.metadata,
        row.avatar_etag.as_deref(),
    ))
}

/// A profile's text fields. A PUT replaces all of them: a field left out is cleared.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutProfile {
    /// 1 to 100 characters, no control characters.
    pub display_name: Option<String>,
    /// ISO 3166-1 alpha-2 code such as `SE` (any case).
    pub country: Option<String>,
    /// A JSON object of up to 16 KiB; `{}` when left out.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

/// The validated fields: (display name, country, metadata).
type Fields = (Option<String>, Option<String>, Value);

fn validate(body: PutProfile) -> ApiResult<Fields> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, message: &str| {
        errors.push(FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
            line: None,
        })
    };
    let name = body.display_name.map(|n| n.trim().to_owned());
    if let Some(n) = &name {
        let len = n.chars().count();
        if len == 0 || len > MAX_DISPLAY_NAME {
            fail("display_name", "must be 1 to 100 characters");
        } else if n.chars().any(char::is_control) {
            fail("display_name", "must not contain control characters");
        }
    }
    let country = match body.country.as_deref().map(celes::Country::from_alpha2) {
        None => None,
        Some(Ok(c)) => Some(c.alpha2.to_ascii_uppercase()),
        Some(Err(_)) => {
            fail(
                "country",
                "must be an ISO 3166-1 alpha-2 country code, such as SE or BR",
            );
            None
        }
    };
    let metadata = body.metadata.unwrap_or_else(|| json!({}));
    if !metadata.is_object() {
        fail("metadata", "must be a JSON object");
    } else if metadata.to_string().len() > MAX_METADATA {
        fail("metadata", "must be at most 16 KiB as JSON");
    }
    if errors.is_empty() {
        return Ok((name, country, metadata));
    }
    let detail = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ");
    let mut e = ApiError::new(ErrorCode::ValidationFailed, detail);
    e.errors = errors;
    Err(e)
}

/// Creates or replaces a participant's profile fields (the avatar is kept); true when the
/// profile is new.
pub async fn put(
    pool: &PgPool,
    feed: &Feed,
    ctx: &Context,
    raw: &str,
    body: PutProfile,
) -> ApiResult<(bool, ProfileView)> {
    let id = participant(raw)?;
    let (name, country, metadata) = validate(body)?;
    let mut tx = pool.begin().await?;
    let before = sqlx::query!(
        "select display_name, country, metadata from participant_profile where participant = $1 for update",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .map(|r| json!({"display_name": r.display_name, "country": r.country, "metadata": r.metadata}));
    let etag = sqlx::query_scalar!(
        r#"insert into participant_profile (participant, display_name, country, metadata)
           values ($1, $2, $3, $4)
           on conflict (participant) do update
           set display_name = excluded.display_name, country = excluded.country,
               metadata = excluded.metadata, updated_at = now()
           returning avatar_etag"#,
        id,
        name,
        country,
        metadata
    )
    .fetch_one(&mut *tx)
    .await?;
    let after = json!({"display_name": name, "country": country, "metadata": metadata});
    let created = before.is_none();
    audit::record(
        &mut tx,
        ctx,
        "profile.update",
        &target(&id),
        before,
        Some(after),
    )
    .await?;
    let brief = ProfileBrief {
        display_name: name.clone(),
        avatar_etag: etag.clone(),
    };
    publish(tx, feed, &id, brief).await?;
    Ok((
        created,
        ProfileView::new(&id, name, country, metadata, etag.as_deref()),
    ))
}

/// What the audit log keeps of an avatar (never its bytes).
fn avatar_summary(kind: &str, etag: &str, bytes: Option<i32>) -> Value {
    json!({"content_type": kind, "etag": etag, "bytes": bytes})
}

/// The participant's avatar as the audit log keeps it, locked until the transaction ends.
async fn current_avatar(conn: &mut PgConnection, id: &str) -> Result<Option<Value>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"select avatar_type as "avatar_type!", avatar_etag as "avatar_etag!",
                  octet_length(avatar) as size
           from participant_profile where participant = $1 and avatar is not null for update"#,
        id
    )
    .fetch_optional(conn)
    .await?
    .map(|r| avatar_summary(&r.avatar_type, &r.avatar_etag, r.size)))
}

/// Stores a checked, re-encoded avatar in place of the participant's (creating the profile).
pub async fn put_avatar(
    pool: &PgPool,
    feed: &Feed,
    ctx: &Context,
    raw: &str,
    image: Avatar,
) -> ApiResult<ProfileView> {
    let id = participant(raw)?;
    let mut tx = pool.begin().await?;
    let before = current_avatar(&mut tx, &id).await?;
    let row = sqlx::query!(
        r#"insert into participant_profile (participant, avatar, avatar_type, avatar_etag)
           values ($1, $2, $3, $4)
           on conflict (participant) do update
           set avatar = excluded.avatar, avatar_type = excluded.avatar_type,
               avatar_etag = excluded.avatar_etag, updated_at = now()
           returning display_name, country, metadata"#,
        id,
        image.bytes,
        image.content_type,
        image.etag
    )
    .fetch_one(&mut *tx)
    .await?;
    let mut after = avatar_summary(
        image.content_type,
        &image.etag,
        i32::try_from(image.bytes.len()).ok(),
    );
    after["width"] = image.width.into();
    after["height"] = image.height.into();
    audit::record(
        &mut tx,
        ctx,
        "avatar.update",
        &target(&id),
        Some(json!({ "avatar": before })),
        Some(json!({ "avatar": after })),
    )
    .await?;
    let brief = ProfileBrief {
        display_name: row.display_name.clone(),
        avatar_etag: Some(image.etag.clone()),
    };
    publish(tx, feed, &id, brief).await?;
    Ok(ProfileView::new(
        &id,
        row.display_name,
        row.country,
        row.metadata,
        Some(&image.etag),
    ))
}

/// Removes a participant's avatar (the rest of the profile is kept).
pub async fn delete_avatar(pool: &PgPool, feed: &Feed, ctx: &Context, raw: &str) -> ApiResult<()> {
    let id = participant(raw)?;
    let mut tx = pool.begin().await?;
    let before = current_avatar(&mut tx, &id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::AvatarNotFound, format!("'{id}' has no avatar")))?;
    let display_name = sqlx::query_scalar!(
        r#"update participant_profile
           set avatar = null, avatar_type = null, avatar_etag = null, updated_at = now()
           where participant = $1 returning display_name"#,
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        ctx,
        "avatar.delete",
        &target(&id),
        Some(json!({ "avatar": before })),
        Some(json!({"avatar": null})),
    )
    .await?;
    let brief = ProfileBrief {
        display_name,
        avatar_etag: None,
    };
    publish(tx, feed, &id, brief).await?;
    Ok(())
}

/// Ends a profile write: the `profile` change record (what ranking rows show) goes last in the
/// transaction, then the commit, then this process's briefs catch up.
async fn publish(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    feed: &Feed,
    participant: &str,
    brief: ProfileBrief,
) -> ApiResult<()> {
    let change = Change::Profile {
        participant: participant.to_owned(),
        brief,
    };
    changes::append(&mut tx, &[change]).await?;
    tx.commit().await?;
    feed.catch_up().await?;
    Ok(())
}
