from __future__ import annotations

import contextlib
from datetime import datetime, timedelta, timezone

import pytest

from nexus_worker.config import Settings
from nexus_worker.data.seed import seed_tenant
from nexus_worker.data.sqlite_provider import SqliteProvider
from nexus_worker.jobs.base import JobContext
from tests.servers import WorkerProcess


@pytest.fixture
def provider():
    p = SqliteProvider(":memory:")
    seed_tenant(p, "demo")
    yield p
    p.close()


@pytest.fixture
def make_ctx(provider):
    def make(job_type: str, job_id: str = "job-test", settings: Settings | None = None, tenant: str = "demo",
             attempt: int = 1, seconds: float = 600):
        return JobContext(job_id, job_type, tenant, attempt, datetime.now(timezone.utc) + timedelta(seconds=seconds),
                          provider, settings or Settings())
    return make


@pytest.fixture
def worker_factory():
    started: list[WorkerProcess] = []

    def start(**env: str) -> WorkerProcess:
        w = WorkerProcess({k: str(v) for k, v in env.items()})
        started.append(w)
        return w
    yield start
    for w in started:
        w.stop()


@pytest.fixture(scope="module")
def sim_worker():
    """A worker with simulation on and two slots, shared by a module's contract tests."""
    w = WorkerProcess({"WORKER_ALLOW_SIMULATION": "1", "WORKER_CONCURRENCY": "2"})
    yield w
    w.stop()


def deadline(seconds: float = 600) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def job_body(job_id: str, job_type: str = "pricing_recalculate", params: dict | None = None, attempt: int = 1,
             tenant: str = "demo", seconds: float = 600) -> dict:
    return {"id": job_id, "type": job_type, "tenant": tenant, "params": params if params is not None else
            {"skus": ["SKU-001", "SKU-002"], "marketplace": "amazon_us", "apply": False},
            "attempt": attempt, "deadline": deadline(seconds)}
