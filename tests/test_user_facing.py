"""What a person meets first: every bad input is one clear line, CLI output adds up.

The CLI is called as a function (`main(argv, out, err)`) except where the process
itself is the subject (`--version`, `--help`, a spec URL nobody can read); the
pytest plugin runs in `pytester` subprocesses, as users run it.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import qovery_server as q
from conftest import PROJECT, SEED_SPEC, cli

import conformance
from conformance.cli import build_parser
from conformance.errors import UsageError
from conformance.recording import Exchange, to_json

CRON = q.cron_job()


def process(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def validate(*argv: str) -> tuple[int, str, str]:
    return cli("validate", "--spec", str(SEED_SPEC), "--operation", "getJob", *argv)


def payload(folder: Path, name: str, body: Any) -> str:
    path = folder / name
    path.write_text(json.dumps(body) if not isinstance(body, str) else body)
    return str(path)


# -- bad input: the API -------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("shoe-size", 5), "check must be a function"),
        (("", str.isdigit), "name must be a non-empty string"),
        ((5, str.isdigit), "name must be a non-empty string"),
        (("shoe-size", str.isdigit, "lots"), "strategy must be a function"),
    ],
    ids=["check-is-a-number", "empty-name", "name-is-a-number", "bad-strategy"],
)  # fmt: skip
def test_register_format_with_wrong_arguments_is_a_type_error_at_once(
    seed_contract: conformance.Contract, arguments: tuple[Any, ...], message: str
) -> None:
    name, check, *strategy = arguments
    extra = {"strategy": strategy[0]} if strategy else {}
    with pytest.raises(TypeError, match=message):
        seed_contract.register_format(name, check, **extra)
    assert name not in seed_contract.format_registry


@pytest.mark.parametrize(
    ("location", "error", "message"),
    [
        ("", UsageError, "the spec location is empty"),
        ("   ", UsageError, "the spec location is empty"),
        (None, TypeError, "not NoneType None"),
        ({"openapi": "3.0.3"}, TypeError, r"\(a str or pathlib.Path\), not dict"),
        (b"spec.yaml", TypeError, "not bytes"),
    ],
    ids=["empty", "blank", "none", "a-dict", "bytes"],
)
def test_load_contract_refuses_what_is_not_a_location(
    location: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        conformance.load_contract(location)


def test_load_contract_takes_a_path_object() -> None:
    assert "getJob" in conformance.load_contract(SEED_SPEC).operations


# -- bad input: the CLI -------------------------------------------------------------


def test_a_spec_url_of_an_unsupported_scheme_says_so() -> None:
    done = process("lint", "--spec", "ftp://example.invalid/openapi.yaml")
    assert (done.returncode, done.stderr) == (
        2,
        "error: ftp://example.invalid/openapi.yaml: URL scheme 'ftp' is not "
        "supported: give a file path, a file:// URL or an http(s) URL\n",
    )


def _cassette_line(index: int) -> str:
    exchange = Exchange(
        index, f"getJob[jobId={q.CRON}]", "getJob", {"jobId": q.CRON}, "GET",
        f"http://staging.example/job/{q.CRON}", status=200,
        response_headers=(("content-type", "application/json"),),
        body=json.dumps({**CRON, "name": "café"}, ensure_ascii=False).encode(),
    )  # fmt: skip
    return json.dumps(to_json(exchange), ensure_ascii=False)


@pytest.mark.parametrize(
    ("cut", "message"),
    [
        ("json", r":2:\d+: not JSON \(Unterminated string starting\)"),
        ("utf8", r":2: not UTF-8 text at column \d+"),
    ],
    ids=["mid-json", "mid-character"],
)
def test_a_truncated_cassette_names_its_file_and_line(
    tmp_path: Path, cut: str, message: str
) -> None:
    first = _cassette_line(0).encode() + b"\n"
    whole = first + _cassette_line(1).encode()
    end = len(first) + 200 if cut == "json" else whole.rindex("é".encode()) + 1
    (tmp_path / "tape.jsonl").write_bytes(whole[:end])
    code, _, err = cli("replay", str(tmp_path), "--report-dir", str(tmp_path / "r"))
    assert (code, err.count("\n")) == (2, 1)
    assert re.match(f"error: {re.escape(str(tmp_path / 'tape.jsonl'))}{message}", err)
    assert "(the file ends mid-line: truncated? record it again)" in err


# -- bad input: the pytest plugin names its own options -------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--conformance-spec=missing.yaml"],
         "*file not found: missing.yaml (check --conformance-spec or*"),
        (["--conformance-base-url=ftp://host"],
         "*--conformance-base-url: 'ftp://host' is not an http(s) URL*"),
    ],
    ids=["spec", "base-url"],
)  # fmt: skip
def test_plugin_errors_name_the_plugins_own_options(
    pytester: pytest.Pytester, options: list[str], expected: str
) -> None:
    pytester.makepyprojecttoml(
        f"""
        [tool.conformance]
        spec = {json.dumps(str(SEED_SPEC))}
        probes = [{{operation = "getJob", params = [{{jobId = "{q.CRON}"}}]}}]
        """
    )
    pytester.makepyfile(test_it="def test_it(contract):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *options)
    result.stdout.fnmatch_lines([expected])
    assert " --spec " not in result.stdout.str()
    assert "--base-url:" not in result.stdout.str().replace("conformance-base", "")


# -- CLI output a person can trust ----------------------------------------------------


def test_validate_strict_counts_drift_once(tmp_path: Path) -> None:
    body = payload(tmp_path, "p.json", {**CRON, "id": "0", "extra": 1})
    code, out, _ = validate("--strict", body)
    listed = [line for line in out.splitlines() if "  [" in line]
    assert (code, out.splitlines()[0].split(": ")[1], len(listed)) == (
        1,
        "2 violation(s) of getJob 200 application/json (job_type=CRON → "
        "CronJobResponse)",
        2,
    )


@pytest.mark.parametrize("output", ["text", "json"])
def test_validate_reports_an_unreadable_payload_and_checks_the_rest(
    tmp_path: Path, output: str
) -> None:
    good = payload(tmp_path, "good.json", CRON)
    broken = payload(tmp_path, "broken.json", '{"id": ')
    bad = payload(tmp_path, "bad.json", {**CRON, "cpu": "lots"})
    code, out, err = validate("--format", output, good, broken, bad)
    error = f"{broken}:1:8: not JSON: Expecting value"
    errors = [line for line in err.splitlines() if not line.startswith("warning:")]
    if output == "json":
        results = json.loads(out)["results"]
        shown = [(r["source"], r["conforms"], r.get("error")) for r in results]
        expected = [(good, True, None), (broken, None, error), (bad, False, None)]
    else:
        shown = [line.split()[:2] for line in out.splitlines() if line[:1] != " "]
        expected = [["ok", f"{good}:"], ["FAIL", f"{bad}:"]]
    assert (code, errors, shown) == (2, [f"error: {error}"], expected)


def test_validate_json_names_the_media_type_of_each_result(tmp_path: Path) -> None:
    body = payload(tmp_path, "p.json", CRON)
    _, out, _ = validate("--format", "json", "--media-type", "application/json", body)
    assert json.loads(out)["results"][0]["media_type"] == "application/json"


def test_version_prints_the_installed_version() -> None:
    done = process("--version")
    assert (done.returncode, done.stdout) == (0, f"conformance {_version()}\n")


def _version() -> str:
    from importlib.metadata import version

    return version("conformance")


def test_top_level_help_describes_the_tool_and_its_exit_codes() -> None:
    done = process("--help")
    text = done.stdout
    assert (done.returncode, text.splitlines()[2]) == (
        0,
        "Prove that an HTTP API keeps its OpenAPI response contract: check payloads "
        "by hand",
    )
    for line in ("exit codes:", "  1  something does not conform", "  3  no answer"):
        assert line in text


def _options(parser: argparse.ArgumentParser, path: str) -> list[tuple[str, str]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += _options(child, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction):
            found.append((f"{path} {'/'.join(action.option_strings) or action.dest}",
                          action.help or ""))  # fmt: skip
    return found


def test_every_option_of_every_command_has_help_text() -> None:
    options = _options(build_parser(), "conformance")
    assert len(options) > 40
    assert [name for name, text in options if not text.strip()] == []


def test_the_readme_says_lint_exits_1_when_it_finds_something() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert "`conformance lint` exits `1` when it finds something" in readme


# -- cassettes in subfolders ----------------------------------------------------------


def test_replay_finds_the_cassettes_in_subfolders(tmp_path: Path) -> None:
    code, out, _ = cli("replay", str(PROJECT / "recordings"), "--report-dir",
                       str(tmp_path))  # fmt: skip
    assert (code, out.count("ok      getJob[")) == (0, 4)


def test_the_plugin_finds_the_cassettes_in_subfolders(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyprojecttoml(
        f"[tool.conformance]\nspec = {json.dumps(str(SEED_SPEC))}\n"
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--conformance-cassettes={PROJECT / 'recordings'}"
    )
    result.assert_outcomes(passed=4)
