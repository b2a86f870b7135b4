"""Builds the data provider the settings name; shared by the worker and the demo assistant so both read (and
seed) the same database the same way."""
from __future__ import annotations

from .http_provider import HttpProvider
from .seed import seed_tenant
from .sqlite_provider import SqliteProvider


def build_provider(settings):
    if settings.data_provider == "http":
        return HttpProvider(settings.catalog_url, settings.catalog_token, settings.catalog_timeout_seconds)
    provider = SqliteProvider(settings.db_path)
    if settings.seed_demo and provider.is_empty("demo"):
        seed_tenant(provider, "demo")
    return provider
