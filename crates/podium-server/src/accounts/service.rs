//! The accounts service: the write transactions on people and API keys that both the HTTP API
//! and the CLI perform (validation, the row, its audit record and the change record, committed
//! together). Neither caller repeats them, and the CLI needs nothing of `http`.

use chrono::{DateTime, Utc};

use super::{Role, Scope, keys::NewKey};
use crate::{
    audit::{self, Context},
    changes,
    changes::Change,
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

/// Stores a key, audits it and tells every process; returns (id, token).
pub async fn create_key(
    pool: &sqlx::PgPool,
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
    Ok((id, token))
}

/// Stores an account and audits it; None when the email is taken.
pub async fn create_user(
    pool: &sqlx::PgPool,
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

impl From<Invalid> for crate::error::ApiError {
    fn from(e: Invalid) -> Self {
        Self::field(
            crate::error::ErrorCode::ValidationFailed,
            e.field,
            e.message,
        )
    }
}
