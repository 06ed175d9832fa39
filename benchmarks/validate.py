"""Benchmark: getJob response validation, this project against three other engines.

`python benchmarks/validate.py [--seconds S] [--rounds R]`

In one process, the same getJob payloads (the real ones in
../shared/specs/qovery-payloads, split into valid and invalid by this project's
verdict, plus synthetic conforming bodies derived from the valid ones) go through:

- conformance: `contract.response_validator("getJob", 200).validate(body)` (the
  jsonschema-rs fast path for valid bodies, the explaining path for invalid ones);
- openapi-core: `OpenAPI.validate_response(MockRequest, MockResponse)`;
- openapi-schema-validator: `OAS30ReadValidator` on the JobResponse schema;
- raw jsonschema-rs on the compiled Draft 7 schema, with its own format checkers.

Engines run interleaved in rounds (A B C D A B C D ...) so that noise on a busy
machine hits them alike. The script prints validations per second, the ratios, the
verdicts of each engine against ours (with reasons for any disagreement), PASS/MISS
against the targets of issue 2, and the time to load and compile the full Qovery spec.
It is a script, not a test: it never fails a build.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import ValidationError

import conformance
from conformance.formats import builtin_formats

ROOT = Path(__file__).resolve().parents[1]
SEED_SPEC = ROOT / "spec" / "qovery-getjob.yaml"
SHARED = ROOT.parent / "shared" / "specs"
PAYLOADS = SHARED / "qovery-payloads"
FULL_SPEC = SHARED / "qovery" / "openapi.yaml"

JOB_ID = "5a4e2b10-8c3d-4f7e-a1b2-c3d4e5f60718"
TARGETS = (  # (group, engine, minimum ratio of ours to theirs), from issue 2
    ("valid", "openapi-core", 50.0),
    ("valid", "jsonschema-rs (raw)", 0.5),
    ("invalid", "openapi-core", 10.0),
)

_COMPILE_FULL_SPEC = """
import sys, time
start = time.perf_counter()
import conformance
contract = conformance.load_contract(sys.argv[1])
bodies = sum(1 for _ in contract.bodies())
print(bodies, time.perf_counter() - start)
"""


@dataclass
class Engine:
    """One validator under test: how to prepare a payload, check it, explain it."""

    name: str
    prepare: Callable[[Any], Any]
    check: Callable[[Any], object]  # the valid-payload call that is timed
    explain: Callable[[Any], object]  # the invalid-payload call that is timed
    verdict: Callable[[Any], tuple[bool, str]]  # (conforms, first reason)
    inputs: dict[str, list[Any]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def rate(self, group: str) -> float:
        spent = self.seconds.get(group, 0.0)
        return self.counts.get(group, 0) / spent if spent else 0.0


# -- payloads -------------------------------------------------------------------------


def load_payloads() -> dict[str, Any]:
    """The real getJob payloads by file name; exit with a message when absent."""
    files = sorted(p for p in PAYLOADS.glob("*.json") if p.name != "manifest.json")
    if not files:
        sys.exit(
            f"benchmarks/validate.py: no payloads in {PAYLOADS}; "
            "../shared/specs must be beside this checkout"
        )
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in files}


_DOCKER_SOURCE = {
    "docker": {
        "git_repository": {
            "provider": "GITHUB",
            "owner": "Qovery",
            "name": "Qovery/engine",
            "url": "https://github.com/Qovery/engine.git",
            "branch": "main",
            "deployed_commit_date": "2024-02-29T23:59:59Z",
            "git_token_id": None,
        },
        "dockerfile_path": "Dockerfile",
        "dockerfile_raw": None,
    }
}


def synthetic_bodies(valid: Iterable[Any]) -> dict[str, Any]:
    """Conforming variants of the valid bodies: the other source kind, other branch."""
    out: dict[str, Any] = {}
    for i, body in enumerate(valid):
        docker = copy.deepcopy(body)
        docker["source"] = copy.deepcopy(_DOCKER_SOURCE)
        docker["port"] = None
        out[f"synthetic-{i}-docker-source"] = docker
        other = copy.deepcopy(body)
        if body.get("job_type") == "CRON":
            other["job_type"] = "LIFECYCLE"
            other["schedule"] = {"on_start": {"arguments": ["run"]}}
        else:
            other["job_type"] = "CRON"
            other["schedule"] = {
                "cronjob": {
                    "timezone": "Europe/Paris",
                    "scheduled_at": "0 3 * * MON-FRI",
                }
            }
        out[f"synthetic-{i}-{other['job_type'].lower()}-branch"] = other
    return out


# -- engines --------------------------------------------------------------------------


def normalised_seed() -> tuple[dict[str, Any], list[str]]:
    """The seed spec with discriminator mapping values `{$ref: X}` turned into `X`."""
    document = yaml.safe_load(SEED_SPEC.read_text(encoding="utf-8"))
    changed: list[str] = []
    for name, schema in document["components"]["schemas"].items():
        mapping = (schema.get("discriminator") or {}).get("mapping") or {}
        for key, target in mapping.items():
            if isinstance(target, dict) and "$ref" in target:
                mapping[key] = target["$ref"]
                changed.append(
                    f"#/components/schemas/{name}/discriminator/mapping/{key}"
                )
    return document, changed


def conformance_engine(validator: conformance.ResponseValidator) -> Engine:
    def verdict(body: Any) -> tuple[bool, str]:
        result = validator.validate(body)
        first = result.violations[0] if result.violations else None
        why = (
            f"{first.pointer or '/'} {first.keyword}: {first.message}" if first else ""
        )
        return result.conforms, why

    name = f"conformance ({validator.engine} fast path)"
    return Engine(name, _same, validator.validate, validator.validate, verdict)


def openapi_core_engine(document: dict[str, Any]) -> Engine:
    from openapi_core import Config, OpenAPI
    from openapi_core.exceptions import OpenAPIError
    from openapi_core.testing import MockRequest, MockResponse

    formats = builtin_formats()
    extra = {name: formats[name].check for name in ("cron", "uri")}
    app = OpenAPI.from_dict(document, config=Config(extra_format_validators=extra))
    request = MockRequest(
        "https://api.qovery.com",
        "get",
        f"/job/{JOB_ID}",
        path_pattern="/job/{jobId}",
        view_args={"jobId": JOB_ID},
    )

    def prepare(body: Any) -> Any:
        return MockResponse(json.dumps(body).encode())

    def check(response: Any) -> None:
        with contextlib.suppress(OpenAPIError):  # a disagreement, reported apart
            app.validate_response(request, response)

    def errors(response: Any) -> list[Exception]:
        found = []
        for error in app.iter_response_errors(request, response):
            found.extend(getattr(error.__cause__, "schema_errors", ()) or [error])
        return found

    def verdict(response: Any) -> tuple[bool, str]:
        found = errors(response)
        return not found, _first_line(found[0]) if found else ""

    return Engine("openapi-core", prepare, check, errors, verdict)


def schema_validator_engine(document: dict[str, Any]) -> Engine:
    from jsonschema import FormatChecker
    from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    checker = FormatChecker(formats=())
    checker.checkers.update(oas30_format_checker.checkers)
    formats = builtin_formats()
    for name in ("cron", "uri"):  # openapi-schema-validator ships neither here
        checker.checks(name)(formats[name].check)
    uri = "urn:qovery-getjob"
    registry = Registry().with_resource(
        uri, Resource.from_contents(document, default_specification=DRAFT4)
    )
    validator = OAS30ReadValidator(
        {"$ref": f"{uri}#/components/schemas/JobResponse"},
        registry=registry,
        format_checker=checker,
    )

    def explain(body: Any) -> list[Any]:
        return list(validator.iter_errors(body))

    def verdict(body: Any) -> tuple[bool, str]:
        found = explain(body)
        return not found, _first_line(found[0]) if found else ""

    return Engine(
        "openapi-schema-validator", _same, validator.is_valid, explain, verdict
    )


def raw_rs_engine(schema: dict[str, Any]) -> Engine:
    import jsonschema_rs

    validator = jsonschema_rs.validator_for(schema, validate_formats=True)

    def explain(body: Any) -> list[Any]:
        return list(validator.iter_errors(body))

    def verdict(body: Any) -> tuple[bool, str]:
        found = explain(body)
        return not found, _first_line(found[0]) if found else ""

    return Engine("jsonschema-rs (raw)", _same, validator.is_valid, explain, verdict)


def _same(body: Any) -> Any:
    return body


def _first_line(error: object) -> str:
    """Where and why, from the most relevant (deepest) error of an error tree."""
    while isinstance(error, ValidationError) and error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    text = getattr(error, "message", None) or str(error)
    path = getattr(error, "instance_path", None) or getattr(
        error, "absolute_path", None
    )
    where = "/" + "/".join(str(p) for p in path) if path else "/"
    line = str(text).splitlines()[0] if str(text) else type(error).__name__
    return f"{where}: {line[:150]}"


# -- timing ---------------------------------------------------------------------------


def run_slice(
    call: Callable[[Any], object], inputs: list[Any], budget: float
) -> tuple[int, float]:
    """Call `call` on the inputs, cycling, for about `budget` seconds."""
    count = 0
    clock = time.perf_counter
    start = clock()
    while True:
        for item in inputs:
            call(item)
        count += len(inputs)
        elapsed = clock() - start
        if elapsed >= budget:
            return count, elapsed


def race(engines: list[Engine], group: str, seconds: float, rounds: int) -> None:
    """Interleave the engines (A B C D A B C D ...), `seconds` in all for each."""
    budget = seconds / rounds
    for _ in range(rounds):
        for engine in engines:
            call = engine.check if group == "valid" else engine.explain
            count, spent = run_slice(call, engine.inputs[group], budget)
            engine.counts[group] = engine.counts.get(group, 0) + count
            engine.seconds[group] = engine.seconds.get(group, 0.0) + spent


def full_spec_seconds(runs: int = 3) -> tuple[int, list[float]] | None:
    """Load + compile every body of the full Qovery spec, each in a fresh process."""
    if not FULL_SPEC.exists():
        return None
    times: list[float] = []
    bodies = 0
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _COMPILE_FULL_SPEC, str(FULL_SPEC)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        bodies, seconds = int(out[0]), float(out[1])
        times.append(seconds)
    return bodies, times


# -- report ---------------------------------------------------------------------------


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def build_engines(contract: conformance.Contract, notes: list[str]) -> list[Engine]:
    validator = contract.response_validator("getJob", 200)
    engines = [conformance_engine(validator)]
    document, changed = normalised_seed()
    try:
        from openapi_core import OpenAPI

        OpenAPI.from_dict(yaml.safe_load(SEED_SPEC.read_text(encoding="utf-8")))
    except ImportError:
        pass
    except Exception as error:  # noqa: BLE001 - we only report why it was refused
        notes.append(
            f"openapi-core refuses the published seed ({type(error).__name__} at "
            "#/components/schemas/JobResponse: discriminator mapping values must be "
            "strings); for openapi-core and openapi-schema-validator only, the mapping "
            "values were normalised from {$ref: X} objects to X strings in memory: "
            + ", ".join(changed)
        )
    factories: list[tuple[str, Callable[[], Engine]]] = [
        ("openapi-core", lambda: openapi_core_engine(document)),
        ("openapi-schema-validator", lambda: schema_validator_engine(document)),
        ("jsonschema-rs (raw)", lambda: raw_rs_engine(validator.schema or {})),
    ]
    for name, make in factories:
        try:
            engines.append(make())
        except ImportError as error:
            notes.append(f"{name} skipped: {error}")
    return engines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=2.0,
        help="time per engine per payload group (default 2)",
    )
    parser.add_argument(
        "--rounds", type=int, default=10, help="interleaved rounds (default 10)"
    )
    args = parser.parse_args(argv)

    real = load_payloads()
    contract = conformance.load_contract(str(SEED_SPEC))
    validator = contract.response_validator("getJob", 200)
    valid = {n: b for n, b in real.items() if validator.validate(b).conforms}
    invalid = {n: b for n, b in real.items() if n not in valid}
    synthetic = synthetic_bodies(valid.values())
    for name, body in synthetic.items():
        if not validator.validate(body).conforms:
            sys.exit(f"benchmarks/validate.py: synthetic body {name} does not conform")
    valid.update(synthetic)

    notes: list[str] = []
    engines = build_engines(contract, notes)
    notes.append(
        "formats: conformance asserts uuid, date-time, uri, cron with its checkers; "
        "openapi-core and openapi-schema-validator use their OAS 3.0 checkers plus "
        "conformance's cron and uri checkers (they ship none); raw jsonschema-rs uses "
        "its own checkers and ignores the unknown format cron"
    )
    notes.append(
        "openapi-core is given bytes (MockResponse) and decodes them on every call; "
        "the other engines get the decoded body"
    )
    notes.append(
        "timed calls: valid: conformance .validate(), openapi-core "
        "validate_response(), others is_valid(); invalid: conformance .validate() "
        "(explains), others collect every error"
    )

    groups = {"valid": list(valid.values()), "invalid": list(invalid.values())}
    for engine in engines:
        engine.inputs = {
            g: [engine.prepare(b) for b in bodies] for g, bodies in groups.items()
        }

    out = print
    out("getJob 200 response validation benchmark")
    out(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs; "
        + ", ".join(
            f"{p} {_version(p)}"
            for p in (
                "jsonschema-rs",
                "jsonschema",
                "openapi-core",
                "openapi-schema-validator",
            )
        )
    )
    out(
        f"payloads: {len(real)} real ({len(real) - len(invalid)} valid, {len(invalid)} "
        f"invalid by conformance's verdict) + {len(synthetic)} synthetic valid; "
        f"{args.seconds:g} s per engine per group in {args.rounds} interleaved rounds"
    )
    for note in notes:
        out(f"note: {note}")

    out("\nverdicts against conformance's")
    names = list(valid) + list(invalid)
    bodies = [*valid.values(), *invalid.values()]
    ours = [validator.validate(b).conforms for b in bodies]
    explain_first = lambda body: engines[0].verdict(body)[1]  # noqa: E731
    disagreements = 0
    for engine in engines[1:]:
        prepared = [*engine.inputs["valid"], *engine.inputs["invalid"]]
        agree = 0
        for name, body, mine, item in zip(names, bodies, ours, prepared, strict=True):
            theirs, why = engine.verdict(item)
            if theirs == mine:
                agree += 1
                continue
            disagreements += 1
            reason = why if not theirs else f"conformance: {explain_first(body)}"
            out(
                f"  DISAGREE {engine.name}: {name}: conformance "
                f"{'valid' if mine else 'invalid'}, {engine.name} "
                f"{'valid' if theirs else 'invalid'} — {reason}"
            )
        out(f"  {engine.name:<28} {agree}/{len(bodies)} agree")

    for engine in engines:  # warm up caches before timing
        run_slice(engine.check, engine.inputs["valid"], 0.05)
        run_slice(engine.explain, engine.inputs["invalid"], 0.05)
    for group in groups:
        race(engines, group, args.seconds, args.rounds)

    out("\nthroughput (validations per second; µs per validation)")
    out(f"  {'engine':<34}{'valid':>16}{'invalid (explained)':>28}")
    for engine in engines:
        cells = [
            f"{engine.rate(g):>10,.0f} {1e6 / engine.rate(g):>6.1f}µs" for g in groups
        ]
        out(f"  {engine.name:<34}{cells[0]:>16}{cells[1]:>28}")

    ours_engine = engines[0]
    out("\nratios (conformance ÷ other)")
    for engine in engines[1:]:
        parts = [f"{g} {ours_engine.rate(g) / engine.rate(g):7.2f}x" for g in groups]
        out(f"  vs {engine.name:<28} " + "   ".join(parts))

    out("\ntargets (issue 2)")
    by_name = {e.name: e for e in engines}
    for group, name, minimum in TARGETS:
        label = f"{group} payloads >= {minimum:g}x {name}"
        if name not in by_name:
            out(f"  n/a  {label} ({name} not installed)")
            continue
        ratio = ours_engine.rate(group) / by_name[name].rate(group)
        out(f"  {'PASS' if ratio >= minimum else 'MISS'} {label}: {ratio:.2f}x")
    out(
        f"  {'PASS' if not disagreements else 'MISS'} verdicts unchanged: "
        f"{disagreements} disagreement(s)"
    )

    full = full_spec_seconds()
    if full is None:
        out(f"\nfull Qovery spec: {FULL_SPEC} is absent; load + compile not timed")
    else:
        count, times = full
        runs = ", ".join(f"{t:.3f}" for t in times)
        out(
            f"\nfull Qovery spec load + compile ({count} JSON response bodies): "
            f"min {min(times):.3f} s of 3 fresh processes ({runs} s)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
