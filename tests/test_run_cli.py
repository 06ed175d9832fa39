"""`conformance run` and `conformance replay`: config, flags, exit codes, reports."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import qovery_server as q
from conftest import PROJECT
from qovery_server import QoveryServer, State

from conformance.cli import main
from conformance.run_cmd import param_sets

SPEC = str(PROJECT / "spec" / "qovery-getjob.yaml")
TOKEN_ENV = "QOVERY_TEST_TOKEN"


@pytest.fixture(scope="module")
def server() -> Iterator[QoveryServer]:
    with q.start(State(slow_seconds=0.3, retry_after="0")) as srv:
        yield srv


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server) -> Path:
    """A project folder with a conformance.toml whose `staging` target is the server."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(TOKEN_ENV, q.TOKEN)
    monkeypatch.setenv("STAGING_URL", server.url)
    (tmp_path / "conformance.toml").write_text(
        f"""
spec = {json.dumps(SPEC)}
retries = 1
timeout = 2.0

[targets.staging]
base_url = "${{STAGING_URL}}"
token_env = "{TOKEN_ENV}"
auth_scheme = "Token"
probes = [
  {{operation = "getJob", params = [
    {{jobId = "{q.CRON}"}},
    {{jobId = "{q.LIFECYCLE}"}},
  ]}},
]
"""
    )
    return tmp_path


def cli(*argv: str, err: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), err or io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_run_with_no_target_replays_the_bundled_recordings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(PROJECT)
    code, out, _ = cli("run", "--report-dir", str(tmp_path))
    assert (code, "replaying the recordings in recordings/getjob" in out) == (0, True)


