"""`conformance mock`: a real server in a subprocess that always keeps the contract."""

from __future__ import annotations

import asyncio
import io
import json
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import FULL_SPEC, SEED_SPEC, need_shared

import conformance
from conformance.assertions import assert_conforms
from conformance.cli import main
from conformance.mock import MockApp, MockError, Prefer, responder_for

EXAMPLES_SPEC = """
openapi: 3.0.0
info: {title: t, version: "1"}
servers: [{url: "https://api.example.com/v1"}]
paths:
  /pets/{petId}:
    get:
      operationId: getPet
      parameters: [{name: petId, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [name]
                properties: {name: {type: string}, age: {type: integer}}
              examples:
                rex: {value: {name: Rex, age: 3}}
                shared: {$ref: "#/components/examples/Tom"}
        "204": {description: nothing}
components:
  examples:
    Tom: {value: {name: Tom}}
"""


def _serve(spec: Path, *extra: str) -> Iterator[str]:
    """Start `conformance mock` on a free port of 127.0.0.1; yield its base URL."""
    with tempfile.TemporaryFile("w+") as errors:
        proc = subprocess.Popen(
            [sys.executable, "-m", "conformance", "mock", "--spec", str(spec)]
            + ["--port", "0", *extra],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()  # "mock: N operations of … on http://…"
            errors.seek(0)
            assert " on http://127.0.0.1:" in line, errors.read()[-2000:]
            yield line.rsplit(" on ", 1)[1].strip()
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            if proc.stdout is not None:
                proc.stdout.close()


@pytest.fixture(scope="module")
def seed_mock() -> Iterator[str]:
    yield from _serve(SEED_SPEC, "--seed", "1")


@pytest.fixture(scope="module")
def examples_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    spec = tmp_path_factory.mktemp("mock") / "pets.yaml"
    spec.write_text(EXAMPLES_SPEC, encoding="utf-8")
    yield from _serve(spec)


def test_conformance_run_against_the_mock_passes_for_getjob(seed_mock, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    args = ["run", "--spec", str(SEED_SPEC), "--base-url", seed_mock]
    args += ["--operation", "getJob", "--report-dir", str(tmp_path)]
    for i in range(6):
        args += ["--param", f"jobId=0b6a3f1e-4c2d-4e8f-9a1b-2c3d4e5f6a7{i}"]
    assert main(args, out, err) == 0, out.getvalue() + err.getvalue()
    totals = json.loads((tmp_path / "results.json").read_text())["totals"]
    assert (totals["probes"], totals["passed"]) == (6, 6)


def test_the_same_url_gets_the_same_body_and_urls_rotate_branches(seed_mock):
    with httpx.Client(base_url=seed_mock) as client:
        first = client.get("/job/a").json()
        assert client.get("/job/a").json() == first
        kinds = {client.get(f"/job/{i}").json()["job_type"] for i in range(12)}
    assert kinds == {"CRON", "LIFECYCLE"}


def test_prefer_status_serves_that_documented_response(seed_mock, seed_contract):
    with httpx.Client(base_url=seed_mock) as client:
        response = client.get("/job/a", headers={"Prefer": "status=404"})
        unknown = client.get("/job/a", headers={"Prefer": "code=418"})
    assert response.status_code == 404
    assert_conforms(seed_contract, response, operation="getJob", status=404)
    assert unknown.status_code == 400
    assert "documented: 200, 401, 403, 404" in unknown.json()["mock_error"]


def test_prefer_rule_serves_that_named_mutation(seed_mock, seed_contract):
    validator = seed_contract.response_validator("getJob", 200)
    with httpx.Client(base_url=seed_mock) as client:
        body = client.get(
            "/job/a", headers={"Prefer": "rule=discriminator-wrong-branch"}
        ).json()
        unknown = client.get("/job/a", headers={"Prefer": "rule=nonsense"})
    result = validator.validate(body)
    assert not result.conforms
    assert result.branch  # checked against the branch its new label names
    assert unknown.status_code == 400
    assert "known: required" in unknown.json()["mock_error"]


def test_prefer_delay_waits_before_answering(seed_mock):
    with httpx.Client(base_url=seed_mock) as client:
        started = time.perf_counter()
        response = client.get("/job/a", headers={"Prefer": "delay=300ms"})
        waited = time.perf_counter() - started
        bad = client.get("/job/a", headers={"Prefer": "delay=soon"})
    assert response.status_code == 200
    assert waited >= 0.3
    assert bad.status_code == 400


def test_prefer_example_serves_the_spec_examples(examples_mock):
    with httpx.Client(base_url=examples_mock) as client:
        rex = client.get("/v1/pets/1", headers={"Prefer": "example=rex"})
        tom = client.get("/pets/1", headers={"Prefer": "example=shared"})
        none = client.get("/pets/1", headers={"Prefer": "example=felix"})
        empty = client.get("/pets/1", headers={"Prefer": "status=204"})
    assert rex.json() == {"name": "Rex", "age": 3}
    assert tom.json() == {"name": "Tom"}
    assert none.status_code == 400
    assert "examples: rex, shared" in none.json()["mock_error"]
    assert (empty.status_code, empty.content) == (204, b"")


@pytest.mark.parametrize(
    ("prefer", "says"),
    [
        (Prefer(status="204", rule="required"), "getPet 204 documents no body"),
        (Prefer(status="204", example="rex"), "getPet 204 documents no body"),
    ],
)
def test_a_rule_or_example_of_a_response_without_a_body_is_a_400(
    tmp_path, prefer, says
):
    spec = tmp_path / "pets.yaml"
    spec.write_text(EXAMPLES_SPEC, encoding="utf-8")
    app = MockApp(conformance.load_contract(str(spec)))
    with pytest.raises(MockError) as raised:
        app.answer("GET", "/pets/1", b"", {}, prefer)
    assert raised.value.status == 400
    assert says in raised.value.message


@pytest.mark.parametrize("header", ["status=", "rule=", "delay=", 'example=""'])
def test_a_prefer_without_its_value_is_a_400_naming_it(header):
    with pytest.raises(MockError) as raised:
        Prefer.parse(header)
    assert raised.value.status == 400
    assert f"Prefer: {header.split('=')[0]}= needs a value" in raised.value.message


def test_unknown_paths_and_methods_are_404_and_405(examples_mock):
    with httpx.Client(base_url=examples_mock) as client:
        missing = client.get("/cats/1")
        wrong = client.delete("/pets/1")
    assert missing.status_code == 404
    assert (wrong.status_code, wrong.json()["mock_error"]) == (
        405,
        "DELETE /pets/1: documented methods GET",
    )
    assert wrong.headers["allow"] == "GET, HEAD"


def test_head_answers_with_the_headers_of_get_and_no_body(examples_mock):
    with httpx.Client(base_url=examples_mock) as client:
        head = client.head("/pets/1", headers={"Prefer": "example=rex"})
        get = client.get("/pets/1", headers={"Prefer": "example=rex"})
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == str(len(get.content))


def test_without_a_seed_requests_to_one_url_rotate_branches(seed_contract):
    app = MockApp(seed_contract)
    kinds = [
        app.answer("GET", "/job/a", b"", {}, Prefer()).body()["job_type"]
        for _ in range(4)
    ]
    assert sorted(kinds) == ["CRON", "CRON", "LIFECYCLE", "LIFECYCLE"]


def test_responders_are_chosen_by_media_type():
    assert responder_for("application/json").__name__ == "json_responder"
    assert responder_for("application/problem+json").__name__ == "json_responder"
    assert responder_for("text/plain").__name__ == "text_responder"


def test_the_asgi_app_answers_without_a_server(seed_contract):
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=MockApp(seed_contract, seed=3))
        async with httpx.AsyncClient(transport=transport, base_url="http://m") as c:
            return await c.get("/job/z")

    response = asyncio.run(call())
    assert_conforms(seed_contract, response, operation="getJob")


def test_a_bad_port_is_a_usage_error():
    err = io.StringIO()
    assert main(["mock", "--port", "70000"], io.StringIO(), err) == 2
    assert "--port 70000" in err.getvalue()


def _twenty_get_operations(contract: conformance.Contract) -> list[tuple[str, dict]]:
    chosen = []
    for op_id in sorted(contract.operations):
        op = contract.operation(op_id)
        ok = [k for k in op.responses if k.startswith("2")]
        if op.method != "get" or len(ok) != 1:
            continue
        if not any("json" in m for m in op.responses[ok[0]].content):
            continue
        params = {p.name: f"x{i}" for i, p in enumerate(op.parameters) if p.required}
        chosen.append((op_id, params))
    return chosen[:20]


def test_conformance_run_against_the_mock_passes_for_20_full_spec_operations(
    tmp_path,
):
    spec = need_shared(FULL_SPEC)
    contract = conformance.load_contract(str(spec))
    probes = _twenty_get_operations(contract)
    assert len(probes) == 20
    lines = [f'spec = "{spec}"', "[targets.mock]", 'base_url = "${MOCK_URL}"']
    lines.append("probes = [")
    for op_id, params in probes:
        inner = ", ".join(f'{k} = "{v}"' for k, v in params.items())
        lines.append(f'  {{operation = "{op_id}", params = [{{{inner}}}]}},')
    lines.append("]")
    config = tmp_path / "conformance.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for base in _serve(spec):
        out, err = io.StringIO(), io.StringIO()
        mp = pytest.MonkeyPatch()
        mp.setenv("MOCK_URL", base)
        try:
            code = main(
                ["run", "mock", "--config", str(config), "--report-dir", str(tmp_path)],
                out,
                err,
            )
        finally:
            mp.undo()
        assert code == 0, out.getvalue()[-3000:] + err.getvalue()
        totals = json.loads((tmp_path / "results.json").read_text())["totals"]
        assert (totals["probes"], totals["passed"]) == (20, 20)


def test_the_cli_imports_neither_uvicorn_nor_asyncio_until_the_mock_runs():
    code = (
        "import sys, conformance.cli\n"
        "conformance.cli.build_parser()\n"
        "print('uvicorn' in sys.modules, 'asyncio' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.split() == ["False", "False"], done.stderr[-2000:]


BROKEN_SCHEMA_SPEC = """
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /files:
    get:
      operationId: getFile
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: file}
"""


def test_a_schema_that_does_not_compile_is_a_500_naming_the_spec(write_spec):
    contract = write_spec(BROKEN_SCHEMA_SPEC)

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=MockApp(contract))
        async with httpx.AsyncClient(transport=transport, base_url="http://m") as c:
            return await c.get("/files")

    response = asyncio.run(call())
    assert response.status_code == 500
    assert "spec.yaml" in response.json()["mock_error"]


def test_a_port_in_use_is_a_usage_error_not_a_traceback():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out, err = io.StringIO(), io.StringIO()
        args = ["mock", "--spec", str(SEED_SPEC), "--port", str(port)]
        assert main(args, out, err) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in err.getvalue()
    assert "Traceback" not in err.getvalue()


def test_the_command_list_describes_mock_in_a_plain_line(capsys):
    assert main(["--help"], io.StringIO(), io.StringIO()) == 0
    lines = capsys.readouterr().out.splitlines()
    line = next(x for x in lines if x.strip().startswith("mock "))
    assert line.split(None, 1)[1].startswith("serve a mock API")
