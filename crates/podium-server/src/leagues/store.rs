//! Leagues, their participants, matches and rating history in PostgreSQL.

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use sqlx::{PgConnection, PgPool};

use crate::changes;
use crate::{
    changes::Change,
    leagues::{LeagueDef, LeagueId, LeagueVersion, MatchKey, StoredMatch, StoredTeam},
    model::{from_micros, to_micros},
};

/// Why a league could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("the slug is already used by another league")]
    SlugTaken,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

struct Row {
    id: i64,
    slug: String,
    name: String,
    system: String,
    params: serde_json::Value,
    season: i32,
    version: i64,
    metadata: serde_json::Value,
    visibility: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for (LeagueDef, LeagueVersion) {
    fn from(r: Row) -> Self {
        (
            LeagueDef {
                id: LeagueId(r.id),
                slug: r.slug,
                name: r.name,
                system: r.system,
                params: r.params,
                season: r.season,
                metadata: r.metadata,
                visibility: crate::model::Visibility::from_stored(&r.visibility),
                created_at: r.created_at,
                updated_at: r.updated_at,
            },
            LeagueVersion(r.version),
        )
    }
}

/// A league to create, validated.
#[derive(Debug)]
pub struct NewLeague {
    pub slug: String,
    pub name: String,
    pub system: String,
    pub params: serde_json::Value,
    pub metadata: serde_json::Value,
    pub visibility: crate::model::Visibility,
}

pub async fn create(
    pool: &PgPool,
    new: NewLeague,
    now: DateTime<Utc>,
    ctx: &crate::audit::Context,
) -> Result<(LeagueDef, LeagueVersion), CreateError> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query_as!(
        Row,
        r#"insert into league (slug, name, system, params, metadata, visibility, created_at, updated_at)
           values ($1, $2, $3, $4, $5, $7, $6, $6)
           on conflict (slug) do nothing
           returning id, slug, name, system, params, season, version, metadata, visibility, created_at, updated_at"#,
        new.slug,
        new.name,
        new.system,
        new.params,
        new.metadata,
        now,
        new.visibility.as_str()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(CreateError::SlugTaken)?;
    sqlx::query!(
        "insert into league_season (league_id, season, started_at) values ($1, 1, $2)",
        row.id,
        now
    )
    .execute(&mut *tx)
    .await?;
    let (def, version): (LeagueDef, LeagueVersion) = row.into();
    crate::audit::record(
        &mut tx,
        ctx,
        "league.create",
        &format!("league:{}", def.slug),
        None,
        serde_json::to_value(&def).ok(),
    )
    .await?;
    publish(&mut tx, def.id, version, None, Rerated::Yes).await?;
    tx.commit().await?;
    Ok((def, version))
}

/// What a league write did to the matches already rated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rerated {
    /// Nothing rated was rated again: matches appended after the last one rated, or a change
    /// of name, metadata or visibility.
    No,
    /// Matches already rated were rated again (a late match, an edit or a void, a recompute,
    /// new parameters, a new season): every snapshot taken before this version is stale.
    Yes,
}

/// Ends every league write: appends the change record that tells every process to bring the
/// league up to `version`, replaying from `from` (None: the whole season), and, when the write
/// rated again matches already rated, marks the snapshots taken before it stale (see the
/// `league_snapshot` migration). One function, so no write can do one without the other.
pub async fn publish(
    tx: &mut PgConnection,
    league: LeagueId,
    version: LeagueVersion,
    from: Option<MatchKey>,
    rerated: Rerated,
) -> Result<(), sqlx::Error> {
    if from.is_none() || rerated == Rerated::Yes {
        sqlx::query!(
            "update league set rewound_version = $2 where id = $1",
            league.get(),
            version.0
        )
        .execute(&mut *tx)
        .await?;
    }
    let change = Change::League {
        league_id: league,
        version,
        from,
    };
    changes::append(tx, &[change]).await.map(|_| ())
}

/// The bounds a keyset query compares `(played_at, id)` with: no time means no bound.
pub fn key_bound(key: Option<MatchKey>) -> (Option<DateTime<Utc>>, i64) {
    key.map_or((None, 0), |k| (Some(from_micros(k.played_at)), k.id))
}

