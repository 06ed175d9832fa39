"""The self-check: valid bodies pass, mutations are caught where they should be."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from conftest import SEED_SPEC

import conformance
from conformance.cli import main
from conformance.selfcheck import (
    FAILED,
    PASSED,
    SKIPPED,
    render_text,
    selfcheck,
    suites,
)

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


def test_a_format_whose_strategy_breaks_its_check_fails_naming_the_format(
    write_spec,
):
    contract = write_spec(BROKEN_FORMAT_SPEC)

    def never(text: str) -> bool:
        return False

    from hypothesis import strategies as st

    contract.register_format("shortcode", never, strategy=lambda: st.text(max_size=3))
    result = selfcheck(contract, "getCode", examples=5, rules=["required"])
    assert (result.valid.status, result.ok) == (FAILED, False)
    assert "no valid shortcode string" in result.valid.reason
    assert "no conforming body can be drawn" in render_text(result)


def test_a_body_the_validator_wrongly_rejects_is_shrunk_by_hypothesis(
    write_spec, monkeypatch
):
    from conformance.validate import ResponseValidator

    contract = write_spec(BROKEN_FORMAT_SPEC)
    contract.register_format(
        "shortcode", lambda text: True, sample=lambda rng: "abc"[: rng.randint(0, 3)]
    )
    real = ResponseValidator.validate

    def too_strict(self, body, *args, **kwargs):  # rejects every body
        result = real(self, {"code": 1}, *args, **kwargs)
        return result

    monkeypatch.setattr(ResponseValidator, "validate", too_strict)
    monkeypatch.setattr(ResponseValidator, "is_valid", lambda self, body: False)
    result = selfcheck(contract, "getCode", examples=5, rules=["required"])
    failure = result.valid.failure
    assert failure is not None
    assert (failure.body, failure.expected) == ({"code": ""}, "conforms")


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


def test_the_junit_suite_carries_the_coverage_the_text_shows(tmp_path):
    out = io.StringIO()
    report = tmp_path / "selfcheck.xml"
    args = ["selfcheck", "--spec", str(SEED_SPEC), "--operation", "getJob"]
    main([*args, "--examples", "3", "--rule", "required", "--junit", str(report)],
         out, io.StringIO())  # fmt: skip
    text = out.getvalue()
    found = re.search(r"coverage ([\d.]+)% \((\d+) of (\d+) contract points", text)
    assert found, text
    more = re.search(r"… (\d+) more not drawn", text)
    shown = text.count("not drawn: ")
    [suite] = ET.parse(report).getroot().iter("testsuite")
    properties = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert properties == {
        "coverage_percent": found[1],
        "coverage_covered": found[2],
        "coverage_points": found[3],
        "not_exercised": str(shown + (int(more[1]) if more else 0)),
    }


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


CONTRADICTION_SPEC = """
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /pets:
    get:
      operationId: getPet
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                oneOf:
                  - {$ref: "#/components/schemas/Cat"}
                  - {$ref: "#/components/schemas/Dog"}
                discriminator:
                  propertyName: kind
                  mapping:
                    cat: "#/components/schemas/Cat"
                    dog: "#/components/schemas/Dog"
components:
  schemas:
    Cat:
      type: object
      required: [kind]
      properties: {kind: {type: string}}
    Dog:
      type: object
      required: [kind]
      properties: {kind: {type: string, enum: [DOG]}}
"""


def test_a_branch_no_body_can_take_is_a_failure_naming_it_and_why(write_spec):
    contract = write_spec(CONTRADICTION_SPEC)
    result = selfcheck(contract, "getPet", examples=5, rules=["required"])
    assert result.ok is False
    [(label, why)] = result.undrawn
    assert label == "kind=dog → Dog"
    assert "'kind'" in why
    assert '"DOG"' in why
    assert '"dog"' in why
    text = render_text(result)
    assert f"FAILED getPet 200 application/json branch {label}: " in text
    [suite] = suites([result])
    [case] = [c for c in suite.cases if c.name.endswith(f"valid[{label}]")]
    assert case.failure is not None


def test_a_long_run_prints_progress_lines(write_spec, tmp_path):
    many = "\n".join(
        f"""  /p{i}:
    get:
      operationId: op{i}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {{type: object, properties: {{n: {{type: integer}}}}}}"""
        for i in range(12)
    )
    spec = tmp_path / "many.yaml"
    spec.write_text(
        f'openapi: 3.0.0\ninfo: {{title: t, version: "1"}}\npaths:\n{many}\n',
        encoding="utf-8",
    )
    out, err = io.StringIO(), io.StringIO()
    args = ["selfcheck", "--spec", str(spec), "--all", "--examples", "2"]
    assert main(args, out, err) == 0
    progress = [x for x in err.getvalue().splitlines() if x.startswith("selfcheck: ")]
    assert progress[-1].startswith("selfcheck: 12/12 response bodies, 0 broken")
    assert len(progress) == 12
