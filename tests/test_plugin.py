"""The pytest plugin and `assert_conforms`: user test files run by `pytester`.

HTTP goes to the stand-in Qovery server (tests/qovery_server.py) on 127.0.0.1;
cassettes are written with the recording module; JUnit is the XML pytest writes.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import qovery_server as q
from conftest import PROJECT, SEED_SPEC

from conformance.assertions import ContractFailure, assert_conforms
from conformance.errors import UsageError
from conformance.recording import Exchange, to_json

TESTS = Path(__file__).resolve().parent
JSON = (("content-type", "application/json"),)


@pytest.fixture(scope="module")
def server() -> Iterator[q.QoveryServer]:
    with q.start() as running:
        yield running


@pytest.fixture(scope="module")
def api(server: q.QoveryServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Token {q.TOKEN}"}
    with httpx.Client(base_url=server.url, headers=headers) as client:
        yield client


def _project(pytester: pytest.Pytester, conformance_table: str = "") -> None:
    """A user project: pyproject.toml naming the seed spec, warnings as errors."""
    pytester.makepyprojecttoml(
        f"""
        [tool.pytest.ini_options]
        filterwarnings = ["error"]

        [tool.conformance]
        spec = {json.dumps(str(SEED_SPEC))}
        {conformance_table}
        """
    )


def _failure_text(exc: pytest.ExceptionInfo[BaseException]) -> str:
    return str(exc.value)


# -- assert_conforms on responses ------------------------------------------------------


@pytest.mark.parametrize(
    ("job_id", "expected"),
    [
        (q.CRON, None),
        (q.LIFECYCLE, None),
        (q.MISSING, None),
        (q.BROKEN, ["body_matches_schema:", "/schedule/cronjob  [required]",
                    "/cpu  [type]", "branch:       job_type=CRON → CronJobResponse",
                    "status:       200", "content type: application/json"]),
        (q.SERVER_ERROR, ["status_is_documented:", "received status 500",
                          "status:       500 (documented: 200, 401, 403, 404)",
                          "content type: text/html; charset=utf-8",
                          "spec:   qovery-getjob.yaml:145", "<h1>500 Internal Server",
                          "request:      GET http://127.0.0.1:",
                          f"/job/{q.SERVER_ERROR}"]),
        (q.HTML_LABEL, ["content_type_is_documented:", "received text/html"]),
    ],
    ids=["cron", "lifecycle", "404-no-body", "broken-body", "500-html", "json-as-html"],
)  # fmt: skip
def test_an_httpx_response_is_checked_for_status_content_type_and_body(
    seed_contract, api: httpx.Client, job_id: str, expected: list[str] | None
) -> None:
    response = api.get(f"/job/{job_id}")
    if expected is None:
        assert_conforms(seed_contract, response, "getJob")
        return
    with pytest.raises(ContractFailure) as failure:
        assert_conforms(seed_contract, response, "getJob")
    for part in expected:
        assert part in _failure_text(failure)


def test_the_operation_may_be_left_out_when_the_spec_has_only_one(
    seed_contract, api: httpx.Client
) -> None:
    with pytest.raises(ContractFailure, match="received status 500"):
        assert_conforms(seed_contract, api.get(f"/job/{q.SERVER_ERROR}"))


def test_a_documented_status_other_than_the_asserted_one_fails(
    seed_contract, api: httpx.Client
) -> None:
    with pytest.raises(ContractFailure, match="expected status 200, received 404"):
        assert_conforms(seed_contract, api.get(f"/job/{q.MISSING}"), status=200)


def test_an_asserted_status_that_is_no_status_is_a_usage_error(
    seed_contract, api: httpx.Client
) -> None:
    with pytest.raises(UsageError, match="'2YY' is not a status code"):
        assert_conforms(seed_contract, api.get(f"/job/{q.CRON}"), status="2YY")


class RequestsLikeResponse:
    """What `assert_conforms` reads of a `requests.Response` (requests is not
    installed here): `status_code`, a mapping `headers`, bytes `content`, `request`."""

    def __init__(self, status: int, body: bytes, content_type: str) -> None:
        self.status_code = status
        self.headers = {"Content-Type": content_type}
        self.content = body
        self.request = None


@pytest.mark.parametrize(
    ("response", "failing"),
    [
        (RequestsLikeResponse(200, json.dumps(q.cron_job()).encode(),
                              "application/json"), None),
        (RequestsLikeResponse(200, json.dumps(q.broken_job()).encode(),
                              "application/json"), "/schedule/cronjob"),
        (RequestsLikeResponse(502, b"bad gateway", "text/plain"),
         "received status 502"),
    ],
    ids=["conforming", "broken-body", "undocumented-status"],
)  # fmt: skip
def test_a_requests_style_response_is_checked_by_duck_typing(
    seed_contract, response: RequestsLikeResponse, failing: str | None
) -> None:
    if failing is None:
        assert_conforms(seed_contract, response, "getJob")
        return
    with pytest.raises(ContractFailure, match=failing):
        assert_conforms(seed_contract, response, "getJob")


def test_a_huge_body_is_shown_as_a_short_excerpt(seed_contract) -> None:
    page = b"<html>" + b"x" * 100_000 + b"</html>"
    response = httpx.Response(500, content=page, headers={"content-type": "text/html"})
    with pytest.raises(ContractFailure) as failure:
        assert_conforms(seed_contract, response, "getJob")
    assert "(100013 characters)" in _failure_text(failure)
    assert len(_failure_text(failure)) < 1_500


# -- assert_conforms on decoded bodies -------------------------------------------------


def test_a_decoded_body_that_conforms_passes(seed_contract) -> None:
    assert_conforms(seed_contract, q.lifecycle_job(), "getJob", 200)


def test_a_decoded_body_fails_with_pointer_rule_branch_and_spec_line(
    seed_contract,
) -> None:
    with pytest.raises(ContractFailure) as failure:
        assert_conforms(seed_contract, q.broken_job(), "getJob", 200)
    text = _failure_text(failure)
    assert (
        "/schedule/cronjob  [required]  missing required member 'scheduled_at'" in text
    )
    assert "branch: job_type=CRON → CronJobResponse" in text
    assert "spec:   qovery-getjob.yaml:247" in text
    assert len(failure.value.violations) == 2


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (None, "a decoded body needs status="),
        (500, "documents no response for status 500"),
        (404, "documents no application/json body schema"),
    ],
    ids=["no-status", "undocumented-status", "status-without-body"],
)
def test_a_decoded_body_without_a_checkable_status_is_a_usage_error(
    seed_contract, status: int | str | None, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        assert_conforms(seed_contract, q.cron_job(), "getJob", status)


# -- the plugin in a user's project ----------------------------------------------------

USER_TESTS = """
import httpx
import pytest
import qovery_server as q
from hypothesis import HealthCheck, given, settings

