"""Schema resources of OpenAPI 3.1 documents (JSON Schema 2020-12 identification).

A 3.1 Schema Object may name itself with `$id` (a base URI for the `$ref`s inside
it: relative, absolute or a URN), and name its subschemas with `$anchor` or
`$dynamicAnchor` (`#name` fragments). `index()` reads all of these from one parsed
document; spec.py asks it where a `$ref` points. Pure data in, data out: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from .source import join_uri, pointer_join

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# Keywords whose values are data, never schemas: an `$id` inside an example is text.
_DATA = frozenset({"enum", "const", "example", "examples", "default"})
# Keywords whose values map names to schemas (a member named "$id" is not an `$id`).
_NAMES = frozenset(
    {
        "properties",
        "patternProperties",
        "$defs",
        "definitions",
        "dependentSchemas",
        "schemas",
    }
)


def is_2020_12(dialect: Any) -> bool:
    """JSON Schema 2020-12 itself, or OpenAPI 3.1's (or 3.2's) dialect of it."""
    return isinstance(dialect, str) and (
        dialect.rstrip("#") == "https://json-schema.org/draft/2020-12/schema"
        or dialect.startswith(
            (
                "https://spec.openapis.org/oas/3.1/dialect/",
                "https://spec.openapis.org/oas/3.2/dialect/",
            )
        )
    )


def has_scheme(uri: str) -> bool:
    """An absolute URI (`https:`, `urn:`, `tag:`), not a path (`C:` is a drive)."""
    return bool(_SCHEME.match(uri)) and not re.match(r"^[A-Za-z]:[\\/]", uri)


def resolve(base: str, ref: str) -> str:
    """The absolute URI (no fragment) that `ref` names from `base` (URI or path)."""
    ref = ref.partition("#")[0]
    base = base.partition("#")[0]
    if not ref:
        return base
    scheme = urlsplit(ref).scheme.lower() if has_scheme(ref) else ""
    if scheme and scheme != "file":
        return _normal(ref)
    if scheme == "file" or not has_scheme(base):
        return join_uri(base, ref)
    joined = urljoin(base, ref)
    if not has_scheme(joined):  # a URN base: RFC 3986 merges paths all the same
        name, _, path = base.partition(":")
        joined = f"{name}:{path[: path.rfind('/') + 1]}{ref}"
    return _normal(joined)


def _normal(uri: str) -> str:
    """`http://x/a/../b` is `http://x/b`; schemes and hosts are case-blind."""
    if not has_scheme(uri):
        return uri
    parts = urlsplit(uri)
    if parts.scheme.lower() in ("http", "https") and "/." in parts.path:
        uri = urljoin(uri, parts.path)
    scheme, _, rest = uri.partition(":")
    return f"{scheme.lower()}:{rest}"


@dataclass
class Resources:
    """One document's schema resources: each `$id`, `$anchor` and `$dynamicAnchor`.

    Pointers are the document's JSON pointers; a resource is named by the pointer
    of its root ("" for the document itself).
    """

    uri: str
    ids: dict[str, str] = field(default_factory=dict)  # absolute URI → pointer
    bases: dict[str, str] = field(default_factory=dict)  # resource pointer → URI
    anchors: dict[tuple[str, str], str] = field(default_factory=dict)
    dynamic: dict[str, dict[str, str]] = field(default_factory=dict)
    # (resource, name) → every pointer declaring it, where there is more than one
    clashes: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def resource_of(self, pointer: str) -> str:
        """The pointer of the resource that holds `pointer` (its nearest `$id`)."""
        while pointer not in self.bases:
            pointer = pointer[: pointer.rfind("/")] if pointer else ""
            if not pointer:
                return ""
        return pointer

    def base_of(self, pointer: str) -> str:
        return self.bases[self.resource_of(pointer)]

    def anchor(self, resource: str, name: str) -> str | None:
        """The pointer of `#name` in the resource at `resource`."""
        return self.anchors.get((resource, name))

    def dynamic_anchors(self, resource: str) -> dict[str, str]:
        """`$dynamicAnchor` name → pointer, for the resource at `resource`."""
        return self.dynamic.get(resource, {})


def index(uri: str, data: Any) -> Resources:
    """Every resource, anchor and dynamic anchor in the document `data` at `uri`."""
    found = Resources(uri, ids={uri.partition("#")[0]: ""}, bases={"": uri})
    for node, pointer, resource in _schemas(data, found):
        names = {node.get("$anchor"), node.get("$dynamicAnchor")}
        for name in names:
            if not isinstance(name, str):
                continue
            first = found.anchors.setdefault((resource, name), pointer)
            if first != pointer:
                found.clashes.setdefault((resource, name), [first]).append(pointer)
        name = node.get("$dynamicAnchor")
        if isinstance(name, str):
            found.dynamic.setdefault(resource, {}).setdefault(name, pointer)
    return found


def _schemas(data: Any, found: Resources) -> Iterator[tuple[dict[str, Any], str, str]]:
    """Each mapping that may be a schema, with its pointer and its resource; `$id`s
    are registered on the way (an inner `$id` resolves against the outer one)."""
    stack: list[tuple[Any, str, str, bool]] = [(data, "", "", False)]
    while stack:
        node, pointer, resource, names = stack.pop()
        if isinstance(node, list):
            stack.extend(
                (item, pointer_join(pointer, i), resource, False)
                for i, item in enumerate(node)
            )
            continue
        if not isinstance(node, dict):
            continue
        if not names:
            own = node.get("$id")
            if isinstance(own, str):
                uri = resolve(found.bases[resource], own)
                found.ids.setdefault(uri, pointer)
                found.bases[pointer] = uri
                resource = pointer
            yield node, pointer, resource
        for key, value in node.items():
            if isinstance(value, (dict, list)) and (names or key not in _DATA):
                child = pointer_join(pointer, key)
                stack.append((value, child, resource, not names and key in _NAMES))
