//! `/participants/{participant}/profile` and `/avatar`: a participant's display name, country,
//! free metadata and avatar, global to the install. Reads are public; changes need Manage and
//! are audited in the same transaction. The avatar routes are in `avatar`; the image checks
//! in [`crate::avatar`].

use std::collections::HashMap;

use axum::{Extension, Json, extract::State, http::StatusCode};
use podium_core::ids::ParticipantId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{ApiJson, ApiPath};
use crate::{
    audit::{self, Context},
    error::{ApiError, ApiResult, ErrorCode, FieldError, Problem},
    state::AppState,
};

const MAX_METADATA: usize = 16 * 1024;
const MAX_DISPLAY_NAME: usize = 100;

mod avatar;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_profile, put_profile))
        .merge(avatar::router())
}

/// A participant's profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileView {
    participant: String,
    display_name: Option<String>,
    /// ISO 3166-1 alpha-2 code, upper case.
    country: Option<String>,
    #[schema(value_type = Object)]
    metadata: Value,
    /// Where the avatar is served; its `v` changes with the image. Null without an avatar.
    avatar_url: Option<String>,
}

/// Where a participant's avatar is served; `v` (the start of its ETag) changes with the image,
/// so the URL can be cached for long.
fn avatar_url(participant: &str, etag: &str) -> String {
    format!(
        "/api/v1/participants/{participant}/avatar?v={}",
        &etag[..etag.len().min(16)]
    )
}

/// The parts of a profile a ranking row shows.
#[derive(Debug, Default)]
pub struct Brief {
    pub display_name: Option<String>,
    pub avatar_url: Option<String>,
}

/// The display names and avatar URLs of these participants, in one query (a ranking page
/// asks for all its rows at once). Participants without a profile are absent.
#[tracing::instrument(skip(pool, participants), fields(n = participants.len()))]
pub async fn briefs(
    pool: &sqlx::PgPool,
    participants: &[String],
) -> Result<HashMap<String, Brief>, sqlx::Error> {
    if participants.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = sqlx::query!(
        r#"select participant, display_name, avatar_etag from participant_profile
           where participant = any($1) and (display_name is not null or avatar_etag is not null)"#,
        participants
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let url = r
                .avatar_etag
                .as_deref()
                .map(|e| avatar_url(&r.participant, e));
            let brief = Brief {
                display_name: r.display_name,
                avatar_url: url,
            };
            (r.participant, brief)
        })
        .collect())
}

impl ProfileView {
    fn new(
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
fn participant(raw: &str) -> ApiResult<String> {
    ParticipantId::parse(raw)
        .map(ParticipantId::into_inner)
        .map_err(|e| ApiError::field(ErrorCode::ValidationFailed, "participant", e.to_string()))
}

fn target(participant: &str) -> String {
    format!("participant:{participant}")
}

fn profile_not_found(participant: &str) -> ApiError {
    ApiError::new(
        ErrorCode::ProfileNotFound,
        format!("'{participant}' has no profile"),
    )
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
    if ParticipantId::parse(&id).is_err() {
        return Err(profile_not_found(&id));
    }
    let row = sqlx::query!(
        "select display_name, country, metadata, avatar_etag from participant_profile where participant = $1",
        id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or_else(|| profile_not_found(&id))?;
    Ok(Json(ProfileView::new(
        &id,
        row.display_name,
        row.country,
        row.metadata,
        row.avatar_etag.as_deref(),
    )))
}

/// A profile's text fields. A PUT replaces all of them: a field left out is cleared.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutProfile {
    /// 1 to 100 characters, no control characters.
    display_name: Option<String>,
    /// ISO 3166-1 alpha-2 code such as `SE` (any case).
    country: Option<String>,
    /// A JSON object of up to 16 KiB; `{}` when left out.
    #[schema(value_type = Option<Object>)]
    metadata: Option<Value>,
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
    let id = participant(&raw)?;
    let (name, country, metadata) = validate(body)?;
    let mut tx = state.pool.begin().await?;
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
    let status = if before.is_some() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    audit::record(
        &mut tx,
        &ctx,
        "profile.update",
        &target(&id),
        before,
        Some(after),
    )
    .await?;
    tx.commit().await?;
    let view = ProfileView::new(&id, name, country, metadata, etag.as_deref());
    Ok((status, Json(view)))
}
