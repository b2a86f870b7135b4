"""llm_visibility_score: how visible our products are in shopping answers of LLM assistants.

Per SKU, unbranded shopping prompts are built from its category, price and marketplace. Each configured
assistant (OpenAI-compatible chat completions) answers every prompt. In an answer, a mention is our brand or the
product's title core (brand + product noun) appearing as whole words. The rank is the position of the first list
item (numbered or bulleted line) that mentions us; an answer without a list ranks mentions by sentence order.
Prompt score: rank 1 → 100, 2 → 85, 3 → 70, 4 → 60, 5 → 50, later → 40, mentioned without a position → 30,
absent → 0. Per assistant: the mean prompt score per SKU; overall: the mean over the assistants that answered.
A failing assistant is reported in `errors` and left out (partial result); when none answers the job fails
(retryable).
"""
from __future__ import annotations

import re
from typing import Optional

import httpx
from pydantic import Field

from .base import AssistantName, JobContext, JobError, SkuId, SkuListParams, resolve_products, sku_list
from .llm_client import LlmError, chat, configured_providers

RANK_SCORES = {1: 100, 2: 85, 3: 70, 4: 60, 5: 50}
LATER_RANK_SCORE = 40
UNRANKED_MENTION_SCORE = 30
SYSTEM_PROMPT = "You are a helpful shopping assistant. Recommend specific products and brands, as a numbered list."
PROMPT_TEMPLATES = [
    "What are the best {category} to buy on {market}?",
    "I need {article} {category} for under ${budget}. Which ones do you recommend?",
    "Which {category} brands have the best reviews right now?",
    "Compare the top {category} for value for money.",
]
MARKET_NAMES = {"amazon_us": "Amazon", "walmart_us": "Walmart", "ebay_us": "eBay"}
_LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+")


class VisibilityParams(SkuListParams):
    skus: Optional[list[SkuId]] = sku_list(500)
    prompts_per_sku: int = Field(3, ge=1, le=len(PROMPT_TEMPLATES), description="shopping prompts asked per SKU")
    providers: Optional[list[AssistantName]] = Field(None, min_items=1, max_items=16,
                                                     description="assistant names; default: all configured")


def build_prompts(product: dict, marketplace: str, n: int) -> list[str]:
    category = product["category"]
    budget = int(round(float(product["price"]) * 1.25 + 0.5))
    article = "an" if category[:1].lower() in "aeiou" else "a"
    values = {"category": category, "market": MARKET_NAMES.get(marketplace, marketplace), "budget": budget,
              "article": article}
    return [t.format(**values) for t in PROMPT_TEMPLATES[:n]]


def _mention_patterns(product: dict) -> list[re.Pattern]:
    brand = product["brand"].strip()
    core = re.split(r"[-,(]", product["title"])[0].strip()
    return [re.compile(rf"(?<![\w]){re.escape(term)}(?![\w])", re.I) for term in {brand, core} if term]


def find_rank(answer: str, product: dict) -> tuple[bool, Optional[int]]:
    """(mentioned, rank). The rank is 1-based among list items, else among sentences."""
    patterns = _mention_patterns(product)

    def hit(text: str) -> bool:
        return any(p.search(text) for p in patterns)

    if not hit(answer):
        return False, None
    items = [line for line in answer.splitlines() if _LIST_ITEM.match(line)]
    if items:
        for i, item in enumerate(items, 1):
            if hit(item):
                return True, i
        return True, None  # mentioned only outside the list
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", answer) if s.strip()]
    for i, sentence in enumerate(sentences, 1):
        if hit(sentence):
            return True, i
    return True, None


def prompt_score(mentioned: bool, rank: Optional[int]) -> int:
    if not mentioned:
        return 0
    if rank is None:
        return UNRANKED_MENTION_SCORE
    return RANK_SCORES.get(rank, LATER_RANK_SCORE)


def run(ctx: JobContext, params: VisibilityParams) -> dict:
    providers = configured_providers(ctx.settings, params.providers)
    if not providers:
        raise JobError("LLM_NOT_CONFIGURED", "no LLM assistant is configured for this worker"
                       + (f" with names {params.providers}" if params.providers else ""), retryable=False)
    products = resolve_products(ctx, params.marketplace, params.skus)
    work = len(products) * len(providers)
    done = 0
    errors: dict[str, str] = {}
    per_sku: dict[str, dict] = {p["sku"]: {"sku": p["sku"], "brand": p["brand"], "assistants": {}} for p in products}
    with httpx.Client() as client:
        for provider in providers:
            for product in products:
                if provider.name in errors:
                    break
                prompts = build_prompts(product, params.marketplace, params.prompts_per_sku)
                answers = []
                try:
                    for prompt in prompts:
                        text = chat(ctx, provider, SYSTEM_PROMPT, prompt, client)
                        mentioned, rank = find_rank(text, product)
                        answers.append({"prompt": prompt, "mentioned": mentioned, "rank": rank,
                                        "score": prompt_score(mentioned, rank)})
                except LlmError as exc:
                    errors[provider.name] = str(exc)
                    break
                scores = [a["score"] for a in answers]
                ranks = [a["rank"] for a in answers if a["rank"] is not None]
                per_sku[product["sku"]]["assistants"][provider.name] = {
                    "score": round(sum(scores) / len(scores), 1),
                    "mentions": sum(1 for a in answers if a["mentioned"]), "prompts": len(answers),
                    "best_rank": min(ranks) if ranks else None, "answers": answers}
                done += 1
                ctx.progress(done / work)
    answered = [p.name for p in providers if p.name not in errors]
    if not answered:
        raise JobError("LLM_UNAVAILABLE", "no assistant answered: " + "; ".join(errors.values()), retryable=True)
    skus = []
    for row in per_sku.values():
        # An assistant that failed part-way is excluded everywhere, so every SKU is scored on the same set.
        row["assistants"] = {k: v for k, v in row["assistants"].items() if k in answered}
        vals = [v["score"] for v in row["assistants"].values()]
        row["overall_score"] = round(sum(vals) / len(vals), 1) if vals else None
        skus.append(row)
    assistant_scores = {name: round(sum(r["assistants"][name]["score"] for r in skus) / len(skus), 1)
                        for name in answered}
    overall = round(sum(assistant_scores.values()) / len(assistant_scores), 1)
    return {"overall_score": overall, "assistant_scores": assistant_scores, "skus": skus,
            "assistants": answered, "errors": [{"assistant": k, "message": v} for k, v in errors.items()],
            "partial": bool(errors)}
