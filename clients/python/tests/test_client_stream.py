"""stream() against a local server that speaks the gateway's event-stream format and drops connections on cue:
parsing, resuming with Last-Event-ID, the reset signal, 204, refusals. (Against the platform: the end-to-end suite.)"""
from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from nexus_ai_jobs import ApiError, NexusClient, StreamReset  # noqa: E402

JOB = "job_01HXK9MZPQ3B8C7D2E5F6G"


def job_event(seq: int, status: str, job: str = JOB) -> str:
    return f"id: e1-{seq}\nevent: job\ndata: {json.dumps({'id': job, 'status': status})}\n\n"


class Scripted(ThreadingHTTPServer):
    """Answers the n-th connection with the n-th script entry: (status, body text, headers)."""

    def __init__(self, scripts: list):
        super().__init__(("127.0.0.1", 0), Handler)
        self.scripts, self.requests = scripts, []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Scripted
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        status, text, headers = self.server.scripts[min(len(self.server.requests), len(self.server.scripts)) - 1]
        raw = text.encode()
        self.send_response(status)
        content_type = "application/json" if status >= 400 else "text/event-stream"
        for name, value in {"Content-Type": content_type, "Content-Length": str(len(raw)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    servers = []

    def start(scripts: list) -> Scripted:
        server = Scripted(scripts)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_jobs_stream_yields_its_views_and_resumes_after_a_drop(serve):
    server = serve([
        (200, "retry: 10\n" + job_event(1, "queued") + ": heartbeat\n\n" + job_event(2, "running"), {}),
        (200, job_event(3, "running", JOB) .replace('"running"', '"running", "progress": 0.5') + job_event(4, "completed"), {}),
    ])
    client = NexusClient(server.url, "nxk_test", tenant="acme")

    events = list(client.stream(JOB))

    assert [(e.id, e.event, e.data["status"]) for e in events] == [
        ("e1-1", "job", "queued"), ("e1-2", "job", "running"), ("e1-3", "job", "running"), ("e1-4", "job", "completed")]
    assert events[2].data["progress"] == 0.5
    (first_path, first), (second_path, second) = server.requests
    assert first_path == second_path == f"/api/ai-jobs/{JOB}/events"
    assert "last-event-id" not in first and second["last-event-id"] == "e1-2"
    assert first["authorization"] == "Bearer nxk_test" and first["x-tenant-id"] == "acme"
    assert first["accept"] == "text/event-stream"


def test_a_tenant_stream_sends_its_filters_and_the_given_last_event_id(serve):
    server = serve([(200, "retry: 10\nid: e1-7\n\n" + job_event(8, "queued"), {})])
    client = NexusClient(server.url, "nxk_test")

    stream = client.stream(type="competitor_scan", status="queued", last_event_id="e1-5", metadata={"run": "r1"})
    first = next(stream)
    stream.close()

    assert first.id == "e1-8" and first.data["status"] == "queued"
    path, headers = server.requests[0]
    assert urlparse(path).path == "/api/ai-jobs/events"
    assert parse_qs(urlparse(path).query) == {"type": ["competitor_scan"], "status": ["queued"], "metadata.run": ["r1"]}
    assert headers["last-event-id"] == "e1-5"


def test_a_reset_is_raised_with_the_point_to_go_on_from(serve):
    reset = 'id: e2-40\nevent: reset\ndata: {"reason":"unknown_epoch","message":"re-read"}\n\n'
    server = serve([(200, "retry: 10\n" + reset, {})])
    client = NexusClient(server.url, "nxk_test")

    with pytest.raises(StreamReset) as raised:
        next(client.stream(last_event_id="e1-3"))

    assert raised.value.reason == "unknown_epoch" and raised.value.last_event_id == "e2-40"


def test_resets_can_be_yielded_and_the_stream_goes_on(serve):
    reset = 'id: e1-40\nevent: reset\ndata: {"reason":"too_slow","message":"closed"}\n\n'
    server = serve([(200, "retry: 10\n" + reset, {}), (200, job_event(41, "queued"), {})])
    client = NexusClient(server.url, "nxk_test")

    stream = client.stream(resets="yield")
    got = [next(stream), next(stream)]
    stream.close()

    assert [(e.event, e.id) for e in got] == [("reset", "e1-40"), ("job", "e1-41")]
    assert got[0].data["reason"] == "too_slow"
    assert server.requests[1][1]["last-event-id"] == "e1-40"


def test_204_ends_a_jobs_stream_and_refusals_raise_api_errors(serve):
    done = serve([(204, "", {})])
    assert list(NexusClient(done.url, "nxk_test").stream(JOB, last_event_id="e1-9")) == []

    refused = serve([(400, json.dumps({"error": {"code": "INVALID_LAST_EVENT_ID", "message": "bad id"}}), {})])
    with pytest.raises(ApiError) as raised:
        next(NexusClient(refused.url, "nxk_test").stream(last_event_id="bad"))
    assert (raised.value.status, raised.value.code) == (400, "INVALID_LAST_EVENT_ID")
    assert len(refused.requests) == 1


def test_a_stream_that_keeps_closing_without_events_gives_up_after_its_reconnects(serve):
    server = serve([(200, "retry: 1\n\n", {})])

    with pytest.raises(ConnectionError, match="3 times in a row"):
        next(NexusClient(server.url, "nxk_test").stream(reconnects=2))

    assert len(server.requests) == 3


def test_a_refused_connection_is_retried_then_raised():
    with pytest.raises(OSError):
        next(NexusClient("http://127.0.0.1:9", "nxk_test").stream(JOB, reconnects=0))


def test_bad_arguments_are_refused_before_any_request():
    client = NexusClient("http://127.0.0.1:9", "nxk_test")
    with pytest.raises(TypeError, match="unknown filters"):
        next(client.stream(kind="x"))
    with pytest.raises(TypeError, match="no filters"):
        next(client.stream(JOB, type="competitor_scan"))
    with pytest.raises(ValueError, match="resets"):
        next(client.stream(resets="ignore"))
