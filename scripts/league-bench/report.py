#!/usr/bin/env python3
"""Report of scripts/league-bench.sh: reads a run's raw files (facts.txt, the recompute outputs,
PostgreSQL statement logs and top -H frames, wrk's JSON line, Podium's logs and metrics) and
writes REPORT.md, results.json and league.svg into --out, with the raw files copied to raw/.
Standard library only."""

import argparse
import datetime as dt
import html
import json
import re
import shutil
import sys
from pathlib import Path

RECOMPUTE_TARGET_S = 10.0
RECORD_TARGET_PER_S = 5000.0
# Measured by someone else with `cargo bench -p podium-core --bench rating` (issue 3's third
# target: over 2,000,000 matches/s on one core), measured by the script with `cargo bench`.
CORE_SYSTEMS = ("elo", "glicko2")
CORE_MATCHES = 1_000_000
CORE_TARGET_PER_S = 2.0e6


def read_facts(path):
    facts = {}
    for line in path.read_text().splitlines():
        if line.startswith("#") or "=" not in line:
            continue
        k, v = line.split("=", 1)
        facts[k] = v
    return facts


def num(facts, key, default=None):
    v = facts.get(key, "")
    try:
        return float(v)
    except ValueError:
        return default


def wrk_json(path):
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("PODIUM_WRK_JSON "):
            return json.loads(line[len("PODIUM_WRK_JSON "):])
    raise SystemExit(f"report: no PODIUM_WRK_JSON line in {path}")


# ------------------------------------------------------------------ PostgreSQL statement log

LOG_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) (\S+) \[(\d+)\] LOG:  duration: ([\d.]+) ms  "
    r"(?:(parse|bind|execute) [^:]*: |statement: )(.*)$"
)

# (class, label) by the first words of a statement, in timeline order of a recompute.
CLASSES = [
    ("lock", "lock the league row, read its definition", re.compile(r"^(begin|select version, season, next_num from league where id = \$1 for update|select id, slug, name, system, params)", re.I)),
    ("participants", "read participants", re.compile(r"from league_participant", re.I)),
    ("read", "read matches (SQL)", re.compile(r"from league_match", re.I)),
    ("delete", "delete rating history (SQL)", re.compile(r"^delete from rating_history", re.I)),
    ("insert", "insert rating history (SQL)", re.compile(r"^(insert into rating_history|copy rating_history)", re.I)),
    ("swap", "index the loaded history, swap it in (SQL)", re.compile(r"podium_history_swap", re.I)),
    ("commit", "commit (SQL)", re.compile(r"^commit", re.I)),
]
# Statements of the connection that loads the recomputed history while the main one replays.
LOADER = re.compile(r"podium_history_stage|^copy rating_history_\d+_\d+_new", re.I)
LOAD_LABEL = "history load on a 2nd connection: stage table, binary COPY, commit (overlaps the rows above)"
OTHER_SQL = ("other", "other SQL (bump version, change log, …)")
GAP_LABELS = {
    "read": ("compute", "Podium: decode + replay ratings, streaming the history to the 2nd connection (between SQL)"),
    "insert": ("encode", "Podium: build next history chunk (between SQL)"),
}
GAP_DEFAULT = ("client", "Podium: other client time (between SQL)")
COLORS = {
    "start": "#bbbbbb",
    "lock": "#8c564b",
    "participants": "#e377c2",
    "read": "#1f77b4",
    "compute": "#ff7f0e",
    "delete": "#d62728",
    "insert": "#2ca02c",
    "encode": "#98df8a",
    "commit": "#9467bd",
    "swap": "#17becf",
    "load": "#2ca02c",
    "other": "#7f7f7f",
    "client": "#c7c7c7",
}
LABELS = {c: l for c, l, _ in CLASSES}
LABELS.update({OTHER_SQL[0]: OTHER_SQL[1], "start": "process start → first SQL (connect)"})
LABELS.update({c: l for c, l in GAP_LABELS.values()})
LABELS[GAP_DEFAULT[0]] = GAP_DEFAULT[1]


def classify(text):
    for cls, _, pattern in CLASSES:
        if pattern.search(text.strip()):
            return cls
    return OTHER_SQL[0]


def parse_pglog(path):
    """Statements as dicts: pid, start, end (epoch seconds), ms, step, text (first line)."""
    out = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("\t") and out and out[-1].get("open"):
            # A statement's continuation lines.
            out[-1]["text"] += " " + line.strip()
            continue
        if out:
            out[-1].pop("open", None)
        m = LOG_LINE.match(line)
        if not m:
            continue
        stamp, zone, pid, ms, step, text = m.groups()
        if zone != "UTC":
            # The cluster logs in its own time zone; only UTC is handled (the default of initdb
            # in this environment). Anything else would shift the timeline, so say it.
            print(f"report: {path.name}: log time zone {zone}, timeline assumes UTC", file=sys.stderr)
        end = dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=dt.timezone.utc).timestamp()
        ms = float(ms)
        out.append({"pid": int(pid), "end": end, "start": end - ms / 1000, "ms": ms,
                    "step": step or "simple", "text": text.strip(), "open": True})
    if out:
        out[-1].pop("open", None)
    for s in out:
        s["text"] = re.sub(r"\s+", " ", s["text"])
    return out


