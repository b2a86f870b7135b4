"""verify_webhook against the gateway's own signatures (webhook_vectors.json, which the .NET tests check the
gateway's signer writes exactly), and every way a delivery is refused."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from nexus_ai_jobs import WebhookVerificationError, verify_webhook  # noqa: E402

VECTORS = json.loads((Path(__file__).parent / "webhook_vectors.json").read_text(encoding="utf-8"))["vectors"]


def headers_of(vector: dict, signature: str | None = None) -> dict:
    return {"webhook-id": vector["id"], "webhook-timestamp": str(vector["timestamp"]),
            "webhook-signature": signature or vector["signature"]}


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_the_gateways_signatures_verify_and_give_the_body(vector):
    body = vector["body"].encode("utf-8")
    assert verify_webhook(vector["secret"], headers_of(vector), body, now=vector["timestamp"]) == json.loads(body)
    # Header names in any case; the body as text too.
    upper = {k.upper(): v for k, v in headers_of(vector).items()}
    assert verify_webhook(vector["secret"], upper, vector["body"], now=vector["timestamp"] + 299) == json.loads(body)


def test_one_matching_signature_among_several_suffices():
    v = VECTORS[1]
    several = f"v1,{'A' * 43}= v2,whatever {v['signature']}"
    assert verify_webhook(v["secret"], headers_of(v, several), v["body"], now=v["timestamp"])["type"] == "job.completed"


@pytest.mark.parametrize("change", ["body", "id", "timestamp", "secret", "signature"])
def test_anything_changed_is_refused(change):
    v = dict(VECTORS[1])
    body = v["body"]
    headers = headers_of(v)
    secret = v["secret"]
    if change == "body":
        body = body.replace("\"processed_count\":2", "\"processed_count\":3")
    elif change == "id":
        headers["webhook-id"] = "dlv_other"
    elif change == "timestamp":
        headers["webhook-timestamp"] = str(v["timestamp"] + 1)
    elif change == "secret":
        secret = "whsec_" + "B" * 44
    else:
        headers["webhook-signature"] = "v1," + v["signature"][3:][::-1]
    with pytest.raises(WebhookVerificationError):
        verify_webhook(secret, headers, body, now=v["timestamp"])


def test_old_and_future_timestamps_are_refused_as_replays():
    v = VECTORS[0]
    for now in (v["timestamp"] + 301, v["timestamp"] - 301):
        with pytest.raises(WebhookVerificationError, match="from now"):
            verify_webhook(v["secret"], headers_of(v), v["body"], now=now)
    assert verify_webhook(v["secret"], headers_of(v), v["body"], tolerance=1000, now=v["timestamp"] + 999)


def test_missing_headers_and_a_bad_secret_are_clear_errors():
    v = VECTORS[0]
    for missing in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        headers = headers_of(v)
        del headers[missing]
        with pytest.raises(WebhookVerificationError, match="missing"):
            verify_webhook(v["secret"], headers, v["body"], now=v["timestamp"])
    with pytest.raises(WebhookVerificationError, match="not a number"):
        verify_webhook(v["secret"], {**headers_of(v), "webhook-timestamp": "soon"}, v["body"], now=v["timestamp"])
    with pytest.raises(ValueError, match="whsec_"):
        verify_webhook("whsec_not base64!", headers_of(v), v["body"], now=v["timestamp"])
