//! Leaderboard definitions and periods in PostgreSQL. Every change also goes to the change log
//! in the same transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use podium_core::{
    board::Entry,
    period::ResetSchedule,
    score::{Operator, Order},
};
use serde_json::value::RawValue;
use sqlx::{PgConnection, PgPool};

use crate::changes;
use crate::{
    audit::{self, Context},
    changes::Change,
    model::{Bounds, LeaderboardDef},
};

/// A leaderboard to create, already validated.
#[derive(Debug)]
pub struct NewLeaderboard {
    pub slug: String,
    pub name: String,
    pub order: Order,
    pub operator: Operator,
    pub reset: String,
    pub timezone: String,
    pub metadata: serde_json::Value,
    pub visibility: crate::model::Visibility,
}

/// Changes to a leaderboard; `None` keeps the stored value.
#[derive(Debug, Default)]
pub struct LeaderboardPatch {
    pub name: Option<String>,
    pub metadata: Option<serde_json::Value>,
    pub reset: Option<String>,
    pub timezone: Option<String>,
    pub visibility: Option<crate::model::Visibility>,
}

/// Why a leaderboard could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("the slug is already used by another leaderboard")]
    SlugTaken,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

#[derive(Clone)]
struct Row {
    id: i64,
    slug: String,
    name: String,
    sort_order: String,
    operator: String,
    reset_schedule: String,
    timezone: String,
    metadata: serde_json::Value,
    visibility: String,
    period_anchor: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A stored leaderboard whose order, operator, schedule or time zone does not parse is an error
/// that names it (the row was changed by hand, or by a newer release): never a silent default.
impl TryFrom<Row> for LeaderboardDef {
    type Error = sqlx::Error;

