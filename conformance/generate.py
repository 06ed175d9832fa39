"""Hypothesis strategies of response bodies: conforming ones, and named mutations.

Valid bodies are made by construction with hypothesis-jsonschema, from a rewrite of
the compiled schema that it can generate from without filtering:

- `$ref`s are inlined; a schema may nest itself `max_depth` times, after which its
  optional members and array items stop (required ones go on, up to a hard cap);
- a compiled discriminator (guard + `if`/`then` arms, see compiler.py) becomes an
  `anyOf` of its arms, each the target schema with the property fixed by `const`;
- a plain `oneOf` becomes an `anyOf` whose alternatives exclude each other: an
  alternative forbids a member that another one requires (`properties: {k: false}`),
  or, where no such member exists, carries `not: other` (a filter, the last resort);
- `allOf` of object schemas is merged into one object (unions distributed), and
  objects are closed (`additionalProperties: false`): bodies carry no undocumented
  members unless asked for (`extra_members=True`);
- formats with a strategy (`conformance.formats`, `Contract.register_format`) are
  renamed to private aliases passed as `custom_formats`, so hypothesis-jsonschema
  neither warns about overriding its own nor re-checks them with other checkers.

Invalid bodies: draw a valid body, list the places where one named mutation
(`MUTATIONS`) applies, draw one, apply it, and keep the result only if the validator
rejects it. A `Mutation` says where the validator must report the broken rule, by
the validator's conventions (a missing member at the object that lacks it).

Known trap: hypothesis-jsonschema 0.23.1 fails on hypothesis >= 6.170.10
(`'many' object has no attribute 'more'`); pyproject.toml keeps hypothesis below it.
"""

from __future__ import annotations

import copy
import itertools
import json
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .compiler import INT_BOUNDS
from .errors import UsageError
from .source import pointer_join

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn, SearchStrategy

    from .compiler import SourceMap
    from .contract import Contract
    from .validate import ResponseValidator

__all__ = [
    "MUTATIONS",
    "RULES",
    "Branch",
    "Mutation",
    "invalid_bodies",
    "plan_for",
    "valid_bodies",
]

_STOP = object()  # a recursive $ref past the depth bound
_HARD_DEPTH = 40  # required recursion beyond this is a spec that has no finite body
_MAX_COMBINATIONS = 64  # unions distributed over an allOf
_MAX_ITEMS = 3  # arrays without maxItems: bodies stay small and quick to draw
_FORMAT_ALIAS = "conformance-format-"
_DROP = frozenset({"title", "description", "$schema", "definitions", "$defs"})
_LOWER = ("minimum", "minLength", "minItems", "minProperties", "exclusiveMinimum")
_UPPER = ("maximum", "maxLength", "maxItems", "maxProperties", "exclusiveMaximum")


# --- values -----------------------------------------------------------------------


@dataclass(frozen=True)
class Mutation:
    """A body that breaks exactly one rule, and where the validator must say so."""

    rule: str  # "required", "discriminator-unknown", ... (a key of MUTATIONS)
    body: Any
    pointer: str  # where the violation must be reported
    keyword: str  # the violation's keyword ("" = any keyword)
    valid: Any = field(repr=False)  # the conforming body it came from
    note: str = ""  # what was done, e.g. "removed 'schedule'"
    within: bool = False  # the violation may be at `pointer` or below it
    branch: str = ""  # the discriminator arm the validator must have taken

    def matches(self, pointer: str, keyword: str, branch: str = "") -> bool:
        """True if a reported violation is the one this mutation must cause."""
        at = pointer == self.pointer or (
            self.within and pointer.startswith(self.pointer + "/")
        )
        return (
            at
            and (not self.keyword or keyword == self.keyword)
            and (not self.branch or self.branch in branch)
        )


@dataclass(frozen=True, order=True)
class Branch:
    """One alternative of a union: a discriminator arm or a plain oneOf alternative."""

    union: str  # spec pointer of the union (the discriminator object or the oneOf)
    label: str  # "job_type=CRON → CronJobResponse", "…/source oneOf[0] image"

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Site:
    """A place in a valid body, with the compiled schemas that apply there."""

    path: tuple[str | int, ...]
    value: Any
    # (schema node, id of the union it is an alternative of at this level, or None)
    schemas: tuple[tuple[dict[str, Any], int | None], ...]
    discriminator: bool  # the member is the discriminator property of its parent

    @property
    def pointer(self) -> str:
        return pointer_join("", *self.path) if self.path else ""

    def plain(self) -> Iterator[dict[str, Any]]:
        """Applicable schemas that are not one alternative of a union at this level."""
        return (node for node, via in self.schemas if via is None)


@dataclass(frozen=True)
class Edit:
    """One candidate mutation at a site (before it is applied)."""

    path: tuple[str | int, ...]
    value: Any  # the new value at `path`, or a function of a donor value
    pointer: str
    keyword: str
    note: str
    within: bool = False
    branch: str = ""
    donor: Any = None  # a compiled schema to draw a valid value from
    post: Callable[[Any], bool] | None = None  # must hold for the new value


# --- the rewrite ------------------------------------------------------------------


