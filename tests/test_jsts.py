"""The official JSON-Schema-Test-Suite, case by case, through OpenAPI documents.

Every 2020-12 case is the response schema of an OpenAPI 3.1 document; every draft4 and
draft7 case whose keywords an OpenAPI 3.0 Schema Object allows is the response schema
of a 3.0 document. Each case runs on both engines (jsonschema-rs and the pure-Python
path), which must never disagree; `jsonschema`'s own verdicts on the same cases run
beside ours, and our pass count must be at least its count. The suite's
`http://localhost:1234/...` documents come from jsts/remotes through a mirror, never
the network. Every case we answer differently from the suite is listed below by name
with the reason (a deliberate difference), so nothing is hidden.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest
import referencing
from conftest import SHARED, need_shared
from jsonschema_specifications import REGISTRY as METASCHEMAS
from referencing.jsonschema import DRAFT4, DRAFT7, DRAFT202012

import conformance
from conformance.errors import ConformanceError

JSTS = SHARED / "jsts"
REMOTES = "http://localhost:1234/"
DRAFTS = {"draft2020-12": "3.1.0", "draft7": "3.0.3", "draft4": "3.0.3"}
JSONSCHEMA = {  # the reference: jsonschema's validator for each draft
    "draft2020-12": jsonschema.Draft202012Validator,
    "draft7": jsonschema.Draft7Validator,
    "draft4": jsonschema.Draft4Validator,
}

# Keywords an OpenAPI 3.0 Schema Object allows (3.0 has no boolean schemas, no
# `const`, `if`, `definitions`, type lists or tuple `items`).
OAS30_KEYWORDS = frozenset(
    {
        "title", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
        "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems",
        "minItems", "uniqueItems", "maxProperties", "minProperties", "required",
        "enum", "type", "allOf", "oneOf", "anyOf", "not", "items", "properties",
        "additionalProperties", "description", "format", "default", "$ref",
    }
)  # fmt: skip

# Deliberate differences, by (file, group, case): each is a choice the README states.
KNOWN: dict[tuple[str, str, str], str] = {
    (
        "draft2020-12/vocabulary.json",
        "schema that uses custom metaschema with with no validation vocabulary",
        "no validation: invalid number, but it still validates",
    ): "an OpenAPI 3.1 schema is read with the whole 2020-12 vocabulary; a custom "
    "metaschema's $vocabulary does not switch keywords off (jsonschema agrees)",
    (
        "draft7/type.json",
        "integer type matches integers",
        "a float with zero fractional part is an integer",
    ): "an OpenAPI 3.0 integer is a JSON number without a fraction or exponent part "
    "(OAS 3.0.3 Data Types), so 1.0 is none in a 3.0 document",
}
# With formats asserted (the default), these 2020-12 cases fail on purpose: they
# expect `format` to be an annotation, and conformance asserts the formats it knows
# unless they are switched off (`formats={"*": False}`, `--no-format all`).
FORMATS_ASSERTED = {
    (
        "draft2020-12/format.json",
        f"{name} format",
        f"invalid {name} string is only an annotation by default",
    )
    for name in ("date", "date-time", "email", "ipv4", "ipv6", "uri", "uuid")
}


def _files() -> list[str]:
    found = [
        f"{draft}/{path.relative_to(JSTS / 'tests' / draft)}"
        for draft in DRAFTS
        for path in sorted((JSTS / "tests" / draft).glob("*.json"))
    ]
    regex = [f"{d}/optional/ecmascript-regex.json" for d in DRAFTS]
    return found + regex if found else ["(jsts absent)"]


def _oas30_allows(schema: Any, root: Any, seen: set[int] | None = None) -> bool:
    """Whether `schema` (in the document `root`) uses only what an OpenAPI 3.0
    Schema Object allows, in itself and in the schemas its `$ref`s reach."""
    seen = set() if seen is None else seen
    if id(schema) in seen:
        return True
    seen.add(id(schema))
    if not isinstance(schema, dict) or not set(schema) <= OAS30_KEYWORDS:
        return False
    if "$ref" in schema:
        target = _ref_target(schema["$ref"], root)
        if target is None or not _oas30_allows(target[0], target[1], seen):
            return False
    if "type" in schema and not (
        isinstance(schema["type"], str) and schema["type"] != "null"
    ):
        return False
    if any(
        not isinstance(schema.get(k, False), bool)
        for k in ("exclusiveMinimum", "exclusiveMaximum")
    ):
        return False
    subs: list[Any] = [schema[k] for k in ("items", "not") if k in schema]
    subs += list((schema.get("properties") or {}).values())
    for kw in ("allOf", "oneOf", "anyOf"):
        subs += list(schema.get(kw) or [])
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        subs.append(extra)
    return all(_oas30_allows(s, root, seen) for s in subs)


def _ref_target(ref: str, root: Any) -> tuple[Any, Any] | None:
    """The schema a 3.0 `$ref` names (a JSON pointer in this document or a remote
    one) and its document; None when it needs more than 3.0 has (`$id`, anchors)."""
    where, _, fragment = ref.partition("#")
    if where.startswith(REMOTES):
        path = JSTS / "remotes" / where[len(REMOTES) :]
        root = json.loads(path.read_text(encoding="utf-8"))
    elif where:
        return None
    if fragment and not fragment.startswith("/"):
        return None
    node = root
    for token in fragment.split("/")[1:]:
        token = unquote(token).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node, root


def _document(version: str, schema: Any) -> dict[str, Any]:
    """One operation answering `schema`: a file of its own (so `#` is the schema),
    or inline when it is a boolean (a document's top level is a mapping)."""
    inline = isinstance(schema, bool)
    media = {"schema": schema if inline else {"$ref": "schema.json"}}
    ok = {"description": "ok", "content": {"application/json": media}}
    return {
        "openapi": version,
        "info": {"title": "jsts", "version": "1"},
        "paths": {"/x": {"get": {"operationId": "getX", "responses": {"200": ok}}}},
    }


@dataclass
class Tally:
    """Per case: whether each engine and jsonschema gave the suite's verdict."""

    cases: dict[tuple[str, str, str], dict[str, bool]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def failing(self, who: str) -> set[tuple[str, str, str]]:
        return {case for case, got in self.cases.items() if not got[who]}

    def passed(self, who: str) -> int:
        return sum(got[who] for got in self.cases.values())


@functools.cache
def _registry() -> referencing.Registry[Any]:
    """jsonschema's registry: the remotes under localhost:1234 and the metaschemas."""
    resources = []
    for path in sorted((JSTS / "remotes").rglob("*.json")):
        relative = path.relative_to(JSTS / "remotes").as_posix()
        draft = {"draft4": DRAFT4, "draft7": DRAFT7}.get(relative.split("/")[0])
        resource = referencing.Resource.from_contents(
            json.loads(path.read_text(encoding="utf-8")),
            default_specification=draft or DRAFT202012,
        )
        resources.append((REMOTES + relative, resource))
    return METASCHEMAS.with_resources(resources).crawl()


def _run(name: str, tmp: Path, formats: bool) -> Tally:
    draft, _, rel = name.partition("/")
    version = DRAFTS[draft]
    groups = json.loads((JSTS / "tests" / draft / rel).read_text(encoding="utf-8"))
    registry = _registry()
    default = JSONSCHEMA[draft]
    tally = Tally()
    switches = None if formats else {"*": False}
    for index, group in enumerate(groups):
        schema = group["schema"]
        if version.startswith("3.0") and not _oas30_allows(schema, schema):
            continue
        where = tmp / str(index)
        where.mkdir()
        (where / "schema.json").write_text(json.dumps(schema), encoding="utf-8")
        (where / "openapi.json").write_text(
            json.dumps(_document(version, schema)), encoding="utf-8"
        )
        validators: dict[str, Any] = {}
        try:
            contract = conformance.load_contract(
                str(where / "openapi.json"),
                formats=switches,
                mirrors={REMOTES: str(JSTS / "remotes")},
            )
            for engine in ("rs", "python"):
                validators[engine] = contract.response_validator(
                    "getX", 200, engine=engine
                )
        except ConformanceError as exc:
            tally.errors[group["description"]] = str(exc)
        if validators:
            assert validators["rs"].engine == "rs", group["description"]
        cls = jsonschema.validators.validator_for(schema, default=default)
        reference = cls(schema, registry=registry)
        for case in group["tests"]:
            key = (name, group["description"], case["description"])
            got = {}
            for engine, validator in validators.items():
                got[engine] = validator.is_valid(case["data"]) == case["valid"]
                verdict = validator.validate(case["data"]).conforms
                got[engine] &= verdict == case["valid"]
            if not validators:
                got = {"rs": False, "python": False}
            try:
                got["jsonschema"] = reference.is_valid(case["data"]) == case["valid"]
            except Exception:  # noqa: BLE001 - its crash counts as a miss
                got["jsonschema"] = False
            tally.cases[key] = got
    return tally


@pytest.mark.parametrize("name", _files())
def test_the_suite_passes_on_both_engines_at_least_as_often_as_jsonschema(
    name: str, tmp_path: Path
) -> None:
    need_shared(JSTS / "tests")
    tally = _run(name, tmp_path, formats=False)
    disagree = {c for c, got in tally.cases.items() if got["rs"] != got["python"]}
    assert not disagree, f"the engines disagree on {sorted(disagree)}"
    known = {c for c in KNOWN if c[0] == name}
    assert tally.failing("rs") == known, (
        f"unexpected: {sorted(tally.failing('rs') - known)}, "
        f"stale: {sorted(known - tally.failing('rs'))}; errors: {tally.errors}"
    )
    # outside the deliberate differences, at least as many as jsonschema
    assert tally.passed("rs") + len(known) >= tally.passed("jsonschema")


def test_formats_asserted_by_default_are_the_only_2020_12_format_differences(
    tmp_path: Path,
) -> None:
    need_shared(JSTS / "tests")
    tally = _run("draft2020-12/format.json", tmp_path, formats=True)
    assert tally.failing("rs") == tally.failing("python") == FORMATS_ASSERTED
