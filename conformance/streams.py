"""Sequential media types: the item parsers for streamed response bodies.

A streamed response is a sequence of items, not one JSON body. Three formats:

- `text/event-stream` (Server-Sent Events, parsed as the WHATWG HTML standard's
  event-stream format defines it): lines end in CRLF, LF or CR; a line starting
  with `:` is a comment; `field: value` (one optional space after the colon); an
  empty line dispatches the event. `data` lines join with "\\n"; `id` containing
  NUL is ignored; `retry` counts only when all ASCII digits; unknown fields are
  ignored; an event with no `data` field is not dispatched (as a browser does).
  The item is `{"data": …, "event"?: …, "id"?: …, "retry"?: …}`.
- JSON Lines (`application/jsonl`, `application/x-ndjson`, `application/x-jsonlines`):
  one JSON text a line; blank lines are skipped.
- JSON text sequences (`application/json-seq`, RFC 7464): each text starts with
  the record separator (0x1E) and usually ends with a line feed.

Every parser is incremental: `feed(bytes)` returns the items completed so far and
keeps only the unfinished tail, so memory is bounded by one item, never by the
stream; `close()` returns what the end of the stream completes. A JSON item that
does not parse is an `Item` with `error` set (the stream is judged, never refused).
`parse_items()` parses a whole body at once (replay, validate).
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "EVENT_STREAM",
    "SEQUENTIAL",
    "Item",
    "ItemParser",
    "is_sequential",
    "parser_for",
    "parse_items",
    "sequential_kind",
]

EVENT_STREAM = "text/event-stream"
_KINDS = {
    "text/event-stream": "sse",
    "application/jsonl": "jsonl",
    "application/x-ndjson": "jsonl",
    "application/x-jsonlines": "jsonl",
    "application/jsonlines": "jsonl",
    "application/json-seq": "json-seq",
}
SEQUENTIAL = frozenset(_KINDS)
_RS = "\x1e"
_EOL = re.compile(r"\r\n|\r|\n")  # the event-stream's line ends (not \v, \f, U+2028)
# One unfinished item larger than this is cut off (an item error), so a stream
# that never ends a line cannot grow memory without bound.
MAX_ITEM_BYTES = 8 * 1024 * 1024


def sequential_kind(media_type: str) -> str | None:
    """ "sse", "jsonl" or "json-seq" for a sequential media type, else None."""
    base = media_type.split(";")[0].strip().lower()
    return _KINDS.get(base)


def is_sequential(media_type: str) -> bool:
    return sequential_kind(media_type) is not None


@dataclass(frozen=True, slots=True)
class Item:
    """One streamed item: its position, its value, and when it arrived.

    `value` is the parsed JSON (JSON Lines, json-seq) or the event object (SSE);
    `error` says why a JSON item could not be parsed (value is then None);
    `at` is seconds since the response started (0.0 when not timed).
    """

    index: int
    value: Any
    error: str = ""
    at: float = 0.0
    raw: str = ""  # the item's text as sent (for cassettes and messages)


class ItemParser(Protocol):
    def feed(self, chunk: bytes, at: float = 0.0) -> list[Item]: ...

    def close(self, at: float = 0.0) -> list[Item]: ...


class _Lines:
    """UTF-8 decoding and line splitting on CRLF, LF or CR, across chunk borders."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._tail = ""
        self._first = True

    def feed(self, chunk: bytes, final: bool = False) -> list[str]:
        text = self._decoder.decode(chunk, final)
        if self._first and text:
            self._first = False
            text = text.removeprefix("\ufeff")  # one leading BOM is dropped
        text = self._tail + text
        lines: list[str] = []
        start = 0
        for match in _EOL.finditer(text):
            if match.group() == "\r" and match.end() == len(text) and not final:
                break  # a CR at the end may be half of a CRLF
            lines.append(text[start : match.start()])
            start = match.end()
        self._tail = text[start:]
        if final and self._tail:
            lines.append(self._tail)
            self._tail = ""
        if len(self._tail) > MAX_ITEM_BYTES:
            lines.append(self._tail)  # the parser reports the oversize item
            self._tail = ""
        return lines


