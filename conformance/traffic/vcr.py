"""vcrpy / pytest-recording YAML cassettes → `Exchange`s.

A cassette is `{interactions: [{request: {method, uri, headers, body},
response: {status: {code, message}, headers, body: {string: …}}}], version: 1}`;
headers map a name to a list of values. vcrpy writes a body as text, or as
`!!binary` (base64) when it is not text (a gzip body recorded as received); a
`base64_string` body is read too. Gzip and deflate bodies are decoded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..recording import Exchange, Headers
from .common import TrafficError, decoded, from_base64, within


def is_vcr(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("interactions"), list)


def load_vcr(
    path: Path, base_url: str | None = None, *, named: bool = True
) -> list[Exchange]:
    """Every interaction of a vcrpy cassette (under `base_url`, when given).

    `named=False` (a file found in a folder): YAML that is not a cassette at all
    (a spec, a config) is not traffic and yields nothing; a file named on the
    command line must be a cassette.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TrafficError(str(path), f"cannot read the cassette: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise TrafficError(where, f"not a vcrpy cassette ({problem})") from None
    if not is_vcr(data):
        if not named and not (isinstance(data, dict) and "interactions" in data):
            return []
        raise TrafficError(
            str(path), "not a vcrpy cassette: expected a mapping with interactions"
        )
    out: list[Exchange] = []
    for number, interaction in enumerate(data["interactions"]):
        where = f"{path} (interactions[{number}])"
        try:
            exchange = _exchange(interaction, len(out), where)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            detail = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            raise TrafficError(where, f"not a vcrpy interaction: {detail}") from None
        if within(exchange.url, base_url):
            out.append(exchange)
    return out


def _headers(raw: Any) -> Headers:
    pairs = []
    for name, values in (raw or {}).items():
        for value in values if isinstance(values, list) else [values]:
            pairs.append((str(name), str(value)))
    return tuple(pairs)


def _body(raw: Any, where: str) -> bytes:
    if raw is None:
        return b""
    if isinstance(raw, dict):
        if "base64_string" in raw:
            return from_base64(str(raw["base64_string"]), where)
        raw = raw.get("string", "")
    if isinstance(raw, bytes):
        return raw
    if raw is None:
        return b""
    return str(raw).encode("utf-8")


def _exchange(interaction: dict[str, Any], index: int, where: str) -> Exchange:
    request, response = interaction["request"], interaction["response"]
    status_raw = response["status"]
    status = int(status_raw["code"] if isinstance(status_raw, dict) else status_raw)
    if not 100 <= status <= 599:
        raise ValueError(f"response status {status} is not an HTTP status code")
    headers = _headers(response.get("headers"))
    body, headers = decoded(_body(response.get("body"), where), headers, where)
    return Exchange(
        index=index,
        name="",
        operation_id="",
        params={},
        method=str(request["method"]).upper(),
        url=str(request["uri"]),
        request_headers=_headers(request.get("headers")),
        status=status,
        response_headers=headers,
        body=body,
        extra={"source": where},
    )
