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
import re
import signal
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .body import DEFAULT_MAX_BODY
from .checks import CHECKS, CheckViolation, run_checks
from .coverage import Tracker
from .errors import UsageError
from .probe import ProbeRequest, ProbeSettings, probe_name, redactor_of, send_all
from .probe import unique_name as _unique_name
from .recording import CassetteWriter, Exchange
from .redact import REDACTED, Redactor
from .routes import Router
from .streamwatch import ItemReport, ItemWatch
from .traffic import load_traffic

if TYPE_CHECKING:
    from .contract import Contract
    from .interrupt import Interrupts
    from .model import Violation
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
    planned: int = 0  # probes the run meant to finish
    interrupted: str = ""  # the signal that stopped it early: SIGINT | SIGTERM
    token: bool | None = None  # a live run: was a token configured?
    unmatched: list[Unmatched] = field(default_factory=list)
    unmatched_fail: bool = False  # `--unmatched fail`: an unmatched request fails
    coverage: dict[str, Any] | None = None  # coverage.Tracker.to_json()
    # What no report may show (the token, secret values): every writer uses it.
    redactor: Redactor = field(default_factory=Redactor, repr=False)

    def count(self, outcome: str) -> int:
        return sum(r.outcome == outcome for r in self.results)

    @property
    def exit_code(self) -> int:
        """130/143 interrupted; 1 failures; 3 errors, or no expected status; 0."""
        if self.interrupted:
            return 128 + int(getattr(signal.Signals, self.interrupted, 2))
        if self.count(FAILED) or (self.unmatched_fail and self.unmatched):
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


ITEM_CHECK = "stream_items_match_schema"  # what the live item watch reports early
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
    on_item: ItemReport | None = None,
) -> RunResult:
    """Send every request, check every answer; record cassettes if asked.

    `observe` sees each result as it is made (the journal). `on_item` sees each
    violation of a streamed item as soon as the item arrives (redacted), before
    its probe's result: the stream may still be open. With `interrupts`, a
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
    tracker = Tracker(contract)
    started = time.perf_counter()

    def handle(exchange: Exchange) -> None:
        if writer is not None:
            writer.write(exchange)
        result = _reported(judge(exchange, contract, chosen, drift), exchange, redactor)
        run.results.append(result)
        tracker.observe(exchange, contract.operation(exchange.operation_id))
        if observe is not None:
            observe(result)
        if progress is not None:
            progress(len(requests), run)

    stop = interrupts.stop if interrupts is not None else None
    watch = None
    if on_item is not None and (chosen is None or ITEM_CHECK in chosen):
        report = on_item

        def redacted(name: str, violation: Violation) -> None:
            report(name, redactor.data(violation))

        watch = ItemWatch(contract, redacted)
    try:
        send_all(requests, settings, handle, stop=stop, watch=watch)
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
    run.coverage = tracker.to_json()
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
    loaded = load_traffic(location, base_url, max_body_size)
    if not loaded:  # an empty recording proves nothing: never a green run
        sent = f" sent to {base_url} (--base-url)" if base_url else ""
        raise UsageError(f"{location}: the cassettes hold no exchange{sent} to replay")
    exchanges = routed(contract, loaded, base_url, run.unmatched)
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
    run.planned = len(exchanges)
    tracker = Tracker(contract)
    for number, exchange in enumerate(exchanges):
        # Several cassette files may each count from 0: keep their order, renumbered.
        result = _renumbered(judge(exchange, contract, chosen, drift), number)
        result = _reported(result, exchange, redactor)
        run.results.append(result)
        tracker.observe(exchange, contract.operation(exchange.operation_id))
        if observe is not None:
            observe(result)
        if progress is not None:
            progress(len(exchanges), run)
    run.duration = time.perf_counter() - started
    run.coverage = tracker.to_json()
    return run


def routed(
    contract: Contract,
    exchanges: list[Exchange],
    base_url: str | None,
    unmatched: list[Unmatched],
    router: Router | None = None,
) -> list[Exchange]:
    """Our cassettes as they are; foreign exchanges named by their matched route
    (`router`: one already built for `contract` and `base_url`, to share it).

    Foreign traffic was not planned to reach one status: every documented status
    is one it may get (`expect`), so a 404 the browser got is judged, not an error.
    """
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
        op = found.operation
        name = _unique_name(probe_name(op.operation_id, found.params), seen)
        extra = {**exchange.extra, "expect": list(op.responses)}
        out.append(
            replace(
                exchange,
                operation_id=op.operation_id,
                params=dict(found.params),
                name=name,
                extra=extra,
            )
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
