#!/usr/bin/env python3
"""Listens on a Vite dev server's hot-module-replacement WebSocket as the browser's client does,
and exits 0 once Vite announces an update of the module at PATH (exit 1 on timeout). Prints
`connected` when Vite has greeted it, so a caller can change the file only then. Standard
library only: scripts/test-dev.sh runs it; no browser needed.

usage: vite-hmr-listen.py BASE_URL MODULE_PATH TIMEOUT_SECONDS
  e.g. vite-hmr-listen.py http://127.0.0.1:5173 /src/components/Feedback.tsx 30
"""

import base64
import json
import os
import re
import socket
import sys
import time
import urllib.request
from urllib.parse import urlsplit


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("Vite closed the HMR connection")
        data += chunk
    return data


def frames(sock):
    """Yields the text messages the server sends (unmasked frames; pings are ignored)."""
    message = b""
    while True:
        head = read_exact(sock, 2)
        fin, opcode, size = head[0] & 0x80, head[0] & 0x0F, head[1] & 0x7F
        if size == 126:
            size = int.from_bytes(read_exact(sock, 2), "big")
        elif size == 127:
            size = int.from_bytes(read_exact(sock, 8), "big")
        payload = read_exact(sock, size)
        if opcode == 0x8:
            raise ConnectionError("Vite closed the HMR connection")
        if opcode in (0x0, 0x1):
            message += payload
            if fin:
                yield message.decode()
                message = b""


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    base, path, timeout = sys.argv[1].rstrip("/"), sys.argv[2], float(sys.argv[3])
    # Vite only accepts clients that present the token it writes into its client module.
    client = urllib.request.urlopen(f"{base}/@vite/client", timeout=10).read().decode()
    found = re.search(r'const wsToken = "([^"]*)"', client)
    if not found:
        sys.exit("no wsToken in /@vite/client: has Vite's client changed?")
    url = urlsplit(base)
    sock = socket.create_connection((url.hostname, url.port), timeout=timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /?token={found.group(1)} HTTP/1.1\r\nHost: {url.netloc}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: vite-hmr\r\n\r\n"
        ).encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += read_exact(sock, 1)
    if b" 101 " not in response.split(b"\r\n", 1)[0]:
        sys.exit(f"Vite refused the HMR connection: {response.decode(errors='replace')}")
    deadline = time.monotonic() + timeout
    try:
        for text in frames(sock):
            message = json.loads(text)
            if message.get("type") == "connected":
                print("connected", flush=True)
            elif message.get("type") == "update" and any(
                u.get("path") == path for u in message.get("updates", [])
            ):
                print(f"update {text}", flush=True)
                return
            if time.monotonic() > deadline:
                break
    except (TimeoutError, socket.timeout):
        pass
    sys.exit(f"no HMR update of {path} within {timeout:.0f} s")


if __name__ == "__main__":
    main()
