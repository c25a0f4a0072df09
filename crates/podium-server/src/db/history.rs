//! Rating history: each rated match's before and after for every participant. Rewritten from
//! the first affected match whenever a late, edited or voided match replays the ratings.

use chrono::{DateTime, Utc};
use podium_core::rating::Standing;
use sqlx::{PgConnection, PgPool};

use crate::{
    league::Key,
    model::{from_micros, to_micros},
};

/// One participant's change in one match.
#[derive(Clone, Debug)]
pub struct HistoryRow {
    pub match_id: i64,
    pub num: u32,
    pub season: i32,
    pub played_at: i64,
    pub display_before: f64,
    pub display_after: f64,
    pub before: Standing,
    pub after: Standing,
}

impl HistoryRow {
    /// The row as it reads back from the table.
    pub fn entry(&self) -> HistoryEntry {
        let a = &self.after;
        HistoryEntry {
            match_id: self.match_id,
            num: self.num as i32,
            season: self.season,
            played_at: from_micros(self.played_at),
            display_before: self.display_before,
            display_after: self.display_after,
            rating_after: a.rating,
            deviation_after: a.deviation,
            volatility_after: a.volatility,
            mu_after: a.mu,
            sigma_after: a.sigma,
            points_after: a.points,
        }
    }
}

/// Rows beyond this go through COPY.
const CHUNK: usize = 5_000;

/// Deletes the season's history after `after` (all of it for None).
pub async fn delete_after(
    tx: &mut PgConnection,
    league_id: i64,
    season: i32,
    after: Option<Key>,
) -> Result<u64, sqlx::Error> {
    let (at, id) = after.map_or((None, 0), |(t, id)| (Some(from_micros(t)), id));
    let done = sqlx::query!(
        r#"delete from rating_history where league_id = $1 and season = $2
             and ($3::timestamptz is null or (played_at, match_id) > ($3, $4))"#,
        league_id,
        season,
        at,
        id
    )
    .execute(tx)
    .await?;
    Ok(done.rows_affected())
}

/// Deletes the history of one match (a voided match).
pub async fn delete_match(
    tx: &mut PgConnection,
    league_id: i64,
    season: i32,
    played_at: DateTime<Utc>,
    match_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"delete from rating_history
           where league_id = $1 and season = $2 and played_at = $3 and match_id = $4"#,
        league_id,
        season,
        played_at,
        match_id
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Makes sure the tables for a league's season exist (a new league, a new season).
pub async fn add_season(
    tx: &mut PgConnection,
    league_id: i64,
    season: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "select podium_history_partition($1, $2) as done",
        league_id,
        season
    )
    .fetch_one(tx)
    .await?;
    Ok(())
}

/// Drops a league's whole history (the league is being deleted).
pub async fn drop_league(tx: &mut PgConnection, league_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!("select podium_history_drop($1) as done", league_id)
        .fetch_one(tx)
        .await?;
    Ok(())
}

