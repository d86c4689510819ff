#!/usr/bin/env python3
"""IAM emulator and body sink for bench/memory (loopback only).

  POST /identity/token  a fresh JWT-sized token, expires_in=TTL and expiration=now+TTL; every request is counted
  GET  /stats           {"token_requests": N, "token_times": [epoch, ...]}
  POST /stats/reset     forgets the counted token requests
  POST /upload          reads the whole body (Content-Length or chunked), answers {"bytes": N, "sha256": "..."}

  iam_emulator.py --port P [--ttl 30]
"""

import argparse
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
TOKEN_TIMES = []
TTL = 30
PAD = "A" * 700


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_args):
        pass

    def _send(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _read_body(self, sink):
        total = 0
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return total
                left = size
                while left:
                    chunk = self.rfile.read(min(left, 1 << 20))
                    if not chunk:
                        return total
                    sink(chunk)
                    total += len(chunk)
                    left -= len(chunk)
                self.rfile.readline()
        left = int(self.headers.get("Content-Length") or 0)
        while left:
            chunk = self.rfile.read(min(left, 1 << 20))
            if not chunk:
                break
            sink(chunk)
            total += len(chunk)
            left -= len(chunk)
        return total

    def do_POST(self):
        if self.path.startswith("/identity/token"):
            self._read_body(lambda _c: None)
            now = time.time()
            with LOCK:
                TOKEN_TIMES.append(round(now, 3))
                n = len(TOKEN_TIMES)
            token = f"eyJhbGciOiJSUzI1NiJ9.{PAD}.bench{n}"
            self._send(200, {"access_token": token, "refresh_token": "not_supported", "token_type": "Bearer",
                             "expires_in": TTL, "expiration": int(now) + TTL})
        elif self.path.startswith("/upload"):
            digest = hashlib.sha256()
            n = self._read_body(digest.update)
            self._send(200, {"bytes": n, "sha256": digest.hexdigest()})
        elif self.path.startswith("/stats/reset"):
            self._read_body(lambda _c: None)
            with LOCK:
                TOKEN_TIMES.clear()
            self._send(200, {"reset": True})
        else:
            self._read_body(lambda _c: None)
            self._send(404, {"error": "not found"})

    def do_GET(self):
        if self.path.startswith("/stats"):
            with LOCK:
                self._send(200, {"token_requests": len(TOKEN_TIMES), "token_times": list(TOKEN_TIMES)})
        else:
            self._send(200, {"ok": True})


def main():
    global TTL
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ttl", type=int, default=30)
    args = p.parse_args()
    TTL = args.ttl
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
