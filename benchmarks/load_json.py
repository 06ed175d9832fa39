"""Loading a big JSON spec against `json.load` plus the operation index.

    python benchmarks/load_json.py [--copies N] [--rounds R]

Converts the full Qovery spec (../shared/specs/qovery/openapi.yaml) to JSON in a
temporary directory, with its component schemas copied N more times under other
names (default 4: about 4 MB, the size of the big public JSON specs), then times,
interleaved (A B A B ...) over R rounds (default 5), the minimum of:

- ours: `Spec.load(path)` and its operation index (`spec.operations`);
- the peer: `json.load` of the same file, plus the same index on loaded data.

It prints both, their ratio (the target: within 3x), the cost of the first line
number asked for (found lazily, only when an explanation or finding shows one),
and, for scale, what building every node's line up front costs (the former way:
the YAML composer over the JSON text). A script, not a test: it never fails a build.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
QOVERY = ROOT.parent / "shared" / "specs" / "qovery" / "openapi.yaml"

sys.path.insert(0, str(ROOT))
from conformance import source  # noqa: E402
from conformance.json_lines import JsonLines  # noqa: E402
from conformance.spec import Location, Spec  # noqa: E402


def big_json(copies: int) -> str:
    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(QOVERY.read_text(encoding="utf-8"), Loader=loader)
    schemas = data["components"]["schemas"]
    for n in range(copies):
        for name, schema in list(schemas.items()):
            if "__copy" not in name:
                schemas[f"{name}__copy{n}"] = schema
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    if not QOVERY.exists():
        sys.exit(f"{QOVERY} is absent: ../shared must be beside this checkout")
    with tempfile.TemporaryDirectory(prefix="load-json-") as tmp:
        path = Path(tmp) / "openapi.json"
        text = big_json(args.copies)
        path.write_text(text, encoding="utf-8")
        size = path.stat().st_size / 1e6

        def ours() -> None:
            assert Spec.load(str(path)).operations

        def peer() -> None:
            with path.open(encoding="utf-8") as handle:
                json.load(handle)

        indexed = Spec.load(str(path))
        index_only: list[float] = []
        ours_t: list[float] = []
        peer_t: list[float] = []
        for _ in range(args.rounds):
            ours_t.append(timed(ours))
            peer_t.append(timed(peer))
            indexed._operations = None
            index_only.append(timed(lambda: indexed.operations))
        best_ours, best_peer, best_index = min(ours_t), min(peer_t), min(index_only)
        baseline = best_peer + best_index
        last = list(indexed.root.data["components"]["schemas"])[-1]
        deep = Location(indexed.root.uri, f"/components/schemas/{last}/type")
        first_line = timed(lambda: indexed.line(deep))
        up_front = timed(
            lambda: source._build(source._compose(text, "x"), "x", 50_000_000)
        )
        listed = timed(lambda: len(JsonLines(text)))  # the whole map, iterated
    print(f"spec: Qovery as JSON + {args.copies} copies of its schemas, {size:.1f} MB")
    print(f"json.load:                       {best_peer * 1e3:8.1f} ms")
    print(f"operation index:                 {best_index * 1e3:8.1f} ms")
    print(f"Spec.load + index (ours):        {best_ours * 1e3:8.1f} ms")
    ratio = best_ours / baseline
    verdict = "PASS" if ratio <= 3 else "MISS"
    print(f"ratio ours / (json.load + index): {ratio:7.2f}x  {verdict} (target <= 3x)")
    print(f"first line number (lazy, cold):  {first_line * 1e3:8.1f} ms")
    print(f"every line up front (former):    {up_front * 1e3:8.1f} ms")
    print(f"every pointer listed (len/iter): {listed * 1e3:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
