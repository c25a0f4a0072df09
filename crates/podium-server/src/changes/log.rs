//! The change log: every committed change is appended here in the same transaction, under the
//! counter row's lock so sequence numbers are gap-free and in commit order, and announced with
//! NOTIFY. Other processes read it back to keep their rank index in step.

use chrono::{DateTime, Utc};
use podium_core::board::Entry;
use serde_json::value::RawValue;
use sqlx::{PgConnection, PgPool};

use podium_core::league::{LeagueId, LeagueVersion, MatchKey};

use super::Seq;
use crate::{
    changes::Change,
    model::{Bounds, LeaderboardDef, from_micros, to_micros},
};

/// The NOTIFY channel that announces new change-log rows.
pub const CHANNEL: &str = "podium_changes";

#[derive(Default)]
struct Columns {
    kind: Vec<&'static str>,
    leaderboard_id: Vec<i64>,
    period_id: Vec<Option<i64>>,
    participant: Vec<Option<String>>,
    score: Vec<Option<i64>>,
    subscore: Vec<Option<i64>>,
    num_submissions: Vec<Option<i64>>,
    metadata: Vec<Option<String>>,
    payload: Vec<Option<String>>,
    reached_at: Vec<Option<DateTime<Utc>>>,
    updated_at: Vec<Option<DateTime<Utc>>>,
}

impl Columns {
    fn push(&mut self, change: &Change) {
        let (kind, lb, period, payload) = match change {
            Change::Score {
                leaderboard_id,
                period_id,
                ..
            } => ("score", *leaderboard_id, Some(*period_id), None),
            Change::Erase { leaderboard_id, .. } => ("erase", *leaderboard_id, None, None),
            Change::Leaderboard(def) => {
                ("leaderboard", def.id, None, serde_json::to_string(def).ok())
            }
            Change::LeaderboardDeleted { leaderboard_id } => {
                ("leaderboard_deleted", *leaderboard_id, None, None)
            }
            Change::Period {
                leaderboard_id,
                period_id,
                bounds,
            } => (
                "period",
                *leaderboard_id,
                Some(*period_id),
                serde_json::to_string(bounds).ok(),
            ),
            // The id column names a leaderboard or, for these kinds, a league.
            Change::League {
                league_id,
                version,
                from,
            } => (
                "league",
                league_id.get(),
                None,
                Some(serde_json::json!({"version": version, "from": from}).to_string()),
            ),
            Change::LeagueDeleted { league_id } => ("league_deleted", league_id.get(), None, None),
            Change::ApiKey => ("api_key", 0, None, None),
            Change::Flag => ("flag", 0, None, None),
            Change::Profile { brief, .. } => {
                ("profile", 0, None, serde_json::to_string(brief).ok())
            }
        };
        self.kind.push(kind);
        self.leaderboard_id.push(lb);
        self.period_id.push(period);
        self.payload.push(payload);
        match change {
            Change::Score {
                entry, metadata, ..
            } => {
                self.participant.push(Some(entry.participant.to_string()));
                self.score.push(Some(entry.score));
                self.subscore.push(Some(entry.subscore));
                self.num_submissions
                    .push(Some(i64::from(entry.num_submissions)));
                self.metadata
                    .push(metadata.as_ref().map(|m| m.get().to_owned()));
                self.reached_at.push(Some(from_micros(entry.reached_at)));
                self.updated_at.push(Some(from_micros(entry.updated_at)));
            }
            Change::Erase { participant, .. } | Change::Profile { participant, .. } => {
                self.participant.push(Some(participant.clone()));
                self.push_empty_entry();
            }
            _ => {
                self.participant.push(None);
                self.push_empty_entry();
            }
        }
    }

    fn push_empty_entry(&mut self) {
        self.score.push(None);
        self.subscore.push(None);
        self.num_submissions.push(None);
        self.metadata.push(None);
        self.reached_at.push(None);
        self.updated_at.push(None);
    }
}

/// Appends `changes` and announces them; returns the first sequence number. Take this step
/// last in a transaction: from here to commit, other writers wait for the counter row. It is one
/// statement (counter, rows and notification together), so the time the counter is held is one
/// round trip and the commit.
pub async fn append(conn: &mut PgConnection, changes: &[Change]) -> Result<Seq, sqlx::Error> {
    let n = i64::try_from(changes.len()).unwrap_or(i64::MAX);
    let mut c = Columns::default();
    for change in changes {
        c.push(change);
    }
    let kind: Vec<String> = c.kind.iter().map(|k| (*k).to_owned()).collect();
    // Non-modifying CTEs run only when referenced: `notified` is joined for that reason.
    let last = sqlx::query_scalar!(
        r#"with counter as (
               update change_counter set last_seq = last_seq + $1 returning last_seq
           ), appended as (
               insert into change_log (seq, kind, leaderboard_id, period_id, participant, score,
                      subscore, num_submissions, metadata, payload, reached_at, updated_at)
               select (select last_seq from counter) - $1 + t.o, k, l, pe, pa, sc, ss, ns,
                      m::jsonb, p::jsonb, r, u
               from unnest($2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::bigint[],
                           $7::bigint[], $8::bigint[], $9::text[], $10::text[],
                           $11::timestamptz[], $12::timestamptz[])
                    with ordinality as t(k, l, pe, pa, sc, ss, ns, m, p, r, u, o)
           ), notified as (
               select pg_notify($13, (select last_seq from counter)::text)
           )
           select last_seq as "last!" from counter, notified"#,
        n,
        &kind,
        &c.leaderboard_id,
        &c.period_id as &[Option<i64>],
        &c.participant as &[Option<String>],
        &c.score as &[Option<i64>],
        &c.subscore as &[Option<i64>],
        &c.num_submissions as &[Option<i64>],
        &c.metadata as &[Option<String>],
        &c.payload as &[Option<String>],
        &c.reached_at as &[Option<DateTime<Utc>>],
        &c.updated_at as &[Option<DateTime<Utc>>],
        CHANNEL,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Seq(last - n + 1))
}

