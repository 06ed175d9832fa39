"""`conformance mock` serves documented streams (SSE, JSON Lines): items drawn from
the item schema, `Prefer: delay=` between items; a probe of it passes; with
`Prefer: rule=NAME` exactly one item breaks that rule, and the run fails there."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from test_mock import _serve

import conformance
from conformance.cli import main
from conformance.mock_streams import STREAM_ITEMS
from conformance.probe import ProbeSettings, plan_requests, send_all
from conformance.recording import Exchange, load
from conformance.runner import run_live

SPEC = Path(__file__).parent / "data" / "deployments-3.2.yaml"


@pytest.fixture(scope="module")
def stream_mock() -> Iterator[str]:
    yield from _serve(SPEC, "--seed", "3")


@pytest.mark.parametrize("op", ["streamDeploymentStatus", "streamLogs"])
def test_a_run_against_the_mock_streams_passes_item_by_item(
    stream_mock, tmp_path, op
) -> None:
    out, err = io.StringIO(), io.StringIO()
    argv = ["run", "--spec", str(SPEC), "--base-url", stream_mock, "--operation", op]
    argv += ["--param", "environmentId=e1", "--report-dir", str(tmp_path)]
    assert main(argv, out, err) == 0, out.getvalue() + err.getvalue()
    (probe,) = json.loads((tmp_path / "results.json").read_text())["probes"]
    assert probe["stream"] == {"items": STREAM_ITEMS, "stopped": ""}


def test_prefer_delay_spaces_the_items(stream_mock) -> None:
    contract = conformance.load_contract(str(SPEC))
    (request,) = plan_requests(
        contract, [("streamLogs", {"environmentId": "e1"})], stream_mock
    )
    request = replace(request, headers={**request.headers, "Prefer": "delay=50ms"})
    got: list[Exchange] = []
    send_all([request], ProbeSettings(timeout=5, retries=0), got.append)
    times = got[0].extra["stream"]["times"]
    assert len(times) == STREAM_ITEMS
    assert times[-1] - times[0] >= 0.05 * (STREAM_ITEMS - 1) * 0.8, times


@pytest.mark.parametrize(
    ("op", "rule", "keyword"),
    [
        ("streamDeploymentStatus", "enum", "enum"),
        ("streamDeploymentStatus", "required", "required"),
        ("streamLogs", "type", "type"),
    ],
)
def test_prefer_rule_breaks_one_item_and_the_run_fails_at_it(
    stream_mock, tmp_path, op, rule, keyword
) -> None:
    contract = conformance.load_contract(str(SPEC))
    (request,) = plan_requests(contract, [(op, {"environmentId": "e1"})], stream_mock)
    request = replace(request, headers={**request.headers, "Prefer": f"rule={rule}"})
    settings = ProbeSettings(timeout=5, retries=0)
    run = run_live(contract, [request], settings, target=stream_mock, record=tmp_path)
    (exchange,) = load(tmp_path)
    assert exchange.header("preference-applied") == f"rule={rule}"
    where = exchange.header("x-mock-broken-item")  # "/items/6/data/state"
    (result,) = run.results
    assert (result.outcome, result.stream) == (
        "failed",
        {"items": STREAM_ITEMS, "stopped": ""},
    )
    found = [(v.violation.pointer, v.violation.keyword) for v in result.violations]
    assert found == [(where, keyword)]


def test_prefer_rule_names_the_known_rules_when_unknown(stream_mock) -> None:
    url = f"{stream_mock}/environment/e1/logs"
    answer = httpx.get(url, headers={"Prefer": "rule=nonsense"}, timeout=5)
    assert answer.status_code == 400
    assert "unknown rule; known: required" in answer.json()["mock_error"]
