"""run the checks offline on recorded exchanges (cassettes written by run --record)

`conformance replay DIR` loads every `*.jsonl` cassette in DIR (or one file), runs
the same checks as a live run and writes the same reports: same verdicts, same test
case names. Exit 0 all conform, 1 any failure, 2 usage error, 3 errors only.
"""

from __future__ import annotations

import argparse
from typing import IO


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from .cli import _common
    from .run_cmd import add_report_arguments

    parser.add_argument(
        "cassettes", metavar="DIR", help="cassette directory or .jsonl file"
    )
    _common(parser)
    add_report_arguments(parser)


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
