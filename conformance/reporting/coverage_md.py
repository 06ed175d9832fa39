"""Markdown and terminal text for contract coverage and unmatched requests.

summary.md gets a short "Not exercised" list (what to add to the probe set) and
the requests no operation matched; the terminal gets one line of each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conformance.coverage import not_exercised

if TYPE_CHECKING:
    from conformance.runner import RunResult

MAX_NOT_EXERCISED = 15  # lines of the list in summary.md; results.json has them all
MAX_UNMATCHED = 20


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip() or " "


def coverage_line(cov: dict[str, Any]) -> str:
    """`coverage: 41.2% (103 of 250 contract points seen)`."""
    return (
        f"coverage: {cov.get('percent', 0.0)}% ({cov.get('covered', 0)} of "
        f"{cov.get('points', 0)} contract points seen)"
    )


def coverage_markdown(cov: dict[str, Any] | None) -> list[str]:
    """The coverage score, its definition and the short "Not exercised" list."""
    if not cov:
        return []
    missing = not_exercised(cov)
    lines = [
        "",
        "## Contract coverage",
        "",
        f"**{coverage_line(cov).removeprefix('coverage: ')}** — "
        f"{cov.get('definition', '')}.",
    ]
    if missing:
        lines += ["", "### Not exercised (add probes for these)", ""]
        lines += [f"- {_cell(m)}" for m in missing[:MAX_NOT_EXERCISED]]
        if len(missing) > MAX_NOT_EXERCISED:
            lines.append(
                f"- … {len(missing) - MAX_NOT_EXERCISED} more (results.json "
                '`"coverage"`, or report.html)'
            )
    return lines


def unmatched_markdown(run: RunResult) -> list[str]:
    """Requests no documented operation matched: never a pass, listed apart."""
    if not run.unmatched:
        return []
    verdict = "failures (--unmatched fail)" if run.unmatched_fail else "not judged"
    lines = [
        "",
        f"## Unmatched requests ({len(run.unmatched)}, {verdict})",
        "",
        "| request | status | why | from |",
        "|---|---:|---|---|",
    ]
    for u in run.unmatched[:MAX_UNMATCHED]:
        status = u.status if u.status is not None else "—"
        lines.append(
            f"| `{_cell(u.method + ' ' + u.url)}` | {status} | {_cell(u.reason)} | "
            f"{_cell(u.source or '—')} |"
        )
    if len(run.unmatched) > MAX_UNMATCHED:
        lines.append(f"| … {len(run.unmatched) - MAX_UNMATCHED} more | | | |")
    return lines


def unmatched_to_json(run: RunResult) -> list[dict[str, Any]]:
    return [
        {
            "method": u.method,
            "url": u.url,
            "status": u.status,
            "reason": u.reason,
            "source": u.source or None,
        }
        for u in run.unmatched
    ]
