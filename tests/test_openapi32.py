"""OpenAPI 3.2 documents: the version, defaultMapping, query and
additionalOperations, $self, itemSchema (and 3.0/3.1 streams described by
`schema` alone)."""

from __future__ import annotations

from pathlib import Path

import pytest

import conformance
from conformance.compiler import DRAFT202012
from conformance.recording import Exchange
from conformance.runner import judge

SPEC = Path(__file__).parent / "data" / "deployments-3.2.yaml"


@pytest.fixture(scope="module")
def contract() -> conformance.Contract:
    return conformance.load_contract(str(SPEC))


def test_a_32_document_loads_with_the_2020_12_dialect(contract) -> None:
    assert contract.compiled("queryEvents", 200).dialect == DRAFT202012


def test_query_and_additional_operations_are_indexed(contract) -> None:
    ops = {k: (op.method, op.path) for k, op in contract.operations.items()}
    assert ops["queryEvents"] == ("query", "/environment/{environmentId}/events")
    assert ops["linkEvents"] == ("link", "/environment/{environmentId}/events")
    assert contract.operation("linkEvents").location.pointer == (
        "/paths/~1environment~1{environmentId}~1events/additionalOperations/LINK"
    )


@pytest.mark.parametrize(
    ("event", "found"),
    [
        (
            {"kind": "deployment", "environmentId": "nope"},
            [("/0/environmentId", "format", "kind=deployment → DeploymentEvent")],
        ),
        ({"kind": "build", "commit": "abc1234"}, []),
        ({"message": "no kind at all"}, []),
        ({"kind": "audit", "message": "an unmapped kind"}, []),
        ({"kind": "audit"}, [("/0", "required", "kind=(default) → GenericEvent")]),
        ({}, [("/0", "required", "kind=(default) → GenericEvent")]),
    ],
    ids=[
        "mapped-and-broken",
        "mapped",
        "absent-takes-default",
        "unmapped-takes-default",
        "unmapped-breaks-default",
        "absent-breaks-default",
    ],
)
def test_default_mapping_takes_absent_and_unmapped_values(
    contract, event, found
) -> None:
    result = contract.response_validator("queryEvents", 200).validate([event])
    assert [(v.pointer, v.keyword, v.branch) for v in result.violations] == found


def test_default_mapping_violations_point_at_the_default_schema(contract) -> None:
    (v,) = contract.response_validator("queryEvents", 200).validate([{}]).violations
    assert v.spec_pointer == "/components/schemas/GenericEvent/required"


def test_a_ref_to_the_self_uri_is_this_document(contract) -> None:
    validator = contract.item_validator("streamLogs", 200, "application/jsonl")
    assert validator.validate(
        {"timestamp": "x", "level": "INFO", "message": ""}
    ).violations[0].spec_pointer == (
        "/components/schemas/LogLine/properties/timestamp/format"
    )


def test_a_ref_under_the_self_folder_is_the_file_beside_this_one(
    write_spec, tmp_path
) -> None:
    (tmp_path / "common.yaml").write_text("Id: {type: string, format: uuid}\n")
    contract = write_spec(
        "openapi: 3.2.0\n"
        "$self: https://api.example.com/v3/openapi.yaml\n"
        "info: {title: t, version: '1'}\n"
        "paths:\n  /x:\n    get:\n      operationId: getX\n      responses:\n"
        "        '200':\n          description: ok\n          content:\n"
        "            application/json:\n"
        "              schema: {$ref: 'https://api.example.com/v3/common.yaml#/Id'}\n"
    )
    (v,) = contract.response_validator("getX", 200).validate("nope").violations
    assert (v.keyword, v.spec_source) == ("format", str(tmp_path / "common.yaml"))


DISC = """
openapi: 3.2.0
info: {{title: t, version: '1'}}
paths: {{}}
components:
  schemas:
    Pet:
      type: object
      {required}
      discriminator: {{propertyName: petType{default}}}
      properties: {{petType: {{type: string}}}}
      oneOf: [{{$ref: '#/components/schemas/Cat'}}]
    Cat: {{type: object, properties: {{petType: {{type: string}}}}}}
"""


