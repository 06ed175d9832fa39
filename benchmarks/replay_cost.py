"""What contract coverage and route matching add to a replay, side by side.

    python benchmarks/replay_cost.py [--copies N] [--rounds R]

Replays the bundled getJob recording (4 exchanges) N times over (default 250, so
1000 exchanges) through the checks alone, the coverage tracker alone, and the route
matcher of the full Qovery spec (554 operations) alone, taking turns for R rounds
(default 5), and prints µs per exchange and the ratio of each to the checks. The
full-spec routing part needs ../shared beside this checkout (skipped without it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance.contract import load_contract  # noqa: E402
from conformance.coverage import Tracker  # noqa: E402
from conformance.recording import load  # noqa: E402
from conformance.routes import Router  # noqa: E402
from conformance.runner import judge  # noqa: E402
from conformance.spec import Spec  # noqa: E402

FULL_SPEC = ROOT.parent / "shared" / "specs" / "qovery" / "openapi.yaml"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=250)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    contract = load_contract(str(ROOT / "spec" / "qovery-getjob.yaml"))
    exchanges = list(load(ROOT / "recordings" / "getjob")) * args.copies
    op = contract.operation("getJob")
    router = Router.for_spec(Spec.load(str(FULL_SPEC))) if FULL_SPEC.exists() else None
    for e in exchanges[:8]:  # warm the validators and the coverage model
        judge(e, contract, None, True)
    Tracker(contract).observe(exchanges[0], op)

    def checks() -> None:
        for e in exchanges:
            judge(e, contract, None, True)

    def coverage() -> None:
        tracker = Tracker(contract)
        for e in exchanges:
            tracker.observe(e, op)

    def routing() -> None:
        assert router is not None
        for e in exchanges:
            router.match(e.method, e.url)

    parts = {"checks": checks, "coverage": coverage}
    if router is not None:
        parts["routing (full spec)"] = routing
    times: dict[str, list[float]] = {name: [] for name in parts}
    for _ in range(args.rounds):
        for name, work in parts.items():
            started = time.perf_counter()
            work()
            times[name].append(time.perf_counter() - started)
    base = statistics.median(times["checks"])
    print(f"{len(exchanges)} exchanges, {args.rounds} rounds, medians:")
    for name, values in times.items():
        median = statistics.median(values)
        per = median / len(exchanges) * 1e6
        print(f"  {name:20} {per:8.1f} µs/exchange   {median / base:5.2f}x the checks")
    if router is None:
        print(f"  routing: skipped ({FULL_SPEC} is absent)")


if __name__ == "__main__":
    main()
