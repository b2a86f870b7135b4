"""Rule-based sentiment scoring in the manner of VADER (Hutto & Gilbert, 2014), tuned for product reviews.

A review is split into sentences and clauses. Each polar token (or multi-word expression) contributes its
lexicon valence, adjusted by:
- intensity: a preceding booster ("very", "slightly") scales it; ALL-CAPS polar words in mixed-case text and
  exclamation marks amplify;
- negation: a negator within the three preceding tokens flips and dampens it (x -0.74), so "not bad" is mildly
  positive and "not great" mildly negative;
- contrast: in a sentence with "but"/"however", the clause after weighs 1.5x and the one before 0.5x; a clause
  opened by "although"/"while" weighs 0.5x.
The sum is normalised to (-1, 1) with x / sqrt(x^2 + 15); |score| < NEUTRAL_BAND is neutral.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .lexicon import ASPECTS, BOOSTERS, CONCESSIVE, CONTRAST_AFTER, NEGATIONS, PHRASES, WORDS

NEUTRAL_BAND = 0.05
NEGATION_SCALE = -0.74
_MAX_PHRASE = max(len(p) for p in PHRASES)
_SENTENCE_RE = re.compile(r"(?<=[.!?;])\s+|\n+")
_TOKEN_RE = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|\d+(?:\.\d+)?|[!?,:]")
_BREAKS = {",", ":"}
_ASPECT_OF = {w: a for a, words in ASPECTS.items() for w in words}


@dataclass
class Sentiment:
    label: str
    score: float
    aspects: dict[str, float] = field(default_factory=dict)


def _normalise(x: float, alpha: float = 15.0) -> float:
    return x / math.sqrt(x * x + alpha)


def _clauses(sentence_tokens: list[str]) -> list[tuple[list[str], float]]:
    """Splits a sentence at a contrast word; returns (tokens, weight) pairs."""
    lower = [t.lower() for t in sentence_tokens]
    for i, tok in enumerate(lower):
        if tok in CONTRAST_AFTER and 0 < i < len(lower) - 1:
            return [(sentence_tokens[:i], 0.5), (sentence_tokens[i + 1:], 1.5)]
    if lower and lower[0] in CONCESSIVE:
        # "Although X, Y": the concession ends at the first comma (or, lacking one, halfway).
        cut = lower.index(",") if "," in lower else max(1, len(sentence_tokens) // 2)
        return [(sentence_tokens[:cut], 0.5), (sentence_tokens[cut:], 1.0)]
    return [(sentence_tokens, 1.0)]


def _clause_valence(tokens: list[str], shouting_allowed: bool) -> float:
    lower = [t.lower() for t in tokens]
    total, i = 0.0, 0
    barrier = 0  # negation does not reach back past a comma or a phrase that holds its own negation
    while i < len(lower):
        if lower[i] in _BREAKS:
            barrier = i + 1
            i += 1
            continue
        valence, width = None, 1
        for n in range(min(_MAX_PHRASE, len(lower) - i), 1, -1):
            v = PHRASES.get(tuple(lower[i:i + n]))
            if v is not None:
                valence, width = v, n
                break
        if valence is None:
            valence = WORDS.get(lower[i])
        if valence:
            # Negated phrases like "not worth" / "no complaints" carry their negation inside the phrase.
            phrase_has_negation = width > 1 and lower[i] in NEGATIONS
            if shouting_allowed and tokens[i].isupper() and len(tokens[i]) > 1:
                valence += math.copysign(0.733, valence)
            for back in (1, 2, 3):
                j = i - back
                if j < barrier:
                    break
                b = BOOSTERS.get(lower[j])
                if b is not None:
                    scale = b * (1.0 if back == 1 else 0.95 if back == 2 else 0.9)
                    valence += math.copysign(scale, valence) if b > 0 else -math.copysign(abs(scale), valence)
            if not phrase_has_negation and any(lower[j] in NEGATIONS for j in range(max(barrier, i - 3), i)):
                valence *= NEGATION_SCALE
            total += valence
            if phrase_has_negation:
                barrier = i + width
        i += width
    return total


def analyse(text: str) -> Sentiment:
    words = _TOKEN_RE.findall(text)
    letters = [w for w in words if w.isalpha()]
    # Capitals only signal emphasis when the writer does not write everything in capitals.
    shouting_allowed = any(not w.isupper() for w in letters)
    total = 0.0
    aspect_sum: dict[str, float] = {}
    for sentence in _SENTENCE_RE.split(text):
        tokens = _TOKEN_RE.findall(sentence)
        if not tokens:
            continue
        bangs = min(4, sum(1 for t in tokens if t == "!"))
        tokens = [t for t in tokens if t not in ("!", "?")]
        while tokens and tokens[-1] in _BREAKS:
            tokens.pop()
        for clause, weight in _clauses(tokens):
            v = _clause_valence(clause, shouting_allowed) * weight
            if v:
                v += math.copysign(0.292 * bangs, v)
            total += v
            for tok in {t.lower() for t in clause if t not in _BREAKS}:
                aspect = _ASPECT_OF.get(tok)
                if aspect and v:
                    aspect_sum[aspect] = aspect_sum.get(aspect, 0.0) + v
    score = _normalise(total)
    label = "positive" if score >= NEUTRAL_BAND else "negative" if score <= -NEUTRAL_BAND else "neutral"
    return Sentiment(label, round(score, 4), {a: round(_normalise(v), 4) for a, v in sorted(aspect_sum.items())})
