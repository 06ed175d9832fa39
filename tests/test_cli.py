"""Tests for conformance.cli: validate, compile and lint, driven as a function.

`main(argv, out, err)` is called in-process with StringIO streams; one smoke test runs
the installed `conformance` console script. Specs served over HTTP come from a real
`http.server` on 127.0.0.1, never a mock.
"""

from __future__ import annotations

import copy
import functools
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import FULL_SPEC, PROJECT, SEED_SPEC, cli, need_shared
from qovery_server import serving

GOLDEN = Path(__file__).resolve().parent / "golden"

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
    "source": {
        "image": {
            "image_name": "busybox",
            "tag": "1.36",
            "registry": {
                "id": "7d9c3f52-1b7e-4c2a-9f60-0a1b2c3d4e5f",
                "name": "Docker Hub",
                "url": "https://docker.io",
                "kind": "DOCKER_HUB",
            },
        }
    },
    "healthchecks": {},
    "icon_uri": "app://qovery-console/cron-job",
    "service_type": "JOB",
    "job_type": "CRON",
    "schedule": {"cronjob": {"timezone": "Etc/UTC", "scheduled_at": "*/5 * * * *"}},
}

PET_SPEC = """\
openapi: 3.0.3
info: {title: pets, version: "1"}
paths:
  /pets/{petId}:
    get:
      operationId: getPet
      responses:
        '200':
          description: a pet
          content:
            application/json:
              schema:
                $ref: 'schemas.yaml#/Pet'
"""

PET_SCHEMAS = """\
Pet:
  type: object
  required: [id, name]
  properties:
    id: {type: integer, format: int32}
    name: {type: string}
"""

VIOLATION_KEYS = {
    "pointer",
    "keyword",
    "message",
    "branch",
    "spec_pointer",
    "spec_line",
}
RESULT_KEYS = {
    "source",
    "operation",
    "status",
    "media_type",
    "conforms",
    "branch",
    "violations",
    "drift",
}