class _Rewriter:
    """Compiled schema → a self-contained schema hypothesis-jsonschema generates."""

    def __init__(
        self,
        root: dict[str, Any],
        source_map: SourceMap,
        aliases: dict[str, str],
        *,
        max_depth: int,
    ) -> None:
        self.defs = root.get("definitions") or root.get("$defs") or {}
        self.map = source_map
        self.aliases = aliases  # format name → alias (only formats we can draw)
        self.max_depth = max_depth

    def rewrite(self, node: Any, *, closed: bool, rich: bool) -> Any:
        out = self._node(node, (), force=True)
        out = copy.deepcopy(out)  # branches share parts; closing edits in place
        if closed or rich:
            _close(out, closed=closed, rich=rich)
        return out

    def _node(self, node: Any, refs: tuple[str, ...], *, force: bool = False) -> Any:
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
            count = refs.count(name)
            if count >= self.max_depth and not force:
                return _STOP
            if len(refs) > _HARD_DEPTH:
                raise UsageError(
                    f"schema {name} nests itself without end (a required member or "
                    "a non-empty array at every level); no finite body conforms"
                )
            return self._node(self.defs[name], (*refs, name))
        if id(node) in self.map.nullable_wrappers:
            inner = self._node(node["anyOf"][1], refs)
            if inner is _STOP:
                return {"type": "null"}
            return {"anyOf": [{"type": "null"}, inner]}
        parts = node.get("allOf")
        if isinstance(parts, list) and any(id(p) in self.map.guards for p in parts):
            return self._discriminated(node, refs, force=force)
        out: dict[str, Any] = {}
        required = set(node.get("required") or ())
        for key, value in node.items():
            if key in _DROP:
                continue
            if key == "properties":
                out[key] = {
                    name: self._member(sub, refs, name in required)
                    for name, sub in value.items()
                }
            elif key == "items" and isinstance(value, dict):
                items = self._node(value, refs)
                if items is _STOP and node.get("minItems", 0) > 0:
                    items = self._node(value, refs, force=True)
                if items is _STOP:
                    out["maxItems"] = 0
                    items = {}
                out[key] = items
            elif key == "additionalProperties" and isinstance(value, dict):
                extra = self._node(value, refs)
                out[key] = False if extra is _STOP else extra
            elif key == "pattern" and isinstance(value, str):
                out[key] = _ascii_classes(value)
            elif key == "format":
                if value in self.aliases:
                    out[key] = self.aliases[value]
            elif key == "allOf":
                out[key] = [self._part(p, refs) for p in value]
            elif key in ("anyOf", "oneOf"):
                alternatives = [self._node(p, refs) for p in value]
                kept = [a for a in alternatives if a is not _STOP]
                if not kept:
                    if not force:
                        return _STOP
                    kept = [self._node(value[0], refs, force=True)]
                if key == "oneOf":
                    kept = _exclusive(kept)
                out.setdefault("anyOf_", []).append(kept)
            elif key in ("not", "if", "then", "else", "contains", "propertyNames"):
                sub = self._node(value, refs)
                out[key] = {} if sub is _STOP else sub
            else:
                out[key] = value
        unions = out.pop("anyOf_", [])
        if unions or "allOf" in out:
            pieces = [*out.pop("allOf", []), *({"anyOf": u} for u in unions)]
            merged = _merge([out, *pieces])
            if merged is None:
                return {**out, "allOf": pieces}
            return merged
        return out

    def _member(self, sub: Any, refs: tuple[str, ...], required: bool) -> Any:
        if id(sub) in self.map.write_only:
            return False  # writeOnly members must be absent from responses
        out = self._node(sub, refs)
        if out is _STOP:
            return self._node(sub, refs, force=True) if required else False
        return out

    def _part(self, part: Any, refs: tuple[str, ...]) -> Any:
        out = self._node(part, refs)
        return self._node(part, refs, force=True) if out is _STOP else out

    def _discriminated(
        self, node: dict[str, Any], refs: tuple[str, ...], *, force: bool
    ) -> Any:
        """Guard + `if`/`then` arms → anyOf of arms, each with its key as `const`."""
        rest = {k: v for k, v in node.items() if k != "allOf"}
        others = [
            p
            for p in node["allOf"]
            if id(p) not in self.map.guards and id(p) not in self.map.dispatch
        ]
        base = self._node({**rest, "allOf": others} if others else rest, refs)
        if base is _STOP:
            return _STOP
        branches = []
        for arm in node["allOf"]:
            info = self.map.dispatch.get(id(arm))
            if info is None:
                continue
            target = self._node(arm.get("then", {}), refs)
            if target is _STOP:
                continue
            fixed = {
                "properties": {info.prop: {"const": info.key}},
                "required": [info.prop],
            }
            merged = _merge([base, target, fixed])
            if merged is None:
                merged = {"allOf": [base, target, fixed]}
            if merged is not False:
                branches.append(merged)
        if not branches:
            return _STOP if not force else False
        return branches[0] if len(branches) == 1 else {"anyOf": branches}


_CLASSES = {"d": "0-9", "w": "A-Za-z0-9_"}


