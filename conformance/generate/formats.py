"""Format drawers for the direct sampler: one `Random → valid string` per format.

A format's own `sample` comes first; a built-in format (its check unchanged) uses
the drawer in draws.py; any other format draws from a pool of valid strings taken
once from its hypothesis strategy, with a fixed seed so runs repeat. Every string
is checked by the format before it is used.
"""

from __future__ import annotations

from collections.abc import Callable
from random import Random
from typing import TYPE_CHECKING, Any

from ..formats import BUILTIN_FORMATS
from .draws import FORMAT_DRAWS, draw_text
from .state import Undrawable

if TYPE_CHECKING:
    from ..formats import Format

_POOL = 40  # strings drawn once from a strategy
_TRIES = 16


def format_draws(
    formats: dict[str, Format], aliases: dict[str, str]
) -> dict[str, Callable[[Random], str]]:
    """Format alias (as in the generation schema) → drawer of valid strings."""
    return {
        aliases[name]: _trusted(fmt) or _checked(fmt, _source(fmt))
        for name, fmt in formats.items()
        if name in aliases
    }


def _trusted(fmt: Format) -> Callable[[Random], str] | None:
    """The built-in drawer of an unchanged built-in format: valid by construction
    (tests/test_sample.py holds each to its check), so drawn without re-checking."""
    builtin = BUILTIN_FORMATS.get(fmt.name)
    if fmt.sample is None and builtin is not None and builtin.check is fmt.check:
        return FORMAT_DRAWS.get(fmt.name)
    return None


def _source(fmt: Format) -> Callable[[Random], str]:
    if fmt.sample is not None:
        return fmt.sample
    builtin = BUILTIN_FORMATS.get(fmt.name)
    if builtin is not None and builtin.check is fmt.check and fmt.name in FORMAT_DRAWS:
        return FORMAT_DRAWS[fmt.name]
    pool: list[str] = []
    filled: list[bool] = []

    def from_pool(rng: Random) -> str:
        if not filled:  # once, even when the strategy gave nothing valid
            filled.append(True)
            pool.extend(_pool(fmt))
        if not pool:
            return draw_text(rng)  # the check rejects it, with the format named
        return rng.choice(pool)

    return from_pool


def _checked(fmt: Format, source: Callable[[Random], str]) -> Callable[[Random], str]:
    def draw(rng: Random) -> str:
        for _ in range(_TRIES):
            text = source(rng)
            if fmt.check(text):
                return text
        raise Undrawable(f"no valid {fmt.name} string drawn in {_TRIES} tries")

    return draw


def _pool(fmt: Format) -> list[str]:
    from hypothesis import HealthCheck, Phase, given, seed, settings
    from hypothesis import strategies as st

    strategy: Any = (
        fmt.strategy() if fmt.strategy is not None else st.text().filter(fmt.check)
    )
    found: list[str] = []

    @settings(
        max_examples=_POOL,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @seed(0)
    @given(strategy)
    def collect(text: str) -> None:
        if fmt.check(text):
            found.append(text)

    try:
        collect()
    except Exception:  # noqa: BLE001 - no pool: the check then names the format
        return []
    return sorted(set(found))
