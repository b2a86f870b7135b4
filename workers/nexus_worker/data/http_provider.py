"""Data provider backed by an external catalog API (the routes are those nexus_demo.catalog_server serves).

SKU lists are sent in chunks so URLs stay short. Connection errors, timeouts and 5xx are retryable provider
errors; other 4xx answers are not (the request itself is wrong).
"""
from __future__ import annotations

from typing import Optional
from urllib.parse import quote

import httpx

from .provider import DataProvider, DataProviderError

CHUNK = 100


def _q(value: str) -> str:
    return quote(value, safe="")


class HttpProvider(DataProvider):
    def __init__(self, base_url: str, token: str = "", timeout_seconds: float = 10.0):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_seconds)

    def close(self) -> None:
        self._client.close()

    def _call(self, method: str, path: str, *, params=None, json=None, allow_404: bool = False):
        try:
            resp = self._client.request(method, path, params=params, json=json)
        except httpx.HTTPError as exc:
            raise DataProviderError(f"catalog API unreachable: {type(exc).__name__}: {exc}") from exc
        if resp.status_code == 404 and allow_404:
            return None
        if resp.status_code >= 500 or resp.status_code == 429:
            raise DataProviderError(f"catalog API {method} {path}: HTTP {resp.status_code}")
        if resp.status_code >= 400:
            raise DataProviderError(f"catalog API {method} {path}: HTTP {resp.status_code}: {resp.text[:200]}",
                                    retryable=False)
        return resp.json() if resp.content else None

    def _mp(self, tenant: str, marketplace: str) -> str:
        return f"/v1/tenants/{_q(tenant)}/marketplaces/{_q(marketplace)}"

    def _chunked(self, path: str, key: str, skus: list[str], extra: Optional[dict] = None) -> dict:
        merged: dict = {}
        for i in range(0, len(skus), CHUNK):
            body = self._call("GET", path, params={"sku": skus[i:i + CHUNK], **(extra or {})})
            merged.update(body[key])
        return merged

    def products(self, tenant, marketplace, skus=None):
        path = self._mp(tenant, marketplace) + "/products"
        if skus is None:
            return self._call("GET", path)["products"]
        out = []
        for i in range(0, len(skus), CHUNK):
            out += self._call("GET", path, params={"sku": skus[i:i + CHUNK]})["products"]
        return out

    def sales_history(self, tenant, marketplace, skus):
        return self._chunked(self._mp(tenant, marketplace) + "/sales", "sales", skus)

    def apply_price(self, tenant, marketplace, sku, new_price, job_id):
        return self._call("PUT", f"{self._mp(tenant, marketplace)}/products/{_q(sku)}/price-changes/{_q(job_id)}",
                          json={"new_price": new_price})

    def price_change(self, tenant, marketplace, sku, job_id):
        return self._call("GET", f"{self._mp(tenant, marketplace)}/products/{_q(sku)}/price-changes/{_q(job_id)}",
                          allow_404=True)

    def reviews_to_score(self, tenant, skus, job_id, rescore=False):
        out = []
        for i in range(0, len(skus), CHUNK):
            out += self._call("GET", f"/v1/tenants/{_q(tenant)}/reviews", params={
                "sku": skus[i:i + CHUNK], "job_id": job_id, "rescore": str(rescore).lower()})["reviews"]
        return out

    def save_review_scores(self, tenant, job_id, scores):
        self._call("PUT", f"/v1/tenants/{_q(tenant)}/review-scores/{_q(job_id)}", json={"scores": scores})

    def returns(self, tenant, marketplace, skus):
        out = []
        for i in range(0, len(skus), CHUNK):
            out += self._call("GET", self._mp(tenant, marketplace) + "/returns",
                              params={"sku": skus[i:i + CHUNK]})["returns"]
        return sorted(out, key=lambda r: (r["return_date"], r["return_id"]))

    def market_offers(self, tenant, marketplace, skus):
        return self._chunked(self._mp(tenant, marketplace) + "/market-offers", "offers", skus)

    def save_competitor_scan(self, tenant, marketplace, sku, job_id, scanned_at, offers):
        self._call("PUT", f"{self._mp(tenant, marketplace)}/products/{_q(sku)}/competitor-scans/{_q(job_id)}",
                   json={"scanned_at": scanned_at, "offers": offers})

    def latest_competitor_scans(self, tenant, marketplace, skus):
        return self._chunked(self._mp(tenant, marketplace) + "/competitor-scans/latest", "scans", skus)

    def listings(self, tenant, marketplace, skus):
        return self._chunked(self._mp(tenant, marketplace) + "/listings", "listings", skus)

    def search_terms(self, tenant, marketplace, categories):
        return self._call("GET", self._mp(tenant, marketplace) + "/search-terms",
                          params={"category": categories})["search_terms"]
