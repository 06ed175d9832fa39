"""`--params-file FILE`: many probes' parameters, one set per line or row.

Two formats, told apart by the first non-blank character: JSON Lines (one object
per line, `{"jobId": "…"}`; values are strings, numbers or booleans) or CSV with a
header row naming the parameters (`jobId,page`); an empty CSV cell leaves that
parameter out. Errors name the file and line. Reading is linear (20,000 sets in a
few milliseconds), unlike 20,000 repeated `--param` flags.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .errors import UsageError


def read_params_file(path: str) -> list[dict[str, str]]:
    """Every parameter set of `path`, in file order."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"--params-file {path}: file not found") from None
    except IsADirectoryError:
        raise UsageError(f"--params-file {path}: is a directory") from None
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"--params-file {path}: not UTF-8 text (byte {exc.start})"
        ) from None
    except OSError as exc:
        raise UsageError(f"--params-file {path}: cannot read: {exc.strerror}") from None
    first = text.lstrip()[:1]
    sets = (
        []
        if not first
        else _json_lines(text, path)
        if first == "{"
        else _csv(text, path)
    )
    if not sets:
        raise UsageError(f"--params-file {path}: no parameter sets in it")
    return sets


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _not_json(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def _json_lines(text: str, path: str) -> list[dict[str, str]]:
    sets = []
    # Lines end at "\n" only: U+2028 or NEL inside a value (valid JSON) is no end.
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            # Numbers are sent as written (`1e2` stays `1e2`, not `100.0`).
            data = json.loads(
                line, parse_int=str, parse_float=str, parse_constant=_not_json
            )
        except (json.JSONDecodeError, ValueError) as exc:
            raise UsageError(
                f"--params-file {path}:{number}: not a JSON object ({exc}); write "
                'one object per line: {"jobId": "…"}'
            ) from None
        if not isinstance(data, dict):
            raise UsageError(
                f"--params-file {path}:{number}: expected an object of parameters, "
                f'like {{"jobId": "…"}}'
            )
        for name, value in data.items():
            if not isinstance(value, (str, int, float, bool)):
                raise UsageError(
                    f"--params-file {path}:{number}: {name} must be a string or number"
                )
        sets.append({name: _text(value) for name, value in data.items()})
    return sets


def _csv(text: str, path: str) -> list[dict[str, str]]:
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if not header or not all(name.strip() for name in header):
        raise UsageError(
            f"--params-file {path}:1: CSV needs a header row naming the parameters "
            "(e.g. jobId)"
        )
    names = [name.strip() for name in header]
    sets = []
    for row in rows:
        number = rows.line_num
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            raise UsageError(
                f"--params-file {path}:{number}: {len(row)} cell(s), the header "
                f"has {len(names)}"
            )
        sets.append({n: v for n, v in zip(names, row, strict=True) if v != ""})
    return sets
