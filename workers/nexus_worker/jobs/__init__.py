"""The six job types: name -> (params model, method)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Type

from . import competitor, listing, llm_visibility, pricing, returns
from .base import StrictParams
from .sentiment import job as sentiment


@dataclass(frozen=True)
class JobType:
    name: str
    params: Type[StrictParams]
    run: Callable


JOB_TYPES = {jt.name: jt for jt in [
    JobType("pricing_recalculate", pricing.PricingParams, pricing.run),
    JobType("review_sentiment", sentiment.SentimentParams, sentiment.run),
    JobType("return_classify", returns.ReturnParams, returns.run),
    JobType("llm_visibility_score", llm_visibility.VisibilityParams, llm_visibility.run),
    JobType("competitor_scan", competitor.CompetitorParams, competitor.run),
    JobType("listing_optimize", listing.ListingParams, listing.run),
]}
