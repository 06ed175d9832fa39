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
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random
from typing import Any

from .draws import TEXT, between, draw_regex, draw_text
from .inline import inline_object
from .rewrite import _types

_RETRIES = 24  # draws of a checked node before it is Undrawable
_NULL_SHARE = 0.25  # nullable values are null this often
_OPTIONAL_SHARE = 0.5  # optional members are present this often (rich: always)
_MAX_ITEMS = 3  # arrays without maxItems
_RICH_ITEMS = 2
_WINDOW = 1000  # unbounded numbers are drawn from [-1000, 1000]
_CHECKED = frozenset(
    {"not", "allOf", "if", "then", "else", "contains", "propertyNames", "dependencies"}
)
_NO_TYPE_HINTS = {
    "object": ("properties", "required", "additionalProperties", "minProperties"),
    "array": ("items", "minItems", "maxItems", "uniqueItems"),
    "string": ("minLength", "maxLength", "pattern", "format"),
    "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"),
}


class Undrawable(Exception):
    """No value of a schema node could be drawn; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Draw:
    """The state of a run of draws: seeded `Random`, union turns, richness."""

    rng: Random
    rich: bool = False
    # union → the alternatives still to take in this round (a shuffled round each
    # time: every alternative once per round, in combinations that vary)
    turns: dict[int, list[int]] = field(default_factory=dict)
    # Text is cut from `chars` at `at`: characters drawn in bulk.
    chars: str = ""
    at: int = 0

    def refill(self, size: int) -> None:
        """A new buffer: random bytes, each mapped onto the text alphabet."""
        raw = self.rng.randbytes(max(4096, size)).decode("latin-1")
        self.chars = raw.translate(_BYTE_TO_CHAR)
        self.at = 0

    def turn(self, union: int, size: int) -> int:
        left = self.turns.get(union)
        if not left:
            left = self.turns[union] = list(range(size))
            self.rng.shuffle(left)
        return left.pop()


Drawer = Callable[[Draw], Any]
# Byte value → a character of the text alphabet (a str.translate table).
_BYTE_TO_CHAR = {byte: TEXT[byte % len(TEXT)] for byte in range(256)}


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
            return _nothing("the schema is `false` (its parts contradict each other)")
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
            types = {t for t, keys in _NO_TYPE_HINTS.items() if set(keys) & set(node)}
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
            return _number(node, integer=kind == "integer")
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
            return _nothing(f"no listed value {listed} fits the rest of the schema")
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
            return _nothing(f"required member(s) {names} may not appear")
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
                return _nothing(f"minItems {least} but items may not appear")
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
            top = least + 12 if most is None else max(least, min(most, least + 12))
            span = top - least + 1

            def draw_text_member(state: Draw) -> str:  # cut from Draw.chars
                size = least + int(state.rng.random() * span)
                at = state.at
                if at + size > len(state.chars):
                    state.refill(size)
                    at = 0
                state.at = at + size
                return state.chars[at : at + size]

            return draw_text_member
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


def _nothing(reason: str) -> Drawer:
    def fail(state: Draw) -> Any:
        raise Undrawable(reason)

    return fail


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
        return rng.randint(-_WINDOW, _WINDOW)
    if kind == 3:
        return draw_text(rng, 0, 12)
    if kind == 4:
        return [draw_text(rng, 0, 6) for _ in range(rng.randint(0, 2))]
    return {draw_text(rng, 1, 6): rng.randint(0, 9) for _ in range(rng.randint(0, 2))}


def _number(node: dict[str, Any], *, integer: bool) -> Drawer:
    low = node.get("minimum", -math.inf)
    high = node.get("maximum", math.inf)
    ex_low = node.get("exclusiveMinimum")
    ex_high = node.get("exclusiveMaximum")
    step = node.get("multipleOf")
    if integer:
        lo = math.ceil(low) if low != -math.inf else None
        hi = math.floor(high) if high != math.inf else None
        if ex_low is not None:
            lo = max(lo if lo is not None else -math.inf, math.floor(ex_low) + 1)
        if ex_high is not None:
            hi = min(hi if hi is not None else math.inf, math.ceil(ex_high) - 1)
        return _integers(lo, hi, step)
    return _floats(low, high, ex_low, ex_high, step)


def _integers(lo: Any, hi: Any, step: Any) -> Drawer:
    if isinstance(step, (int, float)) and step > 0 and float(step).is_integer():
        k_lo = None if lo is None else math.ceil(lo / step)
        k_hi = None if hi is None else math.floor(hi / step)
        inner = _integers(k_lo, k_hi, None)
        return lambda state: int(inner(state) * int(step))
    if step is not None:
        return _floats(
            lo if lo is not None else -math.inf,
            hi if hi is not None else math.inf,
            None,
            None,
            step,
            integral=True,
        )
    if lo is not None and hi is not None and lo > hi:
        return _nothing(f"no integer between {lo} and {hi}")
    w_lo = max(lo, -_WINDOW) if lo is not None else -_WINDOW
    w_hi = min(hi, _WINDOW) if hi is not None else _WINDOW
    if w_lo > w_hi:  # the window misses the range: draw near its nearer end
        w_lo, w_hi = (
            (lo, lo + _WINDOW)
            if lo is not None and lo > _WINDOW
            else (
                hi - _WINDOW,
                hi,
            )
        )
    edges = [e for e in (lo, hi) if e is not None]

    low, span = int(w_lo), int(w_hi) - int(w_lo) + 1
    edge_share = 0.1 if edges else 0.0

    def draw_integer(state: Draw) -> int:
        # one random number: an edge one time in ten, else uniform in the window
        r = state.rng.random()
        if r < edge_share:
            return int(edges[int(r * 10 * len(edges))])
        return low + int((r - edge_share) / (1 - edge_share) * span)

    return draw_integer


def _floats(
    low: Any,
    high: Any,
    ex_low: Any,
    ex_high: Any,
    step: Any,
    *,
    integral: bool = False,
) -> Drawer:
    from decimal import Decimal

    lo = max(low, ex_low) if ex_low is not None else low
    hi = min(high, ex_high) if ex_high is not None else high
    if lo > hi:
        return _nothing(f"no number between {lo} and {hi}")
    w_lo = max(lo, -_WINDOW)
    w_hi = min(hi, _WINDOW)
    if w_lo > w_hi:
        w_lo, w_hi = (lo, lo + _WINDOW) if lo > _WINDOW else (hi - _WINDOW, hi)

    def inside(value: float) -> bool:
        return (
            low <= value <= high
            and (ex_low is None or value > ex_low)
            and (ex_high is None or value < ex_high)
            and (not integral or float(value).is_integer())
        )

    if step is not None:
        unit = Decimal(str(step))
        k_lo = math.ceil(Decimal(str(w_lo)) / unit)
        k_hi = math.floor(Decimal(str(w_hi)) / unit)

        def draw_multiple(state: Draw) -> Any:
            for _ in range(_RETRIES):
                k = state.rng.randint(k_lo, k_hi) if k_lo <= k_hi else k_lo
                value = Decimal(k) * unit
                number = int(value) if value == value.to_integral() else float(value)
                if inside(number):
                    return number
            raise Undrawable(f"no multiple of {step} between {lo} and {hi}")

        return draw_multiple

    def draw_float(state: Draw) -> Any:
        rng = state.rng
        for _ in range(_RETRIES):
            if rng.random() < 0.3:
                value: Any = (
                    rng.randint(math.ceil(w_lo), math.floor(w_hi))
                    if (math.ceil(w_lo) <= math.floor(w_hi))
                    else w_lo
                )
            else:
                value = round(rng.uniform(w_lo, w_hi), 3)
            if inside(value):
                return value
        raise Undrawable(f"no number between {lo} and {hi}")

    return draw_float
