"""Tests for conformance.validate: verdicts, explanations, drift, formats, statuses.

Each table runs on a small OpenAPI document of one concern (inline YAML written by
the `write_spec` fixture). Explanations are checked as (pointer, keyword, branch,
spec pointer, spec line); lines are found in the document text by a unique needle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from documents import WriteSpec
from documents import explained as _explained
from documents import line as _line
from documents import openapi as _openapi

import conformance

ENGINES = ["python", "rs"]


# --- where a violation is reported ----------------------------------------------------

SHAPES = _openapi("""
Root:
  type: object
  required: [owner, choice]
  properties:
    owner:
      type: object
      required: [login, id]
      properties:
        login: {type: string}
        id: {type: integer}
    choice:
      oneOf:
        - {type: object, required: [a], properties: {a: {type: string}}}
        - {type: object, required: [b], properties: {b: {type: string}}}
    tags: {type: array, items: {type: string}, maxItems: 2}
""")
_OK = {"owner": {"login": "me", "id": 1}, "choice": {"a": "x"}}

SHAPE_ROWS = {
    "missing-member-at-the-object-lacking-it": (
        {**_OK, "owner": {"id": 1}},
        [
            (
                "/owner",
                "required",
                "",
                "/properties/owner/required",
                "required: [login, id]",
            )
        ],
    ),
    "missing-root-member-at-the-root": (
        {"choice": {"a": "x"}},
        [("", "required", "", "/required", "required: [owner, choice]")],
    ),
    "wrong-type-at-the-member": (
        {**_OK, "owner": {"login": "me", "id": "1"}},
        [
            (
                "/owner/id",
                "type",
                "",
                "/properties/owner/properties/id/type",
                "id: {type",
            )
        ],
    ),
    "array-item-at-its-index": (
        {**_OK, "tags": ["a", 2]},
        [("/tags/1", "type", "", "/properties/tags/items/type", "tags: {type")],
    ),
    "array-bound-at-the-array": (
        {**_OK, "tags": ["a", "b", "c"]},
        [("/tags", "maxItems", "", "/properties/tags/maxItems", "tags: {type")],
    ),
    "oneOf-no-branch-at-the-union": (
        {**_OK, "choice": {"c": "x"}},
        [("/choice", "oneOf", "", "/properties/choice/oneOf", "oneOf:")],
    ),
    "oneOf-several-branches-at-the-union": (
        {**_OK, "choice": {"a": "x", "b": "y"}},
        [("/choice", "oneOf", "", "/properties/choice/oneOf", "oneOf:")],
    ),
    "oneOf-meant-branch-explained-at-the-member": (
        {**_OK, "choice": {"a": 1}},
        [
            (
                "/choice/a",
                "type",
                "/choice oneOf[0] a",
                "/properties/choice/oneOf/0/properties/a/type",
                "[a]",
            )
        ],
    ),
}


@pytest.mark.parametrize(
    ("body", "expected"), list(SHAPE_ROWS.values()), ids=list(SHAPE_ROWS)
)
def test_violations_are_reported_where_the_rule_broke(
    write_spec: WriteSpec, body: Any, expected: list[tuple[str, str, str, str, str]]
) -> None:
    result = write_spec(SHAPES).response_validator("getX", 200).validate(body)
    assert _explained(result) == [
        (
            pointer,
            keyword,
            branch,
            "/components/schemas/Root" + rule,
            _line(SHAPES, needle),
        )
        for pointer, keyword, branch, rule, needle in expected
    ]


MESSAGES = {
    "missing-member-names-it": ({**_OK, "owner": {"id": 1}}, "'login'"),
    "type-states-expected-and-received": (
        {**_OK, "owner": {"login": "me", "id": "1"}},
        'expected integer, received string "1"',
    ),
    "several-branches-says-so": (
        {**_OK, "choice": {"a": "x", "b": "y"}},
        "more than one",
    ),
    "no-branch-gives-each-reason": (
        {**_OK, "choice": {"c": "x"}},
        "#0 missing required member 'a'; #1 missing required member 'b'",
    ),
}


@pytest.mark.parametrize(
    ("body", "fragment"), list(MESSAGES.values()), ids=list(MESSAGES)
)
def test_violation_message_states_expected_and_received(
    write_spec: WriteSpec, body: Any, fragment: str
) -> None:
    result = write_spec(SHAPES).response_validator("getX", 200).validate(body)
    (violation,) = result.violations
    assert fragment in violation.message


def test_violation_location_is_spec_file_and_line(write_spec: WriteSpec) -> None:
    body = {**_OK, "owner": {"id": 1}}
    result = write_spec(SHAPES).response_validator("getX", 200).validate(body)
    (violation,) = result.violations
    assert violation.location == f"spec.yaml:{_line(SHAPES, 'required: [login, id]')}"


def test_a_conforming_body_has_no_violations(write_spec: WriteSpec) -> None:
    result = write_spec(SHAPES).response_validator("getX", 200).validate(_OK)
    assert (result.conforms, result.violations) == (True, ())


# --- drift ---------------------------------------------------------------------------

DRIFT = _openapi("""
Root:
  type: object
  properties:
    nested:
      type: object
      properties:
        list:
          type: array
          items:
            type: object
            properties:
              known: {type: string}
    composed:
      allOf:
        - type: object
          properties: {first: {type: string}}
        - type: object
          properties: {second: {type: string}}
    free_form: {type: object}
    by_map:
      type: object
      additionalProperties:
        type: object
        properties: {known: {type: integer}}
