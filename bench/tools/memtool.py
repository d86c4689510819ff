#!/usr/bin/env python3
"""Measurement helper for bench/memory: RSS of a process from /proc, sampled during transfers and load.
bench/memory owns the processes; this file only measures. Prints one JSON object per subcommand.

  rss       --pid P
  transfer  --pid P --kind upload|download --url U [--file F] [--size N] [--interval 0.05]
  load      --pid P --url U --conns C --targets 100000,1000000 [--chunk S] [--trim FILE]
  tokens    --pid P --url U --conns C --duration S --stats URL --ttl T --refresh-after F --t0 EPOCH [--trim FILE]
  idle      --pid P --url U --counts 1000,5000,10000 [--settle S]
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchtool  # noqa: E402  (wrk runner, its parser and its SIGTERM handling)


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise SystemExit(f"no VmRSS for {pid}")


class Sampler:
    """Polls VmRSS every interval seconds in a thread; keeps the peak and the number of samples."""

    def __init__(self, pid, interval):
        self.pid, self.interval = pid, interval
        self.peak = rss_kb(pid)
        self.samples = 1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, rss_kb(self.pid))
                self.samples += 1
            except (OSError, SystemExit):
                return
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_kb(self.pid))


def _trim(path):
    """Empties the AuthProxy log (it logs every request) but keeps its token lines in PATH.tokens."""
    if path and os.path.exists(path):
        with open(path + ".tokens", "a") as keep:
            subprocess.run(["grep", "-a", "Token provider", path], stdout=keep, check=False)
        open(path, "w").close()


def cmd_rss(args):
    print(json.dumps({"pid": args.pid, "rss_kb": rss_kb(args.pid)}))


def cmd_transfer(args):
    """One curl transfer through the proxy while VmRSS is sampled. Upload: POSTs --file, the upstream answers
    its byte count and sha256. Download: GETs --url to /dev/null and checks the size curl saw."""
    before = rss_kb(args.pid)
    cmd = ["taskset", "-c", benchtool.LOAD_CPU, "curl", "-sS", "--max-time", "120", "-o",
           "-" if args.kind == "upload" else "/dev/null", "-w", "\n%{http_code} %{size_download} %{size_upload} %{time_total}"]
    if args.rate:
        cmd += ["--limit-rate", args.rate]
    if args.kind == "upload":
        cmd += ["-H", "Content-Type: application/octet-stream", "-H", "Expect:", "--data-binary", f"@{args.file}"]
    cmd.append(args.url)
    started = time.time()
    with Sampler(args.pid, args.interval) as s:
        proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.time() - started
    during_peak = s.peak
    time.sleep(1.0)
    after = rss_kb(args.pid)
    lines = proc.stdout.strip().splitlines()
    code, size_down, size_up, total = (lines[-1].split() + ["0"] * 4)[:4] if lines else ("0", "0", "0", "0")
    r = {"kind": args.kind, "http_code": int(code), "seconds": round(seconds, 2), "rss_before_kb": before,
         "rss_peak_kb": during_peak, "rss_after_kb": after, "added_kb": during_peak - before,
         "samples": s.samples, "rate_limit": args.rate, "curl_rc": proc.returncode, "curl_err": proc.stderr.strip()[:300]}
    if args.kind == "upload":
        r["sent_bytes"] = int(float(size_up))
        try:
            reply = json.loads("\n".join(lines[:-1]))
            r["upstream_bytes"], r["upstream_sha256"] = reply.get("bytes"), reply.get("sha256")
        except ValueError:
            r["upstream_bytes"], r["upstream_reply"] = None, "\n".join(lines[:-1])[:300]
        r["verified"] = r["http_code"] == 200 and r["upstream_bytes"] == args.size and (
            not args.sha256 or r.get("upstream_sha256") == args.sha256)
    else:
        r["received_bytes"] = int(float(size_down))
        r["verified"] = r["http_code"] == 200 and r["received_bytes"] == args.size
    if args.access_log:
        # nginx's own view: "$request_method $uri $status req=$request_length sent=$body_bytes_sent" (last line).
        time.sleep(0.2)
        last = (open(args.access_log).read().strip().splitlines() or [""])[-1]
        r["nginx_log"] = last
        fields = dict(f.split("=", 1) for f in last.split() if "=" in f)
        r["nginx_request_length"] = int(fields.get("req", 0))
        r["nginx_body_bytes_sent"] = int(fields.get("sent", 0))
        if args.kind == "upload":
            # $request_length counts request line and headers too: the body is at most that, and at least size.
            r["verified"] = r["verified"] and args.size <= r["nginx_request_length"] < args.size + 16384
        else:
            r["verified"] = r["verified"] and r["nginx_body_bytes_sent"] == args.size
    if args.expect_code != 200:
        r["verified"] = r["http_code"] == args.expect_code
    print(json.dumps(r))


def _load_until(pid, url, conns, target, done, chunk, trim, sampler_peak):
    """wrk runs of at most chunk seconds until done + requests >= target. Returns (requests, seconds, errors)."""
    requests, seconds, errors, rate = 0, 0.0, 0, None
    while done + requests < target:
        left = target - done - requests
        d = min(2, chunk) if rate is None else max(1, min(chunk, int(left / rate) + 1))
        r, _ = benchtool.wrk(url, conns, d, latency=False)
        requests += r["requests"] or 0
        seconds += r["seconds"] or d
        errors += (r["non2xx"] or 0) + (r["socket_errors"] or 0)
        rate = max(1.0, requests / seconds)
        _trim(trim)
    return requests, seconds, errors


def cmd_load(args):
    """Cumulative request counts reached with duration-based wrk runs; VmRSS 1 s after each target."""
    out = {"conns": args.conns, "rss_start_kb": rss_kb(args.pid), "points": []}
    done, seconds, errors = 0, 0.0, 0
    with Sampler(args.pid, 0.25) as s:
        for target in args.targets:
            n, sec, err = _load_until(args.pid, args.url, args.conns, target, done, args.chunk, args.trim, s)
            done, seconds, errors = done + n, seconds + sec, errors + err
            time.sleep(1.0)
            out["points"].append({"target": target, "requests": done, "seconds": round(seconds, 1),
                                  "errors": errors, "rss_kb": rss_kb(args.pid), "rss_peak_so_far_kb": s.peak})
    print(json.dumps(out))


def cmd_tokens(args):
    """Load for --duration seconds (wrk runs of --chunk s), then the IAM emulator's count of token requests
    since it was reset, against 1 + floor((seconds since --t0) / (refresh_after × ttl))."""
    requests, errors, rss_peak = 0, 0, rss_kb(args.pid)
    end = time.time() + args.duration
    with Sampler(args.pid, 0.25) as s:
        while (left := end - time.time()) >= 1:
            r, _ = benchtool.wrk(args.url, args.conns, int(min(args.chunk, left)), latency=False)
            requests += r["requests"] or 0
            errors += (r["non2xx"] or 0) + (r["socket_errors"] or 0)
            _trim(args.trim)
        rss_peak = s.peak
    stats = json.load(urllib.request.urlopen(args.stats, timeout=5))
    elapsed = time.time() - args.t0
    period = args.refresh_after * args.ttl
    expected = 1 + int(elapsed // period)  # the first fetch, then one per 0.8 × TTL
    times = stats["token_times"]
    r = {"duration_s": args.duration, "elapsed_since_start_s": round(elapsed, 1), "ttl_s": args.ttl,
         "refresh_period_s": period, "requests": requests, "errors": errors,
         "token_requests": stats["token_requests"], "expected": expected,
         "intervals_s": [round(b - a, 2) for a, b in zip(times, times[1:])],
         "first_fetch_after_start_s": round(times[0] - args.t0, 2) if times else None,
         "rss_end_kb": rss_kb(args.pid), "rss_peak_kb": rss_peak}
    r["pass"] = abs(stats["token_requests"] - expected) <= 1
    print(json.dumps(r))


def _open_idle(host, port, request, n):
    """n keep-alive connections, each after one request whose answer has been read in full."""
    import socket
    socks = [socket.create_connection((host, port), timeout=30) for _ in range(n)]
    for s in socks:
        s.sendall(request)
    for s in socks:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                raise SystemExit("the proxy closed a connection before answering")
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise SystemExit(f"unexpected answer: {head[:80]!r}")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            body += s.recv(65536)
    return socks


def cmd_idle(args):
    """Idle keep-alive client connections (bounded, loopback): VmRSS at each count, its growth per connection, that a
    new request is still answered while they are open, and VmRSS once they are closed."""
    import resource
    import urllib.parse
    need = max(args.counts) + 256
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
    url = urllib.parse.urlsplit(args.url)
    request = f"GET {url.path} HTTP/1.1\r\nHost: {url.hostname}:{url.port}\r\n\r\n".encode()
    points = [{"connections": 0, "rss_kb": rss_kb(args.pid)}]
    socks = []
    for target in args.counts:
        while len(socks) < target:
            socks += _open_idle(url.hostname, url.port, request, min(500, target - len(socks)))
        time.sleep(args.settle)  # a benchmark on the outside world: let the server finish its per-connection work
        points.append({"connections": len(socks), "rss_kb": rss_kb(args.pid)})
    t = time.monotonic()
    with urllib.request.urlopen(args.url, timeout=10) as r:
        served = r.status
    served_ms = round((time.monotonic() - t) * 1000, 1)
    for s in socks:
        s.close()
    time.sleep(args.settle)
    after = rss_kb(args.pid)
    per_conn = (points[-1]["rss_kb"] - points[0]["rss_kb"]) * 1024 / max(1, points[-1]["connections"])
    print(json.dumps({"kind": "idle", "points": points, "bytes_per_connection": round(per_conn),
                      "request_while_open": served, "request_while_open_ms": served_ms, "rss_after_close_kb": after}))


def main():
    import signal
    signal.signal(signal.SIGTERM, benchtool._on_term)
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("rss")
    a.add_argument("--pid", type=int, required=True)
    a = sub.add_parser("transfer")
    a.add_argument("--pid", type=int, required=True)
    a.add_argument("--kind", choices=["upload", "download"], required=True)
    a.add_argument("--url", required=True)
    a.add_argument("--file")
    a.add_argument("--size", type=int, required=True)
    a.add_argument("--sha256")
    a.add_argument("--interval", type=float, default=0.05)
    a.add_argument("--access-log", help="nginx access log whose last line is this transfer (format 'sizes')")
    a.add_argument("--expect-code", type=int, default=200, help="other than 200: only the status is checked")
    a.add_argument("--rate", help="curl --limit-rate, e.g. 20M: a slow client, so that a buffering proxy would show")
    a = sub.add_parser("load")
    a.add_argument("--pid", type=int, required=True)
    a.add_argument("--url", required=True)
    a.add_argument("--conns", type=int, default=32)
    a.add_argument("--targets", type=lambda s: [int(x) for x in s.split(",")], required=True)
    a.add_argument("--chunk", type=int, default=10)
    a.add_argument("--trim")
    a = sub.add_parser("tokens")
    a.add_argument("--pid", type=int, required=True)
    a.add_argument("--url", required=True)
    a.add_argument("--conns", type=int, default=32)
    a.add_argument("--duration", type=int, default=75)
    a.add_argument("--chunk", type=int, default=15)
    a.add_argument("--stats", required=True)
    a.add_argument("--ttl", type=int, required=True)
    a.add_argument("--refresh-after", type=float, default=0.8)
    a.add_argument("--t0", type=float, required=True)
    a.add_argument("--trim")
    a = sub.add_parser("idle")
    a.add_argument("--pid", type=int, required=True)
    a.add_argument("--url", required=True)
    a.add_argument("--counts", type=lambda s: [int(x) for x in s.split(",")], default=[1000, 5000, 10000])
    a.add_argument("--settle", type=float, default=2.0)
    args = p.parse_args()
    {"rss": cmd_rss, "transfer": cmd_transfer, "load": cmd_load, "tokens": cmd_tokens, "idle": cmd_idle}[args.cmd](args)


if __name__ == "__main__":
    main()
