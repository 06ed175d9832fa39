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
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .checks import CHECKS, CheckViolation, run_checks
from .coverage import Tracker
from .errors import UsageError
from .probe import ProbeRequest, ProbeSettings, probe_name, redactor_of, send_all
from .probe import unique_name as _unique_name
from .recording import CassetteWriter, Exchange
from .redact import REDACTED, Redactor
from .routes import Router
from .traffic import load_traffic

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
    excerpt: str = ""  # the start of a failing body, redacted, for the HTML report


@dataclass(frozen=True, slots=True)
class Unmatched:
    """A replayed request no documented operation matches: counted, listed apart."""

    method: str
    url: str
    status: int | None
    reason: str  # "no path template of the spec matches /v2/health"
    source: str = ""  # "traffic.har (log.entries[4])"


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
    unmatched: list[Unmatched] = field(default_factory=list)
    unmatched_fail: bool = False  # `--unmatched fail`: an unmatched request fails
    coverage: dict[str, Any] | None = None  # coverage.Tracker.to_json()
    # What no report may show (the token, secret values): every writer uses it.
    redactor: Redactor = field(default_factory=Redactor, repr=False)

    def count(self, outcome: str) -> int:
        return sum(r.outcome == outcome for r in self.results)

    @property
    def exit_code(self) -> int:
        if self.count(FAILED) or (self.unmatched_fail and self.unmatched):
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
    )


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
    tracker = Tracker(contract)
    started = time.perf_counter()

    def handle(exchange: Exchange) -> None:
        if writer is not None:
            writer.write(exchange)
        result = judge(exchange, contract, chosen, drift)
        run.results.append(_reported(result, exchange, redactor))
        tracker.observe(exchange, contract.operation(exchange.operation_id))
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
    run.coverage = tracker.to_json()
    return run


def run_replay(
    contract: Contract,
    location: str | os.PathLike[str],
    *,
    checks: Iterable[str] | None = None,
    drift: bool = True,
    progress: Progress | None = None,
    redactor: Redactor | None = None,
    base_url: str | None = None,
    unmatched_fail: bool = False,
) -> RunResult:
    """The same checks on recorded exchanges, offline.

    `location` is a folder (searched recursively) or one file: our cassettes, HAR
    files, vcrpy cassettes. Foreign exchanges get their operation by route matching
    (`base_url` narrows them to one host and gives the base path); a request no
    operation matches is listed in `RunResult.unmatched`, never judged.
    `redactor` knows the secrets of the project (a cassette written by this tool
    holds none; one from elsewhere might).
    """
    chosen = _chosen(checks)
    redactor = redactor or Redactor()
    run = RunResult(
        "replay",
        contract.source,
        redactor.text(str(location)),
        redactor=redactor,
        unmatched_fail=unmatched_fail,
    )
    started = time.perf_counter()
    loaded = load_traffic(location, base_url)
    if not loaded:  # an empty recording proves nothing: never a green run
        sent = f" sent to {base_url} (--base-url)" if base_url else ""
        raise UsageError(f"{location}: the cassettes hold no exchange{sent} to replay")
    exchanges = _routed(contract, loaded, base_url, run.unmatched)
    if not exchanges:  # nothing judged is never a green run either
        first = run.unmatched[0] if run.unmatched else None
        detail = (
            f" (first: {first.method} {first.url}: {first.reason})" if first else ""
        )
        raise UsageError(
            redactor.text(
                f"{location}: no request matches an operation of {contract.source}"
                f"{detail}; if the API is served under a base path, pass --base-url"
            )
        )
    tracker = Tracker(contract)
    for number, exchange in enumerate(exchanges):
        # Several cassette files may each count from 0: keep their order, renumbered.
        result = _renumbered(judge(exchange, contract, chosen, drift), number)
        run.results.append(_reported(result, exchange, redactor))
        tracker.observe(exchange, contract.operation(exchange.operation_id))
        if progress is not None:
            progress(len(exchanges), run)
    run.duration = time.perf_counter() - started
    run.coverage = tracker.to_json()
    return run


def _routed(
    contract: Contract,
    exchanges: list[Exchange],
    base_url: str | None,
    unmatched: list[Unmatched],
) -> list[Exchange]:
    """Our cassettes as they are; foreign exchanges named by their matched route."""
    router: Router | None = None
    seen: dict[str, int] = {}
    out = []
    for exchange in exchanges:
        if exchange.operation_id:
            out.append(exchange)
            continue
        if router is None:
            router = Router.for_spec(contract.spec, base_url)
        exchange = _cleaned(exchange)
        found = router.match(exchange.method, exchange.url)
        if found is None and _preflight(exchange):
            continue  # a browser's CORS preflight is not a call of the API
        if found is None:
            unmatched.append(
                Unmatched(
                    exchange.method,
                    exchange.url,
                    exchange.status,
                    router.why_unmatched(exchange.method, exchange.url),
                    str(exchange.extra.get("source", "")),
                )
            )
            continue
        op_id = found.operation.operation_id
        name = _unique_name(probe_name(op_id, found.params), seen)
        out.append(
            replace(exchange, operation_id=op_id, params=dict(found.params), name=name)
        )
    return out


def _preflight(exchange: Exchange) -> bool:
    return exchange.method.upper() == "OPTIONS" and any(
        k.lower() == "access-control-request-method"
        for k, _ in exchange.request_headers
    )


# -- what reports may show: redact.py does the redacting --------------------------

MAX_EXCERPT = 400  # characters of a failing body kept for the HTML report
_EXCERPT_SOURCE = 64 * 1024  # bytes of the body redacted before it is cut
_SECRET_QUERY = re.compile(
    r"(?i)token|key|secret|passw|signature|^sig$|auth|session|credential"
)


def _reported(
    result: ProbeResult, exchange: Exchange, redactor: Redactor
) -> ProbeResult:
    """The result as reports may show it: the redactor (plus the credentials this
    exchange sent) applied; a failing body's excerpt redacted whole, then cut."""
    clean = redactor.learned_from(exchange)
    shown: ProbeResult = clean.data(result)
    if result.outcome != FAILED or not exchange.body:
        return shown
    text = exchange.body[:_EXCERPT_SOURCE].decode("utf-8", "replace")
    return replace(shown, excerpt=clean.excerpt(text, MAX_EXCERPT))


def _cleaned(exchange: Exchange) -> Exchange:
    """A foreign exchange's URL without values of query parameters named like a
    credential (`?api_key=…`, `?access_token=…`): the redactor cannot know them."""
    parts = urlsplit(exchange.url)
    if not parts.query:
        return exchange
    query = [
        (k, REDACTED if _SECRET_QUERY.search(k) else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    url = urlunsplit(parts._replace(query=urlencode(query, safe="[]")))
    return replace(exchange, url=url)


def _renumbered(result: ProbeResult, index: int) -> ProbeResult:
    return result if result.index == index else replace(result, index=index)
