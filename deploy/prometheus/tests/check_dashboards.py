#!/usr/bin/env python3
"""Runs every PromQL expression of the Grafana dashboards against a real Prometheus.

Dashboard variables get a real value (the first of their label_values query), Grafana's
interval variables fixed durations. Each expression must parse and return data; one that
returns nothing passes only if it reads a metric that cannot exist in the test (nginx,
blackbox probes, replication, deploy state, not-yet-exported metrics), and is then listed as
checked for parsing only. Loki panels are listed as not run.

usage: check_dashboards.py PROMETHEUS_URL DASHBOARD_DIR   (exit 1 on any failure)"""

import json
import pathlib
import re
import sys
import urllib.parse
import urllib.request

ABSENT_IN_TEST = ("nginx_", "probe_", "pg_stat_replication_", "podium_deploy_active_colour",
                  "podium_event_streams_open")
FIXED = {"__rate_interval": "1m", "__interval": "15s", "__range": "5m"}


def api(base, path, **params):
    url = f"{base}/api/v1/{path}?{urllib.parse.urlencode(params, doseq=True)}"
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        return json.load(e)


def substitute(expr, values):
    def repl(m):
        name = m.group(1) or m.group(2)
        return values.get(name, m.group(0))
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", repl, expr)


def variable_values(base, dashboard):
    values = dict(FIXED)
    for v in dashboard.get("templating", {}).get("list", []):
        q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
        m = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", q.strip())
        if not m:
            continue
        res = api(base, f"label/{m.group(2)}/values", **{"match[]": m.group(1)})
        found = res.get("data") or []
        # Grafana escapes regex characters in a PromQL string literal the same way.
        values[v["name"]] = re.escape(found[0]).replace("\\", "\\\\") if found else "__no_value__"
    return values


def main(base, folder):
    ok = parse_only = failed = 0
    parse_only_names, loki = [], []
    for f in sorted(pathlib.Path(folder).glob("*.json")):
        dash = json.loads(f.read_text())
        values = variable_values(base, dash)
        for panel in dash["panels"]:
            for t in panel.get("targets", []):
                where = f"{f.name} / {panel['title']} / {t['refId']}"
                if t.get("datasource", {}).get("type") == "loki":
                    loki.append(where)
                    continue
                expr = substitute(t["expr"], values)
                res = api(base, "query", query=expr)
                if res.get("status") != "success":
                    failed += 1
                    print(f"  FAIL {where}: {res.get('error')}\n       {expr}")
                elif res["data"]["result"]:
                    ok += 1
                elif any(m in expr for m in ABSENT_IN_TEST):
                    parse_only += 1
                    parse_only_names.append(where)
                else:
                    failed += 1
                    print(f"  FAIL {where}: no data\n       {expr}")
    for w in parse_only_names:
        print(f"  parse-only (metric absent in the test): {w}")
    for w in loki:
        print(f"  LogQL, not run (no Loki here): {w}")
    print(f"  dashboard queries: {ok} returned data, {parse_only} parse-only, "
          f"{len(loki)} LogQL not run, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1].rstrip("/"), sys.argv[2]))
