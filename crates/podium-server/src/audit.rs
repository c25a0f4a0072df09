//! The audit log: every state-changing action by a person or a key, with actor, address, user
//! agent, request id, action, target and a before/after picture, written in the same
//! transaction as the change. The table is append-only in the database itself.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use utoipa::ToSchema;

/// Who did something, from where (built per request by the authorization middleware).
#[derive(Clone, Debug, Default)]
pub struct Context {
    pub actor: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

impl Context {
    /// Actions taken from the command line.
    pub fn cli() -> Self {
        Self {
            actor: "cli".to_owned(),
            ..Self::default()
        }
    }
}

/// Records one action inside the caller's transaction.
pub async fn record(
    conn: &mut PgConnection,
    ctx: &Context,
    action: &str,
    target: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"insert into audit_log (actor, ip, user_agent, request_id, action, target, before, after)
           values ($1, $2, $3, $4, $5, $6, $7, $8)"#,
        ctx.actor,
        ctx.ip,
        ctx.user_agent,
        ctx.request_id,
        action,
        target,
        before,
        after
    )
    .execute(conn)
    .await?;
    metrics::counter!(crate::metrics::AUDIT_EVENTS, "action" => action.to_owned()).increment(1);
    Ok(())
}

/// One audit record as read back.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Entry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub action: String,
    pub target: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
}

/// Filters for reading the log; every one optional.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Only records with an id below this (newest first paging) — or above it with `ascending`.
    pub cursor: Option<i64>,
    pub ascending: bool,
}

/// Records matching the filter, newest first (oldest first when ascending).
pub async fn list(pool: &PgPool, f: &Filter, limit: i64) -> Result<Vec<Entry>, sqlx::Error> {
    sqlx::query_as!(
        Entry,
        r#"select id, at, actor, ip, user_agent, request_id, action, target, before, after
           from audit_log
           where ($1::text is null or actor = $1)
             and ($2::text is null or action = $2)
             and ($3::text is null or target = $3)
             and ($4::timestamptz is null or at >= $4)
             and ($5::timestamptz is null or at < $5)
             and ($6::bigint is null or (case when $7 then id > $6 else id < $6 end))
           order by case when $7 then id end asc, case when not $7 then id end desc
           limit $8"#,
        f.actor,
        f.action,
        f.target,
        f.since,
        f.until,
        f.cursor,
        f.ascending,
        limit
    )
    .fetch_all(pool)
    .await
}
