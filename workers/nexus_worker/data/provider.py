"""The data provider interface the job methods use.

Records are plain JSON-shaped dicts so the HTTP implementation can pass them through unchanged.
Every method takes the tenant first; implementations must never return another tenant's rows.

Shapes:
  product       {sku, marketplace, title, brand, category, price, cost, currency, seller_rating, fulfillment}
  sales week    {week_start: "YYYY-MM-DD", price, units}
  price change  {sku, marketplace, job_id, old_price, new_price, applied_at}
  review        {review_id, sku, marketplace, rating, title, body, created_at}
  review score  {review_id, label, score, aspects: {aspect: score}}
  return        {return_id, sku, marketplace, return_date: "YYYY-MM-DD", reason_code, reason_text}
  offer         {seller, price, shipping, seller_rating, fulfillment}
  scan          {sku, marketplace, job_id, scanned_at, offers: [offer]}
  listing       {sku, marketplace, title, bullets: [str], description, keywords: [str]}
  search term   {term, monthly_volume}
"""
from __future__ import annotations

import abc
from typing import Optional


class DataProviderError(Exception):
    """The data source failed. `retryable`: a later attempt may succeed (network, lock timeouts)."""

    def __init__(self, message: str, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


class DataProvider(abc.ABC):
    @abc.abstractmethod
    def products(self, tenant: str, marketplace: str, skus: Optional[list[str]] = None) -> list[dict]:
        """Products of the tenant in the marketplace; all of them when skus is None."""

    @abc.abstractmethod
    def sales_history(self, tenant: str, marketplace: str, skus: list[str]) -> dict[str, list[dict]]:
        """Weekly price/units per SKU, oldest first."""

    @abc.abstractmethod
    def apply_price(self, tenant: str, marketplace: str, sku: str, new_price: float, job_id: str) -> dict:
        """Sets the price once per (sku, job_id): a repeated call returns the first change unaltered."""

    @abc.abstractmethod
    def price_change(self, tenant: str, marketplace: str, sku: str, job_id: str) -> Optional[dict]:
        """The change a job already applied to the SKU, if any."""

    @abc.abstractmethod
    def reviews_to_score(self, tenant: str, skus: list[str], job_id: str, rescore: bool = False) -> list[dict]:
        """Reviews not yet scored (or scored by this same job, so a retried attempt sees them again)."""

    @abc.abstractmethod
    def save_review_scores(self, tenant: str, job_id: str, scores: list[dict]) -> None:
        """Stores one score per review (replacing an earlier one)."""

    @abc.abstractmethod
    def returns(self, tenant: str, marketplace: str, skus: list[str]) -> list[dict]:
        """Return records of the SKUs in the marketplace, oldest first."""

    @abc.abstractmethod
    def market_offers(self, tenant: str, marketplace: str, skus: list[str]) -> dict[str, list[dict]]:
        """Competitor offers as the demo marketplace shows them (the demo connector's source)."""

    @abc.abstractmethod
    def save_competitor_scan(self, tenant: str, marketplace: str, sku: str, job_id: str,
                             scanned_at: str, offers: list[dict]) -> None:
        """Stores a scan; saving the same (sku, job_id) again replaces it."""

    @abc.abstractmethod
    def latest_competitor_scans(self, tenant: str, marketplace: str, skus: list[str]) -> dict[str, dict]:
        """The most recent scan per SKU (SKUs never scanned are absent)."""

    @abc.abstractmethod
    def listings(self, tenant: str, marketplace: str, skus: list[str]) -> dict[str, dict]:
        """Listing content per SKU."""

    @abc.abstractmethod
    def search_terms(self, tenant: str, marketplace: str, categories: list[str]) -> dict[str, list[dict]]:
        """High-value search terms per category, highest volume first."""

    def close(self) -> None:
        """Releases connections."""
