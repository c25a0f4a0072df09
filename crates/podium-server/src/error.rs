//! The one API error type. Every 4xx/5xx leaves as RFC 9457 `application/problem+json` with a
//! stable snake_case `code`; the code → status table lives here and nowhere else. A 5xx body
//! says nothing about internals: its cause is logged inside the request's span.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

/// Stable error codes that clients (and the web UI) switch on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    MalformedJson,
    InvalidCsv,
    InvalidBody,
    UnknownField,
    MissingField,
    InvalidType,
    OutOfRange,
    ValidationFailed,
    InvalidText,
    ImmutableField,
    ScoreOverflow,
    InvalidQuery,
    InvalidCursor,
    UnsupportedMediaType,
    PayloadTooLarge,
    Unauthorized,
    Forbidden,
    TooManyAttempts,
    RateLimited,
    InvalidCredentials,
    EmailTaken,
    KeyNotFound,
    UserNotFound,
    LeaderboardNotFound,
    LeagueNotFound,
    MatchNotFound,
    ParticipantNotFound,
    PeriodNotFound,
    EntryNotFound,
    ProfileNotFound,
    AvatarNotFound,
    InvalidImage,
    ImageTooLarge,
    NotFound,
    MethodNotAllowed,
    SlugTaken,
    TooManyItems,
    NotReady,
    Timeout,
    Internal,
}

impl ErrorCode {
    /// The single table from code to HTTP status and title.
    pub fn status_and_title(self) -> (StatusCode, &'static str) {
        use ErrorCode::*;
        match self {
            MalformedJson => (StatusCode::BAD_REQUEST, "Malformed JSON"),
            InvalidCsv => (StatusCode::UNPROCESSABLE_ENTITY, "Invalid CSV file"),
            InvalidBody => (StatusCode::UNPROCESSABLE_ENTITY, "Invalid request body"),
            UnknownField => (StatusCode::UNPROCESSABLE_ENTITY, "Unknown field"),
            MissingField => (StatusCode::UNPROCESSABLE_ENTITY, "Missing field"),
            InvalidType => (StatusCode::UNPROCESSABLE_ENTITY, "Wrong type"),
            OutOfRange => (StatusCode::UNPROCESSABLE_ENTITY, "Number out of range"),
            ValidationFailed => (StatusCode::UNPROCESSABLE_ENTITY, "Validation failed"),
            InvalidText => (StatusCode::UNPROCESSABLE_ENTITY, "Value cannot be stored"),
            ImmutableField => (StatusCode::UNPROCESSABLE_ENTITY, "Field cannot be changed"),
            ScoreOverflow => (StatusCode::UNPROCESSABLE_ENTITY, "Score would overflow"),
            InvalidQuery => (StatusCode::BAD_REQUEST, "Invalid query parameter"),
            InvalidCursor => (StatusCode::BAD_REQUEST, "Invalid cursor"),
            UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
            PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "Request body too large"),
            Unauthorized => (StatusCode::UNAUTHORIZED, "Authentication required"),
            Forbidden => (StatusCode::FORBIDDEN, "Not allowed"),
            TooManyAttempts => (StatusCode::TOO_MANY_REQUESTS, "Too many attempts"),
            RateLimited => (StatusCode::TOO_MANY_REQUESTS, "Too many requests"),
            InvalidCredentials => (StatusCode::UNAUTHORIZED, "Invalid email or password"),
            EmailTaken => (StatusCode::CONFLICT, "Email already in use"),
            KeyNotFound => (StatusCode::NOT_FOUND, "API key not found"),
            UserNotFound => (StatusCode::NOT_FOUND, "User not found"),
            LeaderboardNotFound => (StatusCode::NOT_FOUND, "Leaderboard not found"),
            LeagueNotFound => (StatusCode::NOT_FOUND, "League not found"),
            MatchNotFound => (StatusCode::NOT_FOUND, "Match not found"),
            ParticipantNotFound => (StatusCode::NOT_FOUND, "Participant not found"),
            PeriodNotFound => (StatusCode::NOT_FOUND, "Period not found"),
            EntryNotFound => (StatusCode::NOT_FOUND, "Entry not found"),
            ProfileNotFound => (StatusCode::NOT_FOUND, "Profile not found"),
            AvatarNotFound => (StatusCode::NOT_FOUND, "Avatar not found"),
            InvalidImage => (StatusCode::UNPROCESSABLE_ENTITY, "Invalid image"),
            ImageTooLarge => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "Image dimensions too large",
            ),
            NotFound => (StatusCode::NOT_FOUND, "Not found"),
            MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "Method not allowed"),
            SlugTaken => (StatusCode::CONFLICT, "Slug already in use"),
            TooManyItems => (StatusCode::UNPROCESSABLE_ENTITY, "Too many items"),
            NotReady => (StatusCode::SERVICE_UNAVAILABLE, "Service not ready"),
            Timeout => (StatusCode::SERVICE_UNAVAILABLE, "Request timed out"),
            Internal => (StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"),
        }
    }
}

