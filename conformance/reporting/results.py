"""Probe-run reports on disk: `results.json`, `junit.xml` and `summary.md`, atomically.

`to_json(run)` is the machine-readable record of a run (every probe, every check's
verdict, every violation and drift item, timings); `suites(run)` turns the run into
JUnit suites (one per operation, one test case per probe, named `getJob[jobId=…]`)
for the shared `junit` writer; `write_reports()` writes all three.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.reporting import html, junit, summary
from conformance.reporting.coverage_md import unmatched_to_json
from conformance.reporting.files import write_set
from conformance.reporting.text import violation as violation_text

if TYPE_CHECKING:
    from conformance.runner import ProbeResult, RunResult

RESULTS_VERSION = 1


def _checks(result: ProbeResult, names: list[str]) -> dict[str, str]:
    if result.outcome == "error":
        return {name: "not run" for name in names}
    verdicts = dict.fromkeys(names, "ok")
    for item in result.warnings:
        verdicts[item.check] = "warning"
    for item in result.violations:
        verdicts[item.check] = "failed"
    return verdicts


def to_json(run: RunResult, check_names: list[str] | None = None) -> dict[str, Any]:
    """Every probe with its checks, violations, drift and timing."""
    from conformance.checks import CHECKS

    names = check_names or list(CHECKS)
    return {
        "tool": "conformance",
        "version": RESULTS_VERSION,
        "mode": run.mode,
        "spec": run.spec,
        "target": run.target,
        "started": run.started,
        "duration": round(run.duration, 6),
        "exit_code": run.exit_code,
        "interrupted": run.interrupted or None,
        "token": run.token,
        "totals": {
            "planned": run.planned,
            "probes": len(run.results),
            "passed": run.count("passed"),
            "failed": run.count("failed"),
            "errors": run.count("error"),
            "expected_status": sum(r.expected for r in run.results),
            "violations": sum(len(r.violations) for r in run.results),
            "drift": sum(len(r.warnings) for r in run.results),
            "unmatched": len(run.unmatched),
        },
        "probes": [probe_json(r, names) for r in run.results],
        "unmatched": unmatched_to_json(run),
        "unmatched_fails": run.unmatched_fail,
        "coverage": run.coverage,
    }


def probe_json(r: ProbeResult, names: list[str]) -> dict[str, Any]:
    """One probe as results.json (and the run journal) record it."""
    return {
        "name": r.name,
        "operation": r.operation_id,
        "params": dict(r.params),
        "method": r.method,
        "url": r.url,
        "outcome": r.outcome,
        "status": r.status,
        "expected_status": r.expected,
        "content_type": r.content_type,
        "elapsed": round(r.elapsed, 6),
        "attempts": r.attempts,
        "retries": list(r.retries),
        "branch": r.branch or None,
        "error": r.error or None,
        "error_kind": r.error_kind or None,
        "checks": _checks(r, names),
        "violations": [v.as_dict() for v in r.violations],
        "drift": [v.violation.pointer for v in r.warnings],
        **({"excerpt": r.excerpt} if r.excerpt else {}),
        **({"stream": dict(r.stream)} if r.stream is not None else {}),
    }


def _failure_text(result: ProbeResult) -> str:
    lines = []
    for item in result.violations:
        lines.append(f"{item.check}:")
        lines.append(violation_text(item.violation, indent="  "))
    return "\n".join(lines)


def _case(result: ProbeResult) -> junit.TestCase:
    properties = {"method": result.method, "url": result.url}
    if result.status is not None:
        properties["status"] = str(result.status)
    if result.branch:
        properties["branch"] = result.branch
    if result.stream is not None:  # a streamed body: items judged, why it stopped
        properties["stream_items"] = str(result.stream.get("items"))
        properties["stream_stopped"] = result.stream.get("stopped") or "end"
    failure = error = None
    if result.outcome == "error":
        error = junit.Outcome(
            result.error, "\n".join(result.retries), result.error_kind or "network"
        )
    elif result.violations:
        first = result.violations[0]
        more = len(result.violations) - 1
        message = f"{first.check}: {first.violation.pointer or '/'} "
        message += f"[{first.violation.keyword}] {first.violation.message}"
        if more:
            message += f" (and {more} more)"
        failure = junit.Outcome(message, _failure_text(result), "contract")
    stdout = ""
    if result.warnings:
        stdout = "drift (undocumented members): " + ", ".join(
            w.violation.pointer for w in result.warnings
        )
    return junit.TestCase(
        name=result.name,
        classname=f"conformance.{result.operation_id}",
        time=result.elapsed,
        failure=failure,
        error=error,
        stdout=stdout,
        properties=properties,
    )


def suites(run: RunResult) -> list[junit.TestSuite]:
    """One suite per operation (first-seen order), one case per probe (probe order).

    An interrupted run carries `interrupted` (the signal) on every suite; one that
    finished no probe still has an (empty) suite to carry it.
    """
    by_op: dict[str, list[junit.TestCase]] = {}
    for result in run.results:
        by_op.setdefault(result.operation_id, []).append(_case(result))
    properties = {"mode": run.mode, "target": run.target, "spec": run.spec}
    if run.interrupted:
        properties["interrupted"] = run.interrupted
        properties["finished"] = f"{len(run.results)} of {run.planned}"
        if not by_op:
            by_op["conformance"] = []
    if run.unmatched_fail:  # `--unmatched fail`: each unmatched request fails
        by_op["unmatched"] = [
            junit.TestCase(
                name=f"{u.method} {u.url}",
                classname="conformance.unmatched",
                time=0.0,
                failure=junit.Outcome(u.reason, u.source, "unmatched"),
            )
            for u in run.unmatched
        ]
    return [
        junit.TestSuite(
            name=op, cases=cases, timestamp=run.started, properties=properties
        )
        for op, cases in by_op.items()
    ]


def report_paths(
    report_dir: str | os.PathLike[str],
    junit_path: str | os.PathLike[str] | None = None,
    json_path: str | os.PathLike[str] | None = None,
) -> dict[str, Path]:
    """Where each report of a run goes."""
    folder = Path(report_dir)
    return {
        "junit": Path(junit_path) if junit_path else folder / "junit.xml",
        "json": Path(json_path) if json_path else folder / "results.json",
        "summary": folder / "summary.md",
        "html": folder / "report.html",
    }


def render_reports(
    run: RunResult, paths: dict[str, Path], check_names: list[str] | None = None
) -> list[tuple[Path, bytes]]:
    """The report set of a run: (where, what) for every report, redacted."""
    return [
        (paths[kind], text.encode("utf-8"))
        for kind, text in texts(run, check_names).items()
    ]


def write_reports(
    run: RunResult,
    report_dir: str | os.PathLike[str],
    *,
    junit_path: str | os.PathLike[str] | None = None,
    json_path: str | os.PathLike[str] | None = None,
    check_names: list[str] | None = None,
) -> dict[str, Path]:
    """Write junit.xml, results.json, summary.md and report.html as one set."""
    paths = report_paths(report_dir, junit_path, json_path)
    write_set(render_reports(run, paths, check_names))
    return paths


def texts(run: RunResult, check_names: list[str] | None = None) -> dict[str, str]:
    """The four reports as text, each passed through the run's redactor."""
    clean = run.redactor
    data = clean.data(to_json(run, check_names))
    return {
        "junit": clean.text(junit.render(suites(run))),
        "json": clean.text(json.dumps(data, indent=2, ensure_ascii=False) + "\n"),
        "summary": clean.text(summary.markdown(run)),
        "html": clean.text(html.render(data)),
    }
