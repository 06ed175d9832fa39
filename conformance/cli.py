"""Command line: argv → settings → work → exit code. Never a traceback.

Exit codes: 0 everything conforms, 1 something does not, 2 usage, config, spec or
input error (or an output that cannot be written), 3 no answer from the target or no
probe got a status it expects (errors only), 130/143 a run stopped by SIGINT/SIGTERM.
`DESCRIPTION` and `EPILOG` are what `conformance --help` tells a user.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, cast

from .body import DEFAULT_MAX_BODY
from .errors import ConformanceError, PayloadError, UsageError
from .redact import RedactingStream

DESCRIPTION = """\
Prove that an HTTP API keeps its OpenAPI response contract: check payloads by hand
(validate), probe a live API or replay recorded exchanges (run, replay), and inspect
the spec itself (lint, compile, selfcheck). `conformance COMMAND --help` for more."""
EPILOG = """\
exit codes:
  0  everything conforms (lint: no findings)
  1  something does not conform (lint: findings)
  2  usage, config, spec or input error (the message names the flag, file or key)
  3  no answer from the target, or no probe got a status it expects: errors
     only, no contract failure
  130/143  a run stopped by SIGINT/SIGTERM (reports of the finished probes)

The API token is read from the environment variable that --token-env or token_env
names, never from the command line; no output ever shows it."""

# Commands living in their own modules: name → module exposing
# `add_arguments(parser)` and `command(args, out, err) -> int`.
EXTERNAL_COMMANDS: dict[str, str] = {
    "run": "conformance.run_cmd",
    "replay": "conformance.replay_cmd",
    "selfcheck": "conformance.selfcheck",
    "mock": "conformance.mock",
    "coverage": "conformance.coverage_cmd",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse exits; we raise to keep one path
        raise UsageError(f"{self.prog}: {message} (see --help)")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--spec",
        help="OpenAPI document (path or URL); default: "
        "[tool.conformance] spec, else spec/qovery-getjob.yaml",
    )
    parser.add_argument(
        "--nullable",
        choices=("common", "strict"),
        default="common",
        help="strict: nullable counts only beside type (OpenAPI 3.0.3)",
    )
    parser.add_argument(
        "--no-format",
        action="append",
        default=[],
        metavar="NAME",
        help="stop asserting a format (repeatable; 'all' for every one)",
    )


def _size(text: str) -> int:
    from .body import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def version() -> str:
    """The installed version of this tool."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("conformance")
    except PackageNotFoundError:  # run from a checkout that is not installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="conformance",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"conformance {version()}",
        help="print the version and exit",
    )
    sub = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser, metavar="COMMAND"
    )

    p = sub.add_parser("validate", help="validate payload files against a response")
    _common(p)
    p.add_argument(
        "--operation", required=True, metavar="ID", help="operationId of the response"
    )
    p.add_argument("--status", help="status code; default: the single 2xx response")
    p.add_argument(
        "--media-type",
        default="application/json",
        metavar="TYPE",
        help="media type of the response body (default: application/json)",
    )
    p.add_argument("--drift", action="store_true", help="list undocumented members")
    p.add_argument("--strict", action="store_true", help="drift counts as a violation")
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        dest="output",
        help="text for people (default), json for machines",
    )
    p.add_argument(
        "--max-body-size",
        type=_size,
        metavar="SIZE",
        help="largest payload read (default: 64MiB), stdin included",
    )
    p.add_argument(
        "payloads", nargs="+", metavar="PAYLOAD", help="JSON file, or - for stdin"
    )
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("compile", help="write one JSON Schema per JSON response body")
    _common(p)
    p.add_argument(
        "--operation",
        action="append",
        default=[],
        metavar="ID",
        help="only this operationId (repeatable; default: every operation)",
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="where DIR/<operationId>/<status>.json go",
    )
    p.set_defaults(func=cmd_compile)

    p = sub.add_parser(
        "lint", help="list spec defects that change verdicts (exit 1 if any)"
    )
    _common(p)
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        dest="output",
        help="text for people (default), json for machines",
    )
    p.set_defaults(func=cmd_lint)

    for name, module in EXTERNAL_COMMANDS.items():
        mod = importlib.import_module(module)
        p = sub.add_parser(name, help=(mod.__doc__ or "").strip().splitlines()[0])
        mod.add_arguments(p)
        p.set_defaults(func=mod.command)
    return parser


