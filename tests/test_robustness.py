"""Specs we never saw: a broken spot does not stop the rest, DigitalOcean-style
operation `$ref`s are followed, and a command with nothing to check says so.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import cli

import conformance
from conformance.errors import SpecError

ROOT = """\
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /account:
    get: {$ref: 'resources/account/account_get.yml'}
  /lb/{id}:
    get:
      operationId: getLoadBalancer
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/LoadBalancer'}
  /lbs:
    get:
      operationId: listLoadBalancers
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/LoadBalancer'}}
  /ping:
    get:
      operationId: ping
  /bad:
    get:
      operationId: bad
      responses:
        '200': {description: ok, content: [a]}
components:
  schemas:
    LoadBalancer:
      type: object
      properties:
        region: {$ref: '#/components/schemas/Region'}
"""
ACCOUNT = """\
operationId: getAccount
responses:
  '200':
    description: the account
    content:
      application/json:
        schema: {$ref: '../../models/account.yml'}
"""
MODEL = """\
type: object
required: [uuid]
properties:
  uuid: {type: string}
  droplet_limit: {type: integer, nullable: true}
"""


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    (tmp_path / "resources" / "account").mkdir(parents=True)
    (tmp_path / "models").mkdir()
    (tmp_path / "resources/account/account_get.yml").write_text(ACCOUNT)
    (tmp_path / "models/account.yml").write_text(MODEL)
    root = tmp_path / "openapi.yaml"
    root.write_text(ROOT)
    return root


def test_a_component_that_failed_to_compile_fails_the_same_way_again(
    spec: Path,
) -> None:
    contract = conformance.load_contract(str(spec))
    with pytest.raises(SpecError) as first:
        contract.compiled("getLoadBalancer", 200)
    with pytest.raises(SpecError) as again:
        contract.compiled("listLoadBalancers", 200)
    assert "dangling $ref '#/components/schemas/Region'" in str(first.value)
    assert str(again.value) == str(first.value)


def test_an_operation_written_as_a_ref_is_followed_with_a_warning(spec: Path) -> None:
    contract = conformance.load_contract(str(spec))
    validator = contract.response_validator("getAccount", 200)  # /bad is no bar
    assert validator.validate({"uuid": "u", "droplet_limit": None}).conforms
    assert not validator.validate({"droplet_limit": 1}).conforms
    assert [w.code for w in contract.warnings] == ["operation-ref"]
    assert contract.warnings[0].pointer == "/paths/~1account/get/$ref"


def test_compile_reports_every_spec_error_and_writes_the_rest(
    spec: Path, tmp_path: Path
) -> None:
    code, out, err = cli("compile", "--spec", str(spec), "--out", str(tmp_path / "o"))
    assert code == 2
    assert "compiled 1 JSON response bodies of 1 operations" in out
    assert (tmp_path / "o" / "getAccount" / "200.json").exists()
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 3, err  # one broken component reached twice: once
    assert "(#/paths/~1bad/get): malformed operation" in errors[0]
    assert "#/components/schemas/LoadBalancer/properties/region/$ref" in errors[1]
    assert errors[-1] == "error: 2 spec error(s) above; the rest was processed"


def test_lint_reports_every_spec_error_and_the_findings_of_the_rest(
    spec: Path,
) -> None:
    code, out, err = cli("lint", "--spec", str(spec))
    assert code == 2
    assert "operation-without-responses" in out
    assert "/paths/~1ping/get" in out
    assert "dangling $ref '#/components/schemas/Region'" in err
    assert "(#/paths/~1bad/get): malformed operation" in err
    assert err.strip().splitlines()[-1].startswith("error: 2 spec error(s)")


def test_lint_as_json_lists_the_spec_errors_too(spec: Path) -> None:
    code, out, _ = cli("lint", "--spec", str(spec), "--format", "json")
    document = json.loads(out)
    assert code == 2
    assert len(document["errors"]) == 2
    assert "operation-without-responses" in {f["code"] for f in document["findings"]}


def test_lint_reads_schemas_in_every_file_a_ref_reaches(spec: Path) -> None:
    found = conformance.load_contract(str(spec)).lint(errors=[])
    model = str(spec.parent / "models" / "account.yml")
    assert not [f for f in found if f.source == model]  # the model is clean
    (spec.parent / "models/account.yml").write_text(
        MODEL + "  quota: {nullable: true}\n"
    )
    found = conformance.load_contract(str(spec)).lint(errors=[])
    assert ("nullable-without-type", "/properties/quota/nullable", model) in {
        (f.code, f.pointer, f.source) for f in found
    }


NOTHING = textwrap.dedent(
    """\
    openapi: 3.0.3
    info: {title: t, version: "1"}
    paths:
      /ping:
        get: {operationId: ping}
    """
)


@pytest.mark.parametrize(
    "argv",
    [["compile", "--out", "OUT"], ["selfcheck", "--all", "--examples", "1"]],
    ids=["compile", "selfcheck"],
)
def test_a_command_with_nothing_to_check_says_so_and_fails(
    tmp_path: Path, argv: list[str]
) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(NOTHING)
    args = [a.replace("OUT", str(tmp_path / "o")) for a in argv]
    code, _, err = cli(*args, "--spec", str(path))
    assert code == 2
    assert "nothing to check" in err
    assert "1 of them document no responses" in err


DIGITS = """\
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /tags:
    get:
      operationId: getTag
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  tag: {$ref: '#/components/schemas/Tag'}
                  code: {$ref: '#/components/schemas/200'}
                  '7': {type: string, enum: [a]}
