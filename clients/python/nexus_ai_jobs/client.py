"""The AI Jobs API over HTTP: dispatch, read, long-poll, list (every page), cancel and batch.

Standard library only, so it runs wherever Python 3.9+ does. One client may be shared by threads: each call opens
its own request.
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Iterator, Optional

TERMINAL = frozenset({"completed", "failed", "cancelled"})
MAX_WAIT_SECONDS = 60  # the gateway's longest long-poll
RATE_LIMIT_MAX_PAUSE_SECONDS = 30  # the longest Retry-After honoured before sending a rate-limited call again


class ApiError(Exception):
    """An answer in the API's error envelope: {"error": {"code", "message", "details"?}}."""

    def __init__(self, status: int, code: str, message: str, details: Optional[list] = None,
                 retry_after: Optional[float] = None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.details = details or []
        self.retry_after = retry_after


class JobTimeout(Exception):
    """`wait` gave up before the job reached a terminal status; `job` is its last view."""

    def __init__(self, job: dict):
        super().__init__(f"job {job.get('id')} still {job.get('status')} when the wait ended")
        self.job = job


class NexusClient:
    def __init__(self, base_url: str, api_key: str, tenant: Optional[str] = None, timeout: float = 30.0,
                 rate_limit_retries: int = 5):
        """`rate_limit_retries`: how many times a call refused with 429 RATE_LIMITED is sent again after the
        Retry-After the gateway gives (a refused request did nothing, so any method may be repeated)."""
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        if rate_limit_retries < 0:
            raise ValueError(f"rate_limit_retries must be 0 or more, got {rate_limit_retries!r}")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.rate_limit_retries = rate_limit_retries
        self._headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
        if tenant:
            self._headers["X-Tenant-ID"] = tenant

    # ---- jobs -------------------------------------------------------------------------------------------------

    def dispatch(self, type: str, params: dict, priority: str = "normal",
                 idempotency_key: Optional[str] = None) -> dict:
        """Creates a job and returns its view (status `queued`). A repeat with the same `idempotency_key`
        returns the first job instead of creating a second one."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        body = {"type": type, "params": params, "priority": priority}
        return self._call("POST", "/api/ai-jobs", body=body, headers=headers)["data"]

    def get(self, job_id: str, wait: Optional[int] = None) -> dict:
        """One job's view; with `wait` (seconds, at most 60) the gateway answers as soon as the job is
        terminal, or after `wait` seconds with its current view."""
        query = {"wait": str(int(wait))} if wait else None
        return self._call("GET", f"/api/ai-jobs/{_segment(job_id)}", query=query,
                          timeout=self.timeout + (wait or 0))["data"]

    def wait(self, job_id: str, timeout: float = 300.0) -> dict:
        """Long-polls until the job is terminal and returns its view (completed, failed or cancelled: the
        caller decides what a failure means). Raises JobTimeout after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            job = self.get(job_id, wait=max(1, min(MAX_WAIT_SECONDS, int(left)))) if left >= 1 else self.get(job_id)
            if job["status"] in TERMINAL:
                return job
            if time.monotonic() >= deadline:
                raise JobTimeout(job)

    def list(self, type: Optional[str] = None, status: Optional[str] = None, start_date: Optional[str] = None,
             end_date: Optional[str] = None, page_size: int = 50) -> Iterator[dict]:
        """Every job that matches, newest first, following the cursor page by page (lazily)."""
        query = {k: v for k, v in {"type": type, "status": status, "start_date": start_date,
                                   "end_date": end_date, "limit": str(page_size)}.items() if v is not None}
        while True:
            page = self._call("GET", "/api/ai-jobs", query=query)
            yield from page["data"]
            pagination = page.get("pagination") or {}
            if not pagination.get("has_more") or not pagination.get("next_cursor"):
                return
            query["cursor"] = pagination["next_cursor"]

    def cancel(self, job_id: str) -> None:
        """Cancels a queued job; ApiError JOB_NOT_CANCELLABLE (409) once it runs or has finished."""
        self._call("DELETE", f"/api/ai-jobs/{_segment(job_id)}")

    # ---- batches ----------------------------------------------------------------------------------------------

    def batch(self, jobs: list[dict], sequential: bool = False) -> dict:
        """Dispatches 1-20 jobs ({"type", "params", "priority"?}) at once: {"batch_id", "jobs"}. Sequential runs
        each after the previous one completed."""
        return self._call("POST", "/api/ai-jobs/batch", body={"jobs": jobs, "sequential": sequential})["data"]

    def get_batch(self, batch_id: str) -> dict:
        return self._call("GET", f"/api/ai-jobs/batch/{_segment(batch_id)}")["data"]

    # ---- HTTP -------------------------------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: Any = None, query: Optional[dict] = None,
              headers: Optional[dict] = None, timeout: Optional[float] = None) -> Any:
        url = self.base_url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={**self._headers, **(headers or {})})
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for attempt in range(self.rate_limit_retries + 1):
            try:
                with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                    raw = response.read()
                    return json.loads(raw) if raw else None
            except urllib.error.HTTPError as answer:
                error = _api_error(answer)
            if error.code != "RATE_LIMITED" or attempt == self.rate_limit_retries:
                raise error
            time.sleep(min(RATE_LIMIT_MAX_PAUSE_SECONDS, 1.0 if error.retry_after is None else error.retry_after))
        raise AssertionError("unreachable")


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _api_error(answer: urllib.error.HTTPError) -> ApiError:
    raw = answer.read()
    retry_after = answer.headers.get("Retry-After")
    try:
        error = json.loads(raw)["error"]
        code, message, details = error["code"], error["message"], error.get("details")
    except (ValueError, KeyError, TypeError):
        code, message, details = "HTTP_ERROR", raw.decode(errors="replace")[:500] or answer.reason, None
    return ApiError(answer.code, code, message, details,
                    float(retry_after) if retry_after and retry_after.isdigit() else None)
