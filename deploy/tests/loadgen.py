#!/usr/bin/env python3
"""Continuous load that counts every response: GET entries and PUT scores through Nginx.

Runs until SIGTERM/SIGINT (or --duration), then writes a JSON summary to --out and prints it.
A request counts as failed when it raises (connection refused/reset, TLS error, timeout) or its
status is not 2xx. Each request uses a fresh connection (TLS session resumed), so a connection
that Nginx closes during a reload can never be mistaken for a lost request, and every request is
really sent.
"""

import argparse
import http.client
import json
import signal
import socket
import ssl
import threading
import time


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--name", required=True, help="TLS server name / Host header")
    p.add_argument("--cacert", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--board", default="load")
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--interval", type=float, default=0.01, help="pause per thread between requests")
    p.add_argument("--duration", type=float, default=0, help="seconds; 0 = until signalled")
    p.add_argument("--out", required=True)
    p.add_argument("--ready", help="file created once the first response arrived (load is flowing)")
    a = p.parse_args()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    ctx = ssl.create_default_context(cafile=a.cacert)
    lock = threading.Lock()
    stats = {"requests": 0, "ok": 0, "failed": 0, "status": {}, "errors": {}, "samples": []}

    def request(session, method, path, body=None):
        conn = http.client.HTTPSConnection(a.host, a.port, context=ctx, timeout=15)
        headers = {"Host": a.name, "Connection": "close"}
        if body is not None:
            headers["Content-Type"] = "application/json"
            headers["Authorization"] = f"Bearer {a.token}"
        # Resume the TLS session: fewer full handshakes on a 2-core machine.
        raw = socket.create_connection((a.host, a.port), timeout=15)
        tls = ctx.wrap_socket(raw, server_hostname=a.name, session=session)
        conn.sock = tls
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        r.read()
        new_session = tls.session
        conn.close()
        tls.close()
        return r.status, r.getheader("X-Request-Id", ""), new_session

    def worker(n):
        session = None
        i = 0
        while not stop.is_set():
            i += 1
            if i % 4 == 0:
                method, path = "PUT", f"/api/v1/leaderboards/{a.board}/scores/p{n}-{i % 50}"
                body = json.dumps({"score": i}).encode()
            else:
                method, path, body = "GET", f"/api/v1/leaderboards/{a.board}/entries?limit=10", None
            try:
                status, rid, session = request(session, method, path, body)
                key, failed = str(status), not 200 <= status < 300
            except Exception as e:  # noqa: BLE001 - every failure counts
                key, failed, rid, session = type(e).__name__, True, "", None
            with lock:
                stats["requests"] += 1
                if stats["requests"] == 1 and a.ready:
                    open(a.ready, "w").close()
                if failed:
                    stats["failed"] += 1
                    if len(stats["samples"]) < 20:
                        stats["samples"].append(f"{time.strftime('%H:%M:%S')} {method} {path} -> {key} {rid}")
                else:
                    stats["ok"] += 1
                bucket = "status" if key.isdigit() else "errors"
                stats[bucket][key] = stats[bucket].get(key, 0) + 1
            if a.interval:
                stop.wait(a.interval)

    # The leaderboard under load (201 created, 409 already there).
    status, _, _ = request(None, "POST", "/api/v1/leaderboards",
                           json.dumps({"slug": a.board, "name": "Load"}).encode())
    if status not in (201, 409):
        raise SystemExit(f"loadgen: cannot create leaderboard {a.board}: HTTP {status}")
    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(a.threads)]
    t0 = time.time()
    for t in threads:
        t.start()
    while not stop.is_set():
        if a.duration and time.time() - t0 >= a.duration:
            break
        stop.wait(0.2)
    stop.set()
    for t in threads:
        t.join(20)
    stats["seconds"] = round(time.time() - t0, 1)
    stats["rps"] = round(stats["requests"] / max(stats["seconds"], 0.1), 1)
    with open(a.out, "w") as f:
        json.dump(stats, f, indent=1)
    print(json.dumps({k: stats[k] for k in ("requests", "ok", "failed", "rps", "status", "errors")}))


if __name__ == "__main__":
    main()
