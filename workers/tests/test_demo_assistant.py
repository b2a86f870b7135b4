"""The demo assistant: OpenAI chat format over real HTTP, answers from the demo data, and a worker using it.

Expected answers are derived from the seeded demo data (tenant demo). Phone chargers on amazon_us, with
rating and units sold over the last 4 weeks: SKU-037 Trailpeak 4.7/1608, SKU-045 Kindred & Co 4.7/1194,
SKU-029 Voltwise 4.6/1366, SKU-001 Lumora 4.6/1266, SKU-013 Brewcraft 4.5, SKU-021 Lumora 4.5, SKU-005
Kindred & Co 4.4; the seller Bargain Bay offers SKU-001 (rated 4.9) and SKU-005 (4.5): mean 4.7, no units.
"""
from __future__ import annotations

import json

import pytest

from nexus_demo.assistant.catalog import DemoCatalog
from nexus_demo.assistant.rewrite import rewrite
from nexus_demo.assistant.shopping import understand
from nexus_worker.jobs.listing import RULES, flesch_reading_ease, title_rule_breaks
from tests.conftest import job_body
from tests.servers import AssistantProcess, wait_for

BEST_PROMPT = "What are the best phone charger to buy on Amazon?"  # the job's first prompt for SKU-001


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    return str(tmp_path_factory.mktemp("demo-assistant") / "worker-data.sqlite3")


@pytest.fixture(scope="module")
def assistant(db_path):
    a = AssistantProcess({"WORKER_DB_PATH": db_path})
    try:
        yield a.ready()
    finally:
        a.stop()


def chat(assistant, content: str, path: str = "/v1/chat/completions") -> dict:
    resp = assistant.client.post(path, json={"model": "demo", "temperature": 0,
                                             "messages": [{"role": "system", "content": "You help shoppers."},
                                                          {"role": "user", "content": content}]})
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_answers_in_the_openai_chat_format(assistant):
    body = chat(assistant, BEST_PROMPT)
    assert body["object"] == "chat.completion" and body["model"] == "demo"
    assert body["id"].startswith("chatcmpl-")
    [choice] = body["choices"]
    assert choice["index"] == 0 and choice["finish_reason"] == "stop"
    assert choice["message"]["role"] == "assistant"
    items = [line for line in choice["message"]["content"].splitlines() if line[:2] in {f"{i}." for i in range(10)}]
    # Rating first, then units: the two 4.7 products (more units first), the 4.7 seller (no units), the 4.6s.
    assert [item.split(" — ")[0] for item in items] == [
        "1. Trailpeak USB-C Fast Charger - Black", "2. Kindred & Co USB-C Fast Charger Pro",
        "3. Bargain Bay (seller)", "4. Voltwise USB-C Fast Charger - Blue", "5. Lumora USB-C Fast Charger - Black"]
    assert items[4] == "5. Lumora USB-C Fast Charger - Black — rated 4.6/5, $14.99, about 1266 sold in the last 4 weeks"
    # Deterministic, and the same on the path without /v1.
    again = chat(assistant, BEST_PROMPT, "/chat/completions")
    assert again["choices"][0]["message"]["content"] == choice["message"]["content"]
    assert again["id"] == body["id"]


def test_models_health_and_bad_requests(assistant):
    assert assistant.client.get("/healthz").json() == {"status": "ok"}
    assert [m["id"] for m in assistant.client.get("/v1/models").json()["data"]] == ["nexus-demo"]
    for bad, param in [({"model": "demo"}, "messages"), ({"messages": [{"role": "user", "content": "x"}]}, "model"),
                       ({"model": "demo", "stream": True, "messages": [{"role": "user", "content": "x"}]}, "stream"),
                       ({"model": "demo", "messages": [{"role": "user", "content": 5}]}, "messages[0].content"),
                       ({"model": "demo", "messages": [{"role": "system", "content": "x"}]}, "messages")]:
        resp = assistant.client.post("/v1/chat/completions", json=bad)
        assert resp.status_code == 400 and resp.json()["error"]["param"] == param, (bad, resp.text)
    resp = assistant.client.post("/v1/chat/completions", content=b"{not json")
    assert resp.status_code == 400 and resp.json()["error"]["type"] == "invalid_request_error"


def test_unknown_category_gets_no_list(assistant):
    text = chat(assistant, "Which garden hose should I buy?")["choices"][0]["message"]["content"]
    assert text.startswith("I can only recommend products from the demo catalog")
    assert "phone charger" in text and "\n1." not in text


def test_reading_questions(provider):
    catalog = DemoCatalog(provider)
    vocab = catalog.vocabulary(catalog.products(["amazon_us", "walmart_us"]))
    q = understand("Cheap eco friendly yoga mats on Walmart under $15?", vocab)
    assert (q.category, q.marketplaces, q.budget, q.intent) == ("yoga mat", ["walmart_us"], 15.0, "value")
    q = understand("Which iPhone charger brands have the best reviews right now?", vocab)
    assert (q.category, q.marketplaces, q.budget, q.intent) == ("phone charger", ["amazon_us", "walmart_us",
                                                                                   "ebay_us"], None, "brands")
    assert understand("hello", vocab).category is None


