"""Exchanges and cassettes: what one probe sent and received, redacted, on disk.

An `Exchange` is the frozen snapshot of one probe: the request line and headers, the
response status, headers and body (or the reason there was no answer), the timing and
the number of attempts. The runner checks exchanges; it never sees an httpx object,
so a recorded exchange replays through exactly the same checks as a live one.

Cassette format (version 1): a directory of `*.jsonl` files, one JSON object per line,
one line per exchange, in probe order::

    {"cassette": 1, "index": 0, "name": "getJob[jobId=…]", "operation": "getJob",
     "params": {"jobId": "…"}, "request": {"method": "GET", "url": "…",
     "headers": [["authorization", "Token [REDACTED]"], …]},
     "response": {"status": 200, "headers": [[…]], "body": "…"} | null,
     "error": null | "ConnectError: …", "elapsed": 0.0123, "attempts": 1}

A body that is not UTF-8 is stored as `"body_base64"` instead of `"body"`. Secrets are
redacted before anything is written (`redact()`): Authorization, Proxy-Authorization,
Cookie and Set-Cookie, every header listed as secret, and every occurrence of a secret
value (the API token, listed values) in the URL, any header or the body.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from .body import DEFAULT_MAX_BODY, format_size
from .errors import UsageError
from .linefile import LineFile
from .redact import ALWAYS_SECRET_HEADERS, Redactor
from .redact import REDACTED as REDACTED  # re-exported: cassettes show it

CASSETTE_VERSION = 1
ALWAYS_SECRET = ALWAYS_SECRET_HEADERS

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Exchange:
    """One probe: request, response (None when there was no answer), timing."""

    index: int  # position in the run; reports keep this order
    name: str  # the test case name, `getJob[jobId=…]`
    operation_id: str
    params: Mapping[str, str]
    method: str
    url: str
    request_headers: Headers = ()
    status: int | None = None  # None: no answer (see `error`)
    response_headers: Headers = ()
    body: bytes = b""
    elapsed: float = 0.0  # seconds, the last attempt
    attempts: int = 1
    error: str | None = None  # why there is no answer: "ReadTimeout after 3 attempts"
    extra: Mapping[str, Any] = field(default_factory=dict)  # e.g. retry notes

    @property
    def answered(self) -> bool:
        return self.status is not None and self.error is None

    def header(self, name: str) -> str | None:
        """The first response header called `name` (case-insensitive)."""
        lowered = name.lower()
        for key, value in self.response_headers:
            if key.lower() == lowered:
                return value
        return None

    @property
    def content_type(self) -> str:
        return self.header("content-type") or ""


# -- redaction -------------------------------------------------------------------


def redact(
    exchange: Exchange,
    secret_headers: Iterable[str] = (),
    secret_values: Iterable[str] = (),
    *,
    body: bool = True,
    redactor: Redactor | None = None,
) -> Exchange:
    """A copy with credentials replaced by `[REDACTED]` everywhere they can appear.

    `body=False` leaves the response body as received: the checks judge what the
    API sent, and the body is redacted when it is written (CassetteWriter).
    """
    known = Redactor(secret_values, secret_headers)
    if redactor is not None:
        known = known.merged(redactor)
    clean: Exchange = known.data(exchange, keep=() if body else ("body",))
    return clean


def scrub(text: str, secret_values: Iterable[str]) -> str:
    """`text` with every secret value replaced by `[REDACTED]`."""
    return Redactor(secret_values).text(text)


# -- cassettes ---------------------------------------------------------------------


def to_json(exchange: Exchange) -> dict[str, Any]:
    """The cassette line of one exchange (call `redact` first)."""
    response: dict[str, Any] | None = None
    if exchange.status is not None:
        response = {
            "status": exchange.status,
            "headers": _pairs(exchange.response_headers),
        }
        try:
            response["body"] = exchange.body.decode("utf-8")
        except UnicodeDecodeError:
            response["body_base64"] = base64.b64encode(exchange.body).decode("ascii")
    line: dict[str, Any] = {
        "cassette": CASSETTE_VERSION,
        "index": exchange.index,
        "name": exchange.name,
        "operation": exchange.operation_id,
        "params": dict(exchange.params),
        "request": {
            "method": exchange.method,
            "url": exchange.url,
            "headers": _pairs(exchange.request_headers),
        },
        "response": response,
        "error": exchange.error,
        "elapsed": round(exchange.elapsed, 6),
        "attempts": exchange.attempts,
    }
    if exchange.extra:
        line["extra"] = dict(exchange.extra)
    return line


def from_json(line: Mapping[str, Any], where: str = "cassette") -> Exchange:
    """An exchange from one cassette line; a bad line is a UsageError naming it."""
    try:
        if line.get("cassette") != CASSETTE_VERSION:
            raise ValueError(f"unsupported cassette version {line.get('cassette')!r}")
        request = line["request"]
        response = line.get("response")
        status = body = None
        headers: Headers = ()
        if response is not None:
            status = response["status"]
            if type(status) is not int or not 100 <= status <= 599:
                raise ValueError(f"status must be an HTTP status code, not {status!r}")
            headers = _headers(response.get("headers", []))
            if "body_base64" in response:
                body = base64.b64decode(response["body_base64"], validate=True)
            else:
                body = str(response.get("body", "")).encode("utf-8")
        return Exchange(
            index=int(line["index"]),
            name=str(line["name"]),
            operation_id=str(line["operation"]),
            params={str(k): str(v) for k, v in (line.get("params") or {}).items()},
            method=str(request["method"]),
            url=str(request["url"]),
            request_headers=_headers(request.get("headers", [])),
            status=status,
            response_headers=headers,
            body=body or b"",
            elapsed=_seconds(line.get("elapsed", 0.0)),
            attempts=int(line.get("attempts", 1)),
            error=line.get("error"),
            extra=dict(line.get("extra") or {}),
        )
    except (KeyError, TypeError, ValueError, AttributeError, binascii.Error) as exc:
        detail = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
        raise UsageError(f"{where}: not a cassette line: {detail}") from None


def _seconds(value: Any) -> float:
    seconds = float(value)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"elapsed must be a number of seconds, not {value!r}")
    return seconds


def _pairs(headers: Headers) -> list[list[str]]:
    return [[k, v] for k, v in headers]


def _headers(raw: Any) -> Headers:
    return tuple((str(k), str(v)) for k, v in raw)


class CassetteWriter:
    """Streams redacted exchanges to `DIR/<name>.jsonl`; the file appears whole.

    Lines go to a temporary file beside the target as they come (memory stays flat
    for long runs) and `close()` renames it onto the target: a crash leaves the old
    cassette, never half a new one. `salvage()` (a second signal) publishes the
    whole lines written so far. Lines are in completion order; `load` sorts.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        name: str = "exchanges",
        *,
        secret_headers: Iterable[str] = (),
        secret_values: Iterable[str] = (),
        redactor: Redactor | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.path = self.directory / f"{name}.jsonl"
        self.redactor = Redactor(secret_values, secret_headers)
        if redactor is not None:
            self.redactor = self.redactor.merged(redactor)
        self._file = LineFile(self.path)

    @property
    def count(self) -> int:
        return self._file.count

    def write(self, exchange: Exchange) -> None:
        known = self.redactor.learned_from(exchange)
        line = json.dumps(to_json(known.data(exchange)), ensure_ascii=False)
        # The line once more as text: a form the fields did not show (a secret
        # split between JSON escapes) is caught in what is actually written.
        self._file.write_line(known.text(line))

    def close(self) -> None:
        """Publish the cassette (atomic rename)."""
        self._file.close()

    def salvage(self) -> None:
        """Publish the whole lines written so far (safe in a signal handler)."""
        self._file.salvage()

    def abort(self) -> None:
        """Drop what was written; the previous cassette (if any) stays."""
        self._file.abort()

    def __enter__(self) -> CassetteWriter:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def cassette_files(location: str | os.PathLike[str]) -> list[Path]:
    """The cassette files at `location`: a .jsonl file, or every one in a directory
    and its subfolders (`recordings/` finds `recordings/getjob/*.jsonl`), in path
    order; hidden files and folders (temporary cassettes) are skipped."""
    path = Path(location)
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*.jsonl")
            if p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
        if files:
            return files
        raise UsageError(
            f"{path}: no cassettes (*.jsonl) in this directory or its subfolders"
        )
    raise UsageError(f"{path}: no such cassette file or directory")


