"""Streaming responders of `conformance mock`: SSE, JSON Lines and json-seq.

For a documented stream (a sequential media type with an item schema, see
streams.py) the mock sends `STREAM_ITEMS` items, each drawn by the sampler from
the item schema (SSE: the event, with `data` drawn from its JSON `contentSchema`
and written as JSON text), branches in rotation, and `Prefer: delay=` waits that
long between items (not before the first), so a client meets a slow trickle.
Each item goes out in its own body message as soon as it is drawn.

`Prefer: rule=NAME` serves a stream with exactly one broken item: the others
conform, and the broken one breaks the named mutation (in the event's JSON `data`
where it has a schema, else in the item). The answer says where, in the headers
`Preference-Applied: rule=NAME` and `X-Mock-Broken-Item: /items/4/data/state`
(the pointer the stream check reports, or the start of it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .generate.items import encode
from .mock import Answer, MockError, Send, _start, responder
from .streamcheck import content_schema
from .streams import SEQUENTIAL, parse_items, sequential_kind

if TYPE_CHECKING:
    from .contract import Contract
    from .spec import MediaType, Operation, Response

__all__ = ["STREAM_ITEMS", "broken_item_source", "item_source", "stream_responder"]

STREAM_ITEMS = 10  # items per streamed answer


def item_source(
    contract: Contract,
    op: Operation,
    response: Response,
    media: MediaType,
    seed: int | None,
) -> Callable[[], Any]:
    """The next item of a stream on every call (the sampler, seeded or not)."""
    from .generate.bulk import Run
    from .generate.plan import plan_for
    from .generate.sample import Undrawable

    assert media.item_schema is not None
    args = (op.operation_id, response.status, media.name)
    items = Run(plan_for(contract, *args, at=media.item_schema), seed)
    data_runs: dict[str, Any] = {}
    sse = sequential_kind(media.name) == "sse"

    def next_item() -> Any:
        try:
            item = items.body()
            if sse and isinstance(item, dict):
                event = str(item.get("event") or "message")
                if event not in data_runs:
                    loc = content_schema(contract.spec, media.item_schema, event)
                    data_runs[event] = (
                        Run(plan_for(contract, *args, at=loc), seed) if loc else None
                    )
                if data_runs[event] is not None:
                    item = {**item, "data": json.dumps(data_runs[event].body())}
            return item
        except Undrawable as exc:
            raise MockError(
                500, f"no conforming item can be drawn: {exc.reason}"
            ) from None

    return next_item


def broken_item_source(
    contract: Contract,
    op: Operation,
    response: Response,
    media: MediaType,
    rule: str,
    seed: int,
) -> tuple[Callable[[], Any], str]:
    """`STREAM_ITEMS` items, one of them (chosen by `seed`) breaking `rule`; and
    the pointer of the broken place (`/items/4/data/state`)."""
    import random

    from .generate import MUTATIONS, RULES

    if rule not in MUTATIONS:
        raise MockError(
            400, f"Prefer: rule={rule}: unknown rule; known: {', '.join(RULES)}"
        )
    assert media.item_schema is not None
    next_item = item_source(contract, op, response, media, seed)
    items = [next_item() for _ in range(STREAM_ITEMS)]
    broken = random.Random(seed).randrange(STREAM_ITEMS)
    found = _broken(contract, op, response, media, items[broken], rule, seed)
    if found is None:
        raise MockError(
            400,
            f"Prefer: rule={rule}: no {op.operation_id} {response.status} "
            f"{media.name} item offers a place to break it",
        )
    items[broken], pointer = found
    stream = iter(items)
    return (lambda: next(stream)), f"/items/{broken}{pointer}"


def _broken(
    contract: Contract,
    op: Operation,
    response: Response,
    media: MediaType,
    item: Any,
    rule: str,
    seed: int,
) -> tuple[Any, str] | None:
    """`item` broken by `rule` (its JSON data first, else the item) and where;
    only a break that survives the wire (parses back the same) is kept."""
    from .generate import sample_invalid_bodies

    assert media.item_schema is not None
    places: list[tuple[Any, str]] = []
    if sequential_kind(media.name) == "sse" and isinstance(item, dict):
        event = str(item.get("event") or "message")
        data_loc = content_schema(contract.spec, media.item_schema, event)
        if data_loc is not None:
            places.append((data_loc, "/data"))
    places.append((media.item_schema, ""))
    for loc, prefix in places:
        mutations = sample_invalid_bodies(
            contract,
            op.operation_id,
            response.status,
            8,
            seed=seed,
            media_type=media.name,
            rules=[rule],
            at=loc,
        )
        for mutation in mutations:
            value = mutation.body
            broken = {**item, "data": json.dumps(value)} if prefix else value
            wire = encode(media.name, [broken])
            if [i.value for i in parse_items(media.name, wire)] == [broken]:
                return broken, prefix + mutation.pointer
    return None


@responder(*sorted(SEQUENTIAL))
async def stream_responder(answer: Answer, send: Send) -> None:
    """`STREAM_ITEMS` items, one body message each, `Prefer: delay=` apart."""
    import asyncio  # here: importing the CLI stays free of asyncio

    media = answer.media_type or "application/jsonl"
    await _start(send, answer)
    for index in range(STREAM_ITEMS):
        if index and answer.prefer.delay:
            await asyncio.sleep(answer.prefer.delay)
        chunk = encode(media, [answer.body()])
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})