def _ascii_classes(pattern: str) -> str:
    """`\\d`/`\\w` as ASCII ranges: Python's regex (and hypothesis) read them as
    Unicode, ECMA-262 (jsonschema-rs) as ASCII; drawing ASCII satisfies both."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt in _CLASSES:
                ranges = _CLASSES[nxt]
                out.append(ranges if in_class else f"[{ranges}]")
            else:
                out.append(char + nxt)
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)


def _exclusive(alternatives: list[Any]) -> list[Any]:
    """Make oneOf alternatives exclude each other by construction (anyOf-ready)."""
    out = []
    for i, mine in enumerate(alternatives):
        extra: list[Any] = []
        for j, other in enumerate(alternatives):
            if i == j or _disjoint_types(mine, other):
                continue
            key = next((k for k in _required(other) if k not in _required(mine)), None)
            if key is not None:
                extra.append({"properties": {key: False}})
            else:  # nothing to forbid: filter (hypothesis-jsonschema's `not`)
                extra.append({"not": other})
        merged = _merge([mine, *extra]) if extra else mine
        out.append({"allOf": [mine, *extra]} if merged is None else merged)
    return [a for a in out if a is not False]


def _required(schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return []
    if "anyOf" in schema and "required" not in schema:
        sets = [set(_required(a)) for a in schema["anyOf"]]
        common = set.intersection(*sets) if sets else set()
        return sorted(common)
    return list(schema.get("required") or ())


def _types(schema: Any) -> set[str] | None:
    if not isinstance(schema, dict) or "type" not in schema:
        return None
    t = schema["type"]
    found = set(t) if isinstance(t, list) else {t}
    if "number" in found:
        found.add("integer")
    return found


def _disjoint_types(a: Any, b: Any) -> bool:
    ta, tb = _types(a), _types(b)
    return ta is not None and tb is not None and not (ta & tb)


def _merge(parts: list[Any]) -> Any:
    """Intersect schemas into one plain schema: a dict, False, or None (cannot)."""
    flat: list[dict[str, Any]] = []
    unions: list[list[Any]] = []
    for part in parts:
        if part is True or part == {}:
            continue
        if part is False:
            return False
        if not isinstance(part, dict):
            return None
        part = dict(part)
        if "allOf" in part:
            inner = _merge(part.pop("allOf"))
            if inner is None or inner is False:
                return inner
            if isinstance(inner, dict) and "anyOf" in inner and len(inner) == 1:
                unions.append(inner["anyOf"])
            else:
                flat.append(inner)
        if "anyOf" in part:
            unions.append(part.pop("anyOf"))
        flat.append(part)
    base = _intersect(flat)
    if base is None or base is False or not unions:
        return base
    combos = list(itertools.islice(itertools.product(*unions), _MAX_COMBINATIONS + 1))
    if len(combos) > _MAX_COMBINATIONS:
        return None
    out = []
    for combo in combos:
        merged = _merge([base, *combo])
        if merged is None:
            return None
        if merged is not False:
            out.append(merged)
    if not out:
        return False
    return out[0] if len(out) == 1 else {"anyOf": out}


def _intersect(dicts: list[dict[str, Any]]) -> Any:
    out: dict[str, Any] = {}
    objects = sum(1 for d in dicts if "properties" in d or "additionalProperties" in d)
    for d in dicts:
        closed = d.get("additionalProperties", True) is not True
        if closed and objects > 1:
            return None  # closed objects do not merge member-wise
        for key, value in d.items():
            if key not in out:
                out[key] = (
                    dict(value)
                    if key == "properties"
                    else list(value)
                    if isinstance(value, list)
                    else value
                )
            elif key == "type":
                types = _type_intersection(out[key], value)
                if not types:
                    return False
                out[key] = types
            elif key == "properties":
                for name, sub in value.items():
                    if name in out[key]:
                        both = _merge([out[key][name], sub])
                        out[key][name] = (
                            {"allOf": [out[key][name], sub]} if both is None else both
                        )
                    else:
                        out[key][name] = sub
            elif key == "required":
                out[key] += [r for r in value if r not in out[key]]
            elif key == "enum":
                out[key] = [v for v in out[key] if _json_in(v, value)]
                if not out[key]:
                    return False
            elif _same(out[key], value):
                continue
            elif key == "const":
                return False
            elif key in _LOWER and _numbers(out[key], value):
                out[key] = max(out[key], value)
            elif key in _UPPER and _numbers(out[key], value):
                out[key] = min(out[key], value)
            else:
                return None
    if "const" in out and "enum" in out:
        if not _json_in(out["const"], out["enum"]):
            return False
        del out["enum"]
    return out


def _type_intersection(a: Any, b: Any) -> Any:
    sa = set(a) if isinstance(a, list) else {a}
    sb = set(b) if isinstance(b, list) else {b}
    both = sa & sb
    if ("integer" in sa and "number" in sb) or ("number" in sa and "integer" in sb):
        both.add("integer")
    ordered = sorted(both)
    return ordered[0] if len(ordered) == 1 else ordered


def _numbers(*values: Any) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _json_in(value: Any, values: list[Any]) -> bool:
    return any(_same(value, v) for v in values)


def _close(node: Any, *, closed: bool, rich: bool, top_of_allof: bool = False) -> None:
    """Close objects (no undocumented members); `rich`: every member present."""
    if isinstance(node, list):
        for item in node:
            _close(item, closed=closed, rich=rich)
        return
    if not isinstance(node, dict):
        return
    props = node.get("properties")
    types = _types(node)
    if (
        isinstance(props, dict)
        and not top_of_allof
        and (types is None or "object" in types)
    ):
        if closed and "additionalProperties" not in node:
            node["additionalProperties"] = False
            for name in node.get("required", ()):  # required but never described
                props.setdefault(name, {})
        if rich:
            wanted = [n for n, s in props.items() if s is not False]
            node["required"] = [*node.get("required", ()), *wanted]
            node["required"] = list(dict.fromkeys(node["required"]))
    if rich and node.get("type") == "array" and node.get("maxItems", 3) > 2:
        node["maxItems"] = max(2, node.get("minItems", 0))
    for key, value in node.items():
        if key == "not":
            continue  # closing inside `not` would change what it excludes
        if key == "allOf":
            for part in value:
                _close(part, closed=closed, rich=rich, top_of_allof=True)
        elif key == "properties":
            for sub in value.values():
                _close(sub, closed=closed, rich=rich)
        elif key in ("items", "additionalProperties", "anyOf"):
            _close(value, closed=closed, rich=rich)


# --- the plan: what one response body needs for generating ----------------------


class Plan:
    """Strategies, validator and schema walker for one response body (cached)."""

    def __init__(
        self,
        contract: Contract,
        operation_id: str,
        status: int | str | None,
        media_type: str,
        *,
        max_depth: int = 2,
        extra_members: bool = False,
    ) -> None:
        import jsonschema

        op, response = contract.response(operation_id, status)
        compiled = contract.compiled(op.operation_id, response.status, media_type)
        if compiled is None:
            raise UsageError(
                f"{op.operation_id} {response.status} documents no {media_type} body"
            )
        self.operation_id = op.operation_id
        self.status = response.status
        self.media_type = media_type
        self.compiled = compiled
        self.map = contract.compiler.map
        self.validator: ResponseValidator = contract.response_validator(
            op.operation_id, response.status, media_type
        )
        self.formats = contract.enabled_formats()
        self.custom_formats, aliases = _format_strategies(self.formats)
        self.rewriter = _Rewriter(
            compiled.schema, self.map, aliases, max_depth=max_depth
        )
        self.extra_members = extra_members
        root = compiled.schema
        self._structure = jsonschema.validators.validator_for(root)(root)
        self._strategies: dict[tuple[int, bool], SearchStrategy[Any]] = {}

    # -- valid bodies --

    def strategy(self, node: Any = None, *, rich: bool = False) -> SearchStrategy[Any]:
        """Conforming instances of `node` (default: the whole body)."""
        from hypothesis_jsonschema import from_schema

        node = self.compiled.schema if node is None else node
        key = (id(node), rich)
        if key not in self._strategies:
            schema = self.rewriter.rewrite(
                node, closed=not self.extra_members, rich=rich
            )
            self._strategies[key] = _Builder(self.custom_formats, from_schema).build(
                schema
            )
        return self._strategies[key]

    def generation_schema(self, *, rich: bool = False) -> Any:
        """The rewritten schema the valid-body strategy draws from (for inspection)."""
        return self.rewriter.rewrite(
            self.compiled.schema, closed=not self.extra_members, rich=rich
        )

    # -- walking a valid body --

    def fits(self, schema: Any, value: Any) -> bool:
        """`value` is valid under `schema` (structure only, formats not asserted)."""
        return bool(self._structure.evolve(schema=schema).is_valid(value))

    def deref(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 64:
            name = node["$ref"].rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
            node = self.rewriter.defs.get(name)
            seen += 1
        return node

    def sites(self, body: Any) -> list[Site]:
        """Every place in `body` with the schemas that apply there, shallow first."""
        out: list[Site] = []
        queue: list[tuple[Any, tuple[str | int, ...], list[Any], bool]] = [
            (body, (), [self.compiled.schema], False)
        ]
        while queue:
            value, path, roots, is_disc = queue.pop(0)
            applied = self._applicable(value, [(r, None) for r in roots])
            out.append(Site(path, value, tuple(applied), is_disc))
            if isinstance(value, dict):
                props_of: dict[str, list[Any]] = {}
                extra: list[Any] = []
                disc = set()
                for node, _ in applied:
                    for name, sub in (node.get("properties") or {}).items():
                        props_of.setdefault(name, []).append(sub)
                    if isinstance(node.get("additionalProperties"), dict):
                        extra.append(node["additionalProperties"])
                    guard = self.map.guards.get(id(node))
                    if guard is not None:
                        disc.add(guard.prop)
                for name, member in value.items():
                    subs = props_of.get(name) or extra
                    queue.append((member, (*path, name), subs, name in disc))
            elif isinstance(value, list):
                items = [
                    n["items"] for n, _ in applied if isinstance(n.get("items"), dict)
                ]
                for i, item in enumerate(value):
                    queue.append((item, (*path, i), items, False))
        return out

    def _applicable(
        self, value: Any, todo: list[tuple[Any, int | None]]
    ) -> list[tuple[dict[str, Any], int | None]]:
        out: list[tuple[dict[str, Any], int | None]] = []
        seen: set[int] = set()
        while todo:
            raw, via = todo.pop()
            node = self.deref(raw)
            if not isinstance(node, dict) or id(node) in seen:
                continue
            seen.add(id(node))
            out.append((node, via))
            todo.extend((p, via) for p in node.get("allOf", ()))
            if "if" in node:
                info = self.map.dispatch.get(id(node))
                if info is not None:
                    taken = isinstance(value, dict) and value.get(info.prop) == info.key
                else:
                    taken = self.fits(node["if"], value)
                if taken and "then" in node:
                    todo.append((node["then"], via))
                elif not taken and "else" in node:
                    todo.append((node["else"], via))
            if id(node) in self.map.nullable_wrappers:
                if value is not None:
                    todo.append((node["anyOf"][1], via))
                continue
            for kw in ("oneOf", "anyOf"):
                for alt in node.get(kw) or ():
                    if self.fits(alt, value):
                        todo.append((alt, id(node)))
        return out

    # -- branches --

    def branches(self) -> list[Branch]:
        """Every discriminator arm and plain oneOf alternative the schema holds."""
        found: set[Branch] = set()
        for node in _nodes(self.compiled.schema):
            found.update(self._node_branches(node))
        return sorted(found)

    def branches_of(self, body: Any) -> set[Branch]:
        """The union alternatives `body` takes, anywhere in it."""
        taken: set[Branch] = set()
        for site in self.sites(body):
            for node, _ in site.schemas:
                for branch, choice in self._choices(node):
                    if choice(site.value):
                        taken.add(branch)
        return taken

    def _node_branches(self, node: Any) -> list[Branch]:
        return [b for b, _ in self._choices(node)]

    def _choices(self, node: Any) -> list[tuple[Branch, Callable[[Any], bool]]]:
        if not isinstance(node, dict):
            return []
        out: list[tuple[Branch, Callable[[Any], bool]]] = []
        for part in node.get("allOf", ()):
            info = self.map.dispatch.get(id(part))
            if info is None:
                continue
            guard = next(
                (
                    self.map.guards[id(p)]
                    for p in node["allOf"]
                    if id(p) in self.map.guards
                ),
                None,
            )
            union = guard.location.pointer if guard else ""

            def chose(value: Any, info: Any = info) -> bool:
                return isinstance(value, dict) and value.get(info.prop) == info.key

            out.append((Branch(union, info.label), chose))
        alternatives = node.get("oneOf")
        if isinstance(alternatives, list):
            origin = self.map.origin.get(id(node))
            union = origin.pointer if origin else ""
            where = union.removeprefix("/components/schemas/")
            for i, alt in enumerate(alternatives):
                label = f"{where} oneOf[{i}] {_alternative_name(alt)}".strip()

                def chose_alt(value: Any, alt: Any = alt) -> bool:
                    return self.fits(alt, value)

                out.append((Branch(union, label), chose_alt))
        return out


_OBJECT_ONLY = frozenset({"type", "properties", "required", "additionalProperties"})


class _Builder:
    """Rewritten schema → strategy: structure here, leaves by hypothesis-jsonschema.

    hypothesis-jsonschema re-canonicalises an object's member schemas on every draw,
    which costs most of the time on a large body; objects, arrays and unions are
    therefore built once here (`fixed_dictionaries` with optional members, which
    shrink to absent; `one_of`, which shrinks to the first alternative), and every
    other node (strings with formats, numbers, enums, `not`, unmerged `allOf`) is
    handed to `from_schema` once.
    """

    def __init__(self, custom_formats: dict[str, Any], from_schema: Any) -> None:
        self.custom_formats = custom_formats
        self.from_schema = from_schema

    def build(self, node: Any) -> SearchStrategy[Any]:
        from hypothesis import strategies as st

        if node is False:
            return st.nothing()
        if not isinstance(node, dict):
            return self.leaf(node)
        if set(node) == {"anyOf"}:
            return st.one_of([self.build(a) for a in node["anyOf"]])
        types = _types(node)
        if (
            "properties" in node
            and set(node) <= _OBJECT_ONLY
            and (node.get("additionalProperties") is False)
        ):
            objects = self.closed_object(node)
            others = sorted((types or {"object"}) - {"object", "integer"})
            if types and "integer" in types and "number" not in types:
                others.append("integer")
            if not others:
                return objects
            return st.one_of(objects, self.leaf({"type": others}))
        if set(node) <= {"type", "items", "minItems", "maxItems"} and types == {
            "array"
        }:
            items = self.build(node.get("items", {}))
            least = node.get("minItems", 0)
            most = node.get("maxItems", max(least, _MAX_ITEMS))
            if items.is_empty:
                return st.just([]) if least == 0 else st.nothing()
            return st.lists(items, min_size=least, max_size=most)
        return self.leaf(node)

    def closed_object(self, node: dict[str, Any]) -> SearchStrategy[Any]:
        from hypothesis import strategies as st

        props = node["properties"]
        required = [r for r in node.get("required", ()) if r in props]
        if len(required) < len(node.get("required", ())):
            return st.nothing()  # a required member that is never allowed
        return st.fixed_dictionaries(
            {name: self.build(props[name]) for name in required},
            optional={
                name: self.build(sub)
                for name, sub in props.items()
                if name not in required and sub is not False
            },
        )

    def leaf(self, node: Any) -> SearchStrategy[Any]:
        return self.from_schema(node, custom_formats=self.custom_formats)


def _alternative_name(alt: Any) -> str:
    if isinstance(alt, dict) and "$ref" in alt:
        return str(alt["$ref"]).rsplit("/", 1)[-1]
    if isinstance(alt, dict):
        return str(alt.get("title") or ", ".join(alt.get("required", ())[:2]))
    return ""


def _nodes(schema: Any) -> Iterator[Any]:
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _format_strategies(
    formats: dict[str, Any],
) -> tuple[dict[str, SearchStrategy[str]], dict[str, str]]:
    from hypothesis import strategies as st

    strategies: dict[str, SearchStrategy[str]] = {}
    aliases: dict[str, str] = {}
    for name, fmt in formats.items():
        alias = _FORMAT_ALIAS + name
        aliases[name] = alias
        if fmt.strategy is not None:
            strategies[alias] = fmt.strategy()
        else:  # no way to make one: filter text (slow, but never wrong)
            strategies[alias] = st.text().filter(fmt.check)
    return strategies, aliases


_PLANS: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], Plan]] = (
    weakref.WeakKeyDictionary()
)


def plan_for(
    contract: Contract,
    operation_id: str,
    status: int | str | None = None,
    media_type: str = "application/json",
    **options: Any,
) -> Plan:
    """The (cached) generation plan of one response body."""
    op, response = contract.response(operation_id, status)
    key = (
        op.operation_id,
        response.status,
        media_type,
        tuple(sorted(options.items())),
        tuple(sorted(contract.enabled_formats())),
        id(contract.format_registry.get("cron")),
    )
    plans = _PLANS.setdefault(contract, {})
    if key not in plans:
        plans[key] = Plan(
            contract, op.operation_id, response.status, media_type, **options
        )
    return plans[key]


def valid_bodies(
    contract: Contract,
    operation_id: str,
    status: int | str | None = None,
    media_type: str = "application/json",
    *,
    max_depth: int = 2,
    extra_members: bool = False,
) -> SearchStrategy[Any]:
    """Bodies that conform to one response, by construction (no filtering)."""
    plan = plan_for(
        contract,
        operation_id,
        status,
        media_type,
        max_depth=max_depth,
        extra_members=extra_members,
    )
    return plan.strategy()


# --- mutations ----------------------------------------------------------------------

Mutator = Callable[[Site, Plan], Iterator[Edit]]
MUTATIONS: dict[str, Mutator] = {}


def mutation(name: str) -> Callable[[Mutator], Mutator]:
    """Register a mutation under its rule name."""

    def register(func: Mutator) -> Mutator:
        MUTATIONS[name] = func
        return func

    return register


def _edit(site: Site, value: Any, keyword: str, note: str, **kw: Any) -> Edit:
    return Edit(site.path, value, site.pointer, keyword, note, **kw)


def _without(obj: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in keys}


@mutation("required")
def drop_required_member(site: Site, plan: Plan) -> Iterator[Edit]:
    """Remove a required member: reported at the object that lacks it."""
    if not isinstance(site.value, dict):
        return
    # The discriminator property is `discriminator-missing`, not `required`.
    props = {guard.prop for guard, _ in _guards(site, plan)}
    for node in site.plain():
        if id(node) in plan.map.guards:
            continue
        for name in node.get("required") or ():
            if name in site.value and name not in props:
                yield _edit(
                    site, _without(site.value, name), "required", f"removed {name!r}"
                )


_SAMPLES: tuple[tuple[str, Any], ...] = (
    ("boolean", True),
    ("integer", 0),
    ("string", "a"),
    ("array", []),
    ("object", {}),
)


@mutation("type")
def change_type(site: Site, plan: Plan) -> Iterator[Edit]:
    """Replace a value by one of another JSON type (not null: see `nullable`)."""
    if site.discriminator:
        return
    for node in site.plain():
        types = _types(node)
        if types is None or id(node) in plan.map.guards:
            continue
        for name, sample in _SAMPLES:
            if name not in types:
                yield _edit(site, sample, "type", f"{name} {json.dumps(sample)}")
                return


@mutation("nullable")
def make_null(site: Site, plan: Plan) -> Iterator[Edit]:
    """Replace a non-nullable value by null: reported as `type`."""
    if site.discriminator or site.value is None:
        return
    for node in site.plain():
        types = _types(node)
        if (
            types is not None
            and "null" not in types
            and id(node) not in plan.map.guards
        ):
            yield _edit(site, None, "type", "null where the schema is not nullable")
            return


@mutation("enum")
def leave_enum(site: Site, plan: Plan) -> Iterator[Edit]:
    """Replace an enumerated value by one outside the enum, of the same type."""
    if site.discriminator:
        return
    for node in site.plain():
        values = node.get("enum")
        if not isinstance(values, list) or id(node) in plan.map.guards:
            continue
        if isinstance(site.value, str):
            bad: Any = f"{site.value}_UNLISTED"
        elif _numbers(site.value):
            bad = max(v for v in [site.value, *values] if _numbers(v)) + 1
        else:
            continue
        if not _json_in(bad, values):
            yield _edit(site, bad, "enum", f"{json.dumps(bad)} is not listed")
            return


_BAD_STRINGS = ("not a valid value", "", "?", "0")


@mutation("format")
def break_format(site: Site, plan: Plan) -> Iterator[Edit]:
    """A string its format rejects, or an integer beyond its int32/int64 bound."""
    if site.discriminator:
        return
    for node in site.plain():
        name = node.get("format")
        if isinstance(site.value, str) and name in plan.validator.formats:
            check = plan.validator.formats[name].check
            bad = next((s for s in _BAD_STRINGS if not check(s)), None)
            if bad is not None:
                yield _edit(site, bad, "format", f"{bad!r} is not a {name}")
                return
        fmt = plan.map.int_formats.get(id(node))
        if fmt and _numbers(site.value) and node.get("maximum") == INT_BOUNDS[fmt][1]:
            big = INT_BOUNDS[fmt][1] + 1
            yield _edit(site, big, "format", f"{big} overflows {fmt}")
            return


@mutation("minimum")
def go_below_minimum(site: Site, plan: Plan) -> Iterator[Edit]:
    """A number just below the schema's (spec, not int32/int64) minimum."""
    if not _numbers(site.value):
        return
    for node in site.plain():
        fmt = plan.map.int_formats.get(id(node))
        floor = INT_BOUNDS[fmt][0] if fmt else None
        if _numbers(node.get("minimum")) and node["minimum"] != floor:
            low = node["minimum"] - 1
            yield _edit(site, low, "minimum", f"{low} < minimum {node['minimum']}")
            return
        if _numbers(node.get("exclusiveMinimum")):
            low = node["exclusiveMinimum"]
            yield _edit(site, low, "exclusiveMinimum", f"{low} is not > {low}")
            return


