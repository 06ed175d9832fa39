"""The pytest plugin reads HAR files and vcrpy cassettes as `conformance replay` does.

The files are built by tests/traffic_files.py from the bundled getJob recordings
(one broken body, one undocumented path, gzip and base64 bodies, a request to
another host); user projects run in `pytester` subprocesses.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import traffic_files as t
from conftest import SEED_SPEC

HEALTH = "unmatched[GET /v2/health]"
# Without a base URL to narrow them, the other host's request is routed too: the
# same jobId a second time (so `#2`, as live probes are named), answered 500.
OTHER_HOST = (f"getJob[jobId={t.BROKEN_ID}]#2", "failed")


def _expected() -> list[tuple[str, str]]:
    """Every item of one traffic file in order: judged ones, then the unmatched."""
    return [*t.EXPECTED, OTHER_HOST, (HEALTH, "skipped")]


def _project(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(
        f"""
        [tool.pytest.ini_options]
        filterwarnings = ["error"]

        [tool.conformance]
        spec = {json.dumps(str(SEED_SPEC))}
        """
    )


def _folder(pytester: pytest.Pytester) -> Path:
    """A HAR, a vcrpy cassette and one of ours in subfolders, next to a YAML that is
    no cassette."""
    folder = pytester.path / "traffic"
    (folder / "browser").mkdir(parents=True)
    (folder / "recorded").mkdir()
    shutil.copy(t.RECORDINGS, folder / "recorded" / "exchanges.jsonl")
    (folder / "tests" / "cassettes").mkdir(parents=True)
    t.write_har(folder / "browser" / "session.har")
    t.write_vcr(folder / "tests" / "cassettes" / "test_jobs.yaml")
    (folder / "settings.yaml").write_text("retries: 3\n", encoding="utf-8")
    return folder


_VERBOSE = re.compile(r"^(\S+)::(.+?) (PASSED|FAILED|SKIPPED|ERROR)\b")


def _items(lines: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Items per file, each with its outcome, from `pytest -v` lines."""
    out: dict[str, list[tuple[str, str]]] = {}
    for line in lines:
        found = _VERBOSE.match(line)
        if found:
            path, name, outcome = found.groups()
            out.setdefault(path, []).append((name, outcome.lower()))
    return out


def _junit(path: Path) -> list[tuple[str, str]]:
    """(name, outcome) of every JUnit test case, in order."""
    out = []
    for case in ET.parse(path).getroot().iter("testcase"):
        found = [k for k in ("failure", "error", "skipped") if case.find(k) is not None]
        out.append((case.get("name", ""), found[0] if found else "passed"))
    return out


def test_a_har_and_a_vcrpy_cassette_in_a_folder_become_items_named_like_probes(
    pytester: pytest.Pytester,
) -> None:
    _project(pytester)
    _folder(pytester)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--conformance-cassettes=traffic", "-v", "-rs"
    )  # fmt: skip
    items = _items(result.stdout.lines)
    ours = [name for name, _ in items.pop("traffic/recorded/exchanges.jsonl")]
    assert ours == [line["name"] for line in t.recorded()]
    assert items == {
        "traffic/browser/session.har": _expected(),
        "traffic/tests/cassettes/test_jobs.yaml": _expected(),
    }
    result.stdout.fnmatch_lines(  # why each was skipped, and where it was recorded
        [
            "SKIPPED*unmatched: GET */v2/health (200): no path template * matches "
            "/v2/health*session.har (log.entries[[]5])*",
            "SKIPPED*unmatched: GET */v2/health (200): *test_jobs.yaml "
            "(interactions[[]5])*",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    out = result.stdout.str()
    assert "/id  [type]" in out  # the broken body fails on its field
    assert "Traceback" not in out


def test_unmatched_fail_makes_an_unmatched_request_a_failed_item(
    pytester: pytest.Pytester,
) -> None:
    _project(pytester)
    t.write_vcr(pytester.path / "cassette.yaml")
    junit = pytester.path / "junit.xml"
    pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--conformance-cassettes=cassette.yaml",
        "--conformance-unmatched=fail", f"--junitxml={junit}",
    )  # fmt: skip
    assert (HEALTH, "failure") in _junit(junit)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "bad.har",
            json.dumps({"log": {"entries": [{"request": {"method": "GET"}}]}}),
            "*--conformance-cassettes: *bad.har (log.entries[[]0]): *",
        ),
        (
            "bad.yaml",
            "interactions:\n- request: {method: GET, uri: u}\n  response:\n"
            "    status: {code: 200}\n    headers: {Content-Encoding: [gzip]}\n"
            "    body: {string: !!binary H4sIAAAA}\n",
            "*--conformance-cassettes: *bad.yaml (interactions[[]0]): cannot decode*",
        ),
    ],
    ids=["har", "vcrpy"],
)
def test_a_bad_file_in_the_folder_is_a_usage_error_naming_file_and_entry(
    pytester: pytest.Pytester, name: str, text: str, expected: str
) -> None:
    _project(pytester)
    folder = _folder(pytester)
    (folder / name).write_text(text, encoding="utf-8")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--conformance-cassettes=traffic"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([expected])
    assert "Traceback" not in result.stderr.str()


def test_credentials_in_a_foreign_query_string_are_redacted_in_the_failure(
    pytester: pytest.Pytester,
) -> None:
    _project(pytester)
    broken = next(i for i in t.exchanges() if t.BROKEN_ID in i["url"])
    broken["url"] += "?api_key=k-123-secret"
    (pytester.path / "keys.har").write_text(json.dumps(t.har([broken])))
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--conformance-cassettes=keys.har",
        f"--junitxml={junit}",
    )  # fmt: skip
    result.assert_outcomes(failed=1)
    shown = result.stdout.str() + junit.read_text(encoding="utf-8")
    assert "?api_key=[REDACTED]" in shown
    assert "k-123-secret" not in shown