class EventStreamParser:
    """Server-Sent Events, field by field, as the WHATWG event-stream format says."""

    def __init__(self) -> None:
        self._lines = _Lines()
        self._index = 0
        self._reset()

    def _reset(self) -> None:
        self._data: list[str] = []
        self._has_data = False
        self._fields: dict[str, Any] = {}
        self._raw: list[str] = []

    def feed(self, chunk: bytes, at: float = 0.0) -> list[Item]:
        return self._take(self._lines.feed(chunk), at)

    def close(self, at: float = 0.0) -> list[Item]:
        # A blank line the end completes dispatches; an event the stream ends
        # before its blank line is discarded (as the standard says).
        out = self._take(self._lines.feed(b"", final=True), at)
        self._reset()
        return out

    def _take(self, lines: Iterable[str], at: float) -> list[Item]:
        out: list[Item] = []
        for line in lines:
            if line == "":
                if self._has_data:
                    out.append(self._dispatch(at))
                self._reset()
                continue
            self._raw.append(line)
            if line.startswith(":"):
                continue  # a comment (keep-alives)
            name, colon, value = line.partition(":")
            if colon and value.startswith(" "):
                value = value[1:]
            if name == "data":
                self._data.append(value)
                self._has_data = True
            elif name == "event":
                self._fields["event"] = value
            elif name == "id" and "\0" not in value:
                self._fields["id"] = value
            elif name == "retry" and value.isascii() and value.isdigit():
                self._fields["retry"] = int(value)
        return out

    def _dispatch(self, at: float) -> Item:
        event = {"data": "\n".join(self._data), **self._fields}
        item = Item(self._index, event, at=at, raw="\n".join(self._raw))
        self._index += 1
        return item


class JsonLinesParser:
    """JSON Lines / NDJSON: one JSON text a line, blank lines skipped."""

    def __init__(self) -> None:
        self._lines = _Lines()
        self._index = 0

    def feed(self, chunk: bytes, at: float = 0.0) -> list[Item]:
        return self._take(self._lines.feed(chunk), at)

    def close(self, at: float = 0.0) -> list[Item]:
        return self._take(self._lines.feed(b"", final=True), at)

    def _take(self, lines: Iterable[str], at: float) -> list[Item]:
        out = []
        for line in lines:
            if not line.strip():
                continue
            out.append(_json_item(self._index, line, at))
            self._index += 1
        return out


class JsonSeqParser:
    """RFC 7464 JSON text sequences: RS, a JSON text, LF; split on RS."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._tail = ""
        self._index = 0

    def feed(self, chunk: bytes, at: float = 0.0) -> list[Item]:
        text = self._tail + self._decoder.decode(chunk)
        parts = text.split(_RS)
        self._tail = parts.pop()
        if len(self._tail) > MAX_ITEM_BYTES:
            parts.append(self._tail)
            self._tail = ""
        return self._take(parts, at)

    def close(self, at: float = 0.0) -> list[Item]:
        text = self._tail + self._decoder.decode(b"", True)
        self._tail = ""
        return self._take([text], at)

    def _take(self, parts: Iterable[str], at: float) -> list[Item]:
        out = []
        for part in parts:
            if not part.strip():
                continue  # text before the first RS, or an empty record
            out.append(_json_item(self._index, part, at))
            self._index += 1
        return out


def _json_item(index: int, text: str, at: float) -> Item:
    if len(text) > MAX_ITEM_BYTES:
        return Item(index, None, f"item larger than {MAX_ITEM_BYTES} bytes", at)
    try:
        return Item(index, json.loads(text), at=at, raw=text.strip())
    except json.JSONDecodeError as exc:
        return Item(index, None, f"not JSON: {exc.msg} at column {exc.colno}", at, text)
    except RecursionError:
        return Item(index, None, "nested too deeply to parse", at, text)


_PARSERS = {"sse": EventStreamParser, "jsonl": JsonLinesParser}


def parser_for(media_type: str) -> ItemParser:
    """A fresh incremental parser for a sequential media type (ValueError if not)."""
    kind = sequential_kind(media_type)
    if kind is None:
        raise ValueError(f"{media_type!r} is not a sequential media type")
    if kind == "json-seq":
        return JsonSeqParser()
    return _PARSERS[kind]()


def parse_items(
    media_type: str, body: bytes, times: Iterable[float] | None = None
) -> list[Item]:
    """Every item of a whole body; `times` (arrival times, by index) if recorded."""
    parser = parser_for(media_type)
    items = [*parser.feed(body), *parser.close()]
    if times is not None:
        stamps = list(times)
        items = [
            Item(i.index, i.value, i.error, stamps[i.index], i.raw)
            if i.index < len(stamps)
            else i
            for i in items
        ]
    return items
