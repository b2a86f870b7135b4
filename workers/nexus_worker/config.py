"""Settings from the environment (documented in README.md)."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from .jobs import JOB_TYPES


class ConfigError(ValueError):
    pass


def _json_env(name: str, default):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{name} is not valid JSON: {exc}") from exc


def _int_env(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    return value


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


@dataclass
class Settings:
    job_types: list[str] = field(default_factory=lambda: list(JOB_TYPES))
    concurrency: int = 4
    data_provider: str = "sqlite"
    db_path: str = ":memory:"
    seed_demo: bool = True
    catalog_url: str = ""
    catalog_token: str = ""
    catalog_timeout_seconds: float = 10.0
    llm_providers: list[dict] = field(default_factory=list)
    marketplace_connectors: dict = field(default_factory=dict)
    allow_simulation: bool = False
    result_ttl_seconds: float = 3600.0
    max_retained_jobs: int = 10000
    shutdown_grace_seconds: float = 25.0
    shutdown_linger_seconds: float = 2.0
    instance: str = ""

    @staticmethod
    def from_env() -> "Settings":
        s = Settings()
        types = [t.strip() for t in os.environ.get("WORKER_JOB_TYPES", "").split(",") if t.strip()]
        unknown = [t for t in types if t not in JOB_TYPES]
        if unknown:
            raise ConfigError(f"WORKER_JOB_TYPES names unknown job types: {', '.join(unknown)}")
        s.job_types = types or list(JOB_TYPES)
        s.concurrency = _int_env("WORKER_CONCURRENCY", 4, 1)
        s.data_provider = os.environ.get("WORKER_DATA_PROVIDER", "sqlite").strip() or "sqlite"
        if s.data_provider not in ("sqlite", "http"):
            raise ConfigError(f"WORKER_DATA_PROVIDER must be sqlite or http, got {s.data_provider!r}")
        s.db_path = os.environ.get("WORKER_DB_PATH", "").strip() or ":memory:"
        s.seed_demo = os.environ.get("WORKER_SEED_DEMO", "1").strip() != "0"
        s.catalog_url = os.environ.get("WORKER_CATALOG_URL", "").strip()
        s.catalog_token = os.environ.get("WORKER_CATALOG_TOKEN", "").strip()
        s.catalog_timeout_seconds = _float_env("WORKER_CATALOG_TIMEOUT_SECONDS", 10.0)
        if s.data_provider == "http" and not s.catalog_url:
            raise ConfigError("WORKER_DATA_PROVIDER=http needs WORKER_CATALOG_URL")
        s.llm_providers = _json_env("WORKER_LLM_PROVIDERS", [])
        if not isinstance(s.llm_providers, list) or not all(
                isinstance(p, dict) and {"name", "base_url", "model"} <= p.keys() for p in s.llm_providers):
            raise ConfigError("WORKER_LLM_PROVIDERS must be a JSON list of {name, base_url, model, ...}")
        s.marketplace_connectors = _json_env("WORKER_MARKETPLACE_CONNECTORS", {})
        if not isinstance(s.marketplace_connectors, dict) or any(
                not isinstance(c, dict) or c.get("type") not in ("demo", "http") or
                (c.get("type") == "http" and not c.get("base_url")) for c in s.marketplace_connectors.values()):
            raise ConfigError("WORKER_MARKETPLACE_CONNECTORS must map marketplaces to {type: demo|http, base_url?}")
        s.allow_simulation = os.environ.get("WORKER_ALLOW_SIMULATION", "0").strip() == "1"
        s.result_ttl_seconds = _float_env("WORKER_RESULT_TTL_SECONDS", 3600.0)
        s.max_retained_jobs = _int_env("WORKER_MAX_RETAINED_JOBS", 10000, 10)
        s.shutdown_grace_seconds = _float_env("WORKER_SHUTDOWN_GRACE_SECONDS", 25.0)
        s.shutdown_linger_seconds = _float_env("WORKER_SHUTDOWN_LINGER_SECONDS", 2.0)
        s.instance = os.environ.get("WORKER_INSTANCE", "").strip() or os.environ.get("HOSTNAME", "")
        return s
