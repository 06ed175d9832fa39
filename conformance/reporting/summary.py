"""What a person reads after a probe run: `summary.md` and the terminal summary.

`markdown(run)` is a CI job summary: totals, a table of probes (every failure and
error, the first passes), the top violations grouped by check, rule and pointer, and
drift grouped by member. `console(run)` is the few lines printed at the end of
`conformance run`. Pointers are grouped with array indices folded (`/a/3/b` →
`/a/*/b`), so one broken member of a list reads as one row, not one per item.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from conformance.reporting.coverage_md import (
    coverage_line,
    coverage_markdown,
    unmatched_markdown,
)

if TYPE_CHECKING:
    from conformance.runner import ProbeResult, RunResult

MAX_PASSED_ROWS = 50  # passed probes listed in summary.md; failures are all listed
MAX_GROUPS = 20
_INDEX = re.compile(r"/\d+(?=/|$)")
_ICON = {"passed": "✅ passed", "failed": "❌ failed", "error": "⚠️ error"}


def fold(pointer: str) -> str:
    """`/a/3/b` → `/a/*/b`: one row per member, not per list item."""
    return _INDEX.sub("/*", pointer) or "/"


def totals(run: RunResult) -> str:
    drift = sum(len(r.warnings) for r in run.results)
    parts = [
        f"{len(run.results)} probe(s): {run.count('passed')} passed",
        f"{run.count('failed')} failed",
        f"{run.count('error')} error(s)",
    ]
    line = ", ".join(parts)
    if drift:
        line += f"; {drift} drift warning(s)"
    return line


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip() or " "


def _detail(result: ProbeResult) -> str:
    if result.outcome == "error":
        return result.error
    if result.violations:
        first = result.violations[0].violation
        more = len(result.violations) - 1
        text = f"{first.pointer or '/'} [{first.keyword}] {first.message}"
        return text + (f" (+{more} more)" if more else "")
    bits = [result.branch] if result.branch else []
    if result.warnings:
        bits.append(f"{len(result.warnings)} drift")
    return "; ".join(bits)


def interrupted(run: RunResult) -> str:
    """`Interrupted by SIGTERM: 12 of 1000 probes finished` (these reports)."""
    return (
        f"Interrupted by {run.interrupted}: {len(run.results)} of {run.planned} "
        "probes finished; these reports cover those"
    )


def markdown(run: RunResult) -> str:
    """The CI job summary as Markdown."""
    source = "live run against" if run.mode == "live" else "replay of"
    lines: list[str] = [
        f"# Conformance: {source} `{run.target}`",
        "",
        f"**{totals(run)}** — spec `{run.spec}`, {run.duration:.2f} s, "
        f"started {run.started}",
        "",
    ]
    if run.token is False:
        lines += ["**No token configured**: the probes ran without credentials", ""]
    if run.interrupted:
        lines += [f"**{interrupted(run)}**", ""]
    lines += [
        "| probe | outcome | status | content type | time | detail |",
        "|---|---|---|---|---:|---|",
    ]
    shown_passed = 0
    for r in run.results:
        if r.outcome == "passed":
            shown_passed += 1
            if shown_passed > MAX_PASSED_ROWS:
                continue
        status = r.status if r.status is not None else "—"
        lines.append(
            f"| `{_cell(r.name)}` | {_ICON[r.outcome]} | {status} | "
            f"{_cell(r.content_type or '—')} | {r.elapsed * 1000:.0f} ms | "
            f"{_cell(_detail(r))} |"
        )
    if shown_passed > MAX_PASSED_ROWS:
        lines.append(f"| … {shown_passed - MAX_PASSED_ROWS} more passed | | | | | |")

    rules: Counter[tuple[str, str, str]] = Counter()
    examples: dict[tuple[str, str, str], str] = {}
    for r in run.results:
        for item in r.violations:
            key = (item.check, item.violation.keyword, fold(item.violation.pointer))
            rules[key] += 1
            examples.setdefault(key, item.violation.message)
    if rules:
        lines += [
            "",
            "## Top violations (by rule and pointer)",
            "",
            "| count | check | rule | pointer | example |",
            "|---:|---|---|---|---|",
        ]
        for (check, keyword, pointer), count in rules.most_common(MAX_GROUPS):
            lines.append(
                f"| {count} | {check} | {keyword} | `{_cell(pointer)}` | "
                f"{_cell(examples[(check, keyword, pointer)])} |"
            )

    drift: Counter[tuple[str, str]] = Counter()
    for r in run.results:
        for item in r.warnings:
            drift[(r.operation_id, fold(item.violation.pointer))] += 1
    if drift:
        lines += [
            "",
            "## Drift (undocumented members, warnings)",
            "",
            "| count | operation | member |",
            "|---:|---|---|",
        ]
        for (op, pointer), count in drift.most_common(MAX_GROUPS):
            lines.append(f"| {count} | {op} | `{_cell(pointer)}` |")

    errors = [r for r in run.results if r.outcome == "error"]
    if errors:
        lines += [
            "",
            "## Errors (no contract verdict: no answer, unexpected status, too big)",
            "",
            "| probe | kind | attempts | error |",
            "|---|---|---:|---|",
        ]
        lines += [
            f"| `{_cell(r.name)}` | {r.error_kind or 'network'} | {r.attempts} | "
            f"{_cell(r.error)} |"
            for r in errors[:MAX_GROUPS]
        ]
    lines += unmatched_markdown(run) + coverage_markdown(run.coverage)
    return "\n".join(lines) + "\n"


def console(run: RunResult, max_passed: int = 20) -> str:
    """The lines printed after a run: failures and errors in full, then totals."""
    lines = []
    quiet = run.count("passed") > max_passed
    for r in run.results:
        status = r.status if r.status is not None else "-"
        if r.outcome == "passed":
            if not quiet:
                extra = f"  {_detail(r)}" if _detail(r) else ""
                lines.append(f"ok      {r.name}  {status}{extra}")
            continue
        if r.outcome == "error":
            lines.append(f"ERROR   {r.name}  {r.error}")
            continue
        lines.append(f"FAILED  {r.name}  {status} {r.content_type or ''}".rstrip())
        for item in r.violations:
            v = item.violation
            lines.append(
                f"    {item.check}  {v.pointer or '/'}  [{v.keyword}]  {v.message}"
            )
            if v.branch:
                lines.append(f"        branch: {v.branch}")
    lines.append(totals(run))
    if run.interrupted:
        lines.append(interrupted(run))
    if run.unmatched:
        lines.append(
            f"unmatched: {len(run.unmatched)} request(s) no operation matches "
            f"({'failures' if run.unmatched_fail else 'not judged'}; see summary.md)"
        )
    if run.coverage:
        lines.append(coverage_line(run.coverage))
    return "\n".join(lines)
