"""Response and payload bodies: the size cap, and bytes → JSON parsed exactly.

`parse_json(data)` reads a body as RFC 8259 JSON and nothing else: integers of any
length stay integers (Python's `int()` refuses more than 4,300 digits; a JSON
integer is not bounded, so long ones are built from their digits without that
limit), and `NaN`, `Infinity`, `-Infinity` (which `json.loads` accepts) are refused
at their line and column. A number too big for a float (`1e400`) is that exact
integer, never `inf` (which would read as "received null"). Exact numbers stop at
`MAX_DIGITS` digits (RFC 8259 lets a reader limit them): building a longer one
costs seconds, so it is refused at its position instead. Every failure is a
`JSONProblem` with a one-line reason, so a caller turns it into a `[json]`
violation or a payload error, never a crash.

`parse_size("64MiB")` reads a size flag; `DEFAULT_MAX_BODY` is the cap on the
decoded bytes of one body (live, replay and `validate` alike); `read_body` reads a
streamed response within it, gzip and deflate decoded by a bounded loop.
"""

from __future__ import annotations

import decimal
import functools
import json
import re
import zlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

DEFAULT_MAX_BODY = 64 * 1024 * 1024

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "kib": 1024,
    "m": 1000**2,
    "mb": 1000**2,
    "mib": 1024**2,
    "g": 1000**3,
    "gb": 1000**3,
    "gib": 1024**3,
}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*")
# A JSON string (skipped whole) or a constant JSON does not have.
_CONSTANT = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)', re.DOTALL)


class JSONProblem(ValueError):
    """Why a body is not JSON: `str(exc)` reads "not JSON: … at 3:14".

    `reason` is the text without the position; `line`/`column` are 1-based
    (None when the problem has no position, e.g. bytes that are not UTF-8).
    """

    def __init__(
        self, reason: str, line: int | None = None, column: int | None = None
    ) -> None:
        where = f" at {line}:{column}" if line is not None else ""
        super().__init__(reason + where)
        self.reason, self.line, self.column = reason, line, column


class BodyTooLarge(Exception):
    """A body went past the cap; the read stopped there."""

    def __init__(self, cap: int) -> None:
        super().__init__(f"body larger than {format_size(cap)}, read stopped")
        self.cap = cap


def parse_size(text: str) -> int:
    """Bytes from `64MiB`, `10m`, `512k`, `1048576`; ValueError when unreadable."""
    match = _SIZE.fullmatch(text)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise ValueError(f"{text!r} is not a size (e.g. 64MiB, 500k, 1048576)")
    size = int(float(match.group(1)) * _UNITS[unit])
    if size < 1:
        raise ValueError(f"{text!r} must be at least 1 byte")
    return size


def format_size(size: int) -> str:
    """`64 MiB`, `1.5 KiB`, `300 bytes`: a cap as a person reads it."""
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= factor:
            value = size / factor
            return f"{value:g} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


class LongInt(int):
    """An integer too long for `str()` (over 4,300 digits): it shows its length.

    Comparisons and arithmetic are those of `int`, so bounds such as int64's
    `maximum` judge it exactly; `repr`/`str` say "an integer of 5000 digits"
    instead of raising, so messages about it can be written. (The fast engine
    refuses this type, so such bodies take the exact Python path.)
    """

    digits: int

    def __repr__(self) -> str:
        return integer_of(self.digits, self < 0)

    __str__ = __repr__


MAX_DIGITS = 100_000  # the longest number read exactly (about 0.04 s to build)
# A JSON string (skipped whole) or a number.
_NUMBER = re.compile(r'"(?:[^"\\]|\\.)*"|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)', re.DOTALL)


class _TooLong(Exception):
    """A number that cannot be read exactly: `args` are its text and why."""


@functools.lru_cache(maxsize=64)
def _ten_to(power: int) -> int:
    return 10**power


def _digits_value(digits: str) -> int:
    """int(digits) for any length: halves joined, so it costs far less than
    int(Decimal(...)), which is quadratic (10 s for 400,000 digits)."""
    if len(digits) <= 4000:
        return int(digits)
    half = len(digits) // 2
    return _digits_value(digits[:-half]) * _ten_to(half) + _digits_value(digits[-half:])


def _exact(sign: int, digits: str, exponent: int, text: str) -> int:
    """The integer sign × digits × 10**exponent, as an int or a LongInt."""
    size = len(digits.lstrip("0")) + exponent
    if size > MAX_DIGITS:
        raise _TooLong(
            text, f"a number of {size} digits (more than {MAX_DIGITS} are not read)"
        )
    value = _digits_value(digits) * _ten_to(exponent)
    if size <= 4300:
        return -value if sign else value
    long = LongInt(-value if sign else value)
    long.digits = size
    return long


