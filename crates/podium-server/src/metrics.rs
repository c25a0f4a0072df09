//! Prometheus metrics, served on their own listener (default 127.0.0.1:9464) so they are never
//! exposed through the public port by accident. Labels come from matched routes, never raw URIs.

use std::{sync::OnceLock, time::Duration};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub const HTTP_REQUESTS: &str = "podium_http_requests_total";
pub const HTTP_DURATION: &str = "podium_http_request_duration_seconds";
pub const BATCH_SIZE: &str = "podium_write_batch_size";
pub const COMMIT_SECONDS: &str = "podium_write_commit_seconds";
pub const WRITES: &str = "podium_score_writes_total";
pub const INDEX_ENTRIES: &str = "podium_index_entries";
pub const STARTUP_LOAD: &str = "podium_startup_load_seconds";
pub const POOL: &str = "podium_db_pool_connections";
pub const CHANGES_APPLIED: &str = "podium_changes_applied_total";
pub const CHANGE_SEQ: &str = "podium_change_feed_applied_sequence";
pub const BUILD_INFO: &str = "podium_build_info";
pub const READY: &str = "podium_ready";
pub const POOL_MAX: &str = "podium_db_pool_max_connections";
pub const LOGIN_FAILURES: &str = "podium_login_failures_total";
pub const AUDIT_EVENTS: &str = "podium_audit_events_total";
pub const RANKING_COMPUTE: &str = "podium_ranking_compute_seconds";
pub const EVENT_STREAMS: &str = "podium_event_streams_open";
pub const EVENT_STREAMS_DROPPED: &str = "podium_event_streams_dropped_total";
pub const BATCH_SPLITS: &str = "podium_write_batch_splits_total";
pub const DB_ACQUIRES: &str = "podium_db_acquires_total";

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// CPU, memory, file descriptors and start time of this process (`process_*`).
pub fn process_collector() -> &'static metrics_process::Collector {
    static COLLECTOR: OnceLock<metrics_process::Collector> = OnceLock::new();
    COLLECTOR.get_or_init(metrics_process::Collector::default)
}

/// The process-wide recorder (installed once; several test servers share it).
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let latency = [
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ];
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), &latency)
            .and_then(|b| b.set_buckets_for_metric(Matcher::Full(COMMIT_SECONDS.into()), &latency))
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full(RANKING_COMPUTE.into()),
                    &[
                        0.0001, 0.001, 0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
                    ],
                )
            })
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full(BATCH_SIZE.into()),
                    &[
                        1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 4096.0,
                    ],
                )
            })
            .expect("bucket lists are non-empty")
            .build_recorder();
        let handle = recorder.handle();
        // Fails only if another recorder is installed, which this crate never does.
        let _ = metrics::set_global_recorder(recorder);
        describe();
        let upkeep = handle.clone();
        std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_secs(5));
                    upkeep.run_upkeep();
                }
            })
            .ok();
        handle
    })
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests by method, matched route and status."
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "HTTP request latency by method and matched route."
    );
    describe_histogram!(
        BATCH_SIZE,
        "Score submissions committed per write transaction."
    );
    describe_histogram!(
        COMMIT_SECONDS,
        Unit::Seconds,
        "Duration of a grouped score write transaction, commit included."
    );
    describe_counter!(WRITES, "Score submissions by outcome.");
    describe_counter!(
        BATCH_SPLITS,
        "Grouped writes the database refused and that were split to find the request at fault, by kind (scores, matches)."
    );
    describe_counter!(
        DB_ACQUIRES,
        "Connections taken from the PostgreSQL pool (each statement or transaction takes one): reads of rankings take none."
    );
    describe_gauge!(
        INDEX_ENTRIES,
        "Entries in the in-memory rank index of each leaderboard's current period."
    );
    describe_gauge!(
        STARTUP_LOAD,
        Unit::Seconds,
        "Time taken to load the rank index from PostgreSQL at start-up."
    );
    describe_gauge!(POOL, "Database pool connections by state (in_use, idle).");
    describe_counter!(
        CHANGES_APPLIED,
        "Change-log records applied to this process's index, by origin."
    );
    describe_gauge!(
        CHANGE_SEQ,
        "Last change-log sequence applied by this process."
    );
    describe_gauge!(BUILD_INFO, "Build information; the value is always 1.");
    describe_gauge!(
        READY,
        "1 when this process is ready to serve (index warm, not draining)."
    );
    describe_gauge!(POOL_MAX, "Most connections the database pool may open.");
    describe_counter!(
        LOGIN_FAILURES,
        "Failed sign-ins by reason (wrong_credentials, throttled)."
    );
    describe_counter!(AUDIT_EVENTS, "Audit log records written, by action.");
    describe_histogram!(
        RANKING_COMPUTE,
        Unit::Seconds,
        "Time to compute league ratings, by league and kind (incremental for a write, full for a recompute)."
    );
    describe_gauge!(
        EVENT_STREAMS,
        "Server-Sent Events streams open on this process."
    );
    describe_counter!(
        EVENT_STREAMS_DROPPED,
        "Server-Sent Events streams ended with a resync event because the client fell too far behind."
    );
    describe_counter!(
        "podium_flag_evaluations_total",
        "Feature flag evaluations by flag and result (true, false, error)."
    );
    process_collector().describe();
}
