"""Discriminator dispatch: how the compiler turns a `discriminator` into Draft 7.

A union with a discriminator becomes a guard (the property is present and one of the
mapping keys) plus one `if {property: const key} then {$ref target}` per key, so a
payload is judged by the mapped schema only: a plain `oneOf` rejects every CRON job
of the seed, which is valid under both branches. Mapping keys are explicit, then the
implicit schema names; the allOf-inheritance style (a base with a discriminator and
children that include it) dispatches to the children, grandchildren included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .source import pointer_parts
from .spec import Location, pointer_loc

if TYPE_CHECKING:
    from .compiler import Compiler


@dataclass(frozen=True)
class Dispatch:
    """One `if {prop: key} then target` arm of a compiled discriminator."""

    prop: str
    key: str
    target: str  # schema name, e.g. "CronJobResponse"

    @property
    def label(self) -> str:
        return f"{self.prop}={self.key} → {self.target}"


@dataclass(frozen=True)
class Guard:
    """The compiled check that the discriminator property is present and mapped."""

    prop: str
    keys: tuple[str, ...]
    location: Location  # the discriminator object in the spec


def compile_discriminator(
    compiler: Compiler,
    node: dict[str, Any],
    out: dict[str, Any],
    loc: Location,
    disc: dict[str, Any],
) -> None:
    d_loc = pointer_loc(loc, "discriminator")
    prop = disc.get("propertyName")
    if not isinstance(prop, str):
        raise compiler.spec.error(d_loc, "discriminator needs a string propertyName")
    union_kw = next(
        (k for k in ("oneOf", "anyOf") if isinstance(node.get(k), list)), None
    )
    arms = _mapping(compiler, node, loc, d_loc, disc, union_kw)
    if not arms:
        return
    keys = tuple(arms)
    guard: dict[str, Any] = {
        "type": "object",
        "required": [prop],
        "properties": {prop: {"enum": list(keys)}},
    }
    compiler._note(guard, d_loc)
    compiler._note(guard["properties"][prop], d_loc)
    dispatch: list[Any] = []
    default = _default_arm(compiler, d_loc, disc, guard, prop)
    if default is not None:
        dispatch.append(default)  # absent or unmapped: the default schema, no guard
    else:
        info = Guard(prop, keys, d_loc)
        compiler.map.guards[id(guard)] = info
        compiler.map.guards[id(guard["properties"][prop])] = info
        dispatch.append(guard)
    for key, (target_name, then) in arms.items():
        # `type` keeps a non-object from taking every arm (required/properties
        # pass vacuously on non-objects); the guard reports it once.
        cond = {
            "type": "object",
            "properties": {prop: {"const": key}},
            "required": [prop],
        }
        arm = {"if": cond, "then": then}
        compiler._note(arm, d_loc)
        compiler.map.dispatch[id(arm)] = Dispatch(prop, key, target_name)
        dispatch.append(arm)
    if union_kw is not None:
        del out[union_kw]  # dispatch replaces the union
    out["allOf"] = [*out.get("allOf", []), *dispatch]


def _default_arm(
    compiler: Compiler,
    d_loc: Location,
    disc: dict[str, Any],
    mapped: dict[str, Any],
    prop: str,
) -> dict[str, Any] | None:
    """OpenAPI 3.2 `defaultMapping`: `if {prop mapped} else {$ref default}`."""
    value = disc.get("defaultMapping")
    if value is None:
        return None
    m_loc = pointer_loc(d_loc, "defaultMapping")
    if not isinstance(value, str):
        raise compiler.spec.error(
            m_loc, f"defaultMapping must be a string, found {value!r}"
        )
    if "#" not in value and "/" not in value and not _is_file_name(value):
        value = f"#/components/schemas/{value}"
    target = compiler.spec.ref_target(value, m_loc)
    arm = {"if": mapped, "else": compiler._ref_to(target, m_loc)}
    compiler._note(arm, m_loc)
    name = pointer_parts(target.pointer)[-1] if target.pointer else target.uri
    compiler.map.defaults[id(arm)] = Dispatch(prop, "(default)", name)
    return arm


def _mapping(
    compiler: Compiler,
    node: dict[str, Any],
    loc: Location,
    d_loc: Location,
    disc: dict[str, Any],
    union_kw: str | None,
) -> dict[str, tuple[str, Any]]:
    """Mapping key → (schema name, compiled `then`): explicit keys, then implicit
    schema names for the candidates no explicit key maps to."""
    targets: dict[str, tuple[Location, Location]] = {}  # key → (target, where)
    for key, value in (disc.get("mapping") or {}).items():
        m_loc = pointer_loc(d_loc, "mapping", key)
        if isinstance(value, dict) and isinstance(value.get("$ref"), str):
            compiler.spec.warn(
                m_loc,
                "normalised-mapping-ref",
                "mapping value written as {$ref: …}; OpenAPI requires a "
                "plain string, read as " + repr(value["$ref"]),
            )
            value = value["$ref"]
        if not isinstance(value, str):
            raise compiler.spec.error(
                m_loc, f"mapping value must be a string, found {value!r}"
            )
        if "#" not in value and "/" not in value and not _is_file_name(value):
            value = f"#/components/schemas/{value}"  # a bare schema name
        targets[str(key)] = (compiler.spec.ref_target(value, m_loc), m_loc)
    candidates: list[tuple[Location, Location]] = []
    if union_kw is not None:
        items = node[union_kw]
        for i, item in enumerate(items):
            if isinstance(item, dict) and "$ref" in item:
                where = pointer_loc(loc, union_kw, i, "$ref")
                candidates.append(
                    (compiler.spec.ref_target(item["$ref"], where), where)
                )
        if len(candidates) < len(items) and not targets:
            compiler.spec.warn(
                d_loc,
                "discriminator-inline-branches",
                "discriminator over inline schemas without a mapping "
                "cannot dispatch; validated as a plain " + union_kw,
            )
            return {}
    else:
        candidates = [(child, child) for child in _children_of(compiler, loc)]
        candidates.append((loc, loc))
    mapped = {target for target, _ in targets.values()}
    for target, where in candidates:
        if target not in mapped:
            targets.setdefault(pointer_parts(target.pointer)[-1], (target, where))
    arms: dict[str, tuple[str, Any]] = {}
    for key, (target, where) in targets.items():
        name = pointer_parts(target.pointer)[-1]
        if union_kw is None and target == loc:
            then: Any = {}  # the base itself: its own keywords already apply
        else:
            then = compiler._ref_to(target, where)
        arms[key] = (name, then)
    return arms


def _children_of(compiler: Compiler, parent: Location) -> list[Location]:
    """Component schemas that include `parent` through `allOf` (inheritance)."""
    if compiler._children is None:
        compiler._children = {}
        root = Location(compiler.spec.root.uri, "/components/schemas")
        components = compiler.spec.root.data.get("components")
        schemas = components.get("schemas") if isinstance(components, dict) else {}
        schemas = schemas if isinstance(schemas, dict) else {}
        for name, schema in schemas.items():
            if not isinstance(schema, dict):
                continue
            child = pointer_loc(root, name)
            for i, item in enumerate(schema.get("allOf") or []):
                if isinstance(item, dict) and "$ref" in item:
                    try:
                        target = compiler.spec.ref_target(
                            item["$ref"], pointer_loc(child, "allOf", i, "$ref")
                        )
                    except Exception:  # noqa: BLE001 - dangling refs surface elsewhere
                        continue
                    compiler._children.setdefault(target, []).append(child)
    found: list[Location] = []
    todo = list(compiler._children.get(parent, []))
    while todo:  # grandchildren inherit the discriminator too
        child = todo.pop(0)
        if child != parent and child not in found:
            found.append(child)
            todo.extend(compiler._children.get(child, []))
    return found


def _is_file_name(value: str) -> bool:
    return value.lower().endswith((".yaml", ".yml", ".json"))


def is_inheritance_base(node: Any) -> bool:
    return (
        isinstance(node, dict)
        and isinstance(node.get("discriminator"), dict)
        and not isinstance(node.get("oneOf"), list)
        and not isinstance(node.get("anyOf"), list)
    )
