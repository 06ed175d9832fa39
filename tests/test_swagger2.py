"""Swagger 2.0 documents, read as their OpenAPI 3.0 translation; violations and
errors still point into the 2.0 file."""

from __future__ import annotations

from pathlib import Path

import pytest
from documents import line

import conformance
from conformance.errors import SpecError
from conformance.probe import plan_requests
from conformance.recording import Exchange
from conformance.runner import judge

SPEC = Path(__file__).parent / "data" / "petstore-swagger2.yaml"
TEXT = SPEC.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def contract() -> conformance.Contract:
    return conformance.load_contract(str(SPEC))


def _found(contract, body, status=200, op="getPetById"):
    result = contract.response_validator(op, status).validate(body)
    return [(v.pointer, v.keyword, v.branch, v.spec_pointer) for v in result.violations]


def test_produces_and_response_schema_become_content(contract) -> None:
    response = contract.operation("getPetById").responses["200"]
    assert list(response.content) == ["application/json", "application/xml"]


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ({"name": "Tom", "petType": "Cat", "huntingSkill": "lazy", "tag": None}, []),
        (
            {"name": "Tom", "petType": "Cat", "huntingSkill": "sleepy"},
            [
                (
                    "/huntingSkill",
                    "enum",
                    "petType=Cat → Cat",
                    "/definitions/Cat/allOf/1/properties/huntingSkill/enum",
                )
            ],
        ),
        (
            {"name": "Rex", "petType": "Dog", "packSize": 2**31},
            [
                (
                    "/packSize",
                    "format",
                    "petType=Dog → Dog",
                    "/definitions/Dog/allOf/1/properties/packSize/format",
                )
            ],
        ),
        (
            {"name": "Nemo", "petType": "Fish"},
            [("/petType", "discriminator", "", "/definitions/Pet/discriminator")],
        ),
        (
            {"name": "Tom", "petType": "Cat", "huntingSkill": "lazy", "tag": 5},
            [
                (
                    "/tag",
                    "type",
                    "petType=Cat → Cat",
                    "/definitions/Pet/properties/tag/type",
                )
            ],
        ),
    ],
    ids=[
        "x-nullable-admits-null",
        "child-by-2.0-discriminator",
        "int32-bound",
        "unmapped-name",
        "x-nullable-keeps-the-type",
    ],
)
def test_violations_point_into_the_20_definitions(contract, body, found) -> None:
    assert _found(contract, body) == found


def test_violation_lines_are_lines_of_the_20_file(contract) -> None:
    (v,) = (
        contract.response_validator("getPetById", 200)
        .validate({"name": "Tom", "petType": "Cat", "huntingSkill": "sleepy"})
        .violations
    )
    assert (v.spec_line, v.spec_source) == (line(TEXT, "enum: [clueless"), str(SPEC))


def test_a_shared_20_response_is_a_component_response(contract) -> None:
    assert _found(contract, {"code": "x", "message": "no"}, 404) == [
        ("/code", "type", "", "/definitions/Error/properties/code/type")
    ]


def test_type_file_is_a_binary_string(contract) -> None:
    compiled = contract.compiled("getPetPhoto", 200, "image/png")
    assert compiled.schema["type"] == "string"


def test_the_status_check_points_at_the_20_responses(contract) -> None:
    exchange = Exchange(
        0,
        "getPetById[petId=1]",
        "getPetById",
        {"petId": "1"},
        "GET",
        "http://127.0.0.1/v2/pets/1",
        status=200,
        response_headers=(("content-type", "application/xml"),),
        body=b"<pet/>",
    )
    assert judge(exchange, contract, None, True).outcome == "passed"
    wrong = Exchange(
        0,
        "getPetById[petId=1]",
        "getPetById",
        {"petId": "1"},
        "GET",
        "http://127.0.0.1/v2/pets/1",
        status=200,
        response_headers=(("content-type", "text/plain"),),
        body=b"pet",
    )
    (v,) = judge(wrong, contract, None, True).violations
    assert v.violation.spec_pointer == "/paths/~1pets~1{petId}/get/responses/200"
    first_200 = TEXT.splitlines().index("        '200':") + 1
    assert v.violation.spec_line == first_200


