"""Tests for conformance.compiler: OpenAPI 3.0 semantics compiled into JSON Schema.

Each rule of the compiler gets a small OpenAPI document of one concern (inline YAML,
written by the `write_spec` fixture) and a table of payloads. A row checks the
verdict and the explanation: pointer, keyword, discriminator branch, and the spec
pointer and YAML line of the rule. Lines are found in the document text by a unique
needle, so editing a document cannot leave a stale line number behind.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED, need_shared
from documents import Explained, WriteSpec
from documents import explained as _explained
from documents import line as _line
from documents import openapi as _openapi
from jsonschema.exceptions import SchemaError
from jsonschema.validators import validator_for

import conformance
from conformance.compiler import DRAFT7, DRAFT202012
from conformance.model import ValidationResult

WEBSOCKET_SPEC = SHARED / "specs" / "qovery" / "websocket" / "websocket-openapi.yaml"


def _validate(contract: conformance.Contract, body: Any) -> ValidationResult:
    return contract.response_validator("getX", 200).validate(body)


def _keys(node: Any) -> Iterator[str]:
    """Every mapping key anywhere in a compiled schema."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield from item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


# --- discriminator: oneOf / anyOf, explicit, {$ref} and implicit mappings ----------

_MAPPINGS = {
    "explicit": (
        "  mapping:\n"
        "    cat: '#/components/schemas/Cat'\n"
        "    dog: '#/components/schemas/Dog'\n",
        ("cat", "dog"),
    ),
    "ref-objects": (
        "  mapping:\n"
        "    cat: {$ref: '#/components/schemas/Cat'}\n"
        "    dog: {$ref: '#/components/schemas/Dog'}\n",
        ("cat", "dog"),
    ),
    "implicit": ("", ("Cat", "Dog")),
}


def _pets(union: str, mapping: str) -> str:
    return _openapi(
        "Root:\n"
        f"  {union}:\n"
        "    - $ref: '#/components/schemas/Cat'\n"
        "    - $ref: '#/components/schemas/Dog'\n"
        "  discriminator:\n"
        "    propertyName: kind\n"
        + textwrap.indent(_MAPPINGS[mapping][0], "  ")
        + "Cat:\n"
        "  type: object\n"
        "  required: [kind]\n"
        "  properties:\n"
        "    kind: {type: string}\n"
        "    meow: {type: integer}\n"
        "Dog:\n"
        "  type: object\n"
        "  required: [kind, bark]\n"
        "  properties:\n"
        "    kind: {type: string}\n"
        "    bark: {type: integer}\n"
    )


# id -> (document, cat key, dog key)
PETS = {
    f"{union}-{mapping}": (_pets(union, mapping), *_MAPPINGS[mapping][1])
    for union in ("oneOf", "anyOf")
    for mapping in _MAPPINGS
}
_PETS_ARGS = ("text", "cat", "dog")
_PETS_ROWS = list(PETS.values())
_PETS_IDS = list(PETS)


@pytest.mark.parametrize(_PETS_ARGS, _PETS_ROWS, ids=_PETS_IDS)
def test_discriminator_dispatches_to_the_mapped_schema(
    write_spec: WriteSpec, text: str, cat: str, dog: str
) -> None:
    result = _validate(write_spec(text), {"kind": cat, "meow": 1})
    assert (result.conforms, result.branch) == (True, f"kind={cat} → Cat")


@pytest.mark.parametrize(_PETS_ARGS, _PETS_ROWS, ids=_PETS_IDS)
def test_discriminator_judges_by_the_mapped_schema_only(
    write_spec: WriteSpec, text: str, cat: str, dog: str
) -> None:
    # Valid under Cat, but the value names Dog, which requires `bark`.
    result = _validate(write_spec(text), {"kind": dog, "meow": 1})
    assert _explained(result) == [
        (
            "",
            "required",
            f"kind={dog} → Dog",
            "/components/schemas/Dog/required",
            _line(text, "required: [kind, bark]"),
        )
    ]


@pytest.mark.parametrize(_PETS_ARGS, _PETS_ROWS, ids=_PETS_IDS)
def test_discriminator_branch_error_is_explained_at_the_member(
    write_spec: WriteSpec, text: str, cat: str, dog: str
) -> None:
    result = _validate(write_spec(text), {"kind": dog, "bark": "loud"})
    assert _explained(result) == [
        (
            "/bark",
            "type",
            f"kind={dog} → Dog",
            "/components/schemas/Dog/properties/bark/type",
            _line(text, "bark: {type: integer}"),
        )
    ]


@pytest.mark.parametrize(_PETS_ARGS, _PETS_ROWS, ids=_PETS_IDS)
def test_missing_discriminator_property_is_reported_at_the_object(
    write_spec: WriteSpec, text: str, cat: str, dog: str
) -> None:
    result = _validate(write_spec(text), {"meow": 1})
    assert _explained(result) == [
        (
            "",
            "discriminator",
            "",
            "/components/schemas/Root/discriminator",
            _line(text, "discriminator:"),
        )
    ]