def _take_params(argv: list[str]) -> tuple[list[str], list[str]]:
    """`run`'s `--param X` pairs taken out of argv, in order, and the rest.

    argparse takes quadratic time over many repeats of one option (20,000 `--param`
    flags: about 25 s); taken out first, they cost nothing. Only before `--`.
    Both `--param X` and `--param=X` are taken, so their order is kept.
    """
    flags = sum(1 for t in argv if t == "--param" or t.startswith("--param="))
    if not argv or argv[0] != "run" or flags < 64:
        return argv, []
    rest, params = [], []
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":
            rest += argv[i:]
            break
        if token == "--param" and i + 1 < len(argv):
            params.append(argv[i + 1])
            i += 2
            continue
        if token.startswith("--param="):
            params.append(token.removeprefix("--param="))
            i += 1
            continue
        rest.append(token)
        i += 1
    return rest, params


def main(
    argv: Sequence[str] | None = None,
    out: IO[str] | None = None,
    err: IO[str] | None = None,
) -> int:
    """Entry point: parse, run, map failures to exit codes."""
    # Every line printed passes the redactor; commands teach it the secrets.
    streams = (RedactingStream(out or sys.stdout), RedactingStream(err or sys.stderr))
    code = 2
    try:
        code = _main(argv, cast(IO[str], streams[0]), cast(IO[str], streams[1]))
    finally:
        for stream in streams:
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
    failed = streams[0].failed
    if code in (0, 1, 3) and failed and not isinstance(failed, BrokenPipeError):
        # what a caller reads is incomplete (a full disk): a tool error, never silent
        _output_error(failed, streams[1])
        return 2
    return code


def _output_error(exc: OSError, err: IO[str]) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(f"error: cannot write the output: {exc.strerror or exc}", file=err)
        err.flush()


def _main(argv: Sequence[str] | None, out: IO[str], err: IO[str]) -> int:
    try:
        rest, params = _take_params(list(sys.argv[1:] if argv is None else argv))
        args = build_parser().parse_args(rest)
        if params:
            args.param = [*params, *args.param]
        func: Callable[[argparse.Namespace, IO[str], IO[str]], int] = args.func
        return func(args, out, err)
    except ConformanceError as exc:
        print(f"error: {exc}", file=err)
        return exc.exit_code
    except SystemExit as exc:  # --help and friends
        return int(exc.code or 0)
    except BrokenPipeError:  # `conformance … | head`: the reader left, not an error
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - silence the final flush
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return 130
    except RecursionError:
        print("error: input nests too deeply to process", file=err)
        return 2
    except OSError as exc:  # a report or output file that cannot be written
        if exc.filename is None and getattr(out, "failed", None) is exc:
            _output_error(exc, err)
            return 2
        where = exc.filename or "a file"
        print(f"error: cannot write or read {where}: {exc.strerror or exc}", file=err)
        return 2
    except MemoryError:
        print("error: out of memory while processing the input", file=err)
        return 2
    except Exception as exc:  # noqa: BLE001 - the last resort: never a traceback
        print(
            f"error: internal error ({type(exc).__name__}: {exc}); please report it "
            "with the command and input that caused it",
            file=err,
        )
        return 2


def load(args: argparse.Namespace, err: IO[str]) -> Any:
    """The contract named by --spec (or the project default), with format switches."""
    from .compiler import INT_BOUNDS
    from .config import default_spec
    from .contract import load_contract
    from .formats import BUILTIN_FORMATS

    known = {*BUILTIN_FORMATS, *INT_BOUNDS, "all"}
    for name in args.no_format:
        if name not in known:
            raise UsageError(
                f"--no-format {name!r}: not a format this tool asserts "
                f"({', '.join(sorted(known))})"
            )
    switches = {("*" if n == "all" else n): False for n in args.no_format}
    spec = args.spec if args.spec is not None else default_spec()
    return load_contract(spec, nullable=args.nullable, formats=switches)


def print_warnings(contract: Any, err: IO[str]) -> None:
    from .reporting import text

    if contract.warnings:
        for line in text.findings(contract.warnings).splitlines():
            print(f"warning: {line}", file=err)