/// One field at fault in a request.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FieldError {
    /// JSON path of the field, e.g. `score` or `[3].participant`; for a CSV file, the column.
    pub field: String,
    pub message: String,
    /// For a CSV file: the line of the file (the header is line 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

/// RFC 9457 problem details, as sent on the wire.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub code: ErrorCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// An error a handler returns; rendered as problem+json.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub detail: Option<String>,
    pub errors: Vec<FieldError>,
    /// Seconds after which a retry may succeed (sent as `Retry-After`).
    retry_after: Option<u64>,
    /// Logged, never sent.
    source: Option<anyhow::Error>,
}

impl ApiError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: Some(detail.into()),
            errors: Vec::new(),
            retry_after: None,
            source: None,
        }
    }

    /// A validation error naming the field at fault.
    pub fn field(code: ErrorCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        let message = message.into();
        Self {
            code,
            detail: Some(if field.is_empty() {
                message.clone()
            } else {
                format!("{field}: {message}")
            }),
            errors: vec![FieldError {
                field,
                message,
                line: None,
            }],
            retry_after: None,
            source: None,
        }
    }

    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        Self {
            code: ErrorCode::Internal,
            detail: None,
            errors: Vec::new(),
            retry_after: None,
            source: Some(source.into()),
        }
    }

    /// Tells the client when a retry may succeed.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn leaderboard_not_found(slug: &str) -> Self {
        Self::new(
            ErrorCode::LeaderboardNotFound,
            format!("no leaderboard has the slug '{slug}'"),
        )
    }
}

/// Whether a database error means PostgreSQL cannot take requests right now (the connection
/// broke, the server is shutting down or starting up, it is a read-only standby, no connection
/// came in time) rather than that the request or the code is at fault: what a failover or a
/// restart looks like from here. Such errors are answered 503 with `Retry-After`.
pub fn database_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|c| {
            c.starts_with("08") || matches!(c.as_ref(), "25006" | "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

/// Seconds a client is told to wait before retrying while the database is unavailable.
const DATABASE_RETRY_AFTER_SECS: u64 = 2;

impl ApiError {
    /// The database cannot take the request now (see [`database_unavailable`]): 503 with
    /// `Retry-After`; the cause is logged.
    pub fn database_unavailable(source: impl Into<anyhow::Error>) -> Self {
        Self {
            source: Some(source.into()),
            ..Self::new(
                ErrorCode::NotReady,
                "the database is unavailable (a failover or restart may be under way); retry shortly",
            )
        }
        .with_retry_after(DATABASE_RETRY_AFTER_SECS)
    }

    /// A database error: 503 when the database is unavailable, 500 otherwise.
    pub fn database(e: sqlx::Error) -> Self {
        if database_unavailable(&e) {
            Self::database_unavailable(e)
        } else {
            Self::internal(e)
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        Self::database(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, title) = self.code.status_and_title();
        if let Some(source) = &self.source {
            tracing::error!(error = format!("{source:#}"), code = ?self.code, "request failed");
        }
        let detail = if status.is_server_error() && self.code == ErrorCode::Internal {
            Some(
                "an internal error occurred; the request id identifies it in the server's log"
                    .to_owned(),
            )
        } else {
            self.detail
        };
        let body = Problem {
            kind: "about:blank".to_owned(),
            title: title.to_owned(),
            status: status.as_u16(),
            code: self.code,
            detail,
            errors: self.errors,
            request_id: current_request_id().filter(|id| !id.is_empty()),
        };
        let mut response = (status, Json(body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (_, title) = self.code.status_and_title();
        match &self.detail {
            Some(detail) => write!(f, "{title}: {detail}"),
            None => f.write_str(title),
        }
    }
}

/// Services return `ApiError`; the CLI and start-up code carry it in `anyhow` like any error.
impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e.as_ref() as _)
    }
}

/// Result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;

tokio::task_local! {
    /// The id of the request being handled (set by the HTTP layer), for error bodies.
    pub static CURRENT_REQUEST_ID: String;
}

fn current_request_id() -> Option<String> {
    CURRENT_REQUEST_ID.try_with(Clone::clone).ok()
}