@pytest.mark.parametrize(_PETS_ARGS, _PETS_ROWS, ids=_PETS_IDS)
def test_missing_discriminator_message_lists_the_allowed_values(
    write_spec: WriteSpec, text: str, cat: str, dog: str
) -> None:
    (violation,) = _validate(write_spec(text), {"meow": 1}).violations
    assert f"{cat!r}, {dog!r}" in violation.message


@pytest.mark.parametrize(_PETS_ARGS, _PETS_ROWS, ids=_PETS_IDS)
def test_unmapped_discriminator_value_is_reported_at_the_property(
    write_spec: WriteSpec, text: str, cat: str, dog: str
) -> None:
    result = _validate(write_spec(text), {"kind": "cow"})
    assert _explained(result) == [
        (
            "/kind",
            "discriminator",
            "",
            "/components/schemas/Root/discriminator",
            _line(text, "discriminator:"),
        )
    ]


@pytest.mark.parametrize(_PETS_ARGS, _PETS_ROWS, ids=_PETS_IDS)
def test_unmapped_discriminator_message_names_value_and_allowed_values(
    write_spec: WriteSpec, text: str, cat: str, dog: str
) -> None:
    (violation,) = _validate(write_spec(text), {"kind": "cow"}).violations
    assert ('"cow"' in violation.message, f"{cat!r}, {dog!r}" in violation.message) == (
        True,
        True,
    )


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        (
            "ref-objects",
            [
                ("/components/schemas/Root/discriminator/mapping/cat", "cat: {$ref"),
                ("/components/schemas/Root/discriminator/mapping/dog", "dog: {$ref"),
            ],
        ),
        ("explicit", []),
        ("implicit", []),
    ],
    ids=["ref-objects-warn-once-each", "strings-do-not-warn", "implicit-does-not-warn"],
)
def test_mapping_values_written_as_ref_objects_are_normalised_with_a_warning(
    write_spec: WriteSpec, mapping: str, expected: list[tuple[str, str]]
) -> None:
    text = _pets("oneOf", mapping)
    contract = write_spec(text)
    contract.compiled("getX")
    contract.compiled("getX")  # compiling again does not warn again
    assert [(w.pointer, w.code, w.line) for w in contract.warnings] == [
        (pointer, "normalised-mapping-ref", _line(text, needle))
        for pointer, needle in expected
    ]


# allOf-inheritance: the base names the discriminator, children include the base.
INHERITANCE = """
Pet:
  type: object
  required: [petType, name]
  properties:
    petType: {type: string}
    name: {type: string}
  discriminator:
    propertyName: petType
Cat:
  allOf:
    - $ref: '#/components/schemas/Pet'
    - type: object
      required: [huntingSkill]
      properties:
        huntingSkill: {type: string, enum: [clueless, lazy]}
Dog:
  allOf:
    - $ref: '#/components/schemas/Pet'
    - type: object
      required: [packSize]
      properties:
        packSize: {type: integer, minimum: 0}
"""
PET_DOC = _openapi(INHERITANCE, "$ref: '#/components/schemas/Pet'")
CAT_DOC = _openapi(INHERITANCE, "$ref: '#/components/schemas/Cat'")

INHERITANCE_ROWS = {
    "cat-dispatches-to-cat": (
        {"petType": "Cat", "name": "Tom", "huntingSkill": "lazy"},
        [],
    ),
    "dog-dispatches-to-dog": (
        {"petType": "Dog", "name": "Rex", "packSize": 3},
        [],
    ),
    "cat-checked-against-cat-only": (
        {"petType": "Cat", "name": "Tom", "packSize": 3},
        [
            (
                "",
                "required",
                "petType=Cat → Cat",
                "/components/schemas/Cat/allOf/1/required",
                _line(PET_DOC, "required: [huntingSkill]"),
            )
        ],
    ),
    "child-member-explained-in-child": (
        {"petType": "Dog", "name": "Rex", "packSize": -1},
        [
            (
                "/packSize",
                "minimum",
                "petType=Dog → Dog",
                "/components/schemas/Dog/allOf/1/properties/packSize/minimum",
                _line(PET_DOC, "packSize: {type: integer"),
            )
        ],
    ),
    "unmapped-value-at-property": (
        {"petType": "Cow", "name": "Daisy"},
        [
            (
                "/petType",
                "discriminator",
                "",
                "/components/schemas/Pet/discriminator",
                _line(PET_DOC, "discriminator:"),
            )
        ],
    ),
}


@pytest.mark.parametrize(
    ("body", "expected"), list(INHERITANCE_ROWS.values()), ids=list(INHERITANCE_ROWS)
)
def test_inheritance_discriminator_dispatches_from_the_base(
    write_spec: WriteSpec, body: dict[str, Any], expected: list[Explained]
) -> None:
    assert _explained(_validate(write_spec(PET_DOC), body)) == expected


