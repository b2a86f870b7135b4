"""What every job method receives and may raise."""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from datetime import date
from typing import Any, Callable, Optional

from pydantic import BaseModel, Extra, Field, constr, validator

from ..data.provider import DataProvider

# Python patterns, applied with re.match as pydantic does: `^` is the start and `\Z` the very end (Python's `$`
# would also match before a final newline). The published JSON Schemas state them in ECMA-262 form, where `$` is
# the very end (nexus_worker.schemas translates).
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z"
MARKETPLACE_PATTERN = r"^[a-z][a-z0-9_]{1,31}\Z"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"
# Lengths the patterns imply, stated in the schemas too (so every string of the API has a stated bound).
SKU_MAX_LENGTH = 64
MARKETPLACE_MAX_LENGTH = 32
DATE_LENGTH = 10
# An assistant's configured name, as params name it (llm_visibility_score providers, listing_optimize assistant).
ASSISTANT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z"
ASSISTANT_MAX_LENGTH = 64
AssistantName = constr(regex=ASSISTANT_PATTERN, max_length=ASSISTANT_MAX_LENGTH)


class JobError(Exception):
    """A failure reported to the operator as {code, message, retryable}."""

    def __init__(self, code: str, message: str, retryable: bool = False):
        super().__init__(message)
        self.code, self.message, self.retryable = code, message, retryable


class JobAborted(Exception):
    """The run was aborted (DELETE, a newer attempt, or shutdown); its outcome is already decided."""


class StrictParams(BaseModel):
    """Params of a job type: unknown keys are rejected so a typo is a 422, not a silently ignored option; values
    must already have their JSON type (no "5" for 5, no 1 for true), so the published schema says exactly what is
    accepted."""

    class Config:
        extra = Extra.forbid

    @validator("*", pre=True)
    def _json_type(cls, v, field):
        if v is None:
            return v  # pydantic refuses None for fields that are not Optional
        outer = field.outer_type_
        if isinstance(outer, type) and issubclass(outer, list):
            if not isinstance(v, list):
                raise TypeError("must be an array")
            if not all(_has_json_type(item, field.type_) for item in v):
                raise TypeError(f"items must be {_JSON_NAME.get(_json_kind(field.type_), 'valid')}")
        elif not _has_json_type(v, outer):
            raise TypeError(f"must be {_JSON_NAME[_json_kind(outer)]}")
        return v


_JSON_NAME = {"boolean": "a boolean", "integer": "an integer", "number": "a number", "string": "a string",
              "date": "a date string YYYY-MM-DD"}


def _json_kind(t: Any) -> str:
    if not isinstance(t, type):
        return "any"
    for base, kind in ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (date, "date")):
        if issubclass(t, base):
            return kind
    return "any"


def _has_json_type(v: Any, t: Any) -> bool:
    kind = _json_kind(t)
    if kind == "boolean":
        return isinstance(v, bool)
    if kind == "integer":  # JSON Schema counts 3.0 as an integer
        return not isinstance(v, bool) and (isinstance(v, int) or (isinstance(v, float) and v.is_integer()))
    if kind == "number":
        return not isinstance(v, bool) and isinstance(v, (int, float))
    if kind == "string":
        return isinstance(v, str)
    if kind == "date":
        return isinstance(v, str) and re.match(DATE_PATTERN, v) is not None
    return True


class SkuId(str):
    """A SKU identifier in a params list. Its pattern is checked over the whole list (check_skus), so one error
    names every bad id; this type carries the pattern into the published schema."""

    @classmethod
    def __get_validators__(cls):
        yield lambda v: v

    @classmethod
    def __modify_schema__(cls, field_schema: dict) -> None:
        field_schema.update(type="string", pattern=SKU_PATTERN, maxLength=SKU_MAX_LENGTH)


def sku_list(max_items: int = 5000):
    return Field(None, min_items=1, max_items=max_items,
                 description="SKUs to process; all of the tenant's SKUs when omitted")


def marketplace_field(description: str = "marketplace whose catalogue names the SKUs"):
    return Field("amazon_us", regex=MARKETPLACE_PATTERN, max_length=MARKETPLACE_MAX_LENGTH, description=description)


def check_skus(skus: Optional[list[str]]) -> Optional[list[str]]:
    if skus is None:
        return None
    bad = [s for s in skus if not re.match(SKU_PATTERN, s)]
    if bad:
        raise ValueError(f"invalid SKU identifiers: {', '.join(bad[:5])}")
    return list(dict.fromkeys(skus))  # de-duplicated, order kept


class SkuListParams(StrictParams):
    """What every job type takes: the SKUs (default all) of one marketplace."""
    skus: Optional[list[SkuId]] = sku_list()
    marketplace: str = marketplace_field()

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
