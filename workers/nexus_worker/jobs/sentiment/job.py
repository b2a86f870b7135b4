"""review_sentiment: scores the SKUs' unscored reviews, stores the scores, aggregates per SKU and aspect."""
from __future__ import annotations


from pydantic import Field

from ..base import JobContext, SkuListParams, marketplace_field, resolve_products
from .analyzer import analyse

SAVE_CHUNK = 500


class SentimentParams(SkuListParams):
    marketplace: str = marketplace_field("marketplace whose catalogue names the SKUs (reviews of all marketplaces count)")
    rescore: bool = Field(False, description="score reviews again even when already scored")
    max_reviews_in_result: int = Field(200, ge=0, le=5000, description="per-review scores listed in the result")
    top_aspects: int = Field(3, ge=1, le=10, description="aspects listed per SKU and sentiment")


def _aspect_summary(totals: dict[str, list[float]], positive: bool, top: int) -> list[dict]:
    """Aspects driving one polarity: ranked by total weight (strength x frequency) of mentions of that polarity."""
    rows = []
    for aspect, values in totals.items():
        same = [v for v in values if (v > 0 if positive else v < 0)]
        if same:
            rows.append({"aspect": aspect, "mentions": len(same), "mean_score": round(sum(same) / len(same), 3),
                         "_weight": abs(sum(same))})
    rows.sort(key=lambda r: (-r["_weight"], r["aspect"]))
    return [{k: v for k, v in r.items() if k != "_weight"} for r in rows[:top]]


def run(ctx: JobContext, params: SentimentParams) -> dict:
    products = resolve_products(ctx, params.marketplace, params.skus)
    skus = [p["sku"] for p in products]
    reviews = ctx.provider.reviews_to_score(ctx.tenant, skus, ctx.job_id, params.rescore)
    scores, per_sku = [], {s: {"labels": {"positive": 0, "negative": 0, "neutral": 0}, "sum": 0.0, "aspects": {}}
                           for s in skus}
    for i, review in enumerate(reviews):
        result = analyse(f"{review['title']}. {review['body']}" if review.get("title") else review["body"])
        scores.append({"review_id": review["review_id"], "sku": review["sku"], "label": result.label,
                       "score": result.score, "aspects": result.aspects})
        agg = per_sku[review["sku"]]
        agg["labels"][result.label] += 1
        agg["sum"] += result.score
        for aspect, s in result.aspects.items():
            agg["aspects"].setdefault(aspect, []).append(s)
        if len(scores) % SAVE_CHUNK == 0:
            ctx.provider.save_review_scores(ctx.tenant, ctx.job_id, scores[-SAVE_CHUNK:])
            ctx.progress((i + 1) / len(reviews))
    if len(scores) % SAVE_CHUNK:
        ctx.provider.save_review_scores(ctx.tenant, ctx.job_id, scores[-(len(scores) % SAVE_CHUNK):])
    sku_rows = []
    for sku in skus:
        agg = per_sku[sku]
        n = sum(agg["labels"].values())
        sku_rows.append({
            "sku": sku, "reviews_scored": n, **agg["labels"],
            "mean_score": round(agg["sum"] / n, 3) if n else None,
            "positive_share": round(agg["labels"]["positive"] / n, 3) if n else None,
            "positive_aspects": _aspect_summary(agg["aspects"], True, params.top_aspects),
            "negative_aspects": _aspect_summary(agg["aspects"], False, params.top_aspects),
        })
    ctx.progress(1.0)
    return {"scored_count": len(scores), "skus": sku_rows,
            "reviews": scores[: params.max_reviews_in_result],
            "reviews_truncated": len(scores) > params.max_reviews_in_result}
