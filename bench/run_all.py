#!/usr/bin/env python3
"""Runs the platform's benchmarks in one go and prints one table (`make bench`).

Each benchmark runs --repeat times, one after another; every run's figure is kept and the table shows the median
and the spread (min–max) of all of them, never a chosen best. The machine's facts and its load average before each
run are printed beside the figures, because the build machine is shared and load moves them more than any change.

What each row ran against is named in the table: the in-memory Kubernetes API stand-in, instant fake workers
(bench/OperatorBench) or the real worker code (bench/workers). The peer comparison (bench/peer, needs make run and
Celery + Redis) and the PostgreSQL history benchmark (bench/HistoryBench) are not part of this run: each has its
own target (make bench-peer, make bench-history).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = "/usr/bin/python3"


@dataclass
class Figure:
    component: str
    name: str
    unit: str
    pattern: str          # regex with one group: the number in the benchmark's output
    against: str
    target: str = "—"
    values: list[float] = field(default_factory=list)


@dataclass
class Bench:
    name: str
    command: list[str]
    figures: list[Figure]
    build: list[str] | None = None
    loads: list[str] = field(default_factory=list)


def dll(project: str, assembly: str) -> str:
    return str(ROOT / "bench" / project / "bin" / "Release" / "net10.0" / f"{assembly}.dll")


def benches(quick: bool) -> list[Bench]:
    standin = "in-memory API stand-in"
    api_args = ["2000", "10000"] if quick else ["20000", "100000"]
    gw_args = ["300", "3000", "8"] if quick else ["3000", "30000", "8"]
    # Quick also runs the retention mode briefly, so the harness of `make bench-history` is exercised too.
    op_args = ["--jobs=1000", "--latency-jobs=200", "--cached=0", "--retention-jobs=400", "--retention-seconds=2",
               "--retention-rate=200"] if quick else ["--jobs=10000", "--latency-jobs=1000", "--cached=100000"]
    wk_args = ["--skus", "50", "--reviews-per-sku", "5", "--repeat", "1"] if quick else \
        ["--skus", "500", "--reviews-per-sku", "20", "--repeat", "3"]
    op_against = f"{standin}, 4 instant fake workers, operator defaults"
    return [
        Bench("api stand-in", ["dotnet", dll("ApiServerBench", "Nexus.ApiServerBench"), *api_args, str(ROOT / "crds")], [
            Figure("API stand-in", "creates/s, 16 KubernetesClient callers", "/s", r"= (\d+) creates/s", standin, "≥ 3,000"),
            Figure("API stand-in", "watch events/s to one watcher", "/s", r"= (\d+) events/s", standin, "≥ 20,000"),
        ], build=["dotnet", "build", "-c", "Release", "bench/ApiServerBench/Nexus.ApiServerBench.csproj"]),
        Bench("gateway", ["dotnet", dll("GatewayBench", "GatewayBench"), *gw_args], [
            Figure("gateway", "dispatches/s (8 clients)", "/s", r"dispatch: (\d+)/s", f"{standin}, no operator", "≥ 1,000"),
            Figure("gateway", "dispatch p99 (8 clients)", "ms", r"dispatch: .*p99 ([\d.]+) ms", f"{standin}, no operator"),
            Figure("gateway", "polls/s over 200 jobs (8 clients)", "/s", r"poll: +(\d+)/s", f"{standin}, cached reads", "≥ 5,000"),
            Figure("gateway", "poll p99 (8 clients)", "ms", r"poll: .*p99 ([\d.]+) ms", f"{standin}, cached reads", "< 5"),
        ], build=["dotnet", "build", "-c", "Release", "bench/GatewayBench/GatewayBench.csproj"]),
        Bench("operator", ["dotnet", dll("OperatorBench", "OperatorBench"), *op_args], [
            Figure("operator", "queued jobs claimed and dispatched", "jobs/s", r"dispatched in [\d.]+ s = (\d+) jobs/s", op_against, "≥ 500"),
            Figure("operator", "API writes per job by the operator", "", r"= ([\d.]+) per job \(status", op_against, "≤ 3"),
            Figure("operator", "API writes per job's life (create, status, Events, delete)", "",
                   r"per job's life: ([\d.]+)", op_against),
            Figure("operator", "latency from before the create to the worker, p50", "ms", r"p50 ([\d.]+) ms, p99", op_against),
            Figure("operator", "same, p99", "ms", r"p99 ([\d.]+) ms, max", op_against),
            *([] if quick else [Figure("operator", "resident memory, 100,000 AiJobs cached", "MB", r"cached: (\d+) kB",
                                       f"{standin}, operator process, no pool")]),
        ], build=["dotnet", "build", "-c", "Release", "bench/OperatorBench/OperatorBench.csproj"]),
        Bench("workers", [PYTHON, str(ROOT / "bench" / "workers" / "bench_jobs.py"), *wk_args], [
            Figure("workers", f"{t} ({'50' if quick else '500'} SKUs)", "s", rf"^{t}\s+.*?([\d.]+)s$", "real job code, SQLite in memory")
            for t in ("pricing_recalculate", "review_sentiment", "return_classify", "competitor_scan", "listing_optimize")
        ]),
    ]


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def machine() -> list[str]:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor() or "unknown")
    mem = next((l.split(":", 1)[1].strip() for l in Path("/proc/meminfo").read_text().splitlines()
                if l.startswith("MemTotal")), "?")
    def out(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=30).stdout.strip()
        except OSError:
            return "?"
    return [f"cpu: {os.cpu_count()} × {cpu}", f"memory: {mem}", f"kernel: {platform.release()}",
            f"dotnet: {out(['dotnet', '--version'])}, python: {platform.python_version()}",
            f"commit: {out(['git', 'rev-parse', '--short', 'HEAD'])}{' (uncommitted changes)' if out(['git', 'status', '--porcelain']) else ''}",
            f"load average at start (1/5/15 min): {load()}"]


@contextlib.contextmanager
def history_server():
    """The PostgreSQL server the gateway and operator benchmarks keep their history on: NEXUS_DATABASE_URL's, else a
    durable cluster of the run's own (scripts/postgres.sh, PostgreSQL's defaults as `make run`), stopped at the end."""
    if os.environ.get("NEXUS_DATABASE_URL"):
        yield os.environ["NEXUS_DATABASE_URL"]
        return
    parent = tempfile.mkdtemp(prefix="nexus-bench-")
    os.chmod(parent, 0o755)  # the server runs as its own user, who must reach the cluster's directory
    cluster = os.path.join(parent, "pg")
    try:
        url = subprocess.run(["bash", "scripts/postgres.sh", "start", cluster], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.strip()
        print(f"history database: a cluster of this run's own, {url}", flush=True)
        yield url
    finally:
        subprocess.run(["bash", "scripts/postgres.sh", "stop", cluster], cwd=ROOT, capture_output=True)
        shutil.rmtree(parent, ignore_errors=True)


def fresh_database(server: str, name: str) -> str:
    """A new, empty database on the server, so no run reads what an earlier one archived; its URL."""
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", server, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True, capture_output=True)
    parts = urllib.parse.urlsplit(server)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.2f}" if abs(x) >= 1 else f"{x:.3f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs of each benchmark (median and spread over them)")
    ap.add_argument("--only", action="append", help="run only the named benchmark(s): api stand-in, gateway, operator, workers")
    ap.add_argument("--quick", action="store_true", help="small workloads: checks the harness, not figures to quote")
    args = ap.parse_args()

    print("\n".join(machine()), flush=True)
    selected = [b for b in benches(args.quick) if not args.only or b.name in args.only]
    with history_server() as server:
        failed = run_all(selected, args.repeat, server)
    if failed:
        return 1
    print_table(selected, args)
    return 0


def run_all(selected: list[Bench], repeat: int, server: str) -> bool:
    """Runs every benchmark `repeat` times, each run on a fresh history database; True when one failed."""
    for bench in selected:
        if bench.build:
            subprocess.run(bench.build, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        for run in range(1, repeat + 1):
            bench.loads.append(load())
            start = time.monotonic()
            print(f"\n== {bench.name} run {run}/{repeat} (load {bench.loads[-1]}): {' '.join(bench.command)}", flush=True)
            env = {**os.environ, "NEXUS_DATABASE_URL": fresh_database(server, f"nexus_bench_{re.sub(r'[^a-z0-9]+', '_', bench.name)}")}
            proc = subprocess.run(bench.command, cwd=ROOT, capture_output=True, text=True, env=env)
            sys.stdout.write(proc.stdout)
            if proc.returncode != 0:
                sys.stderr.write(proc.stderr)
                print(f"{bench.name} failed (exit {proc.returncode})", file=sys.stderr)
                return True
            for f in bench.figures:
                m = re.search(f.pattern, proc.stdout, re.MULTILINE)
                if not m:
                    print(f"{bench.name}: no figure for '{f.name}' in its output", file=sys.stderr)
                    return True
                value = float(m.group(1))
                f.values.append(value / 1024 if f.unit == "MB" else value)
            print(f"({time.monotonic() - start:.0f} s)")
    return False


def print_table(selected: list[Bench], args: argparse.Namespace) -> None:
    print(f"\n## Benchmarks: median and spread of {args.repeat} run(s) each{' (--quick workloads)' if args.quick else ''}\n")
    print("\n".join(f"- {l}" for l in machine()[:-1]))
    print()
    print("| component | figure | median | min – max | every run | load before each run | ran against | target |")
    print("|---|---|---|---|---|---|---|---|")
    for bench in selected:
        for f in bench.figures:
            unit = f.unit if f.unit.startswith("/") else f" {f.unit}" if f.unit else ""
            print(f"| {f.component} | {f.name} | {fmt(statistics.median(f.values))}{unit} | "
                  f"{fmt(min(f.values))} – {fmt(max(f.values))} | {', '.join(fmt(v) for v in f.values)} | "
                  f"{'; '.join(l.split()[0] for l in bench.loads)} | {f.against} | {f.target} |")


if __name__ == "__main__":
    sys.exit(main())
