"""`helm test` check: dispatch one job through the AI Jobs API and wait until it finishes.

Standard library only, so it runs in the worker image. Configured by environment:
GATEWAY_URL, API_KEY, TENANT, JOB_TYPE, JOB_PARAMS (JSON), TIMEOUT_SECONDS.
Exit 0 when the job completes; 1 when it fails, is cancelled, or does not finish in time.
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request


def call(method, url, key, tenant, body=None, timeout=70):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", "Bearer " + key)
    req.add_header("Accept", "application/json")
    if tenant:
        req.add_header("X-Tenant-ID", tenant)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            return err.code, json.loads(raw)
        except ValueError:
            return err.code, {"raw": raw.decode(errors="replace")}


def main():
    base = os.environ["GATEWAY_URL"].rstrip("/")
    key = os.environ["API_KEY"]
    tenant = os.environ.get("TENANT", "")
    job_type = os.environ.get("JOB_TYPE", "competitor_scan")
    params = json.loads(os.environ.get("JOB_PARAMS", "{}"))
    deadline = time.monotonic() + float(os.environ.get("TIMEOUT_SECONDS", "300"))

    status, body = call("POST", base + "/api/ai-jobs", key, tenant,
                        {"type": job_type, "params": params, "priority": "high"})
    if status not in (200, 201, 202) or "data" not in body:
        print(f"dispatch failed: HTTP {status} {json.dumps(body)}")
        return 1
    job_id = body["data"]["id"]
    print(f"dispatched {job_type} job {job_id}")

    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            print(f"job {job_id} did not finish in time")
            return 1
        # Long-poll: the gateway answers as soon as the job is terminal, or after `wait` seconds.
        wait = max(1, min(20, int(remaining)))
        status, body = call("GET", f"{base}/api/ai-jobs/{job_id}?wait={wait}", key, tenant, timeout=wait + 10)
        if status != 200:
            print(f"poll failed: HTTP {status} {json.dumps(body)}")
            return 1
        job = body["data"]
        state = job.get("status")
        if state == "completed":
            print(f"job {job_id} completed in {job.get('duration_seconds')} s")
            return 0
        if state in ("failed", "cancelled"):
            print(f"job {job_id} {state}: {json.dumps(job.get('error'))}")
            return 1
        print(f"job {job_id} is {state}")


if __name__ == "__main__":
    sys.exit(main())
