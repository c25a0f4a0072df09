//! The OpenFeature Remote Evaluation Protocol (OFREP) at `/ofrep/v1`: any OpenFeature SDK with
//! an OFREP provider, and the web UI, evaluate flags here. Public, answered from the in-process
//! flag cache; errors use OFREP's `{key, errorCode, errorDetails}` rather than problem+json.

use axum::{
    Json,
    body::Bytes,
    extract::{State, rejection::BytesRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::ApiPath;
use crate::{
    flags::{self, Flag, Reason, TargetingKeyMissing},
    state::AppState,
};

/// Longest `targetingKey` accepted, in characters.
const SUBJECT_MAX: usize = 256;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(evaluate_flag))
        .routes(routes!(evaluate_flags))
}

/// An evaluation request: the context names the subject in `targetingKey`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OfrepRequest {
    /// `{"targetingKey": "<subject>", …}`; other attributes are ignored.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    context: Option<Value>,
}

/// A successful evaluation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfrepEvaluation {
    key: String,
    value: bool,
    reason: Reason,
    /// `on` or `off`.
    variant: &'static str,
    #[schema(value_type = Object)]
    metadata: Map<String, Value>,
}

/// OFREP's error codes.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OfrepErrorCode {
    FlagNotFound,
    TargetingKeyMissing,
    InvalidContext,
    General,
}

/// A failed evaluation (of one flag, or of a whole bulk request without `key`).
#[derive(Debug, Serialize, ToSchema)]
pub struct OfrepFailure {
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(rename = "errorCode")]
    error_code: OfrepErrorCode,
    #[serde(rename = "errorDetails")]
    error_details: String,
}

/// One flag of a bulk answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum OfrepResult {
    Success(OfrepEvaluation),
    Failure(OfrepFailure),
}

/// Every flag, evaluated for one context.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfrepBulk {
    flags: Vec<OfrepResult>,
}

fn failure(
    status: StatusCode,
    key: Option<&str>,
    code: OfrepErrorCode,
    details: String,
) -> Response {
    let body = OfrepFailure {
        key: key.map(str::to_owned),
        error_code: code,
        error_details: details,
    };
    (status, Json(body)).into_response()
}

/// The subject the body names: `context.targetingKey`, if any. An absent or empty body is a
/// request without context.
fn subject(body: Result<Bytes, BytesRejection>) -> Result<Option<String>, String> {
    let body = body.map_err(|r| r.body_text())?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let request: OfrepRequest = serde_json::from_slice(&body)
        .map_err(|e| format!("the body is not an OFREP evaluation request: {e}"))?;
    let context = match &request.context {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(c)) => c,
        Some(_) => return Err("context must be an object".to_owned()),
    };
    match context.get("targetingKey") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= SUBJECT_MAX => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err(format!(
            "context.targetingKey must be at most {SUBJECT_MAX} characters"
        )),
        Some(_) => Err("context.targetingKey must be a string".to_owned()),
    }
}

/// Evaluates one flag for `subject`, counting the evaluation.
fn evaluate(flag: &Flag, subject: Option<&str>) -> Result<OfrepEvaluation, OfrepFailure> {
    match flag.evaluate(subject) {
        Ok(e) => {
            flags::count(&flag.key, if e.value { "true" } else { "false" });
            Ok(OfrepEvaluation {
                key: flag.key.clone(),
                value: e.value,
                reason: e.reason,
                variant: if e.value { "on" } else { "off" },
                metadata: Map::new(),
            })
        }
        Err(TargetingKeyMissing) => {
            flags::count(&flag.key, "error");
            Err(OfrepFailure {
                key: Some(flag.key.clone()),
                error_code: OfrepErrorCode::TargetingKeyMissing,
                error_details: format!(
                    "flag '{}' is rolled out to some subjects only: send context.targetingKey",
                    flag.key
                ),
            })
        }
    }
}

/// Evaluate one flag for the subject in `context.targetingKey`.
#[utoipa::path(post, path = "/evaluate/flags/{key}", tag = "ofrep",
    params(("key" = String, Path)), request_body = Option<OfrepRequest>,
    responses((status = 200, body = OfrepEvaluation),
        (status = 400, body = OfrepFailure, description = "TARGETING_KEY_MISSING or INVALID_CONTEXT"),
        (status = 404, body = OfrepFailure, description = "FLAG_NOT_FOUND")))]
async fn evaluate_flag(
    State(state): State<AppState>,
    ApiPath(key): ApiPath<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let subject = match subject(body) {
        Ok(s) => s,
        Err(details) => {
            return failure(
                StatusCode::BAD_REQUEST,
                Some(&key),
                OfrepErrorCode::InvalidContext,
                details,
            );
        }
    };
    let Some(flag) = state.flags.get(&key) else {
        return failure(
            StatusCode::NOT_FOUND,
            Some(&key),
            OfrepErrorCode::FlagNotFound,
            format!("no flag has the key '{key}'"),
        );
    };
    match evaluate(&flag, subject.as_deref()) {
        Ok(e) => Json(e).into_response(),
        Err(f) => (StatusCode::BAD_REQUEST, Json(f)).into_response(),
    }
}

/// Whether an `If-None-Match` header lists `etag` (weak comparison, as for GET).
fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    let strip = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || strip(t) == etag)
}

/// Evaluate every flag for the subject in `context.targetingKey`. A flag that needs a subject
/// when none is given is listed with `TARGETING_KEY_MISSING`. The answer carries an `ETag`;
/// send it back in `If-None-Match` to get `304 Not Modified` while nothing changed.
#[utoipa::path(post, path = "/evaluate/flags", tag = "ofrep", request_body = Option<OfrepRequest>,
    params(("If-None-Match" = Option<String>, Header, description = "ETag of the last answer")),
    responses((status = 200, body = OfrepBulk,
            headers(("ETag" = String, description = "Identifies this answer"))),
        (status = 304, description = "Nothing changed since the answer with that ETag"),
        (status = 400, body = OfrepFailure, description = "INVALID_CONTEXT")))]
async fn evaluate_flags(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let subject = match subject(body) {
        Ok(s) => s,
        Err(details) => {
            return failure(
                StatusCode::BAD_REQUEST,
                None,
                OfrepErrorCode::InvalidContext,
                details,
            );
        }
    };
    let flags = state.flags.all();
    let bulk = OfrepBulk {
        flags: flags
            .values()
            .map(|f| match evaluate(f, subject.as_deref()) {
                Ok(e) => OfrepResult::Success(e),
                Err(e) => OfrepResult::Failure(e),
            })
            .collect(),
    };
    let bytes = match serde_json::to_vec(&bulk) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "could not serialise a bulk evaluation");
            return failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
                OfrepErrorCode::General,
                "an internal error occurred".to_owned(),
            );
        }
    };
    // The answer itself is hashed: it changes exactly when a flag or the subject's outcome does.
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&bytes)[..16]));
    let etag_header = HeaderValue::from_str(&etag).expect("hex in quotes is a valid header");
    if matches_etag(&headers, &etag) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag_header)]).into_response();
    }
    (
        StatusCode::OK,
        [
            (header::ETAG, etag_header),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        bytes,
    )
        .into_response()
}
