"""The AI Jobs API over HTTP: dispatch, read, long-poll, list (every page), cancel, batch, event streams; and the
verification of the platform's signed webhook deliveries.

Standard library only, so it runs wherever Python 3.9+ does. One client may be shared by threads: each call opens
its own request.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Optional, Union

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


@dataclass(frozen=True)
class StreamEvent:
    """One event of an event stream: `event` is "job" (data: the job's view, as `get` returns it) or "reset"
    (data: {"reason", "message"})."""
    id: Optional[str]
    event: str
    data: dict


class StreamReset(Exception):
    """The gateway could not go on from the stream's last event id (`reason`: "unknown_epoch" — the gateway
    restarted or another one answered; "expired" — the id is older than what it keeps; "too_slow" — the client read
    too slowly). Re-read what you follow (`get` or `list`), then go on with `stream(..., last_event_id=
    error.last_event_id)`: the events after that point are not lost."""

    def __init__(self, reason: str, message: str, last_event_id: Optional[str]):
        super().__init__(f"event stream reset ({reason}): {message}")
        self.reason, self.message, self.last_event_id = reason, message, last_event_id


class WebhookVerificationError(Exception):
    """A webhook delivery that is not the platform's: bad or missing signature, or a timestamp out of tolerance."""


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
                 idempotency_key: Optional[str] = None, max_retries: Optional[int] = None,
                 timeout_seconds: Optional[int] = None, metadata: Optional[Mapping[str, str]] = None) -> dict:
        """Creates a job and returns its view (status `queued`). A repeat with the same `idempotency_key`
        returns the first job instead of creating a second one. Options (left out when None): `max_retries`
        (0-5), `timeout_seconds` (one attempt's deadline, at most 10x the type's longest typical duration),
        `metadata` (at most 16 keys matching ^[a-z0-9]([a-z0-9_.-]{0,61}[a-z0-9])?$, values up to 256 characters;
        returned with the job and filterable with `list(metadata=...)`)."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        body = {"type": type, "params": params, "priority": priority,
                **_options(max_retries, timeout_seconds, metadata)}
        return self._call("POST", "/api/ai-jobs", body=body, headers=headers)["data"]

    def retry(self, job_id: str, idempotency_key: Optional[str] = None) -> dict:
        """Dispatches a failed or cancelled job again as a new job (same type, params, priority, options and
        metadata; its `retry_of` is `job_id`) and returns the new job's view. ApiError JOB_NOT_RETRYABLE (409) for
        a queued, running or completed job."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self._call("POST", f"/api/ai-jobs/{_segment(job_id)}/retry", headers=headers)["data"]

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
             end_date: Optional[str] = None, page_size: int = 50,
             metadata: Optional[Mapping[str, str]] = None) -> Iterator[dict]:
        """Every job that matches, newest first, following the cursor page by page (lazily). `metadata`: only
        jobs whose metadata has every one of these key/value pairs."""
        query = {k: v for k, v in {"type": type, "status": status, "start_date": start_date,
                                   "end_date": end_date, "limit": str(page_size)}.items() if v is not None}
        for key, value in (metadata or {}).items():
            query[f"metadata.{key}"] = value
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
        """Dispatches 1-20 jobs ({"type", "params", "priority"?, "max_retries"?, "timeout_seconds"?, "metadata"?}) at once: {"batch_id", "jobs"}. Sequential runs
        each after the previous one completed."""
        return self._call("POST", "/api/ai-jobs/batch", body={"jobs": jobs, "sequential": sequential})["data"]

    def get_batch(self, batch_id: str) -> dict:
        return self._call("GET", f"/api/ai-jobs/batch/{_segment(batch_id)}")["data"]

    # ---- event streams ----------------------------------------------------------------------------------------

    def stream(self, job_id: Optional[str] = None, last_event_id: Optional[str] = None, resets: str = "raise",
               reconnects: int = 5, idle_timeout: float = 60.0, metadata: Optional[Mapping[str, str]] = None,
               **filters: str) -> Iterator[StreamEvent]:
        """The job's changes until it is terminal (`job_id`), or the tenant's job changes matching the list's
        `filters` (type, status, start_date, end_date) and `metadata` (every pair) for as long as the caller iterates.

        A dropped connection (or a stream silent for `idle_timeout` seconds: the gateway sends a heartbeat every
        15 s) is reopened with the last event id, which the gateway resumes from without loss or duplicates;
        `reconnects` bounds the attempts in a row that fail. When the gateway cannot resume (see StreamReset), it
        says so: with `resets="raise"` (default) StreamReset is raised; with `resets="yield"` the reset event is
        yielded (its `data["reason"]`) and the stream goes on from the gateway's current point."""
        if resets not in ("raise", "yield"):
            raise ValueError(f"resets must be 'raise' or 'yield', got {resets!r}")
        unknown = set(filters) - {"type", "status", "start_date", "end_date"}
        if unknown:
            raise TypeError(f"unknown filters: {', '.join(sorted(unknown))}")
        if job_id is not None and (filters or metadata):
            raise TypeError("a job's stream takes no filters")
        path = f"/api/ai-jobs/{_segment(job_id)}/events" if job_id is not None else "/api/ai-jobs/events"
        query = {k: v for k, v in filters.items() if v is not None}
        for key, value in (metadata or {}).items():
            query[f"metadata.{key}"] = value
        url = self.base_url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        retry_seconds, failures = 3.0, 0
        while True:
            headers = {**self._headers, "Accept": "text/event-stream", "Cache-Control": "no-cache"}
            if last_event_id:
                headers["Last-Event-ID"] = last_event_id
            request = urllib.request.Request(url, method="GET", headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=idle_timeout) as response:
                    if response.status == 204:  # a job's stream after its terminal view: nothing more
                        return
                    for message in _sse_messages(response):
                        if message.get("retry") is not None:
                            retry_seconds = message["retry"] / 1000.0
                        if message.get("id") is not None:
                            last_event_id = message["id"]
                        if "data" not in message:
                            continue
                        failures = 0
                        event = StreamEvent(message.get("id"), message.get("event") or "message",
                                            json.loads(message["data"]))
                        if event.event == "reset":
                            if resets == "raise":
                                raise StreamReset(event.data.get("reason", ""), event.data.get("message", ""),
                                                  last_event_id)
                            yield event
                            continue
                        yield event
                        if job_id is not None and event.event == "job" and event.data.get("status") in TERMINAL:
                            return
            except urllib.error.HTTPError as answer:
                error = _api_error(answer)
                if error.code != "RATE_LIMITED" or failures >= reconnects:
                    raise error
                retry_seconds = min(RATE_LIMIT_MAX_PAUSE_SECONDS, error.retry_after or retry_seconds)
            except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError, OSError):
                if failures >= reconnects:
                    raise
            else:
                # The gateway closed the stream (it stopped, or the stream was cut): reopened like a dropped one.
                if failures >= reconnects:
                    raise ConnectionError(f"the event stream closed {failures + 1} times in a row without an event")
            failures += 1
            time.sleep(retry_seconds)

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


