"""pricing_recalculate: hand-checked elasticity fits, guardrails and idempotent apply."""
from __future__ import annotations

import math

import pytest

from nexus_worker.jobs import pricing
from nexus_worker.jobs.pricing import PricingParams, fit_elasticity, recommend


def history(elasticity: float, prices: list[float], scale: float = 1000.0) -> list[dict]:
    return [{"week_start": f"2025-01-{i + 1:02d}", "price": p, "units": round(scale * 100 * (p / 10) ** elasticity)}
            for i, p in enumerate(prices)]


PRICES = [10, 9, 11, 10, 8.5, 10, 9.5, 10.5, 10, 9, 11, 10]


def test_fit_recovers_a_known_elasticity():
    fit = fit_elasticity(history(-3.0, PRICES))
    assert fit["elasticity"] == pytest.approx(-3.0, abs=0.01)
    assert fit["r2"] == pytest.approx(1.0, abs=1e-4)
    assert fit["weeks"] == 12


def test_fit_refuses_short_or_flat_history():
    assert fit_elasticity(history(-3.0, PRICES[:7])) is None          # fewer than 8 weeks
    assert fit_elasticity(history(-3.0, [10.0] * 12)) is None         # no price variation
    assert fit_elasticity(history(+1.0, PRICES)) is None              # demand rising with price


def product(price: float, cost: float) -> dict:
    return {"sku": "X", "price": price, "cost": cost}


def test_optimum_inside_guardrails():
    # e = -3, cost 6: p* = 6 * -3 / -2 = 9.00, exactly the 10% step down from 10.00.
    # Profit (9-6)·(0.9)^-3 = 4.115 vs (10-6) = 4: +2.9%.
    rec = recommend(product(10.0, 6.0), history(-3.0, PRICES), None, PricingParams())
    assert rec["recommended_price"] == 9.0
    assert "profit-maximising price 9.00" in rec["reasoning"] and "+2.9%" in rec["reasoning"]
    # 12 weeks of a perfect fit with enough price spread: 0.3 + 0.65 · (12/20) · 1 · 1 = 0.69.
    assert rec["confidence"] == 0.69


def test_max_change_caps_a_far_optimum():
    # e = -1.5, cost 5: p* = 15, but one run may move at most +10%: 11.00.
    rec = recommend(product(10.0, 5.0), history(-1.5, PRICES), None, PricingParams())
    assert rec["recommended_price"] == 11.0
    assert "capped by the maximum change per run" in rec["reasoning"]


def test_competitor_band_caps_the_price():
    # Same as above with the lowest competitor at 9.50: at most 9.50 · 1.15 = 10.925 -> 10.92.
    rec = recommend(product(10.0, 5.0), history(-1.5, PRICES), 9.5, PricingParams())
    assert rec["recommended_price"] == 10.92
    assert "lowest competitor price 9.50" in rec["reasoning"]


def test_margin_floor_wins():
    # e = -6, cost 9: p* = 10.80 — but a price of 10 is under the 15% floor (10.35) anyway; the floor holds it up
    # even with a competitor at 8 (band 6.80..9.20 is unreachable and is dropped).
    rec = recommend(product(10.0, 9.0), history(-6.0, PRICES), 8.0, PricingParams())
    assert rec["recommended_price"] == 10.8
    rec = recommend(product(10.0, 9.5), history(-20.0, PRICES), 8.0, PricingParams())
    assert rec["recommended_price"] == math.ceil(9.5 * 1.15 * 100) / 100 == 10.93
    assert "held up by the 15% minimum margin" in rec["reasoning"]


def test_small_uplift_keeps_the_price():
    # e = -3, cost 6, current 9.05: optimum 9.00 gains far less than 1% -> keep.
    rec = recommend(product(9.05, 6.0), history(-3.0, PRICES), None, PricingParams())
    assert rec == {"recommended_price": 9.05, "confidence": rec["confidence"], "reasoning": "Current price is already optimal"}


def test_without_an_estimate_the_price_stays():
    rec = recommend(product(10.0, 6.0), history(-3.0, PRICES[:5]), None, PricingParams())
    assert rec["recommended_price"] == 10.0 and rec["confidence"] <= 0.1
    assert rec["reasoning"].startswith("Keeping the current price: too little sales history")


def test_demo_data_matches_the_spec_example(make_ctx):
    result = pricing.run(make_ctx("pricing_recalculate"),
                         PricingParams(skus=["SKU-001", "SKU-002"], marketplace="amazon_us", apply=False))
    assert result["processed_count"] == 2 and result["updated_count"] == 1
    first, second = result["recommendations"]
    assert (first["sku"], first["current_price"], first["recommended_price"], first["applied"]) == \
           ("SKU-001", 14.99, 13.5, False)   # elastic demand: down by the 10% step (13.491 rounded up to stay in it)
    assert (second["sku"], second["current_price"], second["recommended_price"]) == ("SKU-002", 8.99, 8.99)
    assert second["reasoning"] == "Current price is already optimal"
    assert 0.8 <= second["confidence"] <= 0.99


def test_apply_writes_once_per_job(make_ctx, provider):
    params = PricingParams(skus=["SKU-001"], apply=True)
    first = pricing.run(make_ctx("pricing_recalculate", job_id="job-a"), params)["recommendations"][0]
    assert first["applied"] is True and first["recommended_price"] == 13.5
    assert provider.products("demo", "amazon_us", ["SKU-001"])[0]["price"] == 13.5
    # A retried attempt of the same job reports the same change and does not move the price again.
    retry = pricing.run(make_ctx("pricing_recalculate", job_id="job-a", attempt=2), params)["recommendations"][0]
    assert retry == first
    assert provider.products("demo", "amazon_us", ["SKU-001"])[0]["price"] == 13.5
    # A new job starts from the new price.
    later = pricing.run(make_ctx("pricing_recalculate", job_id="job-b"), params)["recommendations"][0]
    assert later["current_price"] == 13.5
    # Another marketplace's price is untouched.
    assert provider.products("demo", "walmart_us", ["SKU-001"])[0]["price"] != 13.5


def test_all_skus_when_none_given(make_ctx):
    result = pricing.run(make_ctx("pricing_recalculate"), PricingParams())
    assert result["processed_count"] == 50
    by_sku = {r["sku"]: r for r in result["recommendations"]}
    assert by_sku["SKU-048"]["reasoning"].startswith("Keeping the current price: no usable price variation")
    assert by_sku["SKU-050"]["confidence"] < 0.1
