"""Tests for conformance.lint: spec defects that change verdicts, one concern per doc.

Each finding carries the JSON pointer, the YAML line and a one-line reason; the seed's
known defects are pinned, and the one the tool cannot paper over (the `source` oneOf)
is shown to reject a payload.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from conftest import SEED_SPEC

import conformance
from conformance.model import Finding
from conformance.spec import Location

HEAD = """\
openapi: {version}
info: {{title: t, version: "1"}}
paths:
  /root:
    get:
      operationId: getRoot
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Root'
components:
  schemas:
"""

Write = Callable[..., conformance.Contract]


def document(schemas: str, version: str = "3.0.3") -> str:
    return HEAD.format(version=version) + textwrap.indent(
        textwrap.dedent(schemas), "    "
    )


def codes(found: list[Finding]) -> list[tuple[str, str]]:
    return [(f.code, f.pointer) for f in found]


ROOT = "/components/schemas/Root"

CASES = {
    "oneof-overlap": (
        """\
        Root:
          oneOf:
            - {type: object, properties: {a: {type: string}}}
            - {type: object, properties: {b: {type: string}}}
        """,
        [("oneof-overlap", f"{ROOT}/oneOf")],
    ),
    "oneof-overlap-discriminated": (
        """\
        Root:
          oneOf: [{$ref: '#/components/schemas/A'}, {$ref: '#/components/schemas/B'}]
          discriminator: {propertyName: kind, mapping: {a: '#/components/schemas/A',
                                                        b: '#/components/schemas/B'}}
        A: {type: object, required: [kind], properties: {kind: {type: string}}}
        B: {type: object, required: [kind], properties: {kind: {type: string}}}
        """,
        [
            ("mapping-target-admits-other-keys", f"{ROOT}/discriminator/mapping/a"),
            ("mapping-target-admits-other-keys", f"{ROOT}/discriminator/mapping/b"),
            ("oneof-overlap-discriminated", f"{ROOT}/oneOf"),
        ],
    ),
    "oneof-separated-by-enum": (
        """\
        Root:
          oneOf: [{$ref: '#/components/schemas/A'}, {$ref: '#/components/schemas/B'}]
          discriminator: {propertyName: kind, mapping: {a: '#/components/schemas/A',
                                                        b: '#/components/schemas/B'}}
        A: {type: object, required: [kind], properties: {kind: {enum: [a]}}}
        B: {type: object, required: [kind], properties: {kind: {enum: [b]}}}
        """,
        [],
    ),
    "oneof-separated-by-member-type": (
        """\
        Root:
          oneOf:
            - {type: object, required: [id], properties: {id: {type: string}}}
            - {type: object, required: [id], properties: {id: {type: integer}}}
        """,
        [],
    ),
    "oneof-overlap-member-integer-is-a-number": (
        """\
        Root:
          oneOf:
            - {type: object, required: [id], properties: {id: {type: number}}}
            - {type: object, required: [id], properties: {id: {type: integer}}}
        """,
        [("oneof-overlap", f"{ROOT}/oneOf")],
    ),
    "type-null-in-30": (
        """\
        Root: {type: object, properties: {a: {type: "null"}}}
        """,
        [("type-not-openapi-30", f"{ROOT}/properties/a/type")],
    ),
    "type-list-in-30": (
        """\
        Root: {type: [string, integer]}
        """,
        [("type-not-openapi-30", f"{ROOT}/type")],
    ),
    "oneof-separated-by-type": (
        """\
        Root:
          oneOf: [{type: string}, {type: integer}]
        """,
        [],
    ),
    "nullable-without-type": (
        """\
        Root:
          type: object
          properties:
            ref: {nullable: true, allOf: [{$ref: '#/components/schemas/A'}]}
        A: {type: object}
        """,
        [("nullable-without-type", f"{ROOT}/properties/ref/nullable")],
    ),
    "nullable-with-type": (
        """\
        Root: {type: string, nullable: true}
        """,
        [],
    ),
    "unknown-format": (
        """\
        Root: {type: string, format: shoe-size}
        """,
        [("unknown-format", f"{ROOT}/format")],
    ),
    "known-formats": (
        """\
        Root:
          type: object
          properties:
            a: {type: string, format: uuid}
            b: {type: string, format: date-time}
            c: {type: integer, format: int64}
            d: {type: string, format: cron}
        """,
        [],
    ),
    "normalised-format-case": (
        """\
        Root: {type: string, format: UUID}
        """,
        [("normalised-format-case", f"{ROOT}/format")],
    ),
    "normalised-mapping-ref": (
        """\
        Root:
          oneOf: [{$ref: '#/components/schemas/A'}, {$ref: '#/components/schemas/B'}]
          discriminator:
            propertyName: kind
            mapping:
              a: {$ref: '#/components/schemas/A'}
              b: '#/components/schemas/B'
        A: {type: object, required: [kind], properties: {kind: {enum: [a]}}}
        B: {type: object, required: [kind], properties: {kind: {enum: [b]}}}
        """,
        [("normalised-mapping-ref", f"{ROOT}/discriminator/mapping/a")],
    ),
    "required-not-in-properties": (
        """\
        Root:
          type: object
          required: [name, nmae]
          properties: {name: {type: string}}
        """,
        [("required-not-in-properties", f"{ROOT}/required")],
    ),
    "required-documented-by-allof-sibling": (
        """\
        Root:
          allOf:
            - {type: object, properties: {name: {type: string}}}
            - {type: object, required: [name], properties: {age: {type: integer}}}
        """,
        [],
    ),
}


@pytest.mark.parametrize(("schemas", "expected"), list(CASES.values()), ids=list(CASES))
def test_lint_finds_exactly_the_defect_of_a_one_concern_document(
    write_spec: Write, schemas: str, expected: list[tuple[str, str]]
) -> None:
    contract = write_spec(document(schemas))
    assert sorted(codes(contract.lint())) == sorted(expected)


def test_findings_carry_the_yaml_line_of_the_defect(write_spec: Write) -> None:
    text = document(CASES["required-not-in-properties"][0])
    contract = write_spec(text)
    [finding] = contract.lint()
    [line] = [n for n, t in enumerate(text.splitlines(), 1) if "required:" in t]
    assert finding.line == line
    assert finding.source == contract.source
    assert "'nmae'" in finding.message


def test_strict_nullable_reading_says_null_is_rejected(write_spec: Write) -> None:
    contract = write_spec(
        document(CASES["nullable-without-type"][0]), nullable="strict"
    )
    [finding] = contract.lint()
    assert "null is rejected here" in finding.message


def test_nullable_without_type_is_not_a_defect_in_openapi_31(
    write_spec: Write,
) -> None:
    contract = write_spec(document(CASES["nullable-without-type"][0], version="3.1.0"))
    assert "nullable-without-type" not in {f.code for f in contract.lint()}


@pytest.mark.parametrize("case", ["type-null-in-30", "type-list-in-30"])
def test_a_type_list_or_null_type_is_json_schema_in_openapi_31(
    write_spec: Write, case: str
) -> None:
    contract = write_spec(document(CASES[case][0], version="3.1.0"))
    assert "type-not-openapi-30" not in {f.code for f in contract.lint()}


def test_registered_format_is_no_longer_unknown(write_spec: Write) -> None:
    contract = write_spec(document(CASES["unknown-format"][0]))
    contract.register_format("shoe-size", str.isdigit)
    assert contract.lint() == []


def test_normalised_defects_are_also_warnings_on_the_contract(
    write_spec: Write,
) -> None:
    contract = write_spec(document(CASES["normalised-format-case"][0]))
    contract.compiled("getRoot")
    assert codes(contract.warnings) == [("normalised-format-case", f"{ROOT}/format")]


# --- the seed -----------------------------------------------------------------------

SEED_FINDINGS = [
    ("oneof-overlap-discriminated", "/components/schemas/JobResponse/oneOf", 170),
    (
        "mapping-target-admits-other-keys",
        "/components/schemas/JobResponse/discriminator/mapping/LIFECYCLE",
        176,
    ),
    (
        "normalised-mapping-ref",
        "/components/schemas/JobResponse/discriminator/mapping/LIFECYCLE",
        176,
    ),
    (
        "mapping-target-admits-other-keys",
        "/components/schemas/JobResponse/discriminator/mapping/CRON",
        178,
    ),
    (
        "normalised-mapping-ref",
        "/components/schemas/JobResponse/discriminator/mapping/CRON",
        178,
    ),
    (
        "oneof-overlap",
        "/components/schemas/BaseJobResponse/allOf/1/properties/source/oneOf",
        379,
    ),
]


def test_seed_findings_are_exactly_the_known_defects(
    seed_contract: conformance.Contract,
) -> None:
    found = [(f.code, f.pointer, f.line) for f in seed_contract.lint()]
    assert sorted(found) == sorted(SEED_FINDINGS)


def test_seed_findings_name_the_seed_file_and_give_one_line_reasons(
    seed_contract: conformance.Contract,
) -> None:
    for finding in seed_contract.lint():
        assert finding.source == str(SEED_SPEC)
        assert finding.message
        assert "\n" not in finding.message


def test_seed_mapping_findings_name_the_key_the_target_also_admits(
    seed_contract: conformance.Contract,
) -> None:
    messages = {
        f.pointer.rsplit("/", 1)[-1]: f.message
        for f in seed_contract.lint()
        if f.code == "mapping-target-admits-other-keys"
    }
    assert "CronJobResponse.job_type admits 'LIFECYCLE'" in messages["CRON"]
    assert "LifecycleJobResponse.job_type admits 'CRON'" in messages["LIFECYCLE"]


def test_seed_source_overlap_rejects_a_body_with_both_image_and_docker(
    seed_contract: conformance.Contract,
) -> None:
    # Why lint flags the seed's `source`: oneOf rejects a body both branches accept.
    pointer = "/components/schemas/BaseJobResponse/allOf/1/properties/source"
    compiled = seed_contract.compiler.compile(Location(seed_contract.source, pointer))
    validator = jsonschema.Draft7Validator(compiled.schema)
    image = {
        "image_name": "busybox",
        "tag": "1",
        "registry": {
            "id": "7d9c3f52-1b7e-4c2a-9f60-0a1b2c3d4e5f",
            "name": "hub",
            "url": "https://docker.io",
            "kind": "DOCKER_HUB",
        },
    }
    assert validator.is_valid({"image": image})
    assert validator.is_valid({"docker": {}})
    assert not validator.is_valid({"image": image, "docker": {}})


def test_findings_at_one_pointer_come_in_one_stable_order(write_spec: Write) -> None:
    # Four branches that all overlap: six findings share source, line, pointer and
    # code; only the message tells them apart, and it orders them.
    contract = write_spec(
        document(
            """\
            Root:
              oneOf:
                - {type: object, properties: {a: {type: string}}}
                - {type: object, properties: {b: {type: string}}}
                - {type: object, properties: {c: {type: string}}}
                - {type: object, properties: {d: {type: string}}}
            """
        )
    )
    found = contract.lint()
    assert len([f for f in found if f.code == "oneof-overlap"]) == 6
    assert found == sorted(
        found, key=lambda f: (f.source, f.line or 0, f.pointer, f.code, f.message)
    )


def test_lint_walks_every_file_once_through_a_cycle_of_refs() -> None:
    from conftest import DATA

    from conformance.walk import schemas

    contract = conformance.load_contract(str(DATA / "multifile_pets" / "openapi.yaml"))
    seen = [loc for loc, _ in schemas(contract.spec)]
    assert len(seen) == len(set(seen))  # Pet → Owner → Pet ends
    files = {loc.uri.rsplit("/", 1)[-1] for loc in seen}
    assert files == {"Pet.yaml", "Owner.yaml", "Cat.yaml", "Dog.yaml", "reptiles.yaml"}


def test_the_same_defect_at_the_same_pointer_of_two_files_is_two_findings(
    tmp_path: Path,
) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(
            "type: object\nproperties:\n  quota: {nullable: true}\n", encoding="utf-8"
        )
    root = tmp_path / "openapi.yaml"
    root.write_text(
        document(
            """\
            Root:
              type: object
              properties:
                a: {$ref: 'a.yaml'}
                b: {$ref: 'b.yaml'}
            """
        ),
        encoding="utf-8",
    )
    found = conformance.load_contract(str(root)).lint()
    sources = sorted(
        Path(f.source).name
        for f in found
        if (f.code, f.pointer)
        == ("nullable-without-type", "/properties/quota/nullable")
    )
    assert sources == ["a.yaml", "b.yaml"]


def test_overlapping_branches_in_other_files_are_named_by_their_files(
    tmp_path: Path,
) -> None:
    for name in ("Email.yaml", "Phone.yaml"):
        (tmp_path / name).write_text(
            "type: object\nproperties:\n  id: {type: string}\n", encoding="utf-8"
        )
    root = tmp_path / "openapi.yaml"
    root.write_text(
        document("Root:\n  oneOf: [{$ref: 'Email.yaml'}, {$ref: 'Phone.yaml'}]\n"),
        encoding="utf-8",
    )
    found = conformance.load_contract(str(root)).lint()
    overlaps = [f.message for f in found if f.code == "oneof-overlap"]
    assert len(overlaps) == 1
    assert "#0 (Email) and #1 (Phone)" in overlaps[0]


@pytest.mark.parametrize(
    "keyword", ["contains", "propertyNames", "unevaluatedProperties"]
)
def test_lint_reads_schemas_under_2020_12_keywords(
    write_spec: Write, keyword: str
) -> None:
    overlapping = (
        "{oneOf: [{type: object, properties: {a: {type: string}}},"
        " {type: object, properties: {b: {type: string}}}]}"
    )
    contract = write_spec(
        document(f"Root:\n  {keyword}: {overlapping}\n", version="3.1.0")
    )
    assert ("oneof-overlap", f"{ROOT}/{keyword}/oneOf") in codes(contract.lint())