def timeline(statements, t0, t1):
    """Splits [t0, t1] into consecutive segments: SQL by class, and the gaps between (client
    time), labelled by the SQL before them. Returns segments and per-class totals. The first
    `begin` starts the part Podium's own timer measures ('timed')."""
    stmts = sorted(statements, key=lambda s: (s["start"], s["end"]))
    segs = []
    cursor = t0
    prev_cls = None
    timed_from = None
    for s in stmts:
        cls = classify(s["text"])
        if timed_from is None and s["text"].lower().startswith("begin"):
            timed_from = s["start"]
        start = max(s["start"], cursor)
        if start > cursor:
            gap_cls = "start" if prev_cls is None else GAP_LABELS.get(prev_cls, GAP_DEFAULT)[0]
            segs.append([gap_cls, cursor, start])
        end = max(s["end"], start)
        if segs and segs[-1][0] == cls:
            segs[-1][2] = end
        else:
            segs.append([cls, start, end])
        cursor = end
        prev_cls = cls
    if t1 > cursor:
        segs.append([GAP_DEFAULT[0] if prev_cls else "start", cursor, t1])
    # Merge neighbours of the same class (e.g. insert, encode, insert … stay separate classes).
    merged = []
    for cls, a, b in segs:
        if merged and merged[-1][0] == cls:
            merged[-1][2] = b
        else:
            merged.append([cls, a, b])
    return merged, timed_from


def totals(segs, t_from=None):
    out = {}
    for cls, a, b in segs:
        if t_from is not None:
            a = max(a, t_from)
            if b <= a:
                continue
        out[cls] = out.get(cls, 0.0) + (b - a)
    return out


def statement_summary(statements):
    """Per class: count, total ms, and the longest statement."""
    out = {}
    for s in statements:
        if s["step"] in ("parse",):
            continue
        cls = classify(s["text"])
        o = out.setdefault(cls, {"statements": 0, "total_ms": 0.0, "max_ms": 0.0, "steps": {}})
        o["statements"] += 1
        o["total_ms"] += s["ms"]
        o["max_ms"] = max(o["max_ms"], s["ms"])
        o["steps"][s["step"]] = o["steps"].get(s["step"], 0.0) + s["ms"]
    return out


def write_profile(statements, w):
    """What the logged write run spent in SQL, per statement (bind + execute, or a simple
    query), and per transaction (a `commit`)."""
    by = {}
    for s in statements:
        if s["step"] == "parse":
            continue
        key = s["text"][:90]
        o = by.setdefault(key, {"statement": key, "calls": 0, "total_ms": 0.0})
        if s["step"] != "bind":
            o["calls"] += 1
        o["total_ms"] += s["ms"]
    commits = sum(o["calls"] for k, o in by.items() if k.lower().startswith("commit"))
    rows = sorted(by.values(), key=lambda o: -o["total_ms"])
    for o in rows:
        o["mean_ms"] = o["total_ms"] / o["calls"] if o["calls"] else None
        o["ms_per_commit"] = o["total_ms"] / commits if commits else None
    span = (max(s["end"] for s in statements) - min(s["start"] for s in statements)) if statements else 0
    return {
        "requests": w["requests"],
        "requests_per_s": w["requests_per_s"],
        "seconds": w["duration_s"],
        "log_span_s": span,
        "commits": commits,
        "matches_per_commit": w["requests"] / commits if commits else None,
        "sql_ms_per_commit": sum(o["total_ms"] for o in rows) / commits if commits else None,
        "statements": rows[:14],
    }


# ------------------------------------------------------------------ top -H frames

TOP_ROW = re.compile(r"^\s*(\d+)\s+(\S+)\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S\s+([\d.]+)\s+[\d.]+\s+\S+\s+(.+?)\s*$")


def parse_top(path):
    """Mean %CPU per (user, thread name) over the frames after the first (top's first frame
    averages since boot), and the number of frames."""
    frames = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("top - "):
            frames.append([])
            continue
        m = TOP_ROW.match(line)
        if m and frames:
            pid, user, cpu, cmd = m.groups()
            frames[-1].append((int(pid), user, float(cpu), cmd))
    frames = frames[1:]
    acc = {}
    for f in frames:
        for pid, user, cpu, cmd in f:
            if cpu <= 0:
                continue
            group = "postgres" if user == "postgres" else cmd
            acc[group] = acc.get(group, 0.0) + cpu
    n = max(len(frames), 1)
    return {k: v / n for k, v in sorted(acc.items(), key=lambda kv: -kv[1])}, len(frames)


# ------------------------------------------------------------------ metrics

def histogram(path, name):
    """(count, sum) of a Prometheus histogram over all its label sets."""
    count = total = 0.0
    if not path.exists():
        return None
    for line in path.read_text().splitlines():
        if line.startswith(name + "_count"):
            count += float(line.rsplit(" ", 1)[1])
        elif line.startswith(name + "_sum"):
            total += float(line.rsplit(" ", 1)[1])
    return count, total


