"""The catalog API that HttpProvider speaks, served from any DataProvider.

It documents the API by example, lets one SQLite catalogue serve several workers, and is what the HTTP
provider is tested against.
"""
from __future__ import annotations

from typing import Optional

from fastapi import Body, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from nexus_worker.data.provider import DataProvider


def create_catalog_app(provider: DataProvider, token: str = "") -> FastAPI:
    app = FastAPI(title="Nexus catalog API")
    mp = "/v1/tenants/{tenant}/marketplaces/{marketplace}"

    @app.middleware("http")
    async def auth(request: Request, call_next):
        if token and request.headers.get("authorization") != f"Bearer {token}":
            return JSONResponse({"error": {"code": "UNAUTHORIZED", "message": "bad or missing token"}}, 401)
        return await call_next(request)

    @app.get(mp + "/products")
    def products(tenant: str, marketplace: str, sku: Optional[list[str]] = Query(None)):
        return {"products": provider.products(tenant, marketplace, sku)}

    @app.get(mp + "/sales")
    def sales(tenant: str, marketplace: str, sku: list[str] = Query(...)):
        return {"sales": provider.sales_history(tenant, marketplace, sku)}

    @app.put(mp + "/products/{sku}/price-changes/{job_id}")
    def apply_price(tenant: str, marketplace: str, sku: str, job_id: str, new_price: float = Body(..., embed=True)):
        try:
            return provider.apply_price(tenant, marketplace, sku, new_price, job_id)
        except KeyError:
            raise HTTPException(404, "unknown SKU")

    @app.get(mp + "/products/{sku}/price-changes/{job_id}")
    def price_change(tenant: str, marketplace: str, sku: str, job_id: str):
        change = provider.price_change(tenant, marketplace, sku, job_id)
        if change is None:
            raise HTTPException(404, "no such price change")
        return change

    @app.get("/v1/tenants/{tenant}/reviews")
    def reviews(tenant: str, job_id: str, sku: list[str] = Query(...), rescore: bool = False):
        return {"reviews": provider.reviews_to_score(tenant, sku, job_id, rescore)}

    @app.put("/v1/tenants/{tenant}/review-scores/{job_id}", status_code=204)
    def save_scores(tenant: str, job_id: str, scores: list[dict] = Body(..., embed=True)):
        provider.save_review_scores(tenant, job_id, scores)
        return Response(status_code=204)

    @app.get(mp + "/returns")
    def returns(tenant: str, marketplace: str, sku: list[str] = Query(...)):
        return {"returns": provider.returns(tenant, marketplace, sku)}

    @app.get(mp + "/market-offers")
    def market_offers(tenant: str, marketplace: str, sku: list[str] = Query(...)):
        return {"offers": provider.market_offers(tenant, marketplace, sku)}

    @app.put(mp + "/products/{sku}/competitor-scans/{job_id}", status_code=204)
    def save_scan(tenant: str, marketplace: str, sku: str, job_id: str, scanned_at: str = Body(...),
                  offers: list[dict] = Body(...)):
        provider.save_competitor_scan(tenant, marketplace, sku, job_id, scanned_at, offers)
        return Response(status_code=204)

    @app.get(mp + "/competitor-scans/latest")
    def latest_scans(tenant: str, marketplace: str, sku: list[str] = Query(...)):
        return {"scans": provider.latest_competitor_scans(tenant, marketplace, sku)}

    @app.get(mp + "/listings")
    def listings(tenant: str, marketplace: str, sku: list[str] = Query(...)):
        return {"listings": provider.listings(tenant, marketplace, sku)}

    @app.get(mp + "/search-terms")
    def search_terms(tenant: str, marketplace: str, category: list[str] = Query(...)):
        return {"search_terms": provider.search_terms(tenant, marketplace, category)}

    return app
