"""A small client for OpenAI-compatible chat-completions APIs (POST {base_url}/chat/completions)."""
from __future__ import annotations

import os
from dataclasses import dataclass

import httpx

from .base import JobContext


@dataclass(frozen=True)
class LlmProvider:
    name: str
    base_url: str
    model: str
    api_key: str = ""
    timeout_seconds: float = 30.0
    max_retries: int = 2

    @staticmethod
    def from_config(conf: dict) -> "LlmProvider":
        key = conf.get("api_key") or (os.environ.get(conf["api_key_env"], "") if conf.get("api_key_env") else "")
        return LlmProvider(name=str(conf["name"]), base_url=str(conf["base_url"]).rstrip("/"),
                           model=str(conf["model"]), api_key=key,
                           timeout_seconds=float(conf.get("timeout_seconds", 30)),
                           max_retries=int(conf.get("max_retries", 2)))


class LlmError(Exception):
    """The provider did not give an answer after its retries."""


def chat(ctx: JobContext, provider: LlmProvider, system: str, user: str, client: httpx.Client) -> str:
    """The assistant's answer text. Retries connection errors, timeouts, 429 and 5xx with backoff."""
    headers = {"Authorization": f"Bearer {provider.api_key}"} if provider.api_key else {}
    body = {"model": provider.model, "temperature": 0,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}]}
    last = ""
    for attempt in range(provider.max_retries + 1):
        ctx.check()
        # Never wait past the job's deadline for one answer.
        timeout = max(0.5, min(provider.timeout_seconds, ctx.seconds_left()))
        try:
            resp = client.post(f"{provider.base_url}/chat/completions", json=body, headers=headers, timeout=timeout)
            if resp.status_code == 429 or resp.status_code >= 500:
                last = f"HTTP {resp.status_code}"
            elif resp.status_code >= 400:
                raise LlmError(f"{provider.name}: HTTP {resp.status_code}: {resp.text[:200]}")
            else:
                data = resp.json()
                return str(data["choices"][0]["message"]["content"] or "")
        except (httpx.TransportError, httpx.TimeoutException) as exc:
            last = f"{type(exc).__name__}"
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise LlmError(f"{provider.name}: malformed response ({exc})") from exc
        if attempt < provider.max_retries:
            ctx.sleep(min(4.0, 0.25 * 2 ** attempt))
    raise LlmError(f"{provider.name}: no answer after {provider.max_retries + 1} tries ({last})")


def configured_providers(settings, names: list[str] | None = None) -> list[LlmProvider]:
    providers = [LlmProvider.from_config(c) for c in settings.llm_providers]
    if names:
        providers = [p for p in providers if p.name in names]
    return providers
