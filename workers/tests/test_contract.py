"""The operator -> worker HTTP contract, over real HTTP against the worker process (uvicorn)."""
from __future__ import annotations

import re
import threading
import uuid

import httpx
import pytest

from tests.conftest import job_body
from tests.servers import wait_for


def new_id() -> str:
    return f"job_{uuid.uuid4().hex[:12]}"


def sleeping(job_id: str, seconds: float = 60, attempt: int = 1) -> dict:
    body = job_body(job_id, attempt=attempt)
    body["params"]["_simulate"] = {"sleep_seconds": seconds}
    return body


def status_of(worker, job_id: str) -> dict:
    r = worker.client.get(f"/v1/jobs/{job_id}")
    assert r.status_code == 200, r.text
    return r.json()


def wait_status(worker, job_id: str, status: str, timeout: float = 20) -> dict:
    return wait_for(lambda: (lambda v: v if v["status"] == status else None)(status_of(worker, job_id)),
                    timeout=timeout, what=f"{job_id} to be {status}")


def metric(worker, name: str, **labels) -> float:
    text = worker.client.get("/metrics").text
    sel = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        m = re.match(rf"^{name}(?:\{{(.*)\}})? (\S+)$", line)
        if m and ",".join(sorted((m.group(1) or "").split(","))) == ",".join(sorted(sel.split(","))):
            return float(m.group(2))
    return 0.0


def test_capabilities_and_probes(sim_worker):
    caps = sim_worker.client.get("/v1/capabilities").json()
    assert caps["job_types"] == ["pricing_recalculate", "review_sentiment", "return_classify",
                                 "llm_visibility_score", "competitor_scan", "listing_optimize"]
    assert caps["concurrency"] == 2 and caps["version"]
    assert sim_worker.client.get("/healthz").status_code == 200
    assert sim_worker.client.get("/readyz").json() == {"status": "ready"}
    text = sim_worker.client.get("/metrics").text
    assert "nexus_worker_jobs_in_flight" in text and "nexus_worker_concurrency_limit 2.0" in text


def test_accept_run_and_result(sim_worker):
    job_id = new_id()
    labels = {"type": "pricing_recalculate", "outcome": "completed"}
    finished = metric(sim_worker, "nexus_worker_jobs_total", **labels)
    timed = metric(sim_worker, "nexus_worker_job_duration_seconds_count", **labels)
    r = sim_worker.client.post("/v1/jobs", json=job_body(job_id))
    assert r.status_code == 202
    assert r.json()["id"] == job_id and r.json()["status"] == "running"
    done = wait_status(sim_worker, job_id, "completed")
    assert done["progress"] == 1.0 and done["attempt"] == 1 and done["type"] == "pricing_recalculate"
    result = done["result"]
    assert set(result) == {"processed_count", "updated_count", "recommendations"}
    assert [r["sku"] for r in result["recommendations"]] == ["SKU-001", "SKU-002"]
    for rec in result["recommendations"]:
        assert set(rec) == {"sku", "current_price", "recommended_price", "confidence", "reasoning", "applied"}
    # The series exist before any job runs: the job must move them by exactly one (counted as it finishes).
    wait_for(lambda: metric(sim_worker, "nexus_worker_jobs_total", **labels) == finished + 1,
             what="the finished-jobs counter to count the job")
    assert metric(sim_worker, "nexus_worker_job_duration_seconds_count", **labels) == timed + 1


def test_same_id_and_attempt_is_idempotent(sim_worker):
    job_id = new_id()
    before = metric(sim_worker, "nexus_worker_jobs_accepted_total", type="pricing_recalculate")
    first = sim_worker.client.post("/v1/jobs", json=sleeping(job_id))
    again = sim_worker.client.post("/v1/jobs", json=sleeping(job_id))
    assert first.status_code == 202 and again.status_code == 202
    assert again.json()["accepted_at"] == first.json()["accepted_at"]
    assert metric(sim_worker, "nexus_worker_jobs_accepted_total", type="pricing_recalculate") == before + 1
    assert sim_worker.client.delete(f"/v1/jobs/{job_id}").status_code == 202


def test_busy_returns_429_and_abort_frees_a_slot(sim_worker):
    a, b, c = new_id(), new_id(), new_id()
    assert sim_worker.client.post("/v1/jobs", json=sleeping(a)).status_code == 202
    assert sim_worker.client.post("/v1/jobs", json=sleeping(b)).status_code == 202
    busy = sim_worker.client.post("/v1/jobs", json=sleeping(c))
    assert busy.status_code == 429
    assert busy.json()["error"]["code"] == "WORKER_BUSY"
    assert sim_worker.client.get("/v1/capabilities").json()["available"] == 0
    assert sim_worker.client.delete(f"/v1/jobs/{a}").status_code == 202
    assert sim_worker.client.post("/v1/jobs", json=sleeping(c)).status_code == 202
    for job_id in (b, c):
        sim_worker.client.delete(f"/v1/jobs/{job_id}")


