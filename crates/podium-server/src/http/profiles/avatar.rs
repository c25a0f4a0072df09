//! The avatar routes: upload (checked and re-encoded by [`crate::avatar`]), serve with an ETag
//! and long-lived caching, delete. Changes are audited without the image bytes.

use axum::{
    Extension, Json,
    body::Bytes,
    extract::{DefaultBodyLimit, FromRequest, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use podium_core::ids::ParticipantId;
use serde_json::{Value, json};
use sqlx::PgConnection;
use tokio::sync::Semaphore;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{ProfileView, participant, target};
use crate::{
    audit::{self, Context},
    error::{ApiError, ApiResult, ErrorCode, Problem},
    http::extract::ApiPath,
    profiles::avatar::{self, AvatarError, Kind},
    state::AppState,
};

const CACHE_CONTROL: &str = "public, max-age=3600";
/// Image decoding is CPU- and memory-heavy: at most this many at once per process.
static DECODES: Semaphore = Semaphore::const_new(2);

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_avatar, put_avatar, delete_avatar))
        .layer(DefaultBodyLimit::max(avatar::MAX_UPLOAD_BYTES))
}

/// An image upload: its declared kind and its bytes (at most 2 MB).
#[derive(Debug)]
pub struct Upload {
    kind: Kind,
    bytes: Bytes,
}

impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let too_large = || {
            ApiError::new(
                ErrorCode::PayloadTooLarge,
                "an avatar may be at most 2 MB (2,097,152 bytes)",
            )
        };
        let headers = req.headers();
        let kind = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(Kind::from_content_type)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    "send the image with `Content-Type: image/png`, `image/jpeg` or `image/webp`",
                )
            })?;
        // Refuse a declared oversize body before reading any of it.
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > avatar::MAX_UPLOAD_BYTES as u64) {
            return Err(too_large());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                ApiError::new(ErrorCode::InvalidBody, r.body_text())
            }
        })?;
        Ok(Upload { kind, bytes })
    }
}

/// Decodes and re-encodes off the async workers, a bounded number at a time.
async fn reencode(upload: Upload) -> ApiResult<avatar::Avatar> {
    let permit = DECODES
        .acquire()
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("decode limiter closed: {e}")))?;
    let result = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        avatar::process(&upload.bytes, upload.kind)
    })
    .await
    .map_err(ApiError::internal)?;
    result.map_err(|e| match e {
        AvatarError::Encode(_) => ApiError::internal(e),
        AvatarError::TooManyPixels | AvatarError::TooMuchMemory => {
            ApiError::new(ErrorCode::ImageTooLarge, e.to_string())
        }
        _ => ApiError::new(ErrorCode::InvalidImage, e.to_string()),
    })
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

/// The raw bytes of an image file, for the OpenAPI document.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[expect(
    dead_code,
    reason = "it only describes the body in the OpenAPI document"
)]
struct ImageFile(Vec<u8>);

/// Upload an avatar (PNG, JPEG or WebP, up to 2 MB and 4096×4096). It is decoded, shrunk to
/// fit 256×256 and stored re-encoded as PNG, without any metadata of the upload.
#[utoipa::path(put, path = "/participants/{participant}/avatar", tag = "profiles",
    params(("participant" = String, Path)),
    request_body(content(
        (ImageFile = "image/png"), (ImageFile = "image/jpeg"), (ImageFile = "image/webp"))),
    responses((status = 200, body = ProfileView),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an image, not the declared type, truncated, or too many pixels", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn put_avatar(
    State(state): State<AppState>,
    Extension(ctx): Extension<Context>,
    ApiPath(raw): ApiPath<String>,
    upload: Upload,
) -> ApiResult<Json<ProfileView>> {
    let id = participant(&raw)?;
    let image = reencode(upload).await?;
    let mut tx = state.pool.begin().await?;
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
        &ctx,
        "avatar.update",
        &target(&id),
        Some(json!({ "avatar": before })),
        Some(json!({ "avatar": after })),
    )
    .await?;
    tx.commit().await?;
    let view = ProfileView::new(
        &id,
        row.display_name,
        row.country,
        row.metadata,
        Some(&image.etag),
    );
    Ok(Json(view))
}

/// The entity tags an `If-None-Match` header lists (weak ones compared as strong, as GET
/// allows), and whether it is `*`.
fn if_none_match(headers: &HeaderMap) -> (bool, Vec<String>) {
    let tags: Vec<&str> = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let any = tags.contains(&"*");
    let opaque = tags
        .iter()
        .map(|t| {
            t.strip_prefix("W/")
                .unwrap_or(t)
                .trim_matches('"')
                .to_owned()
        })
        .collect();
    (any, opaque)
}

/// The avatar image, with an ETag; answers `If-None-Match` with 304.
#[utoipa::path(get, path = "/participants/{participant}/avatar", tag = "profiles",
    params(("participant" = String, Path)),
    responses((status = 200, description = "The image", content_type = "image/png"),
        (status = 304, description = "Not modified"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_avatar(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let not_found = || ApiError::new(ErrorCode::AvatarNotFound, format!("'{id}' has no avatar"));
    if ParticipantId::parse(&id).is_err() {
        return Err(not_found());
    }
    let (any, tags) = if_none_match(&headers);
    // One read: the bytes come only when the caller's copy is stale.
    let row = sqlx::query!(
        r#"select avatar_type as "avatar_type!", avatar_etag as "avatar_etag!",
                  case when $2 or avatar_etag = any($3) then null else avatar end as "avatar?"
           from participant_profile where participant = $1 and avatar is not null"#,
        id,
        any,
        &tags
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or_else(not_found)?;
    let etag =
        HeaderValue::from_str(&format!("\"{}\"", row.avatar_etag)).map_err(ApiError::internal)?;
    let cache = [
        (header::ETAG, etag),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        ),
    ];
    let Some(bytes) = row.avatar else {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    };
    let content_type = HeaderValue::from_str(&row.avatar_type).map_err(ApiError::internal)?;
    Ok((
        cache,
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Remove a participant's avatar (the rest of the profile is kept).
#[utoipa::path(delete, path = "/participants/{participant}/avatar", tag = "profiles",
    params(("participant" = String, Path)),
    responses((status = 204, description = "Removed"),
        (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
async fn delete_avatar(
    State(state): State<AppState>,
    Extension(ctx): Extension<Context>,
    ApiPath(raw): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let id = participant(&raw)?;
    let mut tx = state.pool.begin().await?;
    let before = current_avatar(&mut tx, &id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::AvatarNotFound, format!("'{id}' has no avatar")))?;
    sqlx::query!(
        r#"update participant_profile
           set avatar = null, avatar_type = null, avatar_etag = null, updated_at = now()
           where participant = $1"#,
        id
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &ctx,
        "avatar.delete",
        &target(&id),
        Some(json!({ "avatar": before })),
        Some(json!({"avatar": null})),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
