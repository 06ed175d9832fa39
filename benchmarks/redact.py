"""What the redactor costs per probe, beside what judging the probe costs.

    python benchmarks/redact.py [--rounds 2000]

One recorded getJob exchange (a drifted CRON job from tests/qovery_server.py, the
token in its Authorization header) goes through, in turns within one process:
`judge` (every check, drift included), the redaction of the exchange as a probe
snapshot (body kept), of the exchange as a cassette line (body too), and of the
judged result. Prints µs per call and each redaction's share of judging; then the
body throughput of `Redactor.bytes` on a 2.9 MB JSON body (MB/s).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import qovery_server as q  # noqa: E402

import conformance  # noqa: E402
from conformance.recording import Exchange  # noqa: E402
from conformance.redact import Redactor  # noqa: E402
from conformance.runner import judge  # noqa: E402


def per_call(work: Callable[[], object], rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        work()
    return (time.perf_counter() - started) / rounds * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    rounds = parser.parse_args().rounds
    contract = conformance.load_contract(str(ROOT / "spec" / "qovery-getjob.yaml"))
    exchange = Exchange(
        0, f"getJob[jobId={q.DRIFTED}]", "getJob", {"jobId": q.DRIFTED}, "GET",
        f"http://127.0.0.1:8080/job/{q.DRIFTED}",
        request_headers=(("authorization", f"Token {q.TOKEN}"),
                         ("accept", "application/json")),
        status=200, response_headers=(("content-type", "application/json"),),
        body=json.dumps(q.drifted_job()).encode(),
    )  # fmt: skip
    redactor = Redactor([q.TOKEN])
    result = judge(exchange, contract, None, True)
    work = {
        "judge (checks + drift)": lambda: judge(exchange, contract, None, True),
        "redact snapshot": lambda: redactor.data(exchange, keep=("body",)),
        "redact cassette line": lambda: redactor.data(exchange),
        "redact result": lambda: redactor.learned_from(exchange).data(result),
    }
    times = dict.fromkeys(work, 0.0)
    for _ in range(5):  # in turns, so a busy machine slows each alike
        for name, call in work.items():
            times[name] += per_call(call, rounds // 5) / 5
    base = times["judge (checks + drift)"]
    print(f"{'work':24s} {'µs/call':>9s} {'of judge':>9s}")
    for name, micros in times.items():
        print(f"{name:24s} {micros:9.1f} {micros / base:9.2f}")
    body = json.dumps([q.cron_job() for _ in range(3000)]).encode()
    seconds = per_call(lambda: redactor.bytes(body), 5) / 1e6
    size = len(body) / 1e6
    print(f"body redaction: {size / seconds:.0f} MB/s on a {size:.1f} MB body")


if __name__ == "__main__":
    main()
