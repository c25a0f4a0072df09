//! Login throttling per account and per address: after 5 failures each further failure locks
//! the key for twice as long as the last (1 s, 2 s, 4 s … up to 15 minutes). Kept in PostgreSQL
//! so every Podium process sees the same counts.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

/// Failures allowed before back-off starts.
pub const FREE_FAILURES: i32 = 5;
const MAX_LOCK_SECS: i64 = 15 * 60;

/// When the earliest of these keys is free again, if any is locked now.
pub async fn locked_until(
    pool: &PgPool,
    keys: &[String],
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    let until = sqlx::query_scalar!(
        "select max(locked_until) from login_throttle where key = any($1) and locked_until > $2",
        keys,
        now
    )
    .fetch_one(pool)
    .await?;
    Ok(until)
}

/// Counts a failure against each key and locks those past the free failures.
pub async fn fail(pool: &PgPool, keys: &[String], now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    for key in keys {
        let failures = sqlx::query_scalar!(
            r#"insert into login_throttle (key, failures, updated_at) values ($1, 1, $2)
               on conflict (key) do update set failures = login_throttle.failures + 1, updated_at = $2
               returning failures"#,
            key,
            now
        )
        .fetch_one(pool)
        .await?;
        if failures >= FREE_FAILURES {
            let exponent = (failures - FREE_FAILURES).min(20) as u32;
            let secs = 2_i64.saturating_pow(exponent).min(MAX_LOCK_SECS);
            sqlx::query!(
                "update login_throttle set locked_until = $2 where key = $1",
                key,
                now + Duration::seconds(secs)
            )
            .execute(pool)
            .await?;
        }
    }
    Ok(())
}

/// Forgets the failures of a key (after a successful login).
pub async fn clear(pool: &PgPool, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("delete from login_throttle where key = $1", key)
        .execute(pool)
        .await?;
    Ok(())
}
