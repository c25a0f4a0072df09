#!/usr/bin/env python3
"""Live updates at scale: N concurrent Server-Sent Events clients on one Podium process.

Starts a private PostgreSQL cluster (scripts/test-pg) and the given `podium` binary on
loopback, opens N event streams on one leaderboard (in waves, from one asyncio process), then
submits scores one after another at a steady pace. Every client timestamps every `entry` event
it receives; the delay of an event is its arrival time minus the moment its score was sent.
Reports the delay percentiles over every (client, event) pair, the events missed and the
streams dropped, and the process's resident memory per open stream.

usage: scripts/sse-bench.py [--bin target/release/podium] [--clients 10000] [--events 40]
                            [--interval-ms 250] [--out reports/sse]
The load generator shares the machine's cores with Podium, so delays are upper bounds.
"""

import argparse
import asyncio
import json
import os
import pathlib
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOKEN = "sse-bench-token-0123456789abcdef"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_bytes(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def call(port, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"Authorization": f"Bearer {TOKEN}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, r.read()


class Client:
    def __init__(self):
        self.arrivals = {}  # participant -> arrival time
        self.resync = False
        self.connected = asyncio.Event()
        self.failed = None

    async def run(self, port, slug, stop):
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(f"GET /api/v1/leaderboards/{slug}/events HTTP/1.1\r\nHost: x\r\n"
                         "Accept: text/event-stream\r\n\r\n".encode())
            await writer.drain()
            status = await reader.readline()
            if b" 200 " not in status:
                raise RuntimeError(status.decode(errors="replace").strip())
            while (await reader.readline()) not in (b"\r\n", b""):
                pass
            event = None
            while not stop.is_set():
                line = await reader.readline()
                if not line:
                    break
                now = time.monotonic()
                if b"connected" in line:
                    self.connected.set()
                elif line.startswith(b"event:"):
                    event = line[6:].strip()
                elif line.startswith(b"data:") and event == b"entry":
                    data = json.loads(line[5:])
                    self.arrivals.setdefault(data["participant"], now)
                elif line.startswith(b"data:") and event == b"resync":
                    self.resync = True
            writer.close()
        except Exception as e:  # noqa: BLE001 - reported per client
            self.failed = str(e)
            self.connected.set()


async def bench(port, pid, clients, events, interval):
    slug = "live"
    call(port, "POST", "/api/v1/leaderboards", {"slug": slug, "name": "Live"})
    stop = asyncio.Event()
    rss_before = rss_bytes(pid)
    pool = [Client() for _ in range(clients)]
    tasks = []
    started = time.monotonic()
    for i in range(0, clients, 500):
        wave = pool[i:i + 500]
        tasks += [asyncio.create_task(c.run(port, slug, stop)) for c in wave]
        await asyncio.wait_for(asyncio.gather(*(c.connected.wait() for c in wave)), 120)
    connect_seconds = time.monotonic() - started
    failed = [c.failed for c in pool if c.failed]
    await asyncio.sleep(2)
    rss_connected = rss_bytes(pid)
    sent = {}
    loop = asyncio.get_running_loop()
    for i in range(events):
        participant = f"p{i}"
        sent[participant] = time.monotonic()
        await loop.run_in_executor(None, call, port, "PUT",
                                   f"/api/v1/leaderboards/{slug}/scores/{participant}",
                                   {"score": 1000 + i})
        await asyncio.sleep(interval)
    await asyncio.sleep(3)
    stop.set()
    delays, missed = [], 0
    for c in pool:
        if c.failed:
            continue
        for participant, at in sent.items():
            if participant in c.arrivals:
                delays.append(c.arrivals[participant] - at)
            else:
                missed += 1
    for t in tasks:
        t.cancel()
    delays.sort()

    def pct(p):
        return delays[min(len(delays) - 1, int(p / 100 * len(delays)))] if delays else None

    return {
        "clients": clients,
        "events": events,
        "interval_ms": int(interval * 1000),
        "connect_seconds": round(connect_seconds, 2),
        "failed_clients": len(failed),
        "first_failure": failed[0] if failed else None,
        "deliveries": len(delays),
        "missed": missed,
        "resyncs": sum(c.resync for c in pool),
        "delay_ms": {k: round(v * 1000, 1) for k, v in
                     {"p50": pct(50), "p90": pct(90), "p99": pct(99), "max": delays[-1] if delays else None,
                      "mean": statistics.fmean(delays) if delays else None}.items() if v is not None},
        "rss_before_mib": round(rss_before / 2**20, 1),
        "rss_connected_mib": round(rss_connected / 2**20, 1),
        "bytes_per_client": int((rss_connected - rss_before) / max(1, clients - len(failed))),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=str(ROOT / "target/release/podium"))
    ap.add_argument("--clients", type=int, default=10000)
    ap.add_argument("--events", type=int, default=40)
    ap.add_argument("--interval-ms", type=int, default=250)
    ap.add_argument("--out", default=str(ROOT / "reports/sse"))
    args = ap.parse_args()
    # Each side (this process, and Podium, which inherits the limit) holds one socket per client.
    need = args.clients + 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < need:
        sys.exit(f"{args.clients} clients need {need} open files; the hard limit here is {hard}")
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
    pgdir = tempfile.mkdtemp(prefix="podium-sse-pg.")
    url = subprocess.run([str(ROOT / "scripts/test-pg"), "start", pgdir], check=True,
                         capture_output=True, text=True).stdout.strip()
    subprocess.run(["psql", "-q", url, "-c", "create database podium_sse"], check=True)
    db = url.replace("/postgres?", "/podium_sse?", 1)
    port = free_port()
    log = open(pathlib.Path(pgdir) / "podium.log", "wb")
    env = dict(os.environ, DATABASE_URL=db, PODIUM_HTTP_ADDR=f"127.0.0.1:{port}",
               PODIUM_API_TOKEN=TOKEN, PODIUM_KEY_WRITE_RATE="1000000", PODIUM_KEY_WRITE_BURST="1000000", PODIUM_LOG_LEVEL="warn", PODIUM_LOG_FORMAT="json")
    proc = subprocess.Popen([args.bin, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(120):
            try:
                if call(port, "GET", "/readyz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
        result = asyncio.run(bench(port, proc.pid, args.clients, args.events,
                                   args.interval_ms / 1000))
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        subprocess.run([str(ROOT / "scripts/test-pg"), "stop", pgdir], check=False)
        shutil.rmtree(pgdir, ignore_errors=True)
    result["machine"] = f"{os.cpu_count()} cores; load generator on the same cores"
    result["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    d = result["delay_ms"]
    (out / "REPORT.md").write_text(f"""# Live updates: {result['clients']:,} SSE clients on one process

`scripts/sse-bench.py --clients {result['clients']} --events {result['events']} --interval-ms {result['interval_ms']}`
on {result['date']} ({result['machine']}).

| measure | target | measured |
|---|---|---|
| clients connected | {result['clients']:,} | {result['clients'] - result['failed_clients']:,} in {result['connect_seconds']} s |
| delay from a score's submission to its event at each client, p99 | < 1 s | **{d.get('p99')} ms** (p50 {d.get('p50')} ms, p90 {d.get('p90')} ms, max {d.get('max')} ms) |
| events delivered / missed / streams dropped (resync) | all | {result['deliveries']:,} / {result['missed']:,} / {result['resyncs']:,} |
| resident memory per open stream | reported | {result['bytes_per_client']:,} bytes ({result['rss_before_mib']} MiB before, {result['rss_connected_mib']} MiB with every stream open) |

Every client reads every event: {result['events']} scores were submitted one every
{result['interval_ms']} ms, and each of the {result['clients']:,} streams received each one.
""")
    print(json.dumps(result, indent=2))
    return 0 if result["failed_clients"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
