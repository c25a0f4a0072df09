#!/usr/bin/env python3
"""A colour that dies mid-request: an upstream that reads each request completely (head and
Content-Length body), records it, then resets the connection without answering.

Used by scripts/test-deploy.sh as Nginx's active server to check which requests Nginx passes on
to the other colour (proxy_next_upstream) and which it does not. Each request is appended to --log
as one JSON line {"method", "path", "request_id"} before the reset, so the test can count what
reached this "colour". Runs until SIGTERM; --ready is created once it listens.
"""

import argparse
import json
import signal
import socket
import struct
import sys
import threading


def handle(conn, log, lock):
    try:
        conn.settimeout(10)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        with lock, open(log, "a") as f:
            f.write(json.dumps({"method": method, "path": path, "request_id": headers.get("x-request-id", "")}) + "\n")
    finally:
        # SO_LINGER 0: close() sends a RST, as when the process is killed mid-request.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, required=True, help="listen on 127.0.0.1:PORT")
    p.add_argument("--log", required=True, help="JSON lines, one per request received")
    p.add_argument("--ready", help="file created once the port listens")
    a = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", a.port))
    srv.listen(64)
    if a.ready:
        open(a.ready, "w").close()
    lock = threading.Lock()
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn, a.log, lock), daemon=True).start()


if __name__ == "__main__":
    main()
