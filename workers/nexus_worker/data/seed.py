"""The demo dataset: a deterministic, realistic catalogue for a tenant (default `demo`, SKU-001…SKU-050).

Values come from a fixed-seed generator so every install holds the same data and tests can state exact
expectations. Demand follows a constant-elasticity curve with noise, so the pricing method has a true
elasticity to recover; two SKUs carry planted return anomalies for the anomaly detector to find.
"""
from __future__ import annotations

import json
import math
import random
from datetime import date, timedelta

from .catalog import CATEGORIES, COMPETITOR_SELLERS, MARKETPLACES, OUR_BRANDS, RETURN_CODES, RETURN_TEXTS

LAST_WEEK = date(2026, 3, 2)  # Monday of the most recent week of sales history
WEEKS = 26
SCANNED_AT = "2026-03-08T12:00:00Z"

# SKUs the spec's examples use, pinned so the examples give sensible answers:
# SKU-001 sells well below its current price (elastic), SKU-002 is priced at its optimum.
PINNED = {
    "SKU-001": {"price": 14.99, "cost": 10.12, "elasticity": -5.0, "category": "phone charger",
                "competitors": [13.99, 14.49, 15.99]},
    "SKU-002": {"price": 8.99, "cost": 5.99, "elasticity": -3.0, "category": "running socks",
                "competitors": [8.49, 9.49, 9.99, 10.49]},
}
# Planted return anomalies (amazon_us): a defect spike and a shift towards size/fit complaints.
ANOMALY_DEFECT_SKU = "SKU-007"
ANOMALY_MIX_SKU = "SKU-013"
NEW_SKUS = {"SKU-049", "SKU-050"}   # only five weeks of history: low-confidence pricing
FLAT_PRICE_SKU = "SKU-048"           # never changed price: elasticity cannot be estimated


def _ending99(x: float) -> float:
    return round(max(0.99, math.floor(x) + 0.99 if x - math.floor(x) > 0.5 else math.floor(x) - 0.01), 2)


def _weeks() -> list[date]:
    return [LAST_WEEK - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]


def seed_tenant(provider, tenant: str = "demo", n_skus: int = 50, reviews_per_sku: int = 24,
                seed: int = 20260312) -> None:
    """Writes the dataset for `tenant` into a SqliteProvider (replacing nothing: call on an empty tenant)."""
    rng = random.Random(f"{seed}:{tenant}")
    rows: dict[str, list[tuple]] = {k: [] for k in (
        "products", "sales_weekly", "reviews", "returns", "market_offers", "competitor_scans", "listings",
        "search_terms")}
    categories = list(CATEGORIES)
    weeks = _weeks()
    for mp in MARKETPLACES:
        for cat, spec in CATEGORIES.items():
            for term, vol in spec["terms"]:
                rows["search_terms"].append((tenant, mp, cat, term, vol if mp == "amazon_us" else vol // 3))

    review_no = 0
    return_no = 0
    for i in range(1, n_skus + 1):
        sku = f"SKU-{i:03d}"
        pin = PINNED.get(sku) if tenant == "demo" else None
        cat = pin["category"] if pin else categories[(i - 1) % len(categories)]
        spec = CATEGORIES[cat]
        brand = OUR_BRANDS[(i - 1) % len(OUR_BRANDS)]
        variant = ["", " - Black", " - 2 Pack", " Pro", " Lite", " - Blue"][i % 6]
        title_core = f"{brand} {spec['noun']}{variant}"
        if pin:
            cost, elasticity, base_price = pin["cost"], pin["elasticity"], pin["price"]
        else:
            cost = round(rng.uniform(*spec["cost"]), 2)
            elasticity = round(rng.uniform(-4.5, -1.3), 2)
            optimum = cost * elasticity / (1 + elasticity)
            base_price = _ending99(optimum * rng.uniform(0.85, 1.2))
            if base_price <= cost * 1.1:
                base_price = _ending99(cost * 1.4)
        base_units = rng.uniform(60, 400)
        quality = rng.uniform(0.55, 0.95)  # share of happy customers, drives ratings and review tone
        base_return_rate = rng.uniform(0.02, 0.06)
        reason_mix = {c: rng.uniform(0.2, 1.0) for c in RETURN_CODES}
        reason_mix["defective"] *= 2.5 * (1.0 - quality) + 0.3
        for mp_index, mp in enumerate(MARKETPLACES):
            price = base_price if mp_index == 0 else _ending99(base_price * 1.03)
            fulfillment = "marketplace" if (i + mp_index) % 3 else "merchant"
            rating = round(3.9 + 0.9 * quality, 1)
            rows["products"].append((tenant, mp, sku, title_core, brand, cat, price, cost, "USD", rating, fulfillment))
            hist_weeks = weeks[-5:] if sku in NEW_SKUS else weeks
            mp_units = base_units * (1.0 if mp_index == 0 else 0.45)
            week_units: list[int] = []
            for w_i, week in enumerate(hist_weeks):
                last = w_i == len(hist_weeks) - 1
                if sku == FLAT_PRICE_SKU or last:
                    factor = 1.0
                else:
                    factor = rng.choice([1.0, 1.0, 1.0, 0.9, 0.85, 0.95, 1.05, 1.1])
                p = round(price * factor, 2)
                units = max(0, round(mp_units * (p / price) ** elasticity * math.exp(rng.gauss(0, 0.05))))
                week_units.append(units)
                rows["sales_weekly"].append((tenant, mp, sku, week.isoformat(), p, units))
                # Returns of this week's orders, with the SKU's usual reason mix unless an anomaly is planted.
                rate, mix = base_return_rate, reason_mix
                recent = w_i >= len(hist_weeks) - 4 and mp == "amazon_us" and tenant == "demo"
                if recent and sku == ANOMALY_DEFECT_SKU:
                    rate, mix = base_return_rate * 3.0, {**reason_mix, "defective": sum(reason_mix.values()) * 2}
                if recent and sku == ANOMALY_MIX_SKU:
                    mix = {**reason_mix, "size_fit": sum(reason_mix.values()) * 1.5}
                n_returns = int(units * rate + rng.random())
                classes, weights = zip(*mix.items())
                for _ in range(n_returns):
                    return_no += 1
                    cls = rng.choices(classes, weights)[0]
                    code = rng.choice(RETURN_CODES[cls])
                    if rng.random() < 0.25:  # buyers often pick a generic code and explain in the text
                        code = rng.choice(RETURN_CODES["other"])
                    text = rng.choice(RETURN_TEXTS[cls])
                    day = week + timedelta(days=rng.randrange(7))
                    rows["returns"].append((tenant, f"RET-{return_no:06d}", mp, sku, day.isoformat(), code, text))
            offers = _offers(rng, price, pin["competitors"] if pin and mp_index == 0 else None)
            for o in offers:
                rows["market_offers"].append((tenant, mp, sku, o["seller"], o["price"], o["shipping"],
                                              o["seller_rating"], o["fulfillment"]))
            rows["competitor_scans"].append((tenant, mp, sku, "seed", SCANNED_AT, json.dumps(offers)))
            rows["listings"].append((tenant, mp, sku, *_listing(i, brand, spec, title_core)))
        for _ in range(reviews_per_sku):
            review_no += 1
            stars, review_title, body = _review(rng, spec, quality)
            day = LAST_WEEK - timedelta(days=rng.randrange(180))
            rows["reviews"].append((tenant, f"REV-{review_no:06d}", sku, rng.choice(MARKETPLACES), stars,
                                    review_title, body, day.isoformat()))

    conn = provider.conn
    with conn:
        for table, values in rows.items():
            if values:
                conn.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(values[0]))})", values)