def read_payload(
    name: str, stdin: IO[str] | None = None, cap: int = DEFAULT_MAX_BODY
) -> Any:
    """Parse one payload file (or stdin for "-"), at most `cap` bytes, exactly.

    Errors name the file and position; integers of any length stay integers and
    NaN/Infinity are refused (RFC 8259), as in a probe's body.
    """
    from .body import JSONProblem, format_size, parse_json

    label = "<stdin>" if name == "-" else name
    too_big = PayloadError(
        f"{label}: larger than {format_size(cap)} (raise --max-body-size to read it)"
    )
    try:
        if name == "-":
            source = stdin or sys.stdin
            binary = getattr(source, "buffer", None)
            raw: bytes | str = (binary or source).read(cap + 1)
        else:
            path = Path(name)
            if path.stat().st_size > cap:
                raise too_big
            with path.open("rb") as handle:
                raw = handle.read(cap + 1)
    except FileNotFoundError:
        raise PayloadError(f"{label}: file not found") from None
    except IsADirectoryError:
        raise PayloadError(f"{label}: is a directory, expected a JSON file") from None
    except OSError as exc:
        raise PayloadError(f"{label}: cannot read: {exc.strerror}") from None
    if len(raw) > cap:
        raise too_big
    try:
        return parse_json(raw)
    except JSONProblem as exc:
        where = f"{label}:{exc.line}:{exc.column}" if exc.line else label
        raise PayloadError(f"{where}: {exc.reason}") from None