@mutation("minItems")
def drop_items(site: Site, plan: Plan) -> Iterator[Edit]:
    """Shorten an array below its minItems."""
    if not isinstance(site.value, list):
        return
    for node in site.plain():
        least = node.get("minItems")
        if isinstance(least, int) and least > 0 and len(site.value) >= least:
            short = site.value[: least - 1]
            yield _edit(site, short, "minItems", f"{len(short)} item(s) < {least}")
            return


@mutation("writeOnly-present")
def add_write_only(site: Site, plan: Plan) -> Iterator[Edit]:
    """Add a writeOnly member, which a response must not carry."""
    if not isinstance(site.value, dict):
        return
    for node, _ in site.schemas:
        for name, sub in (node.get("properties") or {}).items():
            if id(sub) in plan.map.write_only and name not in site.value:
                yield Edit(
                    site.path,
                    {**site.value, name: "secret"},
                    pointer_join(site.pointer, name),
                    "writeOnly",
                    f"added writeOnly {name!r}",
                )


def _guards(site: Site, plan: Plan) -> Iterator[tuple[Any, list[Any]]]:
    """(Guard, dispatch arms) of each discriminator applying to an object site."""
    if not isinstance(site.value, dict):
        return
    for node, _ in site.schemas:
        parts = node.get("allOf") or ()
        for part in parts:
            guard = plan.map.guards.get(id(part))
            if guard is not None and guard.prop in site.value:
                arms = [
                    plan.map.dispatch[id(p)]
                    for p in parts
                    if id(p) in plan.map.dispatch
                ]
                yield guard, arms