from conformance.pytest_plugin import session_contract

contract = session_contract()


@pytest.fixture(scope="module")
def api():
    with q.start() as server:
        auth = {"Authorization": f"Token {q.TOKEN}"}
        with httpx.Client(base_url=server.url, headers=auth) as client:
            yield client


def test_a_cron_job_conforms(api, contract):
    contract.assert_conforms(api.get(f"/job/{q.CRON}"), operation="getJob")


def test_a_server_error_breaks_the_contract(api, contract):
    contract.assert_conforms(api.get(f"/job/{q.SERVER_ERROR}"), operation="getJob")


def test_a_valid_body_conforms(contract):
    contract.assert_conforms(q.lifecycle_job(), operation="getJob", status=200)


def test_a_bad_body_breaks_the_contract(contract):
    contract.assert_conforms(q.broken_job(), operation="getJob", status=200)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contract.response_bodies("getJob", 200))
def test_the_client_reads_every_documented_job(body):
    assert body["job_type"] in {"LIFECYCLE", "CRON"}
"""


def test_a_user_test_file_passes_fails_and_reports_junit(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(pytester)
    # qovery_server, as a user's own test helper; runs go to a subprocess, so a
    # run's imports (httpx, httpcore) never leak into this process's modules.
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    pytester.makepyfile(test_api=USER_TESTS)
    junit = pytester.path / "reports" / "junit.xml"
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--junitxml={junit}"
    )
    result.assert_outcomes(passed=3, failed=2)
    cases = {
        case.get("name"): case for case in ET.parse(junit).getroot().iter("testcase")
    }
    assert sorted(cases) == [
        "test_a_bad_body_breaks_the_contract",
        "test_a_cron_job_conforms",
        "test_a_server_error_breaks_the_contract",
        "test_a_valid_body_conforms",
        "test_the_client_reads_every_documented_job",
    ]
    failed = {name for name, case in cases.items() if case.find("failure") is not None}
    assert failed == {
        "test_a_bad_body_breaks_the_contract",
        "test_a_server_error_breaks_the_contract",
    }
    bad = cases["test_a_bad_body_breaks_the_contract"].find("failure")
    assert bad is not None
    assert "/schedule/cronjob  [required]" in (bad.text or "")
    error = cases["test_a_server_error_breaks_the_contract"].find("failure")
    assert error is not None
    assert "status:       500" in (error.text or "")
    assert "received status 500" in (error.get("message") or "")


def test_the_plugin_is_the_pytest11_entry_point_named_conformance(
    pytester: pytest.Pytester,
) -> None:
    _project(pytester)
    pytester.makepyfile(
        test_it="def test_the_contract_is_there(contract):\n"
        "    assert 'getJob' in contract.operations\n"
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    off = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:conformance"
    )
    off.assert_outcomes(errors=1)
    off.stdout.fnmatch_lines(["*fixture 'contract' not found*"])


def test_the_plugin_imports_nothing_heavy_until_a_test_asks(
    pytester: pytest.Pytester,
) -> None:
    _project(pytester)
    pytester.makepyfile(
        test_it="""
        import sys
        HEAVY = ["conformance.contract", "conformance.checks", "httpx", "jsonschema"]

        def test_nothing_heavy_is_loaded():
            assert "conformance.pytest_plugin" in sys.modules
            assert [name for name in HEAVY if name in sys.modules] == []
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_spec_flag_wins_over_the_config(pytester: pytest.Pytester) -> None:
    _project(pytester)
    other = pytester.path / "other.yaml"
    other.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n"
        "  /things:\n    get:\n      operationId: listThings\n"
        "      responses:\n        '200': {description: ok}\n",
        encoding="utf-8",
    )
    pytester.makepyfile(
        test_it="def test_the_flag_spec_is_loaded(contract):\n"
        "    assert list(contract.operations) == ['listThings']\n"
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--conformance-spec={other}"
    )
    result.assert_outcomes(passed=1)