def test_bundled_recordings_cover_lifecycle_cron_404_and_drift(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(PROJECT)
    cli("run", "--report-dir", str(tmp_path))
    data = json.loads((tmp_path / "results.json").read_text())
    seen = [(p["status"], p["branch"], bool(p["drift"])) for p in data["probes"]]
    assert seen == [
        (200, "job_type=LIFECYCLE → LifecycleJobResponse", False),
        (200, "job_type=CRON → CronJobResponse", False),
        (200, "job_type=CRON → CronJobResponse", True),
        (404, None, False),
    ]


def test_bundled_recordings_replay_like_a_live_run_today(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, server
) -> None:
    monkeypatch.chdir(PROJECT)
    monkeypatch.setenv(TOKEN_ENV, q.TOKEN)
    cli("run", "--report-dir", str(tmp_path / "replay"))
    live = ["run", "--base-url", server.url, "--token-env", TOKEN_ENV]
    live += ["--expect-status", "200", "--expect-status", "404"]
    for job in (q.LIFECYCLE, q.CRON, q.DRIFTED, q.MISSING):
        live += ["--param", f"jobId={job}"]
    cli(*live, "--report-dir", str(tmp_path / "live"))

    def verdicts(folder: str) -> list[tuple[str, str]]:
        data = json.loads((tmp_path / folder / "results.json").read_text())
        return [(p["name"], p["outcome"]) for p in data["probes"]]

    assert verdicts("replay") == verdicts("live")


def test_target_from_the_config_file_probes_the_server(project: Path) -> None:
    code, out, _ = cli("run", "staging")
    assert (code, out.count("ok      getJob[")) == (0, 2)


@pytest.mark.parametrize(
    ("jobs", "code"),
    [
        ((q.CRON, q.LIFECYCLE), 0),
        ((q.CRON, q.BROKEN), 1),
        ((q.CRON, q.DROPPED), 3),
        ((q.BROKEN, q.DROPPED), 1),
    ],
    ids=["conforms", "a-violation", "only-network-errors", "violation-and-error"],
)
def test_exit_code_of_a_live_run(
    project: Path, jobs: tuple[str, ...], code: int
) -> None:
    params = [arg for job in jobs for arg in ("--param", f"jobId={job}")]
    assert cli("run", "staging", "--retries", "0", *params)[0] == code


def test_flags_override_the_file(project: Path) -> None:
    text = (project / "conformance.toml").read_text().replace("2.0", "0.05")
    (project / "conformance.toml").write_text(text)
    slow = ("--param", f"jobId={q.SLOW}", "--retries", "0")
    assert (
        cli("run", "staging", *slow)[0],
        cli("run", "staging", *slow, "--timeout", "5")[0],
    ) == (3, 0)


def test_reports_are_written_to_reports_by_default(project: Path) -> None:
    cli("run", "staging")
    assert sorted(p.name for p in (project / "reports").iterdir()) == [
        "journal.jsonl",
        "junit.xml",
        "report.html",
        "results.json",
        "summary.md",
    ]


def test_junit_and_json_paths_can_be_chosen(project: Path) -> None:
    cli("run", "staging", "--junit", "out/j.xml", "--json", "out/r.json")
    assert sorted(p.name for p in (project / "out").iterdir()) == ["j.xml", "r.json"]


def test_junit_names_one_testcase_per_probe(project: Path) -> None:
    cli("run", "staging")
    names = re.findall(
        r'<testcase [^>]*name="([^"]+)"', (project / "reports/junit.xml").read_text()
    )
    assert names == [f"getJob[jobId={q.CRON}]", f"getJob[jobId={q.LIFECYCLE}]"]


def test_summary_groups_violations_and_drift(project: Path) -> None:
    cli(
        "run",
        "staging",
        "--param",
        f"jobId={q.BROKEN}",
        "--param",
        f"jobId={q.DRIFTED}",
    )
    summary = (project / "reports/summary.md").read_text()
    assert ("## Top violations" in summary, "`/deployment_stage_id`" in summary) == (
        True,
        True,
    )


def test_replay_gives_the_recorded_runs_testcase_names(project: Path) -> None:
    jobs = [a for j in (q.CRON, q.BROKEN, q.DROPPED) for a in ("--param", f"jobId={j}")]
    live = cli("run", "staging", *jobs, "--record", "tape", "--junit", "live.xml")[0]
    again = cli("replay", "tape", "--junit", "replay.xml")[0]

    def names(name: str) -> list[str]:
        return re.findall(
            r'<testcase [^>]*name="([^"]+)"', (project / name).read_text()
        )

    assert (live, again, names("replay.xml")) == (1, 1, names("live.xml"))


def test_the_token_appears_in_no_file_written(project: Path) -> None:
    jobs = [
        a for j in (q.LIFECYCLE, q.ECHO, q.BROKEN) for a in ("--param", f"jobId={j}")
    ]
    cli("run", "staging", *jobs, "--record", "tape")
    cli("replay", "tape", "--report-dir", "replayed")
    written = [p for p in project.rglob("*") if p.is_file()]
    assert [p.name for p in written if q.TOKEN in p.read_text()] == []


def test_progress_line_only_on_a_terminal(project: Path) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    _, _, plain = cli("run", "staging")
    _, _, terminal = cli("run", "staging", err=Terminal())
    assert ("\r[" in plain, "\r[2/2]" in terminal) == (False, True)


def test_param_sets_start_a_new_probe_when_a_name_repeats() -> None:
    assert param_sets(["org=O", "jobId=A", "jobId=B"]) == [
        {"org": "O", "jobId": "A"},
        {"org": "O", "jobId": "B"},
    ]


# -- bad input: exit 2, a message naming the culprit, no traceback ------------------

URL = "<server>"  # replaced by the test server's URL
BAD_FLAGS = [
    pytest.param(
        ("run", "--base-url", URL, "--operation", "getJob"),
        "missing required path parameter 'jobId'",
        id="missing-param",
    ),
    pytest.param(
        ("run", "--base-url", URL, "--param", "job=1"),
        "no parameter 'job'",
        id="unknown-param",
    ),
    pytest.param(
        ("run", "--base-url", URL, "--param", "jobId"),
        "expected NAME=VALUE",
        id="param-without-value",
    ),
    pytest.param(
        ("run", "--base-url", "api.qovery.com", "--param", "jobId=1"),
        "--base-url: 'api.qovery.com' is not an http",
        id="bad-url",
    ),
    pytest.param(
        ("run", "--base-url", URL, "--operation", "getJobs", "--param", "jobId=1"),
        "did you mean 'getJob'",
        id="unknown-operation",
    ),
    pytest.param(("run", "production"), "no target 'production'", id="unknown-target"),
    pytest.param(
        ("run", "--param", "jobId=1"),
        "--param needs a live target",
        id="param-without-target",
    ),
    pytest.param(
        ("run", "staging", "--concurrency", "0"),
        "--concurrency",
        id="zero-concurrency",
    ),
    pytest.param(
        ("run", "staging", "--token-env", "qov-abc.def"),
        "not an environment variable name",
        id="token-in-token-env",
    ),
    pytest.param(
        ("run", "staging", "--token-env", "UNSET_TOKEN_VAR"),
        "UNSET_TOKEN_VAR (the API token) is not set",
        id="token-variable-unset",
    ),
    pytest.param(
        ("replay", "no-such-dir"), "no-such-dir: no such cassette", id="replay-missing"
    ),
    pytest.param(
        ("run", "--config", "missing.toml"),
        "--config: missing.toml: no such file",
        id="config-missing",
    ),
]


@pytest.mark.parametrize(("argv", "message"), BAD_FLAGS)
def test_bad_flags_exit_2_naming_the_problem(
    project: Path, server, argv, message
) -> None:
    argv = tuple(server.url if a == URL else a for a in argv)
    code, _, err = cli(*argv)
    assert (code, message in err, "Traceback" in err) == (2, True, False)


STAGING = "[targets.staging]\n"
BAD_CONFIG = [
    pytest.param(
        "timout = 3\n", "unknown key 'timout'; did you mean 'timeout'?", id="typo"
    ),
    pytest.param(
        "retries = -1\n", "retries must be an integer >= 0", id="negative-retries"
    ),
    pytest.param(
        'auth_scheme = "Basic"\n',
        "auth_scheme must be one of Bearer, Token",
        id="auth-scheme",
    ),
    pytest.param(
        STAGING + 'base_url = "https://x"\nbase_uri = "y"\n',
        "unknown key 'targets.staging.base_uri'",
        id="target-typo",
    ),
    pytest.param(
        STAGING + 'base_url = "https://x"\nprobes = [{params = []}]\n',
        "targets.staging.probes[0].operation is required",
        id="probe-without-operation",
    ),
    pytest.param(
        STAGING + 'token_env = "X"\n',
        "targets.staging.base_url is not set",
        id="target-without-url",
    ),
    pytest.param(
        STAGING + 'base_url = "${NOT_SET_ANYWHERE}"\n',
        "targets.staging.base_url: environment variable NOT_SET_ANYWHERE is not set",
        id="unset-variable",
    ),
    pytest.param(
        STAGING + 'base_url = "staging.qovery.com"\n',
        "targets.staging.base_url: 'staging.qovery.com' is not an http",
        id="url-without-scheme",
    ),
    pytest.param("[targets.staging\n", "not valid TOML", id="not-toml"),
]


@pytest.mark.parametrize(("toml", "message"), BAD_CONFIG)
def test_bad_config_exits_2_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "conformance.toml").write_text(f"spec = {json.dumps(SPEC)}\n" + toml)
    code, _, err = cli("run", "staging", "--param", "jobId=1")
    assert (code, message in err, "Traceback" in err) == (2, True, False)