""")

DRIFT_ROWS = {
    "documented-members-only": (
        {"nested": {"list": [{"known": "k"}]}, "free_form": {"any": 1}},
        [],
    ),
    "unknown-root-member": ({"surprise": 1}, ["/surprise"]),
    "unknown-nested-member": ({"nested": {"extra": 1}}, ["/nested/extra"]),
    "unknown-member-in-array-item": (
        {"nested": {"list": [{"known": "k"}, {"known": "k", "extra": 1}]}},
        ["/nested/list/1/extra"],
    ),
    "allOf-member-documented-by-any-part": (
        {"composed": {"first": "1", "second": "2"}},
        [],
    ),
    "allOf-member-documented-by-no-part": (
        {"composed": {"first": "1", "third": "3"}},
        ["/composed/third"],
    ),
    "free-form-object-documents-any-member": ({"free_form": {"a": {"b": 1}}}, []),
    "additionalProperties-schema-is-followed": (
        {"by_map": {"key": {"known": 1, "extra": 2}}},
        ["/by_map/key/extra"],
    ),
    "every-depth-at-once": (
        {"surprise": 1, "nested": {"extra": 1, "list": [{"extra": 1}]}},
        ["/surprise", "/nested/extra", "/nested/list/0/extra"],
    ),
}


@pytest.mark.parametrize(
    ("body", "drift"), list(DRIFT_ROWS.values()), ids=list(DRIFT_ROWS)
)
def test_drift_lists_every_undocumented_member(
    write_spec: WriteSpec, body: Any, drift: list[str]
) -> None:
    result = (
        write_spec(DRIFT).response_validator("getX", 200, drift=True).validate(body)
    )
    assert (result.conforms, sorted(result.drift)) == (True, sorted(drift))


def test_drift_is_not_computed_unless_asked(write_spec: WriteSpec) -> None:
    result = write_spec(DRIFT).response_validator("getX", 200).validate({"x": 1})
    assert (result.conforms, result.drift) == (True, ())


def test_strict_mode_makes_drift_a_violation(write_spec: WriteSpec) -> None:
    validator = write_spec(DRIFT).response_validator("getX", 200, strict=True)
    result = validator.validate({"surprise": 1, "nested": {"extra": 1}})
    assert (result.conforms, [(v.pointer, v.keyword) for v in result.violations]) == (
        False,
        [("/nested/extra", "drift"), ("/surprise", "drift")],
    )


def test_strict_mode_accepts_a_body_without_drift(write_spec: WriteSpec) -> None:
    validator = write_spec(DRIFT).response_validator("getX", 200, strict=True)
    assert validator.validate({"nested": {"list": []}}).conforms is True


DISPATCHED_DRIFT = _openapi("""
Root:
  oneOf:
    - $ref: '#/components/schemas/Cat'
    - $ref: '#/components/schemas/Dog'
  discriminator:
    propertyName: kind
