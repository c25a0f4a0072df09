#!/usr/bin/env python3
"""Load and read-back for scripts/test-ha.sh (standard library only).

  ha-load.py load --base URL --token T --board SLUG --out FILE --stop-file F [--writers N] [--readers N]
      Writers PUT a score for a new participant each time (w<writer>-<i>, score i+1); readers GET
      the first page. Runs until the stop file exists, then writes FILE (JSON): every
      acknowledged write, and per kind (write, read) the count of requests by status, the
      first and last failure and the first success after it, all in epoch milliseconds.
  ha-load.py verify --base URL --board SLUG --acked FILE
      Reads the whole leaderboard and fails unless every acknowledged write is there with at
      least its score; prints how many were checked.
  ha-load.py standings --base URL --board SLUG
      Prints the full standings (rank participant score, one a line), for comparing processes.
"""

import argparse
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse


def now_ms():
    return int(time.time() * 1000)


class Client:
    def __init__(self, base, token=None, timeout=40):
        u = urllib.parse.urlsplit(base)
        self.host, self.port, self.timeout = u.hostname, u.port or 80, timeout
        self.headers = {"content-type": "application/json"}
        if token:
            self.headers["authorization"] = f"Bearer {token}"
        self.conn = None

    def request(self, method, path, body=None):
        """Returns (status, body); status 0 when the connection failed."""
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                self.conn.request(method, path, body=body, headers=self.headers)
                r = self.conn.getresponse()
                data = r.read()
                if r.getheader("connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return r.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                # A kept-alive connection the proxy closed between requests: the request never
                # reached it, so sending it again on a new connection is safe (once).
                self.conn = None
                if attempt == 1 or not isinstance(e, (http.client.RemoteDisconnected, BrokenPipeError)):
                    return 0, str(e).encode()
            except OSError as e:
                self.conn = None
                return 0, str(e).encode()
        return 0, b"unreachable"


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_status = {}
        self.first_fail = None
        self.last_fail = None
        self.recovered = None
        self.failures = []
        self.durations = []

    def record(self, status, t, started, detail=b""):
        with self.lock:
            self.durations.append(t - started)
            self.by_status[str(status)] = self.by_status.get(str(status), 0) + 1
            if 200 <= status < 300:
                if self.last_fail is not None and (self.recovered is None or self.recovered < self.last_fail):
                    self.recovered = t
            else:
                self.first_fail = self.first_fail or started
                self.last_fail = t
                if len(self.failures) < 20:
                    self.failures.append({"at": t, "status": status, "body": detail[:200].decode("utf-8", "replace")})

    def summary(self):
        return {
            "by_status": self.by_status,
            "first_failure": self.first_fail,
            "last_failure": self.last_fail,
            "recovered": self.recovered,
            "failures": self.failures,
            "max_ms": max(self.durations, default=None),
            "p99_ms": sorted(self.durations)[int(len(self.durations) * 0.99)] if self.durations else None,
        }


def load(a):
    acked, acked_lock = [], threading.Lock()
    writes, reads = Tally(), Tally()
    stop = threading.Event()

    def writer(w):
        c, i = Client(a.base, a.token), 0
        while not stop.is_set():
            i += 1
            p = f"w{w}-{i}"
            started = now_ms()
            status, body = c.request("PUT", f"/api/v1/leaderboards/{a.board}/scores/{p}", json.dumps({"score": i}))
            t = now_ms()
            writes.record(status, t, started, body)
            if 200 <= status < 300:
                with acked_lock:
                    acked.append([p, i, t])
            else:
                time.sleep(0.05)

    def reader():
        c = Client(a.base)
        while not stop.is_set():
            started = now_ms()
            status, body = c.request("GET", f"/api/v1/leaderboards/{a.board}/entries?limit=10")
            reads.record(status, now_ms(), started, body)
            time.sleep(0.02)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(a.writers)]
    threads += [threading.Thread(target=reader) for _ in range(a.readers)]
    started = now_ms()
    for t in threads:
        t.start()
    while not os.path.exists(a.stop_file):
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join()
    out = {"started": started, "ended": now_ms(), "acked": acked, "writes": writes.summary(), "reads": reads.summary()}
    with open(a.out, "w") as f:
        json.dump(out, f)


def entries(base, board):
    c, cursor, out = Client(base), None, []
    while True:
        q = "limit=1000" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
        status, body = c.request("GET", f"/api/v1/leaderboards/{board}/entries?{q}")
        if status != 200:
            sys.exit(f"GET entries answered {status}: {body[:200]!r}")
        page = json.loads(body)
        out += page["entries"]
        cursor = page.get("next_cursor")
        if not cursor:
            return out


def verify(a):
    with open(a.acked) as f:
        acked = json.load(f)["acked"]
    have = {e["participant"]: e["score"] for e in entries(a.base, a.board)}
    lost = [(p, s) for p, s, _ in acked if have.get(p, -1) < s]
    print(f"{len(acked)} acknowledged writes checked, {len(have)} entries on the board, {len(lost)} lost")
    if lost:
        print("lost (first 10):", lost[:10])
        sys.exit(1)


def standings(a):
    for e in entries(a.base, a.board):
        print(e["rank"], e["participant"], e["score"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("load")
    p.add_argument("--base", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--board", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--stop-file", required=True)
    p.add_argument("--writers", type=int, default=4)
    p.add_argument("--readers", type=int, default=2)
    p = sub.add_parser("verify")
    p.add_argument("--base", required=True)
    p.add_argument("--board", required=True)
    p.add_argument("--acked", required=True)
    p = sub.add_parser("standings")
    p.add_argument("--base", required=True)
    p.add_argument("--board", required=True)
    a = ap.parse_args()
    {"load": load, "verify": verify, "standings": standings}[a.cmd](a)


if __name__ == "__main__":
    main()
