//! A league's own life: creating it, changing its definition (new parameters recompute its
//! season), and closing a season for the next.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use podium_core::rating::Standing;
use sqlx::PgPool;

use super::{WriteError, lock, recompute};
use crate::{
    leagues::{League, LeagueData, LeagueId, LeagueVersion, Leagues, MatchKey, store as db},
    sync::{read, write},
};

/// Creates a league (row, first season, audit and change records in one transaction) and
/// installs it in this process at once (read-your-writes).
pub async fn create(
    pool: &PgPool,
    leagues: &Leagues,
    new: db::NewLeague,
    params: podium_core::rating::Params,
    now: DateTime<Utc>,
    ctx: &crate::audit::Context,
) -> Result<Arc<League>, db::CreateError> {
    let (def, version) = db::create(pool, new, now, ctx).await?;
    let mut data = LeagueData::new(Arc::new(def), params);
    data.version = version;
    Ok(leagues.install(data))
}

/// Makes every process pick up a league written to the database behind their backs (a league
/// restored from a backup): a change record at its stored version with no replay point, which a
/// process that does not know the league answers by loading it from PostgreSQL (one that knows
/// it at an older version replays its season). Audited; under the league's row lock. None when
/// no league has the slug.
pub async fn resync(
    pool: &PgPool,
    slug: &str,
    ctx: &crate::audit::Context,
) -> Result<Option<(LeagueId, LeagueVersion)>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let all = db::load_all(&mut tx).await?;
    let Some((def, _)) = all.into_iter().find(|(d, _)| d.slug == slug) else {
        return Ok(None);
    };
    let Some(locked) = db::lock(&mut tx, def.id).await? else {
        return Ok(None);
    };
    crate::audit::record(
        &mut tx,
        ctx,
        "league.resync",
        &format!("league:{slug}"),
        None,
        Some(serde_json::json!({"version": locked.version.0})),
    )
    .await?;
    // Not `db::publish`: nothing was rated again, and the league's row (its `rewound_version`
    // included) stays exactly as restored; only the record goes out.
    let change = crate::changes::Change::League {
        league_id: def.id,
        version: locked.version,
        from: None,
    };
    crate::changes::append(&mut tx, &[change]).await?;
    tx.commit().await?;
    Ok(Some((def.id, locked.version)))
}

/// Changes a league's name, metadata, visibility or parameters; new parameters recompute the
/// season before this returns. Like every league write it goes through `lock`, so a change
/// another process committed and this one has not applied yet is applied first: the version
/// this process then records is the row's, and no match is skipped.
pub async fn update(
    pool: &PgPool,
    league: &Arc<League>,
    patch: db::LeaguePatch,
    now: DateTime<Utc>,
    ctx: &crate::audit::Context,
) -> Result<(), WriteError> {
    let recompute_after = patch.params.is_some();
    {
        let _writer = league.writer.lock().await;
        let mut tx = pool.begin().await?;
        lock(&mut tx, league).await?;
        let id = league.id();
        let before = serde_json::to_value(&*read(&league.data).def).ok();
        let (def, version) = db::update(&mut tx, id, patch, now).await?;
        crate::audit::record(
            &mut tx,
            ctx,
            "league.update",
            &format!("league:{}", def.slug),
            before,
            serde_json::to_value(&def).ok(),
        )
        .await?;
        // Only the name, metadata or visibility changed: other processes need no replay.
        let from = if recompute_after {
            None
        } else {
            Some(MatchKey::END)
        };
        db::publish(&mut tx, id, version, from, db::Rerated::No).await?;
        tx.commit().await?;
        if !recompute_after {
            let mut data = write(&league.data);
            data.def = Arc::new(def);
            data.version = version;
        }
        // With new parameters the ratings in memory are stale: the recompute below rebuilds
        // them (and the definition) from PostgreSQL.
    }
    if recompute_after {
        recompute(pool, league, now, &|_, _| {}, ctx).await?;
    }
    Ok(())
}

/// One participant's line in a closed season's final standings.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct FinalStanding {
    pub rank: usize,
    pub participant: String,
    pub display_rating: f64,
    pub provisional: bool,
    pub standing: Standing,
}

/// Closes the current season (keeping its final standings) and starts the next with a soft
/// reset. Returns (closed season, new season).
pub async fn new_season(
    pool: &PgPool,
    league: &Arc<League>,
    now: DateTime<Utc>,
    ctx: &crate::audit::Context,
) -> Result<(i32, i32), WriteError> {
    let _writer = league.writer.lock().await;
    let mut tx = pool.begin().await?;
    let locked = lock(&mut tx, league).await?;
    let id = league.id();
    let standings: Vec<FinalStanding> = {
        let data = read(&league.data);
        data.all
            .iter_from(1)
            .filter_map(|(rank, e)| {
                let num = *data.nums.get(&*e.participant)?;
                let s = data.engine().standing(num)?;
                Some(FinalStanding {
                    rank,
                    participant: e.participant.to_string(),
                    display_rating: data.engine().display(s),
                    provisional: data.engine().is_provisional(s),
                    standing: s.clone(),
                })
            })
            .collect()
    };
    let json = serde_json::to_value(&standings).unwrap_or_default();
    crate::audit::record(
        &mut tx,
        ctx,
        "league.season",
        &format!("league:{}", read(&league.data).def.slug),
        Some(serde_json::json!({"season": locked.season})),
        Some(serde_json::json!({"season": locked.season + 1})),
    )
    .await?;
    sqlx::query!(
        "update league_season set ended_at = $3, final_standings = $4 where league_id = $1 and season = $2",
        id.get(),
        locked.season,
        now,
        json
    )
    .execute(&mut *tx)
    .await?;
    let next = locked.season + 1;
    sqlx::query!(
        "insert into league_season (league_id, season, started_at) values ($1, $2, $3)",
        id.get(),
        next,
        now
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "update league set season = $2, updated_at = $3 where id = $1",
        id.get(),
        next,
        now
    )
    .execute(&mut *tx)
    .await?;
    let version = db::bump(&mut tx, id, locked.next_num, now).await?;
    db::publish(&mut tx, id, version, None, db::Rerated::Yes).await?;
    let (def, _) = db::load_one(&mut tx, id).await?.ok_or(WriteError::Gone)?;
    tx.commit().await?;
    let mut data = write(&league.data);
    data.ratings.start_new_season();
    data.def = Arc::new(def);
    data.version = version;
    data.rebuild_boards();
    Ok((locked.season, next))
}

/// A closed season's final standings.
pub async fn final_standings(
    pool: &PgPool,
    league_id: LeagueId,
    season: i32,
) -> Result<Option<Vec<FinalStanding>>, sqlx::Error> {
    let row = sqlx::query_scalar!(
        "select final_standings from league_season where league_id = $1 and season = $2 and ended_at is not null",
        league_id.get(),
        season
    )
    .fetch_optional(pool)
    .await?
    .flatten();
    Ok(row.and_then(|v| serde_json::from_value(v).ok()))
}
