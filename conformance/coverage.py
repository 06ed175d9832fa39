"""Contract coverage: which parts of the response contract the traffic exercised.

Not code coverage: a green nightly says nothing about *what* it checked. For every
operation the run called, this counts

- each documented status: seen how often (`statuses`);
- per JSON response body (walking the compiled schema beside the body):
  each discriminator value (`branches`), each `oneOf`/`anyOf` alternative
  (`alternatives`), each response `enum` value (`enums`), each optional member
  present / absent (`optional`) and each nullable member null / not null
  (`nullable`) — zero counts included, so what was never seen is listed.

Points under a discriminator branch carry it: `/schedule/cronjob (job_type=CRON)`.
Array items fold to `*` (`/healthchecks/*/port`). Recursive schemas are followed
once. `reached` counts the bodies that had a value at each place: not points, but
it lets the not-exercised list say "subtree /source/docker never reached (39
points)" once instead of 39 lines. The whole thing is a JSON-ready dict
(results.json `"coverage"`), so the coverage of several runs merges by adding
counts (`merge`), and every number a report shows (`score`, `not_exercised`) is
computed from that dict alone.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .body import JSONProblem, parse_json
from .spec import is_json_media_type, media_type_matches

if TYPE_CHECKING:
    from .contract import Contract
    from .recording import Exchange
    from .spec import Operation
    from .validate import ResponseValidator

DEFINITION = (
    "share of contract points seen at least once: each documented status of each "
    "operation called; in each documented JSON body, each discriminator value, "
    "oneOf/anyOf alternative and response enum value; each optional member both "
    "present and absent; each nullable member both null and not null"
)
BODY_KINDS = ("alternatives", "enums", "optional", "nullable")
MAX_STATIC_DEPTH = 24  # schema nesting followed when listing the points of a body
MAX_DEPTH = 128  # body nesting followed when counting (3 frames a level)
_NOTHING: Any = object()  # "no instance": list the points, count nothing


# -- the walk over a compiled schema and (optionally) a body --------------------


class BodyModel:
    """The coverage points of one JSON response body schema, and their counts."""

    def __init__(self, validator: ResponseValidator) -> None:
        self.v = validator
        self.branches: dict[str, int] = {}
        self._discriminators: set[str] = set()  # their values count as branches
        self.reached: dict[str, int] = {}  # place → bodies that had a value there
        self._places: dict[int, _Place] = {}
        self._alls: dict[tuple[int, ...], dict[str, Any]] = {}
        self._keep: list[Any] = []  # keeps the ids of cached places unique
        self.points: dict[str, dict[str, dict[str, int]]] = {k: {} for k in BODY_KINDS}
        schema = validator.schema
        if schema is not None:
            self._walk(schema, _NOTHING, "", "", frozenset(), 0)

    def observe(self, body: Any) -> None:
        """Count what `body` exercises (a body that fails validation counts too)."""
        if self.v.schema is not None:
            self._walk(self.v.schema, body, "", "", frozenset(), 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "branches": dict(self.branches),
            **_copy(self.points),
            "reached": dict(self.reached),
        }

    # -- internals --

    def _bump(self, kind: str, key: str, option: str, seen: bool) -> None:
        options = self.points[kind].setdefault(key, {})
        options[option] = options.get(option, 0) + (1 if seen else 0)

    def _place(self, schema: Any, refs: frozenset[str]) -> _Place:
        """What applies at one place of the schema (cached for counting walks)."""
        cached = None if refs else self._places.get(id(schema))
        if cached is not None:
            return cached
        place = _Place()
        todo = [schema]
        seen: set[int] = set()
        while todo:
            node = todo.pop(0)
            if isinstance(node, dict) and "$ref" in node:
                ref = str(node["$ref"])
                if ref in refs:
                    continue  # recursive: its points are listed where it began
                place.used.add(ref)
                node = self.v.resolve(node)
            if not isinstance(node, dict) or id(node) in seen:
                continue
            seen.add(id(node))
            if id(node) in self.v.map.nullable_wrappers:
                place.nullable = True
                todo.append(node["anyOf"][1])
                continue
            if id(node) in self.v.map.guards:
                continue  # the discriminator's own guard: the arms count
            kinds = node.get("type")
            if kinds == "null" or (isinstance(kinds, list) and "null" in kinds):
                place.nullable = True
            place.nodes.append(node)
            todo.extend(node.get("allOf", ()))
            if "if" in node and id(node) in self.v.map.dispatch:
                place.arms.append((self.v.map.dispatch[id(node)], node.get("then", {})))
            for kw in ("oneOf", "anyOf"):
                if isinstance(node.get(kw), list):
                    place.unions.append((kw, node[kw]))
        props: dict[str, list[Any]] = {}
        items: list[Any] = []
        extra: list[Any] = []
        for node in place.nodes:
            place.values += [v for v in node.get("enum", ()) if v is not None]
            for name, sub in (node.get("properties") or {}).items():
                props.setdefault(name, []).append(sub)
            place.required.update(
                n for n in node.get("required", ()) if isinstance(n, str)
            )
            if isinstance(node.get("items"), dict):
                items.append(node["items"])
            if isinstance(node.get("additionalProperties"), dict):
                extra.append(node["additionalProperties"])
        place.props = {name: self._all(subs) for name, subs in props.items()}
        place.items = self._all(items) if items else None
        place.extra = self._all(extra) if extra else None
        if not refs:
            self._places[id(schema)] = place
            self._keep.append(schema)
        return place

    def _all(self, schemas: list[Any]) -> Any:
        """One schema standing for several (the same object for the same list)."""
        if len(schemas) == 1:
            return schemas[0]
        key = tuple(id(s) for s in schemas)
        if key not in self._alls:
            self._alls[key] = {"allOf": schemas}
        return self._alls[key]

    def _walk(
        self,
        schema: Any,
        inst: Any,
        ctx: str,
        ptr: str,
        refs: frozenset[str],
        depth: int,
    ) -> None:
        static = inst is _NOTHING
        if depth > (MAX_STATIC_DEPTH if static else MAX_DEPTH):
            return
        place = self._place(schema, refs)
        refs = refs | place.used if static else refs
        key = _key(ptr, ctx)
        self.reached[key] = self.reached.get(key, 0) + (0 if static else 1)
        if place.nullable:
            self._bump("nullable", key, "null", not static and inst is None)
            self._bump("nullable", key, "value", not static and inst is not None)
        if not static and inst is None:
            return
        if key not in self._discriminators:
            for value in place.values:
                self._bump("enums", key, _label(value), not static and inst == value)
        for arm, then in place.arms:
            name = _branch_key(ptr, ctx, arm.prop, arm.key)
            taken = (
                not static
                and isinstance(inst, dict)
                and inst.get(arm.prop) == (arm.key)
            )
            self.branches[name] = self.branches.get(name, 0) + (1 if taken else 0)
            if static or taken:
                inner = (
                    f"{ctx}, {arm.prop}={arm.key}" if ctx else f"{arm.prop}={arm.key}"
                )
                self._discriminators.add(_key(f"{ptr}/{_escape(arm.prop)}", inner))
                self._walk(then, inst, inner, ptr, refs, depth + 1)
        for kw, alternatives in place.unions:
            for i, alternative in enumerate(alternatives):
                fits = not static and self.v.fits(inst, alternative)
                self._bump("alternatives", key, _alt_label(kw, i, alternative), fits)
                if static or fits:
                    self._walk(alternative, inst, ctx, ptr, refs, depth + 1)
        self._members(place, inst, ctx, ptr, refs, depth)

    def _members(
        self,
        place: _Place,
        inst: Any,
        ctx: str,
        ptr: str,
        refs: frozenset[str],
        depth: int,
    ) -> None:
        static = inst is _NOTHING
        if static or isinstance(inst, dict):
            for name, sub in place.props.items():
                path = f"{ptr}/{_escape(name)}"
                present = not static and name in inst
                if name not in place.required:
                    key = _key(path, ctx)
                    self._bump("optional", key, "present", present)
                    self._bump("optional", key, "absent", not static and not present)
                if static or present:
                    value = _NOTHING if static else inst[name]
                    self._walk(sub, value, ctx, path, refs, depth + 1)
            if place.extra is not None:
                others = () if static else [k for k in inst if k not in place.props]
                for value in [_NOTHING] if static else [inst[k] for k in others]:
                    self._walk(place.extra, value, ctx, f"{ptr}/*", refs, depth + 1)
        if place.items is not None and (static or isinstance(inst, list)):
            for value in [_NOTHING] if static else inst:
                self._walk(place.items, value, ctx, f"{ptr}/*", refs, depth + 1)


@dataclass
class _Place:
    """What applies at one place of a schema, merged across its allOf parts."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    arms: list[tuple[Any, Any]] = field(default_factory=list)  # (Dispatch, then)
    unions: list[tuple[str, list[Any]]] = field(default_factory=list)
    nullable: bool = False
    used: set[str] = field(default_factory=set)  # $refs followed
    values: list[Any] = field(default_factory=list)  # enum values (not null)
    props: dict[str, Any] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    items: Any = None
    extra: Any = None


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _key(ptr: str, ctx: str) -> str:
    return f"{ptr or '/'} ({ctx})" if ctx else ptr or "/"


