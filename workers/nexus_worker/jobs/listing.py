"""listing_optimize: checks listings against marketplace rules and proposes improvements (never applies them).

Checks per listing: title length against the marketplace limit; words repeated in the title; promotional claims
and shouting (ALL CAPS) that marketplaces forbid; bullet count and length; backend keyword size, duplicates and
keywords already in the title; high-volume search terms of the category missing from all fields; readability of
the description (Flesch reading ease, syllables estimated from vowel groups) below READABILITY_MIN.
Each finding becomes a proposal {field, issue, current, proposed, reason, expected_impact}. Proposed text is
drafted by rules; when an assistant is configured (and `use_assistant` is not false), titles and descriptions are
drafted by it instead, and a draft that breaks a rule is discarded in favour of the rule-based one.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Optional

import httpx
from pydantic import Field

from .base import AssistantName, JobContext, SkuListParams, resolve_products
from .llm_client import LlmError, chat, configured_providers

RULES = {
    "amazon_us": {"title_max": 200, "title_target": 150, "bullets_min": 3, "bullets_max": 5, "bullet_max": 500,
                  "description_max": 2000, "keywords_max_bytes": 249},
    "walmart_us": {"title_max": 90, "title_target": 75, "bullets_min": 3, "bullets_max": 10, "bullet_max": 250,
                   "description_max": 4000, "keywords_max_bytes": 0},
    "ebay_us": {"title_max": 80, "title_target": 80, "bullets_min": 0, "bullets_max": 10, "bullet_max": 500,
                "description_max": 4000, "keywords_max_bytes": 0},
}
DEFAULT_RULES = RULES["amazon_us"]
PROMO = re.compile(r"best[\s-]?seller|free shipping|#\s?1\b|\bnumber one\b|100\s?%|guarantee[d]?|\bsale\b|"
                   r"\bdiscount\b|limited time|!{2,}|\bhot deal\b", re.I)
READABILITY_MIN = 40.0
STOPWORDS = {"a", "an", "and", "the", "for", "with", "of", "to", "in", "on", "or", "by", "&", "-", "+"}


class ListingParams(SkuListParams):
    max_missing_terms: int = Field(3, ge=1, le=10, description="search terms to suggest per listing")
    use_assistant: bool = Field(True, description="draft rewrites with the configured assistant, if any")
    assistant: Optional[AssistantName] = Field(None, description="assistant name; default: the first configured")


def syllables(word: str) -> int:
    w = word.lower()
    groups = re.findall(r"[aeiouy]+", w)
    n = len(groups)
    if w.endswith("e") and not w.endswith(("le", "ee")) and n > 1:
        n -= 1
    return max(1, n)


def flesch_reading_ease(text: str) -> Optional[float]:
    sentences = [s for s in re.split(r"[.!?]+", text) if s.strip()]
    words = re.findall(r"[A-Za-z]+", text)
    if not sentences or not words:
        return None
    return round(206.835 - 1.015 * len(words) / len(sentences) - 84.6 * sum(map(syllables, words)) / len(words), 1)


def _is_shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.7


def _title_case(text: str) -> str:
    return " ".join(w if w.lower() in STOPWORDS else w[:1].upper() + w[1:].lower() for w in text.split())


def _contains(haystack: str, term: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(term.lower())}(?!\w)", haystack.lower()) is not None


def _clean_title(title: str, product: dict, rules: dict, add_terms: list[str]) -> str:
    """Rule-based title: promotional claims removed, casing fixed, repeats dropped, within the target length."""
    text = PROMO.sub("", title)
    if _is_shouting(text):
        text = _title_case(text)
    seen, words = set(), []
    for w in re.split(r"\s+", text.strip(" -,")):
        key = w.lower().strip(",-")
        if key and key not in STOPWORDS and key in seen:
            continue
        seen.add(key)
        words.append(w)
    text = " ".join(words).strip(" -,")
    for term in add_terms:
        candidate = f"{text}, {term.title()}"
        counts = Counter(w.lower().strip(",-") for w in candidate.split())
        repeats = any(n > 2 for w, n in counts.items() if w not in STOPWORDS)
        if not _contains(text, term) and not repeats and len(candidate) <= rules["title_target"]:
            text = candidate
    if len(text) > rules["title_target"]:
        cut = text[: rules["title_target"]]
        text = cut[: cut.rfind(" ")].rstrip(" ,-") if " " in cut else cut
    return text


def title_rule_breaks(title: str, rules: dict) -> list[str]:
    """The marketplace rules a proposed title breaks (empty when it may be used)."""
    broken = []
    if len(title) > rules["title_max"]:
        broken.append(f"longer than {rules['title_max']} characters")
    if PROMO.search(title):
        broken.append("promotional claims")
    if _is_shouting(title):
        broken.append("written in capitals")
    return broken


def description_rule_breaks(description: str, rules: dict) -> list[str]:
    """The rules a proposed description breaks: too long, or harder to read than READABILITY_MIN."""
    broken = []
    if len(description) > rules["description_max"]:
        broken.append(f"longer than {rules['description_max']} characters")
    ease = flesch_reading_ease(description)
    if ease is None or ease < READABILITY_MIN:
        broken.append(f"Flesch reading ease {ease} below {READABILITY_MIN:.0f}")
    return broken


def _impact(level: str, detail: str) -> dict:
    return {"level": level, "detail": detail}


def check_listing(listing: dict, product: dict, terms: list[dict], rules: dict, max_missing: int) -> list[dict]:
    proposals = []
    title, bullets = listing["title"], listing["bullets"]
    description, keywords = listing["description"], listing["keywords"]
    all_text = " ".join([title, *bullets, description, *keywords])
    missing = [t for t in terms if not _contains(all_text, t["term"])][:max_missing]
    missing_names = [t["term"] for t in missing]

    title_issues = []
    if len(title) > rules["title_max"]:
        title_issues.append(("title_too_long", f"title has {len(title)} characters; the limit is {rules['title_max']}",
                             _impact("high", "titles over the limit can be suppressed from search")))
    words = [w.lower().strip(",-") for w in title.split() if w.lower().strip(",-") not in STOPWORDS]
    repeated = sorted(w for w, n in Counter(words).items() if n > 2 and w)
    if repeated:
        title_issues.append(("title_repetition", f"words repeated more than twice: {', '.join(repeated)}",
                             _impact("medium", "keyword stuffing lowers relevance and click-through")))
    if PROMO.search(title):
        title_issues.append(("promotional_claims", "promotional claims are not allowed in titles",
                             _impact("high", "policy violation: the listing can be suppressed")))
    if _is_shouting(title):
        title_issues.append(("all_caps", "title is written in capitals",
                             _impact("medium", "capitalised titles break style rules and read as spam")))
    if title_issues:
        proposed = _clean_title(title, product, rules, missing_names)
        for issue, reason, impact in title_issues:
            proposals.append({"field": "title", "issue": issue, "current": title, "proposed": proposed,
                              "reason": reason, "expected_impact": impact})

    if len(bullets) < rules["bullets_min"]:
        proposals.append({"field": "bullets", "issue": "too_few_bullets", "current": bullets, "proposed": None,
                          "reason": f"{len(bullets)} bullets; at least {rules['bullets_min']} expected",
                          "expected_impact": _impact("medium", "key features drive conversion")})
    if len(bullets) > rules["bullets_max"]:
        proposals.append({"field": "bullets", "issue": "too_many_bullets", "current": bullets,
                          "proposed": bullets[: rules["bullets_max"]],
                          "reason": f"{len(bullets)} bullets; only {rules['bullets_max']} are shown",
                          "expected_impact": _impact("low", "extra bullets are hidden")})
    for i, b in enumerate(bullets):
        fixed = PROMO.sub("", b).strip()
        fixed = _title_case(fixed) if _is_shouting(fixed) else fixed
        reasons = []
        if PROMO.search(b):
            reasons.append("promotional claims are not allowed")
        if _is_shouting(b):
            reasons.append("written in capitals")
        if len(b) > rules["bullet_max"]:
            reasons.append(f"{len(b)} characters; the limit is {rules['bullet_max']}")
            fixed = fixed[: rules["bullet_max"]]
        if reasons:
            proposals.append({"field": f"bullets[{i}]", "issue": "bullet_rules", "current": b,
                              "proposed": fixed or None, "reason": "; ".join(reasons),
                              "expected_impact": _impact("medium", "policy and readability")})

    if missing:
        volume = sum(t["monthly_volume"] for t in missing)
        target = "keywords" if rules["keywords_max_bytes"] else "bullets"
        proposed = (keywords + missing_names) if target == "keywords" else bullets + [
            "Ideal as " + ", ".join(missing_names)]
        proposals.append({"field": target, "issue": "missing_search_terms", "current": listing[target],
                          "proposed": proposed,
                          "reason": "high-volume search terms absent from the listing: " + ", ".join(missing_names),
                          "expected_impact": _impact("high" if volume >= 50000 else "medium" if volume >= 10000
                                                     else "low", f"indexes for about {volume} more monthly searches")})
    if rules["keywords_max_bytes"]:
        kw_bytes = len(" ".join(keywords).encode())
        dupes = [k for k, n in Counter(k.lower() for k in keywords).items() if n > 1]
        in_title = [k for k in keywords if _contains(title, k)]
        if kw_bytes > rules["keywords_max_bytes"] or dupes or in_title:
            kept = [k for k in dict.fromkeys(keywords) if k not in in_title]
            reason = []
            if kw_bytes > rules["keywords_max_bytes"]:
                reason.append(f"{kw_bytes} bytes; the limit is {rules['keywords_max_bytes']} (excess is ignored)")
            if dupes:
                reason.append("duplicates: " + ", ".join(dupes))
            if in_title:
                reason.append("already in the title: " + ", ".join(in_title))
            proposals.append({"field": "keywords", "issue": "keyword_waste", "current": keywords, "proposed": kept,
                              "reason": "; ".join(reason),
                              "expected_impact": _impact("low", "frees keyword space for new terms")})

    ease = flesch_reading_ease(description)
    if len(description) > rules["description_max"]:
        proposals.append({"field": "description", "issue": "description_too_long", "current": description,
                          "proposed": description[: rules["description_max"]],
                          "reason": f"{len(description)} characters; the limit is {rules['description_max']}",
                          "expected_impact": _impact("medium", "text past the limit is cut")})
    if ease is not None and ease < READABILITY_MIN:
        proposals.append({"field": "description", "issue": "hard_to_read", "current": description, "proposed": None,
                          "reason": f"Flesch reading ease {ease} (below {READABILITY_MIN:.0f}): long sentences and "
                                    "long words", "expected_impact": _impact("medium", "clearer copy converts better")})
    return proposals


def _draft(ctx: JobContext, provider, client, proposal: dict, product: dict, rules: dict) -> None:
    """Replaces a title/description proposal's text with an assistant draft when the draft obeys the rules."""
    if proposal["field"] == "title":
        ask = (f"Rewrite this {product['category']} product title for a marketplace listing. Keep the brand "
               f"'{product['brand']}', no promotional claims, no capitals-only words, at most "
               f"{rules['title_target']} characters. Reply with the title only.\nTitle: {proposal['current']}")
    else:
        ask = ("Rewrite this product description in plain, short sentences a twelve-year-old could read. Keep "
               f"every fact. Reply with the description only.\nDescription: {proposal['current']}")
    draft = chat(ctx, provider, "You write clear, compliant e-commerce listing copy.", ask, client).strip().strip('"')
    if not draft:
        return
    broken = title_rule_breaks(draft, rules) if proposal["field"] == "title" else description_rule_breaks(draft, rules)
    if broken:
        return
    proposal["proposed"] = draft
    proposal["drafted_by"] = provider.name


