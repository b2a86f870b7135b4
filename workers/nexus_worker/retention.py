"""Which finished jobs a worker still remembers: a finish-ordered index, so pruning costs O(1) per job.

Jobs finish in time order, so the oldest finished job is always at the front: expiry by age and the cap on the
number of remembered jobs both pop from the front and stop at the first job they keep. Nothing scans or sorts
every retained record.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from typing import Callable


class FinishedIndex:
    def __init__(self, ttl_seconds: float, max_retained: int, clock: Callable[[], float] = time.monotonic):
        self.ttl_seconds = ttl_seconds
        self.max_retained = max_retained
        self._clock = clock
        self._finished: OrderedDict[str, float] = OrderedDict()  # job id -> finish time, oldest first

    def __len__(self) -> int:
        return len(self._finished)

    def finished(self, job_id: str) -> None:
        """Records that a job ended now (a job id finishes at most once per record; see `forget`)."""
        self._finished.pop(job_id, None)
        self._finished[job_id] = self._clock()

    def forget(self, job_id: str) -> None:
        """The job's record is replaced (a new attempt) or dropped: it is no longer a finished one to prune."""
        self._finished.pop(job_id, None)

    def prune(self, retained: int) -> list[str]:
        """Ids of finished jobs to drop now: those older than the TTL, then the oldest while `retained` (all
        remembered jobs, running ones included) is over the cap. Running jobs are never dropped."""
        dropped = []
        expire_before = self._clock() - self.ttl_seconds
        while self._finished:
            job_id, finished_at = next(iter(self._finished.items()))
            if finished_at >= expire_before and retained - len(dropped) <= self.max_retained:
                break
            self._finished.popitem(last=False)
            dropped.append(job_id)
        return dropped
