//! The `/metrics` endpoint on its own listener: gauges read from the state at scrape time, then
//! everything the recorder holds.

use axum::{Router, extract::State, routing::get};
use tokio::net::TcpListener;

use crate::{
    metrics::{INDEX_ENTRIES, POOL, POOL_MAX, READY, handle, process_collector},
    state::AppState,
};

async fn render(State(state): State<AppState>) -> String {
    let pool = &state.pool;
    let size = pool.size() as f64;
    let idle = pool.num_idle() as f64;
    metrics::gauge!(POOL, "state" => "in_use").set(size - idle);
    metrics::gauge!(POOL, "state" => "idle").set(idle);
    for (slug, n) in state.ranks.sizes() {
        metrics::gauge!(INDEX_ENTRIES, "leaderboard" => slug).set(n as f64);
    }
    metrics::gauge!(READY).set(if state.is_ready() { 1.0 } else { 0.0 });
    metrics::gauge!(POOL_MAX).set(f64::from(state.config.db_max_connections));
    process_collector().collect();
    handle().render()
}

/// Serves `/metrics` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/metrics", get(render))
        .with_state(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
