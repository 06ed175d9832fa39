"""Frozen values shared by every part of the tool: violations, results, findings.

"The API misbehaved" is a `Violation` value; nothing here raises or does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any] | list[Any] | str | int | float | bool | None


@dataclass(frozen=True, slots=True, order=True)
class Violation:
    """One broken rule, where it is in the payload and where it lives in the spec."""

    pointer: str  # JSON pointer into the payload ("" is the root)
    keyword: str  # the rule: "required", "type", "format", "discriminator", ...
    message: str  # one line: expected vs received
    branch: str = (
        ""  # discriminator choices on the way, "job_type=CRON → CronJobResponse"
    )
    spec_pointer: str = ""  # JSON pointer of the rule in the spec document
    spec_line: int | None = field(default=None, compare=False)
    spec_source: str = field(default="", compare=False)  # the spec file or URL

    def as_dict(self) -> dict[str, Any]:
        return {
            "pointer": self.pointer,
            "keyword": self.keyword,
            "message": self.message,
            "branch": self.branch,
            "spec_pointer": self.spec_pointer,
            "spec_line": self.spec_line,
        }

    @property
    def location(self) -> str:
        """`file:line` of the rule (or `file#pointer` where no line is known)."""
        name = self.spec_source.rsplit("/", 1)[-1] if self.spec_source else "spec"
        if self.spec_line is not None:
            return f"{name}:{self.spec_line}"
        return f"{name}#{self.spec_pointer}"


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """The verdict on one payload: violations (the verdict) and drift (information)."""

    violations: tuple[Violation, ...] = ()
    drift: tuple[str, ...] = ()
    branch: str = ""  # the discriminator choice at the root, if any
    strict: bool = False

    @property
    def conforms(self) -> bool:
        return not self.violations and not (self.strict and self.drift)

    def __bool__(self) -> bool:
        return self.conforms


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """A lint finding: a spec defect that changes verdicts."""

    pointer: str
    code: str  # "oneof-overlap", "nullable-without-type", "unknown-format", ...
    message: str  # one line: why it matters
    line: int | None = field(default=None, compare=False)
    source: str = ""  # the file: the same defect in two files is two findings

    def as_dict(self) -> dict[str, Any]:
        return {
            "pointer": self.pointer,
            "line": self.line,
            "code": self.code,
            "message": self.message,
        }
