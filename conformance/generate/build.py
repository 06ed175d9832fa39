"""The strategy builder: a rewritten schema → a hypothesis strategy.

Owns `_Builder` (every node of a generation schema built with hypothesis's own
combinators: `fixed_dictionaries` for objects, whose optional members shrink to
absent; `one_of` for unions, which shrinks to the first alternative; `lists`,
`text`, `from_regex`, `integers`, `floats`; formats from their registered
strategies) and `_format_strategies` / `_format_aliases` (the private names formats
carry in generation schemas). hypothesis-jsonschema is not used: its object
generation relies on hypothesis internals that changed in 6.170.10, and building
each node here keeps generation working on every hypothesis the project supports.
What has no direct construction (`not`, an `allOf` the rewrite could not merge,
`if`/`then`, `contains`, `dependencies`) is drawn from its positive parts and
filtered by a validator of the whole node. hypothesis is imported inside
functions only.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from .rewrite import _types, implied_types

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

_MAX_ITEMS = 3  # arrays without maxItems: bodies stay small and quick to draw
_MAX_EXTRA = 2  # members drawn beyond the documented ones of an open object
_FORMAT_ALIAS = "conformance-format-"
_CHECKED = frozenset(
    {
        "not",
        "allOf",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "dependencies",
        "patternProperties",
    }
)


class _Builder:
    """Rewritten schema → strategy, built once per node, with hypothesis alone."""

    def __init__(self, custom_formats: dict[str, SearchStrategy[str]]) -> None:
        self.custom_formats = custom_formats

    def build(self, node: Any) -> SearchStrategy[Any]:
        from hypothesis import strategies as st

        if node is True or node == {}:
            return _any_json()
        if node is False:
            return st.nothing()
        if not isinstance(node, dict):
            return _any_json()
        if "const" in node or "enum" in node:
            values = [node["const"]] if "const" in node else list(node["enum"])
            rest = {k: v for k, v in node.items() if k not in ("const", "enum")}
            if rest:
                fits = _validator(rest)
                values = [v for v in values if fits(v)]
            return st.sampled_from(values) if values else st.nothing()
        if set(node) & _CHECKED or ("anyOf" in node and len(node) > 1):
            return self.checked(node)
        if "anyOf" in node:
            return st.one_of([self.build(a) for a in node["anyOf"]])
        types = _types(node)
        if types is None:
            types = implied_types(node)
            if not types:
                return _any_json()
        if "number" in types:
            types = types - {"integer"}
        ordered = sorted(types, key=lambda t: (t == "null", t))  # null shrinks last
        return st.one_of([self.typed(t, node) for t in ordered])

    def typed(self, kind: str, node: dict[str, Any]) -> SearchStrategy[Any]:
        from hypothesis import strategies as st

        if kind == "object":
            return self.object(node)
        if kind == "array":
            return self.array(node)
        if kind == "string":
            return self.string(node)
        if kind in ("integer", "number"):
            return _numbers(node, integer=kind == "integer")
        if kind == "boolean":
            return st.booleans()
        return st.none()

    def checked(self, node: dict[str, Any]) -> SearchStrategy[Any]:
        """The positive parts of `node`, filtered by a validator of all of it."""
        from hypothesis import strategies as st

        base = {k: v for k, v in node.items() if k not in _CHECKED}
        sources = []
        if "anyOf" in base and len(base) > 1:
            union = base.pop("anyOf")
            sources.append(self.build({"anyOf": [{**base, **a} for a in union]}))
        elif base:
            sources.append(self.build(base))
        for part in node.get("allOf") or ():
            sources.append(self.build({**base, **part} if base else part))
        if isinstance(node.get("then"), dict):
            sources.append(self.build({**base, **node["then"]}))
        fits = _validator(node)
        return st.one_of(sources or [_any_json()]).filter(fits)

    def object(self, node: dict[str, Any]) -> SearchStrategy[Any]:
        from hypothesis import strategies as st

        props: dict[str, Any] = node.get("properties") or {}
        required = list(dict.fromkeys(node.get("required") or ()))
        extra = node.get("additionalProperties", True)
        if any(props.get(r) is False for r in required) or (
            extra is False and any(r not in props for r in required)
        ):
            return st.nothing()  # a required member that is never allowed
        fixed = st.fixed_dictionaries(
            {name: self.build(props.get(name, {})) for name in required},
            optional={
                name: self.build(sub)
                for name, sub in props.items()
                if name not in required and sub is not False
            },
        )
        least = node.get("minProperties", 0)
        most = node.get("maxProperties")
        if extra is not False:
            values = _any_json() if extra is True else self.build(extra)
            names = st.text(min_size=1, max_size=10).filter(lambda k: k not in props)
            extras = st.dictionaries(names, values, max_size=max(_MAX_EXTRA, least))
            fixed = st.builds(lambda mine, more: {**more, **mine}, fixed, extras)
        if least or most is not None:
            top = math.inf if most is None else most
            fixed = fixed.filter(lambda value: least <= len(value) <= top)
        return fixed

    def array(self, node: dict[str, Any]) -> SearchStrategy[Any]:
        from hypothesis import strategies as st

        items = node.get("items", {})
        least = node.get("minItems", 0)
        most = node.get("maxItems", max(least, _MAX_ITEMS))
        if isinstance(items, list):  # tuple form
            return st.tuples(*(self.build(i) for i in items)).map(list)
        item = self.build(items)
        if item.is_empty:
            return st.just([]) if least == 0 else st.nothing()
        unique = _json_key if node.get("uniqueItems") else None
        return st.lists(item, min_size=least, max_size=most, unique_by=unique)

    def string(self, node: dict[str, Any]) -> SearchStrategy[Any]:
        import re

        from hypothesis import strategies as st

        least = node.get("minLength", 0)
        most = node.get("maxLength")
        pattern = node.get("pattern")
        fmt = node.get("format")
        if isinstance(fmt, str) and fmt in self.custom_formats:
            texts = self.custom_formats[fmt]
            if isinstance(pattern, str):
                texts = texts.filter(lambda t: re.search(pattern, t) is not None)
        elif isinstance(pattern, str):
            texts = st.from_regex(pattern)
        else:
            return st.text(min_size=least, max_size=most)
        if least or most is not None:
            top = math.inf if most is None else most
            texts = texts.filter(lambda t: least <= len(t) <= top)
        return texts


def _json_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _any_json() -> SearchStrategy[Any]:
    """Any small JSON value (an empty schema, an open object's extra members)."""
    from hypothesis import strategies as st

    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**53), max_value=2**53),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=6,
    )


