"""Retention of finished jobs: the finish-ordered index (fake clock) and the worker's cap over real HTTP."""
from __future__ import annotations

from nexus_worker.retention import FinishedIndex
from tests.conftest import job_body
from tests.test_contract import new_id, wait_status


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_expired_jobs_are_dropped_oldest_first_and_the_rest_kept():
    clock = FakeClock()
    index = FinishedIndex(ttl_seconds=60, max_retained=100, clock=clock)
    for i in range(5):
        index.finished(f"j{i}")
        clock.now += 10
    # j0 finished at 1000, j4 at 1040; now 1050: nothing older than 60 s yet.
    assert index.prune(retained=5) == []
    clock.now = 1075  # j0 (1000) and j1 (1010) are past the TTL, j2 (1020) is not
    assert index.prune(retained=5) == ["j0", "j1"]
    assert len(index) == 3
    assert index.prune(retained=3) == []


def test_the_cap_drops_the_oldest_finished_and_counts_running_jobs():
    clock = FakeClock()
    index = FinishedIndex(ttl_seconds=3600, max_retained=3, clock=clock)
    for i in range(4):
        index.finished(f"j{i}")
        clock.now += 1
    # 4 finished + 1 running = 5 remembered, cap 3: the two oldest finished go.
    assert index.prune(retained=5) == ["j0", "j1"]
    # Only running jobs over the cap: nothing finished is left to drop, and running ones are never dropped.
    assert index.prune(retained=2 + 5) == ["j2", "j3"]
    assert index.prune(retained=5) == []


def test_a_replaced_job_is_forgotten_and_finishes_again_at_the_back():
    clock = FakeClock()
    index = FinishedIndex(ttl_seconds=10, max_retained=100, clock=clock)
    index.finished("a")
    index.finished("b")
    index.forget("a")  # a new attempt of "a" is running
    clock.now += 20
    assert index.prune(retained=2) == ["b"]
    index.finished("a")
    assert index.prune(retained=1) == []
    clock.now += 11
    assert index.prune(retained=1) == ["a"]


def test_worker_forgets_the_oldest_finished_jobs_over_its_cap(worker_factory):
    worker = worker_factory(WORKER_MAX_RETAINED_JOBS="10")
    ids = [new_id() for _ in range(13)]
    for job_id in ids:
        assert worker.client.post("/v1/jobs", json=job_body(job_id)).status_code == 202
        wait_status(worker, job_id, "completed")
    # Each submit trims to the cap counting the job it admits: 13 jobs, cap 10, the three oldest are gone.
    codes = [worker.client.get(f"/v1/jobs/{job_id}").status_code for job_id in ids]
    assert codes.count(404) == 3 and codes[:3] == [404, 404, 404], codes
    assert codes[3:] == [200] * 10
