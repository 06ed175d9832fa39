"""Contract coverage: what the traffic exercised of the response contract."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import traffic_files as t

from conformance.cli import main
from conformance.coverage import BodyModel, merge, not_exercised, points, score

SPEC = str(t.PROJECT / "spec" / "qovery-getjob.yaml")
LIFECYCLE, CRON, _, MISSING = range(4)  # lines of the bundled recording


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main([*argv], out, err), out.getvalue(), err.getvalue()


def replay_lines(tmp_path: Path, name: str, lines: list[int]) -> dict:
    """Replay some lines of the bundled recording; the results.json it writes."""
    recorded = t.RECORDINGS.read_text().splitlines()
    cassette = tmp_path / f"{name}.jsonl"
    cassette.write_text("\n".join(recorded[i] for i in lines) + "\n")
    reports = tmp_path / name
    code, _, err = cli(
        "replay", str(cassette), "--spec", SPEC, "--report-dir", str(reports)
    )
    assert code == 0, err
    return json.loads((reports / "results.json").read_text())


def test_a_run_of_lifecycle_jobs_only_reports_cron_as_zero(tmp_path: Path) -> None:
    data = replay_lines(tmp_path, "lifecycle", [LIFECYCLE, LIFECYCLE])
    ok = data["coverage"]["operations"]["getJob"]["statuses"]["200"]
    assert ok["branches"] == {"LIFECYCLE": 2, "CRON": 0}


def test_a_run_of_lifecycle_jobs_only_lists_cron_as_not_exercised(
    tmp_path: Path,
) -> None:
    replay_lines(tmp_path, "lifecycle", [LIFECYCLE])
    summary = (tmp_path / "lifecycle" / "summary.md").read_text()
    not_exercised_part = summary.split("### Not exercised", 1)[1]
    assert "getJob 200: branch CRON" in not_exercised_part


def test_statuses_seen_and_not_seen_are_counted_per_operation(tmp_path: Path) -> None:
    data = replay_lines(tmp_path, "mixed", [LIFECYCLE, CRON, MISSING])
    statuses = data["coverage"]["operations"]["getJob"]["statuses"]
    assert {s: v["count"] for s, v in statuses.items()} == {
        "200": 2,
        "401": 0,
        "403": 0,
        "404": 1,
    }


def test_optional_nullable_and_enum_points_count_what_the_body_holds(
    seed_contract,  # noqa: ANN001
) -> None:
    model = BodyModel(seed_contract.response_validator("getJob", 200))
    body = json.loads(
        json.loads(t.RECORDINGS.read_text().splitlines()[0])["response"]["body"]
    )
    model.observe(body)
    got = model.to_json()
    where = " (job_type=LIFECYCLE)"
    assert (
        got["nullable"]["/port" + where],
        got["optional"]["/schedule/on_stop" + where],
        got["enums"]["/source/image/registry/kind" + where]["DOCKER_HUB"],
        got["enums"]["/source/image/registry/kind" + where]["ECR"],
        got["alternatives"]["/source" + where],
    ) == (
        {"null": 1, "value": 0},
        {"present": 0, "absent": 1},
        1,
        0,
        {"image": 1, "docker": 0},
    )


def test_the_score_counts_each_point_once_with_its_definition_stated(
    tmp_path: Path,
) -> None:
    cov = replay_lines(tmp_path, "one", [CRON])["coverage"]
    seen = [what for what, count in points(cov) if count]
    assert (cov["covered"], cov["points"]) == (len(seen), len(list(points(cov))))
    assert cov["percent"] == round(100 * cov["covered"] / cov["points"], 1)
    assert "each discriminator value" in cov["definition"]


def test_merged_coverage_of_two_results_files_adds_up(tmp_path: Path) -> None:
    first = replay_lines(tmp_path, "mon", [LIFECYCLE])["coverage"]
    second = replay_lines(tmp_path, "tue", [CRON, MISSING])["coverage"]
    code, out, _ = cli(
        "coverage",
        str(tmp_path / "mon" / "results.json"),
        str(tmp_path / "tue"),
        "--json",
        str(tmp_path / "week.json"),
        "--html",
        str(tmp_path / "week.html"),
    )
    merged = json.loads((tmp_path / "week.json").read_text())
    counts = [dict(points(c)) for c in (first, second, merged)]
    assert code == 0
    assert counts[2] == {
        k: counts[0].get(k, 0) + counts[1].get(k, 0) for k in counts[2]
    }
    assert merged["operations"]["getJob"]["statuses"]["200"]["branches"] == {
        "LIFECYCLE": 1,
        "CRON": 1,
    }
    assert merged["operations"]["getJob"]["calls"] == 3
    page = (tmp_path / "week.html").read_text()
    assert 'data-point="getJob 200 branch CRON" data-count="1"' in page
    assert f"{merged['percent']}%" in out


def test_merging_a_run_with_itself_doubles_counts_and_keeps_the_score() -> None:
    cov = {
        "operations": {
            "op": {
                "statuses": {
                    "200": {"count": 1, "branches": {"A": 1, "B": 0}},
                    "404": {"count": 0},
                }
            }
        }
    }
    twice = merge([cov, cov])
    assert (dict(points(twice)), score(twice)) == (
        {k: 2 * v for k, v in points(cov)},
        score(cov),
    )
    assert not_exercised(twice)[:2] == [
        "op 404: status never received",
        "op 200: branch B",
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such results file"),
        ("{", "not JSON"),
        ('{"probes": []}', 'no "coverage" in this file'),
    ],
    ids=["missing", "not-json", "no-coverage"],
)
def test_coverage_of_a_bad_results_file_is_one_line_naming_it(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    path = tmp_path / "results.json"
    if content is not None:
        path.write_text(content)
    code, _, err = cli("coverage", str(path))
    assert (code, str(path) in err, expected in err, len(err.splitlines())) == (
        2,
        True,
        True,
        1,
    )


def test_generated_bodies_count_like_received_ones(seed_contract) -> None:  # noqa: ANN001
    from conformance.coverage import Tracker

    tracker = Tracker(seed_contract)
    op = seed_contract.operation("getJob")
    body = json.loads(
        json.loads(t.RECORDINGS.read_text().splitlines()[CRON])["response"]["body"]
    )
    tracker.observe_body(op, "200", body)
    ok = tracker.to_json()["operations"]["getJob"]["statuses"]["200"]
    assert (ok["count"], ok["branches"]) == (1, {"LIFECYCLE": 0, "CRON": 1})


def test_a_live_run_of_lifecycle_jobs_only_reports_cron_as_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qovery_server as q

    monkeypatch.setenv("COVERAGE_TEST_TOKEN", q.TOKEN)
    with q.start() as server:
        code, out, err = cli(
            "run", "--spec", SPEC, "--base-url", server.url, "--token-env",
            "COVERAGE_TEST_TOKEN", "--param", f"jobId={q.LIFECYCLE}",
            "--report-dir", str(tmp_path),
        )  # fmt: skip
    data = json.loads((tmp_path / "results.json").read_text())
    ok = data["coverage"]["operations"]["getJob"]["statuses"]["200"]
    assert (code, ok["branches"], "coverage: " in out) == (
        0,
        {"LIFECYCLE": 1, "CRON": 0},
        True,
    ), err


def test_selfcheck_counts_the_coverage_of_the_bodies_it_draws(
    seed_contract,  # noqa: ANN001
) -> None:
    from conformance.selfcheck import render_text, selfcheck

    result = selfcheck(seed_contract, "getJob", 200, examples=10, rules=["required"])
    cov = result.coverage
    assert cov is not None
    drawn = cov["operations"]["getJob"]["statuses"]["200"]
    by_branch = {
        label.split("=", 1)[1].split(" ", 1)[0]: count
        for label, count in result.branches.items()
        if label.startswith("job_type=")
    }
    assert (drawn["count"], drawn["branches"]) == (result.valid.checked, by_branch)
    assert f"coverage {cov['percent']}%" in render_text(result)
