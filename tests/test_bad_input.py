"""Bad input through the CLI: each gets a clear message, exit 2, no traceback, no hang.

Specs that cannot be read name the file and the line (YAML) or JSON pointer; payloads
that cannot be parsed name the file and position. A payload that parses, however large,
gets a verdict with bounded memory.
"""

from __future__ import annotations

import io
import json
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from conftest import SEED_SPEC, SHARED, cli, need_shared

WEBSOCKET_SPEC = SHARED / "specs" / "qovery" / "websocket" / "websocket-openapi.yaml"

CRON_JOB: dict[str, Any] = {
    "id": "5a4e2b10-8c3d-4f7e-a1b2-c3d4e5f60718",
    "created_at": "2026-01-01T00:00:00Z",
    "environment": {"id": "9e8d7c6b-5a49-4382-b1c0-d9e8f7a6b5c4"},
    "maximum_cpu": 4000,
    "maximum_memory": 8192,
    "maximum_gpu": 0,
    "name": "test-job",
    "cpu": 500,
    "memory": 512,
    "gpu": 0,
    "auto_preview": False,
    "source": {"docker": {"dockerfile_path": "Dockerfile"}},
    "healthchecks": {},
    "icon_uri": "app://qovery-console/cron-job",
    "service_type": "JOB",
    "job_type": "CRON",
    "schedule": {"cronjob": {"timezone": "Etc/UTC", "scheduled_at": "*/5 * * * *"}},
}

LABELS_GROUP = {
    "id": "00000000-0000-4000-8000-000000000000",
    "created_at": "2024-01-01T00:00:00Z",
    "name": "group",
    "labels": [{"key": "k", "value": "v", "propagate_to_cloud_provider": True}],
}

BILLION_LAUGHS = (
    "openapi: 3.0.3\n"
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n"
        for i in range(8)
    )
    + "paths: {}\n"
)

DANGLING_REF = """\
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      operationId: getA
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Missing'
components:
  schemas:
    Present: {type: object}
"""

OPENAPI_31 = """\
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /a:
    get:
      operationId: getA
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [name]
                properties:
                  name: {type: [string, "null"]}
                  tags: {type: array, prefixItems: [{const: first}]}
"""


def validate_seed(*payloads: str) -> tuple[int, str, str]:
    return cli(
        *["validate", "--spec", str(SEED_SPEC), "--operation", "getJob", *payloads]
    )


def assert_clear_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[-1].startswith("error: ")
    # compile and lint list every spec error, then their count, on the last line
    named = [line for line in lines if line.startswith("error: ")]
    assert any(all(fragment in line for fragment in fragments) for line in named)


