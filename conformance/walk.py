"""Every Schema Object a document reaches, in every file its `$ref`s lead to.

One walk, shared: lint runs its rules over it, and the discriminator finds the
schemas that include a base through `allOf` with it (children in other files too).
Each location is visited once, so a cycle of `$ref`s across files ends.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from .errors import SpecError
from .source import pointer_parts
from .spec import Location, Spec, pointer_loc

_SCHEMA_MAPS = (
    "properties",
    "patternProperties",
    "definitions",
    "$defs",
    "dependentSchemas",
)
_SCHEMA_LISTS = ("allOf", "oneOf", "anyOf", "prefixItems")
_SCHEMA_ONE = (
    "items",
    "not",
    "additionalProperties",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "additionalItems",
    "unevaluatedItems",
    "unevaluatedProperties",
)


def schemas(spec: Spec) -> Iterator[tuple[Location, dict[str, Any]]]:
    """Every Schema Object of the document and of the files its `$ref`s (and
    discriminator mappings) reach, each once, where it is written."""
    root = Location(spec.root.uri, "")
    starts: list[Location] = []
    for name in component_schemas(spec):
        starts.append(pointer_loc(root, "components", "schemas", name))
    for op in spec.indexed_operations().values():
        for response in op.responses.values():
            for media in response.content.values():
                for found in (media.schema, media.item_schema):  # 3.2 itemSchema
                    if found is not None:
                        starts.append(found)
    todo = list(reversed(starts))
    seen: set[Location] = set()
    while todo:
        loc = todo.pop()
        if loc in seen:
            continue
        seen.add(loc)
        try:
            node = spec.node(loc)
        except (KeyError, SpecError):
            continue
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("$ref"), str):
            with contextlib.suppress(SpecError):  # a dangling one: the compiler's
                todo.append(spec.ref_target(node["$ref"], pointer_loc(loc, "$ref")))
            if set(node) <= {"$ref", "description", "summary"}:
                continue
        yield loc, node
        todo.extend(reversed(list(_mapped(spec, loc, node))))
        for kw in _SCHEMA_ONE:
            if isinstance(node.get(kw), dict):
                todo.append(pointer_loc(loc, kw))
        for kw in _SCHEMA_LISTS:
            items = node.get(kw)
            for i in range(len(items) if isinstance(items, list) else 0):
                todo.append(pointer_loc(loc, kw, i))
        for kw in _SCHEMA_MAPS:
            if isinstance(node.get(kw), dict):
                todo.extend(pointer_loc(loc, kw, k) for k in node[kw])


def _mapped(spec: Spec, loc: Location, node: dict[str, Any]) -> Iterator[Location]:
    """The schemas a discriminator mapping names (a child may be reached only so)."""
    disc = node.get("discriminator")
    mapping = disc.get("mapping") if isinstance(disc, dict) else None
    for key, value in (mapping if isinstance(mapping, dict) else {}).items():
        if isinstance(value, dict):
            value = value.get("$ref")
        if not isinstance(value, str):
            continue
        where = pointer_loc(loc, "discriminator", "mapping", key)
        with contextlib.suppress(SpecError):  # the compiler reports it
            yield mapping_target(spec, value, where)


def mapping_target(spec: Spec, value: str, where: Location) -> Location:
    """The schema a discriminator mapping value names: a reference, or a bare
    schema name, which is a component of the root document (from any file)."""
    if "#" in value or "/" in value or is_file_name(value):
        return spec.ref_target(value, where)
    if where.uri == spec.root.uri:
        return spec.ref_target(f"#/components/schemas/{value}", where)
    return spec.ref_target(f"{spec.root.uri}#/components/schemas/{value}", where)


def component_schemas(spec: Spec) -> dict[str, Any]:
    """The root document's `components/schemas` (empty where malformed)."""
    components = spec.root.data.get("components")
    found = components.get("schemas") if isinstance(components, dict) else None
    return found if isinstance(found, dict) else {}


def schema_name(loc: Location, aliases: dict[Location, str]) -> str | None:
    """The name OpenAPI's implicit discriminator mapping gives the schema at `loc`:
    its component name (a root component that is a `$ref` to it names it too), a
    file's name without its extension for a whole-file schema, the last pointer
    token for one of several schemas in a file. None for an inline schema."""
    if loc in aliases:
        return aliases[loc]
    parts = pointer_parts(loc.pointer)
    if not parts:
        stem = loc.uri.rsplit("/", 1)[-1]
        return stem.rsplit(".", 1)[0] if is_file_name(stem) else stem
    if len(parts) == 3 and parts[:2] == ["components", "schemas"]:
        return parts[2]
    if len(parts) == 1 and parts[0] not in _SCHEMA_ONE:  # not a whole-file schema's
        return parts[0]
    if len(parts) == 2 and parts[0] in ("definitions", "$defs", "schemas"):
        return parts[1]
    return None


def component_aliases(spec: Spec) -> dict[Location, str]:
    """Schema location → the root component name a bare `$ref` component gives it
    (`components/schemas/Cat: {$ref: schemas/Cat.yaml}` names that file `Cat`)."""
    root = Location(spec.root.uri, "/components/schemas")
    aliases: dict[Location, str] = {}
    for name, node in component_schemas(spec).items():
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            with contextlib.suppress(KeyError, SpecError):
                target, _ = spec.deref(pointer_loc(root, name))
                aliases.setdefault(target, name)
    return aliases


def is_file_name(value: str) -> bool:
    return value.lower().endswith((".yaml", ".yml", ".json"))