def cron_job(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(CRON_JOB)
    body.update(changes)
    return body


def write_json(path: Path, body: Any) -> str:
    path.write_text(json.dumps(body), encoding="utf-8")
    return str(path)


def validate_seed(*args: str) -> tuple[int, str, str]:
    return cli(*["validate", "--spec", str(SEED_SPEC), "--operation", "getJob", *args])


def normalised(text: str, tmp_path: Path) -> str:
    return text.replace(str(tmp_path), "<tmp>").replace(str(PROJECT), "<project>")


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


# --- validate: verdicts and exit codes ---------------------------------------------


@pytest.mark.parametrize(
    ("bodies", "expected"),
    [
        ([CRON_JOB], 0),
        ([cron_job(id="0")], 1),
        ([CRON_JOB, cron_job(job_type="BATCH")], 1),
        ([CRON_JOB, CRON_JOB], 0),
    ],
    ids=["one-conforms", "one-fails", "one-of-two-fails", "two-conform"],
)
def test_validate_exit_code_is_zero_only_when_every_payload_conforms(
    tmp_path: Path, bodies: list[Any], expected: int
) -> None:
    files = [write_json(tmp_path / f"p{i}.json", b) for i, b in enumerate(bodies)]
    code, _, _ = validate_seed(*files)
    assert code == expected


def test_validate_text_names_pointer_rule_message_branch_and_spec_line(
    tmp_path: Path,
) -> None:
    code, out, _ = validate_seed(write_json(tmp_path / "bad.json", cron_job(id="0")))
    assert code == 1
    assert "/id  [format]  expected format uuid" in out
    assert 'received "0"' in out
    assert "branch: job_type=CRON → CronJobResponse" in out
    assert (
        "qovery-getjob.yaml:442  #/components/schemas/Base/properties/id/format" in out
    )


def test_validate_text_output_matches_golden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    broken = cron_job(id="0", extra_member=True)
    del broken["schedule"]["cronjob"]["timezone"]
    write_json(tmp_path / "good.json", CRON_JOB)
    write_json(tmp_path / "bad.json", broken)
    code, out, _ = validate_seed("--drift", "good.json", "bad.json")
    assert code == 1
    assert_golden("validate_seed_drift.txt", normalised(out, tmp_path))


def test_validate_json_output_has_exactly_the_documented_shape(
    tmp_path: Path,
) -> None:
    bad = write_json(tmp_path / "bad.json", cron_job(id="0", extra_member=1))
    code, out, _ = validate_seed("--format", "json", "--drift", bad)
    assert code == 1
    document = json.loads(out)
    assert set(document) == {"results"}
    [result] = document["results"]
    assert set(result) == RESULT_KEYS
    assert [set(v) for v in result["violations"]] == [VIOLATION_KEYS]
    assert result["source"] == bad
    assert result["operation"] == "getJob"
    assert result["status"] == 200
    assert result["conforms"] is False
    assert result["branch"] == "job_type=CRON → CronJobResponse"
    assert result["drift"] == ["/extra_member"]
    assert result["violations"][0] == {
        "pointer": "/id",
        "keyword": "format",
        "message": 'expected format uuid (RFC 4122 UUID), received "0"',
        "branch": "job_type=CRON → CronJobResponse",
        "spec_pointer": "/components/schemas/Base/properties/id/format",
        "spec_line": 442,
    }


def test_validate_json_lists_one_result_per_payload_in_order(tmp_path: Path) -> None:
    good = write_json(tmp_path / "good.json", CRON_JOB)
    bad = write_json(tmp_path / "bad.json", cron_job(cpu="lots"))
    _, out, _ = validate_seed("--format", "json", good, bad)
    results = json.loads(out)["results"]
    assert [(r["source"], r["conforms"]) for r in results] == [
        (good, True),
        (bad, False),
    ]


def test_validate_without_drift_flag_says_drift_was_not_computed(
    tmp_path: Path,
) -> None:
    # null, not []: an empty list would claim the body has no drift (it has).
    body = write_json(tmp_path / "p.json", cron_job(extra_member=1))
    code, out, _ = validate_seed("--format", "json", body)
    assert (code, json.loads(out)["results"][0]["drift"]) == (0, None)


def test_validate_strict_turns_drift_into_a_failure(tmp_path: Path) -> None:
    body = write_json(tmp_path / "p.json", cron_job(extra_member=1))
    code, out, _ = validate_seed("--strict", "--format", "json", body)
    assert code == 1
    [violation] = json.loads(out)["results"][0]["violations"]
    assert (violation["pointer"], violation["keyword"]) == ("/extra_member", "drift")


def test_validate_reads_stdin_for_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(cron_job(id="0"))))
    code, out, _ = validate_seed("--format", "json", "-")
    assert code == 1
    result = json.loads(out)["results"][0]
    assert (result["source"], result["violations"][0]["pointer"]) == ("<stdin>", "/id")


@pytest.mark.parametrize(
    ("status", "body", "expected_code", "expected_status"),
    [
        (None, CRON_JOB, 0, 200),
        ("200", CRON_JOB, 0, 200),
        ("404", {"anything": "goes"}, 0, 404),
    ],
    ids=["default-is-single-2xx", "explicit-200", "bodyless-404"],
)
def test_validate_status_defaults_to_the_single_2xx(
    tmp_path: Path,
    status: str | None,
    body: Any,
    expected_code: int,
    expected_status: int,
) -> None:
    flags = ["--status", status] if status else []
    payload = write_json(tmp_path / "p.json", body)
    code, out, _ = validate_seed("--format", "json", *flags, payload)
    assert code == expected_code
    assert json.loads(out)["results"][0]["status"] == expected_status


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--status", "500"], "documents no response for status 500"),
        (["--status", "2XX"], "documents no response for status 2XX"),
        (["--media-type", "text/plain"], "documents no 'text/plain' body"),
        (["--operation", "getjob"], "did you mean 'getJob'?"),
    ],
    ids=["undocumented-status", "undocumented-range", "media-type", "operation"],
)
def test_validate_usage_errors_exit_2_and_say_what_is_documented(
    tmp_path: Path, flags: list[str], expected: str
) -> None:
    payload = write_json(tmp_path / "p.json", CRON_JOB)
    code, out, err = validate_seed(*flags, payload)
    assert (code, out) == (2, "")
    assert expected in err


