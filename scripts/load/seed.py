#!/usr/bin/env python3
"""Seed a leaderboard for scripts/load-test.sh: create it (if missing) and post ENTRIES scores
as atomic batch POSTs of BATCH items, one after another on one keep-alive connection.

Participants are player-0000001 … player-{ENTRIES:07d}; scores come from a seeded generator,
so two runs with the same --seed write the same data. Request bodies are built before each
request's clock starts: the figure measures the server, not this script. Prints one JSON
object with the timings. Standard library only.
"""

import argparse
import http.client
import json
import random
import statistics
import sys
import time


def request(conn, method, path, body, token):
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    return resp.status, resp.read()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--board", default="load")
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--token", default="")
    args = ap.parse_args()
    if args.entries < 1 or not 1 <= args.batch <= 10_000:
        ap.error("--entries must be at least 1 and --batch between 1 and 10000")

    conn = http.client.HTTPConnection(args.host, args.port, timeout=300)
    board = json.dumps({"slug": args.board, "name": "Load test", "order": "desc", "operator": "best"})
    status, body = request(conn, "POST", "/api/v1/leaderboards", board, args.token)
    if status not in (201, 409):
        sys.exit(f"seed: creating leaderboard {args.board!r} answered {status}: {body[:500]!r}")

    rng = random.Random(args.seed)
    path = f"/api/v1/leaderboards/{args.board}/scores"
    times = []
    wall_start = time.perf_counter()
    for start in range(1, args.entries + 1, args.batch):
        end = min(start + args.batch, args.entries + 1)
        items = [{"participant": f"player-{n:07d}", "score": rng.randrange(1_000_000_000)} for n in range(start, end)]
        payload = json.dumps(items, separators=(",", ":")).encode()
        t0 = time.perf_counter()
        status, body = request(conn, "POST", path, payload, args.token)
        times.append(time.perf_counter() - t0)
        if status != 200:
            sys.exit(f"seed: batch at participant {start} answered {status}: {body[:500]!r}")
        done = end - 1
        if len(times) % 10 == 0 or done == args.entries:
            print(f"seed: {done}/{args.entries} entries", file=sys.stderr, flush=True)
    wall = time.perf_counter() - wall_start
    conn.close()

    server_s = sum(times)
    print(json.dumps({
        "entries": args.entries,
        "batches": len(times),
        "batch_size": args.batch,
        "seconds": server_s,
        "wall_seconds": wall,
        "entries_per_s": args.entries / server_s,
        "batch_ms": {
            "min": min(times) * 1e3,
            "median": statistics.median(times) * 1e3,
            "max": max(times) * 1e3,
        },
    }))


if __name__ == "__main__":
    main()