def test_a_missing_spec_errors_the_tests_that_ask_naming_the_flag(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_it="def test_it(contract):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*conformance: no spec: pass --conformance-spec*"])


# -- recorded exchanges as items -------------------------------------------------------


def _exchange(index: int, job_id: str, status: int | None, body: object = b"",
              headers=JSON, error: str | None = None,
              expect=()) -> Exchange:  # fmt: skip
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Exchange(
        index, f"getJob[jobId={job_id}]", "getJob", {"jobId": job_id}, "GET",
        f"http://staging.example/job/{job_id}", status=status,
        response_headers=headers if status is not None else (), body=raw, error=error,
        extra={"expect": list(expect)} if expect else {},
    )  # fmt: skip


CASSETTE = [
    _exchange(0, q.CRON, 200, q.cron_job()),
    _exchange(1, q.BROKEN, 200, q.broken_job()),
    _exchange(2, q.SERVER_ERROR, 500, b"<html>oops</html>",
              (("content-type", "text/html"),)),
    _exchange(3, q.DROPPED, None, error="ConnectError: refused (after 3 attempts)"),
    _exchange(4, q.MISSING, 404, b"", (), expect=["404"]),  # a probe meant to 404
    _exchange(5, q.LIFECYCLE, 200, q.lifecycle_job()),
]  # fmt: skip
OUTCOMES = {
    f"getJob[jobId={q.CRON}]": "passed",
    f"getJob[jobId={q.BROKEN}]": "failure",
    f"getJob[jobId={q.SERVER_ERROR}]": "failure",
    f"getJob[jobId={q.DROPPED}]": "error",
    f"getJob[jobId={q.MISSING}]": "passed",
    f"getJob[jobId={q.LIFECYCLE}]": "passed",
}


def _cassette(pytester: pytest.Pytester) -> Path:
    folder = pytester.path / "recorded"
    folder.mkdir()
    lines = [json.dumps(to_json(e)) for e in CASSETTE]
    (folder / "staging.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _junit_outcomes(path: Path) -> dict[str, str]:
    out = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        found = [k for k in ("failure", "error", "skipped") if case.find(k) is not None]
        out[case.get("name", "")] = found[0] if found else "passed"
    return out


def test_bundled_recordings_collect_one_item_per_exchange_named_like_probes(
    pytester: pytest.Pytester,
) -> None:
    _project(pytester)
    bundled = PROJECT / "recordings" / "getjob"
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--co", "-q", f"--conformance-cassettes={bundled}"
    )
    lines = (bundled / "exchanges.jsonl").read_text(encoding="utf-8").splitlines()
    names = [json.loads(line)["name"] for line in lines]
    collected = [
        line.rsplit("::", 1)[-1] for line in result.stdout.lines if "::" in line
    ]
    assert collected == names