def verify_webhook(secret: str, headers: Mapping[str, str], body: Union[bytes, str], tolerance: int = 300,
                   now: Optional[float] = None) -> dict:
    """Checks a webhook delivery as the Standard Webhooks specification says and returns its parsed body.

    `secret` is the subscription's `whsec_...` (the base64 key after the prefix); `headers` the delivery's
    (`webhook-id`, `webhook-timestamp`, `webhook-signature`, any case); `body` its raw bytes, unparsed. The signature
    is `v1,` + base64 HMAC-SHA256 over `{id}.{timestamp}.{body}`; the header may carry several, space-separated (a
    rotated secret), and one match suffices. Compared in constant time; a timestamp more than `tolerance` seconds
    from now is refused (a replay). Raises WebhookVerificationError."""
    lowered = {k.lower(): v for k, v in headers.items()}
    msg_id, stamp, signatures = (lowered.get(n) for n in ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not msg_id or not stamp or not signatures:
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise WebhookVerificationError(f"webhook-timestamp is not a number: {stamp!r}") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookVerificationError(f"webhook-timestamp {timestamp} is more than {tolerance} s from now")
    encoded = secret[len("whsec_"):] if secret.startswith("whsec_") else secret
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the webhook secret is not whsec_ + base64") from None
    raw = body.encode() if isinstance(body, str) else bytes(body)
    expected = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + raw, hashlib.sha256).digest()
    for signature in signatures.split():
        version, _, value = signature.partition(",")
        if version != "v1":
            continue
        try:
            given = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            continue
        if hmac.compare_digest(given, expected):
            return json.loads(raw)
    raise WebhookVerificationError("no webhook-signature matches")


def _sse_messages(response) -> Iterator[dict]:
    """The messages of a text/event-stream body as the SSE parser reads them: {"id"?, "event"?, "data"?, "retry"?}
    (comments, such as the gateway's heartbeats, are dropped). Ends with the body."""
    message: dict = {}
    data: list = []
    while True:
        raw = response.readline()
        if not raw:
            return
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line:
            if data:
                message["data"] = "\n".join(data)
            if message:
                yield message
            message, data = {}, []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "data":
            data.append(value)
        elif field in ("id", "event"):
            message[field] = value
        elif field == "retry" and value.isdigit():
            message["retry"] = int(value)


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


def _options(max_retries: Optional[int], timeout_seconds: Optional[int],
             metadata: Optional[Mapping[str, str]]) -> dict:
    """A job's options as the request body names them; those not given are left out (the gateway's defaults)."""
    options: dict = {}
    if max_retries is not None:
        options["max_retries"] = max_retries
    if timeout_seconds is not None:
        options["timeout_seconds"] = timeout_seconds
    if metadata is not None:
        options["metadata"] = dict(metadata)
    return options
