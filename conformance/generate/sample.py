"""The direct sampler: bodies drawn with a seeded `random.Random`, no hypothesis.

Owns `Sampler` (a rewritten generation schema, see rewrite.py, compiled once into a
tree of small draw functions), `Undrawable` (a node no value satisfies, with the
reason) and `Draw` (the state of one run of draws: the `Random`, the round-robin
turn of every union, and whether members are all present).

The sampler draws from the same plan as the hypothesis strategies (build.py), so
both make the same bodies in kind; it trades shrinking and the example database
for speed and for coverage by rotation:

- every union (`anyOf` of discriminator arms or of exclusive `oneOf`
  alternatives) takes its alternatives in turn, so N bodies reach every branch of
  a union that N draws visit; a nullable member is null one time in four;
- optional members are present half of the time; `rich` draws have every
  member, no null where another type is allowed and no empty array where items
  are, so unions nested under optional or nullable members are reached too;
- formats are drawn valid (draws.py, or a pool drawn once from a format's own
  hypothesis strategy for user formats without a `sample`), sizes are bounded;
- what cannot be drawn directly (`not`, an `allOf` the rewrite could not merge,
  `if`/`then`, `contains`) is drawn from its positive part and checked against the
  whole node, a bounded number of times; past that it is `Undrawable`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from random import Random
from typing import Any

from .draws import between, draw_regex, draw_text
from .inline import inline_object
from .numbers import number_drawer
from .rewrite import _types, implied_types
from .state import Draw, Drawer, Undrawable, nothing, text_span

__all__ = ["Draw", "Drawer", "Sampler", "Undrawable"]  # state.py names re-exported

_RETRIES = 24  # draws of a checked node before it is Undrawable
_NULL_SHARE = 0.25  # nullable values are null this often
_OPTIONAL_SHARE = 0.5  # optional members are present this often (rich: always)
_MAX_ITEMS = 3  # arrays without maxItems
_RICH_ITEMS = 2
_CHECKED = frozenset(
    {"not", "allOf", "if", "then", "else", "contains", "propertyNames", "dependencies"}
)


class Sampler:
    """A rewritten generation schema compiled into draw functions (built once)."""

    def __init__(
        self,
        schema: Any,
        formats: dict[str, Callable[[Random], str]],
    ) -> None:
        self.formats = formats  # format alias → drawer of valid strings
        # Why alternatives of unions could not be drawn (first seen first).
        self.failures: dict[str, None] = {}
        self._unions = 0
        self.draw_value: Drawer = self._compile(schema)

    def draw(self, state: Draw) -> Any:
        """One value; raises `Undrawable` when the schema admits none."""
        return self.draw_value(state)

    # -- compiling nodes -----------------------------------------------------------

    def _compile(self, node: Any) -> Drawer:
        if node is True or node == {}:
            return _any_value
        if node is False:
            return nothing("the schema is `false` (its parts contradict each other)")
        if not isinstance(node, dict):
            return _any_value
        if "const" in node:
            return self._checked_values(node, [node["const"]])
        if "enum" in node:
            return self._checked_values(node, list(node["enum"]))
        if set(node) & _CHECKED or ("anyOf" in node and len(node) > 1):
            return self._checked(node)
        if "anyOf" in node:
            return self._union(node["anyOf"])
        types = _types(node)
        if types is None:
            types = implied_types(node)
            if not types:
                return _any_value
        drawers = {t: self._typed(t, node) for t in sorted(types) if t != "null"}
        if "number" in drawers:
            drawers.pop("integer", None)
        nullable = "null" in types
        if not drawers:
            return _null
        choices = list(drawers.values())
        if len(choices) == 1 and not nullable:
            return choices[0]
        if len(choices) == 1:  # the common nullable member
            only = choices[0]

            def maybe_null(state: Draw) -> Any:
                if not state.rich and state.rng.random() < _NULL_SHARE:
                    return None
                return only(state)

            return maybe_null

        def typed(state: Draw) -> Any:
            if nullable and not state.rich and state.rng.random() < _NULL_SHARE:
                return None
            return choices[int(state.rng.random() * len(choices))](state)

        return typed

    def _typed(self, kind: str, node: dict[str, Any]) -> Drawer:
        if kind == "object":
            return self._object(node)
        if kind == "array":
            return self._array(node)
        if kind == "string":
            return self._string(node)
        if kind in ("integer", "number"):
            return number_drawer(node, integer=kind == "integer")
        if kind == "boolean":
            return lambda state: state.rng.random() < 0.5
        return _null

    def _union(self, alternatives: list[Any]) -> Drawer:
        union = self._unions
        self._unions += 1
        null_first = bool(alternatives) and alternatives[0] == {"type": "null"}
        rest = alternatives[1:] if null_first else alternatives
        drawers = [self._compile(a) for a in rest]
        if not drawers:
            return _null

        def either(state: Draw) -> Any:
            if null_first and not state.rich and state.rng.random() < _NULL_SHARE:
                return None
            start = state.turn(union, len(drawers))
            reasons = []
            for offset in range(len(drawers)):
                try:
                    return drawers[(start + offset) % len(drawers)](state)
                except Undrawable as exc:
                    self.failures[exc.reason] = None
                    index = (start + offset) % len(drawers)
                    reasons.append(f"alternative {index}: {exc.reason}")
            if null_first:
                return None
            raise Undrawable("; ".join(reasons))

        return either

    def _checked_values(self, node: dict[str, Any], values: list[Any]) -> Drawer:
        rest = {k: v for k, v in node.items() if k not in ("enum", "const")}
        if rest and set(rest) != {"type"}:
            fits = _validator(rest)
            values = [v for v in values if fits(v)]
        elif "type" in rest:
            values = [v for v in values if _type_fits(v, _types(rest) or set())]
        if not values:
            listed = json.dumps(node.get("enum", node.get("const")))[:120]
            return nothing(f"no listed value {listed} fits the rest of the schema")
        size = len(values)
        return lambda state: values[int(state.rng.random() * size)]

    def _checked(self, node: dict[str, Any]) -> Drawer:
        """Draw from the positive parts of `node`, keep a value the whole accepts."""
        base = {k: v for k, v in node.items() if k not in _CHECKED}
        sources: list[Drawer] = []
        if "anyOf" in base and len(base) > 1:
            union = base.pop("anyOf")
            sources.append(self._compile({"anyOf": [{**base, **a} for a in union]}))
        elif base:
            sources.append(self._compile(base))
        for part in node.get("allOf") or ():
            sources.append(self._compile(_merged_view(base, part)))
        if isinstance(node.get("then"), dict):
            sources.append(self._compile(_merged_view(base, node["then"])))
        if not sources:
            sources.append(_any_value)
        fits = _validator(node)
        what = ", ".join(sorted(set(node) & _CHECKED)) or "anyOf"

        def checked(state: Draw) -> Any:
            last = ""
            rich = state.rich
            for attempt in range(_RETRIES):
                # rich values (every member, no empty array) may not fit at all:
                # the second half of the tries draws plain ones
                state.rich = rich and attempt < _RETRIES // 2
                try:
                    value = sources[attempt % len(sources)](state)
                except Undrawable as exc:
                    last = exc.reason
                    continue
                finally:
                    state.rich = rich
                if fits(value):
                    return value
            if last:
                raise Undrawable(f"no value satisfying its {what}: {last}")
            if "not" in node:
                raise Undrawable(
                    f"every value drawn in {_RETRIES} tries also matches its `not` "
                    "schema (for a oneOf alternative: another alternative admits "
                    "its bodies too, so none matches exactly one)"
                )
            raise Undrawable(f"no value satisfying its {what} in {_RETRIES} draws")

        return checked

    def _object(self, node: dict[str, Any]) -> Drawer:
        fast = inline_object(node, self._compile, self.formats)  # as source
        if fast is not None:
            return fast
        props: dict[str, Any] = node.get("properties") or {}
        required = list(dict.fromkeys(node.get("required") or ()))
        extra = node.get("additionalProperties", True)
        missing = [r for r in required if r not in props and extra is False]
        forbidden = [r for r in required if props.get(r) is False]
        if missing or forbidden:
            names = ", ".join(missing + forbidden)
            return nothing(f"required member(s) {names} may not appear")
        members = [
            (name, self._compile(sub), name in required)
            for name, sub in props.items()
            if sub is not False
        ]
        members += [(r, _any_value, True) for r in required if r not in props]
        extra_draw = None
        if extra is not False:
            extra_draw = _any_value if extra is True else self._compile(extra)
        least = node.get("minProperties", 0)
        most = node.get("maxProperties")
        free = not props and extra_draw is not None

        plain = extra_draw is None and most is None

        every = [(name, drawer) for name, drawer, _ in members]

        def draw_object(state: Draw) -> Any:
            if state.rich:
                out = {name: drawer(state) for name, drawer in every}
            else:
                random = state.rng.random
                out = {
                    name: drawer(state)
                    for name, drawer, needed in members
                    if needed or random() < _OPTIONAL_SHARE
                }
            if plain:
                return out
            rng = state.rng
            if extra_draw is not None:
                want = max(least - len(out), between(rng, 0, 2) if free else 0)
                tries = 0
                while want > 0 and tries < 20:
                    tries += 1
                    name = draw_text(rng, 1, 10)
                    if name not in out and name not in props:
                        out[name] = extra_draw(state)
                        want -= 1
            if most is not None and len(out) > most:
                for name, _, needed in reversed(members):
                    if len(out) <= most:
                        break
                    if not needed and name in out:
                        del out[name]
            return out

        return draw_object

    def _array(self, node: dict[str, Any]) -> Drawer:
        items = node.get("items", {})
        least = node.get("minItems", 0)
        most = node.get("maxItems")
        unique = bool(node.get("uniqueItems"))
        if isinstance(items, list):  # tuple form: one drawer per position
            parts = [self._compile(i) for i in items]
            return lambda state: [p(state) for p in parts][: most or None]
        if items is False:
            if least:
                return nothing(f"minItems {least} but items may not appear")
            return lambda state: []
        item = self._compile(items)
        if not unique:
            plain_top = _MAX_ITEMS if most is None else min(most, _MAX_ITEMS)
            plain_top = max(least, plain_top)
            rich_top = max(least, _RICH_ITEMS if most is None else min(most, 2))
            rich_low = min(max(least, 1), rich_top)

            def draw_list(state: Draw) -> Any:
                if state.rich:
                    size = between(state.rng, rich_low, rich_top)
                else:
                    size = between(state.rng, least, plain_top)
                return [item(state) for _ in range(size)]

            return draw_list

        def draw_array(state: Draw) -> Any:
            rng = state.rng
            cap = _RICH_ITEMS if state.rich else _MAX_ITEMS
            top = max(least, cap) if most is None else min(most, max(least, cap))
            size = between(rng, min(max(least, 1), top) if state.rich else least, top)
            out: list[Any] = []
            seen: set[str] = set()
            tries = 0
            while len(out) < size and tries < size * 8 + 8:
                tries += 1
                value = item(state)
                if unique:
                    key = json.dumps(value, sort_keys=True)
                    if key in seen:
                        continue
                    seen.add(key)
                out.append(value)
            if len(out) < least:
                raise Undrawable(f"fewer than minItems {least} distinct items")
            return out

        return draw_array

    def _string(self, node: dict[str, Any]) -> Drawer:
        least = node.get("minLength", 0)
        most = node.get("maxLength")
        pattern = node.get("pattern")
        fmt = node.get("format")
        make: Callable[[Random], str]
        if isinstance(fmt, str) and fmt in self.formats:
            make = self.formats[fmt]
            if not least and most is None and pattern is None:
                return lambda state: make(state.rng)
        elif isinstance(pattern, str):

            def make(rng: Random) -> str:
                return draw_regex(pattern, rng)

        else:
            return partial(Draw.text, least=least, span=text_span(least, most))
        check_pattern = fmt in self.formats and isinstance(pattern, str)

        def draw_string(state: Draw) -> str:
            for _ in range(_RETRIES):
                text = make(state.rng)
                if len(text) < least or (most is not None and len(text) > most):
                    continue
                if (check_pattern or pattern) and not _searches(pattern, text):
                    continue
                return text
            raise Undrawable(
                f"no string of length {least}..{most if most is not None else ''}"
                + (f" matching {pattern!r}" if pattern else "")
                + (f" in format {fmt}" if fmt else "")
            )

        return draw_string


def _searches(pattern: str | None, text: str) -> bool:
    import re

    return pattern is None or re.search(pattern, text) is not None


def _merged_view(base: dict[str, Any], part: Any) -> Any:
    if not isinstance(part, dict):
        return part
    if not base:
        return part
    return {**base, **part}


def _validator(node: Any) -> Callable[[Any], bool]:
    import jsonschema

    cls = jsonschema.validators.validator_for(node, default=jsonschema.Draft7Validator)
    return cls(node).is_valid  # type: ignore[no-any-return]


def _type_fits(value: Any, types: set[str]) -> bool:
    if value is None:
        return "null" in types
    if isinstance(value, bool):
        return "boolean" in types
    if isinstance(value, int):
        return bool(types & {"integer", "number"})
    if isinstance(value, float):
        return "number" in types or ("integer" in types and value.is_integer())
    if isinstance(value, str):
        return "string" in types
    if isinstance(value, list):
        return "array" in types
    return "object" in types


def _null(state: Draw) -> None:
    return None


def _any_value(state: Draw) -> Any:
    rng = state.rng
    kind = rng.randrange(6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return rng.randint(-1000, 1000)
    if kind == 3:
        return draw_text(rng, 0, 12)
    if kind == 4:
        return [draw_text(rng, 0, 6) for _ in range(rng.randint(0, 2))]
    return {draw_text(rng, 1, 6): rng.randint(0, 9) for _ in range(rng.randint(0, 2))}
