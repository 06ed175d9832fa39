"""Tests for conformance.patterns and conformance.keywords: ECMA-262 patterns.

Each row is one pattern Python's `re` reads otherwise (or not at all), run on both
engines: jsonschema-rs and the pure-Python path must give ECMA-262's verdict.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from documents import WriteSpec
from documents import openapi as _openapi
from hypothesis import given
from hypothesis import strategies as st

from conformance.errors import SpecError, UsageError
from conformance.patterns import ecma_to_python, search

ENGINES = ["python", "rs"]


def _document(schema: dict[str, Any], version: str = "3.0.3") -> str:
    return _openapi(f"Root: {json.dumps(schema)}", version=version)


PATTERN_ROWS = {
    # pattern, text, ECMA-262's verdict
    "named-group-rejects-letters": (r"^(?<y>[0-9]{4})$", "abcd", False),
    "named-group-accepts-a-year": (r"^(?<y>[0-9]{4})$", "2024", True),
    "unicode-property-upper-case": (r"^\p{Lu}+$", "ÉCOLE", True),
    "unicode-property-rejects-lower-case": (r"^\p{Lu}+$", "école", False),
    "empty-negated-class-is-any-character": (r"^[^]$", "\n", True),
    "control-escape-is-a-newline": (r"^\cJ$", "\n", True),
    "legacy-identity-escape-z-is-a-letter": (r"^a\z$", "az", True),
    "legacy-identity-escape-z-is-no-anchor": (r"^a\z", "a", False),
    "white-space-includes-byte-order-mark": (r"^\s$", "\ufeff", True),
    "digits-are-ascii": (r"^\d+$", "১২", False),
    "dollar-ends-the-text": (r"^abc$", "abc\n", False),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    list(PATTERN_ROWS.values()),
    ids=list(PATTERN_ROWS),
)
def test_a_pattern_reads_as_ecma_262_on_both_engines(
    write_spec: WriteSpec, engine: str, pattern: str, text: str, matches: bool
) -> None:
    schema = {"type": "object", "properties": {"v": {"pattern": pattern}}}
    contract = write_spec(_document(schema))
    result = contract.response_validator("getX", 200, engine=engine).validate(
        {"v": text}
    )
    assert result.conforms is matches
    if not matches:
        assert [(v.pointer, v.keyword) for v in result.violations] == [
            ("/v", "pattern")
        ]


MEMBER_ROWS = {
    # pattern, member name, whether ECMA-262 says the pattern names it
    "unicode-property-names": (r"^\p{Lu}", "Été", True),
    "unicode-property-other-names": (r"^\p{Lu}", "été", False),
    "unicode-digits-are-no-digits": (r"^\d+$", "১২", False),
    "ascii-digits-are-digits": (r"^\d+$", "12", True),
    "white-space-byte-order-mark": (r"^\s", "\ufeffa", True),
    "legacy-identity-escape-z": (r"^a\z", "az", True),
    "legacy-identity-escape-z-is-no-anchor": (r"^a\z", "a", False),
}


def _member_schemas(pattern: str) -> dict[str, tuple[dict[str, Any], bool]]:
    """Schemas where a member named by `pattern` must be a string, and whether a
    string member that the pattern does *not* name still conforms."""
    named = {pattern: {"type": "string"}}
    return {
        "patternProperties": (
            {"type": "object", "patternProperties": {pattern: {"type": "integer"}}},
            True,
        ),
        "additionalProperties": (
            {
                "type": "object",
                "patternProperties": named,
                "additionalProperties": {"type": "integer"},
            },
            False,
        ),
        "unevaluatedProperties": (
            {
                "type": "object",
                "allOf": [{"patternProperties": named}],
                "unevaluatedProperties": {"type": "integer"},
            },
            False,
        ),
    }


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("pattern", "name", "named"),
    list(MEMBER_ROWS.values()),
    ids=list(MEMBER_ROWS),
)
@pytest.mark.parametrize(
    "keyword", ["patternProperties", "additionalProperties", "unevaluatedProperties"]
)
def test_member_name_patterns_read_as_ecma_262_on_both_engines(
    write_spec: WriteSpec,
    engine: str,
    keyword: str,
    pattern: str,
    name: str,
    named: bool,
) -> None:
    schema, unnamed_conforms = _member_schemas(pattern)[keyword]
    contract = write_spec(_document(schema, version="3.1.0"))
    validator = contract.response_validator("getX", 200, engine=engine)
    assert validator.validate({name: "text"}).conforms is (named ^ unnamed_conforms)


@pytest.mark.parametrize(
    ("schema", "pointer"),
    [
        ({"type": "string", "pattern": "a("}, "/components/schemas/Root/pattern"),
        (
            {"type": "object", "patternProperties": {"[z-a]": True}},
            "/components/schemas/Root/patternProperties/[z-a]",
        ),
    ],
    ids=["pattern", "member-name-pattern"],
)
def test_an_invalid_pattern_is_a_spec_error_naming_its_pointer(
    write_spec: WriteSpec, schema: dict[str, Any], pointer: str
) -> None:
    contract = write_spec(_document(schema, version="3.1.0"))
    with pytest.raises(SpecError) as caught:
        contract.response_validator("getX", 200)
    assert caught.value.pointer == pointer
    assert "not an ECMA-262 regular expression" in caught.value.reason


GENERATED = [
    r"^\d+$",
    r"^\w+$",
    r"^\s$",
    r"^\S+$",
    r"^.$",
    r"^abc$",
    r"^(?<y>[0-9]{4})-\k<y>$",
    r"^[^]$",
    r"^\cJ$",
    r"^a\z$",
    r"^\u{1F600}$",
    r"^\ud83d\ude00$",
    r"^[[a&]+$",
]


@given(st.sampled_from(GENERATED), st.data())
def test_strings_generated_for_a_pattern_match_it_as_ecma_262(
    pattern: str, data: st.DataObject
) -> None:
    text = data.draw(st.from_regex(ecma_to_python(pattern)))
    assert search(pattern, text)


def test_generating_from_a_unicode_property_pattern_is_a_clear_error(
    write_spec: WriteSpec,
) -> None:
    schema = {"type": "string", "pattern": r"^\p{Lu}+$"}
    contract = write_spec(_document(schema))
    with pytest.raises(UsageError, match=r"cannot generate strings for the pattern"):
        contract.response_bodies("getX", 200).example()


@pytest.mark.parametrize("engine", ENGINES)
def test_members_a_member_name_pattern_documents_are_no_drift(
    write_spec: WriteSpec, engine: str
) -> None:
    schema = {
        "type": "object",
        "properties": {"id": {"type": "string"}},
        "patternProperties": {r"^\p{Lu}": {"type": "object", "properties": {}}},
    }
    contract = write_spec(_document(schema, version="3.1.0"))
    validator = contract.response_validator("getX", 200, drift=True, engine=engine)
    body = {"id": "a", "Été": {"b": 1}, "été": 2}
    assert validator.validate(body).drift == ("/été", "/Été/b")


def test_both_engines_explain_pattern_failures_alike(write_spec: WriteSpec) -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "string", "pattern": r"^a\z"},
            "b": {"type": "string", "pattern": r"^(?<y>[0-9]{4})$"},
        },
        "patternProperties": {r"^\p{Lu}": {"type": "integer"}},
        "additionalProperties": False,
    }
    contract = write_spec(_document(schema, version="3.1.0"))
    body = {"a": "a", "b": "abcd", "Été": "x", "zz": 1}
    found = {
        engine: contract.response_validator("getX", 200, engine=engine)
        .validate(body)
        .violations
        for engine in ENGINES
    }
    assert found["rs"] == found["python"]
    assert [(v.pointer, v.keyword) for v in found["rs"]] == [
        ("", "additionalProperties"),
        ("/a", "pattern"),
        ("/b", "pattern"),
        ("/Été", "type"),
    ]
