#!/usr/bin/env python3
"""Generates the Grafana dashboards in deploy/grafana/dashboards/ (the JSON files are this
script's output: edit here, run `deploy/grafana/dashboards.py`, commit both). Keeping panels as
data makes every dashboard share one layout and one naming scheme, and lets the tests find
every PromQL expression."""

import json
import pathlib
import sys

PROM = {"type": "prometheus", "uid": "prometheus"}
LOKI = {"type": "loki", "uid": "loki"}
API = 'route!~"/healthz|/readyz"'


def var(name, label, query, multi=True):
    """A query variable; `query` is a label_values(...) call."""
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": PROM,
        "query": {"query": query, "refId": f"{name}-var"},
        "definition": query,
        "refresh": 2,
        "multi": multi,
        "includeAll": multi,
        "allValue": ".*" if multi else None,
        "current": {},
        "sort": 1,
    }


def ts(title, *exprs, unit="short", desc="", w=12, kind="timeseries"):
    """A panel; each expr is a PromQL string or a (PromQL, legend) pair."""
    targets = []
    for i, e in enumerate(exprs):
        expr, legend = (e, "") if isinstance(e, str) else e
        targets.append({
            "refId": chr(ord("A") + i),
            "datasource": PROM,
            "expr": expr,
            "legendFormat": legend or "__auto",
            "range": kind == "timeseries",
            "instant": kind != "timeseries",
        })
    return {"type": kind, "title": title, "description": desc, "datasource": PROM,
            "targets": targets, "w": w,
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []}, "options": {}}


def stat(title, expr, unit="short", desc="", w=4, thresholds=None):
    p = ts(title, expr, unit=unit, desc=desc, w=w, kind="stat")
    if thresholds:
        p["fieldConfig"]["defaults"]["thresholds"] = {
            "mode": "absolute",
            "steps": [{"color": c, "value": v} for v, c in thresholds],
        }
    return p


def logs(title, expr, desc="", w=24):
    return {"type": "logs", "title": title, "description": desc, "datasource": LOKI, "w": w,
            "targets": [{"refId": "A", "datasource": LOKI, "expr": expr}], "options": {}}


def row(title):
    return {"type": "row", "title": title, "w": 24, "collapsed": False, "panels": []}


def dashboard(uid, title, tags, variables, panels):
    x = y = 0
    line_h = 0
    out = []
    for i, p in enumerate(panels, start=1):
        w = p.pop("w")
        h = 1 if p["type"] == "row" else (4 if p["type"] == "stat" else 8)
        if x + w > 24 or p["type"] == "row":
            x, y = 0, y + line_h
            line_h = 0
        p["id"] = i
        p["gridPos"] = {"x": x, "y": y, "w": w, "h": h}
        x += w
        line_h = max(line_h, h)
        out.append(p)
    return {
        "uid": uid, "title": title, "tags": ["podium"] + tags, "timezone": "utc",
        "schemaVersion": 39, "version": 1, "editable": False, "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": variables}, "annotations": {"list": []},
        "links": [{"title": "Runbooks", "type": "link", "targetBlank": True,
                   "url": "https://github.com/podium-rank/podium/tree/main/docs/runbooks"}],
        "panels": out,
    }


INSTANCE = var("instance", "Podium instance", "label_values(podium_build_info, instance)")
LEAGUE = var("league", "League", "label_values(podium_ranking_compute_seconds_count, league)")
BOARD = var("leaderboard", "Leaderboard", "label_values(podium_index_entries, leaderboard)")
NODE = var("node", "Host", "label_values(node_uname_info, instance)")
PG = var("pg", "PostgreSQL", "label_values(pg_up, instance)")

I = 'instance=~"$instance"'
R = "[$__rate_interval]"


