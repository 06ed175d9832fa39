"""Tests for OpenAPI 3.1 references (conformance.resources, spec.py, compiler.py):
`$id` base URIs, `$anchor`, `$dynamicRef`, a schema's own `$defs`, escaped pointers,
bundled metaschemas and mirrors; each verdict on both engines.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from documents import WriteSpec
from documents import openapi as _openapi

import conformance
import conformance.spec
from conformance.errors import SpecError
from conformance.resources import resolve

ENGINES = ["python", "rs"]


def _doc(schemas: dict[str, Any], body: str | None = None) -> str:
    text = "\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in schemas.items())
    if body is None:
        return _openapi(text, version="3.1.0")
    return _openapi(text, body, version="3.1.0")


TREE = {
    "$id": "https://example.com/tree",
    "$dynamicAnchor": "node",
    "type": "object",
    "properties": {"children": {"type": "array", "items": {"$dynamicRef": "#node"}}},
}
STRICT_TREE = {
    "$id": "https://example.com/strict-tree",
    "$dynamicAnchor": "node",
    "$ref": "tree",
    "unevaluatedProperties": False,
}

ROWS: dict[str, tuple[dict[str, Any], Any, bool]] = {
    "own-defs-under-an-id": (
        {
            "Root": {
                "$id": "https://example.com/pet",
                "$defs": {"Pet": {"type": "object", "required": ["name"]}},
                "$ref": "#/$defs/Pet",
            }
        },
        {},
        False,
    ),
    "own-defs-kept-beside-generated-definitions": (
        {
            "Root": {
                "$defs": {"Name": {"type": "string"}},
                "properties": {
                    "name": {"$ref": "#/components/schemas/Root/$defs/Name"},
                    "tag": {"$ref": "#/components/schemas/Tag"},
                },
            },
            "Tag": {"type": "string"},
        },
        {"name": "rex", "tag": 7},
        False,
    ),
    "relative-ref-against-the-id": (
        {
            "Root": {
                "$id": "https://example.com/schemas/root",
                "properties": {"tag": {"$ref": "tag"}},
            },
            "Tag": {"$id": "https://example.com/schemas/tag", "type": "string"},
        },
        {"tag": 1},
        False,
    ),
    "urn-id": (
        {
            "Root": {"properties": {"tag": {"$ref": "urn:example:tag"}}},
            "Tag": {"$id": "urn:example:tag", "type": "string"},
        },
        {"tag": 1},
        False,
    ),
    "anchor": (
        {
            "Root": {"properties": {"tag": {"$ref": "#tag"}}},
            "Tag": {"$anchor": "tag", "type": "string"},
        },
        {"tag": 1},
        False,
    ),
    "dynamic-ref-extends-the-tree": (
        {"Root": STRICT_TREE, "Tree": TREE},
        {"children": [{"children": [], "extra": 1}]},
        False,
    ),
    "dynamic-ref-plain-tree-allows-more": (
        {"Root": TREE, "Strict": STRICT_TREE},
        {"children": [{"children": [], "extra": 1}]},
        True,
    ),
    "escaped-pointers": (
        {
            "Root": {
                "properties": {
                    "a": {"$ref": "#/components/schemas/a~1b"},
                    "c": {"$ref": "#/components/schemas/c~0d"},
                    "e": {"$ref": "#/components/schemas/e%25f"},
                }
            },
            "a/b": {"type": "string"},
            "c~d": {"type": "string"},
            "e%f": {"type": "string"},
        },
        {"a": "x", "c": "y", "e": 3},
        False,
    ),
    "metaschema-from-the-bundled-copy": (
        {"Root": {"$ref": "https://json-schema.org/draft/2020-12/schema"}},
        {"type": 1},
        False,
    ),
    "false-alternatives": (
        {"Root": {"anyOf": [False, False]}},
        {},
        False,
    ),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("schemas", "body", "conforms"), list(ROWS.values()), ids=list(ROWS)
)
def test_a_31_reference_resolves_as_json_schema_2020_12_says(
    write_spec: WriteSpec,
    monkeypatch: pytest.MonkeyPatch,
    engine: str,
    schemas: dict[str, Any],
    body: Any,
    conforms: bool,
) -> None:
    def no_network(uri: str, **_: Any) -> None:
        raise AssertionError(f"read {uri}")

    contract = write_spec(_doc(schemas))
    monkeypatch.setattr(conformance.spec, "load_document", no_network)
    validator = contract.response_validator("getX", 200, engine=engine)
    result = validator.validate(body)
    assert result.conforms is conforms
    assert bool(result.violations) is not conforms  # explained, not a crash


def test_a_mirror_serves_remote_documents_from_a_folder(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "tag.json").write_text('{"type": "string"}')
    spec = tmp_path / "openapi.yaml"
    spec.write_text(_doc({"Root": {"$ref": "https://schemas.example.com/tag.json"}}))
    mirrors = {"https://schemas.example.com/": str(tmp_path / "schemas")}
    contract = conformance.load_contract(str(spec), mirrors=mirrors)
    assert contract.response_validator("getX", 200).validate(1).conforms is False
    assert contract.response_validator("getX", 200).validate("a").conforms is True


@pytest.mark.parametrize(
    ("ref", "says"),
    [
        ("https://schemas.example.com/pet.json", "not in the mirror"),
        (
            "https://schemas.example.com/a/%2E%2E/%2E%2E/x.json",
            "leads outside the mirror",
        ),
        ("#nowhere", "has no $anchor or $dynamicAnchor 'nowhere'"),
        ("urn:example:nowhere", "no schema of this spec has this $id"),
    ],
    ids=[
        "missing-mirrored-file",
        "mirror-escape",
        "unknown-anchor",
        "unknown-urn",
    ],
)
def test_a_31_reference_to_nothing_is_a_spec_error_naming_it(
    tmp_path: Path, ref: str, says: str
) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(_doc({"Root": {"properties": {"a": {"$ref": ref}}}}))
    mirrors = {"https://schemas.example.com/": str(tmp_path)}
    contract = conformance.load_contract(str(spec), mirrors=mirrors)
    with pytest.raises(SpecError) as caught:
        contract.response_validator("getX", 200)
    assert caught.value.pointer == "/components/schemas/Root/properties/a/$ref"
    assert says in str(caught.value)


def test_a_31_schema_in_another_dialect_is_read_as_2020_12_with_a_warning(
    write_spec: WriteSpec,
) -> None:
    draft7 = "http://json-schema.org/draft-07/schema#"
    contract = write_spec(_doc({"Root": {"$schema": draft7, "type": "string"}}))
    assert contract.response_validator("getX", 200).validate(1).conforms is False
    assert [(w.pointer, w.code) for w in contract.warnings] == [
        ("/components/schemas/Root/$schema", "unsupported-dialect")
    ]


def test_a_pointer_under_an_id_names_the_id_that_moved_the_base(
    tmp_path: Path,
) -> None:
    root = {
        "$id": "https://example.com/root",
        "properties": {"a": {"$ref": "#/components/schemas/Tag"}},
    }
    spec = tmp_path / "openapi.yaml"
    spec.write_text(_doc({"Root": root, "Tag": {"type": "string"}}))
    contract = conformance.load_contract(str(spec))
    with pytest.raises(SpecError) as caught:
        contract.response_validator("getX", 200)
    assert "the $id at #/components/schemas/Root makes https://example.com/root" in (
        caught.value.reason
    )


@pytest.mark.parametrize(
    ("base", "ref", "uri"),
    [
        ("https://x.test/a/b", "../c", "https://x.test/c"),
        ("https://x.test/a", "HTTPS://x.test/b#f", "https://x.test/b"),
        ("/specs/api/openapi.yaml", "tag.json", "/specs/api/tag.json"),
        ("/specs/api/openapi.yaml", "urn:example:tag", "urn:example:tag"),
        ("urn:example:a", "#/x", "urn:example:a"),
        ("urn:example:a", "b.json", "urn:b.json"),
    ],
    ids=[
        "relative",
        "scheme-case",
        "file",
        "urn-from-file",
        "urn-fragment",
        "urn-base",
    ],
)
def test_a_reference_resolves_against_its_base_uri(
    base: str, ref: str, uri: str
) -> None:
    assert resolve(base, ref) == uri


def test_an_anchor_declared_twice_in_one_resource_is_a_spec_error(
    tmp_path: Path,
) -> None:
    spec = tmp_path / "openapi.yaml"
    schemas = {
        "Root": {"properties": {"a": {"$ref": "#tag"}}},
        "Tag": {"$anchor": "tag", "type": "string"},
        "Label": {"$anchor": "tag", "type": "integer"},
    }
    spec.write_text(_doc(schemas))
    with pytest.raises(SpecError) as caught:
        conformance.load_contract(str(spec)).response_validator("getX", 200)
    assert "declares the anchor 'tag' 2 times (at #/components/schemas/Label" in (
        caught.value.reason
    )


# GitHub-like 3.1: a `$ref` with siblings closed by unevaluatedProperties.
CLOSED_BESIDE_A_REF = {
    "Root": {
        "$ref": "#/components/schemas/Base",
        "properties": {"size": {"type": "integer"}},
        "unevaluatedProperties": False,
    },
    "Base": {"properties": {"kind": {"type": "string"}}},
}
UNEVALUATED = "unevaluatedProperties"
UNEVALUATED_ROWS: dict[str, tuple[dict[str, Any], list[tuple[str, str, str]]]] = {
    "undocumented-members-named": (
        {"kind": "a", "size": 2, "zeta": 1, "other": {"deep": 1}},
        [("", UNEVALUATED, f'unexpected member(s) ["other", "zeta"] ({UNEVALUATED})')],
    ),
    # Base fails at /kind, so 2020-12 drops its annotations and `kind` reads as
    # unevaluated: that is the /kind violation again, not an undocumented member.
    "own-failure-not-also-unexpected": (
        {"kind": 5, "size": 2},
        [("/kind", "type", "expected string, received integer 5")],
    ),
    "cascade-dropped-undocumented-kept": (
        {"kind": 5, "zeta": 1},
        [
            ("", UNEVALUATED, f'unexpected member(s) ["zeta"] ({UNEVALUATED})'),
            ("/kind", "type", "expected string, received integer 5"),
        ],
    ),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("body", "expected"), list(UNEVALUATED_ROWS.values()), ids=list(UNEVALUATED_ROWS)
)
def test_an_unevaluated_member_is_named_in_the_explanation(
    write_spec: WriteSpec,
    engine: str,
    body: dict[str, Any],
    expected: list[tuple[str, str, str]],
) -> None:
    contract = write_spec(_doc(CLOSED_BESIDE_A_REF))
    result = contract.response_validator("getX", 200, engine=engine).validate(body)
    assert not result.conforms
    assert [(v.pointer, v.keyword, v.message) for v in result.violations] == expected
