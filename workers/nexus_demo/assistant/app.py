"""The OpenAI-compatible HTTP surface of the demo assistant.

POST /v1/chat/completions (also /chat/completions)  {model, messages: [{role, content}], ...}
  200 {id, object: "chat.completion", created, model, choices: [{index, message: {role, content}, finish_reason}]}
  400 {error: {message, type: "invalid_request_error", param, code}} for a malformed request or stream: true
GET  /v1/models (also /models)  the one model it serves (any model name is accepted in requests)
GET  /healthz
Any API key is accepted: it serves demo data only and binds where it is told (127.0.0.1 for local runs).
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Optional

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from nexus_worker import __version__
from nexus_worker.config import Settings
from nexus_worker.data.factory import build_provider
from . import rewrite, shopping
from .catalog import DemoCatalog

MODEL_ID = "nexus-demo"
log = logging.getLogger("nexus_demo.assistant")


def invalid(message: str, param: Optional[str] = None, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": "invalid_request_error", "param": param,
                                   "code": None}}, status_code=status)


def respond(messages: list[dict], catalog: DemoCatalog) -> str:
    """The answer to the last user message; listing-rewrite requests and shopping questions differ."""
    prompt = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    if rewrite.is_listing_request(prompt):
        return rewrite.rewrite(prompt, catalog)
    return shopping.answer(prompt, catalog)


def _messages(body) -> tuple[Optional[list[dict]], Optional[JSONResponse]]:
    if not isinstance(body, dict):
        return None, invalid("the body must be a JSON object")
    if not isinstance(body.get("model"), str) or not body["model"]:
        return None, invalid("model is required", "model")
    if body.get("stream"):
        return None, invalid("streaming is not supported by the demo assistant", "stream")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return None, invalid("messages must be a non-empty list", "messages")
    out = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            return None, invalid(f"messages[{i}] must be an object with a role", f"messages[{i}]")
        content = m.get("content")
        if isinstance(content, list):  # content parts: the text parts count
            content = "\n".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
        if not isinstance(content, str):
            return None, invalid(f"messages[{i}].content must be text", f"messages[{i}].content")
        out.append({"role": m["role"], "content": content})
    if not any(m["role"] == "user" for m in out):
        return None, invalid("messages need at least one user message", "messages")
    return out, None


def create_app(settings: Optional[Settings] = None) -> FastAPI:
    settings = settings or Settings.from_env()
    app = FastAPI(title="Nexus demo assistant", version=__version__)
    app.state.catalog = None

    @app.on_event("startup")
    def startup() -> None:  # sync: runs in a thread, so seeding does not block the loop
        app.state.catalog = DemoCatalog(build_provider(settings))
        log.info("demo assistant ready", extra={"data_provider": settings.data_provider})

    @app.on_event("shutdown")
    def shutdown() -> None:
        if app.state.catalog is not None:
            app.state.catalog.provider.close()

    async def completions(request: Request):
        try:
            body = json.loads(await request.body() or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return invalid(f"the body is not valid JSON: {exc}")
        messages, err = _messages(body)
        if err is not None:
            return err
        if app.state.catalog is None:
            return JSONResponse({"error": {"message": "starting", "type": "server_error"}}, status_code=503)
        content = await run_in_threadpool(respond, messages, app.state.catalog)
        digest = hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()[:24]
        return {"id": f"chatcmpl-{digest}", "object": "chat.completion", "created": int(time.time()),
                "model": body["model"], "system_fingerprint": f"{MODEL_ID}-{__version__}",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                             "finish_reason": "stop"}]}

    async def models():
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0,
                                            "owned_by": "nexus-demo"}]}

    for prefix in ("/v1", ""):
        app.add_api_route(f"{prefix}/chat/completions", completions, methods=["POST"])
        app.add_api_route(f"{prefix}/models", models, methods=["GET"])

    @app.get("/healthz")
    async def healthz():
        if app.state.catalog is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        return {"status": "ok"}

    return app
