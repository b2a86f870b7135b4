"""What the client sends for job options, metadata filters and retries, against a local HTTP server that records
each request (the platform's answers to the same calls are checked in test_client_against_platform.py)."""
from __future__ import annotations

import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from nexus_ai_jobs import ApiError, NexusClient  # noqa: E402

JOB = {"id": "job_01HXK9MZPQ3B8C7D2E5F6G", "status": "queued"}


class Recording(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.calls: list[tuple[str, str, bytes]] = []
        self.idempotency_keys: list[str | None] = []


class Handler(BaseHTTPRequestHandler):
    server: Recording

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.calls.append((self.command, self.path, body))
        self.server.idempotency_keys.append(self.headers.get("Idempotency-Key"))
        if self.path.endswith("/retry") and "completed" in self.path:
            self._answer(409, {"error": {"code": "JOB_NOT_RETRYABLE", "message": "Job is completed"}})
        elif self.command == "GET":
            self._answer(200, {"data": [JOB], "pagination": {"limit": 50, "has_more": False}})
        else:
            self._answer(202, {"data": JOB})

    do_GET = do_POST

    def _answer(self, status: int, body: dict):
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    recording = Recording()
    threading.Thread(target=recording.serve_forever, daemon=True).start()
    yield recording
    recording.shutdown()
    recording.server_close()


def client_of(server: Recording) -> NexusClient:
    return NexusClient(f"http://127.0.0.1:{server.server_address[1]}", "nxk_test", "demo", rate_limit_retries=0)


def test_dispatch_sends_the_options_given_and_leaves_out_the_others(server: Recording):
    client = client_of(server)
    client.dispatch("competitor_scan", {"skus": ["SKU-001"]}, max_retries=0, timeout_seconds=90,
                    metadata={"order": "po-1"})
    client.dispatch("competitor_scan", {"skus": ["SKU-001"]})

    with_options, plain = (json.loads(body) for _, _, body in server.calls)
    assert with_options == {"type": "competitor_scan", "params": {"skus": ["SKU-001"]}, "priority": "normal",
                            "max_retries": 0, "timeout_seconds": 90, "metadata": {"order": "po-1"}}
    assert plain == {"type": "competitor_scan", "params": {"skus": ["SKU-001"]}, "priority": "normal"}


def test_list_sends_one_metadata_parameter_per_pair(server: Recording):
    jobs = list(client_of(server).list(status="failed", metadata={"team": "pricing", "wave": "1 & 2"}))

    assert jobs == [JOB]
    _, path, _ = server.calls[0]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    assert query["metadata.team"] == ["pricing"]
    assert query["metadata.wave"] == ["1 & 2"]
    assert query["status"] == ["failed"]


def test_retry_posts_to_the_jobs_retry_path_with_the_idempotency_key(server: Recording):
    assert client_of(server).retry("job_01HXK9MZPQ3B8C7D2E5F6G", idempotency_key="k-1") == JOB
    method, path, body = server.calls[0]
    assert (method, path, body) == ("POST", "/api/ai-jobs/job_01HXK9MZPQ3B8C7D2E5F6G/retry", b"")
    assert server.idempotency_keys == ["k-1"]


def test_retry_of_a_job_that_cannot_be_retried_raises_the_api_error(server: Recording):
    with pytest.raises(ApiError) as refused:
        client_of(server).retry("job_completed")
    assert (refused.value.status, refused.value.code) == (409, "JOB_NOT_RETRYABLE")