components:
  schemas:
    Tag:
      allOf:
        - type: object
          properties:
            '404': {type: string}
    '200':
      type: object
      properties:
        n: {type: integer}
"""


def test_both_engines_explain_all_digit_names_alike(tmp_path: Path) -> None:
    path = tmp_path / "digits.yaml"
    path.write_text(DIGITS)
    contract = conformance.load_contract(str(path))
    body = {"tag": {"404": 5}, "code": {"n": "x"}, "7": "b"}
    rs = contract.response_validator("getTag", 200, engine="rs").explain(body)
    py = contract.response_validator("getTag", 200, engine="python").explain(body)
    assert rs == py
    assert [(v.pointer, v.keyword, v.spec_pointer) for v in py] == [
        (
            "/7",
            "enum",
            "/paths/~1tags/get/responses/200/content/application~1json"
            "/schema/properties/7/enum",
        ),
        ("/code/n", "type", "/components/schemas/200/properties/n/type"),
        ("/tag/404", "type", "/components/schemas/Tag/allOf/0/properties/404/type"),
    ]
    assert all(v.spec_line for v in rs)


def test_compile_of_chosen_operations_reports_a_malformed_one_and_goes_on(
    spec: Path, tmp_path: Path
) -> None:
    out_dir = tmp_path / "o"
    code, out, err = cli(
        "compile", "--spec", str(spec), "--out", str(out_dir),
        "--operation", "getAccount", "--operation", "bad",
    )  # fmt: skip
    assert code == 2
    assert "compiled 1 JSON response bodies of 1 operations" in out
    assert (out_dir / "getAccount" / "200.json").exists()
    assert "(#/paths/~1bad/get): malformed operation" in err
    assert err.strip().splitlines()[-1].startswith("error: 1 spec error(s)")


def test_a_misspelt_operation_id_is_a_usage_error_despite_a_malformed_other(
    spec: Path,
) -> None:
    contract = conformance.load_contract(str(spec))
    with pytest.raises(conformance.UsageError, match="did you mean 'getAccount'"):
        contract.operation("getAcount")
    with pytest.raises(SpecError, match=r"~1bad/get\): malformed operation"):
        contract.operation("bad")  # the malformed one itself says what is wrong


def test_a_paths_that_is_no_mapping_still_lets_lint_read_the_components(
    write_spec: Any,
) -> None:
    contract = write_spec(
        'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: [a]\n'
        "components:\n  schemas:\n    S: {nullable: true}\n"
    )
    errors: list[SpecError] = []
    found = contract.lint(errors=errors)
    assert [e.reason for e in errors] == ["paths must be a mapping"]
    assert "nullable-without-type" in {f.code for f in found}
    with pytest.raises(SpecError, match="paths must be a mapping"):
        contract.operations  # noqa: B018 - the strict index still refuses


def test_a_cycle_of_bare_refs_across_files_is_one_spec_error_and_lint_ends(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.yaml").write_text("$ref: 'b.yaml'\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("$ref: 'a.yaml'\n", encoding="utf-8")
    root = tmp_path / "openapi.yaml"
    root.write_text(
        'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: {}\n'
        "components:\n  schemas:\n    Loop: {$ref: 'a.yaml'}\n"
        "    Fine: {type: object, properties: {n: {nullable: true}}}\n",
        encoding="utf-8",
    )
    code, out, err = cli("lint", "--spec", str(root))
    assert code == 2
    assert "nullable-without-type" in out  # the rest was linted
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 2, err
    assert "circular $ref chain" in errors[0]
