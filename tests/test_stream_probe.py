"""Streamed responses probed live: SSE and JSON Lines from a real server on 127.0.0.1,
checked item by item, within the stream limits, recorded and replayed."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
import stream_server
from stream_server import StreamServer

import conformance
from conformance.probe import ProbeSettings, plan_requests, send_all
from conformance.recording import Exchange, load
from conformance.runner import RunResult, run_live, run_replay
from conformance.streamprobe import StreamLimits

SPEC = Path(__file__).parent / "data" / "deployments-3.2.yaml"
SSE, JSONL = "streamDeploymentStatus", "streamLogs"


@pytest.fixture(scope="module")
def contract() -> conformance.Contract:
    return conformance.load_contract(str(SPEC))


@pytest.fixture
def server() -> Iterator[StreamServer]:
    with stream_server.start() as srv:
        yield srv


def _settings(**limits) -> ProbeSettings:
    """Stream limits; `max_bytes` is the run's body cap (--max-body-size)."""
    cap = limits.pop("max_bytes", 64 * 1024 * 1024)
    stream = StreamLimits(**limits)
    return ProbeSettings(timeout=5, retries=0, stream=stream, max_body_size=cap)


def _run(contract, server, probes, record=None, **limits) -> RunResult:
    settings = _settings(**limits)
    requests = list(plan_requests(contract, probes, server.url))
    return run_live(contract, requests, settings, target=server.url, record=record)


def _exchange(contract, server, op, scenario, **limits) -> Exchange:
    settings = _settings(**limits)
    (request,) = plan_requests(
        contract, [(op, {"environmentId": scenario})], server.url
    )
    got: list[Exchange] = []
    send_all([request], settings, got.append)
    return got[0]


def _lines(result) -> list[str]:
    return [
        f"{v.violation.pointer} [{v.violation.keyword}] {v.violation.message}"
        for v in result.violations
    ]


@pytest.mark.parametrize("op", [SSE, JSONL])
def test_a_conforming_stream_passes_item_by_item(contract, server, op) -> None:
    run = _run(contract, server, [(op, {"environmentId": "valid"})])
    (result,) = run.results
    assert (result.outcome, result.status) == ("passed", 200)


def test_a_broken_sse_event_is_named_by_item_and_data_member(contract, server) -> None:
    (result,) = _run(contract, server, [(SSE, {"environmentId": "broken"})]).results
    assert result.outcome == "failed"
    assert len(result.violations) == 1
    assert _lines(result)[0].startswith("/items/3/data/state [enum] expected one of")
    assert result.violations[0].check == "stream_items_match_schema"
    assert result.violations[0].violation.spec_pointer == (
        "/components/schemas/DeploymentStatus/properties/state/enum"
    )


def test_a_broken_json_line_is_named_by_item(contract, server) -> None:
    (result,) = _run(contract, server, [(JSONL, {"environmentId": "broken"})]).results
    assert _lines(result) == [
        '/items/3/level [enum] expected one of ["DEBUG", "INFO", "WARNING", "ERROR"], '
        'received "LOUD"'
    ]


def test_every_item_of_a_stream_arrives_with_its_time(contract, server) -> None:
    exchange = _exchange(contract, server, SSE, "trickle")
    stream = exchange.extra["stream"]
    assert (stream["items"], stream["stopped"]) == (5, "")
    gaps = [b - a for a, b in zip(stream["times"], stream["times"][1:], strict=False)]
    assert all(gap > stream_server.TRICKLE * 0.5 for gap in gaps), gaps


def test_an_endless_stream_stops_at_the_item_limit(contract, server) -> None:
    exchange = _exchange(contract, server, JSONL, "endless", items=7, seconds=5)
    assert exchange.error is None
    assert (exchange.extra["stream"]["items"], exchange.extra["stream"]["stopped"]) == (
        7,
        "items",
    )
    time.sleep(0.1)  # the server notices the client left and stops writing
    sent = server.sent["endless"]
    time.sleep(0.1)
    assert server.sent["endless"] <= sent + 1 < stream_server.ENDLESS_MAX


def test_an_endless_stream_stops_at_the_time_limit_and_conforms(
    contract, server
) -> None:
    started = time.perf_counter()
    run = _run(
        contract, server, [(SSE, {"environmentId": "endless"})], items=0, seconds=0.3
    )
    assert time.perf_counter() - started < 2.0
    (result,) = run.results
    assert result.outcome == "passed"