/// Changes to a league; `None` keeps the stored value.
#[derive(Debug, Default)]
pub struct LeaguePatch {
    pub name: Option<String>,
    pub params: Option<serde_json::Value>,
    pub metadata: Option<serde_json::Value>,
    pub visibility: Option<crate::model::Visibility>,
}

/// Updates the league and bumps its version; the caller holds the league's row lock via `tx`.
pub async fn update(
    tx: &mut PgConnection,
    id: LeagueId,
    patch: LeaguePatch,
    now: DateTime<Utc>,
) -> Result<(LeagueDef, LeagueVersion), sqlx::Error> {
    let row = sqlx::query_as!(
        Row,
        r#"update league set name = coalesce($2, name), params = coalesce($3, params),
                             metadata = coalesce($4, metadata), version = version + 1,
                             updated_at = $5, visibility = coalesce($6, visibility)
           where id = $1
           returning id, slug, name, system, params, season, version, metadata, visibility, created_at, updated_at"#,
        id.get(),
        patch.name,
        patch.params,
        patch.metadata,
        now,
        patch.visibility.map(crate::model::Visibility::as_str)
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(row.into())
}

/// A league's row as a writer finds it under the row lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockedLeague {
    pub version: LeagueVersion,
    /// The current season.
    pub season: i32,
    /// The number the next new participant gets.
    pub next_num: i32,
}

/// Locks the league row for the rest of the transaction (None: the league is gone).
pub async fn lock(
    tx: &mut PgConnection,
    id: LeagueId,
) -> Result<Option<LockedLeague>, sqlx::Error> {
    Ok(sqlx::query!(
        "select version, season, next_num from league where id = $1 for update",
        id.get()
    )
    .fetch_optional(&mut *tx)
    .await?
    .map(|r| LockedLeague {
        version: LeagueVersion(r.version),
        season: r.season,
        next_num: r.next_num,
    }))
}

/// Bumps the version (and the participant counter) after a change to matches.
pub async fn bump(
    tx: &mut PgConnection,
    id: LeagueId,
    next_num: i32,
    now: DateTime<Utc>,
) -> Result<LeagueVersion, sqlx::Error> {
    sqlx::query_scalar!(
        "update league set version = version + 1, next_num = $2, updated_at = $3 where id = $1 returning version",
        id.get(),
        next_num,
        now
    )
    .fetch_one(&mut *tx)
    .await
    .map(LeagueVersion)
}

pub async fn delete(
    pool: &PgPool,
    id: LeagueId,
    ctx: &crate::audit::Context,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(gone) = sqlx::query!(
        "delete from league where id = $1 returning slug, name, system",
        id.get()
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(false);
    };
    crate::audit::record(
        &mut tx,
        ctx,
        "league.delete",
        &format!("league:{}", gone.slug),
        Some(serde_json::json!({"slug": gone.slug, "name": gone.name, "system": gone.system})),
        None,
    )
    .await?;
    changes::append(&mut tx, &[Change::LeagueDeleted { league_id: id }]).await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn load_all(
    conn: &mut PgConnection,
) -> Result<Vec<(LeagueDef, LeagueVersion)>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Row,
        r#"select id, slug, name, system, params, season, version, metadata, visibility, created_at, updated_at
           from league order by id"#
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn load_one(
    conn: &mut PgConnection,
    id: LeagueId,
) -> Result<Option<(LeagueDef, LeagueVersion)>, sqlx::Error> {
    let row = sqlx::query_as!(
        Row,
        r#"select id, slug, name, system, params, season, version, metadata, visibility, created_at, updated_at
           from league where id = $1"#,
        id.get()
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Into::into))
}

/// A league's stored snapshot, with what decides whether it still holds.
#[derive(Debug)]
pub struct StoredSnapshot {
    pub version: LeagueVersion,
    pub season: i32,
    pub system: String,
    pub params: serde_json::Value,
    pub body: Vec<u8>,
    /// The league's last version that rated again matches already rated: a snapshot older than
    /// it is stale.
    pub rewound_version: LeagueVersion,
}

pub async fn snapshot(
    conn: &mut PgConnection,
    id: LeagueId,
) -> Result<Option<StoredSnapshot>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"select s.version, s.season, s.system, s.params, s.body, l.rewound_version
           from league_snapshot s join league l on l.id = s.league_id
           where s.league_id = $1"#,
        id.get()
    )
    .fetch_optional(conn)
    .await?
    .map(|r| StoredSnapshot {
        version: LeagueVersion(r.version),
        season: r.season,
        system: r.system,
        params: r.params,
        body: r.body,
        rewound_version: LeagueVersion(r.rewound_version),
    }))
}