def test_base_member_error_is_reported_once_inside_the_child_branch(
    write_spec: WriteSpec,
) -> None:
    # Regression: it was reported twice, with and without the branch.
    body = {"petType": "Cat", "name": 7, "huntingSkill": "lazy"}
    assert _explained(_validate(write_spec(PET_DOC), body)) == [
        (
            "/name",
            "type",
            "petType=Cat → Cat",
            "/components/schemas/Pet/properties/name/type",
            _line(PET_DOC, "name: {type: string}"),
        )
    ]


def test_inheritance_discriminator_maps_child_schema_names_and_the_base(
    write_spec: WriteSpec,
) -> None:
    # Implicit mapping over allOf children: every child name, and the base itself.
    result = _validate(write_spec(PET_DOC), {"petType": "Cow", "name": "x"})
    (violation,) = result.violations
    assert "'Cat', 'Dog', 'Pet'" in violation.message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"petType": "Cat", "name": "Tom", "huntingSkill": "lazy"}, []),
        (
            {"petType": "Cat", "name": "Tom"},
            [
                (
                    "",
                    "required",
                    "",
                    "/components/schemas/Cat/allOf/1/required",
                    _line(CAT_DOC, "required: [huntingSkill]"),
                )
            ],
        ),
    ],
    ids=["valid-cat", "cat-missing-its-own-member"],
)
def test_child_schema_validates_directly(
    write_spec: WriteSpec, body: dict[str, Any], expected: list[Explained]
) -> None:
    assert _explained(_validate(write_spec(CAT_DOC), body)) == expected


def test_child_schema_includes_its_base_without_dispatching_back(
    write_spec: WriteSpec,
) -> None:
    # The base's dispatch would point back at Cat (Cat → Pet → if Cat then Cat ...).
    schema = write_spec(CAT_DOC).compiled("getX").schema
    assert {"if", "then"} & set(_keys(schema)) == set()


# A payload valid under both branches: only dispatch makes it valid (as in the seed,
# where CronJobResponse is a subset of LifecycleJobResponse).
SUBSET = """
Root:
  oneOf:
    - $ref: '#/components/schemas/Big'
    - $ref: '#/components/schemas/Small'
{discriminator}
Big:
  type: object
  required: [kind]
  properties:
    kind: {{type: string, enum: [BIG, SMALL]}}
    extra: {{type: object}}
Small:
  type: object
  required: [kind, extra]
  properties:
    kind: {{type: string, enum: [BIG, SMALL]}}
    extra: {{type: object, required: [n], properties: {{n: {{type: integer}}}}}}
"""
DISPATCHED = """\
  discriminator:
    propertyName: kind
    mapping:
      BIG: '#/components/schemas/Big'
      SMALL: '#/components/schemas/Small'"""
SUBSET_DOC = _openapi(SUBSET.format(discriminator=DISPATCHED))
PLAIN_ONEOF_DOC = _openapi(SUBSET.format(discriminator=""))
BOTH_BRANCHES = {"kind": "SMALL", "extra": {"n": 1}}


@pytest.mark.parametrize(
    ("body", "branch"),
    [(BOTH_BRANCHES, "kind=SMALL → Small"), ({"kind": "BIG"}, "kind=BIG → Big")],
    ids=["valid-under-both-branches", "valid-under-one-branch"],
)
def test_discriminator_accepts_a_payload_that_a_plain_oneof_would_refuse(
    write_spec: WriteSpec, body: dict[str, Any], branch: str
) -> None:
    result = _validate(write_spec(SUBSET_DOC), body)
    assert (result.conforms, result.branch) == (True, branch)


def test_plain_oneof_refuses_a_payload_valid_under_both_branches(
    write_spec: WriteSpec,
) -> None:
    # The counter-example: without a discriminator, oneOf means "exactly one".
    result = _validate(write_spec(PLAIN_ONEOF_DOC), BOTH_BRANCHES)
    assert _explained(result) == [
        (
            "",
            "oneOf",
            "",
            "/components/schemas/Root/oneOf",
            _line(PLAIN_ONEOF_DOC, "oneOf:"),
        )
    ]


# --- nullable --------------------------------------------------------

NULLABLE = _openapi("""
Root:
  type: object
  properties:
    typed: {type: string, nullable: true}
    typed_false: {type: string, nullable: false}
    typed_absent: {type: string}
    ref:
      nullable: true
      $ref: '#/components/schemas/Obj'
    all_of:
      nullable: true
      allOf:
        - $ref: '#/components/schemas/Obj'
    one_of:
      nullable: true
      oneOf:
        - $ref: '#/components/schemas/Obj'
        - {type: string}
    enum_only: {nullable: true, enum: [a, b]}
    typed_enum: {type: string, nullable: true, enum: [a, b]}
Obj:
  type: object  # Obj is an object
  required: [id]
  properties:
    id: {type: integer}
""")

# id -> (member, accepts null under the common reading, has `type`)
NULL_ROWS = {
    "type-nullable-true": ("typed", True, True),
    "type-nullable-false": ("typed_false", False, True),
    "type-nullable-absent": ("typed_absent", False, True),
    "beside-ref": ("ref", True, False),
    "beside-allOf": ("all_of", True, False),
    "beside-oneOf": ("one_of", True, False),
    "beside-enum": ("enum_only", True, False),
    "type-and-enum": ("typed_enum", True, True),
}