Cat:
  type: object
  properties:
    kind: {type: string}
    meow: {type: integer}
Dog:
  type: object
  properties:
    kind: {type: string}
    bark: {type: integer}
""")


@pytest.mark.parametrize(
    ("body", "drift"),
    [
        ({"kind": "Cat", "meow": 1}, []),
        ({"kind": "Cat", "bark": 1}, ["/bark"]),
        ({"kind": "Dog", "meow": 1}, ["/meow"]),
    ],
    ids=["own-branch-member", "other-branch-member-cat", "other-branch-member-dog"],
)
def test_drift_follows_the_dispatched_branch(
    write_spec: WriteSpec, body: Any, drift: list[str]
) -> None:
    validator = write_spec(DISPATCHED_DRIFT).response_validator("getX", 200, drift=True)
    assert list(validator.validate(body).drift) == drift


# --- formats -------------------------------------------------------------------------

FORMATS = _openapi("""
Root:
  type: object
  properties:
    uuid: {type: string, format: uuid}
    date-time: {type: string, format: date-time}
    date: {type: string, format: date}
    uri: {type: string, format: uri}
    email: {type: string, format: email}
    ipv4: {type: string, format: ipv4}
    ipv6: {type: string, format: ipv6}
    byte: {type: string, format: byte}
    int32: {type: integer, format: int32}
    int64: {type: integer, format: int64}
    cron: {type: string, format: cron}
    shoe-size: {type: string, format: shoe-size}
