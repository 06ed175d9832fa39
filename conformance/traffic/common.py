"""What the foreign-traffic readers share: the error, body decoding, host narrowing.

Every reader turns one entry of a foreign file into an `Exchange` without an
operation (`operation_id == ""`); the runner finds the operation by route matching.
A bad file is a `TrafficError` (a `UsageError`, exit 2) naming the file and entry.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import zlib
from urllib.parse import urlsplit

from ..errors import UsageError
from ..recording import Headers


class TrafficError(UsageError):
    """A HAR or VCR file (or one of its entries) cannot be read."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")


def from_base64(text: str, where: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise TrafficError(where, "body is marked base64 but is not base64") from None


def decoded(body: bytes, headers: Headers, where: str) -> tuple[bytes, Headers]:
    """The body as the API meant it: gzip/deflate undone when the bytes are encoded.

    Browsers store HAR bodies already decoded, with `Content-Encoding: gzip` still
    in the headers; vcrpy stores the raw bytes. The bytes decide, not the header.
    When a body is decoded, `Content-Encoding` leaves the headers.
    """
    encoding = ""
    for name, value in headers:
        if name.lower() == "content-encoding":
            encoding = value.lower().strip()
    try:
        if encoding in ("gzip", "x-gzip") and body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        elif encoding == "deflate" and body[:1] == b"\x78":
            body = zlib.decompress(body)
        else:
            return body, headers
    except (OSError, EOFError, zlib.error) as exc:
        raise TrafficError(where, f"cannot decode the {encoding} body: {exc}") from None
    kept = tuple((k, v) for k, v in headers if k.lower() != "content-encoding")
    return body, kept


def within(url: str, base_url: str | None) -> bool:
    """`url` lies under `base_url` (same scheme, host, port and path prefix)."""
    if not base_url:
        return True
    got, base = urlsplit(url), urlsplit(base_url)
    if (got.scheme, got.hostname, got.port) != (base.scheme, base.hostname, base.port):
        return False
    prefix = base.path.rstrip("/")
    return got.path == prefix or got.path.startswith(prefix + "/")