def metric_delta(before, after, name):
    a, b = histogram(before, name), histogram(after, name)
    if not a or not b:
        return None
    n = b[0] - a[0]
    return {"count": n, "mean_s": (b[1] - a[1]) / n if n else None}


def podium_log(path):
    """Start-up facts from a JSON log: loaded league lines and the rank index line."""
    leagues, index = [], None
    errors = 0
    for line in path.read_text(errors="replace").splitlines():
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("level") == "ERROR":
            errors += 1
        if e.get("message") == "loaded league":
            leagues.append({"league": e.get("league"), "matches": e.get("matches"),
                            "from_snapshot": e.get("from_snapshot"), "at": e.get("timestamp")})
        elif e.get("message") == "rank index loaded":
            index = {"seconds": e.get("seconds"), "entries": e.get("entries"), "at": e.get("timestamp")}
    return leagues, index, errors


def iso_epoch(s):
    s = s.rstrip("Z")
    if "." in s:
        head, frac = s.split(".")
        s = f"{head}.{frac[:6]}"
    return dt.datetime.fromisoformat(s).replace(tzinfo=dt.timezone.utc).timestamp()


# ------------------------------------------------------------------ SVG

def svg_chart(results):
    runs = results["recompute"]
    W = 960
    left = 210
    plot_w = W - left - 150
    row_h = 26
    parts = []
    y = 30
    parts.append(f'<text x="20" y="{y}" font-size="16" font-weight="bold">Podium leagues benchmark — '
                 f'{html.escape(results["machine"]["summary"])}</text>')
    # Panel 1: recompute timeline per run, stacked by phase, with the 10 s target.
    y += 30
    parts.append(f'<text x="20" y="{y}" font-size="14" font-weight="bold">Full recompute: where the time goes '
                 f'({results["config"]["matches"]:,} matches, {results["config"]["participants"]:,} participants; '
                 f'process wall time, target {RECOMPUTE_TARGET_S:g} s)</text>')
    y += 14
    max_s = max([RECOMPUTE_TARGET_S * 1.1] + [r["wall_s"] for r in runs])
    scale = plot_w / max_s
    axis_top = y
    for r in runs:
        y += row_h
        parts.append(f'<text x="{left - 8}" y="{y + 12}" font-size="12" text-anchor="end">'
                     f'{html.escape(r["league"])} run {r["run"]}{" (rewrite)" if r["history_before"] else ""}</text>')
        for seg in r["timeline"]:
            x = left + seg["from_s"] * scale
            w = max((seg["to_s"] - seg["from_s"]) * scale, 0.5)
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h - 8}" fill="{COLORS.get(seg["class"], "#000")}">'
                         f'<title>{html.escape(LABELS.get(seg["class"], seg["class"]))}: {seg["to_s"] - seg["from_s"]:.2f} s</title></rect>')
        if r.get("load"):
            ld = r["load"]
            x = left + ld["from_s"] * scale
            w = max((ld["to_s"] - ld["from_s"]) * scale, 0.5)
            parts.append(f'<rect x="{x:.1f}" y="{y + row_h - 7}" width="{w:.1f}" height="5" fill="{COLORS["load"]}" opacity="0.6">'
                         f'<title>{html.escape(LOAD_LABEL)}: {ld["seconds"]:.2f} s</title></rect>')
        if r.get("timed_from_s") is not None:
            x = left + r["timed_from_s"] * scale
            parts.append(f'<line x1="{x:.1f}" y1="{y - 2}" x2="{x:.1f}" y2="{y + row_h - 6}" stroke="#000" stroke-width="1.5"/>')
        parts.append(f'<text x="{left + r["wall_s"] * scale + 4:.1f}" y="{y + 12}" font-size="11">{r["wall_s"]:.1f} s '
                     f'(timed {r["reported_s"]:.1f} s)</text>')
    y += row_h
    tx = left + RECOMPUTE_TARGET_S * scale
    parts.append(f'<line x1="{tx:.1f}" y1="{axis_top}" x2="{tx:.1f}" y2="{y}" stroke="#d00" stroke-dasharray="5,3" stroke-width="1.5"/>')
    parts.append(f'<text x="{tx + 3:.1f}" y="{axis_top + 10}" font-size="11" fill="#d00">target {RECOMPUTE_TARGET_S:g} s</text>')
    parts.append(f'<line x1="{left}" y1="{y}" x2="{left + plot_w}" y2="{y}" stroke="#000"/>')
    step = 5 if max_s <= 60 else 10 if max_s <= 120 else 30
    t = 0
    while t <= max_s:
        x = left + t * scale
        parts.append(f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 4}" stroke="#000"/>'
                     f'<text x="{x:.1f}" y="{y + 16}" font-size="11" text-anchor="middle">{t} s</text>')
        t += step
    y += 30
    parts.append(f'<text x="{left}" y="{y}" font-size="11">Black tick: the start of what Podium\'s own timer measures '
                 f'(before it, the CLI loads and replays the league once).</text>')
    y += 14
    parts.append(f'<text x="{left}" y="{y}" font-size="11">Phases from PostgreSQL\'s statement log; gaps between '
                 f'statements are Podium\'s time. Thin bar under a run: the history load on a 2nd connection.</text>')
    used = []
    for r in runs:
        for seg in r["timeline"]:
            if seg["class"] not in used:
                used.append(seg["class"])
    y += 10
    for i, cls in enumerate(used):
        col, row = i % 2, i // 2
        x = left + col * 360
        yy = y + row * 18
        parts.append(f'<rect x="{x}" y="{yy}" width="12" height="12" fill="{COLORS.get(cls, "#000")}"/>'
                     f'<text x="{x + 18}" y="{yy + 10}" font-size="11">{html.escape(LABELS.get(cls, cls))}</text>')
    y += ((len(used) + 1) // 2) * 18 + 20
    # Panel 2: recording throughput against the target.
    rec = results["record"]
    parts.append(f'<text x="20" y="{y}" font-size="14" font-weight="bold">Recording single matches over HTTP '
                 f'({results["config"]["connections"]} clients, elo)</text>')
    y += 14
    max_r = max(RECORD_TARGET_PER_S, rec["requests_per_s"]) * 1.1
    rscale = plot_w / max_r
    y += 8
    parts.append(f'<text x="{left - 8}" y="{y + 12}" font-size="12" text-anchor="end">matches/s</text>')
    parts.append(f'<rect x="{left}" y="{y}" width="{max(rec["requests_per_s"] * rscale, 1):.1f}" height="{row_h - 8}" fill="#1f77b4"/>')
    parts.append(f'<text x="{left + rec["requests_per_s"] * rscale + 4:.1f}" y="{y + 12}" font-size="11">'
                 f'{rec["requests_per_s"]:,.0f}/s (p50 {rec["latency_ms"]["p50"]:.0f} ms, p99 {rec["latency_ms"]["p99"]:.0f} ms)</text>')
    tx = left + RECORD_TARGET_PER_S * rscale
    parts.append(f'<line x1="{tx:.1f}" y1="{y - 6}" x2="{tx:.1f}" y2="{y + row_h}" stroke="#d00" stroke-dasharray="5,3" stroke-width="1.5"/>')
    parts.append(f'<text x="{tx - 3:.1f}" y="{y + row_h + 10}" font-size="11" fill="#d00" text-anchor="end">target {RECORD_TARGET_PER_S:,.0f}/s</text>')
    y += row_h + 24
    h = y
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" viewBox="0 0 {W} {h}" '
            f'font-family="sans-serif">\n<rect width="{W}" height="{h}" fill="#fff"/>\n' + "\n".join(parts) + "\n</svg>\n")


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--run", required=True, type=Path, help="the run's work directory (holds raw/)")
    ap.add_argument("--out", required=True, type=Path, help="where REPORT.md, results.json, league.svg go")
    args = ap.parse_args()
    raw = args.run / "raw"
    facts = read_facts(raw / "facts.txt")
    systems = facts["systems"].split()
    runs_per = int(facts["recompute_runs"])
    matches = int(facts["matches"])
    participants = int(facts["participants"])

    # Recomputes.
    runs = []
    for s in systems:
        for run in range(1, runs_per + 1):
            name = f"recompute-{s}-{run}"
            line = (raw / f"{name}.out.txt").read_text()
            m = re.search(r"recomputed (\d+) matches of '([^']+)' in ([\d.]+) s \((\d+) matches/s\)", line)
            if not m:
                raise SystemExit(f"report: no result line in {name}.out.txt")
            t0, t1 = num(facts, f"{name}_start_epoch"), num(facts, f"{name}_end_epoch")
            stmts = parse_pglog(raw / f"{name}.pglog")
            loader_pids = {x["pid"] for x in stmts if LOADER.search(x["text"])}
            loader = [x for x in stmts if x["pid"] in loader_pids]
            load = (min(x["start"] for x in loader), max(x["end"] for x in loader)) if loader else None
            segs, timed_from = timeline([x for x in stmts if x["pid"] not in loader_pids], t0, t1)
            top, frames = parse_top(raw / f"{name}.top.txt")
            tot_all = totals(segs)
            tot_timed = totals(segs, timed_from)
            busy, total = num(facts, f"{name}_machine_busy_s"), num(facts, f"{name}_machine_total_s")
            pod, pg = num(facts, f"{name}_podium_cpu_s"), num(facts, f"{name}_postgres_cpu_s")
            runs.append({
                "system": s,
                "league": m.group(2),
                "run": run,
                "matches": int(m.group(1)),
                "reported_s": float(m.group(3)),
                "reported_matches_per_s": int(m.group(4)),
                "wall_s": t1 - t0,
                "history_before": int(facts.get(f"{name}_history_before", 0)),
                "history_after": int(facts.get(f"{name}_history_after", 0)),
                "cpu_s": {"podium": pod, "postgres": pg,
                          "other": round(busy - pod - pg, 2) if None not in (busy, pod, pg) else None,
                          "idle": round(total - busy, 2) if None not in (busy, total) else None},
                "timed_from_s": (timed_from - t0) if timed_from else None,
                "phases_s": {k: round(v, 3) for k, v in tot_all.items()},
                "phases_timed_s": {k: round(v, 3) for k, v in tot_timed.items()},
                "timeline": [{"class": c, "from_s": round(a - t0, 4), "to_s": round(b - t0, 4)} for c, a, b in segs],
                "load": {"from_s": round(load[0] - t0, 4), "to_s": round(load[1] - t0, 4),
                         "seconds": round(load[1] - load[0], 3)} if load else None,
                "statements": statement_summary(stmts),
                "top_threads_pct": {k: round(v, 1) for k, v in list(top.items())[:8]},
                "top_frames": frames,
            })

    # Recording.
    w = wrk_json(raw / "record.wrk.txt")
    lat = {k: v / 1000 for k, v in w["latency_us"]["percentiles"].items()}
    lat["max"] = w["latency_us"]["max"] / 1000
    lat["mean"] = w["latency_us"]["mean"] / 1000
    rec_cpu = {k: num(facts, f"record_cpu_{k}_s") for k in ("podium", "postgres", "busy", "total")}
    non2xx = w["responses_non_2xx"]
    sock_errors = sum(w["errors"].values()) - w["errors"]["status"]
    record = {
        "requests": w["requests"],
        "requests_per_s": w["requests_per_s"],
        "responses_2xx": w["responses_2xx"],
        "responses_non_2xx": non2xx,
        "socket_errors": w["errors"],
        "latency_ms": lat,
        "matches_committed": int(facts.get("record_matches_committed", 0)),
        "late_matches": int(facts.get("record_late_matches", 0)),
        "commits": int(facts.get("record_commits", 0)),
        "late_commits": int(facts.get("record_late_commits", 0)),
        "largest_commit": int(facts.get("record_largest_commit", 0)),
        "cpu_s": rec_cpu,
        "incremental": metric_delta(raw / "record-metrics-before.txt", raw / "record-metrics-after.txt",
                                    "podium_ranking_compute_seconds"),
    }
    logged = raw / "record-logged.pglog"
    if logged.exists():
        record["profile"] = write_profile(parse_pglog(logged), wrk_json(raw / "record-logged.wrk.txt"))
    rec_top, _ = parse_top(raw / "record-top.txt") if (raw / "record-top.txt").exists() else ({}, 0)
    record["top_threads_pct"] = {k: round(v, 1) for k, v in list(rec_top.items())[:8]}

    # Start-up.
    leagues, index, errors_loaded = podium_log(raw / "podium-loaded.log")
    replayed_log = raw / "podium-replayed.log"
    replayed_leagues, replayed_index, _ = podium_log(replayed_log) if replayed_log.exists() else ([], None, 0)
    startup = {
        "ready_wall_s": num(facts, "loaded_ready_wall_s"),
        "rank_index_loaded_s": index and index.get("seconds"),
        "leagues": leagues,
        "rss_kb": num(facts, "rss_loaded_kb"),
        "snapshot_bytes": num(facts, "snapshot_bytes"),
        "replayed": {
            "ready_wall_s": num(facts, "replayed_ready_wall_s"),
            "rank_index_loaded_s": replayed_index and replayed_index.get("seconds"),
            "leagues": replayed_leagues,
            "rss_kb": num(facts, "rss_replayed_kb"),
        },
    }
    errors = errors_loaded + sum(podium_log(p)[2] for p in raw.glob("podium-*.log") if p.name != "podium-loaded.log")

    cpu_model = facts.get("cpu_model", "?")
    mem_gib = num(facts, "mem_total_kb", 0) / 1024 / 1024
    machine = {
        "nproc": int(facts.get("nproc", 0)), "cpu_model": cpu_model, "mem_gib": round(mem_gib, 1),
        "kernel": facts.get("kernel"), "background_busy_pct": int(facts.get("background_busy_pct", 0)),
        "loadavg_before": facts.get("loadavg_before"),
        "summary": f'{facts.get("nproc")} CPUs, {cpu_model}, {mem_gib:.1f} GiB, {facts.get("date")}',
    }
    worst = {}
    for r in runs:
        worst[r["system"]] = max(worst.get(r["system"], 0), r["reported_s"])
    worst_wall = {}
    for r in runs:
        worst_wall[r["system"]] = max(worst_wall.get(r["system"], 0), r["wall_s"])
    full_size = matches >= 1_000_000 and participants >= 100_000
    targets = []
    for s in systems:
        targets.append({"target": f"Full recompute, {s}, {matches:,} matches / {participants:,} participants (slowest run, Podium's own timer)",
                        "goal": f"< {RECOMPUTE_TARGET_S:g} s", "measured": f"{worst[s]:.2f} s",
                        "pass": worst[s] < RECOMPUTE_TARGET_S, "at_target_size": full_size})
        targets.append({"target": f"… same, whole `podium recompute` process (wall)",
                        "goal": f"< {RECOMPUTE_TARGET_S:g} s", "measured": f"{worst_wall[s]:.2f} s",
                        "pass": worst_wall[s] < RECOMPUTE_TARGET_S, "at_target_size": full_size})
    targets.append({"target": f"Recording single matches over HTTP, durable, {facts['connections']} clients",
                    "goal": f"> {RECORD_TARGET_PER_S:,.0f} matches/s",
                    "measured": f"{record['requests_per_s']:,.0f} matches/s ({non2xx} non-2xx)",
                    "pass": record["requests_per_s"] > RECORD_TARGET_PER_S and non2xx == 0 and sock_errors == 0,
                    "at_target_size": True})
    ready = startup["ready_wall_s"]
    targets.append({"target": f"Start-up with {len(systems)} leagues of {matches:,} matches (process start → ready, from the snapshots)",
                    "goal": "< 1 s", "measured": f"{ready:.2f} s" if ready is not None else "not measured",
                    "pass": ready is not None and ready < 1.0, "at_target_size": full_size})
    core = {}
    for s in CORE_SYSTEMS:
        f = raw / f"core-{s}.json"
        if f.exists():
            ns = json.loads(f.read_text())["mean"]["point_estimate"]
            core[s] = CORE_MATCHES / (ns / 1e9)
    for s in CORE_SYSTEMS:
        v = core.get(s)
        targets.append({"target": f"Rating computation alone, {s}, one core (`cargo bench`, mean of 10 samples)",
                        "goal": f"> {CORE_TARGET_PER_S / 1e6:g} M matches/s",
                        "measured": f"{v / 1e6:.2f} M/s" if v else "not measured (--no-core-bench)",
                        "pass": bool(v) and v > CORE_TARGET_PER_S, "at_target_size": True,
                        "not_measured": not v})

    results = {
        "core_matches_per_s": {k: round(v) for k, v in core.items()},
        "generated_by": "scripts/league-bench.sh",
        "date": facts.get("date"),
        "command": facts.get("command"),
        "git_commit": facts.get("git_commit"),
        "git_dirty": facts.get("git_dirty") == "1",
        "binary": facts.get("binary"),
        "binary_version": facts.get("binary_version"),
        "machine": machine,
        "postgres": {"version": facts.get("pg_version"), "settings": facts.get("pg_settings")},
        "config": {"mode": facts.get("mode"), "matches": matches, "participants": participants,
                   "systems": systems, "recompute_runs": runs_per,
                   "write_participants": int(facts["write_participants"]),
                   "duration_s": int(facts["duration_s"]), "warmup_s": int(facts["warmup_s"]),
                   "connections": int(facts["connections"]), "threads": int(facts["threads"])},
        "targets": targets,
        "seed": {s: {"sql_s": num(facts, f"seed_{s}_s"), "vacuum_analyze_s": num(facts, f"seed_{s}_vacuum_s")} for s in systems},
        "db_bytes": {"seeded": num(facts, "db_size_seeded_bytes"), "after_recompute": num(facts, "db_size_after_recompute_bytes")},
        "recompute": runs,
        "record": record,
        "startup": startup,
        "podium_error_lines": errors,
    }

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "league.svg").write_text(svg_chart(results))
    (out / "REPORT.md").write_text(markdown(results))
    dest = out / "raw"
    if dest.resolve() == raw.resolve():
        print(f"report: {out / 'REPORT.md'} (regenerated from its own raw/)")
        return
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(raw, dest)
    print(f"report: {out / 'REPORT.md'}")


