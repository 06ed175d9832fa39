"""Probing: build requests from the spec, send them with httpx, snapshot `Exchange`s.

`plan_requests()` turns (operationId, parameters) pairs into `ProbeRequest`s: path,
query and header parameters are filled from the operation's parameter definitions;
a missing required or unknown parameter is a `UsageError` naming it. `send_all()`
sends them with one `httpx.AsyncClient` (connection reuse), at most `concurrency`
at a time, at most `rate_limit` attempts per second, each attempt bounded by
`timeout` seconds, retrying with exponential backoff on connection errors and on
429 (honouring `Retry-After`), 502, 503 and 504. Each probe ends as one redacted
`Exchange` handed to a callback: the token never leaves this module in clear.

httpx is imported inside functions so that importing the package stays cheap.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

from .body import DEFAULT_MAX_BODY, BodyTooLarge, DecodeError, read_body
from .errors import UsageError
from .recording import Exchange, redact
from .redact import Redactor
from .streamprobe import ItemHook, StreamLimits, StreamRead, read_stream
from .streams import is_sequential

if TYPE_CHECKING:
    import httpx

    from .contract import Contract
    from .spec import Operation

RETRY_STATUSES = frozenset({429, 502, 503, 504})
AUTH_SCHEMES = ("Bearer", "Token")
USER_AGENT = "conformance/0.1 (+probe)"


@dataclass(frozen=True, slots=True)
class ProbeRequest:
    """One planned probe: everything needed to send it and to name it."""

    index: int
    name: str  # getJob[jobId=…]
    operation_id: str
    params: Mapping[str, str]
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    expect: tuple[str, ...] = ()  # statuses the probe means to reach; (): any 2xx


@dataclass(frozen=True, slots=True)
class ProbeSettings:
    """How to send: limits, retries and the credential (never written anywhere)."""

    timeout: float = 10.0  # seconds per attempt, whole request
    retries: int = 2  # extra attempts after the first
    concurrency: int = 4
    rate_limit: float = 0.0  # attempts per second; 0 = unlimited
    backoff: float = 0.25  # first retry delay, doubled each time
    max_backoff: float = 10.0
    max_retry_after: float = 60.0  # a longer Retry-After ends the retries
    auth: tuple[str, str] | None = None  # (header, value), e.g. Authorization
    secret_headers: tuple[str, ...] = ()
    secret_values: tuple[str, ...] = ()  # redacted wherever they appear
    verify: bool = True
    stream: StreamLimits = StreamLimits()  # streamed bodies (SSE, JSON Lines)
    max_body_size: int = DEFAULT_MAX_BODY  # decoded bytes of one body


# Given a probe and its answer's status and Content-Type, the hook that judges each
# streamed item as it arrives (None: not judged early). The runner supplies it.
Watch = Callable[[ProbeRequest, int, str], ItemHook | None]


def probe_name(operation_id: str, params: Mapping[str, str]) -> str:
    """The test case name: `getJob[jobId=…]` (parameters in the order given)."""
    inner = ",".join(f"{k}={v}" for k, v in params.items())
    return f"{operation_id}[{inner}]"


def check_base_url(url: str, where: str = "--base-url") -> str:
    """`url` if it is an absolute http(s) URL with a host, else a UsageError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"{where}: {url!r} is not an http(s) URL with a host "
            "(e.g. https://api.example.com)"
        )
    if parts.query or parts.fragment:
        raise UsageError(f"{where}: {url!r} must not carry a query or fragment")
    if parts.username or parts.password:
        raise UsageError(
            f"{where}: credentials in the URL would be written to reports and "
            "cassettes; pass the token with --token-env / token_env instead"
        )
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 0 < port < 65536:
        raise UsageError(
            f"{where}: the port of {url!r} is not a number from 1 to 65535"
        )
    return url.rstrip("/")


