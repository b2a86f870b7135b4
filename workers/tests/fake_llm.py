"""A local OpenAI-compatible chat-completions server whose answers depend only on the request, so tests can
state exact expectations. Behaviour by model name:
  shopping  numbered product lists (see ANSWERS)
  broken    always HTTP 500
  flaky     HTTP 500 on its first call, then like `shopping`
  writer    listing rewrites that obey the rules
  shouty    listing rewrites that break them
"""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

ANSWERS = {
    # category -> list items; our SKU-001 product (brand Lumora) sits second.
    "phone charger": ["Anker Nano 20W", "Lumora USB-C Fast Charger", "Belkin Boost Charge"],
    "running socks": ["Balega Hidden Comfort", "Feetures Elite", "Darn Tough Run"],
}


def create_fake_llm() -> FastAPI:
    app = FastAPI()
    app.state.calls = []

    @app.post("/chat/completions")
    async def chat(request: Request):
        body = await request.json()
        model = body["model"]
        prompt = body["messages"][-1]["content"]
        app.state.calls.append({"model": model, "prompt": prompt,
                                "authorization": request.headers.get("authorization")})
        if model == "broken" or (model == "flaky" and sum(c["model"] == "flaky" for c in app.state.calls) == 1):
            return JSONResponse({"error": {"message": "upstream exploded"}}, 500)
        if model in ("shopping", "flaky"):
            text = "Here are some options:\n"
            for category, items in ANSWERS.items():
                if category in prompt:
                    if category == "running socks" and "brands have the best reviews" in prompt:
                        items = ["Trailpeak"] + items  # our brand leads only for this prompt
                    text += "\n".join(f"{i}. {item}" for i, item in enumerate(items, 1))
            content = text
        elif model == "writer":
            content = ("Kindred & Co USB-C Fast Charger, 20W, Foldable Plug" if "product title" in prompt
                       else "It charges fast. It is small. It folds up for travel.")
        elif model == "shouty":
            content = "BEST SELLER CHARGER!!! BUY NOW" if "product title" in prompt else \
                "Notwithstanding multifunctional considerations, extraordinarily comprehensive engineering."
        else:
            return JSONResponse({"error": {"message": f"unknown model {model}"}}, 404)
        return {"id": "chatcmpl-test", "object": "chat.completion", "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                             "finish_reason": "stop"}]}
    return app
