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
use tokio::sync::Semaphore;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    audit::Context,
    error::{ApiError, ApiResult, ErrorCode, Problem},
    http::extract::ApiPath,
    profiles::{
        avatar::{self, AvatarError, Kind},
        service::{self, ProfileView},
        store,
    },
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
    let image = reencode(upload).await?;
    Ok(Json(
        service::put_avatar(&state.pool, &state.feed, &ctx, &raw, image).await?,
    ))
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
    let row = store::avatar(&state.pool, &id, any, &tags)
        .await?
        .ok_or_else(not_found)?;
    let etag = HeaderValue::from_str(&format!("\"{}\"", row.etag)).map_err(ApiError::internal)?;
    let cache = [
        (header::ETAG, etag),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        ),
    ];
    let Some(bytes) = row.bytes else {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    };
    let content_type = HeaderValue::from_str(&row.content_type).map_err(ApiError::internal)?;
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
    service::delete_avatar(&state.pool, &state.feed, &ctx, &raw).await?;
    Ok(StatusCode::NO_CONTENT)
}
