"""return_classify: maps return reasons onto a taxonomy and flags SKUs whose returns depart from their baseline.

Classification: each taxonomy class scores 2.0 for a marketplace reason code that names it (generic codes such as
OTHER score nothing) plus the weights of the free-text patterns it matches; the highest score wins, so a clear
text overrides a mis-picked code ("DEFECTIVE" + "box was crushed" is damaged_in_shipping). No signal: `other`.

Anomalies, per SKU, comparing the current window (the last `window_days` up to `as_of`) with the baseline (the
`baseline_days` before it):
- return rate: one-sided two-proportion z-test of returns/units sold, current > baseline;
- reason mix: Pearson chi-square test of homogeneity on the 2 x K table of class counts (current vs baseline).
A test flags when its p-value is below `alpha` divided by the number of tests run (Bonferroni), so the chance of
any false alarm in a job stays below `alpha`. Evidence carries the counts, rates, statistic and p-value, and for
the mix the class with the largest adjusted residual.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from datetime import date, timedelta
from typing import Optional

from pydantic import Field
from scipy import stats

from .base import JobContext, SkuListParams, resolve_products

TAXONOMY = ["defective", "wrong_item", "not_as_described", "size_fit", "damaged_in_shipping", "changed_mind",
            "late_delivery", "other"]
CODE_CLASS = {
    "DEFECTIVE": "defective", "QUALITY_UNACCEPTABLE": "defective", "DOES_NOT_WORK": "defective",
    "WRONG_ITEM_SENT": "wrong_item", "WRONG_ITEM": "wrong_item", "NOT_AS_DESCRIBED": "not_as_described",
    "SIZE_TOO_SMALL": "size_fit", "SIZE_TOO_LARGE": "size_fit", "DOES_NOT_FIT": "size_fit",
    "DAMAGED_BY_CARRIER": "damaged_in_shipping", "DAMAGED_IN_TRANSIT": "damaged_in_shipping",
    "UNWANTED_ITEM": "changed_mind", "NO_LONGER_NEEDED": "changed_mind", "ORDERED_BY_MISTAKE": "changed_mind",
    "BETTER_PRICE_AVAILABLE": "changed_mind", "ARRIVED_LATE": "late_delivery", "MISSED_DELIVERY": "late_delivery",
}
CODE_WEIGHT = 2.0
TEXT_RULES: dict[str, list[tuple[str, float]]] = {
    "defective": [(r"stop(ped|s)? working|quit working|won'?t (turn|switch|power) on|will not (turn|switch) on|"
                   r"does(n'?t| not) work|not working|dead on arrival|\bdoa\b", 3.0),
                  (r"\bbroke\b|\bbroken\b|faulty|defect|malfunction|shuts? off|keeps? (turning|shutting) off|"
                   r"cracked|poor quality|falls? apart|fell apart|\bdied\b|overheat", 2.0)],
    "damaged_in_shipping": [(r"arrived (broken|damaged|cracked|smashed|dented)|damaged in (transit|shipping)|"
                             r"(crushed|torn|damaged) (box|package|packaging)|(box|package|packaging) (was )?"
                             r"(crushed|torn|damaged|open)|shattered in transit|in transit", 3.5),
                            (r"\bdent(ed)?\b|crushed|shattered|smashed", 1.5)],
    "wrong_item": [(r"wrong (item|product|model|colou?r|one) (was )?(sent|shipped|received|delivered)|"
                    r"(received|sent|got|contained) (a |the )?(completely )?(different|wrong)|not what i ordered", 3.5),
                   (r"wrong (colou?r|model|item|product)", 2.0)],
    "not_as_described": [(r"nothing like the (photo|picture|image|description)s?|not as (described|pictured|advertised)|"
                          r"(different|smaller|bigger|larger|cheaper) than (the )?(listing|description|pictured|"
                          r"advertised|photos?|pictures?)|(listing|description) (said|says|claimed)", 3.0),
                         (r"\b(photos?|pictures?|listing|description|described|advertised)\b", 1.5)],
    "size_fit": [(r"too (small|big|large|tight|loose|short|long)|runs? (small|large|big)|"
                  r"does(n'?t| not) fit|wrong size|did(n'?t| not) fit", 3.0),
                 (r"\bsize\b|\bfit\b", 1.0)],
    "changed_mind": [(r"changed? my mind|(do(n'?t| not)|no longer) need|by mistake|accidental(ly)? (order|bought)|"
                      r"found (a )?(it )?cheaper|cheaper elsewhere|better price|ordered (two|twice|too many)", 3.0),
                     (r"\bunwanted\b|not needed|did(n'?t| not) want|do(n'?t| not) want", 1.5)],
    "late_delivery": [(r"arrived (\w+ )?(days?|weeks?) late|took too long|missed the delivery|"
                       r"late delivery|delivery (was )?(late|delayed)|never arrived on time", 3.5),
                      (r"\blate\b|delayed|too long to arrive", 2.0)],
}
_COMPILED = {c: [(re.compile(p, re.I), w) for p, w in rules] for c, rules in TEXT_RULES.items()}


def classify(reason_code: str, reason_text: str) -> tuple[str, float]:
    """(taxonomy class, confidence in 0..1)."""
    scores = Counter()
    code_class = CODE_CLASS.get((reason_code or "").strip().upper())
    if code_class:
        scores[code_class] += CODE_WEIGHT
    for cls, rules in _COMPILED.items():
        for pattern, weight in rules:
            if pattern.search(reason_text or ""):
                scores[cls] += weight
    if not scores:
        return "other", 0.5
    ranked = scores.most_common()
    top = ranked[0][1]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return ranked[0][0], round(top / (top + second + 1.0), 3)


class ReturnParams(SkuListParams):
    as_of: Optional[date] = Field(None, description="end of the current window; default: the latest sales week end")
    window_days: int = Field(28, ge=7, le=365, description="current window, in days up to as_of")
    baseline_days: int = Field(154, ge=14, le=730, description="baseline window before the current one, in days")
    alpha: float = Field(0.05, gt=0.0, lt=0.5, description="family-wise false-alarm rate (Bonferroni)")
    min_current_returns: int = Field(5, ge=1, le=1000, description="fewer current returns than this: no test")
    max_returns_in_result: int = Field(100, ge=0, le=5000, description="classified returns listed in the result")


def rate_test(cur_returns: int, cur_units: int, base_returns: int, base_units: int) -> Optional[float]:
    """One-sided two-proportion z-test p-value for current rate > baseline rate."""
    if cur_units <= 0 or base_units <= 0:
        return None
    pooled = (cur_returns + base_returns) / (cur_units + base_units)
    if pooled <= 0 or pooled >= 1:
        return None
    se = math.sqrt(pooled * (1 - pooled) * (1 / cur_units + 1 / base_units))
    z = (cur_returns / cur_units - base_returns / base_units) / se
    return float(stats.norm.sf(z))


def mix_test(current: Counter, baseline: Counter) -> Optional[dict]:
    """Chi-square test of homogeneity; None when the table has fewer than two non-empty classes."""
    classes = [c for c in TAXONOMY if current[c] + baseline[c] > 0]
    if len(classes) < 2 or sum(baseline.values()) == 0:
        return None
    table = [[current[c] for c in classes], [baseline[c] for c in classes]]
    chi2, p, dof, expected = stats.chi2_contingency(table, correction=False)
    n = sum(map(sum, table))
    row_share = sum(table[0]) / n
    residuals = {}
    for j, c in enumerate(classes):
        col_share = (table[0][j] + table[1][j]) / n
        denom = math.sqrt(expected[0][j] * (1 - row_share) * (1 - col_share))
        residuals[c] = round((table[0][j] - expected[0][j]) / denom, 2) if denom else 0.0
    return {"chi2": round(float(chi2), 2), "dof": int(dof), "p_value": float(p), "adjusted_residuals": residuals}


def run(ctx: JobContext, params: ReturnParams) -> dict:
    products = resolve_products(ctx, params.marketplace, params.skus)
    skus = [p["sku"] for p in products]
    records = ctx.provider.returns(ctx.tenant, params.marketplace, skus)
    history = ctx.provider.sales_history(ctx.tenant, params.marketplace, skus)
    ctx.progress(0.2)
    latest_week = max((w["week_start"] for h in history.values() for w in h), default=None)
    as_of = params.as_of or (date.fromisoformat(latest_week) + timedelta(days=6) if latest_week else date.today())
    cur_start = as_of - timedelta(days=params.window_days - 1)
    base_start = cur_start - timedelta(days=params.baseline_days)

    classified, totals = [], Counter()
    by_sku: dict[str, dict[str, Counter]] = {s: {"current": Counter(), "baseline": Counter(), "all": Counter()}
                                             for s in skus}
    for i, r in enumerate(records):
        cls, conf = classify(r["reason_code"], r["reason_text"])
        classified.append({"return_id": r["return_id"], "sku": r["sku"], "reason_code": r["reason_code"],
                           "reason_text": r["reason_text"], "category": cls, "confidence": conf})
        totals[cls] += 1
        day = date.fromisoformat(r["return_date"])
        buckets = by_sku[r["sku"]]
        buckets["all"][cls] += 1
        if cur_start <= day <= as_of:
            buckets["current"][cls] += 1
        elif base_start <= day < cur_start:
            buckets["baseline"][cls] += 1
        if i % 2000 == 0:
            ctx.check()
    ctx.progress(0.7)

    def units(sku: str, start: date, end: date) -> int:
        return sum(w["units"] for w in history.get(sku, []) if start <= date.fromisoformat(w["week_start"]) <= end)

    candidates = []
    for sku in skus:
        cur, base = by_sku[sku]["current"], by_sku[sku]["baseline"]
        n_cur, n_base = sum(cur.values()), sum(base.values())
        if n_cur < params.min_current_returns:
            continue
        u_cur, u_base = units(sku, cur_start, as_of), units(sku, base_start, cur_start - timedelta(days=1))
        p_rate = rate_test(n_cur, u_cur, n_base, u_base)
        if p_rate is not None:
            candidates.append((sku, "return_rate", p_rate, {
                "current_returns": n_cur, "current_units": u_cur,
                "current_rate": round(n_cur / u_cur, 4) if u_cur else None,
                "baseline_returns": n_base, "baseline_units": u_base,
                "baseline_rate": round(n_base / u_base, 4) if u_base else None}))
        mix = mix_test(cur, base)
        if mix is not None:
            driver = max(mix["adjusted_residuals"].items(), key=lambda kv: kv[1])[0]
            candidates.append((sku, "reason_mix", mix["p_value"], {
                "current_counts": dict(cur), "baseline_counts": dict(base),
                "current_share": {c: round(v / n_cur, 3) for c, v in cur.items()},
                "baseline_share": {c: round(v / n_base, 3) for c, v in base.items()},
                "chi2": mix["chi2"], "dof": mix["dof"], "adjusted_residuals": mix["adjusted_residuals"],
                "driver": driver}))
    threshold = params.alpha / max(1, len(candidates))
    anomalies = []
    for sku, kind, p, evidence in candidates:
        if p < threshold:
            anomalies.append({"sku": sku, "kind": kind, "p_value": float(f"{p:.3g}"), "threshold": float(f"{threshold:.3g}"),
                              "evidence": evidence})
    anomalies.sort(key=lambda a: a["p_value"])
    ctx.progress(1.0)
    return {
        "classified_count": len(classified),
        "taxonomy_counts": {c: totals[c] for c in TAXONOMY},
        "skus": [{"sku": s, "returns": sum(by_sku[s]["all"].values()), "by_category": dict(by_sku[s]["all"])}
                 for s in skus],
        "returns": classified[: params.max_returns_in_result],
        "returns_truncated": len(classified) > params.max_returns_in_result,
        "anomalies": anomalies,
        "window": {"as_of": as_of.isoformat(), "current_start": cur_start.isoformat(),
                   "baseline_start": base_start.isoformat()},
        "method": {"rate": "one-sided two-proportion z-test", "mix": "chi-square test of homogeneity",
                   "alpha": params.alpha, "correction": "bonferroni", "tests": len(candidates)},
    }