def test_cassette_items_pass_fail_and_error_like_the_probe_runner(
    pytester: pytest.Pytester,
) -> None:
    _project(pytester)
    _cassette(pytester)
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--conformance-cassettes=recorded",
        f"--junitxml={junit}",
    )  # fmt: skip
    result.assert_outcomes(passed=3, failed=2, errors=1)
    assert _junit_outcomes(junit) == OUTCOMES
    out = result.stdout.str()
    assert "/schedule/cronjob  [required]  missing required member" in out
    assert f"request:      GET http://staging.example/job/{q.BROKEN}" in out
    assert f"no answer from http://staging.example/job/{q.DROPPED}: ConnectError" in out
    assert "Traceback" not in out


def test_cassette_items_give_the_same_results_under_xdist(
    pytester: pytest.Pytester,
) -> None:
    _project(pytester)
    _cassette(pytester)
    junit = pytester.path / "junit-xdist.xml"
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", "--conformance-cassettes=recorded",
        f"--junitxml={junit}",
    )  # fmt: skip
    result.assert_outcomes(passed=3, failed=2, errors=1)
    assert _junit_outcomes(junit) == OUTCOMES


def test_a_cassette_location_that_does_not_exist_is_a_usage_error(
    pytester: pytest.Pytester,
) -> None:
    _project(pytester)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--conformance-cassettes=nope"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--conformance-cassettes: *nope: no such cassette*"])


# -- live probes -----------------------------------------------------------------------

LIVE_TABLE = f"""
token_env = "QOVERY_PLUGIN_TOKEN"
auth_scheme = "Token"
retries = 0
probes = [{{operation = "getJob", params = [{{jobId = "{q.CRON}"}},
                                            {{jobId = "{q.BROKEN}"}}]}}]
"""


def test_live_probes_run_as_marked_items_against_the_base_url(
    pytester: pytest.Pytester, server: q.QoveryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QOVERY_PLUGIN_TOKEN", q.TOKEN)
    _project(pytester, LIVE_TABLE)
    hits = server.state.hits[q.BROKEN]
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--conformance-base-url={server.url}",
        "-m", "conformance_live",
    )  # fmt: skip
    result.assert_outcomes(passed=1, failed=1)
    assert f"FAILED pyproject.toml::getJob[jobId={q.BROKEN}]" in result.stdout.str()
    assert server.state.hits[q.BROKEN] == hits + 1


def test_live_tests_are_deselected_without_a_base_url(
    pytester: pytest.Pytester,
) -> None:
    _project(pytester, LIVE_TABLE)
    pytester.makepyfile(
        test_it="""
        import pytest

        @pytest.mark.conformance_live
        def test_needs_the_api():
            raise AssertionError("must not run without a base URL")

        def test_offline():
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, deselected=1)


def test_live_items_of_a_session_share_one_client_and_its_connections(
    pytester: pytest.Pytester, server: q.QoveryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QOVERY_PLUGIN_TOKEN", q.TOKEN)
    jobs = ", ".join(f'{{jobId = "{j}"}}' for j in (q.CRON, q.LIFECYCLE, q.DRIFTED) * 2)
    _project(
        pytester,
        'token_env = "QOVERY_PLUGIN_TOKEN"\n'
        'auth_scheme = "Token"\n'
        f'probes = [{{operation = "getJob", params = [{jobs}]}}]\n',
    )
    before = set(server.state.clients)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--conformance-base-url={server.url}",
        "-m", "conformance_live",
    )  # fmt: skip
    result.assert_outcomes(passed=6)
    # One client: its keep-alive pool holds the current request's connection and
    # the next item's (prefetched); a client per item would open six.
    assert len(server.state.clients - before) <= 2


def test_live_items_under_xdist_send_each_probe_once(
    pytester: pytest.Pytester, server: q.QoveryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each worker prefetches only the item it runs next: no request goes twice.
    monkeypatch.setenv("QOVERY_PLUGIN_TOKEN", q.TOKEN)
    jobs = (q.CRON, q.LIFECYCLE, q.DRIFTED) * 3
    listed = ", ".join(f'{{jobId = "{j}"}}' for j in jobs)
    _project(
        pytester,
        'token_env = "QOVERY_PLUGIN_TOKEN"\n'
        'auth_scheme = "Token"\n'
        f'probes = [{{operation = "getJob", params = [{listed}]}}]\n',
    )
    before = {j: server.state.hits[j] for j in set(jobs)}
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", f"--conformance-base-url={server.url}",
        "-m", "conformance_live",
    )  # fmt: skip
    result.assert_outcomes(passed=9)
    assert {j: server.state.hits[j] - before[j] for j in before} == dict.fromkeys(
        before, 3
    )