def load(
    location: str | os.PathLike[str], max_body_size: int = DEFAULT_MAX_BODY
) -> Iterator[Exchange]:
    """Every exchange recorded at `location`, in probe order within each file.

    A bad line is a UsageError naming the file and line (`x.jsonl:3: ...`); a last
    line cut short (a copy or a run that stopped mid-write) says so. A body over
    `max_body_size` (decoded bytes) becomes that exchange's error, as in a live run;
    a line too long to hold such a body is refused, naming it. Lines are read one
    at a time, never the whole file.
    """
    # A body is stored as JSON text (escapes up to 6x, base64 4/3): room for that.
    limit = 6 * max_body_size + 65536
    for path in cassette_files(location):
        exchanges = []
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise UsageError(f"{path}: cannot read cassette: {exc.strerror}") from None
        with handle:
            for number, (raw, cut) in enumerate(_lines(handle, path, limit), 1):
                if not raw.strip():
                    continue
                where = f"{path}:{number}"
                if raw is _TOO_LONG:
                    raise UsageError(
                        f"{where}: line longer than a body of "
                        f"{format_size(max_body_size)} can take (raise "
                        "--max-body-size to replay it)"
                    )
                line = _line(raw, where, cut)
                exchanges.append(_capped(from_json(line, where), max_body_size))
        exchanges.sort(key=lambda e: e.index)
        yield from exchanges


