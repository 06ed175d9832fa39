"""Probes per second: `conformance` (probe + checks) beside plain httpx, same server.

    python benchmarks/probe.py [--probes 1000] [--concurrency 1 8 32]

Starts tests/qovery_server.py in a subprocess on 127.0.0.1 (its own process, so the
server does not share our GIL), then for each concurrency runs the same probes
(getJob over LIFECYCLE, CRON, drifted CRON and 404 jobs) twice: once through the
runner (httpx client, retries, redaction, snapshot, every check incl. drift), once
as a bare httpx loop with the same pool and the same number of workers that only
reads each body. Prints probes/s for both, the ratio, and the peak RSS, so the
overhead of checking and the flat memory of a 1,000-probe run can be read off.

Then, side by side in one run: the same `--items` (200) probes as live pytest items
(`pytest --conformance-base-url`, one shared client per session) and as one
`conformance run --params-file`, each a fresh process timed from start to exit, with
the ratio (the goal: pytest within 2.5x); and how long 20,000 probes take to start
(`--params-file` read and planned, against the same 20,000 as `--param` flags).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import qovery_server as q  # noqa: E402

import conformance  # noqa: E402
from conformance.probe import ProbeSettings, plan_requests  # noqa: E402
from conformance.runner import run_live  # noqa: E402

JOBS = (q.LIFECYCLE, q.CRON, q.DRIFTED, q.MISSING)
AUTH = ("Authorization", f"Token {q.TOKEN}")


def start_server() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "qovery_server.py")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}"


def conformance_rate(contract, url: str, probes: int, concurrency: int) -> float:
    settings = ProbeSettings(concurrency=concurrency, auth=AUTH, timeout=30)
    jobs = itertools.islice(itertools.cycle(JOBS), probes)
    requests = list(
        plan_requests(
            contract,
            (("getJob", {"jobId": j}) for j in jobs),
            url,
            AUTH,
            expect=("200", "404"),  # the missing job is probed for its 404
        )
    )
    started = time.perf_counter()
    run = run_live(contract, requests, settings, target=url)
    elapsed = time.perf_counter() - started
    bad = [r for r in run.results if r.outcome != "passed"]
    assert not bad, f"benchmark probes must conform: {bad[0]}"
    return probes / elapsed


async def _plain(url: str, probes: int, concurrency: int) -> None:
    import httpx

    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency
    )
    urls = iter(
        [f"{url}/job/{j}" for j in itertools.islice(itertools.cycle(JOBS), probes)]
    )
    async with httpx.AsyncClient(limits=limits, timeout=30, trust_env=False) as client:

        async def worker() -> None:
            for target in urls:
                response = await client.get(target, headers={AUTH[0]: AUTH[1]})
                response.content  # noqa: B018 - read the body, as the runner does

        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker())


def plain_rate(url: str, probes: int, concurrency: int) -> float:
    started = time.perf_counter()
    asyncio.run(_plain(url, probes, concurrency))
    return probes / (time.perf_counter() - started)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


PLUGIN_JOBS = (q.LIFECYCLE, q.CRON, q.DRIFTED)  # all conforming 2xx


def _timed(argv: list[str], cwd: str) -> float:
    env = {**os.environ, "BENCH_TOKEN": q.TOKEN}
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{argv[2]} failed: {done.stdout[-400:]}{done.stderr[-400:]}")
    return elapsed


def pytest_vs_run(url: str, items: int) -> tuple[float, float]:
    """Seconds for `items` live pytest items, and for the same probes in `run`."""
    jobs = list(itertools.islice(itertools.cycle(PLUGIN_JOBS), items))
    spec = json.dumps(str(ROOT / "spec" / "qovery-getjob.yaml"))
    params = ", ".join(f'{{jobId = "{j}"}}' for j in jobs)
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "pyproject.toml").write_text(
            f'[tool.conformance]\nspec = {spec}\ntoken_env = "BENCH_TOKEN"\n'
            f'auth_scheme = "Token"\nprobes = [{{operation = "getJob", '
            f"params = [{params}]}}]\n"
        )
        Path(folder, "ids.jsonl").write_text(
            "".join(json.dumps({"jobId": j}) + "\n" for j in jobs)
        )
        plugin = _timed(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
             f"--conformance-base-url={url}", "-m", "conformance_live"],
            folder,
        )  # fmt: skip
        run = _timed(
            [sys.executable, "-m", "conformance", "run", "--base-url", url,
             "--operation", "getJob", "--params-file", "ids.jsonl",
             "--token-env", "BENCH_TOKEN", "--auth-scheme", "Token",
             "--report-dir", "reports"],
            folder,
        )  # fmt: skip
    return plugin, run


def start_20000(contract) -> tuple[float, float]:
    """Seconds to read and plan 20,000 probes: --params-file, then --param flags."""
    from conformance.cli import _take_params, build_parser
    from conformance.params import read_params_file
    from conformance.run_cmd import param_sets

    ids = [f"{i:08x}-0000-4000-8000-000000000000" for i in range(20_000)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "ids.csv")
        path.write_text("jobId\n" + "\n".join(ids) + "\n")
        started = time.perf_counter()
        sets = read_params_file(str(path))
        list(plan_requests(contract, (("getJob", s) for s in sets), "http://127.0.0.1"))
        from_file = time.perf_counter() - started
    argv = ["run", "--base-url", "http://127.0.0.1", "--operation", "getJob"]
    for job in ids:
        argv += ["--param", f"jobId={job}"]
    started = time.perf_counter()
    rest, params = _take_params(argv)  # as main() does; argparse alone: ~25 s
    args = build_parser().parse_args(rest)
    args.param = params
    list(
        plan_requests(
            contract,
            (("getJob", s) for s in param_sets(args.param)),
            "http://127.0.0.1",
        )
    )
    return from_file, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--items", type=int, default=200)
    args = parser.parse_args()
    contract = conformance.load_contract(str(ROOT / "spec" / "qovery-getjob.yaml"))
    proc, url = start_server()
    try:
        conformance_rate(contract, url, 50, 4)  # warm up: compile, caches, pool
        plain_rate(url, 50, 4)
        print(f"{args.probes} probes per run against {url} (pid {os.getpid()})")
        print(f"{'concurrency':>11}  {'conformance/s':>13}  {'httpx/s':>9}  "
              f"{'ratio':>6}  {'peak RSS MB':>11}")  # fmt: skip
        for c in args.concurrency:
            ours = conformance_rate(contract, url, args.probes, c)
            plain = plain_rate(url, args.probes, c)
            print(f"{c:>11}  {ours:>13.0f}  {plain:>9.0f}  {ours / plain:>6.2f}  "
                  f"{peak_rss_mb():>11.1f}")  # fmt: skip
        plugin, run = pytest_vs_run(url, args.items)
        print(f"\n{args.items} live probes, fresh processes, start to exit:")
        print(f"  pytest items (one client per session)  {plugin:6.2f} s")
        print(f"  conformance run --params-file          {run:6.2f} s")
        print(f"  ratio pytest / run                     {plugin / run:6.2f}x")
        from_file, from_flags = start_20000(contract)
        print("\n20,000 probes read and planned (before the first request):")
        print(f"  --params-file ids.csv                  {from_file:6.2f} s")
        print(f"  20,000 --param flags                   {from_flags:6.2f} s")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
