//! Start-up and shutdown. `run` takes bound listeners and a shutdown future, so tests bind port
//! 0 and stop the server cleanly; `main` only parses the command line and calls it.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::net::TcpListener;

use crate::{
    changes::Feed,
    clock::Clock,
    config::Config,
    db::Database,
    http,
    leaderboards::writer::Batcher,
    memory::Memory,
    metrics as m,
    state::{AppState, Inner},
    tasks::Tasks,
};

/// Options that only embedders and tests set.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub clock: Clock,
    /// Seed example leaderboards when there are none (`serve --demo`).
    pub demo: bool,
}

/// Runs Podium until `shutdown` resolves, then drains and stops cleanly.
pub async fn run(
    config: Config,
    options: RunOptions,
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let config = Arc::new(config);
    let db = Database::open(&config).await?;
    if config.migrate_on_start {
        db.migrate().await?;
    } else {
        db.check_migrations().await?;
    }
    let result = serve(config, options, &db, listener, metrics_listener, shutdown).await;
    db.close().await;
    result
}

async fn serve(
    config: Arc<Config>,
    options: RunOptions,
    db: &Database,
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let tasks = Tasks::new();
    let (state, writer) = build(&config, &options, db, &tasks).await?;
    metrics::gauge!(m::BUILD_INFO, "version" => crate::VERSION, "commit" => crate::GIT_COMMIT)
        .set(1.0);
    if let Some(l) = metrics_listener {
        let stop = tasks.token();
        let scrape = http::scrape::serve(l, state.clone(), stop.cancelled_owned());
        tasks.spawn_until_done("metrics listener", async move {
            if let Err(e) = scrape.await {
                tracing::error!(error = %e, "the metrics listener failed");
            }
        });
    }
    // Warm the index in the background: /healthz answers at once, /readyz once this is done.
    tasks.spawn(
        "start-up load, then the change feed",
        warm_up(state.clone(), tasks.clone(), options.demo),
    );

    let addr = listener.local_addr()?;
    tracing::info!(%addr, metrics = ?config.metrics_addr, "listening");
    let router = http::router(state.clone());
    let drain_state = state.clone();
    let drain_delay = Duration::from_millis(config.drain_delay_ms);
    let graceful = async move {
        shutdown.await;
        drain_state.start_draining();
        tracing::info!("shutdown requested: draining");
        tokio::time::sleep(drain_delay).await;
    };
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(graceful)
    .await?;
    tracing::info!("in-flight requests finished");
    stop(state, writer, &tasks, &config).await;
    Ok(())
}

/// Wires the in-memory state, the caches and their follower tasks, and the score writer.
async fn build(
    config: &Arc<Config>,
    options: &RunOptions,
    db: &Database,
    tasks: &Tasks,
) -> anyhow::Result<(AppState, tokio::task::JoinHandle<()>)> {
    let pool = db.pool.clone();
    let (league_tx, league_rx) = tokio::sync::mpsc::unbounded_channel();
    let memory = Arc::new(Memory::new(league_tx, config.past_period_cache));
    let feed = Arc::new(Feed::new(pool.clone(), memory.clone()));
    if let Some(primary) = &db.primary {
        tasks.spawn(
            "database primary follower",
            primary.clone().follow(pool.clone()),
        );
    }
    tasks.spawn(
        "league follower",
        crate::leagues::follow(pool.clone(), memory.leagues.clone(), league_rx),
    );
    let auth = Arc::new(crate::accounts::Auth::new(config));
    auth.keys.reload(&pool).await?;
    tasks.spawn(
        "API keys: reload and use flush",
        keys_follow(auth.clone(), pool.clone(), memory.keys_changed.clone()),
    );
    let flags = Arc::new(crate::flags::Flags::default());
    flags.reload(&pool).await?;
    tasks.spawn(
        "flags follower",
        crate::flags::follow(flags.clone(), pool.clone(), memory.flags_changed.clone()),
    );
    let (batcher, writer) = Batcher::start(
        pool.clone(),
        feed.clone(),
        options.clock.clone(),
        config.batch_max,
    );
    let state = AppState::new(Inner {
        pool,
        primary: db.primary.clone(),
        ranks: memory.ranks.clone(),
        leagues: memory.leagues.clone(),
        profiles: memory.profiles.clone(),
        auth,
        flags,
        feed,
        batcher,
        tasks: tasks.clone(),
        clock: options.clock.clone(),
        config: config.clone(),
    });
    Ok((state, writer))
}

/// Reloads the key cache when a key changes anywhere; records keys' last use every 10 s.
async fn keys_follow(
    auth: Arc<crate::accounts::Auth>,
    pool: sqlx::PgPool,
    changed: Arc<tokio::sync::Notify>,
) {
    let mut flush = tokio::time::interval(Duration::from_secs(10));
    loop {
        tokio::select! {
            _ = changed.notified() => {
                if let Err(e) = auth.keys.reload(&pool).await {
                    tracing::warn!(error = %e, "could not reload the API keys");
                }
            }
            _ = flush.tick() => {
                if let Err(e) = auth.flush_used(&pool).await {
                    tracing::warn!(error = %e, "could not record when keys were used");
                }
            }
        }
    }
}

/// Loads everything, seeds the demo if asked, turns ready, then follows the change feed (and
/// prunes it) until shutdown.
async fn warm_up(state: AppState, tasks: Tasks, demo: bool) {
    let started = Instant::now();
    if let Err(e) = state.feed.load().await {
        tracing::error!(error = %e, "could not load the rank index; not ready");
        return;
    }
    metrics::gauge!(m::STARTUP_LOAD).set(started.elapsed().as_secs_f64());
    if demo && let Err(e) = crate::demo::seed(&state).await {
        tracing::warn!(error = %format!("{e:#}"), "could not seed the demo leaderboards");
    }
    state.set_warm();
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "ready");
    let feed = state.feed.clone();
    if state.config.league_snapshot_secs > 0 {
        tasks.spawn_until_done(
            "league snapshots",
            crate::leagues::snapshot::keep(
                state.pool.clone(),
                state.leagues.clone(),
                Duration::from_secs(state.config.league_snapshot_secs),
                tasks.token(),
            ),
        );
    }
    tasks.spawn(
        "accounts housekeeping",
        crate::accounts::housekeeping::prune_forever(
            state.pool.clone(),
            state.auth.lifetimes,
            state.clock.clone(),
        ),
    );
    tasks.spawn(
        "change-log pruning",
        feed.clone()
            .prune_forever(state.config.change_log_retention_secs),
    );
    drop(state);
    feed.follow(tasks.token()).await;
}

/// After the last request: every background task stops (jobs record that they were cut
/// short), the keys' last use is saved, and the writer flushes what is queued.
async fn stop(
    state: AppState,
    writer: tokio::task::JoinHandle<()>,
    tasks: &Tasks,
    config: &Config,
) {
    let deadline = Duration::from_secs(config.shutdown_timeout_secs);
    tasks.shutdown(deadline).await;
    // The last keys' use since the periodic flush would be lost otherwise.
    if let Err(e) = state.auth.flush_used(&state.pool).await {
        tracing::warn!(error = %e, "could not record when keys were last used");
    }
    // Dropping the last handle lets the writer flush what is queued and stop.
    drop(state);
    let _ = tokio::time::timeout(deadline, writer).await;
    tracing::info!("write batcher flushed");
}

/// The OpenAPI document of the HTTP API (for `podium openapi`).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    http::openapi_document()
}