def test_validate_prints_normalised_defects_as_warnings_on_err(
    tmp_path: Path,
) -> None:
    _, out, err = validate_seed(write_json(tmp_path / "p.json", CRON_JOB))
    assert "normalised-mapping-ref" in err
    assert "warning" not in out


@pytest.mark.parametrize(
    "argv",
    [[], ["validate"], ["validate", "--operation", "getJob"], ["frobnicate"]],
    ids=["no-command", "no-operation", "no-payload", "unknown-command"],
)
def test_bad_command_lines_exit_2_with_a_usage_message(argv: list[str]) -> None:
    code, _, err = cli(*argv)
    assert code == 2
    assert err.startswith("error: conformance")
    assert "see --help" in err


def test_help_exits_0() -> None:
    code, _, _ = cli(*["validate", "--help"])
    assert code == 0


# --- --spec defaults ---------------------------------------------------------------


def test_spec_defaults_to_pyproject_tool_conformance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.conformance]\nspec = "api/pets.yaml"\n',
        encoding="utf-8",
    )
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "pets.yaml").write_text(PET_SPEC, encoding="utf-8")
    (tmp_path / "api" / "schemas.yaml").write_text(PET_SCHEMAS, encoding="utf-8")
    nested = tmp_path / "sub" / "dir"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)  # the config is found walking up
    write_json(nested / "p.json", {"id": 1, "name": "rex"})
    write_json(nested / "q.json", {"id": "1"})
    assert cli(*["validate", "--operation", "getPet", "p.json"])[0] == 0
    code, out, _ = cli(*["validate", "--operation", "getPet", "q.json"])
    assert code == 1
    assert "schemas.yaml:" in out


def test_spec_defaults_to_the_project_seed_spec(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(PROJECT)
    code, out, _ = cli(*["lint", "--format", "json"])
    assert code == 1
    assert json.loads(out)["source"] == str(SEED_SPEC)


def test_spec_falls_back_to_spec_qovery_getjob_without_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "spec").mkdir()
    shutil.copy(SEED_SPEC, tmp_path / "spec" / "qovery-getjob.yaml")
    monkeypatch.chdir(tmp_path)
    write_json(tmp_path / "p.json", CRON_JOB)
    code, out, _ = cli(*["validate", "--operation", "getJob", "p.json"])
    assert code == 0
    assert "job_type=CRON → CronJobResponse" in out


def test_no_spec_anywhere_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(*["lint"])
    assert code == 2
    assert "no spec given: pass --spec" in err


# --- --spec as an http URL ---------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(base URL, directory): a real HTTP server on 127.0.0.1 serving `directory`."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    with serving(server) as base:
        yield base, root


def test_spec_url_is_fetched_and_its_relative_refs_followed(
    served: tuple[str, Path], tmp_path: Path
) -> None:
    base, root = served
    (root / "pets.yaml").write_text(PET_SPEC, encoding="utf-8")
    (root / "schemas.yaml").write_text(PET_SCHEMAS, encoding="utf-8")
    payload = write_json(tmp_path / "p.json", {"id": 2**40, "name": "rex"})
    code, out, _ = cli(
        *["validate", "--spec", f"{base}/pets.yaml", "--operation", "getPet"]
        + ["--format", "json", payload]
    )
    assert code == 1
    [violation] = json.loads(out)["results"][0]["violations"]
    assert (violation["pointer"], violation["keyword"]) == ("/id", "format")
    assert violation["spec_pointer"] == "/Pet/properties/id/format"
    assert violation["spec_line"] == 5


def test_seed_over_http_gives_the_same_verdict_as_the_file(
    served: tuple[str, Path], tmp_path: Path
) -> None:
    base, root = served
    shutil.copy(SEED_SPEC, root / "getjob.yaml")
    payload = write_json(tmp_path / "p.json", cron_job(id="0"))
    by_file = validate_seed("--format", "json", payload)
    by_url = cli(
        *["validate", "--spec", f"{base}/getjob.yaml", "--operation", "getJob"]
        + ["--format", "json", payload]
    )
    assert by_url[:2] == by_file[:2]


