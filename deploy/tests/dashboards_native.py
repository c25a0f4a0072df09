#!/usr/bin/env python3
"""Runs every PromQL expression of the Grafana dashboards against the native stack's Prometheus
(deploy/prometheus/tests/check_dashboards.py with a shorter excuse list): with the nginx and
blackbox exporters and the deploy textfile running, only metrics the single-host stack cannot
have (replication, open event streams when no client listens) may come back empty.

usage: dashboards_native.py PROMETHEUS_URL DASHBOARD_DIR   (exit 1 on any failure)"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "prometheus" / "tests"))
import check_dashboards  # noqa: E402

check_dashboards.ABSENT_IN_TEST = ("pg_stat_replication_", "podium_event_streams_open")

if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(check_dashboards.main(sys.argv[1].rstrip("/"), sys.argv[2]))
