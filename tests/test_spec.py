"""Tests for conformance.spec: the operation index, responses, parameters, `$ref`s.

Small one-concern documents, plus the full Qovery spec (554 operations) read from
../shared where it is present.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FULL_SPEC, need_shared

import conformance
from conformance.errors import SpecError, UsageError
from conformance.spec import Spec, is_json_media_type, media_type_matches

Write = Callable[..., conformance.Contract]

RESPONSES = """\
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /pets/{petId}:
    parameters:
      - {name: petId, in: path, required: true, schema: {type: string}}
      - {name: verbose, in: query, schema: {type: boolean}}
    get:
      operationId: getPet
      parameters:
        - {name: verbose, in: query, required: true, schema: {type: integer}}
        - {name: X-Trace, in: header, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
        '404': {description: no, content: {application/json: {schema: {type: string}}}}
        4XX: {description: 4x, content: {application/json: {schema: {type: string}}}}
        default:
          description: other
          content: {application/problem+json: {schema: {type: integer}}}
    delete:
      responses:
        '204': {description: deleted}
        '202': {description: accepted}
  /pets:
    get:
      operationId: listPets
      responses:
        '500': {description: broken}
"""


@pytest.fixture
def pets(write_spec: Write) -> conformance.Contract:
    return write_spec(RESPONSES)


# --- the operation index --------------------------------------------------------------


def test_full_spec_indexes_554_operations(full_contract: conformance.Contract) -> None:
    assert len(full_contract.operations) == 554


def test_full_spec_operation_is_found_by_operation_id(
    full_contract: conformance.Contract,
) -> None:
    op = full_contract.operation("getJob")
    assert (op.method, op.path, str(op)) == ("get", "/job/{jobId}", "GET /job/{jobId}")
    assert op.location.pointer == "/paths/~1job~1{jobId}/get"
    assert op.success_status() == "200"
    assert sorted(op.responses) == ["200", "401", "403", "404"]


def test_operation_without_an_id_is_indexed_by_method_and_path(
    pets: conformance.Contract,
) -> None:
    assert sorted(pets.operations) == ["DELETE /pets/{petId}", "getPet", "listPets"]


def test_duplicate_operation_id_is_a_spec_error(write_spec: Write) -> None:
    text = RESPONSES.replace("operationId: listPets", "operationId: getPet")
    contract = write_spec(text)
    with pytest.raises(SpecError, match="duplicate operationId 'getPet'"):
        _ = contract.operations


def test_unknown_operation_id_suggests_the_nearest(pets: conformance.Contract) -> None:
    with pytest.raises(UsageError, match="did you mean 'getPet'"):
        pets.operation("getpet")


# --- responses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [(200, "200"), (404, "404"), (418, "4XX"), (500, "default"), (201, "default")],
    ids=["exact", "exact-beats-range", "range", "default", "default-for-2xx"],
)
def test_response_for_prefers_exact_then_range_then_default(
    pets: conformance.Contract, status: int, expected: str
) -> None:
    found = pets.operation("getPet").response_for(status)
    assert found is not None
    assert found.status == expected


def test_response_for_undocumented_status_without_default_is_none(
    pets: conformance.Contract,
) -> None:
    assert pets.operation("listPets").response_for(404) is None


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ("DELETE /pets/{petId}", "several 2xx responses"),
        ("listPets", "documents no 2xx response"),
    ],
    ids=["several", "none"],
)
def test_success_status_needs_exactly_one_2xx(
    pets: conformance.Contract, operation: str, expected: str
) -> None:
    with pytest.raises(UsageError, match=expected):
        pets.operation(operation).success_status()


@pytest.mark.parametrize(
    ("status", "expected"),
    [(None, "200"), (200, "200"), ("404", "404"), ("4xx", "4XX"), (418, "4XX")]
    + [("default", "default"), (503, "default")],
    ids=["none", "int", "str", "range-lower", "range-by-int", "default", "fallback"],
)
def test_contract_response_accepts_every_status_form(
    pets: conformance.Contract, status: int | str | None, expected: str
) -> None:
    _, response = pets.response("getPet", status)
    assert response.status == expected


def test_response_media_types_and_bodies(pets: conformance.Contract) -> None:
    _, default = pets.response("getPet", "default")
    assert list(default.content) == ["application/problem+json"]
    assert default.has_body
    _, bodyless = pets.response("listPets", 500)
    assert not bodyless.has_body


# --- parameters -----------------------------------------------------------------------


def test_parameters_merge_path_item_and_operation_the_operation_winning(
    pets: conformance.Contract,
) -> None:
    params = {(p.name, p.where): p for p in pets.operation("getPet").parameters}
    assert sorted(params) == [
        ("X-Trace", "header"),
        ("petId", "path"),
        ("verbose", "query"),
    ]
    assert params[("petId", "path")].required
    assert params[("verbose", "query")].required  # the operation's copy
    assert params[("verbose", "query")].location.pointer.endswith("/get/parameters/0")
    assert not params[("X-Trace", "header")].required


def test_full_spec_path_level_parameters_reach_the_operation(
    full_contract: conformance.Contract,
) -> None:
    ops = full_contract.operations.values()
    op = next(o for o in ops if o.path == "/environment/{environmentId}/uninstall")
    assert ("environmentId", "path") in {(p.name, p.where) for p in op.parameters}


# --- $ref resolution ------------------------------------------------------------------


def test_percent_encoded_fragment_in_the_full_spec_resolves(
    full_contract: conformance.Contract,
) -> None:
    # listApplication refers to `#/paths/~1environment~1%7BenvironmentId%7D~1job/...`
    params = full_contract.operation("listApplication").parameters
    by_name = {p.name: p for p in params}
    assert by_name["toUpdate"].location.pointer == (
        "/paths/~1environment~1{environmentId}~1job/get/parameters/1"
    )


def test_percent_encoded_fragment_in_a_small_document_resolves(
    write_spec: Write,
) -> None:
    text = RESPONSES.replace(
        "- {name: X-Trace, in: header, schema: {type: string}}",
        "- $ref: '#/paths/~1pets~1%7BpetId%7D/parameters/1'",
    )
    params = write_spec(text).operation("getPet").parameters
    assert ("X-Trace", "header") not in {(p.name, p.where) for p in params}
    verbose = next(p for p in params if p.name == "verbose")
    assert verbose.location.pointer == "/paths/~1pets~1{petId}/parameters/1"


RELATIVE_ROOT = """\
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /pets:
    get:
      operationId: getPet
      responses:
        '200':
          $ref: 'parts/responses.yaml#/PetResponse'
"""

RELATIVE_RESPONSES = """\
PetResponse:
  description: a pet
  content:
    application/json:
      schema:
        $ref: 'my%20schemas.yaml#/Pet'
"""

RELATIVE_SCHEMAS = """\
Pet:
  type: object
  required: [id, owner]
  properties:
    id: {type: integer}
    owner: {$ref: '../common.yaml#/Person'}
"""

COMMON = """\
Person:
  type: object
  required: [name]
  properties:
    name: {type: string}
    friend: {$ref: '#/Person'}
"""


def test_relative_file_refs_resolve_from_the_file_they_stand_in(
    write_spec: Write, tmp_path: Path
) -> None:
    root = tmp_path
    (root / "parts").mkdir()
    (root / "parts" / "responses.yaml").write_text(RELATIVE_RESPONSES, "utf-8")
    (root / "parts" / "my schemas.yaml").write_text(RELATIVE_SCHEMAS, "utf-8")
    (root / "common.yaml").write_text(COMMON, "utf-8")
    contract = write_spec(RELATIVE_ROOT)
    validator = contract.response_validator("getPet")
    ok = {"id": 1, "owner": {"name": "a", "friend": {"name": "b"}}}
    assert validator.validate(ok).conforms
    [violation] = validator.validate(
        {"id": 1, "owner": {"name": "a", "friend": {"name": 2}}}
    ).violations
    assert violation.pointer == "/owner/friend/name"
    assert violation.spec_source == str(root / "common.yaml")
    assert violation.spec_pointer == "/Person/properties/name/type"
    assert violation.spec_line == 5


@pytest.mark.parametrize(
    "schemas",
    [
        "A: {$ref: '#/components/schemas/A'}\n",
        "A: {$ref: '#/components/schemas/B'}\n"
        "    B: {$ref: '#/components/schemas/A'}\n",
        "A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/C'}\n"
        "    C: {$ref: '#/components/schemas/B'}\n",
    ],
    ids=["self", "pair", "cycle-after-a-step"],
)
def test_circular_ref_chain_is_a_spec_error(write_spec: Write, schemas: str) -> None:
    text = f"""\
openapi: 3.0.3
info: {{title: t, version: "1"}}
paths:
  /a:
    get:
      operationId: getA
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {{$ref: '#/components/schemas/A'}}
components:
  schemas:
    {schemas}"""
    contract = write_spec(text)
    with pytest.raises(SpecError, match="circular \\$ref chain") as caught:
        contract.compiled("getA")
    assert caught.value.source == contract.source
    assert caught.value.line is not None


def test_circular_ref_chain_between_responses_is_a_spec_error(
    write_spec: Write,
) -> None:
    text = RESPONSES.replace(
        "'500': {description: broken}",
        "'500': {$ref: '#/paths/~1pets/get/responses/500'}",
    )
    contract = write_spec(text)
    with pytest.raises(SpecError, match="circular"):
        _ = contract.operations


def test_recursive_schema_is_not_a_circular_chain(write_spec: Write) -> None:
    text = RESPONSES.replace(
        "'200': {description: ok, content: "
        "{application/json: {schema: {type: object}}}}",
        "'200': {description: ok, content: {application/json: {schema: "
        "{type: object, properties: {child: {$ref: "
        "'#/paths/~1pets~1%7BpetId%7D/get/responses/200/content/"
        "application~1json/schema'}}}}}}",
    )
    validator = write_spec(text).response_validator("getPet")
    assert validator.validate({"child": {"child": {}}}).conforms
    [violation] = validator.validate({"child": {"child": 3}}).violations
    assert violation.pointer == "/child/child"


def test_spec_load_reads_the_root_document_once() -> None:
    spec = Spec.load(str(need_shared(FULL_SPEC)))
    assert list(spec.documents) == [spec.root.uri]
    assert spec.version.startswith("3.0")
    assert not spec.is_31


# --- media types ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("documented", "received", "expected"),
    [
        ("application/json", "application/json; charset=utf-8", True),
        ("application/json", "Application/JSON", True),
        ("*/*", "text/plain", True),
        ("application/*", "application/problem+json", True),
        ("application/json", "text/json", False),
        ("text/*", "application/json", False),
    ],
    ids=["parameters", "case", "any", "wildcard-subtype", "different", "other-major"],
)
def test_media_type_matches(documented: str, received: str, expected: bool) -> None:
    assert media_type_matches(documented, received) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("application/json", True),
        ("application/problem+json; charset=utf-8", True),
        ("*/*", True),
        ("text/plain", False),
        ("application/xml", False),
    ],
    ids=["json", "plus-json", "any", "text", "xml"],
)
def test_is_json_media_type(name: str, expected: bool) -> None:
    assert is_json_media_type(name) is expected
