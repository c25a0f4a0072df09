#!/usr/bin/env python3
"""What pgBackRest's repositories hold, for the backup tooling (deploy/scripts/backup).

    report.py metrics --info INFO.json --state DIR --stanza NAME      # textfile-collector metrics
    report.py due --info INFO.json --repo N --full 7d --diff 1d --incr 6h   # type due, or nothing
    report.py summary --info INFO.json                                 # one line per backup
    report.py newest --info INFO.json       # TYPE|STOP_UNIX|REPO_BYTES|REPO|LABEL, newest of each type

INFO.json is `pgbackrest info --output=json`. Times come from the repository itself (the stop
time of each backup) and from the attempt files the backup command writes (STATE/attempt-TYPE:
"END_UNIX RC DURATION_S REPO"); nothing is invented: a type never backed up has no sample.
"""

import argparse
import json
import os
import re
import sys
import time

TYPES = ("full", "diff", "incr")


def load(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, list):
        sys.exit(f"{path}: expected pgbackrest info's JSON list of stanzas")
    return data


def backups(stanza):
    """Backups of a stanza with their repository key, oldest first."""
    out = []
    for b in stanza.get("backup", []):
        out.append({
            "label": b["label"],
            "type": b["type"],
            "repo": b.get("database", {}).get("repo-key", 1),
            "start": b["timestamp"]["start"],
            "stop": b["timestamp"]["stop"],
            "size": b["info"]["size"],
            "repo_size": b["info"]["repository"]["delta"],
            "error": bool(b.get("error", False)),
        })
    return sorted(out, key=lambda b: b["stop"])


def seconds(text):
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if not text or text[-1] not in units or not text[:-1].isdigit():
        sys.exit(f"bad interval {text!r}: expected a number followed by s, m, h or d")
    return int(text[:-1]) * units[text[-1]]


def esc(v):
    return str(v).replace("\\", "\\\\").replace('"', '\\"')


def metrics(a):
    lines = []

    def gauge(name, help_, samples):
        if not samples:
            return
        lines.append(f"# HELP {name} {help_}")
        lines.append(f"# TYPE {name} gauge")
        for labels, value in samples:
            lab = ",".join(f'{k}="{esc(v)}"' for k, v in labels.items())
            lines.append(f"{name}{{{lab}}} {value}")

    info = load(a.info)
    success, duration, size, repo_size, status = [], [], [], [], []
    for st in info:
        name = st["name"]
        bs = [b for b in backups(st) if not b["error"]]
        for t in TYPES:
            newest = [b for b in bs if b["type"] == t]
            if newest:
                b = newest[-1]
                labels = {"stanza": name, "type": t}
                success.append((labels, b["stop"]))
                duration.append((labels, b["stop"] - b["start"]))
                size.append((labels, b["repo_size"]))
        repos = {r["key"] for r in st.get("repo", [])} or {1}
        for key in sorted(repos):
            repo_size.append(({"stanza": name, "repo": key}, sum(b["repo_size"] for b in bs if b["repo"] == key)))
        status.append(({"stanza": name}, 1 if st.get("status", {}).get("code") == 0 else 0))
    attempt, attempt_ok = [], []
    if a.state and os.path.isdir(a.state):
        for t in TYPES:
            p = os.path.join(a.state, f"attempt-{t}")
            if os.path.exists(p):
                end, rc, _dur, *_ = open(p, encoding="utf-8").read().split()
                labels = {"stanza": a.stanza, "type": t}
                attempt.append((labels, int(end)))
                attempt_ok.append((labels, 1 if rc == "0" else 0))
    gauge("podium_backup_last_success_timestamp_seconds",
          "Unix time at which the newest successful backup of this type finished (from the repository).", success)
    gauge("podium_backup_last_attempt_timestamp_seconds",
          "Unix time at which the last backup attempt of this type finished, successful or not.", attempt)
    gauge("podium_backup_last_attempt_success", "1 when the last backup attempt of this type succeeded.", attempt_ok)
    gauge("podium_backup_last_duration_seconds", "Duration of the newest successful backup of this type.", duration)
    gauge("podium_backup_last_size_bytes", "Bytes the newest successful backup of this type added to its repository.", size)
    gauge("podium_backup_repository_size_bytes",
          "Bytes of the backups kept in a repository (compressed, encrypted; the WAL archive is not counted).", repo_size)
    gauge("podium_backup_stanza_ok", "1 when pgbackrest info reports the stanza ok.", status)
    gauge("podium_backup_metrics_timestamp_seconds", "Unix time at which these metrics were read from pgBackRest.",
          [({"stanza": a.stanza}, int(time.time()))])
    text = "\n".join(lines) + "\n"
    if a.out:
        tmp = f"{a.out}.tmp.{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, a.out)
    else:
        sys.stdout.write(text)


def due(a):
    info = load(a.info)
    now = time.time()
    bs = [b for st in info for b in backups(st) if b["repo"] == a.repo and not b["error"]]

    def age(types):
        stops = [b["stop"] for b in bs if b["type"] in types]
        return now - max(stops) if stops else None

    full, fd, any_ = age({"full"}), age({"full", "diff"}), age(set(TYPES))
    if full is None or full >= seconds(a.full):
        print("full")
    elif fd >= seconds(a.diff):
        print("diff")
    elif any_ >= seconds(a.incr):
        print("incr")


def newest(a):
    """The newest good backup of each type over every repository (for table backup_status)."""
    for st in load(a.info):
        bs = [b for b in backups(st) if not b["error"]]
        for t in TYPES:
            of = [b for b in bs if b["type"] == t]
            if of:
                b = of[-1]
                if not re.fullmatch(r"[0-9A-Za-z_-]+", b["label"]):
                    sys.exit(f"unexpected backup label {b['label']!r}")
                print(f'{t}|{b["stop"]}|{b["repo_size"]}|{b["repo"]}|{b["label"]}')


def summary(a):
    for st in load(a.info):
        for b in backups(st):
            print(f'{st["name"]} repo{b["repo"]} {b["type"]:4} {b["label"]} '
                  f'{time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(b["stop"]))} '
                  f'{b["stop"] - b["start"]}s {b["size"]} B in the cluster, {b["repo_size"]} B in the repository'
                  f'{" ERROR" if b["error"] else ""}')


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("metrics")
    m.add_argument("--info", required=True)
    m.add_argument("--state")
    m.add_argument("--stanza", required=True)
    m.add_argument("--out")
    d = sub.add_parser("due")
    d.add_argument("--info", required=True)
    d.add_argument("--repo", type=int, default=1)
    d.add_argument("--full", default="7d")
    d.add_argument("--diff", default="1d")
    d.add_argument("--incr", default="6h")
    s = sub.add_parser("summary")
    s.add_argument("--info", required=True)
    n = sub.add_parser("newest")
    n.add_argument("--info", required=True)
    a = p.parse_args()
    {"metrics": metrics, "due": due, "summary": summary, "newest": newest}[a.cmd](a)


if __name__ == "__main__":
    main()
