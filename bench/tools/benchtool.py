#!/usr/bin/env python3
"""Measurement helper for bench/run: one wrk run with CPU accounting, adaptive warm-up,
cold start, and the final report. bench/run owns the processes; this file only measures.

Subcommands (all print one JSON object per measurement on stdout unless said otherwise):
  freeports N                      N free loopback TCP ports, space separated
  run      --url U --conns C --duration S [--pids ...] [--upstream-pids ...] [--label ...]
  warmup   --url U --conns C --burst S --max N [--sustain S] [--pids ...]
  coldstart --url U --t0 EPOCH --pid P --conns C --cap S
  report   --raw raw.jsonl --meta meta.json --json-out F --md-out F
"""

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")
LOAD_CPU = os.environ.get("BENCH_LOAD_CPU", "1")

# ---------------------------------------------------------------------------------------------
# /proc readers


def _stat_fields(pid):
    with open(f"/proc/{pid}/stat", "rb") as f:
        raw = f.read().decode("ascii", "replace")
    # comm (field 2) may contain spaces: split after the last ')'.
    return raw[raw.rindex(")") + 2:].split()


def _children(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if int(_stat_fields(entry)[1]) == pid:  # field 4 (ppid) is index 1 after comm
                kids.append(int(entry))
        except (OSError, ValueError, IndexError):
            pass
    return kids


def cpu_seconds(pids):
    """utime+stime of each pid and its direct children (nginx workers), in seconds."""
    total = 0
    for pid in pids:
        for p in [pid] + _children(pid):
            try:
                fields = _stat_fields(p)
                total += int(fields[11]) + int(fields[12])  # fields 14 and 15: utime, stime
            except (OSError, ValueError, IndexError):
                pass
    return total / CLK_TCK


def _loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def jit_seconds(pids):
    """CPU time of .NET's tiered-compilation worker threads (None when the processes have none, e.g. nginx)."""
    total, found = 0, False
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/comm") as f:
                    if not f.read().startswith(".NET Tiered"):
                        continue
                fields = _stat_fields(f"{pid}/task/{tid}")
                total += int(fields[11]) + int(fields[12])
                found = True
            except (OSError, ValueError, IndexError):
                pass
    return total / CLK_TCK if found else None


def cpu_jiffies():
    """Per-CPU (busy, total, irq+softirq, steal) jiffies from /proc/stat."""
    result = {}
    with open("/proc/stat") as f:
        for line in f:
            m = re.match(r"cpu(\d+)\s+(.*)", line)
            if m:
                v = [int(x) for x in m.group(2).split()] + [0] * 8
                idle = v[3] + v[4]
                result[m.group(1)] = (sum(v[:8]) - idle, sum(v[:8]), v[5] + v[6], v[7])
    return result


def busy_percent(before, after):
    out = {}
    for cpu, (b1, t1, _, _) in after.items():
        b0, t0 = before.get(cpu, (0, 0, 0, 0))[:2]
        out[cpu] = round(100.0 * (b1 - b0) / (t1 - t0), 1) if t1 > t0 else None
    return out


# ---------------------------------------------------------------------------------------------
# wrk

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return float(m.group(1)) * UNITS[m.group(2)] if m else None


def parse_wrk(text):
    r = {"rps": None, "requests": None, "seconds": None, "p50_ms": None, "p75_ms": None, "p90_ms": None,
         "p99_ms": None, "non2xx": 0, "socket_errors": 0}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        r["rps"] = float(m.group(1))
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", text)
    if m:
        r["requests"] = int(m.group(1))
        r["seconds"] = float(m.group(2)) * UNITS[m.group(3)] / 1000.0
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", text, re.M)
        if m:
            r[f"p{pct}_ms"] = _ms(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        r["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        r["socket_errors"] = sum(int(x) for x in m.groups())
    return r


def wrk(url, conns, duration, latency=True):
    cmd = ["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{conns}", f"-d{duration}s", "--timeout", "10s"]
    if latency:
        cmd.append("--latency")
    cmd.append(url)
    global _CURRENT
    _CURRENT = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = _CURRENT.communicate()
    code, _CURRENT = _CURRENT.returncode, None
    if code != 0 or "Requests/sec" not in stdout:
        raise SystemExit(f"wrk failed ({code}): {stdout}\n{stderr}")
    return parse_wrk(stdout), stdout


_CURRENT = None


def _on_term(signum, _frame):
    """bench/run stops this helper by PID: take the wrk it started down with it."""
    if _CURRENT is not None:
        _CURRENT.terminate()
    sys.exit(128 + signum)


def measure(url, conns, duration, pids, upstream_pids, all_pids, sut_cpu):
    ours0 = cpu_seconds(all_pids) if all_pids else None
    load0 = _loadavg()
    cpu0 = cpu_seconds(pids) if pids else None
    up0 = cpu_seconds(upstream_pids) if upstream_pids else None
    j0 = cpu_jiffies()
    started = time.time()
    result, raw = wrk(url, conns, duration)
    ended = time.time()
    j1 = cpu_jiffies()
    cpu1 = cpu_seconds(pids) if pids else None
    up1 = cpu_seconds(upstream_pids) if upstream_pids else None
    ours1 = cpu_seconds(all_pids) if all_pids else None
    n = result["requests"] or 0
    if ours0 is not None and sut_cpu in j1:
        # Share of the SUT CPU used by processes that are not ours (other work on the machine).
        # Interrupt and softirq time (mostly the loopback network stack) is not charged to any process.
        busy, total, irq, steal = ((j1[sut_cpu][i] - j0[sut_cpu][i]) / CLK_TCK for i in range(4))
        if total:
            result["foreign_sut_cpu_percent"] = round(max(0.0, busy - irq - steal - (ours1 - ours0)) * 100 / total, 1)
            result["irq_sut_cpu_percent"] = round(irq * 100 / total, 1)
            result["steal_sut_cpu_percent"] = round(steal * 100 / total, 1)
    result["loadavg_before"] = load0
    result["conns"] = conns
    result["duration_s"] = duration
    result["started"] = started
    result["ended"] = ended
    result["proxy_cpu_s"] = None if cpu0 is None else round(cpu1 - cpu0, 3)
    result["proxy_cpu_us_per_req"] = None if cpu0 is None or n == 0 else round((cpu1 - cpu0) * 1e6 / n, 2)
    result["upstream_cpu_us_per_req"] = None if up0 is None or n == 0 else round((up1 - up0) * 1e6 / n, 2)
    result["cpu_busy_percent"] = busy_percent(j0, j1)
    return result, raw


# ---------------------------------------------------------------------------------------------
# subcommands


def cmd_freeports(args):
    socks = []
    for _ in range(args.n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    print(" ".join(str(s.getsockname()[1]) for s in socks))
    for s in socks:
        s.close()


def cmd_run(args):
    result, raw = measure(args.url, args.conns, args.duration, args.pids, args.upstream_pids, args.all_pids, args.sut_cpu)
    result.update({"target": args.target, "round": args.round, "phase": args.phase})
    if args.raw_dir:
        name = f"{args.phase}-{args.target}-c{args.conns}-r{args.round}.txt"
        with open(os.path.join(args.raw_dir, name), "w") as f:
            f.write(raw)
    print(json.dumps(result), flush=True)


def cmd_warmup(args):
    """Short bursts until req/s stops rising by more than --threshold, at most --max bursts. For a .NET
    target (--pids given) each burst is followed by a quiet spell so the tiered JIT can catch up, and the
    warm-up also waits until the JIT is (nearly) idle: under load on one CPU, .NET keeps hot methods at
    tier 0 for many seconds, and req/s can stay flat before it jumps."""
    history, jit = [], []
    converged = False
    sustained = None
    if args.sustain > 0:
        # One long load first: on one CPU .NET's tier-1 and PGO promotions land over about a minute of steady load,
        # and short bursts with pauses can settle on an intermediate level (bench/README.md, "Warm-up").
        result, _ = wrk(args.url, args.conns, args.sustain, latency=False)
        sustained = result["rps"]
        if args.pids:
            _quiesce(args.pids, below=3.0, window=0.5, cap=20)
    for i in range(args.max):
        jit_before = jit_seconds(args.pids) if args.pids else None
        result, _ = wrk(args.url, args.conns, args.burst, latency=False)
        history.append(result["rps"])
        if args.pids:
            _quiesce(args.pids, below=3.0, window=0.5, cap=20)
        jit_after = jit_seconds(args.pids) if args.pids else None
        jit_ms = None if jit_before is None or jit_after is None else round((jit_after - jit_before) * 1000)
        jit.append(jit_ms)
        jit_settled = jit_ms is None or (jit_after > 0 and jit_ms <= args.jit_ms)
        if i + 1 >= max(2, args.min) and history[-1] < history[-2] * (1 + args.threshold) and jit_settled:
            converged = True
            break
    print(json.dumps({"target": args.target, "phase": "warmup", "conns": args.conns, "sustain_s": args.sustain,
                      "sustained_rps": sustained, "bursts": history, "jit_ms": jit, "converged": converged}), flush=True)


def _quiesce(pids, below, window, cap):
    started = time.time()
    while time.time() - started < cap:
        before = cpu_seconds(pids)
        time.sleep(window)
        if (cpu_seconds(pids) - before) * 100 / window < below:
            break
    return round(time.time() - started, 1)


def cmd_quiesce(args):
    """Waits until the given processes use less than --below % CPU over a --window (e.g. .NET's background
    tier-1 JIT after a load), at most --cap seconds. Prints the seconds waited."""
    print(_quiesce(args.pids, args.below, args.window, args.cap))


def cmd_brief(args):
    """One human line for a JSON result read from stdin."""
    r = json.load(sys.stdin)
    phase = r.get("phase")
    if phase == "warmup":
        jit = "" if not any(r.get("jit_ms") or []) else f"; JIT ms per burst: {r['jit_ms']}"
        sustained = f"{r['sustain_s']} s of load at {r['sustained_rps']:.0f}, then " if r.get("sustained_rps") else ""
        print(sustained + ", ".join(f"{x:.0f}" for x in r["bursts"]) + ("" if r["converged"] else " (cap)") + jit)
    elif phase == "coldstart":
        print(f"first 200 after {r['first_200_s']} s, plateau {r['plateau_rps']} req/s ({r['plateau_source']}), "
              f"90% after {r['t90_s'] if r['reached'] else 'more than ' + str(r['cap_s'])} s, {len(r['windows'])} windows")
    else:
        print(f"{r['rps']:.0f} req/s, p99 {r['p99_ms']} ms, proxy CPU {r['proxy_cpu_us_per_req']} us/req, "
              f"SUT CPU: irq {r.get('irq_sut_cpu_percent')}%, other processes {r.get('foreign_sut_cpu_percent')}%, "
              f"errors {r['non2xx'] + r['socket_errors']}")


def _get_status(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            response.read()
            return response.status
    except Exception:  # noqa: BLE001 - any failure means "not ready yet"
        return None


def _first_sustained(windows, level):
    """The first window at or above level with at least 2 of it and the next 2 windows at or above it."""
    for i, w in enumerate(windows):
        group = windows[i:i + 3]
        if w["rps"] >= level and len(group) == 3 and sum(x["rps"] >= level for x in group) >= 2:
            return w
    return None


def cmd_coldstart(args):
    """Seconds from process start until req/s in 1-s windows reaches 90% of the plateau. The plateau is
    --plateau (the warm req/s measured earlier in the same run) or else the median of the last 10 windows
    before the cap."""
    t0 = args.t0
    ready = None
    while time.time() - t0 < args.cap:
        if _get_status(args.url) == 200:
            ready = time.time() - t0
            break
        time.sleep(0.02)
    windows = []
    if ready is not None:
        while time.time() - t0 < args.cap:
            result, _ = wrk(args.url, args.conns, 1, latency=False)
            windows.append({"t_end": round(time.time() - t0, 2), "rps": result["rps"],
                            "non2xx": result["non2xx"], "errors": result["socket_errors"]})
            if args.plateau and _first_sustained(windows, 0.9 * args.plateau):
                hit = _first_sustained(windows, 0.9 * args.plateau)
                if windows.index(hit) + 3 <= len(windows):
                    break
    plateau, source = args.plateau, "warm req/s measured in this run"
    if not plateau:
        plateau = statistics.median(w["rps"] for w in windows[-10:]) if windows else None
        source = "median of the last 10 windows"
    hit = _first_sustained(windows, 0.9 * plateau) if plateau else None
    print(json.dumps({"target": args.target, "phase": "coldstart", "first_200_s": None if ready is None else round(ready, 2),
                      "plateau_rps": plateau, "plateau_source": source, "t90_s": hit["t_end"] if hit else None,
                      "reached": hit is not None, "cap_s": args.cap, "windows": windows}), flush=True)


def cmd_median(args):
    """Median req/s of the measured runs of one target at one connection count (for the cold-start plateau)."""
    values = []
    with open(args.raw) as f:
        for line in f:
            obj = json.loads(line) if line.strip() else {}
            if obj.get("phase") == "measure" and obj.get("target") == args.target and obj.get("conns") == args.conns:
                values.append(obj["rps"])
    print(statistics.median(values) if values else "")


# ---------------------------------------------------------------------------------------------
# report

TARGETS = ["direct", "nginx", "bareyarp", "authproxy"]
NAMES = {"direct": "direct (wrk → upstream)", "nginx": "nginx proxy_pass", "bareyarp": "bare YARP",
         "authproxy": "AuthProxy"}


def _med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _fmt(v, digits=0):
    if v is None:
        return "—"
    return f"{v:,.{digits}f}"


SPREAD_LIMIT = 0.15  # a ratio whose rounds spread more than this (max-min over median) is flagged, not reported as a result


def _spread(values):
    """(max - min) / median of the non-empty values, or None with fewer than two."""
    vs = [v for v in values if v is not None]
    if len(vs) < 2:
        return None
    m = _med(vs)
    return (max(vs) - min(vs)) / m if m else None


def cmd_report(args):
    with open(args.meta) as f:
        meta = json.load(f)
    runs, warmups, cold = [], [], []
    with open(args.raw) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            obj = json.loads(line)
            {"measure": runs, "warmup": warmups, "coldstart": cold}.get(obj.get("phase"), runs).append(obj)

    conns_list = sorted({r["conns"] for r in runs})
    summary = {}
    for conns in conns_list:
        for target in TARGETS:
            rs = [r for r in runs if r["target"] == target and r["conns"] == conns]
            if not rs:
                continue
            rps = [r["rps"] for r in rs]
            summary[f"{target}@{conns}"] = {
                "target": target, "conns": conns, "rounds": len(rs),
                "rps_median": _med(rps), "rps_min": min(rps), "rps_max": max(rps),
                "p50_ms_median": _med([r["p50_ms"] for r in rs]),
                "p99_ms_median": _med([r["p99_ms"] for r in rs]),
                "p99_ms_max": max((r["p99_ms"] for r in rs if r["p99_ms"] is not None), default=None),
                "proxy_cpu_us_per_req_median": _med([r["proxy_cpu_us_per_req"] for r in rs]),
                "upstream_cpu_us_per_req_median": _med([r["upstream_cpu_us_per_req"] for r in rs]),
                "cpu0_busy_median": _med([r["cpu_busy_percent"].get(meta["sut_cpu"]) for r in rs]),
                "cpu1_busy_median": _med([r["cpu_busy_percent"].get(meta["load_cpu"]) for r in rs]),
                "foreign_sut_cpu_percent_median": _med([r.get("foreign_sut_cpu_percent") for r in rs]),
                "foreign_sut_cpu_percent_max": max((r.get("foreign_sut_cpu_percent") or 0 for r in rs), default=None),
                "irq_sut_cpu_percent_median": _med([r.get("irq_sut_cpu_percent") for r in rs]),
                "steal_sut_cpu_percent_median": _med([r.get("steal_sut_cpu_percent") for r in rs]),
                "steal_sut_cpu_percent_max": max((r.get("steal_sut_cpu_percent") or 0 for r in rs), default=None),
                "rps_spread": _spread(rps),
                "proxy_cpu_spread": _spread([r["proxy_cpu_us_per_req"] for r in rs]),
                "p99_spread": _spread([r["p99_ms"] for r in rs]),
                "non2xx": sum(r["non2xx"] for r in rs), "socket_errors": sum(r["socket_errors"] for r in rs),
            }

    def per_round_ratios(conns, a, b, key):
        out = []
        for rnd in sorted({r["round"] for r in runs}):
            ra = [r[key] for r in runs if r["target"] == a and r["conns"] == conns and r["round"] == rnd]
            rb = [r[key] for r in runs if r["target"] == b and r["conns"] == conns and r["round"] == rnd]
            if ra and rb and ra[0] and rb[0]:
                out.append(ra[0] / rb[0])
        return out

    ratios = {}
    for conns in conns_list:
        for other in ("bareyarp", "nginx"):
            a, b = summary.get(f"authproxy@{conns}"), summary.get(f"{other}@{conns}")
            if not a or not b:
                continue
            rr = per_round_ratios(conns, "authproxy", other, "rps")
            rc = per_round_ratios(conns, "authproxy", other, "proxy_cpu_us_per_req")
            rp = per_round_ratios(conns, "authproxy", other, "p99_ms")
            ratios[f"authproxy/{other}@{conns}"] = {
                "rps_spread": _spread(rr), "cpu_spread": _spread(rc), "p99_spread": _spread(rp),
                "rps": a["rps_median"] / b["rps_median"],
                "rps_per_round_min": min(rr) if rr else None, "rps_per_round_max": max(rr) if rr else None,
                "p99": (a["p99_ms_median"] / b["p99_ms_median"]) if b["p99_ms_median"] else None,
                "cpu_per_req": (a["proxy_cpu_us_per_req_median"] / b["proxy_cpu_us_per_req_median"])
                if a["proxy_cpu_us_per_req_median"] and b["proxy_cpu_us_per_req_median"] else None,
            }

    lines = []
    lines.append(f"Run {meta['started']} — {meta['rounds']} rounds × {meta['duration']} s per target and connection count, "
                 f"interleaved; log level: {meta['log_level']}"
                 + (f"; .NET environment: {meta['dotnet_env']}." if meta.get("dotnet_env") else "."))
    lines.append(f"Placement: {meta['placement']}")
    lines.append("")
    def pct(v):
        return "—" if v is None else f"{v * 100:.0f}%"

    lines.append("| target | conns | req/s (median) | req/s min–max (spread) | p50 ms | p99 ms (spread) | proxy CPU µs/req (spread) "
                 f"| upstream CPU µs/req | CPU{meta['sut_cpu']} busy % | CPU{meta['load_cpu']} busy % | CPU{meta['sut_cpu']} irq+softirq % "
                 f"| CPU{meta['sut_cpu']} steal % (max) | other processes on CPU{meta['sut_cpu']} % (max) | errors |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key, s in summary.items():
        errors = s["non2xx"] + s["socket_errors"]
        lines.append(f"| {NAMES[s['target']]} | {s['conns']} | {_fmt(s['rps_median'])} | {_fmt(s['rps_min'])}–{_fmt(s['rps_max'])} ({pct(s['rps_spread'])}) "
                     f"| {_fmt(s['p50_ms_median'], 2)} | {_fmt(s['p99_ms_median'], 2)} ({pct(s['p99_spread'])}) "
                     f"| {_fmt(s['proxy_cpu_us_per_req_median'], 1)} ({pct(s['proxy_cpu_spread'])}) "
                     f"| {_fmt(s['upstream_cpu_us_per_req_median'], 1)} | {_fmt(s['cpu0_busy_median'])} | {_fmt(s['cpu1_busy_median'])} "
                     f"| {_fmt(s['irq_sut_cpu_percent_median'])} | {_fmt(s['steal_sut_cpu_percent_median'])} ({_fmt(s['steal_sut_cpu_percent_max'])}) "
                     f"| {_fmt(s['foreign_sut_cpu_percent_median'])} ({_fmt(s['foreign_sut_cpu_percent_max'])}) | {errors} |")
    lines.append("")
    # Each ratio with the spread of its per-round ratios; past SPREAD_LIMIT it is printed as unreliable, not as a result.
    def ratio(value, spread):
        if value is None:
            return "—"
        if spread is not None and spread > SPREAD_LIMIT:
            return f"({_fmt(value, 2)}: rounds spread {pct(spread)} > {pct(SPREAD_LIMIT)}, not a result)"
        return f"{_fmt(value, 2)} (±{pct(spread)})" if spread is not None else _fmt(value, 2)

    unreliable = []
    lines.append("| ratio | conns | req/s | req/s per round (min–max) | p99 | proxy CPU µs/req |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    for key, r in ratios.items():
        name, conns = key.split("@")
        pretty = "AuthProxy / bare YARP" if name.endswith("bareyarp") else "AuthProxy / nginx"
        lines.append(f"| {pretty} | {conns} | {ratio(r['rps'], r['rps_spread'])} | {_fmt(r['rps_per_round_min'], 2)}–{_fmt(r['rps_per_round_max'], 2)} "
                     f"| {ratio(r['p99'], r['p99_spread'])} | {ratio(r['cpu_per_req'], r['cpu_spread'])} |")
        unreliable += [f"{pretty} @{conns} {what}" for what, sp in (("req/s", r["rps_spread"]), ("p99", r["p99_spread"]), ("CPU", r["cpu_spread"]))
                       if sp is not None and sp > SPREAD_LIMIT]
    if unreliable:
        lines.append("")
        lines.append(f"NOTE: rounds spread more than {pct(SPREAD_LIMIT)} for: " + "; ".join(unreliable)
                     + " — those ratios are not results; rerun on a quieter machine or with more rounds.")
    if cold:
        lines.append("")
        lines.append(f"Cold start (fresh process; 1-s wrk windows at {meta['cold_conns']} connections; 90% = first window at "
                     f"≥ 90% of the plateau with 2 of it and the next 2 windows there; cap {meta['cold_cap']} s):")
        lines.append("")
        lines.append("| target | first 200 after (s) | plateau req/s (source) | 90% of plateau after (s) | req/s in 1-s windows |")
        lines.append("|---|---:|---:|---:|---|")
        for c in cold:
            t90 = _fmt(c["t90_s"], 1) if c["reached"] else f"> {c['cap_s']:.0f} (not reached)"
            series = " ".join(f"{w['rps'] / 1000:.1f}k" for w in c["windows"][:40]) + (" …" if len(c["windows"]) > 40 else "")
            lines.append(f"| {NAMES[c['target']]} | {_fmt(c['first_200_s'], 2)} | {_fmt(c['plateau_rps'])} ({c['plateau_source']}) "
                         f"| {t90} | {series} |")
    if warmups:
        lines.append("")
        lines.append("Warm-up bursts (req/s): " + "; ".join(
            f"{NAMES[w['target']]} c{w['conns']}: " +
            (f"{w['sustain_s']} s at {_fmt(w['sustained_rps'])}, then " if w.get("sustained_rps") else "") +
            ", ".join(_fmt(x) for x in w["bursts"]) +
            ("" if w["converged"] else " (cap)") for w in warmups))
    problems = [f"{NAMES[s['target']]} c{s['conns']}: {s['non2xx']} non-2xx, {s['socket_errors']} socket errors"
                for s in summary.values() if s["non2xx"] or s["socket_errors"]]
    if problems:
        lines.append("")
        lines.append("WARNING: errors during measurement — " + "; ".join(problems))
    table = "\n".join(lines) + "\n"

    with open(args.json_out, "w") as f:
        json.dump({"meta": meta, "summary": summary, "ratios": ratios, "coldstart": cold, "warmup": warmups, "runs": runs},
                  f, indent=2)
    with open(args.md_out, "w") as f:
        f.write(table)
    sys.stdout.write(table)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("freeports")
    p.add_argument("n", type=int)
    p.set_defaults(func=cmd_freeports)

    p = sub.add_parser("run")
    p.add_argument("--target", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--conns", type=int, required=True)
    p.add_argument("--duration", type=int, required=True)
    p.add_argument("--round", type=int, default=0)
    p.add_argument("--phase", default="measure")
    p.add_argument("--pids", type=int, nargs="*", default=[])
    p.add_argument("--upstream-pids", type=int, nargs="*", default=[])
    p.add_argument("--all-pids", type=int, nargs="*", default=[])
    p.add_argument("--sut-cpu", default="0")
    p.add_argument("--raw-dir")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("warmup")
    p.add_argument("--target", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--conns", type=int, required=True)
    p.add_argument("--burst", type=int, default=2)
    p.add_argument("--min", type=int, default=3)
    p.add_argument("--max", type=int, default=10)
    p.add_argument("--threshold", type=float, default=0.02)
    p.add_argument("--pids", type=int, nargs="*", default=[])
    p.add_argument("--jit-ms", type=int, default=30, help="JIT CPU per burst below which the JIT counts as settled")
    p.add_argument("--sustain", type=int, default=0, help="seconds of continuous load before the bursts (0: none)")
    p.set_defaults(func=cmd_warmup)

    p = sub.add_parser("quiesce")
    p.add_argument("--pids", type=int, nargs="+", required=True)
    p.add_argument("--below", type=float, default=3.0)
    p.add_argument("--window", type=float, default=0.5)
    p.add_argument("--cap", type=float, default=15)
    p.set_defaults(func=cmd_quiesce)

    p = sub.add_parser("brief")
    p.set_defaults(func=cmd_brief)

    p = sub.add_parser("coldstart")
    p.add_argument("--target", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--t0", type=float, required=True)
    p.add_argument("--conns", type=int, default=32)
    p.add_argument("--cap", type=float, default=90)
    p.add_argument("--plateau", type=float)
    p.set_defaults(func=cmd_coldstart)

    p = sub.add_parser("median")
    p.add_argument("--raw", required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--conns", type=int, required=True)
    p.set_defaults(func=cmd_median)

    p = sub.add_parser("report")
    p.add_argument("--raw", required=True)
    p.add_argument("--meta", required=True)
    p.add_argument("--json-out", required=True)
    p.add_argument("--md-out", required=True)
    p.set_defaults(func=cmd_report)

    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _on_term)
    args.func(args)


if __name__ == "__main__":
    main()