def overview():
    return dashboard("podium-overview", "Podium / Service overview", ["slo"], [INSTANCE], [
        row("Service level objectives (30 days)"),
        stat("Availability, 30 days", "1 - podium:slo_availability_errors:ratio_rate30d",
             unit="percentunit", desc="Share of API requests answered without a 5xx. Objective 99.9 %.",
             thresholds=[(None, "red"), (0.999, "green")]),
        stat("Availability budget left", "podium:slo_availability_budget_remaining:ratio30d",
             unit="percentunit", desc="Unspent share of the 30-day availability error budget (0.1 % of requests).",
             thresholds=[(None, "red"), (0.25, "orange"), (0.5, "green")]),
        stat("Within 250 ms, 30 days", "1 - podium:slo_latency_slow:ratio_rate30d",
             unit="percentunit", desc="Share of API requests answered within 250 ms. Objective 99 % (p99 < 250 ms).",
             thresholds=[(None, "red"), (0.99, "green")]),
        stat("Latency budget left", "podium:slo_latency_budget_remaining:ratio30d",
             unit="percentunit", desc="Unspent share of the 30-day latency error budget (1 % of requests).",
             thresholds=[(None, "red"), (0.25, "orange"), (0.5, "green")]),
        stat("Ready instances", f'sum(podium_ready{{{I}}})',
             desc="Podium processes whose /readyz is true.", thresholds=[(None, "red"), (1, "green")]),
        stat("p99 latency, 5 min", "podium:http_request_duration_seconds:p99_5m", unit="s",
             thresholds=[(None, "green"), (0.25, "red")]),
        ts("Burn rate, availability", ("podium:slo_availability_errors:ratio_rate1h / 0.001", "1 h"),
           ("podium:slo_availability_errors:ratio_rate6h / 0.001", "6 h"),
           ("podium:slo_availability_errors:ratio_rate3d / 0.001", "3 d"),
           desc="1 spends the budget in exactly 30 days. Pages at 14.4 (1 h) and 6 (6 h); ticket at 1 (3 d)."),
        ts("Burn rate, latency", ("podium:slo_latency_slow:ratio_rate1h / 0.01", "1 h"),
           ("podium:slo_latency_slow:ratio_rate6h / 0.01", "6 h"),
           ("podium:slo_latency_slow:ratio_rate3d / 0.01", "3 d"),
           desc="1 spends the budget in exactly 30 days. Pages at 14.4 (1 h) and 6 (6 h); ticket at 1 (3 d)."),
        row("Traffic and errors"),
        ts("Requests by route", (f'sum by (method, route) (rate(podium_http_requests_total{{{I},{API}}}{R}))',
                                 "{{method}} {{route}}"), unit="reqps"),
        ts("Responses by status", (f'sum by (status) (rate(podium_http_requests_total{{{I}}}{R}))', "{{status}}"),
           unit="reqps"),
        ts("5xx ratio (what Nginx forwards)", ("podium:slo_availability_errors:ratio_rate5m", "5xx / all"),
           unit="percentunit",
           desc="Podium's own counters over both colours. 502/504 made by Nginx itself are in the access log (docs/observability.md)."),
        ts("Latency percentiles", *[
            (f'histogram_quantile({q}, sum by (le) (rate(podium_http_request_duration_seconds_bucket{{{I},{API}}}{R})))',
             f"p{int(q * 100)}") for q in (0.5, 0.9, 0.99)], unit="s"),
        ts("p99 latency by route",
           (f'histogram_quantile(0.99, sum by (le, route) (rate(podium_http_request_duration_seconds_bucket{{{I},{API}}}{R})))',
            "{{route}}"), unit="s"),
        ts("Share of requests over 250 ms", ("podium:slo_latency_slow:ratio_rate5m", "slow / all"), unit="percentunit"),
        row("Instances"),
        ts("Up, by colour", ('up{job="podium"}', "{{colour}} {{instance}}")),
        ts("Ready, by colour", (f'podium_ready{{{I}}}', "{{colour}} {{instance}}")),
        ts("Active colour (deploy)", ('podium_deploy_active_colour', "{{colour}}"),
           desc="Written by the deploy script through the node exporter's textfile collector."),
        ts("Version", (f'podium_build_info{{{I}}}', "{{colour}} {{version}} {{commit}}"), kind="table"),
        ts("Database pool", (f'sum by (instance, state) (podium_db_pool_connections{{{I}}})', "{{instance}} {{state}}")),
        ts("Change feed position", (f'podium_change_feed_applied_sequence{{{I}}}', "{{colour}}"),
           desc="Colours converge when their lines meet: each applies the shared change log."),
        logs("Errors in Podium's log (Loki)", '{service="podium"} | json | level="ERROR"'),
    ])


