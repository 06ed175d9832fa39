"""probe a live API (TARGET or --base-url) or, with no target, replay bundled recordings

`conformance run staging` probes the `staging` target of the config file;
`conformance run --base-url URL --operation getJob --param jobId=A --param jobId=B`
probes without one; `conformance run` alone replays the recordings the config names
(default `recordings/getjob`) offline. Flags override the file; the file overrides
the defaults. The token is read from the environment variable `--token-env` (or
`token_env`) names, never from the command line. Exit 0 all conform, 1 any contract
failure, 2 usage or config error (or a report that cannot be written), 3 errors only
(no answer, or no probe got a status it expects), 130/143 stopped by SIGINT/SIGTERM.

Before the first probe every output path is proven writable and the previous
reports are moved to `NAME.previous`; each finished probe goes to
`reports/journal.jsonl` as it completes; the reports are written as one set.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import time
from typing import IO, TYPE_CHECKING, Any

from .errors import ConfigError, UsageError

if TYPE_CHECKING:
    from .config import RunConfig
    from .contract import Contract
    from .redact import Redactor
    from .runner import RunResult

DEFAULTS: dict[str, Any] = {
    "timeout": 10.0,
    "retries": 2,
    "concurrency": 4,
    "rate_limit": 0.0,
    "stream_items": 100,
    "stream_seconds": 10.0,
}


def _at_least(low: float, kind: type = float) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not {'an integer' if kind is int else 'a number'}"
            ) from None
        if value < low or value != value:
            raise argparse.ArgumentTypeError(f"{text!r} must be >= {low:g}")
        return value

    return parse


def _size(text: str) -> int:
    from .body import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _status(text: str) -> str:
    if not re.fullmatch(r"[1-5](\d\d|[xX][xX])", text.strip()):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an HTTP status (e.g. 200, 404 or 2XX)"
        )
    return text.strip().upper()


def _rate(text: str) -> float:
    return _at_least(0.0)(text.removesuffix("/s"))


def _env_name(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an environment variable name; pass the NAME of the "
            "variable holding the token, never the token"
        )
    return text


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    """--config, --report-dir, --junit, --json: shared by run and replay."""
    parser.add_argument(
        "--config", metavar="FILE", help="conformance.toml or pyproject.toml"
    )
    parser.add_argument(
        "--report-dir", metavar="DIR", help="where reports go (default: reports/)"
    )
    parser.add_argument(
        "--junit", metavar="FILE", help="JUnit XML (default: DIR/junit.xml)"
    )
    parser.add_argument(
        "--json", metavar="FILE", help="results JSON (default: DIR/results.json)"
    )
    parser.add_argument(
        "--max-body-size",
        type=_size,
        metavar="SIZE",
        help="largest body read, decoded (default: 64MiB); a larger one is that "
        "probe's error",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from .cli import _common

    parser.add_argument(
        "target",
        nargs="?",
        help="a [targets.NAME] of the config; none: replay recordings",
    )
    _common(parser)
    add_report_arguments(parser)
    parser.add_argument(
        "--base-url", metavar="URL", help="probe this API (overrides the target's)"
    )
    parser.add_argument(
        "--operation",
        metavar="ID",
        help="operationId to probe (needed when the spec has several)",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter; repeating a name starts another probe",
    )
    parser.add_argument(
        "--params-file",
        metavar="FILE",
        help="parameter sets, one probe each: JSON Lines or CSV with a header",
    )
    parser.add_argument(
        "--expect-status",
        action="append",
        type=_status,
        metavar="CODE",
        help="a status the probes mean to reach (repeatable; default: the "
        "documented 2xx); another documented status is an error",
    )
    parser.add_argument(
        "--auth-scheme",
        choices=("Bearer", "Token"),
        help="Authorization: Bearer <token> or Token <token> "
        "(default: from the spec's security scheme)",
    )
    parser.add_argument(
        "--token-env", type=_env_name, metavar="NAME", help="variable holding the token"
    )
    parser.add_argument(
        "--timeout",
        type=_at_least(0.001),
        metavar="S",
        help=f"seconds per attempt, whole request (default: {DEFAULTS['timeout']:g})",
    )
    parser.add_argument(
        "--retries",
        type=_at_least(0, int),
        metavar="N",
        help="extra attempts on connection errors, 429, 502, 503, 504 "
        f"(default: {DEFAULTS['retries']})",
    )
    parser.add_argument(
        "--concurrency",
        type=_at_least(1, int),
        metavar="N",
        help=f"requests in flight at once (default: {DEFAULTS['concurrency']})",
    )
    parser.add_argument(
        "--rate-limit",
        type=_rate,
        metavar="R/s",
        help="at most R attempts per second (default: 0, unlimited)",
    )
    parser.add_argument(
        "--stream-items",
        type=_at_least(1, int),
        metavar="N",
        help="stop reading a streamed response after N items (default 100)",
    )
    parser.add_argument(
        "--stream-seconds",
        type=_at_least(0.001),
        metavar="S",
        help="stop reading a streamed response after S seconds (default 10)",
    )
    parser.add_argument(
        "--record", metavar="DIR", help="write cassettes (redacted) here"
    )


def param_sets(pairs: list[str]) -> list[dict[str, str]]:
    """`jobId=A jobId=B` → two sets; a repeated name starts a set keeping the rest."""
    sets: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--param {pair!r}: expected NAME=VALUE")
        if name in current:
            sets.append(current)
            current = dict(current)
        current[name] = value
    sets.append(current)
    return sets


def contract_for(args: argparse.Namespace, cfg: RunConfig) -> Contract:
    from .config import default_spec
    from .contract import load_contract

    spec = (
        args.spec
        or os.environ.get("CONFORMANCE_SPEC")
        or cfg.path_value("spec")
        or default_spec()
    )
    nullable = args.nullable
    if nullable == "common" and cfg.value("nullable"):
        nullable = cfg.value("nullable")
    switches = {("*" if n == "all" else n): False for n in args.no_format}
    return load_contract(spec, nullable=nullable, formats=switches)


class Progress:
    """`\\r[12/1000] 1 failed, 0 errors` on a terminal, at most ten times a second."""

    def __init__(self, err: IO[str]) -> None:
        self.err = err
        self.enabled = bool(getattr(err, "isatty", lambda: False)())
        self.last = 0.0
        self.shown = False

    def __call__(self, total: int, run: RunResult) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        done = len(run.results)
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        self.shown = True
        self.err.write(
            f"\r[{done}/{total}] {run.count('failed')} failed, "
            f"{run.count('error')} errors"
        )
        self.err.flush()

    def finish(self) -> None:
        if self.shown:
            self.err.write("\n")
            self.err.flush()


def item_reporter(err: IO[str], progress: Progress) -> Any:
    """Print each broken streamed item as it arrives (the stream may be open)."""

    def report(name: str, violation: Any) -> None:
        if progress.shown:
            err.write("\n")
        err.write(
            f"{name}: {violation.pointer} [{violation.keyword}] {violation.message}\n"
        )
        err.flush()

    return report


def report_paths(args: argparse.Namespace, cfg: RunConfig) -> dict[str, Any]:
    """Where this run's reports go, by report (and the journal)."""
    from .reporting.journal import JOURNAL_NAME
    from .reporting.results import report_paths as paths_of

    report_dir = args.report_dir or cfg.path_value("report_dir") or "reports"
    paths: dict[str, Any] = paths_of(report_dir, args.junit, args.json)
    paths["journal"] = paths["summary"].with_name(JOURNAL_NAME)
    return paths


