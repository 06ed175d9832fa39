"""Discriminator shapes of real APIs (PagerDuty-like), each in a small spec of ours.

Documented examples conform here as they do for openapi-schema-validator, the
independent reference; a discriminator never turns into a closed set of its own
name or of an array index, and a spec whose dispatch would admit nothing is judged
by its own keywords, with the contradiction reported by lint.
"""

from __future__ import annotations

import json
import re
import shutil
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


MULTI = DATA / "multifile_pets" / "openapi.yaml"
PET = {"name": "Tom"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({**PET, "petType": "Feline", "huntingSkill": "lazy"}, []),
        (
            {**PET, "petType": "Feline"},
            [("required", "petType=Feline → Feline", "Cat.yaml")],
        ),
        ({**PET, "petType": "Dog", "packSize": 2}, []),
        (
            {**PET, "petType": "Dog", "packSize": -1},
            [("minimum", "petType=Dog → Dog", "Dog.yaml")],
        ),
        ({**PET, "petType": "Lizard", "lovesRocks": True}, []),
        (
            {**PET, "petType": "Lizard"},
            [("required", "petType=Lizard → Lizard", "reptiles.yaml")],
        ),
        ({**PET, "petType": "Pet"}, []),
    ],
    ids=[
        "cat",
        "cat-without-its-own-member",
        "dog",
        "dog-breaking-its-own-bound",
        "lizard",
        "lizard-without-its-own-member",
        "the-base-itself",
    ],
)
def test_children_in_other_files_are_dispatched_to_by_their_implicit_names(
    body: dict[str, Any], expected: list[tuple[str, str, str]]
) -> None:
    contract = conformance.load_contract(str(MULTI))
    result = contract.response_validator("getPet", 200).validate(body)
    found = [
        (v.keyword, v.branch, v.spec_source.rsplit("/", 1)[-1])
        for v in result.violations
    ]
    assert found == expected


def test_an_unknown_value_names_every_child_of_every_file() -> None:
    contract = conformance.load_contract(str(MULTI))
    body = {**PET, "petType": "Fish"}
    result = contract.response_validator("getPet", 200).validate(body)
    assert [v.keyword for v in result.violations] == ["discriminator"]
    for name in ("'Feline'", "'Dog'", "'Lizard'", "'Pet'"):
        assert name in result.violations[0].message
    assert "Cat.yaml" not in result.violations[0].message  # a component names it


def test_a_base_included_only_from_other_files_is_not_inert() -> None:
    codes = {f.code for f in conformance.load_contract(str(MULTI)).lint()}
    assert "discriminator-inert" not in codes


def test_the_reference_agrees_on_what_the_multi_file_children_accept() -> None:
    from openapi_core import OpenAPI
    from openapi_core.testing import MockRequest, MockResponse

    api = OpenAPI.from_file_path(str(MULTI))  # it follows the files' $refs too
    validator = conformance.load_contract(str(MULTI)).response_validator("getPet", 200)

    def reference_accepts(body: dict[str, Any]) -> bool:
        response = MockResponse(
            json.dumps(body).encode(), status_code=200, content_type="application/json"
        )
        request = MockRequest("http://127.0.0.1", "get", "/pets/1")
        try:
            api.validate_response(request, response)
        except Exception:  # noqa: BLE001 - any refusal of the reference
            return False
        return True

    bodies = {
        "cat": ({**PET, "petType": "Feline", "huntingSkill": "lazy"}, True),
        "dog": ({**PET, "petType": "Dog", "packSize": 2}, True),
        "lizard": ({**PET, "petType": "Lizard", "lovesRocks": True}, True),
        "no-name": ({"petType": "Dog", "packSize": 2}, False),
        "owner-not-an-object": ({**PET, "petType": "Pet", "owner": "Al"}, False),
    }
    for name, (body, accepted) in bodies.items():
        assert validator.validate(body).conforms is accepted, name
        assert reference_accepts(body) is accepted, name


@pytest.mark.parametrize("engine", ["rs", "python"])
def test_a_value_outside_the_inline_allof_enum_is_one_discriminator_violation(
    engine: str,
) -> None:
    name, op = SHAPES["inline-allOf"]
    validator = load(name).response_validator(op, 200, engine=engine)
    result = validator.validate({"id": "P3", "type": "fax", "address": "x"})
    assert [(v.pointer, v.keyword) for v in result.violations] == [
        ("/type", "discriminator")
    ]
    for value in ("email_contact_method", "phone_contact_method", "sms_contact_method"):
        assert repr(value) in result.violations[0].message


@pytest.mark.parametrize("engine", ["rs", "python"])
def test_other_rules_broken_beside_a_wrong_discriminator_value_are_still_reported(
    engine: str, write_spec: Any
) -> None:
    text = (DATA / "discriminator_inline_allof.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "            address: {type: string}\n",
        "            address: {type: string}\n"
        "            channel: {type: string, enum: [work, home]}\n",
    )
    assert "channel" in text
    validator = write_spec(text).response_validator(
        "getContactMethod", 200, engine=engine
    )
    body = {"id": "P3", "type": 5, "address": "x", "channel": "moon"}
    found = [(v.pointer, v.keyword) for v in validator.validate(body).violations]
    assert sorted(found) == [
        ("/channel", "enum"),  # an enum elsewhere in the payload
        ("/type", "discriminator"),
        ("/type", "type"),  # another rule at the same place
    ]


def test_a_bare_name_in_a_mapping_of_another_file_names_a_root_component(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "pets"
    shutil.copytree(MULTI.parent, copy)
    pet = copy / "schemas" / "Pet.yaml"
    pet.write_text(
        pet.read_text(encoding="utf-8") + "  mapping: {cat: Feline}\n",
        encoding="utf-8",
    )
    contract = conformance.load_contract(str(copy / "openapi.yaml"))
    validator = contract.response_validator("getPet", 200)
    cat = {**PET, "petType": "cat"}
    assert [v.branch for v in validator.validate(cat).violations] == [
        "petType=cat → Feline"  # Cat.yaml's own rule: huntingSkill is required
    ]
    assert validator.validate({**cat, "huntingSkill": "lazy"}).conforms


@pytest.mark.parametrize(
    ("operation_id", "body"),
    [
        ("getDog", {**PET, "petType": "Feline", "packSize": 2}),
        ("getLizard", {**PET, "petType": "Feline", "lovesRocks": True}),
    ],
    ids=["base-included-directly", "base-included-through-the-root-alias"],
)
def test_a_child_includes_its_base_without_the_base_dispatch(
    operation_id: str, body: dict[str, Any]
) -> None:
    # Validated as a Dog (or Lizard), the base's own keywords apply; its dispatch
    # would send the payload on to Feline and ask for a huntingSkill.
    contract = conformance.load_contract(str(MULTI))
    result = contract.response_validator(operation_id, 200).validate(body)
    assert result.conforms, [(v.message, v.branch) for v in result.violations]