def test_spec_url_that_answers_404_is_an_error_naming_the_url(
    served: tuple[str, Path],
) -> None:
    base, _ = served
    code, _, err = cli(*["lint", "--spec", f"{base}/missing.yaml"])
    assert code == 2
    assert f"{base}/missing.yaml" in err
    assert "HTTP 404" in err


# --- compile -----------------------------------------------------------------------


def compiled_files(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*.json"))


def assert_valid_schemas(files: list[Path]) -> None:
    for path in files:
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert "$schema" in schema, path
        jsonschema.validators.validator_for(schema).check_schema(schema)


def test_compile_writes_one_schema_per_json_body_of_the_seed(tmp_path: Path) -> None:
    code, out, _ = cli(*["compile", "--spec", str(SEED_SPEC), "--out", str(tmp_path)])
    assert code == 0
    files = compiled_files(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["getJob/200.json"]
    assert_valid_schemas(files)
    schema = json.loads(files[0].read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "compiled 1 JSON response bodies of 1 operations" in out


def test_compile_full_spec_writes_477_valid_schemas(tmp_path: Path) -> None:
    spec = need_shared(FULL_SPEC)
    code, out, _ = cli(*["compile", "--spec", str(spec), "--out", str(tmp_path)])
    assert code == 0
    files = compiled_files(tmp_path)
    assert len(files) == 477
    assert_valid_schemas(files)
    assert "compiled 477 JSON response bodies" in out


def test_compile_only_the_chosen_operations(tmp_path: Path) -> None:
    spec = need_shared(FULL_SPEC)
    code, _, _ = cli(
        *["compile", "--spec", str(spec), "--out", str(tmp_path)]
        + ["--operation", "getJob", "--operation", "listJobs"]
    )
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["getJob", "listJobs"]
    assert (tmp_path / "getJob" / "200.json").is_file()


def test_compile_unknown_operation_exits_2_with_a_suggestion(tmp_path: Path) -> None:
    code, _, err = cli(
        *["compile", "--spec", str(SEED_SPEC), "--out", str(tmp_path)]
        + ["--operation", "getjob"]
    )
    assert code == 2
    assert "did you mean 'getJob'?" in err
    assert compiled_files(tmp_path) == []


# --- lint --------------------------------------------------------------------------


def test_lint_seed_text_matches_golden(tmp_path: Path) -> None:
    code, out, _ = cli(*["lint", "--spec", str(SEED_SPEC)])
    assert code == 1
    assert_golden("lint_seed.txt", normalised(out, tmp_path))


def test_lint_json_lists_findings_with_pointer_line_code_and_message() -> None:
    code, out, _ = cli(*["lint", "--spec", str(SEED_SPEC), "--format", "json"])
    assert code == 1
    document = json.loads(out)
    assert set(document) == {"source", "findings", "errors"}
    assert document["errors"] == []
    assert document["findings"]
    for finding in document["findings"]:
        assert set(finding) == {"pointer", "line", "code", "message"}
        assert isinstance(finding["line"], int)
        assert "\n" not in finding["message"]


def test_lint_clean_spec_says_no_findings_and_exits_0(tmp_path: Path) -> None:
    (tmp_path / "pets.yaml").write_text(PET_SPEC, encoding="utf-8")
    (tmp_path / "schemas.yaml").write_text(PET_SCHEMAS, encoding="utf-8")
    code, out, _ = cli(*["lint", "--spec", str(tmp_path / "pets.yaml")])
    assert (code, out) == (0, "no findings\n")


# --- the installed console script --------------------------------------------------


def test_console_script_reports_a_bad_spec_without_a_traceback(
    tmp_path: Path,
) -> None:
    script = Path(sys.executable).with_name("conformance")
    if not script.exists():
        found = shutil.which("conformance")
        assert found, "the conformance console script is not installed"
        script = Path(found)
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: 3.0.3\ninfo:\n  title: t\n   version: 1\n", "utf-8")
    done = subprocess.run(
        [str(script), "lint", "--spec", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"error: {bad}:4: invalid YAML" in done.stderr
