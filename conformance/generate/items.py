"""Item sequences for streamed responses: conforming ones, and one broken item.

A stream (SSE, JSON Lines, json-seq; see streams.py) is a sequence of items, each
drawn from the media type's item schema with the plan machinery of plan.py. For
Server-Sent Events whose `data` declares a JSON `contentSchema`, the data is drawn
from that schema and written as JSON text, so the event is what a real server
sends. `ItemSequence.body` is the wire form; parsing it gives the items back (a
draw that would not survive the wire, e.g. an event name with a line break, is
rejected, never changed).

`broken_item_sequences` breaks exactly one item with one named mutation
(mutations.py) and says where the stream check must report it:
`/items/3/data/state`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..streamcheck import content_schema
from ..streams import parse_items, sequential_kind
from .mutations import Mutation, invalid_bodies
from .plan import plan_for

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn, SearchStrategy

    from ..contract import Contract
    from ..spec import Location

__all__ = ["ItemSequence", "broken_item_sequences", "encode", "item_sequences"]


@dataclass(frozen=True)
class ItemSequence:
    """Items of one stream, their wire form, and the broken item if any."""

    media_type: str
    items: tuple[Any, ...]
    body: bytes
    broken: int | None = None  # index of the broken item
    mutation: Mutation | None = None
    pointer: str = ""  # where the stream check must report the broken rule

    def matches(self, pointer: str, keyword: str) -> bool:
        """True if a reported violation is the one the broken item must cause."""
        if self.mutation is None:
            return False
        inner = self.pointer.removesuffix(self.mutation.pointer) or self.pointer
        return pointer.startswith(inner) and self.mutation.matches(
            pointer[len(inner) :], keyword
        )


def encode(media_type: str, items: list[Any] | tuple[Any, ...]) -> bytes:
    """The wire form of items: SSE events, JSON lines, or RS-separated texts."""
    kind = sequential_kind(media_type)
    if kind == "sse":
        return "".join(_event(item) for item in items).encode()
    if kind == "jsonl":
        return "".join(json.dumps(item) + "\n" for item in items).encode()
    if kind == "json-seq":
        return "".join("\x1e" + json.dumps(item) + "\n" for item in items).encode()
    raise UsageError(f"{media_type!r} is not a sequential media type")


def _event(item: Any) -> str:
    if not isinstance(item, dict):
        return f"data: {json.dumps(item)}\n\n"  # not an event: unparseable back
    lines = [f"{k}: {item[k]}" for k in ("event", "id", "retry") if k in item]
    data = item.get("data", "")
    lines.extend(f"data: {part}" for part in str(data).split("\n"))
    return "\n".join(lines) + "\n\n"


def _round_trips(media_type: str, items: list[Any]) -> bool:
    back = [i.value for i in parse_items(media_type, encode(media_type, items))]
    return back == items


class _Streams:
    """The item plan of one streamed response (and its event data plans)."""

    def __init__(
        self, contract: Contract, operation_id: str, status: Any, media_type: str
    ) -> None:
        op, response = contract.response(operation_id, status)
        media = contract.media_type(response, media_type)
        if media is None or not media.sequential or media.item_schema is None:
            raise UsageError(
                f"{op.operation_id} {response.status} {media_type} is not a stream "
                "with an item schema"
            )
        self.contract = contract
        self.args = (op.operation_id, response.status, media.name)
        self.media_type = media.name
        self.item_loc: Location = media.item_schema
        self.sse = sequential_kind(media.name) == "sse"
        self.plan = plan_for(contract, *self.args, at=self.item_loc)

    def data_loc(self, item: Any) -> Location | None:
        if not self.sse or not isinstance(item, dict):
            return None
        event = str(item.get("event") or "message")
        return content_schema(self.contract.spec, self.item_loc, event)

    def item(self, draw: DrawFn) -> Any:
        item = draw(self.plan.strategy())
        loc = self.data_loc(item)
        if loc is not None:
            data_plan = plan_for(self.contract, *self.args, at=loc)
            item = {**item, "data": json.dumps(draw(data_plan.strategy()))}
        return item


def item_sequences(
    contract: Contract,
    operation_id: str,
    status: int | str | None = None,
    media_type: str = "text/event-stream",
    *,
    min_items: int = 1,
    max_items: int = 5,
) -> SearchStrategy[ItemSequence]:
    """Streams whose every item conforms, as items and as the bytes on the wire."""
    from hypothesis import reject
    from hypothesis import strategies as st

    streams = _Streams(contract, operation_id, status, media_type)

    @st.composite
    def sequences(draw: DrawFn) -> ItemSequence:
        count = draw(st.integers(min_items, max_items))
        items = [streams.item(draw) for _ in range(count)]
        if not _round_trips(streams.media_type, items):
            reject()
        body = encode(streams.media_type, items)
        return ItemSequence(streams.media_type, tuple(items), body)

    return sequences()


def broken_item_sequences(
    contract: Contract,
    operation_id: str,
    status: int | str | None = None,
    media_type: str = "text/event-stream",
    *,
    max_items: int = 5,
    rules: tuple[str, ...] | None = None,
) -> SearchStrategy[ItemSequence]:
    """Streams of conforming items but one, which breaks one named rule."""
    from hypothesis import reject
    from hypothesis import strategies as st

    streams = _Streams(contract, operation_id, status, media_type)
    args = streams.args

    @st.composite
    def sequences(draw: DrawFn) -> ItemSequence:
        count = draw(st.integers(1, max_items))
        broken = draw(st.integers(0, count - 1))
        items = [streams.item(draw) for _ in range(count)]
        loc = streams.data_loc(items[broken])
        if loc is not None:  # break the event's JSON data
            mutation = draw(invalid_bodies(contract, *args, rules=rules, at=loc))
            items[broken] = {**items[broken], "data": json.dumps(mutation.body)}
            pointer = f"/items/{broken}/data{mutation.pointer}"
        else:
            where = streams.item_loc
            mutation = draw(invalid_bodies(contract, *args, rules=rules, at=where))
            items[broken] = mutation.body
            pointer = f"/items/{broken}{mutation.pointer}"
        if not _round_trips(streams.media_type, items):
            reject()
        body = encode(streams.media_type, items)
        return ItemSequence(
            streams.media_type, tuple(items), body, broken, mutation, pointer
        )

    return sequences()