# --- specs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "fragments"),
    [
        (
            "openapi: 3.0.3\ninfo:\n  title: t\n   version: '1'\npaths: {}\n",
            "spec.yaml",
            [":4: invalid YAML", "column 11"],
        ),
        (
            'openapi: 3.0.3\npaths:\n  /a:\n    get:\n      summary: "open\n',
            "spec.yaml",
            ["invalid YAML", "it started on line 5"],
        ),
        (
            '{\n  "openapi": "3.0.3",\n  "paths": {,}\n}\n',
            "spec.json",
            [":3: invalid JSON", "column 13"],
        ),
        ("", "spec.yaml", ["must be a mapping", "an empty document"]),
        ("- openapi\n- 3.0.3\n", "spec.yaml", [":1: ", "found a list"]),
        (
            "openapi: 3.0.3\npaths: !!python/object:os.system {}\n",
            "spec.yaml",
            ["(#/paths)", "!!python/object:os.system is not accepted"],
        ),
        (
            "swagger: '1.2'\ninfo: {title: t, version: '1'}\npaths: {}\n",
            "spec.yaml",
            [":1 (#/swagger)", "Swagger '1.2' is not supported"],
        ),
        (
            "openapi: 2.5.0\npaths: {}\n",
            "spec.yaml",
            [":1 (#/openapi)", "expected an OpenAPI 3.0, 3.1 or 3.2 document"],
        ),
    ],
    ids=[
        "yaml-indentation",
        "yaml-unclosed-quote",
        "json-syntax",
        "empty-file",
        "top-level-list",
        "unsafe-tag",
        "swagger-1.2",
        "unknown-openapi-version",
    ],
)
def test_unreadable_spec_names_the_file_and_where(
    tmp_path: Path, text: str, name: str, fragments: list[str]
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code, out, err = cli(*["lint", "--spec", str(path)])
    assert out == ""
    assert_clear_error(code, err, str(path), *fragments)


def test_missing_spec_file_names_it(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    code, _, err = cli(*["lint", "--spec", str(path)])
    assert_clear_error(code, err, str(path), "file not found")


def test_spec_that_is_a_directory_says_so(tmp_path: Path) -> None:
    code, _, err = cli(*["lint", "--spec", str(tmp_path)])
    assert_clear_error(code, err, str(tmp_path), "is a directory")


def test_spec_that_is_not_utf8_names_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"openapi: 3.0.3\ninfo: {title: \xff}\n")
    code, _, err = cli(*["lint", "--spec", str(path)])
    assert_clear_error(code, err, str(path), "not UTF-8 (byte 29)")


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    started = time.perf_counter()
    code, _, err = cli(*["lint", "--spec", str(path)])
    elapsed = time.perf_counter() - started
    assert_clear_error(code, err, str(path), "billion laughs", "refusing to load it")
    assert elapsed < 2.0  # a sanity bound: expansion would take minutes and GBs


@pytest.mark.parametrize(
    "argv",
    [
        ["lint"],
        ["compile", "--out", "out"],
        ["validate", "--operation", "getA", "payload.json"],
    ],
    ids=["lint", "compile", "validate"],
)
def test_dangling_ref_names_the_reference_and_where_it_stands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "spec.yaml"
    path.write_text(DANGLING_REF, encoding="utf-8")
    (tmp_path / "payload.json").write_text("{}", encoding="utf-8")
    code, _, err = cli(*[argv[0], "--spec", str(path), *argv[1:]])
    assert_clear_error(
        code,
        err,
        f"{path}:13",
        "#/paths/~1a/get/responses/200/content/application~1json/schema/$ref",
        "dangling $ref '#/components/schemas/Missing'",
    )


def test_dangling_ref_into_another_file_names_that_file(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(
        DANGLING_REF.replace("#/components/schemas/Missing", "other.yaml#/Gone"),
        encoding="utf-8",
    )
    (tmp_path / "other.yaml").write_text("Here: {type: string}\n", encoding="utf-8")
    code, _, err = cli(*["lint", "--spec", str(path)])
    assert_clear_error(
        code, err, f"{path}:13", "'other.yaml#/Gone'", str(tmp_path / "other.yaml")
    )


def test_openapi_31_document_is_accepted_as_json_schema_2020_12(
    tmp_path: Path,
) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(OPENAPI_31, encoding="utf-8")
    good = tmp_path / "good.json"
    good.write_text('{"name": null, "tags": ["first", 2]}', encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": 1, "tags": ["second"]}', encoding="utf-8")
    argv = ["validate", "--spec", str(path), "--operation", "getA", "--format", "json"]
    assert cli(*[*argv, str(good)])[0] == 0
    code, out, _ = cli(*[*argv, str(bad)])
    assert code == 1
    pointers = [v["pointer"] for v in json.loads(out)["results"][0]["violations"]]
    assert pointers == ["/name", "/tags/0"]


def test_qovery_websocket_31_spec_loads_and_lints(tmp_path: Path) -> None:
    spec = need_shared(WEBSOCKET_SPEC)
    code, _, err = cli(*["compile", "--spec", str(spec), "--out", str(tmp_path)])
    assert (code, err) == (0, "")


# --- operations -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "suggested"),
    [("getjob", "getJob"), ("getJobs", "getJob"), ("GETJOB", "getJob")],
    ids=["case", "plural", "shouting"],
)
def test_unknown_operation_suggests_the_nearest(
    tmp_path: Path, given: str, suggested: str
) -> None:
    payload = tmp_path / "p.json"
    payload.write_text("{}", encoding="utf-8")
    code, _, err = cli(
        *["validate", "--spec", str(SEED_SPEC), "--operation", given, str(payload)]
    )
    assert_clear_error(
        code, err, f"no operation with operationId {given!r}", f"{suggested!r}?"
    )


def test_unknown_operation_without_a_near_name_suggests_nothing(
    tmp_path: Path,
) -> None:
    payload = tmp_path / "p.json"
    payload.write_text("{}", encoding="utf-8")
    code, _, err = cli(
        *["validate", "--spec", str(SEED_SPEC), "--operation", "zzz", str(payload)]
    )
    assert_clear_error(code, err, "no operation with operationId 'zzz'")
    assert "did you mean" not in err


# --- payloads -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'{\n  "a": 1,\n  b}', ":3:3: not JSON"),
        (b"", ":1:1: not JSON"),
        (b'{"a": NaN', ":1:7: not JSON: NaN is not a JSON value"),  # first fault
        (b'{"a": 1}\n{"b": 2}\n', ":2:1: not JSON: Extra data"),
        (b'{"a": "\xff"}', ": not UTF-8 text (byte 7)"),
    ],
    ids=["syntax", "empty", "truncated", "two-documents", "not-utf8"],
)
def test_payload_that_is_not_json_names_file_and_position(
    tmp_path: Path, content: bytes, fragment: str
) -> None:
    payload = tmp_path / "p.json"
    payload.write_bytes(content)
    code, out, err = validate_seed(str(payload))
    assert out == ""
    assert_clear_error(code, err, f"{payload}{fragment}")