def _offers(rng: random.Random, our_price: float, pinned: list[float] | None) -> list[dict]:
    prices = pinned or [_ending99(our_price * rng.uniform(0.88, 1.15)) for _ in range(rng.randint(3, 5))]
    sellers = rng.sample(COMPETITOR_SELLERS, len(prices))
    return [{"seller": s, "price": p, "shipping": 0.0 if rng.random() < 0.6 else 4.99,
             "seller_rating": round(rng.uniform(3.6, 4.9), 1),
             "fulfillment": "marketplace" if rng.random() < 0.5 else "merchant"} for s, p in zip(sellers, prices)]


def _listing(i: int, brand: str, spec: dict, title_core: str) -> tuple:
    terms = [t for t, _ in spec["terms"]]
    facts = spec["facts"]
    title = f"{title_core}, {terms[(i + 1) % len(terms)].title()}"
    bullets = facts[: 3 + i % 3]
    description = (f"The {brand} {spec['noun'].lower()} is designed for everyday use. " + " ".join(
        f.rstrip(".") + "." for f in facts[:3]))
    keywords = [terms[i % len(terms)], terms[(i + 3) % len(terms)], spec["noun"].lower()]
    if i % 5 == 0:  # keyword-stuffed, over-long title
        title = (f"{title_core} {spec['noun']} {spec['noun']} " + " ".join(t.title() for t in terms) +
                 " Great Gift Great Value Great Quality For Men Women Kids Teens Adults Home Office Travel Gym")
    if i % 7 == 0:  # shouting and promotional claims marketplaces forbid
        title = title.upper() + " - BEST SELLER!!"
        bullets = [b.upper() for b in bullets] + ["FREE SHIPPING and 100% satisfaction guaranteed"]
    if i % 4 == 0:  # dense, hard-to-read description
        description = ("Utilizing state-of-the-art manufacturing methodologies and incorporating comprehensively "
                       "engineered multifunctional componentry, this extraordinarily versatile " +
                       spec["noun"].lower() + " facilitates unparalleled operational effectiveness "
                       "notwithstanding environmental considerations and accommodates heterogeneous "
                       "utilization requirements simultaneously.")
    return title, json.dumps(bullets), description, json.dumps(keywords)


def _review(rng: random.Random, spec: dict, quality: float) -> tuple[int, str, str]:
    happy = rng.random() < quality
    aspects = rng.sample(list(spec["phrases"]), 2)
    if happy:
        stars = rng.choice([4, 5, 5])
        sentences = [spec["phrases"][aspects[0]][0]]
        sentences.append(spec["phrases"][aspects[1]][0] if rng.random() < 0.8 else
                         "Only complaint: " + spec["phrases"][aspects[1]][1].lower())
        title = rng.choice(["Love it", "Great value", "Exactly what I needed", "Very happy", "Recommended"])
    else:
        stars = rng.choice([1, 2, 2, 3])
        sentences = [spec["phrases"][aspects[0]][1]]
        sentences.append(spec["phrases"][aspects[1]][1] if rng.random() < 0.8 else
                         "To be fair, " + spec["phrases"][aspects[1]][0].lower())
        title = rng.choice(["Disappointed", "Not worth it", "Returned it", "Meh", "Would not buy again"])
    return stars, title, " ".join(sentences)