def plan_requests(
    contract: Contract,
    probes: Iterable[tuple[Any, ...]],
    base_url: str,
    auth: tuple[str, str] | None = None,
    *,
    expect: Sequence[str] = (),
) -> Iterator[ProbeRequest]:
    """Requests for (operationId, params[, expect]) tuples; bad ones raise UsageError.

    `expect` lists the statuses every probe means to reach unless its own tuple
    names some (default: the operation's documented 2xx, decided by the runner).
    """
    base = check_base_url(base_url)
    prefix = contract.spec.base_path  # a Swagger 2.0 basePath
    if prefix and not urlsplit(base).path.endswith(prefix):
        base += prefix
    seen: dict[str, int] = {}
    default = tuple(str(s).upper() for s in expect)
    for index, probe in enumerate(probes):
        op_id, params = probe[0], probe[1]
        own = probe[2] if len(probe) > 2 else ()
        op = contract.operation(op_id)
        request = _request(op, index, dict(params), base, auth)
        name = unique_name(request.name, seen)
        wanted = tuple(str(s).upper() for s in own) if own else default
        if name != request.name or wanted:
            request = replace(request, name=name, expect=wanted)
        yield request


def unique_name(name: str, seen: dict[str, int]) -> str:
    """`name`, or `name#2`, `name#3`… when it came before: report test cases (and
    pytest node ids) must be unique, or CI reporters merge them."""
    seen[name] = seen.get(name, 0) + 1
    return name if seen[name] == 1 else f"{name}#{seen[name]}"


def _request(
    op: Operation,
    index: int,
    params: dict[str, str],
    base: str,
    auth: tuple[str, str] | None,
) -> ProbeRequest:
    defined = {p.name: p for p in op.parameters if p.where != "body"}
    name = probe_name(op.operation_id, params)
    for key in params:
        if key not in defined:
            known = ", ".join(sorted(defined)) or "none"
            raise UsageError(
                f"{name}: {op.operation_id} has no parameter {key!r} "
                f"(parameters: {known})"
            )
    for p in op.parameters:
        if p.required and p.name not in params:
            raise UsageError(
                f"{name}: missing required {p.where} parameter {p.name!r} of "
                f"{op.operation_id} (pass --param {p.name}=VALUE)"
            )
    path = op.path
    query: list[tuple[str, str]] = []
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for key, value in params.items():
        where = defined[key].where
        if where == "path":
            if value == "":
                raise UsageError(f"{name}: path parameter {key!r} is empty")
            path = path.replace("{" + key + "}", quote(value, safe=""))
        elif where == "query":
            query.append((key, value))
        elif where == "header":
            headers[key] = value
        elif where == "cookie":
            cookies.append(f"{key}={value}")
    if cookies:
        headers["Cookie"] = "; ".join(cookies)
    streams = sorted(
        {m for r in op.responses.values() for m in r.content if is_sequential(m)}
    )
    if streams:  # stream endpoints often answer only what Accept asks for
        headers["Accept"] = ", ".join([*streams, "application/json;q=0.9"])
    if auth is not None:
        headers[auth[0]] = auth[1]
    url = base + path + (f"?{urlencode(query)}" if query else "")
    return ProbeRequest(
        index, name, op.operation_id, params, op.method.upper(), url, headers
    )


def auth_header(
    contract: Contract, op: Operation, token: str, scheme: str | None = None
) -> tuple[str, str]:
    """The header carrying `token`: `--auth-scheme`, else the spec's first scheme.

    HTTP bearer → `Authorization: Bearer <t>`; an apiKey in the Authorization header
    → `Authorization: Token <t>` (Qovery's API tokens); an apiKey in another header
    → that header with the bare token.
    """
    if scheme is not None:
        if scheme not in AUTH_SCHEMES:
            raise UsageError(f"--auth-scheme must be one of {', '.join(AUTH_SCHEMES)}")
        return "Authorization", f"{scheme} {token}"
    data = contract.spec.root.data
    schemes = ((data.get("components") or {}).get("securitySchemes")) or {}
    for requirement in op.security:
        for name in requirement:
            found = schemes.get(name)
            if not isinstance(found, dict):
                continue
            kind = str(found.get("type", "")).lower()
            if kind == "http" and str(found.get("scheme", "")).lower() == "bearer":
                return "Authorization", f"Bearer {token}"
            if kind == "apikey" and found.get("in") == "header":
                header = str(found.get("name", "Authorization"))
                if header.lower() == "authorization":
                    return "Authorization", f"Token {token}"
                return header, token
    return "Authorization", f"Bearer {token}"