@pytest.mark.parametrize(
    ("member", "accepted", "typed"), list(NULL_ROWS.values()), ids=list(NULL_ROWS)
)
def test_nullable_decides_whether_null_is_accepted(
    write_spec: WriteSpec, member: str, accepted: bool, typed: bool
) -> None:
    assert _validate(write_spec(NULLABLE), {member: None}).conforms is accepted


_STRICT_ROWS = [
    # OpenAPI 3.0.3 also says other keywords keep their meaning, so a typed enum
    # must list null itself: that is where the two readings differ beside `type`.
    pytest.param("typed_enum", False, True, id=name)
    if name == "type-and-enum"
    else pytest.param(*row, id=name)
    for name, row in NULL_ROWS.items()
]


@pytest.mark.parametrize(("member", "accepted", "typed"), _STRICT_ROWS)
def test_strict_nullable_follows_the_openapi_303_reading(
    write_spec: WriteSpec, member: str, accepted: bool, typed: bool
) -> None:
    strict = write_spec(NULLABLE, nullable="strict")
    # 3.0.3 reading: `nullable` without `type` has no effect, so null is refused.
    assert _validate(strict, {member: None}).conforms is (accepted and typed)


NULL_EXPLAINED = {
    "null-where-not-nullable": (
        "common",
        {"typed_absent": None},
        ("/typed_absent", "type", "/components/schemas/Root/properties/typed_absent"),
        "typed_absent: {type: string}",
    ),
    "strict-null-beside-ref-at-the-ref-target": (
        "strict",
        {"ref": None},
        ("/ref", "type", "/components/schemas/Obj"),
        "# Obj is an object",
    ),
    "wrong-member-of-nullable-ref": (
        "common",
        {"ref": {"id": "seven"}},
        ("/ref/id", "type", "/components/schemas/Obj/properties/id"),
        "id: {type: integer}",
    ),
    "missing-member-of-nullable-ref": (
        "common",
        {"ref": {}},
        ("/ref", "required", "/components/schemas/Obj"),
        "required: [id]",
    ),
    "wrong-member-of-nullable-allOf": (
        "common",
        {"all_of": {"id": "seven"}},
        ("/all_of/id", "type", "/components/schemas/Obj/properties/id"),
        "id: {type: integer}",
    ),
    "scalar-for-nullable-ref": (
        "common",
        {"ref": "seven"},
        ("/ref", "type", "/components/schemas/Obj"),
        "# Obj is an object",
    ),
}


@pytest.mark.parametrize(
    ("mode", "body", "where", "needle"),
    list(NULL_EXPLAINED.values()),
    ids=list(NULL_EXPLAINED),
)
def test_nullable_violations_are_explained_at_the_member_not_as_anyof(
    write_spec: WriteSpec,
    mode: str,
    body: dict[str, Any],
    where: tuple[str, str, str],
    needle: str,
) -> None:
    pointer, keyword, schema = where
    result = _validate(write_spec(NULLABLE, nullable=mode), body)
    assert _explained(result) == [
        (pointer, keyword, "", f"{schema}/{keyword}", _line(NULLABLE, needle))
    ]


def test_a_non_null_value_for_a_nullable_ref_names_null_as_expected(
    write_spec: WriteSpec,
) -> None:
    (violation,) = _validate(write_spec(NULLABLE), {"ref": "seven"}).violations
    assert "expected object or null" in violation.message


# --- readOnly / writeOnly in responses --------------------------------

READ_WRITE = _openapi("""
Root:
  type: object
  required: [id, secret, password]
  properties:
    id: {type: string, readOnly: true}
    secret: {type: string, writeOnly: true}
    password: {$ref: '#/components/schemas/Password'}
Password: {type: string, writeOnly: true}
""")

READ_WRITE_ROWS = {
    "readOnly-present-writeOnly-absent": ({"id": "a"}, []),
    "readOnly-stays-required": (
        {},
        [
            (
                "",
                "required",
                "",
                "/components/schemas/Root/required",
                _line(READ_WRITE, "required: [id, secret, password]"),
            )
        ],
    ),
    "writeOnly-present": (
        {"id": "a", "secret": "s"},
        [
            (
                "/secret",
                "writeOnly",
                "",
                "/components/schemas/Root/properties/secret/writeOnly",
                _line(READ_WRITE, "secret: {type: string, writeOnly: true}"),
            )
        ],
    ),
    "writeOnly-through-ref-present": (
        {"id": "a", "password": "p"},
        [
            (
                "/password",
                "writeOnly",
                "",
                "/components/schemas/Password/writeOnly",
                _line(READ_WRITE, "Password: {type: string, writeOnly: true}"),
            )
        ],
    ),
}


