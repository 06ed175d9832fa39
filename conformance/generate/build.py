"""The strategy builder: a rewritten schema → a hypothesis strategy.

Owns `_Builder` (objects, arrays and unions built once with hypothesis
combinators, every other node handed to `from_schema`) and
`_format_strategies` (the private format aliases and their strategies, passed to
hypothesis-jsonschema as `custom_formats`). hypothesis is imported inside
functions only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .rewrite import _types

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

_MAX_ITEMS = 3  # arrays without maxItems: bodies stay small and quick to draw
_FORMAT_ALIAS = "conformance-format-"
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


def _format_aliases(formats: dict[str, Any]) -> dict[str, str]:
    """Format name → the private alias it carries in generation schemas."""
    return {name: _FORMAT_ALIAS + name for name in formats}


def _format_strategies(formats: dict[str, Any]) -> dict[str, SearchStrategy[str]]:
    """Alias → a strategy of valid strings (built when a strategy is first asked)."""
    from hypothesis import strategies as st

    strategies: dict[str, SearchStrategy[str]] = {}
    for name, alias in _format_aliases(formats).items():
        fmt = formats[name]
        if fmt.strategy is not None:
            strategies[alias] = fmt.strategy()
        else:  # no way to make one: filter text (slow, but never wrong)
            strategies[alias] = st.text().filter(fmt.check)
    return strategies
