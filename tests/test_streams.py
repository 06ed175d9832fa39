"""streams.py: the item parsers, whole and fed in pieces (WHATWG event-stream,
JSON Lines, RFC 7464 json-seq)."""

from __future__ import annotations

import pytest

from conformance.streams import (
    is_sequential,
    parse_items,
    parser_for,
    sequential_kind,
)


def _values(media: str, body: bytes) -> list[object]:
    return [
        i.value if not i.error else ("error", i.error) for i in parse_items(media, body)
    ]


@pytest.mark.parametrize(
    ("body", "events"),
    [
        (b"data: a\n\n", [{"data": "a"}]),
        (b"data: a\ndata: b\n\n", [{"data": "a\nb"}]),
        (b"data:no space\n\n", [{"data": "no space"}]),
        (b"data:  two spaces\n\n", [{"data": " two spaces"}]),
        (b": a comment\ndata: x\n\n", [{"data": "x"}]),
        (b"data: x\r\n\r\ndata: y\r\r", [{"data": "x"}, {"data": "y"}]),
        (
            b"event: status\nid: 7\nretry: 3000\ndata: x\n\n",
            [{"data": "x", "event": "status", "id": "7", "retry": 3000}],
        ),
        (b"retry: soon\ndata: x\n\n", [{"data": "x"}]),
        (b"id: a\0b\ndata: x\n\n", [{"data": "x"}]),
        (b"event: ping\n\ndata: x\n\n", [{"data": "x"}]),
        (b"data\n\n", [{"data": ""}]),
        (b"unknown: 1\ndata: x\n\n", [{"data": "x"}]),
        (b"\xef\xbb\xbfdata: bom\n\n", [{"data": "bom"}]),
        (b"data: unfinished", []),
    ],
    ids=[
        "one-event",
        "multi-line-data",
        "no-space-after-colon",
        "only-one-space-dropped",
        "comment",
        "crlf-and-cr",
        "all-fields",
        "retry-not-digits-ignored",
        "id-with-nul-ignored",
        "event-without-data-not-dispatched",
        "field-without-colon",
        "unknown-field-ignored",
        "leading-bom",
        "unterminated-event-discarded",
    ],
)
def test_event_stream_is_parsed_as_whatwg_defines(body, events) -> None:
    assert _values("text/event-stream", body) == events


@pytest.mark.parametrize(
    "media", ["text/event-stream", "application/jsonl", "application/json-seq"]
)
def test_items_are_the_same_whatever_the_chunking(media: str) -> None:
    bodies = {
        "text/event-stream": 'data: {"a": 1}\r\n\r\n: c\r\ndata: é\r\ndata: 2\r\n\r\n',
        "application/jsonl": '{"a": 1}\r\n\n"é"\n[2]\n',
        "application/json-seq": '\x1e{"a": 1}\n\x1e"é"\n\x1e[2]\n',
    }
    body = bodies[media].encode()
    whole = parse_items(media, body)
    parser = parser_for(media)
    pieces = []
    for i in range(len(body)):  # one byte at a time: CRLF and UTF-8 split too
        pieces.extend(parser.feed(body[i : i + 1], at=float(i)))
    pieces.extend(parser.close())
    assert [(i.index, i.value) for i in pieces] == [(i.index, i.value) for i in whole]
    assert len(whole) == 2 if media == "text/event-stream" else len(whole) == 3


def test_json_lines_skip_blank_lines_and_report_a_bad_line() -> None:
    assert _values("application/x-ndjson", b'{"a": 1}\n\n  \nnot json\n[1]') == [
        {"a": 1},
        ("error", "not JSON: Expecting value at column 1"),
        [1],
    ]


def test_json_seq_splits_on_record_separators() -> None:
    assert _values("application/json-seq", b'\x1e1\n\x1e{"b": 2}\n\x1e{bad\n') == [
        1,
        {"b": 2},
        (
            "error",
            "not JSON: Expecting property name enclosed in double quotes at column 2",
        ),
    ]


def test_recorded_arrival_times_are_given_back_by_index() -> None:
    items = parse_items("application/jsonl", b"1\n2\n", times=[0.5, 1.25])
    assert [i.at for i in items] == [0.5, 1.25]


@pytest.mark.parametrize(
    ("media", "kind"),
    [
        ("text/event-stream; charset=utf-8", "sse"),
        ("application/jsonl", "jsonl"),
        ("Application/X-NDJSON", "jsonl"),
        ("application/json-seq", "json-seq"),
        ("application/json", None),
    ],
)
def test_sequential_media_types_are_known_by_name(media: str, kind: str | None) -> None:
    assert sequential_kind(media) == kind
    assert is_sequential(media) is (kind is not None)
