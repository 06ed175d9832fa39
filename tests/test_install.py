"""Installed beside a consumer's own hypothesis: no upper pin, no resolver conflict."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import requires, version

from conftest import SEED_SPEC
from packaging.requirements import Requirement

CONSUMER_TEST = """
from hypothesis import given, settings

from conformance.pytest_plugin import session_contract

contract = session_contract()


@settings(max_examples=8, deadline=None, database=None)
@given(contract.response_bodies("getJob", 200))
def test_our_client_reads_every_documented_job(body):
    assert body["job_type"] in ("CRON", "LIFECYCLE")
    contract.assert_conforms(body, operation="getJob", status=200)


def test_generation_went_without_hypothesis_jsonschema():
    import sys

    assert "hypothesis_jsonschema" not in sys.modules
"""


def _declared(name: str) -> Requirement:
    found = [Requirement(r) for r in requires("conformance") or ()]
    [wanted] = [r for r in found if r.name == name and not r.marker]
    return wanted


def test_hypothesis_is_required_without_an_upper_bound():
    hypothesis = _declared("hypothesis")
    assert [s.operator for s in hypothesis.specifier] == [">="]
    assert version("hypothesis") in hypothesis.specifier


def test_hypothesis_jsonschema_is_no_longer_a_dependency():
    names = {Requirement(r).name for r in requires("conformance") or ()}
    assert "hypothesis-jsonschema" not in names


def test_a_consumer_pinning_the_installed_hypothesis_resolves_without_conflict(
    tmp_path,
):
    # pip's resolver, offline, against this environment: the consumer pins the
    # hypothesis installed here (the newest the registry serves, in CI).
    pinned = tmp_path / "requirements.txt"
    pinned.write_text(f"conformance\nhypothesis=={version('hypothesis')}\n")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index"]
        + ["--disable-pip-version-check", "-r", str(pinned)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Would install" not in done.stdout  # nothing to change: no conflict


def test_a_consumer_given_test_runs_on_the_installed_hypothesis(pytester):
    pytester.makepyfile(test_jobs=CONSUMER_TEST)
    result = pytester.runpytest(
        "-p", "no:cacheprovider", f"--conformance-spec={SEED_SPEC}"
    )
    result.assert_outcomes(passed=2)
