//! PostgreSQL: the connection pool (to `DATABASE_URL`, or to the embedded cluster Podium runs
//! itself), the embedded migrations, and the queries, one module per resource.

pub mod copy;
pub mod hosts;
pub mod storable;

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{
    ConnectOptions, Connection, PgPool,
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
};

use podium_pg_embed::{EmbeddedError, EmbeddedOptions, EmbeddedPostgres};

use crate::config::Config;
use hosts::{Hosts, Primary, SessionAttrs};

/// Whether a failed statement may be down to one of the values written (a data exception, a
/// constraint, a program limit such as an index row too large, an exception raised by a
/// trigger) rather than to the database or the connection. A grouped write that fails so is
/// split to find the request at fault; any other failure is everybody's.
pub fn blames_input(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| matches!(c.get(..2), Some("22" | "23" | "54" | "P0"))),
        _ => false,
    }
}

/// Writes requests `0..n` through `write`, as one group when the database takes it. When it
/// refuses a group for something a value can cause (`blames`), the group is split in halves and
/// each half written on its own, recursively, so a request can fail only itself; `fail`
/// answers a range that failed for any other reason (or a single request at fault). Answers
/// come in request order, and requests are written in arrival order. `kind` labels the split
/// counter (`scores`, `matches`).
pub async fn write_isolated<T, E: std::fmt::Display, F>(
    n: usize,
    kind: &'static str,
    mut write: impl FnMut(std::ops::Range<usize>) -> F,
    blames: impl Fn(&E) -> bool,
    mut fail: impl FnMut(E, std::ops::Range<usize>) -> Vec<T>,
) -> Vec<T>
where
    F: std::future::Future<Output = Result<Vec<T>, E>>,
{
    let mut answers = Vec::with_capacity(n);
    // Ranges still to write, leftmost on top.
    let mut pending = Vec::new();
    pending.push(0..n);
    while let Some(range) = pending.pop() {
        match write(range.clone()).await {
            Ok(done) => answers.extend(done),
            Err(e) if range.len() > 1 && blames(&e) => {
                tracing::warn!(error = %e, kind, requests = range.len(), "a grouped write was refused; writing its halves apart");
                metrics::counter!(crate::metrics::BATCH_SPLITS, "kind" => kind).increment(1);
                let mid = range.start + range.len() / 2;
                pending.push(mid..range.end);
                pending.push(range.start..mid);
            }
            Err(e) => answers.extend(fail(e, range)),
        }
    }
    answers
}

/// Migrations compiled into the binary; `podium migrate` applies them.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The database Podium works against, and the embedded cluster when it runs one.
#[derive(Debug)]
pub struct Database {
    pub pool: PgPool,
    /// Set when `DATABASE_URL` names several hosts or asks for a read-write one: the host in
    /// use, which `Primary::follow` moves when a failover does.
    pub primary: Option<Arc<Primary>>,
    embedded: Option<EmbeddedPostgres>,
}

