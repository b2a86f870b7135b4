"""Data providers: the demo dataset, tenant scoping, and the HTTP provider against the catalog API."""
from __future__ import annotations

import pytest

from nexus_demo.catalog_server import create_catalog_app
from nexus_worker.data.http_provider import HttpProvider
from nexus_worker.data.provider import DataProviderError
from nexus_worker.data.seed import seed_tenant
from nexus_worker.data.sqlite_provider import SqliteProvider
from nexus_worker.jobs import returns
from tests.conftest import job_body
from tests.servers import serve_app, wait_for


def test_demo_dataset_shape(provider):
    for mp in ("amazon_us", "walmart_us"):
        skus = [p["sku"] for p in provider.products("demo", mp)]
        assert skus == [f"SKU-{i:03d}" for i in range(1, 51)]
    history = provider.sales_history("demo", "amazon_us", ["SKU-001", "SKU-050"])
    assert len(history["SKU-001"]) == 26 and len(history["SKU-050"]) == 5
    assert len(provider.reviews_to_score("demo", ["SKU-001"], "j")) == 24
    assert provider.returns("demo", "amazon_us", ["SKU-001"])
    assert len(provider.market_offers("demo", "amazon_us", ["SKU-001"])["SKU-001"]) == 3
    assert provider.listings("demo", "walmart_us", ["SKU-001"])["SKU-001"]["bullets"]
    assert provider.search_terms("demo", "amazon_us", ["phone charger"])["phone charger"][0]["term"] == "iphone charger"


def test_every_query_is_tenant_scoped(provider):
    seed_tenant(provider, "acme", n_skus=3, reviews_per_sku=2)
    assert [p["sku"] for p in provider.products("acme", "amazon_us")] == ["SKU-001", "SKU-002", "SKU-003"]
    assert len(provider.reviews_to_score("acme", ["SKU-001"], "j")) == 2
    provider.apply_price("acme", "amazon_us", "SKU-001", 1.23, "job-x")
    assert provider.products("demo", "amazon_us", ["SKU-001"])[0]["price"] == 14.99
    assert provider.price_change("demo", "amazon_us", "SKU-001", "job-x") is None
    assert provider.products("nobody", "amazon_us") == []


def test_file_database_persists(tmp_path):
    path = str(tmp_path / "catalog.sqlite3")
    first = SqliteProvider(path)
    seed_tenant(first, "demo", n_skus=2, reviews_per_sku=1)
    first.apply_price("demo", "amazon_us", "SKU-002", 7.77, "job-p")
    first.close()
    again = SqliteProvider(path)
    assert not again.is_empty("demo")
    assert again.products("demo", "amazon_us", ["SKU-002"])[0]["price"] == 7.77
    again.close()


def test_http_provider_matches_sqlite(provider, make_ctx):
    with serve_app(create_catalog_app(provider, token="s3cret")) as url:
        http = HttpProvider(url, token="s3cret")
        skus = ["SKU-001", "SKU-007"]
        assert http.products("demo", "amazon_us", skus) == provider.products("demo", "amazon_us", skus)
        assert http.sales_history("demo", "amazon_us", skus) == provider.sales_history("demo", "amazon_us", skus)
        assert http.returns("demo", "amazon_us", skus) == provider.returns("demo", "amazon_us", skus)
        assert http.listings("demo", "amazon_us", skus) == provider.listings("demo", "amazon_us", skus)
        assert http.latest_competitor_scans("demo", "amazon_us", skus) == \
            provider.latest_competitor_scans("demo", "amazon_us", skus)
        change = http.apply_price("demo", "amazon_us", "SKU-001", 13.5, "job-h")
        assert (change["old_price"], change["new_price"]) == (14.99, 13.5)
        assert http.apply_price("demo", "amazon_us", "SKU-001", 12.0, "job-h") == change  # idempotent
        assert http.price_change("demo", "amazon_us", "SKU-001", "nope") is None
        reviews = http.reviews_to_score("demo", ["SKU-002"], "job-r")
        http.save_review_scores("demo", "job-r", [{"review_id": r["review_id"], "label": "neutral", "score": 0.0,
                                                  "aspects": {}} for r in reviews])
        assert http.reviews_to_score("demo", ["SKU-002"], "job-other") == []
        # The job methods run unchanged on it.
        ctx = make_ctx("return_classify")
        ctx.provider = http
        assert returns.run(ctx, returns.ReturnParams(skus=["SKU-007"]))["anomalies"]
        with pytest.raises(DataProviderError) as err:
            HttpProvider(url, token="wrong").products("demo", "amazon_us")
        assert err.value.retryable is False
    with pytest.raises(DataProviderError) as err:  # server gone: retryable
        http.products("demo", "amazon_us")
    assert err.value.retryable is True


def test_worker_with_http_data_provider(provider, worker_factory):
    with serve_app(create_catalog_app(provider)) as url:
        w = worker_factory(WORKER_DATA_PROVIDER="http", WORKER_CATALOG_URL=url)
        params = {"skus": ["SKU-001"], "marketplace": "amazon_us", "apply": True}
        w.client.post("/v1/jobs", json=job_body("job-remote", params=params))
        done = wait_for(lambda: (lambda v: v if v["status"] != "running" else None)(
            w.client.get("/v1/jobs/job-remote").json()), what="remote pricing job")
    assert done["status"] == "completed", done
    assert done["result"]["recommendations"][0]["applied"] is True
    assert provider.products("demo", "amazon_us", ["SKU-001"])[0]["price"] == 13.5  # written through the API


def test_workers_sharing_a_database_file_seed_it_once(tmp_path):
    """Several worker processes started together on one file (as `make run` does) must not collide seeding it."""
    import threading

    path = str(tmp_path / "shared.sqlite3")
    providers = [SqliteProvider(path) for _ in range(4)]
    barrier = threading.Barrier(len(providers))
    errors: list[BaseException] = []

    def seed(p):
        barrier.wait()
        try:
            seed_tenant(p, "demo", n_skus=3, reviews_per_sku=2)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=seed, args=(p,)) for p in providers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert len(providers[0].products("demo", "amazon_us")) == 3
