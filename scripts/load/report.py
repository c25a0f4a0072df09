#!/usr/bin/env python3
"""Turn one run of scripts/load-test.sh into reports: results.json, REPORT.md, latency.svg.

Reads the run folder the script filled:
  facts.txt               key=value lines measured by the script (machine, RSS, CPU, timings)
  seed.json               the seeder's timings
  read.wrk.txt            wrk's output for the read test (with a PODIUM_WRK_JSON line)
  write.wrk.txt           the same for the write test
  write-metrics-{before,after}.txt   Podium's /metrics around the measured write run
  loaded-metrics.txt      Podium's /metrics after the restart on the filled database
  podium-loaded.log       Podium's JSON log of that restart
  {read,write}-top.txt    top snapshots taken halfway through each run
Standard library only.
"""

import argparse
import json
import math
import re
import shutil
import sys
from pathlib import Path

# The targets. `op` says which side passes; `unit` is how `measured` is expressed.
TARGETS = [
    ("read_rps", "Rank read throughput (GET entries/{participant}, 1M board)", ">", 20000, "req/s"),
    ("read_p99", "Rank read p99 latency", "<", 5.0, "ms"),
    ("write_rps", "Durable write throughput (PUT scores/{participant})", ">", 10000, "req/s"),
    ("write_p99", "Durable write p99 latency", "<", 20.0, "ms"),
    ("startup_s", "Start-up index load of the filled board", "<", 3.0, "s"),
    ("bytes_per_entry", "Resident memory per indexed entry", "<", 150.0, "bytes"),
]

PLOT_PERCENTILES = ["p50", "p90", "p99", "p99.9"]


def read_facts(path):
    facts = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            facts[k.strip()] = v.strip()
    return facts


def num(facts, key, default=None):
    v = facts.get(key)
    if v in (None, ""):
        return default
    try:
        return float(v)
    except ValueError:
        return default


def wrk_result(path):
    text = path.read_text()
    for line in text.splitlines():
        if line.startswith("PODIUM_WRK_JSON "):
            data = json.loads(line[len("PODIUM_WRK_JSON "):])
            summary = "\n".join(l for l in text.splitlines() if not l.startswith("PODIUM_WRK_JSON "))
            return data, summary.strip()
    sys.exit(f"report: no PODIUM_WRK_JSON line in {path}; did wrk fail?")


METRIC_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')


def prom(path):
    """Prometheus text → {(name, labels-string): value}."""
    out = {}
    if not path.exists():
        return out
    for line in path.read_text().splitlines():
        m = METRIC_LINE.match(line)
        if m:
            try:
                out[(m.group(1), m.group(2) or "")] = float(m.group(3))
            except ValueError:
                pass
    return out


def histogram(after, before, name):
    """Delta of one histogram between two scrapes: count, sum, mean and bucket quantiles."""
    def series(scrape):
        buckets, total, count = {}, 0.0, 0.0
        for (n, labels), v in scrape.items():
            if n == name + "_bucket":
                le = re.search(r'le="([^"]+)"', labels).group(1)
                bound = math.inf if le == "+Inf" else float(le)
                buckets[bound] = buckets.get(bound, 0.0) + v
            elif n == name + "_sum":
                total += v
            elif n == name + "_count":
                count += v
        return buckets, total, count

    b1, s1, c1 = series(after)
    b0, s0, c0 = series(before)
    count, total = c1 - c0, s1 - s0
    cum = sorted((le, v - b0.get(le, 0.0)) for le, v in b1.items())

    def quantile(q):
        if count <= 0:
            return None
        rank = q * count
        for le, v in cum:
            if v >= rank:
                return le
        return math.inf

    return {
        "count": count,
        "sum": total,
        "mean": total / count if count else None,
        "p50_bucket_le": quantile(0.5),
        "p99_bucket_le": quantile(0.99),
        "buckets": [{"le": ("+Inf" if le == math.inf else le), "cumulative": v} for le, v in cum],
    }


