"""Judging streamed items one at a time (as they arrive) against all at once.

    python benchmarks/stream_items.py [--items N] [--rounds R]

A live run judges each item as it arrives (streamwatch.py) and judges the kept
items again for the verdict (the `stream_items_match_schema` check). This prints
both costs side by side, on the SSE deployment status stream of
tests/data/deployments-3.2.yaml (no ../shared data needed).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import conformance
from conformance.streamcheck import item_violations
from conformance.streams import parse_items

SPEC = Path(__file__).parent.parent / "tests" / "data" / "deployments-3.2.yaml"
STATES = ["QUEUED", "BUILDING", "DEPLOYING", "DEPLOYED"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    contract = conformance.load_contract(str(SPEC))
    _, response = contract.response("streamDeploymentStatus", 200)
    media = response.content["text/event-stream"]
    body = b"".join(
        b"event: status\ndata: "
        + json.dumps({"state": STATES[n % 4], "progress": n % 101}).encode()
        + b"\n\n"
        for n in range(args.items)
    )
    items = parse_items(media.name, body)
    list(item_violations(contract, media, items))  # compile once

    def at_once() -> None:
        list(item_violations(contract, media, items))

    def one_by_one() -> None:
        rules: dict = {}
        for item in items:
            list(item_violations(contract, media, (item,), "", rules))

    timings = {"at once": 0.0, "one at a time": 0.0}
    for _ in range(args.rounds):  # in turns, so load on the machine hits both
        for name, func in (("at once", at_once), ("one at a time", one_by_one)):
            started = time.perf_counter()
            func()
            timings[name] += time.perf_counter() - started
    base = timings["at once"] / args.rounds
    for name, total in timings.items():
        each = total / args.rounds
        print(
            f"{name:>14}: {each * 1000:7.3f} ms per {args.items} items "
            f"(x{each / base:.2f})"
        )


if __name__ == "__main__":
    main()