def test_abort_marks_failed_and_second_delete_is_204(sim_worker):
    job_id = new_id()
    sim_worker.client.post("/v1/jobs", json=sleeping(job_id))
    r = sim_worker.client.delete(f"/v1/jobs/{job_id}")
    assert r.status_code == 202 and r.json()["status"] == "failed"
    view = status_of(sim_worker, job_id)
    assert view["error"] == {"code": "ABORTED", "message": "aborted on request", "retryable": False}
    assert sim_worker.client.delete(f"/v1/jobs/{job_id}").status_code == 204
    wait_for(lambda: metric(sim_worker, "nexus_worker_jobs_in_flight", type="pricing_recalculate") == 0,
             what="aborted run to unwind")


def test_unknown_job_is_404(sim_worker):
    for r in (sim_worker.client.get("/v1/jobs/job_nope"), sim_worker.client.delete("/v1/jobs/job_nope")):
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "JOB_NOT_FOUND"


def test_new_attempt_replaces_the_old_run(sim_worker):
    job_id = new_id()
    sim_worker.client.post("/v1/jobs", json=sleeping(job_id, attempt=1))
    r = sim_worker.client.post("/v1/jobs", json=job_body(job_id, attempt=2))
    assert r.status_code == 202 and r.json()["attempt"] == 2
    done = wait_status(sim_worker, job_id, "completed")
    assert done["attempt"] == 2
    stale = sim_worker.client.post("/v1/jobs", json=sleeping(job_id, attempt=1))
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "STALE_ATTEMPT"


@pytest.mark.parametrize("body_change, field", [
    ({"params": {"skus": "SKU-001"}}, "params.skus"),
    ({"params": {"skus": ["SKU-001"], "max_change": 3}}, "params.max_change"),
    ({"params": {"skus": ["bad sku!"]}}, "params.skus"),
    ({"params": {"surprise": 1}}, "params.surprise"),
    ({"type": "teleport"}, "type"),
    ({"deadline": "tomorrow"}, "deadline"),
    ({"id": ""}, "id"),
    ({"id": "job-1\n"}, "id"),  # the id pattern is anchored at the very end, not before a final newline
    ({"tenant": "demo\n"}, "tenant"),
    ({"params": {"marketplace": "amazon_us\n"}}, "params.marketplace"),
    ({"params": {"max_change": "0.05"}}, "params.max_change"),  # JSON types as the published schema says
])
def test_invalid_submission_is_422_with_field_errors(sim_worker, body_change, field):
    body = {**job_body(new_id()), **body_change}
    r = sim_worker.client.post("/v1/jobs", json=body)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "INVALID_PARAMS" and err["message"]
    assert field in [d["field"] for d in err["details"]], err