    fn try_from(r: Row) -> Result<Self, sqlx::Error> {
        let bad = |what: &str, value: &str, why: String| {
            sqlx::Error::Decode(
                format!("leaderboard '{}': stored {what} '{value}': {why}", r.slug).into(),
            )
        };
        let order: Order = r
            .sort_order
            .parse()
            .map_err(|e| bad("order", &r.sort_order, format!("{e:?}")))?;
        let operator: Operator = r
            .operator
            .parse()
            .map_err(|e| bad("operator", &r.operator, format!("{e:?}")))?;
        let reset = ResetSchedule::parse(&r.reset_schedule)
            .map_err(|e| bad("reset schedule", &r.reset_schedule, e.to_string()))?;
        let timezone = podium_core::period::parse_timezone(&r.timezone)
            .map_err(|e| bad("time zone", &r.timezone, e.to_string()))?;
        Ok(LeaderboardDef {
            id: r.id,
            slug: r.slug,
            name: r.name,
            order,
            operator,
            reset,
            timezone,
            metadata: r.metadata,
            visibility: crate::model::Visibility::from_stored(&r.visibility),
            period_anchor: r.period_anchor,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[tracing::instrument(skip_all, fields(slug = %new.slug))]
pub async fn create(
    pool: &PgPool,
    new: NewLeaderboard,
    now: DateTime<Utc>,
    ctx: &Context,
) -> Result<LeaderboardDef, CreateError> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query_as!(
        Row,
        r#"insert into leaderboard (slug, name, sort_order, operator, reset_schedule, timezone,
                                    metadata, visibility, period_anchor, created_at, updated_at)
           values ($1, $2, $3, $4, $5, $6, $7, $9, $8, $8, $8)
           on conflict (slug) do nothing
           returning id, slug, name, sort_order, operator, reset_schedule, timezone, metadata,
                     visibility, period_anchor, created_at, updated_at"#,
        new.slug,
        new.name,
        new.order.as_str(),
        new.operator.as_str(),
        new.reset,
        new.timezone,
        new.metadata,
        now,
        new.visibility.as_str()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(CreateError::SlugTaken)?;
    let def = LeaderboardDef::try_from(row)?;
    audit::record(
        &mut tx,
        ctx,
        "leaderboard.create",
        &format!("leaderboard:{}", def.slug),
        None,
        serde_json::to_value(&def).ok(),
    )
    .await?;
    changes::append(&mut tx, &[Change::Leaderboard(Box::new(def.clone()))]).await?;
    tx.commit().await?;
    Ok(def)
}

/// Applies `patch`; a new schedule or time zone closes the running period now.
#[tracing::instrument(skip(pool, patch, ctx))]
pub async fn update(
    pool: &PgPool,
    id: i64,
    patch: LeaderboardPatch,
    now: DateTime<Utc>,
    ctx: &Context,
) -> Result<Option<LeaderboardDef>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(current) = sqlx::query_as!(
        Row,
        r#"select id, slug, name, sort_order, operator, reset_schedule, timezone, metadata,
                  visibility, period_anchor, created_at, updated_at
           from leaderboard where id = $1 for update"#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    let before = LeaderboardDef::try_from(current.clone())
        .ok()
        .and_then(|d| serde_json::to_value(d).ok());
    let schedule_changed = patch
        .reset
        .as_ref()
        .is_some_and(|r| *r != current.reset_schedule)
        || patch
            .timezone
            .as_ref()
            .is_some_and(|t| *t != current.timezone);
    let anchor = if schedule_changed {
        sqlx::query!(
            r#"update leaderboard_period set ends_at = $2, updated_at = $2
               where leaderboard_id = $1 and starts_at <= $2 and (ends_at is null or ends_at > $2)"#,
            id,
            now
        )
        .execute(&mut *tx)
        .await?;
        now
    } else {
        current.period_anchor
    };
    let row = sqlx::query_as!(
        Row,
        r#"update leaderboard set name = $2, metadata = $3, reset_schedule = $4, timezone = $5,
                                  period_anchor = $6, updated_at = $7, visibility = $8
           where id = $1
           returning id, slug, name, sort_order, operator, reset_schedule, timezone, metadata,
                     visibility, period_anchor, created_at, updated_at"#,
        id,
        patch.name.unwrap_or(current.name),
        patch.metadata.unwrap_or(current.metadata),
        patch.reset.unwrap_or(current.reset_schedule),
        patch.timezone.unwrap_or(current.timezone),
        anchor,
        now,
        patch
            .visibility
            .map_or(current.visibility, |v| v.as_str().to_owned())
    )
    .fetch_one(&mut *tx)
    .await?;
    let def = LeaderboardDef::try_from(row)?;
    audit::record(
        &mut tx,
        ctx,
        "leaderboard.update",
        &format!("leaderboard:{}", def.slug),
        before,
        serde_json::to_value(&def).ok(),
    )
    .await?;
    changes::append(&mut tx, &[Change::Leaderboard(Box::new(def.clone()))]).await?;
    tx.commit().await?;
    Ok(Some(def))
}

/// Deletes the leaderboard with every period and score; false when it did not exist.
#[tracing::instrument(skip(pool, ctx))]
pub async fn delete(pool: &PgPool, id: i64, ctx: &Context) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(gone) = sqlx::query!(
        "delete from leaderboard where id = $1 returning slug, name",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(false);
    };
    audit::record(
        &mut tx,
        ctx,
        "leaderboard.delete",
        &format!("leaderboard:{}", gone.slug),
        Some(serde_json::json!({"slug": gone.slug, "name": gone.name})),
        None,
    )
    .await?;
    changes::append(
        &mut tx,
        &[Change::LeaderboardDeleted { leaderboard_id: id }],
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// What a resync announced: the leaderboard, its newest period and the entries held in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resynced {
    pub id: i64,
    pub period_id: Option<i64>,
    pub entries: usize,
    /// The change-log position of the first record appended.
    pub seq: changes::Seq,
}

/// Announces a leaderboard as stored now, for rows written to the database behind the
/// processes' backs (a leaderboard restored from a backup): its definition, its newest period
/// and every entry of that period go to the change log, so each process, knowing it or not,
/// ends up with the stored board. Idempotent. Under the change counter's lock (score writers
/// wait at their commit meanwhile), so no write slips between the read and the records.
/// None when no leaderboard has the slug.
#[tracing::instrument(skip(pool, ctx))]
pub async fn resync(
    pool: &PgPool,
    slug: &str,
    ctx: &Context,
) -> Result<Option<Resynced>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    changes::lock_counter(&mut tx).await?;
    let Some(def) = load_all(&mut tx)
        .await?
        .into_iter()
        .find(|d| d.slug == slug)
    else {
        return Ok(None);
    };
    let id = def.id;
    let mut records = vec![Change::Leaderboard(Box::new(def))];
    let mut period = None;
    if let Some((period_id, bounds)) = latest_period(&mut tx, id).await? {
        let (entries, mut metadata) = load_board(&mut tx, period_id).await?;
        period = Some((period_id, entries.len()));
        records.push(Change::Period {
            leaderboard_id: id,
            period_id,
            bounds,
        });
        records.extend(entries.into_iter().map(|entry| Change::Score {
            leaderboard_id: id,
            period_id,
            metadata: metadata.remove(&entry.participant),
            entry,
        }));
    }
    let entries = period.map_or(0, |(_, n)| n);
    audit::record(
        &mut tx,
        ctx,
        "leaderboard.resync",
        &format!("leaderboard:{slug}"),
        None,
        Some(serde_json::json!({"period_id": period.map(|(p, _)| p), "entries": entries})),
    )
    .await?;
    let seq = changes::append(&mut tx, &records).await?;
    tx.commit().await?;
    Ok(Some(Resynced {
        id,
        period_id: period.map(|(p, _)| p),
        entries,
        seq,
    }))
}

pub async fn load_all(conn: &mut PgConnection) -> Result<Vec<LeaderboardDef>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Row,
        r#"select id, slug, name, sort_order, operator, reset_schedule, timezone, metadata,
                  visibility, period_anchor, created_at, updated_at
           from leaderboard order by id"#
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(LeaderboardDef::try_from).collect()
}

/// One period as listed by the API.
#[derive(Debug)]
pub struct PeriodRow {
    pub id: i64,
    pub bounds: Bounds,
}

/// Periods of a leaderboard, newest first.
pub async fn list_periods(
    pool: &PgPool,
    leaderboard_id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<PeriodRow>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select id, starts_at, ends_at from leaderboard_period
           where leaderboard_id = $1 and ($2::bigint is null or id < $2)
           order by id desc limit $3"#,
        leaderboard_id,
        before,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PeriodRow {
            id: r.id,
            bounds: Bounds {
                starts_at: r.starts_at,
                ends_at: r.ends_at,
            },
        })
        .collect())
}

