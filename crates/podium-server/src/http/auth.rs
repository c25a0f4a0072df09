//! `/auth`: sign in and out with email and password (server-side sessions in a cookie), who am
//! I, and changing one's password. Unknown accounts and wrong passwords get the same answer in
//! the same time; repeated failures back off per account and per address.

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
    accounts::{
        Principal, Role, hash_password, normalize_email, session, throttle, verify_password,
    },
    audit::{self, Context},
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

fn invalid() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidCredentials,
        "the email or the password is wrong",
    )
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
    let email = normalize_email(&body.email).unwrap_or_else(|_| body.email.trim().to_lowercase());
    let keys = [
        format!("email:{email}"),
        format!("ip:{}", ctx.ip.as_deref().unwrap_or("-")),
    ];
    if let Some(until) = throttle::locked_until(&state.pool, &keys, now).await? {
        let wait = (until - now).num_seconds().max(1);
        metrics::counter!(crate::metrics::LOGIN_FAILURES, "reason" => "throttled").increment(1);
        tracing::warn!(email = %email, reason = "throttled", "login failed");
        let mut r = ApiError::new(
            ErrorCode::TooManyAttempts,
            format!("too many failed sign-ins; try again in {wait} s"),
        )
        .into_response();
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return Ok(r);
    }
    let user = sqlx::query!(
        "select id, email, password_hash, role, disabled_at from app_user where email = $1",
        email
    )
    .fetch_optional(&state.pool)
    .await?;
    // Verify even for an unknown account (against a dummy hash): the same time either way.
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let password = body.password;
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, hash.as_deref()))
        .await
        .unwrap_or(false);
    let user = match user {
        Some(u) if ok && u.disabled_at.is_none() => u,
        _ => {
            metrics::counter!(crate::metrics::LOGIN_FAILURES, "reason" => "wrong_credentials")
                .increment(1);
            tracing::warn!(email = %email, reason = "wrong_credentials", "login failed");
            throttle::fail(&state.pool, &keys, now).await?;
            let mut tx = state.pool.begin().await?;
            let mut failed = ctx.clone();
            failed.actor = "anonymous".into();
            audit::record(
                &mut tx,
                &failed,
                "auth.login_failed",
                &format!("user:{email}"),
                None,
                None,
            )
            .await?;
            tx.commit().await?;
            return Err(invalid());
        }
    };
    throttle::clear(&state.pool, &keys[0]).await?;
    let token = session::start(
        &state.pool,
        user.id,
        ctx.ip.as_deref(),
        ctx.user_agent.as_deref(),
        now,
        state.auth.lifetimes,
    )
    .await?;
    let mut tx = state.pool.begin().await?;
    let mut who = ctx.clone();
    who.actor = format!("user:{}", user.email);
    audit::record(
        &mut tx,
        &who,
        "auth.login",
        &format!("user:{}", user.email),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    let role = Role::parse(&user.role).unwrap_or(Role::Viewer);
    let cookie = session::set_cookie(
        &token,
        state.auth.cookie_secure,
        state.auth.lifetimes.absolute,
    );
    let mut r = Json(Me {
        user: UserView {
            email: user.email,
            role,
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
    if let Some(token) = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(session::from_cookie_header)
    {
        session::end(&state.pool, token).await?;
    }
    let mut tx = state.pool.begin().await?;
    audit::record(&mut tx, &ctx, "auth.logout", &ctx.actor, None, None).await?;
    tx.commit().await?;
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
    crate::accounts::check_password_strength(&body.new_password)
        .map_err(|m| ApiError::field(ErrorCode::ValidationFailed, "new_password", m))?;
    let stored = sqlx::query_scalar!("select password_hash from app_user where id = $1", user.id)
        .fetch_one(&state.pool)
        .await?;
    let current = body.current_password;
    let ok = tokio::task::spawn_blocking(move || verify_password(&current, Some(&stored)))
        .await
        .unwrap_or(false);
    if !ok {
        return Err(ApiError::field(
            ErrorCode::InvalidCredentials,
            "current_password",
            "is wrong",
        ));
    }
    let new = body.new_password;
    let hash = tokio::task::spawn_blocking(move || hash_password(&new))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))?;
    let mut tx = state.pool.begin().await?;
    sqlx::query!(
        "update app_user set password_hash = $2, updated_at = now() where id = $1",
        user.id,
        hash
    )
    .execute(&mut *tx)
    .await?;
    session::end_all(&mut tx, user.id).await?;
    audit::record(
        &mut tx,
        &ctx,
        "user.password_change",
        &format!("user:{}", user.email),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    let mut r = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&session::clear_cookie(state.auth.cookie_secure)) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}
