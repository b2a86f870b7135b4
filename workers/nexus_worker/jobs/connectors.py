"""Marketplace connectors: where competitor offers come from, per marketplace.

`demo`: the data provider's market offers (the demo dataset). `http`: a JSON API,
GET {base_url}/offers?marketplace=M&sku=S -> {"offers": [{"seller", "price", "shipping"?, "seller_rating"?,
"fulfillment"?}]}, with configured headers, a timeout and retries on connection errors, 429 and 5xx.
"""
from __future__ import annotations

import httpx

from .base import JobContext, JobError


def _normalise_offer(raw: dict) -> dict:
    try:
        price = float(raw["price"])
        seller = str(raw["seller"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"offer without a valid seller/price: {raw!r}") from exc
    if price <= 0:
        raise ValueError(f"offer with a non-positive price: {raw!r}")
    return {"seller": seller, "price": round(price, 2), "shipping": round(float(raw.get("shipping") or 0.0), 2),
            "seller_rating": float(raw["seller_rating"]) if raw.get("seller_rating") is not None else None,
            "fulfillment": str(raw.get("fulfillment") or "merchant")}


class DemoConnector:
    def fetch(self, ctx: JobContext, marketplace: str, skus: list[str]) -> dict[str, list[dict]]:
        return ctx.provider.market_offers(ctx.tenant, marketplace, skus)


class HttpConnector:
    def __init__(self, base_url: str, headers: dict | None = None, timeout_seconds: float = 10.0,
                 max_retries: int = 2):
        self.base_url = base_url.rstrip("/")
        self.headers = headers or {}
        self.timeout = timeout_seconds
        self.max_retries = max_retries

    def fetch(self, ctx: JobContext, marketplace: str, skus: list[str]) -> dict[str, list[dict]]:
        out = {}
        with httpx.Client(timeout=self.timeout, headers=self.headers) as client:
            for sku in skus:
                out[sku] = self._fetch_one(ctx, client, marketplace, sku)
        return out

    def _fetch_one(self, ctx: JobContext, client: httpx.Client, marketplace: str, sku: str) -> list[dict]:
        last = ""
        for attempt in range(self.max_retries + 1):
            ctx.check()
            try:
                resp = client.get(f"{self.base_url}/offers", params={"marketplace": marketplace, "sku": sku,
                                                                      "tenant": ctx.tenant})
                if resp.status_code == 404:
                    return []
                if resp.status_code == 429 or resp.status_code >= 500:
                    last = f"HTTP {resp.status_code}"
                else:
                    resp.raise_for_status()
                    body = resp.json()
                    return [_normalise_offer(o) for o in body.get("offers", [])]
            except (httpx.TransportError, httpx.TimeoutException) as exc:
                last = f"{type(exc).__name__}: {exc}"
            except (httpx.HTTPStatusError, ValueError) as exc:
                raise JobError("CONNECTOR_BAD_RESPONSE", f"{marketplace} connector: {exc}", retryable=False)
            if attempt < self.max_retries:
                ctx.sleep(min(4.0, 0.25 * 2 ** attempt))
        raise JobError("CONNECTOR_UNAVAILABLE", f"{marketplace} connector failed for {sku}: {last}", retryable=True)


def connector_for(settings, marketplace: str):
    conf = settings.marketplace_connectors.get(marketplace) or settings.marketplace_connectors.get("*") \
        or {"type": "demo"}
    if conf.get("type") == "http":
        return HttpConnector(conf["base_url"], conf.get("headers"), float(conf.get("timeout_seconds", 10)),
                             int(conf.get("max_retries", 2)))
    return DemoConnector()