@pytest.mark.parametrize(
    ("required", "default", "codes"),
    [
        ("", "", ["discriminator-optional-without-default"]),
        ("required: [petType]", "", []),
        ("", ", defaultMapping: Cat", []),
    ],
    ids=["optional-no-default", "required", "optional-with-default"],
)
def test_lint_notes_an_optional_discriminator_without_default(
    write_spec, required, default, codes
) -> None:
    contract = write_spec(DISC.format(required=required, default=default))
    found = [f for f in contract.lint() if f.code.startswith("discriminator-optional")]
    assert [f.code for f in found] == codes
    assert all(f.pointer.endswith("/discriminator/propertyName") for f in found)


NDJSON_31 = """
openapi: {version}
info: {{title: t, version: '1'}}
paths:
  /logs:
    get:
      operationId: getLogs
      responses:
        '200':
          description: log lines
          content:
            application/x-ndjson:
              schema:
                type: object
                required: [level]
                properties: {{level: {{enum: [INFO, ERROR]}}}}
"""


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_a_30_or_31_stream_reads_schema_as_the_item_schema(write_spec, version) -> None:
    contract = write_spec(NDJSON_31.format(version=version))
    exchange = Exchange(
        0,
        "getLogs[]",
        "getLogs",
        {},
        "GET",
        "http://127.0.0.1/logs",
        status=200,
        response_headers=(("content-type", "application/x-ndjson"),),
        body=b'{"level": "INFO"}\n{"level": "LOUD"}\n{"level": "ERROR"}\n',
    )
    result = judge(exchange, contract, None, True)
    assert [(v.violation.pointer, v.violation.keyword) for v in result.violations] == [
        ("/items/1/level", "enum")
    ]
    (note,) = [f for f in contract.lint() if f.code == "stream-schema-as-item-schema"]
    assert note.pointer.endswith("/content/application~1x-ndjson/schema")


def test_sse_data_that_is_not_json_is_named(contract) -> None:
    exchange = Exchange(
        0,
        "s[]",
        "streamDeploymentStatus",
        {},
        "GET",
        "http://127.0.0.1/x",
        status=200,
        response_headers=(("content-type", "text/event-stream"),),
        body=b'data: {"state": "QUEUED", "progress": 0}\n\ndata: {oops\n\n',
    )
    (found,) = judge(exchange, contract, None, True).violations
    assert (found.violation.pointer, found.violation.keyword) == (
        "/items/1/data",
        "contentMediaType",
    )


def test_validate_checks_a_recorded_stream_item_by_item(tmp_path) -> None:
    import io

    from conformance.cli import main

    stream = tmp_path / "status.sse"
    stream.write_bytes(
        b': hello\r\ndata: {"state": "QUEUED", "progress": 0}\r\n\r\n'
        b'event: status\ndata: {"state": "EXPLODED",\ndata:  "progress": 10}\n\n'
    )
    out, err = io.StringIO(), io.StringIO()
    argv = ["validate", "--spec", str(SPEC), "--operation", "streamDeploymentStatus"]
    code = main([*argv, "--media-type", "text/event-stream", str(stream)], out, err)
    assert code == 1, err.getvalue()
    assert "/items/1/data/state  [enum]" in out.getvalue()
    assert "deployments-3.2.yaml:" in out.getvalue()


def test_generated_bodies_take_every_arm_and_conform(contract) -> None:
    from hypothesis import given, settings

    validator = contract.response_validator("queryEvents", 200)
    kinds: set[str] = set()

    @settings(max_examples=40)
    @given(contract.response_bodies("queryEvents", 200))
    def check(body) -> None:
        assert validator.validate(body).conforms
        kinds.update(str(e.get("kind", "(absent)")) for e in body)

    check()
    assert {"deployment", "build", "(absent)"} <= kinds
    assert kinds - {"deployment", "build", "(absent)"}  # an unmapped kind


def test_mutations_of_default_mapped_bodies_are_caught_where_made(contract) -> None:
    from hypothesis import given, settings

    validator = contract.response_validator("queryEvents", 200)

    @settings(max_examples=25)
    @given(contract.invalid_response_bodies("queryEvents", 200))
    def check(mutation) -> None:
        found = validator.validate(mutation.body).violations
        assert any(mutation.matches(v.pointer, v.keyword, v.branch) for v in found)

    check()


