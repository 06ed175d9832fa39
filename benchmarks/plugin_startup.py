"""pytest start-up with the conformance plugin against without it.

    python benchmarks/plugin_startup.py [--rounds N]

Times `python -m pytest --co -q -p no:cacheprovider` in an empty temporary test
directory, with the plugin (installed through its `pytest11` entry point) and with
`-p no:conformance`, interleaved (A B A B ...) so drift in machine load hits both
alike. Prints the median and the best of each and their ratio; the target is a
median ratio within 1.15. A script, not a test: it prints numbers and never fails
a build. It also prints whether the plugin really loaded (a guard against timing
two runs without it).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMAND = [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider"]


def once(folder: Path, extra: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [*COMMAND, *extra], cwd=folder, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 5):  # 5: no tests collected, as expected here
        sys.exit(f"pytest failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return elapsed


def plugin_loaded(folder: Path) -> bool:
    done = subprocess.run(
        [*COMMAND, "--help"], cwd=folder, capture_output=True, text=True, check=False
    )
    return "--conformance-spec" in done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="plugin-startup-") as tmp:
        folder = Path(tmp)
        (folder / "tests").mkdir()
        if not plugin_loaded(folder):
            sys.exit("the conformance plugin is not installed (pip install -e .)")
        once(folder, [])  # warm the file cache and .pyc files for both variants
        once(folder, ["-p", "no:conformance"])
        with_plugin: list[float] = []
        without: list[float] = []
        for _ in range(args.rounds):
            with_plugin.append(once(folder, []))
            without.append(once(folder, ["-p", "no:conformance"]))
    for label, times in (("with plugin", with_plugin), ("-p no:conformance", without)):
        print(
            f"{label:<18} median {statistics.median(times) * 1000:7.1f} ms   "
            f"best {min(times) * 1000:7.1f} ms   ({len(times)} runs)"
        )
    ratio = statistics.median(with_plugin) / statistics.median(without)
    best = min(with_plugin) / min(without)
    print(f"ratio (median) {ratio:.3f}   ratio (best) {best:.3f}   target <= 1.15")
    return 0


if __name__ == "__main__":
    sys.exit(main())