# -- sending -----------------------------------------------------------------------


class _RateLimiter:
    """Spaces attempts at least 1/rate seconds apart (one event loop, no lock)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_at = 0.0

    async def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        at = max(now, self.next_at)
        self.next_at = at + self.interval
        if at > now:
            await asyncio.sleep(at - now)


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _backoff(settings: ProbeSettings, attempt: int) -> float:
    delay = min(settings.max_backoff, settings.backoff * 2 ** (attempt - 1))
    return delay * (0.5 + random.random() / 2)  # jitter: retries do not align


async def _send_one(
    client: httpx.AsyncClient,
    request: ProbeRequest,
    settings: ProbeSettings,
    limiter: _RateLimiter,
    watch: Watch | None = None,
) -> Exchange:
    import httpx

    attempts = 1 + max(0, settings.retries)
    notes: list[str] = []
    sent_headers: tuple[tuple[str, str], ...] = ()
    streamed: StreamRead | None = None
    for attempt in range(1, attempts + 1):
        await limiter.wait()
        started = time.perf_counter()
        streamed = None
        response = None
        try:
            built = client.build_request(
                request.method, request.url, headers=dict(request.headers)
            )
            sent_headers = tuple(built.headers.multi_items())
            async with asyncio.timeout(settings.timeout):
                response = await client.send(built, stream=True)
                if not _is_stream(response):
                    try:
                        body = await read_body(response, settings.max_body_size)
                    finally:
                        await response.aclose()
            if _is_stream(response):  # read item by item, up to the stream limits
                ctype = response.headers.get("content-type", "")
                limits = replace(settings.stream, max_bytes=settings.max_body_size)
                # An answer that will be retried is not the probe's: not judged.
                status = response.status_code
                final = status not in RETRY_STATUSES or attempt == attempts
                hook = watch(request, status, ctype) if watch and final else None
                streamed = await read_stream(response, ctype, limits, hook)
                body = streamed.body
        except BodyTooLarge as exc:
            # Deterministic: another attempt would only read the same flood again.
            assert response is not None
            return _snapshot(
                request,
                settings,
                sent_headers,
                response,
                time.perf_counter() - started,
                attempt,
                error=str(exc),
                notes=notes,
            )
        except (
            httpx.HTTPError,
            httpx.InvalidURL,
            TimeoutError,
            MemoryError,
            DecodeError,
        ) as exc:
            # Any failure to get a usable answer (transport, decoding, redirects) is
            # this probe's error; it never takes the rest of the run down with it.
            elapsed = time.perf_counter() - started
            reason = _describe(exc, settings.timeout)
            if attempt < attempts:
                notes.append(f"attempt {attempt}: {reason}")
                await asyncio.sleep(_backoff(settings, attempt))
                continue
            return _snapshot(
                request,
                settings,
                sent_headers,
                None,
                elapsed,
                attempt,
                error=f"{reason} (after {attempt} attempt{'s' if attempt > 1 else ''})",
                notes=notes,
            )
        elapsed = time.perf_counter() - started
        if response.status_code in RETRY_STATUSES and attempt < attempts:
            wait = retry_after(response.headers.get("retry-after"))
            if wait is None or wait <= settings.max_retry_after:
                notes.append(f"attempt {attempt}: status {response.status_code}")
                await asyncio.sleep(
                    wait if wait is not None else _backoff(settings, attempt)
                )
                continue
            notes.append(
                f"attempt {attempt}: {response.status_code}, Retry-After {wait:g}s "
                f"exceeds {settings.max_retry_after:g}s"
            )
        return _snapshot(
            request,
            settings,
            sent_headers,
            response,
            elapsed,
            attempt,
            body=body,
            notes=notes,
            exhausted=response.status_code in RETRY_STATUSES,
            streamed=streamed,
        )
    raise AssertionError("unreachable: the loop returns on its last attempt")


def _is_stream(response: httpx.Response) -> bool:
    return is_sequential(response.headers.get("content-type", ""))


def _describe(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, TimeoutError) or type(exc).__name__.endswith("Timeout"):
        return f"timed out after {timeout:g}s ({type(exc).__name__})"
    if isinstance(exc, MemoryError):
        return "out of memory while reading the body (lower --max-body-size)"
    if isinstance(exc, DecodeError):
        return str(exc)
    text = str(exc) or "no answer"
    return f"{type(exc).__name__}: {text}"


def _snapshot(
    request: ProbeRequest,
    settings: ProbeSettings,
    sent_headers: tuple[tuple[str, str], ...],
    response: httpx.Response | None,
    elapsed: float,
    attempts: int,
    *,
    body: bytes = b"",
    error: str | None = None,
    notes: Sequence[str] = (),
    exhausted: bool = False,
    streamed: StreamRead | None = None,
) -> Exchange:
    extra: dict[str, Any] = {}
    if streamed is not None:
        extra["stream"] = streamed.extra()
    if request.expect:
        extra["expect"] = list(request.expect)
    if notes:
        extra["retries"] = list(notes)
    if exhausted:
        extra["retries_exhausted"] = True
    exchange = Exchange(
        index=request.index,
        name=request.name,
        operation_id=request.operation_id,
        params=dict(request.params),
        method=request.method,
        url=request.url,
        request_headers=sent_headers,
        status=response.status_code if response is not None else None,
        response_headers=tuple(response.headers.multi_items()) if response else (),
        body=body,
        elapsed=elapsed,
        attempts=attempts,
        error=error,
        extra=extra,
    )
    # Headers, URL and errors lose their secrets here; the body is judged as the API
    # sent it and redacted where it is written (cassettes, report text).
    return redact(exchange, body=False, redactor=redactor_of(settings))


def secrets_of(settings: ProbeSettings) -> list[str]:
    """The values never to write: the listed ones and the bare token."""
    secrets = list(settings.secret_values)
    if settings.auth is not None:
        secrets.append(settings.auth[1].split(" ", 1)[-1])
    return secrets


def redactor_of(settings: ProbeSettings) -> Redactor:
    """The redactor of a run: the token, the listed values and secret headers."""
    return Redactor(secrets_of(settings), settings.secret_headers)


def client_for(settings: ProbeSettings) -> httpx.AsyncClient:
    """One client for the whole run: keep-alive pool sized to the concurrency."""
    import httpx

    size = max(1, settings.concurrency)
    return httpx.AsyncClient(
        limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
        timeout=httpx.Timeout(settings.timeout),
        headers={
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            # only encodings read_body can stop at the cap while decoding
            "Accept-Encoding": "gzip, deflate",
        },
        follow_redirects=False,
        verify=settings.verify,
        trust_env=False,  # a proxy from the environment must not see the token
    )


class Stop:
    """A request to stop sending, from a signal handler or another thread.

    `bind(cancel)` is called by `send_all` once its workers run; `stop()` then
    cancels them (thread-safe). A stop that comes first cancels at bind time.
    """

    def __init__(self) -> None:
        self.requested = False
        self._cancel: Callable[[], None] | None = None

    def bind(self, cancel: Callable[[], None] | None) -> None:
        self._cancel = cancel
        if cancel is not None and self.requested:
            cancel()

    def stop(self) -> None:
        self.requested = True
        if self._cancel is not None:
            self._cancel()


async def _send_all(
    requests: Iterable[ProbeRequest],
    settings: ProbeSettings,
    handle: Callable[[Exchange], None],
    stop: Stop | None,
    watch: Watch | None = None,
) -> None:
    pending = iter(requests)
    limiter = _RateLimiter(settings.rate_limit)
    loop = asyncio.get_running_loop()
    # Checks run in one worker thread, off the event loop: a slow check never
    # delays another probe's reads, so a timeout measures the network, not our CPU.
    # One thread also keeps `handle` single-threaded (results, cassette, journal).
    checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="conformance-check")

    def off_loop(request: ProbeRequest, status: int, ctype: str) -> ItemHook | None:
        # Streamed items are judged in the same thread, queued in arrival order and
        # before their exchange's `handle`: the loop only hands each item over.
        try:
            hook = watch(request, status, ctype) if watch is not None else None
        except Exception:  # noqa: BLE001 - the verdict's own check will say why
            return None
        if hook is None:
            return None
        judge = hook
        return lambda item: _submit(checker, judge, item)

    try:
        async with client_for(settings) as client:

            async def worker() -> None:
                # Workers pull from one iterator and wait for their check: at most
                # `concurrency` exchanges exist at once, so memory stays flat.
                for request in pending:
                    if stop is not None and stop.requested:
                        return
                    exchange = await _send_one(
                        client, request, settings, limiter, off_loop
                    )
                    await loop.run_in_executor(checker, handle, exchange)

            async with asyncio.TaskGroup() as group:
                tasks = [
                    group.create_task(worker())
                    for _ in range(max(1, settings.concurrency))
                ]
                if stop is not None:
                    stop.bind(lambda: loop.call_soon_threadsafe(_cancel_all, tasks))
    finally:
        if stop is not None:
            stop.bind(None)
        # A check already running finishes (its probe is done); queued ones are not.
        checker.shutdown(wait=True, cancel_futures=True)


def _submit(checker: ThreadPoolExecutor, hook: ItemHook, item: Any) -> None:
    with contextlib.suppress(RuntimeError):  # shut down: the run is being stopped
        checker.submit(hook, item)


def _cancel_all(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()


def send_all(
    requests: Iterable[ProbeRequest],
    settings: ProbeSettings,
    handle: Callable[[Exchange], None],
    *,
    stop: Stop | None = None,
    watch: Watch | None = None,
) -> None:
    """Send every request (bounded concurrency) and hand each `Exchange` to `handle`.

    `handle` runs in a worker thread, one exchange at a time. `stop.stop()` ends
    the run early: nothing new is sent, in-flight probes are cancelled. `watch`
    gives a hook per streamed answer: each item is handed to it, in the same
    worker thread, as soon as it arrives (and before that exchange's `handle`).
    """
    try:
        asyncio.run(_send_all(requests, settings, handle, stop, watch))
    except BaseExceptionGroup as group:
        # A callback or planning error inside a worker: re-raise the first one as is.
        raise group.exceptions[0] from None


class Session:
    """One client on one event loop thread, kept for many sends (pytest live items).

    Building an `httpx.AsyncClient` costs tens of milliseconds (TLS context), so
    items of one pytest session (one per xdist worker) share this one. The loop runs
    in its own thread, so `prefetch` can send the next item's request while pytest
    reports the current one.
    """

    def __init__(self, settings: ProbeSettings) -> None:
        self.settings = settings
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="conformance-live", daemon=True
        )
        self._thread.start()
        self._client: httpx.AsyncClient | None = None
        self._limiter = _RateLimiter(settings.rate_limit)
        self._pending: dict[int, Future[Exchange]] = {}

    def prefetch(self, request: ProbeRequest) -> None:
        """Start sending `request` now; `send(request)` then collects its answer."""
        if request.index not in self._pending:
            self._pending[request.index] = asyncio.run_coroutine_threadsafe(
                self._send(request), self._loop
            )

    def send(self, request: ProbeRequest) -> Exchange:
        """The exchange of `request` (sent now, unless prefetched)."""
        self.prefetch(request)
        return self._pending.pop(request.index).result()

    async def _send(self, request: ProbeRequest) -> Exchange:
        if self._client is None:
            self._client = client_for(self.settings)
        return await _send_one(self._client, request, self.settings, self._limiter)

    def close(self) -> None:
        """Drop prefetched answers nobody asked for, close the client and the loop."""
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()

        async def shutdown() -> None:
            if self._client is not None:
                await self._client.aclose()
                self._client = None

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
