"""review_sentiment: the published figures on a held-out hand-labelled set, negation/intensity rules, and the job."""
from __future__ import annotations

from pathlib import Path

from nexus_worker.jobs.sentiment import job
from nexus_worker.jobs.sentiment.analyzer import analyse
from tests.sentiment_eval import CLASSES, DEV_SET, EVAL_SET, evaluate, labelled

# The figures workers/README.md publishes for the held-out set (measured: accuracy 0.621; precision/recall
# positive 0.674/0.572, negative 0.804/0.554, neutral 0.495/0.748); each floor sits a little under its figure.
ACCURACY_FLOOR = 0.60
PRECISION_FLOOR = {"positive": 0.65, "negative": 0.78, "neutral": 0.47}
RECALL_FLOOR = {"positive": 0.55, "negative": 0.53, "neutral": 0.72}


def test_held_out_figures_are_the_published_ones():
    # The evaluation set was written apart from the lexicon and committed before the lexicon last changed; it is
    # never used to tune. Three classes, mixed and neutral reviews included.
    rows = labelled(EVAL_SET)
    assert len(rows) >= 400 and {label for label, _ in rows} == set(CLASSES)
    report = evaluate(EVAL_SET)
    print(report)
    assert report.accuracy >= ACCURACY_FLOOR
    for c in CLASSES:
        assert report.precision[c] >= PRECISION_FLOOR[c], (c, report.precision[c])
        assert report.recall[c] >= RECALL_FLOOR[c], (c, report.recall[c])


def test_development_set_still_scores_as_when_the_rules_were_written():
    # Not an accuracy claim: the rules were written with these reviews in view. A regression check only.
    assert evaluate(DEV_SET).accuracy >= 0.82


def test_negation_flips_and_dampens():
    assert analyse("This charger is good.").score > 0
    assert analyse("This charger is not good.").score < 0
    assert abs(analyse("This charger is not good.").score) < analyse("This charger is good.").score
    assert analyse("Not bad at all.").label == "positive"
    assert analyse("No complaints, works perfectly.").label == "positive"


def test_intensity():
    good = analyse("The sound is good.").score
    assert analyse("The sound is very good.").score > good
    assert analyse("The sound is slightly good.").score < good
    assert analyse("The sound is GOOD!!!").score > good


def test_contrast_weighs_the_later_clause():
    assert analyse("The battery is great but the sound is terrible.").label == "negative"
    assert analyse("The box was dented, but the lamp itself is excellent.").label == "positive"


def test_aspects_get_their_clause_sentiment():
    s = analyse("The battery lasts forever and is great. The bluetooth connection drops constantly and is awful.")
    assert s.aspects["battery"] > 0
    assert s.aspects["connectivity"] < 0


def test_job_scores_unscored_reviews_once(make_ctx, provider):
    params = job.SentimentParams(skus=["SKU-001", "SKU-002"], max_reviews_in_result=5)
    first = job.run(make_ctx("review_sentiment", job_id="job-s1"), params)
    assert first["scored_count"] == 48  # 24 seeded reviews per SKU
    assert len(first["reviews"]) == 5 and first["reviews_truncated"] is True
    rows = {r["sku"]: r for r in first["skus"]}
    for row in rows.values():
        assert row["positive"] + row["negative"] + row["neutral"] == row["reviews_scored"] == 24
        assert -1 <= row["mean_score"] <= 1
    # Stored: another job finds nothing left to score; a retry of the same job sees the same reviews.
    assert job.run(make_ctx("review_sentiment", job_id="job-s2"), params)["scored_count"] == 0
    assert job.run(make_ctx("review_sentiment", job_id="job-s1", attempt=2), params)["scored_count"] == 48
    assert job.run(make_ctx("review_sentiment", job_id="job-s3"),
                   job.SentimentParams(skus=["SKU-001"], rescore=True))["scored_count"] == 24


def test_job_aggregates_match_the_review_scores(make_ctx):
    result = job.run(make_ctx("review_sentiment"), job.SentimentParams(skus=["SKU-003"], max_reviews_in_result=100))
    reviews = result["reviews"]
    row = result["skus"][0]
    assert row["positive"] == sum(1 for r in reviews if r["label"] == "positive")
    assert row["mean_score"] == round(sum(r["score"] for r in reviews) / len(reviews), 3)
    for entry in row["positive_aspects"]:
        assert entry["mean_score"] > 0 and entry["mentions"] >= 1
    for entry in row["negative_aspects"]:
        assert entry["mean_score"] < 0


def test_readme_publishes_the_measured_figures():
    # workers/README.md states the held-out figures; they are the ones this analyser measures today.
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    report = evaluate(EVAL_SET)
    assert f"**accuracy {report.accuracy:.3f}**" in readme
    for c in CLASSES:
        row = f"| {c} | {report.support[c]} | {report.precision[c]:.3f} | {report.recall[c]:.3f} |"
        assert row in readme, row
