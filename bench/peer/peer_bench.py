"""Peer benchmark: the same job through the platform (`make run`) and through Celery + Redis, side by side.

Both run the workers' own code for one job type (competitor_scan by default) with the same number of worker slots
(the platform's pool for the type: one worker replica with 4 slots, NEXUS_MAX_WORKER_REPLICAS=1; Celery: one worker
with --concurrency 4) and the
same closed-loop clients. Phases alternate (platform, Celery, Celery, platform, ...) so that drift on a shared
machine falls on both. Printed: jobs/s per phase and the median ratio, end-to-end latency p50/p99 (timed from
before the submit to the moment the client sees the result), and idle single-job latency (one client, one job at
a time) for both.

Usage (from the repository root, after `make build`; `make bench-peer` does both):
    /usr/bin/python3 bench/peer/peer_bench.py [--pairs 5] [--seconds 10] [--clients 16] [--idle-jobs 60]

Needs Debian's redis-server and python3-celery (scripts/install-deps.sh --bench installs them). Redis is bound to
127.0.0.1 with persistence off; every process this starts is stopped at the end.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = "/usr/bin/python3"
TERMINAL = {"completed", "failed", "cancelled"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what: str, check, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # not up yet
            pass
        time.sleep(0.1)
    raise SystemExit(f"peer bench: {what} did not become ready within {timeout:.0f}s")


class Processes:
    """Every process the benchmark starts, stopped (whole process group) on exit."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def start(self, args, log: Path, **kw) -> subprocess.Popen:
        p = subprocess.Popen(args, stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def stop(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in reversed(self.procs):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


# ---- the platform -------------------------------------------------------------------------------------------

class Platform:
    name = "platform"

    def __init__(self, procs: Processes, run_dir: Path, job_type: str, params: dict, max_replicas: int) -> None:
        self.job_type, self.params = job_type, params
        log = run_dir / "make-run.out"
        # One worker replica of 4 slots, the same as the Celery worker's --concurrency 4.
        env = {**os.environ, "NEXUS_RUN_DIR": str(run_dir / "platform"), "NEXUS_MAX_WORKER_REPLICAS": str(max_replicas)}
        env.pop("KUBECONFIG", None)  # the stand-in, never a real cluster
        procs.start(["scripts/run-local.sh"], log, cwd=ROOT, env=env)
        lines: dict[str, str] = {}

        def ready() -> bool:
            text = log.read_text()
            if "make run:" in text:
                raise SystemExit("peer bench: make run failed:\n" + text[-3000:])
            for key in ("Gateway", "API key", "Tenant"):
                m = re.search(rf"^{key}: (\S+)$", text, re.M)
                if m:
                    lines[key] = m.group(1)
            return len(lines) == 3

        wait_until("make run", ready, timeout=300)
        self.base = lines["Gateway"]
        self.headers = {"Authorization": f"Bearer {lines['API key']}", "X-Tenant-ID": lines["Tenant"]}

    def client(self):
        # http.client sends a request's headers and body in one write (httpx writes them apart, and Nagle's algorithm
        # with the server's delayed ACK then adds ~40 ms to every POST: a client artefact, not the platform's cost).
        url = urllib.parse.urlsplit(self.base)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=90)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        body = json.dumps({"type": self.job_type, "params": self.params}).encode()
        headers = {**self.headers, "Content-Type": "application/json"}

        def call(method: str, path: str, payload: bytes | None = None) -> tuple[int, dict]:
            conn.request(method, path, body=payload, headers=headers)
            answer = conn.getresponse()
            return answer.status, json.loads(answer.read())

        def one() -> None:
            status, created = call("POST", "/api/ai-jobs", body)
            if status not in (201, 202):
                raise RuntimeError(f"dispatch answered {status}: {str(created)[:300]}")
            job_id = created["data"]["id"]
            while True:
                _, view = call("GET", f"/api/ai-jobs/{job_id}?wait=30")
                if view["data"]["status"] in TERMINAL:
                    if view["data"]["status"] != "completed":
                        raise RuntimeError(f"{job_id} ended {view['data']['status']}: {view['data'].get('error')}")
                    return

        return one, conn.close


# ---- Celery + Redis -----------------------------------------------------------------------------------------

class CeleryPeer:
    name = "celery"

    def __init__(self, procs: Processes, run_dir: Path, job_type: str, params: dict, slots: int, pool: str) -> None:
        self.job_type, self.params = job_type, params
        redis_server = shutil.which("redis-server")
        if not redis_server:
            raise SystemExit("peer bench: redis-server is missing (scripts/install-deps.sh --bench installs it)")
        port = free_port()
        self.url = f"redis://127.0.0.1:{port}/0"
        procs.start([redis_server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
                     "--protected-mode", "yes", "--dir", str(run_dir)], run_dir / "redis.log")
        env = {**os.environ, "PEER_REDIS_URL": self.url, "WORKER_JOB_TYPES": job_type,
               "WORKER_DB_PATH": str(run_dir / "celery-worker-data.sqlite3"),
               "PYTHONPATH": os.pathsep.join([str(ROOT / "bench" / "peer"), str(ROOT / "workers")])}
        procs.start([PYTHON, "-m", "celery", "-A", "celery_jobs", "worker", "--concurrency", str(slots),
                     "--pool", pool, "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
                     "--without-heartbeat", "-n", f"peer@{socket.gethostname()}"],
                    run_dir / "celery.log", env=env, cwd=ROOT / "bench" / "peer")
        sys.path[:0] = [str(ROOT / "bench" / "peer"), str(ROOT / "workers")]
        os.environ["PEER_REDIS_URL"] = self.url
        import celery_jobs  # noqa: E402  (imported only now: it reads PEER_REDIS_URL)
        self.task = celery_jobs.run_job
        wait_until("the Celery worker", lambda: self.task.apply_async(
            args=["warmup", job_type, "demo", params]).get(timeout=5) is not None, timeout=120)

    def client(self):
        counter = iter(range(1 << 62))

        def one() -> None:
            self.task.apply_async(args=[f"peer-{next(counter)}", self.job_type, "demo", self.params]).get(timeout=90)

        return one, lambda: None


# ---- the load -----------------------------------------------------------------------------------------------

def closed_loop(system, clients: int, seconds: float) -> tuple[float, list[float]]:
    """`clients` threads each submit a job and wait for its result, again and again, for `seconds`."""
    latencies: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start_gate = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def loop() -> None:
        one, close = system.client()
        mine: list[float] = []
        start_gate.wait()
        try:
            while time.monotonic() < stop_at[0]:
                t0 = time.perf_counter()
                one()
                mine.append(time.perf_counter() - t0)
        except BaseException as exc:  # reported below: a failed job invalidates the phase
            errors.append(exc)
        finally:
            close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    began = time.monotonic()
    stop_at[0] = began + seconds
    start_gate.wait()
    for t in threads:
        t.join(timeout=seconds + 120)
    elapsed = time.monotonic() - began
    if errors:
        raise SystemExit(f"peer bench: {system.name} failed a job: {errors[0]}")
    return len(latencies) / elapsed, latencies


def idle_latency(system, jobs: int) -> list[float]:
    one, close = system.client()
    try:
        out = []
        for _ in range(jobs):
            t0 = time.perf_counter()
            one()
            out.append(time.perf_counter() - t0)
        return out
    finally:
        close()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--job-type", default="competitor_scan")
    ap.add_argument("--params", default='{"skus": ["SKU-001"], "marketplace": "amazon_us"}')
    ap.add_argument("--pairs", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--slots", type=int, default=4,
                    help="worker slots on both sides: Celery's --concurrency, and slots/4 platform worker replicas of 4")
    ap.add_argument("--celery-pool", default="prefork", help="Celery's pool: prefork (its default) or threads")
    ap.add_argument("--idle-jobs", type=int, default=60)
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    params = json.loads(args.params)

    run_dir = Path(tempfile.mkdtemp(prefix="nexus-peer-"))
    procs = Processes()
    try:
        platform = Platform(procs, run_dir, args.job_type, params, max(1, args.slots // 4))
        celery = CeleryPeer(procs, run_dir, args.job_type, params, args.slots, args.celery_pool)
        systems = {"platform": platform, "celery": celery}
        # Warm both up (JIT, connection pools, SQLite pages) before anything is measured.
        for s in systems.values():
            closed_loop(s, args.clients, 2.0)

        rates: dict[str, list[float]] = {"platform": [], "celery": []}
        lat: dict[str, list[float]] = {"platform": [], "celery": []}
        for i in range(args.pairs):
            order = ["platform", "celery"] if i % 2 == 0 else ["celery", "platform"]
            for name in order:
                rate, latencies = closed_loop(systems[name], args.clients, args.seconds)
                rates[name].append(rate)
                lat[name].extend(latencies)
            print(f"pair {i + 1}: platform {rates['platform'][-1]:.1f} jobs/s, celery {rates['celery'][-1]:.1f} jobs/s",
                  flush=True)
        idle: dict[str, list[float]] = {"platform": [], "celery": []}
        for i in range(2):
            for name in (["platform", "celery"] if i == 0 else ["celery", "platform"]):
                idle[name].extend(idle_latency(systems[name], args.idle_jobs // 2))

        ratios = [p / c for p, c in zip(rates["platform"], rates["celery"])]
        figures = {
            "job_type": args.job_type, "clients": args.clients, "slots": args.slots, "pairs": args.pairs,
            "seconds_per_phase": args.seconds, "celery_pool": args.celery_pool,
            "throughput_ratio_median": statistics.median(ratios),
            **{f"{n}_jobs_per_s_median": statistics.median(rates[n]) for n in rates},
            **{f"{n}_p50_ms": pct(lat[n], 0.50) for n in lat},
            **{f"{n}_p99_ms": pct(lat[n], 0.99) for n in lat},
            **{f"{n}_idle_p50_ms": pct(idle[n], 0.50) for n in idle},
            "idle_latency_ratio": pct(idle["platform"], 0.5) / pct(idle["celery"], 0.5),
        }
        print()
        print(f"{'':28}{'platform':>12}{'celery':>12}")
        print(f"{'jobs/s (median of pairs)':28}{figures['platform_jobs_per_s_median']:>12.1f}"
              f"{figures['celery_jobs_per_s_median']:>12.1f}")
        for q in ("p50", "p99"):
            print(f"{'end to end ' + q + ' (ms)':28}{figures['platform_' + q + '_ms']:>12.1f}"
                  f"{figures['celery_' + q + '_ms']:>12.1f}")
        print(f"{'idle single job p50 (ms)':28}{figures['platform_idle_p50_ms']:>12.1f}"
              f"{figures['celery_idle_p50_ms']:>12.1f}")
        print(f"throughput ratio platform/celery (median of {args.pairs} pairs): "
              f"{figures['throughput_ratio_median']:.2f}  (target >= 1.5)")
        print(f"idle latency ratio platform/celery (p50): {figures['idle_latency_ratio']:.2f}  (target <= 1.2)")
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    finally:
        procs.stop()
        shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    # Celery's result objects reconnect to Redis from __del__ during interpreter teardown (Redis is gone by then):
    # leave without running finalizers, everything is already stopped and written.
    os._exit(0)