/// Replaces a season's whole history (a full recompute): loads the rows into a fresh table
/// without indexes, indexes it in one pass and swaps it in for the season's table, all inside
/// the caller's transaction.
pub async fn replace_season(
    tx: &mut PgConnection,
    league_id: i64,
    season: i32,
    rows: &[HistoryRow],
) -> Result<(), sqlx::Error> {
    let stage = sqlx::query_scalar!(
        r#"select podium_history_stage($1, $2) as "stage!""#,
        league_id,
        season
    )
    .fetch_one(&mut *tx)
    .await?;
    // The name is made of two integers; checked anyway, since it goes into the statement.
    if stage != format!("rating_history_{league_id}_{season}_new") {
        return Err(sqlx::Error::Protocol(format!(
            "unexpected history stage table {stage:?}"
        )));
    }
    copy(tx, &stage, league_id, rows).await?;
    sqlx::query!(
        "select podium_history_swap($1, $2) as done",
        league_id,
        season
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(())
}

/// Inserts history rows: one statement for a few, COPY for many (a full recompute).
pub async fn insert(
    tx: &mut PgConnection,
    league_id: i64,
    rows: &[HistoryRow],
) -> Result<(), sqlx::Error> {
    if rows.len() > CHUNK {
        return copy(tx, "rating_history", league_id, rows).await;
    }
    let n = rows.len();
    let mut match_id = Vec::with_capacity(n);
    let mut num = Vec::with_capacity(n);
    let mut season = Vec::with_capacity(n);
    let mut played_at = Vec::with_capacity(n);
    let mut f: [Vec<f64>; 7] = Default::default();
    let mut points = Vec::with_capacity(n);
    for r in rows {
        match_id.push(r.match_id);
        num.push(r.num as i32);
        season.push(r.season);
        played_at.push(from_micros(r.played_at));
        let a = &r.after;
        for (col, v) in f.iter_mut().zip([
            r.display_before,
            r.display_after,
            a.rating,
            a.deviation,
            a.volatility,
            a.mu,
            a.sigma,
        ]) {
            col.push(v);
        }
        points.push(a.points);
    }
    sqlx::query!(
        r#"insert into rating_history (league_id, match_id, num, season, played_at,
               display_before, display_after, rating_after, deviation_after, volatility_after,
               mu_after, sigma_after, points_after)
           select $1, * from unnest($2::bigint[], $3::int[], $4::int[], $5::timestamptz[],
               $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::float8[],
               $11::float8[], $12::float8[], $13::bigint[])"#,
        league_id,
        &match_id,
        &num,
        &season,
        &played_at as &[DateTime<Utc>],
        &f[0],
        &f[1],
        &f[2],
        &f[3],
        &f[4],
        &f[5],
        &f[6],
        &points
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Streams rows into `table` with `COPY … FROM STDIN` (text format), about a megabyte per
/// message.
async fn copy(
    tx: &mut PgConnection,
    table: &str,
    league_id: i64,
    rows: &[HistoryRow],
) -> Result<(), sqlx::Error> {
    use std::fmt::Write;
    let mut copy = tx
        .copy_in_raw(&format!(
            "copy {table} (league_id, match_id, num, season, played_at, display_before, \
             display_after, rating_after, deviation_after, volatility_after, mu_after, \
             sigma_after, points_after) from stdin"
        ))
        .await?;
    let mut buf = String::with_capacity(1 << 21);
    for r in rows {
        let at = from_micros(r.played_at).format("%Y-%m-%d %H:%M:%S%.6f+00");
        let a = &r.after;
        let _ = writeln!(
            buf,
            "{league_id}\t{}\t{}\t{}\t{at}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            r.match_id,
            r.num,
            r.season,
            r.display_before,
            r.display_after,
            a.rating,
            a.deviation,
            a.volatility,
            a.mu,
            a.sigma,
            a.points,
        );
        if buf.len() >= 1 << 20 {
            copy.send(buf.as_bytes()).await?;
            buf.clear();
        }
    }
    if !buf.is_empty() {
        copy.send(buf.as_bytes()).await?;
    }
    copy.finish().await?;
    Ok(())
}

/// A stored history row as read back.
#[derive(Clone, Debug)]
pub struct HistoryEntry {
    pub match_id: i64,
    pub num: i32,
    pub season: i32,
    pub played_at: DateTime<Utc>,
    pub display_before: f64,
    pub display_after: f64,
    pub rating_after: f64,
    pub deviation_after: f64,
    pub volatility_after: f64,
    pub mu_after: f64,
    pub sigma_after: f64,
    pub points_after: i64,
}

/// A participant's history, oldest first, after the cursor key, at most `limit`.
pub async fn of_participant(
    pool: &PgPool,
    league_id: i64,
    num: i32,
    after: Option<Key>,
    limit: i64,
) -> Result<Vec<HistoryEntry>, sqlx::Error> {
    let (at, id) = after.map_or((None, 0), |(t, id)| (Some(from_micros(t)), id));
    sqlx::query_as!(
        HistoryEntry,
        r#"select match_id, num, season, played_at, display_before, display_after, rating_after,
                  deviation_after, volatility_after, mu_after, sigma_after, points_after
           from rating_history
           where league_id = $1 and num = $2
             and ($3::timestamptz is null or (played_at, match_id) > ($3, $4))
           order by played_at, match_id limit $5"#,
        league_id,
        num,
        at,
        id,
        limit
    )
    .fetch_all(pool)
    .await
}

/// History rows of the given matches (to show before/after with each match), found by their
/// position in rating order (played_at, id), which the league's history is indexed on.
pub async fn of_matches(
    pool: &PgPool,
    league_id: i64,
    matches: &[(DateTime<Utc>, i64)],
) -> Result<Vec<HistoryEntry>, sqlx::Error> {
    let (at, ids): (Vec<DateTime<Utc>>, Vec<i64>) = matches.iter().copied().unzip();
    sqlx::query_as!(
        HistoryEntry,
        r#"select h.match_id, h.num, h.season, h.played_at, h.display_before, h.display_after,
                  h.rating_after, h.deviation_after, h.volatility_after, h.mu_after, h.sigma_after,
                  h.points_after
           from unnest($2::timestamptz[], $3::bigint[]) as m(played_at, id)
           join rating_history h
             on h.league_id = $1 and h.played_at = m.played_at and h.match_id = m.id"#,
        league_id,
        &at as &[DateTime<Utc>],
        &ids
    )
    .fetch_all(pool)
    .await
}

/// The key of a history entry, for cursors.
pub fn key_of(e: &HistoryEntry) -> Key {
    (to_micros(e.played_at), e.match_id)
}
