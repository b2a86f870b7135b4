"""Job bookkeeping for one worker instance: admission, bounded concurrency, execution off the event loop,
abort, retention and shutdown.

Job methods run on a thread pool, so the event loop keeps answering polls and probes while they compute.
Abort is cooperative: the record is marked failed at once and the method stops at its next check point.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Optional

from .config import Settings
from .data.provider import DataProvider, DataProviderError
from .jobs import JOB_TYPES
from .jobs.base import JobAborted, JobContext, JobError, StrictParams
from .metrics import WorkerMetrics
from .retention import FinishedIndex
from .simulation import Simulation, apply_before

log = logging.getLogger("nexus_worker.runner")


@dataclass
class JobRecord:
    id: str
    type: str
    tenant: str
    attempt: int
    deadline: datetime
    accepted_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    status: str = "running"
    progress: float = 0.0
    result: Optional[dict] = None
    error: Optional[dict] = None
    finished_at: Optional[datetime] = None
    started_monotonic: float = field(default_factory=time.monotonic)
    cancel_event: threading.Event = field(default_factory=threading.Event)
    executing: bool = True
    # Long-polls held on this record until it ends: (their event loop, the future that wakes them).
    waiters: list = field(default_factory=list)

    def view(self) -> dict:
        body: dict[str, Any] = {"id": self.id, "type": self.type, "tenant": self.tenant, "attempt": self.attempt,
                                "status": self.status, "progress": round(self.progress, 4),
                                "accepted_at": _iso(self.accepted_at), "deadline": _iso(self.deadline)}
        if self.finished_at:
            body["finished_at"] = _iso(self.finished_at)
        if self.result is not None:
            body["result"] = self.result
        if self.error is not None:
            body["error"] = self.error
        return body


# A long-poll beyond this many on one job answers at once: a misbehaving client cannot pile up waiters.
MAX_WAITERS_PER_JOB = 16
# The longest `wait` a long-poll may ask for (seconds).
LONG_POLL_MAX_SECONDS = 30.0


def _wake(woken: asyncio.Future) -> None:
    if not woken.done():
        woken.set_result(None)


def _iso(ts: datetime) -> str:
    return ts.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Busy(Exception):
    pass


class Draining(Exception):
    pass


class StaleAttempt(Exception):
    pass


class Runner:
    def __init__(self, settings: Settings, provider: DataProvider, metrics: WorkerMetrics):
        self.settings = settings
        self.provider = provider
        self.metrics = metrics
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._jobs: dict[str, JobRecord] = {}
        self._running: dict[str, JobRecord] = {}  # status "running"; each also holds a slot while its method runs
        self._finished = FinishedIndex(settings.result_ttl_seconds, settings.max_retained_jobs)
        self._executing = 0
        # Headroom over the limit: an aborted or replaced run may still be unwinding when its slot is reused.
        self._pool = ThreadPoolExecutor(max_workers=settings.concurrency * 2, thread_name_prefix="job")
        self.draining = False

    # --- queries ---------------------------------------------------------------------------------

    def get(self, job_id: str) -> Optional[dict]:
        with self._lock:
            rec = self._jobs.get(job_id)
            return rec.view() if rec else None

    async def wait_ended(self, job_id: str, seconds: float) -> Optional[dict]:
        """The job's view once it has ended, or after `seconds` while it still runs (a long-poll); None: unknown.
        No thread is held while waiting: the finishing thread wakes the waiter on its event loop."""
        loop = asyncio.get_running_loop()
        woken = loop.create_future()
        with self._lock:
            rec = self._jobs.get(job_id)
            if rec is None or rec.status != "running" or len(rec.waiters) >= MAX_WAITERS_PER_JOB:
                return rec.view() if rec else None
            waiter = (loop, woken)
            rec.waiters.append(waiter)
        self.metrics.long_polls.inc()
        try:
            await asyncio.wait_for(woken, seconds)
        except asyncio.TimeoutError:
            pass
        finally:
            self.metrics.long_polls.dec()
            with self._lock:
                if waiter in rec.waiters:
                    rec.waiters.remove(waiter)
        return self.get(job_id)

    def in_flight(self) -> int:
        with self._lock:
            return len(self._running)

    def retained(self) -> int:
        """Jobs remembered (running and finished)."""
        with self._lock:
            return len(self._jobs)

    # --- submission ------------------------------------------------------------------------------

    def submit(self, job_id: str, job_type: str, tenant: str, attempt: int, deadline: datetime,
               params: StrictParams, simulation: Optional[Simulation]) -> tuple[dict, bool]:
        """Returns (view, started). Raises Busy, Draining or StaleAttempt."""
        with self._lock:
            existing = self._jobs.get(job_id)
            if existing is not None and existing.attempt == attempt:
                return existing.view(), False
            if existing is not None and existing.attempt > attempt:
                raise StaleAttempt(f"attempt {attempt} is older than attempt {existing.attempt} already held")
            if self.draining:
                raise Draining()
            self._prune_locked(admitting=existing is None)
            # A running record's method is executing until it turns the record final, so running == busy slots.
            busy = len(self._running)
            busy -= 1 if existing is not None and existing.status == "running" else 0
            if busy >= self.settings.concurrency:
                raise Busy()
            if existing is not None:
                self._abort_locked(existing, "SUPERSEDED", f"replaced by attempt {attempt}", retryable=False)
                self._finished.forget(job_id)
            rec = JobRecord(job_id, job_type, tenant, attempt, deadline)
            self._jobs[job_id] = rec
            self._running[job_id] = rec
            self._executing += 1
            accepted = rec.view()
        self.metrics.accepted.labels(job_type).inc()
        self.metrics.in_flight.labels(job_type).inc()
        log.info("job accepted", extra={"job_id": job_id, "job_type": job_type, "tenant": tenant, "attempt": attempt})
        self._pool.submit(self._execute, rec, params, simulation)
        return accepted, True

    def _execute(self, rec: JobRecord, params: StrictParams, simulation: Optional[Simulation]) -> None:
        ctx = JobContext(rec.id, rec.type, rec.tenant, rec.attempt, rec.deadline, self.provider, self.settings,
                         rec.cancel_event, lambda p: self._set_progress(rec, p))
        try:
            ctx.check()
            apply_before(ctx, simulation)
            result = JOB_TYPES[rec.type].run(ctx, params)
            self._finish(rec, "completed", result=result)
        except JobAborted:
            pass  # the aborting side already recorded the outcome
        except JobError as exc:
            self._finish(rec, "failed", error={"code": exc.code, "message": exc.message, "retryable": exc.retryable})
        except DataProviderError as exc:
            self._finish(rec, "failed", error={"code": "DATA_PROVIDER_ERROR", "message": str(exc),
                                               "retryable": exc.retryable})
        except Exception as exc:  # a bug: report it rather than leave the job running forever
            log.exception("job crashed", extra={"job_id": rec.id, "job_type": rec.type})
            self._finish(rec, "failed", error={"code": "INTERNAL_ERROR", "message": f"{type(exc).__name__}: {exc}",
                                               "retryable": True})
        finally:
            with self._lock:
                rec.executing = False
                self._executing -= 1
                self._idle.notify_all()
            self.metrics.in_flight.labels(rec.type).dec()

    def _set_progress(self, rec: JobRecord, value: float) -> None:
        with self._lock:
            if rec.status == "running":
                rec.progress = value

    def _finish(self, rec: JobRecord, status: str, result: Optional[dict] = None,
                error: Optional[dict] = None) -> None:
        with self._lock:
            if rec.status != "running":
                return  # aborted meanwhile: the abort stands
            rec.status, rec.result, rec.error = status, result, error
            if status == "completed":
                rec.progress = 1.0
            self._mark_finished_locked(rec)
        elapsed = time.monotonic() - rec.started_monotonic
        self.metrics.jobs.labels(rec.type, status).inc()
        self.metrics.duration.labels(rec.type, status).observe(elapsed)
        log.info("job finished", extra={"job_id": rec.id, "job_type": rec.type, "tenant": rec.tenant,
                                        "attempt": rec.attempt, "status": status, "seconds": round(elapsed, 3),
                                        "error_code": error["code"] if error else None})

    # --- abort and shutdown ----------------------------------------------------------------------

    def _abort_locked(self, rec: JobRecord, code: str, message: str, retryable: bool) -> bool:
        rec.cancel_event.set()
        if rec.status != "running":
            return False
        rec.status = "failed"
        rec.error = {"code": code, "message": message, "retryable": retryable}
        self._mark_finished_locked(rec)
        elapsed = time.monotonic() - rec.started_monotonic
        self.metrics.jobs.labels(rec.type, "aborted").inc()
        self.metrics.duration.labels(rec.type, "aborted").observe(elapsed)
        log.info("job aborted", extra={"job_id": rec.id, "job_type": rec.type, "attempt": rec.attempt,
                                       "error_code": code})
        return True

    def abort(self, job_id: str) -> Optional[bool]:
        """None: unknown job; True: it was running and is now aborted; False: it had already finished."""
        with self._lock:
            rec = self._jobs.get(job_id)
            if rec is None:
                return None
            return self._abort_locked(rec, "ABORTED", "aborted on request", retryable=False)

    def begin_drain(self) -> None:
        with self._lock:
            self.draining = True

    def wait_idle(self, timeout: float) -> bool:
        """Waits until no job method is executing; False when the timeout came first."""
        end = time.monotonic() + timeout
        with self._lock:
            while self._executing:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
            return True

    def fail_running(self, code: str, message: str) -> int:
        with self._lock:
            return sum(1 for r in list(self._running.values()) if self._abort_locked(r, code, message, retryable=True))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _mark_finished_locked(self, rec: JobRecord) -> None:
        rec.finished_at = datetime.now(timezone.utc)
        for loop, woken in rec.waiters:
            loop.call_soon_threadsafe(_wake, woken)
        rec.waiters.clear()
        if self._running.get(rec.id) is rec:
            del self._running[rec.id]
        if self._jobs.get(rec.id) is rec:
            self._finished.finished(rec.id)

    def _prune_locked(self, admitting: bool) -> None:
        """Drops finished jobs past WORKER_RESULT_TTL_SECONDS, then the oldest finished over
        WORKER_MAX_RETAINED_JOBS (counting a job about to be admitted): O(1) per dropped job, nothing else is
        looked at."""
        for job_id in self._finished.prune(len(self._jobs) + (1 if admitting else 0)):
            del self._jobs[job_id]