@mutation("discriminator-unknown")
def unknown_discriminator(site: Site, plan: Plan) -> Iterator[Edit]:
    """An unmapped discriminator value (lower-cased, or unheard of)."""
    for guard, _ in _guards(site, plan):
        current = site.value[guard.prop]
        candidates = [str(current).lower(), "UNKNOWN_TYPE"]
        for bad in dict.fromkeys(candidates):
            if bad not in guard.keys:
                yield Edit(
                    site.path,
                    {**site.value, guard.prop: bad},
                    pointer_join(site.pointer, guard.prop),
                    "discriminator",
                    f"{guard.prop}={bad!r} is not mapped",
                )


@mutation("discriminator-missing")
def missing_discriminator(site: Site, plan: Plan) -> Iterator[Edit]:
    """The discriminator property removed: reported at the object."""
    for guard, _ in _guards(site, plan):
        yield _edit(
            site,
            _without(site.value, guard.prop),
            "discriminator",
            f"removed {guard.prop!r}",
        )


@mutation("discriminator-wrong-branch")
def wrong_branch(site: Site, plan: Plan) -> Iterator[Edit]:
    """Another mapped value on this body: checked against (and failing) that arm."""
    for guard, arms in _guards(site, plan):
        current = site.value[guard.prop]
        for arm in arms:
            if arm.key != current:
                yield _edit(
                    site,
                    {**site.value, guard.prop: arm.key},
                    "",
                    f"{guard.prop}={current!r} body relabelled {arm.key!r}",
                    within=True,
                    branch=arm.label,
                )


