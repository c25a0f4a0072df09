//! Pruning what expires in the accounts tables: sessions past their idle or absolute expiry,
//! and login-throttle rows that are not locked and saw no failure for a day (so a forgotten
//! password last month does not count against today). The audit log is never pruned here.
//! Every process runs it hourly; running it twice at once is harmless (plain deletes).

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::session::Lifetimes;

/// How long a throttle row with no lock is kept after its last failure.
pub const THROTTLE_MEMORY: chrono::Duration = chrono::Duration::hours(24);
/// How often the pruning runs.
pub const EVERY: Duration = Duration::from_secs(3600);

/// Rows one pass deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub sessions: u64,
    pub throttles: u64,
}

/// Deletes the sessions that can no longer be used and the throttle rows that are over.
pub async fn prune(
    pool: &PgPool,
    life: Lifetimes,
    now: DateTime<Utc>,
) -> Result<Pruned, sqlx::Error> {
    let sessions = sqlx::query!(
        "delete from user_session where expires_at <= $1 or last_seen_at <= $2",
        now,
        now - life.idle
    )
    .execute(pool)
    .await?
    .rows_affected();
    let throttles = sqlx::query!(
        "delete from login_throttle where (locked_until is null or locked_until <= $1) and updated_at <= $2",
        now,
        now - THROTTLE_MEMORY
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(Pruned {
        sessions,
        throttles,
    })
}

/// Prunes now and then every [`EVERY`], until the task is stopped.
pub async fn prune_forever(pool: PgPool, life: Lifetimes, clock: crate::clock::Clock) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match prune(&pool, life, clock.now()).await {
            Ok(p) => {
                metrics::counter!(crate::metrics::PRUNED_ROWS, "table" => "user_session")
                    .increment(p.sessions);
                metrics::counter!(crate::metrics::PRUNED_ROWS, "table" => "login_throttle")
                    .increment(p.throttles);
                if p != Pruned::default() {
                    tracing::info!(
                        sessions = p.sessions,
                        throttles = p.throttles,
                        "pruned expired sessions and login throttles"
                    );
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not prune expired sessions and login throttles")
            }
        }
    }
}
