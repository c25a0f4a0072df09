//! Rating history: each rated match's before and after for every participant. Rewritten from
//! the first affected match whenever a late, edited or voided match replays the ratings.

use chrono::{DateTime, Utc};
use podium_core::rating::Standing;
use sqlx::{PgConnection, PgPool};

use crate::{
    db::copy::{BINARY_HEADER, BINARY_TRAILER, PG_EPOCH_MICROS},
    leagues::{LeagueId, MatchKey, store::key_bound},
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

/// The history table's columns, in the order every COPY and insert sends them.
const COLUMNS: &str = "league_id, match_id, num, season, played_at, display_before, \
                       display_after, rating_after, deviation_after, volatility_after, mu_after, \
                       sigma_after, points_after";

impl HistoryRow {
    /// The float columns, in table order (display before and after, then the numbers after).
    fn floats(&self) -> [f64; 7] {
        let a = &self.after;
        [
            self.display_before,
            self.display_after,
            a.rating,
            a.deviation,
            a.volatility,
            a.mu,
            a.sigma,
        ]
    }

    /// Appends the row in PostgreSQL's binary COPY format.
    fn encode(&self, league_id: LeagueId, b: &mut Vec<u8>) {
        b.extend_from_slice(&13i16.to_be_bytes());
        let mut field = |bytes: &[u8]| {
            b.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
            b.extend_from_slice(bytes);
        };
        field(&league_id.get().to_be_bytes());
        field(&self.match_id.to_be_bytes());
        field(&(self.num as i32).to_be_bytes());
        field(&self.season.to_be_bytes());
        field(&(self.played_at - PG_EPOCH_MICROS).to_be_bytes());
        for v in self.floats() {
            field(&v.to_be_bytes());
        }
        field(&self.after.points.to_be_bytes());
    }

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
    league_id: LeagueId,
    season: i32,
    after: Option<MatchKey>,
) -> Result<u64, sqlx::Error> {
    let (at, id) = key_bound(after);
    let done = sqlx::query!(
        r#"delete from rating_history where league_id = $1 and season = $2
             and ($3::timestamptz is null or (played_at, match_id) > ($3, $4))"#,
        league_id.get(),
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
    league_id: LeagueId,
    season: i32,
    played_at: DateTime<Utc>,
    match_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"delete from rating_history
           where league_id = $1 and season = $2 and played_at = $3 and match_id = $4"#,
        league_id.get(),
        season,
        played_at,
        match_id
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Loads a season's recomputed history (a full recompute) on a connection of its own while
/// the caller is still replaying: rows are encoded in PostgreSQL's binary COPY format and sent
/// a megabyte at a time into a fresh table without indexes, which [`swap_season`] then indexes
/// and puts in place of the season's table. The load commits on its own (the table is not yet
/// part of the history, so nobody reads it); the swap happens in the caller's transaction.
pub struct SeasonLoader {
    league_id: LeagueId,
    buf: Vec<u8>,
    rows: u64,
    chunks: tokio::sync::mpsc::UnboundedSender<LoadMessage>,
    task: tokio::task::JoinHandle<Result<(), sqlx::Error>>,
}

impl std::fmt::Debug for SeasonLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeasonLoader")
            .field("league_id", &self.league_id)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

enum LoadMessage {
    Data(Vec<u8>),
    Done,
}

/// Bytes of encoded rows per COPY message.
const LOAD_CHUNK: usize = 1 << 20;

impl SeasonLoader {
    /// Creates the season's stage table and starts the COPY into it.
    pub async fn start(
        pool: &PgPool,
        league_id: LeagueId,
        season: i32,
    ) -> Result<Self, sqlx::Error> {
        let mut conn = pool.begin().await?;
        let stage = sqlx::query_scalar!(
            r#"select podium_history_stage($1, $2) as "stage!""#,
            league_id.get(),
            season
        )
        .fetch_one(&mut *conn)
        .await?;
        // The name is made of two integers; checked anyway, since it goes into the statement.
        if stage != format!("rating_history_{league_id}_{season}_new") {
            return Err(sqlx::Error::Protocol(format!(
                "unexpected history stage table {stage:?}"
            )));
        }
        let (chunks, mut incoming) = tokio::sync::mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            let mut copy = conn
                .copy_in_raw(&format!(
                    "copy {stage} ({COLUMNS}) from stdin with (format binary)"
                ))
                .await?;
            loop {
                match incoming.recv().await {
                    Some(LoadMessage::Data(bytes)) => {
                        copy.send(bytes).await?;
                    }
                    Some(LoadMessage::Done) => break,
                    // The recompute gave up: nothing of this load may stay.
                    None => {
                        copy.abort("the recompute stopped").await?;
                        return Ok(());
                    }
                }
            }
            copy.finish().await?;
            conn.commit().await
        });
        let mut buf = Vec::with_capacity(LOAD_CHUNK + 256);
        buf.extend_from_slice(&BINARY_HEADER);
        Ok(SeasonLoader {
            league_id,
            buf,
            rows: 0,
            chunks,
            task,
        })
    }

    /// Adds one row; sends a chunk when enough are buffered.
    pub fn push(&mut self, r: &HistoryRow) {
        r.encode(self.league_id, &mut self.buf);
        self.rows += 1;
        if self.buf.len() >= LOAD_CHUNK {
            let full = std::mem::replace(&mut self.buf, Vec::with_capacity(LOAD_CHUNK + 256));
            // A closed channel means the load failed: `finish` reports why.
            let _ = self.chunks.send(LoadMessage::Data(full));
        }
    }

    /// Sends the rest and waits for the load to commit; returns the rows loaded.
    pub async fn finish(mut self) -> Result<u64, sqlx::Error> {
        self.buf.extend_from_slice(&BINARY_TRAILER);
        let rest = std::mem::take(&mut self.buf);
        let _ = self.chunks.send(LoadMessage::Data(rest));
        let _ = self.chunks.send(LoadMessage::Done);
        match self.task.await {
            Ok(result) => result.map(|()| self.rows),
            Err(e) => Err(sqlx::Error::Protocol(format!("history load stopped: {e}"))),
        }
    }
}

/// Indexes the loaded stage table and swaps it in for the season's history, inside the
/// caller's transaction.
pub async fn swap_season(
    tx: &mut PgConnection,
    league_id: LeagueId,
    season: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "select podium_history_swap($1, $2) as done",
        league_id.get(),
        season
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(())
}

/// Drops a season's stage table left by a recompute that failed after loading it.
pub async fn drop_stage(
    pool: &PgPool,
    league_id: LeagueId,
    season: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "select podium_history_unstage($1, $2) as done",
        league_id.get(),
        season
    )
    .fetch_one(pool)
    .await?;
    Ok(())
}