/// Whether the season has a rated (not voided) match at exactly `key`: a snapshot's last match
/// must be one, or the snapshot and the stored matches name different positions.
pub async fn has_match_at(
    conn: &mut PgConnection,
    league_id: LeagueId,
    season: i32,
    key: MatchKey,
) -> Result<bool, sqlx::Error> {
    let (at, id) = key_bound(Some(key));
    sqlx::query_scalar!(
        r#"select exists (select 1 from league_match
                          where league_id = $1 and season = $2 and played_at = $3 and id = $4
                            and voided_at is null) as "found!""#,
        league_id.get(),
        season,
        at,
        id
    )
    .fetch_one(conn)
    .await
}

/// A snapshot to store: the league's state at `version`.
#[derive(Debug)]
pub struct NewSnapshot<'a> {
    pub id: LeagueId,
    pub version: LeagueVersion,
    pub def: &'a LeagueDef,
    pub matches: u64,
    pub participants: usize,
    pub body: &'a [u8],
}

/// Stores a snapshot in place of an older one. Refused (false) when it is already stale: a
/// change since `version` rated again what it covers, or the season moved on; or when a newer
/// one is stored. The check and the write are one statement, so a concurrent re-rating write
/// either comes before (and refuses it) or after (and marks it stale).
pub async fn save_snapshot(
    conn: &mut PgConnection,
    s: &NewSnapshot<'_>,
) -> Result<bool, sqlx::Error> {
    let stored = sqlx::query!(
        r#"insert into league_snapshot (league_id, version, season, system, params, matches, participants, body)
           select l.id, $2, $3, $4, $5, $6, $7, $8 from league l
            where l.id = $1 and l.rewound_version <= $2 and l.version >= $2 and l.season = $3
           on conflict (league_id) do update
              set version = excluded.version, season = excluded.season, system = excluded.system,
                  params = excluded.params, matches = excluded.matches,
                  participants = excluded.participants, body = excluded.body, taken_at = now()
            where league_snapshot.version < excluded.version"#,
        s.id.get(),
        s.version.0,
        s.def.season,
        s.def.system,
        s.def.params,
        i64::try_from(s.matches).unwrap_or(i64::MAX),
        i32::try_from(s.participants).unwrap_or(i32::MAX),
        s.body
    )
    .execute(conn)
    .await?;
    Ok(stored.rows_affected() == 1)
}

pub async fn participants(
    conn: &mut PgConnection,
    league_id: LeagueId,
) -> Result<Vec<(i32, String)>, sqlx::Error> {
    Ok(sqlx::query!(
        "select num, participant from league_participant where league_id = $1 order by num",
        league_id.get()
    )
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(|r| (r.num, r.participant))
    .collect())
}

