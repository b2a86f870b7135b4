"""The client against a running platform (`make run`): the end-to-end suite runs this file with NEXUS_GATEWAY,
NEXUS_API_KEY, NEXUS_TENANT and KUBECONFIG set to the stack it started."""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from nexus_ai_jobs import ApiError, JobTimeout, NexusClient, WebhookVerificationError, verify_webhook  # noqa: E402

GATEWAY = os.environ.get("NEXUS_GATEWAY")
pytestmark = pytest.mark.skipif(not GATEWAY, reason="needs a running platform: NEXUS_GATEWAY, NEXUS_API_KEY, "
                                                   "NEXUS_TENANT (the end-to-end suite sets them)")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@pytest.fixture(scope="module")
def client() -> NexusClient:
    return NexusClient(GATEWAY, os.environ["NEXUS_API_KEY"], os.environ.get("NEXUS_TENANT"))


def ulid() -> str:
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    return "".join(CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def kubectl_job(job_type: str, params: dict, depends_on: str | None = None) -> str:
    """Creates an AiJob with kubectl (as a platform operator would) and returns its REST id; used for jobs the REST
    API cannot make: ones that block, or fail on purpose, through the workers' test-only simulation hook."""
    id_ = ulid()
    spec = {"type": job_type, "tenant": os.environ.get("NEXUS_TENANT", "demo"), "priority": "normal",
            "maxRetries": 0, "params": params}
    if depends_on:
        spec["dependsOn"] = ["job-" + depends_on.removeprefix("job_").lower()]
    job = {"apiVersion": "nexus.ai/v1", "kind": "AiJob",
           "metadata": {"name": "job-" + id_.lower(), "labels": {
               "nexus.ai/tenant": spec["tenant"], "nexus.ai/job-type": job_type, "nexus.ai/priority": "normal"}},
           "spec": spec}
    subprocess.run(["kubectl", "create", "-f", "-"], input=json.dumps(job), text=True, check=True,
                   capture_output=True, timeout=60)
    return "job_" + id_


def test_dispatch_then_wait_returns_the_completed_result(client: NexusClient):
    job = client.dispatch("pricing_recalculate", {"skus": ["SKU-001", "SKU-002"], "marketplace": "amazon_us",
                                                  "apply": False}, priority="high")
    assert job["status"] == "queued" and job["priority"] == "high"

    done = client.wait(job["id"], timeout=120)

    assert done["status"] == "completed", done
    assert [r["sku"] for r in done["result"]["recommendations"]] == ["SKU-001", "SKU-002"]
    assert all(r["applied"] is False for r in done["result"]["recommendations"])


def test_wait_returns_a_failed_job_with_its_error_code(client: NexusClient):
    job_id = kubectl_job("competitor_scan", {"skus": ["SKU-001"], "_simulate": {
        "fail": {"code": "CLIENT_TEST_FAILURE", "message": "failed on purpose", "retryable": False}}})

    done = client.wait(job_id, timeout=120)

    assert done["status"] == "failed"
    assert done["error"]["code"] == "CLIENT_TEST_FAILURE"


def test_wait_gives_up_with_the_last_view_when_the_job_is_not_done(client: NexusClient):
    blocker = kubectl_job("listing_optimize", {"skus": ["SKU-001"], "_simulate": {"sleep_seconds": 8}})
    waiting = kubectl_job("listing_optimize", {"skus": ["SKU-001"]}, depends_on=blocker)

    with pytest.raises(JobTimeout) as timed_out:
        client.wait(waiting, timeout=1)

    assert timed_out.value.job["id"] == waiting and timed_out.value.job["status"] == "queued"
    client.cancel(waiting)


def test_cancel_of_a_queued_job_cancels_it_and_a_finished_one_is_refused(client: NexusClient):
    blocker = kubectl_job("listing_optimize", {"skus": ["SKU-001"], "_simulate": {"sleep_seconds": 8}})
    queued = kubectl_job("listing_optimize", {"skus": ["SKU-001"]}, depends_on=blocker)

    client.cancel(queued)

    assert client.wait(queued, timeout=60)["status"] == "cancelled"
    done = client.wait(client.dispatch("competitor_scan", {"skus": ["SKU-001"], "marketplace": "amazon_us"})["id"],
                       timeout=120)
    with pytest.raises(ApiError) as refused:
        client.cancel(done["id"])
    assert (refused.value.status, refused.value.code) == (409, "JOB_NOT_CANCELLABLE")


def test_list_follows_the_cursor_over_every_page_newest_first(client: NexusClient):
    mine = [client.dispatch("return_classify", {"skus": ["SKU-002"]})["id"] for _ in range(5)]

    seen = []
    for job in client.list(type="return_classify", page_size=2):
        seen.append(job["id"])
        if set(mine) <= set(seen):
            break

    assert len(seen) == len(set(seen)), "a page repeated a job"
    assert [i for i in seen if i in mine] == list(reversed(mine))


def test_batch_dispatches_its_jobs_and_reads_back_the_aggregate(client: NexusClient):
    batch = client.batch([
        {"type": "competitor_scan", "params": {"skus": ["SKU-001"], "marketplace": "amazon_us"}},
        {"type": "pricing_recalculate", "params": {"skus": ["SKU-001"], "marketplace": "amazon_us", "apply": False}},
    ], sequential=True)
    assert [j["type"] for j in batch["jobs"]] == ["competitor_scan", "pricing_recalculate"]

    last = client.wait(batch["jobs"][-1]["id"], timeout=120)

    assert last["status"] == "completed"
    view = client.get_batch(batch["batch_id"])
    assert view["batch_id"] == batch["batch_id"] and view["sequential"] is True
    assert [j["status"] for j in view["jobs"]] == ["completed", "completed"]


def test_errors_carry_the_envelope_code_status_and_field_details(client: NexusClient):
    with pytest.raises(ApiError) as unknown_type:
        client.dispatch("teleport", {})
    assert (unknown_type.value.status, unknown_type.value.code) == (422, "INVALID_JOB_TYPE")

    with pytest.raises(ApiError) as bad_params:
        client.dispatch("competitor_scan", {"skus": [], "marketplace": "amazon_us"})
    assert bad_params.value.code == "INVALID_PARAMS"
    assert any(d.get("field", "").startswith("params.skus") for d in bad_params.value.details), bad_params.value.details

    with pytest.raises(ApiError) as missing:
        client.get("job_" + ulid())
    assert (missing.value.status, missing.value.code) == (404, "JOB_NOT_FOUND")


def test_a_repeated_idempotency_key_returns_the_first_job(client: NexusClient):
    key = "client-test-" + secrets.token_hex(8)
    first = client.dispatch("competitor_scan", {"skus": ["SKU-003"], "marketplace": "amazon_us"}, idempotency_key=key)
    again = client.dispatch("competitor_scan", {"skus": ["SKU-003"], "marketplace": "amazon_us"}, idempotency_key=key)
    assert again["id"] == first["id"]


def test_options_and_metadata_come_back_and_filter_the_list(client: NexusClient):
    tag = secrets.token_hex(6)
    job = client.dispatch("competitor_scan", {"skus": ["SKU-001"], "marketplace": "amazon_us"}, max_retries=1,
                          timeout_seconds=120, metadata={"run": tag, "team": "pricing"})
    assert (job["max_retries"], job["timeout_seconds"], job["metadata"]) == (1, 120, {"run": tag, "team": "pricing"})
    client.dispatch("competitor_scan", {"skus": ["SKU-001"], "marketplace": "amazon_us"}, metadata={"run": tag})
    client.wait(job["id"], timeout=120)

    assert [j["id"] for j in client.list(metadata={"run": tag, "team": "pricing"})] == [job["id"]]
    assert len(list(client.list(metadata={"run": tag}))) == 2
    with pytest.raises(ApiError) as refused:
        client.dispatch("competitor_scan", {"skus": ["SKU-001"]}, max_retries=9)
    assert (refused.value.code, refused.value.details[0]["field"]) == ("INVALID_REQUEST", "max_retries")


def test_retry_of_a_failed_job_dispatches_it_again_and_a_completed_one_is_refused(client: NexusClient):
    failed = kubectl_job("competitor_scan", {"skus": ["SKU-001"], "_simulate": {
        "fail": {"code": "CLIENT_TEST_FAILURE", "message": "failed on purpose", "retryable": False}}})
    assert client.wait(failed, timeout=120)["status"] == "failed"

    again = client.retry(failed)

    assert again["id"] != failed and again["retry_of"] == failed and again["type"] == "competitor_scan"
    assert client.wait(again["id"], timeout=120)["error"]["code"] == "CLIENT_TEST_FAILURE"  # same params, same failure
    completed = client.dispatch("competitor_scan", {"skus": ["SKU-001"], "marketplace": "amazon_us"})
    client.wait(completed["id"], timeout=120)
    with pytest.raises(ApiError) as refused:
        client.retry(completed["id"])
    assert (refused.value.status, refused.value.code) == (409, "JOB_NOT_RETRYABLE")


def test_the_client_refuses_a_base_url_that_is_not_http():
    with pytest.raises(ValueError):
        NexusClient("ftp://example", "key")


ORDER = {"queued": 0, "running": 1, "completed": 2, "failed": 2, "cancelled": 2}


def test_stream_follows_a_job_to_its_terminal_view_and_a_resume_after_it_is_empty(client: NexusClient):
    job = client.dispatch("pricing_recalculate", {"skus": ["SKU-001"], "marketplace": "amazon_us", "apply": False})

    events = list(client.stream(job["id"]))

    statuses = [e.data["status"] for e in events]
    assert statuses[-1] == "completed", statuses
    assert [ORDER[s] for s in statuses] == sorted(ORDER[s] for s in statuses), statuses
    assert all(e.event == "job" and e.data["id"] == job["id"] and e.id for e in events)
    assert events[-1].data == client.get(job["id"])  # the same view GET answers
    assert list(client.stream(job["id"], last_event_id=events[-1].id)) == []


def test_the_tenant_stream_shows_the_tenants_new_jobs_with_its_filter(client: NexusClient):
    seen: list = []
    stream = client.stream(type="competitor_scan")

    def follow():
        for event in stream:
            seen.append(event)

    threading.Thread(target=follow, daemon=True).start()
    # The stream opens in the thread: dispatch until one of these jobs shows on it.
    dispatched: set = set()
    deadline = time.monotonic() + 60
    while not any(e.data.get("id") in dispatched for e in list(seen)) and time.monotonic() < deadline:
        dispatched.add(client.dispatch("competitor_scan", {"skus": ["SKU-004"], "marketplace": "amazon_us"})["id"])
        dispatched.add(client.dispatch("listing_optimize", {"skus": ["SKU-004"]})["id"])
        time.sleep(1)
    assert any(e.data.get("id") in dispatched for e in list(seen)), "no dispatched job showed on the stream"
    assert all(e.event == "job" and e.data["type"] == "competitor_scan" for e in list(seen))


class Receiver(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.deliveries: list = []


class ReceiverHandler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.deliveries.append(({k: v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_webhook_delivery_of_the_platform_verifies_with_its_secret(client: NexusClient):
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook = client._call("POST", "/api/webhooks", body={
        "url": f"http://127.0.0.1:{receiver.server_address[1]}/hook", "events": ["job.completed"]})["data"]
    try:
        job = client.dispatch("competitor_scan", {"skus": ["SKU-005"], "marketplace": "amazon_us"})
        assert client.wait(job["id"], timeout=120)["status"] == "completed"
        deadline = time.monotonic() + 90
        delivery = None
        while delivery is None and time.monotonic() < deadline:
            delivery = next((d for d in list(receiver.deliveries) if job["id"].encode() in d[1]), None)
            time.sleep(0.1)
        assert delivery is not None, "the completion was not delivered"
        headers, body = delivery

        payload = verify_webhook(hook["secret"], headers, body)

        assert payload["type"] == "job.completed" and payload["data"]["id"] == job["id"]
        with pytest.raises(WebhookVerificationError):
            verify_webhook(hook["secret"], headers, body + b" ")
    finally:
        client._call("DELETE", f"/api/webhooks/{hook['id']}")
        receiver.shutdown()
        receiver.server_close()
