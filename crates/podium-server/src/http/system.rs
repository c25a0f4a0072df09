//! `/system` (admins): what an operator checks first — the build, readiness, the database and
//! its connection pool, the size of each in-memory index, the last backup as the backup tooling
//! reported it and the WAL archiver's last success (unknown is said, never guessed).

use std::time::Duration;

use axum::{Json, extract::State};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{error::ApiResult, state::AppState, sync::read};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_system))
}

/// The facts of this Podium process and its database.
#[derive(Debug, Serialize, ToSchema)]
pub struct SystemView {
    pub version: String,
    pub git_commit: String,
    pub build_time: String,
    pub readiness: Readiness,
    pub database: DatabaseView,
    /// Score requests waiting for the writer behind the transaction in progress: a number that
    /// keeps growing means writes arrive faster than PostgreSQL commits them.
    pub writes_queued: usize,
    /// Each leaderboard's current-period rank index, ordered by slug.
    pub leaderboards: Vec<LeaderboardIndex>,
    /// Each league's current season as held in memory, ordered by slug.
    pub leagues: Vec<LeagueIndex>,
    /// When the newest backup finished; null while none was reported (see `backup`).
    pub last_backup_at: Option<DateTime<Utc>>,
    pub backup: BackupReport,
}

/// The same checks as `/readyz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    pub ready: bool,
    pub database: bool,
    pub migrations: bool,
    pub index_warm: bool,
    pub draining: bool,
    /// The last change-log sequence this process applied.
    pub applied_sequence: i64,
}

/// The PostgreSQL server and this process's connections to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatabaseView {
    /// `server_version` as PostgreSQL reports it, e.g. `15.8 (Debian 15.8-0+deb12u1)`.
    pub server_version: String,
    /// `pg_database_size` of the current database.
    pub size_bytes: i64,
    pub pool: PoolView,
}

impl Readiness {
    /// The checks `/readyz` answers with, given whether the database answered.
    pub async fn check(state: &AppState, database: bool) -> Readiness {
        let migrations = database
            && crate::db::pending_migrations(&state.pool)
                .await
                .is_ok_and(|p| p.is_empty());
        let index_warm = state.is_warm();
        let draining = state.is_draining();
        Readiness {
            ready: database && migrations && index_warm && !draining,
            database,
            migrations,
            index_warm,
            draining,
            applied_sequence: state.feed.applied_seq().get(),
        }
    }
}

/// The connection pool of this process.
#[derive(Debug, Serialize, ToSchema)]
pub struct PoolView {
    /// Connections open now.
    pub open: u32,
    /// Open connections not lent out.
    pub idle: u32,
    /// Open connections lent out (this request holds none while the figures are read).
    pub in_use: u32,
    /// The most the pool opens.
    pub max: u32,
}

/// A leaderboard's rank index.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaderboardIndex {
    pub slug: String,
    pub name: String,
    /// Entries of the current period.
    pub entries: usize,
    /// Heap bytes the index holds (entries, participant ids, hash table, tree; allocated
    /// capacity), counted from the index itself.
    pub index_bytes: u64,
}

/// A league's current season in memory.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeagueIndex {
    pub slug: String,
    pub name: String,
    /// Participants who played this season.
    pub participants: usize,
    /// Matches rated this season.
    pub matches: u64,
    /// Heap bytes of its two standings indexes (everyone, established participants).
    pub index_bytes: u64,
}

/// Whether backups report to Podium.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BackupStatus {
    /// No backup was reported (no backup tooling, or it never succeeded): the last backup time
    /// is unknown here (check pgBackRest itself).
    NotReported,
    /// The backup tooling reported the newest backup in its repositories.
    Reported,
}

/// What Podium knows of backups: the tooling's report (`deploy/scripts/backup`) and
/// PostgreSQL's WAL archiver.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupReport {
    pub status: BackupStatus,
    pub detail: String,
    /// Type of the newest backup: `full`, `diff` or `incr`; null when none was reported.
    pub last_type: Option<String>,
    /// Bytes the newest backup added to its repository; null when none was reported.
    pub last_size_bytes: Option<i64>,
    /// When PostgreSQL last archived a WAL segment (`pg_stat_archiver`); null when it never did
    /// (archiving off, or nothing archived since the statistics were reset).
    pub wal_last_archived_at: Option<DateTime<Utc>>,
    /// When archiving a WAL segment last failed; null when it never did.
    pub wal_last_failed_at: Option<DateTime<Utc>>,
}

