"""Per-type run time of the worker's job methods on a generated catalogue, plus contract overhead over HTTP.

Usage (from the repository root):
    /usr/bin/python3 bench/workers/bench_jobs.py [--skus 500] [--reviews-per-sku 20] [--repeat 3]

Each job type runs on the embedded SQLite provider (in-memory) seeded with a `bench` tenant; the LLM visibility
job talks HTTP to a local OpenAI-compatible fake that answers at once, so the figure is the method's own cost.
The HTTP section submits jobs to a real worker process and polls them to completion.
"""
from __future__ import annotations

import argparse
import json
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
from nexus_worker.jobs.base import JobContext  # noqa: E402
from tests.fake_llm import create_fake_llm  # noqa: E402
from tests.servers import WorkerProcess, serve_app, wait_for  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, object]:
    runs, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skus", type=int, default=500)
    ap.add_argument("--reviews-per-sku", type=int, default=20)
    ap.add_argument("--llm-skus", type=int, default=50)
    ap.add_argument("--http-jobs", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    provider = SqliteProvider(":memory:")
    start = time.perf_counter()
    seed_tenant(provider, "bench", n_skus=args.skus, reviews_per_sku=args.reviews_per_sku)
    print(f"seeded {args.skus} SKUs, {args.skus * args.reviews_per_sku} reviews in {time.perf_counter() - start:.1f}s")
    skus = [f"SKU-{i:03d}" for i in range(1, args.skus + 1)]
    rows = []

    with serve_app(create_fake_llm()) as llm_url:
        settings = Settings(llm_providers=[{"name": "shopping", "base_url": llm_url, "model": "shopping"}])
        counter = iter(range(10 ** 6))

        def run(job_type: str, params: dict):
            jt = JOB_TYPES[job_type]
            ctx = JobContext(f"bench-{next(counter)}", job_type, "bench", 1,
                             datetime.now(timezone.utc) + timedelta(hours=1), provider, settings)
            return jt.run(ctx, jt.params.parse_obj(params))

        cases = [
            ("pricing_recalculate", {"skus": skus}, f"{args.skus} SKUs"),
            ("review_sentiment", {"skus": skus, "rescore": True}, f"{args.skus * args.reviews_per_sku} reviews"),
            ("return_classify", {"skus": skus}, None),
            ("competitor_scan", {"skus": skus}, f"{args.skus} SKUs"),
            ("listing_optimize", {"skus": skus, "use_assistant": False}, f"{args.skus} SKUs"),
            ("llm_visibility_score", {"skus": skus[: args.llm_skus]}, f"{args.llm_skus} SKUs x 3 prompts"),
        ]
        for job_type, params, what in cases:
            seconds, out = timed(lambda: run(job_type, params), args.repeat)
            if job_type == "return_classify":
                what = f"{out['classified_count']} returns"
            rows.append((job_type, what, seconds))
            print(f"{job_type:22} {what:28} {seconds:8.3f}s")

    worker = WorkerProcess({"WORKER_CONCURRENCY": "8"})
    try:
        deadline = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
        start = time.perf_counter()
        ids = []
        for i in range(args.http_jobs):
            body = {"id": f"bench-{i}", "type": "pricing_recalculate", "tenant": "demo", "attempt": 1,
                    "deadline": deadline, "params": {"skus": ["SKU-001", "SKU-002"]}}
            while True:
                r = worker.client.post("/v1/jobs", json=body)
                if r.status_code != 429:
                    break
                time.sleep(0.005)  # back off while all slots are busy, as the operator would
            ids.append(body["id"])
        for job_id in ids:
            wait_for(lambda: worker.client.get(f"/v1/jobs/{job_id}").json()["status"] == "completed", timeout=60)
        total = time.perf_counter() - start
        print(f"http: {args.http_jobs} small pricing jobs submitted and polled to completion in {total:.2f}s "
              f"({args.http_jobs / total:.0f} jobs/s)")
        rows.append(("http round trip", f"{args.http_jobs} jobs", total))
    finally:
        worker.stop()
    print(json.dumps([{"job": j, "workload": w, "seconds": round(s, 3)} for j, w, s in rows]))


if __name__ == "__main__":
    main()