def _one_ofs(site: Site, plan: Plan) -> Iterator[tuple[dict[str, Any], int]]:
    """(oneOf node, index of the alternative the value takes) at this site."""
    for node, _ in site.schemas:
        alternatives = node.get("oneOf")
        if not isinstance(alternatives, list):
            continue
        fitting = [
            i for i, alt in enumerate(alternatives) if plan.fits(alt, site.value)
        ]
        if len(fitting) == 1:
            yield node, fitting[0]


@mutation("oneOf-none")
def fit_no_alternative(site: Site, plan: Plan) -> Iterator[Edit]:
    """A value no alternative of a oneOf accepts: reported at the union."""
    for node, index in _one_ofs(site, plan):
        alternatives = node["oneOf"]

        def fits_none(value: Any, alternatives: list[Any] = alternatives) -> bool:
            return not any(plan.fits(alt, value) for alt in alternatives)

        candidates: list[tuple[Any, str]] = []
        own = _required(plan.deref(alternatives[index]))
        if isinstance(site.value, dict) and own:
            candidates.append((_without(site.value, *own), f"removed {', '.join(own)}"))
        candidates += [(s, f"{n} {json.dumps(s)}") for n, s in _SAMPLES]
        for value, note in candidates:
            if fits_none(value):
                yield _edit(site, value, "oneOf", note)
                break