def fmt_s(v):
    return "–" if v is None else f"{v:.2f}"


def markdown(r):
    m, c, rec, st = r["machine"], r["config"], r["record"], r["startup"]
    L = []
    L.append("# Podium leagues benchmark report\n")
    L.append(f"Generated by `scripts/league-bench.sh` on {r['date']} (`{r['command']}`).\n")
    dirty = " (working tree of crates/ differs from this commit)" if r["git_dirty"] else ""
    L.append(f"- Commit: `{r['git_commit']}`{dirty}; binary measured: `{r['binary']}` — `{r['binary_version']}`")
    L.append(f"- Machine: {m['nproc']} CPUs (`nproc`), {m['cpu_model']}, {m['mem_gib']} GiB RAM, kernel {m['kernel']}")
    L.append(f"- PostgreSQL: {r['postgres']['version']} (private cluster on a Unix socket; {r['postgres']['settings']})")
    L.append(f"- Mode: {c['mode']}; recompute leagues: {', '.join(c['systems'])} with {c['matches']:,} matches among "
             f"{c['participants']:,} participants each, recomputed {c['recompute_runs']}× each; writes: elo league, "
             f"{c['write_participants']:,} participants, wrk `-t{c['threads']} -c{c['connections']} -d{c['duration_s']}s --latency` "
             f"after a {c['warmup_s']} s warm-up, load generator on the same machine")
    bg = m["background_busy_pct"]
    warn = " — **other work was running: figures are pessimistic**" if bg > 15 else ""
    L.append(f"- Machine busy before the test (other processes): {bg} % of all CPUs; load average {m['loadavg_before']}{warn}\n")
    L.append("![recompute phases and write throughput](league.svg)\n")
    L.append("## Targets (issue 3)\n")
    L.append("| Target | Goal | Measured | Result |")
    L.append("|---|---|---|---|")
    for t in r["targets"]:
        res = "pass" if t["pass"] else "**FAIL**"
        if not t["at_target_size"]:
            res += " (not at target size)"
        if t.get("not_measured"):
            res = "not measured"
        L.append(f"| {t['target']} | {t['goal']} | {t['measured']} | {res} |")
    L.append("")
    L.append("## Full recompute\n")
    L.append("`podium recompute --league SLUG` against the seeded league, nothing else connected. "
             "Run 1 finds no history (the seed writes none); run 2 deletes and rewrites the history run 1 wrote, "
             "which is what every later full recompute (a change of params, an operator's request) does. "
             "\"Timed\" is the figure `podium recompute` prints (its own timer, the same span a recompute job reports); "
             "\"wall\" is the whole process, which first loads and replays the league once before that timer starts.\n")
    L.append("| League | Run | History rows before → after | Timed (s) | matches/s | Wall (s) | CPU podium / postgres / other / idle (s) |")
    L.append("|---|---|---|---|---|---|---|")
    for x in r["recompute"]:
        cpu = x["cpu_s"]
        L.append(f"| {x['league']} | {x['run']} | {x['history_before']:,} → {x['history_after']:,} | {x['reported_s']:.2f} | "
                 f"{x['reported_matches_per_s']:,} | {x['wall_s']:.2f} | {fmt_s(cpu['podium'])} / {fmt_s(cpu['postgres'])} / "
                 f"{fmt_s(cpu['other'])} / {fmt_s(cpu['idle'])} |")
    L.append("")
    L.append("### Where the time goes\n")
    L.append("Seconds of the process's wall time by phase, from PostgreSQL's statement log "
             "(`log_min_duration_statement = 0` during the recomputes; a statement's span is its logged duration, "
             "ending at its log time, millisecond resolution). Gaps between statements are time spent in Podium "
             "(or in transit), labelled by the SQL before them. A streaming `select` of matches includes the time Podium takes to "
             "decode rows as they arrive.\n")
    classes = []
    for x in r["recompute"]:
        for k in x["phases_s"]:
            if k not in classes:
                classes.append(k)
    order = ["start", "lock", "participants", "read", "compute", "delete", "insert", "encode", "swap", "other", "commit", "client"]
    classes.sort(key=lambda k: order.index(k) if k in order else 99)
    head = "| Phase | " + " | ".join(f"{x['system']} {x['run']}" for x in r["recompute"]) + " |"
    L.append(head)
    L.append("|---|" + "---|" * len(r["recompute"]))
    for k in classes:
        L.append(f"| {LABELS.get(k, k)} | " + " | ".join(f"{x['phases_s'].get(k, 0):.2f}" for x in r["recompute"]) + " |")
    if any(x.get("load") for x in r["recompute"]):
        L.append(f"| {LOAD_LABEL} | " + " | ".join(f"{x['load']['seconds']:.2f}" if x.get("load") else "–" for x in r["recompute"]) + " |")
    L.append("| **wall** | " + " | ".join(f"**{x['wall_s']:.2f}**" for x in r["recompute"]) + " |")
    L.append("| of which inside Podium's timer | " + " | ".join(f"{sum(x['phases_timed_s'].values()):.2f}" for x in r["recompute"]) + " |")
    L.append("")
    L.append("Statements (bind + execute time; `read` counts both reads of the matches, see below):\n")
    L.append("| Run | Class | Statements | Total ms | Longest ms |")
    L.append("|---|---|---|---|---|")
    for x in r["recompute"]:
        for k in order + [k for k in x["statements"] if k not in order]:
            if k in x["statements"]:
                sd = x["statements"][k]
                L.append(f"| {x['system']} {x['run']} | {LABELS.get(k, k)} | {sd['statements']} | {sd['total_ms']:,.0f} | {sd['max_ms']:,.0f} |")
    L.append("")
    L.append("Busiest threads during each recompute (`top -H`, mean %CPU of one core over the frames; "
             "PostgreSQL processes summed under `postgres`):\n")
    for x in r["recompute"]:
        tops = ", ".join(f"{k} {v:.0f} %" for k, v in x["top_threads_pct"].items())
        L.append(f"- {x['system']} {x['run']} ({x['top_frames']} frames): {tops}")
    L.append("")
    L.append("## Recording single matches over HTTP\n")
    L.append(f"POST /api/v1/leagues/bench-elo/matches, one 1v1 match per request between two distinct participants "
             f"among {c['write_participants']:,} (created on first appearance), `played_at` = the wall clock when wrk builds the request.\n")
    L.append("| Figure | Value |")
    L.append("|---|---|")
    L.append(f"| requests | {rec['requests']:,} |")
    L.append(f"| matches/s | {rec['requests_per_s']:,.1f} |")
    for k in ("p50", "p75", "p90", "p95", "p99", "p99.9", "p99.99", "max"):
        if k in rec["latency_ms"]:
            L.append(f"| latency {k} (ms) | {rec['latency_ms'][k]:.2f} |")
    L.append(f"| 2xx / non-2xx responses | {rec['responses_2xx']:,} / {rec['responses_non_2xx']:,} |")
    e = rec["socket_errors"]
    L.append(f"| socket errors (connect/read/write/timeout) | {e['connect']}/{e['read']}/{e['write']}/{e['timeout']} |")
    L.append(f"| matches committed in the database during the run | {rec['matches_committed']:,} |")
    if rec["commits"]:
        L.append(f"| transactions (group commits) / matches per commit (mean, largest) | {rec['commits']:,} / "
                 f"{rec['matches_committed'] / rec['commits']:.1f}, {rec['largest_commit']:,} |")
    L.append(f"| late matches (played before a match committed in an earlier transaction: Podium rewinds to a "
             f"checkpoint and replays) / transactions with one | {rec['late_matches']:,} / {rec['late_commits']:,} |")
    if rec.get("incremental") and rec["incremental"]["count"]:
        inc = rec["incremental"]
        L.append(f"| `podium_ranking_compute_seconds` observations / mean | {inc['count']:,.0f} / {inc['mean_s'] * 1000:.3f} ms |")
    cpu = rec["cpu_s"]
    if cpu.get("total"):
        other = cpu["busy"] - cpu["podium"] - cpu["postgres"]
        idle = cpu["total"] - cpu["busy"]
        L.append(f"| machine CPU-s: podium / postgres / other (wrk, kernel, …) / idle | "
                 f"{cpu['podium']:.1f} / {cpu['postgres']:.1f} / {other:.1f} / {idle:.1f} of {cpu['total']:.1f} |")
    if rec["top_threads_pct"]:
        L.append("| busiest threads (top -H, %CPU) | " + ", ".join(f"{k} {v:.0f} %" for k, v in rec["top_threads_pct"].items()) + " |")
    L.append("")
    pr = rec.get("profile")
    if pr and pr["commits"]:
        L.append(f"What one write transaction costs in SQL, from a further {pr['seconds']:.0f} s run with every statement logged "
                 f"(slower than the measured run: {pr['requests_per_s']:,.0f} matches/s): {pr['commits']:,} commits for "
                 f"{pr['requests']:,} requests, **{pr['matches_per_commit']:.1f} matches per commit**, "
                 f"{pr['sql_ms_per_commit']:.2f} ms of SQL per commit. The transaction's "
                 f"statements, most expensive first (bind + execute):\n")
        L.append("| Statement | Calls | Mean ms | ms per commit |")
        L.append("|---|---|---|---|")
        for o in pr["statements"]:
            mean = "–" if o["mean_ms"] is None else f"{o['mean_ms']:.3f}"
            L.append(f"| `{o['statement'].replace('|', '/')}` | {o['calls']:,} | {mean} | {o['ms_per_commit']:.3f} |")
        L.append("")
    L.append("## Start-up on the filled database\n")
    def source(l):
        return "snapshot" if l.get("from_snapshot") else "every match replayed"
    names = ", ".join(f"{l['league']} ({l['matches']:,} matches, {source(l)})"
                      for l in st["leagues"] if l.get("matches") is not None)
    rp = st.get("replayed") or {}
    snap_mib = (st.get("snapshot_bytes") or 0) / 2**20
    L.append("Podium restarted twice after the recomputes (each stored its league's snapshot): "
             f"first from the snapshots ({snap_mib:,.1f} MiB stored), then with them deleted, "
             "replaying every match as a release that cannot read them would.\n")
    L.append("| Start-up | process start → `/readyz` 200 | log \"rank index loaded\" | resident memory |")
    L.append("|---|---|---|---|")
    L.append(f"| from the snapshots | **{fmt_s(st['ready_wall_s'])} s** | {fmt_s(st['rank_index_loaded_s'])} s | "
             f"{st['rss_kb'] / 1024 if st['rss_kb'] else 0:.0f} MiB |")
    if rp.get("ready_wall_s") is not None:
        L.append(f"| every match replayed | {fmt_s(rp['ready_wall_s'])} s | {fmt_s(rp['rank_index_loaded_s'])} s | "
                 f"{rp['rss_kb'] / 1024 if rp.get('rss_kb') else 0:.0f} MiB |")
    L.append("")
    L.append(f"Leagues at the first start: {names}.\n")
    L.append("## Seeding\n")
    for s, v in r["seed"].items():
        L.append(f"- {s}: SQL insert {fmt_s(v['sql_s'])} s, then `vacuum (analyze)` {fmt_s(v['vacuum_analyze_s'])} s")
    db = r["db_bytes"]
    if db["seeded"]:
        L.append(f"- database size: {db['seeded'] / 2**20:,.0f} MiB seeded, {db['after_recompute'] / 2**20:,.0f} MiB with the history\n")
    L.append("## Rating computation alone\n")
    if r.get("core_matches_per_s"):
        figures = ", ".join(f"{k} {v / 1e6:.2f} M matches/s" for k, v in r["core_matches_per_s"].items())
        L.append("`cargo bench -p podium-core --bench rating` (1,000,000 matches among 100,000 participants through a "
                 f"fresh engine, no database, one core), run by this script before the cluster starts: {figures} "
                 "(target > 2 M/s). Criterion's output: `raw/core-bench.txt`.\n")
    else:
        L.append("Not measured in this run (`--no-core-bench`).\n")
    if r["podium_error_lines"]:
        L.append(f"Podium logged {r['podium_error_lines']} ERROR lines during the run (see raw/podium-*.log).\n")
    L.append("Raw material: `raw/` (facts, wrk output, PostgreSQL statement logs of each recompute, top -H frames, "
             "Podium's logs and metrics).\n")
    return "\n".join(L)


if __name__ == "__main__":
    main()
