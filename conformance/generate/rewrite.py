"""The schema rewrite: a compiled schema → one drawn from without filtering.

Owns `_Rewriter` (inlines `$ref`s up to a depth bound, turns a compiled
discriminator into an `anyOf` of `const`-fixed arms, makes plain `oneOf`
alternatives exclusive, renames drawable formats to private aliases), the schema
algebra it needs (`_merge`, `_intersect`: intersect `allOf` parts into one plain
schema) and `_close` (closed objects; every member present for `rich` bodies).
Small schema predicates (`_types`, `_required`, `_numbers`, `_json_in`) live here
too and are shared with the builder and the mutations. No hypothesis import.
"""

from __future__ import annotations

import copy
import itertools
import json
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..patterns import python_pattern

if TYPE_CHECKING:
    from ..compiler import SourceMap

_STOP = object()  # a recursive $ref past the depth bound
_HARD_DEPTH = 40  # required recursion beyond this is a spec that has no finite body
_MAX_COMBINATIONS = 64  # unions distributed over an allOf
_DROP = frozenset({"title", "description", "$schema", "definitions", "$defs"})
_LOWER = ("minimum", "minLength", "minItems", "minProperties", "exclusiveMinimum")
_UPPER = ("maximum", "maxLength", "maxItems", "maxProperties", "exclusiveMaximum")


class _Rewriter:
    """Compiled schema → a self-contained schema the builder and sampler draw from."""

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
        # Union alternatives the rewrite had to leave out (branch label → why):
        # no body can take them (see `Plan.branches` for the labels).
        self.dropped: dict[str, str] = {}

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
        if isinstance(parts, list) and any(
            id(p) in self.map.guards or id(p) in self.map.defaults for p in parts
        ):
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
                out[key] = python_pattern(value)
            elif key == "format":
                if value in self.aliases:
                    out[key] = self.aliases[value]
            elif key == "allOf":
                out[key] = [self._part(p, refs) for p in value]
            elif key in ("anyOf", "oneOf"):
                alternatives = [self._node(p, refs) for p in value]
                indexed = [(i, a) for i, a in enumerate(alternatives) if a is not _STOP]
                if not indexed:
                    if not force:
                        return _STOP
                    indexed = [(0, self._node(value[0], refs, force=True))]
                if key == "oneOf":
                    kept = self._exclusive_alternatives(node, value, indexed)
                else:
                    kept = [a for _, a in indexed]
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
            if id(p) not in self.map.guards
            and id(p) not in self.map.dispatch
            and id(p) not in self.map.defaults
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
            else:
                self.dropped[info.label] = why_false([base, target, fixed])
        branches.extend(self._default_branches(node, base, refs))
        if not branches:
            return _STOP if not force else False
        return branches[0] if len(branches) == 1 else {"anyOf": branches}

    def _default_branches(
        self, node: dict[str, Any], base: Any, refs: tuple[str, ...]
    ) -> list[Any]:
        """A 3.2 `defaultMapping` arm: the default schema, with the property absent
        or holding no mapped key (each where the default schema allows it)."""
        out = []
        for arm in node["allOf"]:
            info = self.map.defaults.get(id(arm))
            target = self._node(arm.get("else", {}), refs) if info else _STOP
            if info is None or target is _STOP:
                continue
            keys = arm["if"]["properties"][info.prop]["enum"]
            for fixed in (
                {"properties": {info.prop: False}},
                {"properties": {info.prop: {"not": {"enum": keys}}}},
            ):
                merged = _merge([base, target, fixed])
                if merged is None:
                    merged = {"allOf": [base, target, fixed]}
                if merged is not False:
                    out.append(merged)
        return out

    def _exclusive_alternatives(
        self, node: dict[str, Any], raw: list[Any], kept: list[tuple[int, Any]]
    ) -> list[Any]:
        """`_exclusive` over the drawable alternatives, noting those it empties."""
        out = []
        for (i, _), alt in zip(kept, _exclusive([a for _, a in kept]), strict=True):
            if alt is False:
                label = oneof_label(self.map, node, i, raw[i])
                self.dropped[label] = (
                    "every body it admits is admitted by another alternative too "
                    "(a oneOf body must match exactly one)"
                )
            else:
                out.append(alt)
        return out