def test_payload_on_stdin_that_is_not_json_names_stdin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("{\n oops"))
    code, _, err = validate_seed("-")
    assert_clear_error(code, err, "<stdin>:2:2: not JSON")


def test_missing_payload_file_names_it(tmp_path: Path) -> None:
    code, _, err = validate_seed(str(tmp_path / "gone.json"))
    assert_clear_error(code, err, f"{tmp_path / 'gone.json'}: file not found")


def test_payload_that_is_a_directory_says_so(tmp_path: Path) -> None:
    code, _, err = validate_seed(str(tmp_path))
    assert_clear_error(code, err, f"{tmp_path}: is a directory")


@pytest.mark.parametrize(
    ("opening", "closing"),
    [("[", "]"), ('{"a":', "}")],
    ids=["arrays", "objects"],
)
def test_payload_nested_200000_levels_is_an_input_error(
    tmp_path: Path, opening: str, closing: str
) -> None:
    payload = tmp_path / "deep.json"
    payload.write_text(opening * 200_000 + "1" + closing * 200_000, encoding="utf-8")
    code, _, err = validate_seed(str(payload))
    assert_clear_error(code, err, str(payload), "nested too deeply")
    assert "RecursionError" not in err


def test_deep_payload_on_stdin_is_an_input_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("[" * 200_000 + "]" * 200_000))
    code, _, err = validate_seed("-")
    assert_clear_error(code, err, "<stdin>", "nested too deeply")


def test_payload_nested_within_parser_limits_gets_a_verdict(tmp_path: Path) -> None:
    deep = "[" * 900 + "]" * 900
    text = json.dumps(CRON_JOB)[:-1] + f', "undocumented": {deep}}}'
    payload = tmp_path / "deep.json"
    payload.write_text(text, encoding="utf-8")
    code, out, _ = cli(
        *["validate", "--spec", str(SEED_SPEC), "--operation", "getJob"]
        + ["--drift", "--format", "json", str(payload)]
    )
    assert code == 0
    assert json.loads(out)["results"][0]["drift"] == ["/undocumented"]


