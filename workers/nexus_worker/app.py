"""The worker's HTTP surface: the operator -> worker contract, probes and metrics.

POST /v1/jobs {id, type, tenant, params, attempt, deadline}
  202 {id, status, ...}  accepted, or the same (id, attempt) again (no second run)
  409 STALE_ATTEMPT      an older attempt than the one held
  422 INVALID_PARAMS     body or params invalid, or the type is not served here; details: [{field, message}]
  429 WORKER_BUSY        at the concurrency limit
  503 SHUTTING_DOWN      draining before exit
GET /v1/jobs/{id}        {id, type, attempt, status: running|completed|failed, progress, result?, error?}; 404
  ?wait=S                a long-poll: held until the job ends or S seconds pass (0 < S <= 30), then the same view;
                         422 INVALID_QUERY for another value
DELETE /v1/jobs/{id}     202 aborted (now failed/ABORTED), 204 already finished, 404 unknown
GET /v1/capabilities, /healthz, /readyz, /metrics
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any, Optional

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field, ValidationError, validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import __version__, simulation
from .config import Settings
from .data.factory import build_provider
from .jobs import JOB_TYPES
from .metrics import WorkerMetrics
from .runner import LONG_POLL_MAX_SECONDS, Busy, Draining, Runner, StaleAttempt

log = logging.getLogger("nexus_worker.app")


class Submission(BaseModel):
    id: str = Field(..., min_length=1, max_length=128, regex=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*\Z")
    type: str = Field(..., min_length=1, max_length=64)
    tenant: str = Field(..., min_length=1, max_length=128, regex=r"^[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
    params: dict = Field(default_factory=dict)
    attempt: int = Field(1, ge=0, le=1000)
    deadline: datetime

    @validator("deadline")
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("deadline must be an RFC 3339 timestamp with a time zone")
        return v.astimezone(timezone.utc)


def error(status: int, code: str, message: str, details: Optional[list] = None, **extra) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    body.update(extra)
    return JSONResponse({"error": body}, status_code=status)


def field_errors(exc: ValidationError, prefix: str = "") -> list[dict]:
    return [{"field": prefix + ".".join(str(p) for p in e["loc"] if p != "__root__"), "message": e["msg"]}
            for e in exc.errors()]


def create_app(settings: Optional[Settings] = None) -> FastAPI:
    """The worker app; nothing happens at import. Settings default to the environment (a bad value raises
    ConfigError naming the variable); the data provider and the runner are built at startup."""
    settings = settings or Settings.from_env()
    metrics = WorkerMetrics(settings.job_types, settings.concurrency)
    app = FastAPI(title="Nexus AI Jobs worker", version=__version__)
    app.state.settings = settings
    app.state.runner = None
    app.state.ready = False

    @app.on_event("startup")
    def startup() -> None:  # sync: FastAPI runs it in a thread, so seeding does not block the loop
        provider = build_provider(settings)
        app.state.runner = Runner(settings, provider, metrics)
        app.state.ready = True
        log.info("worker ready", extra={"job_types": settings.job_types, "concurrency": settings.concurrency,
                                        "data_provider": settings.data_provider,
                                        "simulation": settings.allow_simulation})

    @app.on_event("shutdown")
    def shutdown() -> None:
        runner: Runner = app.state.runner
        app.state.ready = False
        if runner is None:
            return
        runner.begin_drain()
        failed = runner.fail_running("WORKER_SHUTDOWN", "the worker shut down before the job finished")
        runner.wait_idle(5.0)
        runner.close()
        runner.provider.close()
        log.info("worker stopped", extra={"failed_in_flight": failed})

    @app.exception_handler(RequestValidationError)
    async def on_validation(_req: Request, exc: RequestValidationError):
        return error(422, "INVALID_PARAMS", "request validation failed", field_errors(exc))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_req: Request, exc: StarletteHTTPException):
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "HTTP_ERROR")
        return error(exc.status_code, code, str(exc.detail))

    @app.post("/v1/jobs", status_code=202)
    async def submit(request: Request):
        runner: Runner = app.state.runner
        try:
            raw = json.loads(await request.body() or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return error(422, "INVALID_PARAMS", "body is not valid JSON", [{"field": "body", "message": str(exc)}])
        if not isinstance(raw, dict):
            return error(422, "INVALID_PARAMS", "body must be a JSON object", [{"field": "body",
                                                                               "message": "expected an object"}])
        try:
            sub = Submission.parse_obj(raw)
        except ValidationError as exc:
            metrics.rejected.labels("invalid").inc()
            return error(422, "INVALID_PARAMS", "invalid job submission", field_errors(exc))
        if sub.type not in settings.job_types:
            metrics.rejected.labels("invalid").inc()
            known = "unknown job type" if sub.type not in JOB_TYPES else "job type not served by this worker"
            return error(422, "INVALID_PARAMS", f"{known}: {sub.type}", [{"field": "type", "message":
                         f"{known}; this worker serves: {', '.join(settings.job_types)}"}])
        params = dict(sub.params)
        sim = None
        if simulation.KEY in params:
            sim_raw = params.pop(simulation.KEY)
            if not settings.allow_simulation:
                metrics.rejected.labels("invalid").inc()
                return error(422, "INVALID_PARAMS", "simulation is disabled on this worker",
                             [{"field": f"params.{simulation.KEY}", "message": "not allowed"}])
            try:
                sim = simulation.Simulation.parse_obj(sim_raw)
            except ValidationError as exc:
                return error(422, "INVALID_PARAMS", "invalid simulation", field_errors(exc, f"params.{simulation.KEY}."))
        try:
            job_params = JOB_TYPES[sub.type].params.parse_obj(params)
        except ValidationError as exc:
            metrics.rejected.labels("invalid").inc()
            return error(422, "INVALID_PARAMS", f"invalid params for {sub.type}", field_errors(exc, "params."))
        if runner is None:
            return error(503, "NOT_READY", "worker is starting")
        try:
            view, _started = runner.submit(sub.id, sub.type, sub.tenant, sub.attempt, sub.deadline, job_params, sim)
        except Busy:
            metrics.rejected.labels("busy").inc()
            return error(429, "WORKER_BUSY", f"worker is running its maximum of {settings.concurrency} jobs",
                         retry_after_seconds=1)
        except Draining:
            metrics.rejected.labels("draining").inc()
            return error(503, "SHUTTING_DOWN", "worker is shutting down")
        except StaleAttempt as exc:
            return error(409, "STALE_ATTEMPT", str(exc))
        return JSONResponse(view, status_code=202)

    @app.get("/v1/jobs/{job_id}")
    async def get_job(job_id: str, wait: Optional[str] = None):
        seconds = None
        if wait is not None:
            try:
                seconds = float(wait)
            except ValueError:
                seconds = None
            if seconds is None or not 0 < seconds <= LONG_POLL_MAX_SECONDS:  # NaN fails both
                return error(422, "INVALID_QUERY", f"wait must be a number of seconds, greater than 0 and at most "
                             f"{LONG_POLL_MAX_SECONDS:g}", [{"field": "wait", "message": f"invalid value: {wait}"}])
        runner: Runner = app.state.runner
        if runner is None:
            view = None
        elif seconds is not None:
            view = await runner.wait_ended(job_id, seconds)
        else:
            view = runner.get(job_id)
        if view is None:
            return error(404, "JOB_NOT_FOUND", f"no job {job_id} on this worker")
        return view

    @app.delete("/v1/jobs/{job_id}")
    async def abort_job(job_id: str):
        runner: Runner = app.state.runner
        outcome = runner.abort(job_id) if runner else None
        if outcome is None:
            return error(404, "JOB_NOT_FOUND", f"no job {job_id} on this worker")
        if outcome:
            return JSONResponse(runner.get(job_id), status_code=202)
        return Response(status_code=204)

    @app.get("/v1/capabilities")
    async def capabilities():
        runner: Runner = app.state.runner
        in_flight = runner.in_flight() if runner else 0
        return {"job_types": settings.job_types, "concurrency": settings.concurrency, "version": __version__,
                "in_flight": in_flight, "available": max(0, settings.concurrency - in_flight),
                "instance": settings.instance, "data_provider": settings.data_provider,
                "draining": bool(runner and runner.draining), "long_poll_max_seconds": LONG_POLL_MAX_SECONDS}

    @app.get("/healthz")
    async def healthz():
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz():
        runner: Runner = app.state.runner
        if not app.state.ready or runner is None or runner.draining:
            return JSONResponse({"status": "draining" if runner and runner.draining else "starting"}, 503)
        return {"status": "ready"}

    @app.get("/metrics")
    async def prometheus_metrics():
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
