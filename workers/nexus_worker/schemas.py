"""Each job type's params JSON Schema (2020-12), generated from the job type's pydantic model.

    cd workers && /usr/bin/python3 -m nexus_worker.schemas [--check] [--out DIR]    (or: make params-schemas)

Writes `crds/params/<job_type>.schema.json` (DIR defaults to the repository's `crds/params`); `--check` writes
nothing and exits 1 when a committed file differs from the models. The schema says exactly what the model
accepts: unknown keys are refused (`additionalProperties: false`), values must have their JSON type
(StrictParams), Optional fields also take null, and patterns are written in ECMA-262 form (`$` is the very end,
as the model's `\\Z` is under Python's `re.match`).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .jobs import JOB_TYPES
from .jobs.base import DATE_LENGTH, DATE_PATTERN, StrictParams, _json_kind

DIALECT = "https://json-schema.org/draft/2020-12/schema"
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "crds" / "params"
_FIRST_KEYS = ("type", "description", "default")


def ecma_pattern(python_pattern: str) -> str:
    """`^...\\Z` (Python, matched with re.match) -> `^...$` (ECMA-262, where `$` is the end of the input)."""
    if not (python_pattern.startswith("^") and python_pattern.endswith("\\Z")):
        raise ValueError(f"params patterns must be anchored as ^...\\Z, got {python_pattern!r}")
    return python_pattern[:-2] + "$"


INT32 = (-2**31, 2**31 - 1)


def _clean(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _clean(v) for k, v in node.items() if k != "title"}
        if "pattern" in out:
            out["pattern"] = ecma_pattern(out["pattern"])
        if out.get("type") == "integer":
            # Every integer is bounded within 32 bits; the format says so to generated clients.
            low, high = out.get("minimum"), out.get("maximum")
            if low is None or high is None or low < INT32[0] or high > INT32[1]:
                raise ValueError(f"params integers need bounds within 32 bits, got {out}")
            out["format"] = "int32"
        first = {k: out[k] for k in _FIRST_KEYS if k in out}
        return {**first, **{k: v for k, v in out.items() if k not in first}}
    if isinstance(node, list):
        return [_clean(v) for v in node]
    return node


def params_schema(job_type: str) -> dict:
    model: type[StrictParams] = JOB_TYPES[job_type].params
    raw = model.schema()
    if raw.get("additionalProperties") is not False:
        raise ValueError(f"{job_type}: params models must forbid unknown keys")
    properties = {}
    for name, prop in raw["properties"].items():
        field = model.__fields__[name]
        if _json_kind(field.outer_type_) == "date":
            prop["pattern"] = DATE_PATTERN  # pydantic would also take other forms; StrictParams takes only this
            prop["maxLength"] = DATE_LENGTH
        prop = _clean(prop)
        if field.allow_none:
            prop["type"] = [prop["type"], "null"]
        properties[name] = prop
    schema = {"$schema": DIALECT, "title": f"{job_type} params",
              "description": f"params of a {job_type} job (workers/README.md describes each field's meaning)",
              "type": "object", "properties": properties, "additionalProperties": False}
    if raw.get("required"):
        schema["required"] = raw["required"]
    return schema


def rendered(job_type: str) -> str:
    return json.dumps(params_schema(job_type), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nexus_worker.schemas")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = parser.parse_args(argv)
    expected = {f"{t}.schema.json": rendered(t) for t in JOB_TYPES}
    if args.check:
        present = {p.name for p in args.out.glob("*.schema.json")}
        stale = sorted(n for n, text in expected.items() if not (args.out / n).is_file()
                       or (args.out / n).read_text() != text)
        extra = sorted(present - set(expected))
        for name in stale + extra:
            print(f"{args.out / name}: differs from the models (run make params-schemas)", file=sys.stderr)
        return 1 if stale or extra else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in expected.items():
        (args.out / name).write_text(text)
    print(f"wrote {len(expected)} params schemas to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