@pytest.mark.parametrize(
    ("body", "expected"), list(READ_WRITE_ROWS.values()), ids=list(READ_WRITE_ROWS)
)
def test_response_direction_keeps_readonly_and_forbids_writeonly(
    write_spec: WriteSpec, body: dict[str, Any], expected: list[Explained]
) -> None:
    assert _explained(_validate(write_spec(READ_WRITE), body)) == expected


# --- exclusiveMinimum / exclusiveMaximum booleans ------------------------

EXCLUSIVE = _openapi("""
Root:
  type: object
  properties:
    above: {type: number, minimum: 0, exclusiveMinimum: true}
    below: {type: number, maximum: 10, exclusiveMaximum: true}
    from: {type: number, minimum: 0, exclusiveMinimum: false}
    upto: {type: number, maximum: 10, exclusiveMaximum: false}
""")

EXCLUSIVE_ROWS = {
    "exclusive-minimum-refuses-the-bound": (
        {"above": 0},
        [("/above", "exclusiveMinimum", "above: {type")],
    ),
    "exclusive-minimum-accepts-above": ({"above": 0.5}, []),
    "exclusive-maximum-refuses-the-bound": (
        {"below": 10},
        [("/below", "exclusiveMaximum", "below: {type")],
    ),
    "exclusive-maximum-accepts-below": ({"below": 9.5}, []),
    "false-minimum-accepts-the-bound": ({"from": 0}, []),
    "false-maximum-accepts-the-bound": ({"upto": 10}, []),
    "false-minimum-still-refuses-below": (
        {"from": -1},
        [("/from", "minimum", "from:")],
    ),
    "false-maximum-still-refuses-above": (
        {"upto": 11},
        [("/upto", "maximum", "upto:")],
    ),
}


@pytest.mark.parametrize(
    ("body", "expected"), list(EXCLUSIVE_ROWS.values()), ids=list(EXCLUSIVE_ROWS)
)
def test_boolean_exclusive_bounds_become_numeric(
    write_spec: WriteSpec, body: dict[str, Any], expected: list[tuple[str, str, str]]
) -> None:
    assert _explained(_validate(write_spec(EXCLUSIVE), body)) == [
        (
            pointer,
            keyword,
            "",
            f"/components/schemas/Root/properties{pointer}/{keyword}",
            _line(EXCLUSIVE, needle),
        )
        for pointer, keyword, needle in expected
    ]


def test_boolean_exclusive_bounds_compile_to_draft7_numbers(
    write_spec: WriteSpec,
) -> None:
    props = write_spec(EXCLUSIVE).compiled("getX").schema["definitions"]["Root"]
    assert props["properties"] == {
        "above": {"type": "number", "exclusiveMinimum": 0},
        "below": {"type": "number", "exclusiveMaximum": 10},
        "from": {"type": "number", "minimum": 0},
        "upto": {"type": "number", "maximum": 10},
    }


# --- x-*, example, default never change a verdict ------------------------

PLAIN = """
Root:
  type: object
  properties:
    name: {type: string}
    size: {type: integer, minimum: 1}
"""
ANNOTATED = """
Root:
  type: object
  x-internal: {type: integer}
  example: 42
  default: null
  properties:
    name: {type: string, example: 5, default: null, x-nullable: true, x-type: integer}
    size: {type: integer, minimum: 1, default: 0, example: -3, x-minimum: -10}
"""

ANNOTATION_ROWS = {
    "conforming": {"name": "n", "size": 1},
    "example-value-of-another-type": {"name": 5},
    "default-null": {"name": None},
    "default-below-minimum": {"size": 0},
    "example-below-minimum": {"size": -3},
    "x-type-value": {"name": 3},
    "root-example": 42,
}


@pytest.mark.parametrize(
    "body", list(ANNOTATION_ROWS.values()), ids=list(ANNOTATION_ROWS)
)
def test_annotations_never_change_a_verdict(write_spec: WriteSpec, body: Any) -> None:
    plain = _validate(write_spec(_openapi(PLAIN), name="plain.yaml"), body)
    annotated = _validate(write_spec(_openapi(ANNOTATED), name="annotated.yaml"), body)
    assert [(v.pointer, v.keyword) for v in annotated.violations] == [
        (v.pointer, v.keyword) for v in plain.violations
    ]


def test_annotations_are_dropped_from_the_compiled_schema(
    write_spec: WriteSpec,
) -> None:
    plain = write_spec(_openapi(PLAIN), name="plain.yaml").compiled("getX")
    annotated = write_spec(_openapi(ANNOTATED), name="annotated.yaml").compiled("getX")
    assert annotated.schema == plain.schema


# --- never stricter than the spec: no invented additionalProperties: false -----------

OPEN_OBJECTS = _openapi("""
Root:
  type: object
  required: [name]
  properties:
    name: {type: string}
    inner:
      type: object
      properties:
        n: {type: integer}
""")


@pytest.mark.parametrize(
    "body",
    [
        {"name": "n", "unknown": 1},
        {"name": "n", "inner": {"n": 1, "unknown": [1, 2]}},
    ],
    ids=["unknown-member-at-root", "unknown-member-nested"],
)
def test_unknown_members_are_accepted(write_spec: WriteSpec, body: Any) -> None:
    assert _validate(write_spec(OPEN_OBJECTS), body).violations == ()


