"""Discriminator shapes of real APIs (PagerDuty-like), each in a small spec of ours.

Documented examples conform here as they do for openapi-schema-validator, the
independent reference; a discriminator never turns into a closed set of its own
name or of an array index, and a spec whose dispatch would admit nothing is judged
by its own keywords, with the contradiction reported by lint.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import DATA
from openapi_schema_validator import OAS30Validator

import conformance

SHAPES = {
    "inert": ("discriminator_inert.yaml", "getIncidentAction"),
    "inline-allOf": ("discriminator_inline_allof.yaml", "getContactMethod"),
    "inline-allOf-child": ("discriminator_inline_allof.yaml", "getPhoneContactMethod"),
    "contradiction": ("discriminator_contradiction.yaml", "getRestriction"),
}


def load(name: str) -> conformance.Contract:
    return conformance.load_contract(str(DATA / name))


def documented_example(
    path: Path, operation_id: str
) -> tuple[Any, dict[str, Any], str]:
    """The operation's 200 example, its schema as openapi-schema-validator reads it,
    and a URL path of the operation."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for url, item in data["paths"].items():
        for op in item.values():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                media = op["responses"]["200"]["content"]["application/json"]
                schema = {**media["schema"], "components": data["components"]}
                return media["example"], schema, re.sub(r"\{\w+\}", "1", url)
    raise LookupError(operation_id)


def verdict(name: str, operation_id: str, body: Any) -> conformance.Contract:
    return load(name).response_validator(operation_id, 200).validate(body)


@pytest.mark.parametrize(("name", "operation_id"), SHAPES.values(), ids=SHAPES)
def test_documented_example_conforms_as_the_reference_says(
    name: str, operation_id: str
) -> None:
    example, schema, _ = documented_example(DATA / name, operation_id)
    assert list(OAS30Validator(schema).iter_errors(example)) == []
    result = verdict(name, operation_id, example)
    assert result.conforms, [v.message for v in result.violations]


@pytest.mark.parametrize(("name", "operation_id"), SHAPES.values(), ids=SHAPES)
def test_openapi_core_accepts_the_documented_example_too(
    name: str, operation_id: str
) -> None:
    from openapi_core import OpenAPI
    from openapi_core.testing import MockRequest, MockResponse

    example, _, url = documented_example(DATA / name, operation_id)
    api = OpenAPI.from_file_path(str(DATA / name))  # also checks the spec is valid
    response = MockResponse(
        json.dumps(example).encode(), status_code=200, content_type="application/json"
    )
    api.validate_response(MockRequest("http://127.0.0.1", "get", url), response)


def test_inert_discriminator_has_no_effect_on_validity() -> None:
    body = {"type": "escalate"}
    assert verdict("discriminator_inert.yaml", "getIncidentAction", body).conforms
    wrong = verdict("discriminator_inert.yaml", "getIncidentAction", {"type": "nap"})
    assert [v.keyword for v in wrong.violations] == ["enum"]
    assert "IncidentAction" not in wrong.violations[0].message


def test_inline_allof_discriminator_dispatches_on_mapping_and_enum_values() -> None:
    name, op = SHAPES["inline-allOf"]
    sms = {"id": "P1", "type": "sms_contact_method", "address": "5555550100"}
    assert verdict(name, op, sms).conforms
    phone = {"id": "P2", "type": "phone_contact_method", "address": "5555550100"}
    result = verdict(name, op, phone)
    assert [(v.pointer, v.keyword) for v in result.violations] == [("", "required")]
    assert "type=phone_contact_method → PhoneContactMethod" in (
        result.violations[0].branch
    )
    unknown = verdict(name, op, {"id": "P3", "type": "fax", "address": "x"})
    assert unknown.violations, "an unknown type is outside the enum"
    assert all("'1'" not in v.message for v in unknown.violations)


def test_contradicting_discriminator_is_judged_by_the_schema_own_keywords() -> None:
    name, op = SHAPES["contradiction"]
    weekly = {
        "type": "weekly_restriction",
        "start_time_of_day": "08:00:00",
        "duration_seconds": 60,
    }
    assert verdict(name, op, weekly).conforms
    negative = {**weekly, "duration_seconds": -1}
    assert [v.keyword for v in verdict(name, op, negative).violations] == ["minimum"]


LINTED = {
    "inert": (
        "discriminator_inert.yaml",
        [("discriminator-inert", "/components/schemas/IncidentAction/discriminator")],
    ),
    "contradiction": (
        "discriminator_contradiction.yaml",
        [
            (
                "discriminator-unsatisfiable",
                "/components/schemas/Restriction/discriminator",
            ),
            (
                "discriminator-child-enum-mismatch",
                "/components/schemas/WeeklyRestriction/allOf/1/properties/type",
            ),
        ],
    ),
}


@pytest.mark.parametrize(("name", "expected"), LINTED.values(), ids=LINTED)
def test_lint_reports_the_discriminator_defect(
    name: str, expected: list[tuple[str, str]]
) -> None:
    found = {(f.code, f.pointer) for f in load(name).lint()}
    assert set(expected) <= found


def test_inline_allof_discriminator_without_mapping_never_names_an_index(
    write_spec: Any,
) -> None:
    text = (DATA / "discriminator_inline_allof.yaml").read_text(encoding="utf-8")
    mapping = "phone_contact_method: '#/components/schemas/PhoneContactMethod'"
    text = text.replace(f"            mapping:\n              {mapping}\n", "")
    assert mapping not in text
    contract = write_spec(text)
    validator = contract.response_validator("getContactMethod", 200)
    phone = {"id": "P2", "type": "phone_contact_method", "address": "5555550100"}
    assert validator.validate(phone).conforms  # no mapping: the own keywords judge
    wrong = validator.validate({"id": "P3", "type": "fax", "address": "x"})
    assert [v.keyword for v in wrong.violations] == ["enum"]
    assert "'1'" not in wrong.violations[0].message
    assert "discriminator-unsatisfiable" in {f.code for f in contract.lint()}