pub async fn add_participants(
    tx: &mut PgConnection,
    league_id: LeagueId,
    new: &[(i32, String)],
) -> Result<(), sqlx::Error> {
    if new.is_empty() {
        return Ok(());
    }
    let nums: Vec<i32> = new.iter().map(|(n, _)| *n).collect();
    let names: Vec<String> = new.iter().map(|(_, p)| p.clone()).collect();
    sqlx::query!(
        r#"insert into league_participant (league_id, num, participant)
           select $1, n, p from unnest($2::int[], $3::text[]) as t(n, p)"#,
        league_id.get(),
        &nums,
        &names
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Rated (not voided) matches of one season after `after`, in rating order.
pub async fn matches_after(
    conn: &mut PgConnection,
    league_id: LeagueId,
    season: i32,
    after: Option<MatchKey>,
) -> Result<Vec<StoredMatch>, sqlx::Error> {
    rated(conn, league_id, Some(season), after).await
}

/// Every rated match of every season, in season then rating order (start-up).
pub async fn all_matches(
    conn: &mut PgConnection,
    league_id: LeagueId,
) -> Result<Vec<StoredMatch>, sqlx::Error> {
    rated(conn, league_id, None, None).await
}

/// Rated matches of a season (or all), after a position, in (season, played_at, id) order.
async fn rated(
    conn: &mut PgConnection,
    league_id: LeagueId,
    season: Option<i32>,
    after: Option<MatchKey>,
) -> Result<Vec<StoredMatch>, sqlx::Error> {
    let (at, id) = key_bound(after);
    let mut rows = sqlx::query!(
        r#"select id, season, played_at, participants, team_of, team_rank, team_score
           from league_match
           where league_id = $1 and voided_at is null
             and ($2::int is null or season = $2)
             and ($3::timestamptz is null or (played_at, id) > ($3, $4))
           order by season, played_at, id"#,
        league_id.get(),
        season,
        at,
        id
    )
    .fetch(conn);
    let mut out = Vec::new();
    while let Some(r) = rows.try_next().await? {
        out.push(stored(
            r.id,
            r.season,
            r.played_at,
            &r.participants,
            &r.team_of,
            &r.team_rank,
            r.team_score.as_deref(),
        ));
    }
    Ok(out)
}

fn stored(
    id: i64,
    season: i32,
    played_at: DateTime<Utc>,
    participants: &[i32],
    team_of: &[i16],
    team_rank: &[i16],
    team_score: Option<&[f64]>,
) -> StoredMatch {
    let mut teams: Vec<StoredTeam> = team_rank
        .iter()
        .enumerate()
        .map(|(i, r)| StoredTeam {
            participants: Vec::new(),
            rank: *r as u32,
            score: team_score.and_then(|s| s.get(i).copied()),
        })
        .collect();
    for (p, t) in participants.iter().zip(team_of) {
        if let Some(team) = teams.get_mut(*t as usize) {
            team.participants.push(*p as u32);
        }
    }
    StoredMatch {
        id,
        season,
        played_at: to_micros(played_at),
        teams,
    }
}

/// A match to store.
#[derive(Debug, Clone)]
pub struct MatchRow {
    pub played_at: DateTime<Utc>,
    pub external_id: Option<String>,
    pub participants: Vec<i32>,
    pub team_of: Vec<i16>,
    pub team_rank: Vec<i16>,
    pub team_score: Option<Vec<f64>>,
    pub metadata: serde_json::Value,
}

/// Stores matches with one statement; returns their ids in order. Ids are drawn from the
/// identity sequence first, so the order of the answer does not depend on RETURNING's.
pub async fn insert_matches(
    tx: &mut PgConnection,
    league_id: LeagueId,
    season: i32,
    rows: &[MatchRow],
) -> Result<Vec<i64>, sqlx::Error> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = sqlx::query_scalar!(
        r#"select nextval(pg_get_serial_sequence('league_match', 'id')) as "id!"
           from generate_series(1, $1::int)"#,
        rows.len() as i32
    )
    .fetch_all(&mut *tx)
    .await?;
    let records: Vec<serde_json::Value> = rows
        .iter()
        .zip(&ids)
        .map(|(m, id)| {
            serde_json::json!({
                "id": id,
                "played_at": m.played_at,
                "external_id": m.external_id,
                "participants": m.participants,
                "team_of": m.team_of,
                "team_rank": m.team_rank,
                "team_score": m.team_score,
                "metadata": m.metadata,
            })
        })
        .collect();
    sqlx::query!(
        r#"insert into league_match (id, league_id, season, played_at, external_id, participants,
                                     team_of, team_rank, team_score, metadata)
           overriding system value
           select x.id, $1, $2, x.played_at, x.external_id, x.participants, x.team_of,
                  x.team_rank, x.team_score, coalesce(x.metadata, '{}'::jsonb)
           from jsonb_to_recordset($3) as x(id bigint, played_at timestamptz, external_id text,
                participants int[], team_of smallint[], team_rank smallint[],
                team_score float8[], metadata jsonb)"#,
        league_id.get(),
        season,
        serde_json::Value::Array(records)
    )
    .execute(&mut *tx)
    .await?;
    Ok(ids)
}

/// Ids of matches already recorded under these external ids.
pub async fn by_external_ids(
    tx: &mut PgConnection,
    league_id: LeagueId,
    ids: &[String],
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(sqlx::query!(
        "select external_id as \"external_id!\", id from league_match where league_id = $1 and external_id = any($2)",
        league_id.get(),
        ids
    )
    .fetch_all(tx)
    .await?
    .into_iter()
    .map(|r| (r.external_id, r.id))
    .collect())
}