def _numbers(node: dict[str, Any], *, integer: bool) -> SearchStrategy[Any]:
    from decimal import Decimal

    from hypothesis import strategies as st

    low = node.get("minimum")
    high = node.get("maximum")
    ex_low = node.get("exclusiveMinimum")
    ex_high = node.get("exclusiveMaximum")
    step = node.get("multipleOf")

    def inside(value: Any) -> bool:
        return (
            (low is None or value >= low)
            and (high is None or value <= high)
            and (ex_low is None or value > ex_low)
            and (ex_high is None or value < ex_high)
        )

    if step is not None:
        unit = Decimal(str(step))
        floor = max((x for x in (low, ex_low) if x is not None), default=None)
        ceiling = min((x for x in (high, ex_high) if x is not None), default=None)
        k_lo = None if floor is None else math.ceil(Decimal(str(floor)) / unit)
        k_hi = None if ceiling is None else math.floor(Decimal(str(ceiling)) / unit)

        def multiple(k: int) -> Any:
            value = Decimal(k) * unit
            return int(value) if value == value.to_integral() else float(value)

        values = st.integers(min_value=k_lo, max_value=k_hi).map(multiple)
        if integer:
            values = values.filter(lambda v: isinstance(v, int))
        return values.filter(inside)
    if integer:
        lo = None if low is None else math.ceil(low)
        hi = None if high is None else math.floor(high)
        if ex_low is not None:
            lo = max(lo if lo is not None else -math.inf, math.floor(ex_low) + 1)
        if ex_high is not None:
            hi = min(hi if hi is not None else math.inf, math.ceil(ex_high) - 1)
        return st.integers(min_value=lo, max_value=hi)
    floats = st.floats(
        min_value=max((x for x in (low, ex_low) if x is not None), default=None),
        max_value=min((x for x in (high, ex_high) if x is not None), default=None),
        exclude_min=ex_low is not None and (low is None or ex_low >= low),
        exclude_max=ex_high is not None and (high is None or ex_high <= high),
        allow_nan=False,
        allow_infinity=False,
    )
    return floats.filter(inside)


def _validator(node: Any) -> Any:
    import jsonschema

    cls = jsonschema.validators.validator_for(node, default=jsonschema.Draft7Validator)
    return cls(node).is_valid


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
