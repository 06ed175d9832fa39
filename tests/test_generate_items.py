"""Generated item sequences: every conforming stream passes the stream check item
by item; a stream with one broken item fails there, and only there."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings

import conformance
from conformance.generate.items import (
    ItemSequence,
    broken_item_sequences,
    encode,
    item_sequences,
)
from conformance.recording import Exchange
from conformance.runner import judge
from conformance.streams import parse_items

SPEC = Path(__file__).parent / "data" / "deployments-3.2.yaml"
CONTRACT = conformance.load_contract(str(SPEC))
STREAMS = [
    ("streamDeploymentStatus", "text/event-stream"),
    ("streamLogs", "application/jsonl"),
]


def _judged(op: str, seq: ItemSequence):
    exchange = Exchange(
        0,
        f"{op}[]",
        op,
        {},
        "GET",
        "http://127.0.0.1/x",
        status=200,
        response_headers=(("content-type", seq.media_type),),
        body=seq.body,
    )
    return judge(exchange, CONTRACT, None, True)


@pytest.mark.parametrize(("op", "media"), STREAMS)
def test_generated_streams_conform_item_by_item(op: str, media: str) -> None:
    @settings(max_examples=8)
    @given(item_sequences(CONTRACT, op, 200, media))
    def check(seq: ItemSequence) -> None:
        assert [i.value for i in parse_items(media, seq.body)] == list(seq.items)
        result = _judged(op, seq)
        assert result.outcome == "passed", [v.violation for v in result.violations]

    check()


@pytest.mark.parametrize(("op", "media"), STREAMS)
def test_a_stream_with_one_broken_item_fails_at_that_item(op: str, media: str) -> None:
    @settings(max_examples=8)
    @given(broken_item_sequences(CONTRACT, op, 200, media))
    def check(seq: ItemSequence) -> None:
        result = _judged(op, seq)
        assert result.outcome == "failed"
        reported = [
            (v.violation.pointer, v.violation.keyword) for v in result.violations
        ]
        assert all(p.startswith(f"/items/{seq.broken}") for p, _ in reported), reported
        assert any(seq.matches(p, k) for p, k in reported), (seq.pointer, reported)

    check()


def test_sse_events_are_written_with_one_data_line_per_line() -> None:
    assert encode("text/event-stream", [{"event": "status", "data": "a\nb"}]) == (
        b"event: status\ndata: a\ndata: b\n\n"
    )