@pytest.mark.parametrize("base", ["http://127.0.0.1:8080", "http://127.0.0.1:8080/v2"])
def test_base_path_prefixes_every_route_once(contract, base) -> None:
    (request,) = plan_requests(
        contract, [("getPetById", {"petId": "7", "verbose": "true"})], base
    )
    assert request.url == "http://127.0.0.1:8080/v2/pets/7?verbose=true"


def test_parameters_keep_name_place_and_requiredness(contract) -> None:
    params = {
        (p.name, p.where, p.required)
        for p in contract.operation("getPetById").parameters
    }
    assert params == {("petId", "path", True), ("verbose", "query", False)}


def test_a_dangling_20_ref_names_the_20_pointer_and_line(tmp_path) -> None:
    text = TEXT.replace(
        "schema: {$ref: '#/definitions/Pet'}\n        '404'",
        "schema: {$ref: '#/definitions/Pets'}\n        '404'",
    )
    path = tmp_path / "swagger.yaml"
    path.write_text(text, encoding="utf-8")
    contract = conformance.load_contract(str(path))
    with pytest.raises(SpecError) as caught:
        contract.response_validator("getPetById", 200)
    assert (
        caught.value.pointer == "/paths/~1pets~1{petId}/get/responses/200/schema/$ref"
    )
    assert caught.value.line == line(text, "'#/definitions/Pets'")
    assert "dangling $ref '#/definitions/Pets'" in str(caught.value)


def _translated(text: str, tmp_path) -> dict:
    path = tmp_path / "s.yaml"
    path.write_text("swagger: '2.0'\ninfo: {title: t, version: '1'}\n" + text)
    return conformance.load_contract(str(path)).spec.root.data


@pytest.mark.parametrize(
    ("text", "pointer", "expected"),
    [
        (
            "securityDefinitions: {b: {type: basic}}\npaths: {}\n",
            ("components", "securitySchemes", "b"),
            {"type": "http", "scheme": "basic"},
        ),
        (
            "securityDefinitions:\n  o: {type: oauth2, flow: application, "
            "tokenUrl: 'https://t.example/token', scopes: {read: r}}\npaths: {}\n",
            ("components", "securitySchemes", "o"),
            {
                "type": "oauth2",
                "flows": {
                    "clientCredentials": {
                        "tokenUrl": "https://t.example/token",
                        "scopes": {"read": "r"},
                    }
                },
            },
        ),
        (
            "consumes: [application/xml]\npaths:\n  /p:\n    post:\n      parameters:\n"
            "        - {name: b, in: body, required: true, schema: {type: object}}\n"
            "      responses: {'204': {description: ok}}\n",
            ("paths", "/p", "post", "requestBody"),
            {
                "required": True,
                "content": {"application/xml": {"schema": {"type": "object"}}},
            },
        ),
        (
            "paths:\n  /p:\n    get:\n      responses:\n        '200':\n"
            "          description: ok\n"
            "          headers: {X-Rate: {type: integer, description: left}}\n",
            ("paths", "/p", "get", "responses", "200", "headers", "X-Rate"),
            {"description": "left", "schema": {"type": "integer"}},
        ),
        (
            "paths:\n  /p:\n    get:\n      parameters:\n"
            "        - {name: ids, in: query, type: array, items: {type: integer}, "
            "collectionFormat: csv}\n"
            "      responses: {'204': {description: ok}}\n",
            ("paths", "/p", "get", "parameters", 0),
            {
                "name": "ids",
                "in": "query",
                "schema": {"type": "array", "items": {"type": "integer"}},
            },
        ),
    ],
    ids=[
        "basic-auth",
        "oauth2-application",
        "body-parameter",
        "response-header",
        "query-array-parameter",
    ],
)
def test_the_translation_table(tmp_path, text, pointer, expected) -> None:
    node = _translated(text, tmp_path)
    for part in pointer:
        node = node[part]
    assert node == expected