def test_malformed_json_is_422(sim_worker):
    r = sim_worker.client.post("/v1/jobs", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "INVALID_PARAMS"


def test_passed_deadline_fails_with_worker_timeout(sim_worker):
    job_id = new_id()
    assert sim_worker.client.post("/v1/jobs", json=job_body(job_id, seconds=-5)).status_code == 202
    failed = wait_status(sim_worker, job_id, "failed")
    assert failed["error"]["code"] == "WORKER_TIMEOUT" and failed["error"]["retryable"] is True


def test_simulated_failure_until_attempt(sim_worker):
    job_id = new_id()
    body = job_body(job_id)
    body["params"]["_simulate"] = {"fail": {"code": "FLAKY", "until_attempt": 2}}
    sim_worker.client.post("/v1/jobs", json=body)
    assert wait_status(sim_worker, job_id, "failed")["error"] == {"code": "FLAKY", "message": "simulated failure",
                                                                   "retryable": True}
    body["attempt"] = 2
    sim_worker.client.post("/v1/jobs", json=body)
    assert wait_status(sim_worker, job_id, "completed")["attempt"] == 2


def test_unknown_sku_fails_without_retry(sim_worker):
    job_id = new_id()
    sim_worker.client.post("/v1/jobs", json=job_body(job_id, params={"skus": ["SKU-999"]}))
    err = wait_status(sim_worker, job_id, "failed")["error"]
    assert err["code"] == "UNKNOWN_SKU" and err["retryable"] is False and "SKU-999" in err["message"]


def test_tenants_are_isolated(sim_worker):
    job_id = new_id()
    sim_worker.client.post("/v1/jobs", json=job_body(job_id, tenant="someone-else"))
    assert wait_status(sim_worker, job_id, "failed")["error"]["code"] == "UNKNOWN_SKU"


def test_served_types_and_simulation_are_configurable(worker_factory):
    w = worker_factory(WORKER_JOB_TYPES="review_sentiment,return_classify")
    assert w.client.get("/v1/capabilities").json()["job_types"] == ["review_sentiment", "return_classify"]
    r = w.client.post("/v1/jobs", json=job_body(new_id()))
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "type"
    body = job_body(new_id(), "review_sentiment", {"skus": ["SKU-001"], "_simulate": {"sleep_seconds": 1}})
    r = w.client.post("/v1/jobs", json=body)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "params._simulate"


def test_sigterm_drains_then_exits(worker_factory):
    w = worker_factory(WORKER_ALLOW_SIMULATION="1", WORKER_SHUTDOWN_GRACE_SECONDS="30",
                       WORKER_SHUTDOWN_LINGER_SECONDS="3")
    job_id = new_id()
    assert w.client.post("/v1/jobs", json=sleeping(job_id, seconds=1.5)).status_code == 202
    w.terminate()
    wait_for(lambda: w.client.get("/readyz").status_code == 503, what="readiness to drop")
    refused = w.client.post("/v1/jobs", json=job_body(new_id()))
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "SHUTTING_DOWN"
    assert wait_status(w, job_id, "completed")["result"]["processed_count"] == 2  # finished, still reachable
    assert w.proc.wait(15) == 0


def test_sigterm_fails_jobs_still_running_after_grace(worker_factory):
    w = worker_factory(WORKER_ALLOW_SIMULATION="1", WORKER_SHUTDOWN_GRACE_SECONDS="0.5",
                       WORKER_SHUTDOWN_LINGER_SECONDS="5")
    job_id = new_id()
    w.client.post("/v1/jobs", json=sleeping(job_id, seconds=120))
    w.terminate()
    failed = wait_status(w, job_id, "failed")
    assert failed["error"]["code"] == "WORKER_SHUTDOWN" and failed["error"]["retryable"] is True
    assert w.proc.wait(15) == 0


def test_logs_are_json_lines_with_job_fields(worker_factory):
    import json
    w = worker_factory()
    w.client.post("/v1/jobs", json=job_body("job-logged"))
    wait_status(w, "job-logged", "completed")
    entries = wait_for(lambda: [json.loads(line) for line in list(w.stderr_lines)
                                if '"job finished"' in line], what="job log line")
    assert entries[0]["job_id"] == "job-logged" and entries[0]["status"] == "completed"
    assert entries[0]["level"] == "info" and entries[0]["ts"].endswith("Z")
    for line in list(w.stderr_lines):
        json.loads(line)  # every line is one JSON object


def test_long_poll_returns_the_end_of_a_job_that_ends_while_it_is_held(sim_worker):
    job_id = new_id()
    assert sim_worker.client.post("/v1/jobs", json=sleeping(job_id, seconds=0.5)).status_code == 202
    # Held until the job ends, well before the 25 s asked for: the answer is its end, not a running view.
    view = sim_worker.client.get(f"/v1/jobs/{job_id}", params={"wait": "25"}, timeout=30).json()
    assert view["status"] == "completed" and view["result"]


def test_long_poll_is_woken_by_an_abort_and_answers_at_once_for_an_ended_job(sim_worker):
    job_id = new_id()
    assert sim_worker.client.post("/v1/jobs", json=sleeping(job_id)).status_code == 202
    answers: list[dict] = []
    waiting = metric(sim_worker, "nexus_worker_long_polls_waiting")

    def poll() -> None:
        with httpx.Client(base_url=sim_worker.url, timeout=30) as own:  # a client of its own: httpx's is not shared
            answers.append(own.get(f"/v1/jobs/{job_id}", params={"wait": "25"}).json())
    held = threading.Thread(target=poll)
    held.start()
    wait_for(lambda: metric(sim_worker, "nexus_worker_long_polls_waiting") > waiting, timeout=10,
             what="the long-poll to be held")
    assert sim_worker.client.delete(f"/v1/jobs/{job_id}").status_code == 202
    held.join(timeout=20)
    assert not held.is_alive(), "the long-poll was not woken by the job's end"
    assert answers[0]["status"] == "failed" and answers[0]["error"]["code"] == "ABORTED"
    assert metric(sim_worker, "nexus_worker_long_polls_waiting") == waiting
    # Ended: a long-poll answers with no wait at all (the client's own timeout would fail it otherwise).
    again = sim_worker.client.get(f"/v1/jobs/{job_id}", params={"wait": "25"}, timeout=5).json()
    assert again["status"] == "failed"


def test_long_poll_of_a_running_job_answers_running_when_its_wait_passes(sim_worker):
    job_id = new_id()
    assert sim_worker.client.post("/v1/jobs", json=sleeping(job_id)).status_code == 202
    view = sim_worker.client.get(f"/v1/jobs/{job_id}", params={"wait": "0.2"}).json()
    assert view["status"] == "running" and view["attempt"] == 1
    sim_worker.client.delete(f"/v1/jobs/{job_id}")


@pytest.mark.parametrize("wait", ["0", "-1", "31", "soon", "nan", "inf"])
def test_long_poll_refuses_a_wait_out_of_bounds(sim_worker, wait):
    r = sim_worker.client.get(f"/v1/jobs/{new_id()}", params={"wait": wait})
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "INVALID_QUERY" and err["details"][0]["field"] == "wait" and "at most 30" in err["message"]


def test_long_poll_of_an_unknown_job_is_404_and_capabilities_name_the_longest_wait(sim_worker):
    assert sim_worker.client.get(f"/v1/jobs/{new_id()}", params={"wait": "5"}).status_code == 404
    assert sim_worker.client.get("/v1/capabilities").json()["long_poll_max_seconds"] == 30