def read_text(
    name: str, stdin: IO[str] | None = None, cap: int = DEFAULT_MAX_BODY
) -> str:
    """The text of one payload file (or stdin for "-"); errors name the file."""
    label = "<stdin>" if name == "-" else name
    try:
        if name == "-":
            text = (stdin or sys.stdin).read(cap + 1)
            if len(text) > cap:
                raise PayloadError(f"{label}: larger than {cap} bytes")
            return text
        path = Path(name)
        if path.stat().st_size > cap:
            raise PayloadError(
                f"{label}: larger than {cap} bytes (raise --max-body-size to read it)"
            )
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise PayloadError(f"{label}: file not found") from None
    except IsADirectoryError:
        raise PayloadError(f"{label}: is a directory, expected a JSON file") from None
    except UnicodeDecodeError as exc:
        raise PayloadError(f"{label}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise PayloadError(f"{label}: cannot read: {exc.strerror}") from None


def cmd_validate(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """Each payload's verdict in order; one that cannot be read is reported in its
    place and the others are still checked. Exit 2 if any could not be read, else
    1 if any does not conform, else 0."""
    from .reporting import text

    contract = load(args, err)
    op, response = contract.response(args.operation, args.status)
    validator = contract.response_validator(
        op.operation_id,
        response.status,
        args.media_type,
        drift=args.drift,
        strict=args.strict,
    )
    print_warnings(contract, err)
    label = f"{op.operation_id} {response.status} {args.media_type}"
    if args.payloads.count("-") > 1:
        raise UsageError("validate: '-' (stdin) can be given once")
    if not response.has_body:
        print(
            f"note: {label}: the response documents no body; any body conforms",
            file=err,
        )
    cap = args.max_body_size or DEFAULT_MAX_BODY
    status: int | str = (
        int(response.status) if response.status.isdigit() else (response.status)
    )
    results: list[dict[str, Any]] = []
    verdicts: list[bool | None] = []  # None: the payload could not be read
    media = contract.media_type(response, args.media_type)
    stream = media if media is not None and media.sequential else None
    for name in args.payloads:
        source = "<stdin>" if name == "-" else name
        entry: dict[str, Any] = {
            "source": source,
            "operation": op.operation_id,
            "status": status,
            "media_type": args.media_type,
        }
        try:
            # a recorded stream (SSE, JSON Lines): its text, every item checked
            body = (
                read_text(name, cap=cap)
                if stream is not None
                else read_payload(name, cap=cap)
            )
        except PayloadError as exc:
            # Said in its place (stderr, between the verdicts before and after it;
            # in the JSON list too), and the other payloads are still checked.
            verdicts.append(None)
            out.flush()
            print(f"error: {exc}", file=err)
            err.flush()
            if args.output == "json":
                results.append({**entry, "conforms": None, "error": str(exc)})
            continue
        if stream is not None:
            res = _stream_result(contract, stream, body, label)
        else:
            res = validator.validate(body)
        verdicts.append(res.conforms)
        if args.output == "json":
            entry.update(
                conforms=res.conforms,
                branch=res.branch or None,
                violations=[v.as_dict() for v in res.violations],
                # null, not []: drift was not looked for (--drift or --strict)
                drift=list(res.drift) if validator.drift else None,
            )
            results.append(entry)
        else:
            print(text.result(source, label, res), file=out)
    if args.output == "json":
        json.dump({"results": results}, out, indent=2, ensure_ascii=False)
        out.write("\n")
    if None in verdicts:
        return 2
    return 0 if all(verdicts) else 1


def _stream_result(contract: Any, media: Any, text: str, label: str) -> Any:
    from .model import ValidationResult
    from .streamcheck import item_violations
    from .streams import parse_items

    items = parse_items(media.name, text.encode("utf-8"))
    found = sorted(set(item_violations(contract, media, items, label)))
    return ValidationResult(violations=tuple(found))


def cmd_compile(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from .reporting import write_atomic

    contract = load(args, err)
    target = Path(args.out)
    count, ops = 0, set()
    written: set[Path] = set()
    errors: list[Any] = []
    for body in contract.bodies(args.operation or None, errors=errors):
        name = (
            body.status
            if body.media_type == "application/json"
            else (f"{body.status}.{_safe(body.media_type)}")
        )
        path = target / _safe(body.operation.operation_id) / f"{name}.json"
        if path in written:  # two operation ids made the same safe name
            raise UsageError(
                f"compile: {body.operation.operation_id!r} and another operation "
                f"both write {path}; compile them apart with --operation"
            )
        written.add(path)
        write_atomic(
            path, json.dumps(body.compiled.schema, indent=2, ensure_ascii=False) + "\n"
        )
        count += 1
        ops.add(body.operation.operation_id)
    items = _compile_item_schemas(contract, args.operation, target, errors)
    print_warnings(contract, err)
    streams = f" and {items} stream item schemas" if items else ""
    print(
        f"compiled {count} JSON response bodies{streams} of {len(ops)} operations "
        f"into {target}",
        file=out,
    )
    if errors:
        return report_spec_errors(errors, err)
    if not count and not items:
        return nothing_to_check(contract, "compile", err)
    return 0


def _compile_item_schemas(
    contract: Any, operation_ids: list[str], target: Path, errors: list[Any]
) -> int:
    """Each stream's item schema, `<status>.<media type>.item.json`; the count."""
    from .errors import SpecError
    from .reporting import write_atomic

    count = 0
    for op_id, op in contract.spec.indexed_operations().items():
        if operation_ids and op_id not in operation_ids:
            continue
        for status, response in op.responses.items():
            for name, media in response.content.items():
                if not media.sequential:
                    continue
                try:
                    schema = contract.validator_at(media.item_schema).schema
                except SpecError as exc:
                    errors.append(exc)
                    continue
                path = target / _safe(op_id) / f"{status}.{_safe(name)}.item.json"
                write_atomic(path, json.dumps(schema, indent=2, ensure_ascii=False))
                count += 1
    return count


def report_spec_errors(errors: Sequence[ConformanceError], err: IO[str]) -> int:
    """Every SpecError met, one line each, then the count: exit 2."""
    for exc in errors:
        print(f"error: {exc}", file=err)
    print(
        f"error: {len(errors)} spec error(s) above; the rest was processed",
        file=err,
    )
    return 2


def nothing_to_check(contract: Any, command: str, err: IO[str]) -> int:
    """A document with no JSON response body schema: say so instead of "all hold"."""
    ops = contract.spec.indexed_operations()
    bare = sum(1 for op in ops.values() if not op.responses)
    why = f"; {bare} of them document no responses" if bare else ""
    print(
        f"error: {command}: nothing to check in {contract.source}: none of its "
        f"{len(ops)} operation(s) documents a JSON response body schema{why} "
        "(see `conformance lint`)",
        file=err,
    )
    return 2


def cmd_lint(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from .reporting import text

    contract = load(args, err)
    errors: list[Any] = []
    found = contract.lint(errors=errors)
    if args.output == "json":
        json.dump(
            {
                "source": contract.source,
                "findings": [f.as_dict() for f in found],
                "errors": [str(e) for e in errors],
            },
            out,
            indent=2,
            ensure_ascii=False,
        )
        out.write("\n")
    elif found:
        print(text.findings(found), file=out)
        print(f"{len(found)} finding(s)", file=out)
    else:
        print("no findings", file=out)
    if errors:
        return report_spec_errors(errors, err)
    return 1 if found else 0


def _safe(name: str) -> str:
    """A file name from an operation id or media type: never a path, never `..`."""
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
    return safe if safe.strip(".") else f"_{safe}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