def rankings():
    L = 'league=~"$league"'
    return dashboard("podium-rankings", "Podium / Rankings", ["rankings"], [INSTANCE, LEAGUE, BOARD], [
        row("Rating computation"),
        ts("Computation p95 by league and kind",
           (f'histogram_quantile(0.95, sum by (le, league, kind) (rate(podium_ranking_compute_seconds_bucket{{{I},{L}}}{R})))',
            "{{league}} {{kind}}"), unit="s",
           desc="Alert PodiumRankingComputeSlow: incremental above 1 s or full above 60 s."),
        ts("Computations per second",
           (f'sum by (league, kind) (rate(podium_ranking_compute_seconds_count{{{I},{L}}}{R}))', "{{league}} {{kind}}"),
           unit="ops"),
        ts("Mean computation time",
           (f'sum by (league, kind) (rate(podium_ranking_compute_seconds_sum{{{I},{L}}}{R})) / sum by (league, kind) (rate(podium_ranking_compute_seconds_count{{{I},{L}}}{R}))',
            "{{league}} {{kind}}"), unit="s"),
        row("Score writes"),
        ts("Score writes by outcome", (f'sum by (outcome) (rate(podium_score_writes_total{{{I}}}{R}))', "{{outcome}}"),
           unit="ops"),
        ts("Write batch size", *[
            (f'histogram_quantile({q}, sum by (le) (rate(podium_write_batch_size_bucket{{{I}}}{R})))', f"p{int(q * 100)}")
            for q in (0.5, 0.99)],
           (f'sum(rate(podium_write_batch_size_sum{{{I}}}{R})) / sum(rate(podium_write_batch_size_count{{{I}}}{R}))', "mean"),
           desc="Submissions committed per transaction: above 1 under load means group commit works."),
        ts("Commit time", *[
            (f'histogram_quantile({q}, sum by (le) (rate(podium_write_commit_seconds_bucket{{{I}}}{R})))', f"p{int(q * 100)}")
            for q in (0.5, 0.99)], unit="s"),
        ts("Changes applied by origin", (f'sum by (origin) (rate(podium_changes_applied_total{{{I}}}{R}))', "{{origin}}"),
           unit="ops"),
        row("Indexes and streams"),
        ts("Index entries by leaderboard",
           (f'max by (leaderboard) (podium_index_entries{{{I},leaderboard=~"$leaderboard"}})', "{{leaderboard}}")),
        ts("Index load at start-up", (f'podium_startup_load_seconds{{{I}}}', "{{colour}}"), unit="s", kind="stat", w=6),
        ts("Open event streams", (f'sum by (instance) (podium_event_streams_open{{{I}}})', "{{instance}}"), w=6,
           desc="Server-Sent Events connections; the metric appears once live streams ship."),
    ])


def postgres():
    P = 'instance=~"$pg"'
    return dashboard("podium-postgres", "Podium / PostgreSQL", ["postgres"], [PG], [
        stat("Up", f'pg_up{{{P}}}', thresholds=[(None, "red"), (1, "green")]),
        stat("Connections used", f'sum(pg_stat_activity_count{{{P}}}) / max(pg_settings_max_connections{{{P}}})',
             unit="percentunit", thresholds=[(None, "green"), (0.8, "red")]),
        stat("Last WAL archived", f'max(pg_stat_archiver_last_archive_age{{{P}}})', unit="s"),
        ts("Connections by state", (f'sum by (state) (pg_stat_activity_count{{{P}}})', "{{state}}")),
        ts("Transactions per second", (f'sum by (datname) (rate(pg_stat_database_xact_commit{{{P}}}{R}))', "{{datname}} commit"),
           (f'sum by (datname) (rate(pg_stat_database_xact_rollback{{{P}}}{R}))', "{{datname}} rollback"), unit="ops"),
        ts("Cache hit ratio",
           (f'sum by (datname) (rate(pg_stat_database_blks_hit{{{P}}}{R})) / (sum by (datname) (rate(pg_stat_database_blks_hit{{{P}}}{R})) + sum by (datname) (rate(pg_stat_database_blks_read{{{P}}}{R})))',
            "{{datname}}"), unit="percentunit"),
        ts("Database size", (f'pg_database_size_bytes{{{P}}}', "{{datname}}"), unit="bytes"),
        ts("WAL archiving", (f'rate(pg_stat_archiver_archived_count{{{P}}}{R})', "archived"),
           (f'rate(pg_stat_archiver_failed_count{{{P}}}{R})', "failed"), unit="ops"),
        ts("Replication lag", (f'pg_stat_replication_pg_wal_lsn_diff{{{P}}}', "{{application_name}}"), unit="bytes",
           desc="Bytes of WAL each standby has not replayed; empty without replicas."),
        ts("Locks by mode", (f'sum by (mode) (pg_locks_count{{{P}}})', "{{mode}}")),
        ts("Deadlocks and conflicts", (f'sum(rate(pg_stat_database_deadlocks{{{P}}}{R}))', "deadlocks"),
           (f'sum(rate(pg_stat_database_conflicts{{{P}}}{R}))', "conflicts"), unit="ops"),
        ts("Podium pool connections", ('sum by (colour, state) (podium_db_pool_connections)', "{{colour}} {{state}}")),
    ])


