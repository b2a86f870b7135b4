"""Listing rewrites for the listing_optimize job's drafting requests, built to pass the job's own rule checks.

Titles: a title that starts with a catalog product's name becomes that name plus up to two of the category's
highest-volume search terms it lacks; any other title gets the job's rule-based clean-up (promotional claims out,
casing fixed, repeats dropped). The brand is kept and the length asked for respected.
Descriptions: long words swapped for plain ones (PLAIN_WORDS) and long sentences split at clause boundaries,
so the Flesch reading ease rises; facts (numbers, names) are left as they are.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Optional

from nexus_worker.jobs.listing import (DEFAULT_RULES, RULES, STOPWORDS, _clean_title, _contains,
                                       description_rule_breaks, title_rule_breaks)

TITLE_ASK = re.compile(r"Rewrite this (?P<category>.+?) product title", re.I)
DESCRIPTION_ASK = re.compile(r"Rewrite this product description", re.I)
_BRAND = re.compile(r"Keep the brand '(?P<brand>[^']+)'")
_LIMIT = re.compile(r"at most (?P<n>\d+) characters")
_FIELD = re.compile(r"^(?:Title|Description):\s*(?P<text>.*)$", re.M | re.S)
MAX_SENTENCE_WORDS = 14

PLAIN_WORDS = {
    "state-of-the-art": "modern", "utilizing": "using", "utilize": "use", "utilization": "use",
    "methodologies": "methods", "methodology": "method", "incorporating": "with", "incorporates": "has",
    "comprehensively": "fully", "engineered": "built", "multifunctional": "multi-use", "componentry": "parts",
    "components": "parts", "extraordinarily": "very", "versatile": "handy", "facilitates": "gives",
    "facilitate": "give", "unparalleled": "great", "operational effectiveness": "results",
    "notwithstanding": "whatever", "environmental considerations": "the setting", "accommodates": "suits",
    "heterogeneous": "all kinds of", "utilization requirements": "uses", "requirements": "needs", "simultaneously": "at once",
    "approximately": "about", "additionally": "also", "furthermore": "also", "demonstrates": "shows",
    "exceptional": "great", "functionality": "use", "individuals": "people",
    "purchase": "buy", "sufficient": "enough", "commence": "start", "terminate": "end", "assistance": "help",
}
_PLAIN = re.compile(r"(?<![\w-])(" + "|".join(re.escape(k) for k in sorted(PLAIN_WORDS, key=len, reverse=True))
                    + r")(?![\w-])", re.I)


def is_listing_request(prompt: str) -> bool:
    return bool(TITLE_ASK.search(prompt) or DESCRIPTION_ASK.search(prompt))


def rewrite(prompt: str, catalog) -> str:
    field = _FIELD.search(prompt)
    current = field.group("text").strip() if field else ""
    title_ask = TITLE_ASK.search(prompt)
    if title_ask:
        return rewrite_title(current, title_ask.group("category").strip(), prompt, catalog)
    return rewrite_description(current)


def _rules_for(limit: Optional[int]) -> dict:
    """The marketplace rules the asked-for length belongs to (the request names a length, not a marketplace)."""
    if limit is None:
        return DEFAULT_RULES
    same = [r for r in RULES.values() if r["title_target"] == limit]
    return same[0] if same else {**DEFAULT_RULES, "title_target": limit, "title_max": max(limit, 1)}


def rewrite_title(title: str, category: str, prompt: str, catalog) -> str:
    limit = _LIMIT.search(prompt)
    rules = _rules_for(int(limit.group("n")) if limit else None)
    terms = catalog.search_terms(category)
    core = catalog.title_core(title)
    if core:  # a known product: its catalog name plus the category's top search terms it lacks
        text = core
        for term in terms:
            candidate = f"{text}, {term.title()}"
            if not _contains(text, term) and len(candidate) <= rules["title_target"] and not _repeats(candidate):
                text = candidate
            if text.count(",") >= 2:
                break
    else:
        text = _clean_title(title, {}, rules, [t for t in terms if not _contains(title, t)][:3])
    brand = _BRAND.search(prompt)
    if brand and not _contains(text, brand.group("brand")):
        text = f"{brand.group('brand')} {text}"
        if len(text) > rules["title_target"]:
            cut = text[: rules["title_target"]]
            text = cut[: cut.rfind(" ")].rstrip(" ,-")
    broken = title_rule_breaks(text, rules)
    return text if not broken else f"I could not rewrite this title within the rules ({'; '.join(broken)})."


def _repeats(title: str) -> bool:
    """The listing job's repetition rule: a word (not a stopword) more than twice."""
    counts = Counter(w.lower().strip(",-") for w in title.split())
    return any(n > 2 for w, n in counts.items() if w and w not in STOPWORDS)


def _split_long(sentence: str) -> list[str]:
    """Splits a sentence at commas and 'and'/'but' joins while it is longer than MAX_SENTENCE_WORDS words."""
    if len(sentence.split()) <= MAX_SENTENCE_WORDS:
        return [sentence]
    for joint in (", ", " and ", " but ", " while "):
        parts = [p.strip(" ,") for p in sentence.split(joint)]
        if len(parts) > 1 and all(len(p.split()) >= 3 for p in parts):
            out = []
            for p in parts:
                out += _split_long(p)
            return out
    return [sentence]


def rewrite_description(description: str) -> str:
    plain = _PLAIN.sub(lambda m: _same_case(m.group(0), PLAIN_WORDS[m.group(0).lower()]), description)
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", plain) if s.strip()]
    out = []
    for s in sentences:
        end = s[-1] if s[-1] in ".!?" else "."
        for part in _split_long(s.rstrip(".!?")):
            out.append(part[:1].upper() + part[1:] + end)
    text = " ".join(out)
    broken = description_rule_breaks(text, DEFAULT_RULES)
    return text if not broken else f"I could not make this description easy enough to read ({'; '.join(broken)})."


def _same_case(original: str, plain: str) -> str:
    return plain[:1].upper() + plain[1:] if original[:1].isupper() else plain
