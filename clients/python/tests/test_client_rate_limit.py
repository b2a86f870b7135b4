"""The client's answer to 429 RATE_LIMITED, against a local HTTP server that refuses a set number of calls first
(the platform's own limit is too high to reach from a test without slowing every other one)."""
from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from nexus_ai_jobs import ApiError, NexusClient  # noqa: E402

JOB = {"id": "job_01HXK9MZPQ3B8C7D2E5F6G", "status": "queued"}


class Refusing(ThreadingHTTPServer):
    def __init__(self, refusals: int, code: str = "RATE_LIMITED"):
        super().__init__(("127.0.0.1", 0), Handler)
        self.refusals, self.code, self.calls = refusals, code, []


class Handler(BaseHTTPRequestHandler):
    server: Refusing

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.calls.append((self.command, self.path, body))
        if len(self.server.calls) <= self.server.refusals:
            self._answer(429, {"error": {"code": self.server.code, "message": "slow down"}}, {"Retry-After": "0"})
        else:
            self._answer(202, {"data": JOB}, {})

    do_GET = do_POST

    def _answer(self, status: int, body: dict, headers: dict):
        raw = json.dumps(body).encode()
        self.send_response(status)
        for name, value in {**headers, "Content-Type": "application/json", "Content-Length": str(len(raw))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    servers = []

    def start(refusals: int, code: str = "RATE_LIMITED") -> Refusing:
        server = Refusing(refusals, code)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def url(server: Refusing) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_a_rate_limited_call_is_sent_again_with_the_same_body_until_it_is_answered(serve):
    server = serve(refusals=2)

    job = NexusClient(url(server), "key").dispatch("competitor_scan", {"skus": ["SKU-001"]})

    assert job == JOB
    assert len(server.calls) == 3
    assert len({body for _, _, body in server.calls}) == 1, "every attempt sends the same request"


def test_rate_limit_retries_stop_at_the_configured_count_with_the_refusal(serve):
    server = serve(refusals=10)

    with pytest.raises(ApiError) as refused:
        NexusClient(url(server), "key", rate_limit_retries=2).get(JOB["id"])

    assert (refused.value.status, refused.value.code, refused.value.retry_after) == (429, "RATE_LIMITED", 0)
    assert len(server.calls) == 3


def test_a_full_queue_is_not_retried(serve):
    server = serve(refusals=1, code="QUEUE_FULL")

    with pytest.raises(ApiError) as refused:
        NexusClient(url(server), "key").dispatch("competitor_scan", {"skus": ["SKU-001"]})

    assert refused.value.code == "QUEUE_FULL"
    assert len(server.calls) == 1


def test_a_negative_retry_count_is_refused():
    with pytest.raises(ValueError):
        NexusClient("http://127.0.0.1:1", "key", rate_limit_retries=-1)