def _thirty_mb_bodies() -> dict[str, dict[str, Any]]:
    groups = [LABELS_GROUP] * 200_000
    return {
        # 30 MB the schema describes all the way down, validated on the fast path
        "conforms": dict(CRON_JOB, labels_groups=groups),
        # 30 MB of undocumented bulk beside one broken rule: the explaining path
        # does not walk what the schema does not describe
        "one-violation": dict(CRON_JOB, id="not-a-uuid", bulk=groups),
    }


@pytest.mark.parametrize(
    ("case", "expected_code", "expected_pointers"),
    [("conforms", 0, []), ("one-violation", 1, ["/id"])],
    ids=["conforms", "one-violation"],
)
def test_30mb_payload_gets_a_verdict_with_bounded_memory(
    tmp_path: Path, case: str, expected_code: int, expected_pointers: list[str]
) -> None:
    payload = tmp_path / "big.json"
    payload.write_text(json.dumps(_thirty_mb_bodies()[case]), "utf-8")
    assert payload.stat().st_size > 30 * 1024 * 1024
    tracemalloc.start()
    try:
        code, out, _ = cli(
            *["validate", "--spec", str(SEED_SPEC), "--operation", "getJob"]
            + ["--format", "json", str(payload)]
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == expected_code
    violations = json.loads(out)["results"][0]["violations"]
    assert [v["pointer"] for v in violations] == expected_pointers
    assert peak < 1024**3  # generous: the payload parses to a few hundred MB


MALFORMED_BODY = """openapi: 3.0.3
info: {{title: t, version: '1'}}
paths:
  /x:
    get:
      operationId: op
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
{schema}
components:
  schemas:
    A: {{type: object}}
"""
MALFORMED_SCHEMAS = {
    "type-file": ("                type: file", "(type)"),
    "enum-not-a-list": (
        "                type: string\n                enum: abc",
        "(enum)",
    ),
    "minimum-a-string": (
        "                type: integer\n                minimum: '1'",
        "(minimum)",
    ),
    "multipleOf-zero": (
        "                type: number\n                multipleOf: 0",
        "(multipleOf)",
    ),
    "ref-fragment-without-slash": (
        "                $ref: '#components/schemas/A'",
        "did you mean '#/components",
    ),
    "items-a-list": (
        "                type: array\n                items: [{type: string}]",
        "a schema must be a mapping",
    ),
}


@pytest.mark.parametrize("command", ["validate", "compile", "lint"])
@pytest.mark.parametrize(
    ("schema", "fragment"), MALFORMED_SCHEMAS.values(), ids=MALFORMED_SCHEMAS.keys()
)
def test_a_malformed_schema_is_an_error_naming_the_file_and_line(
    tmp_path: Path, command: str, schema: str, fragment: str
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(MALFORMED_BODY.format(schema=schema), encoding="utf-8")
    payload = tmp_path / "p.json"
    payload.write_text("{}", encoding="utf-8")
    argv = {
        "validate": [
            "validate",
            "--spec",
            str(spec),
            "--operation",
            "op",
            str(payload),
        ],
        "compile": ["compile", "--spec", str(spec), "--out", str(tmp_path / "out")],
        "lint": ["lint", "--spec", str(spec)],
    }[command]
    code, _, err = cli(*argv)
    assert_clear_error(code, err, f"{spec}:", fragment)


@pytest.mark.parametrize(
    "document",
    [
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n"
        "      operationId: op\n      responses:\n        '200':\n"
        "          description: ok\n          content: [a]\n",
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n"
        "    parameters: {a: 1}\n    get:\n      operationId: op\n"
        "      responses: {'200': {description: ok}}\n",
    ],
    ids=["content-a-list", "parameters-a-mapping"],
)
def test_a_malformed_operation_is_an_error_naming_it(
    tmp_path: Path, document: str
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(document, encoding="utf-8")
    code, _, err = cli(*["lint", "--spec", str(spec)])
    assert_clear_error(code, err, "#/paths/~1x/get", "malformed operation")
