"""Conforming getJob bodies per second: `response_bodies` beside plain from_schema.

    python benchmarks/generate.py [--examples 300] [--baseline-examples 100]

Both strategies are driven the way a user drives them, by a `@given` test with
`max_examples` (no database, no deadline), in one run. The baseline is plain
`hypothesis_jsonschema.from_schema` on the compiled whole-union schema (the cron
format passed as a custom format so it can run at all); it counts only the
bodies our validator accepts. Prints both rates and the ratio; the target is at
least 100×. When the baseline produces no conforming body, the ratio is printed as
a lower bound (taking one conforming body in the baseline's whole run time). A
script, not a test: it prints numbers and never fails a build.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis_jsonschema import from_schema

import conformance

SPEC = Path(__file__).resolve().parents[1] / "spec" / "qovery-getjob.yaml"


def rate(
    strategy: Any, examples: int, keep: Callable[[Any], bool]
) -> tuple[int, int, float]:
    """(drawn, kept, seconds) for `examples` draws through @given."""
    counts = [0, 0]

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def draw(body: Any) -> None:
        counts[0] += 1
        counts[1] += keep(body)

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        draw()
    return counts[0], counts[1], time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=300)
    parser.add_argument("--baseline-examples", type=int, default=100)
    args = parser.parse_args()

    contract = conformance.load_contract(str(SPEC))
    validator = contract.response_validator("getJob")
    cron = contract.format_registry["cron"].strategy
    assert cron is not None
    ours = contract.response_bodies("getJob")
    baseline = from_schema(
        contract.compiled("getJob").schema, custom_formats={"cron": cron()}
    )
    drawn, kept, seconds = rate(ours, args.examples, validator.is_valid)
    ours_rate = kept / seconds
    print(
        f"response_bodies: {kept}/{drawn} conforming in {seconds:.1f}s "
        f"= {ours_rate:.1f} bodies/s"
    )
    b_drawn, b_kept, b_seconds = rate(
        baseline, args.baseline_examples, validator.is_valid
    )
    print(
        f"from_schema    : {b_kept}/{b_drawn} conforming in {b_seconds:.1f}s "
        f"= {b_kept / b_seconds:.2f} bodies/s ({b_drawn / b_seconds:.1f} drawn/s)"
    )
    if b_kept:
        print(f"ratio: {ours_rate / (b_kept / b_seconds):.0f}x (target >= 100x)")
    else:
        print(
            f"ratio: > {ours_rate * b_seconds:.0f}x (no conforming baseline body; "
            "bound taken at one per baseline run) (target >= 100x)"
        )


if __name__ == "__main__":
    main()
