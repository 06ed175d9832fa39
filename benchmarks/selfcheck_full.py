"""The self-check over every JSON response body of the full Qovery spec.

    python benchmarks/selfcheck_full.py [--examples 3] [--seed 0] [--junit FILE]

About 6–13 s on the sampler (`conformance selfcheck --all` does the same); the test
suite checks a documented subset (tests/test_selfcheck.py FULL_SPEC_SUBSET).
Prints each body's verdict and time, then the totals and the slowest bodies; the
failures are printed in full by the self-check's text report. A script, not a test.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import conformance
from conformance.reporting import junit
from conformance.selfcheck import render_text, selfcheck, suites

SPEC = (
    Path(__file__).resolve().parents[2] / "shared" / "specs" / "qovery" / "openapi.yaml"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default=str(SPEC))
    parser.add_argument("--examples", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--junit")
    args = parser.parse_args()

    contract = conformance.load_contract(args.spec)
    started = time.perf_counter()
    results, times = [], []
    for body in contract.bodies():
        t0 = time.perf_counter()
        result = selfcheck(
            contract,
            body.operation.operation_id,
            body.status,
            media_type=body.media_type,
            examples=args.examples,
            seed=args.seed,
        )
        times.append((time.perf_counter() - t0, result.label))
        results.append(result)
        print(
            f"{'ok  ' if result.ok else 'FAIL'} {times[-1][0]:6.2f}s {result.label}",
            flush=True,
        )
        if not result.ok:
            print(render_text(result), flush=True)
    total = time.perf_counter() - started
    broken = [r for r in results if not r.ok]
    print(
        f"{len(results)} bodies, {len(broken)} broken, {total:.0f}s "
        f"({args.examples} examples, seed {args.seed})"
    )
    for seconds, label in sorted(times, reverse=True)[:10]:
        print(f"  slowest {seconds:6.1f}s {label}")
    if args.junit:
        junit.write(args.junit, suites(results), name="conformance selfcheck")


if __name__ == "__main__":
    main()