/// Inserts history rows: one statement for a few, COPY for many (a full recompute).
pub async fn insert(
    tx: &mut PgConnection,
    league_id: LeagueId,
    rows: &[HistoryRow],
) -> Result<(), sqlx::Error> {
    if rows.len() > CHUNK {
        return copy(tx, league_id, rows).await;
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
        for (col, v) in f.iter_mut().zip(r.floats()) {
            col.push(v);
        }
        points.push(r.after.points);
    }
    sqlx::query!(
        r#"insert into rating_history (league_id, match_id, num, season, played_at,
               display_before, display_after, rating_after, deviation_after, volatility_after,
               mu_after, sigma_after, points_after)
           select $1, * from unnest($2::bigint[], $3::int[], $4::int[], $5::timestamptz[],
               $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::float8[],
               $11::float8[], $12::float8[], $13::bigint[])"#,
        league_id.get(),
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

/// Streams rows with `COPY … FROM STDIN` (binary format), about a megabyte per message.
async fn copy(
    tx: &mut PgConnection,
    league_id: LeagueId,
    rows: &[HistoryRow],
) -> Result<(), sqlx::Error> {
    let mut copy = tx
        .copy_in_raw(&format!(
            "copy rating_history ({COLUMNS}) from stdin with (format binary)"
        ))
        .await?;
    let mut buf = Vec::with_capacity(LOAD_CHUNK + 256);
    buf.extend_from_slice(&BINARY_HEADER);
    for r in rows {
        r.encode(league_id, &mut buf);
        if buf.len() >= LOAD_CHUNK {
            copy.send(buf.as_slice()).await?;
            buf.clear();
        }
    }
    buf.extend_from_slice(&BINARY_TRAILER);
    copy.send(buf.as_slice()).await?;
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
    league_id: LeagueId,
    num: i32,
    after: Option<MatchKey>,
    limit: i64,
) -> Result<Vec<HistoryEntry>, sqlx::Error> {
    let (at, id) = key_bound(after);
    sqlx::query_as!(
        HistoryEntry,
        r#"select match_id, num, season, played_at, display_before, display_after, rating_after,
                  deviation_after, volatility_after, mu_after, sigma_after, points_after
           from rating_history
           where league_id = $1 and num = $2
             and ($3::timestamptz is null or (played_at, match_id) > ($3, $4))
           order by played_at, match_id limit $5"#,
        league_id.get(),
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
    league_id: LeagueId,
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
        league_id.get(),
        &at as &[DateTime<Utc>],
        &ids
    )
    .fetch_all(pool)
    .await
}

/// The key of a history entry, for cursors.
pub fn key_of(e: &HistoryEntry) -> MatchKey {
    MatchKey::new(to_micros(e.played_at), e.match_id)
}