def test_rewrites_obey_the_listing_rules(provider):
    catalog = DemoCatalog(provider)
    stuffed = provider.listings("demo", "walmart_us", ["SKU-035"])["SKU-035"]["title"]  # shouting, stuffed, promo
    ask = ("Rewrite this water bottle product title for a marketplace listing. Keep the brand 'Kindred & Co', no "
           f"promotional claims, no capitals-only words, at most 75 characters. Reply with the title only.\nTitle: "
           f"{stuffed}")
    title = rewrite(ask, catalog)
    # The catalog name, then the top missing terms while they fit 75 characters without a word a third time:
    # "stainless steel water bottle" (40500; water/bottle twice) makes 71 characters; "32 oz water bottle" would
    # repeat them a third time, and "bpa free" would make 81.
    assert title == "Kindred & Co Insulated Water Bottle - Blue, Stainless Steel Water Bottle"
    assert title_rule_breaks(title, RULES["walmart_us"]) == []


def test_a_worker_scores_visibility_and_drafts_listings_with_it(db_path, worker_factory):
    # Both processes seed the same new database file at once: one seeds, the other waits on its write lock.
    shared = db_path + ".shared"
    assistant = AssistantProcess({"WORKER_DB_PATH": shared})
    try:
        providers = json.dumps([{"name": "demo", "base_url": f"{assistant.read_url()}/v1", "model": "demo"}])
        worker = worker_factory(WORKER_DB_PATH=shared, WORKER_LLM_PROVIDERS=providers)
        assistant.ready()

        def finished(job_id):
            view = worker.client.get(f"/v1/jobs/{job_id}").json()
            return view if view["status"] != "running" else None

        assert worker.client.post("/v1/jobs", json=job_body("vis-1", "llm_visibility_score", {
            "skus": ["SKU-001"], "marketplace": "amazon_us"})).status_code == 202
        assert worker.client.post("/v1/jobs", json=job_body("lst-1", "listing_optimize", {
            "skus": ["SKU-020"], "marketplace": "amazon_us"})).status_code == 202
        vis = wait_for(lambda: finished("vis-1"), what="visibility job")
        lst = wait_for(lambda: finished("lst-1"), what="listing job")
    finally:
        assistant.stop()
    assert vis["status"] == "completed", vis
    row = vis["result"]["skus"][0]["assistants"]["demo"]
    # Prompt 1 (Amazon, best): Lumora's SKU-001 is fifth -> 50. Prompt 2 (under $19, both marketplaces): Trailpeak
    # ($20.99) is out; Kindred & Co 4.7, then the 4.6s by units over both marketplaces: Voltwise 2067, Lumora
    # 1912 -> third, 70. Prompt 3 (brands): Trailpeak 4.70, Voltwise 4.60, then Kindred & Co and Lumora both 4.55
    # ((4.4+4.7)/2, (4.6+4.5)/2), Kindred & Co selling more -> Lumora fourth, 60. Mean (50+70+60)/3 = 60.
    assert [a["rank"] for a in row["answers"]] == [5, 3, 4]
    assert [a["score"] for a in row["answers"]] == [50, 70, 60]
    assert (row["score"], row["mentions"], row["best_rank"]) == (60.0, 3, 3)
    assert vis["result"]["overall_score"] == 60.0 and vis["result"]["partial"] is False

    assert lst["status"] == "completed", lst
    assert lst["result"]["assistant"] == "demo" and lst["result"]["assistant_errors"] == []
    props = {p["issue"]: p for p in lst["result"]["skus"][0]["proposals"]}
    # SKU-020 (desk lamp, Kindred & Co, " - 2 Pack"): stuffed over-long title (20 % 5 == 0) and the dense
    # description (20 % 4 == 0). The draft: the catalog name plus the two top desk-lamp terms it lacks that keep
    # "lamp" at most twice ("reading lamp" 27100, "home office lighting" 6600).
    assert props["title_too_long"]["drafted_by"] == "demo"
    assert props["title_too_long"]["proposed"] == "Kindred & Co LED Desk Lamp - 2 Pack, Reading Lamp, Home Office Lighting"
    assert props["title_repetition"]["proposed"] == props["title_too_long"]["proposed"]
    described = props["hard_to_read"]
    assert described["drafted_by"] == "demo"
    assert described["proposed"] == ("Using modern manufacturing methods and with fully built multi-use parts. This "
                                     "very handy led desk lamp gives great results whatever the setting. Suits all "
                                     "kinds of uses at once.")
    assert flesch_reading_ease(described["proposed"]) >= 40
