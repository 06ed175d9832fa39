"""The runner: probe (live) or load (replay) → checks → one `ProbeResult` per probe.

Outcomes: `passed` (every check holds; drift warnings allowed), `failed` (a contract
violation: undocumented status, wrong content type, non-conforming body) and `error`
(no contract verdict), of a kind: `network` (no answer: timeout, refused, TLS,
dropped connection, or retries exhausted on 429/502/503/504 where that status is not
documented), `status` (a documented status the probe did not expect: a 401 from a
missing token), `body` (larger than the cap) or `internal` (checking it failed).
A flaky network is an error, never a failure, and one probe never ends the run.
`RunResult.exit_code`: 130/143 if a signal stopped the run, else 1 if any probe
failed, else 3 if any errored or none got an expected status, else 0 (2 is for
usage and config errors, raised before anything runs).

Live and replay share `judge`, so a replayed cassette gives the same verdicts and
the same test case names as the run that recorded it.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .body import DEFAULT_MAX_BODY
from .checks import CHECKS, CheckViolation, run_checks
from .errors import UsageError
from .probe import ProbeRequest, ProbeSettings, redactor_of, send_all
from .recording import CassetteWriter, Exchange, load
from .redact import Redactor

if TYPE_CHECKING:
    from .contract import Contract
    from .interrupt import Interrupts
    from .spec import Operation

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
    expected: bool = True  # the status is one the probe means to reach
    error_kind: str = ""  # network | status | body | internal (errors only)


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
    planned: int = 0  # probes the run meant to finish
    interrupted: str = ""  # the signal that stopped it early: SIGINT | SIGTERM
    token: bool | None = None  # a live run: was a token configured?
    # What no report may show (the token, secret values): every writer uses it.
    redactor: Redactor = field(default_factory=Redactor, repr=False)

    def count(self, outcome: str) -> int:
        return sum(r.outcome == outcome for r in self.results)

    @property
    def exit_code(self) -> int:
        """130/143 interrupted; 1 failures; 3 errors, or no expected status; 0."""
        if self.interrupted:
            return 128 + int(getattr(signal.Signals, self.interrupted, 2))
        if self.count(FAILED):
            return 1
        if self.count(ERROR) or not any(r.expected for r in self.results):
            return 3
        return 0


def expected_statuses(exchange: Exchange, op: Operation) -> tuple[str, ...]:
    """What the probe means to reach: its `expect`, else the documented 2xx.

    An operation documenting no 2xx expects any documented status.
    """
    given = exchange.extra.get("expect")
    if given:
        return tuple(str(s).upper() for s in given)
    found = tuple(k for k in op.responses if k.startswith("2"))
    return found or tuple(op.responses)


def status_matches(status: int, keys: Iterable[str]) -> bool:
    """Whether `status` is one of `keys` (`200`, a range `2XX`, or `default`)."""
    text = str(status)
    for key in keys:
        if key in (text, "DEFAULT") or (
            len(key) == 3 and key.endswith("XX") and key[0] == text[0]
        ):
            return True
    return False


def _unexpected(status: int, expected: tuple[str, ...]) -> str:
    listed = ", ".join(expected)
    text = f"expected status {listed}, received {status} (documented, but not the "
    text += "response this probe is meant to test)"
    if status in (401, 403):
        return (
            text
            + ": the API refused the credential; check token_env / "
            + ("--token-env names a variable holding a valid token")
        )
    return text + f"; if {status} is what it should get, set expect = [{status}]"


def judge(
    exchange: Exchange,
    contract: Contract,
    checks: list[str] | None,
    drift: bool,
) -> ProbeResult:
    """The verdict on one exchange; a failure of our own never escapes it.

    Anything that goes wrong while checking (a huge or deeply nested body, memory,
    a check's bug) becomes this probe's error, and the run goes on.
    """
    try:
        return _judge(exchange, contract, checks, drift)
    except Exception as exc:  # noqa: BLE001 - one probe never ends the run
        return _result(exchange, (), "", _internal(exc), kind="internal")


def _internal(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "out of memory while checking this body (lower --max-body-size)"
    if isinstance(exc, RecursionError):
        return "the body nests too deeply to check"
    return (
        f"checking this probe failed ({type(exc).__name__}: {str(exc)[:200]}); "
        "please report it with the response that caused it"
    )


def _judge(
    exchange: Exchange,
    contract: Contract,
    checks: list[str] | None,
    drift: bool,
) -> ProbeResult:
    op = contract.operation(exchange.operation_id)
    found: list[CheckViolation] = []
    branch = ""
    error = exchange.error or ""
    kind = "network"
    expected = False
    if exchange.answered:
        assert exchange.status is not None
        exhausted = exchange.extra.get("retries_exhausted")
        if exhausted and str(exchange.status) not in op.responses:
            error = (
                f"no usable answer: status {exchange.status} after "
                f"{exchange.attempts} attempt(s)"
            )
        else:
            found, branch = run_checks(exchange, op, contract, checks, drift=drift)
            wanted = expected_statuses(exchange, op)
            expected = status_matches(exchange.status, wanted)
            documented = op.response_for(exchange.status) is not None
            if not expected and documented:
                error, kind = _unexpected(exchange.status, wanted), "status"
    elif not error:
        error = "no answer"
    elif error.startswith("body larger than"):
        kind = "body"
    return _result(exchange, found, branch, error, kind=kind, expected=expected)


def _result(
    exchange: Exchange,
    found: Iterable[CheckViolation],
    branch: str,
    error: str,
    *,
    kind: str,
    expected: bool = False,
) -> ProbeResult:
    failures = tuple(v for v in found if not v.warning)
    warnings = tuple(v for v in found if v.warning)
    # A broken contract outranks an unexpected status: the body is still wrong.
    outcome = FAILED if failures else ERROR if error else PASSED
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
        error=error if outcome == ERROR else "",
        branch=branch,
        retries=tuple(exchange.extra.get("retries", ())),
        stream=_stream_summary(exchange),
        expected=expected,
        error_kind=kind if outcome == ERROR else "",
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
Observer = Callable[[ProbeResult], None]


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
    observe: Observer | None = None,
    interrupts: Interrupts | None = None,
) -> RunResult:
    """Send every request, check every answer; record cassettes if asked.

    `observe` sees each result as it is made (the journal). With `interrupts`, a
    first signal stops the run early: the result holds what finished, marked
    interrupted, and the cassette is published with those exchanges.
    """
    chosen = _chosen(checks)
    redactor = redactor_of(settings)
    run = RunResult(
        "live", contract.source, target, planned=len(requests), redactor=redactor
    )
    run.token = settings.auth is not None
    writer = CassetteWriter(record, redactor=redactor) if record is not None else None
    if writer is not None and interrupts is not None:
        interrupts.keep(writer.salvage)
    started = time.perf_counter()

    def handle(exchange: Exchange) -> None:
        if writer is not None:
            writer.write(exchange)
        result = judge(exchange, contract, chosen, drift)
        result = redactor.learned_from(exchange).data(result)
        run.results.append(result)
        if observe is not None:
            observe(result)
        if progress is not None:
            progress(len(requests), run)

    stop = interrupts.stop if interrupts is not None else None
    try:
        send_all(requests, settings, handle, stop=stop)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if writer is not None:
        writer.close()
    if interrupts is not None and interrupts.signal is not None:
        run.interrupted = interrupts.name
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
    observe: Observer | None = None,
    max_body_size: int = DEFAULT_MAX_BODY,
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
    exchanges = list(load(location, max_body_size))
    if not exchanges:  # an empty recording proves nothing: never a green run
        raise UsageError(f"{location}: the cassettes hold no exchange to replay")
    run.planned = len(exchanges)
    for number, exchange in enumerate(exchanges):
        # Several cassette files may each count from 0: keep their order, renumbered.
        result = _renumbered(judge(exchange, contract, chosen, drift), number)
        result = redactor.learned_from(exchange).data(result)
        run.results.append(result)
        if observe is not None:
            observe(result)
        if progress is not None:
            progress(len(exchanges), run)
    run.duration = time.perf_counter() - started
    return run


def _renumbered(result: ProbeResult, index: int) -> ProbeResult:
    return result if result.index == index else replace(result, index=index)
