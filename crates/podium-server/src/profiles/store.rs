//! Reading profiles back: the briefs every process holds (start-up snapshot), one profile, and
//! an avatar's bytes.

use serde_json::Value;
use sqlx::{PgConnection, PgPool};

use crate::model::ProfileBrief;

/// Every participant with a name or an avatar, for the in-memory briefs.
pub async fn briefs(conn: &mut PgConnection) -> Result<Vec<(String, ProfileBrief)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select participant, display_name, avatar_etag from participant_profile
           where display_name is not null or avatar_etag is not null"#
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let brief = ProfileBrief {
                display_name: r.display_name,
                avatar_etag: r.avatar_etag,
            };
            (r.participant, brief)
        })
        .collect())
}

/// A stored profile's fields.
#[derive(Debug)]
pub struct ProfileRow {
    pub display_name: Option<String>,
    pub country: Option<String>,
    pub metadata: Value,
    pub avatar_etag: Option<String>,
}

pub async fn profile(pool: &PgPool, participant: &str) -> Result<Option<ProfileRow>, sqlx::Error> {
    Ok(sqlx::query!(
        "select display_name, country, metadata, avatar_etag from participant_profile where participant = $1",
        participant
    )
    .fetch_optional(pool)
    .await?
    .map(|r| ProfileRow {
        display_name: r.display_name,
        country: r.country,
        metadata: r.metadata,
        avatar_etag: r.avatar_etag,
    }))
}

/// An avatar as served: its type and tag, and its bytes unless the caller's copy is current.
#[derive(Debug)]
pub struct AvatarRow {
    pub content_type: String,
    pub etag: String,
    /// None when `any` or one of `tags` matches: the caller's copy is current.
    pub bytes: Option<Vec<u8>>,
}

/// One read: the bytes come only when the caller's copy (`If-None-Match`) is stale.
pub async fn avatar(
    pool: &PgPool,
    participant: &str,
    any: bool,
    tags: &[String],
) -> Result<Option<AvatarRow>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"select avatar_type as "avatar_type!", avatar_etag as "avatar_etag!",
                  case when $2 or avatar_etag = any($3) then null else avatar end as "avatar?"
           from participant_profile where participant = $1 and avatar is not null"#,
        participant,
        any,
        tags
    )
    .fetch_optional(pool)
    .await?
    .map(|r| AvatarRow {
        content_type: r.avatar_type,
        etag: r.avatar_etag,
        bytes: r.avatar,
    }))
}
