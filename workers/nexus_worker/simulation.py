"""Test-only hook: lets end-to-end tests make a job take a chosen time or fail on chosen attempts.

Accepted only when WORKER_ALLOW_SIMULATION=1; otherwise `params._simulate` is rejected with 422. It is applied
around the real method, which still runs: {"sleep_seconds": N} waits (abortable) before the method;
{"fail": {"code", "message", "retryable", "until_attempt"}} fails attempts below `until_attempt` (default: all).
"""
from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, Extra, Field

from .jobs.base import JobContext, JobError

KEY = "_simulate"


class SimulatedFailure(BaseModel):
    code: str = Field("SIMULATED_FAILURE", regex=r"^[A-Z][A-Z0-9_]{0,63}$")
    message: str = "simulated failure"
    retryable: bool = True
    until_attempt: Optional[int] = Field(None, ge=1)

    class Config:
        extra = Extra.forbid


class Simulation(BaseModel):
    sleep_seconds: float = Field(0.0, ge=0.0, le=86400.0)
    fail: Optional[SimulatedFailure] = None

    class Config:
        extra = Extra.forbid


def apply_before(ctx: JobContext, sim: Optional[Simulation]) -> None:
    if sim is None:
        return
    if sim.sleep_seconds:
        ctx.sleep(sim.sleep_seconds)
    if sim.fail and (sim.fail.until_attempt is None or ctx.attempt < sim.fail.until_attempt):
        raise JobError(sim.fail.code, sim.fail.message, sim.fail.retryable)