/// A period of this leaderboard by id.
pub async fn find_period(
    pool: &PgPool,
    leaderboard_id: i64,
    period_id: i64,
) -> Result<Option<Bounds>, sqlx::Error> {
    Ok(sqlx::query!(
        "select starts_at, ends_at from leaderboard_period where id = $1 and leaderboard_id = $2",
        period_id,
        leaderboard_id
    )
    .fetch_optional(pool)
    .await?
    .map(|r| Bounds {
        starts_at: r.starts_at,
        ends_at: r.ends_at,
    }))
}

/// The newest period of a leaderboard.
pub async fn latest_period(
    conn: &mut PgConnection,
    leaderboard_id: i64,
) -> Result<Option<(i64, Bounds)>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"select id, starts_at, ends_at from leaderboard_period
           where leaderboard_id = $1 order by starts_at desc limit 1"#,
        leaderboard_id
    )
    .fetch_optional(conn)
    .await?
    .map(|r| {
        (
            r.id,
            Bounds {
                starts_at: r.starts_at,
                ends_at: r.ends_at,
            },
        )
    }))
}

/// Entries held for one board, plus the sparse metadata table.
pub type LoadedBoard = (Vec<Entry>, HashMap<Box<str>, Box<RawValue>>);

/// Streams every score of a period out of PostgreSQL.
pub async fn load_board(
    conn: &mut PgConnection,
    period_id: i64,
) -> Result<LoadedBoard, sqlx::Error> {
    // Sized up front: growing by doubling would leave the smaller copies behind, and the
    // allocator holds on to them for a while (about 10 MB more resident at a million entries).
    let expected =
        sqlx::query_scalar!("select count(*) from score where period_id = $1", period_id)
            .fetch_one(&mut *conn)
            .await?
            .unwrap_or(0);
    let mut entries = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    let mut metadata = HashMap::new();
    // Binary COPY instead of a query: a fifth of the work per row (see `db::copy`). The
    // statement takes no parameters; the period id is an integer.
    let statement = format!(
        "copy (select participant, score, subscore, reached_at, updated_at, num_submissions, \
                      metadata::text from score where period_id = {period_id}) \
         to stdout (format binary)"
    );
    crate::db::copy::read_rows(conn, &statement, |mut row| {
        let participant: Box<str> = Box::from(row.text()?);
        let score = row.int8()?;
        let subscore = row.int8()?;
        let reached_at = row.timestamp_micros()?;
        let updated_at = row.timestamp_micros()?;
        let num_submissions = u32::try_from(row.int8()?).unwrap_or(u32::MAX);
        if let Some(m) = row
            .opt_text()?
            .and_then(|m| RawValue::from_string(m.to_owned()).ok())
        {
            metadata.insert(participant.clone(), m);
        }
        entries.push(Entry {
            participant,
            score,
            subscore,
            reached_at,
            updated_at,
            num_submissions,
        });
        Ok(())
    })
    .await?;
    Ok((entries, metadata))
}

/// Erases a participant's entries in every period of a leaderboard; false when there were none.
#[tracing::instrument(skip(pool, ctx))]
pub async fn erase_participant(
    pool: &PgPool,
    leaderboard_id: i64,
    slug: &str,
    participant: &str,
    ctx: &Context,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query!(
        r#"delete from score s using leaderboard_period p
           where p.leaderboard_id = $1 and s.period_id = p.id and s.participant = $2"#,
        leaderboard_id,
        participant
    )
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    audit::record(
        &mut tx,
        ctx,
        "entry.erase",
        &format!("leaderboard:{slug}/participant:{participant}"),
        Some(serde_json::json!({"entries": done.rows_affected()})),
        None,
    )
    .await?;
    changes::append(
        &mut tx,
        &[Change::Erase {
            leaderboard_id,
            participant: participant.to_owned(),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
