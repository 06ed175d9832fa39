"""Streamed bodies judged item by item: each item against the item schema.

A streamed body (streams.py) is a sequence of items; each must match the media
type's item schema (3.2 `itemSchema`, or `schema` read as one). A violation names
the item: `/items/3/status`. For Server-Sent Events the item is the event object
(`data`, `event`, `id`, `retry`); where the item schema's `data` declares
`contentMediaType: application/json` with a `contentSchema`, the data is parsed and
checked against it too: `/items/3/data/status`. An event schema that is a union
over `event` names (`oneOf` branches with `event: {const: progress}`) picks the
branch by the event's name ("message" when the event names none).

Pure: items in, `Violation`s out; no network, no clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .model import Violation
from .spec import Location, MediaType, Spec, pointer_loc
from .streams import Item, sequential_kind

if TYPE_CHECKING:
    from .contract import Contract

__all__ = ["content_schema", "data_rule", "item_violations"]


def item_violations(
    contract: Contract,
    media: MediaType,
    items: Iterable[Item],
    title: str = "",
    rules: dict[str, Any] | None = None,
) -> Iterator[Violation]:
    """Every violation of every item, each pointer under `/items/<index>`.

    `rules` caches each event name's data rule; pass the same dict to judge one
    stream's items a few at a time (as they arrive) at the cost of all at once.
    """
    if media.item_schema is None:
        return
    loc = media.item_schema
    validator = contract.validator_at(loc, title)
    sse = sequential_kind(media.name) == "sse"
    found: dict[str, tuple[Location, Location | None] | None] = (
        {} if rules is None else rules
    )
    spec = contract.spec
    for item in items:
        at = f"/items/{item.index}"
        if item.error:
            yield _violation(
                spec, loc, at, "json", f"item {item.index} is {item.error}"
            )
            continue
        if not validator.is_valid(item.value):
            for v in validator.explain(item.value):
                yield replace(v, pointer=at + v.pointer)
        if not sse or not isinstance(item.value, dict):
            continue
        event = str(item.value.get("event") or "message")
        if event not in found:
            found[event] = data_rule(spec, loc, event)
        rule = found[event]
        if rule is None:
            continue
        data_loc, schema_loc = rule
        try:
            data = json.loads(str(item.value.get("data", "")))
        except json.JSONDecodeError as exc:
            yield _violation(
                spec,
                pointer_loc(data_loc, "contentMediaType"),
                at + "/data",
                "contentMediaType",
                f"data of event {item.index} is not JSON: {exc.msg} "
                f"at column {exc.colno}",
            )
            continue
        except RecursionError:
            yield _violation(
                spec, data_loc, at + "/data", "contentMediaType", "data nested too deep"
            )
            continue
        if schema_loc is None:
            continue  # JSON declared, no schema for it
        data_validator = contract.validator_at(schema_loc, f"{title} data")
        if not data_validator.is_valid(data):
            for v in data_validator.explain(data):
                yield replace(v, pointer=at + "/data" + v.pointer)


def content_schema(spec: Spec, loc: Location, event: str) -> Location | None:
    """Where the event schema at `loc` declares JSON `data` with a `contentSchema`
    (for events named `event`); None when there is no schema for the data."""
    rule = data_rule(spec, loc, event)
    return rule[1] if rule is not None else None


def data_rule(
    spec: Spec, loc: Location, event: str
) -> tuple[Location, Location | None] | None:
    """(the `data` schema, its `contentSchema` or None) where the event schema at
    `loc` declares `data` as JSON text; None when data is just a string."""
    for part_loc, part in _parts(spec, loc, event):
        props = part.get("properties")
        if not isinstance(props, dict) or not isinstance(props.get("data"), dict):
            continue
        data_loc, data = spec.deref(pointer_loc(part_loc, "properties", "data"))
        if not isinstance(data, dict):
            continue
        declared = data.get("contentMediaType")
        if "contentSchema" in data and _is_json(str(declared or "application/json")):
            return data_loc, pointer_loc(data_loc, "contentSchema")
        if isinstance(declared, str) and _is_json(declared):
            return data_loc, None
    return None


def _parts(spec: Spec, loc: Location, event: str) -> Iterator[tuple[Location, Any]]:
    """The schema, its `allOf` parts, and the union branches that admit `event`."""
    todo = [(loc, False)]
    seen: set[Location] = set()
    while todo and len(seen) < 64:
        at, branch = todo.pop(0)
        where, node = spec.deref(at)
        if where in seen or not isinstance(node, dict):
            continue
        seen.add(where)
        if branch and not _admits(spec, where, node, event):
            continue  # a union branch for other event names
        yield where, node
        for kw in ("allOf", "oneOf", "anyOf"):
            parts = node.get(kw)
            if isinstance(parts, list):
                todo.extend(
                    (pointer_loc(where, kw, i), kw != "allOf")
                    for i in range(len(parts))
                )


def _admits(spec: Spec, where: Location, node: dict[str, Any], event: str) -> bool:
    props = node.get("properties")
    if not isinstance(props, dict) or "event" not in props:
        return True
    try:
        _, schema = spec.deref(pointer_loc(where, "properties", "event"))
    except KeyError:
        return True
    if not isinstance(schema, dict):
        return True
    if "const" in schema:
        return bool(schema["const"] == event)
    if isinstance(schema.get("enum"), list):
        return event in schema["enum"]
    return True


def _is_json(media_type: str) -> bool:
    base = media_type.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


def _violation(
    spec: Spec, loc: Location, pointer: str, keyword: str, message: str
) -> Violation:
    return Violation(
        pointer,
        keyword,
        message,
        spec_pointer=spec.pointer(loc),
        spec_line=spec.line(loc),
        spec_source=loc.uri,
    )