""")

# id -> (member/format, good value, bad value)
FORMAT_ROWS = {
    "uuid": ("uuid", "123e4567-e89b-12d3-a456-426614174000", "123e4567"),
    "date-time": ("date-time", "2024-01-01T12:00:00+02:00", "2024-01-01 12:00"),
    "date-time-leap-second": (
        "date-time",
        "1990-12-31T23:59:60Z",
        "2024-13-01T00:00:00Z",
    ),
    "date": ("date", "2024-02-29", "2023-02-29"),
    "uri-absolute": ("uri", "https://example.com/a?b=c", "/relative/path"),
    "email": ("email", "someone@example.com", "someone.example.com"),
    "ipv4": ("ipv4", "192.168.0.1", "256.1.1.1"),
    "ipv6": ("ipv6", "2001:db8::1", "2001:db8:::1"),
    "byte": ("byte", "aGVsbG8=", "not base64!"),
    "int32-above": ("int32", 2**31 - 1, 2**31),
    "int32-below": ("int32", -(2**31), -(2**31) - 1),
    "int64-above": ("int64", 2**63 - 1, 2**63),
    "int64-below": ("int64", -(2**63), -(2**63) - 1),
    "cron": ("cron", "*/15 0-6,22 * JAN-MAR MON-FRI", "* * * * * *"),
}
_FORMAT_ARGS = ("member", "good", "bad")
_FORMAT_VALUES = list(FORMAT_ROWS.values())
_FORMAT_IDS = list(FORMAT_ROWS)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(_FORMAT_ARGS, _FORMAT_VALUES, ids=_FORMAT_IDS)
def test_format_accepts_a_well_formed_value(
    write_spec: WriteSpec, member: str, good: Any, bad: Any, engine: str
) -> None:
    validator = write_spec(FORMATS).response_validator("getX", 200, engine=engine)
    assert validator.validate({member: good}).violations == ()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(_FORMAT_ARGS, _FORMAT_VALUES, ids=_FORMAT_IDS)
def test_format_violation_is_reported_at_the_member_with_keyword_format(
    write_spec: WriteSpec, member: str, good: Any, bad: Any, engine: str
) -> None:
    validator = write_spec(FORMATS).response_validator("getX", 200, engine=engine)
    assert _explained(validator.validate({member: bad})) == [
        (
            f"/{member}",
            "format",
            "",
            f"/components/schemas/Root/properties/{member}/format",
            _line(FORMATS, f"format: {member}}}"),
        )
    ]


def _switch_rows(switch: Callable[[str], dict[str, bool]]) -> list[Any]:
    return [
        pytest.param(
            member,
            bad,
            switch(member),
            id=name,
        )
        for name, (member, _, bad) in FORMAT_ROWS.items()
    ]


@pytest.mark.parametrize(
    ("member", "bad", "switches"),
    [
        *_switch_rows(lambda member: {member: False}),
        *[
            pytest.param(*p.values, id=f"all-off-{p.id}", marks=p.marks)
            for p in _switch_rows(lambda member: {"*": False})
        ],
    ],
)
def test_format_switched_off_when_loading_is_not_asserted(
    write_spec: WriteSpec, member: str, bad: Any, switches: dict[str, bool]
) -> None:
    contract = write_spec(FORMATS, formats=switches)
    assert contract.response_validator("getX", 200).validate({member: bad}).conforms


@pytest.mark.parametrize(
    ("member", "bad", "switches"), _switch_rows(lambda member: {member: False})
)
def test_format_switched_off_for_one_validator_is_not_asserted(
    write_spec: WriteSpec, member: str, bad: Any, switches: dict[str, bool]
) -> None:
    validator = write_spec(FORMATS).response_validator("getX", 200, formats=switches)
    assert validator.validate({member: bad}).conforms


def test_switching_one_format_off_keeps_the_others(write_spec: WriteSpec) -> None:
    contract = write_spec(FORMATS, formats={"uuid": False})
    result = contract.response_validator("getX", 200).validate(
        {"uuid": "123e4567", "date": "2023-02-29"}
    )
    assert [(v.pointer, v.keyword) for v in result.violations] == [("/date", "format")]


@pytest.mark.parametrize("engine", ENGINES)
def test_unknown_format_is_an_annotation(write_spec: WriteSpec, engine: str) -> None:
    validator = write_spec(FORMATS).response_validator("getX", 200, engine=engine)
    assert validator.validate({"shoe-size": "not a size"}).conforms


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("value", "expected"),
    [("42", []), ("not a size", [("/shoe-size", "format")])],
    ids=["registered-format-accepts", "registered-format-refuses"],
)
def test_registered_user_format_is_asserted(
    write_spec: WriteSpec, engine: str, value: str, expected: list[tuple[str, str]]
) -> None:
    contract = write_spec(FORMATS)
    contract.register_format("shoe-size", str.isdigit, description="EU shoe size")
    result = contract.response_validator("getX", 200, engine=engine).validate(
        {"shoe-size": value}
    )
    assert [(v.pointer, v.keyword) for v in result.violations] == expected


def test_registering_a_format_applies_to_validators_built_before(
    write_spec: WriteSpec,
) -> None:
    contract = write_spec(FORMATS)
    contract.response_validator("getX", 200).validate({"shoe-size": "x"})
    contract.register_format("shoe-size", str.isdigit)
    assert not contract.response_validator("getX", 200).is_valid({"shoe-size": "x"})


def test_registered_format_message_carries_its_description(
    write_spec: WriteSpec,
) -> None:
    contract = write_spec(FORMATS)
    contract.register_format("shoe-size", str.isdigit, description="EU shoe size")
    result = contract.response_validator("getX", 200).validate({"shoe-size": "x"})
    (violation,) = result.violations
    assert "EU shoe size" in violation.message


# --- status lookup -------------------------------------------------------------------

STATUSES = """\
openapi: 3.0.3
info: {title: statuses, version: '1'}
paths:
  /x:
    get:
      operationId: getX
      responses:
        '200':
          description: exact
          content:
            application/json:
              schema: {type: object, required: [exact]}
        '2XX':
          description: range
          content:
            application/json:
              schema: {type: object, required: [ranged]}
        '401':
          description: no content
        default:
          description: default
          content:
            application/json:
              schema: {type: object, required: [error]}
