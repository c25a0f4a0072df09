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
pub const DB_PRIMARY_SWITCHES: &str = "podium_db_primary_switches_total";
pub const LEAGUE_LOADS: &str = "podium_league_loads_total";
pub const LEAGUE_SNAPSHOTS: &str = "podium_league_snapshots_total";
pub const PRUNED_ROWS: &str = "podium_housekeeping_pruned_rows_total";
pub const RATE_LIMITED: &str = "podium_key_rate_limited_total";

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

/// What kind of metric a description is for.
#[derive(Clone, Copy)]
enum Kind {
    Counter,
    Gauge,
    Histogram,
}

/// Every metric's name, kind, unit and help text.
const DESCRIPTIONS: &[(&str, Kind, Option<metrics::Unit>, &str)] = &[
    (
        HTTP_REQUESTS,
        Kind::Counter,
        None,
        "HTTP requests by method, matched route and status.",
    ),
    (
        HTTP_DURATION,
        Kind::Histogram,
        Some(metrics::Unit::Seconds),
        "HTTP request latency by method and matched route.",
    ),
    (
        BATCH_SIZE,
        Kind::Histogram,
        None,
        "Score submissions committed per write transaction.",
    ),
    (
        COMMIT_SECONDS,
        Kind::Histogram,
        Some(metrics::Unit::Seconds),
        "Duration of a grouped score write transaction, commit included.",
    ),
    (WRITES, Kind::Counter, None, "Score submissions by outcome."),
    (
        BATCH_SPLITS,
        Kind::Counter,
        None,
        "Grouped writes the database refused and that were split to find the request at fault, by kind (scores, matches).",
    ),
    (
        DB_ACQUIRES,
        Kind::Counter,
        None,
        "Connections taken from the PostgreSQL pool (each statement or transaction takes one): reads of rankings take none.",
    ),
    (
        DB_PRIMARY_SWITCHES,
        Kind::Counter,
        None,
        "Times the pool moved to another host of a multi-host DATABASE_URL (a failover).",
    ),
    (
        LEAGUE_LOADS,
        Kind::Counter,
        None,
        "Leagues built from PostgreSQL, by source: snapshot (a stored snapshot and the matches after it) or replay (every match).",
    ),
    (
        LEAGUE_SNAPSHOTS,
        Kind::Counter,
        None,
        "League snapshots taken, by outcome: stored, stale (a change since rated again what it covers) or failed.",
    ),
    (
        INDEX_ENTRIES,
        Kind::Gauge,
        None,
        "Entries in the in-memory rank index of each leaderboard's current period.",
    ),
    (
        STARTUP_LOAD,
        Kind::Gauge,
        Some(metrics::Unit::Seconds),
        "Time taken to load the rank index from PostgreSQL at start-up.",
    ),
    (
        POOL,
        Kind::Gauge,
        None,
        "Database pool connections by state (in_use, idle).",
    ),
    (
        CHANGES_APPLIED,
        Kind::Counter,
        None,
        "Change-log records applied to this process's index, by origin.",
    ),
    (
        CHANGE_SEQ,
        Kind::Gauge,
        None,
        "Last change-log sequence applied by this process.",
    ),
    (
        BUILD_INFO,
        Kind::Gauge,
        None,
        "Build information; the value is always 1.",
    ),
    (
        READY,
        Kind::Gauge,
        None,
        "1 when this process is ready to serve (index warm, not draining).",
    ),
    (
        POOL_MAX,
        Kind::Gauge,
        None,
        "Most connections the database pool may open.",
    ),
    (
        LOGIN_FAILURES,
        Kind::Counter,
        None,
        "Failed sign-ins by reason (wrong_credentials, throttled).",
    ),
    (
        AUDIT_EVENTS,
        Kind::Counter,
        None,
        "Audit log records written, by action.",
    ),
    (
        RANKING_COMPUTE,
        Kind::Histogram,
        Some(metrics::Unit::Seconds),
        "Time to compute league ratings, by league and kind (incremental for a write, full for a recompute).",
    ),
    (
        EVENT_STREAMS,
        Kind::Gauge,
        None,
        "Server-Sent Events streams open on this process.",
    ),
    (
        EVENT_STREAMS_DROPPED,
        Kind::Counter,
        None,
        "Server-Sent Events streams ended with a resync event because the client fell too far behind.",
    ),
    (
        RATE_LIMITED,
        Kind::Counter,
        None,
        "Changes refused with 429 because an API key went over its write rate (key_write_rate).",
    ),
    (
        PRUNED_ROWS,
        Kind::Counter,
        None,
        "Rows deleted by the hourly housekeeping, by table (expired sessions, finished login throttles).",
    ),
    (
        "podium_flag_evaluations_total",
        Kind::Counter,
        None,
        "Feature flag evaluations by flag and result (true, false, error).",
    ),
];

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    for &(name, kind, unit, help) in DESCRIPTIONS {
        match (kind, unit) {
            (Kind::Counter, _) => describe_counter!(name, help),
            (Kind::Gauge, _) => describe_gauge!(name, help),
            (Kind::Histogram, Some(unit)) => describe_histogram!(name, unit, help),
            (Kind::Histogram, None) => describe_histogram!(name, help),
        }
    }
    process_collector().describe();
}