def test_a_stream_stops_at_the_byte_cap_without_judging_a_cut_item(
    contract, server
) -> None:
    exchange = _exchange(
        contract, server, JSONL, "endless", items=0, seconds=5, max_bytes=1000
    )
    assert len(exchange.body) == 1000
    assert exchange.extra["stream"]["stopped"] == "bytes"
    (result,) = _judged(contract, exchange)
    assert result.outcome == "passed"  # the tail cut mid-line is not an item


def test_a_stalled_stream_stops_as_idle_keeping_what_it_sent(contract, server) -> None:
    settings = ProbeSettings(timeout=0.4, retries=0, stream=StreamLimits(seconds=5))
    (request,) = plan_requests(
        contract, [(SSE, {"environmentId": "stall"})], server.url
    )
    got: list[Exchange] = []
    send_all([request], settings, got.append)
    (exchange,) = got
    assert exchange.error is None
    assert (exchange.extra["stream"]["items"], exchange.extra["stream"]["stopped"]) == (
        1,
        "idle",
    )


def _judged(contract, exchange):
    from conformance.runner import judge

    return [judge(exchange, contract, None, True)]


def test_reading_a_flooding_stream_keeps_memory_bounded(contract, server) -> None:
    tracemalloc.start()
    try:
        exchange = _exchange(
            contract, server, JSONL, "flood", items=0, seconds=5, max_bytes=64_000
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (len(exchange.body), exchange.extra["stream"]["stopped"]) == (
        64_000,
        "bytes",
    )
    assert exchange.extra["stream"]["items"] > 500
    assert peak < 2_000_000, peak


def test_a_recorded_stream_replays_to_the_same_verdicts(
    contract, server, tmp_path
) -> None:
    probes = [
        (op, {"environmentId": s})
        for op in (SSE, JSONL)
        for s in ("valid", "broken", "endless")
    ]
    live = _run(contract, server, probes, record=tmp_path, items=4, seconds=3)
    (recorded,) = [e for e in load(tmp_path) if "broken" in e.url and SSE in e.name]
    assert len(recorded.extra["stream"]["times"]) == 4
    replayed = run_replay(contract, tmp_path)

    def verdicts(run: RunResult) -> list[tuple[str, str, list[str]]]:
        return [(r.name, r.outcome, _lines(r)) for r in run.results]

    assert verdicts(replayed) == verdicts(live)
    assert [r.outcome for r in live.results].count("failed") == 2
    assert [r.stream for r in replayed.results] == [r.stream for r in live.results]
    assert {"items": 4, "stopped": "items"} in [r.stream for r in live.results]


def test_assert_conforms_checks_a_streamed_response_item_by_item(
    contract, server
) -> None:
    import httpx

    from conformance.assertions import assert_conforms

    url = f"{server.url}/environment/valid/logs"
    assert_conforms(contract, httpx.get(url), operation=JSONL)
    broken = httpx.get(f"{server.url}/environment/broken/deploymentStatus")
    with pytest.raises(AssertionError, match=r"/items/3/data/state"):
        assert_conforms(contract, broken, operation=SSE)


def test_run_stops_an_endless_stream_at_the_flagged_limits(server, tmp_path) -> None:
    import io
    import json

    from conformance.cli import main

    out, err = io.StringIO(), io.StringIO()
    argv = ["run", "--spec", str(SPEC), "--base-url", server.url]
    argv += ["--operation", SSE, "--param", "environmentId=endless"]
    argv += ["--stream-items", "3", "--stream-seconds", "5"]
    argv += ["--report-dir", str(tmp_path), "--retries", "0"]
    assert main(argv, out, err) == 0, err.getvalue()
    (probe,) = json.loads((tmp_path / "results.json").read_text())["probes"]
    assert probe["stream"] == {"items": 3, "stopped": "items"}
    junit = (tmp_path / "junit.xml").read_text()
    assert '<property name="stream_items" value="3"' in junit
    assert '<property name="stream_stopped" value="items"' in junit


def test_a_stream_limit_flag_must_be_positive() -> None:
    import io

    from conformance.cli import main

    err = io.StringIO()
    argv = ["run", "--spec", str(SPEC), "--stream-items", "0"]
    assert main(argv, io.StringIO(), err) == 2
    assert "--stream-items" in err.getvalue()
    assert ">= 1" in err.getvalue()