def test_compiled_schema_invents_no_additional_properties(
    write_spec: WriteSpec,
) -> None:
    schema = write_spec(OPEN_OBJECTS).compiled("getX").schema
    assert "additionalProperties" not in set(_keys(schema))


# --- formats at compile time: case normalised, int32/int64 bounds ----------

FORMAT_CASE = _openapi("""
Root:
  type: object
  properties:
    id: {type: string, format: UUID}
""")


def test_format_in_odd_case_is_read_in_lower_case(write_spec: WriteSpec) -> None:
    result = _validate(write_spec(FORMAT_CASE), {"id": "not-a-uuid"})
    assert _explained(result) == [
        (
            "/id",
            "format",
            "",
            "/components/schemas/Root/properties/id/format",
            _line(FORMAT_CASE, "format: UUID"),
        )
    ]


def test_format_in_odd_case_is_warned_once_with_its_pointer(
    write_spec: WriteSpec,
) -> None:
    contract = write_spec(FORMAT_CASE)
    contract.compiled("getX")
    assert [(w.pointer, w.code, w.line) for w in contract.warnings] == [
        (
            "/components/schemas/Root/properties/id/format",
            "normalised-format-case",
            _line(FORMAT_CASE, "format: UUID"),
        )
    ]


@pytest.mark.parametrize(
    ("fmt", "bounds"),
    [("int32", (-(2**31), 2**31 - 1)), ("int64", (-(2**63), 2**63 - 1))],
    ids=["int32", "int64"],
)
def test_integer_formats_compile_to_bounds(
    write_spec: WriteSpec, fmt: str, bounds: tuple[int, int]
) -> None:
    text = _openapi(f"Root: {{type: integer, format: {fmt}}}")
    schema = write_spec(text).compiled("getX").schema["definitions"]["Root"]
    assert (schema.get("minimum"), schema.get("maximum")) == bounds


def test_integer_format_keeps_a_tighter_documented_bound(
    write_spec: WriteSpec,
) -> None:
    text = _openapi("Root: {type: integer, format: int32, minimum: 1, maximum: 9}")
    schema = write_spec(text).compiled("getX").schema["definitions"]["Root"]
    assert (schema["minimum"], schema["maximum"]) == (1, 9)


# --- $ref: local, relative file, recursive, dangling -----------------------

LOCAL_REF = _openapi("""
Root:
  type: object
  properties:
    owner: {$ref: '#/components/schemas/Owner'}
Owner:
  type: object
  required: [login]
  properties:
    login: {type: string}
""")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"owner": {"login": "me"}}, []),
        (
            {"owner": {}},
            [
                (
                    "/owner",
                    "required",
                    "",
                    "/components/schemas/Owner/required",
                    _line(LOCAL_REF, "required: [login]"),
                )
            ],
        ),
    ],
    ids=["conforming", "missing-member-in-referenced-schema"],
)
def test_local_ref_is_followed(
    write_spec: WriteSpec, body: Any, expected: list[Explained]
) -> None:
    assert _explained(_validate(write_spec(LOCAL_REF), body)) == expected


COMMON = """\
Thing:
  type: object
  required: [id]
  properties:
    id: {type: string, format: uuid}
"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"id": "123e4567-e89b-12d3-a456-426614174000"}, []),
        (
            {"id": "not-a-uuid"},
            [("/id", "format", "/Thing/properties/id/format", _line(COMMON, "id: {"))],
        ),
        ({}, [("", "required", "/Thing/required", _line(COMMON, "required: [id]"))]),
    ],
    ids=["conforming", "bad-format-in-other-file", "missing-member-in-other-file"],
)
def test_relative_file_ref_is_followed_and_located_in_that_file(
    tmp_path: Path, body: Any, expected: list[tuple[str, str, str, int]]
) -> None:
    (tmp_path / "common.yaml").write_text(COMMON, encoding="utf-8")
    root = tmp_path / "spec.yaml"
    root.write_text(_openapi("Root: {$ref: 'common.yaml#/Thing'}"), encoding="utf-8")
    result = _validate(conformance.load_contract(str(root)), body)
    assert [
        (v.pointer, v.keyword, v.spec_pointer, v.spec_line, Path(v.spec_source).name)
        for v in result.violations
    ] == [(*row, "common.yaml") for row in expected]


TREE = _openapi("""
Root:
  type: object
  required: [value]
  properties:
    value: {type: integer}
    children:
      type: array
      items: {$ref: '#/components/schemas/Root'}
