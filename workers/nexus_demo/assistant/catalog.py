"""What the demo assistant knows: every tenant's catalog as shoppers see it, read through the data provider."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from nexus_worker.data.catalog import CATEGORIES
from nexus_worker.jobs.llm_visibility import MARKET_NAMES

RECENT_WEEKS = 4
ALL_MARKETPLACES = list(MARKET_NAMES)  # "selling well" means units sold over this many latest weeks


@dataclass(frozen=True)
class Choice:
    """One thing an answer can recommend: a product of the catalog, a competitor seller, or a brand."""
    name: str
    kind: str      # "product", "seller" or "brand"
    rating: float  # stars shoppers see: the product's rating, the seller's mean feedback, a brand's mean
    price: float   # lowest landed price (price + shipping)
    units: int     # sold over RECENT_WEEKS (sellers: unknown, 0)
    count: int = 1  # products of a brand, offers of a seller
    brand: str = ""  # a product's brand


class DemoCatalog:
    def __init__(self, provider):
        self.provider = provider

    def tenants(self) -> list[str]:
        # Only the embedded database can list its tenants; a catalog API is asked about the demo tenant.
        lister = getattr(self.provider, "tenants", None)
        return lister() if lister else ["demo"]

    def products(self, marketplaces: list[str]) -> list[dict]:
        """Products of every tenant in the marketplaces, each with its tenant."""
        rows = []
        for tenant in self.tenants():
            for mp in marketplaces:
                rows += [{**p, "tenant": tenant} for p in self.provider.products(tenant, mp)]
        return rows

    def vocabulary(self, products: list[dict]) -> dict[str, set[str]]:
        """Per category, the words a shopper may use for it: its name, its product noun, its search terms."""
        words: dict[str, set[str]] = defaultdict(set)
        pairs = {(p["tenant"], p["marketplace"], p["category"]) for p in products}
        by_market: dict[tuple[str, str], list[str]] = defaultdict(list)
        for tenant, mp, category in sorted(pairs):
            words[category].add(category.lower())
            noun = CATEGORIES.get(category, {}).get("noun")
            if noun:
                words[category].add(noun.lower())
            by_market[(tenant, mp)].append(category)
        for (tenant, mp), categories in by_market.items():
            for category, terms in self.provider.search_terms(tenant, mp, categories).items():
                words[category].update(t["term"].lower() for t in terms)
        return dict(words)

    def search_terms(self, category: str) -> list[str]:
        """The category's search terms, highest volume first (the first tenant and marketplace that has them)."""
        for tenant in self.tenants():
            for mp in ALL_MARKETPLACES:
                terms = self.provider.search_terms(tenant, mp, [category]).get(category)
                if terms:
                    return [t["term"] for t in terms]
        return []

    def title_core(self, title: str) -> str:
        """The catalog's product title that `title` begins with (any case), longest first; "" when none does."""
        lowered = title.lower()
        known = {p["title"] for p in self.products(ALL_MARKETPLACES)}
        return max((t for t in known if lowered.startswith(t.lower())), key=len, default="")

    def choices(self, products: list[dict], category: str) -> list[Choice]:
        """The category's products (one per title) and the competitor sellers offering them."""
        in_cat = [p for p in products if p["category"] == category]
        groups: dict[tuple[str, str], list[dict]] = defaultdict(list)  # (tenant, sku) -> rows per marketplace
        for p in in_cat:
            groups[(p["tenant"], p["sku"])].append(p)
        units = self._recent_units(in_cat)
        by_name: dict[str, Choice] = {}
        for key, rows in sorted(groups.items()):
            choice = Choice(name=rows[0]["title"], kind="product", rating=float(rows[0]["seller_rating"]),
                            price=min(float(r["price"]) for r in rows), units=units.get(key, 0),
                            brand=rows[0]["brand"])
            kept = by_name.get(choice.name)  # tenants seeded alike share titles: one line per title
            if kept is None or (choice.rating, choice.units) > (kept.rating, kept.units):
                by_name[choice.name] = choice
        return list(by_name.values()) + self._sellers(in_cat)

    def _recent_units(self, rows: list[dict]) -> dict[tuple[str, str], int]:
        units: dict[tuple[str, str], int] = defaultdict(int)
        for (tenant, mp), skus in _skus_by_market(rows).items():
            for sku, weeks in self.provider.sales_history(tenant, mp, skus).items():
                units[(tenant, sku)] += sum(int(w["units"]) for w in weeks[-RECENT_WEEKS:])
        return units

    def _sellers(self, rows: list[dict]) -> list[Choice]:
        offers: dict[str, list[dict]] = defaultdict(list)
        for (tenant, mp), skus in _skus_by_market(rows).items():
            for sku_offers in self.provider.market_offers(tenant, mp, skus).values():
                for o in sku_offers:
                    offers[o["seller"]].append(o)
        return [Choice(name=seller, kind="seller",
                       rating=round(sum(float(o["seller_rating"] or 0) for o in os_) / len(os_), 2),
                       price=round(min(float(o["price"]) + float(o.get("shipping") or 0) for o in os_), 2),
                       units=0, count=len(os_)) for seller, os_ in sorted(offers.items())]


def _skus_by_market(rows: list[dict]) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for p in rows:
        out[(p["tenant"], p["marketplace"])].append(p["sku"])
    return out