_FLAG_OF = {"junit": "--junit", "json": "--json"}


def _write_error(exc: OSError, paths: dict[str, Any], args: argparse.Namespace) -> str:
    """`--junit out/x: Is a directory`: the flag and path the user gave."""
    where = exc.filename or ""
    for key, path in paths.items():
        if str(path) == where:
            flag = _FLAG_OF.get(key) if getattr(args, key, None) else None
            flag = flag or ("--record" if key == "record" else "--report-dir")
            return f"{flag} {where}: {exc.strerror or exc}"
    return f"cannot write {where or 'the reports'}: {exc.strerror or exc}"


def prepare(paths: dict[str, Any], args: argparse.Namespace) -> None:
    """Before the first probe: every output can be written; old reports set aside."""
    from .reporting.files import check_writable, set_aside

    try:
        check_writable(paths.values())
        set_aside(p for k, p in paths.items() if k != "record")
    except OSError as exc:
        raise UsageError(_write_error(exc, paths, args)) from None


def open_journal(
    paths: dict[str, Any], args: argparse.Namespace, checks: Any, redactor: Redactor
) -> Any:
    from .reporting.journal import Journal

    try:
        return Journal(paths["journal"], checks, redactor)
    except OSError as exc:
        raise UsageError(_write_error(exc, paths, args)) from None


