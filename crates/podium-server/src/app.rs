//! Start-up and shutdown. `run` takes bound listeners and a shutdown future, so tests bind port
//! 0 and stop the server cleanly; `main` only parses the command line and calls it.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::{net::TcpListener, sync::watch};

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
    let pool = db.pool.clone();
    let (league_tx, league_rx) = tokio::sync::mpsc::unbounded_channel();
    let memory = Arc::new(Memory::new(league_tx, config.past_period_cache));
    let (ranks, leagues, profiles) = (
        memory.ranks.clone(),
        memory.leagues.clone(),
        memory.profiles.clone(),
    );
    let feed = Arc::new(Feed::new(pool.clone(), memory.clone()));
    let league_task = tokio::spawn(crate::leagues::follow(
        pool.clone(),
        leagues.clone(),
        league_rx,
    ));
    let auth = Arc::new(crate::accounts::Auth::new(&config));
    auth.keys.reload(&pool).await?;
    let auth_task = {
        let (auth, pool, changed) = (auth.clone(), pool.clone(), memory.keys_changed.clone());
        tokio::spawn(async move {
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
        })
    };
    let flags = Arc::new(crate::flags::Flags::default());
    flags.reload(&pool).await?;
    let flags_task = tokio::spawn(crate::flags::follow(
        flags.clone(),
        pool.clone(),
        memory.flags_changed.clone(),
    ));
    let (batcher, writer) = Batcher::start(
        pool.clone(),
        feed.clone(),
        options.clock.clone(),
        config.batch_max,
    );
    let state = AppState::new(Inner {
        pool: pool.clone(),
        ranks,
        leagues,
        profiles,
        auth: auth.clone(),
        flags,
        feed: feed.clone(),
        batcher,
        clock: options.clock.clone(),
        config: config.clone(),
    });
    metrics::gauge!(m::BUILD_INFO, "version" => crate::VERSION, "commit" => crate::GIT_COMMIT)
        .set(1.0);

    let (stop_tx, stop_rx) = watch::channel(false);
    let metrics_task = metrics_listener.map(|l| {
        let mut rx = stop_rx.clone();
        tokio::spawn(http::scrape::serve(l, state.clone(), async move {
            let _ = rx.changed().await;
        }))
    });

    // Warm the index in the background: /healthz answers at once, /readyz once this is done.
    let warm_state = state.clone();
    let demo = options.demo;
    let follow_rx = stop_rx.clone();
    let warm = tokio::spawn(async move {
        let started = Instant::now();
        match warm_state.feed.load().await {
            Ok(_) => {
                metrics::gauge!(m::STARTUP_LOAD).set(started.elapsed().as_secs_f64());
                if demo && let Err(e) = crate::demo::seed(&warm_state).await {
                    tracing::warn!(error = %format!("{e:#}"), "could not seed the demo leaderboards");
                }
                warm_state.set_warm();
                tracing::info!(seconds = started.elapsed().as_secs_f64(), "ready");
                let feed = warm_state.feed.clone();
                tokio::spawn(
                    feed.clone()
                        .prune_forever(warm_state.config.change_log_retention_secs),
                );
                feed.follow(follow_rx).await;
            }
            Err(e) => tracing::error!(error = %e, "could not load the rank index; not ready"),
        }
    });

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

    let _ = stop_tx.send(true);
    warm.abort();
    league_task.abort();
    auth_task.abort();
    flags_task.abort();
    // The last keys' use since the periodic flush would be lost otherwise.
    if let Err(e) = auth.flush_used(&pool).await {
        tracing::warn!(error = %e, "could not record when keys were last used");
    }
    let _ = warm.await;
    if let Some(t) = metrics_task {
        let _ = t.await;
    }
    // Dropping the last handle lets the writer flush what is queued and stop.
    drop(state);
    let _ = tokio::time::timeout(Duration::from_secs(config.shutdown_timeout_secs), writer).await;
    tracing::info!("write batcher flushed");
    Ok(())
}

/// The OpenAPI document of the HTTP API (for `podium openapi`).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    http::openapi_document()
}