def cpu_split(facts, test):
    keys = ("podium", "postgres", "busy", "total")
    vals = {k: num(facts, f"{test}_cpu_{k}_s") for k in keys}
    if vals["total"] in (None, 0):
        return None
    other = vals["busy"] - vals["podium"] - vals["postgres"]
    return {
        "podium_s": vals["podium"],
        "postgres_s": vals["postgres"],
        "other_s": max(other, 0.0),
        "idle_s": max(vals["total"] - vals["busy"], 0.0),
        "machine_s": vals["total"],
        "share": {
            "podium": vals["podium"] / vals["total"],
            "postgres": vals["postgres"] / vals["total"],
            "other (wrk, kernel, …)": max(other, 0.0) / vals["total"],
            "idle": max(vals["total"] - vals["busy"], 0.0) / vals["total"],
        },
    }


def log_seconds(path, message):
    if not path.exists():
        return None
    for line in path.read_text().splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        fields = rec.get("fields", rec)
        if fields.get("message") == message and "seconds" in fields:
            return float(fields["seconds"])
    return None


def fmt(v, digits=2):
    if v is None:
        return "n/a"
    if isinstance(v, float) and (math.isinf(v) or math.isnan(v)):
        return "∞"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}"


# ---------------------------------------------------------------- SVG


def esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg_chart(results):
    W, H = 920, 720
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
        'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">',
        f'<rect width="{W}" height="{H}" fill="white"/>',
        f'<text x="{W/2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">'
        f'Podium load test — {esc(results["generated_at"][:10])}, commit {esc(results["git"]["commit"][:10])}, '
        f'{esc(results["machine"]["nproc"])} cores</text>',
    ]

    # Panel 1: latency percentiles, log scale, reads and writes side by side.
    x0, y0, pw, ph = 70, 60, 680, 300
    out.append(f'<text x="{x0}" y="{y0 - 12}" font-size="14" font-weight="bold">'
               f'Latency percentiles (ms, log scale) — {results["config"]["connections"]} connections</text>')
    series = [("read", "#2b6cb0", results["read"]["target_p99_ms"]),
              ("write", "#dd6b20", results["write"]["target_p99_ms"])]
    values = [results[s]["latency_ms"][p] for s, _, _ in series for p in PLOT_PERCENTILES]
    values += [t for _, _, t in series]
    lo = 10 ** math.floor(math.log10(max(min(v for v in values if v > 0), 1e-3)))
    hi = 10 ** math.ceil(math.log10(max(values)))
    if hi <= lo:
        hi = lo * 10

    def ly(v):
        v = max(v, lo)
        return y0 + ph - (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * ph

    out.append(f'<rect x="{x0}" y="{y0}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
    decade = lo
    while decade <= hi * 1.0001:
        y = ly(decade)
        out.append(f'<line x1="{x0}" x2="{x0 + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{decade:g}</text>')
        decade *= 10
    group_w = pw / len(PLOT_PERCENTILES)
    bar_w = group_w / (len(series) + 1.5)
    for gi, p in enumerate(PLOT_PERCENTILES):
        gx = x0 + gi * group_w
        out.append(f'<text x="{gx + group_w / 2:.1f}" y="{y0 + ph + 18}" text-anchor="middle">{p}</text>')
        for si, (name, colour, _) in enumerate(series):
            v = results[name]["latency_ms"][p]
            bx = gx + bar_w * (0.75 + si)
            by = ly(v)
            out.append(f'<rect x="{bx:.1f}" y="{by:.1f}" width="{bar_w * 0.9:.1f}" '
                       f'height="{y0 + ph - by:.1f}" fill="{colour}"/>')
            out.append(f'<text x="{bx + bar_w * 0.45:.1f}" y="{by - 4:.1f}" text-anchor="middle" '
                       f'font-size="11">{fmt(v)}</text>')
    for name, colour, target in series:
        y = ly(target)
        out.append(f'<line x1="{x0}" x2="{x0 + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="{colour}" '
                   'stroke-width="1.5" stroke-dasharray="6,4"/>')
        out.append(f'<text x="{x0 + pw + 6}" y="{y + 4:.1f}" fill="{colour}">'
                   f'{name} p99 target {target:g} ms</text>')
    lx = x0 + 10
    for name, colour, _ in series:
        r = results[name]
        label = f'{name}: {fmt(r["requests_per_s"], 0)} req/s'
        out.append(f'<rect x="{lx}" y="{y0 + 8}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{lx + 16}" y="{y0 + 18}">{esc(label)}</text>')
        lx += 200

    # Panel 2: every target as measured / target, 100 % = the target line.
    x0, y0, pw = 180, 440, 600
    rows = results["targets"]
    row_h = 40
    out.append(f'<text x="80" y="{y0 - 16}" font-size="14" font-weight="bold">'
               'Targets: measured as % of the target (dashed line = target)</text>')
    ratios = [t["measured"] / t["target"] for t in rows if t["measured"] is not None]
    top = max([2.0] + [min(r, 10.0) for r in ratios]) * 1.1
    tx = x0 + pw / top
    for i, t in enumerate(rows):
        y = y0 + i * row_h
        out.append(f'<text x="{x0 - 8}" y="{y + 17}" text-anchor="end">{esc(t["short"])}</text>')
        if t["measured"] is None:
            out.append(f'<text x="{x0 + 4}" y="{y + 17}">not measured</text>')
            continue
        r = t["measured"] / t["target"]
        w = min(r, top) / top * pw
        colour = "#2f855a" if t["pass"] else "#c53030"
        out.append(f'<rect x="{x0}" y="{y + 4}" width="{w:.1f}" height="{row_h - 14}" fill="{colour}" opacity="0.85"/>')
        verdict = "pass" if t["pass"] else "MISS"
        label = f'{fmt(t["measured"])} {t["unit"]} ({t["op"]} {t["target"]:g}) — {verdict}'
        if w > pw * 0.55:
            out.append(f'<text x="{x0 + w - 6:.1f}" y="{y + 17}" text-anchor="end" fill="white">{esc(label)}</text>')
        else:
            out.append(f'<text x="{x0 + w + 6:.1f}" y="{y + 17}">{esc(label)}</text>')
    out.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{y0 - 4}" y2="{y0 + len(rows) * row_h}" '
               'stroke="#333" stroke-dasharray="6,4"/>')
    out.append(f'<line x1="{x0}" x2="{x0}" y1="{y0 - 4}" y2="{y0 + len(rows) * row_h}" stroke="#999"/>')
    out.append(f'<text x="{tx:.1f}" y="{y0 + len(rows) * row_h + 14}" text-anchor="middle">100 %</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True, type=Path, help="the run folder written by load-test.sh")
    ap.add_argument("--out", required=True, type=Path, help="where REPORT.md, results.json, latency.svg go")
    args = ap.parse_args()
    run, out = args.run, args.out
    facts = read_facts(run / "facts.txt")
    seed = json.loads((run / "seed.json").read_text())
    read, read_summary = wrk_result(run / "read.wrk.txt")
    write, write_summary = wrk_result(run / "write.wrk.txt")

    loaded = prom(run / "loaded-metrics.txt")
    index_entries = sum(v for (n, _), v in loaded.items() if n == "podium_index_entries") or None
    startup_metric = next((v for (n, _), v in loaded.items() if n == "podium_startup_load_seconds"), None)
    startup_log = log_seconds(run / "podium-loaded.log", "rank index loaded")
    w_before, w_after = prom(run / "write-metrics-before.txt"), prom(run / "write-metrics-after.txt")
    batch = histogram(w_after, w_before, "podium_write_batch_size")
    commit = histogram(w_after, w_before, "podium_write_commit_seconds")

    rss_empty = num(facts, "rss_empty_kb")
    rss_loaded = num(facts, "rss_loaded_kb")
    entries_for_mem = index_entries or num(facts, "entries")
    bytes_per_entry = None
    if rss_empty is not None and rss_loaded is not None and entries_for_mem:
        bytes_per_entry = (rss_loaded - rss_empty) * 1024 / entries_for_mem

    def test_block(data, summary, test):
        p = data["latency_us"]["percentiles"]
        errors = sum(data["errors"].values())
        return {
            "requests": data["requests"],
            "duration_s": data["duration_s"],
            "requests_per_s": data["requests_per_s"],
            "errors": data["errors"],
            "error_total": errors,
            "latency_ms": {k: v / 1000 for k, v in p.items()},
            "latency_mean_ms": data["latency_us"]["mean"] / 1000,
            "latency_max_ms": data["latency_us"]["max"] / 1000,
            "extra": data.get("extra"),
            "cpu": cpu_split(facts, test),
            "wrk_summary": summary,
        }

    results = {
        "generated_at": facts.get("date", ""),
        "git": {"commit": facts.get("git_commit", "unknown"), "dirty": facts.get("git_dirty") == "1",
                "binary": facts.get("binary_version", "")},
        "machine": {
            "nproc": int(num(facts, "nproc", 0)),
            "cpu_model": facts.get("cpu_model", ""),
            "memory_total_kb": num(facts, "mem_total_kb"),
            "kernel": facts.get("kernel", ""),
            "postgres": facts.get("pg_version", ""),
            "wrk": facts.get("wrk_version", ""),
            "background_busy_pct": num(facts, "background_busy_pct"),
            "loadavg_before": facts.get("loadavg_before", ""),
        },
        "config": {
            "mode": facts.get("mode", "full"),
            "entries": int(num(facts, "entries", 0)),
            "duration_s": num(facts, "duration_s"),
            "warmup_s": num(facts, "warmup_s"),
            "connections": int(num(facts, "connections", 0)),
            "threads": int(num(facts, "threads", 0)),
            "new_ratio": num(facts, "new_ratio"),
            "db_max_connections": facts.get("db_max_connections", ""),
            "postgres_settings": facts.get("pg_settings", ""),
        },
        "seed": seed,
        "read": test_block(read, read_summary, "read"),
        "write": test_block(write, write_summary, "write"),
        "write_batches": {"batch_size": batch, "commit_seconds": commit},
        "startup": {
            "index_entries": index_entries,
            "metric_seconds": startup_metric,
            "log_seconds": startup_log,
            "ready_wall_seconds": num(facts, "loaded_ready_wall_s"),
            "empty_ready_wall_seconds": num(facts, "empty_ready_wall_s"),
        },
        "memory": {
            "rss_empty_kb": rss_empty,
            "rss_loaded_kb": rss_loaded,
            "rss_after_seed_kb": num(facts, "rss_after_seed_kb"),
            "rss_after_writes_kb": num(facts, "rss_after_writes_kb"),
            "entries": entries_for_mem,
            "bytes_per_entry": bytes_per_entry,
        },
    }
    results["read"]["target_p99_ms"] = 5.0
    results["write"]["target_p99_ms"] = 20.0

    measured = {
        "read_rps": results["read"]["requests_per_s"],
        "read_p99": results["read"]["latency_ms"]["p99"],
        "write_rps": results["write"]["requests_per_s"],
        "write_p99": results["write"]["latency_ms"]["p99"],
        "startup_s": startup_metric if startup_metric is not None else startup_log,
        "bytes_per_entry": bytes_per_entry,
    }
    short = {
        "read_rps": "read req/s", "read_p99": "read p99", "write_rps": "write req/s",
        "write_p99": "write p99", "startup_s": "start-up load", "bytes_per_entry": "RSS / entry",
    }
    targets = []
    for key, name, op, target, unit in TARGETS:
        v = measured[key]
        ok = v is not None and (v > target if op == ">" else v < target)
        note = ""
        # A fast error is not a served request: throughput passes only with zero errors.
        test = key.split("_")[0]
        if key.endswith("_rps") and results[test]["error_total"]:
            ok = False
            note = f'{results[test]["error_total"]} errors (non-2xx or socket)'
        targets.append({"id": key, "name": name, "short": short[key], "op": op, "target": target,
                        "unit": unit, "measured": v, "pass": ok, "note": note})
    results["targets"] = targets
    results["all_pass"] = all(t["pass"] for t in targets)

    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (out / "latency.svg").write_text(svg_chart(results))
    (out / "REPORT.md").write_text(markdown(results, facts))
    raw = out / "raw"
    raw.mkdir(exist_ok=True)
    for name in ("read.wrk.txt", "write.wrk.txt", "read-top.txt", "write-top.txt", "seed.json",
                 "write-metrics-after.txt", "loaded-metrics.txt", "facts.txt"):
        if (run / name).exists():
            shutil.copy(run / name, raw / name)
    print(f"report: wrote {out / 'REPORT.md'}, {out / 'results.json'}, {out / 'latency.svg'}")
    for t in targets:
        print(f'  {"PASS" if t["pass"] else "MISS"}  {t["name"]}: {fmt(t["measured"])} {t["unit"]} '
              f'(target {t["op"]} {t["target"]:g}) {t["note"]}')


def markdown(r, facts):
    m, c = r["machine"], r["config"]
    lines = [
        "# Podium load test report",
        "",
        f'Generated by `scripts/load-test.sh` on {r["generated_at"]}.',
        "",
        f'- Commit: `{r["git"]["commit"]}`{" (with uncommitted changes)" if r["git"]["dirty"] else ""}; '
        f'binary: `{r["git"]["binary"]}`',
        f'- Machine: {m["nproc"]} CPUs (`nproc`), {m["cpu_model"]}, '
        f'{fmt((m["memory_total_kb"] or 0) / 1024 / 1024, 1)} GiB RAM, kernel {m["kernel"]}',
        f'- PostgreSQL: {m["postgres"]} (private cluster on a Unix socket; {c["postgres_settings"]})',
        f'- Load generator: {m["wrk"]} on the same machine, `-t{c["threads"]} -c{c["connections"]} '
        f'-d{fmt(c["duration_s"], 0)}s` after a {fmt(c["warmup_s"], 0)} s warm-up',
        f'- Mode: {c["mode"]}; {c["entries"]:,} seeded entries; Podium pool '
        f'`PODIUM_DB_MAX_CONNECTIONS={c["db_max_connections"] or "default (16)"}`',
        f'- Machine busy before the test (other processes): {fmt(m["background_busy_pct"], 0)} % of all CPUs; '
        f'load average {m["loadavg_before"]}',
        "",
    ]
    if (m["background_busy_pct"] or 0) > 15:
        lines += ["> **Warning:** other processes were using the CPU when this run started; "
                  "its figures understate what Podium does on an idle machine.", ""]
    if c["entries"] != 1_000_000:
        lines += [f'> This run used {c["entries"]:,} entries, not the 1,000,000 the targets are defined for: '
                  "its verdicts are indicative only.", ""]
    lines += [
        "![latency and targets](latency.svg)",
        "",
        "## Targets",
        "",
        "| Target | Goal | Measured | Result |",
        "|---|---|---|---|",
    ]
    for t in r["targets"]:
        res = "pass" if t["pass"] else "**MISS**"
        note = f' — {t["note"]}' if t["note"] else ""
        lines.append(f'| {t["name"]} | {t["op"]} {t["target"]:g} {t["unit"]} | '
                     f'{fmt(t["measured"])} {t["unit"]} | {res}{note} |')
    s = r["seed"]
    lines += [
        "",
        "## Details",
        "",
        "| Figure | Reads | Writes |",
        "|---|---|---|",
    ]
    rd, wr = r["read"], r["write"]
    for label, key in (("requests", "requests"), ("req/s", "requests_per_s")):
        lines.append(f"| {label} | {fmt(rd[key], 0)} | {fmt(wr[key], 0)} |")
    for p in ("p50", "p75", "p90", "p95", "p99", "p99.9", "p99.99"):
        lines.append(f'| latency {p} (ms) | {fmt(rd["latency_ms"].get(p))} | {fmt(wr["latency_ms"].get(p))} |')
    lines.append(f'| latency max (ms) | {fmt(rd["latency_max_ms"])} | {fmt(wr["latency_max_ms"])} |')
    lines.append(f'| errors (connect/read/write/status/timeout) | '
                 f'{"/".join(str(rd["errors"][k]) for k in ("connect", "read", "write", "status", "timeout"))} | '
                 f'{"/".join(str(wr["errors"][k]) for k in ("connect", "read", "write", "status", "timeout"))} |')
    if wr.get("extra"):
        lines.append(f'| writes to new participants | | {fmt(wr["extra"].get("new_participant_requests"), 0)} |')
    b, cm = r["write_batches"]["batch_size"], r["write_batches"]["commit_seconds"]
    lines += ["", "Where the CPU went during each measured run (from /proc: Podium process, PostgreSQL "
              "server processes, the rest of the machine's busy time — mostly wrk — and idle):", "",
              "| Run | machine CPU-s | podium | postgres | other (wrk, kernel, …) | idle |",
              "|---|---|---|---|---|---|"]
    for label, test in (("reads", rd), ("writes", wr)):
        cpu = test["cpu"]
        if cpu:
            sh = cpu["share"]
            lines.append(f"| {label} | {fmt(cpu['machine_s'], 1)} | " + " | ".join(
                f"{v * 100:.0f} %" for v in (sh["podium"], sh["postgres"], sh["other (wrk, kernel, …)"], sh["idle"])) + " |")
    lines += [
        "",
        "Write batching during the measured write run (Podium's `/metrics`, delta over the run):",
        "",
        f'- `podium_write_batch_size`: {fmt(b["count"], 0)} batches, mean {fmt(b["mean"], 1)} '
        f'submissions per batch, median ≤ {fmt(b["p50_bucket_le"], 0)}, p99 ≤ {fmt(b["p99_bucket_le"], 0)}',
        f'- `podium_write_commit_seconds`: mean {fmt((cm["mean"] or 0) * 1000)} ms, '
        f'median ≤ {fmt((cm["p50_bucket_le"] or 0) * 1000)} ms, p99 ≤ {fmt((cm["p99_bucket_le"] or 0) * 1000)} ms',
        "",
        "Seeding (one client, sequential atomic batch POSTs):",
        "",
        f'- {s["entries"]:,} entries in {s["batches"]} POSTs of {s["batch_size"]:,}: '
        f'{fmt(s["seconds"], 1)} s of requests ({fmt(s["wall_seconds"], 1)} s wall, including building the bodies), '
        f'**{fmt(s["entries_per_s"], 0)} entries/s**; per batch min {fmt(s["batch_ms"]["min"], 0)} ms, '
        f'median {fmt(s["batch_ms"]["median"], 0)} ms, max {fmt(s["batch_ms"]["max"], 0)} ms',
        "",
        "Start-up and memory (Podium restarted on the filled database):",
        "",
        f'- `podium_startup_load_seconds` {fmt(r["startup"]["metric_seconds"], 3)} s; '
        f'log "rank index loaded" {fmt(r["startup"]["log_seconds"], 3)} s; '
        f'process start → `/readyz` 200: {fmt(r["startup"]["ready_wall_seconds"], 3)} s '
        f'(empty database: {fmt(r["startup"]["empty_ready_wall_seconds"], 3)} s); '
        f'index entries {fmt(r["startup"]["index_entries"], 0)}',
        f'- VmRSS: empty database {fmt(r["memory"]["rss_empty_kb"], 0)} kB, after the restart on the filled '
        f'database {fmt(r["memory"]["rss_loaded_kb"], 0)} kB → '
        f'**{fmt(r["memory"]["bytes_per_entry"], 1)} bytes per entry**. For comparison: the process that '
        f'seeded had {fmt(r["memory"]["rss_after_seed_kb"], 0)} kB after seeding; '
        f'after the write test {fmt(r["memory"]["rss_after_writes_kb"], 0)} kB.',
        "",
        "## How to reproduce",
        "",
        "```sh",
        f'{facts.get("command", "scripts/load-test.sh")}',
        "```",
        "",
        "`raw/` holds the wrk outputs, `top` snapshots taken halfway through each run, and Podium's "
        "metrics after the write run and after the restart.",
        "",
        "## Raw wrk summaries",
        "",
        "### Reads: `GET /api/v1/leaderboards/load/entries/{participant}`",
        "",
        "```",
        rd["wrk_summary"],
        "```",
        "",
        "### Writes: `PUT /api/v1/leaderboards/load/scores/{participant}`",
        "",
        "```",
        wr["wrk_summary"],
        "```",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
