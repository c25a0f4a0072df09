//! Signing in and out and changing one's password: the throttle, the password check, the
//! session and the audit record of each. Unknown accounts and wrong passwords get the same
//! answer in the same time; repeated failures back off per account and per address.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::{
    Auth, Role, Token, UserPrincipal, check_password_strength, hash_password, normalize_email,
    session, throttle, verify_password,
};
use crate::{
    audit::{self, Context},
    error::{ApiError, ApiResult, ErrorCode},
};

/// A person who has just signed in, and the session token for their cookie.
#[derive(Debug)]
pub struct SignedIn {
    pub email: String,
    pub role: Role,
    pub token: Token,
}

fn wrong_credentials() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidCredentials,
        "the email or the password is wrong",
    )
}

/// Checks the credentials and starts a session. Refused while the account or the address is
/// throttled (with the seconds to wait), and with one answer for every wrong credential.
pub async fn login(
    pool: &PgPool,
    auth: &Auth,
    ctx: &Context,
    email: &str,
    password: String,
    now: DateTime<Utc>,
) -> ApiResult<SignedIn> {
    let email = normalize_email(email).unwrap_or_else(|_| email.trim().to_lowercase());
    let keys = [
        format!("email:{email}"),
        format!("ip:{}", ctx.ip.as_deref().unwrap_or("-")),
    ];
    if let Some(until) = throttle::locked_until(pool, &keys, now).await? {
        let wait = (until - now).num_seconds().max(1);
        metrics::counter!(crate::metrics::LOGIN_FAILURES, "reason" => "throttled").increment(1);
        tracing::warn!(email = %email, reason = "throttled", "login failed");
        return Err(ApiError::new(
            ErrorCode::TooManyAttempts,
            format!("too many failed sign-ins; try again in {wait} s"),
        )
        .with_retry_after(wait as u64));
    }
    let user = sqlx::query!(
        "select id, email, password_hash, role, disabled_at from app_user where email = $1",
        email
    )
    .fetch_optional(pool)
    .await?;
    // Verify even for an unknown account (against a dummy hash): the same time either way.
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, hash.as_deref()))
        .await
        .unwrap_or(false);
    let user = match user {
        Some(u) if ok && u.disabled_at.is_none() => u,
        _ => {
            metrics::counter!(crate::metrics::LOGIN_FAILURES, "reason" => "wrong_credentials")
                .increment(1);
            tracing::warn!(email = %email, reason = "wrong_credentials", "login failed");
            throttle::fail(pool, &keys, now).await?;
            let failed = Context {
                actor: "anonymous".into(),
                ..ctx.clone()
            };
            audit_alone(pool, &failed, "auth.login_failed", &format!("user:{email}")).await?;
            return Err(wrong_credentials());
        }
    };
    throttle::clear(pool, &keys[0]).await?;
    let token = session::start(
        pool,
        user.id,
        ctx.ip.as_deref(),
        ctx.user_agent.as_deref(),
        now,
        auth.lifetimes,
    )
    .await?;
    let target = format!("user:{}", user.email);
    let who = Context {
        actor: target.clone(),
        ..ctx.clone()
    };
    audit_alone(pool, &who, "auth.login", &target).await?;
    Ok(SignedIn {
        email: user.email,
        role: Role::parse(&user.role).unwrap_or(Role::Viewer),
        token,
    })
}

/// Ends the session of `token` (if any) and records the sign-out.
pub async fn logout(pool: &PgPool, ctx: &Context, token: Option<&str>) -> ApiResult<()> {
    if let Some(token) = token {
        session::end(pool, token).await?;
    }
    audit_alone(pool, ctx, "auth.logout", &ctx.actor).await
}

/// Changes one's own password after checking the current one; every session of the account
/// ends with the change, in the same transaction.
pub async fn change_password(
    pool: &PgPool,
    ctx: &Context,
    user: &UserPrincipal,
    current: String,
    new: String,
) -> ApiResult<()> {
    check_password_strength(&new)
        .map_err(|m| ApiError::field(ErrorCode::ValidationFailed, "new_password", m))?;
    let stored = sqlx::query_scalar!("select password_hash from app_user where id = $1", user.id)
        .fetch_one(pool)
        .await?;
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
    let hash = hash_blocking(new).await?;
    let mut tx = pool.begin().await?;
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
        ctx,
        "user.password_change",
        &format!("user:{}", user.email),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Hashes a password off the async threads (Argon2 takes tens of milliseconds by design).
pub async fn hash_blocking(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))
}

/// An audit record of its own (an event that changes no other row).
async fn audit_alone(pool: &PgPool, ctx: &Context, action: &str, target: &str) -> ApiResult<()> {
    let mut tx = pool.begin().await?;
    audit::record(&mut tx, ctx, action, target, None, None).await?;
    tx.commit().await?;
    Ok(())
}
