"""runner.py and checks.py: verdicts per exchange, live runs end to end, replay."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import qovery_server as q
from qovery_server import QoveryServer, State

from conformance.checks import CHECKS, run_checks
from conformance.probe import ProbeSettings, plan_requests
from conformance.recording import Exchange
from conformance.reporting import junit, results
from conformance.runner import ERROR, FAILED, PASSED, RunResult, run_live, run_replay

AUTH = ("Authorization", f"Bearer {q.TOKEN}")
JSON = (("content-type", "application/json"),)


def _exchange(status: int | None, body: object = b"", headers=JSON, **kw) -> Exchange:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Exchange(
        0, "getJob[jobId=A]", "getJob", {"jobId": "A"}, "GET", "http://h/job/A",
        status=status, response_headers=headers, body=raw, **kw,
    )  # fmt: skip


# -- checks, one exchange at a time ------------------------------------------------


@pytest.mark.parametrize(
    ("exchange", "failing"),
    [
        (_exchange(200, q.cron_job()), set()),
        (_exchange(200, q.lifecycle_job()), set()),
        (_exchange(404, b"", headers=()), set()),
        (_exchange(401, {"message": "who?"}), set()),
        (_exchange(500, b"<html/>", headers=(("content-type", "text/html"),)), {
            "status_is_documented"}),
        (_exchange(200, q.cron_job(), headers=(("content-type", "text/html"),)), {
            "content_type_is_documented"}),
        (_exchange(200, q.cron_job(), headers=()), {"content_type_is_documented"}),
        (_exchange(200, b""), {"content_type_is_documented"}),
        (_exchange(200, b"{oops"), {"body_matches_schema"}),
        (_exchange(200, q.broken_job()), {"body_matches_schema"}),
        (_exchange(200, q.cron_job(), headers=(
            ("content-type", "application/json; charset=utf-8"),)), set()),
    ],
    ids=[
        "cron-conforms",
        "lifecycle-conforms",
        "404-without-body",
        "401-with-undocumented-body",
        "500-html-page",
        "json-labelled-html",
        "no-content-type",
        "empty-200",
        "not-json",
        "non-conforming-body",
        "charset-parameter",
    ],
)  # fmt: skip
def test_checks_fail_for_exactly_the_broken_rule(
    seed_contract, exchange: Exchange, failing: set[str]
) -> None:
    found, _ = run_checks(exchange, seed_contract.operation("getJob"), seed_contract)
    assert {v.check for v in found if not v.warning} == failing


def test_drift_is_a_warning_naming_the_member(seed_contract) -> None:
    op = seed_contract.operation("getJob")
    found, _ = run_checks(_exchange(200, q.drifted_job()), op, seed_contract)
    assert [(v.check, v.warning, v.violation.pointer) for v in found] == [
        ("body_has_no_drift", True, "/deployment_stage_id"),
        ("body_has_no_drift", True, "/schedule/cronjob/concurrency_policy"),
    ]


def test_body_violations_carry_pointer_rule_and_branch(seed_contract) -> None:
    op = seed_contract.operation("getJob")
    found, _ = run_checks(_exchange(200, q.broken_job()), op, seed_contract)
    assert [
        (v.violation.pointer, v.violation.keyword, v.violation.branch) for v in found
    ] == [
        ("/cpu", "type", "job_type=CRON → CronJobResponse"),
        ("/schedule/cronjob", "required", "job_type=CRON → CronJobResponse"),
    ]


def test_checks_are_registered_by_name() -> None:
    assert list(CHECKS) == [
        "status_is_documented",
        "content_type_is_documented",
        "body_matches_schema",
        "body_has_no_drift",
        "stream_items_match_schema",
    ]


# -- exit codes ----------------------------------------------------------------------


def _run(*outcomes: str) -> RunResult:
    from conformance.runner import ProbeResult

    run = RunResult("live", "spec", "target")
    for i, outcome in enumerate(outcomes):
        run.results.append(
            ProbeResult(i, f"p{i}", "getJob", {}, "GET", "u", outcome, 200, "", 0.0, 1)
        )
    return run


@pytest.mark.parametrize(
    ("outcomes", "code"),
    [
        ((PASSED, PASSED), 0),
        ((PASSED, FAILED), 1),
        ((FAILED, ERROR), 1),
        ((PASSED, ERROR), 3),
        ((ERROR, ERROR), 3),
    ],
    ids=["all-pass", "a-failure", "failure-beats-error", "errors-only", "no-answers"],
)
def test_exit_code_puts_failures_before_errors(outcomes, code) -> None:
    assert _run(*outcomes).exit_code == code


# -- live runs against the stand-in server ------------------------------------------

EXPECTED = {
    q.LIFECYCLE: (PASSED, 200),
    q.CRON: (PASSED, 200),
    q.DRIFTED: (PASSED, 200),
    q.MISSING: (ERROR, 404),  # documented, but not the 2xx the probe means to reach
    q.BROKEN: (FAILED, 200),
    q.SERVER_ERROR: (FAILED, 500),
    q.HTML_LABEL: (FAILED, 200),
    q.SLOW: (ERROR, None),
    q.THROTTLED: (PASSED, 200),
    q.BAD_GATEWAY: (PASSED, 200),
    q.UNAVAILABLE: (ERROR, 503),
    q.DROPPED: (ERROR, None),
    q.ECHO: (PASSED, 200),
}


@pytest.fixture(scope="module")
def server() -> Iterator[QoveryServer]:
    with q.start(State(slow_seconds=0.5, retry_after="0")) as srv:
        yield srv


def _live(contract, server, job_ids, record=None, auth=AUTH) -> RunResult:
    settings = ProbeSettings(
        timeout=0.2, retries=1, backoff=0.001, concurrency=4, auth=auth
    )
    probes = [("getJob", {"jobId": j}) for j in job_ids]
    requests = list(plan_requests(contract, probes, server.url, auth))
    return run_live(contract, requests, settings, target=server.url, record=record)


@pytest.fixture(scope="module")
def live_and_replay(
    seed_contract, server, tmp_path_factory
) -> tuple[RunResult, RunResult]:
    folder = tmp_path_factory.mktemp("cassettes")
    live = _live(seed_contract, server, list(EXPECTED), record=folder)
    return live, run_replay(seed_contract, folder)


@pytest.mark.parametrize(
    ("job_id", "expected"),
    list(EXPECTED.items()),
    ids=[
        "lifecycle",
        "cron",
        "drifted",
        "404",
        "broken",
        "500-html",
        "json-as-html",
        "slow",
        "429-then-200",
        "502-then-200",
        "503-always",
        "dropped",
        "echo",
    ],
)
def test_live_outcome_per_job(live_and_replay, job_id, expected) -> None:
    live, _ = live_and_replay
    (result,) = [r for r in live.results if r.params["jobId"] == job_id]
    assert (result.outcome, result.status) == expected


def test_network_faults_are_errors_not_failures(live_and_replay) -> None:
    live, _ = live_and_replay
    faulty = {q.SLOW, q.UNAVAILABLE, q.DROPPED}
    network = {r.params["jobId"] for r in live.results if r.error_kind == "network"}
    assert network == faulty


def test_results_keep_probe_order(live_and_replay) -> None:
    live, _ = live_and_replay
    assert [r.params["jobId"] for r in live.results] == list(EXPECTED)


def test_replay_gives_the_same_verdicts(live_and_replay) -> None:
    live, replay = live_and_replay

    def verdicts(run: RunResult) -> list[tuple[object, ...]]:
        return [
            (r.name, r.outcome, r.status, r.violations, r.warnings, r.error, r.branch)
            for r in run.results
        ]

    assert verdicts(replay) == verdicts(live)


def test_replay_junit_equals_the_live_junit(live_and_replay) -> None:
    live, replay = live_and_replay

    def xml(run: RunResult) -> str:
        text = junit.render(results.suites(run))
        text = re.sub(r' timestamp="[^"]*"', "", text)
        return re.sub(r'<property name="(mode|target)" value="[^"]*"', "", text)

    assert xml(replay) == xml(live)


def test_testcase_names_carry_operation_and_parameters(live_and_replay) -> None:
    live, _ = live_and_replay
    names = [c.name for s in results.suites(live) for c in s.cases]
    assert names[0] == f"getJob[jobId={q.LIFECYCLE}]"


def test_without_a_token_the_documented_401_is_an_error_naming_token_env(
    seed_contract, server
) -> None:
    run = _live(seed_contract, server, [q.CRON], auth=None)
    (result,) = run.results
    assert (result.status, result.outcome, result.error_kind, run.exit_code) == (
        401,
        ERROR,
        "status",
        3,
    )
    assert "expected status 200, received 401" in result.error
    assert "token_env" in result.error


def test_cassettes_hold_no_token(live_and_replay) -> None:
    _, replay = live_and_replay
    folder = Path(replay.target)
    assert not any(q.TOKEN in p.read_text() for p in folder.iterdir())


def test_a_secret_value_in_the_body_is_judged_as_sent_and_written_redacted(
    seed_contract, server, tmp_path: Path
) -> None:
    # The environment id is declared secret: the live verdict sees the real uuid
    # (a redacted "[REDACTED]" would break its format), the cassette never holds it.
    settings = ProbeSettings(
        timeout=2, retries=0, auth=AUTH, secret_values=(q.ENVIRONMENT_ID,)
    )
    requests = list(
        plan_requests(seed_contract, [("getJob", {"jobId": q.CRON})], server.url, AUTH)
    )
    run = run_live(
        seed_contract, requests, settings, target=server.url, record=tmp_path
    )
    assert run.results[0].outcome == PASSED
    assert not any(q.ENVIRONMENT_ID in p.read_text() for p in tmp_path.iterdir())
