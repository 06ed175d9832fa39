"""Traffic people already have, read as `Exchange`s: our cassettes, HAR, vcrpy.

`load_traffic(PATH)` takes a folder (searched recursively: `*.jsonl` cassettes of
`conformance run --record`, `*.har`, vcrpy `*.yaml`/`*.yml`), or one such file.
Exchanges from our cassettes name their operation; foreign ones do not
(`operation_id == ""`): the runner matches their routes (routes.py).
`base_url` narrows foreign traffic to one host (and path prefix). In a folder,
YAML files that are not vcrpy cassettes (specs, configs) are passed over.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from ..body import DEFAULT_MAX_BODY, format_size
from ..errors import UsageError
from ..recording import Exchange, load
from .common import TrafficError
from .har import load_har
from .vcr import load_vcr

__all__ = ["TrafficError", "load_traffic", "traffic_files"]

SUFFIXES = (".jsonl", ".har", ".yaml", ".yml")


def traffic_files(location: str | os.PathLike[str]) -> list[Path]:
    """The files at `location`: the file itself, or a folder's, recursively."""
    path = Path(location)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise UsageError(f"{path}: no such cassette, HAR or vcrpy file or folder")
    found = sorted(
        p
        for p in path.rglob("*")
        if p.suffix.lower() in SUFFIXES
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )
    if not found:
        raise UsageError(
            f"{path}: nothing to replay here (no *.jsonl cassette, *.har or vcrpy "
            "*.yaml, searched recursively)"
        )
    return found


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".har"):
        return suffix[1:]
    if suffix in (".yaml", ".yml"):
        return "vcr"
    try:  # a HAR saved under another name: sniff the start
        head = path.read_text(encoding="utf-8-sig", errors="replace")[:4096]
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    if head.lstrip().startswith("{") and '"log"' in head:
        return "har"
    if head.lstrip().startswith("{"):
        try:
            json.loads(head.splitlines()[0])
            return "jsonl"
        except (json.JSONDecodeError, IndexError):
            pass
    return "vcr"


def load_traffic(
    location: str | os.PathLike[str],
    base_url: str | None = None,
    max_body_size: int = DEFAULT_MAX_BODY,
    *,
    named: bool | None = None,
) -> list[Exchange]:
    """Every exchange at `location`, file by file, each file in its own order.

    A body over `max_body_size` (decoded bytes) becomes that exchange's error, as
    in a live run and in our cassettes. `named=False`: `location` is a file found
    in a folder (YAML that is no vcrpy cassette yields nothing); default: a file
    given by itself is named.
    """
    out: list[Exchange] = []
    if named is None:
        named = Path(location).is_file()
    for path in traffic_files(location):
        kind = _kind(path)
        if kind == "jsonl":
            out.extend(load(path, max_body_size))
        elif kind == "har":
            out.extend(_capped(e, max_body_size) for e in load_har(path, base_url))
        else:
            found = load_vcr(path, base_url, named=named)
            out.extend(_capped(e, max_body_size) for e in found)
    return out


def _capped(exchange: Exchange, cap: int) -> Exchange:
    if len(exchange.body) <= cap:
        return exchange
    error = f"body larger than {format_size(cap)}, read stopped"
    return replace(exchange, body=b"", error=error)