@mutation("oneOf-both")
def fit_two_alternatives(site: Site, plan: Plan) -> Iterator[Edit]:
    """An object two alternatives of a oneOf accept: reported at the union."""
    if not isinstance(site.value, dict):
        return
    for node, index in _one_ofs(site, plan):
        for j, other in enumerate(node["oneOf"]):
            if j == index:
                continue
            mine = node["oneOf"][index]

            def combine(donor: Any, value: dict[str, Any] = site.value) -> Any:
                return {**donor, **value} if isinstance(donor, dict) else donor

            def both(value: Any, mine: Any = mine, other: Any = other) -> bool:
                return plan.fits(mine, value) and plan.fits(other, value)

            yield _edit(
                site,
                combine,
                "oneOf",
                f"merged a valid oneOf[{j}] into the oneOf[{index}] value",
                donor=other,
                post=both,
            )


RULES: tuple[str, ...] = tuple(MUTATIONS)


def applicable_rules(plan: Plan) -> dict[str, bool]:
    """Rule name → whether the schema holds anything the rule can break."""
    nodes = list(_nodes(plan.compiled.schema))
    ids = {id(n) for n in nodes}
    has = {
        "required": any(
            isinstance(n.get("required"), list) for n in nodes if isinstance(n, dict)
        ),
        "type": any("type" in n for n in nodes if isinstance(n, dict)),
        "enum": any(
            isinstance(n.get("enum"), list) and id(n) not in plan.map.guards
            for n in nodes
            if isinstance(n, dict)
        ),
        "format": any(
            (isinstance(n.get("format"), str) and n["format"] in plan.validator.formats)
            or id(n) in plan.map.int_formats
            for n in nodes
            if isinstance(n, dict)
        ),
        "minimum": any(
            _numbers(n.get("minimum")) or _numbers(n.get("exclusiveMinimum"))
            for n in nodes
            if isinstance(n, dict)
        ),
        "minItems": any(
            isinstance(n.get("minItems"), int) and n["minItems"] > 0
            for n in nodes
            if isinstance(n, dict)
        ),
        "writeOnly-present": any(i in plan.map.write_only for i in ids),
        "oneOf-both": any(
            isinstance(n.get("oneOf"), list) for n in nodes if isinstance(n, dict)
        ),
    }
    has["nullable"] = has["type"]
    has["oneOf-none"] = has["oneOf-both"]
    disc = any(i in plan.map.guards for i in ids)
    for name in ("discriminator-unknown", "discriminator-missing"):
        has[name] = disc
    has["discriminator-wrong-branch"] = disc
    return {rule: has.get(rule, True) for rule in RULES}