impl BackupReport {
    fn from_facts(facts: Option<crate::db::BackupFacts>) -> BackupReport {
        let Some(f) = facts else {
            return BackupReport {
                status: BackupStatus::NotReported,
                detail: "the database did not answer; backup facts are unknown".to_owned(),
                last_type: None,
                last_size_bytes: None,
                wal_last_archived_at: None,
                wal_last_failed_at: None,
            };
        };
        let (status, detail, last_type, last_size_bytes) = match f.newest {
            Some((kind, _, size)) => (
                BackupStatus::Reported,
                "the newest backup as the backup tooling found it in its repositories".to_owned(),
                Some(kind),
                Some(size),
            ),
            None => (
                BackupStatus::NotReported,
                "no backup was reported to Podium; check the backup tooling itself".to_owned(),
                None,
                None,
            ),
        };
        BackupReport {
            status,
            detail,
            last_type,
            last_size_bytes,
            wal_last_archived_at: f.wal_last_archived_at,
            wal_last_failed_at: f.wal_last_failed_at,
        }
    }
}

/// Read the build, readiness, database, index sizes and last backup of this Podium.
#[utoipa::path(get, path = "/system", tag = "system",
    responses((status = 200, body = SystemView)), security(("bearer" = [])))]
#[tracing::instrument(skip(state))]
async fn get_system(State(state): State<AppState>) -> ApiResult<Json<SystemView>> {
    let pool = &state.pool;
    // Pool figures first, before this request borrows a connection of its own.
    let open = pool.size();
    let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX);
    let max = pool.options().get_max_connections();
    let db = tokio::time::timeout(Duration::from_secs(2), crate::db::server_facts(pool)).await;
    let (database, server_version, size_bytes) = match db {
        Ok(Ok(facts)) => (true, facts.version, facts.size_bytes),
        _ => (false, String::new(), 0),
    };
    let backup = tokio::time::timeout(Duration::from_secs(2), crate::db::backup_facts(pool))
        .await
        .ok()
        .and_then(Result::ok);
    let last_backup_at = backup
        .as_ref()
        .and_then(|b| b.newest.as_ref().map(|(_, at, _)| *at));
    let readiness = Readiness::check(&state, database).await;
    Ok(Json(SystemView {
        version: crate::VERSION.to_owned(),
        git_commit: crate::GIT_COMMIT.to_owned(),
        build_time: crate::BUILD_TIME.to_owned(),
        readiness,
        database: DatabaseView {
            server_version,
            size_bytes,
            pool: PoolView {
                open,
                idle,
                in_use: open.saturating_sub(idle),
                max,
            },
        },
        writes_queued: state.batcher.queued(),
        leaderboards: leaderboard_indexes(&state),
        leagues: league_indexes(&state),
        last_backup_at,
        backup: BackupReport::from_facts(backup),
    }))
}

fn leaderboard_indexes(state: &AppState) -> Vec<LeaderboardIndex> {
    state
        .ranks
        .definitions()
        .into_iter()
        .map(|def| {
            let (entries, bytes) = state.ranks.by_id(def.id).map_or((0, 0), |lb| {
                read(&lb)
                    .current
                    .as_ref()
                    .map_or((0, 0), |b| (b.board.len(), b.board.heap_bytes()))
            });
            LeaderboardIndex {
                slug: def.slug.clone(),
                name: def.name.clone(),
                entries,
                index_bytes: bytes as u64,
            }
        })
        .collect()
}

fn league_indexes(state: &AppState) -> Vec<LeagueIndex> {
    state
        .leagues
        .all()
        .into_iter()
        .map(|league| {
            let d = read(&league.data);
            LeagueIndex {
                slug: d.def.slug.clone(),
                name: d.def.name.clone(),
                participants: d.all.len(),
                matches: d.ratings.matches,
                index_bytes: (d.all.heap_bytes() + d.established.heap_bytes()) as u64,
            }
        })
        .collect()
}
