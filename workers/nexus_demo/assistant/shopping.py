"""Answers shopping questions from the demo catalog.

The question is read for a category (its name, product noun or a search term, singular or plural), a
marketplace (Amazon, Walmart, eBay; none named = all), a budget ("under $20") and what is asked for:
brands ("which brands…"), value for money ("value", "cheap", "affordable") or the best products. The answer
lists at most MAX_ITEMS products, competitor sellers or brands, ranked by the data:
  best    rating, then units sold over the latest weeks, then lower price
  value   rating per dollar of the lowest landed price
  brands  as best, with a brand's products averaged
Ties end in name order, so an answer depends only on the question and the data.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Optional

from nexus_worker.jobs.llm_visibility import MARKET_NAMES
from .catalog import ALL_MARKETPLACES, RECENT_WEEKS, Choice, DemoCatalog

MAX_ITEMS = 5
_BUDGET = re.compile(r"(?:under|below|less than|cheaper than|up to|at most|max(?:imum)?(?: of)?)\s*\$\s?"
                     r"(\d+(?:\.\d{1,2})?)", re.I)
_BRANDS = re.compile(r"\bbrands?\b", re.I)
_VALUE = re.compile(r"\bvalue\b|\bcheap(?:est)?\b|\baffordable\b|\bbang for\b", re.I)


@dataclass(frozen=True)
class Question:
    category: Optional[str]
    marketplaces: list[str]
    budget: Optional[float]
    intent: str  # best | value | brands


def _term_pattern(term: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(term)}(?:e?s)?(?!\w)", re.I)


def understand(prompt: str, vocabulary: dict[str, set[str]]) -> Question:
    best: tuple = ()
    category = None
    for cat in sorted(vocabulary):
        hits = [t for t in vocabulary[cat] if _term_pattern(t).search(prompt)]
        if hits:
            strength = (max(map(len, hits)), len(hits))  # the most specific term wins
            if strength > best:
                best, category = strength, cat
    named = [mp for mp, name in MARKET_NAMES.items() if re.search(rf"(?<!\w){name}(?!\w)", prompt, re.I)]
    budget = _BUDGET.search(prompt)
    intent = "brands" if _BRANDS.search(prompt) else "value" if _VALUE.search(prompt) else "best"
    return Question(category, named or list(ALL_MARKETPLACES), float(budget.group(1)) if budget else None, intent)


def rank(choices: list[Choice], intent: str) -> list[Choice]:
    if intent == "brands":
        choices = _by_brand(choices)
    if intent == "value":
        return sorted(choices, key=lambda c: (-round(c.rating / c.price, 4) if c.price else 0, c.name))
    return sorted(choices, key=lambda c: (-c.rating, -c.units, c.price, c.name))


def _by_brand(choices: list[Choice]) -> list[Choice]:
    groups: dict[str, list[Choice]] = defaultdict(list)
    for c in choices:
        if c.kind == "product":
            groups[c.brand].append(c)
    brands = [Choice(name=b, kind="brand", rating=round(sum(c.rating for c in cs) / len(cs), 2),
                     price=min(c.price for c in cs), units=sum(c.units for c in cs), count=len(cs), brand=b)
              for b, cs in groups.items()]
    return brands + [c for c in choices if c.kind == "seller"]


def _line(i: int, c: Choice, category: str) -> str:
    if c.kind == "product":
        return (f"{i}. {c.name} — rated {c.rating:.1f}/5, ${c.price:.2f}, about {c.units} sold in the last "
                f"{RECENT_WEEKS} weeks")
    if c.kind == "brand":
        plural = "" if c.count == 1 else "s"
        return f"{i}. {c.name} — {c.count} {category} product{plural}, rated {c.rating:.2f}/5 on average, from ${c.price:.2f}"
    return f"{i}. {c.name} (seller) — {category} offers from ${c.price:.2f}, seller rating {c.rating:.2f}/5"


def answer(prompt: str, catalog: DemoCatalog) -> str:
    products = catalog.products(list(ALL_MARKETPLACES))
    vocabulary = catalog.vocabulary(products)
    q = understand(prompt, vocabulary)
    if q.category is None:
        return ("I can only recommend products from the demo catalog, which has these categories: "
                + ", ".join(sorted(vocabulary)) + ". Which one are you shopping for?")
    scoped = [p for p in products if p["marketplace"] in q.marketplaces]
    shown = q.marketplaces if len(q.marketplaces) == 1 else sorted({p["marketplace"] for p in scoped})
    where = " and ".join(MARKET_NAMES[mp] for mp in shown) or "any marketplace"
    choices = catalog.choices(scoped, q.category)
    if q.budget is not None:
        choices = [c for c in choices if c.price <= q.budget]
    ranked = rank(choices, q.intent)[:MAX_ITEMS]
    limit = f" under ${q.budget:g}" if q.budget is not None else ""
    if not ranked:
        return f"I could not find any {q.category}{limit} on {where} in the demo catalog."
    intro = {"best": f"Here are the top {q.category} picks{limit} on {where}, by customer rating and recent sales:",
             "value": f"For value for money in {q.category}{limit} on {where}, these give the most rating per dollar:",
             "brands": f"The best-reviewed {q.category} brands and sellers{limit} on {where}:"}[q.intent]
    lines = [_line(i, c, q.category) for i, c in enumerate(ranked, 1)]
    return "\n".join([intro, *lines, "", "Ratings, prices and sales figures come from the demo catalog."])
