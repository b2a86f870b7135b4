"""competitor_scan: fetches competitor offers per SKU through the marketplace's connector and stores the scan
(pricing uses the latest one).

Per SKU: offers sorted by landed price (price + shipping), the lowest, our rank by landed price (1 = cheapest,
ties share the better rank) and a buy-box estimate. The estimate scores each offer, ours included, as
0.6·(lowest landed / landed) + 0.25·(seller rating / 5, 0.8 when unknown) + 0.15·(marketplace-fulfilled), and
turns scores into shares with a softmax of temperature 0.1; the highest share is the likely winner.
"""
from __future__ import annotations

import math
from datetime import datetime, timezone

from .base import JobContext, SkuListParams, resolve_products
from .connectors import connector_for

OUR_SELLER = "(our offer)"


class CompetitorParams(SkuListParams):
    pass


def buy_box(offers: list[dict]) -> dict[str, float]:
    landed = {o["seller"]: o["price"] + o["shipping"] for o in offers}
    lowest = min(landed.values())
    scores = {}
    for o in offers:
        rating = o["seller_rating"] / 5 if o.get("seller_rating") is not None else 0.8
        scores[o["seller"]] = (0.6 * lowest / landed[o["seller"]] + 0.25 * rating
                               + 0.15 * (1.0 if o["fulfillment"] == "marketplace" else 0.0))
    top = max(scores.values())
    weights = {s: math.exp((v - top) / 0.1) for s, v in scores.items()}
    total = sum(weights.values())
    return {s: w / total for s, w in weights.items()}


def summarise(product: dict, offers: list[dict]) -> dict:
    ours = {"seller": OUR_SELLER, "price": round(float(product["price"]), 2), "shipping": 0.0,
            "seller_rating": product.get("seller_rating"), "fulfillment": product.get("fulfillment", "merchant")}
    ordered = sorted(offers, key=lambda o: (o["price"] + o["shipping"], o["seller"]))
    our_landed = ours["price"]
    rank = 1 + sum(1 for o in offers if o["price"] + o["shipping"] < our_landed - 1e-9)
    shares = buy_box(offers + [ours])
    winner = max(shares.items(), key=lambda kv: (kv[1], kv[0] == OUR_SELLER))[0]
    lowest = ordered[0] if ordered else None
    return {
        "sku": product["sku"], "our_price": ours["price"], "offer_count": len(offers),
        "offers": [{**o, "landed_price": round(o["price"] + o["shipping"], 2)} for o in ordered],
        "lowest_price": round(lowest["price"] + lowest["shipping"], 2) if lowest else None,
        "lowest_seller": lowest["seller"] if lowest else None,
        "our_rank": rank,
        "buy_box": {"likely_winner": "us" if winner == OUR_SELLER else winner, "we_win": winner == OUR_SELLER,
                    "our_share_estimate": round(shares[OUR_SELLER], 3)},
    }


def run(ctx: JobContext, params: CompetitorParams) -> dict:
    products = resolve_products(ctx, params.marketplace, params.skus)
    connector = connector_for(ctx.settings, params.marketplace)
    scanned_at = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    results = []
    chunk = 50
    for start in range(0, len(products), chunk):
        part = products[start:start + chunk]
        offers = connector.fetch(ctx, params.marketplace, [p["sku"] for p in part])
        for product in part:
            found = offers.get(product["sku"], [])
            ctx.provider.save_competitor_scan(ctx.tenant, params.marketplace, product["sku"], ctx.job_id,
                                              scanned_at, found)
            results.append(summarise(product, found))
        ctx.progress((start + len(part)) / len(products))
    return {"scanned_count": len(results), "marketplace": params.marketplace, "scanned_at": scanned_at,
            "skus": results}