def oneof_label(source_map: SourceMap, node: Any, index: int, alt: Any) -> str:
    """The branch label of one oneOf alternative: "<schema> oneOf[i] <name>"."""
    origin = source_map.origin.get(id(node))
    where = (origin.pointer if origin else "").removeprefix("/components/schemas/")
    return f"{where} oneOf[{index}] {_alternative_name(alt)}".strip()


def _alternative_name(alt: Any) -> str:
    if isinstance(alt, dict) and "$ref" in alt:
        return str(alt["$ref"]).rsplit("/", 1)[-1]
    if isinstance(alt, dict):
        return str(alt.get("title") or ", ".join(alt.get("required", ())[:2]))
    return ""


def why_false(parts: list[Any]) -> str:
    """Which member or keyword of `parts` contradicts another (for an empty branch)."""
    members: dict[str, list[Any]] = {}
    for part in parts:
        if isinstance(part, dict):
            for name, sub in (part.get("properties") or {}).items():
                members.setdefault(name, []).append(sub)
            if "required" in part:
                for name in part["required"]:
                    members.setdefault(name, [])
    for name, subs in members.items():
        if any(sub is False for sub in subs):
            return f"member {name!r} is required by one part and forbidden by another"
        if len(subs) > 1 and _merge(subs) is False:
            shown = " and ".join(_brief(sub) for sub in subs)
            return f"member {name!r}: {shown} contradict each other"
    types = [p.get("type") for p in parts if isinstance(p, dict) and "type" in p]
    if types:
        return f"types {' and '.join(json.dumps(t) for t in types)} do not meet"
    return "its parts contradict each other"


def _brief(schema: Any) -> str:
    if not isinstance(schema, dict):
        return json.dumps(schema)
    keys = ("const", "enum", "type")
    shown = {k: schema[k] for k in keys if k in schema} or schema
    return json.dumps(shown, sort_keys=True)[:120]


def _exclusive(alternatives: list[Any]) -> list[Any]:
    """Make oneOf alternatives exclude each other by construction (anyOf-ready);
    an alternative nothing is left of becomes False, in its place."""
    out = []
    for i, mine in enumerate(alternatives):
        extra: list[Any] = []
        for j, other in enumerate(alternatives):
            if i == j or _disjoint_types(mine, other):
                continue
            key = next((k for k in _required(other) if k not in _required(mine)), None)
            if key is not None:
                extra.append({"properties": {key: False}})
            else:  # nothing to forbid: a `not`, drawn by filtering
                extra.append({"not": other})
        merged = _merge([mine, *extra]) if extra else mine
        out.append({"allOf": [mine, *extra]} if merged is None else merged)
    return out


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


# keywords that imply a type, for a node that names none
_TYPE_HINTS = {
    "object": ("properties", "required", "additionalProperties", "minProperties"),
    "array": ("items", "minItems", "maxItems", "uniqueItems"),
    "string": ("minLength", "maxLength", "pattern", "format"),
    "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"),
}


def implied_types(node: dict[str, Any]) -> set[str]:
    """The types the keywords of a node without `type` imply (none: any value)."""
    return {t for t, keys in _TYPE_HINTS.items() if set(keys) & set(node)}


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
            elif (
                key == "items"
                and isinstance(value, dict)
                and isinstance(out[key], dict)
            ):  # arrays of both: items of both (single-schema `items` only)
                both = _merge([out[key], value])
                out[key] = {"allOf": [out[key], value]} if both is None else both
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
    members = out.get("properties") or {}
    if out.get("type") == "object" and any(
        members.get(name) is False for name in out.get("required", ())
    ):
        return False  # an object whose required member may not appear
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
