"""The runner: probe (live) or load (replay) → checks → one `ProbeResult` per probe.

Outcomes: `passed` (every check holds; drift warnings allowed), `failed` (a contract
violation: undocumented status, wrong content type, non-conforming body) and `error`
(no answer: timeout, refused, TLS, dropped connection, or retries exhausted on
429/502/503/504 where that status is not documented). A flaky network is an error,
never a failure. `RunResult.exit_code`: 1 if any probe failed, else 3 if any errored,
else 0 (2 is for usage and config errors, raised before anything runs).

Live and replay share `judge`, so a replayed cassette gives the same verdicts and
the same test case names as the run that recorded it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .checks import CHECKS, CheckViolation, run_checks
from .errors import UsageError
from .probe import ProbeRequest, ProbeSettings, redactor_of, send_all
from .recording import CassetteWriter, Exchange, load
from .redact import Redactor

if TYPE_CHECKING:
    from .contract import Contract

PASSED, FAILED, ERROR = "passed", "failed", "error"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """The verdict on one probe; small (no body), so a long run stays small."""

    index: int
    name: str
    operation_id: str
    params: Mapping[str, str]
    method: str
    url: str
    outcome: str  # passed | failed | error
    status: int | None
    content_type: str
    elapsed: float
    attempts: int
    violations: tuple[CheckViolation, ...] = ()  # failures
    warnings: tuple[CheckViolation, ...] = ()  # drift
    error: str = ""
    branch: str = ""
    retries: tuple[str, ...] = ()
    # a streamed body: items read and why reading stopped (no arrival times)
    stream: Mapping[str, Any] | None = None


@dataclass
class RunResult:
    """Every probe's result in probe order, plus what the run was."""

    mode: str  # "live" | "replay"
    spec: str
    target: str  # base URL, or the cassette location for a replay
    started: str = field(
        default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds")
    )
    duration: float = 0.0
    results: list[ProbeResult] = field(default_factory=list)
    # What no report may show (the token, secret values): every writer uses it.
    redactor: Redactor = field(default_factory=Redactor, repr=False)

    def count(self, outcome: str) -> int:
        return sum(r.outcome == outcome for r in self.results)

    @property
    def exit_code(self) -> int:
        if self.count(FAILED):
            return 1
        if self.count(ERROR):
            return 3
        return 0


def judge(
    exchange: Exchange,
    contract: Contract,
    checks: list[str] | None,
    drift: bool,
) -> ProbeResult:
    op = contract.operation(exchange.operation_id)
    found: list[CheckViolation] = []
    branch = ""
    error = exchange.error or ""
    if exchange.answered:
        exhausted = exchange.extra.get("retries_exhausted")
        if exhausted and str(exchange.status) not in op.responses:
            error = (
                f"no usable answer: status {exchange.status} after "
                f"{exchange.attempts} attempt(s)"
            )
        else:
            found, branch = run_checks(exchange, op, contract, checks, drift=drift)
    elif not error:
        error = "no answer"
    failures = tuple(v for v in found if not v.warning)
    warnings = tuple(v for v in found if v.warning)
    outcome = ERROR if error else FAILED if failures else PASSED
    return ProbeResult(
        index=exchange.index,
        name=exchange.name,
        operation_id=exchange.operation_id,
        params=dict(exchange.params),
        method=exchange.method,
        url=exchange.url,
        outcome=outcome,
        status=exchange.status,
        content_type=exchange.content_type,
        elapsed=exchange.elapsed,
        attempts=exchange.attempts,
        violations=failures,
        warnings=warnings,
        error=error,
        branch=branch,
        retries=tuple(exchange.extra.get("retries", ())),
        stream=_stream_summary(exchange),
    )


def _stream_summary(exchange: Exchange) -> dict[str, Any] | None:
    read = exchange.extra.get("stream")
    if not isinstance(read, dict):
        return None
    return {"items": read.get("items"), "stopped": read.get("stopped", "")}


def _chosen(checks: Iterable[str] | None) -> list[str] | None:
    if checks is None:
        return None
    names = list(checks)
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise UsageError(f"unknown check {unknown[0]!r} (checks: {', '.join(CHECKS)})")
    return names


Progress = Callable[[int, RunResult], None]


def run_live(
    contract: Contract,
    requests: list[ProbeRequest],
    settings: ProbeSettings,
    *,
    target: str,
    record: str | os.PathLike[str] | None = None,
    checks: Iterable[str] | None = None,
    drift: bool = True,
    progress: Progress | None = None,
) -> RunResult:
    """Send every request, check every answer; record cassettes if asked."""
    chosen = _chosen(checks)
    redactor = redactor_of(settings)
    run = RunResult("live", contract.source, target, redactor=redactor)
    writer = CassetteWriter(record, redactor=redactor) if record is not None else None
    started = time.perf_counter()

    def handle(exchange: Exchange) -> None:
        if writer is not None:
            writer.write(exchange)
        result = judge(exchange, contract, chosen, drift)
        run.results.append(redactor.learned_from(exchange).data(result))
        if progress is not None:
            progress(len(requests), run)

    try:
        send_all(requests, settings, handle)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if writer is not None:
        writer.close()
    run.duration = time.perf_counter() - started
    run.results.sort(key=lambda r: r.index)
    return run


def run_replay(
    contract: Contract,
    location: str | os.PathLike[str],
    *,
    checks: Iterable[str] | None = None,
    drift: bool = True,
    progress: Progress | None = None,
    redactor: Redactor | None = None,
) -> RunResult:
    """The same checks on recorded exchanges, offline.

    `redactor` knows the secrets of the project (a cassette written by this tool
    holds none; one from elsewhere might).
    """
    chosen = _chosen(checks)
    redactor = redactor or Redactor()
    run = RunResult(
        "replay", contract.source, redactor.text(str(location)), redactor=redactor
    )
    started = time.perf_counter()
    exchanges = list(load(location))
    if not exchanges:  # an empty recording proves nothing: never a green run
        raise UsageError(f"{location}: the cassettes hold no exchange to replay")
    for number, exchange in enumerate(exchanges):
        # Several cassette files may each count from 0: keep their order, renumbered.
        result = _renumbered(judge(exchange, contract, chosen, drift), number)
        run.results.append(redactor.learned_from(exchange).data(result))
        if progress is not None:
            progress(len(exchanges), run)
    run.duration = time.perf_counter() - started
    return run


def _renumbered(result: ProbeResult, index: int) -> ProbeResult:
    return result if result.index == index else replace(result, index=index)
