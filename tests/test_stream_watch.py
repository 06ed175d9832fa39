"""Streamed items are judged as they arrive: a broken item is reported while the
stream is still open, and the probe's verdict is the one a replay gives."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import stream_server
from stream_server import StreamServer

import conformance
from conformance.model import Violation
from conformance.probe import ProbeSettings, plan_requests
from conformance.runner import run_live, run_replay
from conformance.streamprobe import StreamLimits

SPEC = Path(__file__).parent / "data" / "deployments-3.2.yaml"
SSE, JSONL = "streamDeploymentStatus", "streamLogs"
POINTERS = {SSE: "/items/3/data/state", JSONL: "/items/3/level"}


@pytest.fixture(scope="module")
def contract() -> conformance.Contract:
    return conformance.load_contract(str(SPEC))


@pytest.fixture
def server() -> Iterator[StreamServer]:
    with stream_server.start() as srv:
        yield srv


def _settings() -> ProbeSettings:
    # The stream-seconds limit outlasts the server's hang: only an early report
    # can end this stream before the server gives up waiting.
    limits = StreamLimits(seconds=stream_server.HANG * 2)
    return ProbeSettings(timeout=stream_server.HANG * 2, retries=0, stream=limits)


@pytest.mark.parametrize("op", [SSE, JSONL])
def test_a_broken_item_is_reported_while_its_stream_is_still_open(
    contract, server, op, tmp_path
) -> None:
    seen: list[tuple[str, str, bool]] = []

    def on_item(name: str, violation: Violation) -> None:
        # The server is still holding the stream open, waiting for this.
        seen.append((name, violation.pointer, server.release.is_set()))
        server.release.set()

    requests = list(
        plan_requests(contract, [(op, {"environmentId": "hang"})], server.url)
    )
    run = run_live(
        contract,
        requests,
        _settings(),
        target=server.url,
        record=tmp_path,
        on_item=on_item,
    )
    assert server.hung_out == 0, "the item was judged only after the stream ended"
    assert [(p, early) for _, p, early in seen] == [(POINTERS[op], False)]
    (result,) = run.results
    assert [v.violation.pointer for v in result.violations] == [POINTERS[op]]
    assert result.stream == {"items": 4, "stopped": ""}
    replayed = run_replay(contract, tmp_path / "exchanges.jsonl")
    (again,) = replayed.results
    assert again.violations == result.violations


def test_a_conforming_stream_reports_no_item(contract, server) -> None:
    seen: list[Violation] = []
    requests = list(
        plan_requests(contract, [(SSE, {"environmentId": "valid"})], server.url)
    )
    run = run_live(
        contract,
        requests,
        _settings(),
        target=server.url,
        on_item=lambda _, v: seen.append(v),
    )
    assert (run.results[0].outcome, seen) == ("passed", [])


def test_run_prints_a_broken_item_before_the_stream_ends(server, tmp_path) -> None:
    from conformance.cli import main

    class Releasing(io.StringIO):
        def write(self, text: str) -> int:
            if "/items/3/" in text:
                server.release.set()
            return super().write(text)

    err = Releasing()
    argv = ["run", "--spec", str(SPEC), "--base-url", server.url, "--operation", SSE]
    argv += ["--param", "environmentId=hang", "--report-dir", str(tmp_path)]
    argv += ["--retries", "0"]
    argv += ["--stream-seconds", str(stream_server.HANG * 2)]
    assert main(argv, io.StringIO(), err) == 1
    assert server.hung_out == 0
    (line,) = [t for t in err.getvalue().splitlines() if "/items/" in t]
    assert line.startswith(SSE)
    assert "/items/3/data/state [enum] expected one of" in line
