#!/usr/bin/env python3
"""Instructions per request, counted by callgrind, against budgets kept in the repository.

Runs the `podium` binary under `valgrind --tool=callgrind` on a database of its own, seeds one
leaderboard, and for each scenario zeroes the counters, sends the requests one after another on
one keep-alive connection, dumps the counters and divides the instructions the whole process
executed by the number of requests. Instruction counts do not depend on how fast the machine is
today, so unlike seconds they can gate a test: `check` fails when a scenario costs more than
10 % over its budget (and says so when one costs much less: lower the budget then).

The process's own background work (the change-feed poll once a second) runs during a scenario
too; it adds well under 1 % per request at these request counts.

usage: scripts/instruction-budget.py check|update|measure [--bin PATH] [--database-url URL]
  check    measure and compare with crates/podium-server/testdata/instruction-budget.json
  update   measure and write the budgets (commit the file with the change that moved them)
  measure  measure and print only
The database URL (an admin URL of a PostgreSQL 15 cluster; a database is created and dropped
in it) comes from --database-url or PODIUM_TEST_DATABASE_URL. The binary defaults to
target/debug/podium, the one `make test` builds: budgets are for that build.
"""

import argparse
import glob
import http.client
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUDGETS = ROOT / "crates/podium-server/testdata/instruction-budget.json"
TOKEN = "instruction-budget-token-0123456789"
SEEDED = 5000
TOLERANCE = 0.10


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(url, sql):
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql], check=True,
                   stdout=subprocess.DEVNULL)


def database_url(admin, name):
    parts = urllib.parse.urlsplit(admin)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


