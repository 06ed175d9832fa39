"""Numbers for the direct sampler: integers and floats within a schema's bounds.

Owns `number_drawer` (minimum, maximum, their exclusive forms and `multipleOf`,
decimal, as the validator reads it). Unbounded numbers are drawn from a window
around zero, one draw in ten at a bound; an empty range is `Undrawable`.
"""

from __future__ import annotations

import math
from typing import Any

from .state import Draw, Drawer, Undrawable, nothing

_RETRIES = 24
_WINDOW = 1000  # unbounded numbers are drawn from [-1000, 1000]


def number_drawer(node: dict[str, Any], *, integer: bool) -> Drawer:
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
        return nothing(f"no integer between {lo} and {hi}")
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
        return nothing(f"no number between {lo} and {hi}")
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
