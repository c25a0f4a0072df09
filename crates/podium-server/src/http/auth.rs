//! `/auth`: sign in and out with email and password (server-side sessions in a cookie), who am
//! I, and changing one's password. The rules and transactions are `accounts::signin`'s; this
//! module sets and clears the cookie.

use axum::{
    Extension, Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::ApiJson;
use crate::{
    accounts::{Principal, Role, session, signin},
    audit::Context,
    error::{ApiError, ApiResult, ErrorCode, Problem},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(change_password))
}

/// Credentials.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    email: String,
    password: String,
}

impl std::fmt::Debug for LoginBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginBody")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// A signed-in person.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub email: String,
    pub role: Role,
}

/// Who is signed in.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    user: UserView,
}

/// Sign in. Sets the session cookie (HttpOnly, SameSite=Lax, Secure).
#[utoipa::path(post, path = "/auth/login", tag = "accounts", request_body = LoginBody,
    responses((status = 200, body = Me),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")))]
async fn login(
    State(state): State<AppState>,
    Extension(ctx): Extension<Context>,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<Response> {
    let now = state.clock.now();
    let signed_in = signin::login(
        &state.pool,
        &state.auth,
        &ctx,
        &body.email,
        body.password,
        now,
    )
    .await?;
    let cookie = session::set_cookie(
        &signed_in.token,
        state.auth.cookie_secure,
        state.auth.lifetimes.absolute,
    );
    let mut r = Json(Me {
        user: UserView {
            email: signed_in.email,
            role: signed_in.role,
        },
    })
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// Sign out: ends the session and clears the cookie.
#[utoipa::path(post, path = "/auth/logout", tag = "accounts",
    responses((status = 204, description = "Signed out"), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn logout(
    State(state): State<AppState>,
    Extension(ctx): Extension<Context>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let token = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(session::from_cookie_header);
    signin::logout(&state.pool, &ctx, token).await?;
    let mut r = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&session::clear_cookie(state.auth.cookie_secure)) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}

/// Who is signed in.
#[utoipa::path(get, path = "/auth/me", tag = "accounts",
    responses((status = 200, body = Me), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn me(Extension(principal): Extension<Principal>) -> ApiResult<Json<Me>> {
    match principal {
        Principal::User(u) => Ok(Json(Me {
            user: UserView {
                email: u.email,
                role: u.role,
            },
        })),
        _ => Err(ApiError::new(ErrorCode::Unauthorized, "not signed in")),
    }
}

/// A password change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    current_password: String,
    new_password: String,
}

impl std::fmt::Debug for PasswordBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordBody(********)")
    }
}

/// Change one's own password; every session of the account ends (sign in again).
#[utoipa::path(post, path = "/auth/password", tag = "accounts", request_body = PasswordBody,
    responses((status = 204, description = "Changed"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn change_password(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(ctx): Extension<Context>,
    ApiJson(body): ApiJson<PasswordBody>,
) -> ApiResult<Response> {
    let Principal::User(user) = principal else {
        return Err(ApiError::new(ErrorCode::Unauthorized, "not signed in"));
    };
    signin::change_password(
        &state.pool,
        &ctx,
        &user,
        body.current_password,
        body.new_password,
    )
    .await?;
    let mut r = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&session::clear_cookie(state.auth.cookie_secure)) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}