def run(ctx: JobContext, params: ListingParams) -> dict:
    products = resolve_products(ctx, params.marketplace, params.skus)
    skus = [p["sku"] for p in products]
    listings = ctx.provider.listings(ctx.tenant, params.marketplace, skus)
    terms = ctx.provider.search_terms(ctx.tenant, params.marketplace, sorted({p["category"] for p in products}))
    rules = RULES.get(params.marketplace, DEFAULT_RULES)
    providers = configured_providers(ctx.settings, [params.assistant] if params.assistant else None) \
        if params.use_assistant else []
    provider = providers[0] if providers else None
    drafting_errors: list[str] = []
    results = []
    with httpx.Client() as client:
        for i, product in enumerate(products):
            listing = listings.get(product["sku"])
            if listing is None:
                results.append({"sku": product["sku"], "listing_found": False, "proposals": []})
                continue
            proposals = check_listing(listing, product, terms.get(product["category"], []), rules,
                                      params.max_missing_terms)
            if provider and not drafting_errors:
                drafted = set()
                for prop in proposals:
                    key = prop["field"]
                    if key in ("title", "description") and key not in drafted:
                        drafted.add(key)
                        try:
                            _draft(ctx, provider, client, prop, product, rules)
                        except LlmError as exc:
                            drafting_errors.append(str(exc))  # rule-based proposals stand; stop asking
                            break
                        for other in proposals:  # one draft per field, shared by that field's findings
                            if other["field"] == key and other is not prop and prop.get("drafted_by"):
                                other["proposed"], other["drafted_by"] = prop["proposed"], prop["drafted_by"]
            results.append({"sku": product["sku"], "listing_found": True, "proposals": proposals})
            ctx.progress((i + 1) / len(products))
    return {"analyzed_count": len(results), "marketplace": params.marketplace,
            "proposal_count": sum(len(r["proposals"]) for r in results), "applied": False,
            "assistant": provider.name if provider else None, "assistant_errors": drafting_errors, "skus": results}
