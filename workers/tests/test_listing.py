"""listing_optimize: rule checks by hand, and assistant drafts kept only when they obey the rules."""
from __future__ import annotations

from nexus_worker.config import Settings
from nexus_worker.jobs import listing
from nexus_worker.jobs.listing import RULES, ListingParams, check_listing, flesch_reading_ease, syllables
from tests.fake_llm import create_fake_llm
from tests.servers import serve_app

PRODUCT = {"sku": "X", "brand": "Lumora", "category": "phone charger", "title": "Lumora Charger"}
TERMS = [{"term": "usb c charger", "monthly_volume": 110000}, {"term": "fast charger", "monthly_volume": 60500},
         {"term": "wall charger", "monthly_volume": 27100}]


def issues(proposals):
    return {(p["field"], p["issue"]) for p in proposals}


def test_readability_by_hand():
    assert [syllables(w) for w in ("cat", "table", "charger", "extraordinarily", "make")] == [1, 2, 2, 6, 1]
    # "The cat sat. The dog ran." : 6 words, 2 sentences, 6 syllables -> 206.835 - 1.015·3 - 84.6·1 = 119.2
    assert flesch_reading_ease("The cat sat. The dog ran.") == 119.2
    assert flesch_reading_ease("") is None


def test_clean_listing_has_no_findings():
    good = {"title": "Lumora USB C Charger, Fast Charger for Phones", "bullets": ["20 W output", "Folds flat",
            "Cable included"], "description": "It charges fast. It folds flat. It fits in a bag.",
            "keywords": ["wall charger", "travel plug"]}
    assert check_listing(good, PRODUCT, TERMS, RULES["amazon_us"], 3) == []


def test_rule_violations():
    bad = {"title": "LUMORA CHARGER CHARGER CHARGER USB C CHARGER - BEST SELLER!!",
           "bullets": ["FAST CHARGING FOR EVERY PHONE YOU OWN", "Free shipping on every order"],
           "description": "Utilizing comprehensively engineered multifunctional componentry facilitates "
                          "unparalleled operational effectiveness.",
           "keywords": ["usb c charger", "usb c charger"]}
    found = issues(check_listing(bad, PRODUCT, TERMS, RULES["amazon_us"], 3))
    assert {("title", "title_repetition"), ("title", "promotional_claims"), ("title", "all_caps"),
            ("bullets", "too_few_bullets"), ("bullets[0]", "bullet_rules"), ("bullets[1]", "bullet_rules"),
            ("keywords", "keyword_waste"), ("description", "hard_to_read"),
            ("keywords", "missing_search_terms")} <= found
    props = {(p["field"], p["issue"]): p for p in check_listing(bad, PRODUCT, TERMS, RULES["amazon_us"], 3)}
    title = props[("title", "promotional_claims")]["proposed"]
    assert "BEST SELLER" not in title.upper() and "!!" not in title and not title.isupper()
    assert title.lower().count("charger") <= 2
    missing = props[("keywords", "missing_search_terms")]
    assert missing["proposed"][-2:] == ["fast charger", "wall charger"]
    assert missing["expected_impact"] == {"level": "high", "detail": "indexes for about 87600 more monthly searches"}


def test_marketplace_limits_differ():
    title = "Lumora USB C Charger Fast Charger Wall Charger for iPhone Samsung Pixel Tablet, Foldable Travel Plug"
    listing_ = {"title": title, "bullets": ["a", "b", "c"], "description": "Short and clear.", "keywords": []}
    assert ("title", "title_too_long") not in issues(check_listing(listing_, PRODUCT, TERMS, RULES["amazon_us"], 3))
    props = check_listing(listing_, PRODUCT, TERMS, RULES["walmart_us"], 3)
    too_long = [p for p in props if p["issue"] == "title_too_long"][0]
    assert len(too_long["proposed"]) <= RULES["walmart_us"]["title_target"]


def test_demo_listings_and_nothing_applied(make_ctx, provider):
    before = provider.listings("demo", "amazon_us", ["SKU-005", "SKU-007", "SKU-004"])
    result = listing.run(make_ctx("listing_optimize"), ListingParams(skus=["SKU-005", "SKU-007", "SKU-004"]))
    by = {r["sku"]: issues(r["proposals"]) for r in result["skus"]}
    assert ("title", "title_too_long") in by["SKU-005"] and ("title", "title_repetition") in by["SKU-005"]
    assert ("title", "promotional_claims") in by["SKU-007"] and ("title", "all_caps") in by["SKU-007"]
    assert ("description", "hard_to_read") in by["SKU-004"]
    assert result["applied"] is False and result["assistant"] is None
    assert provider.listings("demo", "amazon_us", ["SKU-005", "SKU-007", "SKU-004"]) == before


def test_assistant_drafts_are_checked(make_ctx):
    with serve_app(create_fake_llm()) as url:
        def run(model):
            settings = Settings(llm_providers=[{"name": model, "base_url": url, "model": model}])
            return listing.run(make_ctx("listing_optimize", settings=settings), ListingParams(skus=["SKU-020"]))
        good, bad = run("writer"), run("shouty")
    # SKU-020: over-long stuffed title and a hard-to-read description (20 % 5 == 0, 20 % 4 == 0).
    good_props = {p["issue"]: p for p in good["skus"][0]["proposals"]}
    assert good_props["title_too_long"]["proposed"] == "Kindred & Co USB-C Fast Charger, 20W, Foldable Plug"
    assert good_props["title_too_long"]["drafted_by"] == "writer"
    assert good_props["title_repetition"]["proposed"] == good_props["title_too_long"]["proposed"]
    assert good_props["hard_to_read"]["proposed"] == "It charges fast. It is small. It folds up for travel."
    bad_props = {p["issue"]: p for p in bad["skus"][0]["proposals"]}
    assert "drafted_by" not in bad_props["title_too_long"] and "BEST SELLER" not in bad_props["title_too_long"]["proposed"]
    assert bad_props["hard_to_read"]["proposed"] is None  # unreadable draft discarded; no rule-based rewrite
