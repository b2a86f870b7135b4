"""llm_visibility_score against a local OpenAI-compatible server."""
from __future__ import annotations

import pytest

from nexus_worker.config import Settings
from nexus_worker.jobs import llm_visibility
from nexus_worker.jobs.base import JobError
from nexus_worker.jobs.llm_visibility import VisibilityParams, build_prompts, find_rank, prompt_score
from tests.fake_llm import create_fake_llm
from tests.servers import serve_app

PRODUCT = {"sku": "SKU-001", "brand": "Lumora", "title": "Lumora USB-C Fast Charger - Black",
           "category": "phone charger", "price": 14.99}


def test_find_rank_in_lists_and_prose():
    assert find_rank("1. Anker\n2. Belkin\n3. Lumora charger", PRODUCT) == (True, 3)
    assert find_rank("- lumora usb-c fast charger\n- Anker", PRODUCT) == (True, 1)
    assert find_rank("Anker is good. Belkin too. Lumora is fine.", PRODUCT) == (True, 3)
    assert find_rank("1. Anker\n2. Belkin\nAlso consider Lumora.", PRODUCT) == (True, None)
    assert find_rank("1. Anker\n2. Lumoralux", PRODUCT) == (False, None)  # whole words only
    assert [prompt_score(True, r) for r in (1, 2, 3, 4, 5, 9, None)] == [100, 85, 70, 60, 50, 40, 30]
    assert prompt_score(False, None) == 0


def test_prompts_are_unbranded():
    prompts = build_prompts(PRODUCT, "amazon_us", 3)
    assert prompts[0] == "What are the best phone charger to buy on Amazon?"
    assert "under $19" in prompts[1]
    assert all("Lumora" not in p for p in prompts)


def settings_for(url: str, *models: str, retries: int = 1) -> Settings:
    return Settings(llm_providers=[{"name": m, "base_url": url, "model": m, "api_key": f"key-{m}",
                                    "timeout_seconds": 5, "max_retries": retries} for m in models])


def test_scores_and_partial_result(make_ctx):
    app = create_fake_llm()
    with serve_app(app) as url:
        result = llm_visibility.run(make_ctx("llm_visibility_score", settings=settings_for(url, "shopping", "broken")),
                                    VisibilityParams(skus=["SKU-001", "SKU-002"]))
    rows = {r["sku"]: r for r in result["skus"]}
    # SKU-001: second in every list -> 85. SKU-002 (Trailpeak): first in one answer of three -> 100/3 = 33.3.
    assert rows["SKU-001"]["assistants"]["shopping"]["score"] == 85.0
    assert rows["SKU-001"]["assistants"]["shopping"]["best_rank"] == 2
    assert rows["SKU-002"]["assistants"]["shopping"]["score"] == 33.3
    assert rows["SKU-002"]["assistants"]["shopping"]["mentions"] == 1
    assert result["assistant_scores"] == {"shopping": pytest.approx(59.15, abs=0.051)}
    assert result["overall_score"] == result["assistant_scores"]["shopping"]
    assert result["partial"] is True and result["assistants"] == ["shopping"]
    assert result["errors"][0]["assistant"] == "broken" and "500" in result["errors"][0]["message"]
    assert {c["authorization"] for c in app.state.calls if c["model"] == "shopping"} == {"Bearer key-shopping"}
    assert sum(c["model"] == "broken" for c in app.state.calls) == 2  # one try plus one retry


def test_retry_recovers_a_flaky_assistant(make_ctx):
    with serve_app(create_fake_llm()) as url:
        result = llm_visibility.run(make_ctx("llm_visibility_score", settings=settings_for(url, "flaky")),
                                    VisibilityParams(skus=["SKU-001"]))
    assert result["partial"] is False and result["overall_score"] == 85.0


def test_all_assistants_down_is_retryable_failure(make_ctx):
    with serve_app(create_fake_llm()) as url:
        with pytest.raises(JobError) as err:
            llm_visibility.run(make_ctx("llm_visibility_score", settings=settings_for(url, "broken", retries=0)),
                               VisibilityParams(skus=["SKU-001"]))
    assert err.value.code == "LLM_UNAVAILABLE" and err.value.retryable


def test_no_assistant_configured(make_ctx):
    with pytest.raises(JobError) as err:
        llm_visibility.run(make_ctx("llm_visibility_score"), VisibilityParams(skus=["SKU-001"]))
    assert err.value.code == "LLM_NOT_CONFIGURED" and not err.value.retryable


def test_end_to_end_through_a_worker(worker_factory):
    from tests.conftest import job_body
    from tests.servers import wait_for
    with serve_app(create_fake_llm()) as url:
        import json
        w = worker_factory(WORKER_LLM_PROVIDERS=json.dumps([{"name": "shopping", "base_url": url,
                                                             "model": "shopping"}]))
        w.client.post("/v1/jobs", json=job_body("job-llm", "llm_visibility_score", {"skus": ["SKU-001"]}))
        done = wait_for(lambda: (lambda v: v if v["status"] != "running" else None)(
            w.client.get("/v1/jobs/job-llm").json()), what="llm job")
    assert done["status"] == "completed", done
    assert done["result"]["overall_score"] == 85.0
