//! The accounts service: the write transactions on people and API keys that both the HTTP API
//! and the CLI perform (validation, the row, its audit record and the change record, committed
//! together). Neither caller repeats them, and the CLI needs nothing of `http`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa::ToSchema;

use super::{
    Auth, Principal, Role, Scope, check_password_strength, keys::NewKey, normalize_email, session,
    signin::hash_blocking,
};
use crate::{
    audit::{self, Context},
    changes::{self, Change},
    error::{ApiError, ApiResult, ErrorCode},
};

/// A field of a request that is not acceptable, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: &'static str,
    pub message: String,
}

impl Invalid {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// Checks a new key's name, scopes and expiry.
pub fn validate_key(
    name: &str,
    scopes: &[Scope],
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), Invalid> {
    let n = name.trim().chars().count();
    if n == 0 || n > 100 {
        return Err(Invalid::new("name", "must be 1 to 100 characters"));
    }
    if scopes.is_empty() {
        return Err(Invalid::new("scopes", "give at least one scope"));
    }
    if let Some(at) = expires_at
        && at <= now
    {
        return Err(Invalid::new(
            "expires_at",
            format!(
                "must be in the future (got {}, now is {})",
                at.to_rfc3339(),
                now.to_rfc3339()
            ),
        ));
    }
    Ok(())
}

/// Stores a key, audits it and tells every process; returns (id, token). `auth` is this
/// process's key cache, reloaded after the commit so the key works at once (None: the CLI).
pub async fn create_key(
    pool: &PgPool,
    auth: Option<&Auth>,
    ctx: &Context,
    new: &NewKey,
) -> Result<(i64, crate::accounts::Token), sqlx::Error> {
    let mut tx = pool.begin().await?;
    let (id, prefix, token) = crate::accounts::keys::create(&mut tx, new).await?;
    audit::record(
        &mut tx,
        ctx,
        "key.create",
        &format!("key:pk_{prefix}"),
        None,
        Some(serde_json::json!({"name": new.name, "scopes": new.scopes, "leaderboards": new.leaderboards, "leagues": new.leagues, "expires_at": new.expires_at})),
    )
    .await?;
    changes::append(&mut tx, &[Change::ApiKey]).await?;
    tx.commit().await?;
    if let Some(auth) = auth {
        auth.keys.reload(pool).await?;
    }
    Ok((id, token))
}

/// Revokes a key on every process (this one at once, through `auth`).
pub async fn revoke_key(pool: &PgPool, auth: &Auth, ctx: &Context, id: i64) -> ApiResult<()> {
    let mut tx = pool.begin().await?;
    let prefix = sqlx::query_scalar!(
        "update api_key set revoked_at = coalesce(revoked_at, now()), updated_at = now() where id = $1 returning prefix",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| ApiError::new(ErrorCode::KeyNotFound, format!("no API key has the id {id}")))?;
    audit::record(
        &mut tx,
        ctx,
        "key.revoke",
        &format!("key:pk_{prefix}"),
        Some(serde_json::json!({"revoked": false})),
        Some(serde_json::json!({"revoked": true})),
    )
    .await?;
    changes::append(&mut tx, &[Change::ApiKey]).await?;
    tx.commit().await?;
    auth.keys.reload(pool).await?;
    Ok(())
}

/// An API key (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    pub id: i64,
    pub name: String,
    /// Shown as `pk_<prefix>_…`.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub leaderboards: Option<Vec<String>>,
    pub leagues: Option<Vec<String>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// Every key (newest first), or the one with `id`.
pub async fn keys(pool: &PgPool, id: Option<i64>) -> Result<Vec<KeyView>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select id, name, prefix, scopes, leaderboards, leagues, expires_at, last_used_at, revoked_at,
                  created_by, created_at
           from api_key where $1::bigint is null or id = $1 order by created_at desc, id desc"#,
        id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| KeyView {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            scopes: r.scopes.iter().filter_map(|s| Scope::parse(s)).collect(),
            leaderboards: r.leaderboards,
            leagues: r.leagues,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked: r.revoked_at.is_some(),
            created_by: r.created_by,
            created_at: r.created_at,
        })
        .collect())
}

