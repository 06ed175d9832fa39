"""`type: integer` as each OpenAPI version reads it, on both engines.

OpenAPI 3.0 defines an integer as "a JSON number without a fraction or exponent
part": `1.0` and `1e2` are not integers there. OpenAPI 3.1 is JSON Schema 2020-12,
where a number with a zero fraction is an integer. Bodies come from the JSON text
(parsed exactly, as probes and `validate` read them) and as Python objects alike.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from documents import explained, line, openapi

import conformance
from conformance.body import parse_json
from conformance.validate import jsonschema_rs

ENGINES = ["python", pytest.param("rs", marks=pytest.mark.skipif(
    jsonschema_rs is None, reason="jsonschema-rs is not installed"))]  # fmt: skip

SCHEMAS = """
Root:
  type: object
  properties:
    count: {type: integer, minimum: 0}
    maybe: {type: integer, nullable: true}
    level: {type: integer, enum: [1, 2, 3]}
    small: {type: integer, format: int32}
    ratio: {type: number}
    either: {oneOf: [{type: string}, {type: integer}]}
"""
SCHEMAS_31 = SCHEMAS.replace(
    "{type: integer, nullable: true}", "{type: [integer, 'null']}"
)

TEXTS = {"3.0.3": openapi(SCHEMAS), "3.1.0": openapi(SCHEMAS_31, version="3.1.0")}


@pytest.fixture(scope="module")
def contracts(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, conformance.Contract]:
    """One contract per OpenAPI version, loaded once for the whole table."""
    where: Path = tmp_path_factory.mktemp("integers")
    loaded = {}
    for version, text in TEXTS.items():
        (where / f"{version}.yaml").write_text(text, encoding="utf-8")
        loaded[version] = conformance.load_contract(str(where / f"{version}.yaml"))
    return loaded


# (JSON body, conforms in 3.0, conforms in 3.1)
CASES = [
    ('{"count": 1}', True, True),
    ('{"count": 1.0}', False, True),
    ('{"count": 1e2}', False, True),
    ('{"count": 1.5}', False, False),
    ('{"count": -1.0}', False, False),  # minimum too
    ('{"maybe": null}', True, True),
    ('{"maybe": 7}', True, True),
    ('{"maybe": 7.0}', False, True),
    ('{"level": 2}', True, True),
    ('{"level": 2.0}', False, True),
    ('{"small": 2147483647}', True, True),
    ('{"small": 2147483647.0}', False, True),
    ('{"small": 2147483648}', False, False),
    ('{"ratio": 1.0}', True, True),  # a number may have a fraction
    ('{"either": 3}', True, True),
    ('{"either": 3.0}', False, True),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("text", "in_30", "in_31"), CASES)
def test_a_number_with_a_fraction_is_an_integer_in_3_1_only(
    contracts: dict[str, conformance.Contract],
    engine: str,
    text: str,
    in_30: bool,
    in_31: bool,
) -> None:
    for version, expected in (("3.0.3", in_30), ("3.1.0", in_31)):
        validator = contracts[version].response_validator("getX", 200, engine=engine)
        assert validator.engine == engine
        from_text = validator.validate(parse_json(text))
        assert from_text.conforms is expected, (version, from_text.violations)
        assert validator.is_valid(parse_json(text)) is expected, version


@pytest.mark.parametrize("engine", ENGINES)
def test_1_0_for_an_integer_in_3_0_is_explained_as_a_type_violation(
    contracts: dict[str, conformance.Contract], engine: str
) -> None:
    text = TEXTS["3.0.3"]
    validator = contracts["3.0.3"].response_validator("getX", 200, engine=engine)
    result = validator.validate({"count": 1.0, "maybe": 2.0, "small": 3})
    root = "/components/schemas/Root/properties"
    assert explained(result) == [
        ("/count", "type", "", f"{root}/count/type", line(text, "count:")),
        ("/maybe", "type", "", f"{root}/maybe/type", line(text, "maybe:")),
    ]
    assert [v.message for v in result.violations] == [
        "expected integer, received number 1.0",
        "expected integer or null, received number 2.0",
    ]


def test_both_engines_explain_1_0_alike_inside_a_union(
    contracts: dict[str, conformance.Contract],
) -> None:
    if jsonschema_rs is None:
        pytest.skip("jsonschema-rs is not installed")
    contract = contracts["3.0.3"]
    body = {"either": 3.0, "level": 2.0, "count": -1.0}
    results = [
        contract.response_validator("getX", 200, engine=e).validate(body)
        for e in ("python", "rs")
    ]
    assert results[0].violations == results[1].violations
    assert {v.keyword for v in results[0].violations} >= {"type", "minimum"}


def _integer_paths(node: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _integer_paths(v, (*here, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _integer_paths(v, (*here, i))]
    return [here] if type(node) is int else []


def test_every_getjob_integer_written_1_0_is_refused_alike_by_both_engines(
    seed_contract: conformance.Contract, payloads_dir: Path
) -> None:
    """Each integer member of a conforming real getJob payload, written with a
    fraction, breaks it the same way on both engines, at that member."""
    if jsonschema_rs is None:
        pytest.skip("jsonschema-rs is not installed")
    engines = {
        e: seed_contract.response_validator("getJob", 200, engine=e)
        for e in ("python", "rs")
    }
    files = sorted(p for p in payloads_dir.glob("*.json") if p.name != "manifest.json")
    bodies = [json.loads(p.read_text(encoding="utf-8")) for p in files]
    body = next(b for b in bodies if engines["rs"].validate(b).conforms)
    refused = 0
    for path in _integer_paths(body):
        mutant = copy.deepcopy(body)
        parent = mutant
        for token in path[:-1]:
            parent = parent[token]
        parent[path[-1]] = float(parent[path[-1]])
        results = {e: v.validate(mutant) for e, v in engines.items()}
        assert results["python"].violations == results["rs"].violations, path
        found = [(v.pointer, v.keyword) for v in results["rs"].violations]
        # a member typed `number` (or undocumented) takes 1.0; an integer refuses it
        assert found in ([], [("/" + "/".join(map(str, path)), "type")]), path
        refused += bool(found)
    assert refused >= 5
