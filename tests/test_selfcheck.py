"""The self-check: valid bodies pass, mutations are caught where they should be."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from conftest import SEED_SPEC

import conformance
from conformance.cli import main
from conformance.selfcheck import FAILED, PASSED, SKIPPED, selfcheck, suites

BROKEN_FORMAT_SPEC = """
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /codes:
    get:
      operationId: getCode
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [code]
                properties:
                  code: {type: string, format: shortcode}
"""

# Operations of the full Qovery spec checked in the suite: each discriminator shape
# (oneOf + mapping, nested in lists) and overlapping plain oneOfs. The full run over
# every operation is benchmarks/selfcheck_full.py (minutes, not seconds).
FULL_SPEC_SUBSET = ["getJob", "listJobs", "getHelm", "listAzureCredentials"]


@pytest.fixture(scope="module")
def getjob_check() -> conformance.selfcheck.SelfCheck:
    contract = conformance.load_contract(str(SEED_SPEC))
    return selfcheck(contract, "getJob", 200, examples=10, seed=1)


def test_getjob_holds_for_valid_bodies_and_every_applicable_rule(getjob_check):
    statuses = {r.rule: r.status for r in (getjob_check.valid, *getjob_check.rules)}
    assert statuses == {
        **{rule: PASSED for rule in statuses},
        "writeOnly-present": SKIPPED,
    }


def test_getjob_valid_bodies_take_every_branch(getjob_check):
    assert all(count > 0 for count in getjob_check.branches.values())
    assert len(getjob_check.branches) == 4


def test_junit_has_a_case_per_rule_and_per_branch(getjob_check):
    [suite] = suites([getjob_check])
    names = [case.name for case in suite.cases]
    assert names[:3] == ["getJob 200 valid", "getJob 200 required", "getJob 200 type"]
    assert "getJob 200 valid[job_type=CRON → CronJobResponse]" in names
    assert len(names) == 1 + 13 + 4


def test_a_format_whose_strategy_breaks_its_check_fails_with_the_shrunk_body(
    write_spec,
):
    contract = write_spec(BROKEN_FORMAT_SPEC)

    def never(text: str) -> bool:
        return False

    from hypothesis import strategies as st

    contract.register_format("shortcode", never, strategy=lambda: st.text(max_size=3))
    result = selfcheck(contract, "getCode", examples=5, rules=["required"])
    failure = result.valid.failure
    assert (result.valid.status, result.ok) == (FAILED, False)
    assert failure is not None
    assert (failure.body, failure.expected) == ({"code": ""}, "conforms")
    assert failure.reported[0].startswith("/code format")


def test_the_command_exits_zero_and_writes_junit(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    report = tmp_path / "selfcheck.xml"
    code = main(
        [
            "selfcheck",
            "--spec",
            str(SEED_SPEC),
            "--operation",
            "getJob",
            "--examples",
            "5",
            "--junit",
            str(report),
        ],
        out,
        err,
    )
    root = ET.parse(report).getroot()
    assert (code, root.get("tests"), root.get("failures"), root.get("skipped")) == (
        0,
        "18",
        "0",
        "1",
    )
    assert "discriminator-wrong-branch" in out.getvalue()


def test_the_command_needs_an_operation():
    err = io.StringIO()
    assert main(["selfcheck", "--spec", str(SEED_SPEC)], io.StringIO(), err) == 2
    assert "--operation" in err.getvalue()


@pytest.mark.parametrize("operation", FULL_SPEC_SUBSET, ids=FULL_SPEC_SUBSET)
def test_full_spec_subset_holds(full_contract, operation):
    result = selfcheck(full_contract, operation, examples=3)
    broken = [
        (r.rule, r.failure.text()[:400] if r.failure else r.reason[:400])
        for r in (result.valid, *result.rules)
        if r.status not in (PASSED, SKIPPED)
    ]
    assert broken == []
