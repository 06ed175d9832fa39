"""Text a person reads: one violation, one payload's verdict, lint findings.

Pure functions returning strings; the CLI, the pytest plugin and the runner share them.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..model import Finding, ValidationResult, Violation


def violation(v: Violation, indent: str = "  ") -> str:
    """Pointer, rule and message, then the branch and the spec location of the rule."""
    lines = [f"{indent}{v.pointer or '/'}  [{v.keyword}]  {v.message}"]
    if v.branch:
        lines.append(f"{indent}    branch: {v.branch}")
    if v.spec_pointer or v.spec_line:
        lines.append(f"{indent}    spec:   {v.location}  #{v.spec_pointer}")
    return "\n".join(lines)


def result(source: str, label: str, res: ValidationResult) -> str:
    """The verdict on one payload, for a person debugging a mismatch."""
    branch = f" ({res.branch})" if res.branch else ""
    if res.conforms:
        head = f"ok    {source}: conforms to {label}{branch}"
    else:
        count = len(res.violations)  # strict drift is among them already
        head = f"FAIL  {source}: {count} violation(s) of {label}{branch}"
    lines = [head, *(violation(v) for v in res.violations)]
    if res.drift:
        lines.append(
            f"  drift ({len(res.drift)} undocumented member(s)): "
            + ", ".join(res.drift[:20])
            + (" …" if len(res.drift) > 20 else "")
        )
    return "\n".join(lines)


def findings(items: Iterable[Finding]) -> str:
    lines = []
    for f in items:
        name = f.source.rsplit("/", 1)[-1] if f.source else "spec"
        where = f"{name}:{f.line}" if f.line is not None else name
        lines.append(f"{where}  #{f.pointer}  [{f.code}]  {f.message}")
    return "\n".join(lines)
