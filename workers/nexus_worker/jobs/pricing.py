"""pricing_recalculate: profit-maximising prices from estimated price elasticity, within guardrails.

Method, per SKU:
1. Elasticity: ordinary least squares on log(units) = a + e·log(price) over the weekly sales history (weeks
   with sales). Needs >= MIN_WEEKS weeks and a price spread (std of log price) >= MIN_LOG_PRICE_SD; otherwise,
   or when the fit slopes upwards (demand rising with price: confounded data), the category-agnostic
   PRIOR_ELASTICITY is used only to value guardrail moves: the price is kept unless a guardrail forces it.
2. Optimum: with constant elasticity e < -1, profit (p - cost)·p^e peaks at p* = cost·e/(1+e); with e >= -1
   profit grows with price, so the upper guardrail binds.
3. Guardrails, in order of precedence: a minimum margin over cost, a maximum change per run, then a band
   around the lowest landed competitor price from the latest competitor scan (dropped when it cannot be met).
4. A change is recommended only when the expected profit uplift is at least `min_uplift`; otherwise the current
   price is kept ("Current price is already optimal").
5. Confidence = 0.3 + 0.65·sufficiency·spread·R², where sufficiency = min(1, weeks/20) and
   spread = min(1, sd(log price)/0.06); with the prior it is at most 0.25·sufficiency.
`apply: true` writes the price through the data provider once per (SKU, job id): a retried attempt reports the
change it already made instead of moving the price again.
"""
from __future__ import annotations

import math

import numpy as np
from pydantic import Field

from .base import JobContext, SkuListParams, resolve_products

MIN_WEEKS = 8
MIN_LOG_PRICE_SD = 0.02
PRIOR_ELASTICITY = -2.0
ALREADY_OPTIMAL = "Current price is already optimal"


class PricingParams(SkuListParams):
    apply: bool = Field(False, description="write recommended prices through the data provider")
    min_margin: float = Field(0.15, ge=0.0, le=5.0, description="minimum margin over cost, as a fraction of cost")
    max_change: float = Field(0.10, gt=0.0, le=0.5, description="maximum price change per run, as a fraction")
    competitor_band: float = Field(0.15, gt=0.0, le=1.0,
                                   description="allowed distance from the lowest competitor price, as a fraction")
    min_uplift: float = Field(0.01, ge=0.0, le=1.0, description="minimum expected profit uplift to change a price")


def fit_elasticity(history: list[dict]) -> dict | None:
    """Log-log OLS fit; None when the history cannot identify an elasticity."""
    weeks = [w for w in history if w["units"] > 0 and w["price"] > 0]
    if len(weeks) < MIN_WEEKS:
        return None
    x = np.log([w["price"] for w in weeks])
    y = np.log([w["units"] for w in weeks])
    sd = float(np.std(x))
    if sd < MIN_LOG_PRICE_SD:
        return None
    slope, intercept = np.polyfit(x, y, 1)
    residuals = y - (intercept + slope * x)
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum(residuals ** 2)) / ss_tot if ss_tot > 0 else 0.0
    if slope >= 0:
        return None
    return {"elasticity": float(slope), "r2": max(0.0, r2), "weeks": len(weeks), "log_price_sd": sd}


def relative_profit(price: float, current: float, cost: float, elasticity: float) -> float:
    """Profit at `price` relative to profit at `current`, under constant elasticity."""
    return (price - cost) * (price / current) ** elasticity