def integer_of(digits: int, negative: bool) -> str:
    """How a message names an integer too long to show: by its sign and length."""
    return f"{'a negative' if negative else 'an'} integer of {digits} digits"


def _long_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # more digits than int() takes
        return _exact(text.startswith("-"), text.lstrip("-"), 0, text)


def _float(text: str) -> float | int:
    """A JSON fraction/exponent number; one beyond a float's range stays exact."""
    value = float(text)
    if value - value == 0:  # finite: the usual case
        return value
    exact = decimal.Decimal(text)
    sign, digits, exponent = exact.as_tuple()
    assert isinstance(exponent, int)
    if exponent < 0 and any(digits[exponent:]):
        raise _TooLong(text, "a number with a fraction beyond a float's range")
    kept = digits[:exponent] if exponent < 0 else digits
    return _exact(sign, "".join(map(str, kept)), max(exponent, 0), text)


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _no_constant(name: str) -> Any:
    raise JSONProblem(name)


def parse_json(data: bytes | str) -> Any:
    """The JSON value of `data` (UTF-8, BOM allowed); JSONProblem when it is not."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise JSONProblem(f"not UTF-8 text (byte {exc.start})") from None
    else:
        text = data.removeprefix("\ufeff")
    try:
        try:
            return json.loads(text, parse_float=_float, parse_constant=_no_constant)
        except ValueError as exc:
            if isinstance(exc, JSONProblem) or "integer string" not in str(exc):
                raise
            # an integer longer than int() reads: parse again, building long ones
            return json.loads(
                text,
                parse_int=_long_int,
                parse_float=_float,
                parse_constant=_no_constant,
            )
    except _TooLong as exc:
        number, reason = exc.args
        where = next(
            (m.start(1) for m in _NUMBER.finditer(text) if m.group(1) == number), 0
        )
        raise JSONProblem(
            f"too big to check exactly: {reason}", *_position(text, where)
        ) from None
    except JSONProblem as exc:
        name = str(exc)
        where = next(
            (m.start(1) for m in _CONSTANT.finditer(text) if m.group(1) == name), 0
        )
        raise JSONProblem(
            f"not JSON: {name} is not a JSON value (RFC 8259)", *_position(text, where)
        ) from None
    except json.JSONDecodeError as exc:
        raise JSONProblem(f"not JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise JSONProblem(
            "nested too deeply to parse (more levels than the JSON parser allows); "
            "not a plausible API response"
        ) from None


class _Inflater:
    """gzip/deflate decoding that never yields more than it is asked for."""

    def __init__(self, encoding: str) -> None:
        self.gzip = encoding in ("gzip", "x-gzip")
        wbits = zlib.MAX_WBITS | 16 if self.gzip else zlib.MAX_WBITS
        self.engine = zlib.decompressobj(wbits)
        self.started = False

    def feed(self, data: bytes, room: int) -> bytes:
        """At most `room` decoded bytes of `data` (the rest waits in the engine)."""
        if not self.started and not self.gzip and data:
            self.started = True
            if data[0] & 0x0F != 8:  # deflate without its zlib header (raw)
                self.engine = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            return self.engine.decompress(self.engine.unconsumed_tail + data, room)
        except zlib.error as exc:
            raise DecodeError(f"cannot decode the {self._name} body: {exc}") from None

    @property
    def _name(self) -> str:
        return "gzip" if self.gzip else "deflate"

    @property
    def pending(self) -> bool:
        return bool(self.engine.unconsumed_tail)


class DecodeError(Exception):
    """A body whose Content-Encoding does not decode."""


async def read_body(response: httpx.Response, cap: int) -> bytes:
    """The decoded body of a streamed response, at most `cap` bytes.

    The cap counts decoded bytes, so a small gzip body that inflates to gigabytes
    stops at the cap too (BodyTooLarge); reading stops there, the rest is not read.
    """
    encoding = response.headers.get("content-encoding", "").strip().lower()
    body = bytearray()
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflater = _Inflater(encoding)
        async for chunk in response.aiter_raw():
            piece = inflater.feed(chunk, cap - len(body) + 1)
            body += piece
            while inflater.pending and len(body) <= cap:
                body += inflater.feed(b"", cap - len(body) + 1)
            if len(body) > cap:
                raise BodyTooLarge(cap)
        return bytes(body)
    # identity (or an encoding we did not ask for: httpx decodes, chunk by chunk)
    async for chunk in response.aiter_bytes():
        if len(body) + len(chunk) > cap:
            raise BodyTooLarge(cap)
        body += chunk
    return bytes(body)
