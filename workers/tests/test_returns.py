"""return_classify: hand-checked classification, statistics and the planted demo anomalies."""
from __future__ import annotations

from collections import Counter

import pytest

from nexus_worker.jobs import returns
from nexus_worker.jobs.returns import ReturnParams, classify, mix_test, rate_test


@pytest.mark.parametrize("code, text, expected", [
    ("DEFECTIVE", "Stopped working after three days", "defective"),
    ("OTHER", "Will not turn on at all", "defective"),
    ("DEFECTIVE", "Box was crushed and the item is dented", "damaged_in_shipping"),  # text beats a mis-picked code
    ("NO_REASON_GIVEN", "Arrived broken, packaging was torn open", "damaged_in_shipping"),
    ("OTHER", "Received a completely different product", "wrong_item"),
    ("NOT_AS_DESCRIBED", "", "not_as_described"),
    ("OTHER", "Looks nothing like the photos", "not_as_described"),
    ("SIZE_TOO_SMALL", "", "size_fit"),
    ("OTHER", "Runs large, had to send back", "size_fit"),
    ("UNWANTED_ITEM", "Found a cheaper one elsewhere", "changed_mind"),
    ("OTHER", "Changed my mind", "changed_mind"),
    ("OTHER", "Arrived two weeks late, no longer needed", "late_delivery"),
    ("ARRIVED_LATE", "", "late_delivery"),
    ("OTHER", "", "other"),
    ("NO_REASON_GIVEN", "See notes", "other"),
])
def test_classify(code, text, expected):
    assert classify(code, text)[0] == expected


def test_classify_confidence_reflects_agreement():
    agree = classify("DEFECTIVE", "Stopped working after three days")[1]
    conflict = classify("DEFECTIVE", "Box was crushed and the item is dented")[1]
    assert 0 < conflict < agree <= 1


def test_rate_test_by_hand():
    # 30/300 vs 20/1000: pooled 50/1300, se = sqrt(0.036982 · 0.0043333) = 0.012659, z = 0.08/0.012659 = 6.320,
    # one-sided normal tail: 1.31e-10.
    p = rate_test(30, 300, 20, 1000)
    assert p == pytest.approx(1.31e-10, rel=0.01)
    assert rate_test(10, 1000, 10, 1000) == pytest.approx(0.5)


def test_mix_test_by_hand():
    # 2x2 table [[10, 20], [20, 10]]: expected 15 everywhere, chi2 = 4 · 25/15 = 6.667, p = 0.00982 (1 dof).
    out = mix_test(Counter(defective=10, size_fit=20), Counter(defective=20, size_fit=10))
    assert out["chi2"] == pytest.approx(6.67, abs=0.01) and out["dof"] == 1
    assert out["p_value"] == pytest.approx(0.00982, rel=0.01)
    assert out["adjusted_residuals"]["size_fit"] > 0 > out["adjusted_residuals"]["defective"]
    assert mix_test(Counter(defective=5), Counter(defective=9)) is None  # a single class: nothing to compare


def test_demo_flags_exactly_the_planted_anomalies(make_ctx):
    result = returns.run(make_ctx("return_classify"), ReturnParams(marketplace="amazon_us", max_returns_in_result=10))
    found = {(a["sku"], a["kind"]) for a in result["anomalies"]}
    assert found == {("SKU-007", "return_rate"), ("SKU-007", "reason_mix"), ("SKU-013", "reason_mix")}
    by = {(a["sku"], a["kind"]): a for a in result["anomalies"]}
    rate = by[("SKU-007", "return_rate")]["evidence"]
    assert rate["current_rate"] > 2 * rate["baseline_rate"]
    assert by[("SKU-007", "reason_mix")]["evidence"]["driver"] == "defective"
    assert by[("SKU-013", "reason_mix")]["evidence"]["driver"] == "size_fit"
    assert all(a["p_value"] < a["threshold"] == pytest.approx(0.05 / result["method"]["tests"], rel=0.01)
               for a in result["anomalies"])
    assert result["window"] == {"as_of": "2026-03-08", "current_start": "2026-02-09", "baseline_start": "2025-09-08"}
    assert sum(result["taxonomy_counts"].values()) == result["classified_count"] == \
        sum(s["returns"] for s in result["skus"])
    assert len(result["returns"]) == 10 and result["returns_truncated"]


def test_walmart_has_no_anomalies(make_ctx):
    result = returns.run(make_ctx("return_classify"), ReturnParams(marketplace="walmart_us"))
    assert result["anomalies"] == [] and result["classified_count"] > 0