/// Stores an account and audits it; None when the email is taken.
pub async fn create_user(
    pool: &PgPool,
    ctx: &Context,
    email: &str,
    hash: &str,
    role: Role,
) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar!(
        "insert into app_user (email, password_hash, role) values ($1, $2, $3) on conflict (email) do nothing returning id",
        email,
        hash,
        role.as_str()
    )
    .fetch_optional(&mut *tx)
    .await?;
    if id.is_some() {
        audit::record(
            &mut tx,
            ctx,
            "user.create",
            &format!("user:{email}"),
            None,
            Some(serde_json::json!({"email": email, "role": role})),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(id)
}

/// An account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserRecord {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Every account, by email.
pub async fn users(pool: &PgPool) -> Result<Vec<UserRecord>, sqlx::Error> {
    let rows = sqlx::query!(
        "select id, email, role, disabled_at, created_at, updated_at from app_user order by email"
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| UserRecord {
            id: r.id,
            email: r.email,
            role: Role::parse(&r.role).unwrap_or(Role::Viewer),
            disabled: r.disabled_at.is_some(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect())
}

/// One account.
pub async fn user(pool: &PgPool, id: i64) -> ApiResult<UserRecord> {
    let r = sqlx::query!(
        "select id, email, role, disabled_at, created_at, updated_at from app_user where id = $1",
        id
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| ApiError::new(ErrorCode::UserNotFound, format!("no user has the id {id}")))?;
    Ok(UserRecord {
        id: r.id,
        email: r.email,
        role: Role::parse(&r.role).unwrap_or(Role::Viewer),
        disabled: r.disabled_at.is_some(),
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// The role of the caller when it is a person; keys act as admins.
fn caller_role(p: &Principal) -> Role {
    match p {
        Principal::User(u) => u.role,
        _ => Role::Admin,
    }
}

/// Admins manage editors and viewers; only owners manage admins and owners.
fn may_manage(caller: Role, role: Role) -> ApiResult<()> {
    if role >= Role::Admin && caller < Role::Owner {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "only an owner manages admins and owners",
        ));
    }
    Ok(())
}

/// Checks and stores a new account on behalf of `caller` (who may grant `role`).
pub async fn register(
    pool: &PgPool,
    caller: &Principal,
    ctx: &Context,
    email: &str,
    password: String,
    role: Role,
) -> ApiResult<UserRecord> {
    may_manage(caller_role(caller), role)?;
    let email = normalize_email(email)
        .map_err(|m| ApiError::field(ErrorCode::ValidationFailed, "email", m))?;
    check_password_strength(&password)
        .map_err(|m| ApiError::field(ErrorCode::ValidationFailed, "password", m))?;
    let hash = hash_blocking(password).await?;
    let id = create_user(pool, ctx, &email, &hash, role)
        .await?
        .ok_or_else(|| {
            ApiError::field(
                ErrorCode::EmailTaken,
                "email",
                format!("an account with '{email}' already exists"),
            )
        })?;
    user(pool, id).await
}

/// Changes to an account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// A new password (an administrator's reset); every session of the account ends.
    pub password: Option<String>,
}

impl std::fmt::Debug for UpdateUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateUser")
            .field("role", &self.role)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// Changes an account's role, disables or enables it, or resets its password, on behalf of
/// `caller`: nobody manages a role above their own, disables or demotes themselves. Disabling
/// and a reset end every session of the account in the same transaction.
pub async fn update_user(
    pool: &PgPool,
    caller: &Principal,
    ctx: &Context,
    id: i64,
    patch: UpdateUser,
) -> ApiResult<UserRecord> {
    let before = user(pool, id).await?;
    let role = caller_role(caller);
    may_manage(role, before.role)?;
    if let Some(new_role) = patch.role {
        may_manage(role, new_role)?;
    }
    if let Principal::User(u) = caller
        && u.id == id
        && (patch.disabled == Some(true) || patch.role.is_some_and(|r| r < u.role))
    {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "you cannot disable or demote yourself",
        ));
    }
    let hash = match patch.password {
        Some(p) => {
            check_password_strength(&p)
                .map_err(|m| ApiError::field(ErrorCode::ValidationFailed, "password", m))?;
            Some(hash_blocking(p).await?)
        }
        None => None,
    };
    let mut tx = pool.begin().await?;
    sqlx::query!(
        r#"update app_user set role = coalesce($2, role),
               disabled_at = case when $3::bool is null then disabled_at when $3 then coalesce(disabled_at, now()) else null end,
               password_hash = coalesce($4, password_hash), updated_at = now()
           where id = $1"#,
        id,
        patch.role.map(Role::as_str),
        patch.disabled,
        hash
    )
    .execute(&mut *tx)
    .await?;
    if patch.disabled == Some(true) || hash.is_some() {
        session::end_all(&mut tx, id).await?;
    }
    let after = serde_json::json!({
        "role": patch.role.unwrap_or(before.role),
        "disabled": patch.disabled.unwrap_or(before.disabled),
        "password_reset": hash.is_some(),
    });
    audit::record(
        &mut tx,
        ctx,
        "user.update",
        &format!("user:{}", before.email),
        Some(serde_json::json!({"role": before.role, "disabled": before.disabled})),
        Some(after),
    )
    .await?;
    tx.commit().await?;
    user(pool, id).await
}

impl From<Invalid> for crate::error::ApiError {
    fn from(e: Invalid) -> Self {
        Self::field(
            crate::error::ErrorCode::ValidationFailed,
            e.field,
            e.message,
        )
    }
}