def report(
    run: RunResult,
    args: argparse.Namespace,
    paths: dict[str, Any],
    out: IO[str],
    checks: list[str] | None,
) -> int:
    """Write the reports as one set, print the summary, return the exit code."""
    from .reporting import summary
    from .reporting.files import write_set
    from .reporting.results import render_reports

    try:
        write_set(render_reports(run, paths, checks))
    except OSError as exc:
        raise UsageError(_write_error(exc, paths, args)) from None
    print(run.redactor.text(summary.console(run)), file=out)
    shown = [paths["junit"], paths["json"], paths["summary"], paths["html"]]
    print("reports: " + ", ".join(str(p) for p in shown), file=out)
    return run.exit_code


def journal_observer(journal: Any, paths: dict[str, Any], args: Any) -> Any:
    """Append each result to the journal; a failed write names the journal."""

    def observe(result: Any) -> None:
        try:
            journal.write(result)
        except OSError as exc:
            raise UsageError(_write_error(exc, paths, args)) from None

    return observe


def _checks(cfg: RunConfig) -> list[str] | None:
    names = cfg.value("checks")
    return list(names) if names else None


def command(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from .config import DEFAULT_RECORDINGS, load_run_config
    from .interrupt import Interrupts
    from .probe import redactor_of
    from .redact import learn
    from .runner import run_live

    cfg = load_run_config(args.config)
    live = args.target is not None or args.base_url is not None
    checks = _checks(cfg)
    drift = cfg.value("drift") is not False
    paths = report_paths(args, cfg)
    if not live:
        for flag in (
            "operation",
            "record",
            "auth_scheme",
            "token_env",
            "params_file",
            "expect_status",
        ):
            if getattr(args, flag) is not None:
                raise UsageError(
                    f"--{flag.replace('_', '-')} needs a live target: "
                    "pass TARGET or --base-url URL"
                )
        if args.param:
            raise UsageError(
                "--param needs a live target: pass TARGET or --base-url URL"
            )
        location = cfg.path_value("recordings", DEFAULT_RECORDINGS)
        assert location is not None
        redactor = cfg.redactor()
        learn(out, redactor)
        learn(err, redactor)
        contract = contract_for(args, cfg)
        print(
            f"no target given: replaying the recordings in {_shown(location)} offline "
            "(probe a live API with `conformance run TARGET` or --base-url URL)",
            file=out,
        )
        return replay(args, cfg, contract, _shown(location), paths, out, err, redactor)

    contract = contract_for(args, cfg)
    requests, settings, base_url = plan(args, cfg, contract, err)
    redactor = redactor_of(settings)
    learn(out, redactor)
    learn(err, redactor)
    if settings.auth is None:
        print(
            "no token: probing without credentials (set token_env or --token-env "
            "to the name of the variable holding the API token)",
            file=out,
        )
    if args.record is not None:
        paths["record"] = os.path.join(args.record, "exchanges.jsonl")
    prepare(paths, args)
    journal = open_journal(paths, args, checks, redactor)
    progress = Progress(err)
    with Interrupts() as interrupts:
        from .reporting.files import discard_staged

        interrupts.keep(journal.salvage)
        interrupts.keep(discard_staged)  # a second signal while reports are written
        try:
            run = run_live(
                contract,
                requests,
                settings,
                target=base_url,
                record=args.record,
                checks=checks,
                drift=drift,
                progress=progress,
                observe=journal_observer(journal, paths, args),
                interrupts=interrupts,
                on_item=item_reporter(err, progress),
            )
        except OSError as exc:  # the cassette: disk full, removed folder
            raise UsageError(_write_error(exc, paths, args)) from None
        finally:
            progress.finish()
            with contextlib.suppress(OSError):  # an error of its own said so
                journal.close()
        return report(run, args, paths, out, checks)


def replay(
    args: argparse.Namespace,
    cfg: RunConfig,
    contract: Contract,
    location: str,
    paths: dict[str, Any],
    out: IO[str],
    err: IO[str],
    redactor: Redactor,
) -> int:
    """Replay the cassettes at `location` and write the reports (run and replay).

    `redactor` knows the project's secrets: a cassette from elsewhere may hold one.
    """
    from .runner import run_replay

    checks = _checks(cfg)
    prepare(paths, args)
    journal = open_journal(paths, args, checks, redactor)
    progress = Progress(err)
    try:
        run = run_replay(
            contract,
            location,
            checks=checks,
            drift=cfg.value("drift") is not False,
            progress=progress,
            observe=journal_observer(journal, paths, args),
            max_body_size=max_body_size(args, cfg),
            redactor=redactor,
            # `conformance replay` only: HAR/vcrpy host filter, unmatched policy
            base_url=getattr(args, "base_url", None),
            unmatched_fail=getattr(args, "unmatched", "report") == "fail",
        )
    finally:
        progress.finish()
        with contextlib.suppress(OSError):  # an error of its own said so
            journal.close()
    return report(run, args, paths, out, checks)


def max_body_size(args: argparse.Namespace, cfg: RunConfig, target: Any = None) -> int:
    """--max-body-size > max_body_size of the target > of the file > 64 MiB."""
    from .body import DEFAULT_MAX_BODY, parse_size

    if args.max_body_size is not None:
        return int(args.max_body_size)
    value = cfg.value("max_body_size", target)
    if value is None:
        return DEFAULT_MAX_BODY
    return value if isinstance(value, int) else parse_size(value)


def _shown(location: str) -> str:
    try:
        return os.path.relpath(location)
    except ValueError:
        return location


def plan(
    args: argparse.Namespace, cfg: RunConfig, contract: Contract, err: IO[str]
) -> tuple[list[Any], Any, str]:
    """Requests and settings of a live run: flags > target > file > defaults."""
    from .probe import ProbeSettings, auth_header, check_base_url, plan_requests
    from .streamprobe import StreamLimits

    target = args.target
    if target is not None and target not in cfg.targets:
        known = ", ".join(cfg.targets) or "none"
        where = cfg.path or "no config file found"
        raise ConfigError(f"no target {target!r} in {where} (targets: {known})")
    prefix = f"targets.{target}." if target else ""

    base_url = args.base_url
    if base_url is None:
        base_url = cfg.value("base_url", target)
        if base_url is None:
            raise ConfigError(f"{cfg.where(prefix + 'base_url')} is not set")
        base_url = check_base_url(base_url, cfg.where(prefix + "base_url"))
    else:
        base_url = check_base_url(base_url)

    params_file = getattr(args, "params_file", None)
    if params_file and args.param:
        raise UsageError("--params-file and --param: give the parameters one way")
    probes: list[tuple[Any, ...]]
    if args.param or args.operation or params_file:
        from .params import read_params_file

        op_id = args.operation or _only_operation(cfg, target, contract)
        sets = read_params_file(params_file) if params_file else param_sets(args.param)
        probes = [(op_id, params) for params in sets]
    else:
        probes = [(p.operation, p.params, p.expect) for p in cfg.probes(target)]
        if not probes:
            raise UsageError(
                "nothing to probe: pass --operation ID --param NAME=VALUE, or list "
                f"probes in {cfg.where(prefix + 'probes')}"
            )

    limits = {}
    for key, default in DEFAULTS.items():
        flag = getattr(args, key, None)  # callers without a flag: the defaults
        limits[key] = flag if flag is not None else cfg.value(key, target)
        if limits[key] is None:
            limits[key] = default

    token_env = args.token_env or cfg.value("token_env", target)
    auth = None
    secrets = list(cfg.value("secret_values", target) or [])
    if token_env:
        token = os.environ.get(token_env)
        if not token:
            source = (
                "--token-env" if args.token_env else cfg.where(prefix + "token_env")
            )
            raise ConfigError(
                f"{source}: environment variable {token_env} (the API token) is not set"
            )
        scheme = args.auth_scheme or cfg.value("auth_scheme", target)
        first = contract.operation(probes[0][0])
        auth = auth_header(contract, first, token, scheme)
        secrets.append(token)
    settings = ProbeSettings(
        timeout=float(limits["timeout"]),
        retries=int(limits["retries"]),
        concurrency=int(limits["concurrency"]),
        rate_limit=float(limits["rate_limit"]),
        stream=StreamLimits(
            items=int(limits["stream_items"]),
            seconds=float(limits["stream_seconds"]),
        ),
        auth=auth,
        secret_headers=tuple(cfg.value("secret_headers", target) or ()),
        secret_values=tuple(secrets),
        max_body_size=max_body_size(args, cfg, target),
    )
    expect = getattr(args, "expect_status", None) or cfg.value("expect", target) or ()
    requests = list(plan_requests(contract, probes, base_url, auth, expect=expect))
    return requests, settings, base_url


def _only_operation(cfg: RunConfig, target: str | None, contract: Contract) -> str:
    named = {p.operation for p in cfg.probes(target)} or set(contract.operations)
    if len(named) == 1:
        return next(iter(named))
    raise UsageError(
        f"--operation is required: several operations to choose from "
        f"({', '.join(sorted(named)[:10])})"
    )


if __name__ == "__main__":  # pragma: no cover
    from .cli import main

    sys.exit(main(["run", *sys.argv[1:]]))
