#!/usr/bin/env python3
"""A stand-in chat server for the end-to-end alert test: accepts Slack-compatible webhook
POSTs on 127.0.0.1:PORT and appends each JSON body, compacted to one line, to OUTFILE.

usage: webhook_receiver.py PORT OUTFILE"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            line = json.dumps(json.loads(body), separators=(",", ":"))
        except ValueError:
            line = json.dumps({"unparsed": body.decode("utf-8", "replace")})
        with open(self.server.outfile, "a", encoding="utf-8") as out:
            out.write(line + "\n")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.outfile = sys.argv[2]
    server.serve_forever()


if __name__ == "__main__":
    main()
