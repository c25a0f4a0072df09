//! Server-side sessions in PostgreSQL. The cookie carries a random id; the table keeps its
//! SHA-256, the user, and idle and absolute expiry. A new id at every login (no fixation).

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

use super::{Role, Token, UserPrincipal, digest, random_token};

/// The session cookie's name.
pub const COOKIE: &str = "podium_session";

/// Idle and absolute lifetimes of sessions.
#[derive(Clone, Copy, Debug)]
pub struct Lifetimes {
    pub idle: Duration,
    pub absolute: Duration,
}

/// Starts a session for `user_id`; returns the id to put in the cookie.
pub async fn start(
    pool: &PgPool,
    user_id: i64,
    ip: Option<&str>,
    user_agent: Option<&str>,
    now: DateTime<Utc>,
    life: Lifetimes,
) -> Result<Token, sqlx::Error> {
    let token = random_token();
    let ua: Option<String> = user_agent.map(|u| u.chars().take(400).collect());
    sqlx::query!(
        r#"insert into user_session (id_hash, user_id, ip, user_agent, created_at, last_seen_at, expires_at)
           values ($1, $2, $3, $4, $5, $5, $6)"#,
        digest(&token.0),
        user_id,
        ip,
        ua,
        now,
        now + life.absolute
    )
    .execute(pool)
    .await?;
    Ok(token)
}

/// The user behind a session cookie, if the session is alive; refreshes its idle timer (at most
/// once a minute, so reads do not each write).
pub async fn resolve(
    pool: &PgPool,
    token: &str,
    now: DateTime<Utc>,
    life: Lifetimes,
) -> Result<Option<UserPrincipal>, sqlx::Error> {
    let hash = digest(token);
    let Some(row) = sqlx::query!(
        r#"select s.user_id, s.last_seen_at, s.expires_at, u.email, u.role, u.disabled_at
           from user_session s join app_user u on u.id = s.user_id
           where s.id_hash = $1"#,
        hash
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    if row.expires_at <= now || row.last_seen_at + life.idle <= now || row.disabled_at.is_some() {
        sqlx::query!("delete from user_session where id_hash = $1", hash)
            .execute(pool)
            .await?;
        return Ok(None);
    }
    if now - row.last_seen_at > Duration::seconds(60) {
        sqlx::query!(
            "update user_session set last_seen_at = $2 where id_hash = $1",
            hash,
            now
        )
        .execute(pool)
        .await?;
    }
    Ok(Role::parse(&row.role).map(|role| UserPrincipal {
        id: row.user_id,
        email: row.email,
        role,
    }))
}

/// Ends a session.
pub async fn end(pool: &PgPool, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("delete from user_session where id_hash = $1", digest(token))
        .execute(pool)
        .await?;
    Ok(())
}

/// Ends every session of a user (disabled, or password changed).
pub async fn end_all(conn: &mut sqlx::PgConnection, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!("delete from user_session where user_id = $1", user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The session id in a `Cookie` header, if any.
pub fn from_cookie_header(header: &str) -> Option<&str> {
    header.split(';').find_map(|part| {
        let (name, value) = part.trim().split_once('=')?;
        (name == COOKIE && !value.is_empty()).then_some(value)
    })
}

/// The `Set-Cookie` value for a new session.
pub fn set_cookie(token: &Token, secure: bool, max_age: Duration) -> String {
    format!(
        "{COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        token.0,
        max_age.num_seconds(),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}