""")


def _tree(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"value": 0, "children": []}
    for level in range(1, depth):
        node = {"value": level, "children": [node, {"value": -level}]}
    return node


def _leaf_pointer(depth: int) -> str:
    return "/children/0" * (depth - 1)


def test_recursive_schema_validates_a_deep_tree(write_spec: WriteSpec) -> None:
    assert _validate(write_spec(TREE), _tree(40)).violations == ()


def test_recursive_schema_explains_an_error_deep_in_the_tree(
    write_spec: WriteSpec,
) -> None:
    tree = _tree(40)
    leaf = tree
    for _ in range(39):
        leaf = leaf["children"][0]
    leaf["value"] = "zero"
    assert _explained(_validate(write_spec(TREE), tree)) == [
        (
            _leaf_pointer(40) + "/value",
            "type",
            "",
            "/components/schemas/Root/properties/value/type",
            _line(TREE, "value: {type: integer}"),
        )
    ]


def test_recursive_schema_stays_a_ref(write_spec: WriteSpec) -> None:
    schema = write_spec(TREE).compiled("getX").schema
    items = schema["definitions"]["Root"]["properties"]["children"]["items"]
    assert items == {"$ref": "#/definitions/Root"}


DANGLING = _openapi("""
Root:
  type: object
  properties:
    owner: {$ref: '#/components/schemas/Nobody'}
""")


def test_dangling_ref_is_a_spec_error_naming_reference_and_place(
    write_spec: WriteSpec,
) -> None:
    contract = write_spec(DANGLING)
    with pytest.raises(conformance.SpecError) as caught:
        contract.compiled("getX")
    error = caught.value
    assert (
        error.pointer,
        error.line,
        "'#/components/schemas/Nobody'" in str(error),
        Path(error.source).name,
    ) == (
        "/components/schemas/Root/properties/owner/$ref",
        _line(DANGLING, "owner: {$ref"),
        True,
        "spec.yaml",
    )


# --- OpenAPI 3.1: schemas are JSON Schema 2020-12 already ------------------

OPENAPI_31 = _openapi(
    """
Root:
  type: object
  properties:
    name: {type: [string, "null"]}
    kind: {const: fixed}
    above: {type: number, exclusiveMinimum: 0}
""",
    version="3.1.0",
)

OPENAPI_31_ROWS = {
    "null-in-type-list": ({"name": None}, []),
    "string-in-type-list": ({"name": "n"}, []),
    "neither": ({"name": 1}, [("/name", "type", "name:")]),
    "const-matches": ({"kind": "fixed"}, []),
    "const-differs": ({"kind": "other"}, [("/kind", "const", "kind:")]),
    "numeric-exclusive-minimum": (
        {"above": 0},
        [("/above", "exclusiveMinimum", "above:")],
    ),
}


@pytest.mark.parametrize(
    ("body", "expected"), list(OPENAPI_31_ROWS.values()), ids=list(OPENAPI_31_ROWS)
)
def test_openapi_31_schemas_are_used_as_2020_12(
    write_spec: WriteSpec, body: Any, expected: list[tuple[str, str, str]]
) -> None:
    assert _explained(_validate(write_spec(OPENAPI_31), body)) == [
        (
            pointer,
            keyword,
            "",
            f"/components/schemas/Root/properties{pointer}/{keyword}",
            _line(OPENAPI_31, needle),
        )
        for pointer, keyword, needle in expected
    ]


@pytest.mark.parametrize(
    ("version", "dialect"),
    [("3.0.3", DRAFT7), ("3.1.0", DRAFT202012)],
    ids=["openapi-3.0-draft-7", "openapi-3.1-2020-12"],
)
def test_compiled_dialect_follows_the_openapi_version(
    write_spec: WriteSpec, version: str, dialect: str
) -> None:
    text = _openapi("Root: {type: object}", version=version)
    assert write_spec(text).compiled("getX").schema["$schema"] == dialect


def test_websocket_31_document_loads_and_all_bodies_compile() -> None:
    contract = conformance.load_contract(str(need_shared(WEBSOCKET_SPEC)))
    bodies = list(contract.bodies())
    assert (len(bodies) > 0, {b.compiled.dialect for b in bodies}) == (
        True,
        {DRAFT202012},
    )


# --- every compiled schema passes its metaschema --------------------------

SMALL_DOCUMENTS = {
    **{f"pets-{k}": v[0] for k, v in PETS.items()},
    "inheritance-base": PET_DOC,
    "inheritance-child": CAT_DOC,
    "subset": SUBSET_DOC,
    "nullable": NULLABLE,
    "read-write": READ_WRITE,
    "exclusive": EXCLUSIVE,
    "annotated": _openapi(ANNOTATED),
    "format-case": FORMAT_CASE,
    "tree": TREE,
    "openapi-31": OPENAPI_31,
}


def _metaschema_failures(contract: conformance.Contract) -> tuple[int, list[str]]:
    """How many JSON bodies were checked, and each one that fails its metaschema."""
    count, failures = 0, []
    for body in contract.bodies():
        count += 1
        schema = body.compiled.schema
        try:
            validator_for(schema).check_schema(schema)
        except SchemaError as exc:
            failures.append(f"{body}: {str(exc).splitlines()[0]}")
    return count, failures


@pytest.mark.parametrize(
    "text", list(SMALL_DOCUMENTS.values()), ids=list(SMALL_DOCUMENTS)
)
def test_small_documents_compile_to_schemas_that_pass_their_metaschema(
    write_spec: WriteSpec, text: str
) -> None:
    assert _metaschema_failures(write_spec(text)) == (1, [])


def test_seed_body_passes_its_metaschema(
    seed_contract: conformance.Contract,
) -> None:
    assert _metaschema_failures(seed_contract) == (1, [])


def test_all_477_full_spec_bodies_pass_their_metaschema(
    full_contract: conformance.Contract,
) -> None:
    assert _metaschema_failures(full_contract) == (477, [])


# --- found in review ----------------------------------------------------------------

WRITE_ONLY_IN_ANOTHER_PART = _openapi("""
Root:
  allOf:
    - $ref: '#/components/schemas/Base'
    - {type: object, required: [password, id]}
