//! Extractors that turn every kind of bad input into a problem+json error naming what is
//! wrong: malformed JSON, wrong types, unknown or missing fields, out-of-range numbers, bodies
//! over the limit, wrong content types, bad query strings and path segments, missing tokens.

use axum::{
    extract::{
        FromRequest, FromRequestParts, Path, Query, RawPathParams, Request,
        rejection::BytesRejection,
    },
    http::{StatusCode, header, request::Parts},
};
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::{
    db::storable,
    error::{ApiError, ErrorCode},
};

/// A JSON body, parsed strictly.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let JsonBody(bytes) = JsonBody::from_request(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A JSON body not parsed yet (for routes that accept one object or an array of them).
#[derive(Debug)]
pub struct JsonBody(pub Bytes);

impl JsonBody {
    /// Whether the body is a JSON array.
    pub fn is_array(&self) -> bool {
        self.0.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
    }
}

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "send the body as JSON with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(body_rejection)?;
        Ok(JsonBody(bytes))
    }
}

fn body_rejection(r: BytesRejection) -> ApiError {
    if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            "the request body exceeds the size limit",
        )
    } else {
        ApiError::new(ErrorCode::InvalidBody, r.body_text())
    }
}

/// Parses JSON, naming the path of the first field at fault. What PostgreSQL could not store
/// (a NUL, a lone surrogate, a number beyond `numeric`) is refused here, before anything can
/// reach a grouped write.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    storable::check_json(bytes)?;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        json_error(path, e.into_inner())
    })?;
    de.end().map_err(|e| json_error(String::new(), e))?;
    Ok(value)
}

fn json_error(path: String, e: serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let message = e.to_string();
    let code = match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            return ApiError::new(
                ErrorCode::MalformedJson,
                format!("the body is not valid JSON: {message}"),
            );
        }
        Category::Data if message.starts_with("unknown field") => ErrorCode::UnknownField,
        Category::Data if message.starts_with("missing field") => ErrorCode::MissingField,
        Category::Data
            if message.contains("expected i64")
                && (message.contains("integer") || message.contains("floating point")) =>
        {
            return ApiError::field(
                ErrorCode::OutOfRange,
                path,
                format!(
                    "must be an integer from {} to {} ({message})",
                    i64::MIN,
                    i64::MAX
                ),
            );
        }
        Category::Data if message.starts_with("invalid type") => ErrorCode::InvalidType,
        Category::Data => ErrorCode::InvalidBody,
    };
    ApiError::field(code, path, message)
}

/// Query parameters, with a clear error for bad ones.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        if let Some(name) = parts.uri.query().and_then(nul_parameter) {
            return Err(ApiError::field(
                ErrorCode::InvalidQuery,
                name,
                storable::Reason::Nul.message(),
            ));
        }
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|r| ApiError::new(ErrorCode::InvalidQuery, r.body_text()))
    }
}

/// Path parameters, with a clear error for bad ones.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // A NUL can reach a path segment only percent-encoded; nothing stored can be named by one.
        if parts.uri.path().contains("%00") {
            let name = RawPathParams::from_request_parts(parts, state)
                .await
                .ok()
                .and_then(|params| {
                    params
                        .iter()
                        .find(|(_, v)| v.contains('\0'))
                        .map(|(k, _)| k.to_owned())
                })
                .unwrap_or_default();
            return Err(ApiError::field(
                ErrorCode::InvalidText,
                name,
                storable::Reason::Nul.message(),
            ));
        }
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|r| ApiError::new(ErrorCode::NotFound, r.body_text()))
    }
}

/// The name of the first query parameter whose name or value holds an encoded NUL.
fn nul_parameter(query: &str) -> Option<String> {
    query
        .split('&')
        .find(|pair| pair.contains("%00"))
        .map(|pair| {
            pair.split('=')
                .next()
                .unwrap_or_default()
                .replace("%00", "\\0")
        })
}

/// A page size from the query: `default` when absent, else 1 to `max`.
pub fn check_limit(limit: Option<i64>, default: i64, max: i64) -> Result<i64, ApiError> {
    let limit = limit.unwrap_or(default);
    if !(1..=max).contains(&limit) {
        return Err(ApiError::field(
            ErrorCode::InvalidQuery,
            "limit",
            format!("must be from 1 to {max} (got {limit})"),
        ));
    }
    Ok(limit)
}

/// `check_limit` for unsigned query parameters.
pub fn check_limit_usize(
    limit: Option<usize>,
    default: usize,
    max: usize,
) -> Result<usize, ApiError> {
    let wide = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    check_limit(limit.map(wide), wide(default), wide(max)).map(|n| n as usize)
}
