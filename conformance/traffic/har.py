"""HAR 1.2 (a browser's "Save all as HAR", a proxy's export) → `Exchange`s.

Reads `log.entries[*]`: the request method, URL and headers, the response status,
headers and `content` (`text`, base64 when `encoding` is `base64`), and `time`
(milliseconds). A response with status 0 (the browser got no answer: blocked,
cancelled, offline), or whose body the export left out, is reported as an error:
there is nothing to judge, and that is not the API's fault.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..recording import Exchange, Headers
from .common import TrafficError, decoded, from_base64, within


def load_har(path: Path, base_url: str | None = None) -> list[Exchange]:
    """Every entry of a HAR file (under `base_url`, when given), in file order."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TrafficError(str(path), f"cannot read the HAR file: {exc}") from None
    except json.JSONDecodeError as exc:
        raise TrafficError(
            f"{path}:{exc.lineno}:{exc.colno}", f"not a HAR file (not JSON: {exc.msg})"
        ) from None
    log = data.get("log") if isinstance(data, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise TrafficError(
            str(path), "not a HAR file: expected an object with log.entries (a list)"
        )
    out: list[Exchange] = []
    for number, entry in enumerate(entries):
        where = f"{path} (log.entries[{number}])"
        try:
            exchange = _exchange(entry, len(out), where)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            detail = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            raise TrafficError(where, f"not a HAR entry: {detail}") from None
        if within(exchange.url, base_url):
            out.append(exchange)
    return out


def _headers(raw: Any) -> Headers:
    return tuple((str(h["name"]), str(h["value"])) for h in raw or ())


def _exchange(entry: dict[str, Any], index: int, where: str) -> Exchange:
    request, response = entry["request"], entry["response"]
    method, url = str(request["method"]).upper(), str(request["url"])
    status = int(response["status"])
    elapsed = max(float(entry.get("time") or 0.0), 0.0) / 1000.0
    common = Exchange(
        index=index,
        name="",
        operation_id="",
        params={},
        method=method,
        url=url,
        request_headers=_headers(request.get("headers")),
        elapsed=elapsed,
        extra={"source": where},
    )
    if status == 0:  # the browser got no answer
        reason = response.get("_error") or response.get("statusText") or "no answer"
        return replace(common, error=f"no answer recorded in the HAR ({reason})")
    if not 100 <= status <= 599:
        raise ValueError(f"response.status {status} is not an HTTP status code")
    headers = _headers(response.get("headers"))
    content = response.get("content") or {}
    text = content.get("text")
    if text is None and (content.get("size") or 0) > 0:
        # The export left the body out (a sanitized or size-capped HAR): nothing
        # to judge, which is not the API's fault.
        return replace(
            common,
            status=status,
            response_headers=headers,
            error="the HAR holds no body text for this response (exported without "
            "content); export again with response bodies",
        )
    if text is None:
        body = b""
    elif content.get("encoding") == "base64":
        body = from_base64(str(text), where)
    else:
        body = str(text).encode("utf-8")
    body, headers = decoded(body, headers, where)
    if not any(k.lower() == "content-type" for k, _ in headers) and content.get(
        "mimeType"
    ):
        headers += (("content-type", str(content["mimeType"])),)
    return replace(common, status=status, response_headers=headers, body=body)
