"""OpenAPI Schema Objects → JSON Schema documents (Draft 7; 2020-12 for OpenAPI 3.1).

Dict in, dict out, no I/O beyond asking `Spec` for nodes. OpenAPI semantics made exact:

- `discriminator` becomes dispatch to the mapped schema only (discriminator.py);
- `nullable` adds "null" to `type`/`enum`, or wraps a `$ref`/composition in
  `anyOf [null, …]`; `writeOnly` members leave `required` and must be absent;
- boolean `exclusiveMinimum`/`exclusiveMaximum` become numbers; int32/int64 become
  bounds; `x-*`, `example`, `default`, descriptions go; never stricter than the spec.

Every compiled node is remembered with the spec location it came from (`origin`), so a
violation names the rule's JSON pointer and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .discriminator import (
    Dispatch,
    Family,
    Guard,
    compile_discriminator,
    is_inheritance_base,
)
from .patterns import problem
from .resources import is_2020_12
from .source import pointer_parts
from .spec import Location, Spec, pointer_loc

DRAFT7 = "http://json-schema.org/draft-07/schema#"
DRAFT202012 = "https://json-schema.org/draft/2020-12/schema"

INT_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
# OpenAPI's own format names that are annotations, not assertions.
ANNOTATION_FORMATS = frozenset({"float", "double", "password", "binary"})

_COPY = (
    "type",
    "enum",
    "const",
    "multipleOf",
    "maximum",
    "minimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "title",
)
_SUBSCHEMA_LISTS = ("allOf", "oneOf", "anyOf")
# Keywords that never change a verdict: a 3.1 `$ref` beside only these stays a `$ref`.
_ANNOTATIONS = frozenset(
    {
        "description",
        "title",
        "examples",
        "example",
        "$comment",
        "deprecated",
        "default",
        "readOnly",
        "writeOnly",
        "summary",
    }
)
# JSON Schema keywords passed through (compiled) for OpenAPI 3.1 documents.
_31_SUBSCHEMA = (
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
)
# `$defs` is not among them: a definition is compiled where a `$ref` reaches it.
_31_SUBSCHEMA_MAPS = ("patternProperties", "dependentSchemas")
# Keywords that name or hold schemas without asserting anything themselves.
_IDENTIFIERS = frozenset(
    {
        "$id",
        "$anchor",
        "$dynamicAnchor",
        "$defs",
        "definitions",
        "$schema",
        "$vocabulary",
    }
)
# The outermost `$dynamicAnchor` of each name in the dynamic scope (OpenAPI 3.1).
Scope = tuple[tuple[str, Location], ...]
_31_COPY = (
    "dependentRequired",
    "minContains",
    "maxContains",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "format",
)


@dataclass
class SourceMap:
    """Compiled node identity → where it came from and what it means."""

    origin: dict[int, Location] = field(default_factory=dict)
    dispatch: dict[int, Dispatch] = field(default_factory=dict)
    guards: dict[int, Guard] = field(default_factory=dict)
    defaults: dict[int, Dispatch] = field(default_factory=dict)  # defaultMapping arms
    nullable_wrappers: dict[int, Location] = field(default_factory=dict)
    write_only: dict[int, Location] = field(default_factory=dict)
    int_formats: dict[int, str] = field(default_factory=dict)
    keep: list[Any] = field(default_factory=list)  # keeps ids alive and unique


@dataclass(frozen=True)
class CompiledSchema:
    """One response body schema, ready for jsonschema and for generation."""

    schema: dict[str, Any]
    location: Location
    dialect: str

    @property
    def definitions_key(self) -> str:
        return "$defs" if self.dialect == DRAFT202012 else "definitions"


class Compiler:
    """Compiles schemas of one `Spec`; component definitions are shared and cached."""

    def __init__(
        self,
        spec: Spec,
        *,
        nullable: str = "common",
        known_formats: Iterable[str] = (),
        int_formats: Iterable[str] = tuple(INT_BOUNDS),
    ) -> None:
        if nullable not in ("common", "strict"):
            raise ValueError("nullable must be 'common' or 'strict'")
        self.spec = spec
        self.nullable = nullable
        self.known_formats = {f.lower() for f in known_formats} | set(INT_BOUNDS)
        # int32/int64 become bounds, for the formats asserted (switched on).
        self.int_bounds = {f: INT_BOUNDS[f] for f in int_formats if f in INT_BOUNDS}
        self.is_31 = spec.is_31
        self.dialect = DRAFT202012 if self.is_31 else DRAFT7
        self.defs_key = "$defs" if self.is_31 else "definitions"
        self.map = SourceMap()
        self.definitions: dict[str, Any] = {}
        self.def_names: dict[tuple[Location, bool, Scope], str] = {}
        self._def_refs: dict[str, set[str]] = {}
        self._taken: set[str] = set()
        self._pending: list[tuple[str, Location, bool, Scope]] = []
        self._scope: Scope = ()
        self._ref_sink: set[str] = (
            set()
        )  # the definitions the schema being compiled uses
        self._family: Family | None = None  # discriminator.py's inheritance index

    # -- public -------------------------------------------------------------------

    def compile(self, loc: Location) -> CompiledSchema:
        """The JSON Schema document for the schema at `loc` (a response body schema)."""
        root_refs: set[str] = set()
        self._ref_sink = root_refs
        self._scope = ()
        names, taken = dict(self.def_names), set(self._taken)
        try:
            body = self._schema(loc)
            self._drain()
        except (AttributeError, TypeError, ValueError) as exc:
            # A keyword of the wrong shape (`required: name`, `properties: [a]`).
            self._forget(names, taken)
            raise self.spec.error(loc, f"malformed schema: {exc}") from None
        except BaseException:  # a SpecError: the next compile meets it again
            self._forget(names, taken)
            raise
        defs = {name: self.definitions[name] for name in self._reachable(root_refs)}
        doc: dict[str, Any] = {"$schema": self.dialect}
        if defs:
            doc[self.defs_key] = defs
        if isinstance(body, bool):
            doc["allOf"] = [body]
        else:
            doc.update(body)
            if id(body) in self.map.origin:
                self._note(doc, self.map.origin[id(body)])
            self._copy_marks(body, doc)
        return CompiledSchema(doc, loc, self.dialect)

    # -- definitions --------------------------------------------------------------

    def _ref(self, ref: Any, where: Location, *, base: bool = False) -> dict[str, Any]:
        return self._ref_to(self.spec.ref_target(ref, where), where, base=base)

    def _ref_to(
        self, target: Location, where: Location, *, base: bool = False
    ) -> dict[str, Any]:
        """A `$ref` to the definition compiled from `target` (compiled once, later)."""
        key = (target, base, self._scope)
        name = self.def_names.get(key)
        if name is None:
            name = self._name_for(target, base)
            self.def_names[key] = name
            self._pending.append((name, target, base, self._scope))
        self._ref_sink.add(name)
        out = {"$ref": f"#/{self.defs_key}/{name}"}
        self._note(out, where)
        return out

    def _name_for(self, target: Location, base: bool) -> str:
        parts = pointer_parts(target.pointer)
        stem = parts[-1] if parts else target.uri.rsplit("/", 1)[-1]
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", stem) or "schema"
        if base:
            stem += ".base"
        name, n = stem, 2
        while name in self._taken:
            name, n = f"{stem}_{n}", n + 1
        self._taken.add(name)
        return name

    def _drain(self) -> None:
        while self._pending:
            name, target, base, self._scope = self._pending.pop()
            refs: set[str] = set()
            self._ref_sink = refs
            self.definitions[name] = self._schema(target, base=base)
            self._def_refs[name] = refs

    def _forget(self, names: dict[Any, str], taken: set[str]) -> None:
        """Undo the definitions named by a compile that failed: a later compile that
        reaches them compiles them again (and meets the same SpecError)."""
        for name in set(self.def_names.values()) - set(names.values()):
            self.definitions.pop(name, None)
            self._def_refs.pop(name, None)
        self.def_names, self._taken = names, taken
        self._pending.clear()

    def _reachable(self, roots: set[str]) -> list[str]:
        seen: list[str] = []
        todo = sorted(roots)
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.append(name)
            todo.extend(sorted(self._def_refs.get(name, ())))
        return sorted(seen)

    # -- schema objects -------------------------------------------------------------

    def _schema(
        self,
        loc: Location,
        *,
        base: bool = False,
        write_only: frozenset[str] = frozenset(),
    ) -> Any:
        """Compile the schema at `loc`. `write_only`: members that an enclosing
        `allOf` declares writeOnly, so this part's `required` drops them too."""
        if not self.is_31:
            return self._schema_node(loc, base=base, write_only=write_only)
        outer = self._scope
        self._scope = self._entered(loc)
        try:
            return self._schema_node(loc, base=base, write_only=write_only)
        finally:
            self._scope = outer

    def _entered(self, loc: Location) -> Scope:
        """The dynamic scope once the schema resource holding `loc` is entered: its
        `$dynamicAnchor`s join, unless an outer resource already named them."""
        anchors = self.spec.dynamic_anchors(self.spec.resource_of(loc))
        bound = {name for name, _ in self._scope}
        new = tuple((n, a) for n, a in sorted(anchors.items()) if n not in bound)
        return self._scope + new if new else self._scope

    def _refs_31(self, node: dict[str, Any], loc: Location) -> list[dict[str, Any]]:
        """`$ref` and `$dynamicRef` (resolved here, in the dynamic scope) as `$ref`s to
        compiled definitions."""
        out = []
        if "$ref" in node:
            out.append(self._ref(node["$ref"], pointer_loc(loc, "$ref")))
        if "$dynamicRef" in node:
            where = pointer_loc(loc, "$dynamicRef")
            scope = dict(self._scope)
            target = self.spec.dynamic_target(node["$dynamicRef"], where, scope)
            out.append(self._ref_to(target, where))
        return out

    def _schema_node(
        self,
        loc: Location,
        *,
        base: bool = False,
        write_only: frozenset[str] = frozenset(),
    ) -> Any:
        node = self.spec.node(loc)
        if isinstance(node, bool) and self.is_31:
            return node
        if not isinstance(node, dict):
            raise self.spec.error(loc, f"a schema must be a mapping, found {node!r}")
        beside: list[dict[str, Any]] = []
        if "$ref" in node and not self.is_31:
            self.spec.deref(loc)  # a pure $ref cycle (A → B → A) names no schema
            ref_out = self._ref(node["$ref"], pointer_loc(loc, "$ref"))
            return self._nullable(node, ref_out, loc)
        if self.is_31 and ("$ref" in node or "$dynamicRef" in node):
            beside = self._refs_31(node, loc)
            node = {k: v for k, v in node.items() if k not in ("$ref", "$dynamicRef")}
            if len(beside) == 1 and all(
                k in _ANNOTATIONS or k in _IDENTIFIERS or k.startswith("x-")
                for k in node
            ):
                return beside[0]
            # 3.1: a reference has siblings; keep both (it joins the allOf).
        out: dict[str, Any] = {}
        self._note(out, loc)
        if isinstance(node.get("allOf"), list):
            write_only = write_only | self._write_only_names(node, loc)
        self._copy_keywords(node, out, loc)
        self._object_keywords(node, out, loc, write_only)
        if "items" in node:
            out["items"] = self._subschema(node["items"], pointer_loc(loc, "items"))
        if "not" in node:
            out["not"] = self._subschema(node["not"], pointer_loc(loc, "not"))
        if self.is_31:
            self._keywords_31(node, out, loc)
            if "$schema" in node:
                self._dialect(node["$schema"], pointer_loc(loc, "$schema"))
        for kw in _SUBSCHEMA_LISTS:
            if isinstance(node.get(kw), list):
                out[kw] = [
                    self._subschema(
                        item,
                        pointer_loc(loc, kw, i),
                        allof=kw == "allOf",
                        write_only=write_only if kw == "allOf" else frozenset(),
                        base=base and kw == "allOf",
                    )
                    for i, item in enumerate(node[kw])
                ]
        if beside:
            out["allOf"] = [*out.get("allOf", []), *beside]
        disc = node.get("discriminator")
        if isinstance(disc, dict) and not base:
            compile_discriminator(self, node, out, loc, disc)
        return self._nullable(node, out, loc)

    def _subschema(
        self,
        node: Any,
        loc: Location,
        *,
        allof: bool = False,
        write_only: frozenset[str] = frozenset(),
        base: bool = False,
    ) -> Any:
        """`base`: an inline allOf member of a base included by a child, whose
        discriminator (if any) must not dispatch back to the child."""
        if allof and isinstance(node, dict) and "$ref" in node:
            # allOf-inheritance: a child includes its parent without the parent's
            # discriminator dispatch (which would point back at the child).
            # Through a chain of $refs too (a root alias of a base in its own file).
            target, parent = self.spec.deref(loc)
            if is_inheritance_base(parent):
                return self._ref_to(target, pointer_loc(loc, "$ref"), base=True)
        return self._schema(loc, write_only=write_only, base=base)

    def _copy_keywords(
        self, node: dict[str, Any], out: dict[str, Any], loc: Location
    ) -> None:
        for kw in _COPY:
            if kw in node:
                out[kw] = node[kw]
        if "pattern" in out:
            self._check_pattern(out["pattern"], pointer_loc(loc, "pattern"))
        for side, bound in (
            ("exclusiveMinimum", "minimum"),
            ("exclusiveMaximum", "maximum"),
        ):
            value = node.get(side)
            if isinstance(value, bool):  # OpenAPI 3.0: a flag on minimum/maximum
                if value and bound in out:
                    out[side] = out.pop(bound)
            elif isinstance(value, (int, float)):
                out[side] = value
        if "format" in node:
            self._format(node, out, loc)

    def _dialect(self, dialect: Any, loc: Location) -> None:
        """A 3.1 schema is read as JSON Schema 2020-12; another `$schema` says so."""
        if not is_2020_12(dialect):
            self.spec.warn(
                loc,
                "unsupported-dialect",
                f"$schema {dialect!r} is read as JSON Schema 2020-12 "
                "(the dialect of OpenAPI 3.1)",
            )

    def _check_pattern(self, pattern: Any, loc: Location) -> None:
        """A pattern no ECMA-262 engine accepts is a defect of the spec."""
        reason = problem(pattern)
        if reason is not None:
            raise self.spec.error(
                loc,
                f"pattern {pattern!r} is not an ECMA-262 regular expression "
                f"({reason}); fix or remove it",
            )

    def _format(self, node: dict[str, Any], out: dict[str, Any], loc: Location) -> None:
        fmt = node["format"]
        f_loc = pointer_loc(loc, "format")
        if not isinstance(fmt, str):
            self.spec.warn(
                f_loc, "invalid-format", f"format must be a string, found {fmt!r}"
            )
            return
        if fmt != fmt.lower() and fmt.lower() in self.known_formats:
            self.spec.warn(
                f_loc,
                "normalised-format-case",
                f"format {fmt!r} read as {fmt.lower()!r} (formats are lower case)",
            )
            fmt = fmt.lower()
        if fmt in INT_BOUNDS:
            if fmt not in self.int_bounds:
                return  # switched off: an annotation
            lo, hi = self.int_bounds[fmt]
            if _admits_numbers(node.get("type")):
                _tighten(out, "minimum", "exclusiveMinimum", lo, lower=True)
                _tighten(out, "maximum", "exclusiveMaximum", hi, lower=False)
                self.map.int_formats[id(out)] = fmt
            return
        if fmt in ANNOTATION_FORMATS:
            return
        out["format"] = fmt

    def _object_keywords(
        self,
        node: dict[str, Any],
        out: dict[str, Any],
        loc: Location,
        inherited: frozenset[str] = frozenset(),
    ) -> None:
        write_only: set[str] = set(inherited)
        props = node.get("properties")
        if isinstance(props, dict):
            compiled: dict[str, Any] = {}
            for name, sub in props.items():
                p_loc = pointer_loc(loc, "properties", name)
                flag = self._write_only_flag(sub, p_loc)
                if flag is not None:
                    write_only.add(name)
                    forbidden: dict[str, Any] = {"not": {}}
                    self.map.write_only[id(forbidden)] = flag
                    self._note(forbidden, flag)
                    compiled[name] = forbidden
                else:
                    compiled[name] = self._subschema(sub, p_loc)
            out["properties"] = compiled
        required = node.get("required")
        if isinstance(required, list):
            kept = [r for r in required if r not in write_only]
            if kept:
                out["required"] = kept
        extra = node.get("additionalProperties")
        if isinstance(extra, bool):
            out["additionalProperties"] = extra
        elif isinstance(extra, dict):
            out["additionalProperties"] = self._subschema(
                extra, pointer_loc(loc, "additionalProperties")
            )

    def _write_only_names(self, node: dict[str, Any], loc: Location) -> frozenset[str]:
        """Members declared writeOnly by any part of this `allOf` composition: in a
        response they are required by no part (OpenAPI: required in requests only)."""
        names: set[str] = set()
        todo = [(node, loc, 0)]
        while todo:
            current, where, depth = todo.pop()
            props = current.get("properties")
            for name, sub in props.items() if isinstance(props, dict) else ():
                if self._write_only_flag(sub, pointer_loc(where, "properties", name)):
                    names.add(name)
            parts = current.get("allOf")
            for i, _ in enumerate(
                parts if isinstance(parts, list) and depth < 8 else []
            ):
                try:
                    part_loc, part = self.spec.deref(pointer_loc(where, "allOf", i))
                except (KeyError, RecursionError):
                    continue
                if isinstance(part, dict):
                    todo.append((part, part_loc, depth + 1))
        return frozenset(names)

    def _write_only_flag(self, sub: Any, loc: Location) -> Location | None:
        """Where `writeOnly: true` stands for this property (inline or via `$ref`)."""
        if not isinstance(sub, dict):
            return None
        if sub.get("writeOnly") is True:
            return pointer_loc(loc, "writeOnly")
        if "$ref" in sub:
            try:
                target, node = self.spec.deref(loc)
            except (KeyError, RecursionError):
                return None
            if isinstance(node, dict) and node.get("writeOnly") is True:
                return pointer_loc(target, "writeOnly")
        return None

    def _keywords_31(
        self, node: dict[str, Any], out: dict[str, Any], loc: Location
    ) -> None:
        for kw in _31_COPY:
            if kw in node and kw not in out:
                out[kw] = node[kw]
        for kw in _31_SUBSCHEMA:
            if kw in node:
                out[kw] = self._subschema(node[kw], pointer_loc(loc, kw))
        for name in node.get("patternProperties") or ():
            self._check_pattern(name, pointer_loc(loc, "patternProperties", name))
        for kw in _31_SUBSCHEMA_MAPS:
            if isinstance(node.get(kw), dict):
                out[kw] = {
                    k: self._subschema(v, pointer_loc(loc, kw, k))
                    for k, v in node[kw].items()
                }
        if isinstance(node.get("prefixItems"), list):
            out["prefixItems"] = [
                self._subschema(v, pointer_loc(loc, "prefixItems", i))
                for i, v in enumerate(node["prefixItems"])
            ]

    # -- nullable -------------------------------------------------------------------

    def _nullable(
        self, node: dict[str, Any], out: dict[str, Any], loc: Location
    ) -> Any:
        if self.is_31 or node.get("nullable") is not True:
            return out
        n_loc = pointer_loc(loc, "nullable")
        if "type" not in node and self.nullable == "strict":
            return out  # OpenAPI 3.0.3: no effect without `type`
        composed = "$ref" in out or any(k in out for k in _SUBSCHEMA_LISTS)
        if not composed and "type" in out:
            types = out["type"] if isinstance(out["type"], list) else [out["type"]]
            if "null" not in types:
                out["type"] = [*types, "null"]
            if "enum" in out and None not in out["enum"] and self.nullable == "common":
                out["enum"] = [*out["enum"], None]
            return out
        if not composed and "enum" in out:
            if None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
            return out
        if not composed:
            return out  # no type, no enum: null already passes
        null: dict[str, Any] = {"type": "null"}
        wrapper = {"anyOf": [null, out]}
        self._note(null, n_loc)
        self._note(wrapper, n_loc)
        self.map.nullable_wrappers[id(wrapper)] = n_loc
        return wrapper

    # -- bookkeeping ------------------------------------------------------------------

    def _note(self, node: Any, loc: Location) -> None:
        self.map.origin[id(node)] = loc
        self.map.keep.append(node)

    def _copy_marks(self, src: Any, dst: Any) -> None:
        for table in (self.map.int_formats,):
            if id(src) in table:
                table[id(dst)] = table[id(src)]


def _tighten(
    out: dict[str, Any], bound: str, exclusive: str, limit: int, *, lower: bool
) -> None:
    """Add a format's bound unless the schema already has one at least as tight."""
    for key in (bound, exclusive):
        value = out.get(key)
        if isinstance(value, (int, float)) and (
            value >= limit if lower else value <= limit
        ):
            return
    out[bound] = limit


def _admits_numbers(type_: Any) -> bool:
    types = type_ if isinstance(type_, list) else [type_]
    return type_ is None or "integer" in types or "number" in types