class Server:
    def __init__(self, binary, db_url, workdir):
        self.port = free_port()
        self.workdir = workdir
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        env.update({
            "DATABASE_URL": db_url,
            "PODIUM_HTTP_ADDR": f"127.0.0.1:{self.port}",
            "PODIUM_API_TOKEN": TOKEN,
            # The write-rate check runs (its cost is counted) but never refuses the benchmark.
            "PODIUM_KEY_WRITE_RATE": "1000000",
            "PODIUM_KEY_WRITE_BURST": "1000000",
            "PODIUM_LOG_FORMAT": "json",
            "PODIUM_LOG_LEVEL": "warn",
            "PODIUM_DB_MAX_CONNECTIONS": "4",
        })
        self.log = open(workdir / "podium.log", "wb")
        self.proc = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--dump-instr=no", "--compress-strings=no",
             f"--callgrind-out-file={workdir}/callgrind.out.%p", binary, "serve"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=workdir)
        self.conn = None

    def wait_ready(self, timeout=300):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"podium exited under valgrind; see {self.workdir}/podium.log")
            try:
                status, _ = self.request("GET", "/readyz")
                if status == 200:
                    return
            except OSError:
                self.conn = None
            time.sleep(1)
        raise SystemExit("podium did not get ready under valgrind in time")

    def request(self, method, path, body=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        r = self.conn.getresponse()
        return r.status, r.read()

    def callgrind(self, *args):
        subprocess.run(["callgrind_control", *args, str(self.proc.pid)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def instructions_in(path):
    text = pathlib.Path(path).read_text(errors="replace")
    m = re.search(r"^(?:summary|totals):\s*(\d+)", text, re.M)
    if not m:
        raise SystemExit(f"no instruction total in {path}")
    return int(m.group(1))


def scenarios():
    """(name, requests, function of i giving (method, path, body))."""
    def rank_read(i):
        return "GET", f"/api/v1/leaderboards/b/entries/p{(i * 7919) % SEEDED}", None

    def around(i):
        return "GET", f"/api/v1/leaderboards/b/entries/p{(i * 104729) % SEEDED}/around?limit=10", None

    def top_100(_):
        return "GET", "/api/v1/leaderboards/b/entries?limit=100", None

    def healthz(_):
        return "GET", "/healthz", None

    def durable_write(i):
        # Always a new best, so every write changes a row, the index and the change log.
        return "PUT", f"/api/v1/leaderboards/b/scores/p{(i * 31) % SEEDED}", {"score": 2_000_000 + i}

    return [("healthz", 200, healthz), ("rank_read", 200, rank_read), ("around_10", 100, around),
            ("top_100", 50, top_100), ("durable_write", 100, durable_write)]


def measure(binary, admin_url):
    name = f"podium_budget_{os.getpid()}"
    psql(admin_url, f"create database {name}")
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="podium-callgrind."))
    server = Server(binary, database_url(admin_url, name), workdir)
    results = {}
    try:
        server.wait_ready()
        status, body = server.request("POST", "/api/v1/leaderboards", {"slug": "b", "name": "B"})
        assert status == 201, (status, body)
        for start in range(0, SEEDED, 1000):
            batch = [{"participant": f"p{i}", "score": (i * 7919) % 1_000_003}
                     for i in range(start, min(start + 1000, SEEDED))]
            status, body = server.request("POST", "/api/v1/leaderboards/b/scores", batch)
            assert status == 200, (status, body[:300])
        for scenario, n, make in scenarios():
            for i in range(10):  # warm: first-use allocations and lazy statics
                status, _ = server.request(*make(n + i))
                assert status < 300, (scenario, status)
            server.callgrind("--zero")
            for i in range(n):
                status, _ = server.request(*make(i))
                assert status < 300, (scenario, status)
            before = set(glob.glob(f"{workdir}/callgrind.out.*"))
            server.callgrind(f"--dump={scenario}")
            dumps = sorted(set(glob.glob(f"{workdir}/callgrind.out.*")) - before)
            if not dumps:
                raise SystemExit(f"callgrind wrote no dump for {scenario}")
            results[scenario] = instructions_in(dumps[-1]) // n
            print(f"  {scenario:14} {results[scenario]:>12,} instructions per request ({n} requests)")
    finally:
        server.stop()
        psql(admin_url, f"drop database if exists {name} with (force)")
        if not os.environ.get("KEEP_CALLGRIND"):
            shutil.rmtree(workdir, ignore_errors=True)
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=["check", "update", "measure"])
    ap.add_argument("--bin", default=str(ROOT / "target/debug/podium"))
    ap.add_argument("--database-url", default=os.environ.get("PODIUM_TEST_DATABASE_URL"))
    args = ap.parse_args()
    if not args.database_url:
        ap.error("give --database-url or set PODIUM_TEST_DATABASE_URL")
    if not shutil.which("valgrind") or not shutil.which("callgrind_control"):
        raise SystemExit("valgrind is not installed (scripts/install-deps.sh installs it)")
    print(f"instruction budget: {args.bin} under callgrind")
    results = measure(args.bin, args.database_url)
    if args.mode == "measure":
        return 0
    if args.mode == "update":
        BUDGETS.write_text(json.dumps({
            "binary": "target/debug/podium (the build make test runs)",
            "tolerance": TOLERANCE,
            "instructions_per_request": results,
        }, indent=2) + "\n")
        print(f"wrote {BUDGETS.relative_to(ROOT)}")
        return 0
    budgets = json.loads(BUDGETS.read_text())["instructions_per_request"]
    failed = 0
    for scenario, used in results.items():
        budget = budgets.get(scenario)
        if budget is None:
            print(f"FAIL {scenario}: no budget; run scripts/instruction-budget.py update")
            failed += 1
            continue
        ratio = used / budget
        verdict = "ok  "
        if ratio > 1 + TOLERANCE:
            verdict = "FAIL"
            failed += 1
        print(f"{verdict} {scenario:14} {used:>12,} / budget {budget:>12,} ({ratio:.2f}x)"
              + ("  — much cheaper now: lower the budget" if ratio < 0.8 else ""))
    print(f"instruction budget: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