def host():
    N = 'instance=~"$node"'
    FS = f'{N},fstype!~"tmpfs|ramfs|squashfs|overlay|nsfs"'
    return dashboard("podium-host", "Podium / Host", ["host"], [NODE], [
        ts("CPU busy", (f'1 - avg by (instance) (rate(node_cpu_seconds_total{{{N},mode="idle"}}{R}))', "{{instance}}"),
           unit="percentunit"),
        ts("Load per core", (f'node_load5{{{N}}} / on(instance) count by (instance) (node_cpu_seconds_total{{{N},mode="idle"}})',
                             "{{instance}}")),
        ts("Memory available", (f'node_memory_MemAvailable_bytes{{{N}}} / node_memory_MemTotal_bytes{{{N}}}', "{{instance}}"),
           unit="percentunit"),
        ts("Disk free", (f'node_filesystem_avail_bytes{{{FS}}} / node_filesystem_size_bytes{{{FS}}}', "{{mountpoint}}"),
           unit="percentunit"),
        ts("Disk free in 12 h (linear forecast)",
           (f'predict_linear(node_filesystem_avail_bytes{{{FS}}}[6h], 12 * 3600)', "{{mountpoint}}"), unit="bytes"),
        ts("Disk I/O time", (f'rate(node_disk_io_time_seconds_total{{{N}}}{R})', "{{device}}"), unit="percentunit"),
        ts("Network", (f'sum by (instance) (rate(node_network_receive_bytes_total{{{N},device!="lo"}}{R}))', "in"),
           (f'sum by (instance) (rate(node_network_transmit_bytes_total{{{N},device!="lo"}}{R}))', "out"), unit="Bps"),
    ])


def nginx():
    return dashboard("podium-nginx", "Podium / Nginx", ["nginx"], [], [
        stat("Nginx up", 'nginx_up', thresholds=[(None, "red"), (1, "green")]),
        ts("Requests per second", ('sum(rate(nginx_http_requests_total[$__rate_interval]))', "requests"), unit="reqps"),
        ts("Connections", ('nginx_connections_active', "active"), ('nginx_connections_reading', "reading"),
           ('nginx_connections_writing', "writing"), ('nginx_connections_waiting', "waiting")),
        ts("Accepted vs handled", ('rate(nginx_connections_accepted[$__rate_interval])', "accepted"),
           ('rate(nginx_connections_handled[$__rate_interval])', "handled"), unit="ops",
           desc="A gap means Nginx dropped connections (worker_connections limit)."),
        ts("5xx ratio behind Nginx", ("podium:slo_availability_errors:ratio_rate5m", "Podium 5xx / all"),
           unit="percentunit", desc="stub_status has no status codes; see the access-log panel for Nginx's own 5xx."),
        logs("Nginx 5xx (Loki)", '{service="nginx"} | json | status >= 500'),
    ])


def certificates_backups():
    return dashboard("podium-certificates-backups", "Podium / Certificates and backups", ["tls", "backup"], [], [
        row("Certificates and probes"),
        ts("Days until the certificate expires", ('(probe_ssl_earliest_cert_expiry - time()) / 86400', "{{instance}}"),
           unit="d", desc="certbot renews at 30 days; CertificateExpiringSoon fires under 14."),
        ts("Probe success", ('probe_success', "{{instance}}")),
        ts("Probe duration", ('probe_duration_seconds', "{{instance}}"), unit="s"),
        ts("TLS version", ('probe_tls_version_info', "{{version}}"), kind="table"),
        row("Backups"),
        stat("Hours since the last good backup", '(time() - max(podium_backup_last_success_timestamp_seconds)) / 3600',
             unit="h", thresholds=[(None, "green"), (26, "red")]),
        ts("Backup duration", ('podium_backup_last_duration_seconds', "{{stanza}} {{type}}"), unit="s"),
        ts("Backup size", ('podium_backup_last_size_bytes', "{{stanza}} {{type}}"), unit="bytes"),
        ts("Last attempt vs last success",
           ('(podium_backup_last_attempt_timestamp_seconds - podium_backup_last_success_timestamp_seconds) / 3600',
            "{{stanza}} {{type}}"), unit="h", desc="Above 0 means the latest attempt failed."),
    ])


DASHBOARDS = {
    "overview.json": overview, "rankings.json": rankings, "postgres.json": postgres,
    "host.json": host, "nginx.json": nginx, "certificates-backups.json": certificates_backups,
}

if __name__ == "__main__":
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent / "dashboards")
    out.mkdir(parents=True, exist_ok=True)
    for name, build in DASHBOARDS.items():
        (out / name).write_text(json.dumps(build(), indent=2) + "\n")
