"""competitor_scan: demo and HTTP connectors, rank and buy-box, and pricing reading the stored scan."""
from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse

import pytest

from nexus_worker.config import Settings
from nexus_worker.jobs import competitor, pricing
from nexus_worker.jobs.base import JobError
from nexus_worker.jobs.competitor import CompetitorParams, buy_box, summarise
from tests.servers import serve_app


def test_summary_by_hand():
    ours = {"sku": "X", "price": 10.0, "seller_rating": 4.5, "fulfillment": "marketplace"}
    offers = [{"seller": "A", "price": 9.0, "shipping": 0.0, "seller_rating": 4.0, "fulfillment": "merchant"},
              {"seller": "B", "price": 9.5, "shipping": 2.0, "seller_rating": 4.9, "fulfillment": "marketplace"}]
    s = summarise(ours, offers)
    assert [o["seller"] for o in s["offers"]] == ["A", "B"] and s["offers"][1]["landed_price"] == 11.5
    assert s["lowest_price"] == 9.0 and s["lowest_seller"] == "A" and s["our_rank"] == 2
    # Scores: us 0.6·0.9 + 0.25·0.9 + 0.15 = 0.915; A 0.6 + 0.2 = 0.8; B 0.6·9/11.5 + 0.245 + 0.15 = 0.8646.
    assert s["buy_box"]["likely_winner"] == "us" and s["buy_box"]["we_win"] is True
    shares = buy_box(offers + [{"seller": "(our offer)", "price": 10.0, "shipping": 0.0, "seller_rating": 4.5,
                                "fulfillment": "marketplace"}])
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares["(our offer)"] > shares["B"] > shares["A"]


def test_demo_scan_of_sku_001(make_ctx):
    result = competitor.run(make_ctx("competitor_scan"), CompetitorParams(skus=["SKU-001"], marketplace="amazon_us"))
    row = result["skus"][0]
    assert sorted(o["price"] for o in row["offers"]) == [13.99, 14.49, 15.99]
    assert row["our_price"] == 14.99 and row["offer_count"] == 3
    cheaper = sum(1 for o in row["offers"] if o["landed_price"] < 14.99)
    assert row["our_rank"] == cheaper + 1


def test_scan_is_stored_and_used_by_pricing(make_ctx, provider, monkeypatch):
    cheap = [{"seller": "Undercutter", "price": 10.0, "shipping": 0.0, "seller_rating": 4.8,
              "fulfillment": "marketplace"}]
    monkeypatch.setattr(provider, "market_offers", lambda tenant, mp, skus: {s: cheap for s in skus})
    competitor.run(make_ctx("competitor_scan", job_id="job-scan"), CompetitorParams(skus=["SKU-002"]))
    assert provider.latest_competitor_scans("demo", "amazon_us", ["SKU-002"])["SKU-002"]["job_id"] == "job-scan"
    rec = pricing.run(make_ctx("pricing_recalculate"), pricing.PricingParams(skus=["SKU-002"]))["recommendations"][0]
    # 8.99 is inside the band around 10.00 (8.50..11.50): the optimum stands.
    assert rec["recommended_price"] == 8.99
    cheap[0]["price"] = 6.0  # band 5.10..6.90 is out of reach of a 10% step from 8.99: dropped, noted
    competitor.run(make_ctx("competitor_scan", job_id="job-scan-2"), CompetitorParams(skus=["SKU-002"]))
    rec = pricing.run(make_ctx("pricing_recalculate"), pricing.PricingParams(skus=["SKU-002"]))["recommendations"][0]
    assert rec["recommended_price"] == 8.99


def connector_app(fail_times: dict) -> FastAPI:
    app = FastAPI()
    calls = {"n": 0}

    @app.get("/offers")
    def offers(sku: str, marketplace: str, tenant: str):
        calls["n"] += 1
        if calls["n"] <= fail_times.get("first", 0) or fail_times.get("always"):
            return JSONResponse({"error": "overloaded"}, 503)
        if sku == "SKU-003":
            return JSONResponse({"error": "unknown"}, 404)
        return {"offers": [{"seller": f"{marketplace}-shop", "price": 7.5, "shipping": 1.0},
                           {"seller": "cheapest", "price": 6.25}]}
    app.state.calls = calls
    return app


def test_http_connector_with_retry(make_ctx):
    app = connector_app({"first": 1})
    with serve_app(app) as url:
        settings = Settings(marketplace_connectors={"walmart_us": {"type": "http", "base_url": url}})
        result = competitor.run(make_ctx("competitor_scan", settings=settings),
                                CompetitorParams(skus=["SKU-001", "SKU-003"], marketplace="walmart_us"))
    first, third = result["skus"]
    assert [o["seller"] for o in first["offers"]] == ["cheapest", "walmart_us-shop"]
    assert first["lowest_price"] == 6.25 and first["offers"][1]["landed_price"] == 8.5
    assert third["offer_count"] == 0 and third["lowest_price"] is None and third["our_rank"] == 1
    assert app.state.calls["n"] == 3  # one 503, retried, then two SKUs


def test_http_connector_down_is_retryable(make_ctx):
    with serve_app(connector_app({"always": True})) as url:
        settings = Settings(marketplace_connectors={"*": {"type": "http", "base_url": url, "max_retries": 1}})
        with pytest.raises(JobError) as err:
            competitor.run(make_ctx("competitor_scan", settings=settings), CompetitorParams(skus=["SKU-001"]))
    assert err.value.code == "CONNECTOR_UNAVAILABLE" and err.value.retryable