_TOO_LONG = b"\0too long\0"


def _lines(handle: IO[bytes], path: Path, limit: int) -> Iterator[tuple[bytes, bool]]:
    """Each line of `handle` (read up to `limit` bytes, else `_TOO_LONG`) and
    whether it is a last line without its newline (cut short)."""
    try:
        while True:
            raw = handle.readline(limit)
            if not raw:
                return
            if len(raw) >= limit and not raw.endswith(b"\n"):
                while True:  # skip the rest of the line without holding it
                    rest = handle.readline(limit)
                    if not rest or rest.endswith(b"\n"):
                        break
                yield _TOO_LONG, False
                continue
            yield raw.removesuffix(b"\n"), not raw.endswith(b"\n")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read cassette: {exc.strerror}") from None


def _line(raw: bytes, where: str, cut: bool) -> dict[str, Any]:
    """One cassette line parsed, or a UsageError naming it."""
    hint = " (the file ends mid-line: truncated? record it again)" if cut else ""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{where}: not UTF-8 text at column {exc.start + 1}{hint}"
        ) from None
    try:
        line = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{where}:{exc.colno}: not JSON ({exc.msg.removesuffix(' at')}){hint}"
        ) from None
    except ValueError:  # an integer longer than Python reads (4,300 digits)
        raise UsageError(
            f"{where}: not a cassette line: a number of more than 4300 digits"
        ) from None
    if not isinstance(line, dict):
        raise UsageError(f"{where}: not a cassette line: expected an object")
    return line


def _capped(exchange: Exchange, cap: int) -> Exchange:
    if len(exchange.body) <= cap:
        return exchange
    return replace(
        exchange,
        body=b"",
        error=f"body larger than {format_size(cap)}, read stopped",
    )
