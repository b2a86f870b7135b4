"""What every job method receives and may raise."""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from pydantic import BaseModel, Extra, Field, validator

from ..data.provider import DataProvider

SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
MARKETPLACE_PATTERN = r"^[a-z][a-z0-9_]{1,31}$"


class JobError(Exception):
    """A failure reported to the operator as {code, message, retryable}."""

    def __init__(self, code: str, message: str, retryable: bool = False):
        super().__init__(message)
        self.code, self.message, self.retryable = code, message, retryable


class JobAborted(Exception):
    """The run was aborted (DELETE, a newer attempt, or shutdown); its outcome is already decided."""


class StrictParams(BaseModel):
    """Params of a job type: unknown keys are rejected so a typo is a 422, not a silently ignored option."""

    class Config:
        extra = Extra.forbid
        anystr_strip_whitespace = True


def check_skus(skus: Optional[list[str]]) -> Optional[list[str]]:
    if skus is None:
        return None
    bad = [s for s in skus if not re.match(SKU_PATTERN, s)]
    if bad:
        raise ValueError(f"invalid SKU identifiers: {', '.join(bad[:5])}")
    return list(dict.fromkeys(skus))  # de-duplicated, order kept


class SkuListParams(StrictParams):
    skus: Optional[list[str]] = Field(None, min_items=1, max_items=5000,
                                      description="SKUs to process; all of the tenant's SKUs when omitted")
    marketplace: str = Field("amazon_us", regex=MARKETPLACE_PATTERN)

    @validator("skus")
    def _skus(cls, v):
        return check_skus(v)


@dataclass
class JobContext:
    job_id: str
    job_type: str
    tenant: str
    attempt: int
    deadline: datetime
    provider: DataProvider
    settings: Any
    cancel_event: threading.Event = field(default_factory=threading.Event)
    on_progress: Callable[[float], None] = lambda _p: None

    def check(self) -> None:
        """Cooperative abort point: called between units of work."""
        if self.cancel_event.is_set():
            raise JobAborted()
        if datetime.now(timezone.utc) >= self.deadline:
            raise JobError("WORKER_TIMEOUT", "the job's deadline passed before it finished", retryable=True)

    def progress(self, fraction: float) -> None:
        self.on_progress(min(1.0, max(0.0, fraction)))
        self.check()

    def seconds_left(self) -> float:
        return (self.deadline - datetime.now(timezone.utc)).total_seconds()

    def sleep(self, seconds: float) -> None:
        """Waits, waking at once on abort; used between retries of remote calls."""
        end = time.monotonic() + seconds
        while True:
            self.check()
            left = end - time.monotonic()
            if left <= 0:
                return
            self.cancel_event.wait(min(left, 0.2))


def resolve_products(ctx: JobContext, marketplace: str, skus: Optional[list[str]]) -> list[dict]:
    """Products for the requested SKUs; an unknown SKU fails the job (not retryable: the input is wrong)."""
    products = ctx.provider.products(ctx.tenant, marketplace, skus)
    if skus is not None:
        found = {p["sku"] for p in products}
        missing = [s for s in skus if s not in found]
        if missing:
            raise JobError("UNKNOWN_SKU", f"no such SKU for tenant {ctx.tenant!r} in {marketplace}: "
                           + ", ".join(missing[:20]), retryable=False)
        order = {s: i for i, s in enumerate(skus)}
        products.sort(key=lambda p: order[p["sku"]])
    elif not products:
        raise JobError("NO_PRODUCTS", f"tenant {ctx.tenant!r} has no products in {marketplace}", retryable=False)
    return products
