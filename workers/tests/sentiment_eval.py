"""Accuracy and per-class precision/recall of the review_sentiment analyser on a labelled TSV file.

    cd workers && /usr/bin/python3 -m tests.sentiment_eval [tests/data/sentiment_eval.tsv]
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from nexus_worker.jobs.sentiment.analyzer import analyse

DATA = Path(__file__).parent / "data"
EVAL_SET = DATA / "sentiment_eval.tsv"
DEV_SET = DATA / "sentiment_dev.tsv"
CLASSES = ("positive", "negative", "neutral")


def labelled(path: Path) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            label, text = line.split("\t", 1)
            rows.append((label, text))
    return rows


@dataclass
class Report:
    count: int
    accuracy: float
    precision: dict[str, float]
    recall: dict[str, float]
    support: dict[str, int]


def evaluate(path: Path) -> Report:
    pairs = [(label, analyse(text).label) for label, text in labelled(path)]
    precision, recall, support = {}, {}, {}
    for c in CLASSES:
        hits = sum(1 for truth, got in pairs if truth == got == c)
        predicted = sum(1 for _, got in pairs if got == c)
        support[c] = sum(1 for truth, _ in pairs if truth == c)
        precision[c] = hits / predicted if predicted else 0.0
        recall[c] = hits / support[c] if support[c] else 0.0
    accuracy = sum(1 for truth, got in pairs if truth == got) / len(pairs)
    return Report(len(pairs), accuracy, precision, recall, support)


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else EVAL_SET
    r = evaluate(path)
    print(f"{path.name}: {r.count} reviews, accuracy {r.accuracy:.3f}")
    print("class     support  precision  recall")
    for c in CLASSES:
        print(f"{c:<9} {r.support[c]:>7}  {r.precision[c]:>9.3f}  {r.recall[c]:>6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