def test_sse_data_declared_json_without_a_schema_must_still_be_json(write_spec) -> None:
    contract = write_spec(
        "openapi: 3.2.0\ninfo: {title: t, version: '1'}\npaths:\n  /e:\n    get:\n"
        "      operationId: events\n      responses:\n        '200':\n"
        "          description: ok\n          content:\n"
        "            text/event-stream:\n"
        "              itemSchema:\n                properties:\n"
        "                  data: {type: string, contentMediaType: application/json}\n"
    )
    exchange = Exchange(
        0,
        "e[]",
        "events",
        {},
        "GET",
        "http://127.0.0.1/e",
        status=200,
        response_headers=(("content-type", "text/event-stream"),),
        body=b"data: [1, 2]\n\ndata: not json\n\n",
    )
    (found,) = judge(exchange, contract, None, True).violations
    assert (found.violation.pointer, found.violation.keyword) == (
        "/items/1/data",
        "contentMediaType",
    )
    assert found.violation.spec_pointer.endswith("/data/contentMediaType")


def test_compile_writes_the_item_schema_of_each_stream(tmp_path) -> None:
    import io
    import json

    from conformance.cli import main

    out = io.StringIO()
    code = main(["compile", "--spec", str(SPEC), "--out", str(tmp_path)], out, out)
    assert code == 0, out.getvalue()
    assert "and 3 stream item schemas" in out.getvalue()
    item = tmp_path / "streamLogs" / "200.application_jsonl.item.json"
    import jsonschema

    schema = json.loads(item.read_text())
    line = {"timestamp": "2026-11-30T12:00:00Z", "level": "INFO", "message": "m"}
    assert jsonschema.validators.validator_for(schema)(schema).is_valid(line)
    del line["level"]
    assert not jsonschema.validators.validator_for(schema)(schema).is_valid(line)


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("$self: 5\npaths: {}\n", ["(#/$self)", "$self must be a URI string"]),
        (
            "paths: {}\ncomponents:\n  schemas:\n    A:\n      oneOf: [{$ref: "
            "'#/components/schemas/B'}]\n      discriminator: {propertyName: k, "
            "defaultMapping: Nope}\n    B: {type: object}\n",
            ["defaultMapping", "dangling $ref"],
        ),
    ],
    ids=["self-not-a-string", "default-mapping-dangles"],
)
def test_a_broken_32_keyword_is_a_spec_error_naming_it(
    write_spec, text, fragments
) -> None:
    from conformance.errors import SpecError

    def load_and_lint() -> None:
        write_spec("openapi: 3.2.0\ninfo: {title: t, version: '1'}\n" + text).lint()

    with pytest.raises(SpecError) as caught:
        load_and_lint()
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_a_32_stream_schema_is_the_array_of_its_items(write_spec) -> None:
    contract = write_spec(
        NDJSON_31.format(version="3.2.0")
        .replace(
            "              schema:\n                type: object\n",
            "              schema:\n                type: array\n"
            "                items:\n                  type: object\n",
        )
        .replace(
            "                required: [level]\n                properties",
            "                  required: [level]\n                  properties",
        )
    )
    op, response = contract.response("getLogs", 200)
    media = response.content["application/x-ndjson"]
    assert media.item_schema.pointer.endswith("/schema/items")
    assert not [f for f in contract.lint() if f.code == "stream-schema-as-item-schema"]
    exchange = Exchange(
        0,
        "getLogs[]",
        "getLogs",
        {},
        "GET",
        "http://127.0.0.1/logs",
        status=200,
        response_headers=(("content-type", "application/x-ndjson"),),
        body=b'{"level": "INFO"}\n{"level": "LOUD"}\n',
    )
    (found,) = judge(exchange, contract, None, True).violations
    assert found.violation.pointer == "/items/1/level"


def test_the_32_dialect_is_read_as_2020_12_without_a_warning(write_spec) -> None:
    contract = write_spec(
        "openapi: 3.2.0\ninfo: {title: t, version: '1'}\n"
        "jsonSchemaDialect: https://spec.openapis.org/oas/3.2/dialect/2025-09-17\n"
        "paths: {}\n"
    )
    assert not [w for w in contract.warnings if w.code == "unsupported-dialect"]
