"""Discriminator dispatch: how the compiler turns a `discriminator` into Draft 7.

A union with a discriminator becomes a guard (the property is present and one of the
mapping keys) plus one `if {property: const key} then {$ref target}` per key, so a
payload is judged by the mapped schema only: a plain `oneOf` rejects every CRON job
of the seed, which is valid under both branches. Mapping keys are explicit, then the
implicit schema names; the allOf-inheritance style (a base with a discriminator and
children that include it) dispatches to the children, grandchildren included.

Shapes real APIs write (PagerDuty): a discriminator that stands beside nothing to
choose between is an annotation; one on an inline allOf member discriminates the
schema holding the allOf (its name, never the member's index); the property's own
enum bounds the keys, and where enum and mapping contradict each other so that no
payload could pass, the schema's own keywords judge it, without dispatch. Each
defect is recorded as a warning, which lint lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import SpecError
from .source import pointer_parts
from .spec import Location, Spec, pointer_loc
from .walk import (
    component_aliases,
    component_schemas,
    mapping_target,
    schema_name,
)
from .walk import schemas as walk_schemas

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
    # The schema's own enum/const of the property: the keys are among its values,
    # so a value it rejects the guard rejects too, and says more (explain.py).
    own: tuple[Location, ...] = ()


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
    if union_kw is None and _is_inert(compiler, node, loc):
        compiler.spec.warn(
            d_loc,
            "discriminator-inert",
            f"discriminator {prop!r} stands beside no oneOf/anyOf/allOf and no "
            "schema includes this one; OpenAPI gives it no effect on validity, so "
            "it is read as an annotation",
        )
        return
    arms = _mapping(compiler, node, loc, d_loc, disc, union_kw)
    dead = _check_targets(compiler, arms, prop, d_loc)
    arms = _within_own_enum(compiler, node, loc, d_loc, prop, arms, union_kw)
    if arms and all(key in dead for key in arms):
        compiler.spec.warn(
            d_loc,
            "discriminator-unsatisfiable",
            "every schema the discriminator maps to excludes its own key: no "
            "payload could pass; validated without dispatch",
        )
        return
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
        own = _pinned(compiler, node, loc, prop, inline_parts=True)[2]
        info = Guard(prop, keys, d_loc, tuple(own))
        compiler.map.guards[id(guard)] = info
        compiler.map.guards[id(guard["properties"][prop])] = info
        dispatch.append(guard)
    for key, arm_to in arms.items():
        # `type` keeps a non-object from taking every arm (required/properties
        # pass vacuously on non-objects); the guard reports it once.
        cond = {
            "type": "object",
            "properties": {prop: {"const": key}},
            "required": [prop],
        }
        then: Any = {}  # the base itself: its own keywords already apply
        if arm_to.target is not None:
            then = compiler._ref_to(arm_to.target, arm_to.where)
        arm = {"if": cond, "then": then}
        compiler._note(arm, d_loc)
        compiler.map.dispatch[id(arm)] = Dispatch(prop, key, arm_to.name)
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
    target = mapping_target(compiler.spec, value, m_loc)  # as mapping values
    arm = {"if": mapped, "else": compiler._ref_to(target, m_loc)}
    compiler._note(arm, m_loc)
    name = pointer_parts(target.pointer)[-1] if target.pointer else target.uri
    compiler.map.defaults[id(arm)] = Dispatch(prop, "(default)", name)
    return arm


@dataclass(frozen=True)
class _Arm:
    name: str  # the target schema's name
    target: Location | None  # None: the discriminated schema itself
    where: Location  # where the spec names the target
    explicit: bool = False  # named by the mapping (not an implicit schema name)


def _mapping(
    compiler: Compiler,
    node: dict[str, Any],
    loc: Location,
    d_loc: Location,
    disc: dict[str, Any],
    union_kw: str | None,
) -> dict[str, _Arm]:
    """Mapping key → arm: explicit keys, then implicit schema names for the
    candidates no explicit key maps to."""
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
        targets[str(key)] = (mapping_target(compiler.spec, value, m_loc), m_loc)
    # An inline allOf member discriminates the schema that holds the allOf.
    owner = allof_owner(loc) or loc
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
        candidates = [(child, child) for child in _children_of(compiler, owner)]
        candidates.append((owner, owner))
    explicit = set(targets)
    mapped = {target for target, _ in targets.values()}
    for target, where in candidates:
        if target not in mapped:
            targets.setdefault(_name(compiler, target), (target, where))
    arms: dict[str, _Arm] = {}
    for key, (target, where) in targets.items():
        if union_kw is None and target == owner:
            # the base itself: its own keywords already apply
            arms[key] = _Arm(_name(compiler, owner), None, where, key in explicit)
        else:
            arms[key] = _Arm(_name(compiler, target), target, where, key in explicit)
    return arms


def _is_inert(compiler: Compiler, node: dict[str, Any], loc: Location) -> bool:
    """OpenAPI 3.0: a discriminator is legal only beside oneOf/anyOf/allOf. One that
    stands alone, that no schema includes, has nothing to choose between."""
    if isinstance(node.get("allOf"), list) or allof_owner(loc) is not None:
        return False
    return not _children_of(compiler, loc)


def _within_own_enum(
    compiler: Compiler,
    node: dict[str, Any],
    loc: Location,
    d_loc: Location,
    prop: str,
    arms: dict[str, _Arm],
    union_kw: str | None,
) -> dict[str, _Arm]:
    """Keep the arms the schema's own enum of the property admits. Values of the
    enum no arm names are judged by the schema's own keywords (allOf style); when
    no key survives, the spec contradicts itself and its own keywords decide."""
    own, _, _ = _pinned(compiler, node, loc, prop, inline_parts=True)
    if own is None:
        return arms
    allowed = [v for v in own if isinstance(v, str)]
    live = {k: a for k, a in arms.items() if k in allowed}
    dead = [k for k in arms if k not in allowed]
    listed = ", ".join(map(repr, allowed))
    if dead and not live:
        compiler.spec.warn(
            d_loc,
            "discriminator-unsatisfiable",
            f"no discriminator key ({', '.join(map(repr, dead))}) is in the enum of "
            f"{prop!r} ({listed}): no payload could pass both; validated by the "
            "schema's own keywords, without dispatch",
        )
        return {}
    excluded = [k for k in dead if arms[k].explicit]  # implicit names: candidates
    if excluded:
        compiler.spec.warn(
            d_loc,
            "discriminator-key-excluded",
            f"mapping key(s) {', '.join(map(repr, excluded))} are not in the enum "
            f"of {prop!r} ({listed}); no payload can take those branches",
        )
    if union_kw is None:
        base = _Arm(_name(compiler, allof_owner(loc) or loc), None, d_loc)
        for value in allowed:
            live.setdefault(value, base)
    return live


def _check_targets(
    compiler: Compiler, arms: dict[str, _Arm], prop: str, d_loc: Location
) -> set[str]:
    """A target whose own enum of the property excludes the key that maps to it
    can never be taken: the child and the parent disagree. Returns those keys."""
    dead: set[str] = set()
    for key, arm in arms.items():
        if arm.target is None:
            continue
        try:
            target, node = compiler.spec.deref(arm.target)
        except Exception:  # noqa: BLE001 - a broken target surfaces when compiled
            continue
        own, where, _ = _pinned(compiler, node, target, prop, inline_parts=True)
        if own is not None and key not in own:
            dead.add(key)
            compiler.spec.warn(
                where,
                "discriminator-child-enum-mismatch",
                f"{arm.name}.{prop} allows {', '.join(map(repr, own))}, but the "
                f"discriminator at #{d_loc.pointer} maps {key!r} to {arm.name}: no "
                "payload can take this branch",
            )
    return dead


def _pinned(
    compiler: Compiler,
    node: Any,
    loc: Location,
    prop: str,
    *,
    inline_parts: bool = False,
) -> tuple[list[Any] | None, Location, list[Location]]:
    """The values `node` itself pins `prop` to (enum/const), if it does, where, and
    the enum/const keywords that pin them; with `inline_parts`, inline allOf members
    count too (a child's own additions)."""
    places = [(node, loc)]
    parts = node.get("allOf") if isinstance(node, dict) and inline_parts else None
    for i, part in enumerate(parts if isinstance(parts, list) else []):
        if isinstance(part, dict) and "$ref" not in part:
            places.append((part, pointer_loc(loc, "allOf", i)))
    pinned: list[Any] | None = None
    found = loc
    rules: list[Location] = []
    for where_node, where in places:
        props = where_node.get("properties") if isinstance(where_node, dict) else None
        if not isinstance(props, dict) or prop not in props:
            continue
        try:
            at, sub = compiler.spec.deref(pointer_loc(where, "properties", prop))
        except Exception:  # noqa: BLE001 - a broken ref surfaces when compiled
            continue
        if not isinstance(sub, dict):
            continue
        values = (
            [sub["const"]]
            if "const" in sub
            else sub["enum"]
            if isinstance(sub.get("enum"), list)
            else None
        )
        if values is not None:
            found = pointer_loc(where, "properties", prop)
            rules.append(pointer_loc(at, "const" if "const" in sub else "enum"))
            pinned = (
                list(values) if pinned is None else [v for v in pinned if v in values]
            )
    return pinned, found, rules


def allof_owner(loc: Location) -> Location | None:
    """The schema holding `loc` in its allOf, when `loc` is an inline allOf member."""
    parts = loc.pointer.rsplit("/allOf/", 1)
    if len(parts) == 2 and parts[1].isdigit():
        return Location(loc.uri, parts[0])
    return None


def _name(compiler: Compiler, target: Location) -> str:
    """The implicit mapping name of `target` (see `walk.schema_name`)."""
    family = _family(compiler)
    name = schema_name(target, family.aliases)
    if name is not None:
        return name
    parts = pointer_parts(target.pointer)
    return parts[-1] if parts else target.uri.rsplit("/", 1)[-1]


@dataclass
class Family:
    """Who includes whom through `allOf`, over every schema the document reaches."""

    children: dict[Location, list[Location]]  # base → its direct includers
    aliases: dict[Location, str]  # schema → the root component naming it


def _family(compiler: Compiler) -> Family:
    if compiler._family is None:
        compiler._family = _discover(compiler.spec)
    return compiler._family


def _discover(spec: Spec) -> Family:
    """Index the named schemas that include another through `allOf`, in every file
    reached by `$ref` (the walk lint uses). Root components come first, in their
    order, then the schemas of other files in the order the walk meets them."""
    aliases = component_aliases(spec)
    order = {name: i for i, name in enumerate(component_schemas(spec))}
    root = Location(spec.root.uri, "/components/schemas")
    found: list[tuple[tuple[int, int], Location, Location]] = []
    for seen, (loc, node) in enumerate(walk_schemas(spec)):
        parts = node.get("allOf")
        if not isinstance(parts, list) or schema_name(loc, aliases) is None:
            continue
        name = pointer_parts(loc.pointer)[-1] if loc.pointer else ""
        rank = (
            (0, order[name])
            if name in order and loc == pointer_loc(root, name)
            else (1, seen)
        )
        for i, item in enumerate(parts):
            if isinstance(item, dict) and "$ref" in item:
                try:
                    target, _ = spec.deref(pointer_loc(loc, "allOf", i))
                except (KeyError, SpecError):  # dangling refs surface elsewhere
                    continue
                found.append((rank, target, loc))
    children: dict[Location, list[Location]] = {}
    for _, target, child in sorted(found, key=lambda f: f[0]):
        children.setdefault(target, []).append(child)
    return Family(children, aliases)


def _children_of(compiler: Compiler, parent: Location) -> list[Location]:
    """Named schemas, in any file the document reaches, that include `parent`
    through `allOf` (inheritance), grandchildren included."""
    children = _family(compiler).children
    found: list[Location] = []
    todo = list(children.get(parent, []))
    while todo:  # grandchildren inherit the discriminator too
        child = todo.pop(0)
        if child != parent and child not in found:
            found.append(child)
            todo.extend(children.get(child, []))
    return found


def is_inheritance_base(node: Any) -> bool:
    """A schema whose discriminator dispatches to the schemas that include it: one
    beside no oneOf/anyOf, or one on an inline member of its allOf."""
    if not isinstance(node, dict):
        return False
    if isinstance(node.get("oneOf"), list) or isinstance(node.get("anyOf"), list):
        return False
    if isinstance(node.get("discriminator"), dict):
        return True
    parts = node.get("allOf")
    return any(
        isinstance(p, dict)
        and "$ref" not in p
        and isinstance(p.get("discriminator"), dict)
        and not isinstance(p.get("oneOf"), list)
        and not isinstance(p.get("anyOf"), list)
        for p in (parts if isinstance(parts, list) else [])
    )
