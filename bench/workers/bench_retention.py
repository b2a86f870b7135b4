"""Worker CPU per job as finished jobs accumulate: after 100 jobs and after 100,000.

Usage (from the repository root):
    /usr/bin/python3 bench/workers/bench_retention.py [--jobs 100000] [--batch 1000] [--rounds 5] [--max-retained N]

Two in-process Runners (the worker's job bookkeeping, thread pool and job code) share the embedded SQLite provider
with the demo tenant; jobs are `competitor_scan` of one SKU (a job whose own work is small, so bookkeeping costs
show), submitted one after another and each waited for. The "late" runner first runs `--jobs` jobs; then each round
measures a batch on a fresh runner that has run 100 jobs ("after 100") and a batch on the late one, alternately, so
both see the same machine load. CPU is the process's user+system time (all threads) per job; the medians over the
rounds are printed. `--max-retained` is WORKER_MAX_RETAINED_JOBS (default 10,000 as in production: after 100,000
jobs the worker then holds 10,000; pass 100000 to keep every job).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "workers"))

from nexus_worker.config import Settings  # noqa: E402
from nexus_worker.data.seed import seed_tenant  # noqa: E402
from nexus_worker.data.sqlite_provider import SqliteProvider  # noqa: E402
from nexus_worker.jobs import JOB_TYPES  # noqa: E402
from nexus_worker.metrics import WorkerMetrics  # noqa: E402
from nexus_worker.runner import Runner  # noqa: E402

JOB_TYPE = "competitor_scan"


class Bench:
    def __init__(self, max_retained: int):
        self.settings = Settings()
        self.settings.max_retained_jobs = max_retained
        self.provider = SqliteProvider(":memory:")
        seed_tenant(self.provider, "demo")
        self.params = JOB_TYPES[JOB_TYPE].params.parse_obj({"skus": ["SKU-001"], "marketplace": "amazon_us"})
        self.deadline = datetime.now(timezone.utc) + timedelta(days=1)
        self.submitted = 0

    def runner(self) -> Runner:
        return Runner(self.settings, self.provider, WorkerMetrics(self.settings.job_types, self.settings.concurrency))

    def run(self, runner: Runner, count: int) -> None:
        for _ in range(count):
            self.submitted += 1
            runner.submit(f"job-{self.submitted}", JOB_TYPE, "demo", 1, self.deadline, self.params, None)
            if not runner.wait_idle(30):
                raise SystemExit(f"job-{self.submitted} did not finish")

    def cpu_per_job_ms(self, runner: Runner, count: int) -> float:
        cpu = time.process_time()
        self.run(runner, count)
        return (time.process_time() - cpu) * 1000 / count


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-retained", type=int, default=10_000)
    args = parser.parse_args()

    bench = Bench(args.max_retained)
    late = bench.runner()
    started = time.perf_counter()
    bench.run(late, args.jobs)
    print(f"late runner: {args.jobs:,} jobs in {time.perf_counter() - started:.0f} s, "
          f"{len(late._jobs):,} retained", flush=True)  # len(_jobs), not retained(): runs on the earlier runner too
    early_ms, late_ms = [], []
    for _ in range(args.rounds):
        early = bench.runner()
        bench.run(early, 100)
        early_ms.append(bench.cpu_per_job_ms(early, args.batch))
        early.close()
        late_ms.append(bench.cpu_per_job_ms(late, args.batch))
        print(f"  round: after 100 {early_ms[-1]:.3f} ms/job, after {args.jobs:,} {late_ms[-1]:.3f} ms/job", flush=True)
    e, l_ = statistics.median(early_ms), statistics.median(late_ms)
    print(f"CPU per job (median of {args.rounds} rounds of {args.batch:,} jobs; max retained {args.max_retained:,}): "
          f"after 100 jobs {e:.3f} ms, after {args.jobs:,} jobs {l_:.3f} ms, ratio {l_ / e:.2f}")
    late.close()
    bench.provider.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
