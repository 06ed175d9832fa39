"""The state of the direct sampler's draws, and the failure to draw.

Owns `Draw` (the seeded `Random`, the round-robin turn of every union, whether
members are all present, and the buffer text is cut from), `text_span` (the
lengths unpatterned text is drawn in), `Undrawable` (a node no
value satisfies, with the reason), `Drawer` (a draw function) and `nothing` (a
drawer that always fails with a reason). Shared by sample.py, numbers.py and
inline.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random
from typing import Any

from .draws import TEXT


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

    def text(self, least: int, span: int) -> str:
        """`least` to `least + span - 1` characters, cut from the buffer."""
        size = least + int(self.rng.random() * span)
        at = self.at
        if at + size > len(self.chars):
            self.refill(size)
            at = 0
        self.at = at + size
        return self.chars[at : at + size]

    def turn(self, union: int, size: int) -> int:
        left = self.turns.get(union)
        if not left:
            left = self.turns[union] = list(range(size))
            self.rng.shuffle(left)
        return left.pop()


Drawer = Callable[[Draw], Any]


def text_span(least: int, most: int | None) -> int:
    """How many lengths unpatterned text is drawn in: 13 at most, from `least` on."""
    top = least + 12 if most is None else max(least, min(most, least + 12))
    return top - least + 1


# Byte value → a character of the text alphabet (a str.translate table).
_BYTE_TO_CHAR = {byte: TEXT[byte % len(TEXT)] for byte in range(256)}


def nothing(reason: str) -> Drawer:
    def fail(state: Draw) -> Any:
        raise Undrawable(reason)

    return fail
