"""The committed params schemas (crds/params) are the models' own, and say exactly what the models accept."""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError

from nexus_worker import schemas
from nexus_worker.jobs import JOB_TYPES

COMMITTED = Path(__file__).resolve().parents[2] / "crds" / "params"


def _ecma_pattern(validator, pattern, instance, schema):
    # JSON Schema patterns are ECMA-262, where `$` is the end of the input; Python's `re.search` (which the
    # library uses) would also let `$` match before a final newline.
    if isinstance(instance, str) and not re.search(re.sub(r"\$$", r"\\Z", pattern), instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": _ecma_pattern})


def test_committed_schemas_are_generated_from_the_models():
    assert sorted(p.name for p in COMMITTED.glob("*.schema.json")) == sorted(f"{t}.schema.json" for t in JOB_TYPES)
    for job_type in JOB_TYPES:
        assert (COMMITTED / f"{job_type}.schema.json").read_text() == schemas.rendered(job_type), \
            f"{job_type}: crds/params is stale; run make params-schemas"


def test_check_mode_reports_drift(tmp_path):
    assert schemas.main(["--out", str(tmp_path)]) == 0
    assert schemas.main(["--check", "--out", str(tmp_path)]) == 0
    (tmp_path / "pricing_recalculate.schema.json").write_text("{}\n")
    assert schemas.main(["--check", "--out", str(tmp_path)]) == 1


def test_schemas_are_valid_2020_12_and_closed():
    for job_type in JOB_TYPES:
        schema = json.loads((COMMITTED / f"{job_type}.schema.json").read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["additionalProperties"] is False


def test_an_unanchored_pattern_cannot_be_published():
    with pytest.raises(ValueError):
        schemas.ecma_pattern(r"^[a-z]+$")  # Python's `$` lets "abc\n" through: the models must use \Z
    assert schemas.ecma_pattern(r"^[a-z]+\Z") == "^[a-z]+$"


def candidate_values(prop: dict) -> list:
    """Values around every rule a property has: boundaries, wrong JSON types, whitespace and newlines."""
    values: list = [None, True, False, 0, 1, -1, 2.5, 3.0, "", "5", "true", [], {}, "amazon_us", "amazon_us\n",
                    " amazon_us", "SKU-001", "2024-03-31", "2024-3-31", "2024-03-31\n", "2024-02-30", "20240331",
                    1e9, -0.0]
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if key in prop:
            edge = prop[key]
            values += [edge, edge - 1, edge + 1, edge - 0.001, edge + 0.001, str(edge)]
    if "default" in prop:
        values.append(prop["default"])
    if "pattern" in prop:
        values += ["Amazon_us", "a", "a" * 32, "a" * 33, "walmart_us", "ebay_us\r", "ebay us"]
    kinds = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
    if "array" in kinds:
        values += [["SKU-001"], ["SKU-001", "SKU-001"], ["SKU-001\n"], ["bad sku!"], [1], [None], ["x" * 64],
                   ["x" * 65], ["SKU-001", 2], "SKU-001", ["demo"], ["a.b_c-D"], ["-SKU"]]
        for n in (prop.get("minItems"), prop.get("maxItems")):
            if n is not None:
                values += [[f"S{i}" for i in range(n)], [f"S{i}" for i in range(n + 1)]]
    return values


def model_accepts(job_type: str, params: dict) -> bool:
    try:
        JOB_TYPES[job_type].params.parse_obj(params)
        return True
    except ValidationError:
        return False


@pytest.mark.parametrize("job_type", list(JOB_TYPES))
def test_the_schema_accepts_exactly_what_the_model_accepts(job_type):
    schema = json.loads((COMMITTED / f"{job_type}.schema.json").read_text())
    validator = EcmaValidator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    cases = [{}, {"surprise": 1}, {"skus": ["SKU-001"], "Marketplace": "amazon_us"}]
    for name, prop in schema["properties"].items():
        cases += [{name: copy.deepcopy(v)} for v in candidate_values(prop)]
    disagreements = []
    for params in cases:
        by_schema = validator.is_valid(params)
        if by_schema != model_accepts(job_type, params):
            disagreements.append((params, "schema accepts" if by_schema else "model accepts"))
    assert not disagreements, disagreements[:10]
    assert len(cases) > 40