Base:
  type: object
  properties:
    id: {type: string}
    password: {type: string, writeOnly: true}
""")


# 3.1: a `$ref` with siblings is one more part of the composition (GitHub-like).
WRITE_ONLY_BESIDE_A_REF_31 = _openapi(
    """
Root:
  $ref: '#/components/schemas/Base'
  type: object
  required: [password, id]
Base:
  type: object
  properties:
    id: {type: string}
    password: {type: string, writeOnly: true}
""",
    version="3.1.0",
)


@pytest.mark.parametrize("engine", ["python", "rs"])
@pytest.mark.parametrize(
    ("doc", "body", "expected"),
    [
        (WRITE_ONLY_IN_ANOTHER_PART, {"id": "1"}, []),
        (
            WRITE_ONLY_IN_ANOTHER_PART,
            {"id": "1", "password": "x"},
            [("/password", "writeOnly")],
        ),
        (WRITE_ONLY_BESIDE_A_REF_31, {"id": "1"}, []),
        (
            WRITE_ONLY_BESIDE_A_REF_31,
            {"id": "1", "password": "x"},
            [("/password", "writeOnly")],
        ),
    ],
    ids=[
        "allOf-absent-conforms",
        "allOf-present-is-a-violation",
        "ref-sibling-31-absent-conforms",
        "ref-sibling-31-present-is-a-violation",
    ],
)
def test_writeonly_declared_in_one_allof_part_is_required_by_none(
    write_spec: WriteSpec,
    doc: str,
    body: dict[str, Any],
    expected: list[tuple[str, str]],
    engine: str,
) -> None:
    result = _validate(write_spec(doc, engine=engine), body)
    assert [(v.pointer, v.keyword) for v in result.violations] == expected


DOTTED_AND_GRANDCHILD = _openapi("""
Root:
  oneOf:
    - $ref: '#/components/schemas/v1.Cat'
  discriminator:
    propertyName: kind
    mapping: {cat: v1.Cat}
v1.Cat:
  type: object
  required: [kind, meow]
  properties: {kind: {type: string}, meow: {type: boolean}}
Pet:
  type: object
  required: [petType]
  properties: {petType: {type: string}}
  discriminator: {propertyName: petType}
Cat:
  allOf:
    - $ref: '#/components/schemas/Pet'
    - {type: object, properties: {meow: {type: boolean}}}
Lion:
  allOf:
    - $ref: '#/components/schemas/Cat'
    - {type: object, required: [roar], properties: {roar: {type: integer}}}
""")


def test_a_dotted_schema_name_in_a_mapping_is_a_schema_not_a_file(
    write_spec: WriteSpec,
) -> None:
    contract = write_spec(DOTTED_AND_GRANDCHILD)
    result = _validate(contract, {"kind": "cat", "meow": 1})
    assert [(v.pointer, v.branch) for v in result.violations] == [
        ("/meow", "kind=cat → v1.Cat")
    ]


def test_a_grandchild_is_an_implicit_target_of_an_inheritance_discriminator(
    write_spec: WriteSpec,
) -> None:
    pet = DOTTED_AND_GRANDCHILD.replace(
        "schema:\n                $ref: '#/components/schemas/Root'",
        "schema:\n                $ref: '#/components/schemas/Pet'",
    )
    result = _validate(write_spec(pet), {"petType": "Lion", "meow": True})
    assert [(v.pointer, v.keyword, v.branch) for v in result.violations] == [
        ("", "required", "petType=Lion → Lion")
    ]


def test_a_non_object_for_a_discriminated_union_is_one_type_violation(
    write_spec: WriteSpec,
) -> None:
    result = _validate(write_spec(DOTTED_AND_GRANDCHILD), 3)
    assert [(v.pointer, v.keyword, v.branch) for v in result.violations] == [
        ("", "type", "")
    ]


def test_openapi_31_ref_keeps_its_sibling_keywords(write_spec: WriteSpec) -> None:
    document = _openapi(
        "Root: {$ref: '#/components/schemas/Obj', required: [x]}\nObj: {type: object}",
        version="3.1.0",
    )
    result = _validate(write_spec(document), {})
    assert [(v.pointer, v.keyword) for v in result.violations] == [("", "required")]
