#!/usr/bin/env python3
"""Report of bench/memory: reads the helper's JSON lines ($RAW) and the run settings from the environment,
writes the JSON result file (argv[1]) and the markdown table (argv[2]), and prints the table."""

import json
import os
import subprocess
import sys

E = os.environ


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip() or None
    except Exception:
        return None


def mb(kb):
    return round(kb / 1024, 1)


def main():
    raw = [json.loads(line) for line in open(E["RAW"]) if line.strip()]
    base = next(r for r in raw if "pid" in r and "rss_kb" in r)
    transfers = [r for r in raw if r.get("kind") in ("download", "upload")]
    load = next(r for r in raw if "points" in r)
    tokens = next(r for r in raw if "expected" in r)
    first = next(r for r in raw if r.get("kind") == "first_instance_tokens")

    rows, checks = [], []
    labels = [f"{E['BIG_MB']} MB download", f"{E['BIG_MB']} MB upload (route MaxRequestBodySize {E['BODY_LIMIT']})",
              f"{E['BIG_MB']} MB upload, route without MaxRequestBodySize (Kestrel default limit 30,000,000 bytes)"]
    for label, t in zip(labels, transfers):
        if t is transfers[2]:
            rows.append((label, f"HTTP {t['http_code']} after {t.get('sent_bytes')} bytes sent; RSS "
                         f"{mb(t['rss_before_kb'])} → peak {mb(t['rss_peak_kb'])} MB (+{mb(t['added_kb'])} MB)",
                         "expected 413" if t["verified"] else "UNEXPECTED (info)"))
            checks.append({"name": label, "criterion": "information: 413 expected", "pass": t["verified"], **t})
            continue
        ok = bool(t["verified"]) and t["added_kb"] < 20 * 1024
        if t["kind"] == "download":
            how = (f"HTTP {t['http_code']}, {t.get('received_bytes')} bytes received by curl, nginx sent "
                   f"{t.get('nginx_body_bytes_sent')}")
        else:
            how = (f"HTTP {t['http_code']}, {t.get('upstream_bytes')} bytes (sha256 "
                   f"{'match' if t.get('upstream_sha256') else 'n/a'}) at the upstream sink, nginx "
                   f"$request_length {t.get('nginx_request_length')}")
        how += ", verified" if t["verified"] else ", NOT verified"
        rows.append((label,
                     f"{mb(t['rss_before_kb'])} → peak {mb(t['rss_peak_kb'])} MB (**+{mb(t['added_kb'])} MB**), "
                     f"1 s later {mb(t['rss_after_kb'])} MB; {how}; {t['seconds']} s at ≤ {t.get('rate_limit') or 'unlimited'}B/s, {t['samples']} samples",
                     "PASS" if ok else "FAIL"))
        checks.append({"name": label, "criterion": "transfer verified and added RSS < 20 MB", "pass": ok, **t})

    pts = load["points"]
    rss_first, rss_last = pts[0]["rss_kb"], pts[-1]["rss_kb"]
    growth = (rss_last - rss_first) / rss_first * 100
    for p in pts:
        rows.append((f"after {p['requests']:,} requests",
                     f"RSS {mb(p['rss_kb'])} MB ({p['seconds']} s of wrk, {p['errors']} errors, "
                     f"peak so far {mb(p['rss_peak_so_far_kb'])} MB)", ""))
    ok_load = abs(growth) <= 10
    rows.append((f"RSS({pts[-1]['target']:,}) vs RSS({pts[0]['target']:,})", f"{growth:+.1f} %",
                 "PASS" if ok_load else "FAIL"))
    checks.append({"name": "many requests", "criterion": "RSS at the last target within 10% of RSS at the first",
                   "pass": ok_load, "growth_percent": round(growth, 1), **load})

    idle = next((r for r in raw if r.get("kind") == "idle"), None)
    if idle:
        for p in idle["points"][1:]:
            rows.append((f"{p['connections']:,} idle keep-alive connections", f"RSS {mb(p['rss_kb'])} MB", ""))
        per = idle["bytes_per_connection"]
        ok_idle = idle["request_while_open"] == 200
        rows.append(("growth per idle connection", f"{per / 1024:.1f} KB; a new request while they are open: HTTP "
                     f"{idle['request_while_open']} in {idle['request_while_open_ms']} ms; RSS after closing them "
                     f"{mb(idle['rss_after_close_kb'])} MB", "PASS" if ok_idle else "FAIL"))
        checks.append({"name": "idle connections", "criterion": "still serving with them open", "pass": ok_idle, **idle})

    rows.append((f"token requests, fresh instance, {tokens['elapsed_since_start_s']} s from start "
                 f"({tokens['requests']:,} requests)",
                 f"{tokens['token_requests']} observed; expected 1 + floor({tokens['elapsed_since_start_s']} / "
                 f"{tokens['refresh_period_s']}) = {tokens['expected']}; intervals {tokens['intervals_s']} s",
                 "PASS" if tokens["pass"] else "FAIL"))
    checks.append({"name": "token fetches", "criterion": "observed within expected ± 1", **tokens})
    rows.append(("token requests, first instance (whole run of parts 1–2)",
                 f"{first['token_requests']} in {first['lifetime_s']} s "
                 f"(1 + floor({first['lifetime_s']} / {tokens['refresh_period_s']}) = "
                 f"{1 + int(first['lifetime_s'] // tokens['refresh_period_s'])})", ""))

    md = ["| measurement | result | criterion |", "|---|---|---|",
          f"| AuthProxy RSS after warm-up | {mb(base['rss_kb'])} MB | |"]
    md += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    table = "\n".join(md) + "\n"
    out = {"started": E["RUN_ID"], "conns": int(E["CONNS"]), "ttl_s": int(E["TTL"]),
           "token_seconds": int(E["TOKEN_SECONDS"]), "route_max_request_body_size": int(E["BODY_LIMIT"]), "rate_limit": E.get("RATE"), "warmup_s": int(E["WARMUP"]),
           "sut_cpu": E["SUT_CPU"], "load_cpu": E["LOAD_CPU"], "rss_after_warmup_kb": base["rss_kb"],
           "first_instance_tokens": first, "checks": checks,
           "commit": sh(f"git -C '{E['ROOT']}' rev-parse --short HEAD"), "dotnet_sdk": sh("dotnet --version"),
           "nproc": sh("nproc"), "kernel": sh("uname -r"), "table_md": table}
    with open(sys.argv[1], "w") as f:
        json.dump(out, f, indent=2)
    with open(sys.argv[2], "w") as f:
        f.write(table)
    print(table)


if __name__ == "__main__":
    main()