/// Takes the change counter's row lock until the transaction ends; returns the last sequence
/// number committed. Every change committed before is visible to the statements after it, and
/// none commits until this transaction does: what it reads and then appends is in order with
/// every other writer's changes.
pub async fn lock_counter(conn: &mut PgConnection) -> Result<Seq, sqlx::Error> {
    sqlx::query_scalar!("select last_seq from change_counter for update")
        .fetch_one(conn)
        .await
        .map(Seq)
}

/// The last sequence number committed.
pub async fn last_seq(conn: &mut PgConnection) -> Result<Seq, sqlx::Error> {
    sqlx::query_scalar!("select last_seq from change_counter")
        .fetch_one(conn)
        .await
        .map(Seq)
}

/// Changes after `after`, up to `until` (inclusive), at most `limit`, in sequence order. A
/// change of a kind this release does not know comes back as `None`: a newer release beside
/// this one (blue-green) wrote it, and what this process does not know it cannot show, so it
/// passes over it rather than stop following every later change.
pub async fn fetch(
    pool: &PgPool,
    after: Seq,
    until: Seq,
    limit: i64,
) -> Result<Vec<(Seq, Option<Change>)>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Row,
        r#"select seq, kind, leaderboard_id, period_id, participant, score, subscore,
                  num_submissions, metadata::text as metadata, payload::text as payload,
                  reached_at, updated_at
           from change_log where seq > $1 and seq <= $2 order by seq limit $3"#,
        after.get(),
        until.get(),
        limit
    )
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let seq = r.seq;
        out.push((Seq(seq), decode(r)?));
    }
    Ok(out)
}

/// A change-log row as read back.
struct Row {
    seq: i64,
    kind: String,
    leaderboard_id: i64,
    period_id: Option<i64>,
    participant: Option<String>,
    score: Option<i64>,
    subscore: Option<i64>,
    num_submissions: Option<i64>,
    metadata: Option<String>,
    payload: Option<String>,
    reached_at: Option<DateTime<Utc>>,
    updated_at: Option<DateTime<Utc>>,
}

/// One change-log row as a change; None for a kind this release does not know.
fn decode(r: Row) -> Result<Option<Change>, sqlx::Error> {
    let change = match r.kind.as_str() {
        "score" => Change::Score {
            leaderboard_id: r.leaderboard_id,
            period_id: r.period_id.unwrap_or_default(),
            entry: Entry {
                participant: r.participant.unwrap_or_default().into_boxed_str(),
                score: r.score.unwrap_or_default(),
                subscore: r.subscore.unwrap_or_default(),
                reached_at: r.reached_at.map(to_micros).unwrap_or_default(),
                updated_at: r.updated_at.map(to_micros).unwrap_or_default(),
                num_submissions: u32::try_from(r.num_submissions.unwrap_or(1)).unwrap_or(u32::MAX),
            },
            metadata: r.metadata.and_then(|m| RawValue::from_string(m).ok()),
        },
        "erase" => Change::Erase {
            leaderboard_id: r.leaderboard_id,
            participant: r.participant.unwrap_or_default(),
        },
        "leaderboard" => {
            let def: LeaderboardDef = serde_json::from_str(r.payload.as_deref().unwrap_or(""))
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            Change::Leaderboard(Box::new(def))
        }
        "leaderboard_deleted" => Change::LeaderboardDeleted {
            leaderboard_id: r.leaderboard_id,
        },
        "period" => {
            let bounds: Bounds = serde_json::from_str(r.payload.as_deref().unwrap_or(""))
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            Change::Period {
                leaderboard_id: r.leaderboard_id,
                period_id: r.period_id.unwrap_or_default(),
                bounds,
            }
        }
        "league" => {
            #[derive(serde::Deserialize)]
            struct Payload {
                version: LeagueVersion,
                from: Option<MatchKey>,
            }
            let p: Payload = serde_json::from_str(r.payload.as_deref().unwrap_or(""))
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            Change::League {
                league_id: LeagueId(r.leaderboard_id),
                version: p.version,
                from: p.from,
            }
        }
        "league_deleted" => Change::LeagueDeleted {
            league_id: LeagueId(r.leaderboard_id),
        },
        "api_key" => Change::ApiKey,
        "flag" => Change::Flag,
        "profile" => Change::Profile {
            participant: r.participant.unwrap_or_default(),
            brief: serde_json::from_str(r.payload.as_deref().unwrap_or(""))
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        },
        other => {
            tracing::warn!(
                seq = r.seq,
                kind = other,
                "skipping a change of a kind this release does not know"
            );
            return Ok(None);
        }
    };
    Ok(Some(change))
}

/// Deletes rows older than the retention, always keeping the newest row.
pub async fn prune(pool: &PgPool, retention_secs: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        r#"delete from change_log
           where created_at < now() - make_interval(secs => $1)
             and seq < (select last_seq from change_counter)"#,
        retention_secs as f64
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}