def _branch_key(ptr: str, ctx: str, prop: str, value: str) -> str:
    """The root discriminator's values stand alone (`CRON`); nested ones say where."""
    if not ptr and not ctx:
        return value
    return _key(f"{ptr or '/'} {prop}={value}", ctx)


def _label(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _alt_label(kw: str, index: int, alternative: Any) -> str:
    if isinstance(alternative, dict):
        ref = alternative.get("$ref")
        if isinstance(ref, str):
            return ref.rsplit("/", 1)[-1]
        required = alternative.get("required")
        if isinstance(required, list) and required:
            return "+".join(str(r) for r in required)
        kind = alternative.get("type")
        if isinstance(kind, str):
            return kind
    return f"{kw}[{index}]"


def _copy(points: dict[str, dict[str, dict[str, int]]]) -> dict[str, Any]:
    return {k: {p: dict(o) for p, o in v.items()} for k, v in points.items()}


# -- what a run saw -----------------------------------------------------------------


class Tracker:
    """Coverage of one run: feed it every answered exchange with its operation."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self._ops: dict[str, dict[str, Any]] = {}
        self._bodies: dict[tuple[str, str], tuple[str, BodyModel] | None] = {}

    def _op(self, op: Operation) -> dict[str, Any]:
        entry = self._ops.get(op.operation_id)
        if entry is None:
            entry = self._ops[op.operation_id] = {
                "method": op.method.upper(),
                "path": op.path,
                "calls": 0,
                "statuses": {s: {"count": 0} for s in op.responses},
            }
        return entry

    def _body(self, op: Operation, status: str) -> tuple[str, BodyModel] | None:
        key = (op.operation_id, status)
        if key not in self._bodies:
            found = None
            for name, media in op.responses[status].content.items():
                if media.schema is not None and is_json_media_type(name):
                    validator = self.contract.response_validator(
                        op.operation_id, status, name
                    )
                    found = (name, BodyModel(validator))
                    break
            self._bodies[key] = found
        return self._bodies[key]

    def observe(self, exchange: Exchange, op: Operation) -> None:
        """Count the status and the body of one exchange sent to `op`."""
        entry = self._op(op)
        entry["calls"] += 1
        if not exchange.answered or exchange.status is None:
            return
        response = op.response_for(exchange.status)
        if response is None:
            return  # an undocumented status is a failure, not coverage
        entry["statuses"][response.status]["count"] += 1
        found = self._body(op, response.status)
        if found is None or not media_type_matches(found[0], exchange.content_type):
            return
        try:  # read as the checks read it: exact integers, no NaN
            body = parse_json(exchange.body)
        except (JSONProblem, RecursionError, MemoryError):
            return
        with contextlib.suppress(RecursionError):  # counted as deep as Python goes
            found[1].observe(body)

    def observe_body(self, op: Operation, status: str, body: Any) -> None:
        """Count one decoded body of a documented status (generated bodies: the
        self-check's valid draws), as if a response had carried it."""
        entry = self._op(op)
        entry["calls"] += 1
        entry["statuses"][status]["count"] += 1
        found = self._body(op, status)
        if found is not None:
            found[1].observe(body)

    def to_json(self) -> dict[str, Any]:
        """The `"coverage"` object of results.json."""
        operations: dict[str, Any] = {}
        for op_id, entry in self._ops.items():
            op = self.contract.operation(op_id)
            statuses: dict[str, Any] = {}
            for status, counted in entry["statuses"].items():
                out = dict(counted)
                found = self._body(op, status)
                if found is not None:
                    out["media_type"] = found[0]
                    out.update(found[1].to_json())
                statuses[status] = out
            operations[op_id] = {**entry, "statuses": statuses}
        return with_score({"definition": DEFINITION, "operations": operations})


# -- the numbers, from the JSON alone ----------------------------------------------


def points(cov: dict[str, Any]) -> Iterator[tuple[str, int]]:
    """Every coverage point as (description, count)."""
    for what, count, _ in _points(cov):
        yield what, count


def _points(cov: dict[str, Any]) -> Iterator[tuple[str, int, str]]:
    """(description, count, the body place it needs reached: "" for none)."""
    for op_id, entry in cov.get("operations", {}).items():
        for status, data in entry.get("statuses", {}).items():
            head = f"{op_id} {status}"
            yield f"{head}: status never received", data.get("count", 0), ""
            for value, count in data.get("branches", {}).items():
                yield f"{head}: branch {value}", count, f"{head}\0/"
            for kind in BODY_KINDS:
                for where, options in data.get(kind, {}).items():
                    anchor = _parent(where) if kind == "optional" else where
                    for option, count in options.items():
                        what = f"{head}: {_what(kind, where, option)}"
                        yield what, count, f"{head}\0{anchor}"


def _split(key: str) -> tuple[str, str]:
    if key.endswith(")") and " (" in key:
        ptr, ctx = key[:-1].rsplit(" (", 1)
        return ptr, ctx
    return key, ""


def _parent(key: str) -> str:
    """The place holding `key` (same branch): `/a/b (x=1)` → `/a (x=1)`."""
    ptr, ctx = _split(key)
    parent = ptr.rsplit("/", 1)[0] or "/"
    return _key("" if parent == "/" else parent, ctx)


def _what(kind: str, where: str, option: str) -> str:
    if kind == "alternatives":
        return f"{where} alternative {option}"
    if kind == "enums":
        return f"{where} = {option}"
    if kind == "optional":
        return f"{where} {'present' if option == 'present' else 'absent'}"
    return f"{where} {'null' if option == 'null' else 'not null'}"


def score(cov: dict[str, Any]) -> tuple[int, int]:
    """(points seen at least once, all points)."""
    covered = total = 0
    for _, count in points(cov):
        total += 1
        covered += count > 0
    return covered, total


def with_score(cov: dict[str, Any]) -> dict[str, Any]:
    covered, total = score(cov)
    percent = round(100.0 * covered / total, 1) if total else 100.0
    return {**cov, "covered": covered, "points": total, "percent": percent}


_PRIORITY = ("status", "branch", "subtree", "alternative", "null", "present", "absent")


def not_exercised(cov: dict[str, Any]) -> list[str]:
    """Points never seen, the most useful first; a place no body ever reached is
    one line for everything under it (`… never reached: 120 points`)."""
    reached: dict[str, int] = {}
    for op_id, entry in cov.get("operations", {}).items():
        for status, data in entry.get("statuses", {}).items():
            for key, count in (data.get("reached") or {}).items():
                reached[f"{op_id} {status}\0{key}"] = count
    listed: list[str] = []
    folded: dict[str, int] = {}
    for what, count, anchor in _points(cov):
        if count:
            continue
        top = _topmost_unreached(anchor, reached) if anchor else None
        if top is None:
            listed.append(what)
        else:
            folded[top] = folded.get(top, 0) + 1
    for top, count in folded.items():
        head, place = top.split("\0", 1)
        listed.append(f"{head}: subtree {place} never reached ({count} points)")

    def rank(what: str) -> int:
        words = what.split(": ", 1)[-1].split(" ")
        for i, word in enumerate(_PRIORITY):
            if word in words:
                return i
        return len(_PRIORITY)

    return sorted(listed, key=rank)


def _topmost_unreached(anchor: str, reached: dict[str, int]) -> str | None:
    if reached.get(anchor, 1) != 0:
        return None
    head, key = anchor.split("\0", 1)
    while True:
        parent = _parent(key)
        if parent == key or reached.get(f"{head}\0{parent}", 1) != 0:
            return f"{head}\0{key}"
        key = parent


def merge(coverages: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The coverage of several runs: every count added, the score recomputed."""
    operations: dict[str, Any] = {}
    for cov in coverages:
        for op_id, entry in cov.get("operations", {}).items():
            into = operations.setdefault(
                op_id,
                {"method": entry.get("method"), "path": entry.get("path"), "calls": 0},
            )
            into["calls"] += entry.get("calls", 0)
            statuses = into.setdefault("statuses", {})
            for status, data in entry.get("statuses", {}).items():
                _add(statuses.setdefault(status, {}), data)
    return with_score({"definition": DEFINITION, "operations": operations})


def _add(into: dict[str, Any], data: dict[str, Any]) -> None:
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, (int, dict)):
            into.setdefault(key, value)
        elif isinstance(value, int):
            into[key] = into.get(key, 0) + value
        else:
            _add(into.setdefault(key, {}), value)
