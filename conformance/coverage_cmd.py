"""merge the contract coverage of several results.json files (a week of nightlies)

`conformance coverage reports/mon/results.json reports/tue/results.json …` adds up
the coverage counts of every run (a folder stands for its results.json), prints the
score with its definition and what was never exercised; `--json FILE` writes the
merged coverage, `--html FILE` the coverage matrix as a page. Exit 0, or 2 when a
file cannot be read.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import IO, Any

from .errors import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "results", nargs="+", metavar="PATH", help="results.json, or its folder"
    )
    parser.add_argument("--json", metavar="FILE", help="write the merged coverage")
    parser.add_argument(
        "--html", metavar="FILE", help="write the merged coverage as a page"
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=30,
        metavar="N",
        help="lines of the not-exercised list (default 30; 0: all)",
    )


def read_coverage(location: str) -> dict[str, Any]:
    """The `"coverage"` object of one results.json (UsageError naming the file)."""
    path = Path(location)
    if path.is_dir():
        path = path / "results.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such results file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}"
        ) from None
    cov = data.get("coverage") if isinstance(data, dict) else None
    if not isinstance(cov, dict) or not isinstance(cov.get("operations"), dict):
        raise UsageError(
            f'{path}: no "coverage" in this file; write it with `conformance run` '
            "or `conformance replay` of this version"
        )
    return cov


def command(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from .coverage import merge, not_exercised
    from .reporting import write_atomic
    from .reporting.coverage_md import coverage_line

    merged = merge(read_coverage(p) for p in args.results)
    print(f"{coverage_line(merged)} over {len(args.results)} run(s)", file=out)
    print(f"  ({merged['definition']})", file=out)
    missing = not_exercised(merged)
    shown = missing if args.limit <= 0 else missing[: args.limit]
    if missing:
        print(f"not exercised ({len(missing)}):", file=out)
        for line in shown:
            print(f"  {line}", file=out)
        if len(shown) < len(missing):
            print(f"  … {len(missing) - len(shown)} more (--limit 0)", file=out)
    if args.html:
        from .reporting.html import render_coverage

        title = f"Contract coverage of {len(args.results)} run(s)"
        write_atomic(args.html, render_coverage(merged, title))
        print(f"coverage page: {args.html}", file=out)
    if args.json:
        text = json.dumps(merged, indent=2, ensure_ascii=False) + "\n"
        write_atomic(args.json, text)
        print(f"merged coverage: {args.json}", file=out)
    return 0
