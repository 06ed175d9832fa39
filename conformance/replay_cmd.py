"""run the checks offline on recorded traffic: our cassettes, HAR files, vcrpy cassettes

`conformance replay PATH` loads a folder (searched recursively) or one file: cassettes
written by `run --record` (`*.jsonl`), HAR 1.2 exports (`*.har`) and vcrpy /
pytest-recording cassettes (`*.yaml`). It runs the same checks as a live run and
writes the same reports: same verdicts, same test case names. Requests in HAR and
vcrpy files find their operation by method and URL; one that matches none is listed
as unmatched (`--unmatched fail` makes that a failure). `--base-url` keeps only the
traffic sent to that API (a HAR holds every host the page called) and gives the base
path to strip. Exit 0 all conform, 1 any failure, 2 usage error, 3 errors only.
"""

from __future__ import annotations

import argparse
from typing import IO


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from .cli import _common
    from .run_cmd import add_report_arguments

    parser.add_argument(
        "cassettes",
        metavar="PATH",
        help="a folder (searched recursively), a .jsonl cassette, a .har file or a "
        "vcrpy .yaml cassette",
    )
    parser.add_argument(
        "--base-url",
        type=_base_url,
        metavar="URL",
        help="only traffic sent to this API (host and path prefix)",
    )
    parser.add_argument(
        "--unmatched",
        choices=("report", "fail"),
        default="report",
        help="a request no operation matches: listed apart (report) or a failure",
    )
    _common(parser)
    add_report_arguments(parser)


def _base_url(text: str) -> str:
    from .probe import check_base_url  # imported when used: probe brings asyncio

    return check_base_url(text)


def command(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from .config import load_run_config
    from .redact import learn
    from .run_cmd import contract_for, replay, report_paths

    cfg = load_run_config(args.config)
    redactor = cfg.redactor()  # a cassette from elsewhere may hold the token
    learn(out, redactor)
    learn(err, redactor)
    contract = contract_for(args, cfg)
    paths = report_paths(args, cfg)
    return replay(args, cfg, contract, args.cassettes, paths, out, err, redactor)