def _replace(body: Any, path: tuple[str | int, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(body, dict):
        return {**body, head: _replace(body[head], rest, value)}
    out = list(body)
    out[head] = _replace(body[head], rest, value)  # type: ignore[index]
    return out


def edits(plan: Plan, body: Any, rules: tuple[str, ...]) -> list[tuple[str, Edit]]:
    """Every mutation of `rules` that applies somewhere in `body`, shallow first."""
    found = []
    for site in plan.sites(body):
        for rule in rules:
            found.extend((rule, e) for e in MUTATIONS[rule](site, plan))
    return found


def invalid_bodies(
    contract: Contract,
    operation_id: str,
    status: int | str | None = None,
    media_type: str = "application/json",
    *,
    rules: tuple[str, ...] | list[str] | None = None,
    max_depth: int = 2,
) -> SearchStrategy[Mutation]:
    """`Mutation`s: valid bodies with one rule broken, each rejected by validation."""
    from hypothesis import reject
    from hypothesis import strategies as st

    chosen = tuple(rules) if rules else RULES
    unknown = [r for r in chosen if r not in MUTATIONS]
    if unknown:
        raise UsageError(
            f"unknown mutation rule(s) {', '.join(unknown)}; known: {', '.join(RULES)}"
        )
    plan = plan_for(contract, operation_id, status, media_type, max_depth=max_depth)
    sources = st.one_of(plan.strategy(), plan.strategy(rich=True))

    @st.composite
    def mutations(draw: DrawFn) -> Mutation:
        body = draw(sources)
        candidates = edits(plan, body, chosen)
        if not candidates:
            reject()
        rule, edit = draw(st.sampled_from(candidates))
        new = edit.value
        if edit.donor is not None:
            new = edit.value(draw(plan.strategy(edit.donor)))
        if edit.post is not None and not edit.post(new):
            reject()
        mutated = _replace(body, edit.path, new)
        if plan.validator.is_valid(mutated):
            reject()  # by chance still conforming: not a finding
        return Mutation(
            rule,
            mutated,
            edit.pointer,
            edit.keyword,
            body,
            edit.note,
            edit.within,
            edit.branch,
        )

    return mutations()