def recommend(product: dict, history: list[dict], lowest_competitor: float | None, p: PricingParams) -> dict:
    current, cost = float(product["price"]), float(product["cost"])
    fit = fit_elasticity(history)
    weeks = len([w for w in history if w["units"] > 0])
    sufficiency = min(1.0, weeks / 20)
    notes: list[str] = []
    if fit:
        e = fit["elasticity"]
        confidence = 0.3 + 0.65 * sufficiency * min(1.0, fit["log_price_sd"] / 0.06) * fit["r2"]
        notes.append(f"estimated price elasticity {e:.2f} (R² {fit['r2']:.2f}, {fit['weeks']} weeks)")
    else:
        e = PRIOR_ELASTICITY
        confidence = max(0.05, 0.25 * sufficiency)
        why = "too little sales history" if weeks < MIN_WEEKS else "no usable price variation in the history"
        notes.append(f"{why} to estimate elasticity")

    floor = cost * (1 + p.min_margin)
    lo, lo_why = current * (1 - p.max_change), "maximum change per run"
    hi, hi_why = current * (1 + p.max_change), "maximum change per run"
    if floor > lo:
        lo, lo_why = floor, f"{p.min_margin:.0%} minimum margin"
    if lo > hi:  # the margin floor is out of reach in one step: move up as far as allowed
        lo = hi
        notes.append(f"price is below the {p.min_margin:.0%} margin floor {floor:.2f}")
    if lowest_competitor:
        c_lo, c_hi = lowest_competitor * (1 - p.competitor_band), lowest_competitor * (1 + p.competitor_band)
        if max(lo, c_lo) <= min(hi, c_hi):
            if c_lo > lo:
                lo, lo_why = c_lo, f"band around the lowest competitor price {lowest_competitor:.2f}"
            if c_hi < hi:
                hi, hi_why = c_hi, f"band around the lowest competitor price {lowest_competitor:.2f}"
        else:
            notes.append(f"competitor band around {lowest_competitor:.2f} not reachable within guardrails")

    if fit:
        optimum = cost * e / (1 + e) if e < -1 else math.inf
    else:  # without an estimate the price only moves when a guardrail requires it
        optimum = current
    target = min(max(optimum, lo), hi)
    # Cents inside the bounds: round, then pull back in if rounding crossed a bound.
    target = round(target, 2)
    if target > hi:
        target = math.floor(hi * 100) / 100
    if target < lo:
        target = math.ceil(lo * 100) / 100

    in_bounds = lo - 0.005 <= current <= hi + 0.005
    base_profit = relative_profit(current, current, cost, e)
    uplift = (relative_profit(target, current, cost, e) - base_profit) / abs(base_profit) if base_profit else 1.0
    if in_bounds and (uplift < p.min_uplift or abs(target - current) < 0.01):
        return {"recommended_price": round(current, 2), "confidence": round(min(confidence, 0.99), 2),
                "reasoning": ALREADY_OPTIMAL if fit else f"Keeping the current price: {notes[0]}"}

    if optimum == math.inf:
        notes.append("demand is inelastic, so profit rises with price up to the guardrail")
    elif fit:
        notes.append(f"profit-maximising price {optimum:.2f}")
    if target > optimum + 0.01:
        notes.append(f"held up by the {lo_why}")
    elif target < optimum - 0.01:
        notes.append(f"capped by the {hi_why}")
    notes.append(f"expected profit {uplift:+.1%}")
    text = "; ".join(notes)
    return {"recommended_price": target, "confidence": round(min(confidence, 0.99), 2),
            "reasoning": text[:1].upper() + text[1:]}


def run(ctx: JobContext, params: PricingParams) -> dict:
    products = resolve_products(ctx, params.marketplace, params.skus)
    skus = [pr["sku"] for pr in products]
    history = ctx.provider.sales_history(ctx.tenant, params.marketplace, skus)
    scans = ctx.provider.latest_competitor_scans(ctx.tenant, params.marketplace, skus)
    recommendations, updated = [], 0
    for i, product in enumerate(products):
        sku = product["sku"]
        done = ctx.provider.price_change(ctx.tenant, params.marketplace, sku, ctx.job_id) if params.apply else None
        if done:  # a previous attempt of this job already applied it
            product = {**product, "price": done["old_price"]}
        offers = scans.get(sku, {}).get("offers", [])
        lowest = min((o["price"] + o.get("shipping", 0.0) for o in offers), default=None)
        rec = recommend(product, history.get(sku, []), lowest, params)
        current = round(float(product["price"]), 2)
        changed = rec["recommended_price"] != current
        applied = False
        if done:
            rec["recommended_price"], applied = round(done["new_price"], 2), True
        elif changed and params.apply:
            ctx.provider.apply_price(ctx.tenant, params.marketplace, sku, rec["recommended_price"], ctx.job_id)
            applied = True
        updated += 1 if changed or done else 0
        recommendations.append({"sku": sku, "current_price": current, "recommended_price": rec["recommended_price"],
                                "confidence": rec["confidence"], "reasoning": rec["reasoning"], "applied": applied})
        ctx.progress((i + 1) / len(products))
    return {"processed_count": len(recommendations), "updated_count": updated, "recommendations": recommendations}