impl Database {
    /// Connects to `DATABASE_URL`, or starts the embedded cluster under `data_dir/postgres`.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        let (options, embedded) = match &config.database_url {
            Some(url) => {
                let hosts = Hosts::parse(url.expose())
                    .context("DATABASE_URL is not a valid PostgreSQL connection URL")?;
                (hosts, None)
            }
            None => {
                let dir = config.data_dir.join("postgres");
                let started = EmbeddedPostgres::start(EmbeddedOptions {
                    dir: dir.clone(),
                    bin_dir: config.pg_bin.clone(),
                    install_missing: config.pg_install,
                    settings: Vec::new(),
                })
                .await;
                match started {
                    Ok(embedded) => {
                        let admin: PgConnectOptions = embedded.url("postgres").parse()?;
                        create_database_if_missing(&admin, "podium").await?;
                        (Hosts::one(embedded.url("podium").parse()?), Some(embedded))
                    }
                    // A running server owns the cluster: work beside it through its socket.
                    Err(EmbeddedError::InUse { .. })
                        if EmbeddedPostgres::attach_url(&dir, "podium").is_some() =>
                    {
                        let url = EmbeddedPostgres::attach_url(&dir, "podium").unwrap_or_default();
                        tracing::info!("using the embedded PostgreSQL of the running Podium");
                        (Hosts::one(url.parse()?), None)
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let hosts = options.map(|o| {
            o.application_name("podium")
                .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(1))
        });
        let (options, primary) = choose_host(hosts).await?;
        let pool = pool_options(config, primary.clone())
            .connect_with(options)
            .await
            .context("could not connect to PostgreSQL")?;
        Ok(Self {
            pool,
            primary,
            embedded,
        })
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .context("could not apply the database migrations")?;
        Ok(())
    }

    /// Fails when the database lacks a migration this binary needs (serve without
    /// `migrate_on_start`, as in production where `podium migrate` runs first).
    pub async fn check_migrations(&self) -> anyhow::Result<()> {
        let missing = pending_migrations(&self.pool).await?;
        if !missing.is_empty() {
            anyhow::bail!(
                "the database lacks {} migration(s) ({}); run `podium migrate` first",
                missing.len(),
                missing.join(", ")
            );
        }
        Ok(())
    }

    pub async fn close(self) {
        self.pool.close().await;
        if let Some(embedded) = self.embedded
            && let Err(e) = embedded.stop().await
        {
            tracing::error!(error = %e, "the embedded PostgreSQL did not stop cleanly");
        }
    }
}

/// The pool's settings; with several hosts, the checks that keep it on the primary.
fn pool_options(config: &Config, primary: Option<Arc<Primary>>) -> PgPoolOptions {
    let refuse = primary.clone();
    let keep = primary.clone();
    PgPoolOptions::new()
        .max_connections(config.db_max_connections)
        .min_connections(1)
        // With several hosts a connection that does not come within 3 s will not come
        // before the failover ends (Primary::follow refuses writes at once meanwhile); a
        // write already waiting is answered 503 then, not after a proxy's timeout.
        .acquire_timeout(if primary.is_some() {
            Duration::from_secs(3)
        } else {
            Duration::from_secs(10)
        })
        // Counts every use of the pool (an idle connection handed out, or a new one), so
        // that "reads never touch PostgreSQL" is something anyone can watch.
        .after_connect(move |conn, _| {
            let primary = refuse.clone();
            Box::pin(async move {
                metrics::counter!(crate::metrics::DB_ACQUIRES).increment(1);
                // A new connection that reached a read-only server (the pool's host was
                // demoted and Primary::follow has not moved it yet) is refused; the pool
                // tries again, by then perhaps on the new primary.
                match primary {
                    Some(p) if !p.hosts().suits(conn).await? => Err(sqlx::Error::Io(
                        std::io::Error::other("the database server is read-only (a standby)"),
                    )),
                    _ => Ok(()),
                }
            })
        })
        // sqlx's own test (a ping before handing out an idle connection) has no time limit: on
        // a socket whose host was cut off it waits out the whole acquire timeout. This one
        // gives up after 2 s, and first drops connections older than a failover.
        .test_before_acquire(false)
        .before_acquire(move |conn, meta| {
            let keeps = keep.as_ref().is_none_or(|p| p.keeps(&meta));
            Box::pin(async move {
                metrics::counter!(crate::metrics::DB_ACQUIRES).increment(1);
                if !keeps {
                    return Ok(false);
                }
                let ping = tokio::time::timeout(Duration::from_secs(2), conn.ping()).await;
                Ok(matches!(ping, Ok(Ok(()))))
            })
        })
}

/// The options the pool starts with: the only host, or (for several hosts or a read-write
/// target) the first that suits, tried for as long as the pool would wait for a connection.
async fn choose_host(hosts: Hosts) -> anyhow::Result<(PgConnectOptions, Option<Arc<Primary>>)> {
    if hosts.hosts.len() == 1 && hosts.attrs == SessionAttrs::Any {
        return Ok((hosts.hosts[0].clone(), None));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some((i, options)) = hosts.find().await {
            tracing::info!(host = %hosts::describe(options), "connecting to this database host");
            let options = options.clone();
            return Ok((options, Some(Primary::new(hosts, i))));
        }
        if tokio::time::Instant::now() >= deadline {
            let names: Vec<String> = hosts.hosts.iter().map(hosts::describe).collect();
            anyhow::bail!(
                "no host of DATABASE_URL ({}) took a connection{}",
                names.join(", "),
                if hosts.attrs == SessionAttrs::ReadWrite {
                    " as a read-write server"
                } else {
                    ""
                }
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Descriptions of the migrations this binary has that the database has not applied.
pub async fn pending_migrations(pool: &PgPool) -> anyhow::Result<Vec<String>> {
    let applied: Vec<i64> =
        sqlx::query_scalar("select version from _sqlx_migrations where success")
            .fetch_all(pool)
            .await
            .unwrap_or_default();
    Ok(MIGRATOR
        .iter()
        .filter(|m| !m.migration_type.is_down_migration() && !applied.contains(&m.version))
        .map(|m| format!("{} {}", m.version, m.description))
        .collect())
}

async fn create_database_if_missing(admin: &PgConnectOptions, name: &str) -> anyhow::Result<()> {
    let mut conn = admin
        .connect()
        .await
        .context("could not connect to the embedded PostgreSQL")?;
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        sqlx::query(&format!("create database \"{name}\""))
            .execute(&mut conn)
            .await?;
        tracing::info!(database = name, "created the database");
    }
    Ok(())
}

/// Longest wait for a COMMIT made while holding the change feed's applier lock.
const COMMIT_TIMEOUT: Duration = Duration::from_secs(10);

/// Commits `tx`, giving up after 10 s. A COMMIT on a connection whose host was cut off waits
/// for TCP's retransmissions (minutes); whoever holds the applier lock meanwhile stops every
/// change from being applied. The outcome of a commit given up is unknown: its callers are
/// answered "unavailable", and if it did commit the feed applies it from the log.
pub async fn commit_bounded(tx: sqlx::Transaction<'_, sqlx::Postgres>) -> Result<(), sqlx::Error> {
    tokio::time::timeout(COMMIT_TIMEOUT, tx.commit())
        .await
        .map_err(|_| {
            sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the commit did not complete in 10 s; its outcome is unknown",
            ))
        })?
}

/// Answers when the database does (readiness).
pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query_scalar::<_, i32>("select 1")
        .fetch_one(pool)
        .await
        .map(drop)
}

/// The newest backup the backup tooling reported (table `backup_status`) and PostgreSQL's WAL
/// archiver (`pg_stat_archiver`): what the System page says about backups.
#[derive(Debug)]
pub struct BackupFacts {
    /// Type (`full`, `diff`, `incr`), end time and repository size of the newest backup.
    pub newest: Option<(String, DateTime<Utc>, i64)>,
    pub wal_last_archived_at: Option<DateTime<Utc>>,
    pub wal_last_failed_at: Option<DateTime<Utc>>,
}

#[tracing::instrument(skip(pool))]
pub async fn backup_facts(pool: &PgPool) -> Result<BackupFacts, sqlx::Error> {
    let newest = sqlx::query!(
        r#"select backup_type, finished_at, size_bytes from backup_status
           order by finished_at desc limit 1"#
    )
    .fetch_optional(pool)
    .await?
    .map(|r| (r.backup_type, r.finished_at, r.size_bytes));
    let archiver = sqlx::query!(
        r#"select last_archived_time as "archived: DateTime<Utc>",
                  last_failed_time as "failed: DateTime<Utc>"
           from pg_stat_archiver"#
    )
    .fetch_one(pool)
    .await?;
    Ok(BackupFacts {
        newest,
        wal_last_archived_at: archiver.archived,
        wal_last_failed_at: archiver.failed,
    })
}

/// What the System page shows of the database.
#[derive(Debug)]
pub struct ServerFacts {
    pub version: String,
    pub size_bytes: i64,
}

pub async fn server_facts(pool: &PgPool) -> Result<ServerFacts, sqlx::Error> {
    let r = sqlx::query!(
        r#"select current_setting('server_version') as "version!",
                      pg_database_size(current_database()) as "size!""#
    )
    .fetch_one(pool)
    .await?;
    Ok(ServerFacts {
        version: r.version,
        size_bytes: r.size,
    })
}