"""

# id -> (status asked for, documented key, the body that conforms there)
STATUS_ROWS = {
    "exact-int": (200, "200", {"exact": 1}),
    "exact-text": ("200", "200", {"exact": 1}),
    "range-by-code": (201, "2XX", {"ranged": 1}),
    "range-by-key": ("2XX", "2XX", {"ranged": 1}),
    "range-key-in-lower-case": ("2xx", "2XX", {"ranged": 1}),
    "default-by-code": (500, "default", {"error": "e"}),
    "default-by-key": ("default", "default", {"error": "e"}),
}


@pytest.mark.parametrize(
    ("status", "key", "body"), list(STATUS_ROWS.values()), ids=list(STATUS_ROWS)
)
def test_status_is_looked_up_exact_then_range_then_default(
    write_spec: WriteSpec, status: int | str, key: str, body: dict[str, Any]
) -> None:
    contract = write_spec(STATUSES)
    _, response = contract.response("getX", status)
    assert response.status == key


@pytest.mark.parametrize(
    ("status", "key", "body"), list(STATUS_ROWS.values()), ids=list(STATUS_ROWS)
)
def test_status_validator_uses_the_schema_of_the_found_response(
    write_spec: WriteSpec, status: int | str, key: str, body: dict[str, Any]
) -> None:
    validator = write_spec(STATUSES).response_validator("getX", status)
    others = [b for _, _, b in STATUS_ROWS.values() if b != body]
    assert (
        validator.validate(body).conforms,
        [validator.is_valid(o) for o in others],
    ) == (
        True,
        [False] * len(others),
    )


@pytest.mark.parametrize(
    "body",
    [None, "text", {"any": ["thing"]}, [1, 2]],
    ids=["null", "string", "object", "array"],
)
def test_response_without_content_accepts_any_body(
    write_spec: WriteSpec, body: Any
) -> None:
    validator = write_spec(STATUSES).response_validator("getX", 401)
    assert (validator.schema, validator.validate(body).conforms) == (None, True)


def test_undocumented_status_without_default_is_a_usage_error(
    write_spec: WriteSpec,
) -> None:
    contract = write_spec(STATUSES.replace("        default:", "        '418':"))
    with pytest.raises(conformance.UsageError, match="no response for status 503"):
        contract.response_validator("getX", 503)


def test_omitted_status_with_several_2xx_is_a_usage_error(
    write_spec: WriteSpec,
) -> None:
    with pytest.raises(conformance.UsageError, match="several 2xx"):
        write_spec(STATUSES).response_validator("getX")


ONEOF_TWO_MATCH = _openapi("""
Root:
  oneOf:
    - {type: object, required: [a], properties: {b: {type: string}}}
    - {type: object, required: [a]}
    - {type: object, required: [a], properties: {a: {type: string}}}
""")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_oneof_two_alternatives_match_is_reported_at_the_union(
    write_spec: WriteSpec, engine: str
) -> None:
    # #0 fails on /b; #1 and #2 both match: the union is wrong, not member /b.
    validator = write_spec(ONEOF_TWO_MATCH).response_validator(
        "getX", 200, engine=engine
    )
    result = validator.validate({"a": "x", "b": None})
    assert [(v.pointer, v.keyword) for v in result.violations] == [("", "oneOf")]


ECMA = _openapi(r"""
Root:
  type: object
  properties:
    digits: {type: string, pattern: '^\d+$'}
    word: {type: string, pattern: '^\w+$'}
    end: {type: string, pattern: '^abc$'}
    cents: {type: number, multipleOf: 0.01}
""")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("body", "conforms"),
    [
        ({"digits": "123"}, True),
        ({"digits": "١٢٣"}, False),  # \d is ASCII in ECMA-262
        ({"word": "héllo"}, False),  # so is \w
        ({"end": "abc\n"}, False),  # $ ends the text
        ({"cents": 0.07}, True),  # decimal, not binary floating point
        ({"cents": 0.075}, False),
    ],
    ids=[
        "ascii-digits",
        "arabic-digits",
        "accented-word",
        "final-newline",
        "cents",
        "half-cent",
    ],
)
def test_patterns_and_multiples_read_the_same_on_both_engines(
    write_spec: WriteSpec, engine: str, body: dict[str, Any], conforms: bool
) -> None:
    validator = write_spec(ECMA).response_validator("getX", 200, engine=engine)
    assert validator.validate(body).conforms is conforms
